"""Output folders keep a manifest of what each command wrote: --overwrite removes only those files, an
interrupted command's files are marked and cleared by the next command, a folder that cannot be written is
refused before any work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_commands_output import cli, refused, scenario_file

from simulation.commands import manifest

ROOT = Path(__file__).resolve().parents[1]


def test_overwrite_removes_only_what_the_tool_wrote(tmp_path, capsys):
    scenario, out = scenario_file(tmp_path), tmp_path / "D"
    assert cli("compare", scenario, "-r", 2, "-j", 1, "--out", out) == 0  # a manifest listing its files
    (out / "validation").mkdir()
    (out / "validation" / "thesis.tex").write_text("my thesis")
    (out / "runs").mkdir(exist_ok=True)
    (out / "runs" / "notes.md").write_text("mine too")
    assert cli("simulate", scenario, "--out", out, "--overwrite") == 0
    written = json.loads((out / manifest.MANIFEST).read_text())
    assert written["status"] == "complete"
    assert set(written["written"]) == {"scenario.yaml", "timeseries.csv"}
    assert set(written["existing"]) == {"validation/thesis.tex", "runs/notes.md"}  # compare.s files removed
    assert cli("simulate", scenario, "--seed", 9, "--out", out, "--overwrite") == 0
    assert cli("compare", scenario, "-r", 2, "-j", 1, "--out", out, "--overwrite") == 0
    assert (out / "validation" / "thesis.tex").read_text() == "my thesis"  # the reproducer of issue 22
    assert (out / "runs" / "notes.md").read_text() == "mine too"
    assert not (out / "timeseries.csv").exists()  # the earlier command's own file is gone
    assert (out / "summary.csv").is_file()


def test_a_folder_written_before_manifests_keeps_its_subfolders(tmp_path, capsys):
    scenario, out = scenario_file(tmp_path), tmp_path / "old"
    (out / "validation").mkdir(parents=True)
    (out / "validation" / "thesis.tex").write_text("my thesis")
    (out / "summary.csv").write_text("old\n")
    error = refused(capsys, "simulate", scenario, "--out", out, "--overwrite")
    assert "validation/ was not recorded as written by this tool" in error
    assert (out / "validation" / "thesis.tex").read_text() == "my thesis" and (out / "summary.csv").exists()


def test_an_unwritable_out_is_refused_before_the_run(tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)
    try:
        assert "cannot write there" in refused(capsys, "simulate", scenario_file(tmp_path), "--out", out)
    finally:
        out.chmod(0o700)


def test_an_unwritable_out_is_refused_before_the_run_even_as_root(tmp_path, capsys, monkeypatch):
    def no_space(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(manifest, "start", no_space)
    started = []
    monkeypatch.setattr("simulation.experiment.runs.run_once", lambda *a, **k: started.append(a))
    error = refused(capsys, "simulate", scenario_file(tmp_path), "--out", tmp_path / "full")
    assert "--out" in error and "cannot write there (No space left on device)" in error and not started


def test_an_interrupted_command_is_marked_and_cleared_by_the_next(tmp_path, capsys):
    scenario, out = scenario_file(tmp_path), tmp_path / "cut"
    out.mkdir()
    (out / "mine.txt").write_text("mine")
    manifest.start(out, "compare")  # as a compare killed mid-write leaves it
    (out / "summary.csv").write_text("half")
    (out / "runs").mkdir()
    (out / "runs" / "part-0.parquet").write_text("half")
    assert json.loads((out / manifest.MANIFEST).read_text())["status"] == "running"  # the mark
    # No --overwrite needed: the incomplete files are removed, the user's stays.
    assert cli("simulate", scenario, "--out", out) == 0
    assert "removed 2 files an interrupted command left incomplete" in capsys.readouterr().err
    assert not (out / "summary.csv").exists() and not (out / "runs").exists()
    assert (out / "mine.txt").read_text() == "mine" and (out / "timeseries.csv").is_file()


@pytest.mark.slow
def test_a_killed_compare_leaves_its_mark(tmp_path):
    scenario, out = scenario_file(tmp_path), tmp_path / "killed"
    command = [
        sys.executable,
        str(ROOT / "run.py"),
        "compare",
        str(scenario),
        "-r",
        "2000",
        "-j",
        "1",
        "--out",
        str(out),
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (out / manifest.MANIFEST).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    assert json.loads((out / manifest.MANIFEST).read_text())["status"] == "running"


def test_a_full_disk_while_writing_ends_in_one_line_and_leaves_the_mark(tmp_path, capsys, monkeypatch):
    from simulation.experiment.compare import Comparison

    original = Comparison.write

    def half_then_full(self, out, **kwargs):
        (out / "summary.csv").write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Comparison, "write", half_then_full)
    out = tmp_path / "full"
    error = refused(capsys, "compare", scenario_file(tmp_path), "-r", 2, "-j", 1, "--out", out)
    assert "could not write the results (No space left on device)" in error and "Traceback" not in error
    assert json.loads((out / manifest.MANIFEST).read_text())["status"] == "running"
    monkeypatch.setattr(Comparison, "write", original)
    assert cli("compare", scenario_file(tmp_path), "-r", 2, "-j", 1, "--out", out) == 0  # starts clean
    assert (out / "summary.csv").read_text() != "half"


def test_files_added_after_an_interruption_are_never_removed(tmp_path, capsys):
    scenario, out = scenario_file(tmp_path), tmp_path / "cut"
    out.mkdir()
    manifest.start(out, "compare")
    (out / "summary.csv").write_text("half")
    (out / "later.txt").write_text("added by the user after the crash")
    assert cli("simulate", scenario, "--out", out, "--overwrite") == 0
    assert (out / "later.txt").exists() and not (out / "summary.csv").exists()
