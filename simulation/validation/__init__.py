"""Validation experiments: the simulator against published results (docs/VALIDATION.md).

Each module holds one experiment as a function returning a ``Check``; ``suite.run_suite`` runs them
all for ``run.py validate`` and the tests call the same functions at smaller sizes.
"""

from .result import Check

__all__ = ["Check"]
