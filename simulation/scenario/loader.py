"""Reading scenario files: YAML as data only (never code), validated, with clear errors.

Each problem is reported as ``FILE:LINE: dotted.path = value: what is wrong (what is allowed)``; unknown
keys come with the nearest known key. ``--set dotted.path=value`` overrides are parsed as YAML scalars
and validated exactly like the file.
"""

from __future__ import annotations

import copy
import difflib
import re
import typing
import warnings
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..marketing.registry import LEVER_KINDS
from ..marketing.strategy import Strategy
from .checks import ScenarioWarning, data_problems, horizon_warnings
from .errors import ScenarioError, shown
from .schema import SECTION_MODELS, IncidentSettings, Scenario
from .yaml_reader import MAX_BYTES, MAX_DEPTH, check_size, decode, read_scalar, read_yaml

MAX_READ = MAX_BYTES + 1  # a file that grew after its size was checked is still refused

__all__ = ["ScenarioError", "ScenarioWarning", "apply_overrides", "load_scenario", "parse_scenario"]


# ---------------------------------------------------------------- YAML with line numbers
def _read_yaml(text: str, origin: str) -> tuple[Any, dict]:
    data, lines = read_yaml(text, origin)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                f"{origin}:1: a scenario must be a mapping of fields (name:, market:, strategies: ...), not {type(data).__name__}"
            ]
        )
    return data, lines


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
    out: list = []
    node: object = data  # walks down the raw data: a section, a list or a value
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


_PATH_PART = re.compile(r"[A-Za-z0-9_][\w-]*")


def _dotted(loc: tuple, data: dict) -> str:
    parts = []
    for i, part in enumerate(loc):
        # Strategies are named in messages by their name, which is what --set uses too; a name that could not
        # be a path's part (blank, with spaces or dots) by its position.
        if i == 1 and loc[0] == "strategies" and isinstance(part, int):
            name = _value_at(data, ("strategies", part, "name"))
            parts.append(name if isinstance(name, str) and _PATH_PART.fullmatch(name) else str(part))
        else:
            parts.append(str(part))
    return ".".join(parts)


def _where(loc: tuple, path: str, origin: str, lines: dict, overridden: dict) -> str:
    """Where a problem at `loc` comes from: the --set that gave the value, else the file's line.

    An override of a whole section or list is blamed for problems inside it; a problem of an object
    that an override changed part of is told at the file's line, naming the override too.
    """
    if path in overridden:
        return overridden[path]
    for given, override in overridden.items():
        if path.startswith(given + "."):
            return override
    line = None
    for cut in range(len(loc), -1, -1):
        line = lines.get(loc[:cut])
        if line is not None:
            break
    where = f"{origin}:{line}" if line else origin
    inside = [override for given, override in overridden.items() if given.startswith(path + ".") or not path]
    return f"{where} (with {', '.join(inside)})" if inside and path else where


# Messages of the schema's cross-field checks start with the path they are about ("baseline: ...").
_LEADING_PATH = re.compile(r"^([A-Za-z_][\w.]*): (.*)$", re.S)
_TAG_ERRORS = {"union_tag_invalid", "union_tag_not_found"}


def _problems(
    error: ValidationError, data: dict, origin: str, lines: dict, overridden: dict, skip=(), repeats_told=True
) -> list[str]:
    problems = []
    for item in error.errors():
        loc = _clean_loc(tuple(item["loc"]), data)
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] in _TAG_ERRORS:
            loc = (*loc, "kind")  # the lever's kind is what is wrong
            kinds = ", ".join(LEVER_KINDS)
            message = (
                f"not a lever kind; allowed: {kinds}"
                if item["type"] == "union_tag_invalid"
                else f"a lever needs its kind: {kinds}"
            )
        elif item["type"] == "model_type":  # "... or instance of NetworkSettings": the class is no help
            message = "expected a section of fields (one 'name: value' per line), not a single value"
        elif not loc and (leading := _LEADING_PATH.match(message)):
            loc = tuple(int(p) if p.isdigit() else p for p in leading.group(1).split("."))
            message = leading.group(2)
        if any(loc[: len(s)] == s for s in skip) or (repeats_told and message.startswith("strategy names must be")):
            continue  # already reported by the data checks
        path = _dotted(loc, data)
        where = _where(loc, path, origin, lines, overridden)
        if item["type"] == "extra_forbidden":
            problems.append(f"{where}: {path}: unknown key{_suggest(loc[-1], _model_at(data, loc[:-1]))}")
            continue
        value = _value_at(data, loc) if item["type"] in _TAG_ERRORS else item.get("input")
        listed = item["type"] == "missing" or isinstance(value, (dict, list)) or (not loc and message)
        problems.append(f"{where}: {path}{'' if listed else f' = {shown(value)}'}: {message}")
    return problems


