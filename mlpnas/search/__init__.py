"""The search: the ask / train / record / tell loop, its checkpoint, resume and interrupts.

    loop.py        MLPNAS, the loop itself (imports TensorFlow)
    callbacks.py   what a search reports besides its log: progress line, status, TensorBoard
    checkpoint.py  resume state, resuming a configuration, stopping cleanly (no TensorFlow)

Importing this package is cheap; `from mlpnas.search import MLPNAS` loads the loop.
"""


def __getattr__(name: str):
    """Load the loop (and TensorFlow) only when it is asked for."""
    if name in ("MLPNAS", "SearchResult"):
        from mlpnas.search import loop

        return getattr(loop, name)
    raise AttributeError(name)
