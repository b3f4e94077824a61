"""The outcome of one validation experiment, in a form both the tests and the report read."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Check:
    """One published result checked against the simulator.

    Attributes:
        key: short identifier (also the figure's file name).
        title: heading in the report.
        published: the published result, with its reference.
        simulated: the simulator's figure, in words.
        agrees: whether the simulator agrees within the stated tolerance.
        table: the detailed figures (one row per case).
        settings: sizes, seeds and replications used, so anyone can rerun it.
        notes: how the comparison is made and how the tolerance is derived.
        data: arrays for the figure.
    """

    key: str
    title: str
    published: str
    simulated: str
    agrees: bool
    table: pd.DataFrame
    settings: dict
    notes: str = ""
    data: dict = field(default_factory=dict)
    figure: str | None = None  # path of the saved figure, relative to the report
