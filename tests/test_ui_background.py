"""Issue 22, the front end's background work: a session that ends (its page closed) stops its comparison,
sweep or search and removes its files; worker processes are capped at one per core with a note; a comparison
that would not fit in memory is refused in one line before anything runs."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import psutil
import pytest
import yaml

from simulation.scenario import load_scenario
from simulation.ui.compare_session import CompareSession
from simulation.ui.optimise_view import OptimiseSession
from simulation.ui.session import ExploreSession
from simulation.ui.sweep_view import SweepSession

ROOT = Path(__file__).resolve().parents[1]
CORES = os.cpu_count() or 1


def scenario_file(tmp_path: Path, n: int, horizon: int) -> Path:
    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["market"]["n_consumers"] = n
    data["horizon"] = horizon
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def workers() -> list[psutil.Process]:
    """This process's pool workers (spawned: ``spawn_main`` in their command line; not the resource tracker)."""
    return [p for p in psutil.Process().children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]


def wait_for(condition, what: str, timeout: float = 120.0) -> None:
    done = threading.Event()
    for _ in range(int(timeout * 10)):
        if condition():
            return
        done.wait(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.skipif(CORES < 2, reason="a comparison in worker processes needs two cores")
def test_a_closed_session_stops_its_comparison_and_its_worker_processes_at_once(tmp_path):
    compare = CompareSession()
    scenario = load_scenario(scenario_file(tmp_path, n=5000, horizon=52))  # seconds per replication
    compare.replications.value = 40
    compare.jobs.value = 2
    folder = compare.folder
    compare.start(scenario)
    wait_for(lambda: len(workers()) >= 2, "two worker processes")
    running = workers()
    compare.close()  # what Solara calls when the page's session ends
    assert compare.thread is not None
    compare.thread.join(timeout=60)
    assert not compare.thread.is_alive() and compare.message.value.startswith("cancelled")
    # Terminated, not left to finish their replications in flight: none runs once the comparison returned.
    assert not [p for p in running if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert compare.result.value is None and not folder.exists()
    compare.start(scenario)  # a closed session starts nothing
    assert not compare.running.value


@pytest.mark.slow
def test_a_closed_session_stops_its_sweep_and_its_search(tmp_path):
    explore = ExploreSession(str(scenario_file(tmp_path, n=400, horizon=8)))
    sweep = SweepSession()
    sweep.params.value = "purchase.q=0.1:1:0.01"  # 91 runs: far more than run before the close
    sweep.jobs.value = 1
    folder = sweep.folder
    sweep.start(explore)
    wait_for(lambda: sweep.progress.value[0] >= 1, "a first sweep run")
    sweep.close()
    sweep.thread.join(timeout=60)
    assert not sweep.thread.is_alive() and sweep.progress.value[0] < 91 and not folder.exists()

    search = OptimiseSession()
    search.trials.value, search.replications.value, search.validate.value = 200, 1, 0
    folder = search.folder
    search.start(explore.scenario.value)
    wait_for(lambda: search.progress.value[0] >= 1, "a first trial")
    search.close()
    search.thread.join(timeout=60)
    assert not search.thread.is_alive() and search.progress.value[0] < 200 and not folder.exists()


def test_more_workers_than_cores_are_capped_with_a_note(tmp_path):
    used: list[tuple[int, str]] = []  # the workers the comparison got, and the page's message then
    compare = CompareSession(runner=lambda scenario, replications, jobs, progress, cancel: used.append((jobs, note())))
    note = lambda: compare.message.value  # noqa: E731
    compare.jobs.value = CORES + 62
    compare.start(load_scenario(scenario_file(tmp_path, n=300, horizon=4)))
    compare.thread.join(timeout=30)
    [(jobs, message)] = used
    assert jobs == CORES
    assert f"{CORES + 62} worker processes asked for; using {CORES}, one per CPU core" in message


def test_a_comparison_that_would_not_fit_in_memory_is_refused_before_it_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "300M")
    compare = CompareSession(runner=lambda *args, **kwargs: pytest.fail("nothing may run"))
    compare.jobs.value = CORES
    compare.start(load_scenario(scenario_file(tmp_path, n=2_000_000, horizon=4)))
    assert compare.thread is None and not compare.running.value
    assert compare.error.value.startswith("not run: ") and "is available" in compare.error.value
    assert "\n" not in compare.error.value


def test_the_compare_views_defaults_are_the_compare_commands():
    """Replications: the scenario's (None until typed) as `run.py compare` without --replications; worker
    processes: one per core, as its --jobs default."""
    import argparse

    from simulation.commands import compare as compare_command

    parser = argparse.ArgumentParser()
    compare_command.add_arguments(parser)
    cli = parser.parse_args(["scenarios/default.yaml"])
    ui = CompareSession()
    assert (ui.replications.value, ui.jobs.value) == (cli.replications, cli.jobs) == (None, CORES)
    scenario = load_scenario(ROOT / "scenarios" / "default.yaml")
    assert ui.replications_for(scenario) == scenario.replications


def test_a_sweep_asking_for_more_workers_than_cores_gets_one_per_core_with_a_note(tmp_path, monkeypatch):
    from simulation.sweep import job

    seen: list[tuple[int, str]] = []

    def recording_run_sweep(sweep, store, jobs, progress, cancel):
        seen.append((jobs, session.message.value))
        raise RuntimeError("recorded")

    monkeypatch.setattr(job, "run_sweep", recording_run_sweep)
    explore = ExploreSession(str(scenario_file(tmp_path, n=300, horizon=4)))
    session = SweepSession()
    session.params.value = "purchase.q=0.2,0.4"
    session.jobs.value = CORES + 62
    session.start(explore)
    session.thread.join(timeout=60)
    [(jobs, message)] = seen
    assert jobs == CORES and f"{CORES + 62} worker processes asked for; using {CORES}" in message
