"""Build dist/lever_grid-VERSION-py3-none-any.whl (the pip package, resources included).

Compiles the translations first (lrelease, as for the plugin zip) so the wheel carries the
.qm files, then builds with pip in a clean build environment and checks that the sample
village, the styles and the translations are inside. Prints the wheel's path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".ci"))

from package import build_translations  # noqa: E402

#: Files a wheel must contain (lever_grid.paths.resources_dir() looks for them).
MUST = ("lever_grid/cli.py", "lever_grid/resources/sample/yangwu.gpkg",
        "lever_grid/resources/styles/cell_stats.qml", "lever_grid/resources/icons/lever_grid.svg",
        "lever_grid/resources/i18n/lever_grid_zh_CN.qm", "lever_grid/resources/sample/factory.dxf",
        "lever_grid/resources/sample/factory.gpkg")


def main(out: str = "dist") -> Path:
    if shutil.which("lrelease"):
        build_translations()
    target = ROOT / out
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # build from a copy: setuptools leaves build/ and *.egg-info/ in the source folder
        src = Path(tmp) / "src"
        shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
            ".venv*", ".git", "dist", "build", "outputs", "tests", "bench", "docs",
            "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache", ".qgis-settings"))
        wheels = Path(tmp) / "wheels"
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                        str(wheels), str(src)], check=True)
        (built,) = wheels.glob("lever_grid-*.whl")
        names = set(zipfile.ZipFile(built).namelist())
        missing = [m for m in MUST if m not in names]
        if missing:
            sys.exit(f"wheel.py: {built.name} lacks {', '.join(missing)}")
        final = target / built.name
        shutil.copyfile(built, final)
    print(final.relative_to(ROOT))
    return final


if __name__ == "__main__":
    main(*sys.argv[1:])
