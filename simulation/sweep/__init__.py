"""Batch parameter sweeps: designs over scenario fields, parallel runs, a resumable Parquet store, analysis.

``spec`` parses ``--param path=SPEC``; ``design`` turns specs into design points (grid, random, lhs,
sobol, morris) and validates every point as a scenario; ``runner`` maps ``run_point`` over tasks on a
serial, process-pool or Dask executor; ``store`` writes rows as they complete and tells what is done;
``analysis`` and ``report`` turn the rows into sensitivity indices, response curves and an HTML page.
"""

from .design import Design, SweepError, build_design
from .spec import ParamSpec, parse_param

__all__ = ["Design", "ParamSpec", "SweepError", "build_design", "parse_param"]
