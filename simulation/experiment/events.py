"""What listening strategies did in each run: when triggers fired or stopped and how the budget moved.

Each run's ``Brand.events`` (``marketing.listening``) becomes rows of ``events`` (strategy, replication,
step, lever, kind, event, value, detail); these functions summarise them over replications for the
terminal, the report and the front end.
"""

from __future__ import annotations

import pandas as pd

from ..marketing.listening import EVENT_COLUMNS

COLUMNS = ["strategy", "replication", *EVENT_COLUMNS]


def empty_events() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def collect_events(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The events of every run in one frame, ordered by strategy, replication and step."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_events()
    events = pd.concat(frames, ignore_index=True)[COLUMNS]
    return events.sort_values(["strategy", "replication", "step"], kind="stable").reset_index(drop=True)


def trigger_summary(events: pd.DataFrame, replications: int) -> pd.DataFrame:
    """Per strategy, lever and event (fired / stopped): in how many runs, and at which step the first time
    (median and range over the runs where it happened)."""
    triggers = events[events["event"].isin(["fired", "stopped"])]
    rows = []
    for (strategy, lever, kind, event), frame in triggers.groupby(["strategy", "lever", "kind", "event"], sort=False):
        first = frame.groupby("replication")["step"].min()
        rows.append(
            {
                "strategy": strategy,
                "lever": f"{lever} ({kind})",
                "event": event,
                "runs": f"{first.size} of {replications}",
                "first step (median)": float(first.median()),
                "first step (range)": f"{int(first.min())}..{int(first.max())}",
                "times per run (mean)": round(frame.shape[0] / replications, 2),
            }
        )
    return pd.DataFrame(rows)


def budget_summary(events: pd.DataFrame) -> pd.DataFrame:
    """Mean share of the remaining budget each lever got at each reallocation step (rows: strategy and lever;
    columns: steps)."""
    moves = events[events["event"] == "budget"]
    if moves.empty:
        return pd.DataFrame()
    moves = moves.assign(lever=moves["lever"].astype(str) + " (" + moves["kind"] + ")")
    table = moves.pivot_table(index=["strategy", "lever"], columns="step", values="value", aggfunc="mean")
    return table.map(lambda v: f"{v:.0%}")


def run_events_text(events: pd.DataFrame) -> list[str]:
    """One run's events as lines for the terminal."""
    lines = []
    for row in events.itertuples(index=False):
        if row.event == "budget":
            lines.append(f"  step {row.step:>4}: budget  lever {row.lever} ({row.kind}) gets {row.detail}")
        else:
            lines.append(f"  step {row.step:>4}: {row.event:<7} lever {row.lever} ({row.kind}): {row.detail}")
    return lines
