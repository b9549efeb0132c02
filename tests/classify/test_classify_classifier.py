"""The Classifier stage: hand-computed posteriors, forgetting, state lifecycle, invariants."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from skyfuse.classify import FEATURE_NAMES, Classifier, ClassifierConfig, ClassModel, default_prior
from skyfuse.classify import likelihood as lk
from skyfuse.classify.classifier import coop_kind_of_id, coop_table
from skyfuse.classify.learned import load_default_model
from skyfuse.core.kinds import CLASSES, SensorKind
from skyfuse.core.picture import Associations, Picture, TrackerOutput, TrackStatus
from skyfuse.core.reports import Reports
from skyfuse.scenario import SensorCatalog, read_sensors

ATTACK, DECOY, BIRD, AIRCRAFT, UNKNOWN = (
    CLASSES.index(c) for c in ("attack_drone", "decoy", "bird", "aircraft", "unknown")
)


@pytest.fixture(scope="module")
def catalog(mixed_scenario: Path) -> SensorCatalog:
    return SensorCatalog.build(read_sensors(mixed_scenario))


def picture(
    catalog: SensorCatalog,
    t: float,
    ids: list[int],
    *,
    vel: tuple[float, float, float] = (48.0, 0.0, 0.0),
    alt: float = 1500.0,
    vel_sigma: float = 1.0,
    pos_sigma: float = 1.0,
    coop_id: list[str | None] | None = None,
    spoof: list[bool] | None = None,
) -> Picture:
    n = len(ids)
    state = np.zeros((n, 6))
    state[:, 2] = alt
    state[:, 3:] = vel
    cov = np.tile(np.eye(6), (n, 1, 1))
    cov[:, :3, :3] *= pos_sigma**2
    cov[:, 3:, 3:] *= vel_sigma**2
    return Picture(
        time=t,
        frame=catalog.frame,
        track_id=np.array(ids, np.int64),
        state=state,
        cov=cov,
        status=np.full(n, TrackStatus.CONFIRMED, np.int8),
        first_time=np.zeros(n),
        last_update_time=np.full(n, t),
        n_updates=np.ones(n, np.int32),
        mode_prob=np.tile([0.9, 0.1], (n, 1)),
        static=np.zeros(n, bool),
        coop_id=np.array(coop_id if coop_id is not None else [None] * n, dtype=object),
        spoof_suspect=np.array(spoof if spoof is not None else [False] * n, bool),
        sensor_mask=np.zeros(n, np.int32),
    )


def radar_reports(catalog: SensorCatalog, t: float, det: list[int], rcs: list[float]) -> Reports:
    s = int(catalog.sensors_of(SensorKind.RADAR)[0])
    n = len(det)
    return Reports(
        det_id=np.array(det, np.int64),
        time=np.full(n, t),
        sensor=np.full(n, s, np.int32),
        values={"rcs_dbsm": np.array(rcs, np.float64)},
    )


def out_of(pic: Picture, det: list[int], trk: list[int], deleted: list[int] = ()) -> TrackerOutput:  # type: ignore[assignment]
    return TrackerOutput(
        pic,
        Associations(np.array(det, np.int64), np.array(trk, np.int64), np.ones(len(det))),
        np.array(list(deleted), np.int64),
    )


def odds_change(with_: np.ndarray, without: np.ndarray) -> np.ndarray:
    """Posterior ratio p_with / p_without, normalised to sum 1 (= the added likelihood's
    normalised shape, since everything else is common)."""
    r = with_ / without
    return r / r.sum()


def test_single_rcs_report_matches_independent_quadrature(catalog: SensorCatalog) -> None:
    """One RCS report multiplies the odds by p(y | c)^tau with
    p(y | c) = int Swerling1(y | m) N(m; mu_c, sd_c) dm, here integrated by scipy.quad."""
    cfg = ClassifierConfig(tau_rcs=0.5)
    y = -7.0
    pic = picture(catalog, 0.0, [5], vel_sigma=100.0, pos_sigma=3000.0)
    b = Classifier(catalog, cfg).update(
        out_of(pic, [1], [5]), radar_reports(catalog, 0.0, [1], [y])
    )
    b0 = Classifier(catalog, cfg).update(out_of(pic, [], []), Reports.empty())
    m = cfg.model
    like = []
    for c in range(len(CLASSES)):
        mu, sd = m.rcs_mean_dbsm[c], m.rcs_sd_db[c]

        def f(mm: float, mu: float = mu, sd: float = sd) -> float:
            u = 10.0 ** ((y - mm) / 10.0)
            return float(u * np.exp(-u) * stats.norm.pdf(mm, mu, sd))

        like.append(integrate.quad(f, mu - 12 * sd, mu + 12 * sd, limit=200, points=[y])[0])
    expect = np.array(like) ** 0.5
    np.testing.assert_allclose(
        odds_change(b.probs[0], b0.probs[0]), expect / expect.sum(), rtol=2e-3
    )


def test_forgetting_decays_sufficient_statistics(catalog: SensorCatalog) -> None:
    """After dt = T with no new reports, the RCS evidence is that of n = e^-1 reports."""
    cfg = ClassifierConfig(forget_s=10.0, tau_rcs=1.0)
    u = 10 ** (-6.0 / 10)
    a, z = Classifier(catalog, cfg), Classifier(catalog, cfg)
    kw = dict(vel_sigma=100.0, pos_sigma=3000.0)
    a.update(
        out_of(picture(catalog, 0.0, [1], **kw), [7], [1]), radar_reports(catalog, 0.0, [7], [-6.0])
    )
    z.update(out_of(picture(catalog, 0.0, [1], **kw), [], []), Reports.empty())
    pa = a.update(out_of(picture(catalog, 10.0, [1], **kw), [], []), Reports.empty()).probs[0]
    pz = z.update(out_of(picture(catalog, 10.0, [1], **kw), [], []), Reports.empty()).probs[0]
    k = np.exp(-1.0)
    ll = lk.rcs_log_marginal(np.array([k]), np.array([k * u]), cfg.model)[0]
    np.testing.assert_allclose(odds_change(pa, pz), np.exp(ll) / np.exp(ll).sum(), rtol=1e-9)


def test_repeated_rcs_reports_saturate(catalog: SensorCatalog) -> None:
    """Hundreds of plots of one target do not drive a neighbouring class to zero: the shared
    latent mean caps the evidence (attack drone vs decoy on attack-like RCS)."""
    clf = Classifier(catalog, ClassifierConfig(forget_s=float("inf")))
    rng = np.random.default_rng(0)
    for k in range(300):
        y = -6.0 + 10 * np.log10(rng.exponential())
        b = clf.update(
            out_of(picture(catalog, float(k), [1]), [k], [1]),
            radar_reports(catalog, float(k), [k], [y]),
        )
    assert b.probs[0, DECOY] > 0.02


def test_no_evidence_reads_unknown(catalog: SensorCatalog) -> None:
    """A new track that barely knows its state (sigma 200 m/s, 3 km) stays `unknown`."""
    clf = Classifier(catalog)
    pic = picture(catalog, 0.0, [1], vel_sigma=200.0, pos_sigma=3000.0)
    b = clf.update(out_of(pic, [], []), Reports.empty())
    assert b.label() == ["unknown"]
    assert b.confidence()[0] < 0.3  # nothing is claimed with confidence


def test_kinematics_separate_bird_from_attack_drone(catalog: SensorCatalog) -> None:
    clf = Classifier(catalog)
    for k in range(12):
        t = float(k)
        pic = dataclasses.replace(
            picture(catalog, t, [1, 2]),
            state=np.array([[0, 0, 1500, 47, 0, 0], [0, 0, 150, 12, 3, 0]], dtype=np.float64),
        )
        b = clf.update(out_of(pic, [], []), Reports.empty())
    assert b.label() == ["attack_drone", "bird"]
    assert b.probs[0, ATTACK] + b.probs[0, DECOY] > 0.98
    # kinematics alone cannot tell a bird from a small multirotor (both slow and low)
    assert b.probs[1, BIRD] + b.probs[1, CLASSES.index("multirotor")] > 0.95


def test_adsb_identity_and_spoofing(catalog: SensorCatalog) -> None:
    """A bound ICAO address makes an airliner-like track `aircraft`; a spoof suspect gets no
    credit for the same identity."""
    honest = Classifier(catalog)
    liar = Classifier(catalog)
    for k in range(11):
        kw = dict(vel=(150.0, 0.0, 0.0), alt=7000.0, coop_id=["4ca1fe"])
        bh = honest.update(out_of(picture(catalog, float(k), [3], **kw), [], []), Reports.empty())  # type: ignore[arg-type]
        bl = liar.update(
            out_of(picture(catalog, float(k), [3], spoof=[True], **kw), [], []),  # type: ignore[arg-type]
            Reports.empty(),
        )
    assert bh.label() == ["aircraft"] and bh.probs[0, AIRCRAFT] > 0.95
    assert bl.probs[0, AIRCRAFT] < bh.probs[0, AIRCRAFT]


def test_adsb_self_reports_associated_count_as_identity(catalog: SensorCatalog) -> None:
    s = int(catalog.sensors_of(SensorKind.ADSB)[0])
    clf = Classifier(catalog)
    for k in range(6):
        rep = Reports(
            det_id=np.array([100 + k]),
            time=np.array([float(k)]),
            sensor=np.array([s], np.int32),
            text={"icao24": np.array(["4ca1fe"], dtype=object)},
        )
        pic = picture(catalog, float(k), [9], vel=(90.0, 0.0, 0.0), alt=3000.0)
        b = clf.update(out_of(pic, [100 + k], [9]), rep)
    assert b.label() == ["aircraft"]


def test_state_is_dropped_for_deleted_and_vanished_tracks(catalog: SensorCatalog) -> None:
    clf = Classifier(catalog)
    clf.update(out_of(picture(catalog, 0.0, [1, 2, 3]), [], []), Reports.empty())
    np.testing.assert_array_equal(clf.track_ids, [1, 2, 3])
    b = clf.update(out_of(picture(catalog, 1.0, [3, 4]), [], [], deleted=[1]), Reports.empty())
    np.testing.assert_array_equal(clf.track_ids, [3, 4])
    np.testing.assert_array_equal(b.track_id, [3, 4])
    # a re-used id starts from scratch
    pic = picture(catalog, 2.0, [1], vel_sigma=200.0, pos_sigma=3000.0)
    b2 = clf.update(out_of(pic, [], []), Reports.empty())
    assert b2.label() == ["unknown"]


def test_beliefs_follow_picture_order_and_ignore_foreign_associations(
    catalog: SensorCatalog,
) -> None:
    clf = Classifier(catalog)
    pic = picture(catalog, 0.0, [30, 10, 20])
    rep = radar_reports(catalog, 0.0, [1, 2], [-25.0, -6.0])
    # det 2 goes to a track that is not in the picture; det 99 is not in the batch
    b = clf.update(out_of(pic, [1, 2, 99], [10, 77, 20]), rep)
    np.testing.assert_array_equal(b.track_id, [30, 10, 20])
    np.testing.assert_allclose(b.probs.sum(axis=1), 1.0)


def test_bad_inputs_are_named(catalog: SensorCatalog) -> None:
    clf = Classifier(catalog)
    with pytest.raises(ValueError, match="duplicate track ids"):
        clf.update(out_of(picture(catalog, 0.0, [1, 1]), [], []), Reports.empty())
    pic = picture(catalog, 0.0, [1])
    bad = TrackerOutput(
        pic, Associations(np.array([1]), np.array([1]), np.array([2.0])), np.zeros(0, np.int64)
    )
    with pytest.raises(ValueError, match=r"Associations\.weight"):
        clf.update(bad, radar_reports(catalog, 0.0, [1], [-6.0]))
    with pytest.raises(ValueError, match=r"ClassifierConfig\.prior"):
        ClassifierConfig(prior=np.ones(8))
    with pytest.raises(ValueError, match=r"ClassifierConfig\.tau_rcs"):
        ClassifierConfig(tau_rcs=2.0)
    with pytest.raises(ValueError, match="class parameter table misses"):
        lk._arr({"bird": 1.0})


def test_default_prior_and_model_are_consistent() -> None:
    p = default_prior()
    assert p.shape == (8,) and p.sum() == pytest.approx(1.0) and np.argmax(p) == UNKNOWN
    m = ClassModel.default()
    np.testing.assert_allclose(m.alt_weight.sum(axis=1), 1.0)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.floats(-40.0, 30.0), min_size=1, max_size=6),
    st.floats(0.0, 300.0),
    st.floats(0.0, 12000.0),
    st.floats(0.1, 500.0),
)
def test_beliefs_are_distributions(
    catalog: SensorCatalog, rcs: list[float], speed: float, alt: float, sig: float
) -> None:
    clf = Classifier(catalog)
    n = len(rcs)
    ids = list(range(n))
    for k in range(3):
        pic = picture(catalog, float(k), ids, vel=(speed, 0.0, 0.0), alt=alt, vel_sigma=sig)
        det = [10 * k + i for i in ids]
        b = clf.update(out_of(pic, det, ids), radar_reports(catalog, float(k), det, rcs))
    assert np.all(np.isfinite(b.probs)) and np.all(b.probs >= 0)
    np.testing.assert_allclose(b.probs.sum(axis=1), 1.0, atol=1e-9)


def test_coop_kind_of_id() -> None:
    ids = np.array([None, "4ca1fe", "", "1581FABC12", "ABCDEF", "abcdeg"], dtype=object)
    np.testing.assert_array_equal(
        coop_kind_of_id(ids),
        [
            lk.COOP_NONE,
            lk.COOP_ADSB,
            lk.COOP_NONE,
            lk.COOP_REMOTE_ID,
            lk.COOP_ADSB,
            lk.COOP_REMOTE_ID,
        ],
    )


def test_coop_table_folds_unheard_kinds_into_none() -> None:
    m = ClassModel.default()
    t = coop_table(m, has_adsb_rx=False, has_rid_rx=True)
    np.testing.assert_allclose(t.sum(axis=1), 1.0)
    np.testing.assert_array_equal(t[:, lk.COOP_ADSB], 0.0)
    np.testing.assert_allclose(
        t[:, lk.COOP_NONE], m.coop[:, lk.COOP_NONE] + m.coop[:, lk.COOP_ADSB]
    )


def test_empty_picture_gives_empty_beliefs(catalog: SensorCatalog) -> None:
    clf = Classifier(catalog)
    clf.update(out_of(picture(catalog, 0.0, [1]), [], []), Reports.empty())
    b = clf.update(out_of(picture(catalog, 1.0, []), [], [], deleted=[1]), Reports.empty())
    assert len(b) == 0 and b.probs.shape == (0, len(CLASSES))
    assert clf.track_ids.size == 0 and clf.features().shape == (0, len(FEATURE_NAMES))


def test_learned_model_is_pooled_and_refreshed_on_its_period(catalog: SensorCatalog) -> None:
    model = load_default_model()
    assert model is not None
    clf = Classifier(catalog, ClassifierConfig(ml_period_s=10.0), model)
    b0 = clf.update(out_of(picture(catalog, 0.0, [1]), [], []), Reports.empty())
    assert not np.allclose(b0.probs, clf.bayes_posterior())
    # a track born between model runs is Bayes-only until the next run; the known unknown
    # mass is kept by the pool
    b1 = clf.update(out_of(picture(catalog, 1.0, [1, 2]), [], []), Reports.empty())
    bayes = clf.bayes_posterior()
    np.testing.assert_allclose(b1.probs[1], bayes[1])
    assert b1.probs[0, UNKNOWN] == pytest.approx(bayes[0, UNKNOWN])
    np.testing.assert_allclose(b1.probs.sum(axis=1), 1.0)
    off = Classifier(catalog, ClassifierConfig(ml_weight=0.0), model)
    b = off.update(out_of(picture(catalog, 0.0, [1]), [], []), Reports.empty())
    np.testing.assert_allclose(b.probs, off.bayes_posterior())
