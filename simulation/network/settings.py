"""Network settings as data: the kinds of network, the model parameters each kind reads, and the
constraints each generator puts on them.

The parameter table (``simulation.parameters``), the scenario schema, sweep validation, the model and
the generators all check a network's settings with :func:`network_problems` and the functions it
calls, so a value is refused before anything runs, with the same words wherever it comes from. This
module imports nothing heavy: the command line and the schema read it at start-up.

Constraints (n = number of consumers):

* small_world and scale_free without ``degree_exponent`` (Barabasi-Albert): ``mean_degree`` is an
  even whole number in [2, n - 1] (small world) or [2, n - 2] (Barabasi-Albert), since each consumer
  gets mean_degree / 2 ties on each side of the ring, or when it joins;
* random, communities and scale_free with ``degree_exponent`` (configuration model): ``mean_degree``
  in (0, n - 1]; with an exponent also at least the mean of the power law on 1..n - 1, the smallest
  mean a power-law degree sequence can have;
* communities: the block model stays sparse -- ties inside a community fill at most half of its
  pairs, ties across communities at most half of the cross pairs -- which bounds ``n_communities``
  (and ``mean_degree``); with one community, ``within_share`` must be 1;
* edge_list: ``edge_list`` names the file.

A sweep that samples ``mean_degree`` continuously gets it rounded to an allowed value by
:func:`nearest_allowed`; see docs/SWEEPS.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KINDS = ("small_world", "scale_free", "random", "communities", "complete", "edge_list")

# For each kind, the builder's keyword option -> the model parameter it comes from.
OPTIONS: dict[str, dict[str, str]] = {
    "small_world": {"mean_degree": "mean_degree", "rewiring": "rewiring"},
    "scale_free": {"mean_degree": "mean_degree", "exponent": "degree_exponent"},
    "random": {"mean_degree": "mean_degree"},
    "communities": {"mean_degree": "mean_degree", "n_communities": "n_communities", "within_share": "within_share"},
    "complete": {},
    "edge_list": {"path": "edge_list", "directed": "edge_list_directed"},
}

# Every model parameter the network is built from (the kind, the market size and the options).
NETWORK_PARAMETERS = tuple(
    dict.fromkeys(["network", "n_consumers", *(name for options in OPTIONS.values() for name in options.values())])
)


@dataclass(frozen=True)
class Problem:
    """A network setting that is not allowed: the model parameter, its value and what is allowed."""

    parameter: str
    value: Any
    allowed: str

    def __str__(self) -> str:
        return f"parameter {self.parameter!r} = {self.value!r} is not allowed: expected {self.allowed}"


def builder_options(params: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword options of the network builder for these model parameters (its kind's only)."""
    return {option: params[name] for option, name in OPTIONS[params["network"]].items()}


def network_key(params: Mapping[str, Any], seed: int) -> tuple:
    """What a model's network depends on: kind, market size, the kind's options and the seed.

    Caches of built networks (the front end's, a sweep worker's) use it, so two settings that differ
    only in parameters the kind does not read share one network.
    """
    options = builder_options(params)
    return (params["network"], params["n_consumers"], *sorted(options.items()), seed)


# ----------------------------------------------------------------------------------------------------
# Mean degree
# ----------------------------------------------------------------------------------------------------


def needs_even_degree(kind: str, degree_exponent: float | None = None) -> bool:
    """Whether the kind builds mean_degree / 2 ties per consumer (ring lattice, preferential attachment)."""
    return kind == "small_world" or (kind == "scale_free" and degree_exponent is None)


def nearest_allowed(kind: str, mean_degree: float, degree_exponent: float | None = None) -> float:
    """``mean_degree`` rounded to the nearest value the kind allows: the nearest even whole number
    (halfway values up, at least 2) where the kind needs one, else unchanged."""
    if not needs_even_degree(kind, degree_exponent):
        return mean_degree
    return max(2, 2 * math.floor(mean_degree / 2 + 0.5))


def power_law_min_mean(n: int, exponent: float) -> float:
    """Mean of the discrete power law P(k) ~ k^-exponent on 1..n - 1: the smallest mean a power-law
    degree sequence of n consumers can have (sum k^(1-a) / sum k^-a, by Hurwitz zeta functions)."""
    from scipy.special import zeta  # imported here: only configuration models need it

    def partial_sum(s: float) -> float:  # sum of k^-s for k = 1..n-1
        return float(zeta(s, 1) - zeta(s, n))

    return partial_sum(exponent - 1) / partial_sum(exponent)


