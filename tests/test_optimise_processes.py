"""optimise on every core: the same study for any number of workers, exactly the trials asked for, workers
that die with the command (kill -9 included), and storage URLs checked before Optuna touches them."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_optimise import small_default

from simulation.optimise.study import OptimiseSettings, check_storage, completed, optimise
from simulation.scenario.loader import parse_scenario

pytest.importorskip("optuna")
ROOT = Path(__file__).resolve().parents[1]


def test_the_study_is_the_same_for_any_number_of_workers(tmp_path):
    scenario = parse_scenario(small_default(tmp_path, n=300, horizon=6).read_text(), "small.yaml")
    settings = OptimiseSettings(1500.0, ("advertising", "seeding"), "profit", trials=4, replications=3, seed=5)
    studies = {jobs: optimise(scenario, settings, storage=None, jobs=jobs)[0] for jobs in (1, 2)}
    trials = {jobs: [(t.params, t.values, t.user_attrs["values"]) for t in completed(s)] for jobs, s in studies.items()}
    assert len(trials[1]) == 4 and len(trials[2]) == 4  # exactly the trials asked for
    assert trials[1] == trials[2]  # every point, value and replication alike


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_killing_optimise_ends_its_workers(tmp_path):
    path = small_default(tmp_path, n=2000, horizon=52)
    command = [sys.executable, str(ROOT / "run.py"), "optimise", str(path), "--budget", "1500"]
    command += [
        "--levers",
        "advertising,seeding",
        "--trials",
        "200",
        "-r",
        "4",
        "--jobs",
        "2",
        "--out",
        str(tmp_path / "o"),
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(workers := [p for p in _children(process.pid) if _alive(p)]) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(workers) >= 2, "the workers did not start"
        process.send_signal(signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 30  # a guard against a hang, not a speed check
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not any(_alive(p) for p in workers), "workers outlived the killed command"
    finally:
        if process.poll() is None:
            process.kill()
        for pid in _children(process.pid):
            os.kill(pid, signal.SIGKILL)


def _sqlite_of_something_else(tmp_path) -> str:
    path = tmp_path / "thesis.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE chapters (title TEXT)")
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("garbage", "not a database URL"),
        ("file:///tmp/x", "'file' cannot be used here"),
        ("redis://localhost/0", "'redis' cannot be used here"),
        ("sqlite:///:memory:", "an in-memory database keeps nothing"),
        ("sqlite://", "an in-memory database keeps nothing"),
        ("sqlite:////dev/null", "is not a regular file"),
        ("sqlite:///{tmp}", "is not a regular file"),
        ("sqlite:///{tmp}/missing/study.db", "does not exist"),
        ("sqlite:///{tmp}/empty.db", "is an empty file"),
        ("sqlite:///{tmp}/text.db", "is not a SQLite database"),
        ("sqlite:///{tmp}/header.db", "cannot be read as SQLite"),
        ("{other}", r"is a SQLite database but not an Optuna study.s \(tables: chapters\)"),
    ],
)
def test_storage_urls_are_checked_before_use(tmp_path, url, message):
    (tmp_path / "empty.db").write_bytes(b"")
    (tmp_path / "text.db").write_text("not a database\n")
    (tmp_path / "header.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)  # the header, then garbage
    url = url.format(tmp=tmp_path, other=_sqlite_of_something_else(tmp_path))
    before = (tmp_path / "thesis.db").read_bytes()
    with pytest.raises(ValueError, match=message) as error:
        check_storage(url)
    assert "\n" not in str(error.value) and str(error.value).startswith("--storage")
    assert (tmp_path / "thesis.db").read_bytes() == before  # the unrelated database gained no tables


def test_a_missing_driver_is_named(monkeypatch):
    pytest.importorskip("sqlalchemy")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match="'postgresql' cannot be used here.*install the database's driver"):
            check_storage("postgresql://user@localhost/db")
    else:
        check_storage("postgresql://user@localhost/db")  # a driver that is there: accepted (nothing connects)


def test_new_files_and_optuna_databases_are_accepted(tmp_path):
    import optuna

    check_storage(f"sqlite:///{tmp_path / 'new.db'}")
    optuna.create_study(storage=f"sqlite:///{tmp_path / 'old.db'}")
    check_storage(f"sqlite:///{tmp_path / 'old.db'}")


def test_the_command_refuses_a_bad_storage_before_any_trial(tmp_path, capsys):
    from run import main

    other = _sqlite_of_something_else(tmp_path)
    with pytest.raises(SystemExit):
        main(
            ["optimise", str(small_default(tmp_path)), "--budget", "100", "--levers", "advertising", "--storage", other]
        )
    assert "not an Optuna study's" in capsys.readouterr().err
    assert not (tmp_path / "results").exists()
