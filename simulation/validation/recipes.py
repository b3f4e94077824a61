"""The reduction recipes of docs/MODEL.md section 8, generated from the settings the validation uses
(regenerate with ``python -m simulation.validation.recipes``; a test keeps the document in step)."""

from __future__ import annotations

import math

from .bass_reduction import BASS_SETTINGS
from .cascade_reduction import IC_SETTINGS
from .deffuant import DEFFUANT_SETTINGS

RECIPES = (
    (
        "Bass (1969)",
        BASS_SETTINGS,
        "then S = F and h = p + q S* per year, with S* the mid-step estimate 1.5 F_k - 0.5 F_(k-1); the expected "
        "curve is within 0.3 percentage points of the closed form with weekly steps and 0.6 with monthly steps for "
        "any p in [0.001, 0.05] and q in [0.1, 1.0] (`docs/VALIDATION.md`). Set `p` and `q` as wanted.",
    ),
    (
        "Independent cascade (Kempe, Kleinberg & Tardos 2003)",
        IC_SETTINGS,
        "with `reach` = the cascade probability and the seeds given as past customers at the start "
        "(`initial_roles`); the final spread follows the independent cascade model (compared with NDlib).",
    ),
    (
        "Bounded confidence (Deffuant et al. 2000)",
        DEFFUANT_SETTINGS,
        "with `confidence_bound` = 2 epsilon (opinions on [-1, 1]); about 1 / (2 epsilon) opinion clusters form.",
    ),
)


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return str(value)


def recipes() -> str:
    """Markdown: each reduction with every setting it needs."""
    lines = []
    for name, settings, result in RECIPES:
        listed = ", ".join(f"`{key}` = {_value(value)}" for key, value in settings.items())
        lines.append(f"- **{name}.** {listed}; {result}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(recipes())
