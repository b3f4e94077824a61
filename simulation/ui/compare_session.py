"""A strategy comparison running in the background for the Compare view: progress, cancel, result, files.

The comparison is ``simulation.experiment.compare.run_comparison`` (the engine of ``run.py compare``),
so the page shows and offers for download exactly what the command writes.
"""

from __future__ import annotations

import os
import time
from typing import Any, cast

import solara

from ..resources import MemoryEstimateError, check_scenario_memory
from ..scenario.paths import folder_name
from .background import BackgroundWork, capped_workers

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


class CompareSession(BackgroundWork):
    """One session's comparison; `runner` replaces run_comparison (same signature) if given."""

    def __init__(self, runner=None):
        super().__init__("wom-compare-")
        self.runner = runner
        self.replications = solara.reactive(DEFAULT_REPLICATIONS)  # None: the scenario's
        self.jobs = solara.reactive(DEFAULT_JOBS)
        self.running = solara.reactive(False)
        self.progress = solara.reactive((0, 0))  # (runs done, runs in all)
        self.result = solara.reactive(cast(Any, None))  # the Comparison
        self.files = solara.reactive(cast(dict[str, Any], {}))  # file name -> Path, as written by Comparison.write
        self.message = solara.reactive("")
        self.error = solara.reactive("")

    def start(self, scenario) -> None:
        """Run every strategy of `scenario` in the background (the previous result stays until done); refused in
        one line, before anything runs, when the runs at once would not fit in memory. Worker processes are
        capped at one per core, with a note."""
        if self.running.value or self.closed:  # busy, or its page is gone
            return
        replications = self.replications_for(scenario)
        jobs, capped = capped_workers(self.jobs.value)
        try:
            check_scenario_memory(scenario, runs_at_once=min(jobs, replications))
        except MemoryEstimateError as error:
            self.error.value = f"not run: {error}"
            self.message.value = capped
            return
        self.error.value = ""
        self.message.value = f"running {len(scenario.strategies)} strategies x {replications} replications"
        self.message.value += f" ({capped})" if capped else f" on {jobs} worker process{'es' * (jobs > 1)}"
        self.progress.value = (0, len(scenario.strategies) * replications)
        self.running.value = True
        self.begin(self._run, scenario, replications, jobs, name="wom-ui-compare")

    def replications_for(self, scenario) -> int:
        """The replications typed in, else the scenario's (as `run.py compare` without --replications)."""
        return self.replications.value or scenario.replications

    def cancel(self) -> None:
        self.cancel_event.set()
        self.message.value = "cancelling: waiting for the runs in progress to finish"

    def _run(self, scenario, replications: int, jobs: int) -> None:
        run_comparison, cancelled = _engine()
        runner = self.runner or run_comparison
        started = time.perf_counter()
        try:
            comparison = runner(
                scenario,
                replications=replications,
                jobs=jobs,
                progress=lambda done, total: setattr(self.progress, "value", (done, total)),
                cancel=self.cancel_event,
            )
            out = self.folder / f"{folder_name(scenario.name)}-{int(time.time() * 1000)}"
            files = comparison.write(out, xlsx=_has_openpyxl())
        except cancelled:
            self.message.value = "cancelled; the previous result (if any) is kept"
        except Exception as error:  # shown on the page; the server and the Explore view carry on
            self.error.value = f"comparison failed: {error}"
            self.message.value = ""
        else:
            self.result.value = comparison
            self.files.value = {name: path for name, path in files.items()}
            self.message.value = f"{len(comparison.strategies)} strategies x {replications} replications in {time.perf_counter() - started:.1f} s"
        finally:
            self.running.value = False
            self.finished()
