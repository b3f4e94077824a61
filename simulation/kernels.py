"""Compiled loops for the rules numpy cannot express without market-sized temporaries (numba, optional).

Each kernel here is the loop form of a rule whose equation and numpy form live in ``simulation.rules``;
the rule calls the kernel when numba is installed and ``enabled()``, and its numpy form otherwise. Both
forms take the same hashed uniforms (``simulation.streams``), so they draw the same outcomes; tests run
both and compare (``tests/test_engine_paths.py``).

numba is an optional dependency (``pip install wom-simulator[fast]``); without it the engine runs the
numpy forms. ``WOM_KERNELS=0`` in the environment, or ``use_kernels(False)``, turns the kernels off.
Kernels are compiled on first use and cached on disk (``cache=True``), so a process pays for compiling
once per machine, and importing this module does not import numba.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import cache

_enabled: bool | None = None
_batch = False

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
    global _enabled, _batch
    saved = (_enabled, _batch)
    use_kernels(on)
    try:
        yield
    finally:
        _enabled, _batch = saved


def for_batches() -> None:
    """This process will run many models (a sweep or comparison worker): use the kernels whatever the size."""
    global _batch
    _batch = True


def wanted(n_consumers: int) -> bool:
    """Whether a model of this size uses the kernels: enabled, and a big market, a batch process, or
    kernels already loaded in this process."""
    return (n_consumers >= SMALLEST_MARKET or _batch or compiled.cache_info().currsize > 0) and enabled()


@cache
def compiled():
    """The compiled kernels (module ``simulation._compiled``), compiled on first use and cached on disk."""
    from . import _compiled

    return _compiled
