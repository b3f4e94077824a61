"""Stylised facts: the magnitudes real markets show, measured on a scenario with paired replications.

Pattern-oriented modelling (Grimm et al. 2005): the full model must reproduce, at the right size, what
the marketing literature finds. Every measurement here runs replication r of each arm with the same seed
(common random numbers: same network, consumers and draws), so differences between arms are paired.
Elasticities are arc elasticities between an arm at x0.9 and one at x1.1 of a driver X:

    e = [(S+ - S-) / (S+ + S-)] / [(X+ - X-) / (X+ + X-)]

computed per replication and summarised with a t-interval (``experiment.stats``). Where the driver
is measured in the run (review count, average rating, messages) its measured values are used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import pandas as pd

from ..experiment.runs import scenario_network
from ..experiment.stats import Interval, t_interval
from ..marketing.seeding import Seeding
from ..marketing.strategy import Strategy
from ..model import WordOfMouthModel
from ..rules.reviews import rating_stars
from ..state import Role
from .result import Check


class AdvertisingFigures(TypedDict):
    short: float
    long: float
    range: tuple[float, float]  # both elasticities must fall inside it


# Published figures (see docs/VALIDATION.md for the references) and the ranges the model must meet.
ADVERTISING: AdvertisingFigures = {"short": 0.12, "long": 0.24, "range": (0.03, 0.35)}
REVIEWS = {"volume": 0.236, "valence": 0.417, "factor": 3.0}
WORD_OF_MOUTH = {"referrals": 0.53, "advertising": 0.05, "at_least": 3.0}
SEEDING = {"range": (2.0, 8.0)}


@dataclass
class Arm:
    """One arm of a paired experiment: what differs from the scenario's market."""

    strategy: Strategy
    params: dict
    prepare: Callable[[WordOfMouthModel], None] | None = None  # e.g. plant a first review


def run_arm(scenario, arm: Arm, replication: int, network=None) -> WordOfMouthModel:
    """Replication r of an arm, run to the scenario's horizon (network shared across arms)."""
    kwargs = scenario.model_kwargs(None, replication)
    kwargs.update(arm.params)
    kwargs["strategy"] = arm.strategy
    if network is not None:
        kwargs["social_network"] = network
    model = WordOfMouthModel(**kwargs)
    if arm.prepare is not None:
        arm.prepare(model)
    return model.run(scenario.horizon)


def paired(scenario, arms: dict[str, Arm], replications: int, measure) -> pd.DataFrame:
    """measure(model) -> dict for every arm and replication; one row per (replication, arm)."""
    rows = []
    for r in range(replications):
        network = scenario_network(scenario, r)
        for name, arm in arms.items():
            rows.append({"replication": r, "arm": name, **measure(run_arm(scenario, arm, r, network))})
    return pd.DataFrame(rows)


def arc(high, low) -> np.ndarray:
    """(high - low) / (high + low), elementwise (nan where both are 0)."""
    high, low = np.asarray(high, dtype=float), np.asarray(low, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (high - low) / (high + low)


def arc_elasticity(frame: pd.DataFrame, sales: str, driver: str) -> Interval:
    """Arc elasticity of `sales` to `driver` between arms 'high' and 'low', per replication."""
    wide = frame.pivot(index="replication", columns="arm")
    # A replication whose driver did not move has no elasticity (nan): t_interval leaves it out, its n the rest.
    with np.errstate(invalid="ignore", divide="ignore"):
        per_run = arc(wide[(sales, "high")], wide[(sales, "low")]) / arc(wide[(driver, "high")], wide[(driver, "low")])
    return t_interval(per_run)


def _fmt(interval: Interval, digits: int = 3) -> str:
    return f"{interval.mean:.{digits}f} [{interval.low:.{digits}f}, {interval.high:.{digits}f}]"


def _sales(model: WordOfMouthModel, start: int = 0, end: int | None = None) -> float:
    """New adopters (first purchases) in steps [start, end)."""
    frame = model.timeseries()
    return float(frame["new_adopters"].iloc[start:end].sum())


def _scaled_levers(strategy: Strategy, kind: str, factor: float) -> Strategy:
    """The strategy with the intensity of every lever of `kind` scaled (reach, or budget when set), and its
    budget cap with it (a cap would otherwise keep the extra spend from happening)."""
    levers = []
    for lever in strategy.levers:
        if lever.kind == kind:
            field = "budget" if getattr(lever, "budget", None) is not None else "reach"
            lever = lever.model_copy(update={field: getattr(lever, field) * factor})
        levers.append(lever)
    budget = None if strategy.budget is None else strategy.budget * factor
    return strategy.model_copy(update={"levers": levers, "budget": budget})


# ------------------------------------------------------------------ the facts
def advertising_elasticity(scenario, replications: int, strategy: str = "advertising") -> Check:
    """Sethuraman, Tellis & Briesch (2011): advertising elasticity of sales, short and long term."""
    base = scenario.strategy(strategy)
    ads = [lever for lever in base.levers if lever.kind == "advertising"]
    if not ads:
        raise ValueError(f"strategy {strategy!r} of scenario {scenario.name!r} has no advertising lever")
    start = min(lever.start for lever in ads)
    end = max(scenario.horizon if lever.end is None else lever.end for lever in ads)

    def measure(model):
        return {
            "short": _sales(model, start, end),
            "long": _sales(model),
            "spend": float(model.timeseries()["spend"].sum()),
        }

    arms = {
        "low": Arm(_scaled_levers(base, "advertising", 0.9), {}),
        "high": Arm(_scaled_levers(base, "advertising", 1.1), {}),
    }
    frame = paired(scenario, arms, replications, measure)
    short, long = arc_elasticity(frame, "short", "spend"), arc_elasticity(frame, "long", "spend")
    low, high = ADVERTISING["range"]
    agrees = low <= short.low and short.high <= high and low <= long.low and long.high <= high
    return Check(
        key="advertising_elasticity",
        title="Advertising elasticity of sales",
        published="Sethuraman, Tellis & Briesch (2011), 751 short-term estimates: mean 0.12; long-term (402): 0.24. "
        f"Required: both within [{low}, {high}].",
        simulated=f"short-term {_fmt(short)}, long-term {_fmt(long)} (95% intervals)",
        agrees=bool(agrees),
        table=pd.DataFrame(
            [
                {
                    "horizon": f"campaign (steps {start}..{end - 1})",
                    "elasticity": short.mean,
                    "low": short.low,
                    "high": short.high,
                    "published": ADVERTISING["short"],
                },
                {
                    "horizon": f"whole run ({scenario.horizon} steps)",
                    "elasticity": long.mean,
                    "low": long.low,
                    "high": long.high,
                    "published": ADVERTISING["long"],
                },
            ]
        ),
        settings=_settings(scenario, replications, strategy=strategy),
        notes="Arms: every advertising lever of the strategy at x0.9 and x1.1 of its reach (or budget); A = the run's "
        "spend; S = new adopters during the campaign (short term) or over the whole run, campaign and carry-over "
        "(long term). Interval: t-interval over replications of the per-replication arc elasticity; agreement: both "
        "intervals inside the range.",
        data={"frame": frame},
    )


def review_elasticities(scenario, replications: int, bias: float = 0.4) -> Check:
    """You, Vadakkepatt & Joshi (2015): elasticity of sales to review volume and to review valence."""
    base = scenario.strategy(scenario.baseline_name)
    propensity = scenario.reviews.review_propensity

    def measure(model):
        frame = model.timeseries()
        return {
            "sales": _sales(model),
            "volume": float(frame["review_count"].iloc[-1]),
            "valence": float(frame["average_rating"].iloc[-1]),
        }

    volume = paired(
        scenario,
        {
            "low": Arm(base, {"review_propensity": propensity * 0.9}),
            "high": Arm(base, {"review_propensity": propensity * 1.1}),
        },
        replications,
        measure,
    )
    valence = paired(
        scenario,
        {"low": Arm(base, {"rating_bias": -bias}), "high": Arm(base, {"rating_bias": bias})},
        replications,
        measure,
    )
    e_volume, e_valence = arc_elasticity(volume, "sales", "volume"), arc_elasticity(valence, "sales", "valence")
    factor = REVIEWS["factor"]

    def within(interval, published):
        return published / factor <= interval.low and interval.high <= published * factor

    agrees = within(e_volume, REVIEWS["volume"]) and within(e_valence, REVIEWS["valence"])
    return Check(
        key="review_elasticities",
        title="Elasticity of sales to review volume and valence",
        published="You, Vadakkepatt & Joshi (2015), 51 studies: volume 0.236, valence 0.417. Required: each within a "
        "factor of 3 of its published value (Babic Rosario et al. 2016 find volume the stronger in correlations, "
        "so their order is not required).",
        simulated=f"volume {_fmt(e_volume)}, valence {_fmt(e_valence)} (95% intervals)",
        agrees=bool(agrees),
        table=pd.DataFrame(
            [
                {
                    "driver": "review volume (ratings at the horizon)",
                    "elasticity": e_volume.mean,
                    "low": e_volume.low,
                    "high": e_volume.high,
                    "published": REVIEWS["volume"],
                },
                {
                    "driver": "review valence (average rating at the horizon)",
                    "elasticity": e_valence.mean,
                    "low": e_valence.low,
                    "high": e_valence.high,
                    "published": REVIEWS["valence"],
                },
            ]
        ),
        settings=_settings(scenario, replications, propensity=propensity, rating_bias=f"+-{bias} stars"),
        notes="Volume arms: review_propensity at x0.9 and x1.1 (the measured review count is the driver). Valence "
        f"arms: every posted rating shifted by -{bias} and +{bias} stars before rounding (rating_bias; the measured "
        "average rating is the driver). S = new adopters over the run. Agreement: the whole 95% interval within a "
        "factor of 3 of the published value.",
        data={"volume": volume, "valence": valence},
    )


def word_of_mouth_elasticity(scenario, replications: int, advertising: Check) -> Check:
    """Trusov, Bucklin & Pauwels (2009): word-of-mouth referrals' long-term elasticity is several times
    that of traditional marketing."""
    base = scenario.strategy(scenario.baseline_name)
    talk = scenario.word_of_mouth.talk_rate

    def measure(model):
        frame = model.timeseries()
        return {"sales": _sales(model), "referrals": float(frame["positive_messages"].sum())}

    frame = paired(
        scenario,
        {"low": Arm(base, {"talk_rate": talk * 0.9}), "high": Arm(base, {"talk_rate": talk * 1.1})},
        replications,
        measure,
    )
    wom = arc_elasticity(frame, "sales", "referrals")
    ads = arc_elasticity(advertising.data["frame"], "long", "spend")
    # Ratio of the two elasticities, with a bootstrap interval over replications.
    wide = frame.pivot(index="replication", columns="arm")
    wom_runs = arc(wide[("sales", "high")], wide[("sales", "low")]) / arc(
        wide[("referrals", "high")], wide[("referrals", "low")]
    )
    ad_wide = advertising.data["frame"].pivot(index="replication", columns="arm")
    ad_runs = arc(ad_wide[("long", "high")], ad_wide[("long", "low")]) / arc(
        ad_wide[("spend", "high")], ad_wide[("spend", "low")]
    )
    ratio = _bootstrap_ratio(np.asarray(wom_runs), np.asarray(ad_runs))
    needed = WORD_OF_MOUTH["at_least"]
    agrees = ratio.low >= needed
    return Check(
        key="word_of_mouth_elasticity",
        title="Word of mouth versus advertising: long-term elasticities",
        published="Trusov, Bucklin & Pauwels (2009): referrals' long-term elasticity about 0.53, traditional marketing "
        f"under 0.05. Required: word of mouth's elasticity at least {needed:g} times advertising's.",
        simulated=f"word of mouth {_fmt(wom)}, advertising {_fmt(ads)}; ratio {_fmt(ratio, 1)}",
        agrees=bool(agrees),
        table=pd.DataFrame(
            [
                {
                    "driver": "referrals (positive messages over the run)",
                    "elasticity": wom.mean,
                    "low": wom.low,
                    "high": wom.high,
                    "published": WORD_OF_MOUTH["referrals"],
                },
                {
                    "driver": "advertising spend",
                    "elasticity": ads.mean,
                    "low": ads.low,
                    "high": ads.high,
                    "published": WORD_OF_MOUTH["advertising"],
                },
                {
                    "driver": "ratio",
                    "elasticity": ratio.mean,
                    "low": ratio.low,
                    "high": ratio.high,
                    "published": WORD_OF_MOUTH["referrals"] / WORD_OF_MOUTH["advertising"],
                },
            ]
        ),
        settings=_settings(scenario, replications, talk_rate=talk),
        notes="Word-of-mouth arms: talk_rate at x0.9 and x1.1 (the measured positive messages over the run are the "
        "driver); S = new adopters over the run. Advertising: the long-term elasticity of the advertising check. "
        "Ratio interval: percentile bootstrap over replications (2,000 resamples); agreement: its lower end at least "
        f"{needed:g}.",
        data={"frame": frame},
    )


def rating_distribution(scenario, replications: int) -> Check:
    """Hu, Pavlou & Zhang (2009): ratings are J-shaped and their mean exceeds the mean experienced quality."""
    base = scenario.strategy(scenario.baseline_name)

    def measure(model):
        c = model.consumers
        experienced = rating_stars(c.satisfaction[c.role == Role.CUSTOMER])
        posted = model.page.histogram
        return {
            **{f"posted_{k}": int(posted[k - 1]) for k in range(1, 6)},
            **{f"experienced_{k}": int((experienced == k).sum()) for k in range(1, 6)},
            "posted_mean": float((posted * np.arange(1, 6)).sum() / max(posted.sum(), 1)),
            "experienced_mean": float(experienced.mean()) if experienced.size else float("nan"),
        }

    frame = paired(scenario, {"base": Arm(base, {})}, replications, measure)
    posted = np.array([frame[f"posted_{k}"].sum() for k in range(1, 6)], dtype=float)
    experienced = np.array([frame[f"experienced_{k}"].sum() for k in range(1, 6)], dtype=float)
    posted_share, experienced_share = posted / posted.sum(), experienced / experienced.sum()
    gap = t_interval(frame["posted_mean"] - frame["experienced_mean"])
    j_shaped = bool(
        posted_share.argmax() == 4 and posted_share[0] > posted_share[1] and posted_share[0] > posted_share[2]
    )
    experienced_unimodal = bool(
        not (experienced_share[0] > experienced_share[1] and experienced_share[0] > experienced_share[2])
    )
    agrees = j_shaped and experienced_unimodal and gap.low > 0
    return Check(
        key="rating_distribution",
        title="J-shaped ratings above the experienced quality",
        published="Hu, Pavlou & Zhang (2009): posted ratings are J-shaped (mostly 5 stars, some 1 star, few in "
        "between) while experienced satisfaction is not, and the mean rating exceeds the mean experienced quality "
        "(purchase and under-reporting biases).",
        simulated=f"posted ratings 1-5 stars: {', '.join(f'{s:.0%}' for s in posted_share)}; all buyers' experience: "
        f"{', '.join(f'{s:.0%}' for s in experienced_share)}; rating mean minus experienced mean {_fmt(gap, 2)} stars",
        agrees=agrees,
        table=pd.DataFrame(
            {"stars": range(1, 6), "posted_share": posted_share, "experienced_share": experienced_share}
        ),
        settings=_settings(scenario, replications),
        notes="Posted: the product page's ratings at the horizon, pooled over replications. Experienced: every "
        "customer's satisfaction put into the same five bands (what the ratings would be with every buyer posting and "
        "no herding). J-shaped: 5 stars the most common and 1 star more common than 2 and 3 stars; the experienced "
        "distribution must not be. Mean gap: t-interval over replications; agreement: above 0.",
        data={"posted": posted_share, "experienced": experienced_share},
    )


def plant(stars: int):
    """An arm's preparation: one review of `stars` on the page before the first step."""

    def prepare(model):
        model.page.post(np.array([stars], dtype=np.int8), np.array([False]))

    return prepare


def _plant_row(plant: str, later, final, beyond) -> dict:
    """One row of the herding table: the later raters' shift, the final average's and beyond the plant's weight."""
    return {
        "plant": plant,
        "later_raters": later.mean,
        "later_low": later.low,
        "later_high": later.high,
        "final_average": final.mean,
        "low": final.low,
        "high": final.high,
        "beyond_own_weight": beyond.mean,
        "beyond_low": beyond.low,
        "beyond_high": beyond.high,
    }


def herding(scenario, replications: int) -> Check:
    """Muchnik, Aral & Taylor (2013): a planted positive rating is amplified by later raters (herding); a
    planted negative one is counteracted by the crowd."""
    base = scenario.strategy(scenario.baseline_name)

    quarter = max(1, int(round(0.25 / _years_per_step(scenario))))

    def measure(model):
        frame = model.timeseries()
        # The ratings on the page at the end of the first quarter (the plant is taken out in later_raters).
        early = frame[[f"ratings_{k}" for k in range(1, 6)]].iloc[min(quarter, len(frame)) - 1].to_numpy(float)
        return {
            "average": float(frame["average_rating"].iloc[-1]),
            "count": float(frame["review_count"].iloc[-1]),
            **{f"early_{k}": early[k - 1] for k in range(1, 6)},
        }

    frame = paired(
        scenario,
        {"control": Arm(base, {}), "up": Arm(base, {}, plant(5)), "down": Arm(base, {}, plant(1))},
        replications,
        measure,
    )
    wide = frame.pivot(index="replication", columns="arm")
    average, count = wide["average"], wide["count"]

    def later_raters(arm, planted):
        """Mean stars of the ratings posted in the first quarter after the plant (NaN where there were none)."""
        counts = np.stack([wide[f"early_{k}"][arm].to_numpy(float) for k in range(1, 6)], axis=1)
        if planted:
            counts[:, planted - 1] -= 1.0
        total = counts.sum(axis=1)
        return np.where(total > 0, (counts * np.arange(1, 6)).sum(axis=1) / np.maximum(total, 1.0), np.nan)

    control_early = later_raters("control", None)
    up_early = t_interval(later_raters("up", 5) - control_early)
    down_early = t_interval(later_raters("down", 1) - control_early)

    def mechanical(stars):
        # One more rating of `stars` among the control's ratings, nobody else changing: its own weight.
        return (average["control"] * count["control"] + stars) / (count["control"] + 1) - average["control"]

    up = t_interval(average["up"] - average["control"])
    down = t_interval(average["down"] - average["control"])
    up_beyond = t_interval(average["up"] - average["control"] - mechanical(5))
    down_beyond = t_interval(average["down"] - average["control"] - mechanical(1))
    # Asymmetry, measured on the later raters as Muchnik et al. did (the votes after the planted one): after a
    # positive plant they rate higher (herding, significant); after a negative plant they do not rate lower
    # (no negative herding) and the crowd takes back part of it (the final average above what the plant alone
    # would leave). A symmetric herding model would pull the later raters down after the negative plant.
    agrees = up.low > 0 and up_early.low > 0 and down_early.high > 0 and down_beyond.mean > 0
    return Check(
        key="herding",
        title="Asymmetric herding on ratings",
        published="Muchnik, Aral & Taylor (2013): one planted positive vote raised later positive votes (herding) and "
        "final ratings by 25%; after a planted negative vote the crowd corrected it with more positive votes.",
        simulated=f"raters in the first quarter after a planted 5-star first review rate {_fmt(up_early, 2)} stars "
        f"higher, after a planted 1-star {_fmt(down_early, 2)}; "
        f"after the 5-star plant the final average moves {_fmt(up, 3)} stars, "
        f"{_fmt(up_beyond, 3)} beyond the plant's own weight; after a planted 1-star {_fmt(down, 3)}, "
        f"{_fmt(down_beyond, 3)} beyond its own weight (paired differences from the same market without a plant)",
        agrees=bool(agrees),
        table=pd.DataFrame(
            [
                _plant_row("one 5-star review first", up_early, up, up_beyond),
                _plant_row("one 1-star review first", down_early, down, down_beyond),
            ]
        ),
        settings=_settings(scenario, replications),
        notes="Arms: the page starts empty (control), with one 5-star review, or with one 1-star review, before the "
        "first step. Final average: the page's average at the horizon (the plant included), as a paired difference "
        "from the control. Beyond the plant's own weight: that difference minus what one more rating would do if "
        "nobody else changed, (A n + stars) / (n + 1) - A with the control's average A and count n. Later raters: "
        "the mean stars of the ratings posted in the first quarter, the plant left out (Muchnik et al. measured the "
        "votes after the planted one), paired with the control's (replications without a rating in the quarter "
        "left out). Agreement: the positive plant raises the final average and the later raters' ratings (herding; "
        "both intervals above 0); after the negative plant the later raters are not significantly harsher (upper "
        "end above 0) and the crowd takes part of it back (mean beyond its own weight above 0).",
    )


def seeding_ratio(scenario, replications: int, k: int | None = None) -> Check:
    """Hinz, Skiera, Barrot & Becker (2011): seeding well-connected consumers beats random seeding by 2-8x."""
    base = scenario.strategy(scenario.baseline_name)
    k = k or max(1, round(scenario.market.n_consumers * scenario.market.represents / 100))  # 1% of the real market
    quarter = max(1, int(round(0.25 / _years_per_step(scenario))))  # the campaign window: a quarter after seeding

    def seeded(targeting):
        return base.model_copy(update={"levers": [*base.levers, Seeding(k=k, targeting=targeting)]})

    def measure(model):
        frame = model.timeseries()
        won = (frame["adopters"] - frame["adopters_seeding"]).to_numpy()
        return {"quarter": float(won[quarter - 1]), "run": float(won[-1])}

    frame = paired(
        scenario,
        {"none": Arm(base, {}), "hubs": Arm(seeded("hubs"), {}), "random": Arm(seeded("random"), {})},
        replications,
        measure,
    )
    wide = frame.pivot(index="replication", columns="arm")
    # Participation: customers won beyond the seeds themselves, over the same market without seeding.
    participation = {
        (window, arm): (wide[(window, arm)] - wide[(window, "none")]).to_numpy()
        for window in ("quarter", "run")
        for arm in ("hubs", "random")
    }
    ratio = _bootstrap_ratio(participation[("quarter", "hubs")], participation[("quarter", "random")])
    year = _bootstrap_ratio(participation[("run", "hubs")], participation[("run", "random")])
    low, high = SEEDING["range"]
    agrees = low <= ratio.low and ratio.high <= high
    return Check(
        key="seeding_ratio",
        title="Seeding hubs versus random seeding",
        published="Hinz, Skiera, Barrot & Becker (2011): seeding well-connected consumers is up to eight times more "
        f"successful than random seeding, measured over the campaign. Required: a ratio within [{low:g}, {high:g}].",
        simulated=f"customers won beyond the {k} seeds in the quarter after seeding: hubs "
        f"{participation[('quarter', 'hubs')].mean():.1f}, random {participation[('quarter', 'random')].mean():.1f}; "
        f"ratio {_fmt(ratio, 2)} (over the whole run: {_fmt(year, 2)})",
        agrees=bool(agrees),
        table=pd.DataFrame(
            [
                {
                    "window": label,
                    "hubs": participation[(window, "hubs")].mean(),
                    "random": participation[(window, "random")].mean(),
                    "ratio": r.mean,
                    "low": r.low,
                    "high": r.high,
                }
                for window, label, r in (
                    ("quarter", "quarter after seeding", ratio),
                    ("run", f"whole run ({scenario.horizon} steps)", year),
                )
            ]
        ),
        settings=_settings(scenario, replications, seeds=k, window=f"{quarter} steps"),
        notes="Arms: the baseline strategy plus seeding k consumers at the start, chosen by degree or at random; "
        "participation = customers other than the seeds minus those of the same market without seeding (paired), "
        "in the quarter after seeding, the campaign window Hinz et al. measure (over the whole run the seeds' "
        "reviews and word of mouth reach the whole market whoever they are, which narrows the gap; shown for "
        "reference). Ratio of mean participations with a percentile bootstrap interval over replications; agreement: "
        "the whole interval inside the range.",
    )


def bad_news_first_year(scenario, replications: int, share: float = 0.1, voices=("talk", "post")) -> Check:
    """Goldenberg et al. (2007): negative word of mouth lowers NPV, visibly within the first year (the
    dissatisfied of the vocal arm use the channels in `voices`: fewer than both is an ablation)."""
    from .bad_news import channel_arms, run_npv

    one_year = scenario.model_copy(update={"horizon": int(round(1.0 / _years_per_step(scenario)))})

    def npv(arm_voices, silent=False):
        return np.array([run_npv(one_year, None, r, share, silent, arm_voices)[0] for r in range(replications)])

    vocal, silent = npv(voices), npv((), silent=True)
    loss = t_interval(silent - vocal)
    relative = loss.mean / float(silent.mean())
    # The loss through each channel alone (bad_news.channel_arms): both must show, so the check fails when either
    # channel carries no bad news.
    alone = {channel: t_interval(silent - npv(arm)) for channel, arm in channel_arms(voices).items()}
    words = {"word_of_mouth": "word of mouth", "page": "the page"}
    by_channel = ", ".join(f"through {words[c]} alone {_fmt(i, 0)}" for c, i in alone.items())
    return Check(
        key="bad_news_first_year",
        title="Bad news within the first year",
        published="Goldenberg, Libai, Moldovan & Muller (2007): negative word of mouth from a small share of "
        f"dissatisfied customers lowers NPV markedly. Required: with {share:.0%} of buyers dissatisfied, the NPV loss "
        "is visible within the first year (interval above 0), through word of mouth alone and through the page alone.",
        simulated=f"first-year NPV {relative:.1%} lower: loss {_fmt(loss, 0)}; {by_channel}",
        agrees=bool(loss.low > 0 and all(i.low > 0 for i in alone.values())),
        table=pd.DataFrame(
            [
                {
                    "share_dissatisfied": share,
                    "npv_silent": silent.mean(),
                    "npv_vocal": vocal.mean(),
                    "loss": loss.mean,
                    "low": loss.low,
                    "high": loss.high,
                    "relative": relative,
                    **{f"loss_{c}": i.mean for c, i in alone.items()},
                    **{f"low_{c}": i.low for c, i in alone.items()},
                }
            ]
        ),
        settings=_settings(one_year, replications, share_dissatisfied=share),
        notes="Paired arms as in the bad-news check (simulation/validation/bad_news.py): a share of units fails its "
        "buyers; they talk and post (vocal) or stay silent (the counterfactual), or only talk (word of mouth alone) or "
        "only post (the page alone). One year of the scenario.",
    )


# ------------------------------------------------------------------ helpers
def _years_per_step(scenario) -> float:
    from ..parameters import TIME_UNITS

    return TIME_UNITS[scenario.time_unit]


def _bootstrap_ratio(numerator: np.ndarray, denominator: np.ndarray, samples: int = 2000) -> Interval:
    """Ratio of means with a percentile bootstrap interval over paired replications."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    keep = ~(np.isnan(numerator) | np.isnan(denominator))
    numerator, denominator = numerator[keep], denominator[keep]
    n = numerator.size
    rng = np.random.default_rng(20111)
    picks = rng.integers(0, n, size=(samples, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = numerator[picks].mean(axis=1) / denominator[picks].mean(axis=1)
        point = numerator.mean() / denominator.mean()
    low, high = np.nanpercentile(ratios, [2.5, 97.5])
    return Interval(float(point), float(low), float(high), int(n))


def _settings(scenario, replications: int, **extra) -> dict:
    return {
        "scenario": scenario.name,
        "consumers": scenario.market.n_consumers,
        "network": scenario.network.kind,
        "horizon": f"{scenario.horizon} {scenario.time_unit}s",
        "replications (paired)": replications,
        "seeds": f"{scenario.seed}..{scenario.seed + replications - 1}",
        **extra,
    }


def trust_matters(scenario, replications: int) -> Check:
    """Trust counts absolutely: halving every tie's trust lowers one-year adopters by at least 10%."""
    base = scenario.strategy(scenario.baseline_name)
    wom = scenario.word_of_mouth
    half = {"strong_tie_trust": wom.strong_tie_trust / 2, "weak_tie_trust": wom.weak_tie_trust / 2}
    frame = paired(
        scenario,
        {"base": Arm(base, {}), "half": Arm(base, half)},
        replications,
        lambda model: {"adopters": float(model.timeseries()["adopters"].iloc[-1])},
    )
    wide = frame.pivot(index="replication", columns="arm")["adopters"]
    change = t_interval((wide["half"] - wide["base"]) / wide["base"])
    return Check(
        key="trust_matters",
        title="Trust between consumers matters",
        published="Word of mouth works through trust (trust is one of the two forces of the product, with word of "
        "mouth itself). Required: halving the trust in every tie (strong and weak) lowers adopters at the horizon "
        "by at least 10%, with an interval excluding 0.",
        simulated=f"adopters at the horizon change by {change.mean:+.1%} [{change.low:+.1%}, {change.high:+.1%}]",
        agrees=bool(change.mean <= -0.10 and change.high < 0),
        table=pd.DataFrame(
            [{"arm": "tie trust halved", "change": change.mean, "low": change.low, "high": change.high}]
        ),
        settings=_settings(scenario, replications, trust=f"{wom.strong_tie_trust} / {wom.weak_tie_trust} vs half"),
        notes="Paired arms: the scenario's market, and the same market with strong- and weak-tie trust halved. "
        "Relative change of adopters at the horizon per replication, t-interval.",
    )


AXIS_TITLES = {
    "elasticity": "elasticity of sales (arc, per replication)",
    "change": "relative change of adopters at the horizon",
    "final_average": "final average rating minus the same market's without a plant (stars)",
    "ratio": "customers won by hub seeds / by random seeds",
    "loss": "first-year NPV lost (scenario currency)",
}


def figure(check: Check, path) -> None:
    """One figure per fact: the simulator's estimates with 95% intervals beside the published figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = check.table
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    if check.key == "rating_distribution":
        x = np.arange(1, 6)
        ax.bar(x - 0.2, table["posted_share"], width=0.4, label="posted ratings")
        ax.bar(x + 0.2, table["experienced_share"], width=0.4, label="every buyer's experience")
        ax.set_xticks(x)
        ax.set_xlabel("stars")
        ax.set_ylabel("share")
        ax.legend()
    else:
        value = next(c for c in ("elasticity", "change", "final_average", "ratio", "loss") if c in table.columns)
        labels = table.iloc[:, 0].astype(str).tolist()
        y = np.arange(len(table))
        mean = table[value].to_numpy(dtype=float)
        low = table["low"].to_numpy(dtype=float) if "low" in table.columns else mean
        high = table["high"].to_numpy(dtype=float) if "high" in table.columns else mean
        ax.errorbar(mean, y, xerr=[mean - low, high - mean], fmt="o", capsize=4, label="simulator (95% interval)")
        if "published" in table.columns:
            ax.plot(table["published"], y, "k|", markersize=14, label="published")
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_yticks(y, labels)
        ax.set_xlabel(AXIS_TITLES[value])
        ax.legend(fontsize=8)
    ax.set_title(check.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
