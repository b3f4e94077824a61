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
from functools import cache

_enabled: bool | None = None


def available() -> bool:
    """numba can be imported."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def enabled() -> bool:
    """Whether the rules use the compiled kernels (numba installed, not switched off)."""
    global _enabled
    if _enabled is None:
        _enabled = os.environ.get("WOM_KERNELS", "1") != "0" and available()
    return _enabled


def use_kernels(on: bool) -> bool:
    """Switch the kernels on or off (for tests and benchmarks); returns the previous setting."""
    global _enabled
    previous = enabled()
    _enabled = bool(on) and available()
    return previous


@cache
def compiled():
    """The compiled kernels (module ``simulation._compiled``), compiled on first use and cached on disk."""
    from . import _compiled

    return _compiled
