"""Tracker configuration: one frozen dataclass with documented defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Association = Literal["gnn", "nnjpda"]


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    """Tuning of `skyfuse.tracking.Tracker`. Units: SI (m, s, m/s); q in m^2/s^3.

    Motion (IMM of two constant-velocity modes with white acceleration noise, split into the
    local horizontal plane and the local vertical, `filters.acceleration_density`):
        q_cruise_h, q_cruise_v: cruise mode (near-straight flight).
        q_manoeuvre_h, q_manoeuvre_v: manoeuvre mode (turns, climbs, speed changes).
        sojourn_cruise_s, sojourn_manoeuvre_s: mean time spent in each mode (Markov switching).
        mode_prior: mode probabilities of a new track (cruise, manoeuvre).

    Association:
        association: "gnn" (global nearest neighbour on likelihood ratios) or "nnjpda"
            (assignment on JPDA marginals from loopy belief propagation; abstains below
            ``nnjpda_min_prob``).
        ambiguity_inflation: scale of the association-spread term added to a contested track's
            measurement noise (`association.association_spread`: JPDA marginals of the other
            gated plots times their offsets from the chosen one); 0 disables. In a 100 m
            formation a GNN update takes a neighbour's plot ~30 % of the time; the smaller gain
            keeps one wrong plot from dragging the track (raid-10x100 seed 1: 301 -> 247 ID
            switches, seed 2: 159 -> 129; 0.1-0.5 similar, 1.0 and above lose tracks).
        formation_time_constant_s: memory (s) of the smoothed offsets between confirmed tracks
            whose gates share a plot (`tracking.formation`); the GNN cost then measures each
            plot from the track's formation anchor (own prediction averaged with the positions
            its neighbours and their remembered offsets predict). Association only; 0 disables.
            raid-10x100 seeds 1-4 with ambiguity_inflation 0.3: 757 -> 528 ID switches in all
            (5 s; 20 s and 3 s do about as well on seeds 1-2, 2 s worse).
        formation_max_gap_s: a pair's offset is forgotten after this long without a shared plot.
        formation_velocity_chi2: only tracks whose velocities agree (chi-square of the velocity
            difference on the summed velocity covariances, 3 dof: 16.3 = 99.9 %) count as a
            formation; converged crossing tracks do not (26 m/s apart at 30 deg and 50 m/s).
        formation_max_offset_m: only tracks at most this far apart (m) are paired: a heading
            error of a few degrees turns a long offset into tens of metres of anchor error
            (raid-10x300 seeds 1-3: 69 ID switches with no limit, 49 at 200 m, 57 without the
            formation memory; raid-10x100 seeds 1-4: 578 with no limit, 528 at 200 m).
        gate_chi2: Mahalanobis gate in measurement space (3 dof: 16.3 = 99.9 %).
        gate_sigmas: spatial pre-gate radius in standard deviations of track + plot spread.
        max_gate_radius_m: cap on the spatial pre-gate radius (the gate itself follows the
            covariance: ``gate_sigmas`` sigma of track plus plot spread). 10 km: a 350 m/s
            target moves 4.2 km in a 12 s scan, and a one-point track's 40 m/s prior over 12 s
            is 480 m per axis (3 km cut that tail off); the Mahalanobis gate decides.
        clutter_density: false-plot density in radar measurement space, per (m rad^2); None
            derives it per sensor from `clutter_rate_per_scan` over its coverage.
        max_pairs_per_batch: cap on gated pairs per sensor batch (flooding sensor guard).

    Initiation and management (track score = log-likelihood ratio, SPRT style):
        init_speed_sigma_h, init_speed_sigma_v: 1-sigma velocity of a one-point track, m/s.
            40 m/s suits drones (Shahed ~50 m/s is 1.25 sigma) and keeps a new track in a
            100 m formation from taking its neighbour's plot (raid-10x100: 301 ID switches vs
            360 at 50 and 399 at 60); manned aircraft (>150 m/s) then confirm later from radar
            (mixed-demo: 2.0 s instead of 1.0 s) unless ADS-B starts them. The prior only
            covers what a plot does not say: a self-reported velocity (ADS-B, Remote ID) is
            taken with its own noise, a radar's radial velocity fixes the radial component
            (`Measurements.velocity_information`), and faster targets start by two points.
        init_max_speed_mps, two_point_sigmas: two-point initiation (`Tracker._two_point`): a
            leftover plot that no track gates pairs with a single-plot tentative track within
            ``init_max_speed_mps * dt`` plus ``two_point_sigmas`` sigma of the two plots'
            spreads, which takes the difference velocity and its honest covariance. The
            one-point prior keeps its say in raids (plots a 40 m/s prior gates never get
            there). 0 disables. Straight flights at 200-340 m/s seen by one radar: 0 % tracked
            before, 82-98 % after (one track id each); 400 m/s covers airliners, fast jets and
            cruise missiles.
        confirm_llr: score needed to confirm (ln((1 - beta) / alpha) ~ 9.2 for alpha = 1e-4).
        confirm_min_hits: and at least this many updates.
        init_exclusion_chi2: a leftover plot closer than this (Mahalanobis, measurement space)
            to an existing track does not start a new one.
        tentative_timeout_s: a tentative track not updated for this long is deleted.
        coast_after_s: a confirmed track not updated for this long is shown as coasting.
        delete_llr_drop: a shown track whose score fell this far below its maximum (each radar
            scan that covers it without a plot adds ln(1 - Pd)) is deleted (SPRT deletion).
        delete_after_s: a confirmed or coasting track not updated for this long is deleted.
        tentative_timeout_scans, coast_after_scans, delete_after_scans: the three waiting times
            above are at least this many of the track's revisit intervals (its sensors' scan or
            report periods, and the running mean of the intervals seen, at most
            ``max_revisit_s``): a 12 s radar or a gappy ADS-B feed does not lose its tracks
            between reports, while 1 s radars keep the times above.
        coop_hold_s: a track owned by a cooperative identity (its reports updated it) is not
            deleted, nor dropped as tentative, before this long without reports (s): ADS-B
            gaps of 10 s are common (real feeds also stop for a minute and resume), and an
            identity is evidence the object exists. Straight flights with 0.5-10 s ADS-B gaps:
            40-91 % tracked with 3-7 track ids each at 0, 1 id each at 30 s.
        coop_duplicate_sigma_m: a shown radar track and a shown cooperative identity's track
            whose positions agree within ``merge_chi2`` on their summed covariances plus this
            1-sigma per axis (m; self-report vs radar: barometric altitude, latency) and whose
            velocities agree are one aircraft (`Tracker._coop_duplicates`): the older keeps
            its id and takes the identity; of two shown tracks of one identity the older
            stays. Orly airliners radar + ADS-B (bench.run_real --quick): 18 ID switches,
            GOSPA 181 without; 10 and 145 at 75 m (150 m the same); 0 and 144 with the
            same-identity rule (ADS-B alone 0 and 150, radar alone 25 and 366).
        max_position_sigma_m: a track whose position sigma exceeds this is deleted.
        merge_radius_m, merge_chi2: two tracks closer than the radius (15 m: duplicates share
            plots and sit metres apart, while neighbours in a 100 m formation often come within
            50 m and must not be merged) whose 6-D states agree
            (chi-square on the summed covariances) are duplicates; the weaker one is deleted.
        handover_chi2: a track confirmed in a step replaces a shown track not updated since the
            new one was born when their positions agree within this chi-square (3 dof, summed
            covariances; velocities within ``formation_velocity_chi2``): the shown track keeps
            its identity and takes the new state (`Tracker._handover`; a target turning harder
            than the motion model leaves its gate and its plots start a new track). 0 disables.
            The shown track must be the new one's nearest agreeing shown track.
            n100-r3: 13 -> 6 ID switches, n1000-r3: 81 -> 42, raid-10x100: 133 -> 136 (GOSPA
            2879 -> 2869).
        handover_window_s: the shown track may still have been updated up to this long (s)
            after the new track's birth (0: not at all; n1000-r3 58 ID switches at 0, 47 at
            0.5 s, 42 at 1 s, 34 without limit but raid-10x100 GOSPA +1 %).
        max_new_tracks_per_batch, max_tracks: caps against floods (counted in `TrackerStats`).
        sensor_mask_window_s: a kind's bit stays in `sensor_mask` this long after its update.

    Group (formation) model (`tracking.group`; needs the formation memory):
        group_model: members of a formation share one joint Kalman filter (common plus own
            acceleration noise, tied velocities), so every plot updates the whole group and a
            member without a plot, or with its neighbour's, is held by the others.
        group_min_weight: formation-memory confidence (0-1) a pair needs to form or join a group.
        group_q_own_h, group_q_own_v: each member's own acceleration density on top of the
            group's common one (formation keeping), m^2/s^3.
        group_join_sigma_mps: velocity tie (1-sigma per axis, m/s) between joining members.
        group_eject_chi2: a member leaves its group after two hits in a row with a larger NIS.
        group_eject_hold_s: an ejected member may not rejoin for this long, s.
        group_max_members: largest group (bigger formations are cut into chunks).
    """

    q_cruise_h: float = 0.5
    q_cruise_v: float = 0.05
    q_manoeuvre_h: float = 40.0
    q_manoeuvre_v: float = 4.0
    sojourn_cruise_s: float = 30.0
    sojourn_manoeuvre_s: float = 5.0
    mode_prior: tuple[float, float] = (0.8, 0.2)

    association: Association = "gnn"
    nnjpda_min_prob: float = 0.5
    ambiguity_inflation: float = 0.3
    formation_time_constant_s: float = 5.0
    formation_max_gap_s: float = 5.0
    formation_velocity_chi2: float = 16.3
    formation_max_offset_m: float = 200.0
    gate_chi2: float = 16.0
    gate_sigmas: float = 5.0
    max_gate_radius_m: float = 10_000.0
    clutter_density: float | None = None
    max_pairs_per_batch: int = 200_000

    init_speed_sigma_h: float = 40.0
    init_speed_sigma_v: float = 10.0
    init_max_speed_mps: float = 400.0
    two_point_sigmas: float = 3.0
    confirm_llr: float = 8.0
    confirm_min_hits: int = 2
    init_exclusion_chi2: float = 4.0
    tentative_timeout_s: float = 2.5
    coast_after_s: float = 1.5
    delete_after_s: float = 5.0
    tentative_timeout_scans: float = 2.5
    coast_after_scans: float = 1.5
    delete_after_scans: float = 3.0
    max_revisit_s: float = 30.0
    coop_hold_s: float = 30.0
    coop_duplicate_sigma_m: float = 75.0
    delete_llr_drop: float = 9.0
    max_position_sigma_m: float = 1500.0
    merge_radius_m: float = 15.0
    merge_chi2: float = 16.8
    handover_chi2: float = 16.0
    handover_window_s: float = 1.0
    max_new_tracks_per_batch: int = 5000
    max_tracks: int = 50_000
    sensor_mask_window_s: float = 10.0
    group_model: bool = True
    group_min_weight: float = 0.05
    group_q_own_h: float = 0.1
    group_q_own_v: float = 0.02
    group_join_sigma_mps: float = 0.5
    group_eject_chi2: float = 16.3
    group_eject_hold_s: float = 5.0
    group_max_members: int = 24

    def __post_init__(self) -> None:
        positive = (
            "q_cruise_h",
            "q_manoeuvre_h",
            "sojourn_cruise_s",
            "sojourn_manoeuvre_s",
            "gate_chi2",
            "gate_sigmas",
            "max_gate_radius_m",
            "init_speed_sigma_h",
            "init_speed_sigma_v",
            "tentative_timeout_s",
            "delete_after_s",
            "max_position_sigma_m",
            "formation_max_gap_s",
            "formation_velocity_chi2",
            "formation_max_offset_m",
            "two_point_sigmas",
            "tentative_timeout_scans",
            "coast_after_scans",
            "delete_after_scans",
            "max_revisit_s",
        )
        if not self.coop_hold_s >= 0.0:
            raise ValueError(f"TrackerConfig.coop_hold_s must be >= 0, got {self.coop_hold_s!r}")
        for name in positive:
            if not getattr(self, name) > 0.0:
                raise ValueError(f"TrackerConfig.{name} must be > 0, got {getattr(self, name)!r}")
        if self.association not in ("gnn", "nnjpda"):
            raise ValueError(
                f"TrackerConfig.association must be 'gnn' or 'nnjpda', got {self.association!r}"
            )
        if len(self.mode_prior) != 2 or abs(sum(self.mode_prior) - 1.0) > 1e-9:
            raise ValueError(
                f"TrackerConfig.mode_prior must be 2 probabilities summing to 1, "
                f"got {self.mode_prior!r}"
            )
        if not self.formation_time_constant_s >= 0.0:
            raise ValueError(
                "TrackerConfig.formation_time_constant_s must be >= 0 (0 disables), "
                f"got {self.formation_time_constant_s!r}"
            )
        if not self.ambiguity_inflation >= 0.0:
            raise ValueError(
                "TrackerConfig.ambiguity_inflation must be >= 0 (0 disables), "
                f"got {self.ambiguity_inflation!r}"
            )
        if not self.handover_window_s >= 0.0:
            raise ValueError(
                f"TrackerConfig.handover_window_s must be >= 0, got {self.handover_window_s!r}"
            )
        if not self.handover_chi2 >= 0.0:
            raise ValueError(
                f"TrackerConfig.handover_chi2 must be >= 0 (0 disables), got {self.handover_chi2!r}"
            )
        if not self.init_max_speed_mps >= 0.0:
            raise ValueError(
                "TrackerConfig.init_max_speed_mps must be >= 0 (0 disables two-point "
                f"initiation), got {self.init_max_speed_mps!r}"
            )
        if self.clutter_density is not None and not self.clutter_density > 0.0:
            raise ValueError("TrackerConfig.clutter_density must be > 0 or None")
