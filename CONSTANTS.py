"""Every default of `nas`, in one place. UPPER_CASE names only, no logic.

Command-line options override these; library code receives them through explicit
config objects (`mlpnas.config.SearchConfig`), never through `import *`.
Names follow the MLPNAS tutorial where it had one.

The file reads in two parts: the defaults a user meets as command-line options, then the
internals (settings with no option, changed only here); SEED (--seed) closes the file,
and blocks added later go after it. The names of the files inside an
event folder are part of the on-disk format and live in `mlpnas/storage/names.py`.
"""

# =======================================================================================
# User-facing defaults: each is the default of a command-line option (named alongside).
# =======================================================================================

# --- Search budget (nas search) --------------------------------------------------------
# --controller-epochs: each samples a batch of architectures, trains them, updates once.
CONTROLLER_SAMPLING_EPOCHS = 20
# --samples-per-epoch: architectures sampled (and trained) per controller epoch; small
# batches give the controller more policy updates for the same number of children
# (`nas bench` uses it too; bench/tune_rl.py measures it).
SAMPLES_PER_CONTROLLER_EPOCH = 5
# Samples per epoch of the original MLPNAS code: how its logs, which record no epochs,
# are grouped into controller epochs.
MLPNAS_SAMPLES_PER_EPOCH = 10
# --child-epochs: training epochs of each child.
ARCHITECTURE_TRAINING_EPOCHS = 10
# --max-layers: longest MLP sequence, the output layer included (cnn: most conv layers).
MAX_ARCHITECTURE_LENGTH = 4

# --- Data and logs -----------------------------------------------------------------------
# --dataset: the built-in set used by the README's first command.
DEFAULT_DATASET = "wine"
# Built-in data sets (shipped inside scikit-learn, no download).
BUILTIN_DATASETS = ("iris", "wine", "breast-cancer", "digits")
# Folder where bare dataset names are looked up after the current folder.
DATASETS_DIR = "DATASETS"
# --logs-dir: the folder that receives one event<N>/ folder per search.
LOGS_DIR = "LOGS"

# --- What a search trains ----------------------------------------------------------------
# --one-shot: children start from the stored weights of layers they share (shape-checked).
MLP_ONE_SHOT = True
# --predictor: an accuracy predictor (its own network) trained beside the controller.
CONTROLLER_USE_PREDICTOR = False
# --screen: sample this many times as many candidates as are trained each controller
# epoch and train those with the highest predicted accuracy (1 = no screening).
SCREEN_FACTOR = 1
# --screen-warmup: controller epochs of plain sampling before screening starts.
SCREEN_WARMUP_EPOCHS = 2
# --population, --sample-size: regularized evolution (Real et al. 2019); the first P
# children are uniformly random, then each is the best of S members, mutated.
EVOLUTION_POPULATION = 20
EVOLUTION_SAMPLE_SIZE = 5

# --- Where children run, and failures ----------------------------------------------------
# --workers: processes (or Ray tasks at a time) training the children of a controller
# epoch; 1 trains them one after another in the search process itself.
WORKERS = 1
# --ray-address: Ray cluster to run children on ("auto", "ray://host:port"); None: no Ray.
RAY_ADDRESS = None
# --max-consecutive-failures: the search stops (log intact) after this many in a row.
MAX_CONSECUTIVE_FAILURES = 5

# --- Reading results ---------------------------------------------------------------------
# nas top-n N: architectures listed.
TOP_N = 5
# nas report --top: architectures listed in the report.
REPORT_TOP_N = 10
# nas export --rank: which architecture is retrained (1 = best validation accuracy).
EXPORT_RANK = 1
# Default --output files of the analysis commands, written into the event folder
# (compare: into --logs-dir).
PLOT_ACCURACY_FILE = "accuracy.png"
PLOT_PREDICTOR_FILE = "predictor.png"
DISTRIBUTION_PLOT_FILE = "distribution.png"
CHOICES_PLOT_FILE = "choices.png"
COMPARE_PLOT_FILE = "compare.png"
REPORT_FILE = "report.html"

