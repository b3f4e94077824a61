"""Compiled loops for the rules numpy cannot express without market-sized temporaries (numba, optional).

Each kernel here is the loop form of a rule whose equation and numpy form live in ``simulation.rules``;
the rule calls the kernel when numba is installed and ``enabled()``, and its numpy form otherwise. Both
forms take the same hashed uniforms (``simulation.streams``), so they draw the same outcomes; tests run
both and compare (``tests/test_engine_paths.py``).

numba is an optional dependency (``pip install wom-simulator[fast]``); without it the engine runs the
numpy forms. ``WOM_KERNELS=0`` in the environment, or ``use_kernels(False)``, turns the kernels off.

A big step's delivery and persuasion are split over ``threads()`` threads (the kernels release the GIL), in
parts that touch disjoint consumers and ties, so any number of threads gives the same numbers.
``WOM_THREADS`` (else ``NUMBA_NUM_THREADS``) sets the number, default the cores this process may use;
sweep and comparison workers (``for_batches``) use one, since they already run one process per core.
Kernels are compiled on first use and cached on disk (``cache=True``), so a process pays for compiling
once per machine, and importing this module does not import numba.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np

_enabled: bool | None = None
_batch = False
_threads: int | None = None
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
# Below this many deliveries in a step a second thread costs more to wake than it saves.
SMALLEST_SPLIT = 50_000

# Loading the kernels costs about 1.5 s per process (numba's start-up and the compiled code read from its
# cache); they save more than that from about this many consumers in one run, or in a process that runs
# many models (``for_batches``).
SMALLEST_MARKET = 50_000


@cache
def available() -> bool:
    """numba is installed (found without importing it: importing costs half a second)."""
    from importlib.util import find_spec

    return find_spec("numba") is not None


def enabled() -> bool:
    """Whether the rules use the compiled kernels (numba installed, not switched off)."""
    global _enabled
    if _enabled is None:
        _enabled = os.environ.get("WOM_KERNELS", "1") != "0" and available()
    return _enabled


def use_kernels(on: bool) -> bool:
    """Switch the kernels on (for every model, whatever its size) or off, for tests and benchmarks; returns
    the previous setting."""
    global _enabled, _batch
    previous = enabled() and _batch
    _enabled = bool(on) and available()
    _batch = bool(on)
    return previous


@contextmanager
def using(on: bool):
    """Within the block, the kernels are on for every model (or off); the settings are restored after."""
    global _enabled, _batch, _threads
    saved = (_enabled, _batch, _threads)
    use_kernels(on)
    try:
        yield
    finally:
        _enabled, _batch, _threads = saved


def for_batches() -> None:
    """This process will run many models (a sweep or comparison worker): use the kernels whatever the size,
    on one thread (the workers already run one process per core)."""
    global _batch
    _batch = True
    use_threads(1)


def threads() -> int:
    """Threads a step's kernels are split over (``WOM_THREADS``, else ``NUMBA_NUM_THREADS``, else the cores
    this process may use)."""
    global _threads
    if _threads is None:
        setting = os.environ.get("WOM_THREADS") or os.environ.get("NUMBA_NUM_THREADS")
        try:
            wanted = int(setting) if setting else len(os.sched_getaffinity(0))
        except (ValueError, AttributeError):  # a malformed setting, or no sched_getaffinity (macOS)
            wanted = os.cpu_count() or 1
        _threads = max(1, wanted)
    return _threads


def use_threads(count: int) -> int:
    """Split the kernels over `count` threads from now on (1: the calling thread only); returns the previous count."""
    global _threads
    previous = threads()
    _threads = max(1, int(count))
    return previous


def parts_for(work: int) -> int:
    """In how many parts (threads) to run a kernel over `work` items."""
    return 1 if work < SMALLEST_SPLIT else min(threads(), max(1, work // (SMALLEST_SPLIT // 2)))


def run_parts(kernel, calls: list[tuple]) -> list:
    """``kernel(*args)`` for each argument tuple, the first in this thread and the others in the pool's."""
    global _pool, _pool_size
    if len(calls) == 1:
        return [kernel(*calls[0])]
    if _pool is None or _pool_size < len(calls) - 1:
        _pool, _pool_size = ThreadPoolExecutor(len(calls) - 1, thread_name_prefix="wom-kernel"), len(calls) - 1
    others = [_pool.submit(kernel, *args) for args in calls[1:]]
    return [kernel(*calls[0])] + [future.result() for future in others]


