"""Memory a run will need, estimated before anything is allocated, against the memory available.

A market the schema allows may still not fit the machine (10^8 consumers; a mean degree of 10,000 at
10^5 consumers; a mean-field market whose talkers send millions of messages a step). Building it
would end in an out-of-memory kill after minutes of work; here it is refused at once, with what would
fit. The estimate's coefficients are peak resident memory measured on this engine (build plus
steps, everyone talking; see ``benchmarks/memory_estimate.py``), rounded up:

    bytes = 200 n + 160 ties                          (ties: 2 per undirected edge)
    bytes += n contacts messages (40 + 150 reach)     (complete network: a message reaches `contacts`)
    bytes += 120 MB                                   (once per process: the compiled kernels, when the
                                                       model will load them; ``simulation.kernels``)

where ``messages`` = talk_rate dt x (largest talk boost of the strategy) x 1.5 is the messages a
consumer sends per step (1 with an infinite talk rate); more than ``MAX_MESSAGES_PER_STEP`` is refused
(each message is delivered tie by tie: the step's time and its tables grow with it). Runs in worker
processes add ``WORKER_PROCESS`` each (the interpreter, numpy, pandas and the kernels of a spawned
worker). An edge-list file's ties are counted from its text (decompressed for .gz, measured while
streaming and stopped at the budget). The memory available is the operating system's estimate
(MemAvailable, within a cgroup's limit), or ``WOM_MEMORY_LIMIT`` (bytes, or with a unit: 500M, 8G)
when set: a cap for shared machines, and what the tests use.
"""

from __future__ import annotations

import functools
import math
import os
import re
from pathlib import Path

from .parameters import PARAMETERS, TIME_UNITS

PER_CONSUMER = 200
PER_TIE = 160
PER_MESSAGE_SENT = 40  # each of a message's `contacts` recipients, before the feed thins them
PER_MESSAGE_SEEN = 150  # each recipient who sees it
KERNEL_CODE = 120 * 2**20  # numba and the compiled kernels, loaded once per process (measured: 110 MB)
WORKER_PROCESS = 320 * 2**20  # a spawned worker before its model: Python, numpy, pandas, kernels (issue 22: ~320 MB)
TEXT_BYTE = 2 * PER_TIE / 4  # an edge-list edge (2 ties) takes at least 4 bytes of text
UNKNOWN_MEMORY_TEXT = 2**30  # largest edge-list text read when the memory available is unknown
MAX_MESSAGES_PER_STEP = 1_000_000  # per consumer (the default market sends about 0.3)
MEMORY_ENV = "WOM_MEMORY_LIMIT"
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


class MemoryEstimateError(ValueError):
    """A run that would need more memory than is available; the message says how much would fit."""


def available_memory() -> int | None:
    """Bytes this process may still use: WOM_MEMORY_LIMIT if set, else the system's estimate (None: unknown)."""
    limit = os.environ.get(MEMORY_ENV, "").strip()
    if limit:
        return parse_size(limit)
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    try:  # a container's own limit (cgroup v2)
        cap = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        if cap != "max":
            found.append(max(int(cap) - used, 0))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def parse_size(text: str) -> int:
    match = re.fullmatch(r"\s*([0-9]{1,15}(?:\.[0-9]{0,6})?)\s*([KMGT]?)I?B?\s*", text.upper())
    if not match:
        raise ValueError(f"{MEMORY_ENV}={text[:40]!r}: expected bytes or a size such as 500M or 8G")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def text_budget() -> int:
    """Most bytes of edge-list or node-file text worth reading: what the memory available could hold as ties."""
    available = available_memory()
    return UNKNOWN_MEMORY_TEXT if available is None else int(available / TEXT_BYTE)


def messages_per_step(params: dict, strategy) -> float:
    """Messages a consumer of average talkativeness sends per step, with the strategy's largest talk boost."""
    if math.isinf(params["talk_rate"]):
        return 1.0
    boost = max([1.0, *(getattr(lever, name, 1.0) for lever in strategy.levers for name in _BOOSTS)])
    return params["talk_rate"] * TIME_UNITS[params["time_unit"]] * boost * 1.5


