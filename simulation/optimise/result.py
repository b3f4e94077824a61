"""What an optimisation found, checked fairly: the best mix against the scenario's own strategies on fresh
replications, the Pareto front, parameter importances, a written verdict and an HTML report.

The search picks the best of many mixes on the same R replications, so its own figure is optimistic
(the winner's curse). The best mix is therefore compared with every hand-written strategy of the
scenario on V fresh replications (seeds seed + R .. seed + R + V - 1, common random numbers between the
strategies), through ``experiment.compare.run_comparison``: the paired differences and their 95%
t-intervals are the figures the verdict states.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..experiment.compare import Comparison, run_comparison
from ..experiment.report import _png, _pyplot, _table
from ..experiment.stats import paired_difference
from ..kpis import format_interval, format_value
from ..kpis import kpi as find_kpi
from ..scenario.loader import scenario_to_yaml
from .evaluate import OBJECTIVES
from .study import OptimiseSettings, best_trial, completed, trial_strategy

BEST = "optimised"


@dataclass
class OptimisationResult:
    scenario: Any
    settings: OptimiseSettings
    trials: pd.DataFrame  # one row per finished trial: number, objective values, parameters
    best: dict  # number, values, strategy (dict)
    pareto: pd.DataFrame  # trials on the Pareto front (two objectives), else empty
    importances: dict  # parameter -> importance for the mean objective (fANOVA), {} if not computable
    comparison: Comparison | None  # the best mix and the scenario's strategies on fresh replications
    versus: pd.DataFrame  # paired difference of the best mix against each hand-written strategy
    verdict: str
    storage: str
    study_name: str
    ran_now: int  # trials run by this invocation (the rest were loaded from storage)

    def write(self, out) -> dict[str, Path]:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            name: out / name
            for name in (
                "trials.csv",
                "best_strategy.yaml",
                "scenario_optimised.yaml",
                "result.json",
                "versus.csv",
                "report.html",
            )
        }
        self.trials.to_csv(paths["trials.csv"], index=False)
        paths["best_strategy.yaml"].write_text(yaml.safe_dump(self.best["strategy"], sort_keys=False), encoding="utf-8")
        paths["scenario_optimised.yaml"].write_text(
            "# The scenario with the optimised mix added as the strategy 'optimised' (e.g. for run.py robust).\n"
            + scenario_to_yaml(with_best(self.scenario, self.best["strategy"])),
            encoding="utf-8",
        )
        self.versus.to_csv(paths["versus.csv"], index=False)
        summary = {
            "objective": self.settings.names,
            "budget": self.settings.budget,
            "levers": list(self.settings.levers),
            "trials": len(self.trials),
            "trials_run_now": self.ran_now,
            "replications": self.settings.replications,
            "best": {k: v for k, v in self.best.items()},
            "importances": self.importances,
            "verdict": self.verdict,
            "storage": self.storage,
            "study_name": self.study_name,
        }
        paths["result.json"].write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        if self.comparison is not None:
            self.comparison.write(out / "validation")
        paths["report.html"].write_text(render_report(self), encoding="utf-8")
        return paths


def with_best(scenario, strategy: dict):
    """The scenario with the optimised mix added as a strategy (replacing one of the same name)."""
    from ..marketing.strategy import Strategy

    others = [s for s in scenario.strategies if s.name != BEST]
    return scenario.model_copy(update={"strategies": [*others, Strategy.model_validate({**strategy, "name": BEST})]})


def trials_frame(study, settings: OptimiseSettings) -> pd.DataFrame:
    rows = []
    for trial in completed(study):
        row = {"trial": trial.number}
        for name, value in zip(settings.names, trial.values):
            row[name] = value
        row.update(trial.params)
        row["strategy"] = trial_strategy(trial).description
        rows.append(row)
    return pd.DataFrame(rows).sort_values("trial").reset_index(drop=True) if rows else pd.DataFrame()


def importances(study, settings: OptimiseSettings) -> dict:
    import optuna

    try:
        found = optuna.importance.get_param_importances(
            study, target=lambda t: t.values[0], evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0)
        )
    except (ValueError, RuntimeError):  # too few trials, or nothing varied
        return {}
    return {name: float(value) for name, value in found.items()}


def versus_table(comparison: Comparison, objective: str) -> pd.DataFrame:
    """Paired difference of the best mix against every other strategy, on the objective and on spend."""
    runs = comparison.runs
    kpi = OBJECTIVES[objective]
    best = runs[runs["strategy"] == BEST].set_index("replication").sort_index()
    rows = []
    for name in comparison.strategies:
        if name == BEST:
            continue
        other = runs[runs["strategy"] == name].set_index("replication").reindex(best.index)
        diff = paired_difference(best[kpi].to_numpy(), other[kpi].to_numpy())
        rows.append(
            {
                "strategy": name,
                f"mean {kpi}": float(other[kpi].mean()),
                "spend": float(other["spend"].mean()),
                "difference": diff.mean,
                "low": diff.low,
                "high": diff.high,
                "n": diff.n,
            }
        )
    return pd.DataFrame(rows)


def verdict_text(versus: pd.DataFrame, comparison: Comparison, objective: str, budget: float) -> str:
    """Whether the best mix beats the best hand-written strategy, by how much, with the interval."""
    kpi = OBJECTIVES[objective]
    if versus.empty:
        return "The scenario has no hand-written strategy to compare the optimised mix with."
    means = versus.set_index("strategy")[f"mean {kpi}"]
    rival = str(means.idxmax())
    row = versus.set_index("strategy").loc[rival]
    best_runs = comparison.runs[comparison.runs["strategy"] == BEST]
    n = int(row["n"])
    unit = _unit(kpi, comparison.currency)
    money = _unit("spend", comparison.currency)
    interval = format_interval(kpi, row["difference"], row["low"], row["high"], signed=True) + unit
    mine = format_value(kpi, float(best_runs[kpi].mean())) + unit
    theirs = format_value(kpi, float(means[rival])) + unit
    spend = format_value("spend", float(best_runs["spend"].mean())) + money
    head = (
        f"On {n} fresh replications (not those the search used), the optimised mix (budget "
        f"{format_value('spend', budget)}{money}, spent {spend} on average) has mean {kpi} {mine}; the best "
        f"hand-written strategy, {rival}, has {theirs}. "
    )
    if row["low"] > 0:
        return head + f"The optimised mix beats it by {interval} (paired difference, 95% CI)."
    if row["high"] < 0:
        # Worse by a positive amount: the rival's lead, rival - mix, with its interval.
        lead = format_interval(kpi, -row["difference"], -row["high"], -row["low"]) + unit
        return head + f"The optimised mix does NOT beat it: it is worse by {lead} (paired difference, 95% CI)."
    return head + (
        f"The optimised mix does NOT beat it distinguishably: the difference is {interval} (paired difference, "
        "95% CI, which includes 0)."
    )


def _unit(kpi: str, currency: str | None) -> str:
    """' USD' after money, ' consumers' after counts."""
    text = find_kpi(kpi).unit_text(currency)
    return f" {text}" if text and find_kpi(kpi).unit in ("money", "consumers") else ""


def _number(value) -> str:
    """A setting as a strategist reads it: 168.97586504011807 -> 169, 0.123456 -> 0.1235, 5 -> 5."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def lever_table(strategy: dict) -> pd.DataFrame:
    """The best mix's levers as a table: one row per lever, its settings in words (unset ones left out)."""
    rows = []
    for index, lever in enumerate(strategy.get("levers", []), start=1):
        settings = [
            f"{name.replace('_', ' ')} {_number(value)}"
            for name, value in lever.items()
            if name != "kind" and value is not None
        ]
        rows.append({"lever": f"{index}. {lever.get('kind', '?')}", "settings": "; ".join(settings)})
    frame = pd.DataFrame(rows, columns=["lever", "settings"])
    return frame.set_index("lever")


