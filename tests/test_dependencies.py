"""Dependencies: a light core, the front end and Dask as extras, and a lock file that CI's install follows."""

from __future__ import annotations

import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

FRONT_END_AND_DASK = {"solara", "ipyvuetify", "ipyvue", "altair", "dask", "distributed", "ipywidgets"}


def project(root) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]


def pins(root) -> dict[str, str]:
    lines = (root / "constraints.txt").read_text().splitlines()
    pairs = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in pairs}


def test_core_leaves_the_front_end_and_dask_to_extras(root):
    core = [Requirement(text) for text in project(root)["dependencies"]]
    assert not {canonicalize_name(r.name) for r in core} & FRONT_END_AND_DASK
    (mesa,) = [r for r in core if r.name.lower() == "mesa"]
    assert mesa.extras == {"network"} and str(mesa.specifier) == "<3.6,>=3.5.1"
    extras = project(root)["optional-dependencies"]
    ui = {canonicalize_name(Requirement(t).name): Requirement(t) for t in extras["ui"]}
    assert {"solara", "ipyvuetify", "ipyvue", "altair", "mesa"} <= set(ui)
    assert str(ui["ipyvuetify"].specifier) == "<3" and str(ui["ipyvue"].specifier) == "<3"
    assert str(ui["mesa"].specifier) == "<3.6,>=3.5.1" and ui["mesa"].extras == {"rec"}
    assert {canonicalize_name(Requirement(t).name) for t in extras["dask"]} == {"dask"}


def test_constraints_pin_every_requirement_within_its_range(root):
    pinned = pins(root)
    assert canonicalize_name("wom-simulator") not in pinned
    declared = project(root)["dependencies"] + [
        t for group in project(root)["optional-dependencies"].values() for t in group
    ]
    for requirement in map(Requirement, declared):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"constraints.txt lacks {name}: run scripts/lock.sh"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (name, pinned[name], requirement)


def test_tests_run_on_the_pinned_versions(root):
    """setup.sh installs against constraints.txt, so what CI tests is what the lock file says."""
    differ = {}
    for name, version in pins(root).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            differ[name] = (version, None)
            continue
        if installed != version:
            differ[name] = (version, installed)
    assert not differ, f"installed versions differ from constraints.txt (pinned, installed): {differ}"
