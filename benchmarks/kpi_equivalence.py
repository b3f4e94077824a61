"""The engine's expected behaviour before and after a change: key KPIs of every strategy of a scenario
over paired replications, and, given a stored run of another version, the differences with Welch tests.

    .venv/bin/python benchmarks/kpi_equivalence.py --root PATH_OF_A_CHECKOUT --out before.json
    .venv/bin/python benchmarks/kpi_equivalence.py --out after.json --against before.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

KPIS = (
    "adopters",
    "aware_share",
    "mean_opinion",
    "positive_messages",
    "negative_messages",
    "review_count",
    "average_rating",
    "followers_gained",
    "profit",
    "page_readers",
)


def measure(root: Path, scenario: str, replications: int, steps: int | None) -> dict:
    sys.path.insert(0, str(root))
    from simulation.experiment.runs import build_model
    from simulation.scenario.loader import load_scenario

    sc = load_scenario(root / scenario)
    out: dict = {}
    for strategy in [s.name for s in sc.strategies]:
        rows = []
        for r in range(replications):
            model = build_model(sc, strategy, r)
            model.run(steps or sc.horizon)
            series = model.timeseries()
            row = {k: float(model.kpis[k]) for k in KPIS if k in model.kpis}
            row["positive_messages"] = float(series["positive_messages"].sum())
            row["negative_messages"] = float(series["negative_messages"].sum())
            row["profit"] = float(series["profit"].sum())
            row["page_readers"] = float(series["page_readers"].sum())
            rows.append(row)
        out[strategy] = {k: [row[k] for row in rows] for k in rows[0]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--scenario", default="scenarios/default.yaml")
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--out", required=True)
    parser.add_argument("--against")
    args = parser.parse_args()
    result = measure(Path(args.root), args.scenario, args.replications, None)
    Path(args.out).write_text(json.dumps(result))
    if not args.against:
        return
    from scipy import stats

    before = json.loads(Path(args.against).read_text())
    print(f"{'strategy':<12} {'KPI':<18} {'before':>12} {'after':>12} {'diff %':>8} {'Welch p':>8}")
    for strategy, kpis in result.items():
        for name, values in kpis.items():
            a, b = np.array(before[strategy][name]), np.array(values)
            a, b = a[np.isfinite(a)], b[np.isfinite(b)]
            p = stats.ttest_ind(a, b, equal_var=False).pvalue if a.std() + b.std() > 0 else 1.0
            rel = (b.mean() - a.mean()) / abs(a.mean()) * 100 if a.mean() else float("nan")
            print(f"{strategy:<12} {name:<18} {a.mean():>12.4g} {b.mean():>12.4g} {rel:>8.2f} {p:>8.3f}")


if __name__ == "__main__":
    main()
