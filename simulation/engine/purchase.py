"""The purchase rule steps: aware non-customers buy with the purchase hazard (with the free units and adoption on
recommendation joining), and loyal customers buy again.

Equations: ``rules.purchase`` (gate, hazard, probability over the sub-step, mid-step social influence);
docs/MODEL.md, "Submodels".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels, streams
from ..marketing.base import MarketingEffects
from ..rules.purchase import purchase_gate, purchase_hazard, purchase_probability
from ..rules.rates import per_step_probability
from ..state import CUSTOMER_CODE, Role
from ..step_records import Messages, Purchases
from .delivery import fading_by_age
from .experience import learn_trust
from .kernel_inputs import Buyers, PurchaseHazard
from .page import page_influence
from .record import StepRecord
from .word_of_mouth import social_influence

if TYPE_CHECKING:
    from ..model import WordOfMouthModel


def note_aware(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Who is aware as purchases are made (the purchase and follow rules and the KPIs read it)."""
    record.aware = model.consumers.aware


def purchase(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Aware non-customers buy with the purchase hazard; free units and adoption on recommendation join
    (rules.purchase: purchase_gate, midstep_influence, purchase_hazard, purchase_probability)."""
    prm = model.settings
    price_factor = (1.0 + prm.price_elasticity * effects.discount) * effects.hazard_factor
    # Thinning: S <= 1 (its mid-step estimate <= 1.5), R <= 1, E <= its maximum and the gate <= 2 (1 + kappa),
    # so no consumer whose uniform exceeds the resulting bound can buy; evaluating the hazard for the
    # rest gives the same buyers. Each consumer's uniform is its own hash (common random numbers).
    most_external = effects.background if effects.external is None else float(effects.external.max())
    most_social = 1.5 * prm.q + prm.review_influence
    bound = purchase_probability(
        purchase_hazard(2.0 * (1.0 + prm.opinion_sensitivity), prm.p, most_external, most_social, 1.0, price_factor),
        model.dt,
    )
    if model.ties is not None and model.compiled:
        buyers, social, bought_external = _hazard_compiled(model, effects, record.aware, float(bound), price_factor)
    else:
        buyers, social, bought_external = _hazard_numpy(model, effects, record.aware, float(bound), price_factor)
    if prm.adopt_on_recommendation or effects.free_units.size:
        buyers = _with_free_and_recommended(model, buyers, effects, record.messages)
    record.purchases = Purchases(
        buyers=buyers,
        free=effects.free_units,
        external_part=prm.p * bought_external,
        social_part=social,
    )


def _hazard_compiled(model: WordOfMouthModel, effects: MarketingEffects, aware, bound: float, price_factor) -> tuple:
    """``_hazard_numpy`` in one compiled pass over the market, with the thinning (the same buyers)."""
    c, prm, social_memory = model.consumers, model.settings, model.social_memory
    state = Buyers(
        aware,
        c.role,
        c.opinion,
        c.interest,
        np.ones(1) if effects.external is None else effects.external,
        social_memory.recommendations,
        social_memory.recommendations_before,
        social_memory.ties_per_listener,
        c.page_signal,
        c.page_read_step,
        fading_by_age(model),
    )
    settings = PurchaseHazard(
        model.salt("purchase"),
        bound,
        effects.external is not None,
        float(effects.background),
        model.tick,
        float(prm.opinion_sensitivity),
        float(prm.rejection_opinion),
        float(prm.p),
        float(prm.q),
        float(prm.review_influence),
        float(price_factor),
        float(model.dt),
    )
    found = kernels.over_consumers(kernels.compiled().purchase_pass, c.n, (state, settings))
    buyers, social = found[0] if len(found) == 1 else (np.concatenate([f[k] for f in found]) for k in (0, 1))
    bought_external = np.full(buyers.size, effects.background) if effects.external is None else effects.external[buyers]
    return buyers, social, bought_external


def _hazard_numpy(model: WordOfMouthModel, effects: MarketingEffects, aware, bound: float, price_factor) -> tuple:
    """(buyers, their q S_i, their E_i): the aware non-customers whose uniform falls under their purchase
    probability, evaluated for those under the thinning bound only."""
    c, prm = model.consumers, model.settings
    who, u = streams.thinned(aware & (c.role != CUSTOMER_CODE), bound, model.salt("purchase"), model.compiled)
    gate = purchase_gate(c.opinion[who], c.interest[who], prm.opinion_sensitivity, prm.rejection_opinion)
    external = effects.background if effects.external is None else effects.external[who]
    social = prm.q * social_influence(model, who, midstep=True) + prm.review_influence * page_influence(model, who)
    hazard = purchase_hazard(gate, prm.p, external, 1.0, social, price_factor)
    bought = u < purchase_probability(hazard, model.dt)
    # (np.full rather than np.broadcast_to for the background alone: the same values, a tenth of the time)
    bought_external = (
        external[bought] if isinstance(external, np.ndarray) else np.full(np.count_nonzero(bought), external)
    )
    return who[bought], social[bought], bought_external


def _with_free_and_recommended(model: WordOfMouthModel, buyers, effects: MarketingEffects, messages: Messages):
    """The buyers, the free units' receivers and (independent cascade) listeners of a customer's positive
    message, non-customers only, in consumer order."""
    c = model.consumers
    buying = np.zeros(c.n, dtype=bool)
    buying[buyers] = True
    if model.settings.adopt_on_recommendation:  # independent cascade: a customer's recommendation is adoption
        assert messages.speakers is not None and messages.valence is not None and messages.listeners is not None
        from_customer = (c.role[messages.speakers] == Role.CUSTOMER) & (messages.valence > 0)
        buying[messages.listeners[from_customer]] = True
    buying[effects.free_units] = True
    buying &= c.role != Role.CUSTOMER
    return np.flatnonzero(buying)


def repeat_purchases(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Satisfied customers buy again at the repeat rate; dissatisfied ones have churned; each repeat purchase
    is an experience they learn whom to trust from again (rules.rates.per_step_probability; learn_trust)."""
    rate = model.settings.repeat_rate
    if rate <= 0:
        return
    c = model.consumers
    loyal = (
        (c.role == CUSTOMER_CODE)
        & (c.satisfaction > model.settings.churn_satisfaction)
        & (c.purchase_step < model.step_index)
    )
    again, _ = streams.thinned(loyal, float(per_step_probability(rate, model.dt)), model.salt("repeat"), model.compiled)
    c.purchases[again] += 1
    learn_trust(model, again, c.satisfaction[again])
    record.repeat = int(again.size)
