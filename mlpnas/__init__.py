"""nas: neural architecture search with an LSTM controller, on Keras and TensorFlow 2.

The pipeline, one subpackage per concept:

    data/        tabular CSVs and image sets -> Dataset
    spaces/      token search spaces (the SPACES registry)
    strategies/  random, evolution, the RL controller (the STRATEGIES registry), screening
    training/    build, inherit, train and score children (the only TensorFlow importer)
    search/      the loop, its callbacks, checkpoint and resume
    storage/     event folders, the per-child record, the event writer, atomic files
    analysis/    top-n, plots, effects, predictor quality, the report
    benchmarks/  strategies on tabulated benchmarks (`nas bench`)
    export.py    retrain a found architecture, save it, predict with it
    testing.py   fakes that tests share (child tasks that crash, fail or score without training)

Importing the package is cheap: `from mlpnas import MLPNAS, SearchConfig` loads the
search (and TensorFlow) only when asked for.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    """Load the heavy search entry points only when asked for."""
    if name == "MLPNAS":
        from mlpnas.search.loop import MLPNAS

        return MLPNAS
    if name == "SearchConfig":
        from mlpnas.config import SearchConfig

        return SearchConfig
    raise AttributeError(name)
