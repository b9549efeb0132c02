"""Skyfuse: multi-sensor air-picture fusion."""

__version__ = "0.1.0"