# --- nas bench ---------------------------------------------------------------------------
# --benchmark, --budget (evaluations per search), --seeds (searches per strategy),
# --strategies, --jobs (worker processes; each RL worker imports TensorFlow).
BENCH_DEFAULT = "nb201-cifar10"
BENCH_BUDGET = 200
BENCH_SEEDS = 20
BENCH_STRATEGIES = ("rl", "random", "evolution", "local", "largest")
BENCH_JOBS = 2
# --plot: the anytime regret plot, in the logs folder.
BENCH_PLOT_FILE = "bench_{benchmark}.png"

# =======================================================================================
# Internals: no command-line option; change them here.
# =======================================================================================

# --- Controller (LSTM policy, REINFORCE) -------------------------------------------------
# Most gradient steps the controller takes on each batch of (sequence, reward) pairs: the
# first is the REINFORCE step, later ones PPO-clipped and stopped by CONTROLLER_TARGET_KL.
CONTROLLER_TRAINING_EPOCHS = 5
# Discount over the steps of ONE sequence: step t of T gets alpha**(T-1-t) * advantage.
CONTROLLER_LOSS_ALPHA = 0.9
CONTROLLER_LSTM_DIM = 100
CONTROLLER_EMBEDDING_DIM = 32
# Adam's learning rate for the policy (chosen with bench/tune_rl.py on the tuning seeds,
# see docs/controller.md).
CONTROLLER_LEARNING_RATE = 0.03
# Decay of the moving average of past rewards (the baseline when CONTROLLER_BASELINE = "ema").
CONTROLLER_BASELINE_DECAY = 0.8
# Weight of the entropy bonus added to the policy loss (0 turns it off).
CONTROLLER_ENTROPY_WEIGHT = 0.01
# Logits are divided by this temperature before the softmax (1.0 = plain softmax); above
# 1 it keeps the policy from collapsing within a budget of a few hundred children.
CONTROLLER_TEMPERATURE = 2.0
# Gradient clipping (global norm) for the controller's optimizer.
CONTROLLER_GRAD_CLIP = 5.0

# --- Accuracy predictor and screening ----------------------------------------------------
# Gradient steps on the predictor's loss after each controller update (its own network
# and Adam optimizer; the policy is not touched).
PREDICTOR_EXTRA_STEPS = 20
# Fresh samples (per candidate) drawn from the policy to estimate each candidate's
# probability of being selected (Monte Carlo), and how many simulated draws to use.
SCREEN_POOL_FACTOR = 8
SCREEN_SIMULATIONS = 400
# Floor of an estimated selection probability (bounds the importance weight 1/p).
SCREEN_MIN_SELECTION_PROB = 0.05

# --- MLP search space (MLPNAS vocabulary) ------------------------------------------------
MLP_UNITS = (8, 16, 32, 64, 128, 256, 512)
MLP_ACTIVATIONS = ("sigmoid", "tanh", "relu", "elu")
MLP_DROPOUT = 0.2

# --- CNN search spaces -------------------------------------------------------------------
# Layer-by-layer CNN space (Zoph & Le 2016): the choices of each conv layer.
CNN_KERNEL_SIZES = (1, 3, 5, 7)
CNN_FILTERS = (16, 24, 32, 48, 64)
CNN_STRIDES = (1, 2)
# Max-pool after a layer: 1 = none, 2 = 2x2 max-pool with stride 2.
CNN_POOLS = (1, 2)
# NAS-Bench-201-style cell network: N cells per stage (3 stages) and the stem's width
# (doubled at each reduction block). Small so a CPU trains a child in seconds.
CELL_CELLS_PER_STAGE = 1
CELL_BASE_WIDTH = 8

# --- Child training ----------------------------------------------------------------------
MLP_LEARNING_RATE = 0.01
MLP_OPTIMIZER = "adam"
MLP_BATCH_SIZE = 64
# Batch-norm momentum of CNN children. Keras' 0.99 leaves the moving statistics far from
# the data after the few hundred steps a child trains, which wrecks its validation score.
CNN_BN_MOMENTUM = 0.9
# Reward of a failed child (NaN/inf loss, out of memory, an exception): the worst one.
FAILED_CHILD_REWARD = 0.0
# Tries of a child whose worker process or Ray task dies (then it is recorded as failed).
CHILD_MAX_ATTEMPTS = 2
# Children reuse TensorFlow's compiled functions (mlpnas.training.tf_setup.start_child);
# every this many children the caches are cleared and garbage collected, so memory stays
# flat.
FULL_RESET_EVERY = 100

