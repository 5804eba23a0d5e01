"""Driving the real QGIS desktop and qgis_process.bin from tests (throw-away profiles).

Three places QGIS can run (a ``where`` argument; default: this machine with the venv):

- ``None``: this machine's QGIS 3.22 with the venv's shapely/pyogrio on PYTHONPATH;
- ``Stock()``: this machine's QGIS with a clean environment, nothing of the venv visible
  (Debian 12's own Python packages only, as a user who installed just QGIS);
- ``Chroot(work)``: stock QGIS 3.40 LTR on Debian 13 in the root filesystem that
  ``.ci/debian13-qgis`` builds; the host folder ``work`` is /mnt/work inside. Every path a
  job gives QGIS must lie under ``work`` (``where.path`` translates).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / ".venv" / "lib" / "python3.11" / "site-packages"
DEBIAN13 = ROOT / ".ci" / "debian13-qgis"
CACHE = Path(os.environ.get("LEVER_GRID_CACHE", "/var/cache/lever-grid"))


class Venv:
    """This machine's QGIS with the venv's compiled shapely/pyogrio (the default)."""

    qgis_process_bin = "qgis_process.bin"

    def path(self, host: Path) -> str:
        return str(host)

    def host(self, path: str) -> Path:
        return Path(path)

    def command(self, argv: list[str], env: dict) -> tuple[list[str], dict]:
        return argv, qgis_env(**env)


class Stock(Venv):
    """This machine's QGIS with a clean environment: no venv, no PYTHONPATH."""

    def __init__(self, home: Path) -> None:
        self.home = home

    def command(self, argv, env):
        self.home.mkdir(parents=True, exist_ok=True)
        clean = {"PATH": "/usr/bin:/bin", "HOME": str(self.home), "LANG": "C.UTF-8"}
        return argv, {**clean, **env}


class Chroot(Venv):
    """Stock QGIS 3.40 on Debian 13 (``.ci/debian13-qgis``); ``work`` is /mnt/work inside.

    ``overlay``: a throw-away copy of the root filesystem whose changes stay in that folder;
    ``net=False``: no network at all (a namespace without interfaces).
    """

    INSIDE = "/mnt/work"

    def __init__(self, work: Path, overlay: Path | None = None, net: bool = True) -> None:
        self.work, self.overlay, self.net = Path(work), overlay, net
        root = Path(subprocess.run([str(DEBIAN13), "root"], capture_output=True, text=True,
                                   check=True).stdout.strip())
        self.qgis_process_bin = ("qgis_process.bin" if (root / "usr/bin/qgis_process.bin")
                                 .exists() else "qgis_process")

    @staticmethod
    def ensure() -> Path:
        """Build (first time) or reuse the cached root filesystem; its path."""
        res = subprocess.run([str(DEBIAN13), "ensure"], capture_output=True, text=True,
                             timeout=1800)
        if res.returncode != 0:
            raise AssertionError(f"{DEBIAN13.name} ensure failed:\n{res.stderr[-4000:]}")
        return Path(res.stdout.strip().splitlines()[-1])

    def path(self, host: Path) -> str:
        return f"{self.INSIDE}/{Path(host).resolve().relative_to(self.work.resolve())}"

    def host(self, path: str) -> Path:
        return self.work / Path(path).relative_to(self.INSIDE)

    def command(self, argv, env):
        env = {"HOME": f"{self.INSIDE}/home", **env}
        (self.work / "home").mkdir(exist_ok=True)
        cmd = [str(DEBIAN13), "run", "--bind", str(self.work)]
        if self.overlay is not None:
            cmd += ["--overlay", str(self.overlay)]
        if not self.net:
            cmd.append("--no-net")
        for key, value in env.items():
            cmd += ["--env", f"{key}={value}"]
        return [*cmd, "--", *argv], {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def run(self, *argv: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
        cmd, host_env = self.command(list(argv), env)
        return subprocess.run(cmd, env=host_env, capture_output=True, text=True,
                              timeout=timeout)


def install_plugin_zip(zip_path: Path, base: Path, locale: str | None = None) -> Path:
    """Unpack the plugin zip into ``base/profiles/default`` and enable it there."""
    profile = base / "profiles" / "default"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(plugins)
    ini = profile / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    lines = ["[PythonPlugins]", "lever_grid=true", "", "[qgis]",
             "checkVersion=false", "showTips=false", "allowVersionCheck=false", ""]
    if locale:
        lines += ["[locale]", "overrideFlag=true", f"userLocale={locale}", ""]
    ini.write_text("\n".join(lines), encoding="utf-8")
    return plugins / "lever_grid"


def qgis_env(**extra: str) -> dict:
    """Environment for QGIS processes: our compiled shapely/pyogrio on PYTHONPATH."""
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SITE), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


@contextmanager
def xvfb(display: int = 97):
    """A virtual X screen for the desktop; yields the DISPLAY string."""
    for n in range(display, display + 20):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1440x900x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                break
            time.sleep(0.05)
        yield f":{n}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_desktop(job: dict, base: Path, timeout: float = 240, where: Venv | None = None,
                **env: str) -> dict:
    """Start ``qgis`` with the job script; return the JSON the script wrote."""
    return run_desktop_script(Path(__file__).with_name("inside_qgis.py"), job, base, timeout,
                              where, **env)


