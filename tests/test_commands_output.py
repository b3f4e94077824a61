"""Command outputs: folders are never silently reused, names stay one path component, runs are reproducible."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import run
from simulation.commands import common
from simulation.parameters import MAX_SEED

SMALL = """\
name: {name}
horizon: 6
seed: 3
market: {{n_consumers: 400}}
network: {{kind: small_world, mean_degree: 6}}
strategies:
  - name: none
  - name: referral
    levers:
      - kind: referral
        reward: 10
"""


def scenario_file(folder: Path, name: str = "small", extra: str = "") -> Path:
    path = folder / "small.yaml"
    path.write_text(SMALL.format(name=name) + extra, encoding="utf-8")
    return path


def cli(*argv) -> int:
    return run.main([str(a) for a in argv])


def refused(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as stop:
        cli(*argv)
    assert stop.value.code == 2
    return capsys.readouterr().err


# ------------------------------------------------------------------ --out
def test_a_non_empty_out_is_refused_unless_overwrite(tmp_path, capsys):
    scenario, out = scenario_file(tmp_path), tmp_path / "out"
    assert cli("simulate", scenario, "--out", out) == 0
    before = (out / "timeseries.csv").read_bytes()
    error = refused(capsys, "simulate", scenario, "--seed", 9, "--out", out)
    assert f"--out {out}: the folder is not empty (2 entries: scenario.yaml, timeseries.csv)" in error
    assert (out / "timeseries.csv").read_bytes() == before  # nothing was touched
    # compare into a simulate folder: refused too, instead of leaving stale files beside new ones
    assert "the folder is not empty" in refused(capsys, "compare", scenario, "-r", 2, "-j", 1, "--out", out)
    (out / "notes.txt").write_text("mine")
    assert cli("compare", scenario, "-r", 2, "-j", 1, "--out", out, "--overwrite") == 0
    assert not (out / "timeseries.csv").exists()  # the simulate result is gone, not left stale
    assert (out / "summary.csv").exists() and (out / "notes.txt").read_text() == "mine"  # others' files stay


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert "exists and is not a folder" in refused(
        capsys, "simulate", scenario_file(tmp_path), "--out", tmp_path / "file"
    )


@pytest.mark.parametrize("name", ["/tmp/escape", "../../escape", "..", "a/../../b", "x\\..\\y", "", "  "])
def test_scenario_names_become_one_folder_under_results(tmp_path, monkeypatch, name):
    monkeypatch.setattr(common, "ROOT", tmp_path / "root")
    scenario = scenario_file(tmp_path, name=f"'{name}'")
    assert cli("simulate", scenario) == 0
    [written] = list((tmp_path / "root").rglob("timeseries.csv"))
    relative = written.relative_to(tmp_path / "root" / "results")
    assert len(relative.parts) == 3 and relative.parts[0] not in ("", ".", "..")  # results/<name>/<run>/
    assert not (tmp_path / "escape").exists() and not Path("/tmp/escape").exists()


def test_two_runs_in_the_same_second_get_two_folders(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "ROOT", tmp_path)
    scenario = scenario_file(tmp_path)
    assert cli("simulate", scenario) == 0 and cli("simulate", scenario) == 0
    assert len(list((tmp_path / "results" / "small").iterdir())) == 2


# ------------------------------------------------------------------ simulate
def test_simulate_writes_the_scenario_that_reproduces_the_run(tmp_path):
    scenario = scenario_file(tmp_path)
    first, second = tmp_path / "first", tmp_path / "second"
    assert cli("simulate", scenario, "--seed", 7, "--steps", 4, "--strategy", "referral", "--out", first) == 0
    written = (first / "scenario.yaml").read_text()
    assert "seed: 7" in written and "horizon: 4" in written
    assert cli("simulate", first / "scenario.yaml", "--strategy", "referral", "--out", second) == 0
    a, b = pd.read_csv(first / "timeseries.csv"), pd.read_csv(second / "timeseries.csv")
    assert len(a) == 4
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--seed", 2**64], "--seed 18446744073709551616: expected a whole number from 0 to 2^63 - 1"),
        (["--seed", -1], "--seed -1: expected a whole number from 0 to 2^63 - 1"),
        (["--steps", 0], "--steps 0: expected a whole number from 1 to 100,000"),
        (["--strategy", "nope"], "--strategy 'nope': the scenario has: none, referral"),
    ],
)
def test_simulate_flags_out_of_range(tmp_path, capsys, flags, message):
    assert message in refused(capsys, "simulate", scenario_file(tmp_path), *flags, "--out", tmp_path / "o")


def test_simulate_with_the_largest_seed(tmp_path):
    out = tmp_path / "o"
    assert cli("simulate", scenario_file(tmp_path), "--seed", MAX_SEED, "--steps", 2, "--out", out) == 0
    assert cli("simulate", out / "scenario.yaml", "--out", tmp_path / "again") == 0  # and its scenario loads


def test_simulate_reads_the_node_roles_file(tmp_path, capsys):
    roles = tmp_path / "roles.csv"
    roles.write_text("node,role\n" + "".join(f"{i},customer\n" for i in range(100)))
    scenario = (
        scenario_file(tmp_path, extra="")
        .read_text()
        .replace(
            "network: {kind: small_world, mean_degree: 6}",
            "network: {kind: small_world, mean_degree: 6, node_roles: roles.csv}",
        )
    )
    (tmp_path / "small.yaml").write_text(scenario)
    assert cli("simulate", tmp_path / "small.yaml", "--steps", 1, "--out", tmp_path / "o") == 0
    assert pd.read_csv(tmp_path / "o" / "timeseries.csv")["adopters"].iloc[0] >= 100
    roles.unlink()
    assert "roles.csv" in refused(capsys, "simulate", tmp_path / "small.yaml", "--out", tmp_path / "o2")


def test_scenario_warnings_are_printed(tmp_path, capsys):
    scenario = scenario_file(tmp_path, extra="product: {incidents: [{start: 9, end: 12, quality_shift: -1}]}\n")
    assert cli("simulate", scenario, "--out", tmp_path / "o") == 0
    err = capsys.readouterr().err
    assert f"warning: {scenario}:12: product.incidents.0.start = 9: at or after the horizon" in err


def test_calibrate_refuses_a_busy_out_before_fitting(tmp_path, capsys):
    sales = tmp_path / "sales.csv"
    sales.write_text("period,sales\n" + "".join(f"{t},{s}\n" for t, s in enumerate([5, 9, 14, 20, 18, 12, 7], 1)))
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    assert "the folder is not empty" in refused(capsys, "calibrate", "--data", sales, "--out", tmp_path / "busy")


def test_compare_prints_no_row_that_is_undefined_for_every_strategy(tmp_path, capsys):
    """Six weeks, no buyer: the time to 10% and the ROIs are n/a everywhere; they are left out of the tables and
    named once, each with its reason in the notes."""
    assert cli("compare", scenario_file(tmp_path), "-r", 2, "-j", 1, "--out", tmp_path / "o") == 0
    shown = capsys.readouterr().out
    lines = shown.splitlines()
    assert any(line.startswith("adopters (consumers)") for line in lines)  # the tables are there
    # here every undefined KPI is undefined for both strategies: no table row ends in an undefined cell
    assert not [line for line in lines if line.rstrip().endswith("n/a [n/a, n/a]")]
    (named,) = [line for line in shown.splitlines() if line.startswith("not shown, undefined for every strategy")]
    assert "time to 10% (weeks)" in named and "ROI on total spend (%)" in named
    assert (
        sum(line.startswith("n/a: time to 10% (weeks): 10% of the market never bought") for line in shown.splitlines())
        == 1
    )
