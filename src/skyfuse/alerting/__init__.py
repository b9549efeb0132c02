"""Alerts (issue 5, section 3): lifecycle with hysteresis, track hand-over, operator reasons,
and the `alerts.jsonl` sink."""

from skyfuse.alerting.log import AlertLog, decode_alert, encode_alert, read_alert_log
from skyfuse.alerting.manager import AlertConfig, AlertManager, Candidate
from skyfuse.alerting.model import (
    ALERT_KINDS,
    ALERT_STATES,
    Alert,
    AlertKind,
    AlertState,
    class_words,
    distance_words,
    duration_words,
    sensor_words,
)

__all__ = [
    "ALERT_KINDS",
    "ALERT_STATES",
    "Alert",
    "AlertConfig",
    "AlertKind",
    "AlertLog",
    "AlertManager",
    "AlertState",
    "Candidate",
    "class_words",
    "decode_alert",
    "distance_words",
    "duration_words",
    "encode_alert",
    "read_alert_log",
    "sensor_words",
]
