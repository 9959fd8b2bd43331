"""The `nas` command line: thin commands over the `mlpnas` library.

Commands that only read logs never import TensorFlow, so they answer at once.
Library errors (`NasError`) become one-line messages with a non-zero exit code.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import click

import CONSTANTS as C
from mlpnas.errors import NasError, SearchInterrupted
from mlpnas.spaces import SPACES
from mlpnas.storage import names
from mlpnas.strategies import STRATEGIES


class OneLineUsageError(click.ClickException):
    """A usage error shown as one line (click's own adds the usage text around it)."""

    exit_code = 2


class NasGroup(click.Group):
    """Click group that turns library errors into one-line messages (no traceback)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            raise OneLineUsageError(exc.format_message() + hint) from None
        except SearchInterrupted as exc:  # a requested stop, not an error
            click.echo(f"stopped: {exc}", err=True)
            raise click.exceptions.Exit(exc.exit_code) from None
        except NasError as exc:
            error = click.ClickException(str(exc))
            error.exit_code = exc.exit_code
            raise error from None
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise click.ClickException(f"{exc.filename or ''}: {reason}".strip(": ")) from None


def _show_warning(message, category, filename, lineno, file=None, line=None):
    kind = "note" if category.__name__ in ("DataNote", "EventNote") else "warning"
    click.echo(f"{kind}: {message}", err=True)


def _print_json(data) -> None:
    click.echo(json.dumps(data, indent=2))


def output_path(suffix: str):
    """A callback for --output options, the same everywhere: a name without an extension
    gets `suffix`, a folder that does not exist is refused (never created), and the
    command prints the path it wrote."""
    def check(ctx, param, value):
        if value is None or value == "-":
            return value
        path = Path(value)
        if not path.suffix:
            path = path.with_name(path.name + suffix)
        if not path.parent.is_dir():
            raise click.BadParameter(f"folder does not exist: {path.parent}")
        return path

    return check


def _output_option(default: str, suffix: str = ".png"):
    """--output FILE, with its default named in the help."""
    return click.option("--output", type=click.Path(dir_okay=False), default=None,
                        callback=output_path(suffix),
                        help=f"File to write (default: {default}); a name without an "
                             f"extension gets {suffix}.")


def _duration(ctx, param, value):
    """--time-budget: seconds from '90s', '30m', '2h', '1h30m' (None: not given, or none)."""
    from mlpnas.search.budget import parse_duration

    if value is None or value.strip().lower() == "none":
        return None
    try:
        return parse_duration(value)
    except NasError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None


def _max_macs(ctx, param, value):
    """--max-macs: a count, 'auto' or None ('none' or not given)."""
    from mlpnas.strategies.objectives import parse_max_macs

    if value is None:
        return None
    try:
        return parse_max_macs(value)
    except NasError as exc:
        raise click.BadParameter(str(exc).split(", got")[0].removeprefix("--max-macs ")) \
            from None


EVENT_OPTION = click.option("--event", default=None,
                            help="Event number (or eventN, or a folder); default: the highest.")
LOGS_OPTION = click.option("--logs-dir", default=C.LOGS_DIR, show_default=True,
                           type=click.Path(file_okay=False), help="Folder holding event<N>/.")
POSITIVE = click.IntRange(min=1)
COST_OPTION = click.option("--cost", type=click.Choice(list(C.COST_KEYS)), default=None,
                           help="The cost of the front (default: the search's --objective "
                                "cost, else params).")


@click.group(cls=NasGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nas", message="nas %(version)s")
def main() -> None:
    """Neural architecture search on Keras: an LSTM controller samples architectures,
    each child is trained briefly, and its validation accuracy teaches the controller.

    \b
    Examples:
      nas search --dataset wine                # built-in data, no download
      nas search --dataset wine-quality.csv --controller-epochs 5
      nas top-n 5                              # best architectures of the last search
      nas plot-accuracy                        # progress plot as a PNG
    """
    warnings.showwarning = _show_warning


@main.command()
@click.option("--dataset", default=C.DEFAULT_DATASET, show_default=True,
              help="CSV path, a file name in . or DATASETS/, or a built-in name "
                   f"({', '.join(C.BUILTIN_DATASETS)}).")
@click.option("--label", default=None, help="Target column (default: the last column).")
@click.option("--keep-column", "keep_columns", multiple=True, metavar="NAME",
              help="Keep a column even though it determines the label (repeatable).")
@click.option("--strategy", type=click.Choice(list(STRATEGIES)), default="rl",
              show_default=True, help="How architectures are proposed.")
@click.option("--controller-epochs", type=POSITIVE, default=C.CONTROLLER_SAMPLING_EPOCHS,
              show_default=True, help="Controller epochs (sample, train, update); "
                                      f"tabular space: {C.TABULAR_CONTROLLER_EPOCHS}; image spaces: "
                                      f"{C.IMAGE_CONTROLLER_EPOCHS}.")
@click.option("--samples-per-epoch", type=POSITIVE, default=C.SAMPLES_PER_CONTROLLER_EPOCH,
              show_default=True, help="Architectures trained per controller epoch; "
                                      f"tabular space: {C.TABULAR_SAMPLES_PER_EPOCH}; image spaces: "
                                      f"{C.IMAGE_SAMPLES_PER_EPOCH}.")
@click.option("--child-epochs", type=POSITIVE, default=C.ARCHITECTURE_TRAINING_EPOCHS,
              show_default=True, help="Training epochs of each child; tabular space: "
                                      f"at most {C.TABULAR_MAX_EPOCHS}, stopping once "
                                      "validation accuracy stops improving; image spaces "
                                      f"(cnn, cell): at most {C.IMAGE_MAX_EPOCHS}, likewise.")
@click.option("--max-layers", type=click.IntRange(min=2), default=C.MAX_ARCHITECTURE_LENGTH,
              show_default=True, help="Longest architecture, output layer included.")
@click.option("--one-shot/--no-one-shot", default=C.MLP_ONE_SHOT, show_default=True,
              help="Start children from the stored weights of matching layers "
                   "(the tabular and image spaces train every child from scratch).")
@click.option("--seed", type=int, default=C.SEED, show_default=True,
              help="Seed for the split, the controller and the children.")
@click.option("--task", type=click.Choice(list(C.TASKS)), default="auto", show_default=True,
              help="classification or regression of the label; auto: regression for a "
                   f"numeric label with more than {C.TASK_AUTO_MAX_CLASSES} distinct values "
                   "(see docs/regression.md).")
@click.option("--numeric-encoding", type=click.Choice(list(C.NUMERIC_ENCODINGS)),
              default=C.NUMERIC_ENCODINGS[0],
              help="Tabular data: numeric features standardized, or standardized plus a "
                   f"piecewise-linear encoding over {C.PIECEWISE_BINS} quantile bins "
                   f"[default: {C.TABULAR_NUMERIC_ENCODING} for the tabular space, "
                   f"{C.NUMERIC_ENCODINGS[0]} for mlp] (docs/tabular.md).")
@click.option("--objective", default=C.DEFAULT_OBJECTIVE, show_default=True,
              callback=lambda ctx, param, value: _check_objective(value),
              help="What to optimise: " + " | ".join(C.OBJECTIVES) + "; with a cost, a "
                   "Pareto search of the validation score against latency (batch 1, this "
                   "CPU) or parameters (docs/cost.md).")
@click.option("--max-params", type=POSITIVE, default=None, metavar="N",
              help="Hard limit: children with more parameters are logged, never trained.")
@click.option("--max-latency-ms", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="MS", help="Hard limit: children slower than this at batch 1 on this "
                                 "CPU are logged, never trained.")
@click.option("--max-macs", default=None, metavar="N", callback=_max_macs,
              help="Hard limit: children spending more multiply-adds on one input (20M, "
                   "5e6, 500k) are logged, never trained; auto (the image spaces' "
                   f"default): {C.IMAGE_MACS_PER_PIXEL:,} per input pixel; none: no limit.")
@click.option("--time-budget", default=None, metavar="DURATION", callback=_duration,
              help="Stop starting children that would not finish within this wall time "
                   "(90s, 30m, 2h, 1h30m); the search then finishes as usual. Image "
                   f"spaces default to {C.IMAGE_TIME_BUDGET // 60}m; none: no limit.")
@click.option("--patience", type=POSITIVE, default=None, metavar="N",
              help="Stop once the best validation score has not improved for N "
                   "controller epochs.")
@click.option("--scheduler", type=click.Choice(list(C.SCHEDULERS)), default=C.DEFAULT_SCHEDULER,
              show_default=True, help="full: every child trains --child-epochs; halving: "
                                      "successive halving, the best 1/eta of each rung "
                                      "train on (needs --no-one-shot).")
@click.option("--eta", type=click.IntRange(min=2), default=C.HALVING_ETA, show_default=True,
              help="Successive halving: epochs grow and survivors shrink by this factor.")
@click.option("--warm-start", default=None, metavar="EVENT",
              help="Prime the strategy with an earlier event's children (same data and "
                   "space); architectures it scored are not trained again.")
@click.option("--warm-start-retrain", is_flag=True, default=False,
              help="With --warm-start: train architectures the earlier event scored again.")
@LOGS_OPTION
# --- image spaces ---
@click.option("--space", type=click.Choice(list(SPACES)), default=C.DEFAULT_SPACE,
              show_default=True,
              help="Search space: " + "; ".join(f"{name}: {info.help}"
                                                for name, info in SPACES.items()) + ".")
@click.option("--subset", type=POSITIVE, default=None,
              help="Train on a stratified sample of this many images (image spaces).")
@click.option("--augment/--no-augment", default=False, show_default=True,
              help="Random flips and shifts of every child's training images "
                   "(image spaces; else each child's augment choice decides).")

# --- accuracy predictor and screening ---
@click.option("--predictor/--no-predictor", "use_predictor", default=C.CONTROLLER_USE_PREDICTOR,
              show_default=True, help="Hybrid controller: predict each child's accuracy "
                                      "before it trains (logged), learn from every child.")
@click.option("--screen", type=POSITIVE, default=C.SCREEN_FACTOR, show_default=True,
              help="Sample K times as many candidates as are trained; train the top "
                   "predicted ones (needs --predictor; 1 = off).")
@click.option("--screen-warmup", type=click.IntRange(min=0), default=C.SCREEN_WARMUP_EPOCHS,
              show_default=True, help="Controller epochs of plain sampling before screening.")

# --- evolution ---
@click.option("--population", type=POSITIVE, default=C.EVOLUTION_POPULATION, show_default=True,
              help="Evolution: population size P (the first P children are random).")
@click.option("--sample-size", type=POSITIVE, default=C.EVOLUTION_SAMPLE_SIZE,
              show_default=True, help="Evolution: tournament size S (best of S is mutated).")

# --- where children run ---
@click.option("--workers", type=POSITIVE, default=C.WORKERS, show_default=True,
              help="Worker processes training the children of a controller epoch "
                   "(with --ray-address: Ray tasks at a time).")
@click.option("--ray-address", default=C.RAY_ADDRESS, metavar="ADDRESS",
              help="Train children as tasks on this Ray cluster ('auto', 'ray://host:port'); "
                   "needs the ray extra.")

# --- resume, failures, TensorBoard ---
@click.option("--resume", is_flag=False, flag_value="", default=None, metavar="[EVENT]",
              help="Continue an interrupted search (default: the highest event) with its "
                   "stored configuration; only --controller-epochs may extend it.")
@click.option("--max-consecutive-failures", type=POSITIVE, default=C.MAX_CONSECUTIVE_FAILURES,
              show_default=True, help="Stop after this many failed children in a row.")
@click.option("--tensorboard/--no-tensorboard", default=False, show_default=True,
              help=f"Write TensorBoard scalars per controller epoch to "
                   f"<event>/{names.TENSORBOARD_DIR}.")

def search(**options) -> None:
    """Search architectures for a data set; every trained child is logged at once.

    \b
    Examples:
      nas search --dataset wine
      nas search --dataset wine-quality.csv --label quality_label --seed 1
      nas search --dataset data.csv --controller-epochs 2 --samples-per-epoch 3
      nas search --resume                      # continue the highest event
      nas search --resume 3 --controller-epochs 20   # continue event 3, longer
      nas search --dataset data.csv --time-budget 30m --patience 3
      nas search --dataset data.csv --scheduler halving --samples-per-epoch 9
      nas search --dataset data.csv --warm-start 3 --seed 1
      nas search --space cnn --dataset digits --max-layers 3
      nas search --space cell --dataset /usr/share/datasets/fashion-mnist --subset 2000
    """
    from mlpnas.search.checkpoint import resume_config
    from mlpnas.config import SearchConfig
    from mlpnas.data import describe_data, load_search_dataset
    from mlpnas.spaces import with_space_defaults

    resume, event_dir = options.pop("resume"), None
    if resume is None:
        config = SearchConfig.from_options(
            with_space_defaults(options, _explicit_options(options)))
        if config.warm_start:
            from mlpnas.storage import resolve_event

            config = config.with_changes(
                warm_start=str(resolve_event(config.logs_dir, config.warm_start)))
    else:
        config, event_dir = resume_config(options["logs_dir"], resume, options,
                                          _explicit_options(options), _option_names())
    _warn_unused_options(config)
    # Bad data fails here, before TensorFlow is imported or an event folder is made.
    # The data's warnings follow the line that says which task the search runs.
    with warnings.catch_warnings(record=True) as caught:
        try:
            data = load_search_dataset(config)
        except NasError:
            _replay(caught)
            raise
    lines = describe_data(data, config.budget)
    if lines[0].startswith("task:"):
        click.echo(lines.pop(0), err=True)
    _replay(caught)
    for line in lines:
        click.echo(line, err=True)
    try:  # Ctrl-C while TensorFlow loads; the search handles it once it runs
        from mlpnas.search.loop import MLPNAS

        nas = MLPNAS(config, dataset=data, progress=click.echo, resume=event_dir,
                     on_event=lambda path: click.echo(f"event: {path}"))
        result = nas.search()
    except KeyboardInterrupt:
        raise SearchInterrupted("interrupted before the search started") from None
    _print_summary(result, nas)


def _replay(caught: list) -> None:
    """Show warnings recorded by `warnings.catch_warnings(record=True)`."""
    for w in caught:
        _show_warning(w.message, w.category, w.filename, w.lineno)


def _check_objective(value: str) -> str:
    """An --objective value as given, or a one-line usage error."""
    from mlpnas.strategies.objectives import parse_objective

    try:
        parse_objective(value)
    except NasError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _warn_unused_options(config) -> None:
    """One warning naming options that the chosen space ignores."""
    from mlpnas.spaces import reads_images

    if reads_images(config.space):
        if config.numeric_encoding != C.NUMERIC_ENCODINGS[0]:
            click.echo("warning: --numeric-encoding applies only to tabular data; ignored "
                       f"for --space {config.space}", err=True)
        return
    unused = [name for name, used in (("--subset", config.subset is not None),
                                      ("--augment", config.augment)) if used]
    if unused:
        click.echo(f"warning: {' and '.join(unused)} apply only to image spaces (--space cnn, "
                   f"cell); ignored for tabular data with --space {config.space}", err=True)


def _option_names() -> dict:
    """Parameter name -> the option a user types (use_predictor -> --predictor)."""
    params = click.get_current_context().command.params
    return {p.name: p.opts[0] for p in params if p.opts}


def _explicit_options(options: dict) -> set:
    """Names of the options the user gave on the command line (not defaults)."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    return {name for name in options
            if ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT,
                                                      ParameterSource.DEFAULT_MAP, None)}


