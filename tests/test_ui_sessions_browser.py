"""Issue 22 in headless Chromium: a comparison asking for more worker processes than the server has cores runs
on one per core and says so; closing its page mid-run ends the worker processes and frees the CPU."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import psutil
import pytest
import yaml
from ui_support import chromium_page, close_page_browser, collect_console_errors, require_chromium, solara_server

ROOT = Path(__file__).resolve().parents[1]
CORES = os.cpu_count() or 1


def wait_for(condition, what: str, timeout: float = 120.0):
    pause = threading.Event()
    for _ in range(int(timeout * 5)):
        found = condition()
        if found:
            return found
        pause.wait(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(CORES < 2, reason="a comparison in worker processes needs two cores")
def test_closing_the_page_mid_comparison_ends_its_workers_and_frees_the_cpu(tmp_path):
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["market"]["n_consumers"] = 5000  # a few seconds per replication, 500 of them: far longer than the test
    data["replications"] = 500
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with solara_server(ROOT / "simulation" / "app.py", env={"WOM_SCENARIO": str(path)}, cwd=ROOT) as url:
        server = psutil.Process(url.pid)
        with sync_playwright() as pw:
            page = chromium_page(pw, viewport={"width": 1400, "height": 1200})
            errors = collect_console_errors(page)
            try:
                page.goto(url, timeout=60_000)
                page.get_by_role("tab", name="Compare").click()
                before = {p.pid for p in server.children(recursive=True)}
                jobs = page.get_by_label("Worker processes")
                jobs.fill(str(CORES + 62))
                jobs.press("Enter")
                page.get_by_role("button", name="Run comparison").click()
                note = f"{CORES + 62} worker processes asked for; using {CORES}, one per CPU core of this server"
                page.get_by_text(note).wait_for(timeout=60_000)

                def started() -> list[psutil.Process]:
                    children = server.children(recursive=True)  # pool workers, not the resource tracker:
                    new = [p for p in children if p.pid not in before and "spawn_main" in " ".join(p.cmdline())]
                    return new if len(new) >= CORES else []

                workers = wait_for(started, "the comparison's worker processes")
                assert len(workers) == CORES  # capped: one per core, not 64
                expect(page.locator(".compare-progress")).to_be_visible(timeout=60_000)
                assert not errors, errors
                page.close(run_before_unload=True)  # the tab closes: the page's session ends
                wait_for(
                    lambda: not [p for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE],
                    "the worker processes to end after the page closed",
                    timeout=30,
                )
                # The CPU is free: the server and whatever it still runs use (almost) nothing over two seconds,
                # where the comparison used about two seconds of CPU per second.
                tree = [server, *server.children(recursive=True)]
                used = cpu_seconds(tree)
                threading.Event().wait(2.0)
                assert cpu_seconds(tree) - used < 0.3
            finally:
                close_page_browser(page)