def over_consumers(kernel, n: int, settings: tuple) -> list:
    """``kernel(*settings, start, stop)`` over consumers 0 to n - 1 in ``parts_for(n)`` ranges, one per thread;
    the parts' results in the consumers' order. For kernels in which a consumer touches only its own state
    (each keeps its own hashed draw), so the split changes no number."""
    return run_parts(kernel, [settings + span for span in spans(n, parts_for(n))])


def spans(n: int, parts: int) -> list[tuple[int, int]]:
    """Items 0 to n - 1 cut into `parts` consecutive (start, stop) ranges of nearly equal size."""
    cuts = [n * p // parts for p in range(parts + 1)]
    return list(zip(cuts, cuts[1:]))


def radix_digits(n_ties: int) -> tuple[int, int]:
    """(bits, digit width) of ``sort_deliveries``: digits of up to 12 bits, as few passes as that allows."""
    bits = max(1, (int(n_ties) - 1).bit_length())
    passes = (bits + 11) // 12
    return bits, (bits + passes - 1) // passes


def sort_deliveries(m: int, buffers: tuple, n_ties: int) -> tuple:
    """``_compiled.sort_deliveries`` (the first m deliveries in ``buffers[:3]`` sorted by tie, ``buffers[3:]``
    the scratch space), split over ``parts_for(m)`` threads: each pass counts digits part by part, then moves
    each part's deliveries to places that follow the earlier parts', so the order is the serial sort's."""
    compiled_kernels = compiled()
    parts = parts_for(m)
    if parts == 1:
        return compiled_kernels.sort_deliveries(m, *buffers, n_ties)
    bits, width = radix_digits(n_ties)
    mask = (1 << width) - 1
    source, target = buffers[:3], buffers[3:]
    ranges = spans(m, parts)
    shift = 0
    while shift < bits:
        counts = np.zeros((parts, mask + 1), dtype=np.int64)
        run_parts(
            compiled_kernels.digit_histogram,
            [(source[0], a, b, shift, mask, counts[p]) for p, (a, b) in enumerate(ranges)],
        )
        totals = counts.sum(axis=0)
        offsets = (np.cumsum(totals) - totals) + (np.cumsum(counts, axis=0) - counts)
        run_parts(
            compiled_kernels.scatter_by_digit,
            [(*source, a, b, shift, mask, offsets[p], *target) for p, (a, b) in enumerate(ranges)],
        )
        source, target = target, source
        shift += width
    return tuple(array[:m] for array in source)


def _forget_pool() -> None:
    global _pool, _pool_size
    _pool, _pool_size = None, 0  # a forked child has the pool object but none of its threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def wanted(n_consumers: int) -> bool:
    """Whether a model of this size uses the kernels: enabled, and a big market, a batch process, or
    kernels already loaded in this process."""
    return (n_consumers >= SMALLEST_MARKET or _batch or compiled.cache_info().currsize > 0) and enabled()


@cache
def compiled():
    """The compiled kernels (module ``simulation._compiled``), compiled on first use and cached on disk."""
    drop_stale_kernels(Path(__file__).parent)
    from . import _compiled

    return _compiled


def drop_stale_kernels(package: Path) -> list[Path]:
    """Forget the kernels cached before the newest edit of a rule; returns the cache indexes removed.

    numba's cache checks a kernel's own source file only, and the kernels compile the rules' equations
    (``simulation/rules/``) into themselves: without this, a kernel cached before a rule was edited would go on
    computing the old equation. Removing its index makes numba compile it again (once)."""
    newest_rule = max(path.stat().st_mtime for path in (package / "rules").glob("*.py"))
    folders = [package / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):  # numba mirrors the source tree there
        folders.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    removed = []
    for folder in folders:
        for index in folder.rglob("_compiled.*.nbi") if folder.is_dir() else ():
            try:
                if index.stat().st_mtime < newest_rule:
                    index.unlink()
                    removed.append(index)
            except OSError:  # another process removed it, or a read-only installation (whose rules are not edited)
                continue
    return removed