_BOOSTS = ("talk_boost",)


def edge_list_edges(params: dict) -> float:
    """Most edges an edge-list file can hold: each takes at least 4 bytes of text ("1 2\\n"), counted after
    decompression and only up to what the memory could hold (a ValueError names a file that cannot be read)."""
    if not params.get("edge_list"):
        return 0.0  # the loader will say what is missing
    path = Path(params["edge_list"])
    try:
        info = path.stat()
    except OSError:
        return 0.0  # the loader will say what is wrong with the file
    return _text_size(str(path), info.st_mtime_ns, info.st_size, text_budget()) / 4


@functools.lru_cache(maxsize=16)
def _text_size(path: str, _mtime: int, _size: int, budget: int) -> int:
    """datafiles.text_size, once per version of a file (a command and its model both check it)."""
    from .datafiles import text_size

    return text_size(Path(path), budget)


def market_size(params: dict, network=None) -> tuple[int, float]:
    """(consumers, ties per consumer) of the market's network, known or to be built."""
    n = params["n_consumers"]
    if network is not None:
        return network.n, network.n_ties / max(network.n, 1)
    kind = params["network"]
    if kind == "complete":
        return n, 0.0
    if kind == "edge_list":  # the file decides; n_consumers must match it (checked when it is read)
        edges = edge_list_edges(params)
        n = max(min(n, int(2 * edges)), 1)
        return n, 2 * edges / n
    return n, float(params["mean_degree"])


def model_memory(params: dict, strategy, network=None) -> float:
    """Estimated peak bytes of one model with these (validated) parameters (see the module docstring)."""
    n, ties = market_size(params, network)
    per_consumer = PER_CONSUMER + PER_TIE * ties
    if (network is None and params["network"] == "complete") or (network is not None and network.is_complete):
        per_message = PER_MESSAGE_SENT + PER_MESSAGE_SEEN * params["reach"]
        per_consumer += per_message * params["contacts"] * messages_per_step(params, strategy)
    return n * per_consumer + process_memory(n)


def process_memory(n: int) -> float:
    """Bytes a process adds once, whatever the market: the compiled kernels if a model of n consumers will
    load them (``kernels.wanted``) and they are not loaded yet."""
    from . import kernels

    return KERNEL_CODE if kernels.wanted(n) and kernels.compiled.cache_info().currsize == 0 else 0.0


def check_talk(params: dict, strategy) -> None:
    """MemoryEstimateError if consumers would send more than MAX_MESSAGES_PER_STEP messages a step."""
    messages = messages_per_step(params, strategy)
    if messages <= MAX_MESSAGES_PER_STEP:
        return
    boost = messages / (params["talk_rate"] * TIME_UNITS[params["time_unit"]] * 1.5)
    raise MemoryEstimateError(
        f"{_path('talk_rate')} = {params['talk_rate']:g}"
        + (f" with a talk boost of {boost:g}" if boost > 1 else "")
        + f" means about {messages:,.3g} messages per consumer per {params['time_unit']}; at most "
        f"{MAX_MESSAGES_PER_STEP:,} can be simulated (each is delivered tie by tie): lower the talk rate or boost"
    )


