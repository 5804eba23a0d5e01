"""The Lever Grid dock, its background tasks, map tools and result styling (QGIS GUI)."""
