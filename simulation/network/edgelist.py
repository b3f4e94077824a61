"""Real social networks from edge-list files (SNAP style), and the optional node-roles file.

An edge-list file has one tie per line, ``source target [weight]``, separated by whitespace or
commas, with an optional header line and ``#`` comment lines; a file ending in ``.gz`` is read
through gzip. A file is read once into memory (``read_data``: decompressed in chunks and refused past
a size limit, so a gzip bomb, ``/dev/zero`` or a FIFO cannot exhaust memory or hang), then parsed with
pandas (one pass for integer ids, a second for string ids); Python reads lines one by one only up to
the first data line, and to point at the line of an error.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..datafiles import read_data
from .csr import network_from_edges
from .graph import SocialNetwork

ROLES = ("prospect", "follower", "customer")

# Header names recognised when the node ids themselves are strings (with integer ids any
# non-integer first line is a header).
_HEADER_NAMES = {
    "source",
    "target",
    "src",
    "dst",
    "from",
    "to",
    "node",
    "node1",
    "node2",
    "node_1",
    "node_2",
    "id1",
    "id2",
    "source_id",
    "target_id",
    "from_id",
    "to_id",
    "fromnodeid",
    "tonodeid",
    "speaker",
    "listener",
    "head",
    "tail",
    "user",
    "user1",
    "user2",
    "friend",
    "follower",
    "followee",
}
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


# ----------------------------------------------------------------------------------------------------
# Edge lists
# ----------------------------------------------------------------------------------------------------


def load_edge_list(
    path: str | Path,
    *,
    directed: bool = False,
    weight_column: int | str | None = "auto",
    delimiter: str | None = None,
    comment: str = "#",
    header: bool | None = None,
    max_bytes: int | None = None,
) -> SocialNetwork:
    """Read a social network from an edge-list file (SNAP format and the like) into a CSR SocialNetwork.

    Each line ``u v [w]`` is a tie between consumers u and v; with ``directed=True`` it is a tie
    from speaker u to listener v (u's word of mouth reaches v), otherwise it goes both ways.
    Node ids may be integers or strings; they are renumbered 0..n-1 in sorted order and kept in
    ``node_ids``. A weight is read as the initial trust of the tie (must be in [0, 1]):
    ``weight_column="auto"`` takes the third column when there is one, None ignores extra
    columns, an int (2 = third column) or a header name picks a column. ``delimiter=None`` detects
    comma or whitespace from the first data line; ``header=None`` detects a header line. Self-loops
    are dropped and duplicate ties merged (trust averaged); both are counted in ``report``.
    ``max_bytes`` caps the file's (decompressed) text (default: ``resources.text_budget``).
    """
    path = Path(path)
    edge_file = _EdgeFile.open(path, read_data(path, max_bytes, "edge-list file"), delimiter, comment)
    rest = edge_file.read_rest()
    weight_index = _weight_index(weight_column, edge_file)
    if header is None:
        header = _looks_like_header(edge_file.first_fields, rest, weight_index)
    if isinstance(weight_column, str) and weight_column != "auto":
        weight_index = _column_by_name(weight_column, edge_file, header)
    if header and rest.empty:
        raise ValueError(f"{edge_file.path}: no edges after the header line (line {edge_file.first_lineno})")
    lead = None if header else edge_file.first_fields  # without a header the first line is an edge

    source, target, id_type = _node_ids(edge_file, rest, lead)
    trust = None
    if weight_index is not None:
        trust = _trust(edge_file, rest, lead, weight_index, hint=weight_column == "auto")
    codes, node_ids = pd.factorize(np.concatenate([source, target]), sort=True)
    node_ids = np.asarray(node_ids, dtype=np.int64 if id_type == "int" else str)
    report = dict(
        source=str(edge_file.path),
        header=edge_file.first_fields if header else None,
        delimiter=edge_file.delimiter or "whitespace",
        id_type=id_type,
        weighted=trust is not None,
    )
    return network_from_edges(
        node_ids.size,
        codes[: source.size],
        codes[source.size :],
        "edge_list",
        directed=directed,
        trust=trust,
        node_ids=node_ids,
        report=report,
    )


@dataclass(frozen=True)
class _EdgeFile:
    """An edge-list file being read: its format, and its first data line (a header or an edge)."""

    path: Path
    data: bytes  # the file's text (decompressed)
    delimiter: str | None  # None: whitespace
    comment: str
    first_lineno: int
    first_fields: list[str]

    @classmethod
    def open(cls, path: Path, data: bytes, delimiter: str | None, comment: str) -> _EdgeFile:
        """Find the first data line and, unless given, the delimiter (a comma there, else whitespace)."""
        first = _first_data_line(data, comment)
        if first is None:
            raise ValueError(f"{path}: no edges found (the file is empty or has only comments/blank lines)")
        lineno, text = first
        if delimiter is None:
            delimiter = "," if "," in text else None
        elif delimiter.isspace():
            delimiter = None
        fields = _split(text, delimiter)
        if len(fields) < 2:
            raise ValueError(
                f"{path}, line {lineno}: {len(fields)} field; expected at least 2 fields: source target [weight]"
            )
        return cls(path, data, delimiter, comment, lineno, fields)

    @property
    def n_fields(self) -> int:
        return len(self.first_fields)

    def read_rest(self, as_text: bool = False) -> pd.DataFrame:
        """The data lines after the first one in one pandas pass (integer columns parsed as int64).

        Every line must have as many fields as the first: a line with more or fewer is refused with its
        number (pandas would otherwise take extra fields of the first line for an index, shifting
        weights into the id columns, and fill missing ones with blanks).
        """
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)  # "loss of data": extra fields
                rest = pd.read_csv(
                    io.BytesIO(self.data),
                    sep=r"\s+" if self.delimiter is None else self.delimiter,
                    header=None,
                    names=range(self.n_fields),
                    index_col=False,
                    skiprows=self.first_lineno,
                    comment=self.comment or None,
                    dtype=str if as_text else None,
                    na_filter=False,
                    skip_blank_lines=True,
                    skipinitialspace=True,
                    engine="c",
                    encoding="utf-8-sig",
                )
        except pd.errors.EmptyDataError:
            return pd.DataFrame({c: pd.Series(dtype=str) for c in range(self.n_fields)})
        except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
            self._refuse_ragged_line(f"cannot be read as an edge list: {type(error).__name__}")
        except UnicodeDecodeError as error:
            raise ValueError(f"{self.path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
        blank = np.zeros(len(rest), dtype=bool)
        for column in rest.columns:
            if rest[column].dtype.kind not in "iuf":
                blank |= (rest[column].astype(str) == "").to_numpy()
        if blank.any():
            lineno, text, fields = self.line(int(np.flatnonzero(blank)[0]) + 1)
            if len(fields) != self.n_fields:
                self._refuse_ragged_line("")
        return rest

    def _refuse_ragged_line(self, otherwise: str):
        """ValueError naming the first line whose number of fields differs from the first data line's."""
        lineno, text = _find_line(self.data, self.comment, lambda t: len(_split(t, self.delimiter)) != self.n_fields)
        if not lineno:
            raise ValueError(f"{self.path}: {otherwise}") from None
        count = len(_split(text, self.delimiter))
        raise ValueError(
            f"{self.path}, line {lineno}: {count} field{'s' * (count != 1)}; expected {self.n_fields} "
            f"like the first data line (line {self.first_lineno}): every line must have the same columns"
        ) from None

    def line(self, data_row: int) -> tuple[int, str, list[str]]:
        """Line number, text and fields of the ``data_row``-th data line (0 = the first), for errors."""
        lineno, text = _data_line(self.data, self.comment, data_row)
        return lineno, text, _split(text, self.delimiter)


def _first_data_line(data: bytes, comment: str) -> tuple[int, str] | None:
    """Line number and text of the first line that is neither blank nor a comment."""
    lineno, text = _find_line(data, comment, lambda _text: True)
    return (lineno, text) if lineno else None


def _strip_comment(line: str, comment: str) -> str:
    """The part of a line before its comment character (pandas ``comment=`` semantics)."""
    if comment and comment in line:
        return line[: line.index(comment)]
    return line


def _split(text: str, delimiter: str | None) -> list[str]:
    """Fields of one line: whitespace-separated, or a CSV row (quotes allowed)."""
    if delimiter is None:
        return text.split()
    return [field.strip() for field in next(csv.reader(io.StringIO(text), delimiter=delimiter), [])]


def _find_line(data: bytes, comment: str, is_wanted) -> tuple[int, str]:
    """Line number and text of the first data line satisfying ``is_wanted`` ((0, '') if none).

    The only per-line Python loop: used to find the first line and to point at an error's line.
    """
    with io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", errors="replace") as handle:
        for lineno, line in enumerate(handle, start=1):
            text = _strip_comment(line, comment).strip()
            if text and is_wanted(text):
                return lineno, text
    return 0, ""


def _data_line(data: bytes, comment: str, row: int) -> tuple[int, str]:
    """Line number and text of the ``row``-th data line (0-based, counting a header line)."""
    seen = -1

    def is_row(_text: str) -> bool:
        nonlocal seen
        seen += 1
        return seen == row

    return _find_line(data, comment, is_row)


def _weight_index(weight_column: int | str | None, edge_file: _EdgeFile) -> int | None:
    """Which column holds the tie weights (None: unweighted; a header name is resolved later)."""
    if weight_column is None or (isinstance(weight_column, str) and weight_column != "auto"):
        return None
    if weight_column == "auto":
        return 2 if edge_file.n_fields >= 3 else None
    if (
        isinstance(weight_column, bool)
        or not isinstance(weight_column, int)
        or not 2 <= weight_column < edge_file.n_fields
    ):
        raise ValueError(
            f"{edge_file.path}: weight_column={weight_column!r} is not a weight column of "
            f"this {edge_file.n_fields}-column file; allowed: "
            f"{', '.join(map(str, range(2, edge_file.n_fields))) or '(none)'}, "
            "a header name, 'auto' or None"
        )
    return weight_column


def _column_by_name(name: str, edge_file: _EdgeFile, header: bool) -> int:
    """Index of the header column called ``name`` (case-insensitive)."""
    if not header:
        raise ValueError(
            f"{edge_file.path}: weight_column={name!r} names a column, but the file has no "
            "header line; pass the column number instead (2 = third column)"
        )
    lowered = [column.lower() for column in edge_file.first_fields]
    if name.strip().lower() not in lowered[2:]:
        raise ValueError(
            f"{edge_file.path}: weight_column={name!r} is not a weight column of the header "
            f"{edge_file.first_fields}; allowed: {edge_file.first_fields[2:] or '(none)'}"
        )
    return lowered.index(name.strip().lower(), 2)


def _token(text) -> str:
    """The offending token as an error message shows it: quoted, cut to 40 characters (never a whole line)."""
    text = repr(str(text))
    return text if len(text) <= 40 else text[:37] + "..."


def _is_integer_text(text: str) -> bool:
    return re.fullmatch(r"[+-]?\d+", text.strip()) is not None


def _is_int64_text(text: str) -> bool:
    """An integer id that int64 holds; larger ones (2^64, ...) are kept as text ids, not wrapped around."""
    return _is_integer_text(text) and -(2**63) <= int(text) < 2**63


def _is_number_text(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _looks_like_header(first: list[str], rest: pd.DataFrame, weight_index: int | None) -> bool:
    """Whether the first data line is a header: its id fields are usual column names (source,
    target, from, to, ...), or its ids are not integers while all the others are, or (string ids)
    its weight is not a number while all the others are."""
    if {first[0].lower(), first[1].lower()} <= _HEADER_NAMES:
        return True
    if rest.empty:
        return False
    if rest[0].dtype.kind == "i" and rest[1].dtype.kind == "i":
        return not (_is_integer_text(first[0]) and _is_integer_text(first[1]))
    # String ids: only a non-numeric weight above numeric ones tells a header from an edge.
    if weight_index is not None and rest[weight_index].dtype.kind in "if":
        return not _is_number_text(first[weight_index])
    return False


def _node_ids(edge_file: _EdgeFile, rest: pd.DataFrame, lead: list[str] | None) -> tuple[np.ndarray, np.ndarray, str]:
    """Source and target id of every edge: int64 if all ids are integers, else strings."""
    lead_is_int = lead is None or (_is_int64_text(lead[0]) and _is_int64_text(lead[1]))
    rest_is_int = rest.empty or (rest[0].dtype == np.int64 and rest[1].dtype == np.int64)
    if rest_is_int and lead_is_int:
        ids = [rest[c].to_numpy(dtype=np.int64) for c in (0, 1)]
        if lead is not None:
            ids = [np.concatenate([[int(lead[c])], ids[c]]) for c in (0, 1)]
        return ids[0], ids[1], "int"
    # Any other ids are strings; re-read them as text so e.g. "007" stays "007".
    text = edge_file.read_rest(as_text=True)
    ids = [text[c].str.strip().to_numpy(dtype=object) for c in (0, 1)]
    if lead is not None:
        ids = [np.concatenate([np.array([lead[c]], dtype=object), ids[c]]) for c in (0, 1)]
    missing = (ids[0] == "") | (ids[1] == "")
    if missing.any():
        lineno, _, _ = edge_file.line(int(np.flatnonzero(missing)[0]) + (lead is None))
        raise ValueError(f"{edge_file.path}, line {lineno}: a node id is empty; expected: source target [weight]")
    return ids[0], ids[1], "str"


def _trust(edge_file: _EdgeFile, rest: pd.DataFrame, lead: list[str] | None, column: int, hint: bool) -> np.ndarray:
    """Tie weights read as initial trust: numbers in [0, 1], else an error pointing at the line."""
    values = rest[column]
    if values.dtype.kind in "if":
        trust = values.to_numpy(dtype=np.float64)
    else:
        trust = pd.to_numeric(values.astype(str), errors="coerce").to_numpy(dtype=np.float64)
    if lead is not None:
        first = float(lead[column]) if _is_number_text(lead[column]) else np.nan
        trust = np.concatenate([[first], trust])
    bad_number = ~np.isfinite(trust)
    outside = ~bad_number & ((trust < 0) | (trust > 1))
    for bad, problem in ((bad_number, "is not a number"), (outside, "is outside [0, 1]")):
        if bad.any():
            lineno, _, fields = edge_file.line(int(np.flatnonzero(bad)[0]) + (lead is None))
            field = fields[column] if column < len(fields) else ""
            what = f"weight {_token(field)} {problem}" if field else "the weight is missing"
            advice = "; to ignore that column pass weight_column=None" if hint else ""
            raise ValueError(
                f"{edge_file.path}, line {lineno}: {what}; expected a trust weight in [0, 1] in column {column + 1}{advice}"
            )
    return trust


# ----------------------------------------------------------------------------------------------------
# Node roles
# ----------------------------------------------------------------------------------------------------


class NodeRoles(NamedTuple):
    """Role of each consumer, aligned with the network's indices 0..n-1.

    ``role`` holds one of :data:`ROLES` per consumer; ``follows_brand`` whether the consumer
    follows the brand's own channel; ``community`` (when the file has a community column) an int32
    label per consumer, -1 for consumers in no community (not listed, or listed with a blank label).
    """

    role: np.ndarray
    follows_brand: np.ndarray
    community: np.ndarray | None = None


def load_node_roles(path: str | Path, network: SocialNetwork) -> NodeRoles:
    """Read the optional node file (CSV with columns ``node``, ``role`` and optional ``follows_brand``, ``community``).

    ``node`` is an original id of the edge-list file (``network.node_ids``), or a consumer index
    0..n-1 for a generated network. ``role`` is prospect, follower or customer. ``follows_brand``
    is true/false (also yes/no, 1/0); when absent or blank it defaults to ``role == "follower"``.
    ``community`` is any label (a number or a name, e.g. a region or a forum); consumers with the
    same label trust each other as in-group members (``in_group_trust``), everyone else as outsiders.
    Consumers not listed are prospects who do not follow the brand and belong to no community. Unknown nodes or roles,
    repeated nodes and unreadable values raise ValueError with the file, line and value.
    """
    path = Path(path)
    data = read_data(path, None, "node file")
    try:
        # header=None so that a row with more fields than the header is an error, not an index.
        table = pd.read_csv(
            io.BytesIO(data),
            header=None,
            dtype=str,
            keep_default_na=False,
            comment="#",
            skipinitialspace=True,
            skip_blank_lines=True,
            engine="c",
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"{path}: empty node file; expected a header line: node,role[,follows_brand][,community]"
        ) from None
    except pd.errors.ParserError:
        n_columns = len(_split(_find_line(data, "#", lambda _text: True)[1], ","))
        lineno, text = _find_line(data, "#", lambda t: len(_split(t, ",")) > n_columns)
        raise ValueError(
            f"{path}, line {lineno}: {len(_split(text, ','))} fields; expected {n_columns} like the header line"
        ) from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    table.columns = [str(column).strip().lower() for column in table.iloc[0]]
    table = table.iloc[1:]
    for column in ("node", "role"):
        if column not in table.columns:
            raise ValueError(
                f"{path}, line {_find_line(data, '#', lambda _text: True)[0]}: the header has no column "
                f"{column!r}; expected the columns node, role[, follows_brand][, community]"
            )

    def where(row: int) -> str:
        lineno, _ = _data_line(data, "#", row + 1)  # + 1: the header line
        return f"{path}, line {lineno}"

    index = _node_index(table["node"], network, where)
    role_text = table["role"].str.strip().str.lower()
    unknown = ~role_text.isin(ROLES).to_numpy()
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        raise ValueError(
            f"{where(row)}: unknown role {_token(table['role'].iloc[row])}; allowed roles: {', '.join(ROLES)}"
        )
    follows = _follows_brand(table, role_text, where)

    role = np.full(network.n, ROLES[0], dtype=f"<U{max(map(len, ROLES))}")
    role[index] = role_text.to_numpy(dtype=str)
    follows_brand = np.zeros(network.n, dtype=bool)
    follows_brand[index] = follows
    return NodeRoles(role=role, follows_brand=follows_brand, community=_community(table, index, network.n))


def _node_index(nodes: pd.Series, network: SocialNetwork, where) -> np.ndarray:
    """Consumer index of each listed node; unknown or repeated nodes are errors."""
    text = nodes.str.strip()
    if network.node_ids is None:
        known = pd.Index(np.arange(network.n))
        description = f"a consumer index 0..{network.n - 1}"
    else:
        known = pd.Index(network.node_ids)
        description = f"one of the {network.n} node ids of the network's edge list"
    if known.dtype.kind in "iu":
        as_int = pd.to_numeric(text.where(text.str.fullmatch(r"[+-]?\d+"), None), errors="coerce")
        index = known.get_indexer(as_int.fillna(-1).astype(np.int64))
        index[as_int.isna().to_numpy()] = -1
    else:
        index = known.get_indexer(text.astype(str))
    unknown = index < 0
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        raise ValueError(f"{where(row)}: unknown node {_token(nodes.iloc[row])}; expected {description}")
    repeated = pd.Series(index).duplicated().to_numpy()
    if repeated.any():
        row = int(np.flatnonzero(repeated)[0])
        earlier = int(np.flatnonzero(index == index[row])[0])
        raise ValueError(
            f"{where(row)}: node {_token(nodes.iloc[row])} is listed again (first at {where(earlier)}); list each node once"
        )
    return index


def _community(table: pd.DataFrame, index: np.ndarray, n: int) -> np.ndarray | None:
    """int32 community label per consumer from the optional community column (-1: no community)."""
    if "community" not in table.columns:
        return None
    text = table["community"].str.strip()
    codes, _labels = pd.factorize(text.where(text != "", None), use_na_sentinel=True)
    community = np.full(n, -1, dtype=np.int32)
    community[index] = codes
    return community


def _follows_brand(table: pd.DataFrame, role: pd.Series, where) -> np.ndarray:
    """Parse the optional follows_brand column; blank or absent means role == follower."""
    default = (role == "follower").to_numpy()
    if "follows_brand" not in table.columns:
        return default
    text = table["follows_brand"].str.strip().str.lower()
    valid = text.isin(_TRUE | _FALSE | {""}).to_numpy()
    if not valid.all():
        row = int(np.flatnonzero(~valid)[0])
        raise ValueError(
            f"{where(row)}: follows_brand {_token(table['follows_brand'].iloc[row])} is not a "
            "boolean; allowed: true/false, yes/no, 1/0 or blank"
        )
    return np.where(text == "", default, text.isin(_TRUE).to_numpy())
