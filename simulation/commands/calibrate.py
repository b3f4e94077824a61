"""Fit the Bass model, or a scenario's parameters of the full model, to a sales history.

run.py calibrate --data SALES.csv [--product NAME | --column NAME] [--period year]
    Bass (1969) fits: nonlinear least squares with standard errors and Bass's OLS discrete form;
    a plot of both against the data, and the scenario settings that make the simulator
    reproduce the fitted curve (written as bass_scenario.yaml).
run.py calibrate SCENARIO --data SALES.csv --fit purchase.p --fit purchase.q [--replications 4]
    simulation-based fit of the named parameters (common random numbers, R replications per
    evaluation on every core, the Nelder-Mead simplex); reports whether it converged, the fitted values
    with 95% intervals, the fit's error and the fitted scenario file.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..calibration.abm_fit import fit_scenario, fittable_parameter
from ..calibration.bass import bass_cumulative, fit_bass_nls, fit_bass_ols, load_sales_series
from ..parameters import PARAMETERS, TIME_UNITS
from ..scenario import ScenarioError
from ..scenario.loader import load_scenario, parse_scenario, scenario_to_yaml
from ..scenario.paths import folder_name
from ..validation.bass_reduction import BASS_SETTINGS
from .common import (
    MAX_COUNT,
    MAX_REPLICATIONS,
    ROOT,
    add_allow_long_argument,
    add_jobs_argument,
    add_out_arguments,
    check_run_time,
    claim_folder,
    fail,
    finished,
    whole_number,
    writing,
)

SIMULATION_UNIT = "month"  # step length of the Bass scenario written from a fit


def add_arguments(parser) -> None:
    parser.add_argument(
        "scenario", nargs="?", default=None, help="scenario to calibrate with --fit (omit for the Bass fit)"
    )
    parser.add_argument("--data", required=True, help="CSV of sales per period (long: product,year,sales...; or wide)")
    parser.add_argument("--column", default=None, help="sales column (default: the only column starting with 'sales')")
    parser.add_argument("--product", default=None, help="product to fit, for files with a 'product' column")
    parser.add_argument(
        "--period", default="year", choices=list(TIME_UNITS), help="length of one data period (default: year)"
    )
    parser.add_argument(
        "--fit",
        action="append",
        default=[],
        metavar="SECTION.NAME",
        help="scenario parameter to fit, e.g. purchase.q (repeatable; needs SCENARIO)",
    )
    parser.add_argument(
        "--replications",
        type=whole_number(1, MAX_REPLICATIONS),
        default=4,
        help="simulations per evaluation in the --fit search (default 4)",
    )
    parser.add_argument(
        "--max-evaluations",
        type=whole_number(1, MAX_COUNT),
        default=200,
        help="evaluation budget of the --fit search (default 200)",
    )
    add_allow_long_argument(parser)
    add_jobs_argument(
        parser, "worker processes for the replications of each --fit evaluation (the fit is the same for any number)"
    )
    parser.add_argument(
        "--market-size",
        type=float,
        default=None,
        help="whole market in the data's units for --fit (default: the Bass NLS estimate of m)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a field of SCENARIO before fitting (repeatable)",
    )
    add_out_arguments(parser, "results/calibrate-<name>/")


def _series(args):
    try:
        series = load_sales_series(args.data, column=args.column, product=args.product)
    except (OSError, ValueError) as error:
        # The library names its Python arguments; on the command line they are flags.
        fail(f"--data: {error}".replace("pass product=", "pass --product").replace("pass column=", "pass --column"))
    if series.size < 4:
        fail(f"--data {args.data}: {series.size} periods of sales; the Bass fits need at least 4")
    return series


FIT_KEPT = "the fit is printed above"


def _out(args, name: str) -> Path:
    if args.out:
        return Path(args.out)  # claimed before the fit (main)
    out = ROOT / "results" / f"calibrate-{folder_name(name)}"
    out.mkdir(parents=True, exist_ok=True)
    return out


def _fit_line(fit) -> str:
    return (
        f"  {fit.method.upper():4s} p = {fit.p:.4f} (se {fit.p_se:.4f})   q = {fit.q:.4f} (se {fit.q_se:.4f})   "
        f"m = {fit.m:,.0f} (se {fit.m_se:,.0f})   peak at t = {fit.peak_time:.1f}   RMSE {fit.rmse:,.1f}   R^2 {fit.r_squared:.3f}"
    )


def text_plot(labels, data, curves: dict, width: int = 50) -> str:
    """Sales per period as a text chart: '#' bars for the data, a letter per fitted curve."""
    top = max(float(np.max(data)), *(float(np.max(c)) for c in curves.values())) or 1.0
    lines = [f"{'':>6} {'data':>9}  (#: data; " + ", ".join(f"{k[0]}: {k}" for k in curves) + ")"]
    for i, label in enumerate(labels):
        row = [" "] * (width + 1)
        for j in range(int(round(data[i] / top * width))):
            row[j] = "#"
        for name, curve in curves.items():
            row[int(round(curve[i] / top * width))] = name[0]
        lines.append(f"{str(label):>6} {data[i]:>9,.0f}  |" + "".join(row))
    return "\n".join(lines)


def plot_fits(path: Path, labels, data, curves: dict, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(data))
    ax.bar(x, data, color="lightgrey", label="data")
    for name, curve in curves.items():
        ax.plot(x, curve, marker=".", label=name)
    ax.set_xticks(x, [str(v) for v in labels], rotation=45, fontsize=7)
    ax.set_ylabel("sales per period")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def bass_scenario_yaml(fit, periods: int, period: str, name: str) -> str:
    """A scenario whose simulated adoption reproduces the fitted Bass curve (the Bass reduction settings).

    Rates become per year (p / period length); one consumer stands for one unit of the data, so the
    market has round(m) consumers; the run covers the data's periods in monthly steps.
    """
    years = TIME_UNITS[period]
    steps = int(math.ceil(periods * years / TIME_UNITS[SIMULATION_UNIT]))
    sections: dict = {}
    values = {**BASS_SETTINGS, "p": fit.p / years, "q": fit.q / years, "n_consumers": max(2, int(round(fit.m)))}
    for key, value in values.items():
        parameter = PARAMETERS[key]
        sections.setdefault(parameter.group, {})[parameter.scenario_key] = value
    lines = [
        f"# Bass fit ({fit.method}) of {name}: p = {fit.p:.4g}, q = {fit.q:.4g} per {period}, m = {fit.m:.4g}.",
        "# Simulator settings that reduce the model to Bass (see docs/VALIDATION.md); one consumer = one unit.",
        f"name: bass_{name}",
        f"description: Bass fit of {name}",
        f"time_unit: {SIMULATION_UNIT}",
        f"horizon: {steps}",
        "seed: 1",
        "replications: 10",
        "strategies:",
        "  - name: baseline",
    ]
    for section, items in sections.items():
        lines.append(f"{section}:")
        for key, value in items.items():
            text = ".inf" if value == float("inf") else (f"{value:.6g}" if isinstance(value, float) else str(value))
            lines.append(f"  {key}: {text}")
    return "\n".join(lines) + "\n"


def main_bass(args) -> int:
    series = _series(args)
    name = args.product or series.name or "sales"
    sales = series.to_numpy()
    labels = list(series.index)
    try:
        nls = fit_bass_nls(sales)
    except ValueError as error:
        fail(f"--data {args.data}: {error}")
    try:
        ols = fit_bass_ols(sales)
    except ValueError as error:
        ols = None
        print(f"OLS discrete form: not estimable: {error}")
    print(f"{name}: {sales.size} periods ({args.period}s), total sales {sales.sum():,.0f}")
    print(f"Bass (1969) fits, rates per {args.period}:")
    print(_fit_line(nls) + "   (nonlinear least squares, Srinivasan & Mason 1986)")
    if ols is not None:
        print(_fit_line(ols) + "   (OLS on the discrete form, Bass 1969)")
    t = np.arange(1, sales.size + 1, dtype=float)
    curves = {"nls": nls.fitted}
    if ols is not None:
        curves["ols"] = ols.fitted
    print()
    print(text_plot(labels, sales, curves))
    scenario_text = bass_scenario_yaml(nls, sales.size, args.period, name)
    parse_scenario(scenario_text, "bass_scenario.yaml")  # what we write must load
    share = bass_cumulative(t, nls.p, nls.q)[-1]
    print()
    print(
        f"Scenario settings that reproduce the NLS curve (the Bass reduction; {share:.0%} of the market adopted by the last period):"
    )
    print(
        f"  purchase.p = {nls.p / TIME_UNITS[args.period]:.5g} per year, purchase.q = {nls.q / TIME_UNITS[args.period]:.5g} per year, "
        f"market.n_consumers = {max(2, int(round(nls.m))):,} (one consumer per unit of the data), network.kind = complete,"
    )
    print("  opinions, trust and interest neutral (see the file).")
    out = _out(args, name)
    with writing(out, kept=FIT_KEPT) as staged:  # the fit is printed above: a failed write loses nothing
        plot_fits(staged / "bass_fit.png", labels, sales, curves, f"Bass fits: {name}")
        (staged / "bass_scenario.yaml").write_text(scenario_text, encoding="utf-8")
    print(f"wrote {out / 'bass_fit.png'}")
    print(f"wrote {out / 'bass_scenario.yaml'}")
    return 0


def main_abm(args) -> int:
    try:
        scenario = load_scenario(args.scenario, args.overrides)
    except ScenarioError as error:
        fail("scenario not valid:\n  " + "\n  ".join(error.problems))
    for path in args.fit:
        try:
            fittable_parameter(path)
        except ValueError as error:
            fail(str(error))
    if args.replications < 1:
        fail(f"--replications {args.replications}: expected a whole number >= 1")
    series = _series(args)
    sales = series.to_numpy()
    runs = (args.max_evaluations + 2 * len(args.fit)) * args.replications  # evaluations, then the intervals' steps
    check_run_time(args, scenario, runs, args.jobs, strategies=[scenario.strategy(scenario.baseline_name)])
    market = args.market_size
    if market is None:
        market = fit_bass_nls(sales).m
        print(f"market size: {market:,.0f} (Bass NLS estimate of m; set --market-size to choose)")

    from tqdm import tqdm

    bar = tqdm(total=args.max_evaluations + 2 * len(args.fit), unit="evaluation", desc="fit")

    def progress(evaluation, values, objective):
        bar.update(evaluation - bar.n)
        shown = ", ".join(f"{k.split('.')[-1]}={v:.4g}" for k, v in values.items())
        bar.set_postfix_str(f"{shown} RMSE {math.sqrt(objective / sales.size):.3%}")

    print(
        f"fitting {', '.join(args.fit)} of {scenario.name} to {sales.size} {args.period}s of sales "
        f"({args.replications} replications per evaluation, seeds {scenario.seed}..{scenario.seed + args.replications - 1})"
    )
    try:
        fit = fit_scenario(
            scenario,
            sales,
            args.fit,
            period=args.period,
            market_size=market,
            replications=args.replications,
            max_evaluations=args.max_evaluations,
            progress=progress,
            jobs=args.jobs,
        )
    except ValueError as error:
        fail(str(error))
    finally:
        bar.close()
    print(fit.summary())
    for path, value in fit.values.items():
        low, high = fit.intervals.get(path, (math.nan, math.nan))
        print(f"  {path:30s} {fit.start[path]:>10.4g} -> {value:.4g}   95% interval [{low:.4g}, {high:.4g}]")
    print(
        f"  optimiser: {fit.message}"
        + ("" if fit.converged else f" -- not converged: raise --max-evaluations (now {args.max_evaluations})")
    )
    curves = {"simulated": fit.simulated}
    print(text_plot(list(series.index), sales, curves))
    out = _out(args, scenario.name)
    with writing(out, kept=FIT_KEPT) as staged:  # the fitted values are printed above: a failed write loses nothing
        title = f"{scenario.name}: fitted {', '.join(args.fit)}"
        plot_fits(staged / "abm_fit.png", list(series.index), sales, curves, title)
        (staged / "fitted_scenario.yaml").write_text(scenario_to_yaml(fit.scenario), encoding="utf-8")
    print(f"wrote {out / 'abm_fit.png'}")
    print(f"wrote {out / 'fitted_scenario.yaml'}")
    return 0


def main(args) -> int:
    if args.fit and not args.scenario:
        fail(
            "--fit needs a SCENARIO to calibrate, e.g. run.py calibrate scenarios/default.yaml --data SALES.csv --fit purchase.q"
        )
    if args.scenario and not args.fit:
        fail(
            f"{args.scenario}: name the parameters to fit with --fit SECTION.NAME (or omit the scenario for the Bass fit)"
        )
    if args.out:
        claim_folder(Path(args.out), args.overwrite, command="calibrate")  # refused before the work if not free
    code = main_abm(args) if args.fit else main_bass(args)
    if args.out:
        finished(Path(args.out))
    return code
