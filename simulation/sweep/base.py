"""The sweep's base scenario as plain data that travels to workers, and a design point applied to it.

A design point is applied exactly like ``--set`` overrides (``simulation.scenario.loader``), so a bad
value is reported with the same message as in a scenario file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import types
import typing
from dataclasses import dataclass

import yaml
from pydantic import BaseModel, ValidationError

from ..scenario.loader import ScenarioError, apply_overrides, parse_scenario
from ..scenario.schema import Scenario
from ..scenario.yaml_reader import read_yaml


def yaml_scalar(value) -> str:
    """A value written so YAML reads it back unchanged (1e-05 -> 1.0e-05, which YAML reads as a float)."""
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def assignments(point: dict) -> list[str]:
    """A design point {path: value} as ``path=value`` overrides."""
    return [f"{path}={yaml_scalar(value)}" for path, value in point.items()]


@dataclass(frozen=True)
class BaseScenario:
    """Scenario text, where it came from and the command line's --set overrides (picklable, small)."""

    text: str
    origin: str
    overrides: tuple = ()
    source_dir: str | None = None

    def parse(self, point: dict | None = None):
        """The scenario with a design point applied (ScenarioError lists every problem)."""
        return _parse_cached(self, tuple(assignments(point or {})))

    @functools.cached_property
    def fingerprint(self) -> str:
        """Hash of the resolved scenario's content: same content, same task ids, whatever the file's layout."""
        data = self.parse().model_dump(mode="json")
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=8)
def _raw(base: BaseScenario) -> dict:
    return read_yaml(base.text, base.origin)[0] or {}


@functools.lru_cache(maxsize=64)
def _parse_cached(base: BaseScenario, extra: tuple):
    # Workers see the same base scenario for many tasks: read its YAML once, and validate the point's
    # data directly. parse_scenario does the same steps; it runs again only to word the problems.
    try:
        data, _ = apply_overrides(_raw(base), tuple(base.overrides) + extra)
        data.pop("source_dir", None)
        scenario = Scenario.model_validate(data)
    except (ScenarioError, ValidationError, AttributeError, TypeError):
        return parse_scenario(base.text, base.origin, tuple(base.overrides) + extra, base.source_dir)
    return scenario.model_copy(update={"source_dir": base.source_dir})


def _field_type(model: BaseModel, name: str):
    field = type(model).model_fields.get(name)
    return None if field is None else field.annotation


def _step(node, part: str):
    if isinstance(node, list):
        if part.isdigit() and int(part) < len(node):
            return node[int(part)]
        for item in node:
            if getattr(item, "name", None) == part or getattr(item, "kind", None) == part:
                return item
        return None
    return getattr(node, part, None) if isinstance(node, BaseModel) else None


def is_integer_field(scenario, path: str) -> bool:
    """Whether the scenario field at a dotted path takes whole numbers (int or int | None)."""
    parts = path.split(".")
    node = scenario
    for part in parts[:-1]:
        node = _step(node, part)
        if node is None:
            return False
    if not isinstance(node, BaseModel):
        return False
    annotation = _field_type(node, parts[-1])
    args = (
        typing.get_args(annotation)
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
        else (annotation,)
    )
    kinds = {a for a in args if a is not type(None)}
    return kinds == {int}
