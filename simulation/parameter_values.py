"""Generated from ``simulation.parameters.PARAMETERS`` by ``python -m simulation.doc_tables``: do not edit."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class ParameterValues:
    """The parameters of a model, each value checked once: made only from checked values (a validated
    ``Scenario.parameter_values()`` or ``validate_parameters``), so the model takes them without checking again;
    see ``PARAMETERS`` for each."""

    n_consumers: int
    represents: float
    follower_share: float
    customer_share: float
    initial_awareness: float
    initial_opinion: float
    opinion_spread: float
    initial_interest: float
    follower_interest: float
    talkativeness_dispersion: float
    openness: float
    openness_dispersion: float
    network: str
    mean_degree: float
    rewiring: float
    degree_exponent: float | None
    n_communities: int
    within_share: float
    edge_list: str | None
    edge_list_directed: bool
    contacts: int
    strong_tie_share: float
    strong_tie_trust: float
    weak_tie_trust: float
    talk_rate: float
    neutral_talk: float
    negativity_bias: float
    hearsay_talk_ratio: float
    reach: float
    talk_window: int
    experience_credibility: float
    hearsay_credibility: float
    incentive_discount: float
    persuasion: float
    confidence_bound: float
    beyond_bound_weight: float
    trust_learning: float
    brand_trust: float
    brand_trust_learning: float
    in_group_trust: float
    out_group_trust: float
    community_trust_learning: float
    awareness_decay: float
    media_awareness_rate: float
    interest_decay: float
    interest_gain: float
    follow_rate: float
    p: float
    q: float
    background_media: float
    opinion_sensitivity: float
    rejection_opinion: float
    price_elasticity: float
    adopt_on_recommendation: bool
    quality: float
    quality_spread: float
    experience_weight: float
    repeat_rate: float
    churn_satisfaction: float
    price: float
    margin: float
    defect_rate: float
    defect_satisfaction: float
    review_propensity: float
    review_extremity: float
    review_reference: float
    review_notable: float
    herding: float
    herding_correction: float
    rating_bias: float
    page_visit_rate: float
    review_trust: float
    review_volume_half: float
    review_volume_exponent: float
    review_negativity: float
    page_discovery_rate: float
    review_influence: float
    time_unit: str

    def as_dict(self) -> dict[str, Any]:
        """The values by parameter name (for code that looks them up by name)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}
