"""Group (formation) model: tracks flying in formation share one joint Kalman filter.

Drones of a raid group fly line abreast about 100 m apart while one radar plot's cross-range
sigma at 17 km is 60-70 m. Tracked one by one, each track is as good as its own plots: a
neighbour's plot now and then drags it, a missed detection (Pd 0.9) leaves it to coast on its own
velocity error, and the position error (~30 m RMS, p99 ~80 m) is close enough to the spacing
that the picture's identities swap. Members of a formation, however, move together: their
accelerations are nearly the same and their offsets nearly constant. `GroupFilter` models
exactly that.

Model (per group of n member tracks, working frame, m and m/s): the joint state
``[x_1, v_1, ..., x_n, v_n]`` (6n) with constant-velocity motion. The white acceleration noise
of the members is split into a *common* part (the same acceleration for every member) and a
small *own* part per member (``qa_o``: formation keeping): the process noise is
``J (x) Q(qa_c) + I (x) Q(qa_o)`` with ``J`` the all-ones n x n matrix. The group is an IMM of
two such joint filters whose common densities ``qa_c`` are the tracker's cruise and manoeuvre
densities (same mode switching), with mode probabilities from the joint innovation likelihood
of all the group's plots: a formation's turn is detected from all members at once. Every plot
assigned to one member then updates all members through the cross-covariances: the common
velocity is estimated from n plots a scan, a member without a plot this scan is predicted from
the others, and the relative offsets drift only with ``qa_o``, so one wrong plot moves a member a
little and never across the formation. When blocks join (a new member, two groups merging)
their velocities are tied by a pseudo-measurement ``v_a - v_b = 0`` with ``join_sigma_mps`` per
axis: members of one formation fly the same velocity.

Membership: the connected components of the tracker's formation memory (`tracking.formation`:
pairs of shown tracks whose gates shared plots, confidence at least ``min_weight``, whose
velocities agree now and are known to ``max_velocity_sigma_mps``, and which are further apart
than duplicates), joined with the groups already held (a group keeps its members while they
live, so precise tracks whose gates stop overlapping stay grouped); a new group needs
``min_members`` tracks. A member leaves when it is deleted, becomes tentative, is changed
outside the group filter (handover, passive bearing update: its tracker state no longer equals
the group's prediction), goes without a plot for ``eject_unupdated_s``, or its plots disagree
with the group (NIS above ``eject_chi2`` on two hits in a row); an ejected member may not
rejoin for ``eject_hold_s``.

The tracker's own IMM update still runs on every plot (scores); the group filter then
overwrites the members' states and covariances (both modes) with its marginals and their mode
probabilities with the group's, so nothing downstream changes shape. Cost: a few small dense
matrix products per group and scan (6n x 6n, n <= ``max_members``), a loop over groups only.
Units: SI; frames: the tracker's working frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from skyfuse.core.picture import TrackStatus
from skyfuse.tracking.filters import (
    acceleration_density,
    cv_process_noise,
    cv_transition,
    mode_transition,
)

if TYPE_CHECKING:
    from skyfuse.tracking.models import MeasurementModel, Measurements
    from skyfuse.tracking.tracker import Tracker

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
IDX = NDArray[np.intp]

_KEY_BASE = 1 << 31
_LOG_2PI = float(np.log(2.0 * np.pi))
_DRIFT_TOL_M = 1e-3
"""A member whose tracker position differs from the group's prediction by more than this (m)
was changed outside the group filter and leaves the group."""


_Block = tuple[I64, F64, F64, F64]
"""Part of a group kept at a new time: track ids (k,), mode states (M, 6k), covariances
(M, 6k, 6k), mode probabilities (M,)."""


@dataclass(frozen=True, slots=True)
class GroupParams:
    """Tuning of `GroupFilter` (see the module docstring). Units: SI; q in m^2/s^3.

    min_weight: formation-memory confidence a pair needs to form or join a group.
    q_own_h, q_own_v: each member's own acceleration density (horizontal, vertical).
    join_sigma_mps: 1-sigma of the velocity tie between joining blocks, m/s per axis.
    eject_chi2: a member whose plot's NIS exceeds this on two hits in a row leaves the group.
    eject_hold_s: an ejected member may not rejoin for this long, s.
    max_members: largest group (bigger components are cut into chunks of this size).
    min_members: smallest new group: a formation is recognised from this many tracks flying
        alike (two tracks that just crossed can agree in velocity by mistake; a held group
        keeps going down to two members).
    eject_unupdated_s: a member without a plot for longer than this (s) leaves the group (the
        group may be holding it away from its target's plots).
    max_velocity_sigma_mps: a pair forms or joins a group only once the 1-sigma of its
        velocity difference (largest axis of the summed velocity covariances) is below this,
        m/s: an agreement of poorly known velocities says nothing (crossing tracks).
    """

    min_weight: float = 0.05
    q_own_h: float = 0.1
    q_own_v: float = 0.02
    join_sigma_mps: float = 0.5
    eject_chi2: float = 16.3
    eject_hold_s: float = 5.0
    max_members: int = 24
    min_members: int = 3
    max_velocity_sigma_mps: float = 10.0
    eject_unupdated_s: float = 1.2

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_weight <= 1.0:
            raise ValueError(f"group min_weight must be in [0, 1], got {self.min_weight!r}")
        for name in ("q_own_h", "q_own_v", "eject_hold_s"):
            if not getattr(self, name) >= 0.0:
                raise ValueError(f"group {name} must be >= 0, got {getattr(self, name)!r}")
        for name in ("join_sigma_mps", "eject_chi2", "max_velocity_sigma_mps", "eject_unupdated_s"):
            if not getattr(self, name) > 0.0:
                raise ValueError(f"group {name} must be > 0, got {getattr(self, name)!r}")
        if self.max_members < 2:
            raise ValueError(f"group max_members must be >= 2, got {self.max_members!r}")


@dataclass(slots=True)
class _Group:
    """One group: member track ids (n,), mode-conditioned joint states (M, 6n) and covariances
    (M, 6n, 6n), mode probabilities (M,), time (s), consecutive high-NIS hits per member (n,)."""

    ids: I64
    x: F64
    P: F64
    mu: F64
    time: float
    bad: I64

    def combined(self) -> tuple[F64, F64]:
        """Moment-matched joint state (6n,) and covariance (6n, 6n) over the modes."""
        return combine_modes(self.x, self.P, self.mu)


def combine_modes(x: F64, P: F64, mu: F64) -> tuple[F64, F64]:
    """Moment-matched mean (N,) and covariance (N, N) of mode-conditioned ``x (M, N)``,
    ``P (M, N, N)`` with probabilities ``mu (M,)``."""
    xc = mu @ x
    d = x - xc
    Pc = np.tensordot(mu, P, axes=1) + (d.T * mu) @ d
    return xc, 0.5 * (Pc + Pc.T)


def mix_modes(x: F64, P: F64, mu: F64, Pi: F64) -> tuple[F64, F64, F64]:
    """IMM interaction of a joint state: mixed ``x0 (M, N)``, ``P0 (M, N, N)`` per mode and the
    predicted mode probabilities ``c = mu Pi`` (``Pi[i, j] = P(j at t + dt | i at t)``)."""
    c = mu @ Pi
    w = Pi * mu[:, None] / np.maximum(c, 1e-300)[None, :]  # w[i, j] = P(i before | j now)
    x0 = w.T @ x
    P0 = np.tensordot(w.T, P, axes=1)
    for j in range(mu.size):
        d = x - x0[j]
        P0[j] += (d.T * w[:, j]) @ d
    return x0, P0, c


def predict_group(x: F64, P: F64, dt: float, qa_common: F64, qa_own: F64) -> tuple[F64, F64]:
    """Constant-velocity prediction of a joint group state over ``dt`` s.

    ``x (6n,)``, ``P (6n, 6n)``; process noise ``J (x) Q(qa_common) + I (x) Q(qa_own)`` with
    ``Q(qa)`` the 6x6 white-acceleration noise of `cv_process_noise` for the 3x3 densities
    ``qa_common``, ``qa_own`` (m^2/s^3) and ``J`` the all-ones matrix.
    """
    n = x.size // 6
    F = cv_transition(dt)
    xs = x.reshape(n, 6) @ F.T
    Fb = np.kron(np.eye(n), F)
    P4 = (Fb @ P @ Fb.T).reshape(n, 6, n, 6)
    P4 += cv_process_noise(dt, qa_common)[None, :, None, :]
    own = cv_process_noise(dt, qa_own)
    ar = np.arange(n)
    P4[ar, :, ar, :] += own
    Pn = P4.reshape(6 * n, 6 * n)
    return xs.reshape(-1), 0.5 * (Pn + Pn.T)


def joint_update(x: F64, P: F64, nu: F64, H: F64, R: F64) -> tuple[F64, F64, F64]:
    """EKF update of a joint state with stacked innovations ``nu (k,)``, Jacobian ``H (k, N)``
    and noise ``R (k, k)`` (Joseph form). Returns the state, covariance and the innovation
    covariance ``S``."""
    PHt = P @ H.T
    S = H @ PHt + R
    S = 0.5 * (S + S.T)
    K = np.linalg.solve(S, PHt.T).T
    xn = x + K @ nu
    IKH = np.eye(x.size) - K @ H
    Pn = IKH @ P @ IKH.T + K @ R @ K.T
    return xn, 0.5 * (Pn + Pn.T), S


def tie_velocities(x: F64, P: F64, first: IDX, sigma: float) -> tuple[F64, F64]:
    """Pseudo-measurements ``v_first[0] - v_first[k] = 0`` (each with ``sigma`` m/s per axis) for
    the members ``first[1:]`` of a joint state (member indices, 6 entries each)."""
    if first.size < 2:
        return x, P
    k = first.size - 1
    H = np.zeros((3 * k, x.size))
    for j, m in enumerate(first[1:].tolist()):
        H[3 * j : 3 * j + 3, 6 * int(first[0]) + 3 : 6 * int(first[0]) + 6] = np.eye(3)
        H[3 * j : 3 * j + 3, 6 * m + 3 : 6 * m + 6] -= np.eye(3)
    xn, Pn, _ = joint_update(x, P, -(H @ x), H, np.eye(3 * k) * sigma**2)
    return xn, Pn


class GroupFilter:
    """Joint filters of the formation groups of one `Tracker` (see the module docstring).

    `step` is called by the tracker after each association round; the first call at a new time
    predicts the groups, redraws membership and builds the joint states; every call updates
    them with the round's plots and writes the members' marginals back into the tracker.
    """

    def __init__(self, params: GroupParams | None = None) -> None:
        self.params = params or GroupParams()
        self.groups: list[_Group] = []
        self.time = -np.inf
        self.hold_ids: I64 = np.zeros(0, np.int64)
        self.hold_until: F64 = np.zeros(0)
        self.stats_ejected = 0

    # -- state -------------------------------------------------------------------------------
    def state(self) -> dict[str, object]:
        """A copy of the filter's state (for `Tracker.snapshot`)."""
        return {
            "time": float(self.time),
            "groups": [
                (g.ids.copy(), g.x.copy(), g.P.copy(), g.mu.copy(), g.time, g.bad.copy())
                for g in self.groups
            ],
            "hold_ids": self.hold_ids.copy(),
            "hold_until": self.hold_until.copy(),
        }

    def load(self, state: Mapping[str, object]) -> None:
        """Restore a state produced by `state`."""
        self.time = float(state["time"])  # type: ignore[arg-type]
        groups = state["groups"]
        assert isinstance(groups, list)
        self.groups = [
            _Group(
                np.asarray(i, np.int64).copy(),
                np.asarray(x, np.float64).copy(),
                np.asarray(P, np.float64).copy(),
                np.asarray(mu, np.float64).copy(),
                float(t),
                np.asarray(b, np.int64).copy(),
            )
            for i, x, P, mu, t, b in groups
        ]
        self.hold_ids = np.asarray(state["hold_ids"], np.int64).copy()
        self.hold_until = np.asarray(state["hold_until"], np.float64).copy()

    def __len__(self) -> int:
        return len(self.groups)

    def member_ids(self) -> I64:
        """Track ids of all current group members."""
        if not self.groups:
            return np.zeros(0, np.int64)
        return np.concatenate([g.ids for g in self.groups])

    # -- step --------------------------------------------------------------------------------
    def step(
        self,
        tr: Tracker,
        t: float,
        slots: IDX,
        meas: Measurements,
        b: IDX,
        model: MeasurementModel,
        extra_R: F64 | None,
    ) -> None:
        """Update the groups at time t with the round's plots ``b`` (rows of ``meas``) assigned
        to the tracker slots ``slots`` (already updated by the tracker's own filter), then write
        the members' marginals into the tracker. ``extra_R (k, d, d)`` is added to the plots'
        noise when given (association ambiguity)."""
        if t > self.time:
            self._new_time(tr, t, slots)
            self.time = t
        if not self.groups:
            return
        where = self._where(tr)
        if slots.size:
            gi, li = where[0][slots], where[1][slots]
            hit = np.flatnonzero(gi >= 0)
            for g in np.unique(gi[hit]).tolist():
                h = hit[gi[hit] == g]
                self._update(
                    tr,
                    self.groups[g],
                    li[h],
                    meas,
                    b[h],
                    model,
                    None if extra_R is None else extra_R[h],
                )
        self._write(tr)

    def _where(self, tr: Tracker) -> tuple[IDX, IDX]:
        """(group index, member index) per tracker slot, -1 where not a member."""
        gi = np.full(tr.capacity, -1, np.intp)
        li = np.full(tr.capacity, -1, np.intp)
        for k, g in enumerate(self.groups):
            s = _slots_of(tr, g.ids)
            ok = s >= 0
            gi[s[ok]] = k
            li[s[ok]] = np.flatnonzero(ok)
        return gi, li

    def _new_time(self, tr: Tracker, t: float, hit_slots: IDX) -> None:
        p = self.params
        keep_hold = self.hold_until > t
        self.hold_ids, self.hold_until = self.hold_ids[keep_hold], self.hold_until[keep_hold]
        # 1. Predict the held groups to t and keep the members that are still theirs.
        blocks: list[_Block] = []  # predicted to t
        hit = np.zeros(tr.capacity, bool)
        hit[hit_slots] = True
        for g in self.groups:
            n = g.ids.size
            s = _slots_of(tr, g.ids)
            ok = s >= 0
            ok[ok] = tr.status[s[ok]] != TrackStatus.TENTATIVE
            if not ok.any():
                continue
            dt = t - g.time
            qa_c, qa_o = self._densities(tr, s[ok])
            x0, P0, mu = mix_modes(g.x, g.P, g.mu, mode_transition(dt, tr._sojourn))
            pred = [predict_group(x0[j], P0[j], dt, qa_c[j], qa_o) for j in range(mu.size)]
            x = np.stack([q[0] for q in pred])
            P = np.stack([q[1] for q in pred])
            xs = (mu @ x).reshape(n, 6)
            drift = np.zeros(n, bool)
            live = np.flatnonzero(ok)
            own = live[~hit[s[live]]]
            drift[own] = np.linalg.norm(tr.x[s[own], :3] - xs[own, :3], axis=1) > _DRIFT_TOL_M
            ejected = g.bad >= 2
            stale = np.zeros(n, bool)
            stale[live] = t - tr.last_update_time[s[live]] > p.eject_unupdated_s
            ejected |= stale
            if ejected.any():
                self.stats_ejected += int(np.count_nonzero(ejected & ok))
                self.hold_ids = np.concatenate([self.hold_ids, g.ids[ejected]])
                self.hold_until = np.concatenate(
                    [self.hold_until, np.full(int(ejected.sum()), t + p.eject_hold_s)]
                )
            keep = np.flatnonzero(ok & ~drift & ~ejected)
            if keep.size == 0:
                continue
            cols = (6 * keep[:, None] + np.arange(6)[None, :]).reshape(-1)
            blocks.append((g.ids[keep], x[:, cols], P[:, cols][:, :, cols], mu))
        # 2. Membership: formation-memory pairs of shown tracks, plus the blocks held.
        alive = tr.live()
        shown = alive[tr.status[alive] != TrackStatus.TENTATIVE]
        pa, pb = self._memory_pairs(tr, t, shown)
        block_of = np.full(tr.capacity, -1, np.intp)
        ea: list[IDX] = [pa]
        eb: list[IDX] = [pb]
        for k, (ids, _, _, _) in enumerate(blocks):
            s = _slots_of(tr, ids)
            block_of[s] = k
            ea.append(s[:-1])
            eb.append(s[1:])
        a = np.concatenate(ea)
        bb = np.concatenate(eb)
        self.groups = []
        if a.size == 0:
            return
        nodes, inv = np.unique(np.concatenate([a, bb]), return_inverse=True)
        nn = nodes.size
        g = coo_matrix((np.ones(a.size), (inv[: a.size], inv[a.size :])), shape=(nn, nn))
        ncomp, lab = connected_components(g, directed=False)
        for c in range(ncomp):
            members = nodes[lab == c]
            for chunk in _chunks(members, block_of, p.max_members):
                if chunk.size >= max(p.min_members, 2) or (
                    chunk.size >= 2 and (block_of[chunk] >= 0).all()
                ):
                    self.groups.append(self._build(tr, t, chunk, block_of, blocks))

    def _memory_pairs(self, tr: Tracker, t: float, shown: IDX) -> tuple[IDX, IDX]:
        """Slot pairs of shown tracks whose formation-memory pair is confident, whose
        velocities agree now and are known to ``max_velocity_sigma_mps``, and which are apart
        (at least twice the duplicate-merge radius: closer pairs are duplicates, not a
        formation); neither held out after an ejection."""
        e = np.zeros(0, np.intp)
        fm = tr.formation
        if fm is None or len(fm) == 0 or shown.size < 2:
            return e, e
        sel = fm.weight >= self.params.min_weight
        if not sel.any():
            return e, e
        key = fm.key[sel]
        ia, ib = key // _KEY_BASE, key % _KEY_BASE
        sa, sb = _slots_of(tr, ia), _slots_of(tr, ib)
        ok = (sa >= 0) & (sb >= 0)
        if self.hold_ids.size:
            ok &= ~np.isin(ia, self.hold_ids) & ~np.isin(ib, self.hold_ids)
        sa, sb = sa[ok], sb[ok]
        if sa.size == 0:
            return e, e
        is_shown = np.zeros(tr.capacity, bool)
        is_shown[shown] = True
        c = tr.config
        dv = tr.x[sa, 3:] - tr.x[sb, 3:]
        Pv = tr.P[sa, 3:, 3:] + tr.P[sb, 3:, 3:]
        dv2 = np.einsum("ki,ki->k", dv, np.linalg.solve(Pv, dv[:, :, None])[:, :, 0])
        near = np.linalg.norm(tr.x[sa, :3] - tr.x[sb, :3], axis=1)
        known = np.linalg.eigvalsh(Pv)[:, -1] <= self.params.max_velocity_sigma_mps**2
        ok = (
            is_shown[sa]
            & is_shown[sb]
            & known
            & (dv2 <= c.formation_velocity_chi2)
            & (near <= c.formation_max_offset_m)
            & (near >= 2.0 * c.merge_radius_m)
        )
        return sa[ok], sb[ok]

    def _densities(self, tr: Tracker, slots: IDX) -> tuple[F64, F64]:
        """Common acceleration densities (M, 3, 3) of the group's modes (the tracker's cruise
        and manoeuvre densities) and the members' own density (3, 3), at the local up of the
        first member ``slots[0]``."""
        up = tr._local_up(slots[:1])[0]
        q = tr._q  # (modes, 2): horizontal, vertical
        qa_c = np.stack([acceleration_density(up, float(h), float(v)) for h, v in q])
        p = self.params
        return qa_c, acceleration_density(up, p.q_own_h, p.q_own_v)

    def _build(
        self,
        tr: Tracker,
        t: float,
        slots: IDX,
        block_of: IDX,
        blocks: list[_Block],
    ) -> _Group:
        """Joint state of the members ``slots``: the held blocks' parts, new members from the
        tracker's states; blocks tied by velocity pseudo-measurements (in every mode); mode
        probabilities averaged over the members."""
        ids_parts: list[I64] = []
        x_parts: list[F64] = []
        P_parts: list[F64] = []
        mu_sum = np.zeros(tr.mu.shape[1])
        first: list[int] = []
        n = 0
        bk = block_of[slots]
        for k in np.unique(bk[bk >= 0]).tolist():
            ids, x, P, mu = blocks[k]
            mine = np.flatnonzero(np.isin(ids, tr.track_id[slots[bk == k]]))
            cols = (6 * mine[:, None] + np.arange(6)[None, :]).reshape(-1)
            ids_parts.append(ids[mine])
            x_parts.append(x[:, cols])
            P_parts.append(P[:, cols][:, :, cols])
            mu_sum += mine.size * mu
            first.append(n)
            n += mine.size
        m = tr.mu.shape[1]
        for s in slots[bk < 0].tolist():
            ids_parts.append(tr.track_id[s : s + 1].copy())
            x_parts.append(np.repeat(tr.x[s][None], m, axis=0))
            P_parts.append(np.repeat(tr.P[s][None], m, axis=0))
            mu_sum += tr.mu[s]
            first.append(n)
            n += 1
        x = np.concatenate(x_parts, axis=1)
        P = np.zeros((m, 6 * n, 6 * n))
        o = 0
        for Pk in P_parts:
            d = Pk.shape[1]
            P[:, o : o + d, o : o + d] = Pk
            o += d
        fi = np.asarray(first, np.intp)
        for j in range(m):
            x[j], P[j] = tie_velocities(x[j], P[j], fi, self.params.join_sigma_mps)
        return _Group(
            np.concatenate(ids_parts), x, P, mu_sum / mu_sum.sum(), t, np.zeros(n, np.int64)
        )

    def _update(
        self,
        tr: Tracker,
        g: _Group,
        local: IDX,
        meas: Measurements,
        b: IDX,
        model: MeasurementModel,
        extra_R: F64 | None,
    ) -> None:
        """Joint EKF update of group ``g`` in each mode with plots ``b`` on its members
        ``local``; mode probabilities from the joint innovation likelihoods."""
        n = g.ids.size
        d = model.dim
        k = local.size
        M = g.mu.size
        xs = g.x.reshape(M, n, 6)[:, local].reshape(M * k, 6)
        zhat, Hm = model.predict(xs, np.tile(meas.sensor[b], M), tr.catalog)
        nu = model.residual(np.tile(meas.z[b], (M, 1)), zhat).reshape(M, k, d)
        Hm = Hm.reshape(M, k, d, 6)
        Rh = meas.R[b] if extra_R is None else meas.R[b] + extra_R
        R = np.zeros((k * d, k * d))
        for h in range(k):
            R[h * d : (h + 1) * d, h * d : (h + 1) * d] = Rh[h]
        ll = np.zeros(M)
        nis = np.zeros((M, k))
        for j in range(M):
            H = np.zeros((k * d, 6 * n))
            for h in range(k):
                m = int(local[h])
                H[h * d : (h + 1) * d, 6 * m : 6 * m + 6] = Hm[j, h]
            v = nu[j].reshape(-1)
            g.x[j], g.P[j], S = joint_update(g.x[j], g.P[j], v, H, R)
            _, logdet = np.linalg.slogdet(S)
            ll[j] = -0.5 * (float(v @ np.linalg.solve(S, v)) + logdet + v.size * _LOG_2PI)
            Sh = np.stack([S[h * d : (h + 1) * d, h * d : (h + 1) * d] for h in range(k)])
            if extra_R is not None:  # the ejection test ignores the ambiguity inflation
                Sh = Sh - extra_R
            nis[j] = np.einsum("ki,ki->k", nu[j], np.linalg.solve(Sh, nu[j][:, :, None])[:, :, 0])
        w = g.mu * np.exp(ll - ll.max())
        g.mu = w / w.sum()
        best = nis[int(np.argmax(g.mu))]
        g.bad[local] = np.where(best > self.params.eject_chi2, g.bad[local] + 1, 0)

    def _write(self, tr: Tracker) -> None:
        """Members' marginal states, covariances (both IMM modes) and the group's mode
        probabilities into the tracker."""
        for g in self.groups:
            s = _slots_of(tr, g.ids)
            ok = np.flatnonzero(s >= 0)
            if ok.size == 0:
                continue
            n = g.ids.size
            x, P = g.combined()
            xs = x.reshape(n, 6)[ok]
            Ps = P.reshape(n, 6, n, 6)[ok, :, ok, :]
            sl = s[ok]
            tr.x[sl] = xs
            tr.P[sl] = Ps
            tr.xm[sl] = xs[:, None, :]
            tr.Pm[sl] = Ps[:, None, :, :]
            tr.mu[sl] = g.mu
            g.time = tr.time


def _slots_of(tr: Tracker, ids: I64) -> IDX:
    """Tracker slots (-1 if not alive) of track ids."""
    alive = tr.live()
    if alive.size == 0 or ids.size == 0:
        return np.full(ids.size, -1, np.intp)
    lid = tr.track_id[alive]
    order = np.argsort(lid)
    pos = np.minimum(np.searchsorted(lid, ids, sorter=order), lid.size - 1)
    found = lid[order[pos]] == ids
    return np.where(found, alive[order[pos]], -1).astype(np.intp)


def _chunks(members: IDX, block_of: IDX, size: int) -> list[IDX]:
    """A component's slots in chunks of at most ``size`` (held blocks kept together first)."""
    if members.size <= size:
        return [members]
    order = np.argsort(block_of[members], kind="stable")
    m = members[order]
    return [m[i : i + size] for i in range(0, m.size, size)]
