"""What lever_grid needs from the Python it runs in, checked before the engine is imported.

Pure Python: nothing here imports qgis or Qt at import time, so it is unit-tested in plain
pytest and used by the QGIS plugin (lever_grid/qgis_plugin/dependencies.py shows the
result in the message bar and runs the installer).

- ``check(host_geos=..., host_gdal=...)``: every requirement as a :class:`Status` (found
  version, problem: missing / too old / fails to import / unsafe in this process).
- Binary wheels on Linux carry their own GEOS (shapely) or GDAL (pyogrio). Inside the QGIS
  process that copy is mixed with the one QGIS links: with a different GEOS minor version
  this gave "WKB output dimension must be 2 or 3" and then a crash (signal 11, double free).
  Such a combination is refused with the reason.
- ``install_commands(...)``: pip into ``<profile>/python/dependencies`` (``--target``), only
  the distributions pip's own resolver says are missing, with numpy pinned to the version
  already in QGIS's Python, from PyPI or offline from a folder of wheels.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: Whether the engine imports pyogrio inside QGIS (core/io.py does, at module level).
#: Inside QGIS layers could be read and written through QGIS itself; set this to False
#: when the engine no longer needs pyogrio there.
PYOGRIO_NEEDED_IN_QGIS = True


@dataclass(frozen=True)
class Requirement:
    module: str        # import name
    minimum: str       # lowest version that has everything lever_grid calls
    why: str           # what needs that version (for the message and docs)
    apt: str           # Debian/Ubuntu package
    dist: str = ""     # PyPI distribution name (default: the module name)

    @property
    def pip_name(self) -> str:
        return self.dist or self.module

    @property
    def spec(self) -> str:
        return f"{self.pip_name}>={self.minimum}"


#: In import order (numpy first: everything else is built on it).
REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("numpy", "1.24", "arrays", "python3-numpy"),
    Requirement("shapely", "2.1", "constrained_delaunay_triangles, orient_polygons, "
                "make_valid(method='structure')", "python3-shapely"),
    Requirement("pandas", "2.0", "tables", "python3-pandas"),
    Requirement("pyproj", "3.4", "coordinate systems", "python3-pyproj"),
    Requirement("scipy", "1.10", "cell partition (sparse graphs, k-d tree)", "python3-scipy"),
    Requirement("pyogrio", "0.7", "reading and writing GeoPackages", "python3-pyogrio"),
    Requirement("geopandas", "1.0", "layers as data frames", "python3-geopandas"),
)

#: GEOS that shapely must be linked with: constrained Delaunay triangulation (GEOS 3.10).
MIN_GEOS = (3, 10)


@dataclass(frozen=True)
class Mixing:
    """A wheel's own copy of a C library that differs from the one QGIS links."""

    package: str        # shapely / pyogrio
    library: str        # GEOS / GDAL
    bundled: str        # version the wheel carries
    host: str           # version QGIS links
    file: str           # the bundled library's file name

    def __str__(self) -> str:
        return (f"its wheel bundles {self.library} {self.bundled} ({self.file}) but QGIS uses "
                f"{self.library} {self.host}; two copies in one process crash QGIS: build "
                f"{self.package} against QGIS's {self.library} (pip install --no-binary "
                f"{self.package})")


@dataclass
class Status:
    requirement: Requirement
    version: str | None = None      # installed version, None when not importable
    problem: str = ""               # "", "missing", "old", "broken", "unsafe"
    detail: str = ""                # e.g. the import error or the GEOS versions (English)
    mixing: Mixing | None = None    # for "unsafe": which library copies clash

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass
class Report:
    statuses: list[Status] = field(default_factory=list)
    imported: bool = False  # whether the check imported the packages (see check())

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.statuses)

    @property
    def problems(self) -> list[Status]:
        return [s for s in self.statuses if not s.ok]

    @property
    def installable(self) -> list[Status]:
        """Problems pip can fix (missing, too old, broken); not "unsafe" ones."""
        return [s for s in self.problems if s.problem in ("missing", "old", "broken")]

    def summary(self) -> str:
        """One line in English for logs: ``shapely 1.8.5 < 2.1; geopandas missing``."""
        return "; ".join(describe(s) for s in self.problems)


