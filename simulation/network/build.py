"""Building a model's social network: the kind's builder with its options, from the model's parameters.

``build_network`` dispatches a kind to its generator (``generators``) or to the edge-list loader
(``edgelist``); ``build_market_network`` is what ``WordOfMouthModel`` builds from its validated
parameters and seed, on its own random stream, so comparisons and sweeps can build a network once
and hand it to every model of the same seed without changing a number.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..streams import fixed_stream
from .generators import communities, complete, random_graph, scale_free, small_world
from .graph import SocialNetwork
from .settings import KINDS, builder_options

_GENERATORS: dict[str, Callable[..., SocialNetwork]] = {
    "small_world": small_world,
    "scale_free": scale_free,
    "random": random_graph,
    "communities": communities,
}


def build_market_network(seed: int, params: Mapping[str, Any]) -> SocialNetwork:
    """The social network a model with these (validated) parameters and seed builds."""
    rng = fixed_stream(seed, "network")
    return build_network(params["network"], params["n_consumers"], rng, **builder_options(params))


def build_network(kind: str, n: int | None, rng: np.random.Generator | None, **params) -> SocialNetwork:
    """Build the social network named by ``kind`` with its parameters (the scenario-file entry point).

    ``kind`` is one of :data:`~simulation.network.settings.KINDS`. For ``"edge_list"`` pass ``path``
    (and optionally the keywords of :func:`~simulation.network.edgelist.load_edge_list`); ``n`` may
    then be None, and if given it must match the file. Raises ValueError naming the parameter, its
    value and what is allowed.
    """
    if kind == "edge_list":
        from .edgelist import load_edge_list  # pandas' readers: only for networks read from a file

        _check_params(kind, load_edge_list, params, skip=())
        network = load_edge_list(**params)
        if n is not None and n != network.n:
            raise ValueError(
                f"market.n_consumers = {n!r} does not match the {network.n:,} consumers (distinct node ids) of the "
                f"edge-list file {Path(params['path']).name}; set market.n_consumers to {network.n}"
            )
        return network
    if n is None:
        raise ValueError(
            f"{kind}: parameter 'n' = None is not allowed: only an edge_list network takes its size from its file"
        )
    if kind == "complete":
        _check_params(kind, complete, params, skip=("n",))
        return complete(n)
    if kind not in _GENERATORS:
        raise ValueError(f"unknown network kind {kind!r}; allowed kinds: {', '.join(KINDS)}")
    _check_params(kind, _GENERATORS[kind], params, skip=("n", "rng"))
    return _GENERATORS[kind](n, rng=rng, **params)


def _check_params(kind: str, func: Callable, params: dict, skip: tuple[str, ...]) -> None:
    """Reject unknown or missing parameters for a network kind, listing the ones it takes."""
    signature = inspect.signature(func).parameters
    allowed = [name for name in signature if name not in skip]
    required = [name for name in allowed if signature[name].default is inspect.Parameter.empty]
    for name in params:
        if name not in allowed:
            raise ValueError(
                f"{kind}: unknown parameter {name!r}; allowed parameters: {', '.join(allowed) or '(none)'}"
            )
    for name in required:
        if name not in params:
            raise ValueError(f"{kind}: missing required parameter {name!r}; parameters: {', '.join(allowed)}")