def summarise(
    scenario, settings, study, storage: str, ran_now: int, validation_replications: int, jobs: int = 1, progress=None
):
    """The result of a finished study (see the module docstring)."""
    trials = trials_frame(study, settings)
    if trials.empty:
        raise RuntimeError("no trial finished: nothing to report (see the errors above)")
    chosen = best_trial(study, settings)
    strategy = trial_strategy(chosen).model_dump(mode="json")
    pareto = pd.DataFrame()
    if settings.risk:
        front = sorted(study.best_trials, key=lambda t: t.values[0])
        pareto = pd.DataFrame(
            [
                {"trial": t.number, **dict(zip(settings.names, t.values)), "strategy": trial_strategy(t).description}
                for t in front
            ]
        )
    comparison, versus, verdict = None, pd.DataFrame(), ""
    if validation_replications > 0:
        fresh = with_best(scenario, strategy).model_copy(update={"seed": scenario.seed + settings.replications})
        comparison = run_comparison(fresh, validation_replications, jobs=jobs, progress=progress)
        versus = versus_table(comparison, settings.objective)
        verdict = verdict_text(versus, comparison, settings.objective, settings.budget)
    return OptimisationResult(
        scenario=scenario,
        settings=settings,
        trials=trials,
        best={"trial": chosen.number, "values": dict(zip(settings.names, chosen.values)), "strategy": strategy},
        pareto=pareto,
        importances=importances(study, settings),
        comparison=comparison,
        versus=versus,
        verdict=verdict,
        storage=storage,
        study_name=study.study_name,
        ran_now=ran_now,
    )


