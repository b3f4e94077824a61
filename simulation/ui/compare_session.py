"""A strategy comparison running in the background for the Compare view: progress, cancel, result, files.

The comparison is ``simulation.experiment.compare.run_comparison`` (the engine of ``run.py compare``),
so the page shows and offers for download exactly what the command writes.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, cast

import solara

from ..scenario.paths import folder_name
from .background import start_thread

# As `run.py compare`: the scenario's replications (None until the user types a number) on every core.
DEFAULT_REPLICATIONS: int | None = None
DEFAULT_JOBS = os.cpu_count() or 1
DOWNLOADS = (
    "report.html",
    "comparison.xlsx",
    "summary.csv",
    "incremental.csv",
    "pairs.csv",
    "runs.csv",
    "timeseries.parquet",
    "scenario.yaml",
)


def _has_openpyxl() -> bool:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        return False
    return True


def _engine():
    from ..experiment import compare

    return compare.run_comparison, compare.ComparisonCancelled


class CompareSession:
    """One session's comparison; `runner` replaces run_comparison (same signature) if given."""

    def __init__(self, runner=None):
        self.runner = runner
        self.replications = solara.reactive(DEFAULT_REPLICATIONS)  # None: the scenario's
        self.jobs = solara.reactive(DEFAULT_JOBS)
        self.running = solara.reactive(False)
        self.progress = solara.reactive((0, 0))  # (runs done, runs in all)
        self.result = solara.reactive(cast(Any, None))  # the Comparison
        self.files = solara.reactive(cast(dict[str, Any], {}))  # file name -> Path, as written by Comparison.write
        self.message = solara.reactive("")
        self.error = solara.reactive("")
        self.cancel_event = threading.Event()
        self.thread: threading.Thread | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="wom-compare-")

    def start(self, scenario) -> None:
        """Run every strategy of `scenario` in the background (the previous result stays until done)."""
        if self.running.value:
            return
        replications = self.replications_for(scenario)
        self.cancel_event = threading.Event()
        self.error.value = ""
        self.message.value = f"running {len(scenario.strategies)} strategies x {replications} replications"
        self.progress.value = (0, len(scenario.strategies) * replications)
        self.running.value = True
        self.thread = start_thread(
            self._run, scenario, replications, self.jobs.value, self.cancel_event, name="wom-ui-compare"
        )

    def replications_for(self, scenario) -> int:
        """The replications typed in, else the scenario's (as `run.py compare` without --replications)."""
        return self.replications.value or scenario.replications

    def cancel(self) -> None:
        self.cancel_event.set()
        self.message.value = "cancelling: waiting for the runs in progress to finish"

    def _run(self, scenario, replications: int, jobs: int, cancel: threading.Event) -> None:
        run_comparison, cancelled = _engine()
        runner = self.runner or run_comparison
        started = time.perf_counter()
        try:
            comparison = runner(
                scenario,
                replications=replications,
                jobs=jobs,
                progress=lambda done, total: setattr(self.progress, "value", (done, total)),
                cancel=cancel,
            )
            out = Path(self._folder.name) / f"{folder_name(scenario.name)}-{int(time.time() * 1000)}"
            files = comparison.write(out, xlsx=_has_openpyxl())
        except cancelled:
            self.message.value = "cancelled; the previous result (if any) is kept"
        except Exception as error:  # shown on the page; the server and the Explore view carry on
            self.error.value = f"comparison failed: {error!r}"
            self.message.value = ""
        else:
            self.result.value = comparison
            self.files.value = {name: path for name, path in files.items()}
            self.message.value = f"{len(comparison.strategies)} strategies x {replications} replications in {time.perf_counter() - started:.1f} s"
        finally:
            self.running.value = False
