"""The error every scenario problem is reported with."""

from __future__ import annotations


class ScenarioError(ValueError):
    """One or more problems in a scenario; ``problems`` lists them, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def shown(value, limit: int = 60) -> str:
    """A value as messages show it: its repr, cut to `limit` characters (a message never dumps a file)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
