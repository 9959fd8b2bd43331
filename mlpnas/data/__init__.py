"""Data: tabular CSVs and built-in tables, image sets, and the dispatcher between them. No TF.

    tabular.py   find, read, clean, split and standardize a CSV (Dataset, Preprocessing)
    columns.py   what each CSV column is: missing spellings, inf, dates, IDs, free text, caps
    leaks.py     label leaks and held-out twins, judged on the training split only
    images.py    image folders, IDX files, CIFAR archives, built-in digits; images to predict

docs/data.md describes what users see.

`load_search_dataset` picks the reader that the search space needs (mlpnas.spaces).
"""

from __future__ import annotations

from typing import Any


def load_search_dataset(config: Any):
    """The Dataset of a search: images for image spaces, else the tabular loader."""
    from mlpnas.spaces import reads_images

    if reads_images(config.space):
        from mlpnas.data.images import load_images

        if getattr(config, "task", "auto") == "regression":
            from mlpnas.errors import NasError

            raise NasError(f"--task regression needs tabular data; --space {config.space} "
                           "classifies images")

        return load_images(config.dataset, config.subset, config.seed)
    from mlpnas.data.tabular import load_dataset

    return load_dataset(config.dataset, config.label, config.keep_columns, config.seed,
                        task=getattr(config, "task", "auto"),
                        numeric_encoding=getattr(config, "numeric_encoding", "standard"))


def describe_inputs(data: Any) -> str:
    """'8x8x1 images' or '11 features', for the line a search prints first."""
    if data.kind == "image":
        return "x".join(map(str, data.input_shape)) + " images"
    pre = data.preprocessing
    if pre is not None and pre.bin_edges:
        return (f"{len(pre.mean)} features ({data.input_shape[0]} inputs with the "
                f"piecewise-linear encoding of {len(pre.bin_edges)} numeric ones)")
    return f"{data.input_shape[0]} features"


def _yardstick(data: Any) -> str:
    """The figure to beat: the majority-class rate, or the mean prediction's errors."""
    if data.task != "regression":
        return (f"majority-class rate: {data.majority_rate:.4f} (validation accuracy of always "
                "answering the most common class: the figure to beat)")
    from mlpnas.data.target import describe_metrics

    return (f"predicting the training mean: validation {describe_metrics(data.mean_baseline())} "
            "(the figure to beat); children are scored by validation R^2, clipped to [0, 1]")


def describe_data(data: Any, budget: int | None = None) -> list[str]:
    """The lines a search prints first: the task and why, sizes, the yardstick (majority
    class or mean prediction), missing values, and held-out rows that repeat a training row."""
    regression = data.task == "regression"
    target = "a regression target" if regression else f"{data.n_classes} classes"
    lines = [f"task: {data.task} ({data.info['task_reason']})"] if "task_reason" in data.info else []
    lines += [f"dataset {data.name}: {len(data.y_train)} train / {len(data.y_val)} val / "
              f"{len(data.y_test)} test rows, {describe_inputs(data)}, {target}"
              + ("" if budget is None else f"; budget {budget} children"), _yardstick(data)]
    missing = data.info.get("missing_values") or {}
    if missing:
        lines.append(f"missing values: {sum(missing.values())} imputed in {len(missing)} "
                     f"column(s) ({', '.join(missing)})")
    twins = data.info.get("heldout_twins")
    if twins:
        lines.append(f"held-out twins: {twins['val']} of {len(data.y_val)} validation and "
                     f"{twins['test']} of {len(data.y_test)} test rows repeat a training row "
                     "exactly (features and label); models that memorise score well on them")
    return lines
