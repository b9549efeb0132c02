"""Track classification: recursive Bayesian class beliefs per track, optionally stacked with a
calibrated learned model, and calibration reporting (issue 5, section 1)."""

from skyfuse.classify.calibration import CalibrationReport, calibration_report
from skyfuse.classify.classifier import Classifier, ClassifierConfig, default_prior
from skyfuse.classify.features import FEATURE_NAMES
from skyfuse.classify.learned import LearnedModel, fit_learned_model, load_default_model
from skyfuse.classify.likelihood import ClassModel

__all__ = [
    "FEATURE_NAMES",
    "CalibrationReport",
    "ClassModel",
    "Classifier",
    "ClassifierConfig",
    "LearnedModel",
    "calibration_report",
    "default_prior",
    "fit_learned_model",
    "load_default_model",
]
