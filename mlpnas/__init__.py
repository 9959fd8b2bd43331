"""nas: neural architecture search with an LSTM controller, on Keras and TensorFlow 2.

Importing the package is cheap: TensorFlow is only imported by the modules that train
(controller, generator, trainer, search). `from mlpnas import MLPNAS` loads them lazily.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    """Load the heavy search entry points only when asked for."""
    if name in ("MLPNAS", "SearchConfig"):
        from mlpnas import search, config

        return {"MLPNAS": search.MLPNAS, "SearchConfig": config.SearchConfig}[name]
    raise AttributeError(name)
