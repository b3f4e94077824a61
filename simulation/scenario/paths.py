"""Where a scenario may point: output folders named after it, and the files an uploaded scenario may read.

A scenario's ``name`` becomes part of output folders, so it is reduced to one safe path component.
A scenario received from someone else (uploaded to the front end) may only read networks from the
project's data folder or files uploaded alongside it; absolute paths, ``..`` and links leading
elsewhere are refused, naming only the offending path.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import ScenarioError, shown

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
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


def confine_files(scenario, origin: str, folders: list[Path]):
    """The scenario with every file it names resolved inside one of `folders` (first match wins).

    A relative name without '..' is looked up in each folder in turn; anything else is refused with a
    ScenarioError naming the field and the path as written, never the content of any file.
    """
    problems: list[str] = []
    update: dict[str, dict[str, str]] = {}
    roots = [folder.resolve() for folder in folders]
    for section, field in FILE_FIELDS:
        given = getattr(getattr(scenario, section), field)
        if given is None:
            continue
        found = _inside(given, roots)
        if found is None:
            allowed = " or ".join(_describe(root) for root in roots)
            problems.append(
                f"{origin}: {section}.{field} = {shown(given)}: an uploaded scenario may only name a file in "
                f"{allowed} (a plain file name, no folders outside it, no absolute path)"
            )
        else:
            update.setdefault(section, {})[field] = str(found)
    if problems:
        raise ScenarioError(problems)
    sections = {name: getattr(scenario, name).model_copy(update=fields) for name, fields in update.items()}
    return scenario.model_copy(update=sections)


def _inside(given: str, roots: list[Path]) -> Path | None:
    relative = Path(given)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    for root in roots:
        candidate = (root / relative).resolve()  # links resolved: a link pointing out is outside
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None


def _describe(root: Path) -> str:
    return "the project's data folder (data/)" if root == DATA_DIR.resolve() else "the files uploaded with it"
