"""Fit the customers' talk rate to the patterns word of mouth must carry, after talk became role-based.

With non-customers talking ``hearsay_talk_ratio`` = 1/7 as often as customers (Banerjee et al. 2013),
``talk_rate`` is a customer's rate, and the market's word of mouth is no longer what the earlier value was
chosen for. This script measures, on a grid of talk rates, the targets of the joint fit
(``simulation.calibration.patterns.TARGETS``) that word of mouth moves and that are cheap to measure:
first-year adopters (Bass at the meta-analysis means), trust halved (>= 10% fewer adopters) and word of
mouth's elasticity against advertising's (Trusov et al. 2009, >= 3 times); with the two talk patterns of
``simulation.validation.talk`` (customers' talk per consumer against aware non-customers', Banerjee et al.
2013, [3.5, 14]; positive against negative messages, East et al. 2007, [2, 4]); every candidate on the same
seeds (patterns.evaluate, talk.talk_tallies). The fitted rate is the one with the smallest D = sum of squared distances; where
several fit every target (D = 0), the one nearest the middle of the closed bands, C = sum over targets with
both bounds of ((x - (L + H) / 2) / (H - L))^2 (here: first-year adopters nearest the Bass curve at the
meta-analysis means). It writes every candidate's values and distances and the fitted rate to
docs/validation/fit-talk-rate.json:

    .venv/bin/python scripts/fit_talk_rate.py [--replications R] [--rates 12,24,...]

It changes no default; the parameter table cites the file for the value it ships.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_NAMES = ("first_year_adopters", "trust_halved", "word_of_mouth_ratio")


RATES = (12.0, 24.0, 48.0, 72.0, 84.0, 90.0, 96.0, 102.0, 108.0, 114.0, 120.0, 132.0, 144.0, 192.0, 240.0)


def main(argv=None) -> int:
    from simulation.calibration import patterns

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--rates", default=",".join(f"{r:g}" for r in RATES))
    parser.add_argument("--out", default=str(ROOT / "docs" / "validation" / "fit-talk-rate.json"))
    args = parser.parse_args(argv)
    from simulation.scenario.loader import load_scenario
    from simulation.validation import talk
    from simulation.validation.ablations import scenario_overrides

    talk_targets = (  # the bands of the talk checks themselves (simulation/validation/talk.py)
        patterns.Target(
            "customer_to_hearsay", "talk", "customer_to_hearsay", 0, *talk.BANERJEE, "Banerjee et al. 2013"
        ),
        patterns.Target("positive_to_negative", "talk", "positive_to_negative", 0, *talk.EAST, "East et al. 2007"),
    )
    measured = tuple(t for t in patterns.TARGETS if t.name in TARGET_NAMES)
    targets = measured + talk_targets
    scenario = ROOT / "scenarios" / "default.yaml"
    history = []
    for rate in sorted(float(r) for r in args.rates.split(",")):
        values = patterns.evaluate(scenario, {"talk_rate": rate}, args.replications, measured)
        market = load_scenario(scenario, scenario_overrides({"talk_rate": rate}))
        tallies = talk.talk_tallies(market, args.replications)
        values |= {t.name: float(tallies[t.column].mean()) for t in talk_targets}
        distance, distances = patterns.score(values, targets)
        off_centre = sum(
            ((values[t.name] - (t.low + t.high) / 2) / (t.high - t.low)) ** 2
            for t in targets
            if math.isfinite(t.low) and math.isfinite(t.high)
        )
        history.append(
            {
                "talk_rate": rate,
                "distance": distance,
                "off_centre": off_centre,
                "values": values,
                "distances": distances,
            }
        )
        print(f"talk_rate {rate:g}: D = {distance:.4f} {values}", flush=True)
    best = min(history, key=lambda h: (h["distance"], h["off_centre"]))
    result = {
        "scenario": "scenarios/default.yaml",
        "free": "talk_rate (grid)",
        "replications": args.replications,
        "seeds": f"1..{args.replications} (every candidate)",
        "targets": [{"name": t.name, "low": t.low, "high": t.high, "source": t.source} for t in targets],
        "history": history,
        "best": best,
    }
    Path(args.out).write_text(json.dumps(result, indent=2, allow_nan=True) + "\n", encoding="utf-8")
    print(f"best talk_rate {best['talk_rate']:g} (D = {best['distance']:.4f}); wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
