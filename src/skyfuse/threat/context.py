"""Protected sites, borders and partners of `context.json`, converted into the working frame once.

Site centres and border points are x/y metres in `ENU` scenarios and lat/lon degrees in `WGS84`
scenarios; here they become working-frame points (flat ENU metres at height 0, or ECEF metres on
the ellipsoid) so the assessor never looks at scenario coordinates again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import CLASSES
from skyfuse.geo.workframe import WorkFrame
from skyfuse.scenario.model import Context

F64 = NDArray[np.float64]


def _coord(v: float | None, source: str, where: str, name: str) -> float:
    """A site coordinate that must be present and finite for this frame."""
    if v is None or not math.isfinite(v):
        raise InputError(
            source, f"{where}: missing or non-finite {name} for this frame", field=name
        )
    return float(v)


@dataclass(frozen=True, slots=True)
class ThreatContext:
    """Sites and borders in the working frame.

    Attributes:
        site_id, site_name: (m,) identifiers and display names (name falls back to the id).
        site_priority: (m,) integer priority, 1 = most important.
        site_radius_m: (m,) protected radius, metres.
        site_position: (m, 3) site centres in the working frame (height 0), metres.
        border_id, border_partner: (b,) border identifiers and the partner beyond each.
        border_points: (b,) arrays (q, 3) of working-frame polyline points (height 0); the
            partner's side is on the left walking from the first point to the last.
        partner_share: partner -> class labels it may receive (empty when not listed).
        partner_redact: partner -> whether our sensor sites must be withheld (default True).
    """

    site_id: tuple[str, ...]
    site_name: tuple[str, ...]
    site_priority: NDArray[np.int64]
    site_radius_m: F64
    site_position: F64
    border_id: tuple[str, ...]
    border_partner: tuple[str, ...]
    border_points: tuple[F64, ...]
    partner_share: dict[str, frozenset[str]] = field(default_factory=dict)
    partner_redact: dict[str, bool] = field(default_factory=dict)

    @property
    def n_sites(self) -> int:
        """Number of protected sites."""
        return len(self.site_id)

    def shares(self, partner: str) -> frozenset[str]:
        """Class labels a partner may receive (nothing for a partner not in `context.json`)."""
        return self.partner_share.get(partner, frozenset())

    def redacts(self, partner: str) -> bool:
        """Whether our sensor sites must be withheld from a partner (True unless told not to)."""
        return self.partner_redact.get(partner, True)

    @staticmethod
    def build(context: Context, frame: WorkFrame, source: str = "context.json") -> ThreatContext:
        """Validate a `Context` and convert it into the working frame.

        Raises `InputError` naming ``source``, the site/border and the field on missing or
        non-finite coordinates, non-positive radii, priorities below 1, borders with fewer than
        two points, duplicate ids or unknown class labels in a partner's ``share`` list.
        """
        ids: list[str] = []
        xs: list[float] = []
        ys: list[float] = []
        for i, s in enumerate(context.sites):
            where = f"sites[{i}] ({s.site_id})"
            if s.site_id in ids:
                raise InputError(source, f"{where}: duplicate site_id", field="site_id")
            ids.append(s.site_id)
            if frame.geodetic:
                xs.append(_coord(s.lat_deg, source, where, "lat_deg"))
                ys.append(_coord(s.lon_deg, source, where, "lon_deg"))
            else:
                xs.append(_coord(s.x, source, where, "x"))
                ys.append(_coord(s.y, source, where, "y"))
            if not (math.isfinite(s.radius_m) and s.radius_m > 0.0):
                raise InputError(source, f"{where}: radius must be > 0 m", field="radius_m")
            if s.priority < 1:
                raise InputError(source, f"{where}: priority must be >= 1", field="priority")
        m = len(ids)
        site_pos = frame.to_work(np.array(xs), np.array(ys), np.zeros(m)).reshape(m, 3)

        border_ids: list[str] = []
        partners: list[str] = []
        points: list[F64] = []
        for i, bd in enumerate(context.borders):
            where = f"borders[{i}] ({bd.border_id})"
            if bd.border_id in border_ids:
                raise InputError(source, f"{where}: duplicate border_id", field="border_id")
            pts = np.asarray(bd.points, dtype=np.float64).reshape(-1, 2)
            if len(pts) < 2:
                raise InputError(source, f"{where}: a border needs >= 2 points", field="points")
            if not np.all(np.isfinite(pts)):
                raise InputError(source, f"{where}: non-finite point", field="points")
            border_ids.append(bd.border_id)
            partners.append(bd.partner)
            points.append(frame.to_work(pts[:, 0], pts[:, 1], np.zeros(len(pts))))

        share: dict[str, frozenset[str]] = {}
        redact: dict[str, bool] = {}
        for i, p in enumerate(context.partners):
            bad = [c for c in p.share if c not in CLASSES]
            if bad:
                raise InputError(
                    source,
                    f"partners[{i}] ({p.partner}): unknown class {bad[0]!r} (expected {CLASSES})",
                    field="share",
                )
            share[p.partner] = frozenset(p.share)
            redact[p.partner] = p.redact_sensor_sites

        return ThreatContext(
            site_id=tuple(ids),
            site_name=tuple(s.name or s.site_id for s in context.sites),
            site_priority=np.array([s.priority for s in context.sites], dtype=np.int64),
            site_radius_m=np.array([s.radius_m for s in context.sites], dtype=np.float64),
            site_position=site_pos,
            border_id=tuple(border_ids),
            border_partner=tuple(partners),
            border_points=tuple(points),
            partner_share=share,
            partner_redact=redact,
        )
