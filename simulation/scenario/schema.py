"""The scenario schema (pydantic), generated from the parameter table so both stay one description.

A scenario has the sections ``market``, ``network``, ``word_of_mouth``, ``awareness``, ``purchase`` and
``product`` (each field is a model parameter; see docs/MODEL.md), top-level timing and replication
settings, and a list of named strategies, one of them the baseline.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, PydanticKnownError

from ..marketing.registry import add_dependent
from ..marketing.strategy import Strategy
from ..network.settings import network_problems
from ..parameter_values import ParameterValues
from ..parameters import GROUPS, MAX_SEED, PARAMETERS, Parameter

SECTIONS = tuple(g for g in GROUPS if g != "timing")


def _whole_number(value: Any) -> Any:
    """Refuse text and true/false where a whole number belongs (pydantic would read "5" and true as numbers);
    a float without a fraction (1e4) stays accepted, as ``Parameter.check`` accepts it."""
    if isinstance(value, (str, bool)):
        raise PydanticKnownError("int_type")
    return value


def _field(param: Parameter):
    """A parameter's field: it accepts exactly the values ``Parameter.check`` accepts (tested), so a scenario's
    values reach the model checked once."""
    constraints: dict[str, Any] = {}  # keyword arguments of Field
    if param.choices is not None:
        annotation: Any = Literal[param.choices]
    elif param.kind is bool:
        annotation = bool
        constraints["strict"] = True  # true or false, not 1 or "yes"
    elif param.kind is str:
        annotation = str
    elif param.kind is int:
        annotation = Annotated[int, BeforeValidator(_whole_number)]
    else:
        annotation = float
        constraints["strict"] = True  # a number (an int is one), not text or true/false
    if param.kind in (int, float) and param.choices is None:
        if param.low is not None and not math.isinf(param.low):
            constraints["ge"] = param.low
        if param.high is not None and not math.isinf(param.high):
            constraints["le"] = param.high
    if param.optional:
        annotation = annotation | None
    return annotation, Field(param.default, description=param.meaning, **constraints)


_strict = ConfigDict(extra="forbid", validate_assignment=True)


def _section_model(section: str) -> type[BaseModel]:
    fields = {p.scenario_key: _field(p) for p in PARAMETERS.values() if p.group == section}
    if section == "network":
        fields["node_roles"] = (
            str | None,
            Field(None, description="CSV of initial roles per node (edge_list networks)"),
        )
    return create_model(f"{section.title().replace('_', '')}Settings", __config__=_strict, **fields)


SECTION_MODELS = {section: _section_model(section) for section in SECTIONS}


class IncidentSettings(BaseModel):
    """A period of bad (or good) product experiences, e.g. a faulty batch."""

    model_config = _strict
    start: int = Field(..., ge=0)
    end: int = Field(..., ge=1)
    quality_shift: float = Field(..., ge=-2, le=2)

    @model_validator(mode="after")
    def _ordered(self):
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


SECTION_MODELS["product"] = create_model(
    "ProductSettings",
    __base__=SECTION_MODELS["product"],
    incidents=(
        list[IncidentSettings],
        Field(default_factory=list, description="periods of shifted experience quality"),
    ),
)
# The section classes are built at import time from the parameter table, so the type checker cannot know
# their fields: typed Any (assigning create_model's result to a name directly would make the pydantic mypy
# plugin declare a class without fields).
ProductSettings: Any = SECTION_MODELS["product"]
MarketSettings: Any = SECTION_MODELS["market"]
NetworkSettings: Any = SECTION_MODELS["network"]
WordOfMouthSettings: Any = SECTION_MODELS["word_of_mouth"]
AwarenessSettings: Any = SECTION_MODELS["awareness"]
PurchaseSettings: Any = SECTION_MODELS["purchase"]
ReviewsSettings: Any = SECTION_MODELS["reviews"]


def _check_network(scenario: Scenario) -> None:
    """Refuse network settings that the network's generator would refuse (simulation.network.settings),
    each reported at its own field, so a scenario or sweep point fails before anything runs."""
    problems = network_problems(scenario.model_parameters())
    if problems:
        raise ValidationError.from_exception_data(
            "Scenario",
            [
                InitErrorDetails(
                    type=PydanticCustomError("network_setting", "expected {allowed}", {"allowed": problem.allowed}),
                    loc=(PARAMETERS[problem.parameter].group, PARAMETERS[problem.parameter].scenario_key),
                    input=problem.value,
                )
                for problem in problems
            ],
        )


class Scenario(BaseModel):
    """A scenario file, validated."""

    model_config = _strict
    name: str = "scenario"
    description: str = ""
    time_unit: Literal[tuple(PARAMETERS["time_unit"].choices)] = PARAMETERS["time_unit"].default  # type: ignore[valid-type]
    horizon: int = Field(52, ge=1, le=100_000, description="number of steps simulated")
    seed: int = Field(1, ge=0, le=MAX_SEED, description="base seed; replication r uses seed + r")
    replications: int = Field(30, ge=1, le=100_000)
    discount_rate: float = Field(0.1, ge=0, le=1, description="yearly discount rate for NPV")
    currency: str | None = Field(
        None,
        pattern=r"^[A-Za-z$€£¥₹₩₽¢.]{1,8}$",
        description="currency of prices, costs and money KPIs, e.g. EUR, USD or € (none: 'money units')",
    )
    baseline: str | None = Field(None, description="name of the baseline strategy (default: the first)")
    strategies: list[Strategy] = Field(default_factory=lambda: [Strategy(name="baseline")], min_length=1)
    market: MarketSettings = Field(default_factory=MarketSettings)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    word_of_mouth: WordOfMouthSettings = Field(default_factory=WordOfMouthSettings)
    awareness: AwarenessSettings = Field(default_factory=AwarenessSettings)
    purchase: PurchaseSettings = Field(default_factory=PurchaseSettings)
    reviews: ReviewsSettings = Field(default_factory=ReviewsSettings)
    product: ProductSettings = Field(default_factory=ProductSettings)
    # Where the file was read from: relative paths inside it are resolved against this folder.
    source_dir: str | None = Field(None, exclude=True)

    @field_validator("strategies")
    @classmethod
    def _unique_names(cls, strategies):
        names = [s.name for s in strategies]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"strategy names must be unique; repeated: {', '.join(duplicates)}")
        return strategies

    @model_validator(mode="after")
    def _check(self):
        names = [s.name for s in self.strategies]
        if self.baseline is not None and self.baseline not in names:
            raise ValueError(f"baseline: {self.baseline!r} is not one of the strategies: {', '.join(names)}")
        if self.seed + self.replications - 1 > MAX_SEED:
            raise ValueError(
                f"seed: {self.seed} + {self.replications} replications goes beyond 2^63 - 1; "
                f"the largest seed for {self.replications} replications is {MAX_SEED - self.replications + 1}"
            )
        _check_network(self)
        return self

    @property
    def baseline_name(self) -> str:
        return self.baseline or self.strategies[0].name

    def strategy(self, name: str) -> Strategy:
        for strategy in self.strategies:
            if strategy.name == name:
                return strategy
        raise KeyError(f"no strategy named {name!r}; the scenario has: {', '.join(s.name for s in self.strategies)}")

    def resolve_path(self, path: str | None) -> str | None:
        if path is None:
            return None
        candidate = Path(path)
        if not candidate.is_absolute() and self.source_dir:
            candidate = Path(self.source_dir) / candidate
        return str(candidate)

    def model_parameters(self) -> dict[str, Any]:
        """The model's keyword parameters (without strategy and seed) this scenario describes."""
        params: dict[str, Any] = {"time_unit": self.time_unit}
        for section in SECTIONS:
            values = getattr(self, section)
            for p in PARAMETERS.values():
                if p.group == section:
                    params[p.name] = getattr(values, p.scenario_key)
        params["edge_list"] = self.resolve_path(params["edge_list"])
        return params

    def parameter_values(self) -> ParameterValues:
        """The model's parameters, typed: checked by this schema (each field accepts what ``Parameter.check``
        accepts, the network's settings by ``network_problems``), so the model takes them without checking again."""
        return ParameterValues(**self.model_parameters())

    def model_kwargs(self, strategy: str | None = None, replication: int = 0) -> dict[str, Any]:
        """Everything ``WordOfMouthModel(**kwargs)`` needs for one run of a strategy: the checked ``settings``
        (a parameter given beside them, e.g. an ablation's, is checked by the model with the others)."""
        name = strategy or self.baseline_name
        return {
            "settings": self.parameter_values(),
            "strategy": self.strategy(name),
            "incidents": [i.model_dump() for i in self.product.incidents],
            "seed": self.seed + replication,
        }


add_dependent(Scenario)  # rebuilt when a lever is registered at run time