def describe(status: Status) -> str:
    req = status.requirement
    if status.problem == "missing":
        return f"{req.module} missing"
    if status.problem == "old":
        return f"{req.module} {status.version} < {req.minimum}"
    return f"{req.module} {status.version or ''}: {status.detail}".replace("  ", " ")


def version_tuple(text: str | None) -> tuple[int, ...]:
    """Leading numeric parts: ``"2.1.0rc1"`` -> (2, 1, 0); ``"3.11.1-CAPI-1.17.1"`` ->
    (3, 11, 1); ``None`` or garbage -> ()."""
    if not text:
        return ()
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(text))
    return tuple(int(p) for p in match.group(1).split(".")) if match else ()


def at_least(version: str | None, minimum: str) -> bool:
    have, want = version_tuple(version), version_tuple(minimum)
    return bool(have) and have + (0,) * (len(want) - len(have)) >= want


def _version_of(module, req: Requirement) -> str | None:
    version = getattr(module, "__version__", None)
    if version:
        return str(version)
    try:
        return importlib.metadata.version(req.pip_name)
    except importlib.metadata.PackageNotFoundError:
        return None


def bundled_library(module, library: str) -> Path | None:
    """The copy of ``library`` (e.g. ``"libgeos"``) a binary wheel ships beside the package
    (auditwheel's ``shapely.libs/libgeos-<hash>.so.3.13.1``), or None (linked to the
    system's, e.g. Debian's package or a build from source)."""
    origin = getattr(module, "__file__", None)
    if not origin:
        return None
    package = Path(origin).parent
    for libs in (package.parent / f"{package.name}.libs", package / ".libs", package / ".dylibs"):
        if libs.is_dir():
            for path in sorted(libs.iterdir()):
                if path.name.startswith(library + "-") or path.name.startswith(library + "."):
                    return path
    return None


def linux_mixing(package: str, library: str, mod_version, host_version,
                 bundled: Path | None) -> Mixing | None:
    """The clash of a wheel-bundled library with QGIS's own copy, or None when fine.

    Only on Linux (one global symbol namespace: a wheel's calls partly bind to QGIS's copy,
    the newer functions to its own): a bundled library whose major.minor differs from the
    one QGIS links. A build from source (Debian's package, this repository's venv) links
    the system library and is never refused.
    """
    if not sys.platform.startswith("linux") or bundled is None or not host_version:
        return None
    have, host = version_tuple(mod_version), version_tuple(host_version)
    if not have or have[:2] == host[:2]:
        return None
    return Mixing(package, library, ".".join(map(str, have)), ".".join(map(str, host)),
                  bundled.name)


def check(host_geos: str | None = None, host_gdal: str | None = None,
          need_pyogrio: bool = True, importer=importlib.import_module,
          finder=importlib.util.find_spec, versioner=None) -> Report:
    """Compare versions, then import every requirement; never raises.

    Two phases. First, without importing anything: is each module there
    (``find_spec``) and is its installed version (package metadata) recent enough? Only
    when all are, each is imported in order, which finds broken installs and the GEOS/GDAL
    a wheel bundles. So a missing or old package leaves nothing imported and, once
    installed, the plugin can start in the same QGIS session (``Report.imported``).

    ``host_geos``/``host_gdal``: the versions QGIS links (``Qgis.geosVersion()``, GDAL's),
    given inside QGIS; with None the process-mixing check is not made (plain Python).
    """
    versioner = versioner or _installed_version
    report = Report()
    for req in REQUIREMENTS:
        if req.module == "pyogrio" and not need_pyogrio:
            continue
        status = Status(req)
        report.statuses.append(status)
        if finder(req.module) is None:
            status.problem = "missing"
            continue
        status.version = versioner(req)
        if status.version is not None and not at_least(status.version, req.minimum):
            status.problem = "old"
    if not report.ok:
        return report
    report.imported = True
    unsafe_shapely = False
    for status in report.statuses:
        req = status.requirement
        if req.module == "geopandas" and unsafe_shapely:
            continue  # importing geopandas calls into the refused shapely
        try:
            module = importer(req.module)
        except Exception as exc:  # noqa: BLE001 - any import failure is reported, not raised
            status.problem = "broken"
            status.detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            continue
        status.version = _version_of(module, req)
        if not at_least(status.version, req.minimum):
            status.problem = "old"
            continue
        if req.module == "shapely":
            geos = getattr(module, "geos_version", ())
            geos_text = ".".join(map(str, geos))
            clash = linux_mixing("shapely", "GEOS", geos_text, host_geos,
                                 bundled_library(module, "libgeos"))
            if clash:
                status.problem, status.mixing, unsafe_shapely = "unsafe", clash, True
                status.detail = str(clash)
            elif tuple(geos[:2]) < MIN_GEOS:
                status.problem = "broken"
                status.detail = (f"linked to GEOS {geos_text}; needs GEOS "
                                 f"{'.'.join(map(str, MIN_GEOS))} or later")
        elif req.module == "pyogrio":
            gdal = getattr(module, "__gdal_version_string__", "")
            clash = linux_mixing("pyogrio", "GDAL", gdal, host_gdal,
                                 bundled_library(module, "libgdal"))
            if clash:
                status.problem, status.mixing, status.detail = "unsafe", clash, str(clash)
    return report


