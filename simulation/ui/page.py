"""The whole page: the sidebar (scenario, strategy, parameters, run buttons) and the Explore, Compare and
Optimise and Sweep tabs."""

from __future__ import annotations

import solara

from .compare_session import CompareSession
from .compare_view import CompareView
from .explore_view import ExploreControls, ExploreView
from .optimise_view import OptimiseSession, OptimiseView
from .session import ExploreSession
from .sweep_view import SweepSession, SweepView
from .text import TABLE_CSS


@solara.component
def Page(
    path: str | None = None,
    session: ExploreSession | None = None,
    compare: CompareSession | None = None,
    optimise: OptimiseSession | None = None,
    sweep: SweepSession | None = None,
):
    """`path`: the scenario to open (default: WOM_SCENARIO or scenarios/default.yaml); sessions may be given (tests)."""
    given = (session, compare, optimise, sweep)
    session = solara.use_memo(lambda: given[0] or ExploreSession(path), [])
    compare = solara.use_memo(lambda: given[1] or CompareSession(), [])
    optimise = solara.use_memo(lambda: given[2] or OptimiseSession(), [])
    sweep = solara.use_memo(lambda: given[3] or SweepSession(), [])
    scenario = session.scenario.use_value()
    solara.Title("Word-of-mouth simulator")
    solara.Style(TABLE_CSS)
    # A plain two-column layout: the controls must stay visible whatever the window size.
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Column(
            style={
                "width": "360px",
                "min-width": "360px",
                "padding": "12px",
                "background": "#f7f7f7",
                "height": "100vh",
                "overflow-y": "auto",
                "position": "sticky",
                "top": "0",
            }
        ):
            solara.Markdown("## Word-of-mouth simulator")
            ExploreControls(session)
        with solara.Column(style={"flex": "1", "min-width": "0", "padding": "8px"}):
            with solara.lab.Tabs():
                with solara.lab.Tab("Explore"):
                    ExploreView(session)
                with solara.lab.Tab("Compare"):
                    CompareView(compare, scenario)
                with solara.lab.Tab("Optimise"):
                    OptimiseView(optimise, scenario)
                with solara.lab.Tab("Sweep"):
                    SweepView(sweep, session)
