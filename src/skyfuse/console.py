"""Terminal output shared by the commands."""

from __future__ import annotations

import typer


def print_error(message: object) -> None:
    """Print an input error to stderr on one unwrapped line (scripts and tests grep it), so the
    file:line and field an error names are never split by terminal wrapping."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
