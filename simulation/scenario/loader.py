"""Reading scenario files: YAML as data only (never code), validated, with clear errors.

Each problem is reported as ``FILE:LINE: dotted.path = value: what is wrong (what is allowed)``; unknown
keys come with the nearest known key. ``--set dotted.path=value`` overrides are parsed as YAML scalars
and validated exactly like the file.
"""

from __future__ import annotations

import copy
import difflib
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..marketing.registry import LEVER_KINDS
from ..marketing.strategy import Strategy
from .schema import SECTION_MODELS, IncidentSettings, Scenario


class ScenarioError(ValueError):
    """One or more problems in a scenario; ``problems`` lists them, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# ---------------------------------------------------------------- YAML with line numbers
def _line_index(node, path=(), index=None) -> dict:
    """Map every path in a composed YAML node tree to its 1-based line number."""
    index = {} if index is None else index
    index[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            index[path + (key.value,)] = key.start_mark.line + 1
            _line_index(value, path + (key.value,), index)
            index[path + (key.value,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, path + (i,), index)
    return index


def _read_yaml(text: str, origin: str) -> tuple[Any, dict]:
    try:
        data = yaml.safe_load(text)  # safe_load builds plain data: no tags, no code
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}" if mark else origin
        raise ScenarioError([f"{where}: not valid YAML: {getattr(error, 'problem', error)}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                f"{origin}:1: a scenario must be a mapping of fields (name:, market:, strategies: ...), not {type(data).__name__}"
            ]
        )
    return data, (_line_index(node) if node is not None else {})


# ---------------------------------------------------------------- known keys, for suggestions
def _model_at(data: dict, loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at `loc` (for listing its known keys)."""
    if not loc:
        return Scenario
    head, rest = loc[0], loc[1:]
    if head in SECTION_MODELS and not rest:
        return SECTION_MODELS[head]
    if head == "product" and rest[:1] == ("incidents",) and len(rest) == 2:
        return IncidentSettings
    if head == "strategies" and len(rest) >= 1:
        if len(rest) == 1:
            return Strategy
        if rest[1] == "levers" and len(rest) >= 3:
            try:
                kind = data["strategies"][rest[0]]["levers"][rest[2]].get("kind")
            except (KeyError, IndexError, TypeError, AttributeError):
                return None
            return _descend(LEVER_KINDS.get(kind), rest[3:])
        return _descend(Strategy, rest[1:])
    return None


def _descend(model: type[BaseModel] | None, parts: tuple) -> type[BaseModel] | None:
    """The settings model nested at `parts` below `model` (e.g. a lever's ``when.any.0``)."""
    for part in parts:
        if model is None:
            return None
        if isinstance(part, int):  # an item of a list of settings
            continue
        info = model.model_fields.get(part)
        model = None if info is None else _model_in(info.annotation)
    return model


