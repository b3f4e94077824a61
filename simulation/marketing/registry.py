"""The lever registry: every marketing lever the engine knows, in one place.

To add a lever, write its module (settings deriving from ``base.Lever`` and the hooks it uses) and add
its class to ``LEVER_CLASSES`` below (docs/DEVELOPING.md walks through it). A lever defined elsewhere
(a plug-in, a test) can be added at run time with ``register``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field

from .advertising import Advertising
from .ask_for_reviews import AskForReviews
from .base import Lever
from .content import BrandContent
from .incentivised_reviews import IncentivisedReviews
from .price_promotion import PricePromotion
from .quality import QualityImprovement
from .recall import Recall
from .referral import Referral
from .review_response import ReviewResponse
from .seeding import Seeding

LEVER_CLASSES: list[type[Lever]] = [
    Advertising,
    BrandContent,
    Seeding,
    Referral,
    ReviewResponse,
    AskForReviews,
    IncentivisedReviews,
    QualityImprovement,
    Recall,
    PricePromotion,
]

LEVER_KINDS: dict[str, type[Lever]] = {cls.kind_name(): cls for cls in LEVER_CLASSES}

# Validated settings models that contain levers (rebuilt when a lever is registered), and other listeners.
_DEPENDENTS: list[type[BaseModel]] = []
_LISTENERS: list[Callable[[], None]] = []


def any_lever() -> Any:
    """The pydantic type of one lever: the registered settings classes, told apart by `kind`."""
    return Annotated[Union[tuple(LEVER_CLASSES)], Field(discriminator="kind")]  # noqa: UP007


def counters() -> dict[str, str]:
    """Every lever counter (step KPI) with its label, in registry order."""
    return {name: label for cls in LEVER_CLASSES for name, label in cls.counters.items()}


def add_dependent(model: type[BaseModel]) -> None:
    """`model` contains levers (directly or through a strategy) and is rebuilt when the registry grows."""
    _DEPENDENTS.append(model)


def on_register(listener: Callable[[], None]) -> None:
    """Call `listener` whenever a lever is registered (e.g. to add its counters to the KPI registry)."""
    _LISTENERS.append(listener)


def register(cls: type[Lever]) -> type[Lever]:
    """Add a lever class to the registry (usable as a decorator); strategies and scenarios accept it from now on."""
    kind = cls.kind_name()
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"lever class {cls.__name__} needs a `kind` field with a literal default")
    if kind in LEVER_KINDS and LEVER_KINDS[kind] is not cls:
        raise ValueError(f"a lever of kind {kind!r} is already registered ({LEVER_KINDS[kind].__name__})")
    if kind not in LEVER_KINDS:
        LEVER_CLASSES.append(cls)
        LEVER_KINDS[kind] = cls
    _rebuild()
    return cls


def unregister(kind: str) -> None:
    """Remove a lever registered at run time (tests, plug-ins being unloaded)."""
    cls = LEVER_KINDS.pop(kind)
    LEVER_CLASSES.remove(cls)
    _rebuild()


def _rebuild() -> None:
    for model in _DEPENDENTS:
        for name, info in model.model_fields.items():
            if getattr(info, "json_schema_extra", None) == {"levers": True}:
                # A type built at run time from the registry: neither a static type nor a TypeForm mypy can check.
                model.model_fields[name].annotation = list[any_lever()]  # type: ignore[misc,assignment]
        model.model_rebuild(force=True)
    for listener in _LISTENERS:
        listener()
