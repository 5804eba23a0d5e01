"""lever_grid.deps: the start-up check and the installer, without QGIS.

The oracle for the minimum shapely is shapely itself: the functions the engine calls
must be missing from 2.0 and present from 2.1 (checked by their documented "versionadded").
The installer runs the real pip, offline, on a wheel folder made here.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import re
import sys
import types
import zipfile
from pathlib import Path

import pytest
import shapely

from lever_grid import deps

ROOT = Path(__file__).resolve().parents[2]


def test_import_does_not_need_qgis():
    code = ("import sys, importlib; sys.modules['qgis'] = None; "
            "import lever_grid.deps as d; print(d.check().ok)")
    import subprocess

    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "True"


@pytest.mark.parametrize(("text", "expected"), [
    ("2.1.0rc1", (2, 1, 0)), ("3.11.1-CAPI-1.17.1", (3, 11, 1)), ("1.24.2", (1, 24, 2)),
    (None, ()), ("dev", ()), ("v0.10.0", (0, 10, 0))])
def test_version_tuple(text, expected):
    assert deps.version_tuple(text) == expected


def test_at_least():
    assert deps.at_least("2.1", "2.1") and deps.at_least("2.1.0", "2.1")
    assert deps.at_least("2.10.1", "2.2")
    assert not deps.at_least("2.0.6", "2.1") and not deps.at_least("1.8.5", "2.1")
    assert not deps.at_least(None, "1.0")


def test_declared_shapely_minimum_is_what_the_engine_calls():
    """Every shapely function used under lever_grid/ exists in the declared minimum."""
    used = set()
    for path in (ROOT / "lever_grid").rglob("*.py"):
        used |= set(re.findall(r"shapely\.([a-z_][a-z0-9_]*)\(", path.read_text("utf-8")))
    newest = {}
    for name in used:
        doc = getattr(shapely, name).__doc__ or ""
        match = re.search(r"versionadded:: (\d+\.\d+)", doc)
        if match:
            newest[name] = match.group(1)
    minimum = max(newest.values(), key=deps.version_tuple)
    shapely_req = next(r for r in deps.REQUIREMENTS if r.module == "shapely")
    assert shapely_req.minimum == minimum, newest
    assert {"constrained_delaunay_triangles", "orient_polygons"} <= set(newest)
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert f'"shapely>={minimum}"' in pyproject


def fake_world(present: dict[str, object]):
    """(importer, finder, versioner) that see only ``present`` (name -> module object)."""
    def finder(name):
        return object() if name in present else None

    def importer(name):
        module = present[name]
        if isinstance(module, Exception):
            raise module
        return module

    def versioner(req):
        module = present.get(req.module)
        return getattr(module, "__version__", None) if module is not None else None

    return {"importer": importer, "finder": finder, "versioner": versioner}


def module(name, version, **attrs):
    mod = types.ModuleType(name)
    mod.__version__ = version
    mod.__file__ = f"/nowhere/{name}/__init__.py"
    for key, value in attrs.items():
        setattr(mod, key, value)
    return mod


def test_check_names_missing_and_old_without_importing_anything():
    imported = []
    world = fake_world({
        "numpy": module("numpy", "1.24.2"),
        "shapely": module("shapely", "1.8.5", geos_version=(3, 11, 1)),
        "pyproj": module("pyproj", "3.4.1"),
        "scipy": module("scipy", "1.10.1"),
        "pyogrio": module("pyogrio", "0.10.0"),
    })
    spy = {**world, "importer": lambda n: imported.append(n) or world["importer"](n)}
    report = deps.check(**spy)
    problems = {s.requirement.module: s.problem for s in report.problems}
    assert problems == {"shapely": "old", "pandas": "missing", "geopandas": "missing"}
    assert not report.ok and not report.imported and imported == []
    assert report.summary() == "shapely 1.8.5 < 2.1; pandas missing; geopandas missing"
    assert [s.requirement.module for s in report.installable] == list(problems)


def test_check_imports_when_all_are_there_and_names_a_broken_one():
    present = {r.module: module(r.module, "99.0") for r in deps.REQUIREMENTS}
    present["shapely"].geos_version = (3, 11, 1)
    present["pyogrio"] = ImportError("libgdal.so.32: cannot open shared object file")
    world = fake_world(present)
    report = deps.check(**world)
    assert report.imported
    assert [(s.requirement.module, s.problem) for s in report.problems] == \
        [("pyogrio", "broken")]
    assert "libgdal.so.32" in report.problems[0].detail


def test_check_without_pyogrio_when_not_needed():
    world = fake_world({"numpy": module("numpy", "2.2.4")})
    report = deps.check(need_pyogrio=False, **world)
    assert "pyogrio" not in {s.requirement.module for s in report.statuses}


def test_this_venv_is_complete_and_safe():
    """The repository's venv: shapely/pyogrio built against the system GEOS/GDAL."""
    import pyogrio

    report = deps.check(host_geos=shapely.geos_version_string,
                        host_gdal=pyogrio.__gdal_version_string__)
    assert report.ok, report.summary()


