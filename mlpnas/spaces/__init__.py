"""Search spaces: token vocabularies, validity rules, encode / decode. No TensorFlow.

    base.py   the SearchSpace interface (and FixedLengthSpace)
    mlp.py    the MLPNAS vocabulary for tabular data
    tabular.py  tabular MLPs with their training choices (depth, widths, learning rate...)
    cnn.py    layer-by-layer CNNs (Zoph & Le 2016) for images
    cell.py   the NAS-Bench-201 cell for images
    grid.py   a grid of hyperparameters (the tabulated benchmarks)

SPACES is the one registry: the CLI's choices, the data a space reads and the function
that builds its Keras model all come from it. A new space is one module here, one model
builder in mlpnas.training, and one line in SPACES.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import CONSTANTS as C
from mlpnas.errors import NasError
from mlpnas.spaces.base import SearchSpace
from mlpnas.spaces.cell import CellSpace
from mlpnas.spaces.cnn import CNNSpace
from mlpnas.spaces.mlp import MLPSpace
from mlpnas.spaces.tabular import TabularSpace


@dataclass(frozen=True)
class SpaceInfo:
    """What the rest of the package needs to know about a registered search space."""

    space: type
    data: str  # "tabular" (a CSV or built-in table) or "image"
    builder: str  # "module:function" that builds a child's Keras model (imports TensorFlow)
    help: str
    # Search settings (SearchConfig fields) this space defaults to when not given.
    defaults: dict = field(default_factory=dict)
    # Models `nas export` averages by default (at most as many distinct ones as were found).
    export_ensemble: int = C.EXPORT_ENSEMBLE
    # Whether `nas export` saves the members retrained on every row by default (--all-rows).
    export_all_rows: bool = False
    # The learning-rate schedule `nas export` retrains with (--schedule); None: each
    # member's own (its schedule token, else constant, as the search trained it).
    export_schedule: str | None = None

    def build_function(self) -> Callable:
        """The model builder: (space, seq, input_shape, n_classes, augment) -> Child."""
        module, _, name = self.builder.partition(":")
        return getattr(importlib.import_module(module), name)


# Image children train from scratch until validation accuracy stops improving; children
# too costly for a CPU (--max-macs auto) are not trained; the search has a time budget.
IMAGE_DEFAULTS = {"child_epochs": C.IMAGE_MAX_EPOCHS, "one_shot": False,
                  "controller_epochs": C.IMAGE_CONTROLLER_EPOCHS,
                  "samples_per_epoch": C.IMAGE_SAMPLES_PER_EPOCH,
                  "max_macs": C.MAX_MACS_AUTO, "time_budget": float(C.IMAGE_TIME_BUDGET)}

SPACES: dict[str, SpaceInfo] = {
    "mlp": SpaceInfo(MLPSpace, "tabular", "mlpnas.training.mlp:build_mlp",
                     "MLPs in the MLPNAS vocabulary (tabular data)",
                     export_all_rows=C.TABULAR_EXPORT_ALL_ROWS),
    "tabular": SpaceInfo(TabularSpace, "tabular", "mlpnas.training.tabular:build_tabular",
                         "MLPs with their training choices, children trained to "
                         "convergence (tabular data)",
                         {"child_epochs": C.TABULAR_MAX_EPOCHS, "one_shot": False,
                          "controller_epochs": C.TABULAR_CONTROLLER_EPOCHS,
                          "samples_per_epoch": C.TABULAR_SAMPLES_PER_EPOCH,
                          "numeric_encoding": C.TABULAR_NUMERIC_ENCODING},
                         C.TABULAR_EXPORT_ENSEMBLE, C.TABULAR_EXPORT_ALL_ROWS),
    "cnn": SpaceInfo(CNNSpace, "image", "mlpnas.training.cnn:build_cnn",
                     "layer-by-layer CNNs, Zoph & Le 2016, with their training choices "
                     "(images)", IMAGE_DEFAULTS, C.IMAGE_EXPORT_ENSEMBLE,
                     export_schedule=C.IMAGE_EXPORT_SCHEDULE),
    "cell": SpaceInfo(CellSpace, "image", "mlpnas.training.cnn:build_cell_network",
                      "a NAS-Bench-201 cell network with its training choices (images)",
                      IMAGE_DEFAULTS, C.IMAGE_EXPORT_ENSEMBLE,
                      export_schedule=C.IMAGE_EXPORT_SCHEDULE),
}


def space_info(name: str) -> SpaceInfo:
    """The registry entry of `name`; a one-line error for an unknown space."""
    if name not in SPACES:
        raise NasError(f"unknown search space {name!r}; choose one of: {', '.join(SPACES)}")
    return SPACES[name]


def with_space_defaults(options: dict, given: set) -> dict:
    """Search options with the space's own defaults for the options not in `given`."""
    defaults = space_info(options.get("space") or "mlp").defaults
    return {**options, **{k: v for k, v in defaults.items() if k in options and k not in given}}


def reads_images(name: str) -> bool:
    """True when the space `name` searches CNNs over image data."""
    return space_info(name).data == "image"


def make_space(name: str, **kwargs: Any) -> SearchSpace:
    """The search space called `name`.

    Each space gets only the keyword arguments its constructor names (so a caller can
    pass e.g. `input_shape` whatever the space).
    """
    cls = space_info(name).space
    params = inspect.signature(cls.__init__).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return cls(**kwargs)
