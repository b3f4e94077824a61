"""Word-of-mouth marketing simulator: an agent-based model of a product's market on a social network."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = ["PARAMETERS", "Strategy", "WordOfMouthModel", "compare"]

# Imported on first use, so that the command line and light modules (settings, the scenario schema)
# do not pay for Mesa and pandas when they do not need the model.
_HOMES = {"PARAMETERS": ".parameters", "Strategy": ".marketing.strategy", "WordOfMouthModel": ".model"}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def compare(scenario, **options):
    """Compare a scenario's strategies with common random numbers; the verdict and DataFrames.

    Same as ``run.py compare``: ``compare(scenario, *, replications=None, baseline=None,
    objective="profit", jobs=1, overrides=(), progress=None)`` returns a ``ComparisonTables`` with
    ``verdict`` (text), ``summary``, ``differences``, ``incremental``, ``pairs``, ``spend``, ``runs`` and
    ``timeseries`` (DataFrames). See ``simulation.experiment.compare.compare``.
    """
    # Imported here so that `import simulation` stays light (scipy, pandas' I/O and the workers load on use).
    from .experiment.compare import compare as run

    return run(scenario, **options)


if TYPE_CHECKING:
    from .marketing.strategy import Strategy
    from .model import WordOfMouthModel
    from .parameters import PARAMETERS
