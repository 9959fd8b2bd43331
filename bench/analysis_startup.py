"""Start-up cost of the analysis commands, side by side with importing TensorFlow.

Prints wall and CPU seconds (children's user+system time) of each read-only analysis
command on an MLPNAS log, and of `python -c "import tensorflow"`, measured in one run,
and the ratio. Run from the repository root:

    python bench/analysis_startup.py [--logs-dir ../shared/datasets/mlpnas-logs --event 1051]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Time each command once, then the TensorFlow import, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs-dir", default=str(ROOT.parent / "shared/datasets/mlpnas-logs"))
    parser.add_argument("--event", default="1051")
    opts = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    cli = [sys.executable, str(ROOT / "cli.py")]
    where = ["--logs-dir", opts.logs_dir]
    commands = {
        "plot-distribution": ["plot-distribution", "--event", opts.event, "--output",
                              str(tmp / "d.png")],
        "analyze": ["analyze", "--event", opts.event, "--output", str(tmp / "a.png")],
        "compare": ["compare", opts.event, opts.event, "--output", str(tmp / "c.png")],
        "report": ["report", "--event", opts.event, "--output", str(tmp / "r.html")],
    }
    print(f"load average before: {os.getloadavg()}")
    wall_tf, cpu_tf = measure([sys.executable, "-c", "import tensorflow"])
    for name, args in commands.items():
        wall, cpu = measure(cli + args + where)
        print(f"nas {name:<18} wall {wall:6.2f} s  cpu {cpu:6.2f} s  "
              f"(cpu {cpu / cpu_tf:.2f}x of importing TensorFlow)")
    print(f"{'import tensorflow':<22} wall {wall_tf:6.2f} s  cpu {cpu_tf:6.2f} s")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
