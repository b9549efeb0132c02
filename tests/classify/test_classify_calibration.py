"""Calibration report: closed forms for Brier, ECE, confusion, pairwise accuracy; JSON; tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from skyfuse.classify.calibration import calibration_report, pairwise_accuracy
from skyfuse.core.kinds import CLASSES

C = len(CLASSES)


def test_perfect_one_hot_scores_zero_brier_and_ece() -> None:
    y = np.array([0, 4, 5, 4])
    p = np.eye(C)[y]
    r = calibration_report(p, y)
    assert (
        r.accuracy == 1.0 and r.brier == 0.0 and r.ece == 0.0 and r.log_loss == pytest.approx(0.0)
    )
    assert r.confusion[4, 4] == 2 and r.confusion.sum() == 4
    assert r.bin_count[-1] == 4


def test_uniform_probabilities_closed_form() -> None:
    """p = 1/C everywhere: Brier = (C - 1)/C, log loss = ln C, confidence 1/C."""
    y = np.array([1, 2, 3])
    p = np.full((3, C), 1.0 / C)
    r = calibration_report(p, y)
    assert r.brier == pytest.approx((C - 1) / C)
    assert r.log_loss == pytest.approx(np.log(C))
    b = int(np.flatnonzero(r.bin_count)[0])
    assert r.bin_confidence[b] == pytest.approx(1.0 / C)


def test_ece_of_overconfident_predictions() -> None:
    """Four rows at confidence 0.9, half right: ECE = |0.5 - 0.9| = 0.4."""
    p = np.full((4, C), 0.1 / (C - 1))
    p[:, 0] = 0.9
    y = np.array([0, 0, 1, 2])
    r = calibration_report(p, y)
    assert r.ece == pytest.approx(0.4)
    assert r.accuracy == pytest.approx(0.5)
    np.testing.assert_array_equal(r.confusion[:, 0], [2, 1, 1, 0, 0, 0, 0, 0])


def test_pairwise_accuracy_counts_ties_as_half() -> None:
    p = np.zeros((4, C))
    p[0, [0, 4]] = [0.7, 0.3]  # attack, right
    p[1, [0, 4]] = [0.2, 0.8]  # attack, wrong
    p[2, [0, 4]] = [0.5, 0.5]  # bird, tie
    p[3, 5] = 1.0  # aircraft: not in the pair
    y = np.array([0, 0, 4, 5])
    acc, n = pairwise_accuracy(p, y, 0, 4)
    assert n == 3 and acc == pytest.approx(1.5 / 3)
    assert pairwise_accuracy(p, y, 1, 2) == (pytest.approx(float("nan"), nan_ok=True), 0)


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"probs must be"):
        calibration_report(np.ones((2, 3)), np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="sum to 1"):
        calibration_report(np.ones((2, C)), np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="truth codes"):
        calibration_report(np.eye(C)[:2], np.array([0, 9]))


def test_json_and_tables(tmp_path: Path) -> None:
    y = np.array([0, 1, 4])
    p = np.eye(C)[[0, 0, 4]]
    r = calibration_report(p, y)
    out = tmp_path / "cal.json"
    r.write_json(out)
    doc = json.loads(out.read_text())
    assert doc["n"] == 3 and doc["confusion"]["rows_true_cols_predicted"][1][0] == 1
    assert doc["pairs"]["attack_drone_vs_decoy"]["n"] == 2
    console = Console(record=True, width=160)
    for t in r.tables("unit"):
        console.print(t)
    text = console.export_text()
    assert "Brier" in text and "reliability" in text and "decoy" in text
