"""Emitted frequencies of the tracker's tracks: acoustic engine fundamental and RF carrier.

The tracker's state has no frequency, yet a bearing's frequency is what tells two targets on one
line of sight apart (a Shahed engine at 113 Hz and its neighbour at 127 Hz; a drone datalink at
910 MHz and a ground relay at 2,400 MHz). `TrackFrequencies` keeps, per tracker slot, the
Doppler-free acoustic fundamental ``f0`` (Hz) and the RF carrier (MHz) with their variances,
learnt from the bearings that update the track (the initiator hands over what its candidate
learnt). A slot whose track id changed (the tracker reuses slots) starts unknown again.

Doppler: an acoustic report of a target moving at ``v`` heard along the unit line of sight ``u``
(sensor -> target) carries ``f = f0 c / (c + u.v)``; ``f0`` follows from the track's velocity
(`initiate.doppler_free_frequency`). RF carriers are used as reported (no Doppler at these
speeds). EO/IR reports carry no frequency.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import SensorKind
from skyfuse.tracking.passive.bearings import Bearings
from skyfuse.tracking.passive.initiate import doppler_free_frequency
from skyfuse.tracking.tracker import Tracker

F64 = NDArray[np.float64]
IDX = NDArray[np.intp]
BOOL = NDArray[np.bool_]

ACOUSTIC = int(SensorKind.ACOUSTIC)


class TrackFrequencies:
    """Per-slot frequency memory of a `Tracker` (column 0: acoustic Hz, column 1: RF MHz).

    Args:
        tracker: the tracker whose slots are followed.
        gate_sigma: a bearing whose Doppler-free frequency differs from the track's by more
            than this many sigmas (track and report variances summed) does not gate.
        drift: random-walk density of a target's frequency, unit^2/s (throttle changes).
    """

    def __init__(self, tracker: Tracker, *, gate_sigma: float = 4.0, drift: float = 0.05) -> None:
        self.tracker = tracker
        self.gate_sigma = gate_sigma
        self.drift = drift
        self.freq = np.zeros((0, 2))
        self.var = np.zeros((0, 2))
        self.time = np.zeros((0, 2))
        self.owner = np.zeros(0, np.int64)

    def _fit(self) -> None:
        """Grow to the tracker's capacity; forget slots whose track id changed."""
        tr = self.tracker
        cap = tr.track_id.shape[0]
        if self.owner.size < cap:
            extra = cap - self.owner.size
            self.freq = np.concatenate([self.freq, np.full((extra, 2), np.nan)])
            self.var = np.concatenate([self.var, np.full((extra, 2), np.nan)])
            self.time = np.concatenate([self.time, np.full((extra, 2), np.nan)])
            self.owner = np.concatenate([self.owner, np.full(extra, -1, np.int64)])
        stale = self.owner[:cap] != tr.track_id[:cap]
        if stale.any():
            self.freq[:cap][stale] = np.nan
            self.var[:cap][stale] = np.nan
            self.time[:cap][stale] = np.nan
            self.owner[:cap][stale] = tr.track_id[:cap][stale]

    def set(self, slots: IDX, freq: F64, var: F64, time: float) -> None:
        """Start the memory of new tracks ``slots`` with ``freq, var`` (k, 2) known at ``time``
        (s); NaN where unknown."""
        self._fit()
        self.freq[slots] = freq
        self.var[slots] = var
        self.time[slots] = np.where(np.isfinite(freq), time, np.nan)

    def test(self, slots: IDX, b: Bearings) -> tuple[BOOL, F64, F64, F64]:
        """Frequency test of (track slot, bearing) pairs, row by row.

        Returns ``(ok, z2, f0, var)``: ``ok`` False where both frequencies are known and differ
        by more than ``gate_sigma``; ``z2`` the squared normalised difference (NaN if either is
        unknown); ``f0, var`` the bearing's Doppler-free frequency and variance at the track's
        velocity (NaN if the bearing has none).
        """
        self._fit()
        tr = self.tracker
        x = tr.x[slots]
        d = x[:, :3] - b.origin
        u = d / np.maximum(np.linalg.norm(d, axis=1), 1e-9)[:, None]
        f0, var = doppler_free_frequency(
            b.frequency, b.sigma_frequency, b.speed_of_sound, u, x[:, 3:], tr.P[slots][:, 3:, 3:]
        )
        usable = np.isfinite(f0) & np.isfinite(var) & (b.kind != int(SensorKind.EO_IR))
        col = np.where(b.kind == ACOUSTIC, 0, 1)
        ref = self.freq[slots, col]
        age = np.where(np.isfinite(self.time[slots, col]), tr.time - self.time[slots, col], 0.0)
        ref_var = self.var[slots, col] + self.drift * np.maximum(age, 0.0)
        with np.errstate(invalid="ignore"):
            z2 = np.where(usable, (f0 - ref) ** 2 / (var + ref_var), np.nan)
        ok = ~(z2 > self.gate_sigma**2)
        return ok, z2, np.where(usable, f0, np.nan), np.where(usable, var, np.nan)

    def update(self, slots: IDX, b: Bearings, f0: F64, var: F64) -> None:
        """Fuse the Doppler-free frequencies ``f0, var`` of bearings ``b`` (one per distinct
        slot) into the memory (scalar Kalman filter with the random-walk drift)."""
        self._fit()
        ok = np.isfinite(f0) & np.isfinite(var)
        slots, f0, var = slots[ok], f0[ok], var[ok]
        col = np.where(b.kind[ok] == ACOUSTIC, 0, 1)
        now = float(self.tracker.time)
        ref = self.freq[slots, col]
        age = np.where(np.isfinite(self.time[slots, col]), now - self.time[slots, col], 0.0)
        rv = self.var[slots, col] + self.drift * np.maximum(age, 0.0)
        new = ~np.isfinite(ref)
        k = np.where(new, 1.0, rv / (rv + var))
        self.freq[slots, col] = np.where(new, f0, ref + k * (f0 - ref))
        self.var[slots, col] = np.where(new, var, (1.0 - k) * rv)
        self.time[slots, col] = now