def _print_summary(result, nas) -> None:
    from mlpnas.analysis.summary import metric_name, row_score, top_n, yardstick
    from mlpnas.storage.events import load_event

    event = load_event(result.event_dir.parent, result.event_dir.name)
    click.echo(f"\nevent: {result.event_dir}")
    if all(e.failed for e in event.entries):
        skipped = sum(1 for e in event.entries if e.over_limit)
        click.echo(f"no child trained ({skipped} of {len(event.entries)} over a hard limit, "
                   "the rest failed): nothing to rank")
        return
    click.echo(f"{metric_name(event)} ({yardstick(event)}):")
    for row in top_n(event, C.TOP_N):
        click.echo(f"  {row['rank']}. {row_score(row)}  {row['description']}")
    if nas.objective.cost is not None:  # a Pareto search: its front too
        _print_front(event, None, False)
    if result.test_accuracy is not None:
        test = "R^2" if nas.dataset.task == "regression" else "accuracy"
        click.echo(f"best child's test {test}: {result.test_accuracy:.4f} "
                   f"(validation {result.best_val_accuracy:.4f}): the searched child as trained "
                   "in the search; `nas export` retrains it from scratch on train + validation, "
                   "so its figure differs")


@main.command("top-n")
@click.argument("n", type=POSITIVE, default=C.TOP_N)
@EVENT_OPTION
@LOGS_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.option("--pareto", is_flag=True,
              help="List the Pareto front instead: every child that no other beats in both "
                   "validation score and cost, cheapest first (N is then ignored).")
