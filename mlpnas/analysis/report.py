"""`nas report`: one self-contained HTML page per event (images inline, no network). No TF."""

from __future__ import annotations

import base64
import html
import json
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable

import CONSTANTS as C
from mlpnas.analysis import plots
from mlpnas.analysis.predictor_quality import OUT_OF_SAMPLE, predictor_report
from mlpnas.analysis.summary import (choice_effects, choice_frequencies, epoch_means, event_setup,
                                    event_space, event_status, majority_rate, order_warning,
                                    require_children, top_n, trained)
from mlpnas.errors import NasError
from mlpnas.storage.events import Event

_STYLE = """body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;
text-align:left;font-size:.9em}th{background:#eee}img{max-width:100%}.note{color:#666}
code{font-size:.9em}"""


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=False)


def _fmt(value: Any) -> str:
    """Numbers to 4 decimals, None as a dash, the rest as text."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _table(headers: Iterable[str] | None, rows: Iterable[Iterable[Any]]) -> str:
    """An HTML table (no header row when `headers` is None)."""
    head = "" if headers is None else "<tr>" + "".join(f"<th>{_esc(h)}</th>"
                                                       for h in headers) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{_esc(_fmt(v))}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f"<table>{head}{body}</table>"


def _note(text: str) -> str:
    return f'<p class="note">{_esc(text)}</p>'


def _image(draw: Callable[[Path], Path]) -> str:
    """Render a plot into a temporary PNG and inline it as a data: URI."""
    with tempfile.TemporaryDirectory() as tmp:
        data = draw(Path(tmp) / "plot.png").read_bytes()
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def _guarded(build: Callable[[], str]) -> str:
    """A section body, or the one-line reason it cannot be shown (too few children...)."""
    try:
        return build()
    except NasError as exc:
        return _note(str(exc))


def _summary(event: Event, status: dict) -> str:
    ok = trained(event)
    best = max(ok, key=lambda e: e.val_accuracy)
    test = status.get("test_accuracy")
    seconds = status.get("elapsed_seconds")
    rate = majority_rate(event)
    setup = event_setup(event)
    return _table(None, [
        ("best validation accuracy", best.val_accuracy),
        ("majority-class rate (the figure to beat)", "not recorded" if rate is None else rate),
        ("test accuracy of the best child, as searched",
         "not recorded" if test is None else test),
        ("data / search space / strategy",
         f"{setup['dataset']} / {setup['space']} / {setup['strategy']}"),
        ("children trained", len(ok)), ("children failed", len(event.entries) - len(ok)),
        ("budget", status.get("budget", "not recorded")),
        ("status", status.get("status", "not recorded")
         + (f"; stopped early, {status['stop_reason']}" if status.get("stop_reason") else "")),
        ("wall time (s)", "not recorded" if seconds is None else f"{float(seconds):.1f}")]) + _note(
        "The test accuracy is of the best child as it was trained in the search; "
        "`nas export` retrains that architecture from scratch, so its figure differs.")


def _configuration(event: Event) -> str:
    if not event.config:
        return _note("not recorded (the log has no config.json)")
    settings = dict(event.config.get("config", {}))
    for key in ("strategy", "space", "seed", "command", "created", "versions"):
        settings.setdefault(key, event.config.get(key))
    # Settings print as written (no rounding): 1e-05 must not read as 0.0000.
    return (_note("Settings by their command-line option where there is one.")
            + _table(["setting", "value"],
                     [(_setting_label(k), v if isinstance(v, (list, dict)) else str(v))
                      for k, v in sorted(settings.items()) if v is not None]))


_OPTION_OF = {"use_predictor": "--predictor", "keep_columns": "--keep-column"}
# Recorded settings that no `nas search` option sets: shown in words.
_NOT_OPTIONS = {"command", "created", "versions", "controller_train_steps", "learning_rate",
                "batch_size", "dropout", "controller_lstm_dim", "controller_embedding_dim",
                "controller_learning_rate", "controller_loss_alpha", "baseline_decay",
                "entropy_weight", "temperature", "grad_clip"}


def _setting_label(key: str) -> str:
    """'--controller-epochs' for a setting a CLI option sets, plain words for the others."""
    if key in _NOT_OPTIONS:
        return key.replace("_", " ")
    return _OPTION_OF.get(key, "--" + key.replace("_", "-"))


_DATASET_LABELS = {"name": "data set", "kind": "kind", "classes": "classes",
                   "input_shape": "input shape", "rows": "rows (train / validation / test)",
                   "majority_rate": "majority-class rate (validation)",
                   "dropped_columns": "dropped columns", "missing_values": "missing values imputed",
                   "heldout_twins": "held-out rows repeating a training row",
                   "suspected_leaks": "suspected label leaks (kept)"}


def _dataset_value(key: str, value: Any) -> Any:
    if key == "rows" and isinstance(value, dict):
        return " / ".join(str(value.get(k, "?")) for k in ("train", "val", "test"))
    if key == "heldout_twins" and isinstance(value, dict):
        return f"{value.get('val', 0)} validation, {value.get('test', 0)} test"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value


def _dataset(event: Event) -> str:
    data = event.config.get("dataset")
    if not data:
        return _note("not recorded (the log has no dataset summary)")
    return _table(None, [(label, _dataset_value(k, data[k]))
                         for k, label in _DATASET_LABELS.items() if k in data])


def _progress(event: Event) -> str:
    warning = order_warning(event)
    return ((_note(warning) if warning else "")
            + _image(lambda p: plots.plot_accuracy(event, p))
            + _table(["controller epoch", "mean accuracy", "best accuracy"],
                     epoch_means(event, skip_failed=True)))


def _top(event: Event, n: int) -> str:
    rows = top_n(event, n)
    return _table(["rank", "child #", "validation accuracy", "predicted accuracy", "parameters",
                   "architecture"],
                  [(r["rank"], r["index"], r["val_accuracy"], r.get("predicted_accuracy"),
                    r.get("params"), r["description"]) for r in rows])


def _controller(event: Event) -> str:
    space = event_space(event)
    effects = choice_effects(event, space)
    frequencies = choice_frequencies(event, space)
    warning = order_warning(event)
    return ((_note(warning) if warning else "")
            + _image(lambda p: plots.plot_choice_heatmap(event, frequencies, p))
            + _note("effect: mean accuracy with the value minus without it; interval: "
                    f"bootstrap, {C.EFFECT_CONFIDENCE:.0%} family-wise; beyond noise: the interval "
                    f"excludes 0 and both groups have at least {C.EFFECT_MIN_GROUP} children")
            + _table(["choice", "value", "children", "mean accuracy", "best accuracy", "effect",
                      "interval", "beyond noise"],
                     [(r["choice"], r["value"], r["count"], r["mean"], r["best"], r["effect"],
                       None if r["interval"] is None else "[%.4f, %.4f]" % tuple(r["interval"]),
                       "yes" if r["beyond_noise"] else "") for r in effects]))


def _predictor(event: Event) -> str:
    report = predictor_report(event)
    rows = report["epochs"] + [{"epoch": "all", **report["all"]}]
    return (_note(f"Scored on {OUT_OF_SAMPLE}; MAE: mean absolute error, "
                  "tau: Kendall's tau-b between predicted and actual accuracy.")
            + _table(["controller epoch", "children scored", "MAE", "tau"],
                     [(r["epoch"], r["n"], r["mae"], r["tau"]) for r in rows])
            + _image(lambda p: plots.plot_predictor(event, p)))


def _pareto(event: Event) -> str:
    from mlpnas.analysis.fronts import front_summaries, pareto_rows

    rows = pareto_rows(event)
    summary = front_summaries([event])
    cost, ref, row = summary["cost"], summary["reference"], summary["events"][0]
    over = sum(1 for e in event.entries if e.over_limit)
    return (_note(f"Children no other child beats in both validation score and {cost} "
                  f"(cheapest first). Hypervolume {row['hypervolume']:.4f}: the area the "
                  f"front dominates on (score, log10 {cost}) up to the reference point "
                  f"(score {ref['val_accuracy']:.4f}, {cost} {ref['cost_value']:g}: the "
                  f"lowest score and twice the highest {cost} of this event)."
                  + (f" {over} children over a hard limit were not trained." if over else ""))
            + _image(lambda p: plots.plot_pareto(event, p))
            + _table(["child #", "validation score", "parameters", "size (bytes)",
                      "latency ms (batch 1)", "architecture"],
                     [(r["index"], r["val_accuracy"], r.get("params"), r.get("size_bytes"),
                       r.get("latency_ms"), r["description"]) for r in rows]))


def render_report(event: Event, top: int = C.REPORT_TOP_N) -> str:
    """The whole report as one HTML string."""
    require_children(event, C.REPORT_MIN_CHILDREN, "report")
    status = event_status(event)
    shown = min(top, len(trained(event)))
    sections = [  # results first, the configuration last
        ("Results", lambda: _summary(event, status)),
        (f"Top {shown} architecture{'s' if shown > 1 else ''}", lambda: _top(event, top)),
        ("Progress", lambda: _progress(event)),
        ("Accuracy against cost (Pareto front)", lambda: _pareto(event)),
        ("Accuracy distribution", lambda: _image(lambda p: plots.plot_distribution(event, p))),
        ("Controller analysis", lambda: _controller(event)),
        ("Predictor quality", lambda: _predictor(event)),
        ("Data", lambda: _dataset(event)),
        ("Configuration", lambda: _configuration(event)),
    ]
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    body = "".join(f"<h2>{_esc(title)}</h2>{_guarded(build)}" for title, build in sections)
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>nas report: {_esc(event.name)}</title><style>{_STYLE}</style></head>"
            f"<body><h1>nas report: {_esc(event.name)}</h1>"
            f"{_note(f'{event.path}, generated {stamp}')}"
            f"{body}</body></html>\n")


def write_report(event: Event, output: str | Path, top: int = C.REPORT_TOP_N) -> Path:
    """Write the report of `event` to `output` and return its path."""
    output = Path(output)
    text = render_report(event, top)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise NasError(f"cannot write {output}: {exc.strerror}") from None
    return output
