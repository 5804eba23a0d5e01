"""The QGIS side of lever_grid: the only package that imports qgis or Qt."""
