"""The lever runtime: one context per hook call, per-run state apart from the frozen settings, and the engine's
verbs for levers (give the product to non-customers only; ask chosen customers for a rating)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest

from simulation import WordOfMouthModel
from simulation.marketing import registry
from simulation.marketing.base import Lever, LeverContext

SMALL = dict(n_consumers=800, mean_degree=6, customer_share=0.1, p=0.3, q=2.0)


class Probe(Lever):
    """A test lever: counts its calls in its per-run state and uses the verbs it is told to."""

    kind: Literal["probe"] = "probe"
    give_to: str = "none"  # "prospects", "customers" or "none"
    ask: bool = False
    continuous = True
    summary = "test lever"
    cost_rule = "free"

    def start_run(self, model):
        return {"acts": 0, "purchases_seen": 0, "reviews_asked": 0}

    def act(self, ctx: LeverContext) -> None:
        ctx.state["acts"] += 1
        role = ctx.model.consumers.role
        if self.give_to != "none" and ctx.model.step_index == 1:
            pool = np.flatnonzero(role == 2) if self.give_to == "customers" else np.flatnonzero(role != 2)
            ctx.give_product(pool[:5])

    def on_purchases(self, ctx: LeverContext) -> None:
        ctx.state["purchases_seen"] += int(ctx.purchases.buyers.size)
        assert isinstance(ctx.rng, np.random.Generator)

    def on_reviews(self, ctx: LeverContext) -> None:
        if self.ask and ctx.model.step_index == 2:
            customers = np.flatnonzero(ctx.model.consumers.role == 2)[:200]
            ctx.state["reviews_asked"] += int(ctx.ask_to_review(customers).stars.size)


@pytest.fixture
def probe():
    registry.register(Probe)
    yield Probe
    registry.unregister("probe")


def _run(steps: int = 4, **settings) -> WordOfMouthModel:
    return WordOfMouthModel(seed=2, strategy={"levers": [{"kind": "probe", **settings}]}, **SMALL).run(steps)


def test_each_run_has_its_own_lever_state_and_the_settings_stay_frozen(probe):
    first, second = _run(), _run(steps=2)
    assert first.brand.lever_states[0]["acts"] == 4 and second.brand.lever_states[0]["acts"] == 2
    assert first.brand.lever_states[0]["purchases_seen"] == first.timeseries().new_adopters.sum()
    lever = first.strategy.levers[0]
    with pytest.raises(Exception):  # noqa: B017 (pydantic's frozen-instance error)
        lever.give_to = "customers"


def test_the_product_is_given_to_non_customers_only(probe):
    given = _run(give_to="prospects")
    assert given.timeseries().new_adopters.iloc[1] >= 5
    with pytest.raises(ValueError, match="already customers"):
        _run(give_to="customers")


def test_chosen_customers_asked_for_a_rating_post_more_than_buyers_do_unasked(probe):
    asked = _run(ask=True)
    plain = _run()
    posted = int(asked.brand.lever_states[0]["reviews_asked"])
    assert posted > 0
    # Paired runs: the same market until step 2, where the asked customers' ratings are added to the page.
    a, b = asked.timeseries().review_count, plain.timeseries().review_count
    assert a.iloc[1] == b.iloc[1] and a.iloc[2] == b.iloc[2] + posted
    model = WordOfMouthModel(seed=2, **SMALL)
    with pytest.raises(ValueError, match="never bought"):
        from simulation.engine.experience import ask_for_reviews

        ask_for_reviews(model, np.flatnonzero(model.consumers.role != 2)[:3])
