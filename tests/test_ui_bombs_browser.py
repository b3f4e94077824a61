"""Issue 22 in headless Chromium: a gzip bomb uploaded with a scenario that names it is refused on the page,
after reading only what the memory could hold (the server's peak memory grows by far less than the bomb's
2 GB), and the running market is kept."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
import yaml

try:
    from ui_support import chromium_page, collect_console_errors, require_chromium, solara_server
except ImportError:  # tests/ imported as a package
    from tests.ui_support import chromium_page, collect_console_errors, require_chromium, solara_server

ROOT = Path(__file__).resolve().parents[1]


def peak_memory(pid: int) -> int:
    """A process's peak resident memory so far, in bytes (Linux: VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for process {pid}")


@pytest.mark.browser
@pytest.mark.slow
def test_an_uploaded_gzip_bomb_is_refused_on_the_page(tmp_path):
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = tmp_path / "bomb.edges.gz"  # 2 GB of text in about 2 MB
    bomb.write_bytes(b"".join(packer.compress(b"0" * 2**20) for _ in range(2048)) + packer.flush())
    scenario = tmp_path / "bomb.yaml"
    scenario.write_text(
        yaml.safe_dump({"market": {"n_consumers": 2}, "network": {"kind": "edge_list", "edge_list": "bomb.edges.gz"}})
    )
    env = {"WOM_SCENARIO": str(ROOT / "scenarios" / "default.yaml"), "WOM_MEMORY_LIMIT": "1G"}
    with solara_server(ROOT / "simulation" / "app.py", env=env, cwd=ROOT) as url, sync_playwright() as pw:
        page = chromium_page(pw, viewport={"width": 1600, "height": 1400})
        errors = collect_console_errors(page)
        page.goto(url, timeout=60_000)
        expect(page.locator(".step-counter")).to_contain_text("step 0 of", timeout=60_000)
        before = page.locator(".step-counter").inner_text()
        peak = peak_memory(url.pid)
        picker = page.locator(".scenario-file-picker input[type=file]")
        picker.set_input_files(str(bomb))  # kept for the scenario that names it
        expect(page.get_by_text("received bomb.edges.gz")).to_be_visible(timeout=60_000)
        picker.set_input_files(str(scenario))
        expect(page.get_by_text("bomb.edges.gz (more than", exact=False)).to_be_visible(timeout=60_000)
        expect(page.get_by_text("use a smaller network file", exact=False)).to_be_visible()
        assert page.locator(".step-counter").inner_text() == before  # the running market is kept
        assert peak_memory(url.pid) - peak < 256 * 2**20, "the bomb was decompressed in memory"
        assert "Traceback" not in page.inner_text("body") and not errors, errors
