"""Plots as PNG files (Agg backend: no display needed). Never calls plt.show()."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mlpnas.analysis import epoch_means, epoch_of
from mlpnas.errors import NasError
from mlpnas.logs import Event


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, output: str | Path) -> Path:
    """Save and close a figure; a clear error when the folder is not writable."""
    output = Path(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(output, dpi=110, bbox_inches="tight")
    except OSError as exc:
        raise NasError(f"cannot write {output}: {exc.strerror}") from None
    finally:
        _pyplot().close(fig)
    return output


def plot_accuracy(event: Event, output: str | Path) -> Path:
    """Validation accuracy per child in order, the running best, and the mean per epoch."""
    if not event.entries:
        raise NasError(f"{event.path}: the log has no children yet")
    plt = _pyplot()
    acc = np.asarray([e.val_accuracy for e in event.entries])
    epochs = epoch_of(event)
    x = np.arange(1, len(acc) + 1)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.scatter(x, acc, s=14, alpha=0.6, label="child validation accuracy")
    ax.plot(x, np.maximum.accumulate(acc), color="tab:red", label="running best")
    for k, mean, _ in epoch_means(event):
        idx = x[epochs == k]
        ax.hlines(mean, idx.min() - 0.4, idx.max() + 0.4, colors="tab:green", linewidth=2,
                  label="mean per controller epoch" if k == epochs.min() else None)
    ax.set_xlabel("child (training order)")
    ax.set_ylabel("validation accuracy")
    ax.set_title(f"Search progress: {event.name} ({len(acc)} children)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return save_figure(fig, output)
