"""Passive and cooperative fusion (issue 4): bearings, propagation delay, OOSM, triangulation,
bearing-only initiation, static RF emitters, cooperative identity and spoof screening.

Entry point for the pipeline::

    tracker = Tracker(catalog, config)
    fusion = register_passive(tracker)      # hooks + (optionally) seam models
    out = fusion.process(batch)             # instead of tracker.process(batch)

Building blocks (pure, vectorised): `bearings` (measurement model, `Bearings` columns),
`delay` (emission time on CV motion), `oosm` (A1/B1 retrodiction, cross-covariance update),
`triangulate` (weighted multi-ray least squares); stateful components: `BearingTracker`
(initiation / passive-only tracking), `StaticEmitterLocator`, `CooperativeBinder`,
`PassiveFusion`.
"""

from skyfuse.tracking.passive.bearings import (
    Bearings,
    BearingSensors,
    bearing_predict,
    bearing_residual,
    bearings_from_reports,
)
from skyfuse.tracking.passive.cooperative import (
    CoopAction,
    CoopConfig,
    CoopDecision,
    CooperativeBinder,
    CoopReports,
    coop_from_reports,
)
from skyfuse.tracking.passive.delay import emission_jacobian, emission_offset, travel_time
from skyfuse.tracking.passive.emitters import EmitterConfig, Emitters, StaticEmitterLocator
from skyfuse.tracking.passive.fusion import (
    PassiveFusion,
    PassiveStats,
    bearing_update,
    concat_pictures,
    register_passive,
)
from skyfuse.tracking.passive.initiate import BearingTracker, Births, InitiatorConfig
from skyfuse.tracking.passive.models import BearingModel
from skyfuse.tracking.passive.oosm import (
    UpdateRecord,
    cross_update,
    delayed_bearing_update,
    retrodict,
    update_record,
)
from skyfuse.tracking.passive.triangulate import RayFix, intersect_rays

__all__ = [
    "BearingModel",
    "BearingSensors",
    "BearingTracker",
    "Bearings",
    "Births",
    "CoopAction",
    "CoopConfig",
    "CoopDecision",
    "CoopReports",
    "CooperativeBinder",
    "EmitterConfig",
    "Emitters",
    "InitiatorConfig",
    "PassiveFusion",
    "PassiveStats",
    "RayFix",
    "StaticEmitterLocator",
    "UpdateRecord",
    "bearing_predict",
    "bearing_residual",
    "bearing_update",
    "bearings_from_reports",
    "concat_pictures",
    "coop_from_reports",
    "cross_update",
    "delayed_bearing_update",
    "emission_jacobian",
    "emission_offset",
    "intersect_rays",
    "register_passive",
    "retrodict",
    "travel_time",
    "update_record",
]