# ---------------------------------------------------------------- overrides
def _parse_assignment(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise ScenarioError([f"--set {text!r}: expected dotted.path=value, e.g. market.n_consumers=5000"])
    path, raw = text.split("=", 1)
    parts = [p for p in path.strip().split(".") if p]
    if len(parts) > MAX_DEPTH:  # a scenario nests 5 deep; a deeper path would only build recursion bombs
        raise ScenarioError([f"--set {text[:60]!r}...: the path has {len(parts):,} levels; at most {MAX_DEPTH}"])
    return parts, read_scalar(raw) if raw.strip() else None


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
        node = data
        walked: list[str] = []
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
        origins[_dotted(tuple(loc), data)] = f"--set {text if len(text) <= 80 else text[:77] + '...'}"
    return data, origins


def _line_of(problem: str) -> tuple:
    found = re.search(r":(\d+)(?=: | \(with )", problem)
    return (0, int(found.group(1))) if found else (1, 0)


# ---------------------------------------------------------------- entry points
def parse_scenario(text: str, origin: str = "<scenario>", overrides=(), source_dir: str | None = None) -> Scenario:
    """Validate scenario text; ScenarioError lists every problem (file, line, path, value, what is allowed).

    Settings that are allowed but never act within the horizon are told as ScenarioWarning warnings.
    """
    data, lines = _read_yaml(text, origin)
    data, origins = apply_overrides(data, overrides)
    data.pop("source_dir", None)
    found = data_problems(data, lines.get)
    problems = [
        f"{_where(loc, path, origin, lines, origins)}: {path}{message}"
        for loc, message in found
        for path in [_dotted(loc, data)]
    ]
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems += _problems(error, data, origin, lines, origins, skip=[loc for loc, _ in found])
        if not problems:  # names the data checks cannot see repeated (strategies without a name take the default)
            problems = _problems(error, data, origin, lines, origins, repeats_told=False)
    if problems:
        raise ScenarioError(sorted(problems, key=_line_of))
    for loc, message in horizon_warnings(scenario):
        warnings.warn(f"{_where(loc, _dotted(loc, data), origin, lines, origins)}: {message}", ScenarioWarning, 2)
    return scenario.model_copy(update={"source_dir": source_dir})


def read_scenario_file(path) -> str:
    """The text of a scenario file: a regular file within the size limit, UTF-8 (ScenarioError otherwise)."""
    path = Path(path)
    if not path.is_file():
        if path.exists():
            raise ScenarioError([f"{path}: not a regular file; a scenario is a YAML file"])
        available = sorted(p.name for p in (path.parent if path.parent.is_dir() else Path("scenarios")).glob("*.yaml"))
        hint = f"; scenarios there: {', '.join(available)}" if available else ""
        raise ScenarioError([f"{path}: no such scenario file{hint}"])
    check_size(path.stat().st_size, str(path))
    with path.open("rb") as handle:
        return decode(handle.read(MAX_READ), str(path))


def load_scenario(path, overrides=()) -> Scenario:
    """Read and validate a scenario file (see ``parse_scenario``)."""
    path = Path(path)
    return parse_scenario(read_scenario_file(path), str(path), overrides, str(path.parent.resolve()))


def scenario_to_yaml(scenario: Scenario) -> str:
    """The scenario as run, every field resolved, as YAML (loads back to the same scenario)."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