# --- Tabular data ------------------------------------------------------------------------
# Fixed, seeded, stratified split; the test split is only read once, after the search.
VALIDATION_FRACTION = 0.15
TEST_FRACTION = 0.15
# A class needs this many rows so that each split gets at least one.
MIN_ROWS_PER_CLASS = 5
# How numeric features reach the network (--numeric-encoding): "standard" (zero mean,
# unit variance) or "piecewise" (the standardized value plus a piecewise-linear encoding
# over PIECEWISE_BINS quantile bins of the training rows; docs/tabular.md). The tabular
# space uses TABULAR_NUMERIC_ENCODING; the mlp space the first.
NUMERIC_ENCODINGS = ("standard", "piecewise")
PIECEWISE_BINS = 16
# Fewer bins on small data: at least this many training rows per bin (at least 2 bins).
PIECEWISE_MIN_ROWS_PER_BIN = 20

# --- Image data --------------------------------------------------------------------------
# Built-in image sets (shipped inside scikit-learn, no download): 8x8 grey digits.
IMAGE_BUILTIN_DATASETS = ("digits",)
# Validation and test splits of image sets are capped at this many images (a seeded,
# stratified sample, the same whatever --subset is), so a CPU search is not spent scoring.
IMAGE_MAX_VALIDATION = 2000
IMAGE_MAX_TEST = 5000
# File suffixes read from a folder with one subfolder of images per class.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
# --augment: random horizontal flips and shifts of up to this fraction of the image size.
AUGMENT_MAX_SHIFT = 0.1
# Where CIFAR-10 can be downloaded by hand when keras.datasets cannot reach the internet.
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"

# --- Resume and interrupts ---------------------------------------------------------------
# Exit code after Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED_EXIT_CODE = 130
# Configuration fields a resumed search may change: they do not change what it samples.
RESUME_MAY_CHANGE = ("controller_epochs", "logs_dir", "max_consecutive_failures",
                     "tensorboard")

# --- Analysis ----------------------------------------------------------------------------
# Fewest trained (not failed) children each command needs.
DISTRIBUTION_MIN_CHILDREN = 2
ANALYZE_MIN_CHILDREN = 5
COMPARE_MIN_CHILDREN = 1
REPORT_MIN_CHILDREN = 1
# Per-choice effects: bootstrap resamples, the family-wise confidence of the intervals
# (Bonferroni over all values tested), the seed of the resampling, and the smallest
# group (children with / without a value) whose difference may be marked as real.
EFFECT_BOOTSTRAP_SAMPLES = 2000
EFFECT_CONFIDENCE = 0.95
EFFECT_SEED = 0
EFFECT_MIN_GROUP = 3
# `nas bench` reports the regret at these budgets (those up to --budget, and --budget).
BENCH_REPORT_BUDGETS = (25, 50, 100, 200, 500, 1000)

# --- Randomness ------------------------------------------------------------------------
SEED = 0

# --- Controller update (policy gradient) ---------------------------------------------------
# Advantage of a sequence: "normalized" (reward - baseline) / batch reward std, "rank"
# (centred ranks in [-0.5, 0.5]) or "raw" (reward - baseline).
CONTROLLER_ADVANTAGE = "normalized"
# Baseline: "loo" (mean reward of the other sequences of the batch) or "ema" (moving
# average of earlier batches with CONTROLLER_BASELINE_DECAY; leave one out on the first).
CONTROLLER_BASELINE = "loo"
# PPO clipping of the ratio pi / pi_sampling on steps after the first (0 = no clipping).
CONTROLLER_CLIP_RATIO = 0.2
# A step on a batch after the first is taken only while KL(pi_sampling || pi) is below this.
CONTROLLER_TARGET_KL = 0.02
# Smallest reward spread "normalized" divides by (a batch of equal rewards moves nothing).
CONTROLLER_MIN_REWARD_STD = 1e-3
# The rl strategy samples only sequences it has not been told about yet (redrawing a repeat
# at most CONTROLLER_RESAMPLE_ROUNDS times per batch), so no evaluation is spent twice.
CONTROLLER_NO_REPEATS = True
CONTROLLER_RESAMPLE_ROUNDS = 20
# The accuracy predictor's Adam learning rate.
PREDICTOR_LEARNING_RATE = 0.01
# `nas bench --screen`: a search stops early after this many epochs in a row that proposed
# only configurations it had already evaluated.
BENCH_MAX_IDLE_EPOCHS = 50
# Seed sets of the controller's tuning protocol: bench/tune_rl.py tunes on the first (half
# open range) and refuses any seed of the second, on which bench/rl_vs_evolution.py reports.
TUNE_SEEDS = (100, 150)
REPORT_SEEDS = (300, 350)
# `nas bench --screen`: batches of plain sampling before screening starts.
BENCH_SCREEN_WARMUP = 0

