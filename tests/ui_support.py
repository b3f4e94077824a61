"""Helpers for tests of the Solara front end: the texts of a render tree (``texts``), and end-to-end
tests in headless Chromium.

No tests live here. What the helpers assume about the machine:

* The browser is Debian's ``chromium`` at ``/usr/bin/chromium`` (``scripts/browser.sh`` installs
  it); Playwright cannot download its own browser here. Without it, tests that call
  :func:`require_chromium` are skipped on a developer's machine but FAIL under CI (``CI`` set).
* Solara's front-end assets are served from the offline CDN cache under
  ``<sys.prefix>/share/solara/cdn/`` (``scripts/solara_assets.sh`` fills it). Any asset still
  missing shows up in the server log as ``Could not load URL: ...``; :func:`cdn_misses` lists them.

Typical use::

    from ui_support import solara_server, chromium_page, collect_console_errors, require_chromium

    def test_page(tmp_path):
        require_chromium()
        from playwright.sync_api import sync_playwright

        with solara_server("path/to/app.py") as url, sync_playwright() as pw:
            page = chromium_page(pw)
            errors = collect_console_errors(page)
            page.goto(url)
            ...
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

# --headless/--no-sandbox/--disable-gpu: no display, root user, no GPU.
# The rest stop Chromium from trying to reach the internet (which is not there) on its own.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

SERVER_START_TIMEOUT = 90.0  # seconds until the HTTP port must answer
SERVER_STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL of the server's process group
LOG_TAIL_CHARS = 6000

_FALSY = {"", "0", "false", "no", "off"}


def running_under_ci() -> bool:
    """True when the environment variable CI is set (to anything but an empty/false value)."""
    return os.environ.get("CI", "").strip().lower() not in _FALSY


def require_chromium() -> None:
    """Skip the calling test when the browser pipeline is unavailable, unless under CI.

    Off CI a missing /usr/bin/chromium (or a missing Playwright) is a skip with the reason;
    under CI it is a failure, so a CI machine that lost its browser cannot pass silently.
    """
    problems = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problems.append(f"{CHROMIUM} is missing (run scripts/browser.sh)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the Python package 'playwright' is not installed (pip install -e '.[test]')")
    if not problems:
        return
    reason = "headless browser tests need Chromium and Playwright: " + "; ".join(problems)
    if running_under_ci():
        pytest.fail(reason + " [CI is set, so this is a failure, not a skip]", pytrace=False)
    pytest.skip(reason)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ServerURL(str):
    """The server's base URL (a plain ``str``), which also knows where the server's log is and its process id."""

    log_path: Path
    pid: int = 0

    def __new__(cls, url: str, log_path: Path) -> ServerURL:
        obj = super().__new__(cls, url)
        obj.log_path = log_path
        return obj

    def log_text(self) -> str:
        """Everything the server has written to stdout/stderr so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


_CDN_MISS = re.compile(r"Could not load URL: '?([^'\s]+)")


def cdn_misses(log_text: str) -> list[str]:
    """The CDN URLs the server could not fetch (assets missing from the offline cache)."""
    return sorted(set(_CDN_MISS.findall(log_text)))


def _tail(text: str, n: int = LOG_TAIL_CHARS) -> str:
    return text if len(text) <= n else "...\n" + text[-n:]


