"""What listening strategies did, for the Explore and Compare views: triggers fired or stopped, budget moved."""

from __future__ import annotations

import pandas as pd
import solara

from ..experiment.events import budget_summary, trigger_summary


def _markdown_table(frame: pd.DataFrame, index: bool = False) -> str:
    if index:
        frame = frame.reset_index()
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.to_numpy()]
    return "\n".join([header, rule, *rows])


@solara.component
def RunEvents(events: list[dict]):
    """One run's event log (Explore view): nothing if the strategy does not listen."""
    if not events:
        return
    frame = pd.DataFrame(events)[["step", "lever", "kind", "event", "detail"]]
    with solara.Details(f"Listening: {len(frame)} events (triggers, budget moves)", expand=False):
        solara.Markdown(_markdown_table(frame))


@solara.component
def ComparisonEvents(events: pd.DataFrame, replications: int):
    """Over a comparison's replications: when triggers fired and how budget moved (Compare view)."""
    if events is None or events.empty:
        return
    triggers = trigger_summary(events, replications)
    if not triggers.empty:
        solara.Markdown("### Listening strategies: when triggers fired (the lever started) or stopped")
        solara.Markdown(_markdown_table(triggers))
    budget = budget_summary(events)
    if not budget.empty:
        solara.Markdown("### Budget reallocation: mean share of the remaining budget at each split (step)")
        solara.Markdown(_markdown_table(budget, index=True))
