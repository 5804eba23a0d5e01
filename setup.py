"""Packaging glue that pyproject.toml cannot express: the top-level ``resources/`` folder
(icons, styles, translations, the sample village) goes into the wheel as
``lever_grid/resources`` -- where :func:`lever_grid.paths.resources_dir` looks first, and
where the plugin zip puts it too. Everything else is declared in pyproject.toml.
"""

from setuptools import find_packages, setup

#: resources/<sub> -> lever_grid/resources/<sub>, with the files each one ships.
RESOURCES = {
    "": [],
    "sample": ["yangwu.gpkg", "README.md"],
    "styles": ["*.qml"],
    "icons": ["*.svg", "*.png"],
    "i18n": ["*.ts", "*.qm"],  # .qm when built first (`make wheel` runs lrelease)
}

setup(
    packages=find_packages(include=["lever_grid", "lever_grid.*"])
    + [f"lever_grid.resources.{sub}".rstrip(".") for sub in RESOURCES],
    package_dir={"lever_grid.resources": "resources"},
    package_data={f"lever_grid.resources.{sub}".rstrip("."): files
                  for sub, files in RESOURCES.items() if files},
    exclude_package_data={"lever_grid.resources.sample": ["make_sample.py"]},
)
