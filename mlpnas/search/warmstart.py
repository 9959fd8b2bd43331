"""Start a new search from what an earlier event learned (`--warm-start EVENT`). No TensorFlow.

The earlier event must have searched the same data (the raw data's fingerprint) in the
same search space (name and the settings that shape its vocabulary); otherwise the search
is refused in one line before it opens an event folder. Its full-fidelity children
(trained, not stopped early by successive halving) then:

- prime the strategy through `tell`, one call per earlier controller epoch, in order:
  evolution's population, local search's centre, the controller's policy and predictor
  learn from the earlier (sequence, score) pairs;
- are not trained again: a sampled architecture the earlier event scored reuses that
  score (the epoch's plan counts it as reused), unless --warm-start-retrain.

The seed, the budget, the strategy and the scheduler may differ from the earlier event's.
config.json records the event and how many pairs primed the search.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path

from mlpnas import storage
from mlpnas.config import SearchConfig
from mlpnas.errors import NasError
from mlpnas.spaces import space_info
from mlpnas.storage import names

# SearchConfig field -> the space constructor's argument it sets.
_SPACE_SETTINGS = {"max_layers": "max_length", "dropout": "dropout"}


@dataclass(frozen=True)
class WarmStart:
    """The earlier event's full-fidelity (sequence, score) pairs, by controller epoch."""

    event_dir: Path
    groups: list[tuple[list[list[int]], list[float]]]

    def known(self) -> dict[tuple[int, ...], float]:
        """Each scored architecture's best score."""
        out: dict[tuple[int, ...], float] = {}
        for seqs, scores in self.groups:
            for seq, score in zip(seqs, scores):
                out[tuple(seq)] = max(score, out.get(tuple(seq), score))
        return out

    def prime(self, search) -> None:
        """Tell the strategy the earlier pairs; remember their scores; record it."""
        for seqs, scores in self.groups:
            search.strategy.tell(seqs, scores)
        search._warm_known = self.known()
        info = search.writer.read_config()
        info["warm_start"] = {"event": str(self.event_dir),
                              "pairs": sum(len(s) for s, _ in self.groups),
                              "retrain": bool(search.config.warm_start_retrain)}
        search.writer.write_config(info)
        search._checkpoint()


def _space_settings(space: str, config: SearchConfig) -> dict:
    """The settings of `config` that shape the vocabulary of `space`."""
    params = inspect.signature(space_info(space).space.__init__).parameters
    return {field: getattr(config, field) for field, arg in _SPACE_SETTINGS.items()
            if arg in params}


def check_compatible(event_dir: Path, recorded: dict, dataset: dict,
                     config: SearchConfig) -> None:
    """One-line refusal when the earlier event's data or search space differs."""
    old_data = recorded.get("dataset", {}).get("fingerprint")
    if old_data != dataset.get("fingerprint"):
        raise NasError(f"--warm-start: {event_dir.name} searched other data "
                       f"({recorded.get('dataset', {}).get('name')}, fingerprint {old_data}; "
                       f"this search: {dataset.get('name')}, {dataset.get('fingerprint')})")
    old = SearchConfig.from_dict(recorded.get("config", {}))
    if recorded.get("space", old.space) != config.space:
        raise NasError(f"--warm-start: {event_dir.name} searched the {old.space} space, "
                       f"this search the {config.space} space")
    before, now = _space_settings(config.space, old), _space_settings(config.space, config)
    changed = [f"--{k.replace('_', '-')} {before[k]} -> {now[k]}" for k in now
               if before[k] != now[k]]
    if changed:
        raise NasError(f"--warm-start: {event_dir.name} searched another {config.space} "
                       f"space ({', '.join(changed)})")


def load(event_dir: Path, dataset: dict, config: SearchConfig) -> WarmStart:
    """The earlier event's pairs, after checking it searched the same data and space."""
    event_dir = Path(event_dir)
    if not (event_dir / names.CONFIG_FILE).exists():
        raise NasError(f"--warm-start: {event_dir} is not an event folder (no "
                       f"{names.CONFIG_FILE})")
    check_compatible(event_dir, storage.read_json(event_dir / names.CONFIG_FILE), dataset,
                     config)
    groups: dict = {}
    for entry in storage.read_log(event_dir / names.LOG_FILE):
        if entry.failed or entry.meta.get("stopped_early"):
            continue
        seqs, scores = groups.setdefault(entry.controller_epoch or 0, ([], []))
        seqs.append(list(entry.tokens))
        scores.append(entry.val_accuracy)
    if not groups:
        raise NasError(f"--warm-start: {event_dir.name} has no trained children to start from")
    return WarmStart(event_dir, [groups[k] for k in sorted(groups)])


def prepare(search) -> WarmStart | None:
    """The search's warm start (None without --warm-start); refused before any folder opens."""
    if not search.config.warm_start:
        return None
    return load(Path(search.config.warm_start), search.dataset.summary(), search.config)
