"""Static RF emitters (ground relays, controllers) from direction-finding bearings over time.

A static emitter gives each DF site a *persistent* bearing on one carrier frequency: the same
azimuth, report after report, for minutes. A drone's datalink sweeps azimuth as it flies. So:

1. bearings are grouped by carrier frequency (gaps wider than ``freq_gap_mhz`` split groups);
2. per (frequency group, site), an azimuth histogram finds persistent directions: a *line* is a
   peak with at least ``min_hits`` bearings spread over at least ``min_span_s`` whose azimuth
   does not drift (least-squares slope x span below ``max_drift_sigma`` sigma);
3. lines of two or more sites on the same frequency group are intersected (azimuth-only rays,
   ground-height prior, `triangulate.intersect_rays`) with the line's averaged azimuth noise
   (``sigma / sqrt(n)``, floored at ``bias_floor_rad`` because DF site bias does not average
   out); every other consistent line of the group joins the fix.

`StaticEmitterLocator` keeps the bearings of the last ``window_s`` seconds and reports
`Emitters` (position, covariance, frequency) with stable ids, for the picture as ``static``
tracks (`Emitters.to_picture`). Work grows with the number of DF bearings kept and the number of
persistent lines, never with the area. Working frame metres, radians, seconds, MHz.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import SensorKind
from skyfuse.core.picture import Picture, TrackStatus
from skyfuse.geo.workframe import WorkFrame
from skyfuse.tracking.passive.bearings import Bearings, BearingSensors
from skyfuse.tracking.passive.triangulate import intersect_rays

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

TWO_PI = 2.0 * np.pi
RSSI_SIGMA_DB = 3.0
"""Scale of one emitter's received-power scatter (fading), dB."""


@dataclass(frozen=True, slots=True)
class EmitterConfig:
    """Tuning of `StaticEmitterLocator` (units in the names).

    Attributes:
        window_s: bearings older than this are forgotten.
        freq_gap_mhz: a gap wider than this in sorted carrier frequencies splits groups.
        bin_rad: azimuth histogram bin width.
        min_hits: bearings needed on one persistent line.
        min_span_s: time the line must persist.
        max_drift_sigma: allowed azimuth drift over the span, in bearing sigmas.
        max_rssi_drift_db: allowed received-power trend over the span, dB.
        bias_floor_rad: floor of a line's averaged azimuth noise (site bias).
        height_m, sigma_height_m: prior emitter height above the first site (ground level).
        gate_prob: chi-square probability for a line to join a fix.
        id_gate_m: an emitter within this of a previous one keeps its id.
        max_sigma_m: only fixes whose horizontal error ellipse has a major-axis standard
            deviation up to this are reported (a badly conditioned fix, e.g. long rays
            crossing at a shallow angle, costs more as a false emitter than it helps), m.
        first_id: ids given to emitters start here (apart from the tracker's ids).
        rssi_model_db: slack on the received-power test of a two-site fix (antenna gains,
            propagation beyond free space), dB (`StaticEmitterLocator._power_clash`).
    """

    window_s: float = 600.0
    freq_gap_mhz: float = 0.3
    bin_rad: float = float(np.radians(1.0))
    min_hits: int = 10
    min_span_s: float = 15.0
    max_drift_sigma: float = 2.0
    max_rssi_drift_db: float = 4.0
    bias_floor_rad: float = float(np.radians(0.5))
    height_m: float = 0.0
    sigma_height_m: float = 100.0
    gate_prob: float = 0.997
    id_gate_m: float = 500.0
    max_sigma_m: float = 150.0
    rssi_model_db: float = 3.0
    first_id: int = 1_000_000


