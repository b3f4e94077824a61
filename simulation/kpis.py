"""Every KPI in one registry: its name, label, unit (which sets its format), level and aggregation.

Three levels:

* ``step``: measured at every step by its ``measure`` function of the step's ``recorder.StepView``
  (``recorder.measure_kpis`` calls each in turn; ``model.timeseries()``, Mesa's DataCollector);
* ``run``: one figure per run, from the run's step KPIs (``experiment.runs.run_kpis``): many are one
  step KPI aggregated over the run (``aggregation`` "last" or "sum" of ``source``), the rest are
  computed by their ``measure`` function of the run's ``RunView`` (``aggregation`` "derived");
* ``pair``: a strategy's run against the baseline's run under common random numbers
  (``experiment.decomposition``).

The recorder, run KPIs, comparisons, reports, sweeps and the front end all read names, labels, units
and formats from here. Lever counters (e.g. answered reviews) are declared by their lever and added here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .marketing.registry import counters as lever_counters
from .marketing.registry import on_register
from .state import SOURCE_NAMES, Role, Source

# Unit -> how a value is written (percent for shares, whole money units, ...).
UNITS = {
    "consumers": "consumers",
    "share": "share of consumers",
    "money": "money",
    "steps": "steps",
    "opinion": "opinion (-1..1)",
    "messages": "messages",
    "ratio": "ratio",
    "percent": "percent (a ratio shown x 100)",
    "trust": "trust (0..1)",
    "count": "count",
    "stars": "stars (1..5)",
}

ADOPTION_SOURCES = tuple(SOURCE_NAMES[s] for s in Source if s != Source.UNAWARE)

# A lever "could not spend its plan" when it spent less than this share of it (the comparison's spend notes
# and the explore view's both read it here).
SPEND_SHORTFALL = 0.995


@dataclass(frozen=True)
class KPI:
    name: str
    label: str
    unit: str  # a key of UNITS
    level: str  # "step", "run" or "pair"
    aggregation: str = ""  # run KPIs: "last" / "sum" of `source`, or "derived"
    source: str = ""  # the step KPI a run KPI aggregates
    headline: bool = False  # shown by default (front end compare view)
    sweep: bool = False  # analysed by default in sweeps
    short: str = ""  # column name in tables and axis titles (default: the name in words)
    # step: f(recorder.StepView); run ("derived"): f(RunView); the value (NaN where undefined)
    measure: Callable[[Any], Any] | None = field(default=None, compare=False, repr=False)
    undefined: str = ""  # why the value can be undefined (n/a), if it can

    @property
    def title(self) -> str:
        """A short readable name (table columns, axis titles), without the unit."""
        return self.short or self.name.replace("_", " ")

    def unit_text(self, currency: str | None = None, time_unit: str | None = None) -> str:
        """The unit as a strategist reads it: the scenario's currency, its time unit, %, ..."""
        return unit_text(self.unit, currency, time_unit)

    def column(self, currency: str | None = None, time_unit: str | None = None) -> str:
        """``title (unit)``, e.g. ``profit (EUR)``, ``time to 10% (weeks)``."""
        unit = self.unit_text(currency, time_unit)
        return f"{self.title} ({unit})" if unit else self.title

    def format(self, value, signed: bool = False) -> str:
        """The value as shown to a strategist (percent for shares, whole money units, ...)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        if math.isinf(value):
            return "-inf" if value < 0 else "inf"
        sign = "+" if signed else ""
        if self.unit == "share":
            return f"{value * 100:{sign},.1f}%"
        if self.unit == "percent":  # a return: always signed, as in the front end's cards
            return f"{value * 100:+,.0f}%"
        if self.unit == "money":
            return f"{value:{sign},.0f}"
        if self.unit in ("steps", "ratio", "stars"):
            return f"{value:{sign},.2f}"
        if self.unit in ("opinion", "trust"):
            return f"{value:+.3f}" if self.unit == "opinion" else f"{value:{sign}.3f}"
        return f"{value:{sign},.1f}"


def unit_text(unit: str, currency: str | None = None, time_unit: str | None = None) -> str:
    """How a unit is written next to a value or on an axis (the scenario gives currency and time unit)."""
    if unit == "money":
        return currency or "money units"
    if unit == "steps":
        return f"{time_unit}s" if time_unit else "steps"
    if unit in ("share", "percent"):
        return "%"
    return {"opinion": "-1..1", "trust": "0..1", "ratio": ""}.get(unit, unit)


def _step(name, label, unit, **kw) -> KPI:
    return KPI(name, label, unit, "step", **kw)


def _run(name, label, unit, aggregation="derived", source="", **kw) -> KPI:
    return KPI(name, label, unit, "run", aggregation, source, **kw)


def _pair(name, label, unit, **kw) -> KPI:
    return KPI(name, label, unit, "pair", **kw)


def _ratio(part, whole) -> float:
    return part / whole if whole else float("nan")


NOT_AWARE = "no consumer is aware of the product"

_STEP = [
    _step("step", "step (counting from 0)", "steps", measure=lambda s: s.model.step_index),
    _step("adopters", "customers (past and new)", "consumers", measure=lambda s: int(s.roles[Role.CUSTOMER])),
    _step(
        "new_adopters",
        "consumers who bought for the first time this step",
        "consumers",
        measure=lambda s: int(s.record.purchases.buyers.size),
    ),
    _step(
        "prospects",
        "prospects (neither following nor customers)",
        "consumers",
        measure=lambda s: int(s.roles[Role.PROSPECT]),
    ),
    _step("followers", "followers who have not bought", "consumers", measure=lambda s: int(s.roles[Role.FOLLOWER])),
    _step("customers", "past customers", "consumers", measure=lambda s: int(s.roles[Role.CUSTOMER])),
    _step(
        "following",
        "consumers following the brand",
        "consumers",
        measure=lambda s: int(np.count_nonzero(s.model.consumers.follows_brand)),
    ),
    _step(
        "ever_followed",
        "consumers who ever followed the brand (those following at the start included)",
        "consumers",
        measure=lambda s: int(s.model.tallies.ever_followed),
    ),
    _step(
        "aware_share",
        "share of consumers aware of the product",
        "share",
        measure=lambda s: s.opinions[0] / s.model.consumers.n,
    ),
    _step(
        "mean_opinion",
        "mean opinion of the aware",
        "opinion",
        measure=lambda s: _ratio(s.opinions[1], s.opinions[0]),
        undefined=NOT_AWARE,
    ),
    _step(
        "negative_share",
        "share of the aware with a negative opinion",
        "share",
        measure=lambda s: _ratio(s.opinions[2], s.opinions[0]),
        undefined=NOT_AWARE,
    ),
    _step(
        "talkers",
        "consumers who talked this step",
        "consumers",
        measure=lambda s: int(s.record.messages.talkers.size),
    ),
    _step(
        "positive_messages",
        "positive messages seen this step",
        "messages",
        measure=lambda s: s.record.messages.positive,
    ),
    _step(
        "negative_messages",
        "negative messages seen this step",
        "messages",
        measure=lambda s: s.record.messages.negative,
    ),
    _step("repeat_purchases", "repeat purchases this step", "count", measure=lambda s: s.record.repeat),
    _step("revenue", "revenue this step", "money", measure=lambda s: float(s.model.step_revenue)),
    _step("gross_profit", "gross profit this step (revenue x margin)", "money", measure=lambda s: s.gross_profit),
    _step("spend", "marketing spend this step", "money", measure=lambda s: s.spend),
    _step(
        "planned_spend",
        "marketing spend the levers planned this step (before budget caps and saturation)",
        "money",
        measure=lambda s: float(sum(s.effects.planned.values())),
    ),
    _step(
        "profit",
        "profit this step (gross profit - spend)",
        "money",
        measure=lambda s: s.gross_profit - s.spend,
    ),
    _step("brand_trust", "trust consumers place in the brand", "trust", measure=lambda s: float(s.model.brand.trust)),
    _step(
        "mean_tie_trust",
        "mean trust between consumers (per tie)",
        "trust",
        measure=lambda s: float(s.model.mean_tie_trust),
    ),
    _step(
        "average_rating",
        "average rating shown on the product page",
        "stars",
        measure=lambda s: float("nan") if s.model.page.average is None else s.model.page.average,
        undefined="no rating on the product page yet",
    ),
    _step("review_count", "ratings on the product page", "count", measure=lambda s: s.model.page.count),
    _step(
        "reviews_posted",
        "ratings posted this step",
        "count",
        measure=lambda s: int(s.record.reviews.stars.size),
    ),
    _step(
        "page_readers",
        "consumers who read the product page this step",
        "consumers",
        measure=lambda s: s.record.readers,
    ),
    *[
        _step(
            f"ratings_{k}",
            f"{k}-star ratings on the product page",
            "count",
            measure=lambda s, k=k: s.rating_histogram[k - 1],
        )
        for k in range(1, 6)
    ],
    *[
        _step(
            f"adopters_{name}",
            f"customers who first heard through {name}",
            "consumers",
            measure=lambda s, source=source: s.customers_by_source[source],
        )
        for source, name in SOURCE_NAMES.items()
        if source != Source.UNAWARE
    ],
]


@dataclass
class RunView:
    """What a run KPI reads (``run_values``): the run's step KPIs (``model.timeseries()``) and its market.
    Counts are of simulated consumers and money is real (it scales with ``represents``)."""

    timeseries: Any  # pandas DataFrame, one row per step
    n_consumers: int
    time_unit: str
    discount_rate: float
    initial_adopters: int = 0
    initial_following: int = 0
    represents: float = 1.0

    @property
    def last(self):
        return self.timeseries.iloc[-1]

    def total(self, name: str) -> float:
        return float(self.timeseries[name].sum())

    @property
    def new_adopters(self) -> int:
        return int(self.last["adopters"]) - self.initial_adopters

    @property
    def paying_adopters(self) -> int:
        """Customers won who paid: those first reached by seeding got the product free (seeding.act)."""
        return self.new_adopters - int(self.last["adopters_seeding"])

    def first_step_reaching(self, share: float) -> float:
        """Steps until the adopters reach `share` of the market (NaN if they never do)."""
        hit = np.flatnonzero(self.timeseries["adopters"].to_numpy() >= share * self.n_consumers)
        return float(hit[0] + 1) if hit.size else math.nan

    def npv(self) -> float:
        """Profit discounted at ``discount_rate`` a year to the start, each step's at its end."""
        from .parameters import TIME_UNITS

        years = (self.timeseries["step"].to_numpy() + 1) * TIME_UNITS[self.time_unit]
        return float((self.timeseries["profit"].to_numpy() / (1.0 + self.discount_rate) ** years).sum())

    def won_through(self, source: str) -> float:
        """Share of the customers won (all but the prior ones) who first heard through `source`."""
        won = {s: float(self.last[f"adopters_{s}"]) for s in ADOPTION_SOURCES if s != "prior"}
        total = sum(won.values())
        return won[source] / total if total > 0 else math.nan


