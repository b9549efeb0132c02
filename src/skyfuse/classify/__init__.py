"""Track classification: recursive Bayesian class beliefs per track, optionally stacked with a
calibrated learned model, and calibration reporting (issue 5, section 1)."""

from skyfuse.classify.classifier import Classifier, ClassifierConfig, default_prior
from skyfuse.classify.features import FEATURE_NAMES
from skyfuse.classify.likelihood import ClassModel

__all__ = ["FEATURE_NAMES", "ClassModel", "Classifier", "ClassifierConfig", "default_prior"]
