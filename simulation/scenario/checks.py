"""Checks on a scenario beyond each field's type and range.

Refused (before the schema, on the data as read): numbers that are not finite, and strategy names
given twice (blamed on the repeated name's line). Warned about (after the schema): levers and
incidents that start at or after the horizon, so never act.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from .errors import shown

# The one field where infinity means something: an infinite talk rate is exactly one message per step.
INFINITY_ALLOWED = {("word_of_mouth", "talk_rate")}


class ScenarioWarning(UserWarning):
    """A scenario setting that is allowed but probably not what was meant."""


def data_problems(data: dict, line: Callable[[tuple], int | None]) -> list[tuple[tuple, str]]:
    """(location, problem) for non-finite numbers and repeated strategy names in raw scenario data.

    A problem's text follows the field's path: `` = value: what is wrong``.
    """
    problems = []
    for loc, value in _floats(data, ()):
        if math.isnan(value) or (math.isinf(value) and loc not in INFINITY_ALLOWED):
            problems.append((loc, f" = {value}: not a finite number; expected a finite number"))
    strategies = data.get("strategies")
    if isinstance(strategies, list):
        first: dict[Any, int] = {}
        for index, strategy in enumerate(strategies):
            name = strategy.get("name") if isinstance(strategy, dict) else None
            if not isinstance(name, str):
                continue
            if name in first:
                earlier = first[name]
                at = line(("strategies", earlier, "name"))
                problems.append(
                    (
                        ("strategies", index, "name"),
                        f" = {shown(name)}: strategy {earlier} has this name already"
                        f"{f' (line {at})' if at else ''}; strategy names must be unique",
                    )
                )
            else:
                first[name] = index
    return problems


def _floats(node, loc: tuple) -> Iterator[tuple[tuple, float]]:
    if isinstance(node, float):
        yield loc, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _floats(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _floats(value, (*loc, index))


def horizon_warnings(scenario) -> list[tuple[tuple, str]]:
    """(location, warning) for levers and incidents that start at or after the horizon."""
    horizon = scenario.horizon
    found: list[tuple[tuple, str]] = []
    for s, strategy in enumerate(scenario.strategies):
        for index, lever in enumerate(strategy.levers):
            if lever.start >= horizon:
                found.append(
                    (
                        ("strategies", s, "levers", index, "start"),
                        f"strategies.{strategy.name}.levers.{index}.start = {lever.start}: at or after the horizon "
                        f"({horizon} steps, counted from 0): this {lever.kind} lever never acts",
                    )
                )
    for index, incident in enumerate(scenario.product.incidents):
        if incident.start >= horizon:
            found.append(
                (
                    ("product", "incidents", index, "start"),
                    f"product.incidents.{index}.start = {incident.start}: at or after the horizon ({horizon} steps, "
                    "counted from 0): this incident never happens",
                )
            )
    return found
