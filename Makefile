# lever_grid — one target per task. `make demo` and `make test` set everything up.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SITE  := $(CURDIR)/$(VENV)/lib/python3.11/site-packages
# QGIS tests never need a screen; the desktop test starts its own Xvfb.
export QT_QPA_PLATFORM ?= offscreen

.PHONY: install demo test lint format test-core test-qgis test-desktop test-pypi test-package \
        package wheel repo translations debian13 bench clean sample

install: $(STAMP)

# Debian's QGIS + system GEOS/GDAL/PROJ; a venv that sees Debian's qgis/PyQt5/pyproj;
# shapely and pyogrio compiled against the same libraries QGIS links (safe in-process).
$(STAMP): .ci/requirements.txt .ci/requirements-test.txt .ci/constraints.txt \
	  .ci/requirements-nodeps.txt pyproject.toml
	.ci/install-system
	test -x $(PY) || /usr/bin/python3 -m venv --system-site-packages $(VENV)
	mkdir -p $(VENV)/share && ln -sfn /usr/share/proj $(VENV)/share/proj
	$(PY) -m pip install -q -c .ci/constraints.txt --no-binary shapely,pyogrio -r .ci/requirements.txt
	$(PY) -m pip install -q --no-deps -r .ci/requirements-nodeps.txt
	$(PY) -m pip install -q -c .ci/constraints.txt -r .ci/requirements-test.txt
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -c "import shapely, pyogrio, pyproj, geopandas; \
	  assert shapely.geos_version[:2] == (3, 11), shapely.geos_version; \
	  print('shapely', shapely.__version__, 'GEOS', shapely.geos_version_string, \
	        '| pyogrio GDAL', pyogrio.__gdal_version_string__, '| PROJ', pyproj.proj_version_str)"
	touch $@

demo: install
	$(VENV)/bin/lever-grid demo --out outputs/demo

sample: install
	$(PY) resources/sample/make_sample.py
	$(PY) resources/sample/make_factory.py

# ruff, then the Qt6 / QGIS 4 check modelled on QGIS's scripts/pyqt5_to_pyqt6 (check only)
lint: install
	$(VENV)/bin/ruff check lever_grid tests bench .ci resources
	$(VENV)/bin/mypy
	$(PY) .ci/qt6_check.py lever_grid tests bench .ci resources

format: install
	$(VENV)/bin/ruff format lever_grid tests bench .ci resources

test-core: install
	$(PY) -m pytest tests/core -p no:pytest_qgis -q

test-qgis: install translations
	$(PY) -m pytest tests/qgis -q

# resources/i18n/*.ts -> .qm (Qt's lrelease); the plugin and its QGIS tests load the .qm.
translations: install
	$(PY) -c "import sys; sys.path.insert(0, '.ci'); import package; package.build_translations()"

test-desktop: install package debian13
	$(PY) -m pytest tests/desktop -p no:pytest_qgis -q --ignore=tests/desktop/pypi

# Install dependencies… from PyPI on stock QGIS 3.22: compiles shapely and pyogrio (3-5 min).
test-pypi: install package
	$(PY) -m pytest tests/desktop/pypi -p no:pytest_qgis -q

# the wheel in plain venvs on Python 3.11, 3.12, 3.13 (cached in /var/cache/lever-grid/venvs)
test-package: wheel
	$(PY) -m pytest tests/package -p no:pytest_qgis -q

test: lint test-core test-qgis test-desktop test-package

package: install
	$(PY) .ci/package.py dist/lever_grid.zip

# A QGIS plugin repository: dist/repo/plugins.xml + the zip (Plugin Manager › Settings ›
# Add repository). REPO_URL: where dist/repo is served (default: its file:// URL).
# dist/repo/wheels: the run-time dependencies as wheels for Debian 13 (CPython 3.13) and
# Windows QGIS (CPython 3.12), for the offline Install dependencies… (downloads from PyPI,
# about 200 MB; WHEELS=0 skips it).
WHEELS ?= 1
repo: install
	$(PY) .ci/repo.py dist/repo $(REPO_URL)
ifneq ($(WHEELS),0)
	$(PY) .ci/wheels.py dist/repo/wheels
endif

# Stock QGIS 3.40 on Debian 13 (debootstrap root filesystem, cached outside the repository
# in /var/cache/lever-grid/trixie) for tests/desktop/test_debian13.py.
debian13:
	.ci/debian13-qgis ensure

wheel: install
	$(PY) .ci/wheel.py dist

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf dist outputs tests/artifacts .pytest_cache .qgis-settings
