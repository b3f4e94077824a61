"""The error every scenario problem is reported with."""

from __future__ import annotations

import re


class ScenarioError(ValueError):
    """One or more problems in a scenario; ``problems`` lists them, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = [one_line(problem) for problem in problems]
        super().__init__("\n".join(self.problems))


# Characters that end a line somewhere (str.splitlines, terminals, browsers).
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` with any line break written as its escape: a problem is always one line."""
    return _LINE_BREAKS.sub(lambda m: repr(m.group())[1:-1], text)


def shown(value, limit: int = 60) -> str:
    """A value as messages show it: its repr, cut to `limit` characters (a message never dumps a file)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
