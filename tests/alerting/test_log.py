"""alerts.jsonl: encode/decode round trip, strict reading, and the evaluator reads our file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfuse.alerting import (
    ALERT_KINDS,
    ALERT_STATES,
    Alert,
    AlertLog,
    decode_alert,
    encode_alert,
    read_alert_log,
)
from skyfuse.core.errors import InputError
from skyfuse.core.kinds import CLASSES
from skyfuse.eval import read_alerts

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9)
maybe = st.none() | finite
text = st.text(max_size=20)

alerts = st.builds(
    Alert,
    time=finite,
    alert_id=st.text(min_size=1, max_size=30),
    kind=st.sampled_from(ALERT_KINDS),
    state=st.sampled_from(ALERT_STATES),
    track_id=st.none() | st.integers(-(2**40), 2**40),
    site_id=st.none() | text,
    border_id=st.none() | text,
    partner=st.none() | text,
    raid_id=st.none() | st.integers(0, 10**6),
    area_id=st.none() | st.integers(0, 10**6),
    eta_s=maybe,
    cls=st.none() | st.sampled_from(CLASSES),
    class_prob=st.none() | st.floats(0.0, 1.0),
    priority=st.integers(1, 3),
    rank=st.none() | st.integers(1, 10**5),
    p_threat=st.none() | st.floats(0.0, 1.0),
    range_m=maybe,
    point=st.none() | st.tuples(finite, finite),
    point_sigma_m=maybe,
    n_tracks=st.none() | st.integers(0, 10**4),
    track_ids=st.none() | st.lists(st.integers(0, 10**9), max_size=5),
    toward_site_id=st.none() | text,
    sensors=st.none() | st.lists(st.sampled_from(["radar", "acoustic", "rf_df"]), max_size=3),
    reason=st.text(max_size=200),
)


@given(alerts)
@settings(max_examples=200, deadline=None)
def test_round_trip(alert: Alert) -> None:
    line = encode_alert(alert)
    assert b"\n" not in line
    assert decode_alert(line) == alert
    doc = json.loads(line)
    assert doc["class"] == alert.cls  # the file's key is `class`
    for key in ("time", "alert_id", "kind", "state", "track_id", "site_id", "border_id", "eta_s"):
        assert key in doc
    for key in ("class_prob", "priority", "reason"):
        assert key in doc


def test_non_finite_numbers_are_rejected() -> None:
    a = Alert(time=1.0, alert_id="x", kind="raid", state="new", eta_s=float("inf"))
    with pytest.raises(ValueError, match="eta_s"):
        encode_alert(a)


def test_bad_lines_name_line_and_field(tmp_path: Path) -> None:
    good = encode_alert(Alert(time=1.0, alert_id="a", kind="raid", state="new"))
    path = tmp_path / "alerts.jsonl"
    path.write_bytes(good + b"\n" + good.replace(b'"raid"', b'"bogus"') + b"\n")
    with pytest.raises(InputError) as e:
        read_alert_log(path)
    assert e.value.line == 2 and e.value.field == "kind"
    path.write_bytes(good + b"\n\n{not json\n")
    with pytest.raises(InputError, match="not valid JSON") as e2:
        read_alert_log(path)
    assert e2.value.line == 3


def test_log_writes_lines_the_evaluator_reads(tmp_path: Path) -> None:
    path = tmp_path / "out" / "alerts.jsonl"
    events = [
        Alert(
            time=1.0,
            alert_id="site_threat-1",
            kind="site_threat",
            state="new",
            track_id=3,
            site_id="s1",
            eta_s=120.0,
            cls="attack_drone",
            class_prob=0.9,
            priority=2,
        ),
        Alert(
            time=2.0,
            alert_id="site_threat-1",
            kind="site_threat",
            state="updated",
            track_id=3,
            site_id="s1",
            eta_s=100.0,
            priority=2,
        ),
        Alert(time=2.0, alert_id="raid-2", kind="raid", state="new", raid_id=1, n_tracks=4),
    ]
    with AlertLog(path) as log:
        log.write(events[:2])
        log.write([])
        log.write(events[2:])
        assert log.count == 3
    assert read_alert_log(path) == events
    ev = read_alerts(path)  # the evaluator's reader: one row per alert id
    assert ev.alert_id.tolist() == ["site_threat-1", "raid-2"]
    assert ev.track_id.tolist() == [3, -1]
    assert ev.site_id.tolist() == ["s1", ""]
