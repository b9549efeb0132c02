"""`alerts.jsonl`: one `Alert` JSON object a line, in event order.

`AlertLog` is the sink the pipeline writes to; `read_alert_log` reads a file back strictly,
naming the line and field of anything it cannot use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO

import msgspec

from skyfuse.alerting.model import Alert
from skyfuse.core.errors import InputError

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(Alert)


def encode_alert(alert: Alert) -> bytes:
    """One alert as a JSON line (no trailing newline); non-finite numbers are rejected."""
    for name in ("time", "eta_s", "class_prob", "p_threat", "range_m", "point_sigma_m"):
        v = getattr(alert, name)
        if v is not None and not math.isfinite(v):
            raise ValueError(f"alert {alert.alert_id}: field '{name}' is not finite ({v})")
    return _ENCODER.encode(alert)


def decode_alert(line: bytes | str, source: str = "alerts.jsonl", lineno: int = 1) -> Alert:
    """Parse one JSON line into an `Alert`; raises `InputError` naming source, line and field."""
    try:
        return _DECODER.decode(line)
    except msgspec.ValidationError as e:
        msg = str(e)
        fld = msg.split("`$.", 1)[1].split("`", 1)[0] if "`$." in msg else None
        raise InputError(source, msg, line=lineno, field=fld) from e
    except msgspec.DecodeError as e:
        raise InputError(source, f"not valid JSON ({e})", line=lineno) from e


def read_alert_log(path: Path) -> list[Alert]:
    """Every alert event of an `alerts.jsonl` file, in file order (blank lines skipped)."""
    out: list[Alert] = []
    with Path(path).open("rb") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                out.append(decode_alert(line, str(path), n))
    return out


class AlertLog:
    """Appends alert events to an `alerts.jsonl` file (created or truncated on open).

    Use as a context manager, or call `close`. Each `write` flushes, so a reader following the
    file sees whole lines.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = self.path.open("wb")
        self.count = 0

    def write(self, alerts: Iterable[Alert]) -> None:
        """Append events (one line each)."""
        lines = [encode_alert(a) + b"\n" for a in alerts]
        if lines:
            self._fh.write(b"".join(lines))
            self._fh.flush()
            self.count += len(lines)

    def close(self) -> None:
        """Close the file."""
        self._fh.close()

    def __enter__(self) -> AlertLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