@pytest.fixture
def wheel_shapely(tmp_path):
    """A fake shapely laid out like a manylinux wheel: shapely.libs/libgeos-<hash>.so.X."""
    pkg = tmp_path / "shapely"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    libs = tmp_path / "shapely.libs"
    libs.mkdir()
    (libs / "libgeos-0fe5d9b6.so.3.13.1").write_bytes(b"")
    (libs / "libgeos_c-28d2f5b1.so.1.19.2").write_bytes(b"")
    return module("shapely", "2.1.2", geos_version=(3, 13, 1), __file__=str(pkg / "__init__.py"))


def test_bundled_geos_is_found(wheel_shapely):
    found = deps.bundled_library(wheel_shapely, "libgeos")
    assert found is not None and found.name == "libgeos-0fe5d9b6.so.3.13.1"
    assert deps.bundled_library(shapely, "libgeos") is None  # this venv: built from source


def test_wheel_geos_other_than_qgis_is_refused_on_linux(wheel_shapely, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    present = {r.module: module(r.module, "99.0") for r in deps.REQUIREMENTS}
    present["shapely"] = wheel_shapely
    world = fake_world(present)
    report = deps.check(host_geos="3.11.1-CAPI-1.17.1", **world)
    status = next(s for s in report.statuses if s.requirement.module == "shapely")
    assert status.problem == "unsafe"
    assert status.mixing == deps.Mixing("shapely", "GEOS", "3.13.1", "3.11.1",
                                        "libgeos-0fe5d9b6.so.3.13.1")
    assert "GEOS 3.13.1" in status.detail and "QGIS uses GEOS 3.11.1" in status.detail
    assert status not in report.installable
    # same GEOS minor as QGIS (Debian 13: 3.13.1): accepted
    report = deps.check(host_geos="3.13.1-CAPI-1.19.2", **world)
    assert next(s for s in report.statuses if s.requirement.module == "shapely").ok
    # on Windows each DLL resolves its own symbols: no refusal
    monkeypatch.setattr(sys, "platform", "win32")
    report = deps.check(host_geos="3.11.1", **world)
    assert next(s for s in report.statuses if s.requirement.module == "shapely").ok


def test_geopandas_is_not_imported_when_shapely_is_unsafe(wheel_shapely, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    imported = []
    present = {r.module: module(r.module, "99.0") for r in deps.REQUIREMENTS}
    present["shapely"] = wheel_shapely
    world = fake_world(present)

    def spy(name):
        imported.append(name)
        return world["importer"](name)

    deps.check(host_geos="3.11.1", **{**world, "importer": spy})
    assert "geopandas" not in imported


@pytest.mark.parametrize(("release", "kind"), [
    ({"ID": "debian", "VERSION_ID": "13"}, "debian"),
    ({"ID": "debian", "VERSION_ID": "12"}, "debian-old"),
    ({"ID": "debian"}, "debian"),  # testing / sid
    ({"ID": "ubuntu", "ID_LIKE": "debian", "VERSION_ID": "24.04"}, "debian-old"),
    ({"ID": "ubuntu", "ID_LIKE": "debian", "VERSION_ID": "26.04"}, "debian"),
    ({"ID": "linuxmint", "ID_LIKE": "ubuntu debian", "VERSION_ID": "22"}, "debian"),
    ({"ID": "fedora"}, "other")])
def test_platform_kind(release, kind):
    assert deps.platform_kind("Linux", release) == kind


def test_platform_kind_windows_and_mac():
    assert deps.platform_kind("Windows", {}) == "windows"
    assert deps.platform_kind("Darwin", {}) == "macos"


def test_fix_commands():
    world = fake_world({"numpy": module("numpy", "1.24.2")})
    report = deps.check(**world)
    shapely_geopandas = [s for s in report.problems
                         if s.requirement.module in ("shapely", "geopandas")]
    assert deps.fix_command(shapely_geopandas, "debian") == \
        "sudo apt install python3-shapely python3-geopandas"
    assert deps.fix_command(shapely_geopandas, "debian-old") == \
        "sudo apt install build-essential python3-dev libgeos-dev libgdal-dev"
    assert deps.fix_command(shapely_geopandas, "windows") == \
        'python -m pip install "shapely>=2.1" "geopandas>=1.0"'


def test_dependencies_dir_and_sys_path(tmp_path, monkeypatch):
    folder = deps.dependencies_dir(tmp_path / "profiles" / "default")
    assert folder == tmp_path / "profiles" / "default" / "python" / "dependencies"
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert deps.add_to_path(folder) is False  # not there yet
    folder.mkdir(parents=True)
    assert deps.add_to_path(folder) is True and sys.path[0] == str(folder)
    assert deps.add_to_path(folder) is False


def test_find_python_is_this_interpreter_version():
    found = deps.find_python()
    assert found is not None
    import subprocess

    out = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2])"],
                         capture_output=True, text=True).stdout.strip()
    assert out == str(tuple(sys.version_info[:2]))


