"""Sensor models, one module per kind; `MODELS` is the registry the simulator iterates.

Adding a sensor kind: write a module with ``place`` and ``observe`` (see
`skyfuse.sim.sensors.base`) and add one `SensorModel` row below.
"""

from skyfuse.core.kinds import SensorKind
from skyfuse.sim.sensors import acoustic, cooperative, eo_ir, radar, rf_df
from skyfuse.sim.sensors.base import Batch, SensorModel, World

MODELS: tuple[SensorModel, ...] = (
    SensorModel(SensorKind.RADAR, radar.place, radar.observe),
    SensorModel(SensorKind.ACOUSTIC, acoustic.place, acoustic.observe),
    SensorModel(SensorKind.RF_DF, rf_df.place, rf_df.observe),
    SensorModel(SensorKind.EO_IR, eo_ir.place, eo_ir.observe),
    SensorModel(SensorKind.ADSB, cooperative.place_adsb, cooperative.observe_adsb),
    SensorModel(SensorKind.REMOTE_ID, cooperative.place_remote_id, cooperative.observe_remote_id),
)
"""Every sensor kind the simulator can place, in `sensors.json` order."""

__all__ = ["MODELS", "Batch", "SensorModel", "World"]
