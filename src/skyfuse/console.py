"""Terminal output shared by the commands."""

from __future__ import annotations

import errno
from pathlib import Path

import typer

from skyfuse.core.errors import InputError


def print_error(message: object) -> None:
    """Print an input error to stderr on one unwrapped line (scripts and tests grep it), so the
    file:line and field an error names are never split by terminal wrapping."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)


_OS_HINTS = {
    errno.ENOENT: "no such file or folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EISDIR: "is a folder, expected a file",
    errno.ENOTDIR: "a part of this path is a file, not a folder",
    errno.EEXIST: "already exists",
    errno.ENOSPC: "no space left on the device",
    errno.EROFS: "read-only file system",
    errno.ENAMETOOLONG: "file name too long",
}


def describe_os_error(e: OSError) -> str:
    """One line naming the path(s) and what went wrong, without errno noise.

    >>> describe_os_error(FileNotFoundError(2, "No such file or directory", "x/y.csv"))
    'x/y.csv: no such file or folder'
    """
    what = _OS_HINTS.get(e.errno or -1, e.strerror or type(e).__name__)
    if e.filename is None:
        return what if e.strerror or e.errno else str(e) or what
    where = str(e.filename)
    if e.filename2 is not None:
        where = f"{where} -> {e.filename2}"
    return f"{where}: {what}"


def require_folder(path: Path, what: str, *, needs: tuple[str, ...] = ()) -> None:
    """Raise `InputError` unless ``path`` is an existing folder holding the files ``needs``.

    ``what`` names the folder's role in the message (e.g. 'scenario folder').
    """
    if not path.exists():
        raise InputError(str(path), f"{what} does not exist")
    if not path.is_dir():
        raise InputError(str(path), f"{what} is a file, expected a folder")
    missing = [n for n in needs if not (path / n).is_file()]
    if missing:
        raise InputError(str(path), f"{what} has no {', '.join(missing)}")


def require_file(path: Path, what: str) -> None:
    """Raise `InputError` unless ``path`` is an existing regular file (``what`` names it)."""
    if not path.exists():
        raise InputError(str(path), f"{what} does not exist")
    if path.is_dir():
        raise InputError(str(path), f"{what} is a folder, expected a file")


def writable_file(path: Path, what: str) -> None:
    """Raise `InputError` when ``path`` cannot be written as a file: it is a folder, or a part of
    its parent path is a file. Creates the missing parent folders (they would be created anyway
    by the writer; a failure here happens before any long computation)."""
    if path.is_dir():
        raise InputError(str(path), f"{what} is a folder, expected a file path")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(str(path), f"cannot write {what}: {parent} is a file")
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(str(path), f"cannot write {what}: {describe_os_error(e)}") from e