# --- Understanding a CSV and its hygiene (mlpnas/data, docs/data.md) ---------------------
# Cell values read as missing (after trimming spaces), besides pandas' own NaN spellings.
MISSING_TOKENS = ("?", "NA", "N/A", "n/a", "na", "null", "NULL", "None", "", "-", "--")
# A text column whose other values are numbers is numeric when at least this share of its
# non-missing values parse as numbers (the rest are read as missing, with a warning).
NUMERIC_TEXT_MIN_SHARE = 0.95
# A text column is a date / time column when at least this share of its values parse.
DATE_MIN_SHARE = 0.95
# A column unique in every row is ID-like (dropped) when the data has at least this many
# rows; integer columns also need an ID-like name or consecutive values.
ID_MIN_ROWS = 20
# A text column whose values average at least this many words, and are mostly distinct
# (at least FREE_TEXT_MIN_DISTINCT of the rows), is free text (dropped).
FREE_TEXT_MIN_WORDS = 3
FREE_TEXT_MIN_DISTINCT = 0.5
# A categorical column keeps at most this many categories (the most frequent in
# training); the others, and values never seen in training, share one "(other)" feature.
CATEGORY_MAX_LEVELS = 20
# Leak check, on the training split only (NaN is a value of its own): a value group
# testifies only with at least LEAK_MIN_GROUP rows, and groups that big must cover at
# least LEAK_MIN_COVERAGE of the training rows for an exact leak to be declared.
LEAK_MIN_GROUP = 5
LEAK_MIN_COVERAGE = 0.9
# Suspected (near) leak: one column alone, in a LEAK_CV_FOLDS-fold cross-validation on at
# most LEAK_CV_MAX_ROWS training rows, reaches LEAK_NEAR_MIN_ACCURACY and removes at least
# LEAK_NEAR_ERROR_REDUCTION of the errors of always answering the majority class.
LEAK_CV_FOLDS = 5
LEAK_CV_MAX_ROWS = 5000
LEAK_NEAR_MIN_ACCURACY = 0.9
LEAK_NEAR_ERROR_REDUCTION = 0.85
# There a numeric column is cut into at most this many quantile bins (fewer on few rows).
LEAK_CV_MAX_LEVELS = 50
# Validation or test splits with fewer rows than this get a caveat (accuracies too coarse).
SMALL_SPLIT_ROWS = 30

# --- Stopping a search, output paths ----------------------------------------------------
# Exit code after SIGTERM (128 + 15), e.g. from a timeout or a job scheduler: the search
# stops after the current child like after Ctrl-C.
TERMINATED_EXIT_CODE = 143

