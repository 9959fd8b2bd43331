"""Names of the files and folders that `nas` writes and reads back: the on-disk format.

An event folder `<logs-dir>/event<N>/` holds the files below; changing a name here
makes older event folders unreadable, so these are not options.
"""

# Event folders are EVENT_PREFIX + a number: event1, event2, ...
EVENT_PREFIX = "event"
# The log: one MLPNAS-shaped entry per trained child, rewritten atomically after each.
LOG_FILE = "nas_data.pkl"
# The resolved configuration, dataset summary, versions and command line of a search.
CONFIG_FILE = "config.json"
# The preprocessing of the data (columns, categories, imputation, scaler, classes).
DATASET_FILE = "dataset.json"
# Progress, per-epoch statistics and the outcome of a search.
STATUS_FILE = "status.json"
# The controller's weights after the last controller epoch.
CONTROLLER_WEIGHTS_FILE = "controller.weights.h5"
# Resume state, rewritten atomically after every child and every epoch.
CHECKPOINT_FILE = "checkpoint.pkl"
# The checkpoint's layer weights, one write-once file each.
CHECKPOINT_LAYERS_DIR = "layers"
# Held (flock) by the process that writes an event; tells running from interrupted.
LOCK_FILE = ".lock"
# Sub-folder that receives TensorBoard scalars (`--tensorboard`).
TENSORBOARD_DIR = "tensorboard"
# Entry added to a .keras zip by `nas export`: preprocessing and provenance (JSON).
EXPORT_METADATA_FILE = "nas_export.json"
