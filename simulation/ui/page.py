"""The whole page: the sidebar (scenario, strategy, parameters, run buttons) and the Explore, Compare and
Optimise tabs."""

from __future__ import annotations

import solara

from .compare_session import CompareSession
from .compare_view import CompareView
from .explore_view import ExploreControls, ExploreView
from .optimise_view import OptimiseSession, OptimiseView
from .session import ExploreSession


@solara.component
def Page(
    path: str | None = None,
    session: ExploreSession | None = None,
    compare: CompareSession | None = None,
    optimise: OptimiseSession | None = None,
):
    """`path`: the scenario to open (default: WOM_SCENARIO or scenarios/default.yaml); sessions may be given (tests)."""
    given = (session, compare, optimise)
    session = solara.use_memo(lambda: given[0] or ExploreSession(path), [])
    compare = solara.use_memo(lambda: given[1] or CompareSession(), [])
    optimise = solara.use_memo(lambda: given[2] or OptimiseSession(), [])
    scenario = session.scenario.use_value()
    solara.Title("Word-of-mouth simulator")
    # A plain two-column layout: the controls must stay visible whatever the window size.
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Column(
            style={
                "width": "340px",
                "min-width": "340px",
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
