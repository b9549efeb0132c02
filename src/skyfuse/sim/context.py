"""The scenario's geography: protected sites, the border with a partner, launch areas.

All positions are map-plane metres (see `skyfuse.sim.geometry`); `to_context` writes them in the
scenario's own coordinates (`x, y` or `lat_deg, lon_deg`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import HOSTILE_CLASSES
from skyfuse.scenario.model import Border, Context, Partner, Site
from skyfuse.sim.config import SimConfig
from skyfuse.sim.geometry import MapProjection

F64 = NDArray[np.float64]

SITE_NAMES = (
    "Power station",
    "Substation",
    "Airbase",
    "Fuel depot",
    "Rail junction",
    "Water works",
    "Port",
    "Command post",
    "Bridge",
    "Hospital",
    "Gas compressor",
    "Radar site",
)


@dataclass(frozen=True, slots=True)
class Geography:
    """Sites, border and launch areas on the map plane.

    Attributes:
        site_xy: (n, 2) site centres, metres. site_radius_m: (n,). site_priority: (n,) 1 = top.
        site_id: site ids (`site-1`, ...). border_xy: (m, 2) border polyline or (0, 2); the
        partner's side is on the left walking first -> last. border_normal: unit vector
        pointing from our side into the partner's. launch_xy: (a, 2) launch-area centres.
    """

    site_xy: F64
    site_radius_m: F64
    site_priority: NDArray[np.int64]
    site_id: tuple[str, ...]
    border_xy: F64
    border_normal: F64
    launch_xy: F64
    border_id: str = "border-1"


def _bearing_unit(bearing_deg: float | NDArray[np.floating]) -> F64:
    b = np.radians(np.asarray(bearing_deg, dtype=np.float64))
    return np.stack([np.sin(b), np.cos(b)], axis=-1)


def plan_geography(cfg: SimConfig, rng: np.random.Generator) -> Geography:
    """Place sites (inner half of the area, spread apart), a border and the launch areas.

    Launch areas sit `launch_distance_m` from the centre, the first on `launch_bearing_deg` and
    the others 25 deg apart. The border runs across the area at 60 % of its radius, beside the
    launch axis (as the Polish border lay beside the Shahed routes into western Ukraine in
    September 2025, `shared/notes/domain.md` section 1).
    """
    r = cfg.area_radius_m
    n = cfg.sites
    # Sites: best of several candidate sets by minimum spacing (deterministic given rng).
    best: F64 = np.zeros((0, 2))
    best_gap = -1.0
    for _ in range(20 if n > 1 else 1):
        ang = rng.uniform(0.0, 2.0 * np.pi, n)
        rad = 0.5 * r * np.sqrt(rng.uniform(0.0, 1.0, n))
        cand = np.stack([rad * np.sin(ang), rad * np.cos(ang)], axis=-1)
        if n > 1:
            d = np.linalg.norm(cand[:, None] - cand[None], axis=-1) + np.eye(n) * 1e18
            gap = float(d.min())
        else:
            gap = 0.0
        if gap > best_gap:
            best, best_gap = cand, gap
    site_radius = np.round(rng.uniform(300.0, 600.0, n), 0)
    priority = np.where(np.arange(n) < max(1, n // 3), 1, rng.integers(2, 4, n)).astype(np.int64)
    site_id = tuple(f"site-{i + 1}" for i in range(n))

    launch_bearings = cfg.launch_bearing_deg + 25.0 * np.arange(cfg.launch_areas, dtype=np.float64)
    launch_xy = cfg.launch_distance_m * _bearing_unit(launch_bearings)

    if cfg.border:
        # Outward normal 70 deg anticlockwise from the first launch bearing (further launch
        # areas are added clockwise, so all of them stay on our side of the border).
        u = _bearing_unit(cfg.launch_bearing_deg - 70.0)
        along = np.array([u[1], -u[0]])  # walking so that u is on the left
        s = np.linspace(-1.1 * r, 1.1 * r, 7)
        off = 0.6 * r + rng.normal(0.0, 0.03 * r, 7)
        border = off[:, None] * u[None, :] + s[:, None] * along[None, :]
    else:
        u = np.zeros(2)
        border = np.zeros((0, 2))
    return Geography(
        site_xy=best,
        site_radius_m=site_radius,
        site_priority=priority,
        site_id=site_id,
        border_xy=border,
        border_normal=u,
        launch_xy=launch_xy,
    )


def to_context(geo: Geography, cfg: SimConfig, proj: MapProjection) -> Context:
    """`context.json` content in the scenario's coordinates."""
    sites = []
    for i, sid in enumerate(geo.site_id):
        x, y = float(geo.site_xy[i, 0]), float(geo.site_xy[i, 1])
        a, b = proj.planar_point(x, y)
        geodetic = proj.geodetic
        sites.append(
            Site(
                site_id=sid,
                name=SITE_NAMES[i % len(SITE_NAMES)],
                x=None if geodetic else a,
                y=None if geodetic else b,
                lat_deg=a if geodetic else None,
                lon_deg=b if geodetic else None,
                radius_m=float(geo.site_radius_m[i]),
                priority=int(geo.site_priority[i]),
            )
        )
    borders = []
    partners = []
    if len(geo.border_xy):
        pts = [proj.planar_point(float(p[0]), float(p[1])) for p in geo.border_xy]
        borders.append(Border(border_id=geo.border_id, partner=cfg.partner, points=pts))
        partners.append(
            Partner(partner=cfg.partner, share=sorted(HOSTILE_CLASSES), redact_sensor_sites=True)
        )
    return Context(sites=sites, borders=borders, partners=partners)