def check_model_memory(params: dict, strategy, network=None, runs_at_once: int = 1, workers: int = 0) -> None:
    """MemoryEstimateError, saying what would fit, if `runs_at_once` such models, in `workers` worker
    processes (0: this process), exceed the memory available, or if their consumers would talk too much."""
    check_talk(params, strategy)
    available = available_memory()
    if available is None:
        return
    per_run = model_memory(params, strategy, network)
    needed = per_run * runs_at_once + WORKER_PROCESS * workers
    if needed <= available:
        return
    fit_runs = int(available // (per_run + WORKER_PROCESS * (workers > 0)))
    if workers and fit_runs >= 1:  # the market fits: fewer workers do
        raise MemoryEstimateError(
            f"{runs_at_once} worker processes need about {_size(needed)} of memory for {runs_at_once} runs at once "
            f"(about {_size(WORKER_PROCESS + per_run)} each, with its process); {_size(available)} is available: "
            f"run fewer at once (at most --jobs {fit_runs})"
        )
    n, _ = market_size(params, network)
    fixed = process_memory(n) + WORKER_PROCESS * (workers > 0)
    per_consumer = (per_run - process_memory(n)) / n
    fit = _rounded(available / runs_at_once / per_consumer)
    if process_memory(fit):  # a market that size would load the kernels too
        fit = _rounded(max(0.0, available / runs_at_once - fixed) / per_consumer)
    what = f"{_path('n_consumers')} = {n:,}"
    complete = network.is_complete if network is not None else params["network"] == "complete"
    edge_list = network is None and params["network"] == "edge_list"
    beyond = False
    if complete:
        what += (
            f" in a mean-field market ({_path('contacts')} = {params['contacts']:,}, about "
            f"{messages_per_step(params, strategy):,.3g} messages per consumer per step)"
        )
    elif edge_list:
        edges = edge_list_edges(params)
        beyond = edges * 4 > text_budget()  # measured only up to what could fit: more than this
        what = f"the edge-list file {Path(params['edge_list']).name} ({'more than' if beyond else 'up to'} "
        what += f"{int(edges):,} edges)"
    else:
        what += f" and {_path('mean_degree')} = {params['mean_degree']:g}"
    at_once = f" for {runs_at_once} runs at once" if runs_at_once > 1 else ""
    advice = f"at most about {fit:,} consumers would fit with these settings" if fit >= 2 else "no market fits"
    if edge_list:
        advice = "use a smaller network file"
    elif not complete and network is None:
        degree = ((available / runs_at_once - fixed) / n - PER_CONSUMER) / PER_TIE
        if degree >= 1:
            advice += f", or a mean degree of about {_rounded(degree):,} at this size"
    if complete:
        advice += " (fewer contacts or messages per step need less)"
    if runs_at_once > 1:
        advice += "; or run fewer at once (--jobs)"
    about = "more than" if edge_list and beyond else "about"
    raise MemoryEstimateError(
        f"{what} needs {about} {_size(needed)} of memory{at_once}; {_size(available)} is available: {advice}"
    )


def _rounded(value: float) -> int:
    """Down to two significant digits: an estimate is not more precise than that."""
    if value < 100:
        return max(int(value), 0)
    scale = 10 ** (int(math.log10(value)) - 1)
    return int(value // scale * scale)


def _path(name: str) -> str:
    return PARAMETERS[name].path


def _size(count: float) -> str:
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}"
    return f"{count / 2**10:,.0f} kB"


# A sweep's parent holds its design points (a dict each), the ids of stored runs and, for the
# analysis, every run's row (measured with tracemalloc and pandas, rounded up).
PER_POINT = 200
PER_POINT_FIELD = 40
PER_RUN = 600


def check_sweep_memory(points: int, fields: int, runs: int) -> None:
    """MemoryEstimateError before a design is built if its points and runs cannot be held in memory."""
    available = available_memory()
    if available is None:
        return
    per_point = PER_POINT + PER_POINT_FIELD * fields + PER_RUN * runs / max(points, 1)
    needed = points * per_point
    if needed <= available:
        return
    fit = _rounded(available / per_point)
    raise MemoryEstimateError(
        f"the design has {points:,} points ({runs:,} runs): holding them and their results needs about "
        f"{_size(needed)} of memory; {_size(available)} is available: at most about {fit:,} points would fit "
        "(fewer values per --param, or fewer --samples)"
    )


def check_scenario_memory(scenario, runs_at_once: int = 1) -> None:
    """check_model_memory for the most demanding strategy of a scenario (before a comparison starts); more
    than one run at once means as many worker processes."""
    params = scenario.model_parameters()  # checked by the scenario's schema
    strategies = sorted(scenario.strategies, key=lambda s: messages_per_step(params, s))
    workers = runs_at_once if runs_at_once > 1 else 0
    check_model_memory(params, strategies[-1], runs_at_once=runs_at_once, workers=workers)
