"""Parameter controls derived from the schema: which fields get a slider or a selector, and their ranges.

A control's range is the parameter's allowed range (``simulation.parameters.PARAMETERS`` or the lever's
pydantic ``ge``/``le`` constraints), narrowed to a practical span for a slider where the allowed range is
open-ended; values typed into a scenario outside the slider's span are kept (the span widens to them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from ..parameters import PARAMETERS

# The main parameters shown as controls, by section (the rest stay as the scenario file sets them).
MAIN_PARAMETERS = (
    "n_consumers",
    "network",
    "mean_degree",
    "strong_tie_trust",
    "weak_tie_trust",
    "experience_credibility",
    "hearsay_credibility",
    "confidence_bound",
    "negativity_bias",
    "quality",
    "p",
    "q",
)

# Practical slider spans where the allowed range is too wide to slide through.
_SPANS = {"n_consumers": (100, 50_000), "mean_degree": (2, 50), "p": (0, 0.5), "q": (0, 2), "negativity_bias": (0, 5)}
# Lever fields without an upper bound: slider span (cost fields get a number box instead).
_LEVER_SPANS = {
    "k": (1, 1000),
    "talk_boost": (1, 5),
    "impact": (0, 5),
    "start": (0, 104),
    "end": (1, 104),
    "every": (1, 26),
}


@dataclass(frozen=True)
class Control:
    """One control: the scenario's dotted path it sets, its label, help text and widget range."""

    path: str
    label: str
    help: str
    kind: str  # "int", "float", "choice" (a select), "switch" (yes/no) or "number" (unbounded float, typed in)
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple = ()


def _step(low: float, high: float, kind: str) -> float:
    """A round slider step, about a hundredth of the span: 0.01 for q in [0, 2], 100 for 100..50,000
    consumers (a value off the grid, typed or from a file, is kept: see ``ParameterControl``)."""
    if high <= low:
        return 1 if kind == "int" else 0.001
    step = 10 ** math.floor(math.log10((high - low) / 100))
    return max(1, int(step)) if kind == "int" else step


def decimals(step: float) -> int:
    """Decimals a value on a slider of this step is shown and stored with (0.01 -> 2)."""
    return max(0, -math.floor(math.log10(step))) if step > 0 else 6


def on_grid(value: float, low: float, step: float) -> bool:
    """Whether a slider from `low` in steps of `step` has `value` on its grid."""
    ticks = (value - low) / step
    return abs(ticks - round(ticks)) <= 1e-9 * max(1.0, abs(ticks))


def widget_step(control: Control, value: float) -> float:
    """The slider step that keeps the file's value exact: the control's step, divided by 10 until
    ``value`` is on the grid (0.01 -> 0.001 for an interest gain of 0.005; 100 -> 1 for 4,039 consumers).

    A slider snaps its value to its grid and reports the snapped value back: on a coarser grid merely
    showing a strategy would edit it (the interest gain 0.005 became 0.01)."""
    step = control.step or 1
    low = min(control.low if control.low is not None else value, value)
    for _ in range(9):
        if on_grid(value, low, step):
            return step
        step = max(1, step // 10) if control.kind == "int" else step / 10
    return step


def clean(value: float, step: float, kind: str):
    """A slider's value rounded to its step's decimals: 0.5, not 0.49999999999999994."""
    if kind == "int":
        return int(round(value))
    return round(float(value), decimals(step))


def parameter_controls(network_kinds: tuple | None = None) -> list[Control]:
    """Controls of the main model parameters, from the parameter table."""
    controls = []
    for name in MAIN_PARAMETERS:
        prm = PARAMETERS[name]
        label = name.replace("_", " ")
        if prm.choices is not None:
            choices = tuple(c for c in prm.choices if network_kinds is None or c in network_kinds)
            controls.append(Control(prm.path, label, prm.meaning, "choice", choices=choices))
            continue
        if prm.low is None or prm.high is None:
            raise ValueError(f"parameter {name!r} has no lower or upper bound: its slider needs both")
        low, high = _SPANS.get(name, (prm.low, prm.high))
        low, high = max(low, prm.low), min(high, prm.high)
        kind = "int" if prm.kind is int else "float"
        controls.append(
            Control(
                prm.path, label, f"{prm.meaning} (allowed: {prm.allowed()})", kind, low, high, _step(low, high, kind)
            )
        )
    return controls


def _bounds(info) -> tuple[float | None, float | None]:
    low = high = None
    for item in info.metadata:
        low = getattr(item, "ge", getattr(item, "gt", low)) if low is None else low
        high = getattr(item, "le", getattr(item, "lt", high)) if high is None else high
    return low, high


def lever_controls(strategy, strategy_key: str) -> list[Control]:
    """Controls of a strategy's levers: a slider or number box per numeric setting, a select per setting with
    named options (an advertising target, a seeding targeting), a switch per yes/no setting."""
    controls = []
    for index, lever in enumerate(strategy.levers):
        for field, info in type(lever).model_fields.items():
            value = getattr(lever, field)
            label = f"{lever.kind}: {field.replace('_', ' ')}"
            path = f"strategies.{strategy_key}.levers.{index}.{field}"
            text = info.description or field.replace("_", " ")
            if field != "kind" and get_origin(info.annotation) is Literal:  # one of named options: a select
                controls.append(Control(path, label, text, "choice", choices=get_args(info.annotation)))
                continue
            if isinstance(value, bool):
                controls.append(Control(path, label, text, "switch"))
                continue
            if field == "kind" or not isinstance(value, (int, float)):
                continue  # the kind, triggers and unset optional fields stay as the file sets them
            low, high = _bounds(info)
            kind = "int" if isinstance(value, int) and info.annotation in (int, int | None) else "float"
            if high is None and field in _LEVER_SPANS:
                low, high = _LEVER_SPANS[field]
            if low is None or high is None:
                controls.append(Control(path, label, text, "number", low, high))
            else:
                low, high = min(low, value), max(high, value)
                controls.append(Control(path, label, text, kind, low, high, _step(low, high, kind)))
    return controls


def current_value(scenario: BaseModel, path: str) -> Any:
    """The value at a dotted path of a scenario (strategies addressed by name, levers by index)."""
    node: Any = scenario
    parts = path.split(".")
    for part in parts:
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() else next(s for s in node if s.name == part)
        else:
            node = getattr(node, part)
    return node
