"""Who talks and what they say: messages by the speaker's role and by their valence.

Two published patterns of word of mouth, measured on the messages the talk rule sends
(``rules.conversation.talk``, re-shared brand posts included) in paired replications of a scenario:

* **Who talks.** Banerjee, Chandrasekhar, Duflo & Jackson (2013), "The diffusion of microfinance", Science 341:
  participants passed information about 7 times as often as informed non-participants. Here, per replication,

      R = (messages sent by customers / customer-steps) / (messages sent by aware non-customers / their steps),

  the ratio of the two roles' talk rates per consumer (steps: sub-steps a consumer spent in the role).
  Agreement: the 95% t-interval of R inside [3.5, 14], a factor of two either side of 7: the paper's two
  passing probabilities (about 0.35 and 0.05) are estimated over 43 villages, the smaller one near zero, so
  their ratio is known to about a factor of two, not better.
* **Good news travels more often than bad.** East, Hammond & Wright (2007), "The relative incidence of
  positive and negative word of mouth", International Journal of Research in Marketing 24: across 15 studies
  positive word of mouth is about three times as frequent as negative. Here, per replication,

      V = messages sent with a positive opinion / messages sent with a negative opinion.

  Agreement: the 95% t-interval of V inside [2, 4], their average ratio of 3 give or take one (the
  ratios they report vary across categories around that average).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.word_of_mouth import deliver
from ..experiment.stats import t_interval
from ..model import WordOfMouthModel
from ..state import Role
from .result import Check

BANERJEE = (3.5, 14.0)
EAST = (2.0, 4.0)
# Each check's ratio per replication (a column of ``talk_tallies``) and its published band.
RATIOS = {"who_talks": ("customer_to_hearsay", BANERJEE), "valence": ("positive_to_negative", EAST)}

# Columns of a run's tally: messages and consumer-steps by role, messages by valence.
TALLY = ("customer_messages", "customer_steps", "hearsay_messages", "hearsay_steps", "positive", "negative")


class TalkCountingModel(WordOfMouthModel):
    """The scenario's market, unchanged, that tallies each sub-step's messages by role and valence (``tally``)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.tally = dict.fromkeys(TALLY, 0.0)
        self.rule_steps = tuple(_deliver_and_count if rule is deliver else rule for rule in self.rule_steps)


def _deliver_and_count(model: TalkCountingModel, effects, record) -> None:
    deliver(model, effects, record)
    c, tally = model.consumers, model.tally
    talkers, counts = record.messages.talkers, record.messages.counts.astype(np.float64)
    customers = c.role == Role.CUSTOMER
    by_customer = customers[talkers]
    tally["customer_messages"] += float(counts[by_customer].sum())
    tally["hearsay_messages"] += float(counts[~by_customer].sum())
    tally["customer_steps"] += float(customers.sum())
    tally["hearsay_steps"] += float((c.aware & ~customers).sum())
    valence = c.opinion[talkers]
    tally["positive"] += float(counts[valence > 0].sum())
    tally["negative"] += float(counts[valence < 0].sum())


def talk_tallies(scenario, replications: int, strategy: str | None = None) -> pd.DataFrame:
    """One row per replication: the tally of a run of the scenario (``TALLY``) with the ratios R and V."""
    rows = []
    for replication in range(replications):
        model = TalkCountingModel(**scenario.model_kwargs(strategy, replication))
        model.run(scenario.horizon)
        rows.append({"replication": replication, **model.tally})
    runs = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        customer_rate = runs["customer_messages"] / runs["customer_steps"]
        hearsay_rate = runs["hearsay_messages"] / runs["hearsay_steps"]
        runs["customer_to_hearsay"] = customer_rate / hearsay_rate
        runs["positive_to_negative"] = runs["positive"] / runs["negative"]
    return runs.replace([np.inf, -np.inf], np.nan)


def _settings(scenario, replications: int, strategy: str | None) -> dict:
    return {
        "scenario": scenario.name,
        "strategy": strategy or scenario.baseline_name,
        "consumers": scenario.market.n_consumers,
        "network": scenario.network.kind,
        "horizon": f"{scenario.horizon} {scenario.time_unit}s",
        "replications": replications,
        "seeds": f"{scenario.seed}..{scenario.seed + replications - 1}",
        "hearsay_talk_ratio": scenario.word_of_mouth.hearsay_talk_ratio,
        "negativity_bias": scenario.word_of_mouth.negativity_bias,
    }


def _ratio_check(key: str, scenario, replications: int, strategy: str | None, **words) -> Check:
    """One ratio of ``RATIOS`` per replication, its 95% t-interval required inside the published band."""
    column, (low, high) = RATIOS[key]
    runs = talk_tallies(scenario, replications, strategy)
    ratio = t_interval(runs[column])
    return Check(
        key=key,
        title=words["title"],
        published=f"{words['published']} Required: the ratio within [{low:g}, {high:g}] (95% interval).",
        simulated=words["simulated"].format(f"{ratio.mean:.2f} [{ratio.low:.2f}, {ratio.high:.2f}]"),
        agrees=bool(low <= ratio.low and ratio.high <= high),
        table=runs,
        settings=_settings(scenario, replications, strategy),
        notes=words["notes"],
    )


def who_talks_check(scenario, replications: int, strategy: str | None = None) -> Check:
    """Customers' talk per consumer against informed non-customers', against Banerjee et al.'s 7."""
    return _ratio_check(
        "who_talks",
        scenario,
        replications,
        strategy,
        title="Who talks: customers against informed non-customers",
        published="Banerjee, Chandrasekhar, Duflo & Jackson (2013): participants passed information about 7 times "
        "as often as informed non-participants.",
        simulated="a customer sends {} times the messages of an aware non-customer",
        notes="Messages sent (simulation/rules/conversation.py talk, re-shares included) per consumer-step in each "
        "role, summed over the run; ratio per replication, t-interval over replications (simulation/validation/"
        "talk.py). The band is a factor of two either side of the paper's 7 (its two rates are estimated over 43 "
        "villages, the non-participants' near zero).",
    )


def valence_check(scenario, replications: int, strategy: str | None = None) -> Check:
    """Positive against negative messages sent, against East et al.'s 3:1."""
    return _ratio_check(
        "valence",
        scenario,
        replications,
        strategy,
        title="Good news travels more often than bad: positive against negative word of mouth",
        published="East, Hammond & Wright (2007): positive word of mouth is about 3 times as frequent as negative "
        "(15 studies).",
        simulated="{} positive messages per negative one",
        notes="Messages sent by consumers with a positive and with a negative opinion (neutral ones counted in "
        "neither), summed over the run; ratio per replication, t-interval over replications. The band is the "
        "paper's average ratio give or take one.",
    )


def figure(check: Check, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    column, (low, high) = RATIOS[check.key]
    values = check.table[column].dropna().to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.axvspan(low, high, color="tab:green", alpha=0.15, label="published band")
    ax.plot(values, np.zeros_like(values), "o", alpha=0.6, label="replications")
    ax.axvline(float(values.mean()) if values.size else np.nan, color="tab:blue", label="mean")
    ax.set_yticks([])
    ax.set_xlabel(
        "customers' talk per consumer / aware non-customers'"
        if check.key == "who_talks"
        else "positive / negative messages"
    )
    ax.set_title(check.title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