@COST_OPTION
def top_n_command(n, event, logs_dir, as_json, pareto, cost) -> None:
    """The N best architectures of an event, best first.

    \b
    Examples:
      nas top-n 5
      nas top-n 10 --event 3 --json
      nas top-n 5 --logs-dir ../shared/datasets/mlpnas-logs --event 1051
      nas top-n --pareto                       # score against the search's cost
      nas top-n --pareto --cost latency --json
    """
    from mlpnas.analysis.summary import event_title, metric_name, row_score, top_n, yardstick
    from mlpnas.storage.events import load_event

    ev = load_event(logs_dir, event)
    if pareto:
        _print_front(ev, cost, as_json)
        return
    rows = top_n(ev, n)
    if as_json:
        _print_json(rows)
        return
    click.echo(f"{event_title(ev)}; {metric_name(ev)}, {yardstick(ev)}")
    for row in rows:
        pred = row.get("predicted_accuracy")
        extra = f"  (predicted {pred:.4f})" if pred is not None else ""
        click.echo(f"{row['rank']:>3}. {row_score(row)}{extra}  {row['description']}")


def _print_front(ev, cost, as_json) -> None:
    """The Pareto front of an event as a table or JSON."""
    from mlpnas.analysis.fronts import pareto_rows
    from mlpnas.analysis.summary import event_title

    rows = pareto_rows(ev, cost)
    if as_json:
        _print_json(rows)
        return
    name = rows[0]["cost"]
    click.echo(f"{event_title(ev)}; Pareto front of validation score against {name}, "
               "cheapest first")
    for row in rows:
        click.echo(f"  {row['val_accuracy']:.4f}  {name} {row['cost_value']:<10g} "
                   f"#{row['index']}  {row['description']}")


