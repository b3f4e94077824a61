"""Issue 22's reproducers: each input that used to exhaust memory, hang or end in a traceback gets a clear
one-line refusal before any work (or a correct result)."""

from __future__ import annotations

import gzip
import os
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest

import run
from simulation import WordOfMouthModel
from simulation.commands.manifest import MANIFEST
from simulation.datafiles import read_data, text_size
from simulation.network.edgelist import load_edge_list
from simulation.resources import MemoryEstimateError, available_memory, check_scenario_memory
from simulation.rules.conversation import MAX_MISS_TABLE, miss_table
from simulation.scenario import ScenarioError, parse_scenario
from simulation.sweep.spec import SpecError, parse_param

ROOT = Path(__file__).resolve().parents[1]


def refused(capsys, *argv) -> str:
    """The one-line error of a command that must stop with exit code 2 (no traceback, nothing run)."""
    with pytest.raises(SystemExit) as stop:
        run.main([str(a) for a in argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    return err.splitlines()[-1]


def gzip_bomb(path: Path, megabytes: int) -> Path:
    """A .gz file of `megabytes` MB of '0' (about 1,000 times smaller compressed)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"0" * 2**20
    with path.open("wb") as out:
        for _ in range(megabytes):
            out.write(packer.compress(chunk))
        out.write(packer.flush())
    return path


# ------------------------------------------------------------------------------------ edge-list files
def test_a_gzip_bomb_is_measured_while_streaming_and_refused(tmp_path, monkeypatch):
    bomb = gzip_bomb(tmp_path / "bomb.edges.gz", 200)  # 200 MB of text from a 200 kB file
    assert bomb.stat().st_size < 2**20
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "400M")  # 5 MB of text could fit as ties
    tracemalloc.start()
    try:
        with pytest.raises(MemoryEstimateError) as error:
            WordOfMouthModel(seed=1, network="edge_list", edge_list=str(bomb), n_consumers=2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # a few chunks, never the decompressed file
    assert str(error.value).startswith("the edge-list file bomb.edges.gz (more than 1,310,720 edges) needs more than")
    # The loader itself stops at its limit too.
    with pytest.raises(ValueError, match=r"bomb.edges.gz: the edge-list file holds more than 1 MB of text"):
        load_edge_list(bomb, max_bytes=2**20)


def test_the_gzip_bomb_scenario_is_refused_by_the_command(tmp_path, capsys, monkeypatch):
    gzip_bomb(tmp_path / "bomb.edges.gz", 100)
    scenario = tmp_path / "bomb.yaml"
    scenario.write_text("network: {kind: edge_list, edge_list: bomb.edges.gz}\nmarket: {n_consumers: 2}\n")
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "400M")
    line = refused(capsys, "simulate", scenario, "--out", tmp_path / "out")
    assert "bomb.edges.gz (more than" in line and "use a smaller network file" in line
    assert not (tmp_path / "out").exists() or {p.name for p in (tmp_path / "out").iterdir()} <= {MANIFEST}


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_devices_are_not_edge_lists(device):
    with pytest.raises(ValueError, match=f"{device}: the edge-list file is a pipe or device, not a regular file"):
        load_edge_list(device)


def test_a_fifo_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "ties.txt"
    os.mkfifo(fifo)  # opening it for reading would block until a writer came
    with pytest.raises(ValueError, match="ties.txt: the edge-list file is a pipe or device"):
        load_edge_list(fifo)
    with pytest.raises(ValueError, match="a pipe or device"):
        text_size(fifo, 100)


def test_a_truncated_or_false_gzip_is_refused_naming_the_file(tmp_path):
    text = "".join(f"{i} {i + 1}\n" for i in range(50_000)).encode()
    whole = gzip.compress(text)
    truncated = tmp_path / "cut.edges.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match=r"cut.edges.gz: the edge-list file is a truncated gzip file"):
        load_edge_list(truncated)
    plain = tmp_path / "plain.edges.gz"
    plain.write_bytes(b"1 2\n2 3\n")
    with pytest.raises(ValueError, match=r"plain.edges.gz: the edge-list file is not a valid gzip file"):
        load_edge_list(plain)
    intact = tmp_path / "whole.edges.gz"
    intact.write_bytes(whole)
    assert load_edge_list(intact).n == 50_001
    assert read_data(intact, None, "edge-list file") == text


# ------------------------------------------------------------------------------------ rates and tables
@pytest.mark.parametrize("reach", [0.0, 1e-300, 1e-9, 0.01, 0.3, 0.999, 1.0])
def test_the_miss_table_is_bounded_and_gives_the_same_values(reach):
    most = 10**9
    table = miss_table(reach, most) if reach in (0.0, 1e-300, 0.3, 0.999, 1.0) else miss_table(reach, 10**6)
    assert table.size <= MAX_MISS_TABLE + 1
    asked = np.unique(np.r_[np.arange(0, 2_000), np.geomspace(1, 10**6, 200).astype(np.int64)])
    looked_up = table[np.minimum(asked, table.size - 1)]
    np.testing.assert_array_equal(looked_up, (1.0 - reach) ** asked)  # bit for bit, as the kernels read it
    if reach in (0.0, 1e-300, 1.0):
        assert table.size == 2  # a reach of 0 or 1 needs no table whatever the counts


def test_a_table_beyond_the_market_bound_is_refused():
    with pytest.raises(ValueError, match="messages from one consumer in a step"):
        miss_table(1e-9, 10**9)


@pytest.mark.parametrize(
    "override",
    ["word_of_mouth.talk_rate=1e308", "word_of_mouth.talk_rate=1e9"],
)
def test_a_huge_talk_rate_is_refused_before_any_run(capsys, tmp_path, override):
    line = refused(
        capsys,
        "compare",
        ROOT / "scenarios/product_launch.yaml",
        "-r",
        2,
        "-j",
        2,
        "--set",
        override,
        "--out",
        tmp_path,
    )
    assert "messages per consumer per" in line and "at most 1,000,000 can be simulated" in line
    assert {p.name for p in tmp_path.iterdir()} <= {MANIFEST}  # no result written


def test_a_huge_talk_boost_is_refused():
    with pytest.raises(MemoryEstimateError, match="with a talk boost of 9.22337e\\+18"):
        WordOfMouthModel(seed=1, n_consumers=100, strategy={"levers": [{"kind": "referral", "talk_boost": 2**63}]})


# ------------------------------------------------------------------------------------ workers
def test_each_worker_process_counts_in_the_memory_check(monkeypatch):
    scenario = parse_scenario("market: {n_consumers: 50}\nhorizon: 2\n", "s.yaml")
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "8G")
    check_scenario_memory(scenario, runs_at_once=4)  # 4 x 320 MB fits
    with pytest.raises(MemoryEstimateError, match=r"200 worker processes need about 62.\d GB.*at most --jobs 2\d\b"):
        check_scenario_memory(scenario, runs_at_once=200)


def test_jobs_are_capped_at_the_cores_and_limited(capsys, tmp_path):
    line = refused(capsys, "compare", ROOT / "scenarios/default.yaml", "--jobs", 100_000, "--out", tmp_path)
    assert "argument --jobs/-j: 100,000 is outside the allowed 1 to 1,024" in line


# ------------------------------------------------------------------------------------ sizes of work
def test_a_sweep_range_is_counted_before_it_is_expanded():
    tracemalloc.start()
    try:
        with pytest.raises(SpecError, match=r"range 0:1:1e-12 has 1,000,000,000,002 values \(at most 100,000\)"):
            parse_param("purchase.q=0:1:1e-12")
        with pytest.raises(SpecError, match="has too many values"):
            parse_param("purchase.q=0:1e308:1e-300")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "scenarios/default.yaml", "--replications", "1000000"], "--replications/-r: 1,000,000 is outside"),
        (["compare", "scenarios/default.yaml", "-r", "1" + "0" * 5000], "is not a whole number from 1 to 100,000"),
        (["calibrate", "--data", "data/bass1969_sales.csv", "--replications", "1000000"], "--replications: 1,000,000"),
        (["calibrate", "--data", "data/bass1969_sales.csv", "--max-evaluations", "0"], "0 is outside the allowed 1"),
        (
            ["optimise", "scenarios/default.yaml", "--budget", "1", "--levers", "advertising", "--trials", "1e9"],
            "'1e9'",
        ),
        (
            ["optimise", "scenarios/default.yaml", "--budget", "1", "--levers", "advertising", "-r", "1000000"],
            "1,000,000",
        ),
        (["robust", "scenarios/default.yaml", "--samples", "1000000000"], "--samples: 1,000,000,000 is outside"),
        (["sweep", "scenarios/default.yaml", "--samples", "1000000000"], "--samples: 1,000,000,000 is outside"),
    ],
)
def test_flags_asking_for_huge_work_are_refused(capsys, monkeypatch, argv, message):
    monkeypatch.chdir(ROOT)
    line = refused(capsys, *argv)
    assert message in line


def test_the_memory_limit_setting_names_itself(monkeypatch):
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "..")
    with pytest.raises(ValueError, match=r"WOM_MEMORY_LIMIT='..': expected bytes or a size such as 500M or 8G"):
        available_memory()


# ------------------------------------------------------------------------------------ numbers and paths
@pytest.mark.parametrize(
    ("text", "overrides", "message"),
    [
        ("market:\n  n_consumers: " + "9" * 5000 + "\n", (), "s.yaml:2: a whole number of 5,000 digits; at most 100"),
        ("", ("market.n_consumers=" + "9" * 5000,), "Input should be a valid integer"),  # read as text
        ("", (".".join(["a"] * 2000) + "=1",), "the path has 2,000 levels; at most 50"),
    ],
)
def test_huge_numbers_and_deep_paths_are_refused_in_one_short_line(text, overrides, message):
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text, "s.yaml", overrides)
    problems = error.value.problems
    assert len(problems) == 1 and message in problems[0] and len(problems[0]) < 400


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("year,sales\n" + "".join(f"{i},100\n" for i in range(20)), "sales are 100 in every period: a flat series"),
        (
            "year,sales\n" + "".join(f"{i},{i % 7 + 1}\n" for i in range(20_000)),
            "20,000 rows; a sales history of at most",
        ),
        (None, "the sales file is a pipe or device, not a regular file"),
    ],
)
def test_calibrate_refuses_data_it_cannot_fit_at_once(tmp_path, capsys, content, message):
    data = "/dev/null"
    if content is not None:
        data = tmp_path / "sales.csv"
        data.write_text(content)
    line = refused(capsys, "calibrate", "--data", data, "--out", tmp_path / "out")
    assert message in line


def test_robust_sizes_its_design_before_building_it(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "1G")
    argv = ["robust", "scenarios/default.yaml", "--uncertain", "purchase.q=0.1..0.5", "--samples", "1000000"]
    line = refused(capsys, *argv, "--replications", "100", "--out", tmp_path / "r")
    assert "the design has 1,000,000 points (500,000,000 runs)" in line and "nothing was run" in line
