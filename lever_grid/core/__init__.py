"""The QGIS-free engine of lever_grid: shapely 2, geopandas and pyproj only."""

from .errors import Cancelled, InputError
from .progress import Progress

__all__ = ["InputError", "Cancelled", "Progress"]
