"""Independent oracles built from QGIS's own native Processing algorithms."""

from __future__ import annotations

from tests.conftest import SAMPLE
from tests.qgis.conftest import run_alg

#: Segmentization of QGIS's curved wedges that matches our sectors (and our circles'
#: 16 segments per quarter): native:segmentizebymaxangle with ANGLE = 90 / 16 degrees.
SECTOR_STEP_DEG = 90.0 / 16

ONLINE = "coalesce(\"status\", 'online') <> 'offline'"
SECTOR = "\"heading_deg\" IS NOT NULL AND coalesce(\"fov_deg\", 90) < 360"


def native_circles(cameras, quad_segs: int = 16, where: str = ONLINE):
    """Circles of the cameras matching ``where``: native:buffer by range_m."""
    from qgis.core import QgsProperty

    picked = run_alg("native:extractbyexpression", {
        "INPUT": cameras, "OUTPUT": "memory:", "EXPRESSION": where,
    })["OUTPUT"]
    return run_alg("native:buffer", {
        "INPUT": picked, "DISTANCE": QgsProperty.fromExpression('"range_m"'),
        "SEGMENTS": quad_segs, "END_CAP_STYLE": 0, "JOIN_STYLE": 0, "MITER_LIMIT": 2,
        "DISSOLVE": False, "OUTPUT": "memory:",
    })["OUTPUT"]


def native_wedges(cameras, where: str = f"{ONLINE} AND {SECTOR}",
                  step_deg: float | None = SECTOR_STEP_DEG):
    """Sectors of the cameras matching ``where``: native:wedgebuffers (azimuth heading_deg,
    width fov_deg or 90, outer radius range_m), then native:segmentizebymaxangle with
    ANGLE ``step_deg`` (``None``: left curved, QGIS segmentizes them itself later)."""
    from qgis.core import QgsProperty

    picked = run_alg("native:extractbyexpression", {
        "INPUT": cameras, "OUTPUT": "memory:", "EXPRESSION": where,
    })["OUTPUT"]
    wedges = run_alg("native:wedgebuffers", {
        "INPUT": picked, "AZIMUTH": QgsProperty.fromExpression('"heading_deg"'),
        "WIDTH": QgsProperty.fromExpression('coalesce("fov_deg", 90)'),
        "OUTER_RADIUS": QgsProperty.fromExpression('"range_m"'), "INNER_RADIUS": 0.0,
        "OUTPUT": "memory:",
    })["OUTPUT"]
    if step_deg is None:
        return wedges
    return run_alg("native:segmentizebymaxangle", {
        "INPUT": wedges, "ANGLE": step_deg, "OUTPUT": "memory:",
    })["OUTPUT"]


def native_views(cameras, quad_segs: int = 16):
    """Every online camera's view as QGIS draws it: circles where there is no heading
    (or fov_deg >= 360), wedges elsewhere; one memory layer (native:mergevectorlayers)."""
    circles = native_circles(cameras, quad_segs, f"{ONLINE} AND NOT ({SECTOR})")
    wedges = native_wedges(cameras)
    return run_alg("native:mergevectorlayers", {
        "LAYERS": [circles, wedges], "CRS": None, "OUTPUT": "memory:",
    })["OUTPUT"]


def native_blind_from_views(cells, views) -> dict:
    """Blind area per cell_id: ``views`` → native:dissolve → native:difference → area."""
    dissolved = run_alg("native:dissolve", {"INPUT": views, "OUTPUT": "memory:"})["OUTPUT"]
    blind = run_alg("native:difference", {
        "INPUT": cells, "OVERLAY": dissolved, "OUTPUT": "memory:",
    })["OUTPUT"]
    return {str(f["cell_id"]): f.geometry().area() for f in blind.getFeatures()}


def native_blind_by_cell(cells: str, cameras: str, quad_segs: int = 16) -> dict:
    """Blind area per cell_id by QGIS's chain: buffer online cameras by range_m
    (SEGMENTS=quad_segs) → dissolve → difference with the cells → area."""
    return native_blind_from_views(cells, native_circles(cameras, quad_segs))


def native_blind_sectors(cells: str, cameras: str) -> dict:
    """Blind area per cell_id by QGIS's chain for sector cameras: wedgebuffers →
    segmentizebymaxangle (5.625°) → dissolve → difference with the cells → area."""
    return native_blind_from_views(cells, native_wedges(cameras))


def native_blind_mixed(cells: str, cameras: str) -> dict:
    """Blind area per cell_id with circles and sectors (see :func:`native_views`)."""
    return native_blind_from_views(cells, native_views(cameras))


def sample_cameras(path, sectors_only: bool = False):
    """The sample's online cameras with range_m (and fov_deg where there is a heading)
    filled from the documented defaults, so QGIS's chain reads the same values."""
    import geopandas as gpd

    from lever_grid.core.inputs.cameras import DEFAULT_RANGE_M, DEFAULT_SECTOR_FOV, KIND_ALIASES

    cams = gpd.read_file(SAMPLE, layer="cameras")
    cams = cams[cams["status"].fillna("online") != "offline"].copy()
    kind = cams["kind"].str.lower().map(KIND_ALIASES)
    cams["range_m"] = cams["range_m"].fillna(kind.map(DEFAULT_RANGE_M))
    headed = cams["heading_deg"].notna()
    cams.loc[headed, "fov_deg"] = cams.loc[headed, "fov_deg"].fillna(DEFAULT_SECTOR_FOV)
    if sectors_only:
        cams = cams[headed]
    cams.to_file(path, layer="cameras")
    return f"{path}|layername=cameras", cams