def run_values(view: RunView) -> dict[str, float]:
    """Every run KPI of one run, in the registry's order: "last" and "sum" of their step KPI, the others
    their ``measure``."""
    values = {}
    for name, item in RUN_KPIS.items():
        if item.aggregation == "last":
            values[name] = float(view.last[item.source])
        elif item.aggregation == "sum":
            values[name] = view.total(item.source)
        else:
            assert item.measure is not None  # (checked when the registry is built)
            values[name] = float(item.measure(view))
    return values


NEVER_10 = "10% of the market never bought within the horizon"
NEVER_50 = "half of the market never bought within the horizon"
NO_CUSTOMER = "no customer was won"

_RUN = [
    _run("adopters", "adopters at the horizon", "consumers", "last", "adopters", headline=True, sweep=True),
    _run(
        "adoption_share",
        "share of the market that bought",
        "share",
        measure=lambda r: float(r.last["adopters"]) / r.n_consumers,
    ),
    _run("new_adopters", "customers won during the run", "consumers", measure=lambda r: float(r.new_adopters)),
    _run(
        "paying_adopters",
        "paying customers won during the run (free seeds left out)",
        "consumers",
        measure=lambda r: float(r.paying_adopters),
    ),
    _run(
        "time_to_10pct",
        "steps until 10% of the market bought",
        "steps",
        headline=True,
        short="time to 10%",
        measure=lambda r: r.first_step_reaching(0.1),
        undefined=NEVER_10,
    ),
    _run(
        "time_to_50pct",
        "steps until 50% of the market bought",
        "steps",
        short="time to 50%",
        measure=lambda r: r.first_step_reaching(0.5),
        undefined=NEVER_50,
    ),
    _run("aware_share", "share aware at the horizon", "share", "last", "aware_share", headline=True, sweep=True),
    _run(
        "mean_opinion",
        "mean opinion of the aware at the horizon",
        "opinion",
        "last",
        "mean_opinion",
        headline=True,
        sweep=True,
        undefined=NOT_AWARE,
    ),
    _run(
        "negative_share",
        "share of the aware with a negative opinion",
        "share",
        "last",
        "negative_share",
        headline=True,
        undefined=NOT_AWARE,
    ),
    _run(
        "followers_gained",
        "net followers gained: consumers following the brand at the horizon minus at the start (negative when "
        "more unfollowed than followed)",
        "consumers",
        measure=lambda r: float(r.last["following"]) - r.initial_following,
    ),
    _run("revenue", "revenue", "money", "sum", "revenue", headline=True, sweep=True),
    _run("spend", "marketing spend", "money", "sum", "spend", headline=True),
    _run(
        "planned_spend", "marketing spend planned (before budget caps and saturation)", "money", "sum", "planned_spend"
    ),
    _run("gross_profit", "gross profit (revenue x margin)", "money", "sum", "gross_profit"),
    _run(
        "profit",
        "profit (gross profit - spend)",
        "money",
        headline=True,
        sweep=True,
        measure=lambda r: r.total("gross_profit") - r.total("spend"),
    ),
    _run(
        "npv",
        "net present value of profit",
        "money",
        headline=True,
        sweep=True,
        short="NPV",
        measure=lambda r: r.npv(),
    ),
    _run(
        "cost_per_acquisition",
        "total spend per real paying customer won (simulated customers x represents, free seeds left out; a "
        "total, not against the baseline: see incremental_cpa)",
        "money",
        short="total spend per paying customer",
        measure=lambda r: r.total("spend") / (r.paying_adopters * r.represents) if r.paying_adopters > 0 else math.nan,
        undefined="no paying customer was won (free seeds are not paying customers)",
    ),
    _run(
        "roi",
        "return on total marketing spend: (gross profit - spend) / spend (a total, not against the baseline: "
        "see incremental_roi)",
        "percent",
        headline=True,
        short="ROI on total spend",
        measure=lambda r: (
            (r.total("gross_profit") - r.total("spend")) / r.total("spend") if r.total("spend") > 0 else math.nan
        ),
        undefined="nothing was spent on marketing (a return on spend needs spend)",
    ),
    _run(
        "average_rating",
        "average rating on the product page at the horizon",
        "stars",
        "last",
        "average_rating",
        undefined="no rating on the product page yet",
    ),
    _run("review_count", "ratings on the product page at the horizon", "count", "last", "review_count"),
    *[
        _run(
            f"share_{s}",
            f"share of customers won who first heard through {s}",
            "share",
            measure=lambda r, s=s: r.won_through(s),
            undefined=NO_CUSTOMER,
        )
        for s in ADOPTION_SOURCES
        if s != "prior"
    ],
]

