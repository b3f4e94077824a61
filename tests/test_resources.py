"""Memory estimates: checked against measured peak memory, and runs that cannot fit refused before allocating."""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import pytest

from simulation import WordOfMouthModel, kernels
from simulation.resources import MemoryEstimateError, available_memory, model_memory, parse_size

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from memory_estimate import EVERY_TIE, TALKING, measure  # noqa: E402


@pytest.mark.parametrize(
    "settings",
    [
        dict(n_consumers=50_000, mean_degree=40, **EVERY_TIE),
        dict(n_consumers=50_000, network="complete", contacts=10, talk_rate=520.0, reach=1.0, **TALKING),
        dict(n_consumers=50_000, mean_degree=10),
    ],
)
def test_the_estimate_covers_the_measured_peak_within_a_small_factor(settings):
    figures = measure(settings)
    assert figures["measured"] <= figures["estimate"] <= 3 * figures["measured"], figures


def test_memory_limit_setting(monkeypatch):
    assert parse_size("512M") == 512 * 2**20 and parse_size("2G") == 2 * 2**30 and parse_size("1000") == 1000
    with pytest.raises(ValueError, match="WOM_MEMORY_LIMIT='lots': expected bytes or a size"):
        parse_size("lots")
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "3G")
    assert available_memory() == 3 * 2**30
    monkeypatch.delenv("WOM_MEMORY_LIMIT")
    assert available_memory() is None or available_memory() > 0


@pytest.mark.parametrize(
    ("settings", "fragments"),
    [
        (dict(n_consumers=100_000_000), ["market.n_consumers = 100,000,000", "at most about 1,100,000 consumers"]),
        (
            dict(n_consumers=100_000, mean_degree=10_000),
            ["network.mean_degree = 10000", "at most about 1,300 consumers", "a mean degree of about 130"],
        ),
        (
            dict(  # (talk rate 12 a year: within the messages a step may hold, so memory is what refuses it)
                n_consumers=100_000,
                network="complete",
                talk_rate=12.0,
                strategy={"levers": [{"kind": "referral", "talk_boost": 1e6}]},
            ),
            ["mean-field market", "messages per consumer per step", "fewer contacts or messages"],
        ),
    ],
)
def test_markets_that_cannot_fit_are_refused_at_once(monkeypatch, settings, fragments):
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "2G")
    tracemalloc.start()
    # Without the kernels: their code's memory (once per process, in the estimate only until they are loaded)
    # would make these figures depend on what ran before in this process.
    with pytest.raises(MemoryEstimateError) as error, kernels.using(False):
        WordOfMouthModel(seed=1, **settings)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64e6  # refused before the market's arrays (gigabytes) were allocated
    message = str(error.value)
    assert "2.0 GB is available" in message
    for fragment in fragments:
        assert fragment in message


def test_what_the_message_says_would_fit_does_fit(monkeypatch):
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "200M")
    with pytest.raises(MemoryEstimateError, match=r"at most about ([\d,]+) consumers") as error:
        WordOfMouthModel(seed=1, n_consumers=1_000_000)
    fits = int(str(error.value).split("at most about ")[1].split(" ")[0].replace(",", ""))
    model = WordOfMouthModel(seed=1, n_consumers=fits).run(1)  # passes the check, and runs
    assert model_memory(model.params, model.strategy) <= 200 * 2**20


def test_a_comparison_counts_its_runs_at_once(monkeypatch):
    from simulation.experiment.compare import run_comparison
    from simulation.scenario import parse_scenario

    scenario = parse_scenario("market: {n_consumers: 400000}\nreplications: 4\nhorizon: 2\n", "s.yaml")
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "1G")  # one run fits (about 700 MB), two at once do not
    with pytest.raises(MemoryEstimateError, match="for 2 runs at once.*run fewer at once"):
        run_comparison(scenario, jobs=2)


def test_an_edge_list_is_sized_by_its_file(tmp_path, monkeypatch):
    edges = tmp_path / "big.txt"
    edges.write_bytes(b"1 2\n" * 2_000_000)  # 8 MB: up to 2,000,000 edges
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "700M")  # the text fits (9 MB would), its ties and consumers do not
    with pytest.raises(MemoryEstimateError) as error:
        WordOfMouthModel(seed=1, network="edge_list", edge_list=str(edges), n_consumers=1_000_000)
    assert str(error.value).startswith("the edge-list file big.txt (up to 2,000,000 edges) needs about")
    assert str(error.value).endswith("700.0 MB is available: use a smaller network file")
    # Past what the memory could hold, the file is read no further: the message says "more than".
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "100M")
    with pytest.raises(MemoryEstimateError) as error:
        WordOfMouthModel(seed=1, network="edge_list", edge_list=str(edges), n_consumers=2)
    assert str(error.value).startswith("the edge-list file big.txt (more than 327,680 edges) needs more than")