def make_wheel(folder: Path, name: str, version: str, requires: list[str] = ()) -> Path:
    """A minimal pure-Python wheel (PEP 427) written by hand."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"__version__ = {version!r}\n",
        f"{dist}/METADATA": "Metadata-Version: 2.1\nName: {}\nVersion: {}\n{}".format(
            name, version, "".join(f"Requires-Dist: {r}\n" for r in requires)),
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return wheel


def test_install_offline_adds_only_what_is_missing(tmp_path, monkeypatch):
    """Real pip, --no-index --find-links: the missing package lands in the profile folder;
    numpy, which it requires and QGIS's Python already has, is pinned and not copied."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "lgtinydep", "1.0")
    make_wheel(wheels, "lgtiny", "2.0", requires=["lgtinydep>=1", "numpy"])
    for key in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    tiny = deps.Requirement("lgtiny", "2.0", "test", "python3-lgtiny")
    numpy_req = next(r for r in deps.REQUIREMENTS if r.module == "numpy")
    import numpy

    report = deps.Report([deps.Status(numpy_req, numpy.__version__),
                          deps.Status(tiny, None, "missing")])
    target = tmp_path / "profile" / "python" / "dependencies"
    result = deps.install(report, target, wheel_dir=wheels, python=sys.executable)
    assert result.ok, result.message + result.log
    assert sorted(result.installed) == ["lgtiny==2.0", "lgtinydep==1.0"]
    assert (target / "lgtiny" / "__init__.py").exists()
    assert not (target / "numpy").exists()
    assert not (target.parent / "dependencies.staging").exists()
    monkeypatch.setattr(sys, "path", [str(target), *sys.path])
    assert importlib.import_module("lgtiny").__version__ == "2.0"


def test_install_reports_a_missing_wheel_in_one_line(tmp_path, monkeypatch):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for key in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    tiny = deps.Requirement("lgnotthere", "1.0", "test", "python3-x")
    report = deps.Report([deps.Status(tiny, None, "missing")])
    result = deps.install(report, tmp_path / "deps", wheel_dir=wheels, python=sys.executable)
    assert not result.ok
    assert "lgnotthere" in result.message and "\n" not in result.message


def test_install_keeps_qgis_numpy(tmp_path, monkeypatch):
    """A package that would need another numpy is refused, not allowed to replace QGIS's:
    the folder offers numpy 99, the pin holds this Python's numpy."""
    import numpy

    wheels = tmp_path / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "numpy", "99.0")
    make_wheel(wheels, "lgnewnumpy", "1.0", requires=["numpy>=99"])
    for key in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    numpy_req = next(r for r in deps.REQUIREMENTS if r.module == "numpy")
    report = deps.Report([deps.Status(numpy_req, numpy.__version__),
                          deps.Status(deps.Requirement("lgnewnumpy", "1.0", "t", "x"), None,
                                      "missing")])
    assert deps.constraints(report) == [f"numpy=={numpy.__version__}"]
    target = tmp_path / "deps"
    result = deps.install(report, target, wheel_dir=wheels, python=sys.executable)
    assert not result.ok
    assert "numpy>=99" in result.message and f"numpy=={numpy.__version__}" in result.message, \
        result.message
    assert not (target / "numpy").exists() and not (target / "lgnewnumpy").exists()