_PAIR = [
    _pair("expansion_customers", "net paying customers who would never have bought", "consumers"),
    _pair("customers_gained", "paying customers who would never have bought", "consumers"),
    _pair("customers_lost", "baseline customers lost", "consumers"),
    _pair("free_seeds", "customers given the product free (seeds), net of the baseline's", "consumers"),
    _pair("acceleration_customers", "customers who bought earlier", "consumers"),
    _pair("delayed_customers", "customers who bought later", "consumers"),
    _pair("steps_forward", "mean steps purchases were brought forward", "steps"),
    _pair("expansion_value", "NPV of expansion", "money"),
    _pair("acceleration_value", "NPV of acceleration", "money"),
    _pair("free_seed_value", "NPV of sales given away to free seeds", "money"),
    _pair("other_value", "NPV of the rest (marketing spend, discounts, repeat purchases)", "money"),
    _pair("npv_difference", "NPV difference", "money"),
    # Incremental results against the baseline (experiment.incremental): paired differences of run KPIs,
    # and two ratios of mean differences.
    _pair("incremental_adopters", "customers won beyond the baseline's", "consumers", short="extra customers"),
    _pair("incremental_revenue", "revenue beyond the baseline's", "money", short="extra revenue"),
    _pair("incremental_spend", "marketing spend beyond the baseline's", "money", short="extra spend"),
    _pair("incremental_profit", "profit beyond the baseline's", "money", short="extra profit"),
    _pair("incremental_npv", "NPV beyond the baseline's", "money", short="extra NPV"),
    _pair(
        "incremental_roi",
        "incremental ROI: extra profit / extra spend against the baseline",
        "percent",
        short="incremental ROI",
    ),
    _pair(
        "incremental_cpa",
        "cost per incremental paying customer: extra spend / extra real paying customers (x represents, free "
        "seeds left out) against the baseline",
        "money",
        short="cost per extra paying customer",
    ),
]