def _model_in(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _suggest(key: str, model: type[BaseModel] | None) -> str:
    if model is None:
        return ""
    known = [k for k in model.model_fields if k != "source_dir"]
    near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"{hint} (known keys: {', '.join(known)})"


def _clean_loc(loc: tuple, data: dict) -> tuple:
    """Drop the discriminator tags pydantic inserts into locations inside lever unions."""
    out, node = [], data
    for part in loc:
        if (
            isinstance(node, dict)
            and isinstance(part, str)
            and part not in node
            and part in LEVER_KINDS
            and out
            and out[-1] != "kind"
        ):
            continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _value_at(data, loc):
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _dotted(loc: tuple, data: dict) -> str:
    parts = []
    for i, part in enumerate(loc):
        # Strategies are named in messages by their name, which is what --set uses too.
        if i == 1 and loc[0] == "strategies" and isinstance(part, int):
            name = _value_at(data, ("strategies", part, "name"))
            parts.append(str(name) if isinstance(name, str) else str(part))
        else:
            parts.append(str(part))
    return ".".join(parts)


def _problems(error: ValidationError, data: dict, origin: str, lines: dict, overridden: dict) -> list[str]:
    problems = []
    for item in error.errors():
        loc = _clean_loc(tuple(item["loc"]), data)
        path = _dotted(loc, data)
        where = overridden.get(path)
        if where is None:
            line = None
            for cut in range(len(loc), -1, -1):
                line = lines.get(loc[:cut])
                if line is not None:
                    break
            where = f"{origin}:{line}" if line else origin
        if item["type"] == "extra_forbidden":
            problems.append(f"{where}: {path}: unknown key{_suggest(loc[-1], _model_at(data, loc[:-1]))}")
            continue
        value = item.get("input")
        shown = "" if item["type"] == "missing" or isinstance(value, dict) else f" = {value!r}"
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {path}{shown}: {message}")
    return problems


# ---------------------------------------------------------------- overrides
def _parse_assignment(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise ScenarioError([f"--set {text!r}: expected dotted.path=value, e.g. market.n_consumers=5000"])
    path, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return [p for p in path.strip().split(".") if p], value


def _step_into(node, part: str, path_so_far: list[str], full: str):
    if isinstance(node, list):
        if part.isdigit() and int(part) < len(node):
            return int(part)
        by_name = [
            i
            for i, item in enumerate(node)
            if isinstance(item, dict) and (item.get("name") == part or item.get("kind") == part)
        ]
        if len(by_name) == 1:
            return by_name[0]
        names = [str(item.get("name", item.get("kind", i))) for i, item in enumerate(node) if isinstance(item, dict)]
        raise ScenarioError(
            [
                f"--set {full}: {'.'.join(path_so_far)} has no item {part!r}; choose an index or one of: {', '.join(names)}"
            ]
        )
    return part


def apply_overrides(data: dict, assignments) -> tuple[dict, dict]:
    """A copy of the raw scenario data with each ``dotted.path=value`` applied, and where each came from."""
    data = copy.deepcopy(data)
    origins: dict[str, str] = {}
    for text in assignments or ():
        parts, value = _parse_assignment(text)
        if not parts:
            raise ScenarioError([f"--set {text!r}: the path is empty"])
        node, walked = data, []
        if parts[0] == "strategies" and "strategies" not in data:
            data["strategies"] = [{"name": "baseline"}]
        for part in parts[:-1]:
            key = _step_into(node, part, walked, text)
            walked.append(str(part))
            if isinstance(node, dict) and key not in node:
                node[key] = {}
            node = node[key]
            if not isinstance(node, (dict, list)):
                raise ScenarioError([f"--set {text}: {'.'.join(walked)} is a value, not a section"])
        last = _step_into(node, parts[-1], walked, text) if isinstance(node, list) else parts[-1]
        node[last] = value
        loc = []
        cursor = data
        for part in parts:
            key = _step_into(cursor, part, [], text) if isinstance(cursor, list) else part
            loc.append(key)
            cursor = cursor[key] if isinstance(cursor, (dict, list)) else None
        origins[_dotted(tuple(loc), data)] = f"--set {text}"
    return data, origins


def _line_of(problem: str) -> tuple:
    head = problem.split(": ", 1)[0]
    number = head.rsplit(":", 1)[-1]
    return (0, int(number)) if number.isdigit() else (1, 0)


# ---------------------------------------------------------------- entry points
def parse_scenario(text: str, origin: str = "<scenario>", overrides=(), source_dir: str | None = None) -> Scenario:
    """Validate scenario text; ScenarioError lists every problem (file, line, path, value, what is allowed)."""
    data, lines = _read_yaml(text, origin)
    data, origins = apply_overrides(data, overrides)
    data.pop("source_dir", None)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems = _problems(error, data, origin, lines, origins)
        raise ScenarioError(sorted(problems, key=_line_of)) from None
    return scenario.model_copy(update={"source_dir": source_dir})


def load_scenario(path, overrides=()) -> Scenario:
    """Read and validate a scenario file (see ``parse_scenario``)."""
    path = Path(path)
    if not path.is_file():
        available = sorted(p.name for p in (path.parent if path.parent.is_dir() else Path("scenarios")).glob("*.yaml"))
        hint = f"; scenarios there: {', '.join(available)}" if available else ""
        raise ScenarioError([f"{path}: no such scenario file{hint}"])
    return parse_scenario(path.read_text(encoding="utf-8"), str(path), overrides, str(path.parent.resolve()))


def scenario_to_yaml(scenario: Scenario) -> str:
    """The scenario as run, every field resolved, as YAML (loads back to the same scenario)."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
