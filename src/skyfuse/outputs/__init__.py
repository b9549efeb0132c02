"""Outputs of the pipeline: the operator's picture as `tracks.csv` rows (later: feeds, store)."""

from skyfuse.outputs.tracks import TRACK_EXTRA_COLUMNS, PictureRows, picture_rows

__all__ = ["TRACK_EXTRA_COLUMNS", "PictureRows", "picture_rows"]