def mean_degree_problem(kind: str, n: int, mean_degree: float, degree_exponent: float | None = None) -> Problem | None:
    """Whether ``mean_degree`` is allowed for this kind of network of ``n`` consumers (None if it is)."""
    if kind in ("complete", "edge_list"):
        return None
    where = f"for a {kind} network with n_consumers = {n:,}"
    if needs_even_degree(kind, degree_exponent):
        upper = n - 1 if kind == "small_world" else n - 2
        upper -= upper % 2
        ties = "on each side of the ring" if kind == "small_world" else "when it joins"
        is_even = float(mean_degree).is_integer() and int(mean_degree) % 2 == 0
        if upper < 2:
            return Problem("n_consumers", n, f"at least {4 if kind == 'scale_free' else 3} consumers {where}")
        if not is_even or not 2 <= mean_degree <= upper:
            return Problem(
                "mean_degree",
                mean_degree,
                f"an even whole number in [2, {upper}] {where} (each consumer gets mean_degree / 2 ties {ties})",
            )
        return None
    upper = n - 1
    if not 0 < mean_degree <= upper:
        return Problem("mean_degree", mean_degree, f"a number in (0, {upper}] {where}")
    if kind == "scale_free" and degree_exponent is not None:
        lowest = power_law_min_mean(n, degree_exponent)
        if mean_degree < lowest:
            return Problem(
                "mean_degree",
                mean_degree,
                f"at least {lowest:.4g} {where} with degree_exponent {degree_exponent:g} (the mean of the "
                f"power law on 1..{upper}, the smallest mean its degrees can have); or raise degree_exponent",
            )
    return None


# ----------------------------------------------------------------------------------------------------
# Communities (stochastic block model)
# ----------------------------------------------------------------------------------------------------


def communities_problems(n: int, mean_degree: float, n_communities: int, within_share: float) -> list[Problem]:
    """Whether a community network of these settings can be built sparse (tie probabilities <= 1/2).

    Communities have n // n_communities or one more members; a consumer expects
    mean_degree * within_share ties inside its community and the rest outside. A community of s
    members holds at most (s - 1) / 2 ties per member, so each needs s >= 2 * within + 1 members,
    which allows at most n // ceil(2 * within + 1) communities.
    """
    within = mean_degree * within_share
    between = mean_degree - within
    if n_communities == 1:
        if between > 0:
            return [
                Problem(
                    "within_share", within_share, "1 when n_communities = 1 (there is no other community to tie to)"
                )
            ]
        if within > (n - 1) / 2:
            return [
                Problem(
                    "mean_degree", mean_degree, f"at most {(n - 1) / 2:g} in a single community of n_consumers = {n:,}"
                )
            ]
        return []
    members = math.ceil(2 * within + 1)
    most = n // members
    if n_communities > most:
        fewest = 1 if between == 0 else 2  # one community leaves no one outside to tie to
        reason = (
            f": mean_degree * within_share = {within:g} ties inside a community need at least {members} members "
            "per community (ties inside a community fill at most half of its pairs)"
            if within > 0
            else ""
        )
        if most >= fewest:
            allowed = f"a whole number in [{fewest}, {most:,}] for n_consumers = {n:,}{reason}"
            return [Problem("n_communities", n_communities, allowed)]
        size = n // n_communities
        return [
            Problem(
                "mean_degree",
                mean_degree,
                f"at most {(size - 1) / 2 / within_share:.4g} for n_consumers = {n:,} in {n_communities} communities "
                f"and within_share {within_share:g}{reason}",
            )
        ]
    outside = n - n // n_communities - 1  # members of other communities (the largest community has one more)
    if between > outside / 2:
        return [
            Problem(
                "mean_degree",
                mean_degree,
                f"at most {outside / 2 / (1 - within_share):.4g} for n_consumers = {n:,} in {n_communities} communities "
                f"and within_share {within_share:g}: mean_degree * (1 - within_share) = {between:g} ties outside "
                f"the community exceed half of the ~{outside} consumers in other communities",
            )
        ]
    return []


# ----------------------------------------------------------------------------------------------------
# All of a network's settings
# ----------------------------------------------------------------------------------------------------


def network_problems(params: Mapping[str, Any]) -> list[Problem]:
    """Every network setting in these model parameters that its kind's generator would refuse.

    Each value is assumed to be in its own range already (the parameter table checks that); this
    checks what depends on the kind and on the other settings.
    """
    kind = params["network"]
    if kind == "edge_list":
        if not params.get("edge_list"):
            return [
                Problem(
                    "edge_list", params.get("edge_list"), "the path of an edge-list file when network = 'edge_list'"
                )
            ]
        return []
    n = params["n_consumers"]
    problem = mean_degree_problem(kind, n, params["mean_degree"], params.get("degree_exponent"))
    if problem is not None:
        return [problem]
    if kind == "communities":
        return communities_problems(n, params["mean_degree"], params["n_communities"], params["within_share"])
    return []
