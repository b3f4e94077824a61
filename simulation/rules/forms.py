"""The few operations the rules' equations are written with, so that one function serves both engines.

Called with arrays (the numpy forms of the rules) they are numpy's; compiled into the kernels, where the rules
are called one consumer or tie at a time, ``simulation._compiled`` gives each its scalar form (the same value
for every input the rules give them). An equation written with these, ``+ - * /``, ``abs`` and ``np.expm1``
has one home in ``simulation.rules`` and is compiled into the kernels as it is (docs/DEVELOPING.md).
"""

from __future__ import annotations

import numpy as np


def choose(condition, if_true, if_false):
    """`if_true` where `condition` holds, else `if_false` (``np.where``)."""
    return np.where(condition, if_true, if_false)


def clamp(value, low: float, high: float):
    """`value` kept in [low, high] (``np.clip``)."""
    return np.clip(value, low, high)


def at_least(value, low: float):
    """The larger of `value` and `low` (``np.maximum``)."""
    return np.maximum(low, value)


def at_most(value, high: float):
    """The smaller of `value` and `high` (``np.minimum``)."""
    return np.minimum(high, value)
