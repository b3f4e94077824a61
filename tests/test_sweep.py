"""Sweeps: SPEC parsing, designs, validation before running, the Parquet store, failures, resume, report."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from simulation.commands import sweep as sweep_command
from simulation.sweep.base import BaseScenario, yaml_scalar
from simulation.sweep.design import SweepError, build_design, validate
from simulation.sweep.runner import SerialExecutor, execute, run_point
from simulation.sweep.spec import SpecError, parse_param, range_values
from simulation.sweep.store import SweepStore, read_runs, run_schema

SMALL = """
name: small
time_unit: week
horizon: 10
seed: 7
market: {n_consumers: 300, follower_share: 0.05, initial_awareness: 0.05}
network: {kind: small_world, mean_degree: 6, rewiring: 0.1}
purchase: {p: 0.03, q: 0.38}
product: {margin: 0.3}
baseline: do_nothing
strategies:
  - name: do_nothing
  - name: referral
    levers:
      - kind: referral
        reward: 10
"""


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def base_of(path: Path) -> BaseScenario:
    return BaseScenario(path.read_text(), str(path), (), str(path.parent))


def cli(*argv) -> int:
    parser = argparse.ArgumentParser()
    sweep_command.add_arguments(parser)
    return sweep_command.main(parser.parse_args([str(a) for a in argv]))


# ---------------------------------------------------------------- SPEC
def test_list_range_and_bounds_specs():
    listed = parse_param("seeding.targeting=hubs,random")
    assert listed.form == "list" and listed.values == ("hubs", "random")
    assert parse_param("purchase.q=0.2,0.4").values == (0.2, 0.4)
    ranged = parse_param("purchase.q=0.2:0.6:0.1")
    assert ranged.values == (0.2, 0.3, 0.4, 0.5, 0.6)  # hi included, no float noise
    assert parse_param("market.n_consumers=100:500:200").values == (100, 300, 500)
    bounds = parse_param("purchase.p=0.01..0.05")
    assert (bounds.form, bounds.bounds) == ("bounds", (0.01, 0.05))
    assert range_values(0, 1, 0.3) == (0.0, 0.3, 0.6, 0.9)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("purchase.q", "expected dotted.path=SPEC"),
        ("purchase.q=", "no values given"),
        ("purchase..q=1,2", "not a dotted field name"),
        ("purchase.q=0.5..0.2", "lo < hi"),
        ("purchase.q=a..0.2", "'a' is not a finite number"),
        ("purchase.q=0:1", "three numbers"),
        ("purchase.q=0:1:0", "step of a range must be > 0"),
        ("purchase.q=1:0:0.1", "hi < lo"),
        ("purchase.q=1,,2", "empty item"),
        ("purchase.q=1,1", "repeats a value"),
    ],
)
def test_bad_specs_say_what_is_wrong(text, fragment):
    with pytest.raises(SpecError, match=fragment.replace("(", r"\(").replace(".", r"\.")) as error:
        parse_param(text)
    assert text.split("=")[0] in str(error.value)


def test_yaml_scalar_round_trips_values():
    import yaml

    for value in (1e-05, 0.1, 3, True, "hubs", 1e20):
        assert yaml.safe_load(yaml_scalar(value)) == value


# ---------------------------------------------------------------- designs
def test_grid_is_the_cartesian_product(scenario_file):
    specs = [parse_param("purchase.q=0.2:0.6:0.2"), parse_param("product.margin=0.1,0.5")]
    design = build_design("grid", specs, base_of(scenario_file))
    assert len(design.points) == 6
    assert {(p["purchase.q"], p["product.margin"]) for p in design.points} == {
        (q, m) for q in (0.2, 0.4, 0.6) for m in (0.1, 0.5)
    }


def test_sampling_designs_sizes_bounds_and_whole_numbers(scenario_file):
    base = base_of(scenario_file)
    specs = [
        parse_param("purchase.p=0.01..0.05"),
        parse_param("market.n_consumers=100..400"),
        parse_param("strategies.referral.levers.referral.start=0..5"),
    ]
    for kind, samples, expected in (("random", 20, 20), ("lhs", 20, 20), ("sobol", 8, 8 * 5), ("morris", 4, 4 * 4)):
        design = build_design(kind, specs, base, samples, seed=3)
        assert len(design.points) == expected, kind
        n = [p["market.n_consumers"] for p in design.points]
        start = [p["strategies.referral.levers.referral.start"] for p in design.points]
        assert all(type(v) is int for v in n + start), kind  # whole-number fields get ints
        assert min(n) >= 100 and max(n) <= 400
        assert all(0.01 <= p["purchase.p"] <= 0.05 for p in design.points)
        # Same seed, same design.
        assert build_design(kind, specs, base, samples, seed=3).points == design.points
    lhs = build_design("lhs", [parse_param("purchase.p=0..1")], base, 10, seed=1)
    # Latin hypercube: exactly one sample in each tenth of the range.
    assert sorted(int(p["purchase.p"] * 10) for p in lhs.points) == list(range(10))


def test_design_misuse_is_listed(scenario_file):
    base = base_of(scenario_file)
    with pytest.raises(SweepError) as error:
        build_design("grid", [parse_param("purchase.p=0..1"), parse_param("purchase.p=1,2")], base)
    text = "\n".join(error.value.problems)
    assert "given more than once" in text and "a grid needs a list" in text
    with pytest.raises(SweepError, match="use --replications"):
        build_design("grid", [parse_param("seed=1,2")], base)
    with pytest.raises(SweepError, match="power of 2"):
        build_design("sobol", [parse_param("purchase.p=0..1")], base, 10)
    with pytest.raises(SweepError, match="needs bounds"):
        build_design("morris", [parse_param("purchase.p=0.1,0.2")], base, 4)
    with pytest.raises(SweepError, match="needs --samples"):
        build_design("lhs", [parse_param("purchase.p=0..1")], base)


def test_every_point_is_validated_before_anything_runs(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        cli(
            scenario_file,
            "--param",
            "purchase.q=-1,0.3",
            "--param",
            "strategies.referral.levers.referral.reward=-3,5",
            "--param",
            "market.n_consumers=1",
            "--param",
            "markt.size=3",
            "--jobs",
            1,
            "--out",
            out,
        )
    assert stop.value.code == 2
    message = capsys.readouterr().err
    assert "nothing was run" in message
    assert "purchase.q = -1: Input should be greater than or equal to 0" in message
    assert "reward = -3: Input should be greater than or equal to 0" in message
    assert "market.n_consumers = 1" in message
    assert "markt: unknown key" in message and "did you mean 'market'" in message
    assert not out.exists()  # nothing ran, nothing written


def test_points_are_checked_as_whole_scenarios(scenario_file):
    # Each value is fine alone; together start >= end is not.
    base = base_of(scenario_file)
    specs = [
        parse_param("strategies.referral.levers.referral.start=0,5"),
        parse_param("strategies.referral.levers.referral.end=3,10"),
    ]
    design = build_design("grid", specs, base)
    with pytest.raises(SweepError) as error:
        validate(design, base, ["referral"])
    assert len(error.value.problems) == 2 and "end (3) must be after start (5)" in error.value.problems[0]
    assert error.value.problems[1] == "1 of 4 design points are not valid"
    assert "design point" in error.value.problems[0]
    with pytest.raises(SweepError, match="no strategy named 'nope'"):
        validate(build_design("grid", [specs[0]], base), base, ["nope"])


# ---------------------------------------------------------------- runs and the store
def test_a_failing_point_is_recorded_and_the_sweep_goes_on(scenario_file, tmp_path):
    out = tmp_path / "out"
    status = cli(
        scenario_file,
        "--param",
        "network.kind=small_world,edge_list",
        "--param",
        "network.edge_list=missing.csv",
        "--jobs",
        1,
        "--out",
        out,
    )
    assert status == 0
    runs = read_runs(out)
    assert len(runs) == 2
    bad = runs[runs["network.kind"] == "edge_list"].iloc[0]
    good = runs[runs["network.kind"] == "small_world"].iloc[0]
    assert bad["status"] == "error" and "missing.csv" in bad["error"] and math.isnan(bad["adopters"])
    assert good["status"] == "ok" and good["adopters"] >= 0 and pd.isna(good["error"])
    assert "Failed runs (1)" in (out / "sweep_report.html").read_text()


def test_rows_carry_parameters_seed_and_the_run_kpis(scenario_file, tmp_path):
    from simulation.experiment.runs import RUN_KPIS, run_once
    from simulation.scenario import load_scenario

    out = tmp_path / "out"
    assert (
        cli(
            scenario_file,
            "--param",
            "purchase.q=0.2,0.6",
            "--strategy",
            "all",
            "--replications",
            2,
            "--jobs",
            1,
            "--timeseries",
            "--out",
            out,
        )
        == 0
    )
    runs = read_runs(out)
    assert len(runs) == 2 * 2 * 2 and runs["id"].is_unique
    assert set(RUN_KPIS) <= set(runs.columns)
    assert runs["purchase.q"].dtype == float and runs["seed"].tolist() == [7, 8] * 4
    # A row holds exactly what run_once gives for that scenario, point and seed.
    row = runs[(runs["purchase.q"] == 0.6) & (runs["strategy"] == "referral") & (runs["replication"] == 1)].iloc[0]
    expected = run_once(load_scenario(scenario_file, ["purchase.q=0.6"]), "referral", 1).kpis
    for kpi, value in expected.items():
        assert row[kpi] == pytest.approx(value, nan_ok=True, rel=0, abs=0), kpi
    series = pd.read_parquet(out / "timeseries")
    assert set(series["id"]) == set(runs["id"]) and len(series) == len(runs) * 10
    # The report and the grid's response table are there.
    curves = pd.read_csv(out / "response.csv")
    assert set(curves["strategy"]) == {"do_nothing", "referral"} and (curves["count"] == 2).all()
    assert set(curves["kpi"]) == {"adopters", "profit"}  # a grid analyses adopters and profit by default
    assert "<h2>Responses</h2>" in (out / "sweep_report.html").read_text()


def test_same_command_again_resumes_and_runs_nothing(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    args = (scenario_file, "--param", "purchase.q=0.2,0.4,0.6", "--jobs", 1, "--out", out)
    assert cli(*args) == 0
    first = read_runs(out)
    assert cli(*args) == 0
    assert "3 already stored, 0 to run" in capsys.readouterr().out
    pd.testing.assert_frame_equal(read_runs(out), first)
    # More replications: only the new ones run.
    assert cli(*args, "--replications", 2) == 0
    assert "3 already stored, 3 to run" in capsys.readouterr().out
    assert len(read_runs(out)) == 6 and read_runs(out)["id"].is_unique


def test_a_different_sweep_cannot_mix_into_a_folder(scenario_file, tmp_path):
    out = tmp_path / "out"
    assert cli(scenario_file, "--param", "purchase.q=0.2,0.4", "--jobs", 1, "--out", out) == 0
    with pytest.raises(SystemExit):
        cli(scenario_file, "--param", "purchase.q=0.3,0.4", "--jobs", 1, "--out", out)
    assert len(read_runs(out)) == 2


def test_store_writes_whole_parts_and_drops_orphan_series(tmp_path):
    schema = run_schema({"purchase.q": pa.float64()})
    manifest = {"fingerprint": "abc"}
    store = SweepStore(tmp_path, schema, manifest, flush_rows=2, flush_seconds=1e9)
    rows = [
        {
            "id": f"r{i}",
            "point": i,
            "purchase.q": 0.1 * i,
            "strategy": "s",
            "replication": 0,
            "seed": 1,
            "status": "ok",
            "error": None,
            "elapsed": 0.0,
            "adopters": float(i),
        }
        for i in range(5)
    ]
    written = [store.add(dict(row)) for row in rows]
    assert written == [False, True, False, True, False]
    assert len(list((tmp_path / "runs").glob("part-*.parquet"))) == 2
    assert store.done_ids() == {"r0", "r1", "r2", "r3"}  # the buffered row is not done yet
    store.flush()
    assert store.done_ids() == {f"r{i}" for i in range(5)}
    assert not list((tmp_path / "runs").glob(".*"))  # no temporary files left
    # A series part whose rows never got written (killed in between) is removed on reopening.
    (tmp_path / "timeseries").mkdir()
    pd.DataFrame({"id": ["x"], "step": [0]}).to_parquet(tmp_path / "timeseries" / "part-orphan.parquet")
    SweepStore(tmp_path, schema, manifest)
    assert not (tmp_path / "timeseries" / "part-orphan.parquet").exists()


def test_run_point_is_a_pure_function_of_scenario_point_and_seed(scenario_file):
    base = base_of(scenario_file)
    design = build_design("grid", [parse_param("purchase.q=0.2,0.5")], base)
    tasks = design.tasks(base, ["do_nothing"], 2)
    forward = {r["id"]: r for r in execute(SerialExecutor(), 1, base, tasks)}
    backward = {r["id"]: r for r in execute(SerialExecutor(), 1, base, reversed(tasks))}
    timing = ("elapsed", "cpu_seconds")
    for task_id, row in forward.items():
        one = pd.Series({k: v for k, v in row.items() if k not in timing})
        other = pd.Series({k: v for k, v in backward[task_id].items() if k not in timing})
        pd.testing.assert_series_equal(one, other, rtol=0, atol=0)  # exact, NaN = NaN
    # Ids are stable across processes: they hash the scenario's content, not object identities.
    assert [t.id for t in design.tasks(base_of(scenario_file), ["do_nothing"], 2)] == [t.id for t in tasks]
    row = run_point(base, tasks[0])
    assert row["seed"] == 7 and row["status"] == "ok" and np.isfinite(row["adopters"])


def test_a_shared_network_gives_the_same_runs_as_a_fresh_one(scenario_file):
    from simulation.experiment.runs import run_once
    from simulation.scenario import load_scenario
    from simulation.sweep.runner import network_for

    for overrides, replication in (([], 0), (["purchase.q=0.9"], 0), (["network.kind=scale_free"], 1)):
        scenario = load_scenario(scenario_file, overrides)
        shared = network_for(scenario, scenario.seed + replication)
        assert network_for(scenario, scenario.seed + replication) is shared  # cached
        for strategy in ("do_nothing", "referral"):
            fresh = run_once(scenario, strategy, replication)
            reused = run_once(scenario, strategy, replication, shared)
            pd.testing.assert_frame_equal(fresh.timeseries, reused.timeseries)


def test_only_a_few_tasks_per_worker_are_in_flight(monkeypatch):
    # The parent's memory stays flat: tasks are submitted as results come back, not all at once.
    import concurrent.futures as cf

    from simulation.sweep import runner
    from simulation.sweep.design import Task

    monkeypatch.setattr(runner, "run_point", lambda base, task, timeseries=False: {"id": task.id})
    submitted = []

    class Counting(cf.ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            submitted.append(args[1].id)
            return super().submit(fn, *args, **kwargs)

    tasks = [Task(str(i), i, {}, "s", 0) for i in range(200)]
    outstanding = []
    with Counting(2) as pool:
        received = 0
        for _ in runner.execute(pool, 2, None, tasks, per_slot=3):
            received += 1
            outstanding.append(len(submitted) - received)
    assert received == 200 and sorted(submitted, key=int) == [t.id for t in tasks]
    assert max(outstanding) <= 2 * 3


# ---------------------------------------------------------------- failing sweeps, several KPIs, drivers in words
FAILING = SMALL.replace(
    """      - kind: referral
        reward: 10""",
    """      - kind: advertising
        target: community
        community: 0""",
).replace("baseline: do_nothing", "baseline: referral")


@pytest.mark.parametrize("design", [["--design", "morris", "--samples", 8], ["--param", "product.quality=0,0.5"]])
def test_a_sweep_whose_runs_all_fail_stops_early_with_the_first_error(tmp_path, capsys, design):
    """Every run fails at model construction (a lever the network cannot carry out): the sweep stops after
    the first runs with their first error, writes the report of failures, and does not crash on analysis."""
    scenario = tmp_path / "failing.yaml"
    scenario.write_text(FAILING)
    out = tmp_path / "out"
    params = ["--param", "purchase.q=0.1..0.9"] if design[0] == "--design" else ["--param", "purchase.q=0.1:0.9:0.1"]
    status = cli(scenario, *params, *design, "--jobs", 1, "--out", out)
    err = capsys.readouterr().err
    assert status == 1
    assert "stopped early: 10 of the first 10 runs failed. First error: ValueError:" in err
    assert "target 'community' needs a network with communities" in err and "Traceback" not in err
    runs = read_runs(out)
    assert len(runs) == 10 and (runs["status"] == "error").all()
    html = (out / "sweep_report.html").read_text()
    assert "Failed runs (10)" in html and "no run succeeded" in html


def test_every_run_failing_in_a_short_sweep_is_an_error_not_a_crash(tmp_path, capsys):
    scenario = tmp_path / "failing.yaml"
    scenario.write_text(FAILING)
    status = cli(scenario, "--param", "purchase.q=0.2,0.4", "--jobs", 1, "--out", tmp_path / "out")
    assert status == 1 and "every run failed. First error: ValueError" in capsys.readouterr().err


def test_should_stop_only_when_most_of_the_first_runs_fail_and_some_are_left():
    from simulation.sweep.job import should_stop

    assert not should_stop(9, 9, 100)  # too early to tell
    assert should_stop(10, 6, 100) and not should_stop(10, 5, 100)
    assert not should_stop(3, 3, 4) and not should_stop(4, 4, 4)  # short sweeps run to the end


def test_every_kpi_given_is_analysed_with_its_drivers_in_words(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    status = cli(
        scenario_file,
        "--param",
        "purchase.p=0.01,0.2",
        "--param",
        "product.margin=0.1,0.9",
        "--kpi",
        "adopters",
        "--kpi",
        "gross_profit",
        "--kpi",
        "profit",
        "--jobs",
        1,
        "--out",
        out,
    )
    assert status == 0
    printed = capsys.readouterr().out
    curves = pd.read_csv(out / "response.csv")
    assert set(curves["kpi"]) == {"adopters", "gross_profit", "profit"}
    assert "Over the grid, purchase.p moves adopters by week 10 the most" in printed
    sentence = next(line for line in printed.splitlines() if "gross profit by week 10" in line)
    assert "product.margin" in sentence and "purchase.p" in sentence
    html = (out / "sweep_report.html").read_text()
    assert html.count("Heat maps of") == 3 and "Heat maps of profit (money units)" in html


def test_heat_maps_of_one_kpi_share_their_colour_scale(monkeypatch, tmp_path):
    from simulation.sweep import report

    calls = []
    monkeypatch.setattr(
        report, "_heat", lambda frame, kpi, strategy, vmin, vmax, *a: calls.append((kpi, vmin, vmax)) or ""
    )
    a = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=pd.Index([0, 1], name="y"), columns=pd.Index([0, 1], name="x"))
    b = a * 10
    report.write_report(
        tmp_path,
        title="t",
        command="c",
        summary={"runs": 0, "ok": 0, "error": 0, "mean_seconds": 0.0},
        design={},
        runs=pd.DataFrame(),
        heat={("profit", "s1"): a, ("profit", "s2"): b, ("adopters", "s1"): a},
    )
    assert calls == [("profit", 1.0, 40.0), ("profit", 1.0, 40.0), ("adopters", 1.0, 4.0)]


def test_drivers_in_words_rank_tie_and_dismiss():
    from simulation.sweep.analysis import rank_drivers

    table = pd.DataFrame(
        {
            "parameter": ["word_of_mouth.reach", "purchase.p", "awareness.decay", "word_of_mouth.talk_rate"],
            "ST": [0.19, 0.64, 0.01, 0.21],
            "ST_conf": [0.06, 0.12, 0.02, 0.05],
        }
    )
    words = rank_drivers(table, "adopters", "by week 26")
    assert words == (
        "purchase.p explains most of the variance of adopters by week 26 (ST 0.64 +/- 0.12), then "
        "word_of_mouth.talk_rate and word_of_mouth.reach, which are tied (ST 0.21 +/- 0.05, 0.19 +/- 0.06); "
        "awareness.decay has no effect distinguishable from zero (ST 0.01 +/- 0.02)."
    )
    tied = rank_drivers(table.assign(ST=[0.6, 0.64, 0.0, 0.1]), "adopters", "by week 26")
    assert tied.startswith("purchase.p and word_of_mouth.reach drive adopters by week 26 the most and are tied")
    morris = pd.DataFrame({"parameter": ["a", "b"], "mu_star": [5.0, 50.0], "mu_star_conf": [1.0, 4.0]})
    assert rank_drivers(morris, "profit").startswith(
        "b is the strongest driver of profit at the horizon (mu* 50 +/- 4)"
    )
