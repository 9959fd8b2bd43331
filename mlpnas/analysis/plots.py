"""Plots as PNG files (Agg backend: no display needed). Never calls plt.show()."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mlpnas.analysis.summary import (accuracy_histogram, compare_warning, epoch_means, epoch_of,
                                    event_labels, event_title, majority_rate)
from mlpnas.errors import NasError
from mlpnas.storage.events import Event


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
    except ValueError as exc:  # an unknown image format, e.g. --output plot.txt
        raise NasError(f"cannot write {output}: {exc}") from None
    finally:
        _pyplot().close(fig)
    return output


def _legend_outside(ax, **kwargs) -> None:
    """The legend to the right of the axes, never over the data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0, fontsize=8,
              **kwargs)


def _integer_ticks(axis) -> None:
    """Only whole numbers on an axis that counts (children, epochs)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _min_span(ax, span: float) -> None:
    """Widen the y-axis to at least `span` around the data, so noise does not look like a trend."""
    low, high = ax.get_ylim()
    if high - low < span:
        middle = (low + high) / 2
        ax.set_ylim(middle - span / 2, middle + span / 2)


def _majority_line(ax, event: Event) -> None:
    rate = majority_rate(event)
    if rate is not None:
        ax.axhline(rate, color="grey", linestyle=":", linewidth=1.2,
                   label=f"majority-class rate ({rate:.3f})")


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
    ax.step(x, np.maximum.accumulate(acc), where="post", color="tab:red", label="running best")
    for k, mean, _ in epoch_means(event):
        idx = x[epochs == k]
        ax.hlines(mean, idx.min() - 0.4, idx.max() + 0.4, colors="tab:green", linewidth=2,
                  label="mean per controller epoch" if k == epochs.min() else None)
    _majority_line(ax, event)
    ax.set_xlabel("child (training order)")
    ax.set_ylabel("validation accuracy")
    _integer_ticks(ax.xaxis)
    ax.set_title(f"Search progress of {event_title(event)} ({len(acc)} children)", fontsize=10)
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    return save_figure(fig, output)


def plot_distribution(event: Event, output: str | Path) -> Path:
    """Histogram of the trained children's validation accuracy in 1-point bins."""
    hist = accuracy_histogram(event)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.bar(hist["bin_start_percent"], hist["percent"], width=1.0, align="edge",
           edgecolor="white", label="architectures")
    rate = majority_rate(event)
    if rate is not None:
        ax.axvline(100 * rate, color="tab:red", linestyle="--",
                   label=f"majority-class rate ({100 * rate:.1f}%)")
    ax.set_xlabel("validation accuracy (%, 1-point bins)")
    ax.set_ylabel("% of architectures")
    _integer_ticks(ax.xaxis)
    ax.set_title(f"Accuracy distribution of {event_title(event)} "
                 f"({sum(hist['counts'])} trained children)", fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    _legend_outside(ax)
    return save_figure(fig, output)


def _colour_scale_top(frequencies: dict) -> float:
    """The top of the heat-map's colour scale: fitted to the shares that occur, so that
    10-20% cells stand out (larger shares saturate; every cell also shows its number)."""
    shares = np.concatenate([np.ravel([row["frequency"] for row in pos["choices"]])
                             for pos in frequencies["positions"]])
    shares = shares[shares > 0]
    return float(min(1.0, max(0.05, np.quantile(shares, 0.9)))) if len(shares) else 1.0


def plot_choice_heatmap(event: Event, frequencies: dict, output: str | Path) -> Path:
    """One heat-map per token position: share of each epoch's children per choice."""
    plt = _pyplot()
    positions = frequencies["positions"]
    heights = [len(p["choices"]) for p in positions]
    n_epochs = len(frequencies["epochs"])
    top = _colour_scale_top(frequencies)
    fig, axes = plt.subplots(len(positions), 1, squeeze=False,
                             figsize=(3 + 0.5 * n_epochs,
                                      1.2 + 0.22 * sum(heights) + 0.5 * len(positions)),
                             gridspec_kw={"height_ratios": heights})
    for ax, pos in zip(axes[:, 0], positions):
        grid = np.array([row["frequency"] for row in pos["choices"]])
        image = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0, vmax=top,
                          interpolation="nearest")
        if n_epochs <= 20:
            for (r, c), share in np.ndenumerate(grid):
                if share > 0:
                    ax.text(c, r, f"{100 * share:.0f}", ha="center", va="center", fontsize=6,
                            color="black" if share >= 0.6 * top else "white")
        ax.set_yticks(range(len(pos["choices"])), [r["label"] for r in pos["choices"]],
                      fontsize=7)
        ax.set_xticks(range(n_epochs), frequencies["epochs"], fontsize=7)
        ax.set_ylabel(f"position {pos['position']}", fontsize=8)
    axes[-1, 0].set_xlabel("controller epoch")
    axes[0, 0].set_title(f"Controller choices per epoch\n{event_title(event)}", fontsize=9)
    fig.colorbar(image, ax=axes[:, 0].tolist(), shrink=0.6, extend="max" if top < 1 else "neither",
                 label=f"share of the epoch's children (cells: %; scale tops at {top:.0%})")
    return save_figure(fig, output)