@main.command("plot-accuracy")
@EVENT_OPTION
@LOGS_OPTION
@_output_option(f"<event>/{C.PLOT_ACCURACY_FILE}")
def plot_accuracy_command(event, logs_dir, output) -> None:
    """Plot validation accuracy (regression: R^2) per child, the running best and the
    per-epoch mean.

    \b
    Examples:
      nas plot-accuracy
      nas plot-accuracy --event 2 --output progress.png
    """
    from mlpnas.storage.events import load_event
    from mlpnas.analysis.plots import plot_accuracy

    ev = load_event(logs_dir, event)
    click.echo(str(plot_accuracy(ev, output or ev.path / C.PLOT_ACCURACY_FILE)))


@main.command("plot-pareto")
@EVENT_OPTION
@LOGS_OPTION
@COST_OPTION
@_output_option(f"<event>/{C.PARETO_PLOT_FILE}")
def plot_pareto_command(event, logs_dir, cost, output) -> None:
    """Plot validation score against a cost (log axis) with the Pareto front highlighted.

    \b
    Examples:
      nas plot-pareto
      nas plot-pareto --event 2 --cost latency --output front.png
    """
    from mlpnas.analysis.plots import plot_pareto
    from mlpnas.storage.events import load_event

    ev = load_event(logs_dir, event)
    click.echo(str(plot_pareto(ev, output or ev.path / C.PARETO_PLOT_FILE, cost)))


