"""The registries (levers, KPIs) are the one place each thing is defined; documents follow them."""

from __future__ import annotations

import math
import re
from pathlib import Path

from simulation import WordOfMouthModel
from simulation.experiment.runs import run_kpis
from simulation.kpis import RUN_KPIS, STEP_KPIS, kpi_table
from simulation.marketing.registry import LEVER_CLASSES
from simulation.marketing.table import lever_fields_table, lever_table

ROOT = Path(__file__).resolve().parents[1]


def test_model_document_has_the_generated_lever_and_kpi_tables():
    text = (ROOT / "docs" / "MODEL.md").read_text()
    assert lever_table() in text, "docs/MODEL.md's lever table is stale: python -m simulation.marketing.table"
    assert lever_fields_table() in text, "docs/MODEL.md's lever fields are stale: python -m simulation.marketing.table"
    assert kpi_table() in text, "docs/MODEL.md's KPI table is stale: python -m simulation.kpis"


def test_no_lever_is_named_in_the_engine_or_its_rules():
    for path in [ROOT / "simulation" / "model.py", *(ROOT / "simulation" / "rules").glob("*.py")]:
        text = path.read_text()
        for cls in LEVER_CLASSES:
            assert not re.search(rf"\b{cls.__name__}\b", text), f"{path.name} names the lever {cls.__name__}"


def test_every_lever_documents_itself_and_its_fields():
    for cls in LEVER_CLASSES:
        assert cls.summary and cls.cost_rule and cls.__doc__, cls.__name__
        for name, info in cls.model_fields.items():
            assert name == "kind" or info.description, f"{cls.__name__}.{name} has no description"


def test_the_recorder_and_run_kpis_produce_exactly_the_registered_kpis():
    model = WordOfMouthModel(n_consumers=500, seed=1, strategy={"levers": [{"kind": "review_response"}]}).run(3)
    frame = model.timeseries()
    assert list(frame.columns) == list(STEP_KPIS)
    kpis = run_kpis(frame, 500, "week", 0.1)
    assert list(kpis) == list(RUN_KPIS)
    for name, kpi in RUN_KPIS.items():
        if kpi.aggregation == "sum":
            assert kpis[name] == frame[kpi.source].sum()
        elif kpi.aggregation == "last":
            assert kpis[name] == frame[kpi.source].iloc[-1] or (
                math.isnan(kpis[name]) and math.isnan(frame[kpi.source].iloc[-1])
            )


def test_model_document_lists_every_setting_of_each_reduction_recipe():
    from simulation.validation.recipes import recipes

    text = (ROOT / "docs" / "MODEL.md").read_text()
    assert recipes() in text, "docs/MODEL.md's reduction recipes are stale: python -m simulation.validation.recipes"
