"""The scenario editor: add and remove strategies and their levers in the front end.

A structural edit (a strategy or a lever added or removed) is applied to the scenario as the page shows it
(the file with the page's edits) and the result is loaded like a file of its own, so the scenario schema
validates it exactly as it validates a file and a refused edit changes nothing. A new lever starts from its
settings' defaults (the lever's pydantic model, ``marketing.registry.LEVER_KINDS``); its numeric settings
then get controls in the sidebar (``controls.lever_controls``), and "Download scenario (as edited)" saves
the result.
"""

from __future__ import annotations

import re

import solara

from ..marketing.registry import LEVER_KINDS
from ..scenario.loader import scenario_to_yaml
from .session import ExploreSession

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-]{0,63}$")


def shown_strategy(session: ExploreSession) -> str:
    """The selected strategy, or the scenario's baseline while a newly loaded scenario that lacks it is
    being committed (the scenario and the strategy are two reactive values, set one after the other)."""
    scenario = session.scenario.value
    name = session.strategy.value
    return name if name in {s.name for s in scenario.strategies} else scenario.baseline_name


def _edited(session: ExploreSession) -> dict:
    """The scenario as the page shows it (file and edits, the page's seed), as data to edit."""
    scenario = session.scenario.value.model_copy(update={"seed": session.seed.value})
    return scenario.model_dump(mode="json")


def _load(session: ExploreSession, data: dict, strategy: str, what: str) -> bool:
    """Load the edited scenario as the session's file (validated as a file); select `strategy`."""
    text = f"# {data.get('name', 'scenario')}: {what} in the front end\n" + scenario_to_yaml(
        type(session.scenario.value).model_validate(data)
    )
    if not session.load_text(text, session.origin.value, session.source_dir, session.confined, strategy):
        return False
    session.notice.value = f"{what}: the market was rebuilt and the run restarted at step 0"
    return True


def add_strategy(session: ExploreSession, name: str, copy_of: str | None = None) -> bool:
    """A new strategy `name`, empty or a copy of `copy_of`'s levers and budget; False (problem shown) if refused."""
    data = _edited(session)
    names = [s["name"] for s in data["strategies"]]
    if not NAME.match(name or ""):
        session.errors.value = [f"strategy name {name!r}: use letters, digits, '_' and '-' (at most 64)"]
        return False
    if name in names:
        session.errors.value = [f"strategy name {name!r}: the scenario already has it ({', '.join(names)})"]
        return False
    template = next((s for s in data["strategies"] if s["name"] == copy_of), None)
    strategy = {**template, "name": name, "description": f"copy of {copy_of}"} if template else {"name": name}
    data["strategies"].append(strategy)
    return _load(session, data, name, f"strategy {name} added")


def remove_strategy(session: ExploreSession, name: str) -> bool:
    """Remove a strategy (not the baseline); False (problem shown) if refused."""
    data = _edited(session)
    if name == session.scenario.value.baseline_name:
        session.errors.value = [f"strategy {name!r} is the baseline: choose another baseline before removing it"]
        return False
    data["strategies"] = [s for s in data["strategies"] if s["name"] != name]
    return _load(session, data, session.scenario.value.baseline_name, f"strategy {name} removed")


def add_lever(session: ExploreSession, strategy: str, kind: str) -> bool:
    """Add a lever of `kind`, with its settings' defaults, to `strategy`; False (problem shown) if refused."""
    if kind not in LEVER_KINDS:
        session.errors.value = [f"lever kind {kind!r} is not allowed; allowed: {', '.join(LEVER_KINDS)}"]
        return False
    data = _edited(session)
    lever = LEVER_KINDS[kind].model_validate({"kind": kind}).model_dump(mode="json")  # its defaults
    for item in data["strategies"]:
        if item["name"] == strategy:
            item["levers"] = [*item.get("levers", []), lever]
    return _load(session, data, strategy, f"lever {kind} added to {strategy}")


def remove_lever(session: ExploreSession, strategy: str, index: int) -> bool:
    """Remove the strategy's lever at `index` (0-based); False (problem shown) if refused."""
    data = _edited(session)
    levers: list = next((s.setdefault("levers", []) for s in data["strategies"] if s["name"] == strategy), [])
    if not 0 <= index < len(levers):
        session.errors.value = [f"strategy {strategy!r} has no lever {index + 1}"]
        return False
    kind = levers.pop(index)["kind"]
    return _load(session, data, strategy, f"lever {kind} removed from {strategy}")


@solara.component
def ScenarioEditor(session: ExploreSession):
    """Sidebar: add a strategy (empty or a copy of the shown one), remove it, add and remove its levers."""
    name, set_name = solara.use_state("")
    kind, set_kind = solara.use_state(next(iter(LEVER_KINDS)))
    scenario = session.scenario.value
    strategy = shown_strategy(session)
    chosen = scenario.strategy(strategy)
    with solara.Details("Edit strategies and levers", expand=False):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.InputText("New strategy name", value=name, on_value=set_name, continuous_update=True)
            solara.Button("Add empty", on_click=lambda: add_strategy(session, name.strip()), text=True)
            solara.Button(
                f"Add copy of {strategy}", on_click=lambda: add_strategy(session, name.strip(), strategy), text=True
            )
        if strategy != scenario.baseline_name:
            solara.Button(f"Remove {strategy}", on_click=lambda: remove_strategy(session, strategy), text=True)
        with solara.Row(style={"align-items": "center"}):
            solara.Select("Lever", values=list(LEVER_KINDS), value=kind, on_value=set_kind)
            solara.Button(f"Add to {strategy}", on_click=lambda: add_lever(session, strategy, kind), text=True)
        for index, lever in enumerate(chosen.levers):
            solara.Button(
                f"Remove lever {index + 1} ({lever.kind})",
                on_click=lambda index=index: remove_lever(session, strategy, index),
                text=True,
            )