# --- analysis commands -----------------------------------------------------------------------

def _load_with_output(logs_dir, event, output, default_file):
    """The event, and where to write: --output, or `default_file` in the event folder."""
    from mlpnas.storage.events import load_event

    ev = load_event(logs_dir, event)
    return ev, output or ev.path / default_file


def _warn_order(event) -> None:
    from mlpnas.analysis.summary import order_warning

    warning = order_warning(event)
    if warning:
        click.echo(f"warning: {warning}", err=True)


@main.command("plot-distribution")
@EVENT_OPTION
@LOGS_OPTION
@_output_option(f"<event>/{C.DISTRIBUTION_PLOT_FILE}")
def plot_distribution_command(event, logs_dir, output) -> None:
    """Histogram of the children's validation accuracy or R^2 (1-point bins, % of
    architectures).

    \b
    Examples:
      nas plot-distribution
      nas plot-distribution --event 2 --output dist.png
    """
    from mlpnas.analysis.plots import plot_distribution

    ev, path = _load_with_output(logs_dir, event, output, C.DISTRIBUTION_PLOT_FILE)
    click.echo(str(plot_distribution(ev, path)))


@main.command()
@EVENT_OPTION
@LOGS_OPTION
@_output_option(f"<event>/{C.CHOICES_PLOT_FILE}")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def analyze(event, logs_dir, output, as_json) -> None:
    """What the controller chose per epoch (table + heat-map) and which choices mattered.

    With a status.json from this version, also the policy update's KL divergence and the
    distinct architectures evaluated so far, per epoch.

    \b
    Examples:
      nas analyze
      nas analyze --event 3 --json
      nas analyze --logs-dir ../shared/datasets/mlpnas-logs --event 1051
    """
    from mlpnas.analysis.policy import policy_table, policy_updates
    from mlpnas.analysis.summary import (choice_effects, choice_frequencies, event_space,
                                        metric_name)
    from mlpnas.analysis.plots import plot_choice_heatmap
    from mlpnas.analysis.text import effects_table, frequency_table

    ev, path = _load_with_output(logs_dir, event, output, C.CHOICES_PLOT_FILE)
    space = event_space(ev)
    effects = choice_effects(ev, space)
    freqs = choice_frequencies(ev, space)
    path = plot_choice_heatmap(ev, freqs, path)
    _warn_order(ev)
    policy = policy_updates(ev.path)
    if as_json:
        _print_json({"event": ev.name, "frequencies": freqs, "effects": effects,
                     "policy": policy, "plot": str(path)})
        return
    click.echo(frequency_table(freqs) + "\n\n" + effects_table(effects, metric_name(ev, True)))
    if policy_table(policy):
        click.echo("\nStrategy per epoch (KL of the policy update, distinct architectures "
                   "so far):\n" + policy_table(policy))
    click.echo(str(path))


@main.command()
@click.argument("events", nargs=-1, required=True)
@LOGS_OPTION
@_output_option(f"<logs-dir>/{C.COMPARE_PLOT_FILE}")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--pareto", is_flag=True,
              help="Compare Pareto fronts instead: front size, best score, hypervolume (one "
                   "reference point for all) and the cheapest child within "
                   f"{C.PARETO_SCORE_TOLERANCE:g} of each event's best.")
@COST_OPTION
def compare(events, logs_dir, output, as_json, pareto, cost) -> None:
    """Running best and per-epoch mean of several events, in the order given.

    \b
    Examples:
      nas compare 1 2                 # e.g. RL against random
      nas compare 3 4 5 --json --output rl-vs-random.png
      nas compare 1 2 --pareto --cost params   # accuracy-only against a Pareto search
    """
    if pareto:
        _compare_fronts(events, logs_dir, cost, as_json)
        return
    from mlpnas.analysis.summary import compare_rows
    from mlpnas.storage.events import load_event
    from mlpnas.analysis.plots import plot_compare
    from mlpnas.analysis.text import compare_table

    evs = [load_event(logs_dir, e) for e in events]
    rows = compare_rows(evs)
    path = plot_compare(evs, output or Path(logs_dir) / C.COMPARE_PLOT_FILE)
    for ev in evs:
        _warn_order(ev)
    from mlpnas.analysis.summary import compare_warning

    if compare_warning(evs):
        click.echo(f"warning: {compare_warning(evs)}", err=True)
    if as_json:
        _print_json({"events": rows, "plot": str(path)})
        return
    click.echo(compare_table(rows))
    click.echo(str(path))


