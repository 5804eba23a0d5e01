"""Packaging glue that pyproject.toml cannot express: the top-level ``resources/`` folder
(icons, styles, translations, the sample village and factory) goes into the wheel as
``lever_grid/resources`` -- where :func:`lever_grid.paths.resources_dir` looks first, and
where the plugin zip puts it too. Everything else is declared in pyproject.toml.
"""

from setuptools import find_packages, setup

#: Files of resources/ the package ships (the sample generators make_*.py stay out).
RESOURCES = [
    "sample/*.gpkg", "sample/*.dxf", "sample/README.md",  # the village and the factory
    "styles/*.qml",
    "icons/*.svg", "icons/*.png",
    "i18n/*.ts", "i18n/*.qm",  # .qm when built first (`make wheel` runs lrelease)
]

setup(
    packages=find_packages(include=["lever_grid", "lever_grid.*"]) + ["lever_grid.resources"],
    package_dir={"lever_grid.resources": "resources"},
    package_data={"lever_grid.resources": RESOURCES},
)
