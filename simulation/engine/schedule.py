"""The order of the rule steps in one sub-step (docs/MODEL.md, "Process overview and scheduling").

Each entry is ``step(model, effects, record)``: it reads and writes the market's state and this sub-step's
``StepRecord``. The brand's hooks run where the record has what they read. Adding a rule is adding its step
here (docs/DEVELOPING.md, "Adding a rule").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..marketing.base import MarketingEffects
from ..rules.awareness import fade
from .experience import experience, follow, review
from .page import read_page
from .purchase import note_aware, purchase, repeat_purchases
from .record import StepRecord
from .trust_learning import learn_from_reports
from .word_of_mouth import deliver, keep_voice, persuade, remember

if TYPE_CHECKING:
    from ..model import WordOfMouthModel

RuleStep = Callable[["WordOfMouthModel", MarketingEffects, StepRecord], None]


def levers_read_messages(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """The levers' ``on_messages`` hooks (they may lower the messages' credibility before persuasion)."""
    model.brand.on_messages(record, effects)


def fade_memory(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Recall and interest fade over the sub-step (``rules.awareness.fade``)."""
    prm = model.settings
    fade(
        model.consumers,
        awareness_decay=prm.awareness_decay,
        interest_decay=prm.interest_decay,
        interest_baseline=prm.initial_interest,
        dt=model.dt,
    )


def levers_read_purchases(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """The levers' ``on_purchases`` hooks."""
    model.brand.on_purchases(record, effects)


def levers_read_reviews(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """The levers' ``on_reviews`` hooks."""
    model.brand.on_reviews(record, effects)


def keep_messages(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """With ``record_messages``: the messages of the last sub-step, for display."""
    if model.record_messages:
        messages = record.messages
        model.last_messages = {
            "speaker": messages.speakers,
            "listener": messages.listeners,
            "valence": messages.valence,
        }


def rule_table(schedule: tuple[RuleStep, ...] | None = None) -> str:
    """The table rule step -> file:function of docs/DEVELOPING.md (``python -m simulation.doc_tables``)."""
    rows = ["| order | rule step | file:function | what it does |", "|---|---|---|---|"]
    for order, step in enumerate(SCHEDULE if schedule is None else schedule, 1):
        path = step.__module__.replace(".", "/") + ".py"
        summary = " ".join((step.__doc__ or "").split("\n\n")[0].split())
        rows.append(f"| {order} | `{step.__name__}` | `{path}:{step.__name__}` | {summary} |")
    return "\n".join(rows)


def with_step(schedule: tuple[RuleStep, ...], step: RuleStep, after: RuleStep) -> tuple[RuleStep, ...]:
    """The schedule with `step` inserted right after `after` (a rule kept outside the package, a test)."""
    place = schedule.index(after) + 1
    return schedule[:place] + (step,) + schedule[place:]


SCHEDULE: tuple[RuleStep, ...] = (
    deliver,
    levers_read_messages,
    persuade,
    remember,
    fade_memory,
    read_page,
    note_aware,
    purchase,
    levers_read_purchases,
    experience,
    learn_from_reports,
    review,
    levers_read_reviews,
    follow,
    repeat_purchases,
    keep_voice,
    keep_messages,
)