def _compare_fronts(events, logs_dir, cost, as_json) -> None:
    """`nas compare --pareto`: the fronts of several events side by side."""
    from mlpnas.analysis.fronts import front_summaries
    from mlpnas.analysis.text import fronts_table
    from mlpnas.storage.events import load_event

    summary = front_summaries([load_event(logs_dir, e) for e in events], cost)
    if as_json:
        _print_json(summary)
    else:
        click.echo(fronts_table(summary))


@main.command()
@EVENT_OPTION
@LOGS_OPTION
@_output_option(f"<event>/{C.REPORT_FILE}", ".html")
@click.option("--top", type=POSITIVE, default=C.REPORT_TOP_N, show_default=True,
              help="Architectures listed.")
def report(event, logs_dir, output, top) -> None:
    """One self-contained HTML report of an event (plots inline; opens offline).

    \b
    Examples:
      nas report
      nas report --event 2 --output search2.html
    """
    from mlpnas.analysis.report import write_report

    ev, path = _load_with_output(logs_dir, event, output, C.REPORT_FILE)
    click.echo(str(write_report(ev, path, top)))


# --- predictor quality commands ---------------------------------------------------------------

@main.command("predictor-report")
@EVENT_OPTION
@LOGS_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def predictor_report_command(event, logs_dir, as_json) -> None:
    """MAE and Kendall's tau of the accuracy predictor per controller epoch.

    Only children the predictor had not been trained on yet are scored.

    \b
    Examples:
      nas predictor-report
      nas predictor-report --event 2 --json
      nas predictor-report --logs-dir ../shared/datasets/mlpnas-logs --event 1051
    """
    from mlpnas.storage.events import load_event
    from mlpnas.analysis.predictor_quality import format_report, predictor_report

    report = predictor_report(load_event(logs_dir, event))
    if as_json:
        _print_json(report)
        return
    click.echo("\n".join(format_report(report)))


@main.command("plot-predictor")
@EVENT_OPTION
@LOGS_OPTION
@_output_option(f"<event>/{C.PLOT_PREDICTOR_FILE}")
def plot_predictor_command(event, logs_dir, output) -> None:
    """Plot predicted (x) against actual (y) accuracy, coloured by controller epoch.

    Only children the predictor had not been trained on yet are drawn, as in
    `nas predictor-report` and the report.

    \b
    Examples:
      nas plot-predictor
      nas plot-predictor --logs-dir ../shared/datasets/mlpnas-logs --event 1051 --output p.png
    """
    from mlpnas.storage.events import load_event
    from mlpnas.analysis.plots import plot_predictor

    ev = load_event(logs_dir, event)
    click.echo(str(plot_predictor(ev, output or ev.path / C.PLOT_PREDICTOR_FILE)))


# --- events, export, predict --------------------------------------------------------------

@main.command("events")
@LOGS_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def events_command(logs_dir, as_json) -> None:
    """List the events of a logs folder: dataset, space, strategy, progress, best, status.

    \b
    Examples:
      nas events
      nas events --logs-dir ../shared/datasets/mlpnas-logs --json
    """
    from mlpnas.storage.listing import format_events, list_events

    rows = list_events(logs_dir)
    if as_json:
        _print_json(rows)
    elif rows:
        click.echo("\n".join(format_events(rows)))
    if not rows:
        click.echo(f"no events in {logs_dir} yet: `nas search` writes one there", err=True)


@main.command("export")
@EVENT_OPTION
@LOGS_OPTION
@click.option("--rank", type=POSITIVE, default=C.EXPORT_RANK, show_default=True,
              help="Which architecture: 1 = best validation accuracy.")
@click.option("--epochs", type=POSITIVE, default=None,
              help="Training epochs (default: the best epoch the search found for the "
                   "architecture, else the event's --child-epochs).")
@click.option("--ensemble", type=POSITIVE, default=None,
              help="Average the probabilities of K models: the architecture of --rank and "
                   "the next K-1 distinct ones, each retrained (default: "
                   f"{C.TABULAR_EXPORT_ENSEMBLE} for the tabular space, {C.IMAGE_EXPORT_ENSEMBLE} "
                   f"for cnn and cell, at most as many as it found; else {C.EXPORT_ENSEMBLE}).")
@click.option("--same-architecture", is_flag=True,
              help="With --ensemble K: K seeds of the --rank architecture instead.")
