"""End-to-end check of the browser-test pipeline itself.

Serves a minimal Solara page (a Button and a Markdown) from a temporary file, loads it in headless
Chromium, clicks the button and checks that the text changed. A pass means: the Solara server
starts, its front-end assets are served from the offline CDN cache (scripts/solara_assets.sh),
Chromium (scripts/browser.sh) runs headless under Playwright, and the websocket round trip works.
"""

from __future__ import annotations

import textwrap

import pytest

try:
    from ui_support import (
        cdn_misses,
        chromium_page,
        close_page_browser,
        collect_console_errors,
        require_chromium,
        solara_server,
    )
except ImportError:  # tests/ imported as a package
    from tests.ui_support import (
        cdn_misses,
        chromium_page,
        close_page_browser,
        collect_console_errors,
        require_chromium,
        solara_server,
    )

MINI_APP = textwrap.dedent(
    """
    import solara


    @solara.component
    def Page():
        presses, set_presses = solara.use_state(0)
        solara.Button("Press me", on_click=lambda: set_presses(presses + 1))
        solara.Markdown(f"**Pressed {presses} times**")
    """
)


@pytest.mark.browser
def test_button_click_updates_markdown(tmp_path):
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    app = tmp_path / "mini_app.py"
    app.write_text(MINI_APP)

    with solara_server(app, timeout=45, cwd=tmp_path) as url, sync_playwright() as pw:
        page = chromium_page(pw)
        errors = collect_console_errors(page)

        def diagnosis() -> str:
            missing = cdn_misses(url.log_text())
            hint = " (run scripts/solara_assets.sh to fill the offline cache)" if missing else ""
            return f"CDN assets missing{hint}: {missing}\nbrowser console errors: {errors}"

        try:
            page.goto(url, timeout=30_000)
            try:
                expect(page.get_by_text("Pressed 0 times")).to_be_visible(timeout=30_000)
            except AssertionError as exc:
                raise AssertionError(f"the page did not render the app.\n{diagnosis()}") from exc

            page.get_by_role("button", name="Press me").click()
            try:
                expect(page.get_by_text("Pressed 1 times")).to_be_visible(timeout=10_000)
            except AssertionError as exc:
                raise AssertionError(f"clicking the button did not update the text.\n{diagnosis()}") from exc
            assert page.get_by_text("Pressed 0 times").count() == 0
        finally:
            close_page_browser(page)

        assert not cdn_misses(url.log_text()), diagnosis()
        assert not errors, diagnosis()