def _installed_version(req: Requirement) -> str | None:
    try:
        return importlib.metadata.version(req.pip_name)
    except importlib.metadata.PackageNotFoundError:
        return None


# --- where the user's fix is -------------------------------------------------------------

def os_release(path: str = "/etc/os-release") -> dict[str, str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip().strip('"')
    return out


#: The first releases whose own packages carry shapely >= 2.1 (Debian 12 has 1.8.5 and no
#: pyogrio, Ubuntu 24.04 has 2.0.3). Derivatives (ID_LIKE) are judged by their own ID.
APT_RECENT_ENOUGH = {"debian": (13,), "ubuntu": (25, 10)}

#: What compiling shapely and pyogrio against the system's GEOS/GDAL needs on Debian/Ubuntu.
BUILD_PACKAGES = "build-essential python3-dev libgeos-dev libgdal-dev"


def platform_kind(system: str | None = None, release: dict | None = None) -> str:
    """``windows``, ``debian`` (Debian, Ubuntu and derivatives whose packages are recent
    enough), ``debian-old`` (their packages are too old: Debian 12, Ubuntu 24.04),
    ``macos`` or ``other``."""
    system = system or platform.system()
    if system == "Windows":
        return "windows"
    if system == "Darwin":
        return "macos"
    release = os_release() if release is None else release
    family = f"{release.get('ID', '')} {release.get('ID_LIKE', '')}".split()
    if not {"debian", "ubuntu"} & set(family):
        return "other"
    first = APT_RECENT_ENOUGH.get(release.get("ID", ""))
    version = version_tuple(release.get("VERSION_ID"))
    if first is not None and version and version < first:  # no VERSION_ID: testing/sid
        return "debian-old"
    return "debian"


def fix_command(statuses: list[Status], kind: str | None = None) -> str:
    """The shell command that fixes ``statuses`` on this platform (one line)."""
    kind = kind or platform_kind()
    reqs = [s.requirement for s in statuses]
    if kind == "debian":
        return "sudo apt install " + " ".join(r.apt for r in reqs)
    if kind == "debian-old":  # Install dependencies… compiles; it needs these first
        return "sudo apt install " + BUILD_PACKAGES
    specs = " ".join(f'"{r.spec}"' for r in reqs)
    if kind == "windows":
        return f"python -m pip install {specs}"  # in the OSGeo4W Shell
    return f"python3 -m pip install {specs}"


# --- the installer -------------------------------------------------------------------------

def dependencies_dir(settings_dir: str | os.PathLike) -> Path:
    """``<profile>/python/dependencies`` for QGIS's settings folder of the profile."""
    return Path(settings_dir) / "python" / "dependencies"


def add_to_path(folder: Path) -> bool:
    """Put the profile's dependency folder first on sys.path (it exists); True if added."""
    text = str(folder)
    if folder.is_dir() and text not in sys.path:
        sys.path.insert(0, text)
        importlib.invalidate_caches()
        return True
    return False


def find_python() -> str | None:
    """The interpreter QGIS embeds, as a program pip can run (inside QGIS sys.executable
    is the QGIS binary on Linux and Windows)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    exe = Path(sys.executable or "")
    candidates = []
    if exe.name.lower().startswith("python"):
        candidates.append(exe)
    base = Path(sys.base_exec_prefix)
    candidates += [base / "python.exe", base / "python3.exe", base / "bin" / f"python{version}",
                   base / "bin" / "python3"]
    for name in (f"python{version}", "python3", "python"):
        found = shutil.which(name)
        if found:
            candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and _python_version(candidate) == version:
            return str(candidate)
    return None


def _python_version(python: Path) -> str | None:
    try:
        out = subprocess.run([str(python), "-c", "import sys; print('%d.%d' % sys.version_info"
                              "[:2])"], capture_output=True, text=True, timeout=30,
                             **_no_window())
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _no_window() -> dict:
    if sys.platform == "win32":
        return {"creationflags": 0x08000000}  # CREATE_NO_WINDOW
    return {}


def constraints(report: Report) -> list[str]:
    """Pins that keep QGIS's own numpy (and everything else that is fine) where it is."""
    pins = []
    for status in report.statuses:
        if status.ok and status.version:
            pins.append(f"{status.requirement.pip_name}=={status.version}")
    return pins


def pip_source(wheel_dir: str | os.PathLike | None) -> list[str]:
    if wheel_dir:
        return ["--no-index", "--find-links", str(wheel_dir)]
    return []


@dataclass
class InstallResult:
    ok: bool
    installed: list[str] = field(default_factory=list)   # "name==version"
    message: str = ""                                      # English, for the log
    log: str = ""
    mixing: Mixing | None = None                           # why a wheel was refused
    build_error: str = ""                                  # its source build's failure
    built: list[str] = field(default_factory=list)         # compiled against the system


def install(report: Report, target: Path, wheel_dir=None, python: str | None = None,
            host_geos: str | None = None, host_gdal: str | None = None,
            build_from_source: bool | None = None, runner=subprocess.run) -> InstallResult:
    """pip-install what ``report`` says is missing into ``target``; never raises.

    1. ``pip install --dry-run --report`` with the missing specs and the pins: pip's resolver,
       seeing QGIS's own packages and ``target``, names exactly what to add.
    2. ``pip install --target STAGING --no-deps`` those exact versions.
    3. In a separate Python, import shapely/pyogrio from STAGING and compare the GEOS/GDAL
       their wheels carry with QGIS's (another version crashes QGIS on Linux); only then
       move everything into ``target``. A refused install leaves ``target`` untouched.
       On Linux a refused wheel is compiled from source instead (``--no-binary``: needs a
       C compiler, Python's headers and the library's, e.g. libgeos-dev), then checked
       again; ``build_from_source=False`` refuses at once.
    """
    if build_from_source is None:
        build_from_source = sys.platform.startswith("linux")
    built: list[str] = []
    python = python or find_python()
    if python is None:
        return InstallResult(False, message="no Python interpreter for pip found")
    wanted = [s.requirement.spec for s in report.installable]
    if not wanted:
        return InstallResult(True, message="nothing to install")
    target.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(target), *filter(None, [env.get("PYTHONPATH")])])
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    work = target.parent / "dependencies.staging"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log: list[str] = []

    def pip(*args: str) -> subprocess.CompletedProcess:
        cmd = [python, "-m", "pip", *args]
        log.append("$ " + " ".join(cmd))
        res = runner(cmd, capture_output=True, text=True, env=env, timeout=1800,
                     **_no_window())
        log.append((res.stdout or "")[-4000:] + (res.stderr or "")[-4000:])
        return res

    try:
        pins = work / "constraints.txt"
        pins.write_text("\n".join(constraints(report)) + "\n", encoding="utf-8")
        plan = work / "plan.json"
        res = pip("install", "--dry-run", "--report", str(plan), "-c", str(pins),
                  "--only-binary", ":all:", *pip_source(wheel_dir), *wanted)
        if res.returncode != 0:
            return InstallResult(False, message=_last_error(res), log="\n".join(log))
        items = json.loads(plan.read_text(encoding="utf-8")).get("install", [])
        exact = [f"{i['metadata']['name']}=={i['metadata']['version']}" for i in items]
        if not exact:
            return InstallResult(True, message="nothing to install", log="\n".join(log))
        staging = work / "site"
        res = pip("install", "--quiet", "--no-deps", "--target", str(staging),
                  "--only-binary", ":all:", *pip_source(wheel_dir), *exact)
        if res.returncode != 0:
            return InstallResult(False, message=_last_error(res), log="\n".join(log))
        for package, library, host in (("shapely", "GEOS", host_geos),
                                       ("pyogrio", "GDAL", host_gdal)):
            if not (host and (staging / package).is_dir()):
                continue
            clash = _staged_mixing(python, staging, target, package, library, host,
                                   runner, env)
            if isinstance(clash, str):
                return InstallResult(False, message=clash, log="\n".join(log))
            if clash is None:
                continue
            if not build_from_source:
                return InstallResult(False, message=str(clash), log="\n".join(log),
                                     mixing=clash)
            # the wheel carries another GEOS/GDAL: compile it against the system's instead
            pinned = next(e for e in exact if _canonical(e.split("==")[0]) == package)
            _unstage(staging, package)
            res = pip("install", "--quiet", "--no-deps", "--target", str(staging),
                      "--no-binary", package, *pip_source(wheel_dir), pinned)
            if res.returncode != 0:
                return InstallResult(False, message=f"{clash}; building {package} from "
                                     f"source failed: {_last_error(res)}", log="\n".join(log),
                                     mixing=clash, build_error=_last_error(res))
            again = _staged_mixing(python, staging, target, package, library, host, runner,
                                   env)
            if again is not None:
                return InstallResult(False, message=str(again), log="\n".join(log),
                                     mixing=again if isinstance(again, Mixing) else None)
            built.append(package)
        for entry in staging.iterdir():
            if entry.name == "bin":
                continue
            dest = target / entry.name
            if dest.is_dir() and not dest.is_symlink():
                shutil.rmtree(dest)
            elif dest.exists() or dest.is_symlink():
                dest.unlink()
            shutil.move(str(entry), str(dest))
        note = f" ({', '.join(built)} built from source)" if built else ""
        return InstallResult(True, installed=exact, built=built,
                             message="installed " + ", ".join(exact) + note, log="\n".join(log))
    except (OSError, ValueError, KeyError, subprocess.SubprocessError) as exc:
        return InstallResult(False, message=f"{type(exc).__name__}: {exc}", log="\n".join(log))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _last_error(res: subprocess.CompletedProcess) -> str:
    """pip's failure in one line: its ERROR line, with the conflicting requirements."""
    text = (res.stdout or "") + "\n" + (res.stderr or "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR")]
    first = next((ln for ln in errors if "ResolutionImpossible" not in ln), None)
    if "The conflict is caused by:" in text:
        block = text.split("The conflict is caused by:", 1)[1].split("\n\n", 1)[0]
        causes = [ln.strip() for ln in block.splitlines() if ln.strip()]
        first = "conflicting requirements: " + "; ".join(causes)
    return (first or (errors or lines or [f"pip exited with {res.returncode}"])[-1])[:500]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _unstage(staging: Path, package: str) -> None:
    """Remove a package pip put into ``staging`` (its folder, wheel libs, metadata)."""
    for entry in staging.iterdir():
        stem = entry.name.split("-")[0]
        if entry.name in (package, f"{package}.libs") or (
                entry.name.endswith(".dist-info") and _canonical(stem) == package):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


_VERSION_CODE = {
    "shapely": "'.'.join(map(str, m.geos_version))",
    "pyogrio": "m.__gdal_version_string__",
}


def _staged_mixing(python, staging, target, package, library, host, runner, env):
    """Mixing (refuse), None (fine) or a one-line error when the staged package fails."""
    code = ("import importlib, json, sys; sys.path[:0] = sys.argv[1:3]; "
            f"m = importlib.import_module({package!r}); "
            f"print(json.dumps([{_VERSION_CODE[package]}, m.__file__]))")
    res = runner([python, "-c", code, str(staging), str(target)], capture_output=True,
                 text=True, env=env, timeout=120, **_no_window())
    if res.returncode != 0:
        return f"the installed {package} does not import: " + _last_error(res)
    version, origin = json.loads(res.stdout.strip().splitlines()[-1])
    module = type("M", (), {"__file__": origin})
    lib = "libgeos" if library == "GEOS" else "libgdal"
    return linux_mixing(package, library, version, host, bundled_library(module, lib))
