"""Build dist/lever_grid.zip for QGIS's "Install from ZIP" (top folder lever_grid/)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache"}
RESOURCE_DIRS = ("icons", "styles", "i18n", "sample")


def _files(base: Path, pattern: str = "*"):
    for path in sorted(base.rglob(pattern)):
        if path.is_file() and not (SKIP_DIRS & set(path.parts)) and path.suffix != ".pyc":
            yield path


def build_translations() -> None:
    """Compile resources/i18n/*.ts into .qm with Qt's lrelease."""
    for ts in sorted((ROOT / "resources" / "i18n").glob("*.ts")):
        qm = ts.with_suffix(".qm")
        subprocess.run(["lrelease", "-silent", str(ts), "-qm", str(qm)], check=True)


def main(out: str = "dist/lever_grid.zip") -> Path:
    build_translations()
    target = ROOT / out
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in _files(ROOT / "lever_grid", "*.py"):
            zf.write(path, Path("lever_grid") / path.relative_to(ROOT / "lever_grid"))
        for name in ("metadata.txt", "README.md", "LICENSE"):
            if (ROOT / name).exists():
                zf.write(ROOT / name, Path("lever_grid") / name)
        for sub in RESOURCE_DIRS:
            for path in _files(ROOT / "resources" / sub):
                if path.suffix in (".ts",) or path.name in ("make_sample.py", "make_factory.py"):
                    continue
                zf.write(path, Path("lever_grid") / path.relative_to(ROOT))
    tmp.replace(target)
    print(f"wrote {target.relative_to(ROOT)} ({target.stat().st_size // 1024} KiB)")
    return target


if __name__ == "__main__":
    main(*sys.argv[1:])
