"""Sweeps under misuse: one writer per folder, seeds near 2^63, oversized designs, orphaned workers, bad schedulers."""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from test_sweep import SMALL, cli

from simulation.parameters import MAX_SEED
from simulation.sweep.scheduler import SchedulerError, check_scheduler
from simulation.sweep.store import LOCK, FolderLock, SweepStore, read_runs, run_schema

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def stopped(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as stop:
        cli(*argv)
    assert stop.value.code == 2
    return capsys.readouterr().err


# ------------------------------------------------------------------ one writer per folder
def test_a_second_sweep_into_a_busy_folder_is_refused(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    holder = FolderLock(out)  # as a running sweep holds it
    try:
        error = stopped(capsys, scenario_file, "--param", "purchase.q=0.2,0.4", "--jobs", 1, "--out", out)
        assert f"another sweep (process {os.getpid()}) is writing to this folder" in error
        assert not (out / "runs").exists()  # refused before touching anything
    finally:
        holder.release()
    assert cli(scenario_file, "--param", "purchase.q=0.2,0.4", "--jobs", 1, "--out", out) == 0
    assert len(read_runs(out)) == 2


def test_a_lock_left_by_a_killed_sweep_does_not_block(scenario_file, tmp_path):
    out = tmp_path / "out"
    code = f"import sys, os; sys.path.insert(0, {str(ROOT)!r}); from simulation.sweep.store import FolderLock; FolderLock({str(out)!r}); os.kill(os.getpid(), 9)"
    subprocess.run([sys.executable, "-c", code], check=False)
    assert (out / LOCK).exists()
    FolderLock(out).release()  # the operating system released the dead process's lock


def test_runs_stored_twice_are_read_once(tmp_path):
    schema = run_schema({"purchase.q": pa.float64()})
    row = {"id": "abc", "point": 0, "purchase.q": 0.2, "strategy": "s", "replication": 0, "seed": 1, "status": "ok"}
    for _ in range(2):  # two sweeps writing into one folder where no lock was possible
        store = SweepStore(tmp_path, schema, {"fingerprint": "f"})
        store.add(dict(row))
        store.flush()
    assert len(list((tmp_path / "runs").glob("part-*.parquet"))) == 2
    runs = read_runs(tmp_path)
    assert len(runs) == 1 and runs["id"].tolist() == ["abc"]


def test_a_folder_that_is_not_a_sweep_s_is_refused_unless_overwrite(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "timeseries.csv").write_text("old results")
    argv = (scenario_file, "--param", "purchase.q=0.2,0.4", "--jobs", 1, "--out", out)
    assert "the folder is not empty" in stopped(capsys, *argv)
    assert cli(*argv, "--overwrite") == 0
    assert not (out / "timeseries.csv").exists() and len(read_runs(out)) == 2
    assert cli(*argv) == 0  # its own folder: resumes (nothing left to run)
    assert "2 already stored, 0 to run" in capsys.readouterr().out


# ------------------------------------------------------------------ seeds near 2^63
def test_a_sweep_with_seeds_up_to_the_largest_stores_every_run(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    seed = MAX_SEED - 1
    argv = (scenario_file, "--set", f"seed={seed}", "--set", "replications=2", "--param", "purchase.q=0.2,0.4")
    assert cli(*argv, "--replications", 2, "--jobs", 1, "--out", out) == 0
    runs = read_runs(out)
    assert len(runs) == 4 and (runs["status"] == "ok").all()
    assert sorted(runs["seed"].unique()) == [seed, MAX_SEED]
    error = stopped(capsys, *argv, "--replications", 3, "--jobs", 1, "--out", tmp_path / "other")
    assert f"--replications 3: seeds {seed}..{seed + 2} go beyond 2^63 - 1" in error
    assert not (tmp_path / "other").exists()


# ------------------------------------------------------------------ designs too large to hold
@pytest.mark.parametrize(
    "params",
    [
        ["--param", "purchase.q=0:1:0.001", "--param", "purchase.p=0:1:0.001", "--param", "product.quality=0:1:0.01"],
        [
            "--param",
            "purchase.q=0..1",
            "--param",
            "purchase.p=0..1",
            "--design",
            "sobol",
            "--samples",
            2**19,
            "--replications",
            10,
        ],
    ],
)
def test_designs_too_large_are_refused_before_they_are_built(scenario_file, tmp_path, capsys, monkeypatch, params):
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "4G")
    tracemalloc.start()
    error = stopped(capsys, scenario_file, *params, "--jobs", 1, "--out", tmp_path / "out")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 256e6  # refused before the design (gigabytes) was built
    assert "sweep not valid; nothing was run: the design has" in error
    assert "4.0 GB is available: at most about" in error and "points would fit" in error


def test_a_point_too_large_for_the_jobs_at_once_is_refused(scenario_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "1G")
    error = stopped(
        capsys, scenario_file, "--param", "market.n_consumers=1000,4000000", "--jobs", 2, "--out", tmp_path / "o"
    )
    assert "design point 1: market.n_consumers = 4,000,000" in error and "for 2 runs at once" in error


# ------------------------------------------------------------------ workers end with their parent
@pytest.mark.slow
def test_workers_exit_when_the_sweep_is_killed(tmp_path):
    import psutil

    scenario = tmp_path / "medium.yaml"
    scenario.write_text(SMALL.replace("n_consumers: 300", "n_consumers: 3000").replace("horizon: 10", "horizon: 30"))
    out = tmp_path / "out"
    command = [sys.executable, str(ROOT / "run.py"), "sweep", str(scenario), "--param", "purchase.q=0.01:0.6:0.01"]
    command += ["--replications", "10", "--jobs", "2", "--out", str(out)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((out / "runs").glob("part-*.parquet")):
        time.sleep(0.05)
    workers = psutil.Process(process.pid).children(recursive=True)
    assert any("spawn_main" in " ".join(w.cmdline()) for w in workers)
    os.kill(process.pid, signal.SIGKILL)  # the parent only, as an OOM killer or `kill -9` would
    process.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    for worker in alive:
        worker.kill()
    assert not alive, f"workers still running 10 s after their parent died: {[w.pid for w in alive]}"


# ------------------------------------------------------------------ --scheduler that is no scheduler
@pytest.fixture
def http_port():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def test_an_http_server_is_not_taken_for_a_scheduler(scenario_file, tmp_path, capsys, http_port):
    argv = (scenario_file, "--param", "purchase.q=0.2,0.4", "--scheduler", f"tcp://127.0.0.1:{http_port}")
    error = stopped(capsys, *argv, "--out", tmp_path / "o")  # (its own 5 s handshake limit ends the wait)
    assert f"--scheduler tcp://127.0.0.1:{http_port}: no Dask handshake within 5 s" in error
    assert not (tmp_path / "o").exists()


def test_scheduler_addresses_that_cannot_work():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with pytest.raises(SchedulerError, match=rf"tcp://127.0.0.1:{free}: cannot connect"):
        check_scheduler(f"tcp://127.0.0.1:{free}")
    with pytest.raises(SchedulerError, match="expected tcp://HOST:PORT"):
        check_scheduler("tcp://nohost")
    with socket.socket() as talker:  # a server that greets with something that is not a Dask frame
        talker.bind(("127.0.0.1", 0))
        talker.listen()

        def greet():
            connection, _ = talker.accept()
            connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            time.sleep(1)
            connection.close()

        threading.Thread(target=greet, daemon=True).start()
        with pytest.raises(SchedulerError, match="something answers there, but not a Dask scheduler"):
            check_scheduler(f"127.0.0.1:{talker.getsockname()[1]}")


@pytest.mark.slow
def test_a_real_scheduler_passes_the_check():
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, dashboard_address=None, processes=False) as cluster:
        check_scheduler(cluster.scheduler_address)


def test_a_folder_with_only_a_lock_reads_as_no_runs(tmp_path):
    # read_runs on a folder with only a lock file (a sweep that stored nothing yet) is empty, not an error.
    FolderLock(tmp_path / "out").release()
    assert isinstance(read_runs(tmp_path / "out"), pd.DataFrame) and read_runs(tmp_path / "out").empty
