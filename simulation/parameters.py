"""Every model parameter in one table: default, allowed range, unit and meaning.

The table drives ``WordOfMouthModel``'s keyword arguments and their validation, the scenario schema,
the front end's controls and the parameter table in docs/MODEL.md, so a parameter is described once.
Rates are per year; the model turns them into per-step probabilities with the step length
``dt = TIME_UNITS[time_unit]`` (in years), so the same market described per day, week or month gives
the same dynamics up to the discretisation error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .network import settings as network_settings

if TYPE_CHECKING:
    from .parameter_values import ParameterValues

TIME_UNITS: dict[str, float] = {
    "day": 1 / 365.25,
    "week": 7 / 365.25,
    "month": 1 / 12,
    "quarter": 1 / 4,
    "year": 1.0,
}

# Seeds are stored as int64 (sweep results) and replication r runs with seed + r: both stay below this.
MAX_SEED = 2**63 - 1

# The network's kinds and the constraints between its settings belong to simulation.network.settings.
NETWORK_KINDS = network_settings.KINDS


@dataclass(frozen=True)
class Parameter:
    name: str
    default: Any
    meaning: str
    group: str
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    unit: str = ""
    kind: type = float
    optional: bool = False  # None allowed
    key: str = ""  # name in its scenario section when it differs from the parameter's name
    text: str = "text"  # what a text parameter holds, for messages (e.g. "the path of a file")

    @property
    def scenario_key(self) -> str:
        return self.key or self.name

    @property
    def path(self) -> str:
        """Dotted path of the parameter in a scenario file (top level for timing)."""
        return self.scenario_key if self.group == "timing" else f"{self.group}.{self.scenario_key}"

    def allowed(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is bool:
            return "true or false"
        if self.kind is str:
            return self.text + (" or none" if self.optional else "")
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        text = f"a {'whole number' if self.kind is int else 'number'} in [{lo}, {hi}]"
        return text + (" or none" if self.optional else "")

    def check(self, value: Any) -> Any:
        """The value converted to the parameter's type; ValueError naming parameter, value and range."""
        if value is None and self.optional:
            return None
        bad = ValueError(f"parameter {self.name!r} = {value!r} is not allowed: expected {self.allowed()}")
        if self.choices is not None:
            if value not in self.choices:
                raise bad
            return value
        if self.kind is str:
            if not isinstance(value, str):
                raise bad
            return value
        if self.kind is bool:
            if not isinstance(value, bool):
                raise bad
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        if self.kind is int:
            # A whole number: an int, or a finite float without a fraction (1e4 written in a file).
            if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
                raise bad
            value = int(value)
        else:
            try:
                value = float(value)
            except OverflowError:  # an int beyond a float's range (over about 1.8e308)
                raise bad from None
            if math.isnan(value):
                raise bad
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise bad
        return value


def _p(name, default, meaning, group, **kw) -> Parameter:
    return Parameter(name, default, meaning, group, **kw)


PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in [
        # --- market and population
        _p("n_consumers", 10_000, "number of consumers in the market", "market", low=2, high=100_000_000, kind=int),
        _p(
            "represents",
            1.0,
            "real consumers each simulated consumer stands for: revenue and per-consumer costs (impressions, seeds, rewards, answers) scale with it, fixed costs (posts, quality programmes) do not",
            "market",
            low=1e-6,
            high=1e9,
        ),
        _p("follower_share", 0.05, "share of consumers following the brand at the start", "market", low=0, high=1),
        _p("customer_share", 0.0, "share of consumers who are past customers at the start", "market", low=0, high=1),
        _p(
            "initial_awareness",
            0.05,
            "share of other consumers already aware of the product at the start",
            "market",
            low=0,
            high=1,
        ),
        _p("initial_opinion", 0.1, "centre of the initial opinion distribution", "market", low=-1, high=1),
        _p("opinion_spread", 0.2, "half-width of the uniform initial opinion distribution", "market", low=0, high=2),
        _p(
            "initial_interest",
            0.5,
            "latent purchase interest of consumers (0.5 = typical); interest fades back to it",
            "market",
            low=0,
            high=1,
        ),
        _p("follower_interest", 0.8, "purchase interest of followers at the start", "market", low=0, high=1),
        _p(
            "talkativeness_dispersion",
            1.0,
            "sigma of the log-normal talkativeness (0 = everyone alike; mean is 1)",
            "market",
            low=0,
            high=3,
        ),
        _p("openness", 0.5, "mean openness to persuasion (Beta distributed)", "market", low=0, high=1),
        _p(
            "openness_dispersion",
            0.15,
            "standard deviation of openness (0 = everyone alike)",
            "market",
            low=0,
            high=0.5,
        ),
        # --- network
        _p("network", "small_world", "kind of social network", "network", choices=NETWORK_KINDS, kind=str, key="kind"),
        _p(
            "mean_degree",
            10.0,
            "mean number of ties per consumer (small world, and scale free without degree_exponent: an even whole number)",
            "network",
            low=1,
            high=10_000,
        ),
        _p("rewiring", 0.1, "small world: share of lattice ties rewired at random", "network", low=0, high=1),
        _p(
            "degree_exponent",
            None,
            "scale free: power-law exponent of a configuration model (none = Barabasi-Albert)",
            "network",
            low=2.01,
            high=5,
            optional=True,
        ),
        _p(
            "n_communities",
            10,
            "communities: number of equal-size communities (each needs at least 2 x mean_degree x within_share + 1 members)",
            "network",
            low=1,
            high=100_000,
            kind=int,
        ),
        _p("within_share", 0.8, "communities: share of ties inside the consumer's community", "network", low=0, high=1),
        _p(
            "edge_list",
            None,
            "edge_list: path of the edge-list file (relative to the scenario file; .gz read through gzip)",
            "network",
            kind=str,
            optional=True,
            text="a file path",
        ),
        _p(
            "edge_list_directed",
            False,
            "edge_list: ties are directed (listener follows speaker)",
            "network",
            kind=bool,
            key="directed",
        ),
        _p(
            "contacts",
            10,
            "complete network (mean field): consumers one message reaches",
            "network",
            low=1,
            high=10_000,
            kind=int,
        ),
        _p("strong_tie_share", 0.2, "share of ties that are strong (close friends, family)", "network", low=0, high=1),
        # --- trust and conversation
        _p("strong_tie_trust", 0.8, "initial trust in a strong tie", "word_of_mouth", low=0, high=1),
        _p(
            "weak_tie_trust",
            0.4,
            "initial trust in a weak tie (and in anyone, in mean field)",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        _p(
            "talk_rate",
            96.0,
            "messages per year of a customer of average talkativeness with a strong opinion (others: times "
            "hearsay_talk_ratio); fitted by scripts/fit_talk_rate.py (docs/validation/fit-talk-rate.json)",
            "word_of_mouth",
            low=0,
            high=math.inf,
            unit="1/year",
        ),
        _p(
            "neutral_talk",
            0.2,
            "talk of a consumer with a neutral opinion, relative to a strong one",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        _p(
            "negativity_bias",
            1.0,
            "extra share of talk for negative opinions (1 = twice as often)",
            "word_of_mouth",
            low=0,
            high=20,
        ),
        _p(
            "hearsay_talk_ratio",
            1 / 7,
            "talk of a consumer who has not bought (hearsay) relative to a customer's: informed non-participants "
            "passed information about 1/7 as often as participants (Banerjee, Chandrasekhar, Duflo & Jackson 2013)",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        _p("reach", 0.3, "probability that a tie sees a given message in its feed", "word_of_mouth", low=0, high=1),
        _p(
            "talk_window",
            0,
            "steps after purchase during which customers talk (0 = always; non-customers then do not talk)",
            "word_of_mouth",
            low=0,
            high=100_000,
            kind=int,
        ),
        _p(
            "experience_credibility",
            1.0,
            "credibility of a past customer speaking from experience",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        _p(
            "hearsay_credibility",
            0.4,
            "credibility of a non-customer repeating hearsay",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        _p(
            "incentive_discount",
            0.7,
            "weight of an incentivised (referral) message relative to a spontaneous one",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        _p(
            "persuasion",
            0.3,
            "share of the opinion gap a fully weighted message closes",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        _p(
            "confidence_bound",
            1.0,
            "messages further than this from the listener's opinion are discounted (opinion units, scale -1..1)",
            "word_of_mouth",
            low=0,
            high=2,
        ),
        _p(
            "beyond_bound_weight",
            0.0,
            "weight of a message beyond the confidence bound (0 = ignored)",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        _p(
            "trust_learning",
            0.3,
            "share of the gap to a tie's accuracy closed after each experience (one's own, or before buying, the "
            "reports of buyers among one's ties)",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        _p("brand_trust", 0.5, "initial trust consumers place in brand messages", "word_of_mouth", low=0, high=1),
        _p(
            "brand_trust_learning",
            2.0,
            "rate at which brand trust moves toward the accuracy of its claims",
            "word_of_mouth",
            low=0,
            high=1000,
            unit="1/year",
        ),
        _p(
            "in_group_trust",
            1.0,
            "initial trust a consumer places in members of its own community (multiplies tie trust)",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        _p(
            "out_group_trust",
            0.6,
            "initial trust a consumer places in members of other communities (multiplies tie trust)",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        _p(
            "community_trust_learning",
            0.1,
            "share of the gap to a community's accuracy a consumer's trust in it closes after each experience",
            "word_of_mouth",
            low=0,
            high=1,
        ),
        # --- awareness and interest
        _p(
            "awareness_decay",
            2.0,
            "rate at which awareness, and the memory of recommendations heard, fade without reminders",
            "awareness",
            low=0,
            high=1000,
            unit="1/year",
        ),
        _p(
            "media_awareness_rate",
            0.8,
            "rate at which unaware consumers learn of the product from background media (press, retail, search)",
            "awareness",
            low=0,
            high=1000,
            unit="1/year",
        ),
        _p(
            "interest_decay",
            1.0,
            "rate at which purchase interest fades without reminders",
            "awareness",
            low=0,
            high=1000,
            unit="1/year",
        ),
        _p("interest_gain", 0.3, "interest added by one fully weighted positive message", "awareness", low=0, high=5),
        _p(
            "follow_rate",
            0.25,
            "rate at which an aware, fully interested consumer starts following the brand",
            "awareness",
            low=0,
            high=1000,
            unit="1/year",
        ),
        # --- purchase
        _p(
            "p",
            0.03,
            "innovation coefficient: purchase hazard from external influence (Bass 1969)",
            "purchase",
            low=0,
            high=100,
            unit="1/year",
        ),
        _p(
            "q",
            0.38,
            "imitation coefficient: purchase hazard from trusted peers' recommendations (Bass 1969)",
            "purchase",
            low=0,
            high=100,
            unit="1/year",
        ),
        _p(
            "background_media",
            1.0,
            "external influence present without any campaign (press, retail, search)",
            "purchase",
            low=0,
            high=100,
        ),
        _p("opinion_sensitivity", 1.0, "how strongly opinion scales the purchase hazard", "purchase", low=0, high=10),
        _p(
            "rejection_opinion",
            -0.5,
            "consumers with an opinion at or below this never buy (Goldenberg et al. 2007)",
            "purchase",
            low=-1.01,
            high=1,
        ),
        _p(
            "price_elasticity",
            1.5,
            "relative rise of the purchase hazard per unit of price discount",
            "purchase",
            low=0,
            high=20,
        ),
        _p(
            "adopt_on_recommendation",
            False,
            "hearing a customer's recommendation means adoption (independent cascade)",
            "purchase",
            kind=bool,
        ),
        # --- product and experience
        _p("quality", 0.4, "mean satisfaction the product delivers", "product", low=-1, high=1),
        _p("quality_spread", 0.3, "standard deviation of satisfaction across buyers", "product", low=0, high=2),
        _p(
            "experience_weight",
            0.8,
            "share of the gap to its own experience a buyer's opinion closes",
            "product",
            low=0,
            high=1,
        ),
        _p(
            "repeat_rate",
            0.0,
            "repeat purchases per year of a satisfied customer",
            "product",
            low=0,
            high=365,
            unit="1/year",
        ),
        _p(
            "churn_satisfaction",
            -0.2,
            "customers at or below this satisfaction stop buying again",
            "product",
            low=-1.01,
            high=1,
        ),
        _p("price", 100.0, "list price per unit", "product", low=0, high=1e9),
        _p("margin", 0.3, "gross margin share of revenue", "product", low=0, high=1),
        _p(
            "defect_rate",
            0.03,
            "share of units that fail: their buyers experience `defect_satisfaction` whatever the quality",
            "product",
            low=0,
            high=1,
        ),
        _p("defect_satisfaction", -0.9, "satisfaction of a buyer whose unit failed", "product", low=-1, high=1),
        # --- public reviews and ratings (the product page). review_propensity, review_extremity,
        # review_reference, review_notable and herding are the fit in docs/fits/ratings.json
        # (python -m simulation.calibration.ratings); a test keeps them equal.
        _p(
            "review_propensity",
            0.2553,
            "probability that a buyer whose experience is worth telling (at least `review_notable` from "
            "`review_reference`) posts a rating (0 = no product page)",
            "reviews",
            low=0,
            high=1,
        ),
        _p(
            "review_extremity",
            5.7743,
            "under-reporting bias: the posting probability grows with the distance from `review_reference` to this power",
            "reviews",
            low=0,
            high=10,
        ),
        _p(
            "review_reference",
            0.3889,
            "satisfaction of an experience that leaves a buyer nothing to say: buyers post about experiences far "
            "from it on either side (brag and moan)",
            "reviews",
            low=-1,
            high=1,
        ),
        _p(
            "review_notable",
            0.3815,
            "distance from `review_reference` beyond which every experience is as worth telling (the posting "
            "probability's plateau)",
            "reviews",
            low=0.01,
            high=2,
        ),
        _p(
            "herding",
            0.9778,
            "pull of the rating of a rater without a negative experience toward a displayed average above it "
            "(Muchnik et al. 2013)",
            "reviews",
            low=0,
            high=1,
        ),
        _p(
            "herding_correction",
            2.5,
            "the crowd corrects negative reviews: satisfied buyers post (1 + this x the share of negative reviews) "
            "times as often",
            "reviews",
            low=0,
            high=1000,
        ),
        _p(
            "rating_bias",
            0.0,
            "stars added to every posted rating before rounding (e.g. inflated or fake reviews)",
            "reviews",
            low=-4,
            high=4,
        ),
        _p(
            "page_visit_rate",
            3.0,
            "rate at which an aware non-customer of typical interest reads the product page",
            "reviews",
            low=0,
            high=1000,
            unit="1/year",
        ),
        _p(
            "review_trust",
            0.7,
            "trust readers place in the product page when it has many reviews",
            "reviews",
            low=0,
            high=1,
        ),
        _p(
            "review_volume_half",
            80.0,
            "real-market reviews (simulated reviews x represents) at which the page carries half of its full weight "
            "(volume builds credibility)",
            "reviews",
            low=0.01,
            high=1e9,
        ),
        _p(
            "review_volume_exponent",
            1.0,
            "how sharply the page's weight rises with its number of reviews (1: from the first review on; 2: a "
            "handful is not yet evidence)",
            "reviews",
            low=0.1,
            high=10,
        ),
        _p(
            "review_negativity",
            2.0,
            "weight of a negative review (1-2 stars) relative to another in the valence readers perceive "
            "(Chevalier & Mayzlin 2006)",
            "reviews",
            low=1,
            high=20,
        ),
        _p(
            "page_discovery_rate",
            3.0,
            "rate at which unaware consumers find the product through its page at full volume (search, "
            "recommendations)",
            "reviews",
            low=0,
            high=1000,
            unit="1/year",
        ),
        _p(
            "review_influence",
            0.15,
            "purchase hazard from a positive product page read, at full volume and trust (like q for peers)",
            "reviews",
            low=0,
            high=100,
            unit="1/year",
        ),
        # --- time
        _p(
            "time_unit", "week", "length of one step; rates are per year", "timing", choices=tuple(TIME_UNITS), kind=str
        ),
    ]
}

GROUPS = tuple(dict.fromkeys(p.group for p in PARAMETERS.values()))


def defaults() -> dict[str, Any]:
    return {name: p.default for name, p in PARAMETERS.items()}


def validate_parameters(values: dict[str, Any], *, network_given: bool = False) -> dict[str, Any]:
    """All parameters, defaults filled in, each checked; ValueError for unknown names or bad values.

    With `network_given` (a prebuilt network) the network-building parameters are not cross-checked.
    """
    unknown = sorted(set(values) - set(PARAMETERS))
    if unknown:
        import difflib

        hints = []
        for name in unknown:
            near = difflib.get_close_matches(name, PARAMETERS, n=1)
            hints.append(f"{name!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
        raise ValueError("unknown parameter " + ", ".join(hints))
    resolved = defaults()
    for name, value in values.items():
        resolved[name] = PARAMETERS[name].check(value)
    if network_given:
        return resolved
    problems = network_settings.network_problems(resolved)
    if problems:
        raise ValueError("; ".join(map(str, problems)))
    return resolved


def parameter_values_source() -> str:
    """The source of ``simulation/parameter_values.py``: the frozen dataclass of the parameters, one typed field
    per row of ``PARAMETERS`` (rewritten with ``python -m simulation.doc_tables``), so a misspelt name is a type
    error, not a run-time KeyError."""
    lines = [
        '"""Generated from ``simulation.parameters.PARAMETERS`` by ``python -m simulation.doc_tables``: do not edit."""',
        "",
        "from __future__ import annotations",
        "",
        "from dataclasses import dataclass, fields",
        "from typing import Any",
        "",
        "",
        "@dataclass(frozen=True, slots=True)",
        "class ParameterValues:",
        '    """The parameters of a model, each value checked once: made only from checked values (a validated',
        "    ``Scenario.parameter_values()`` or ``validate_parameters``), so the model takes them without checking again;",
        '    see ``PARAMETERS`` for each."""',
        "",
    ]
    for p in PARAMETERS.values():
        kind = "str" if p.choices is not None else p.kind.__name__
        lines.append(f"    {p.name}: {kind}{' | None' if p.optional else ''}")
    lines += [
        "",
        "    def as_dict(self) -> dict[str, Any]:",
        '        """The values by parameter name (for code that looks them up by name)."""',
        "        return {field.name: getattr(self, field.name) for field in fields(self)}",
    ]
    return "\n".join(lines) + "\n"


def parameter_values(validated: dict[str, Any]) -> ParameterValues:
    """The typed, frozen parameters of a model from ``validate_parameters``'s values."""
    from .parameter_values import ParameterValues

    return ParameterValues(**validated)


def parameter_table() -> str:
    """The parameter table of docs/MODEL.md (regenerate with `python -m simulation.parameters`)."""
    rows = ["| parameter (scenario path) | default | allowed | unit | meaning |", "|---|---|---|---|---|"]
    for p in PARAMETERS.values():
        default = "none" if p.default is None else p.default
        rows.append(f"| `{p.name}` (`{p.path}`) | {default} | {p.allowed()} | {p.unit or '-'} | {p.meaning} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(parameter_table())