@dataclass(frozen=True, slots=True)
class Emitters:
    """Located static emitters (n).

    Attributes:
        emitter_id: (n,) stable ids.
        position: (n, 3) working frame, m; cov: (n, 3, 3) m^2.
        frequency_mhz: (n,) mean carrier frequency.
        n_bearings: (n,) bearings on the lines used; n_sites: (n,) DF sites used.
        chi2: (n,) fit residual; dof: (n,) its degrees of freedom.
        first_time, last_time: (n,) first and last bearing time of the lines, s.
    """

    emitter_id: I64
    position: F64
    cov: F64
    frequency_mhz: F64
    n_bearings: I64
    n_sites: I64
    chi2: F64
    dof: I64
    first_time: F64
    last_time: F64

    def __len__(self) -> int:
        return int(self.emitter_id.shape[0])

    def to_picture(self, time: float, frame: WorkFrame, *, n_modes: int = 1) -> Picture:
        """The emitters as confirmed, static, zero-velocity tracks (RF-DF bit in the mask);
        ``mode_prob`` has ``n_modes`` columns with all weight on the first (cruise) mode."""
        n = len(self)
        state = np.zeros((n, 6))
        state[:, :3] = self.position
        cov = np.zeros((n, 6, 6))
        cov[:, :3, :3] = self.cov
        cov[:, 3:, 3:] = np.eye(3) * 1e-2  # (0.1 m/s)^2: known not to move
        return Picture(
            time=time,
            frame=frame,
            track_id=self.emitter_id.copy(),
            state=state,
            cov=cov,
            status=np.full(n, int(TrackStatus.CONFIRMED), np.int8),
            first_time=self.first_time.copy(),
            last_update_time=self.last_time.copy(),
            n_updates=self.n_bearings.astype(np.int32),
            mode_prob=np.eye(1, n_modes)[np.zeros(n, np.intp)],
            static=np.ones(n, bool),
            coop_id=np.full(n, None, dtype=object),
            spoof_suspect=np.zeros(n, bool),
            sensor_mask=np.full(n, 1 << int(SensorKind.RF_DF), np.int32),
        )

    def take(self, idx: NDArray[np.intp] | NDArray[np.bool_]) -> Emitters:
        """Some of the emitters."""
        return Emitters(*(getattr(self, f)[idx] for f in Emitters.__slots__))  # type: ignore[attr-defined]

    @staticmethod
    def empty() -> Emitters:
        """No emitters."""
        z = np.zeros(0)
        i = np.zeros(0, np.int64)
        return Emitters(i, np.zeros((0, 3)), np.zeros((0, 3, 3)), z, i, i, z, i, z, z)


@dataclass(frozen=True, slots=True)
class Lines:
    """Persistent bearing lines (k): per (frequency group, site) azimuth peaks."""

    group: I64
    sensor: NDArray[np.int32]
    az: F64
    sigma: F64
    n: I64
    first_time: F64
    last_time: F64
    frequency: F64
    rssi: F64
    """Mean received power of the line's bearings, dBm (NaN if unknown)."""
    rssi_se: F64
    """Standard error of ``rssi``, dB (NaN if unknown)."""


def _circular_mean(az: F64, weights: F64 | None = None) -> float:
    w = np.ones_like(az) if weights is None else weights
    return float(np.arctan2((w * np.sin(az)).sum(), (w * np.cos(az)).sum()) % TWO_PI)


def _clean_line(b: Bearings, sel: NDArray[np.intp], d: F64) -> tuple[NDArray[np.intp], F64]:
    """Bearings ``sel`` (offsets ``d``, rad) of the line's own emitter; see `_fit_line`.

    The emitter's bearings are the densest cluster in (azimuth, received power): the bearing
    with most neighbours within one bearing sigma and ``RSSI_SIGMA_DB`` seeds it, and bearings
    within 2.5 sigma and ``2 RSSI_SIGMA_DB`` of the seed are kept (all of them when RSSI is
    unknown); then twice, bearings beyond 2.5 sigma of the median azimuth are dropped."""
    rssi = b.rssi[sel]
    sig = b.sigma_az[sel]
    finite = np.isfinite(rssi)
    if finite.sum() >= 3 and sel.size <= 4000:
        dz = (d[:, None] - d[None, :]) / sig[:, None]
        dr = (rssi[:, None] - rssi[None, :]) / RSSI_SIGMA_DB
        dens = np.sum(np.nan_to_num(dz**2 + dr**2, nan=np.inf) <= 1.0, axis=1)
        k = int(np.argmax(dens))
        keep = (np.abs(d - d[k]) <= 2.5 * sig) & (np.abs(rssi - rssi[k]) <= 2.0 * RSSI_SIGMA_DB)
        keep |= ~finite & (np.abs(d - d[k]) <= 2.5 * sig)
        sel, d = sel[keep], d[keep]
    for _ in range(2):
        if sel.size < 3:
            break
        keep = np.abs(d - np.median(d)) <= 2.5 * b.sigma_az[sel]
        sel, d = sel[keep], d[keep]
    return sel, d


