"""The village outline when no boundary is given: derived from the roads.

The rule (documented in docs/cells.md):

1. every road line is grown by ``margin`` metres, the union grown by ``close`` and shrunk
   by ``close`` again (a morphological closing of the network grown by ``margin``): gaps
   between roads narrower than ``2 * close`` are filled, the outline follows the outer
   roads at ``margin`` metres;
2. holes are filled (a field inside the village is part of it);
3. separate pieces (road networks farther apart than ``2 * close``) are joined by the
   concave hull of their vertices, so the outline is one polygon;
4. the result contains every road metre: the roads grown by ``margin`` are part of it.

Defaults: ``MARGIN_M`` 20 m (the depth of a row of houses behind an outer road) and
``CLOSE_M`` 60 m (blocks up to 120 m deep are inside the village).
"""

from __future__ import annotations

import numpy as np
import shapely

from .quiet import quiet

__all__ = ["MARGIN_M", "CLOSE_M", "derive_outline"]


MARGIN_M = 20.0


CLOSE_M = 60.0


def _fill(geom) -> object:
    parts = shapely.get_parts(geom)
    parts = parts[shapely.get_type_id(parts) == 3]
    return shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))


def _grown(lines: np.ndarray, margin: float) -> object:
    """The roads grown by ``margin``, holes filled.

    The same as filling the union of every line's buffer, but cheaper: the faces the
    lines enclose are inside it anyway, so only the lines that come within ``margin`` of
    the edge of those faces need their buffer unioned (holes do not change the outer
    ring, so they are filled before the closing)."""
    try:
        faces = shapely.get_parts(shapely.polygonize(lines))
        enclosed = _fill(shapely.coverage_union_all(faces)) if len(faces) else None
    except shapely.errors.GEOSException:  # lines not noded into a clean coverage
        enclosed = None
    rest = lines
    if enclosed is not None and not shapely.is_empty(enclosed):
        core = shapely.buffer(enclosed, -margin, quad_segs=8)
        shapely.prepare(core)
        rest = lines[~shapely.contains_properly(core, lines)]
    grown = shapely.union_all(shapely.buffer(rest, margin, quad_segs=8))
    if enclosed is not None:
        grown = shapely.union(grown, enclosed)
    return _fill(grown)


@quiet
def derive_outline(lines: np.ndarray, margin: float = MARGIN_M,
                   close: float = CLOSE_M) -> object:
    """One polygon round the road ``lines`` (metres), see the module docstring.

    Examples
    --------
    >>> from shapely import LineString
    >>> ring = derive_outline(np.array([LineString([(0, 0), (100, 0)])]), 20, 60)
    >>> round(ring.bounds[0]), round(ring.bounds[2]), ring.geom_type
    (-20, 120, 'Polygon')
    """
    lines = np.asarray(lines, dtype=object)
    lines = lines[~shapely.is_empty(lines)]
    if len(lines) == 0:
        return shapely.Polygon()
    # one buffer per line, then one union: much faster than buffering the union
    grown = _grown(lines, margin)
    closed = shapely.buffer(shapely.buffer(grown, close, quad_segs=8), -close, quad_segs=8)
    outline = _fill(shapely.union(closed, grown))
    if shapely.get_type_id(outline) != 3:  # several pieces: join them by their hull
        hull = shapely.concave_hull(outline, ratio=0.3)
        outline = _fill(shapely.union(outline, hull))
    if shapely.get_type_id(outline) != 3:  # the hull missed a piece: the convex hull
        outline = _fill(shapely.union(outline, shapely.convex_hull(outline)))
    return shapely.normalize(outline)
