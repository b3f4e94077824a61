"""The search space of ``run.py optimise``: how much of the budget each lever gets, when it starts, how
long it runs and how strongly it acts; and how a point of that space becomes a strategy.

For each lever kind named in ``--levers`` a ``LeverSpace`` says which dimensions are searched:

* ``weight`` (levers that turn money into action: advertising, seeding, content): the lever's share of the
  budget B is its weight over the sum of the weights (all zero: an even split);
* ``start`` (every lever): the step it starts, 0 .. horizon - 1;
* ``duration`` (levers that last): steps it runs, 1 .. horizon (cut at the horizon);
* intensity fields (referral reward, share of reviews answered, price discount): their own bounds.

``LeverSpace.build`` turns the lever's amount (share x B), timing and intensity into the lever's settings,
starting from the scenario's own settings for that kind (the first lever of that kind in its strategies:
its CPM, targeting, claimed quality ...). The strategy carries ``budget: B``, so no mix spends more than B.
Levers whose spend is not set by an amount (referral rewards, answers) are capped by that budget only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..marketing.registry import LEVER_KINDS
from ..marketing.strategy import Strategy


@dataclass(frozen=True)
class Dimension:
    name: str  # e.g. "advertising.start"
    low: float
    high: float
    integer: bool = False


@dataclass(frozen=True)
class LeverSpace:
    """What is searched for one lever kind, and how a point becomes its settings (None: not used)."""

    kind: str
    weight: bool
    duration: bool
    intensity: dict[str, Callable[[Any], tuple[float, float]]] = field(default_factory=dict)
    build: Callable[..., dict | None] = lambda **_: None


def _per_seed(scenario, template: dict) -> float:
    """The cost of one real seed (seeding's k counts real consumers)."""
    unit = template.get("cost_per_seed")
    return scenario.product.price * (1.0 - scenario.product.margin) if unit is None else unit


def _advertising(amount, start, end, steps, intensity, template, scenario):
    if amount < 1.0:
        return None
    return {**template, "start": start, "end": end, "budget": amount / steps}


def _seeding(amount, start, end, steps, intensity, template, scenario):
    k = int(amount // max(_per_seed(scenario, template), 1e-9))
    if k < 1:
        return None
    real_market = int(scenario.market.n_consumers * scenario.market.represents)
    return {"targeting": "hubs", **template, "start": start, "k": min(k, real_market)}


def _content(amount, start, end, steps, intensity, template, scenario):
    cost = template.get("cost_per_post", LEVER_KINDS["content"].model_fields["cost_per_post"].default)
    posts = int(amount // cost) if cost > 0 else steps
    if posts < 1:
        return None
    every = max(1, steps // posts)
    return {**template, "start": start, "end": min(start + every * posts, scenario.horizon), "every": every}


def _with_intensity(amount, start, end, steps, intensity, template, scenario):
    return {**template, **intensity, "start": start, "end": end}


SPACES: dict[str, LeverSpace] = {
    "advertising": LeverSpace("advertising", weight=True, duration=True, build=_advertising),
    "seeding": LeverSpace("seeding", weight=True, duration=False, build=_seeding),
    "content": LeverSpace("content", weight=True, duration=True, build=_content),
    "referral": LeverSpace(
        "referral",
        weight=False,
        duration=True,
        intensity={"reward": lambda s: (0.0, s.product.price * s.product.margin)},
        build=_with_intensity,
    ),
    "review_response": LeverSpace(
        "review_response", weight=False, duration=True, intensity={"share": lambda s: (0.0, 1.0)}, build=_with_intensity
    ),
    "price_promotion": LeverSpace(
        "price_promotion",
        weight=False,
        duration=True,
        intensity={"discount": lambda s: (0.0, 0.5)},
        build=_with_intensity,
    ),
}


def register_space(space: LeverSpace) -> None:
    """Make a lever kind searchable (a lever registered at run time, a test's lever)."""
    SPACES[space.kind] = space


class SpaceError(ValueError):
    pass


def parse_levers(text: str | list[str]) -> list[str]:
    """``advertising,seeding`` (or a list) -> kinds, checked against the searchable kinds."""
    kinds = [k.strip() for k in (text.split(",") if isinstance(text, str) else text) if k.strip()]
    unknown = [k for k in kinds if k not in SPACES]
    if unknown:
        raise SpaceError(f"--levers: {', '.join(unknown)} cannot be searched; allowed: {', '.join(SPACES)}")
    if len(set(kinds)) < len(kinds):
        raise SpaceError(f"--levers {','.join(kinds)}: a lever kind is named twice")
    if not kinds:
        raise SpaceError("--levers: name at least one lever kind, e.g. --levers advertising,seeding,referral")
    return kinds


@dataclass
class SearchSpace:
    """The dimensions of a mix of `kinds` under budget B in a scenario, and the strategy at any point."""

    scenario: Any
    budget: float
    kinds: list[str]

    def __post_init__(self):
        if not (self.budget > 0 and math.isfinite(self.budget)):
            raise SpaceError(f"--budget {self.budget}: expected a positive number")
        self.kinds = parse_levers(self.kinds)
        self.templates = {kind: _template(self.scenario, kind) for kind in self.kinds}

    @property
    def dimensions(self) -> list[Dimension]:
        horizon = self.scenario.horizon
        dims = []
        for kind in self.kinds:
            space = SPACES[kind]
            if space.weight and sum(SPACES[k].weight for k in self.kinds) > 1:
                dims.append(Dimension(f"{kind}.weight", 0.0, 1.0))
            dims.append(Dimension(f"{kind}.start", 0, horizon - 1, integer=True))
            if space.duration:
                dims.append(Dimension(f"{kind}.duration", 1, horizon, integer=True))
            for name, bounds in space.intensity.items():
                low, high = bounds(self.scenario)
                dims.append(Dimension(f"{kind}.{name}", low, high))
        return dims

    def shares(self, point: dict) -> dict[str, float]:
        """Each money lever's share of the budget at this point."""
        money = [k for k in self.kinds if SPACES[k].weight]
        if len(money) == 1:
            return {money[0]: 1.0}
        weights = {k: float(point[f"{k}.weight"]) for k in money}
        total = sum(weights.values())
        return {k: (w / total if total > 0 else 1.0 / len(money)) for k, w in weights.items()}

    def strategy(self, point: dict, name: str = "optimised") -> Strategy:
        """The strategy at a point of the space (levers with nothing to do are left out)."""
        shares = self.shares(point)
        horizon = self.scenario.horizon
        levers, parts = [], []
        for kind in self.kinds:
            space = SPACES[kind]
            start = int(point[f"{kind}.start"])
            steps = min(int(point.get(f"{kind}.duration", horizon)), horizon - start)
            end = start + steps
            amount = shares.get(kind, 0.0) * self.budget
            intensity = {n: float(point[f"{kind}.{n}"]) for n in space.intensity}
            settings = space.build(
                amount=amount,
                start=start,
                end=end,
                steps=steps,
                intensity=intensity,
                template=dict(self.templates[kind]),
                scenario=self.scenario,
            )
            if settings is None:
                continue
            if not space.duration:
                settings.pop("end", None)
            levers.append({"kind": kind, **settings})
            money = f"{amount:,.0f} ({shares[kind]:.0%})" if kind in shares else "within the budget"
            detail = ", ".join(f"{n} {v:.3g}" for n, v in intensity.items())
            parts.append(
                f"{kind}: {money}, steps {start}..{end - 1 if space.duration else start}"
                + (f", {detail}" if detail else "")
            )
        description = f"optimised mix for a budget of {self.budget:,.0f}: " + ("; ".join(parts) or "no lever")
        return Strategy.model_validate(
            {"name": name, "description": description, "budget": self.budget, "levers": levers}
        )


def _template(scenario, kind: str) -> dict:
    """The scenario's own settings for a lever kind (its first lever of that kind), minus schedule and trigger."""
    for strategy in scenario.strategies:
        for lever in strategy.levers:
            if lever.kind == kind:
                data = lever.model_dump(exclude={"kind", "start", "end", "every", "when"})
                if kind == "advertising":
                    data.pop("budget", None)
                return data
    return {}