def qgis_process(*args: str, base: Path, timeout: float = 240, where: Venv | None = None,
                 **env: str) -> subprocess.CompletedProcess:
    """``qgis_process.bin`` with the throw-away profile under ``base``."""
    where = where or Venv()
    cmd, full_env = where.command(
        [where.qgis_process_bin, *args],
        {"QT_QPA_PLATFORM": "offscreen", "QGIS_CUSTOM_CONFIG_PATH": where.path(base), **env})
    return subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout)


def run_desktop_script(script: Path, job: dict, base: Path, timeout: float = 240,
                       where: Venv | None = None, **env: str) -> dict:
    """Start ``qgis`` running ``script`` under Xvfb; return the JSON the script wrote.

    The job goes to ``base/job.json`` (LEVER_GRID_JOB); the script writes ``job["result"]``.
    Paths in ``job`` are as QGIS sees them (``where.path``); ``script`` is copied under
    ``base`` so that QGIS in a chroot can read it too.
    """
    where = where or Venv()
    job_file = base / "job.json"
    job.setdefault("result", where.path(base / "result.json"))
    job_file.write_text(json.dumps(job), encoding="utf-8")
    local_script = base / script.name
    shutil.copyfile(script, local_script)
    hook, log = log_hook(base)
    with xvfb() as display:
        cmd, full_env = where.command(
            ["qgis", "--profiles-path", where.path(base), "--nologo", "--noversioncheck",
             "--code", where.path(local_script)],
            {"DISPLAY": display, "LEVER_GRID_JOB": where.path(job_file),
             "PYQGIS_STARTUP": where.path(hook), "LEVER_GRID_LOG": where.path(log), **env})
        proc = subprocess.run(cmd, env=full_env, capture_output=True, text=True,
                              timeout=timeout)
    result_path = where.host(job["result"])
    if not result_path.exists():
        raise AssertionError(f"QGIS wrote no result (rc {proc.returncode}):\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["returncode"] = proc.returncode
    result["stderr"] = proc.stderr[-5000:]
    result["message_log"] = read_log(log)
    return result


def log_hook(base: Path) -> tuple[Path, Path]:
    """(hook script, log file) under ``base`` for PYQGIS_STARTUP / LEVER_GRID_LOG."""
    hook = base / "log_hook.py"
    shutil.copyfile(Path(__file__).with_name("log_hook.py"), hook)
    log = base / "message_log.jsonl"
    log.unlink(missing_ok=True)
    return hook, log


def read_log(log: Path) -> list[dict]:
    """The message log the hook wrote: [{kind, tag, text, level}, ...]."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


def tracebacks(result_or_log) -> list[str]:
    """Message-log entries and error dialogs that carry a Python traceback."""
    entries = result_or_log.get("message_log", []) if isinstance(result_or_log, dict) \
        else result_or_log
    return [e["text"][:3000] for e in entries
            if e["kind"] == "dialog" or "Traceback (most recent call last)" in e["text"]]


def wheel_folder(python: str, requirements, constraints=(), deps: bool = False) -> Path:
    """A folder of manylinux x86_64 wheels for CPython ``python`` (e.g. "3.13"), downloaded
    from PyPI once and cached outside the repository (CACHE/wheels-cp313-<hash>)."""
    import hashlib
    import sys

    spec = json.dumps([python, sorted(requirements), sorted(constraints), deps])
    tag = "cp" + python.replace(".", "")
    folder = CACHE / f"wheels-{tag}-{hashlib.sha1(spec.encode()).hexdigest()[:10]}"
    if (folder / ".complete").exists():
        return folder
    tmp = folder.with_name(folder.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # the public index, no local mirror settings
    pins = tmp / "constraints.txt"
    pins.write_text("".join(f"{c}\n" for c in constraints))
    res = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary", ":all:",
         "--python-version", python, "--implementation", "cp", "--abi", tag,
         "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64",
         *([] if deps else ["--no-deps"]), "-c", str(pins), "-d", str(tmp),
         *requirements], capture_output=True, text=True, env=env, timeout=900)
    if res.returncode != 0:
        raise AssertionError(f"pip download failed:\n{res.stderr[-3000:]}")
    pins.unlink()
    (tmp / ".complete").write_text(spec)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder
