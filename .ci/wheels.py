"""Fill ``dist/repo/wheels/`` for the offline *Install dependencies…* (needs the internet).

The plugin's installer (lever_grid/deps.py ``install``) runs pip with ``--no-index
--find-links DIR --only-binary :all:``, so the folder must hold binary wheels of every
run-time requirement (:data:`lever_grid.deps.REQUIREMENTS`, plus networkx for *Patrol
loop*) and of what they depend on, for the Python of each QGIS it serves:

- Debian 13 (trixie): CPython 3.13, manylinux x86_64 (QGIS 3.40, tests/desktop/test_debian13.py);
- Windows QGIS 3.34 LTR and later (OSGeo4W / standalone installer): CPython 3.12, win_amd64.

shapely stays below 2.2: the 2.1 wheels carry the GEOS minor version Debian 13's QGIS links
(3.13), which the installer's GEOS check accepts; it would refuse other wheels. pip picks
from one folder only the wheels whose tags match, so both platforms share it.

    python .ci/wheels.py [DEST]          # default dist/repo/wheels
    python .ci/wheels.py --print [DEST]  # the pip commands only, nothing downloaded
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lever_grid.deps import REQUIREMENTS  # noqa: E402 - pure Python, no QGIS

#: (CPython version, pip platform tags, pins) of each QGIS Python the folder serves. The
#: installer pins what QGIS's Python already has, so the folder is resolved against that:
#: Debian 13's python3-numpy is 2.2.4 (docs/install.md); Windows QGIS's numpy is not
#: documented, so nothing is pinned there.
TARGETS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "debian13": ("3.13", ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64",
                          "manylinux_2_17_x86_64", "manylinux2014_x86_64"), ("numpy==2.2.4",)),
    "windows": ("3.12", ("win_amd64",), ()),
}

#: Requirements beyond deps.REQUIREMENTS (checked at load) and the upper bounds.
EXTRA = ("networkx>=2.6",)
UPPER = {"shapely": "<2.2"}


def requirements() -> list[str]:
    """The pip specs downloaded: every run-time requirement, networkx, the bounds."""
    specs = [r.spec + ("," + UPPER[r.pip_name] if r.pip_name in UPPER else "")
             for r in REQUIREMENTS]
    return specs + list(EXTRA)


def _target_args(target: str) -> list[str]:
    version, platforms, _ = TARGETS[target]
    args = ["--only-binary", ":all:", "--python-version", version, "--implementation", "cp",
            "--abi", "cp" + version.replace(".", "")]
    for tag in platforms:
        args += ["--platform", tag]
    return args


def download_command(target: str, dest: Path, python: str = sys.executable) -> list[str]:
    """The ``pip download`` command line for one target (see :data:`TARGETS`)."""
    return [python, "-m", "pip", "download", *_target_args(target), "-d", str(dest),
            *requirements(), *TARGETS[target][2]]


def check_command(target: str, dest: Path, scratch: Path,
                  python: str = sys.executable) -> list[str]:
    """The same resolution offline from ``dest`` alone (``--no-index --find-links``, as the
    installer runs pip): proves the folder is complete for ``target``."""
    return [python, "-m", "pip", "download", "--no-index", "--find-links", str(dest),
            *_target_args(target), "-d", str(scratch), *requirements(), *TARGETS[target][2]]


def main(argv: list[str]) -> int:
    dry = "--print" in argv
    args = [a for a in argv if a != "--print"]
    dest = (ROOT / (args[0] if args else "dist/repo/wheels")).resolve()
    if dry:
        for target in TARGETS:
            print(" ".join(download_command(target, dest)))
            print(" ".join(check_command(target, dest, dest / ".scratch")))
        return 0
    part = dest.with_name(dest.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # the public index, no local mirror settings
    for target in TARGETS:
        print(f"wheels for {target}: pip download ...", flush=True)
        res = subprocess.run(download_command(target, part), env=env)
        if res.returncode != 0:
            shutil.rmtree(part, ignore_errors=True)
            print(f"wheels.py: pip download for {target} failed (exit {res.returncode}); "
                  f"{dest} left as it was", file=sys.stderr)
            return 2
    for target in TARGETS:
        res = subprocess.run(check_command(target, part, part / ".scratch"), env=env,
                             capture_output=True, text=True)
        if res.returncode != 0:
            print(f"wheels.py: the folder does not resolve offline for {target}:\n"
                  f"{res.stderr[-2000:]}", file=sys.stderr)
            return 2
        shutil.rmtree(part / ".scratch", ignore_errors=True)
        print(f"checked offline for {target}: " + (res.stdout.strip().splitlines() or [""])[-1])
    shutil.rmtree(dest, ignore_errors=True)
    part.rename(dest)
    n = len(list(dest.glob("*.whl")))
    print(f"wrote {dest} ({n} wheels); in QGIS: Install dependencies… › from a folder")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
