"""What listening strategies did, for the Explore and Compare views: triggers fired or stopped, budget moved."""

from __future__ import annotations

import pandas as pd
import solara

from ..experiment.events import budget_summary, trigger_summary
from .text import Heading, TextTable


@solara.component
def RunEvents(events: list[dict]):
    """One run's event log (Explore view): nothing if the strategy does not listen."""
    if not events:
        return
    frame = pd.DataFrame(events)[["step", "lever", "kind", "event", "detail"]]
    with solara.Details(f"Listening: {len(frame)} events (triggers, budget moves)", expand=False):
        TextTable(frame.set_index("step"), index_title="step")


@solara.component
def ComparisonEvents(events: pd.DataFrame, replications: int):
    """Over a comparison's replications: when triggers fired and how budget moved (Compare view)."""
    if events is None or events.empty:
        return
    triggers = trigger_summary(events, replications)
    if not triggers.empty:
        Heading("Listening strategies: when triggers fired (the lever started) or stopped")
        TextTable(triggers.set_index("strategy"), index_title="strategy")
    budget = budget_summary(events)
    if not budget.empty:
        Heading("Budget reallocation: mean share of the remaining budget at each split (step)")
        TextTable(budget, index_title="strategy, lever")
