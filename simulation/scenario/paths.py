"""Where a scenario may point: output folders named after it, and the files an uploaded scenario may read.

A scenario's ``name`` becomes part of output folders, so it is reduced to one safe path component.
A scenario received from someone else (uploaded to the front end) may only read networks from the
project's data folder or files uploaded alongside it; paths (absolute, with ``..``, through links)
leading anywhere else are refused, naming only the offending path.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..datasets import DATA_DIR
from .errors import ScenarioError, shown

# Scenario fields that name files the model reads.
FILE_FIELDS = (("network", "edge_list"), ("network", "node_roles"))


def folder_name(name: str, fallback: str = "scenario") -> str:
    """`name` as a single, portable path component: letters, digits, '.', '_' and '-' only, at most 80."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._-")[:80]
    return text or fallback


def resolved_scenario(scenario):
    """The scenario with the files it names as absolute paths, so that it loads from anywhere."""
    network = scenario.network.model_copy(
        update={field: scenario.resolve_path(getattr(scenario.network, field)) for _, field in FILE_FIELDS}
    )
    return scenario.model_copy(update={"network": network})


def confine_files(scenario, origin: str, allowed: list[Path], bases: list[Path]):
    """The scenario with every file it names resolved to an existing file inside one of the `allowed` folders.

    A name is looked up against each of `bases` in turn (links and '..' resolved); the first existing
    file inside an allowed folder is used. Anything else is refused with a ScenarioError naming the
    field and the path as written, never anything read from a file.
    """
    problems: list[str] = []
    update: dict[str, dict[str, str]] = {}
    roots = [folder.resolve() for folder in allowed]
    for section, field in FILE_FIELDS:
        given = getattr(getattr(scenario, section), field)
        if given is None:
            continue
        found = _inside(given, roots, bases)
        if found is None:
            places = " or ".join(_describe(root) for root in roots)
            problems.append(
                f"{origin}: {section}.{field} = {shown(given)}: an uploaded scenario may only name a file in "
                f"{places}; drop the file it names together with the scenario"
            )
        else:
            update.setdefault(section, {})[field] = str(found)
    if problems:
        raise ScenarioError(problems)
    sections = {name: getattr(scenario, name).model_copy(update=fields) for name, fields in update.items()}
    return scenario.model_copy(update=sections)


def _inside(given: str, roots: list[Path], bases: list[Path]) -> Path | None:
    for base in bases:
        candidate = (base / given).resolve()  # an absolute `given` stays itself; links are followed
        if candidate.is_file() and any(candidate.is_relative_to(root) for root in roots):
            return candidate
    return None


def _describe(root: Path) -> str:
    return "the project's data folder (data/)" if root == DATA_DIR.resolve() else "the files uploaded with it"
