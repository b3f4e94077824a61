"""Word-of-mouth marketing simulator: an agent-based model of a product's market on a social network."""

from .marketing.strategy import Strategy
from .model import WordOfMouthModel
from .parameters import PARAMETERS

__all__ = ["PARAMETERS", "Strategy", "WordOfMouthModel", "compare"]


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
