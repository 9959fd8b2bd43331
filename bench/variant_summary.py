"""The closing summary of the export-variant benches (bench/tabular_export_variants.py,
bench/image_export_variants.py): each variant's mean accuracy difference from the default."""

from __future__ import annotations

import statistics


def print_differences(results: list[dict], variants: list[str], default: str,
                      unit: str) -> None:
    """One line per variant: its mean difference from `default` in points, its wins and
    losses against it, and its mean accuracy over `results` (one dict per `unit`)."""
    print(f"\nmean difference from {default} (the default export), points, over "
          f"{len(results)} {unit}:")
    width = max(len(v) for v in variants)
    for v in variants:
        diffs = [r[v] - r[default] for r in results]
        print(f"  {v:{width}} {100 * statistics.mean(diffs):+6.2f}  (wins "
              f"{sum(d > 1e-9 for d in diffs)}, losses {sum(d < -1e-9 for d in diffs)}; "
              f"mean accuracy {statistics.mean(r[v] for r in results):.4f})")
