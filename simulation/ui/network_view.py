"""Drawing the consumers' network: a sample of at most ``MAX_NODES`` consumers, laid out once and cached.

Markets have up to millions of consumers, so the page draws a breadth-first neighbourhood of the
best-connected consumers (where word of mouth and hub seeding start). The spring layout of that sample
is computed once per (network, seed) and reused on every step and Reset. A complete (mean-field)
market has no ties: a random sample is placed at random positions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import networkx as nx
import numpy as np

from ..state import Role
from .charts import SCHEMA
from .palette import OPINION_DOMAIN, OPINION_RANGE, ROLE_COLOURS, VALENCE

MAX_NODES = 500
ROLE_NAMES = {Role.PROSPECT: "prospect", Role.FOLLOWER: "follower", Role.CUSTOMER: "past customer"}

_LAYOUTS: OrderedDict = OrderedDict()
_LAYOUT_CACHE_SIZE = 8
_lock = threading.Lock()


@dataclass(frozen=True)
class NetworkSample:
    """Consumers drawn, their positions, the ties among them and how the sample was chosen."""

    nodes: np.ndarray  # consumer indices
    x: np.ndarray
    y: np.ndarray
    edges: np.ndarray  # (m, 2) positions in `nodes` of tie ends (each undirected tie once)
    slot: np.ndarray  # per consumer: its position in `nodes`, -1 if not drawn
    total: int
    how: str


def bfs_sample(network, max_nodes: int) -> np.ndarray:
    """Breadth-first ball around the best-connected consumer (then the next, until max_nodes)."""
    n = network.n
    indptr, indices = network.indptr, network.indices
    order = np.argsort(-network.degree, kind="stable")
    seen = np.zeros(n, dtype=bool)
    chosen: list[int] = []
    for start in order:
        if len(chosen) >= max_nodes:
            break
        if seen[start]:
            continue
        frontier = np.array([start])
        seen[start] = True
        while frontier.size and len(chosen) < max_nodes:
            chosen.extend(frontier[: max_nodes - len(chosen)].tolist())
            nxt = np.concatenate([indices[indptr[i] : indptr[i + 1]] for i in frontier]) if frontier.size else frontier
            nxt = np.unique(nxt)
            nxt = nxt[~seen[nxt]]
            seen[nxt] = True
            # Visit the best-connected neighbours first: the ball grows along hubs.
            frontier = nxt[np.argsort(-network.degree[nxt], kind="stable")]
    return np.array(chosen, dtype=np.int64)


def _build_sample(network, seed: int, max_nodes: int) -> NetworkSample:
    n = network.n
    slot = np.full(n, -1, dtype=np.int64)
    rng = np.random.default_rng(seed)
    if network.is_complete or n <= max_nodes:
        nodes = np.arange(n) if n <= max_nodes else np.sort(rng.choice(n, max_nodes, replace=False))
        how = "everyone" if n <= max_nodes else "a random sample"
    else:
        nodes = bfs_sample(network, max_nodes)
        how = "the neighbourhood of the best-connected consumers"
    slot[nodes] = np.arange(nodes.size)
    if network.is_complete:
        angle, radius = rng.uniform(0, 2 * np.pi, nodes.size), np.sqrt(rng.uniform(0, 1, nodes.size))
        x, y = radius * np.cos(angle), radius * np.sin(angle)
        edges = np.empty((0, 2), dtype=np.int64)
        how += "; a mean-field market has no ties, positions are random"
    else:
        sub = network.to_scipy()[nodes][:, nodes].tocoo()
        keep = sub.row < sub.col
        edges = np.column_stack([sub.row[keep], sub.col[keep]]).astype(np.int64)
        graph = nx.Graph()
        graph.add_nodes_from(range(nodes.size))
        graph.add_edges_from(edges.tolist())
        pos = nx.spring_layout(graph, seed=seed, iterations=50)
        xy = np.array([pos[i] for i in range(nodes.size)])
        x, y = xy[:, 0], xy[:, 1]
    return NetworkSample(nodes, x, y, edges, slot, n, how)


def network_sample(network, key: tuple, seed: int, max_nodes: int = MAX_NODES) -> NetworkSample:
    """The cached sample and layout for this network (computed on first use only)."""
    cache_key = key + (max_nodes,)
    with _lock:
        if cache_key in _LAYOUTS:
            _LAYOUTS.move_to_end(cache_key)
            return _LAYOUTS[cache_key]
    sample = _build_sample(network, seed, max_nodes)
    with _lock:
        _LAYOUTS[cache_key] = sample
        while len(_LAYOUTS) > _LAYOUT_CACHE_SIZE:
            _LAYOUTS.popitem(last=False)
    return sample


def caption(sample: NetworkSample) -> str:
    return f"showing {sample.nodes.size:,} of {sample.total:,} consumers (sample: {sample.how})"


def drawn_messages(sample: NetworkSample, messages: dict | None) -> dict:
    """Last step's messages whose speaker and listener are both drawn: segment ends and valence."""
    if not messages or len(messages["speaker"]) == 0:
        return {
            "x": np.empty(0),
            "y": np.empty(0),
            "x2": np.empty(0),
            "y2": np.empty(0),
            "message": np.empty(0, dtype=object),
        }
    speaker, listener = sample.slot[messages["speaker"]], sample.slot[messages["listener"]]
    shown = (speaker >= 0) & (listener >= 0)
    s, li = speaker[shown], listener[shown]
    valence = np.asarray(messages["valence"])[shown]
    return {
        "x": sample.x[s],
        "y": sample.y[s],
        "x2": sample.x[li],
        "y2": sample.y[li],
        "message": np.where(valence > 0, "positive", np.where(valence < 0, "negative", "neutral")),
    }


