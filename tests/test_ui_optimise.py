"""Front end for issue 14, rendered without a browser: the Optimise view runs the optimiser and shows the
best mix, its verdict and the Pareto front; listening events appear in the Explore and Compare views."""

from __future__ import annotations

import warnings
from pathlib import Path

import ipyvuetify as v
import pytest
import solara
import yaml
from ui_support import texts

from simulation.ui.compare_session import CompareSession
from simulation.ui.optimise_view import OptimiseSession
from simulation.ui.page import Page
from simulation.ui.session import ExploreSession

pytest.importorskip("optuna")
warnings.filterwarnings("ignore", message=".*experimental.*")
ROOT = Path(__file__).resolve().parents[1]

LISTENING = {
    "name": "listen",
    "description": "answer reviews from the first reading on",
    "listening": {"lag": 0, "sample": None},
    "levers": [{"kind": "review_response", "when": {"metric": "adopters", "above": -1}}],
}


def write_scenario(folder: Path, n=500, horizon=8) -> Path:
    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["market"]["n_consumers"] = n
    data["horizon"] = horizon
    data["strategies"] = [*data["strategies"][:3], LISTENING]
    path = folder / "small.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def page(tmp_path):
    session = ExploreSession(str(write_scenario(tmp_path)))
    compare, optimise = CompareSession(), OptimiseSession()
    box, rc = solara.render(Page(session=session, compare=compare, optimise=optimise), handle_error=False)
    yield session, compare, optimise, rc
    rc.close()


def test_optimise_view_runs_and_shows_the_best_mix_and_front(page):
    session, _, optimise, rc = page
    optimise.budget.value = 800.0
    optimise.levers.value = ["advertising", "seeding"]
    optimise.risk.value = True
    optimise.trials.value = 5
    optimise.replications.value = 10
    optimise.validate.value = 3
    rc.find(v.Btn, children=["Optimise"]).widget.click()
    optimise.thread.join(timeout=120)
    assert not optimise.running.value and optimise.error.value == ""
    result = optimise.result.value
    assert len(result.trials) == 5 and optimise.progress.value == (5, 5)
    assert not result.pareto.empty
    shown = "\n".join(texts(rc))
    assert result.verdict in shown and "best hand-written strategy" in result.verdict
    assert result.best["strategy"]["description"] in shown
    assert "Optimised mix minus each strategy" in shown
    assert len(rc.find(v.Btn, children=["Optimise"]).widgets) == 1


def test_optimise_view_shows_bad_settings_without_running(page):
    _, _, optimise, rc = page
    optimise.levers.value = []
    rc.find(v.Btn, children=["Optimise"]).widget.click()
    assert optimise.thread is None and "--levers: name at least one lever kind" in optimise.error.value


def test_listening_events_in_explore_and_compare(page):
    session, compare, _, rc = page
    rc.find(v.Select, label="Strategy").widget.v_model = "listen"
    for _ in range(3):
        rc.find(v.Btn, children=["Step"]).widget.click()
    assert any("Listening: 1 events" in t for t in texts(rc))
    compare.replications.value = 2
    rc.find(v.Btn, children=["Run comparison"]).widget.click()
    compare.thread.join(timeout=120)
    shown = "\n".join(texts(rc))
    assert "Listening strategies: when triggers fired" in shown and "2 of 2" in shown