def _fit_line(
    b: Bearings, sel: NDArray[np.intp], d: F64, centre: float, cfg: EmitterConfig
) -> tuple[float, float, int, float, float, float, float, float] | None:
    """Mean azimuth of bearings ``sel`` (offsets ``d`` from ``centre``) if they make a
    persistent, non-drifting line: (az, sigma, n, first time, last time, frequency, mean RSSI
    dBm, its standard error dB; NaN without RSSI).

    The line is first cleaned of other emitters on the channel that cross its window (a drone
    datalink sweeping through the relay's azimuth biases a plain mean by a degree, hundreds of
    metres at 10 km): only the densest cluster in azimuth and received power is kept
    (`_clean_line`). ``sigma`` is the larger of the nominal bearing noise and the scatter left.
    """
    sel, d = _clean_line(b, sel, d)
    n = int(sel.size)
    if n < cfg.min_hits:
        return None
    t = b.time[sel]
    span = float(t.max() - t.min())
    if span < cfg.min_span_s:
        return None
    sigma = max(float(np.sqrt(np.mean(b.sigma_az[sel] ** 2))), float(np.std(d)))
    tc = t - t.mean()
    slope = float((tc * (d - d.mean())).sum() / max(float((tc * tc).sum()), 1e-9))
    if abs(slope) * span > cfg.max_drift_sigma * sigma:
        return None
    # A static emitter's received power does not trend either (a drone flying along the
    # bearing keeps its azimuth but closes in): RSSI slope x span within max_rssi_drift_db.
    # The test uses the dominant power level (within 6 dB of the median), so a weaker drone
    # passing through the same azimuth does not hide a relay.
    rssi = b.rssi[sel]
    good = np.isfinite(rssi)
    if good.any():
        good &= np.abs(rssi - np.median(rssi[good])) <= 6.0
    if good.sum() >= cfg.min_hits:
        tg = tc[good]
        r = rssi[good]
        r_slope = float((tg * (r - r.mean())).sum() / max(float((tg * tg).sum()), 1e-9))
        if abs(r_slope) * span > cfg.max_rssi_drift_db:
            return None
    az = float((centre + d.mean()) % TWO_PI)
    if good.sum() >= 2:
        r = rssi[good]
        level = float(r.mean())
        level_se = max(float(r.std()), RSSI_SIGMA_DB) / np.sqrt(float(r.size))
    else:
        level, level_se = float("nan"), float("nan")
    f_mean = float(b.frequency[sel].mean())
    return az, sigma, n, float(t.min()), float(t.max()), f_mean, level, level_se


def persistent_lines(b: Bearings, cfg: EmitterConfig) -> Lines:
    """Find persistent azimuth lines per (frequency group, site) in DF bearings ``b``."""
    ok = np.isfinite(b.frequency)
    b = b.take(ok)
    if len(b) == 0:
        z = np.zeros(0)
        i = np.zeros(0, np.int64)
        return Lines(i, np.zeros(0, np.int32), z, z, i, z, z, z, z, z)
    order = np.argsort(b.frequency, kind="stable")
    f = b.frequency[order]
    group = np.empty(len(b), np.int64)
    group[order] = np.concatenate(([0], np.cumsum(np.diff(f) > cfg.freq_gap_mhz)))
    n_bins = int(np.ceil(TWO_PI / cfg.bin_rad))
    abin = np.minimum((b.az / cfg.bin_rad).astype(np.int64), n_bins - 1)
    key = group * (int(b.sensor.max()) + 1) + b.sensor
    keys, counts = np.unique(key, return_counts=True)
    out: list[tuple[int, int, float, float, int, float, float, float, float, float]] = []
    # Loop over (frequency group, site) keys with enough bearings, then greedy peak extraction
    # (take the strongest direction, remove its bearings, repeat): persistent lines are few.
    for k in keys[counts >= cfg.min_hits]:
        rows = np.flatnonzero(key == k)
        left = np.ones(rows.size, bool)
        while left.sum() >= cfg.min_hits:
            hist = np.bincount(abin[rows[left]], minlength=n_bins).astype(np.float64)
            smooth = hist + np.roll(hist, 1) + np.roll(hist, -1)
            peak = int(np.argmax(smooth))
            if smooth[peak] < cfg.min_hits:
                break
            centre = (peak + 0.5) * cfg.bin_rad
            d = (b.az[rows] - centre + np.pi) % TWO_PI - np.pi
            sig = b.sigma_az[rows]
            near = left & (np.abs(d) <= np.maximum(3.0 * sig, 1.5 * cfg.bin_rad))
            left &= ~near
            line = _fit_line(b, rows[near], d[near], centre, cfg)
            if line is not None:
                out.append((int(group[rows[0]]), int(b.sensor[rows[0]]), *line))
    if not out:
        return persistent_lines(Bearings.empty(), cfg)
    a = list(zip(*out, strict=True))
    return Lines(
        np.array(a[0], np.int64),
        np.array(a[1], np.int32),
        np.array(a[2]),
        np.array(a[3]),
        np.array(a[4], np.int64),
        np.array(a[5]),
        np.array(a[6]),
        np.array(a[7]),
        np.array(a[8]),
        np.array(a[9]),
    )