@click.option("--output", required=True, type=click.Path(dir_okay=False),
              help="The .keras file to write.")
@click.option("--format", "formats", type=click.Choice(list(C.EXPORT_FORMATS)), multiple=True,
              help="Also write the network as a TensorFlow SavedModel (<name>_savedmodel/), "
                   "TensorFlow Lite (<name>.tflite) or ONNX (<name>.onnx, needs the onnx "
                   "extra); repeatable. The .keras file is always written (nas predict).")
@click.option("--all-rows/--no-all-rows", default=None,
              help="After the test, retrain the same members on every row (the test split "
                   "included) and save those; the test figure estimates them "
                   "(conservatively). Default: on for tabular data, off for image spaces "
                   "(--no-all-rows saves the tested model).")
@click.option("--schedule", type=click.Choice(list(C.EXPORT_SCHEDULES)), default=None,
              help="The learning-rate schedule of the retraining: cosine decays the searched "
                   "rate to zero over the epochs, constant keeps it (default: "
                   f"{C.IMAGE_EXPORT_SCHEDULE} for cnn and cell; else each architecture's own, "
                   "as its search trained it).")
def export_command(event, logs_dir, rank, epochs, ensemble, same_architecture, output,
                   formats, all_rows, schedule) -> None:
    """Retrain an architecture from scratch on train + validation, report its test
    accuracy, and save it with its preprocessing (a .keras file for `nas predict`).
    For tabular data the saved model is then retrained on every row (--all-rows).

    \b
    Examples:
      nas export --output model.keras
      nas export --event 3 --rank 2 --epochs 30 --output second.keras
      nas export --ensemble 3 --output ensemble.keras
      nas export --format savedmodel --format tflite --output model.keras
      nas export --no-all-rows --output tested.keras
      nas export --schedule constant --output as-searched.keras
    """
    from mlpnas.export import export_model

    r = export_model(logs_dir, event, output, rank, epochs, ensemble, same_architecture,
                     formats or ("keras",), all_rows, schedule)
    word = "accuracy" if r.test_metrics is None else "R^2"
    for m in r.members:
        click.echo(f"architecture: {m['description']} (validation {word} in the search "
                   f"{m['search_val_accuracy']:.4f}, with the weights it trained in the search)")
        click.echo(f"retrained from scratch for {m['epochs']} epochs on {r.train_rows} rows of "
                   f"{r.dataset} (train + validation: the same split as the search, test "
                   "held out)"
                   + (f", seed {m['seed']}" if len(r.members) > 1 else "")
                   + (f", {m['schedule']} learning rate" if m.get("schedule") else ""))
    if len(r.members) > 1:
        click.echo(f"ensemble: the mean {'probability' if r.test_metrics is None else 'prediction'} "
                   f"of {len(r.members)} models")
    rate = "" if r.test_majority_rate is None else f"; majority-class rate {r.test_majority_rate:.4f}"
    if r.test_metrics is None:
        click.echo(f"test accuracy: {r.test_accuracy:.4f} ({r.test_rows} rows{rate}): the "
                   "retrained model, so it differs from the search's figure for the same "
                   "architecture")
    else:
        from mlpnas.data.target import describe_metrics

        click.echo(f"test {describe_metrics(r.test_metrics['model'])} ({r.test_rows} rows; "
                   f"predicting the training mean: {describe_metrics(r.test_metrics['mean'])}):"
                   " the retrained model, in the label's units")
    if r.all_rows:
        click.echo(f"saved model: the same {_members(len(r.members))} retrained on all "
                   f"{r.saved_rows} rows (test included), so the test figure above estimates "
                   "it conservatively (--no-all-rows: save the tested model)")
    click.echo(f"saved: {r.path}")
    for extra in r.formats:
        click.echo(f"saved: {extra} (the network alone: preprocessed float32 inputs)")


def _members(n: int) -> str:
    return "model" if n == 1 else f"{n} models"


@main.command("predict")
@click.option("--model", "model_path", required=True, type=click.Path(dir_okay=False),
              help="A .keras file written by `nas export`.")
@click.option("--data", "data_path", required=True, type=click.Path(),
              help="Tabular model: a CSV with (at least) the columns it was trained on. Image "
                   "model: a folder of images, an IDX images file, an IDX folder or a CIFAR-10 "
                   "archive or folder.")
@click.option("--proba", is_flag=True, help="Add one probability column per class.")
@click.option("--output", default="-", show_default=True, callback=output_path(".csv"),
              type=click.Path(dir_okay=False, allow_dash=True),
              help="CSV to write ('-': standard output); a name without an extension gets .csv.")
def predict_command(model_path, data_path, proba, output) -> None:
    """Predict labels with an exported model: for the rows of a CSV, or for images
    (one row per image file, or per image of an IDX file or archive).

    \b
    Examples:
      nas predict --model model.keras --data new.csv
      nas predict --model model.keras --data new.csv --proba --output predictions.csv
      nas predict --model cnn.keras --data photos/
    """
    from mlpnas.export import predict_file

    frame = predict_file(model_path, data_path, proba)
    text = frame.to_csv(index=False)
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text)
        click.echo(f"{len(frame)} predictions written to {output}", err=True)