# --- Tabular search space and long-trained children --------------------------------------
# `--space tabular`: depth first, then (units, dropout) per layer, then the training choices.
TABULAR_DEPTHS = (1, 2, 3, 4)
TABULAR_UNITS = (128, 256, 512)
TABULAR_DROPOUTS = (0.0, 0.1, 0.2)
TABULAR_BATCH_NORM = (False, True)
# Residual connections between consecutive dense layers of the same width.
TABULAR_RESIDUAL = (False, True)
# Adam's learning rate, a log grid.
TABULAR_LEARNING_RATES = (0.001, 0.003, 0.01)
TABULAR_BATCH_SIZES = (64, 128, 256)
# Decoupled weight decay (AdamW, Keras' arithmetic: w -= learning rate * decay * w per step).
TABULAR_WEIGHT_DECAYS = (0.0, 0.001, 0.01)
# A child trains until its validation ACCURACY has not improved for this many epochs
# (the best epoch's weights are restored and scored), or until --child-epochs.
TABULAR_PATIENCES = (20, 40)
# The tabular space's defaults for --child-epochs (the epoch cap), --controller-epochs and
# --samples-per-epoch: fewer children than other spaces, each trained to convergence.
TABULAR_MAX_EPOCHS = 150
TABULAR_NUMERIC_ENCODING = "piecewise"
TABULAR_CONTROLLER_EPOCHS = 3
TABULAR_SAMPLES_PER_EPOCH = 4
# Learning-rate schedule over --child-epochs: constant, or cosine decay to zero.
TABULAR_SCHEDULES = ("constant", "cosine")
# Batch-norm momentum of tabular children (their moving statistics must settle within
# the first epochs, which early stopping scores too).
TABULAR_BN_MOMENTUM = 0.9
# `nas export --ensemble K`: models retrained and averaged into the exported file (their
# mean probability); 1 exports the single chosen architecture. Events of the tabular
# space default to TABULAR_EXPORT_ENSEMBLE (fewer when the search has fewer).
EXPORT_ENSEMBLE = 1
TABULAR_EXPORT_ENSEMBLE = 3
# `nas export --all-rows` (the default for tabular data): after the test, the members are
# retrained on every row (test included) and that model is saved; image exports save the
# tested model (retraining a CNN ensemble twice costs minutes).
TABULAR_EXPORT_ALL_ROWS = True
# Search space of `nas search` when --space is not given (tabular data and CSVs).
DEFAULT_SPACE = "tabular"

# --- Accuracy against cost: cost measures, objectives, limits, Pareto fronts ---
# `nas search --objective`: the score alone, or the score against one cost for a Pareto search.
OBJECTIVES = ("accuracy", "accuracy,latency", "accuracy,params")
DEFAULT_OBJECTIVE = "accuracy"
# Each cost and the LogEntry.meta key that holds it (smaller is better).
COST_KEYS = {"latency": "latency_ms", "params": "params"}
# --max-macs: a limit resolved from the input size (IMAGE_MACS_PER_PIXEL), or none.
MAX_MACS_AUTO = "auto"
# CPU latency of every child: median of this many calls of one compiled function after
# LATENCY_WARMUP calls, at batch 1 and at batch LATENCY_BATCH.
LATENCY_REPEATS = 10
LATENCY_WARMUP = 2
LATENCY_BATCH = 64
# The controller's reward with a cost objective (MnasNet, Tan et al. 2019):
# score * (cost / target) ** w, with w = MNASNET_COST_WEIGHT on both sides of the target.
MNASNET_COST_WEIGHT = -0.07
# Children within this much validation score of the best count as "as good" (bench, report).
PARETO_SCORE_TOLERANCE = 0.01
# Files of `nas plot-pareto` and of the extra export formats.
PARETO_PLOT_FILE = "pareto.png"
EXPORT_FORMATS = ("keras", "savedmodel", "tflite", "onnx")
# The ONNX operator set `nas export --format onnx` writes.
ONNX_OPSET = 15
# --- Search budget: time limit, plateau stop, successive halving, warm start -------------
# How children are scheduled: "full" trains every sampled child for --child-epochs;
# "halving" trains all of an epoch's children briefly and promotes the best 1/eta of each
# rung (successive halving) until the top ones reach --child-epochs.
SCHEDULERS = ("full", "halving")
DEFAULT_SCHEDULER = "full"
# --eta: the factor between rungs (epochs grow and survivors shrink by it).
HALVING_ETA = 3
# A resumed search may also change its time limit and its patience (neither changes what
# it samples).
RESUME_MAY_CHANGE = (*RESUME_MAY_CHANGE, "time_budget", "patience")

