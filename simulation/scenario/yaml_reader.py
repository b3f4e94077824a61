"""Reading scenario YAML as plain data, within limits, with the line of every field.

A scenario file is a few kilobytes of settings, so anything far beyond that is refused before it can
cost memory or time: files above ``MAX_BYTES``, nesting deeper than ``MAX_DEPTH``, aliases that expand
to more than ``MAX_VALUES`` values (the "billion laughs"), aliases that refer to themselves. Keys given
twice in one mapping are refused too: YAML would keep the last one silently. Only PyYAML's safe
loader builds the data (no tags, no code).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .errors import ScenarioError

MAX_BYTES = 1_000_000  # the bundled scenarios are 1-5 kB
MAX_DEPTH = 50  # sections, strategies, levers: real files nest 5 deep
MAX_DIGITS = 100  # digits of a whole number (seeds need 19): Python refuses to read more than 4,300
MAX_VALUES = 100_000  # values after expanding aliases (the bundled scenarios have a few hundred)


def decode(data: bytes, origin: str) -> str:
    """The text of a scenario file's bytes: UTF-8 (a byte-order mark is allowed) within the size limit."""
    check_size(len(data), origin)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError([f"{origin}: the file is UTF-16 text; save the scenario as UTF-8"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ScenarioError(
            [f"{origin}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x}); save the scenario as UTF-8"]
        ) from None


def check_size(size: int, origin: str) -> None:
    if size > MAX_BYTES:
        raise ScenarioError(
            [f"{origin}: the file has {size:,} bytes; a scenario file may have at most {MAX_BYTES:,} bytes"]
        )


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, counting nesting depth and noting where aliases are used."""

    def __init__(self, text: str):
        super().__init__(text)
        self.depth = 0
        self.alias_lines: list[int] = []

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.alias_lines.append(event.start_mark.line + 1)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(event.start_mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# YAML 1.1 reads 1e6 as text; scenario values like n_consumers: 1e6 are meant as numbers (as in YAML 1.2).
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _whole_number(loader, node):
    """YAML integers with a digit limit: a 5,000-digit number is refused with its line, not a traceback."""
    digits = sum(c.isdigit() for c in node.value)
    if digits > MAX_DIGITS:
        raise _Refused(node.start_mark.line + 1, f"a whole number of {digits:,} digits; at most {MAX_DIGITS} are read")
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_Loader.add_constructor("tag:yaml.org,2002:int", _whole_number)


class _Refused(Exception):
    def __init__(self, line: int, problem: str):
        self.line, self.problem = line, problem


def read_yaml(text: str, origin: str) -> tuple[Any, dict]:
    """(data, lines): the document's plain data and the 1-based line of every path in it.

    ScenarioError (one line: file, line, what is wrong) for syntax errors and anything beyond the limits.
    """
    check_size(len(text), origin)  # characters: at most as many as bytes
    check_size(len(text.encode("utf-8", errors="surrogatepass")), origin)
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        lines = {} if node is None else _index(node, origin, loader.alias_lines)
        data = None if node is None else loader.construct_document(node)
    except _Refused as refused:
        raise ScenarioError([f"{origin}:{refused.line}: {refused.problem}"]) from None
    except yaml.YAMLError as error:
        raise ScenarioError([_syntax_problem(error, origin, text)]) from None
    except RecursionError:  # PyYAML's parser itself recurses on some deeply nested input
        raise ScenarioError([f"{origin}: nested too deeply (more than {MAX_DEPTH} levels)"]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, lines


def read_scalar(text: str):
    """A command-line value (``--set path=VALUE``, a sweep's list item) read as YAML, else kept as text."""
    try:
        data, _ = read_yaml(text, "value")
    except ScenarioError:
        return text
    return data


def _syntax_problem(error: yaml.YAMLError, origin: str, text: str) -> str:
    mark = getattr(error, "problem_mark", None)
    if mark is not None:
        return f"{origin}:{mark.line + 1}: not valid YAML: {getattr(error, 'problem', None) or error}"
    if isinstance(error, yaml.reader.ReaderError):  # a control character the YAML spec forbids
        line = text.count("\n", 0, error.position) + 1
        code = error.character if isinstance(error.character, int) else ord(error.character)
        return f"{origin}:{line}: not valid YAML: character #x{code:04x} is not allowed in YAML text"
    return f"{origin}: not valid YAML: {error}"


def _index(root: yaml.Node, origin: str, alias_lines: list[int]) -> dict:
    """Line of every path, once the node graph is known to be small, acyclic and free of repeated keys.

    Aliases make the graph share nodes: sizes are counted with the sharing expanded (what loading
    builds), each shared node's size computed once.
    """
    measured: dict[int, tuple[int, int]] = {}  # node -> (values, depth) with aliases expanded
    on_path: set[int] = set()
    where = alias_lines[0] if alias_lines else root.start_mark.line + 1

    def expanded(node: yaml.Node, level: int) -> tuple[int, int]:
        key = id(node)
        if key in measured:
            return measured[key]
        if level > MAX_DEPTH:
            raise _Refused(where, f"nested (through aliases) more than {MAX_DEPTH} levels deep")
        if key in on_path:
            raise _Refused(where, "an alias refers to itself")
        on_path.add(key)
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        parts = [expanded(child, level + 1) for child in children]
        size, depth = 1 + sum(p[0] for p in parts), 1 + max((p[1] for p in parts), default=0)
        on_path.discard(key)
        if size > MAX_VALUES:
            raise _Refused(where, f"the file expands (through aliases) to more than {MAX_VALUES:,} values")
        if depth > MAX_DEPTH:
            raise _Refused(where, f"nested (through aliases) more than {MAX_DEPTH} levels deep")
        measured[key] = (size, depth)
        return size, depth

    expanded(root, 1)
    lines: dict[tuple, int] = {}
    stack: list[tuple[yaml.Node, tuple]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            first_line: dict = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    stack.append((value, (*path, "?")))
                    continue
                if key.value == "<<" and key.tag == "tag:yaml.org,2002:merge":
                    stack.append((value, path))  # merged keys belong to this mapping
                    continue
                name = key.value
                if (key.tag, name) in first_line:
                    where = ".".join(str(p) for p in (*path, name))
                    raise _Refused(
                        key.start_mark.line + 1,
                        f"{where}: key given twice (first on line {first_line[(key.tag, name)]}); keep one "
                        "(YAML would silently use the last)",
                    )
                first_line[(key.tag, name)] = key.start_mark.line + 1
                lines.setdefault((*path, name), key.start_mark.line + 1)
                stack.append((value, (*path, name)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, i)) for i, item in enumerate(node.value))
    return lines