def _lever_kpis() -> list[KPI]:
    kpis = []
    for name, label in lever_counters().items():
        kpis.append(_step(name, f"{label} this step", "count", measure=lambda s, name=name: s.counter(name)))
        kpis.append(_run(name, label, "count", "sum", name))
    return kpis


def _by_level(kpis: list[KPI]) -> dict[str, dict[str, KPI]]:
    levels: dict[str, dict[str, KPI]] = {"step": {}, "run": {}, "pair": {}}
    for kpi in kpis:
        if kpi.name in levels[kpi.level]:
            raise ValueError(f"KPI {kpi.name!r} is defined twice at level {kpi.level!r}")
        if kpi.measure is None and (kpi.level == "step" or kpi.aggregation == "derived"):
            raise ValueError(f"KPI {kpi.name!r} ({kpi.level}) has no measure: the function that computes it")
        levels[kpi.level][kpi.name] = kpi
    return levels


_LEVELS = _by_level(_STEP + _RUN + _PAIR + _lever_kpis())
_lever_names = {(kpi.level, kpi.name) for kpi in _lever_kpis()}
STEP_KPIS: dict[str, KPI] = _LEVELS["step"]
RUN_KPIS: dict[str, KPI] = _LEVELS["run"]
PAIR_KPIS: dict[str, KPI] = _LEVELS["pair"]
HEADLINE_KPIS: tuple[str, ...] = tuple(name for name, kpi in RUN_KPIS.items() if kpi.headline)
SWEEP_KPIS: tuple[str, ...] = tuple(name for name, kpi in RUN_KPIS.items() if kpi.sweep)