@main.command("bench")
@click.option("--benchmark", default=C.BENCH_DEFAULT, show_default=True,
              help="Table to search (see --list), e.g. nb201-cifar100, hpobench-australian.")
@click.option("--strategies", default=",".join(C.BENCH_STRATEGIES), show_default=True,
              help=f"Comma-separated strategies to compare ({', '.join(STRATEGIES)}; largest: "
                   "the table's largest models first, where it records model sizes).")
@click.option("--budget", type=POSITIVE, default=C.BENCH_BUDGET, show_default=True,
              help="Evaluations (table look-ups) per search.")
@click.option("--seeds", type=POSITIVE, default=C.BENCH_SEEDS, show_default=True,
              help="Searches per strategy, with seeds --seed, --seed+1, ...")
@click.option("--seed", type=int, default=C.SEED, show_default=True, help="First seed.")
@click.option("--samples-per-epoch", type=POSITIVE, default=C.SAMPLES_PER_CONTROLLER_EPOCH,
              show_default=True, help="Sequences asked for at a time (controller batch).")
@click.option("--population", type=POSITIVE, default=C.EVOLUTION_POPULATION,
              show_default=True, help="Evolution: population size P.")
@click.option("--sample-size", type=POSITIVE, default=C.EVOLUTION_SAMPLE_SIZE,
              show_default=True, help="Evolution: tournament size S.")
@click.option("--jobs", type=POSITIVE, default=C.BENCH_JOBS, show_default=True,
              help="Worker processes (searches run in parallel over seeds).")
@click.option("--reevaluate", type=click.IntRange(min=0), default=0, show_default=True,
              help="Pick the incumbent among the K best observed candidates by their mean "
                   "over all of the table's recorded runs (re-running the top K; 0 = off).")
@click.option("--screen", type=POSITIVE, default=C.SCREEN_FACTOR, show_default=True,
              help="rl: sample this many times more candidates and evaluate the best "
                   "predicted ones (needs --predictor; 1 = off), as in nas search.")
@click.option("--screen-warmup", type=click.IntRange(min=0), default=C.BENCH_SCREEN_WARMUP,
              show_default=True, help="Batches of plain sampling before screening starts.")
@click.option("--predictor/--no-predictor", "use_predictor", default=False,
              help="rl: train the accuracy predictor (needed by --screen).")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              callback=output_path(".png"),
              help="Anytime regret PNG (default: <logs-dir>/"
                   f"{C.BENCH_PLOT_FILE.format(benchmark='<benchmark>')}); a name without an "
                   "extension gets .png.")
@LOGS_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--list", "list_only", is_flag=True, help="List the benchmark tables and exit.")
def bench_command(benchmark, strategies, budget, seeds, seed, samples_per_epoch, population,
                  sample_size, jobs, reevaluate, screen, screen_warmup, use_predictor, plot,
                  logs_dir, as_json, list_only) -> None:
    """Compare search strategies on tabulated benchmarks (a table look-up is the reward).

    Needs the bench extra: pip install 'nas[bench]'. Progress goes to stderr.

    \b
    Examples:
      nas bench --list
      nas bench --benchmark nb201-cifar10 --strategies rl,random,evolution --budget 200 --seeds 20
      nas bench --benchmark hpobench-australian --budget 100 --seeds 5 --json
      nas bench --strategies rl,largest --budget 25 --predictor --screen 20 --seeds 50
    """
    from pathlib import Path

    from mlpnas.benchmarks import runner as B
    from mlpnas.config import SearchConfig
    from mlpnas.analysis.plots import plot_regret
    from mlpnas.benchmarks.tables import describe_benchmarks

    if list_only:
        for line in describe_benchmarks():
            click.echo(line)
        return
    config = SearchConfig(samples_per_epoch=samples_per_epoch, population=population,
                          sample_size=sample_size, screen=screen, screen_warmup=screen_warmup,
                          use_predictor=use_predictor)
    names = B.parse_strategies(strategies)
    B.check_bench_screening(config, names)
    result = B.run_bench(benchmark, names, budget, list(range(seed, seed + seeds)), config, jobs,
                         progress=lambda line: click.echo(line, err=True), reevaluate=reevaluate)
    output = plot or Path(logs_dir) / C.BENCH_PLOT_FILE.format(benchmark=benchmark)
    png = plot_regret(result.regret, output, f"{benchmark}: anytime regret", result.unit)
    if as_json:
        _print_json(B.summarize(result))
        click.echo(f"regret plot: {png}", err=True)
        return
    for line in B.format_summary(result):
        click.echo(line)
    click.echo(f"regret plot: {png}")


if __name__ == "__main__":
    sys.exit(main())
