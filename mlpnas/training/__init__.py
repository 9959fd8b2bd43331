"""Training children: model builders, one-shot weights, the trainer, where children run.

    tf_setup.py   import TensorFlow quietly, seed it, reset Keras between children
    mlp.py, cnn.py  Keras models from token sequences (named in mlpnas.spaces.SPACES)
    weights.py    the one-shot weight store
    trainer.py    train and score one model (densefit.py: the compiled MLP fast path)
    child.py      build, inherit, train and score one child: the unit of work
    executors.py  where children run: this process, worker processes, Ray tasks

The only subpackage whose modules import TensorFlow at import time (executors.py does
not: it starts workers that do). Nothing on the read-only path imports it.
"""
