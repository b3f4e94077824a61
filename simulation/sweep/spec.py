"""``--param dotted.path=SPEC``: which scenario field a sweep varies, and over what.

SPEC is a list ``a,b,c`` (values read as YAML scalars, so ``true``, ``hubs`` and ``0.5`` all work),
a range ``lo:hi:step`` (lo, lo + step, ... up to hi inclusive) or bounds ``lo..hi`` (a continuous
interval for the sampling designs: random, lhs, sobol, morris).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..scenario.yaml_reader import read_scalar


class SpecError(ValueError):
    """A --param that cannot be read; the message says what was given and what is allowed."""


FORMS = "a list a,b,c, a range lo:hi:step or bounds lo..hi"


@dataclass(frozen=True)
class ParamSpec:
    """One swept field: its dotted path, the listed values (list and range) or the bounds."""

    path: str
    text: str
    values: tuple | None = None  # list or range
    low: float | None = None  # range or bounds
    high: float | None = None
    form: str = "list"  # "list", "range" or "bounds"
    integer: bool = False  # the field takes whole numbers (sampled values are rounded)

    @property
    def bounds(self) -> tuple[float, float]:
        if self.low is None or self.high is None:  # parse_param sets both or neither
            raise SpecError(f"--param {self.path}={self.text}: a list has no bounds; give lo..hi or lo:hi:step")
        return self.low, self.high

    @property
    def listed(self) -> tuple:
        """The values of a list or range (bounds have none)."""
        if self.values is None:
            raise SpecError(f"--param {self.path}={self.text}: bounds have no listed values; give a,b,c or lo:hi:step")
        return self.values


def _number(text: str, whole: str) -> float:
    value = read_scalar(text)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(f"--param {whole}: {text!r} is not a finite number (expected {FORMS})")
    return value


def _scalar(text: str):
    return read_scalar(text)


MAX_RANGE_VALUES = 100_000


def range_count(low: float, high: float, step: float) -> float:
    """How many values lo:hi:step has (a float: inf or beyond any list for a tiny step), counted before any is made."""
    span = (high - low) / step * (1 + 1e-12) + 1e-9
    return math.floor(span) + 1.0 if math.isfinite(span) else math.inf


def range_values(low: float, high: float, step: float) -> tuple:
    """lo, lo + step, ... up to hi inclusive (to a relative tolerance of 1e-9 of the step)."""
    count = int(range_count(low, high, step))
    whole = all(float(v).is_integer() for v in (low, high, step))
    values = [low + i * step for i in range(count)]
    # Round away float noise (0.1 * 3 = 0.30000000000000004) so values read as the user wrote them.
    return tuple(int(round(v)) if whole else round(v, 12) for v in values)


def parse_param(text: str) -> ParamSpec:
    """Read ``dotted.path=SPEC`` (see the module docstring); SpecError says what is wrong."""
    if "=" not in text:
        raise SpecError(f"--param {text!r}: expected dotted.path=SPEC with SPEC {FORMS}, e.g. purchase.q=0.2..0.6")
    path, spec = (part.strip() for part in text.split("=", 1))
    if not path or any(not part for part in path.split(".")):
        raise SpecError(f"--param {text!r}: the path {path!r} is not a dotted field name such as purchase.q")
    if not spec:
        raise SpecError(f"--param {text!r}: no values given (expected {FORMS})")
    if ".." in spec:
        lo, _, hi = spec.partition("..")
        low, high = _number(lo, text), _number(hi, text)
        if not low < high:
            raise SpecError(f"--param {text}: bounds {lo}..{hi} must have lo < hi")
        return ParamSpec(path, spec, None, low, high, "bounds")
    if ":" in spec and "," not in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise SpecError(f"--param {text}: a range is lo:hi:step (three numbers), got {spec!r}")
        low, high, step = (_number(p, text) for p in parts)
        if step <= 0:
            raise SpecError(f"--param {text}: the step of a range must be > 0, got {parts[2]}")
        if high < low:
            raise SpecError(f"--param {text}: range {spec} has hi < lo")
        count = range_count(low, high, step)
        if count > MAX_RANGE_VALUES:  # refused before the values are made (1e-12 steps: 10^12 of them)
            raise SpecError(
                f"--param {text}: range {spec} has {f'{count:,.0f}' if math.isfinite(count) else 'too many'} values (at most {MAX_RANGE_VALUES:,}); use a larger step"
            )
        values = range_values(low, high, step)
        return ParamSpec(path, spec, values, low, high, "range")
    values = tuple(_scalar(v.strip()) for v in spec.split(","))
    if any(v is None for v in values):
        raise SpecError(f"--param {text}: empty item in the list {spec!r}")
    if len(set(map(repr, values))) != len(values):
        raise SpecError(f"--param {text}: the list {spec!r} repeats a value")
    return ParamSpec(path, spec, values, None, None, "list")
