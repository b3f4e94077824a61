"""Kernel-level tests of discovery, purchase and trust learning: each compiled pass, on the state of a market
in mid-diffusion, does exactly what the rule's numpy form does, and what its equation in ``simulation.rules``
says for consumers checked one by one.

The kernels call the rules' own functions (``_compiled.RULE_EQUATIONS``); these tests would fail if a kernel
computed a different equation, drew different uniforms or touched other consumers.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import numpy as np
import pytest

from simulation import kernels, streams
from simulation.engine import experience, page, purchase, trust_learning
from simulation.engine.record import StepRecord
from simulation.marketing.base import MarketingEffects
from simulation.model import WordOfMouthModel
from simulation.rules.awareness import page_visit_probability
from simulation.rules.purchase import midstep_influence, purchase_gate, purchase_hazard, purchase_probability
from simulation.rules.trust import learn_trust, reported_evidence, source_accuracy

pytestmark = pytest.mark.skipif(not kernels.available(), reason="numba is not installed (pip install .[fast])")

MARKET = dict(n_consumers=3000, p=0.3, q=2.0, talk_rate=30.0, page_visit_rate=6.0, review_propensity=0.5)


@pytest.fixture(scope="module")
def market():
    """A market after 10 steps (numpy forms): aware and unaware consumers, customers, reviews, heard ties."""
    with kernels.using(False):
        model = WordOfMouthModel(seed=3, **MARKET).run(10)
    assert 0 < model.kpis["adopters"] < 3000 // 2 and model.page.count > 0
    return model


def _state(model: WordOfMouthModel) -> dict:
    """A copy of everything a rule may change."""
    copied = {f.name: getattr(model.consumers, f.name).copy() for f in dataclasses.fields(model.consumers)}
    copied["ties"] = model.ties.memory.copy()
    copied["tie_trust_total"] = model.tallies.tie_trust_total
    copied["brand_trust"] = model.brand.trust
    return copied


def _restore(model: WordOfMouthModel, state: dict) -> None:
    for name, values in state.items():
        if name == "ties":
            model.ties.memory[...] = values
        elif name == "tie_trust_total":
            model.tallies.tie_trust_total = values
        elif name == "brand_trust":
            model.brand.trust = values
        else:
            getattr(model.consumers, name)[...] = values


def _both_forms(model: WordOfMouthModel, rule):
    """(result, state after) of `rule(model)` with the kernels and with the numpy forms, from the same state."""
    before = _state(model)
    outcomes = []
    for compiled in (True, False):
        _restore(model, before)
        model.compiled = compiled
        with kernels.using(compiled):
            result = rule(model)
        outcomes.append((result, _state(model)))
    _restore(model, before)
    return outcomes, before


@contextmanager
def _next_tick(model: WordOfMouthModel):
    """Within the block, the model is at the next sub-step (fresh hashed draws)."""
    model.tick += 1
    try:
        yield
    finally:
        model.tick -= 1


def _same_state(a: dict, b: dict) -> None:
    for name in a:
        if name == "ties":
            assert a[name].tobytes() == b[name].tobytes()  # (NaN where nothing was heard)
        else:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_discovery_and_page_reading_kernel(market):
    with _next_tick(market):  # its readers are those whose last read is at this tick
        ((kernel, after), (numpy_form, numpy_after)), before = _both_forms(market, page.discover_and_read)
        salt = market.salt("page")
    assert kernel == numpy_form > 0
    _same_state(after, numpy_after)
    # Checked one by one against the rule: a non-customer reads iff aware before and u < P(visit), or it found
    # the product through the page; every reader is aware after, with the page's signal.
    read = after["page_read_step"] != before["page_read_step"]
    assert read.sum() == kernel
    assert (after["awareness"][read] == 1.0).all() and not (before["role"][read] == 2).any()
    u = streams.hashed_uniforms(salt, np.flatnonzero(read))
    aware_before = before["awareness"][read] >= 0.5
    visit = page_visit_probability(market.settings.page_visit_rate, before["interest"][read], market.dt)
    assert (u[aware_before] < visit[aware_before]).all()
    newly_aware = (before["awareness"] < 0.5) & (after["awareness"] == 1.0)
    assert newly_aware.any()  # discovery happened (media or page)


def test_purchase_kernel(market):
    effects = MarketingEffects(n=market.consumers.n, background=market.settings.background_media)

    def buy(model):
        record = StepRecord(aware=model.consumers.aware)
        purchase.purchase(model, effects, record)
        return record.purchases

    settings = market.settings
    market.settings = dataclasses.replace(settings, p=10.0)  # many buyers: a hazard off by a few percent shows
    try:
        with _next_tick(market):  # fresh draws (this tick's buyers have bought)
            ((kernel, _), (numpy_form, _)), _ = _both_forms(market, buy)
            expected = _buyers_one_by_one(market, effects)
    finally:
        market.settings = settings
    assert kernel.buyers.size > 100
    np.testing.assert_array_equal(kernel.buyers, numpy_form.buyers)
    np.testing.assert_array_equal(kernel.social_part, numpy_form.social_part)
    np.testing.assert_array_equal(kernel.external_part, numpy_form.external_part)
    np.testing.assert_array_equal(kernel.buyers, expected)


def _buyers_one_by_one(model: WordOfMouthModel, effects: MarketingEffects) -> np.ndarray:
    """Each aware non-customer buys iff its hashed uniform is under the purchase probability (rules.purchase),
    evaluated for every candidate (no thinning)."""
    c, prm, social = model.consumers, model.settings, model.social_memory
    candidates = np.flatnonzero(c.aware & (c.role != 2))
    u = streams.hashed_uniforms(model.salt("purchase"), candidates)
    gate = purchase_gate(c.opinion[candidates], c.interest[candidates], prm.opinion_sensitivity, prm.rejection_opinion)
    ties = social.ties_per_listener[candidates]
    influence = midstep_influence(
        social.recommendations[candidates] / ties, social.recommendations_before[candidates] / ties
    )
    pull = prm.q * influence + prm.review_influence * model.page_influence(candidates)
    price_factor = (1.0 + prm.price_elasticity * effects.discount) * effects.hazard_factor
    hazard = purchase_hazard(gate, prm.p, effects.background, 1.0, pull, price_factor)
    return candidates[u < purchase_probability(hazard, model.dt)]


def test_trust_learning_kernel(market):
    c = market.consumers
    buyers = np.flatnonzero(c.role != 2)[:400]
    satisfaction = np.linspace(-1.0, 1.0, buyers.size)
    outcomes, before = _both_forms(market, lambda m: experience.learn_trust(m, buyers, satisfaction))
    (_, after), (_, numpy_after) = outcomes
    _same_state(after, numpy_after)
    assert after["tie_trust_total"] == numpy_after["tie_trust_total"] != before["tie_trust_total"]
    # One by one: every tie of a buyer that carried a message moves toward that message's accuracy.
    net, t = market.network, market.ties
    memory_before, memory_after = before["ties"], after["ties"]
    changed = 0
    for b, s in zip(buyers[:50].tolist(), satisfaction[:50].tolist()):
        for tie in range(net.indptr[b], net.indptr[b + 1]):
            valence = memory_before["last_valence"][tie]
            if np.isnan(valence):
                assert memory_after["trust"][tie] == memory_before["trust"][tie]
                continue
            accuracy = source_accuracy(np.float64(valence), s)
            want = np.float32(
                learn_trust(np.float64(memory_before["trust"][tie]), accuracy, market.settings.trust_learning)
            )
            assert memory_after["trust"][tie] == want
            changed += 1
    assert changed > 0 and t is not None


def test_kernels_cached_before_a_rule_was_edited_are_forgotten(tmp_path):
    """numba's cache checks a kernel's own file only: a cache index older than the newest rule file is removed,
    so the kernels are compiled again from the rules as they are; a newer one is kept."""
    import os

    (tmp_path / "rules").mkdir()
    (tmp_path / "__pycache__").mkdir()
    rule = tmp_path / "rules" / "trust.py"
    rule.write_text("")
    stale, fresh = (tmp_path / "__pycache__" / f"_compiled.{name}.nbi" for name in ("hear-1", "talk-2"))
    stale.write_text(""), fresh.write_text("")
    os.utime(stale, (1_000, 1_000))
    os.utime(rule, (2_000, 2_000))
    os.utime(fresh, (3_000, 3_000))
    assert kernels.drop_stale_kernels(tmp_path) == [stale]
    assert not stale.exists() and fresh.exists()


def test_learning_from_reports_kernel(market):
    """Consumers who never bought judge their ties' advice against what the buyers among their ties report
    (rules.trust.reported_evidence): both forms agree, and each listener checked one by one follows
    t <- t + eta (max(0, 1 - |v - e|) - t) with e = sum_b s_b / m."""
    c, t, net = market.consumers, market.ties, market.network
    customers = np.flatnonzero(c.role == 2)
    buyers = customers[:40]
    record = StepRecord()
    record.purchases = dataclasses.replace(record.purchases, buyers=buyers)
    record.satisfaction = np.linspace(-1.0, 1.0, buyers.size)
    effects = MarketingEffects(n=c.n, background=market.settings.background_media)
    outcomes, before = _both_forms(market, lambda m: trust_learning.learn_from_reports(m, effects, record))
    (_, after), (_, numpy_after) = outcomes
    _same_state(after, numpy_after)
    # Reports each listener heard: the satisfaction of the buyers among its ties (ties are listener <- speaker).
    reports: dict[int, list[float]] = {}
    for b, s in zip(buyers.tolist(), record.satisfaction.tolist()):
        for tie in np.flatnonzero(t.speaker == b).tolist():
            reports.setdefault(int(t.listener[tie]), []).append(s)
    memory_before, memory_after = before["ties"], after["ties"]
    checked = moved = 0
    rate = market.settings.trust_learning
    for i in sorted(reports):
        ties = range(net.indptr[i], net.indptr[i + 1])
        if not np.isnan(c.satisfaction[i]):  # a customer judges by its own experience: untouched here
            assert all(memory_after["trust"][e] == memory_before["trust"][e] for e in ties)
            continue
        said = reports.get(i, [])
        evidence = reported_evidence(sum(said), len(said))
        for tie in ties:
            v = memory_before["last_valence"][tie]
            if np.isnan(v):
                assert memory_after["trust"][tie] == memory_before["trust"][tie]
                continue
            want = learn_trust(np.float64(memory_before["trust"][tie]), source_accuracy(np.float64(v), evidence), rate)
            assert memory_after["trust"][tie] == np.float32(want)
            moved += memory_after["trust"][tie] != memory_before["trust"][tie]
            checked += 1
    assert checked > 20 and moved > 0
