"""The evaluator: GOSPA / OSPA, CLEAR-MOT, latency, NEES, classification and alert scoring of a
tracker's `tracks.csv` against a scenario folder's truth (`shared/notes/metrics.md`)."""

from skyfuse.eval.commands import render_report
from skyfuse.eval.gospa import GospaResult, Pairs, gospa, optimal_pairs, ospa
from skyfuse.eval.inputs import Alerts, read_alerts, read_detection_times
from skyfuse.eval.metrics import (
    ScoringRun,
    evaluate,
    mix_score,
    nees_chi2_interval,
    position_nees,
    prepare,
    score_sensor_mix,
)
from skyfuse.eval.report import EvalReport, MixScore
from skyfuse.eval.timeline import PairTable, Rows, StepScores, score_over_time

__all__ = [
    "Alerts",
    "EvalReport",
    "GospaResult",
    "MixScore",
    "PairTable",
    "Pairs",
    "Rows",
    "ScoringRun",
    "StepScores",
    "evaluate",
    "gospa",
    "mix_score",
    "nees_chi2_interval",
    "optimal_pairs",
    "ospa",
    "position_nees",
    "prepare",
    "read_alerts",
    "read_detection_times",
    "render_report",
    "score_over_time",
    "score_sensor_mix",
]
