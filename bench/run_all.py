"""Run every benchmark script in this folder, one process each, and print their output."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        if script.name.endswith("_spopt.py"):
            continue  # runs in its own venv (.venv-bench), see the script's docstring
        print(f"== {script.name}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)])
        print(f"== {script.name}: exit {code} in {time.perf_counter() - started:.1f} s\n",
              flush=True)
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