def refresh_lever_kpis() -> None:
    """Follow the lever registry when levers are registered or removed at run time."""
    current = {(kpi.level, kpi.name): kpi for kpi in _lever_kpis()}
    for level, name in _lever_names - current.keys():
        _LEVELS[level].pop(name, None)
    for (level, name), kpi in current.items():
        _LEVELS[level].setdefault(name, kpi)
    _lever_names.clear()
    _lever_names.update(current)


on_register(refresh_lever_kpis)


def add_kpis(*items: KPI) -> None:
    """Register KPIs defined outside this module (a rule kept outside the package, a test); the models built
    afterwards record the step ones."""
    for item in items:
        _by_level([item])  # (the same checks as the registry's own)
        if item.name in _LEVELS[item.level]:
            raise ValueError(f"KPI {item.name!r} is defined twice at level {item.level!r}")
        _LEVELS[item.level][item.name] = item


def remove_kpis(*names: str) -> None:
    """Forget KPIs registered with ``add_kpis``, at every level."""
    for name in names:
        for level in _LEVELS.values():
            level.pop(name, None)


def step_kpi(name: str, label: str, unit: str, measure: Callable[[Any], Any], **kw) -> KPI:
    """A step KPI: `measure` of the step's ``recorder.StepView`` (the model, the step's record, its effects)."""
    return _step(name, label, unit, measure=measure, **kw)


def run_kpi(name: str, label: str, unit: str, aggregation: str = "derived", source: str = "", **kw) -> KPI:
    """A run KPI: "last" or "sum" of the step KPI `source`, or (derived) `measure` of the run's ``RunView``."""
    return _run(name, label, unit, aggregation, source, **kw)


def kpi(name: str, level: str = "run") -> KPI:
    """The KPI of that name, looked up at `level` first, then at the others."""
    order = [level] + [other for other in ("run", "step", "pair") if other != level]
    for lv in order:
        found = _LEVELS[lv].get(name) if lv in _LEVELS else None
        if found is not None:
            return found
    raise KeyError(f"unknown KPI {name!r}")


def format_value(name: str, value, signed: bool = False, level: str = "run") -> str:
    """A KPI's value as shown in tables (terminal, HTML report, front end)."""
    return kpi(name, level).format(value, signed)


def format_interval(name: str, mean, low, high, signed: bool = False, level: str = "run") -> str:
    """``mean [low, high]``."""
    found = kpi(name, level)
    return f"{found.format(mean, signed)} [{found.format(low, signed)}, {found.format(high, signed)}]"


def kpi_table() -> str:
    """The KPI table of docs/MODEL.md (regenerate with ``python -m simulation.kpis``)."""
    rows = ["| KPI | level | unit | aggregation | meaning |", "|---|---|---|---|---|"]
    for level in ("step", "run", "pair"):
        for item in _LEVELS[level].values():
            how = f"{item.aggregation} of `{item.source}`" if item.aggregation in ("last", "sum") else "-"
            if item.aggregation == "derived":
                how = "computed (`kpis.RunView`)"
            rows.append(f"| `{item.name}` | {level} | {UNITS[item.unit]} | {how} | {item.label} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(kpi_table())
