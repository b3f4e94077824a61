"""Reduction 1: on a complete network with neutral opinions and trust, the simulator is the Bass model.

With every purchase gate at 1, external influence E = 1 and the social influence S equal to the share
F of adopters at the start of the step, a non-adopter buys in a step of length dt with probability

    1 - exp(-(p + q F_k) dt),

so the expected adopter share follows the recurrence

    F_{k+1} = F_k + (1 - F_k) (1 - exp(-(p + q F_k) dt)),     F_0 = 0,

whose limit dt -> 0 is Bass's closed form F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).
The difference between recurrence and closed form is the discretisation error; the simulated
curve is compared with the closed form within that error plus the replications' sampling error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..calibration.bass import bass_cumulative
from ..model import WordOfMouthModel
from ..parameters import TIME_UNITS
from .result import Check

# Parameters that switch off everything but Bass's two hazards (see the module docstring).
BASS_SETTINGS = dict(
    network="complete",
    contacts=1,
    reach=1.0,
    initial_awareness=1.0,
    follower_share=0.0,
    customer_share=0.0,
    initial_interest=0.5,
    awareness_decay=0.0,
    interest_decay=0.0,
    persuasion=0.0,
    interest_gain=0.0,
    follow_rate=0.0,
    talk_rate=float("inf"),
    talkativeness_dispersion=0.0,
    weak_tie_trust=1.0,
    experience_credibility=1.0,
    quality=1.0,
    quality_spread=0.0,
    experience_weight=1.0,
    opinion_spread=0.0,
    initial_opinion=0.0,
)

# Sultan, Farley & Lehmann (1990) meta-analysis means first, then a spread of other markets.
PAIRS = ((0.03, 0.38), (0.01, 0.5), (0.05, 0.2), (0.002, 0.9))
ALPHA = 0.001  # two-sided level of the sampling tolerance at each step (Student t, replications - 1 dof)


def step_times(unit: str, years: float) -> np.ndarray:
    """End time (years) of each step: t_k = (k + 1) dt."""
    dt = TIME_UNITS[unit]
    return (np.arange(int(round(years / dt))) + 1) * dt


def discrete_bass(p: float, q: float, unit: str, years: float) -> np.ndarray:
    """Expected adopter share after each step: F_{k+1} = F_k + (1 - F_k)(1 - exp(-(p + q F_k) dt))."""
    dt = TIME_UNITS[unit]
    steps = step_times(unit, years).size
    share = np.empty(steps)
    current = 0.0
    for k in range(steps):  # a scalar recurrence: cheap, and inherently sequential
        current += (1.0 - current) * -np.expm1(-(p + q * current) * dt)
        share[k] = current
    return share


def discretisation_error(p: float, q: float, unit: str, years: float) -> float:
    """max_t |F_discrete(t) - F(t)|: the error of describing the market in steps of one `unit`."""
    return float(np.max(np.abs(discrete_bass(p, q, unit, years) - bass_cumulative(step_times(unit, years), p, q))))


def simulate_curves(p: float, q: float, n: int, unit: str, years: float, replications: int, seed: int) -> np.ndarray:
    """Adopter share after each step, one row per replication (seeds seed, seed + 1, ...)."""
    steps = step_times(unit, years).size
    curves = np.empty((replications, steps))
    for r in range(replications):
        model = WordOfMouthModel(n_consumers=n, p=p, q=q, time_unit=unit, seed=seed + r, **BASS_SETTINGS)
        model.run(steps)
        curves[r] = model.timeseries()["adopters"].to_numpy() / n
    return curves


def compare_curve(p: float, q: float, n: int, unit: str, years: float, replications: int, seed: int) -> dict:
    """One (p, q, time unit) case: simulated mean curve vs closed form, with the tolerance it must meet.

    Tolerance at each step: |F_discrete - F| + t * (standard error of the mean curve) + 1/n, with t the
    Student quantile for ALPHA and replications - 1 degrees of freedom.
    """
    t = step_times(unit, years)
    curves = simulate_curves(p, q, n, unit, years, replications, seed)
    mean = curves.mean(axis=0)
    se = curves.std(axis=0, ddof=1) / np.sqrt(replications) if replications > 1 else np.zeros_like(mean)
    closed = bass_cumulative(t, p, q)
    discrete = discrete_bass(p, q, unit, years)
    z = float(stats.t.ppf(1 - ALPHA / 2, max(replications - 1, 1)))
    allowed = np.abs(discrete - closed) + z * se + 1.0 / n
    error = np.abs(mean - closed)
    return {
        "p": p,
        "q": q,
        "time_unit": unit,
        "n": n,
        "years": years,
        "replications": replications,
        "max_error": float(error.max()),
        "discretisation": float(np.abs(discrete - closed).max()),
        "max_se": float(se.max()),
        "max_error_vs_discrete": float(np.abs(mean - discrete).max()),
        "agrees": bool(np.all(error <= allowed)),
        "t": t,
        "mean": mean,
        "closed": closed,
    }


def discretisation_table(pairs=PAIRS, units=("month", "week", "day"), years: float = 10.0) -> pd.DataFrame:
    """max |F_discrete - F| for each (p, q) and step length: the price of a coarse time unit."""
    rows = [{"p": p, "q": q, **{unit: discretisation_error(p, q, unit, years) for unit in units}} for p, q in pairs]
    return pd.DataFrame(rows)


def bass_check(cases, years: float, seed: int) -> Check:
    """Every case (p, q, time unit, consumers, replications) of `cases` against Bass's closed form."""
    results = [compare_curve(p, q, n, unit, years, reps, seed) for p, q, unit, n, reps in cases]
    columns = [
        "p",
        "q",
        "time_unit",
        "n",
        "replications",
        "max_error",
        "discretisation",
        "max_se",
        "max_error_vs_discrete",
        "agrees",
    ]
    table = pd.DataFrame([{k: r[k] for k in columns} for r in results])
    worst = table.loc[table["max_error"].idxmax()]
    return Check(
        key="bass",
        title="Bass closed form vs the simulator on a complete network",
        published="With neutral opinions and trust and random mixing, adoption follows the Bass (1969) curve "
        "F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}) for any p, q.",
        simulated=f"largest max|F_sim - F| over {len(results)} cases: {worst['max_error']:.4f} "
        f"(p = {worst['p']}, q = {worst['q']}, {worst['time_unit']}ly steps; discretisation error {worst['discretisation']:.4f})",
        agrees=bool(table["agrees"].all()),
        table=table,
        settings={
            "years": years,
            "seeds": f"{seed}, {seed} + 1, ... (one per replication)",
            "consumers and replications": "per case, in the table",
        },
        notes="Simulated mean adopter share after each step vs the closed form at t = (step + 1) dt. A case agrees when at "
        f"every step |F_sim - F| <= |F_discrete - F| + t standard errors of the mean curve + 1/N (t: Student quantile at "
        f"two-sided level {ALPHA}, replications - 1 degrees of freedom), where F_discrete is "
        "the recurrence F_(k+1) = F_k + (1 - F_k)(1 - exp(-(p + q F_k) dt)) that the engine's per-step probabilities imply. "
        "Daily steps (3,652 per run) use 10,000 consumers to keep the run short; the other cases 100,000 (the tests: 20,000). "
        "The discretisation error is first order in dt (a month gives about 4.3 times a week's error) and largest for "
        "steep curves (high q/p).",
        data={
            "curves": results,
            "discretisation": discretisation_table(sorted({(c[0], c[1]) for c in cases}), years=years),
        },
    )


def figure(check: Check, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for case in check.data["curves"]:
        label = f"p={case['p']}, q={case['q']}, {case['time_unit']}"
        (line,) = ax.plot(case["t"], case["closed"], lw=1)
        ax.plot(case["t"], case["mean"], ls="none", marker=".", ms=3, color=line.get_color(), label=label)
    ax.set_xlabel("years since launch")
    ax.set_ylabel("adopter share F(t)")
    ax.set_title("Bass closed form (lines) vs simulator mean (dots)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
