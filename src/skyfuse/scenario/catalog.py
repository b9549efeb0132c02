"""The sensor catalogue in the tracker's working frame: positions, rotations, default noise."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import SensorKind
from skyfuse.geo.frames import ecef_from_geodetic, enu_rotation, geodetic_from_ecef
from skyfuse.geo.workframe import WorkFrame
from skyfuse.scenario.model import SensorsFile, SensorSpec

F64 = NDArray[np.float64]

DEFAULT_SPEED_OF_SOUND_MPS = 343.0


@dataclass(frozen=True, slots=True)
class SensorCatalog:
    """All sensors of a scenario as arrays, indexed like `Reports.sensor`.

    Attributes:
        specs: the `sensors.json` entries, in file order.
        frame: the working frame (flat ENU or ECEF).
        kind: (S,) `SensorKind` codes.
        position: (S, 3) sensor positions in the working frame, metres.
        rotation: (S, 3, 3) working frame -> sensor-local ENU rotations.
        speed_of_sound_mps: (S,) for acoustic sensors (343 default), NaN for others.
    """

    specs: tuple[SensorSpec, ...]
    frame: WorkFrame
    kind: NDArray[np.int8]
    position: F64
    rotation: F64
    speed_of_sound_mps: F64
    index: dict[str, int]
    _sigma_cache: dict[str, F64] = field(default_factory=dict, compare=False, repr=False)

    @staticmethod
    def build(doc: SensorsFile) -> SensorCatalog:
        """Build the catalogue from a validated `sensors.json`."""
        geodetic = doc.frame.type == "WGS84"
        specs = tuple(doc.sensors)
        n = len(specs)
        if geodetic:
            llh = np.array([s.position_wgs84 for s in specs], dtype=np.float64).reshape(n, 3)
            if doc.frame.origin_wgs84 is not None:
                o = doc.frame.origin_wgs84
                origin = (o.lat_deg, o.lon_deg, o.alt_m)
            elif n:
                c = ecef_from_geodetic(llh[:, 0], llh[:, 1], llh[:, 2]).mean(axis=0)
                lat, lon, _ = geodetic_from_ecef(c)
                origin = (float(lat), float(lon), 0.0)
            else:
                origin = (0.0, 0.0, 0.0)
            frame = WorkFrame(True, *origin)
            pos = ecef_from_geodetic(llh[:, 0], llh[:, 1], llh[:, 2]).reshape(n, 3)
            rot = enu_rotation(llh[:, 0], llh[:, 1]).reshape(n, 3, 3)
        else:
            og = doc.frame.origin_wgs84
            frame = WorkFrame(False, *(og.lat_deg, og.lon_deg, og.alt_m) if og else (0.0, 0.0, 0.0))
            pos = np.array([s.position_enu_m for s in specs], dtype=np.float64).reshape(n, 3)
            rot = np.broadcast_to(np.eye(3), (n, 3, 3)).copy()
        kind = np.array([SensorKind.from_label(s.kind) for s in specs], dtype=np.int8)
        c_sound = np.array(
            [
                (s.speed_of_sound_mps or DEFAULT_SPEED_OF_SOUND_MPS)
                if s.kind == "acoustic"
                else np.nan
                for s in specs
            ],
            dtype=np.float64,
        )
        return SensorCatalog(
            specs=specs,
            frame=frame,
            kind=kind,
            position=pos,
            rotation=rot,
            speed_of_sound_mps=c_sound,
            index={s.sensor_id: i for i, s in enumerate(specs)},
        )

    def __len__(self) -> int:
        return len(self.specs)

    def default_sigma(self, quantity: str) -> F64:
        """(S,) each sensor's `noise_sigma[quantity]`, NaN where the sensor does not give it.

        Computed once per quantity and cached (read-only array): the tracker asks for it on
        every batch, and a country has ten thousand sensors.
        """
        cached = self._sigma_cache.get(quantity)
        if cached is None:
            cached = np.array(
                [s.noise_sigma.get(quantity, np.nan) for s in self.specs], dtype=np.float64
            )
            cached.flags.writeable = False
            self._sigma_cache[quantity] = cached
        return cached

    def sensors_of(self, kind: SensorKind) -> NDArray[np.intp]:
        """Indices of the sensors of one kind."""
        return np.flatnonzero(self.kind == int(kind))
