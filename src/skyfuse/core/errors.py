"""Structured input errors: every error names the input, the place in it and the field."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input that a user must fix: names the source, location and field."""

    def __init__(
        self, source: str, message: str, *, line: int | None = None, field: str | None = None
    ):
        self.source = source
        self.line = line
        self.field = field
        self.reason = message
        where = source if line is None else f"{source}:{line}"
        what = f" field '{field}'" if field else ""
        super().__init__(f"{where}:{what} {message}".replace(": ", ": ", 1))


class ScenarioError(InputError):
    """A scenario folder file that does not follow `shared/spec/scenario-format.md`."""