def _http_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            response.read(1)
        return True
    except urllib.error.HTTPError:
        return True  # an HTTP error status is still an answer
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop_process_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    for sig, wait in ((signal.SIGTERM, SERVER_STOP_TIMEOUT), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # Children of the group that outlived the leader: make sure none is left running.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


@contextlib.contextmanager
def solara_server(
    app: str | os.PathLike[str],
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    *,
    timeout: float = SERVER_START_TIMEOUT,
    cwd: str | os.PathLike[str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> Iterator[ServerURL]:
    """Serve ``app`` (a file path or a module path with a ``page``) with ``solara run``.

    Runs ``python -m solara run APP --host 127.0.0.1 --port PORT --production --no-open
    --no-check-version`` with the running interpreter, in a new process group, with Solara's
    telemetry off. Waits (at most ``timeout`` seconds) until the HTTP port answers, then yields the
    URL (a :class:`ServerURL`, so ``url.log_text()`` gives the server's log; read it inside the
    ``with`` block: the log is deleted after a clean exit and kept, its path printed to stderr, after
    an exception). On exit it terminates the whole process group. If the server exits or does not answer in time, raises RuntimeError
    with the tail of the server's log.
    """
    host = "127.0.0.1"
    port = port or free_port(host)
    app_arg = str(app)
    if os.path.exists(app_arg):
        app_arg = str(Path(app_arg).resolve())

    proc_env = dict(os.environ)
    proc_env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    proc_env.setdefault("PYTHONUNBUFFERED", "1")
    if env:
        proc_env.update(env)
    proc_env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"  # never on, whatever env says

    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        app_arg,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",  # otherwise solara opens the URL in the system's browser
        "--no-check-version",  # otherwise it asks PyPI for the latest version
        *extra_args,
    ]

    log_dir = Path(tempfile.mkdtemp(prefix="solara-server-"))
    log_path = log_dir / "server.log"
    url = ServerURL(f"http://{host}:{port}", log_path)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=proc_env,
            cwd=cwd,
            start_new_session=True,  # own process group: we can end it and all its children
        )
    url.pid = proc.pid
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"solara server exited with code {proc.returncode} before answering on {url}.\n"
                    f"command: {' '.join(cmd)}\nserver log ({log_path}):\n{_tail(url.log_text())}"
                )
            if _http_answers(url + "/"):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"solara server did not answer on {url} within {timeout:.0f} s.\n"
                    f"command: {' '.join(cmd)}\nserver log ({log_path}):\n{_tail(url.log_text())}"
                )
            time.sleep(0.25)
        yield url
    except BaseException:
        _stop_process_group(proc)
        # Keep the log for a post-mortem; say where it is.
        sys.stderr.write(f"solara server log kept at {log_path}\n")
        raise
    else:
        _stop_process_group(proc)
        shutil.rmtree(log_dir, ignore_errors=True)


def launch_chromium(playwright, **launch_kwargs):
    """Launch Debian's /usr/bin/chromium headless through Playwright; returns the Browser."""
    require_chromium()
    args = list(CHROMIUM_FLAGS) + list(launch_kwargs.pop("args", []))
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=args,
        **launch_kwargs,
    )


def chromium_page(playwright, *, viewport: Mapping[str, int] | None = None, **launch_kwargs):
    """A fresh page in a newly launched headless Chromium.

    The browser is ``page.context.browser``; close it with ``close_page_browser(page)`` (or let
    the ``sync_playwright()`` block end, which closes it too).
    """
    browser = launch_chromium(playwright, **launch_kwargs)
    context = browser.new_context(viewport=dict(viewport or {"width": 1400, "height": 1000}))
    return context.new_page()


def close_page_browser(page) -> None:
    """Close the browser that :func:`chromium_page` launched for ``page``."""
    browser = page.context.browser
    if browser is not None:
        browser.close()


def collect_console_errors(page) -> list[str]:
    """Start collecting the page's console errors and uncaught exceptions.

    Returns a list that fills up as errors happen; call it before ``page.goto``.
    """
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            location = message.location or {}
            where = location.get("url", "")
            errors.append(f"console.error: {message.text}" + (f" ({where})" if where else ""))

    def on_page_error(error) -> None:
        errors.append(f"pageerror: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return errors


def texts(rc) -> list[str]:
    """Every text a render tree (``solara.render``) shows: text nodes of Html widgets and of the Html elements
    nested in them (TextLine's pieces), solara.Markdown's rendered HTML and solara.Details titles."""
    import ipyvuetify as v

    found: list[str] = []

    def walk(widget):
        for child in widget.children:
            if isinstance(child, str):
                found.append(child)
            elif isinstance(child, v.Html):
                walk(child)

    for widget in rc.find(v.Html).widgets:
        walk(widget)
    for widget in rc.find(v.VuetifyTemplate).widgets:
        found.append(str(widget.template))
    for widget in rc.find(v.ExpansionPanelHeader).widgets:
        found.extend(str(c) for c in widget.children if isinstance(c, str))
    return found
