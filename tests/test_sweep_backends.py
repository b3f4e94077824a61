"""Sweeps across backends and interruptions: serial = processes = Dask, resume after SIGKILL, Sobol's known answer."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_sweep import SMALL, cli

from simulation.experiment.runs import run_once
from simulation.scenario import load_scenario
from simulation.sweep.base import BaseScenario
from simulation.sweep.design import build_design
from simulation.sweep.runner import execute, executor
from simulation.sweep.spec import parse_param
from simulation.sweep.store import read_runs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def _rows(base, tasks, **backend) -> dict:
    with executor(**backend) as (pool, slots):
        rows = {row["id"]: row for row in execute(pool, slots, base, tasks)}
    for row in rows.values():
        row.pop("elapsed"), row.pop("cpu_seconds")
    return rows


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        x == y or (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y))
        for x, y in zip(a.values(), (b[k] for k in a))
    )


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_rows(scenario_file):
    base = BaseScenario(
        scenario_file.read_text(),
        str(scenario_file),
        ("market.n_consumers=400", "horizon=30"),
        str(scenario_file.parent),
    )
    design = build_design(
        "lhs", [parse_param("purchase.q=0.1..0.8"), parse_param("product.quality=-0.5..0.9")], base, 4, seed=2
    )
    tasks = design.tasks(base, ["do_nothing", "referral"], 2)
    serial = _rows(base, tasks, jobs=1)
    processes = _rows(base, tasks, jobs=2)
    dask = _rows(base, tasks, dask_workers=2)
    assert len(serial) == len(tasks) == 16
    assert all(row["status"] == "ok" for row in serial.values())
    # Rows are not all alike: the design and the strategies matter, so the comparison has teeth.
    assert len({(row["adopters"], row["aware_share"], row["mean_opinion"]) for row in serial.values()}) > 8
    for task_id, row in serial.items():
        assert _same(row, processes[task_id]), task_id
        assert _same(row, dask[task_id]), task_id


@pytest.mark.slow
def test_command_on_a_dask_scheduler_matches_serial(scenario_file, tmp_path):
    from distributed import LocalCluster

    args = (scenario_file, "--param", "purchase.q=0.2,0.5", "--strategy", "all", "--timeseries")
    assert cli(*args, "--jobs", 1, "--out", tmp_path / "serial") == 0
    # A cluster started elsewhere, reached by its address as a remote one would be.
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        assert cli(*args, "--scheduler", cluster.scheduler_address, "--out", tmp_path / "dask") == 0
    series = [
        pd.read_parquet(tmp_path / name / "timeseries").sort_values(["id", "step"], ignore_index=True)
        for name in ("serial", "dask")
    ]
    pd.testing.assert_frame_equal(*series)
    serial, dask = (read_runs(tmp_path / name).drop(columns=["elapsed", "cpu_seconds"]) for name in ("serial", "dask"))
    pd.testing.assert_frame_equal(serial, dask)


@pytest.mark.slow
def test_resume_after_sigkill_runs_each_task_exactly_once(tmp_path):
    scenario = tmp_path / "medium.yaml"
    scenario.write_text(SMALL.replace("n_consumers: 300", "n_consumers: 2000").replace("horizon: 10", "horizon: 20"))
    out = tmp_path / "out"
    command = [
        sys.executable,
        str(ROOT / "run.py"),
        "sweep",
        str(scenario),
        "--param",
        "purchase.q=0.01:0.6:0.01",
        "--replications",
        "4",
        "--jobs",
        "2",
        "--out",
        str(out),
    ]
    total = 60 * 4
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while (
        time.monotonic() < deadline and len(list((out / "runs").glob("part-*.parquet"))) < 2 and process.poll() is None
    ):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the sweep and its workers, mid-run
    process.wait()
    stored = read_runs(out)
    assert 0 < len(stored) < total, "the kill should land part way through"
    assert stored["id"].is_unique
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert f"{len(stored)} already stored, {total - len(stored)} to run" in finished.stdout
    runs = read_runs(out)
    assert len(runs) == total and runs["id"].is_unique and (runs["status"] == "ok").all()
    assert sorted(runs.groupby("point").size().unique()) == [4]
    # Runs from before the kill are the same as a clean run would give.
    before = stored.set_index("id").drop(columns=["elapsed", "cpu_seconds"])
    after = runs.set_index("id").drop(columns=["elapsed", "cpu_seconds"]).loc[before.index]
    pd.testing.assert_frame_equal(before, after)


def test_margin_does_not_change_adoption_in_the_engine(scenario_file):
    # Precondition of the Sobol check below: margin only scales profit.
    # p raised so that this small market sells something in every draw (profit is 0 without sales).
    low = run_once(load_scenario(scenario_file, ["product.margin=0.1", "purchase.p=0.5"]), None, 0)
    high = run_once(load_scenario(scenario_file, ["product.margin=0.9", "purchase.p=0.5"]), None, 0)
    pd.testing.assert_frame_equal(
        low.timeseries.drop(columns=["gross_profit", "profit"]),
        high.timeseries.drop(columns=["gross_profit", "profit"]),
    )
    assert high.kpis["profit"] > low.kpis["profit"]


@pytest.mark.slow
def test_sobol_finds_the_parameter_that_matters_and_not_the_null_one(scenario_file, tmp_path):
    out = tmp_path / "out"
    assert (
        cli(
            scenario_file,
            "--param",
            "purchase.p=0.005..0.2",
            "--param",
            "product.margin=0.1..0.9",
            "--design",
            "sobol",
            "--samples",
            64,
            "--kpi",
            "adopters",
            "--kpi",
            "profit",
            "--jobs",
            1,
            "--out",
            out,
        )
        == 0
    )
    assert len(read_runs(out)) == 64 * 4
    table = pd.read_csv(out / "sensitivity.csv").set_index(["kpi", "parameter"])
    p, margin = table.loc[("adopters", "purchase.p")], table.loc[("adopters", "product.margin")]
    # margin has no effect on adopters: its total index is zero, inside its own interval.
    assert abs(margin["ST"]) <= max(margin["ST_conf"], 0.01) and abs(margin["S1"]) <= max(margin["S1_conf"], 0.01)
    # p is all there is: its indices are near 1 and well clear of zero.
    assert p["ST"] - p["ST_conf"] > 0.7 and p["S1"] - p["S1_conf"] > 0.5
    # For profit margin does matter (profit = margin x revenue - spend): at N = 64 its estimate is clear of
    # zero, though its interval is wide.
    assert table.loc[("profit", "product.margin"), "ST"] > 0.1
    html = (out / "sweep_report.html").read_text()
    assert "Sobol sensitivity indices" in html and "data:image/png;base64," in html
    # Both KPIs are analysed and their drivers put in words.
    assert "purchase.p explains most of the variance of adopters by week 10" in html
    assert "product.margin has no effect distinguishable from zero" in html
    profit = next(line for line in html.split("<li>") if "profit by week 10" in line)
    assert "purchase.p" in profit and "product.margin" in profit  # both drive profit (margin x revenue)


def test_morris_ranks_the_parameter_that_matters(scenario_file, tmp_path):
    out = tmp_path / "out"
    assert (
        cli(
            scenario_file,
            "--param",
            "purchase.p=0.005..0.2",
            "--param",
            "product.margin=0.1..0.9",
            "--design",
            "morris",
            "--samples",
            6,
            "--kpi",
            "adopters",
            "--jobs",
            1,
            "--out",
            out,
        )
        == 0
    )
    table = pd.read_csv(out / "sensitivity.csv").set_index("parameter")
    assert table.loc["product.margin", "mu_star"] == 0.0
    assert table.loc["purchase.p", "mu_star"] - table.loc["purchase.p", "mu_star_conf"] > 0
    assert np.isfinite(table["sigma"]).all()


def _start_medium_sweep(tmp_path, jobs: int):
    """A 180-run sweep started as a subprocess, returned once its first part is on disk: (process, command, out).
    Its runs are long enough (3,000 consumers x 120 steps) that the rest of the sweep is still running when the
    first part appears: 3.8-5.5 s of it on two free cores (2.5-3 s at 60 steps, after the engine's speed-ups)."""
    scenario = tmp_path / "medium.yaml"
    scenario.write_text(SMALL.replace("n_consumers: 300", "n_consumers: 3000").replace("horizon: 10", "horizon: 120"))
    out = tmp_path / "out"
    command = [
        sys.executable,
        str(ROOT / "run.py"),
        "sweep",
        str(scenario),
        "--param",
        "purchase.q=0.01:0.6:0.01",
        "--replications",
        "3",
        "--jobs",
        str(jobs),
        "--out",
        str(out),
    ]
    # SIGINT at its default in the child: an earlier test (a server, a cluster) may leave it ignored in this
    # process, and a Python started with SIGINT ignored never raises KeyboardInterrupt.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((out / "runs").glob("part-*.parquet")) and process.poll() is None:
        time.sleep(0.05)
    return process, command, out


def _interrupted_then_resumed(process, command, out, returncode: int):
    """The interrupted sweep kept some runs and asks to be rerun; the rerun completes; returns all runs."""
    _, err = process.communicate(timeout=60)
    assert process.returncode == returncode and "run the same command again to resume" in err, err[-2000:]
    stored = read_runs(out)
    assert 0 < len(stored) < 180 and stored["id"].is_unique
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    runs = read_runs(out)
    assert len(runs) == 180 and runs["id"].is_unique
    return runs


def test_ctrl_c_inside_a_compiled_kernel_stops_the_sweep_instead_of_failing_the_run(scenario_file, monkeypatch):
    """Ctrl+C landing while a numba kernel runs surfaces as a SystemError whose context is the interrupt; a sweep
    must stop on it (exit 130, resumable), not store the run as failed and carry on to exit 0."""
    from simulation.sweep import runner

    base = BaseScenario(scenario_file.read_text(), str(scenario_file), (), str(scenario_file.parent))
    task = build_design("grid", [parse_param("purchase.q=0.1:0.2:0.1")], base).tasks(base, ["do_nothing"], 1)[0]

    def interrupted_kernel(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise SystemError("CPUDispatcher(<function thin>) returned a result with an exception set") from None

    monkeypatch.setattr(runner, "run_once", interrupted_kernel)
    with pytest.raises(KeyboardInterrupt):
        runner.run_point(base, task)

    def broken_kernel(*args, **kwargs):
        raise SystemError("a genuine failure")

    monkeypatch.setattr(runner, "run_once", broken_kernel)
    row = runner.run_point(base, task)
    assert row["status"] == "error" and "a genuine failure" in row["error"]


@pytest.mark.slow
def test_ctrl_c_keeps_completed_runs_and_the_rerun_completes(tmp_path):
    process, command, out = _start_medium_sweep(tmp_path, jobs=1)
    process.send_signal(signal.SIGINT)
    _interrupted_then_resumed(process, command, out, returncode=130)


@pytest.mark.slow
def test_a_killed_worker_stops_the_sweep_cleanly_and_the_rerun_completes(tmp_path):
    import psutil

    process, command, out = _start_medium_sweep(tmp_path, jobs=2)
    workers = [c for c in psutil.Process(process.pid).children(recursive=True) if "spawn_main" in " ".join(c.cmdline())]
    assert workers, "the sweep should be running on worker processes"
    workers[0].kill()  # a worker lost mid-sweep (OOM killer, a crash)
    runs = _interrupted_then_resumed(process, command, out, returncode=1)
    assert (runs["status"] == "ok").all()


@pytest.mark.slow
def test_sigint_to_the_parent_alone_stops_workers_at_once_and_the_rerun_completes(tmp_path):
    """SIGINT sent to the sweep's process only (as `kill -INT PID` does, unlike Ctrl+C which reaches the
    whole process group): the workers are ended, the completed runs stay, the command exits 130 promptly."""
    import psutil

    process, command, out = _start_medium_sweep(tmp_path, jobs=2)
    workers = [c for c in psutil.Process(process.pid).children(recursive=True) if "spawn_main" in " ".join(c.cmdline())]
    assert workers, "the sweep should be running on worker processes"
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    assert time.monotonic() - started < 10, "the sweep should stop without waiting for queued runs"
    psutil.wait_procs(workers, timeout=5)
    assert not [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
    _interrupted_then_resumed(process, command, out, returncode=130)
