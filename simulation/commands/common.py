"""What the commands share: loading a scenario with overrides, output folders, error reporting."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import math
import os
import sys
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from ..scenario import ScenarioError, load_scenario
from ..scenario.checks import ScenarioWarning
from ..scenario.paths import folder_name
from . import manifest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO = ROOT / "scenarios" / "default.yaml"
# What the commands write at the top of an output folder: --overwrite removes these files from a folder
# written before manifests existed (``_overwrite_unlisted``); otherwise the manifest says what to remove.
OUTPUTS = (
    "timeseries.csv",
    "scenario.yaml",
    "summary.csv",
    "runs.csv",
    "decomposition.csv",
    "timeseries.parquet",
    "report.html",
    "sweep.json",
    "runs",
    "timeseries",
    "sensitivity.csv",
    "response.csv",
    "sweep_report.html",
    "bass_fit.png",
    "bass_scenario.yaml",
    "abm_fit.png",
    "fitted_scenario.yaml",
    # compare
    "incremental.csv",
    "pairs.csv",
    "comparison.xlsx",
    "events.csv",
    # optimise
    "study.db",
    "trials.csv",
    "versus.csv",
    "result.json",
    "best_strategy.yaml",
    "scenario_optimised.yaml",
    "validation",
    # robust
    "markets.csv",
    "prim_boxes.csv",
    "robust_report.html",
)
# A folder holding one of these is a resumable command's earlier work (a sweep's or robust's store, an
# optimisation's study): the same command resumes there.
RESUMABLE = ("sweep.json", "study.db")


# Files a command keeps in its output folder for itself (a sweep's lock), not results.
BOOKKEEPING = (".sweep.lock",)


def add_scenario_arguments(parser, *, optional: bool) -> None:
    if optional:
        parser.add_argument(
            "scenario", nargs="?", default=str(DEFAULT_SCENARIO), help="scenario file (default: scenarios/default.yaml)"
        )
    else:
        parser.add_argument("scenario", help="scenario file (YAML), e.g. scenarios/product_launch.yaml")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field, e.g. --set market.n_consumers=5000 (repeatable)",
    )
    add_out_arguments(parser, "results/<scenario>/<command>-<timestamp>/")


def add_allow_long_argument(parser) -> None:
    """--allow-long, for commands that check their estimated run time (``check_run_time``)."""
    parser.add_argument(
        "--allow-long",
        action="store_true",
        help=f"run even if the estimated time is over {LONGEST_HOURS:g} hours (estimated before any work)",
    )


def add_out_arguments(parser, default: str) -> None:
    parser.add_argument("--out", default=None, help=f"output folder, new or empty (default: {default})")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="write into a --out folder that is not empty, replacing the results this tool wrote there before",
    )


# Estimated run time (simulation.run_cost) beyond which a command says how long it expects to take, and beyond
# which it refuses unless --allow-long: a mistyped horizon or market should not occupy the machine for a day.
NOTED_MINUTES = 10
LONGEST_HOURS = 2


def check_run_time(args, scenario, runs: int, workers: int = 1, steps: int | None = None, strategies=None) -> None:
    """Refuse (naming the figure and --allow-long) or note work that would take long, before any of it starts:
    `runs` runs of the most talkative of `strategies` (default: the scenario's), `steps` steps each (default:
    its horizon), on `workers` processes at once (``run_cost``: CPU seconds, so an upper bound on a run's wall
    time)."""
    from ..resources import messages_per_step
    from ..run_cost import duration, run_seconds, step_seconds

    params = scenario.model_parameters()
    strategy = max(strategies or scenario.strategies, key=lambda s: messages_per_step(params, s))
    steps = scenario.horizon if steps is None else steps
    per_run = run_seconds(params, strategy, steps)
    at_once = max(1, min(workers, runs))
    total = per_run * math.ceil(runs / at_once)
    if total <= NOTED_MINUTES * 60:
        return
    what = (
        f"this would take about {duration(total)}: {runs:,} run{'s' * (runs > 1)} of {params['n_consumers']:,} "
        f"consumers x {steps:,} {scenario.time_unit}s (about {duration(step_seconds(params, strategy))} a step)"
        f"{f' on {at_once} processes at once' if at_once > 1 else ''}"
    )
    if total > LONGEST_HOURS * 3600 and not getattr(args, "allow_long", False):
        fail(f"{args.scenario}: {what}; nothing was run: pass --allow-long to run it anyway, or ask for less")
    print(f"note: {what}", file=sys.stderr)


def load(args):
    """The scenario named on the command line with its --set overrides; exits with the problems listed."""
    show_scenario_warnings()
    try:
        return load_scenario(args.scenario, args.overrides)
    except ScenarioError as error:
        fail(
            f"scenario not valid ({len(error.problems)} problem{'s' * (len(error.problems) > 1)}):\n  "
            + "\n  ".join(error.problems)
        )


def show_scenario_warnings() -> None:
    """Print scenario warnings as 'warning: FILE:LINE: ...' on stderr (each once)."""
    default = warnings.showwarning
    if getattr(default, "scenario_warnings", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, ScenarioWarning):
            print(f"warning: {message}", file=sys.stderr)
        else:
            default(message, category, filename, lineno, file, line)

    show.scenario_warnings = True  # type: ignore[attr-defined]
    warnings.showwarning = show


def output_dir(args, scenario, command: str, *, resumable: bool = False) -> Path:
    """The run's output folder: --out (new or empty, unless --overwrite), else a new dated folder.

    With `resumable`, a --out folder holding an earlier run of the same command is used as it is
    (a sweep resumes there; the sweep itself checks that it is the same sweep).
    """
    if args.out:
        return claim_folder(Path(args.out), getattr(args, "overwrite", False), resumable, command)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = ROOT / "results" / folder_name(scenario.name) / f"{command}-{stamp}"
    out, count = base, 1
    while True:
        try:
            out.mkdir(parents=True)
            return claim_folder(out, False, False, command)
        except FileExistsError:  # two runs in the same second
            count += 1
            out = base.with_name(f"{base.name}-{count}")


def claim_folder(out: Path, overwrite: bool, resumable: bool = False, command: str = "") -> Path:
    """Make `out` the command's folder, marked as being written (see ``manifest``), or exit saying why not.

    A folder with entries needs --overwrite, which removes only the files an earlier command listed in
    its manifest; a resumable command's earlier work is kept; an interrupted command's files are removed
    without --overwrite (they are incomplete). Refused before any work: a folder that cannot be written.
    """
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: exists and is not a folder")
    prior = manifest.read(out) if out.is_dir() else None
    hidden = {*BOOKKEEPING, manifest.MANIFEST, f"{manifest.MANIFEST}.tmp", manifest.STAGING}
    if prior is not None:  # results an earlier command of ours never finished writing
        _removing_staging(out)
    entries = sorted(p.name for p in out.iterdir() if p.name not in hidden) if out.is_dir() else []
    carried: list[str] = []
    if entries and resumable and not overwrite and any((out / marker).is_file() for marker in RESUMABLE):
        carried = sorted(manifest.leftovers(out, prior)) if prior else []  # resumed: still this tool's
    elif entries and prior is not None and prior["status"] == "running":
        # Files of the interrupted command (not there when it started, named as commands name theirs): a
        # file the user added since, under another name, stays.
        stale = {name for name in manifest.leftovers(out, prior) if name.split("/")[0] in OUTPUTS}
        _removing(out, stale)
        if stale:
            print(f"note: {out}: removed {len(stale)} files an interrupted command left incomplete", file=sys.stderr)
        entries = [] if manifest.files_in(out) <= set(prior.get("existing", [])) else entries
        prior = {**prior, "status": "complete", "written": []}  # what is left is not ours: never removed
    if entries and not carried:
        if not overwrite:
            shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            fail(
                f"--out {out}: the folder is not empty ({len(entries)} entries: {shown}); choose a new or empty "
                "folder, or pass --overwrite to replace the results written there"
            )
        if prior is not None:
            _removing(out, manifest.leftovers(out, prior))
        else:
            _overwrite_unlisted(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        manifest.start(out, command, carried)
    except OSError as error:
        fail(f"--out {out}: cannot write there ({error.strerror or error}); choose a folder you can write to")
    return out


def _removing(out: Path, names: set[str]) -> None:
    try:
        manifest.remove(out, names)
    except OSError as error:
        fail(f"--out {out}: cannot remove the earlier results ({error.strerror or error})")


def _removing_staging(out: Path) -> None:
    try:
        manifest.discard_staging(out)
    except OSError as error:
        fail(f"--out {out}: cannot remove the unfinished results in {manifest.STAGING}/ ({error.strerror or error})")


def _overwrite_unlisted(out: Path) -> None:
    """--overwrite in a folder without a manifest (results written before manifests existed): the files
    a command writes at the top are removed; a folder of those names may hold the user's own files, so it
    is refused rather than deleted."""
    folders = [name for name in OUTPUTS if (out / name).is_dir() and not (out / name).is_symlink()]
    if folders:
        fail(
            f"--out {out}: {folders[0]}/ was not recorded as written by this tool (no {manifest.MANIFEST}), so "
            "--overwrite leaves it alone; move it away yourself, or choose a new folder"
        )
    _removing(out, {name for name in OUTPUTS if (out / name).is_file() or (out / name).is_symlink()})


@contextlib.contextmanager
def writing(out: Path, kept: str = "") -> Iterator[Path]:
    """Results being written into `out`: the block writes them into the folder this yields (``manifest.stage``),
    and they are renamed into place once all are written, so none is ever half-written under its name. A
    write that fails (a full disk, a folder made read-only) ends the command in one line saying what is
    `kept` (what was computed and where it still is); the folder's manifest still says running, so the next
    command there removes the unfinished files."""
    try:
        staged = manifest.stage(out)
        yield staged
        manifest.publish(out)
    except OSError as error:
        marked = manifest.read(out) is not None  # (a folder of ours: calibrate without --out has none)
        fail(
            f"{out}: could not write the results ({error.strerror or error}); "
            + (f"{kept}; " if kept else "")
            + (
                f"the folder is marked incomplete ({manifest.MANIFEST}) and the next command there clears it"
                if marked
                else "run the command again"
            )
        )


def finished(out: Path) -> None:
    """Mark the command's folder complete, listing the files it wrote (see ``manifest``)."""
    try:
        manifest.finish(out)
    except OSError as error:
        fail(f"--out {out}: the results are written but their list could not be ({error.strerror or error})")


