"""bench/tabular_export_variants.py end to end on a tiny search (the runs themselves are the bench)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT


@pytest.mark.slow
def test_prints_every_variant_and_its_difference_from_the_default_export(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "tabular_export_variants.py"), "--quick",
         "--datasets", "iris", "--seeds", "1", "--work", str(tmp_path)],
        capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    row = next(line for line in lines if line.startswith("iris"))
    accuracies = [float(v) for v in row.split()[2:-1]]
    assert len(accuracies) == 7 and all(0.2 < a <= 1 for a in accuracies)
    summary = {line.split()[0]: line for line in lines if line.startswith("  ")}
    assert summary["top3"].split()[1] == "+0.00"
    assert set(summary) == {"top1", "top3", "top5", "top7", "top3x2seeds", "top5x2seeds",
                            "top3x2epochs"}
    assert (tmp_path / "iris-1" / "logs").is_dir()  # the search is kept for a second run