def _records(columns: dict) -> list[dict]:
    """Column arrays as Vega-Lite data rows (plain Python values, rounded: positions need no more)."""
    names = list(columns)
    values = [
        np.round(v, 3).tolist() if np.asarray(v).dtype.kind == "f" else np.asarray(v).tolist() for v in columns.values()
    ]
    return [dict(zip(names, row)) for row in zip(*values)]


def network_spec(sample: NetworkSample, colour_by: str = "role", size_by: str = "talkativeness", size: int = 520):
    """Vega-Lite spec: ties in light grey (fixed, inline), last step's messages (green positive, red negative)
    and the consumers (their rows come each step: ``network_rows``), coloured by role or by opinion on the
    page's scales (``palette``). Positions are fixed: the scales do not move as the data changes."""
    ends = sample.edges
    ties_rows = _records(
        {"x": sample.x[ends[:, 0]], "y": sample.y[ends[:, 0]], "x2": sample.x[ends[:, 1]], "y2": sample.y[ends[:, 1]]}
    )
    axis = {"title": None, "labels": False, "ticks": False, "domain": False, "grid": False}

    def extent(values):
        if values.size == 0:
            return [-1.0, 1.0]
        low, high = float(values.min()), float(values.max())
        pad = 0.03 * (high - low or 1.0)
        return [round(low - pad, 3), round(high + pad, 3)]

    position = {
        "x": {"field": "x", "type": "quantitative", "axis": axis, "scale": {"domain": extent(sample.x)}},
        "y": {"field": "y", "type": "quantitative", "axis": axis, "scale": {"domain": extent(sample.y)}},
    }
    segment = {**position, "x2": {"field": "x2"}, "y2": {"field": "y2"}}
    if colour_by == "role":
        colour = {
            "field": "role",
            "type": "nominal",
            "title": "role",
            "scale": {"domain": list(ROLE_COLOURS), "range": list(ROLE_COLOURS.values())},
        }
    else:
        colour = {
            "field": "opinion",
            "type": "quantitative",
            "title": "opinion",
            "scale": {"domain": OPINION_DOMAIN, "range": OPINION_RANGE},
        }
    colour["legend"] = {"orient": "bottom"}
    message_colour = {
        "field": "message",
        "type": "nominal",
        "legend": {"orient": "bottom", "title": "last step's messages"},
        "scale": {"domain": list(VALENCE), "range": list(VALENCE.values())},
    }
    size_title = "talkativeness" if size_by == "talkativeness" else "ties (degree)"
    return {
        "$schema": SCHEMA,
        "width": size,
        "height": size,
        "config": {"view": {"stroke": None}},
        "resolve": {"scale": {"color": "independent"}},
        "layer": [
            {
                "data": {"values": ties_rows},
                "mark": {"type": "rule", "color": "#cfcfcf", "opacity": 0.35, "strokeWidth": 0.6},
                "encoding": segment,
            },
            {
                "data": {"name": "messages"},
                "mark": {"type": "rule", "strokeWidth": 1.8, "opacity": 0.85},
                "encoding": {**segment, "color": message_colour},
            },
            {
                "data": {"name": "nodes"},
                "mark": {"type": "circle", "opacity": 0.9, "stroke": "white", "strokeWidth": 0.3},
                "encoding": {
                    **position,
                    "color": colour,
                    "size": {"field": "size", "type": "quantitative", "scale": {"range": [12, 160]}, "legend": None},
                    "tooltip": [
                        {"field": "role"},
                        {"field": "opinion", "format": "+.2f"},
                        {"field": "size", "title": size_title, "format": ".2f"},
                    ],
                },
            },
        ],
    }


