"""The engine's fast paths change nothing but speed.

* compiled kernels (numba) and their numpy forms give the same market, number for number;
* the three deliveries (messages one by one, marked sparse rows, one dense pass) give the same market;
* a tie's delivery does not depend on who else talks (common random numbers);
* deliveries follow Binomial(messages, reach) (chi-square against scipy's pmf);
* day, week, month, quarter and year steps describe the same market;
* compiled cascades have the reference's spread distribution (KS test) and the same greedy seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulation import kernels, streams
from simulation.engine.kernel_inputs import Deliveries, Reach, SpokenTies
from simulation.influence.cascade import (
    LiveEdgeSamples,
    cascade_spread_samples,
    greedy_seeds,
    simulate_independent_cascade,
)
from simulation.model import WordOfMouthModel
from simulation.network.build import build_network
from simulation.population import create_ties
from simulation.rules import conversation
from simulation.scenario import load_scenario

needs_numba = pytest.mark.skipif(not kernels.available(), reason="numba is not installed (pip install .[fast])")

# Every lever hook in play: content re-shares (extra messages), answers to posts (a lever reading messages),
# seeding (free units), advertising (external influence).
STRATEGY = {
    "levers": [
        {"kind": "content", "engagement": 0.3, "reshare": 0.3, "end": 10},
        {"kind": "review_response", "share": 0.5, "start": 5, "end": 15},
        {"kind": "seeding", "k": 30, "targeting": "hubs"},
        {"kind": "advertising", "reach": 0.05, "end": 8},
    ]
}
MARKET = dict(n_consumers=4000, p=0.3, talk_rate=30.0, page_visit_rate=6.0, review_propensity=0.5, quality=0.2)


@pytest.fixture
def kernels_switch():
    """``kernels.use_kernels`` for the test; the settings are restored after it."""
    with kernels.using(kernels.enabled()):
        yield kernels.use_kernels


def _run(steps: int = 25, delivery: str = "auto", **params) -> WordOfMouthModel:
    model = WordOfMouthModel(seed=11, strategy=STRATEGY, **(MARKET | params))
    model.delivery = delivery
    return model.run(steps)


def _same_market(a: WordOfMouthModel, b: WordOfMouthModel) -> None:
    ta, tb = a.timeseries(), b.timeseries()
    assert list(ta.columns) == list(tb.columns)
    np.testing.assert_array_equal(ta.to_numpy(float), tb.to_numpy(float))  # (NaN equals NaN here)
    assert (a.consumers.role == b.consumers.role).all()
    np.testing.assert_allclose(a.consumers.opinion, b.consumers.opinion, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.consumers.interest, b.consumers.interest, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.social_memory.recommendations, b.social_memory.recommendations, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(a.consumers.group_trust, b.consumers.group_trust)  # (learned from experience)
    if a.ties is not None:
        np.testing.assert_array_equal(a.ties.trust, b.ties.trust)


@needs_numba
@pytest.mark.parametrize("network", ["small_world", "communities", "complete"])
def test_compiled_kernels_and_numpy_give_the_same_market(kernels_switch, network):
    kernels_switch(False)
    reference = _run(network=network)
    kernels_switch(True)
    _same_market(reference, _run(network=network))
    assert reference.kpis["adopters"] > 100  # a market where every rule did something


@needs_numba
@pytest.mark.parametrize("delivery", ["sparse", "dense"])
@pytest.mark.parametrize("strategy", [None, {"levers": [{"kind": "referral"}]}], ids=["plain", "referral"])
def test_the_three_deliveries_give_the_same_market(kernels_switch, delivery, strategy):
    kernels_switch(True)
    # No lever reads messages, so the aggregate paths are allowed; referrals lower customers' credibility.
    plain = dict(strategy=strategy)
    one_by_one = WordOfMouthModel(seed=5, **MARKET, **plain)
    one_by_one.delivery = "messages"
    other = WordOfMouthModel(seed=5, **MARKET, **plain)
    other.delivery = delivery
    one_by_one.run(25), other.run(25)
    _same_market(one_by_one, other)
    assert other.kpis["positive_messages"] > 0


@needs_numba
@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("delivery", ["sparse", "dense"])
def test_kernels_split_over_threads_give_the_same_market(kernels_switch, monkeypatch, threads, delivery):
    kernels_switch(True)
    monkeypatch.setattr(kernels, "SMALLEST_SPLIT", 2)  # split this small market's steps too
    models = []
    for count in (1, threads):
        kernels.use_threads(count)
        model = WordOfMouthModel(seed=5, **MARKET, strategy=None)
        model.delivery = delivery
        models.append(model.run(25))
    _same_market(*models)
    for name in ("awareness", "opinion", "interest", "first_source"):
        np.testing.assert_array_equal(getattr(models[0].consumers, name), getattr(models[1].consumers, name))
    assert models[0].ties.memory.tobytes() == models[1].ties.memory.tobytes()  # (NaN where nothing was heard)
    np.testing.assert_array_equal(models[0].social_memory.recommendations, models[1].social_memory.recommendations)
    assert kernels.parts_for(10**6) == threads and kernels.parts_for(1) == 1


def test_batch_workers_run_the_kernels_on_one_thread(monkeypatch):
    monkeypatch.setenv("WOM_THREADS", "4")
    with kernels.using(True):
        kernels._threads = None  # read the environment again
        assert kernels.threads() == 4
        kernels.for_batches()
        assert kernels.threads() == 1 and kernels.parts_for(10**7) == 1


@needs_numba
def test_auto_delivery_switches_paths_within_a_run(kernels_switch):
    kernels_switch(True)
    model = WordOfMouthModel(seed=2, n_consumers=3000, talk_rate=200.0, hearsay_talk_ratio=1.0, strategy=None)
    seen = []
    original = model.delivery_paths.choose

    def spy(*args):
        seen.append(original(*args))
        return seen[-1]

    model.delivery_paths.choose = spy
    model.run(30)
    assert {"sparse", "dense"} <= set(seen)


@needs_numba
@pytest.mark.parametrize("delivery", ["auto", "sparse", "dense"])
def test_the_miss_table_is_computed_once_per_aggregated_substep(kernels_switch, monkeypatch, delivery):
    """Choosing the path and drawing the deliveries read one table: one ``miss_table`` per sub-step."""
    kernels_switch(True)
    calls = []
    original = conversation.miss_table
    monkeypatch.setattr(conversation, "miss_table", lambda *args: calls.append(args) or original(*args))
    model = WordOfMouthModel(seed=2, n_consumers=3000, talk_rate=200.0, hearsay_talk_ratio=1.0, strategy=None)
    model.delivery = delivery
    paths = []
    choose = model.delivery_paths.choose
    model.delivery_paths.choose = lambda *args: paths.append(choose(*args)) or paths[-1]
    model.run(20)
    aggregated = sum(path != "messages" for path in paths)
    assert aggregated > 10 and len(calls) == aggregated


def test_models_on_one_network_share_its_tie_structure_and_change_nothing_in_it():
    """A run on a network another run with the same seed used (as sweep points and strategies do) shares its
    tie structure, and gives exactly the market of a run on a freshly built network."""
    first = _run()
    again = WordOfMouthModel(seed=11, strategy=STRATEGY, social_network=first.network, **MARKET)
    assert again.ties.spoken_by is first.ties.spoken_by and again.ties.memory is not first.ties.memory
    fresh = WordOfMouthModel(seed=11, strategy=STRATEGY, **MARKET)
    assert fresh.network is not first.network
    again.run(25), fresh.run(25)
    np.testing.assert_array_equal(again.timeseries().to_numpy(float), fresh.timeseries().to_numpy(float))
    np.testing.assert_array_equal(again.consumers.opinion, fresh.consumers.opinion)
    for name in again.ties.memory.dtype.names:  # (NaN: nothing heard on the tie)
        np.testing.assert_array_equal(again.ties.memory[name], fresh.ties.memory[name])


def test_a_kept_population_is_a_fresh_copy_of_the_one_drawn():
    """A run after another with the same seed and population parameters starts from the consumers drawn
    from the seed, whatever the earlier run did to its own copy."""
    from dataclasses import fields

    from simulation.parameters import validate_parameters
    from simulation.population import create_population
    from simulation.streams import fixed_stream

    _run()  # a run that changed its consumers
    later = WordOfMouthModel(seed=11, strategy=STRATEGY, **MARKET)
    drawn, taste = create_population(validate_parameters(MARKET), MARKET["n_consumers"], fixed_stream(11, "population"))
    for field in fields(drawn):
        np.testing.assert_array_equal(getattr(later.consumers, field.name), getattr(drawn, field.name), field.name)
    np.testing.assert_array_equal(later.taste, taste)


def _ties(n: int = 3000):
    network = build_network("small_world", n, np.random.default_rng(0), mean_degree=10, rewiring=0.1)
    params = {"strong_tie_share": 0.2, "strong_tie_trust": 0.8, "weak_tie_trust": 0.4}
    return network, create_ties(params, network, np.uint64(1))


@pytest.mark.parametrize("compiled", [False, True])
def test_a_ties_delivery_does_not_depend_on_who_else_talks(kernels_switch, compiled):
    if compiled and not kernels.available():
        pytest.skip("numba is not installed")
    kernels_switch(compiled)
    network, ties = _ties()
    rng = np.random.default_rng(3)
    talkers = np.sort(rng.choice(network.n, 400, replace=False))
    counts = rng.integers(1, 4, talkers.size)
    extra = int(np.setdiff1d(np.arange(network.n), talkers)[7])
    salt = np.uint64(99)
    few = dict(zip(*conversation.deliver_on_network(talkers, counts, ties, 0.3, salt), strict=True))
    more_talkers = np.append(talkers, extra)
    more = dict(zip(*conversation.deliver_on_network(more_talkers, np.append(counts, 2), ties, 0.3, salt), strict=True))
    others = {tie: seen for tie, seen in more.items() if ties.speaker[tie] != extra}
    assert others == few  # every other tie saw exactly what it saw without the extra talker
    assert len(more) > len(few)  # and the extra talker was heard


@needs_numba
def test_compiled_deliveries_sorted_by_tie_are_the_numpy_deliveries(kernels_switch):
    network, ties = _ties()
    rng = np.random.default_rng(4)
    talkers = np.sort(rng.choice(network.n, 500, replace=False))
    counts = rng.integers(1, 5, talkers.size)
    salt = np.uint64(7)
    kernels_switch(False)
    expected_ties, expected_seen = conversation.deliver_on_network(talkers, counts, ties, 0.3, salt)
    kernels_switch(True)
    compiled = kernels.compiled()
    got_ties, got_seen = compiled.deliver(
        talkers, counts, ties.spoken_indptr, ties.spoken_by, 0.3, conversation.miss_table(0.3, counts.max()), salt
    )
    np.testing.assert_array_equal(got_ties, expected_ties)
    np.testing.assert_array_equal(got_seen, expected_seen)
    order = np.argsort(expected_ties, kind="stable")
    for size in (network.n_ties, 2**40):  # one and several radix passes
        sorted_ties, sorted_seen = compiled.sort_by_tie(got_ties, got_seen, size)
        np.testing.assert_array_equal(sorted_ties, expected_ties[order])
        np.testing.assert_array_equal(sorted_seen, expected_seen[order])


@needs_numba
@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("n_ties", [5_000, 2**30, 2**32])  # passes: two of 7 bits, three of 10, three of 11
def test_the_sort_split_over_threads_is_the_serial_sort(kernels_switch, monkeypatch, threads, n_ties):
    kernels_switch(True)
    monkeypatch.setattr(kernels, "SMALLEST_SPLIT", 2)
    rng = np.random.default_rng(threads)
    m = 20_000
    ties = rng.integers(0, min(n_ties, 2**32 - 1), m)  # many repeated ties: the sort must be stable
    keys = ties + (rng.integers(0, 1000, m) << 32)
    delivered = (keys, rng.integers(1, 4, m), rng.integers(0, 10**6, m).astype(np.int32))
    padding = 100  # the buffers are longer than the deliveries, as the model keeps them

    def buffers():
        filled = [np.concatenate([a, np.zeros(padding, a.dtype)]) for a in delivered]
        return (*filled, *(np.empty_like(a) for a in filled))

    kernels.use_threads(1)
    serial = [a.copy() for a in kernels.sort_deliveries(m, buffers(), n_ties)]
    kernels.use_threads(threads)
    split = kernels.sort_deliveries(m, buffers(), n_ties)
    order = np.argsort(ties, kind="stable")
    for a, b, original in zip(serial, split, delivered):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, original[order])


@needs_numba
@pytest.mark.parametrize("directed", [False, True])
def test_deliveries_to_listeners_carry_each_ties_talker_and_listener_in_tie_order(kernels_switch, directed):
    from simulation.network.generators import network_from_edges

    if directed:
        rng = np.random.default_rng(9)
        ends = rng.integers(0, 3000, (2, 30000))
        network = network_from_edges(3000, ends[0], ends[1], "edge_list", directed=True)
        ties = create_ties({"strong_tie_share": 0.2, "strong_tie_trust": 0.8, "weak_tie_trust": 0.4}, network, 1)
    else:
        network, ties = _ties()
    assert ties.spoken_to is not None
    kernels_switch(True)
    compiled = kernels.compiled()
    rng = np.random.default_rng(4)
    talkers = np.sort(rng.choice(network.n, 500, replace=False))
    counts = rng.integers(1, 5, talkers.size)
    for reach in (0.3, 1.0):
        misses = conversation.miss_table(reach, counts.max())
        ties_seen = compiled.deliver(talkers, counts, ties.spoken_indptr, ties.spoken_by, reach, misses, np.uint64(7))
        expected_ties, expected_seen = ties_seen
        spoken = (
            talkers,
            counts,
            SpokenTies(ties.spoken_indptr, ties.spoken_by, ties.spoken_to),
            Reach(reach, misses, np.uint64(7)),
        )
        needed = int((ties.spoken_indptr[talkers + 1] - ties.spoken_indptr[talkers]).sum())
        short = Deliveries(*(np.empty(needed - 1, dtype) for dtype in (np.int64, np.int64, np.int32)))
        assert compiled.deliver_to_listeners(*spoken, short) == -needed  # asks for room, writes nothing
        buffers = [np.empty(needed, dtype) for dtype in (np.int64, np.int64, np.int32) * 2]
        m = compiled.deliver_to_listeners(*spoken, Deliveries(*buffers[:3]))
        keys, seen, listeners = (a[:m].copy() for a in buffers[:3])
        np.testing.assert_array_equal(keys & 0xFFFFFFFF, expected_ties)
        np.testing.assert_array_equal(keys >> 32, ties.speaker[expected_ties])
        np.testing.assert_array_equal(listeners, ties.listener[expected_ties])
        np.testing.assert_array_equal(seen, expected_seen)
        order = np.argsort(expected_ties, kind="stable")
        for size in (network.n_ties, 2**30, 2**32):  # two (of 8 bits) and three (of 10 and 11 bits) radix passes
            got = [a.copy() for a in compiled.sort_deliveries(m, *buffers, size)]
            for array, delivered in zip(buffers, (keys, seen, listeners)):  # the unsorted ones, for the next size
                array[:m] = delivered
            np.testing.assert_array_equal(got[0] & 0xFFFFFFFF, expected_ties[order])
            np.testing.assert_array_equal(got[0] >> 32, ties.speaker[expected_ties[order]])
            np.testing.assert_array_equal(got[1], expected_seen[order])
            np.testing.assert_array_equal(got[2], ties.listener[expected_ties[order]])


@needs_numba
def test_compiled_hashed_uniforms_and_thinning_are_the_numpy_draws():
    indices = np.concatenate([np.arange(50), np.random.default_rng(8).integers(0, 2**40, 500)])
    salt = streams.step_salt(17, "reviews", 3)
    np.testing.assert_array_equal(
        streams.hashed_uniforms(salt, indices, compiled=True), streams.hashed_uniforms(salt, indices)
    )
    candidates = np.random.default_rng(9).random(5000) < 0.6
    for compiled, numpy_form in zip(
        streams.thinned(candidates, 0.05, salt, True), streams.thinned(candidates, 0.05, salt, False)
    ):
        np.testing.assert_array_equal(compiled, numpy_form)


@needs_numba
def test_compiled_talk_draws_the_numpy_counts_below_and_above_the_summing_rate():
    """The kernel sums Poisson terms for rates up to _SUMMING_RATE and hands larger ones to the quantile
    function: either way each talker's count is the numpy form's, exactly."""
    model = WordOfMouthModel(seed=3, n_consumers=3000, strategy=None, initial_awareness=1.0)
    settings = dict(talk_rate=500.0, neutral_talk=0.3, negativity_bias=0.5, dt=1 / 52, hearsay_talk_ratio=0.5)
    for boost in (None, np.linspace(0.5, 2.0, model.consumers.n)):
        draw = dict(settings, talk_window=0, step=0, boost=boost, salt=np.uint64(5))
        reference = conversation.talk(model.consumers, **draw, compiled=False)
        compiled = conversation.talk(model.consumers, **draw, compiled=True)
        np.testing.assert_array_equal(compiled[0], reference[0])
        np.testing.assert_array_equal(compiled[1], reference[1])
        rates = conversation.messages_per_step(model.consumers, reference[0], **settings, boost=boost)[1]
        assert (rates > conversation._SUMMING_RATE).sum() > 50 and (rates <= conversation._SUMMING_RATE).sum() > 50


@needs_numba
@pytest.mark.parametrize(
    "talk_window, talk_rate, neutral_talk",
    [(0, 30.0, 0.3), (0, 30.0, 0.0), (0, np.inf, 0.3), (3, 300.0, 0.3), (3, np.inf, 0.0)],
)
def test_compiled_talk_picks_the_numpy_talkers_in_every_mode(kernels_switch, talk_window, talk_rate, neutral_talk):
    kernels_switch(False)
    model = WordOfMouthModel(seed=4, n_consumers=3000, strategy=None, p=0.2).run(12)  # mixed roles and opinions
    model.consumers.opinion[::50] = 0.0  # some with nothing to say when neutral consumers keep quiet
    settings = dict(talk_window=talk_window, step=12, talk_rate=talk_rate, neutral_talk=neutral_talk)
    settings |= dict(negativity_bias=0.5, hearsay_talk_ratio=1 / 7, dt=1 / 52, boost=None, salt=np.uint64(6))
    reference = conversation.talk(model.consumers, **settings, compiled=False)
    compiled = conversation.talk(model.consumers, **settings, compiled=True)
    np.testing.assert_array_equal(compiled[0], reference[0])
    np.testing.assert_array_equal(compiled[1], reference[1])
    assert reference[0].size > 10


@pytest.mark.parametrize("compiled", [False, True])
def test_deliveries_follow_the_binomial_distribution(kernels_switch, compiled):
    """Every tie of a talker sending c messages sees Binomial(c, reach) of them: chi-square against scipy."""
    if compiled and not kernels.available():
        pytest.skip("numba is not installed")
    kernels_switch(compiled)
    network, ties = _ties(20_000)
    talkers = np.arange(network.n)
    for sent, reach in ((1, 0.3), (4, 0.3), (7, 0.65)):
        delivered, seen = conversation.deliver_on_network(
            talkers, np.full(network.n, sent), ties, reach, np.uint64(sent)
        )
        observed = np.bincount(seen, minlength=sent + 1).astype(float)
        observed[0] = network.n_ties - delivered.size  # ties that saw nothing
        expected = stats.binom.pmf(np.arange(sent + 1), sent, reach) * network.n_ties
        keep = expected > 5
        chi2 = stats.chisquare(observed[keep], expected[keep] * observed[keep].sum() / expected[keep].sum())
        assert chi2.pvalue > 1e-3, (sent, reach, observed, expected)


# ------------------------------------------------------------------ time scale
DEFAULT = "scenarios/default.yaml"
STEPS = {"day": 365, "week": 52, "month": 12, "quarter": 4, "year": 1}


def _default_run(unit: str, replication: int, steps: int | None = None):
    from simulation.experiment.runs import build_model

    scenario = load_scenario(DEFAULT, [f"time_unit={unit}", f"horizon={STEPS[unit]}"])
    model = build_model(scenario, "do_nothing", replication)
    return model.run(steps or STEPS[unit])


def test_a_year_step_is_twelve_monthly_substeps():
    """A step longer than a month is integrated in monthly sub-steps: one yearly step is the same market,
    draw for draw, as twelve monthly steps (and one quarterly step as three)."""
    monthly = _default_run("month", 0)
    yearly = _default_run("year", 0)
    quarterly = _default_run("quarter", 0)
    assert yearly.substeps == 12 and quarterly.substeps == 3 and monthly.substeps == 1
    assert yearly.kpis["adopters"] == quarterly.kpis["adopters"] == monthly.kpis["adopters"] > 100
    series = monthly.timeseries()
    assert yearly.kpis["new_adopters"] == series["new_adopters"].sum()
    assert yearly.kpis["positive_messages"] == series["positive_messages"].sum()
    assert quarterly.timeseries()["adopters"].tolist() == series["adopters"].iloc[2::3].tolist()
    np.testing.assert_allclose(yearly.kpis["revenue"], series["revenue"].sum())


def test_every_time_unit_describes_the_same_market():
    """The default scenario's mean adoption curve at the end of each quarter (and of the year) agrees between
    day, week, month, quarter and year steps within sampling error (4 standard errors of the difference)
    plus 3% of the daily curve, the discretisation allowance docs/MODEL.md states."""
    replications = 10
    quarter_ends = {
        "day": [91, 182, 274, 365],
        "week": [13, 26, 39, 52],
        "month": [3, 6, 9, 12],
        "quarter": [1, 2, 3, 4],
    }
    curves = {}
    for unit in STEPS:
        rows = []
        for r in range(replications):
            adopters = _default_run(unit, r).timeseries()["adopters"].to_numpy(float)
            rows.append(adopters[np.array(quarter_ends.get(unit, [1])) - 1])
        curves[unit] = np.array(rows)
    reference = curves["day"]
    for unit, values in curves.items():
        columns = slice(None) if unit != "year" else slice(-1, None)
        ref = reference[:, columns]
        diff = values.mean(axis=0) - ref.mean(axis=0)
        se = np.sqrt(values.var(axis=0, ddof=1) / replications + ref.var(axis=0, ddof=1) / replications)
        assert (np.abs(diff) <= 4 * se + 0.03 * ref.mean(axis=0)).all(), (unit, values.mean(0), ref.mean(0))
    assert reference[:, -1].mean() > 100


# ------------------------------------------------------------------ cascades
@needs_numba
@pytest.mark.parametrize("probability", [0.08, 0.2])
def test_compiled_cascades_have_the_reference_spread_distribution(kernels_switch, probability):
    network = build_network("small_world", 3000, np.random.default_rng(5), mean_degree=8, rewiring=0.2)
    seeds = [0, 500, 1500]
    kernels_switch(True)
    compiled = cascade_spread_samples(network, seeds, probability, 400, np.random.default_rng(1))
    rng = np.random.default_rng(2)
    reference = np.array([simulate_independent_cascade(network, seeds, probability, rng) for _ in range(400)])
    assert stats.ks_2samp(compiled, reference).pvalue > 1e-3
    assert compiled.mean() > 1.5 * len(seeds)  # cascades that spread


def test_live_edges_are_independent_with_the_probability():
    """Each edge lives with the probability, independently: counts per sample are Binomial(m, p) and
    neighbouring edges are uncorrelated (geometric skips below 0.1, a draw per edge above)."""
    from simulation.influence.cascade import live_edges

    m = 20_000
    for probability in (0.01, 0.05, 0.3):
        samples = np.array([live_edges(m, probability, np.uint64(11), r) for r in range(40)])
        counts = samples.sum(axis=1)
        assert stats.kstest(counts, stats.binom(m, probability).cdf).pvalue > 1e-3 or np.allclose(
            counts.mean(), m * probability, rtol=0.05
        )
        z = (counts.sum() - 40 * m * probability) / np.sqrt(40 * m * probability * (1 - probability))
        assert abs(z) < 4, (probability, z)
        both = (samples[:, 1:] & samples[:, :-1]).sum()
        expected = 40 * (m - 1) * probability**2
        assert abs(both - expected) < 5 * np.sqrt(expected) + 1, (probability, both, expected)


@needs_numba
@pytest.mark.parametrize("probability", [0.03, 0.2])  # live edges by geometric skips, and one draw per edge
def test_compiled_live_edge_samples_give_the_same_greedy_seeds(kernels_switch, probability):
    network = build_network("scale_free", 2000, np.random.default_rng(6), mean_degree=6)
    picks = {}
    for compiled in (False, True):
        kernels_switch(compiled)
        live = LiveEdgeSamples(network, probability, 50, np.random.default_rng(3))
        picks[compiled] = greedy_seeds(network, 10, probability, live_edges=live)
    assert picks[True].seeds == picks[False].seeds
    np.testing.assert_allclose(picks[True].spread, picks[False].spread)


@needs_numba
@pytest.mark.parametrize(
    "kind, options", [("scale_free", {}), ("communities", {"n_communities": 10, "within_share": 0.8})]
)
def test_compiled_ties_are_the_numpy_ties(kind, options):
    network = build_network(kind, 5000, np.random.default_rng(8), mean_degree=8, **options)
    params = {"strong_tie_share": 0.2, "strong_tie_trust": 0.8, "weak_tie_trust": 0.4}
    plain, compiled = (
        create_ties(params, network, np.uint64(77), False),
        create_ties(params, network, np.uint64(77), True),
    )
    for name in ("listener", "speaker", "strong", "trust", "same_community", "spoken_by", "spoken_indptr", "spoken_to"):
        np.testing.assert_array_equal(getattr(plain, name), getattr(compiled, name), err_msg=name)
    assert 0.15 < plain.strong.mean() < 0.25
    np.testing.assert_array_equal(plain.spoken_to, plain.listener[plain.spoken_by])


def test_spoken_to_is_each_spoken_ties_listener_on_a_directed_network():
    from simulation.network.generators import network_from_edges

    rng = np.random.default_rng(9)
    network = network_from_edges(
        500, rng.integers(0, 500, 3000), rng.integers(0, 500, 3000), "edge_list", directed=True
    )
    params = {"strong_tie_share": 0.2, "strong_tie_trust": 0.8, "weak_tie_trust": 0.4}
    for compiled in (False, True) if kernels.available() else (False,):
        ties = create_ties(params, network, np.uint64(5), compiled)
        np.testing.assert_array_equal(ties.spoken_to, ties.listener[ties.spoken_by])
        np.testing.assert_array_equal(
            ties.speaker[ties.spoken_by], np.repeat(np.arange(500), np.diff(ties.spoken_indptr))
        )
