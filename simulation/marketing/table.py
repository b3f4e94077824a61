"""The lever tables of docs/MODEL.md, generated from the registry (regenerate with
``python -m simulation.marketing.table``; a test keeps the document in step)."""

from __future__ import annotations

import math

from pydantic.fields import FieldInfo

from .base import Lever
from .registry import LEVER_CLASSES

TRIGGER_FORM = "`{metric, below or above, for_steps}` or `{all: [...]}` / `{any: [...]}`, with optional `until`"


def _allowed(info: FieldInfo) -> str:
    """What a lever field accepts, from its type and constraints."""
    annotation = info.annotation
    text = getattr(annotation, "__args__", None)
    if text and all(isinstance(a, str) for a in text):  # a Literal
        return "one of " + ", ".join(repr(a) for a in text)
    bounds = {}
    for item in info.metadata:
        for name in ("ge", "gt", "le", "lt"):
            value = getattr(item, name, None)
            if value is not None:
                bounds[name] = value
    low = f"[{bounds['ge']:g}" if "ge" in bounds else f"({bounds['gt']:g}" if "gt" in bounds else "(-inf"
    high = f"{bounds['le']:g}]" if "le" in bounds else f"{bounds['lt']:g})" if "lt" in bounds else "inf)"
    kind = "whole number" if "int" in str(annotation) and "float" not in str(annotation) else "number"
    optional = " or none" if "None" in str(annotation) else ""
    if not bounds:
        return f"a {kind}{optional}"
    return f"a {kind} in {low}, {high}{optional}"


def _default(info: FieldInfo) -> str:
    value = info.default
    if value is None:
        return "none"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _same(info: FieldInfo, other: FieldInfo) -> bool:
    return (info.default, info.description, repr(info.metadata)) == (
        other.default,
        other.description,
        repr(other.metadata),
    )


def lever_table() -> str:
    """One row per registered lever: what it does, the hooks it uses, how it is paid."""
    rows = ["| lever (`kind`) | module | what it does | hooks | cost |", "|---|---|---|---|---|"]
    for cls in LEVER_CLASSES:
        module = cls.__module__.replace(".", "/") + ".py"
        hooks = ", ".join(f"`{h}`" for h in cls.hooks_used()) or "-"
        timing = "continuous while running" if cls.continuous else "at scheduled steps"
        rows.append(
            f"| {cls.__name__} (`{cls.kind_name()}`) | `{module}` | {cls.summary} ({timing}) | {hooks} | {cls.cost_rule} |"
        )
    return "\n".join(rows)


def lever_fields_table() -> str:
    """Every lever's settings with default, what is allowed and meaning (the shared schedule first)."""
    rows = ["| lever | field | default | allowed | meaning |", "|---|---|---|---|---|"]
    shared = ("start", "end", "every", "when")
    for name in shared:
        info = Lever.model_fields[name]
        allowed = TRIGGER_FORM if name == "when" else _allowed(info)
        rows.append(f"| every lever | `{name}` | {_default(info)} | {allowed} | {info.description or ''} |")
    for cls in LEVER_CLASSES:
        for name, info in cls.model_fields.items():
            base = Lever.model_fields.get(name)
            if name == "kind" or (base is not None and _same(info, base)):
                continue
            rows.append(
                f"| `{cls.kind_name()}` | `{name}` | {_default(info)} | {_allowed(info)} | {info.description or ''} |"
            )
    return "\n".join(rows)


if __name__ == "__main__":
    print(lever_table())
    print()
    print(lever_fields_table())