def plot_compare(events: list[Event], output: str | Path) -> Path:
    """Running best per child and mean accuracy per controller epoch, one line per event,
    each labelled with its dataset, space and strategy; a red note when those differ."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for event, label in zip(events, event_labels(events)):
        acc = np.array([e.val_accuracy for e in event.entries])
        title = event_title(event, label)
        left.step(np.arange(1, len(acc) + 1), np.maximum.accumulate(acc), where="post",
                  label=title)
        means = epoch_means(event, skip_failed=True)
        right.plot([k for k, _, _ in means], [m for _, m, _ in means], marker="o")
    left.set(xlabel="children trained", ylabel="best validation accuracy so far",
             title="Running best")
    right.set(xlabel="controller epoch", ylabel="mean validation accuracy",
              title="Mean per controller epoch (trained children)")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        _integer_ticks(ax.xaxis)
        _min_span(ax, 0.1)
    fig.legend(*left.get_legend_handles_labels(), loc="upper center", fontsize=8,
               bbox_to_anchor=(0.5, 0.0), ncol=1, frameon=False)
    warning = compare_warning(events)
    if warning:
        fig.suptitle(f"Caution: {warning}", color="tab:red", fontsize=9)
    return save_figure(fig, output)


def plot_predictor(event: Event, output: str | Path) -> Path:
    """Predicted (x) against actual (y) validation accuracy of the children the predictor
    had not been trained on (mlpnas.analysis.predictor_quality), coloured by controller
    epoch, with the diagonal y = x."""
    from mlpnas.analysis.predictor_quality import quality, scatter_data

    pred, actual, epochs = scatter_data(event)
    if len(pred) == 0:
        raise NasError(f"{event.path}: no trained child with a prediction to plot")
    q = quality(pred, actual)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 5.5))
    points = ax.scatter(pred, actual, c=epochs, cmap="viridis", s=22, alpha=0.85)
    fig.colorbar(points, ax=ax, label="controller epoch")
    lo = float(min(pred.min(), actual.min())) - 0.02
    hi = float(max(pred.max(), actual.max())) + 0.02
    ax.plot([lo, hi], [lo, hi], color="grey", linestyle="--", linewidth=1, label="y = x")
    tau = "-" if q["tau"] is None else f"{q['tau']:.3f}"
    ax.set_title(f"Predictor: {event.name}  (n={q['n']}, MAE {q['mae']:.4f}, tau {tau})")
    ax.set_xlabel("predicted accuracy (before training)")
    ax.set_ylabel("actual validation accuracy")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return save_figure(fig, output)


def plot_regret(regret: dict, output: str | Path, title: str, unit: str) -> Path:
    """Anytime regret: median (line) and interquartile range (band) per strategy."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, traces in regret.items():
        traces = np.asarray(traces)
        x = np.arange(1, traces.shape[1] + 1)
        q1, med, q3 = np.percentile(traces, [25, 50, 75], axis=0)
        (line,) = ax.step(x, med, where="post", label=f"{name} (median, {len(traces)} seeds)")
        ax.fill_between(x, q1, q3, color=line.get_color(), alpha=0.2, step="post")
    ax.set_yscale("symlog", linthresh=_linthresh(regret))
    ax.set_xlabel("evaluations")
    ax.set_ylabel(f"regret ({unit})")
    ax.set_title(title)
    _readable_log_axis(ax)
    _integer_ticks(ax.xaxis)
    ax.grid(alpha=0.3, which="both")
    _legend_outside(ax)
    return save_figure(fig, output)


def _readable_log_axis(ax) -> None:
    """Labelled ticks at 1, 2 and 5 times powers of ten on a (sym)log y-axis."""
    from matplotlib.ticker import FuncFormatter, SymmetricalLogLocator

    transform = ax.yaxis.get_transform()
    ax.yaxis.set_major_locator(SymmetricalLogLocator(transform, subs=[1.0, 2.0, 5.0]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _linthresh(regret: dict) -> float:
    """Below this the regret axis is linear (so that a regret of 0 can be drawn)."""
    positive = np.concatenate([np.ravel(t) for t in regret.values()])
    positive = positive[positive > 0]
    return float(np.percentile(positive, 5)) if len(positive) else 1.0


COST_LABELS = {"params": "parameters (log scale)",
               "latency": "CPU latency at batch 1, ms (log scale)"}


def plot_pareto(event: Event, output: str | Path, cost: str | None = None) -> Path:
    """Validation score against a cost for every trained child, the Pareto front
    highlighted (a step line through its children), the cost on a log axis."""
    from mlpnas.analysis.fronts import costed, event_cost, front_entries, points

    cost = event_cost(event, cost)
    every = points(costed(event, cost), cost)
    front = points(front_entries(event, cost), cost)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.scatter([c for _, c in every], [s for s, _ in every], s=14, alpha=0.5, color="tab:blue",
               label=f"trained children ({len(every)})")
    ax.step([c for _, c in front], [s for s, _ in front], where="post", color="tab:red",
            linewidth=1.2)
    ax.scatter([c for _, c in front], [s for s, _ in front], s=36, color="tab:red",
               label=f"Pareto front ({len(front)})")
    _majority_line(ax, event)
    ax.set_xscale("log")
    ax.set_xlabel(COST_LABELS[cost])
    ax.set_ylabel("validation score (larger is better)")
    ax.set_title(f"{event_title(event)}: score against {cost}")
    _legend_outside(ax)
    return save_figure(fig, output)
