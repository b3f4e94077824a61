"""Checks that can fail: each validation check paired with the ablation of the mechanism it names.

A check is evidence for a mechanism only if it agrees with the mechanism on and disagrees with that
mechanism alone switched off (everything else, seeds included, unchanged). ``ABLATIONS`` names, for
every check, what is switched off and how: model parameters (``params``, the parameter table's names)
and, where no parameter switches the mechanism off, a keyword of the check itself (``options``, e.g.
the dissatisfied buyers' channels in the bad-news checks). ``ablation_table`` reads the pairs:

    detects = (check agrees with the mechanism) and not (check agrees without it)

A "no" in that column is reported as it is: the check does not isolate its mechanism.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from ..parameters import PARAMETERS
from .result import Check

# Tie trust of the default scenario with every tie alike: 20% strong ties at 0.8, 80% weak ties at 0.4.
FLAT_TIE_TRUST = 0.2 * 0.8 + 0.8 * 0.4


@dataclass(frozen=True)
class Ablation:
    """One mechanism switched off for one check."""

    check: str  # the experiment's key in the suite
    key: str  # short name of the ablation (unique per check)
    mechanism: str  # what is switched off, in words
    params: dict = field(default_factory=dict)  # model parameters set (parameter table names)
    options: dict = field(default_factory=dict)  # keyword arguments of the check function

    @property
    def name(self) -> str:
        return f"{self.check}/{self.key}"


ABLATIONS: tuple[Ablation, ...] = (
    Ablation("bass", "no_peers", "peer influence (talk rate 0: no recommendation is heard)", {"talk_rate": 0.0}),
    Ablation("cascade", "no_adoption", "adoption on a recommendation", {"adopt_on_recommendation": False}),
    Ablation("seeding", "no_greedy", "greedy choice (seeds taken in a random order)", options={"chooser": "random"}),
    Ablation(
        "deffuant", "no_bound", "the confidence bound (messages beyond it weigh fully)", {"beyond_bound_weight": 1.0}
    ),
    Ablation(
        "bad_news",
        "no_negative_talk",
        "negative word of mouth (the dissatisfied still post ratings)",
        options={"voices": ("post",)},
    ),
    Ablation("bad_news", "no_page", "the product page (nobody posts ratings)", {"review_propensity": 0.0}),
    Ablation("hubs", "no_word_of_mouth", "word of mouth (talk rate 0)", {"talk_rate": 0.0}),
    Ablation(
        "trust_learning",
        "no_learning",
        "trust learning (tie and community trust fixed at their initial values, for buyers and non-buyers)",
        {"trust_learning": 0.0, "community_trust_learning": 0.0},
    ),
    Ablation(
        "trust_matters",
        "flat_trust",
        f"differences in trust (every tie {FLAT_TIE_TRUST:g}, communities alike)",
        {
            "strong_tie_trust": FLAT_TIE_TRUST,
            "weak_tie_trust": FLAT_TIE_TRUST,
            "in_group_trust": 1.0,
            "out_group_trust": 1.0,
        },
    ),
    Ablation(
        "advertising_elasticity",
        "no_brand_trust",
        "belief in brand messages (brand trust 0, not learned; ads still make consumers aware)",
        {"brand_trust": 0.0, "brand_trust_learning": 0.0},
    ),
    Ablation(
        "review_elasticities",
        "page_unread",
        "reading the product page (nobody visits or discovers it)",
        {"page_visit_rate": 0.0, "page_discovery_rate": 0.0},
    ),
    Ablation(
        "word_of_mouth_elasticity",
        "no_credibility",
        "persuasion by word of mouth (experienced and hearsay credibility 0)",
        {"experience_credibility": 0.0, "hearsay_credibility": 0.0},
    ),
    Ablation(
        "rating_distribution",
        "no_selective_posting",
        "under-reporting bias (every buyer equally likely to post)",
        {"review_extremity": 0.0},
    ),
    Ablation(
        "rating_distribution",
        "no_herding",
        "herding and the crowd's correction",
        {"herding": 0.0, "herding_correction": 0.0},
    ),
    Ablation(
        "herding", "no_herding", "herding and the crowd's correction", {"herding": 0.0, "herding_correction": 0.0}
    ),
    Ablation(
        "seeding_ratio",
        "no_hubs",
        "hubs (a random network of the same size and mean degree)",
        {"network": "random"},
    ),
    Ablation(
        "bad_news_first_year",
        "no_negative_talk",
        "negative word of mouth (the dissatisfied still post ratings)",
        options={"voices": ("post",)},
    ),
    Ablation("bad_news_first_year", "no_page", "the product page (nobody posts ratings)", {"review_propensity": 0.0}),
    Ablation("channels", "no_word_of_mouth", "word of mouth (talk rate 0)", {"talk_rate": 0.0}),
    Ablation(
        "ratings",
        "no_selective_posting",
        "under-reporting bias (every buyer equally likely to post)",
        {"review_extremity": 0.0},
    ),
    Ablation(
        "ratings", "no_herding", "herding and the crowd's correction", {"herding": 0.0, "herding_correction": 0.0}
    ),
    Ablation(
        "who_talks",
        "role_blind",
        "talk by role (non-customers talk as much as customers: hearsay_talk_ratio 1)",
        {"hearsay_talk_ratio": 1.0},
    ),
    Ablation(
        "valence",
        "no_negativity_bias",
        "the negativity bias (negative opinions voiced no more often than positive ones)",
        {"negativity_bias": 0.0},
    ),
    Ablation(
        "resolution",
        "simulated_counts",
        "real-market units on the page (it weighs its simulated reviews, as before the fix)",
        options={"simulated_counts": True},
    ),
    Ablation("reshares", "no_reshares", "customers' re-shares of brand posts (reshare 0)", options={"reshares": False}),
    Ablation(
        "followers_feed",
        "no_feed",
        "the followers' feed (engagement 0: no post or re-share seen)",
        options={"feed": False},
    ),
)


def ablations_of(checks) -> list[Ablation]:
    """The ablations of the named checks, in ``ABLATIONS`` order."""
    wanted = set(checks)
    return [a for a in ABLATIONS if a.check in wanted]


def find(name: str) -> Ablation:
    """The ablation called 'check/key'."""
    for ablation in ABLATIONS:
        if ablation.name == name:
            return ablation
    raise ValueError(f"unknown ablation {name!r}; allowed: {', '.join(a.name for a in ABLATIONS)}")


def scenario_overrides(params: dict) -> list[str]:
    """The parameters as scenario overrides ('section.key=value'), e.g. talk_rate -> word_of_mouth.talk_rate."""
    return [f"{PARAMETERS[name].path}={json.dumps(value)}" for name, value in params.items()]


def ablation_table(checks: dict[str, Check], ablated: dict[str, Check]) -> pd.DataFrame:
    """One row per ablation run: the check with its mechanism, without it, and whether it detects the removal.

    checks: the check's key -> its Check; ablated: 'check/key' -> the Check with that mechanism off.
    """
    rows = []
    for ablation in ABLATIONS:
        if ablation.name not in ablated or ablation.check not in checks:
            continue
        with_it, without = checks[ablation.check], ablated[ablation.name]
        rows.append(
            {
                "check": with_it.title,
                "switched off": ablation.mechanism,
                "with": ("agrees: " if with_it.agrees else "disagrees: ") + with_it.simulated,
                "without": ("agrees: " if without.agrees else "disagrees: ") + without.simulated,
                "detects": bool(with_it.agrees and not without.agrees),
            }
        )
    return pd.DataFrame(rows, columns=["check", "switched off", "with", "without", "detects"])
