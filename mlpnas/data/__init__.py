"""Data: tabular CSVs and built-in tables, image sets, and the dispatcher between them. No TF.

    tabular.py   find, read, clean, split and standardize a CSV (Dataset, Preprocessing)
    images.py    image folders, IDX files, CIFAR archives, built-in digits

`load_search_dataset` picks the reader that the search space needs (mlpnas.spaces).
"""

from __future__ import annotations

from typing import Any


def load_search_dataset(config: Any):
    """The Dataset of a search: images for image spaces, else the tabular loader."""
    from mlpnas.spaces import reads_images

    if reads_images(config.space):
        from mlpnas.data.images import load_images

        return load_images(config.dataset, config.subset, config.seed)
    from mlpnas.data.tabular import load_dataset

    return load_dataset(config.dataset, config.label, config.keep_columns, config.seed)


def describe_inputs(data: Any) -> str:
    """'8x8x1 images' or '11 features', for the line a search prints first."""
    if data.kind == "image":
        return "x".join(map(str, data.input_shape)) + " images"
    return f"{data.input_shape[0]} features"
