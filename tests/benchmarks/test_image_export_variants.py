"""bench/image_export_variants.py end to end on a tiny digits search (the runs themselves are the bench)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT


@pytest.mark.slow
def test_prints_every_variant_and_its_difference_from_the_default_export(tmp_path):
    command = [sys.executable, str(ROOT / "bench" / "image_export_variants.py"), "--digits",
               "--seeds", "1", "--controller-epochs", "1", "--samples-per-epoch", "2",
               "--child-epochs", "2", "--members", "2", "--textbook", "--work", str(tmp_path)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    header = lines.index(next(line for line in lines if line.startswith("seed ")
                              and "constant-top1" in line))
    accuracies = [float(v) for v in lines[header + 1].split()[1:8]]
    assert all(0.05 < a <= 1 for a in accuracies)
    start = lines.index(next(line for line in lines if line.startswith("mean difference")))
    summary = {line.split()[0]: line for line in lines[start + 1:]}
    assert set(summary) == {"constant-top1", "constant-top2", "cosine-top1", "cosine-top2",
                            "constant-top2-flip", "cosine-top2-flip", "textbook"}
    assert summary["constant-top2"].split()[1] == "+0.00"
    assert (tmp_path / "digits-cnn-1" / "logs" / "event1").is_dir()  # kept for a second run
