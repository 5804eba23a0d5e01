"""Driving the real QGIS desktop and qgis_process.bin from tests (throw-away profiles)."""

from __future__ import annotations

import json
import os
import subprocess
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / ".venv" / "lib" / "python3.11" / "site-packages"


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


def run_desktop(job: dict, base: Path, timeout: float = 240) -> dict:
    """Start ``qgis`` with the job script; return the JSON the script wrote."""
    return run_desktop_script(Path(__file__).with_name("inside_qgis.py"), job, base, timeout)


def qgis_process(*args: str, base: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """``qgis_process.bin`` with the throw-away profile under ``base``."""
    env = qgis_env(QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(base))
    return subprocess.run(["qgis_process.bin", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def run_desktop_script(script: Path, job: dict, base: Path, timeout: float = 240) -> dict:
    """Start ``qgis`` running ``script`` under Xvfb; return the JSON the script wrote.

    The job goes to ``base/job.json`` (LEVER_GRID_JOB); the script writes ``job["result"]``.
    """
    job_file = base / "job.json"
    job.setdefault("result", str(base / "result.json"))
    job_file.write_text(json.dumps(job), encoding="utf-8")
    with xvfb() as display:
        env = qgis_env(DISPLAY=display, LEVER_GRID_JOB=str(job_file))
        proc = subprocess.run(
            ["qgis", "--profiles-path", str(base), "--nologo", "--noversioncheck",
             "--code", str(script)],
            env=env, capture_output=True, text=True, timeout=timeout)
    result_path = Path(job["result"])
    if not result_path.exists():
        raise AssertionError(f"QGIS wrote no result (rc {proc.returncode}):\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["returncode"] = proc.returncode
    result["stderr"] = proc.stderr[-5000:]
    return result
