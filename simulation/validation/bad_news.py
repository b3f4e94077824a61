"""Bad news: the NPV cost of negative word of mouth from a small share of dissatisfied customers.

Goldenberg, Libai, Moldovan & Muller (2007), "The NPV of bad news", International Journal of Research
in Marketing 24: negative word of mouth from even a small share of dissatisfied customers has a
considerable effect on the product's net present value.

Experiment: a share delta of units fails its buyers (the engine's ``defect_rate``, satisfaction -1);
everyone else experiences the scenario's product as usual. Which consumers would get a failing unit is
drawn once per replication, the same in both arms (common random numbers: same seeds, network and
consumers). In the arm *with* negative word of mouth the dissatisfied talk like everyone else (more,
by the negativity bias); in the arm *without* they stay silent, Goldenberg et al.'s counterfactual.
With no repeat purchases the dissatisfied customers' own revenue is the same in both arms, so the NPV
difference is what their word of mouth costs. The same loss is measured through each channel alone (the
dissatisfied only talk; they only post ratings). Agreement: NPV is lower beyond sampling error with both
channels, through word of mouth alone and through the product page alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.experience import buyers_review, experience, review
from ..engine.schedule import RuleStep
from ..experiment.runs import run_kpis
from ..model import WordOfMouthModel
from .result import Check

Z = 3.0


VOICES = ("talk", "post")  # the dissatisfied's channels: word of mouth, ratings on the product page
# Bad news through each channel alone: word of mouth (the dissatisfied talk) and the product page (they post).
CHANNELS = {"word_of_mouth": "talk", "page": "post"}


class QuietDissatisfiedModel(WordOfMouthModel):
    """A market whose dissatisfied buyers use only the channels in ``voices`` ("talk": they keep talking; "post":
    they keep posting ratings); silenced, a dissatisfied buyer never talks (talkativeness 0) or never posts."""

    voices: frozenset[str] = frozenset()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        quiet: dict[RuleStep, RuleStep] = {}
        if "talk" not in self.voices:
            quiet[experience] = _experience_in_silence
        if "post" not in self.voices:
            quiet[review] = _review_if_satisfied
        self.rule_steps = tuple(quiet.get(rule_step, rule_step) for rule_step in self.rule_steps)


def _experience_in_silence(model, effects, record) -> None:
    experience(model, effects, record)
    dissatisfied = record.purchases.buyers[record.satisfaction < 0]
    model.consumers.talkativeness[dissatisfied] = 0.0  # zero talkativeness: talk probability 0


def _review_if_satisfied(model, effects, record) -> None:
    happy = record.satisfaction >= 0
    record.reviews = buyers_review(model, effects, record.purchases.buyers[happy], record.satisfaction[happy])


class SilentDissatisfiedModel(QuietDissatisfiedModel):
    """The counterfactual market: buyers who are dissatisfied never talk nor post (no negative word of mouth)."""


class TalkingDissatisfiedModel(QuietDissatisfiedModel):
    """The dissatisfied talk but do not post: bad news through word of mouth alone."""

    voices = frozenset({"talk"})


class PostingDissatisfiedModel(QuietDissatisfiedModel):
    """The dissatisfied post but do not talk: bad news through the product page alone."""

    voices = frozenset({"post"})


def _model_class(voices) -> type[WordOfMouthModel]:
    chosen = frozenset(voices)
    if not chosen <= set(VOICES):
        raise ValueError(f"bad news: voices = {sorted(chosen)} is not allowed; allowed: any of {', '.join(VOICES)}")
    classes = {
        frozenset(VOICES): WordOfMouthModel,
        frozenset({"talk"}): TalkingDissatisfiedModel,
        frozenset({"post"}): PostingDissatisfiedModel,
        frozenset(): SilentDissatisfiedModel,
    }
    return classes[chosen]


def defect_model(
    scenario, strategy: str | None, replication: int, share: float, silent: bool, voices=None
) -> WordOfMouthModel:
    """The scenario's market where a share `share` of units fails its buyers (``defect_rate``, satisfaction -1);
    which consumers get a failing unit is the same in every arm (common random numbers). The dissatisfied use
    the channels in `voices` (default: none if `silent`, else both)."""
    kwargs = scenario.model_kwargs(strategy, replication)
    kwargs.update(defect_rate=share, defect_satisfaction=-1.0)
    if voices is None:
        voices = () if silent else VOICES
    return _model_class(voices)(**kwargs)


def run_npv(
    scenario, strategy: str | None, replication: int, share: float, silent: bool, voices=None
) -> tuple[float, float]:
    """(NPV, share of the aware with a negative opinion at the horizon) of one replication."""
    model = defect_model(scenario, strategy, replication, share, silent, voices)
    model.run(scenario.horizon)
    kpis = run_kpis(model.timeseries(), model.network.n, scenario.time_unit, scenario.discount_rate)
    return kpis["npv"], kpis["negative_share"]


def channel_arms(voices) -> dict[str, tuple[str, ...]]:
    """The arms measuring bad news through one channel each: the dissatisfied keep only that channel of
    `voices` (a channel not in `voices` leaves them silent: that arm's loss is 0)."""
    return {channel: tuple(v for v in voices if v == voice) for channel, voice in CHANNELS.items()}


def bad_news_check(scenario, shares, replications: int, strategy: str | None = None, voices=VOICES) -> Check:
    """NPV with and without negative word of mouth for each share dissatisfied (paired replications), and the
    loss through each channel alone: talk only (word of mouth) and post only (the product page), each against
    the same silent arm. The vocal arm's dissatisfied use the channels in `voices` (both by default; fewer is
    an ablation, which also silences that channel's own arm)."""
    rows, per_share = [], {}
    for share in shares:
        with_runs = np.array([run_npv(scenario, strategy, r, share, False, voices) for r in range(replications)])
        without = np.array([run_npv(scenario, strategy, r, share, silent=True)[0] for r in range(replications)])
        with_negative = with_runs[:, 0]
        loss = without - with_negative
        se = float(loss.std(ddof=1) / np.sqrt(replications))
        relative = float(loss.mean() / without.mean())
        per_share[share] = (without, with_negative)
        row = {
            "share_dissatisfied": share,
            "npv_without": float(without.mean()),
            "npv_with": float(with_negative.mean()),
            "npv_loss": float(loss.mean()),
            "se_loss": se,
            "relative_loss": relative,
            "se_relative": se / float(without.mean()),
            "negative_share_of_aware": float(with_runs[:, 1].mean()),
        }
        detected = [bool(loss.mean() > Z * se)]
        for channel, alone in channel_arms(voices).items():
            npv = np.array([run_npv(scenario, strategy, r, share, False, alone)[0] for r in range(replications)])
            channel_loss = without - npv
            channel_se = float(channel_loss.std(ddof=1) / np.sqrt(replications))
            row[f"relative_loss_{channel}"] = float(channel_loss.mean() / without.mean())
            row[f"se_relative_{channel}"] = channel_se / float(without.mean())
            detected.append(bool(channel_loss.mean() > Z * channel_se))
        row["agrees"] = all(detected)
        rows.append(row)
    table = pd.DataFrame(rows)
    return Check(
        key="bad_news",
        title="Bad news: NPV with and without negative word of mouth",
        published="Goldenberg et al. (2007): negative word of mouth from even a small share of dissatisfied customers "
        "has a considerable effect on NPV.",
        simulated="; ".join(
            f"{r['share_dissatisfied']:.0%} dissatisfied: NPV {r['relative_loss']:.1%} lower "
            f"(se {r['se_relative']:.1%}) [through word of mouth alone {r['relative_loss_word_of_mouth']:.1%} "
            f"(se {r['se_relative_word_of_mouth']:.1%}), through the page alone {r['relative_loss_page']:.1%} "
            f"(se {r['se_relative_page']:.1%})]"
            for r in rows
        ),
        agrees=bool(table["agrees"].all()),
        table=table,
        settings={
            "scenario": scenario.name,
            "strategy": strategy or scenario.baseline_name,
            "consumers": scenario.market.n_consumers,
            "network": scenario.network.kind,
            "horizon": f"{scenario.horizon} {scenario.time_unit}s",
            "quality": f"{scenario.product.quality} (spread {scenario.product.quality_spread})",
            "replications (paired)": replications,
            "seeds": f"{scenario.seed}..{scenario.seed + replications - 1}",
            "failing units": "defect_rate = the share; defect_satisfaction = -1",
            "the dissatisfied": " and ".join(voices) if voices else "silent",
        },
        notes=f"Paired difference of NPV per replication (same seed in every arm). By channel: the same loss when "
        "the dissatisfied only talk (word of mouth alone: relative_loss_word_of_mouth) or only post ratings (the "
        "product page alone: relative_loss_page), each against the same silent arm. Agreement, for every share: the "
        f"mean loss exceeds {Z:g} standard errors with both channels, through word of mouth alone and through the "
        "page alone (so the check fails when either channel carries no bad news). The relative loss is shown next to "
        "the share dissatisfied for scale.",
        data={"per_share": per_share},
    )


def figure(check: Check, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = check.table
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.errorbar(
        table["share_dissatisfied"] * 100,
        table["relative_loss"] * 100,
        yerr=2 * table["se_relative"] * 100,
        marker="o",
        capsize=3,
        label="NPV loss (+/- 2 se)",
    )
    ax.plot(
        table["share_dissatisfied"] * 100,
        table["share_dissatisfied"] * 100,
        ls="--",
        color="grey",
        label="loss = share dissatisfied",
    )
    ax.set_xlabel("share of buyers dissatisfied (%)")
    ax.set_ylabel("NPV lost to negative word of mouth (%)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