def horizontal_major_sigma(cov: F64, up: F64) -> F64:
    """Major-axis standard deviation (m) of the horizontal part of position covariances
    ``cov`` (n, 3, 3), m^2, with local unit vertical ``up`` (n, 3): the square root of the
    largest eigenvalue of ``(I - u u') C (I - u u')``."""
    proj = np.eye(3)[None] - up[:, :, None] * up[:, None, :]
    ch = proj @ cov @ proj
    return np.asarray(np.sqrt(np.maximum(np.linalg.eigvalsh(ch)[:, -1], 0.0)), dtype=np.float64)


class StaticEmitterLocator:
    """Accumulates RF-DF bearings and localises static emitters (see module docstring)."""

    def __init__(self, sensors: BearingSensors, config: EmitterConfig | None = None) -> None:
        self.sensors = sensors
        self.cfg = config or EmitterConfig()
        self.bearings = Bearings.empty()
        self._prev = Emitters.empty()
        self._next_id = self.cfg.first_id

    def add(self, bearings: Bearings) -> None:
        """Keep the RF-DF bearings of a batch (other kinds are ignored)."""
        rf = bearings.take(bearings.kind == int(SensorKind.RF_DF))
        if len(rf):
            self.bearings = Bearings.concat([self.bearings, rf])

    def locate(self, now: float) -> Emitters:
        """Emitters supported by the bearings of the last ``window_s`` seconds before ``now``."""
        cfg = self.cfg
        self.bearings = self.bearings.take(self.bearings.time >= now - cfg.window_s)
        lines = persistent_lines(self.bearings, cfg)
        fixes = self._fix(lines)
        if len(fixes):
            up = self.sensors.catalog.frame.up(fixes.position)
            sd = horizontal_major_sigma(fixes.cov, up)
            fixes = fixes.take(sd <= cfg.max_sigma_m)
        self._prev = self._stable_ids(fixes)
        return self._prev

    def _fix(self, lines: Lines) -> Emitters:
        cfg = self.cfg
        cat = self.sensors.catalog
        found: list[Emitters] = []
        for g in np.unique(lines.group):
            rows = np.flatnonzero(lines.group == g)
            if np.unique(lines.sensor[rows]).size < 2:
                continue
            # Pairs of lines from different sites, each intersected; best first, then every
            # consistent line of the group joins.
            a, b = np.triu_indices(rows.size, 1)
            a, b = rows[a], rows[b]
            diff = lines.sensor[a] != lines.sensor[b]
            a, b = a[diff], b[diff]
            used = np.zeros(lines.group.size, bool)
            fix = self._intersect(lines, np.stack([a, b], axis=1))
            sel = np.all(fix.along > 0.0, axis=1)
            sel &= np.all(
                fix.range <= self.sensors.max_range[lines.sensor[np.stack([a, b], 1)]], axis=1
            )
            sel &= ~self._power_clash(lines, a, b, fix.range)
            # Strongest lines first (most bearings), then the tightest fix.
            cand_p = np.flatnonzero(sel)
            tr = np.trace(fix.cov[cand_p], axis1=1, axis2=2)
            strength = lines.n[a[cand_p]] + lines.n[b[cand_p]]
            for p in cand_p[np.lexsort((tr, -strength))]:
                if used[a[p]] or used[b[p]]:
                    continue
                point = fix.point[p]
                cand = rows[~used[rows]]
                s = lines.sensor[cand]
                local = (cat.rotation[s] @ (point - cat.position[s])[..., None])[..., 0]
                az = np.arctan2(local[:, 0], local[:, 1]) % TWO_PI
                d = np.abs((az - lines.az[cand] + np.pi) % TWO_PI - np.pi)
                sig = np.maximum(lines.sigma[cand] / np.sqrt(lines.n[cand]), cfg.bias_floor_rad)
                join = cand[d <= 3.0 * sig]
                # One line per site: the most populated.
                join = join[np.argsort(-lines.n[join], kind="stable")]
                _, first = np.unique(lines.sensor[join], return_index=True)
                join = join[first]
                if join.size < 2:
                    continue
                full = self._intersect(lines, join[None, :])
                used[join] = True
                found.append(
                    Emitters(
                        np.zeros(1, np.int64),
                        full.point,
                        full.cov,
                        np.array([float(np.average(lines.frequency[join], weights=lines.n[join]))]),
                        np.array([int(lines.n[join].sum())]),
                        np.array([join.size]),
                        full.chi2,
                        full.dof,
                        np.array([float(lines.first_time[join].min())]),
                        np.array([float(lines.last_time[join].max())]),
                    )
                )
        if not found:
            return Emitters.empty()
        return Emitters(
            *(np.concatenate([getattr(e, f) for e in found]) for f in Emitters.__slots__)
        )  # type: ignore[attr-defined]

    def _power_clash(
        self, lines: Lines, a: NDArray[np.intp], b: NDArray[np.intp], rng: F64
    ) -> NDArray[np.bool_]:
        """Line pairs whose received powers contradict their fix: one emitter seen from two
        sites loses ``20 log10(r_b / r_a)`` dB more at the farther one (free space), whatever
        its transmitted power, so the two lines' mean RSSI difference must match the fix's
        ranges (within 3 standard errors plus ``rssi_model_db``). Two lines of different
        emitters on one channel (a relay and a drone datalink) cross somewhere anyway; this is
        the one test that tells such a fix from the emitter's own. Unknown RSSI never clashes.
        """
        pred = 20.0 * np.log10(np.maximum(rng[:, 1], 1.0) / np.maximum(rng[:, 0], 1.0))
        meas = lines.rssi[a] - lines.rssi[b]
        tol = 3.0 * np.hypot(lines.rssi_se[a], lines.rssi_se[b]) + self.cfg.rssi_model_db
        with np.errstate(invalid="ignore"):
            return np.asarray(np.abs(meas - pred) > tol, dtype=bool)

    def _intersect(self, lines: Lines, groups: NDArray[np.intp]):  # type: ignore[no-untyped-def]
        cfg = self.cfg
        cat = self.sensors.catalog
        s = lines.sensor[groups]
        sig = np.maximum(lines.sigma[groups] / np.sqrt(lines.n[groups]), cfg.bias_floor_rad)
        return intersect_rays(
            cat.position[s],
            lines.az[groups],
            np.full(groups.shape, np.nan),
            sig,
            np.full(groups.shape, np.nan),
            cat.rotation[s],
            np.ones(groups.shape, bool),
            cat.frame.up(cat.position[s[:, 0]]),
            height_m=cfg.height_m,
            sigma_height_m=cfg.sigma_height_m,
        )

    def _stable_ids(self, e: Emitters) -> Emitters:
        """Give each emitter the id of the previous one within ``id_gate_m``, else a new id."""
        ids = np.full(len(e), -1, np.int64)
        if len(self._prev) and len(e):
            d = np.linalg.norm(e.position[:, None, :] - self._prev.position[None], axis=2)
            j = np.argmin(d, axis=1)
            near = d[np.arange(len(e)), j] <= self.cfg.id_gate_m
            ids[near] = self._prev.emitter_id[j[near]]
            # Two new emitters near one old one: only the closest keeps the id.
            dup = np.flatnonzero(near)
            order = dup[np.argsort(d[dup, j[dup]])]
            _, first = np.unique(ids[order], return_index=True)
            keep = np.zeros(len(e), bool)
            keep[order[first]] = True
            ids[near & ~keep] = -1
        new = ids < 0
        ids[new] = np.arange(self._next_id, self._next_id + int(new.sum()))
        self._next_id += int(new.sum())
        return Emitters(ids, *(getattr(e, f) for f in Emitters.__slots__[1:]))  # type: ignore[attr-defined]