MAX_REPLICATIONS = 100_000  # the scenario's own limit (scenario.schema: replications)
MAX_COUNT = 1_000_000  # trials, samples, evaluations: beyond this a command would run for weeks
MAX_JOBS = 1024


def whole_number(low: int, high: int):
    """An argparse type: a whole number in [low, high] (digits only: '1e9' and 10^5000-digit numbers are
    refused with the range allowed, never parsed into a huge value)."""

    def parse(text: str) -> int:
        stripped = text.strip()
        if not stripped.lstrip("+-").isdigit() or len(stripped) > 20:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number from {low:,} to {high:,}")
        value = int(stripped)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value:,} is outside the allowed {low:,} to {high:,}")
        return value

    parse.__name__ = "whole number"  # (argparse names the type in its own messages)
    return parse


def add_jobs_argument(parser, what: str = "worker processes") -> None:
    """``--jobs/-j``: worker processes, a whole number in [1, MAX_JOBS], one per core by default."""
    parser.add_argument(
        "--jobs",
        "-j",
        type=whole_number(1, MAX_JOBS),
        default=os.cpu_count() or 1,
        help=f"{what} (default: one per core)",
    )


def worker_count(jobs: int) -> int:
    """`jobs`, at most one per core (more workers than cores only add memory): a note says when capped."""
    cores = os.cpu_count() or 1
    if jobs > cores:
        print(f"note: --jobs {jobs}: using {cores} worker processes, one per CPU core", file=sys.stderr)
    return min(jobs, cores)


def require_extra(extra: str, *modules: str) -> None:
    """Exit saying which optional extra to install when its packages are missing (see pyproject.toml)."""
    missing = [module for module in modules if importlib.util.find_spec(module) is None]
    if missing:
        fail(
            f"this needs the optional '{extra}' dependencies ({', '.join(missing)} not installed): run "
            f"scripts/setup.sh (it installs every extra), or .venv/bin/python -m pip install -e '.[{extra}]'"
        )


def fail(message: str, code: int = 2):
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)