# --- Image children trained like CNNs (cnn and cell spaces) ------------------------------
# Training choices of an image child, searched as tokens (docs/images.md). Adam's
# learning rate; batch size; decoupled weight decay (AdamW, Keras' arithmetic).
IMAGE_LEARNING_RATES = (0.001, 0.003)
IMAGE_BATCH_SIZES = (64, 128)
IMAGE_WEIGHT_DECAYS = (0.0, 0.05)
# Random training-image changes: none, shifts of up to AUGMENT_MAX_SHIFT of the size, or
# shifts and horizontal flips (--augment forces "flip+shift").
IMAGE_AUGMENTS = ("none", "shift", "flip+shift")
# Classifier head: global average pooling -> softmax, or the textbook head: the last map
# (max-pooled down to at most IMAGE_DENSE_HEAD_SIDE per side) flattened -> dense ReLU -> softmax.
IMAGE_HEADS = ("gap", "dense")
IMAGE_DENSE_HEAD_UNITS = 128
IMAGE_DENSE_HEAD_SIDE = 7
# A child trains until its validation accuracy has not improved for this many epochs
# (the best epoch is restored and scored), or until --child-epochs.
IMAGE_PATIENCE = 5
# The image spaces' defaults for --child-epochs (the epoch cap), --controller-epochs,
# --samples-per-epoch and `nas export --ensemble`: few children, each trained from scratch
# to convergence.
IMAGE_MAX_EPOCHS = 30
IMAGE_CONTROLLER_EPOCHS = 3
IMAGE_SAMPLES_PER_EPOCH = 4
IMAGE_EXPORT_ENSEMBLE = 3
# The learning-rate schedule `nas export` retrains image members with (`--schedule`):
# "cosine" decays each member's searched rate to zero over its epochs; "constant" keeps
# it, as the search trained it (the two are compared by bench/image_export_variants.py).
IMAGE_EXPORT_SCHEDULE = "cosine"
# The schedules `nas export --schedule` offers (mlpnas.training.densefit.SCHEDULES).
EXPORT_SCHEDULES = ("constant", "cosine")
# The image spaces' default --max-macs ("auto"): a child may spend at most this many
# multiply-adds per input pixel on one image (28 x 28 images: about 19.6 million; the
# textbook CNN of bench/textbook.py spends about 5,400 per pixel). Larger children are
# logged, never trained: on a CPU they train for many minutes each.
IMAGE_MACS_PER_PIXEL = 25_000
# The image spaces' default --time-budget, in seconds: no child starts that would end past
# it (mlpnas.search.budget), so an image search on a CPU ends in about this time.
IMAGE_TIME_BUDGET = 900

# --- regression targets ---
# `--task auto`: a numeric label with more than this many distinct values is a regression
# target; a numeric label with 3..this many distinct values is classified, with a hint.
TASK_AUTO_MAX_CLASSES = 20
TASKS = ("auto", "classification", "regression")
# Regression splits are stratified on quantile bins of the target: at most this many
# bins, and at least REGRESSION_ROWS_PER_STRATUM rows per bin.
REGRESSION_STRATA = 10
REGRESSION_ROWS_PER_STRATUM = 20
# Fewest labelled rows a regression search accepts.
REGRESSION_MIN_ROWS = 20
# Leak check on a regression target: a column whose rank correlation with the target is
# at least this (in absolute value) reproduces it (dropped); one whose value groups alone
# reach this cross-validated R^2 is a suspected leak (kept, with a warning).
LEAK_REGRESSION_RANK_CORR = 0.999
LEAK_REGRESSION_NEAR_R2 = 0.95

# --- Controller elite (priority-queue training) ---
# The controller keeps the CONTROLLER_ELITE_SIZE best measured sequences and adds
# CONTROLLER_ELITE_WEIGHT * mean log pi(elite sequence) to its objective at every policy
# step (Abolafia et al. 2018); 0 turns it off. Chosen with bench/tune_rl.py.
CONTROLLER_ELITE_SIZE = 10
CONTROLLER_ELITE_WEIGHT = 0.3

# --- Screening with a cost proxy and local improvement (mlpnas/strategies/screening.py) ----
# Children the predictor must have been scored on before they trained (held out) before it
# may outrank the cost proxy (the log parameter count) in screening.
PREDICTOR_PROXY_MIN_HELDOUT = 30
# Steepest-ascent steps over one-token changes that screening takes from each policy draw
# on the ranking score; every sequence a climb scores becomes a candidate (0 = off).
SCREEN_CLIMB_STEPS = 6
# Uniformly random sequences that standardise the cost proxy (log cost mean and spread).
COST_REFERENCE_SAMPLES = 256
# Sequences whose one-token neighbours screening's climbs keep in memory (least recent out).
SCREEN_NEIGHBOUR_CACHE = 100_000
# Sequences that standardise the cost when each count builds a Keras model (no analytic count).
COST_REFERENCE_BUILDS = 16
