"""Random streams: one per purpose, so a purpose's draws never depend on another's (common random numbers).

Two strategies run with the same seed share the network, the consumers and every draw their difference
does not touch. Per-consumer draws take one uniform per consumer from the step's stream of that purpose;
per-tie draws are hashed from the tie's index (``hashed_uniforms``), so a tie's draw does not shift when
other consumers talk or not.
"""

from __future__ import annotations

import functools
import zlib

import numpy as np

# A purpose's number is part of its stream: new purposes go at the end.
PURPOSES = (
    "network",
    "population",
    "ties",
    "talk",
    "deliver",
    "purchase",
    "follow",
    "marketing",
    "response",
    "repeat",
    "greedy",
    "lever_messages",
    "reviews",
    "page",
    "defects",
    "listening",
    "reallocate",
    "lever_purchases",
    "lever_reviews",
    "reviews_asked",
)
STREAM_IDS = {name: i for i, name in enumerate(PURPOSES)}


def purpose_id(purpose: str) -> int:
    """The id of a purpose: its place in ``PURPOSES``, else one derived from its name (CRC-32, above the table's
    ids), so a new rule's purpose needs no entry here and moves no existing number."""
    known = STREAM_IDS.get(purpose)
    return known if known is not None else len(PURPOSES) + zlib.crc32(purpose.encode())


def step_stream(seed: int, purpose: str, step: int, index: int = 0) -> np.random.Generator:
    """The stream of one purpose at one step (``index`` tells apart several users, e.g. levers)."""
    return np.random.default_rng([seed, purpose_id(purpose), step, index])


def fixed_stream(seed: int, purpose: str) -> np.random.Generator:
    """The stream of one purpose that does not depend on the step (set-up, precomputation)."""
    return np.random.default_rng([seed, purpose_id(purpose)])


def mix64(keys) -> np.ndarray:
    """SplitMix64 finaliser: a well-mixed 64-bit hash of each key."""
    z = np.asarray(keys).astype(np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z


def hashed_uniforms(salt: np.uint64, indices: np.ndarray, compiled: bool = False) -> np.ndarray:
    """One uniform in [0, 1) per index, a hash of (salt, index): the same index gets the same draw
    whatever other indices are drawn with it. ``compiled``: the kernel's loop (same draws)."""
    if compiled:
        from . import kernels

        return kernels.compiled().hashed_uniforms(salt, indices)
    with np.errstate(over="ignore"):
        keys = indices.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + salt
    return (mix64(keys) >> np.uint64(11)).astype(np.float64) * (1.0 / 2**53)


_MASK = (1 << 64) - 1


def _mix(z: int) -> int:
    """SplitMix64's finaliser on a Python integer (a bijection of 64-bit values)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def step_salt(seed: int, purpose: str, step: int) -> np.uint64:
    """The salt of a purpose's hashed uniforms at one step: nested hashes of seed, purpose and step (distinct
    for every triple; computed in a microsecond, where a generator takes tens)."""
    return np.uint64(_mix(_purpose_salt(seed, purpose) ^ (step & _MASK)))


@functools.lru_cache(maxsize=256)
def _purpose_salt(seed: int, purpose: str) -> int:
    # The same few (seed, purpose) pairs are salted at every step of a run.
    return _mix(_mix(seed & _MASK) ^ purpose_id(purpose))


def thinned(
    candidates: np.ndarray, bound: float, salt: np.uint64, compiled: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(who, uniforms): the consumers flagged in `candidates` whose hashed uniform (``hashed_uniforms``)
    is below `bound`, and those uniforms. A rule whose per-step probability never exceeds `bound`
    evaluates itself only for these (thinning), and every consumer keeps its own draw. ``compiled``: use
    the compiled kernel (default: if ``kernels.enabled()``)."""
    from . import kernels

    if kernels.enabled() if compiled is None else compiled:
        found = kernels.over_consumers(kernels.compiled().thin, candidates.shape[0], (candidates, float(bound), salt))
        if len(found) == 1:
            return found[0]
        return np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])
    who = np.flatnonzero(candidates)
    uniforms = hashed_uniforms(salt, who)
    below = uniforms < bound
    return who[below], uniforms[below]