def node_columns(model, sample: NetworkSample, size_by: str = "talkativeness") -> dict[str, np.ndarray]:
    """The drawn consumers' fields, one array each: ``id`` (the consumer's place in the sample, the key a
    step's changes are matched by), position, role, opinion (to the two decimals the tooltip shows) and size."""
    c, nodes = model.consumers, sample.nodes
    weight = c.talkativeness[nodes] if size_by == "talkativeness" else model.network.degree[nodes].astype(float)
    return {
        "id": np.arange(nodes.size),
        "x": sample.x,
        "y": sample.y,
        "role": np.array([ROLE_NAMES[Role(r)] for r in range(3)])[c.role[nodes]],
        "opinion": np.round(c.opinion[nodes], 2),
        "size": weight,
    }


def network_rows(model, sample: NetworkSample, size_by: str = "talkativeness") -> dict[str, list[dict]]:
    """This step's rows of the network view: the drawn consumers and the last step's messages among them."""
    return {
        "nodes": _records(node_columns(model, sample, size_by)),
        "messages": message_rows(model, sample),
    }


def message_rows(model, sample: NetworkSample) -> list[dict]:
    """The rows of the last step's messages among the drawn consumers."""
    return _records(drawn_messages(sample, model.last_messages))


class NodeChanges:
    """The network view's consumers step by step: every drawn consumer the first time, then only those whose
    role, opinion (as shown) or size changed since the last call, so a step redraws only what changed."""

    def __init__(self, sample: NetworkSample, size_by: str = "talkativeness"):
        self.sample, self.size_by = sample, size_by
        self.shown: dict[str, np.ndarray] | None = None

    def rows(self, model) -> list[dict]:
        columns = node_columns(model, self.sample, self.size_by)
        if self.shown is None:
            moved = np.ones(self.sample.nodes.size, dtype=bool)
        else:
            moved = np.zeros(self.sample.nodes.size, dtype=bool)
            for field in ("role", "opinion", "size"):
                moved |= columns[field] != self.shown[field]
        self.shown = columns
        return _records({name: values[moved] for name, values in columns.items()})


def network_chart(model, sample: NetworkSample, colour_by: str = "role", size_by: str = "talkativeness", size=520):
    """The whole chart with its data inline (a static picture, e.g. for reports and tests)."""
    spec = network_spec(sample, colour_by, size_by, size)
    data = network_rows(model, sample, size_by)
    spec["layer"][1]["data"] = {"values": data["messages"]}
    spec["layer"][2]["data"] = {"values": data["nodes"]}
    return spec