# ---------------------------------------------------------------- report
def _history(result: OptimisationResult) -> str:
    plt = _pyplot()
    trials = result.trials
    name = result.settings.names[0]
    figure, ax = plt.subplots(figsize=(7, 4))
    ax.scatter(trials["trial"], trials[name], s=12, alpha=0.6, label="trial")
    ax.plot(trials["trial"], np.maximum.accumulate(trials[name].to_numpy()), color="black", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(f"{name} over {result.settings.replications} replications")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Optimisation history")
    return _png(figure)


def _front(result: OptimisationResult) -> str:
    plt = _pyplot()
    x, y = result.settings.names
    figure, ax = plt.subplots(figsize=(6, 4.5))
    ax.scatter(result.trials[x], result.trials[y], s=10, alpha=0.3, label="trials")
    ax.plot(result.pareto[x], result.pareto[y], "o-", color="crimson", label="Pareto front")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Mean against downside: the Pareto front")
    return _png(figure)


def _importance_figure(result: OptimisationResult) -> str:
    plt = _pyplot()
    items = sorted(result.importances.items(), key=lambda kv: kv[1])
    figure, ax = plt.subplots(figsize=(6, 0.35 * len(items) + 1))
    ax.barh([k for k, _ in items], [v for _, v in items])
    ax.set_xlabel(f"importance for {result.settings.names[0]} (fANOVA, sums to 1)")
    ax.set_title("Which settings matter")
    return _png(figure)


def render_report(result: OptimisationResult) -> str:
    s, scenario = result.settings, result.scenario
    kpi = OBJECTIVES[s.objective]
    best = result.best
    sections = [
        f"<h1>Optimised mix: {html.escape(scenario.name)}</h1>",
        f"<p><b>{html.escape(result.verdict)}</b></p>" if result.verdict else "",
        f"<p>Budget {format_value('spend', s.budget)}{_unit('spend', scenario.currency)}; levers searched: {html.escape(', '.join(s.levers))}; objective: "
        f"{html.escape(' and '.join(s.names))} ({'NSGA-II' if s.risk else 'TPE'}); {len(result.trials)} finished trials "
        f"({result.ran_now} run by this invocation, the rest loaded from the study), each on the same "
        f"{s.replications} replications (seeds {scenario.seed}..{scenario.seed + s.replications - 1}, common random numbers). "
        f"Study <code>{html.escape(result.study_name)}</code> in <code>{html.escape(result.storage)}</code>.</p>",
        "<h2>Best mix</h2>",
        f"<p>Trial {best['trial']}: {html.escape(best['strategy']['description'])}; "
        + "; ".join(f"{html.escape(k)} {format_value(kpi, v)}" for k, v in best["values"].items())
        + " over the search replications.</p>",
        _table(lever_table(best["strategy"])),
        f"<p>Budget cap {format_value('spend', best['strategy']['budget']) if best['strategy'].get('budget') is not None else 'none'}"
        f"{_unit('spend', scenario.currency)}. The exact settings are in <code>best_strategy.yaml</code> and "
        "<code>scenario_optimised.yaml</code>.</p>",
    ]
    if not result.versus.empty:
        table = result.versus.assign(
            **{
                "difference [95% CI]": [
                    format_interval(kpi, r.difference, r.low, r.high, signed=True) for r in result.versus.itertuples()
                ],
                f"mean {kpi}": [format_value(kpi, v) for v in result.versus[f"mean {kpi}"]],
                "spend": [format_value("spend", v) for v in result.versus["spend"]],
            }
        )[["strategy", f"mean {kpi}", "spend", "difference [95% CI]", "n"]].set_index("strategy")
        table.index.name = f"optimised mix minus strategy ({kpi})"
        sections += [
            "<h2>Against the scenario's strategies</h2>",
            f"<p>Paired differences on fresh replications; the full comparison (every KPI) is in "
            f"<code>validation/report.html</code>.</p>{_table(table)}",
        ]
    sections += ["<h2>Optimisation history</h2>", _history(result)]
    if not result.pareto.empty:
        front = result.pareto.copy()
        for name in s.names:
            front[name] = [format_value(kpi, v) for v in front[name]]
        sections += ["<h2>Pareto front</h2>", _front(result), _table(front.set_index("trial"))]
    if result.importances:
        sections += ["<h2>Parameter importances</h2>", _importance_figure(result)]
    body = "\n".join(x for x in sections if x)
    style = "body{font-family:sans-serif;margin:2em;color:#222} table{border-collapse:collapse;font-size:12px} th,td{border:1px solid #ccc;padding:3px 6px;text-align:right} pre{background:#f3f3f3;padding:8px}"
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(scenario.name)}: optimised mix</title><style>{style}</style></head><body>{body}</body></html>"
