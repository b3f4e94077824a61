"""Results are written into a staging folder and renamed into place: a write that fails (a full disk, a folder
made read-only) leaves no half-written file under a result's name, ends in one line saying what computed work is
kept, and the same command again starts clean (or resumes) without --overwrite."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pandas as pd
import pytest
from test_commands_output import cli, refused, scenario_file
from test_sweep import SMALL

from simulation.commands import manifest
from simulation.sweep.store import SweepStore, read_runs

ROOT = Path(__file__).resolve().parents[1]


def full_disk_while_staging(monkeypatch, after: int = 0) -> list:
    """Every table written into a staging folder after the first `after` fails as a full disk does: a part of
    the file is there, then ENOSPC."""
    original = pd.DataFrame.to_csv
    written: list = []

    def to_csv(self, path=None, *args, **kwargs):
        if path is not None and manifest.STAGING in Path(path).parts:
            if len(written) >= after:
                Path(path).write_text("half")
                raise OSError(errno.ENOSPC, "No space left on device")
            written.append(path)
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    return written


def status(out: Path) -> str:
    return json.loads((out / manifest.MANIFEST).read_text())["status"]


def one_line(error: str) -> str:
    """The one error line of a command's stderr (progress bars aside)."""
    lines = [line for line in error.replace("\r", "\n").splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in error, error
    return lines[0]


# ------------------------------------------------------------------ the staging folder
def test_publish_moves_each_file_into_place_and_leaves_other_files(tmp_path):
    out = tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    (out / "runs" / "notes.md").write_text("mine")
    (out / "summary.csv").write_text("old")
    staged = manifest.stage(out)
    (staged / "runs").mkdir()
    (staged / "runs" / "part.csv").write_text("new part")
    (staged / "summary.csv").write_text("new")
    assert not (out / "runs" / "part.csv").exists() and (out / "summary.csv").read_text() == "old"  # not yet
    assert manifest.files_in(out) == {"runs/notes.md", "summary.csv"}  # staged files are not results yet
    manifest.publish(out)
    assert (out / "summary.csv").read_text() == "new" and (out / "runs" / "part.csv").read_text() == "new part"
    assert (out / "runs" / "notes.md").read_text() == "mine" and not (out / manifest.STAGING).exists()


def test_a_staging_folder_left_by_a_killed_command_is_cleared_by_the_next(tmp_path, capsys):
    scenario, out = scenario_file(tmp_path), tmp_path / "cut"
    out.mkdir()
    manifest.start(out, "simulate")  # killed while renaming its results into place
    (manifest.stage(out) / "timeseries.csv").write_text("half")
    assert cli("simulate", scenario, "--out", out) == 0
    assert not (out / manifest.STAGING).exists() and status(out) == "complete"
    assert pd.read_csv(out / "timeseries.csv").shape[0] == 6
    assert set(json.loads((out / manifest.MANIFEST).read_text())["written"]) == {"scenario.yaml", "timeseries.csv"}


# ------------------------------------------------------------------ simulate and compare
@pytest.mark.parametrize(
    "command, after", [(("simulate",), 0), (("compare", "-r", 2, "-j", 1), 2)], ids=["simulate", "compare"]
)
def test_a_full_disk_leaves_no_half_written_result_and_the_rerun_starts_clean(
    command, after, tmp_path, capsys, monkeypatch
):
    """The disk fills after `after` tables are written whole: none of them is in place either."""
    scenario, out = scenario_file(tmp_path), tmp_path / "full"
    full_disk_while_staging(monkeypatch, after)
    line = one_line(refused(capsys, *command, scenario, "--out", out))
    assert "could not write the results (No space left on device)" in line and "marked incomplete" in line
    assert status(out) == "running"
    assert manifest.files_in(out) == set()  # nothing half-written (or written) under a result's name
    monkeypatch.undo()
    assert cli(*command, scenario, "--out", out) == 0  # no --overwrite needed
    assert status(out) == "complete" and not (out / manifest.STAGING).exists()
    assert "half" not in {p.read_text(errors="replace") for p in out.glob("*.csv")}


def test_a_read_only_folder_at_writing_time_ends_in_one_line(tmp_path, capsys, monkeypatch):
    """A folder that became read-only after the run started (simulated: the test may run as root)."""

    def read_only(_folder):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(manifest, "stage", read_only)
    out = tmp_path / "ro"
    line = one_line(refused(capsys, "simulate", scenario_file(tmp_path), "--out", out))
    assert line == (
        f"error: {out}: could not write the results (Read-only file system); the folder is marked incomplete "
        f"({manifest.MANIFEST}) and the next command there clears it"
    )


# ------------------------------------------------------------------ sweep and robust: the runs are kept
def test_a_sweep_whose_report_cannot_be_written_keeps_its_runs_and_the_rerun_only_analyses(
    tmp_path, capsys, monkeypatch
):
    from test_sweep import cli as sweep

    path, out = tmp_path / "small.yaml", tmp_path / "sweep"
    path.write_text(SMALL, encoding="utf-8")
    args = (path, "--param", "purchase.q=0.2,0.4", "--jobs", 1, "--out", out)
    full_disk_while_staging(monkeypatch)
    with pytest.raises(SystemExit):
        sweep(*args)
    line = one_line(capsys.readouterr().err)
    assert "could not write the results (No space left on device)" in line
    assert f"the runs are stored in {out / 'runs'}; run the same command again to analyse them" in line
    stored = read_runs(out)
    assert len(stored) == 2 and not (out / "response.csv").exists() and not (out / "sweep_report.html").exists()
    monkeypatch.undo()
    assert sweep(*args) == 0
    assert "2 already stored, 0 to run" in capsys.readouterr().out
    pd.testing.assert_frame_equal(read_runs(out), stored)  # the same runs, analysed
    assert (out / "sweep_report.html").is_file() and status(out) == "complete"


ROBUST = ("--uncertain", "purchase.q=0.2..0.6", "--samples", 4, "--replications", 1, "-j", 1)


def test_robust_keeps_its_stored_runs_when_a_part_cannot_be_written(tmp_path, capsys, monkeypatch):
    scenario, out = scenario_file(tmp_path), tmp_path / "robust"
    flush, add = SweepStore.flush, SweepStore.add
    parts: list = []

    def full_after_the_first_part(self):
        if parts:
            raise OSError(errno.ENOSPC, "No space left on device")
        parts.append(1)
        flush(self)

    def add_a_part_per_run(self, row):
        self.flush_rows = 1
        return add(self, row)

    monkeypatch.setattr(SweepStore, "add", add_a_part_per_run)
    monkeypatch.setattr(SweepStore, "flush", full_after_the_first_part)
    line = one_line(refused(capsys, "robust", scenario, *ROBUST, "--out", out))
    assert "could not store the runs (No space left on device)" in line
    assert f"the runs stored before are kept in {out / 'runs'}; run the same command again to resume" in line
    assert len(read_runs(out)) == 1
    monkeypatch.undo()
    assert cli("robust", scenario, *ROBUST, "--out", out) == 0
    assert "1 already stored" in capsys.readouterr().out and len(read_runs(out)) == 8


def test_robust_results_that_cannot_be_written_leave_the_runs_to_resume(tmp_path, capsys, monkeypatch):
    scenario, out = scenario_file(tmp_path), tmp_path / "robust"
    full_disk_while_staging(monkeypatch)
    line = one_line(refused(capsys, "robust", scenario, *ROBUST, "--out", out))
    assert f"the 8 runs are stored in {out / 'runs'}; run the same command again to write the results" in line
    assert not (out / "markets.csv").exists() and len(read_runs(out)) == 8
    monkeypatch.undo()
    assert cli("robust", scenario, *ROBUST, "--out", out) == 0
    assert "8 already stored" in capsys.readouterr().out and (out / "markets.csv").is_file()


# ------------------------------------------------------------------ calibrate: the fit is printed first
def test_calibrate_prints_the_fit_before_a_write_that_fails(tmp_path, capsys, monkeypatch, bass_sales):
    from simulation.commands import calibrate

    def full(path, *_args):
        Path(path).write_bytes(b"\x89PNG half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(calibrate, "plot_fits", full)
    out = tmp_path / "fit"
    with pytest.raises(SystemExit):
        cli("calibrate", "--data", bass_sales, "--product", "clothes_dryers", "--out", out)
    printed = capsys.readouterr()
    assert "NLS" in printed.out and "purchase.p = " in printed.out  # the fit, kept on the screen
    line = one_line(printed.err)
    assert "could not write the results (No space left on device); the fit is printed above" in line
    assert manifest.files_in(out) == set() and status(out) == "running"


# ------------------------------------------------------------------ optimise: the trials are in the study
def test_optimise_keeps_its_trials_when_the_results_cannot_be_written(tmp_path, capsys, monkeypatch):
    from test_optimise import small_default

    path, out = small_default(tmp_path), tmp_path / "opt"
    argv = ("optimise", path, "--budget", 1500, "--levers", "advertising", "--trials", 3, "-r", 2, "--validate", 0)
    full_disk_while_staging(monkeypatch)
    line = one_line(refused(capsys, *argv, "--out", out))
    assert f"the finished trials are kept in sqlite:///{out / 'study.db'}" in line
    assert not (out / "trials.csv").exists() and status(out) == "running"
    monkeypatch.undo()
    assert cli(*argv, "--out", out) == 0  # resumes from the study: no trial run again
    assert json.loads((out / "result.json").read_text())["trials_run_now"] == 0 and status(out) == "complete"
