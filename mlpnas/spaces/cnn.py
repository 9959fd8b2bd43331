"""The layer-by-layer CNN search space of Zoph & Le (2016), as tokens. No TensorFlow.

The encoding (defined here and nowhere else)
--------------------------------------------
One global vocabulary; every token has a kind, and each step of a sequence allows only
the tokens of that step's kind (the controller masks its softmax with `valid_next`, so
each choice is its own softmax step, never a scaled real number). With the defaults:

    ids  1..4   kernel size           1, 3, 5, 7
    ids  5..9   filters               16, 24, 32, 48, 64
    ids 10..11  stride                1, 2
    ids 12..13  max-pool after it     none, 2x2
    ids 14..15  skip decision         no, yes
    id  16      end of the network

Layer i (counted from 0) is the group of tokens

    kernel  filters  stride  pool  skip(i, 0) ... skip(i, i-1)

where skip(i, j) says whether the output of layer j feeds layer i (Zoph & Le 3.3; the
controller draws it from a sigmoid over the two layers' hidden states, see
`skip_anchors`). The end token may stand where a kernel token would start layer 1 or
later, and must stand there after `max_layers` layers; a sequence is complete when it
ends with it. So a network of L layers has 4L + L(L-1)/2 + 1 tokens.

What the tokens mean (the generator in mlpnas.training.cnn builds exactly this): layer 0 reads
the image; layer i >= 1 reads the concatenation (along channels) of the layers j whose
skip(i, j) is 'yes', or the previous layer when none is. Inputs are matched to the size
of the previous layer's output: larger maps are max-pooled down (and zero-padded when
the halvings do not divide evenly). Each layer is conv ('same' padding, the stride) ->
batch norm -> ReLU, then the optional 2x2 max-pool ('valid'). Layers that no later layer
consumes (the last one always) are globally average-pooled, concatenated, and fed to the
softmax classifier.

Masking: a stride of 2 or a pool that would shrink the feature map below 1x1 (or a 1x1
map not at all) is invalid at sampling time, given the image size the space was made
with; sizes only shrink along the chain of layers, so this is decided token by token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.errors import NasError
from mlpnas.spaces.base import SearchSpace
from mlpnas.spaces.training import TrainingChoices

KINDS = ("kernel", "filters", "stride", "pool", "skip", "end")


@dataclass(frozen=True)
class CNNLayer:
    """One decoded conv layer; `inputs`: the earlier layers its skip tokens chose."""

    index: int
    kernel: int
    filters: int
    stride: int
    pool: int
    inputs: tuple = ()

    @property
    def sources(self) -> tuple:
        """The layers it reads: its chosen inputs, else the previous layer (() = the image)."""
        return self.inputs or ((self.index - 1,) if self.index else ())

    def __str__(self) -> str:
        text = f"conv{self.kernel}x{self.kernel}/{self.filters} s{self.stride}"
        if self.pool > 1:
            text += f" pool{self.pool}"
        if self.sources and self.sources != (self.index - 1,):
            text += f" <- {list(self.sources)}"
        return text


def conv_size(size: int, stride: int) -> int:
    """Spatial size after a 'same'-padded convolution with `stride`."""
    return math.ceil(size / stride)


def pool_size(size: int, pool: int) -> int:
    """Spatial size after a 'valid' max-pool of `pool` x `pool` with stride `pool`."""
    return size // pool


class CNNSpace(SearchSpace):
    """Zoph & Le's layer-by-layer space: kernel, filters, stride, pool and skips per layer."""

    name = "cnn"

    def __init__(self, max_length: int = C.MAX_ARCHITECTURE_LENGTH,
                 input_shape: Sequence[int] | None = None,
                 kernels: Sequence[int] = C.CNN_KERNEL_SIZES,
                 filters: Sequence[int] = C.CNN_FILTERS,
                 strides: Sequence[int] = C.CNN_STRIDES,
                 pools: Sequence[int] = C.CNN_POOLS,
                 training: dict[str, Sequence[Any]] | None = None, **_ignored: Any) -> None:
        """`max_length` is the most conv layers (the --max-layers option, named like the
        other spaces' argument); `input_shape` (H, W[, C]) enables the size masking;
        `training`: the training choices searched ahead of the layers (None: all of
        mlpnas.spaces.training's, {}: none, children train with the search's settings)."""
        if max_length < 1:
            raise NasError(f"a CNN needs at least 1 layer, got --max-layers {max_length}")
        self.max_layers = int(max_length)
        self.image_size = None if input_shape is None else tuple(int(s) for s in input_shape[:2])
        self.options = {"kernel": tuple(kernels), "filters": tuple(filters),
                        "stride": tuple(strides), "pool": tuple(pools), "skip": (False, True)}
        self.first_id: dict[str, int] = {}
        next_id = 1
        for kind in KINDS[:-1]:
            self.first_id[kind] = next_id
            next_id += len(self.options[kind])
        self.end_id = next_id
        self.training = TrainingChoices(self.end_id + 1, training)
        self.vocab_size = self.training.end - 1
        self.skip_no, self.skip_yes = self.first_id["skip"], self.first_id["skip"] + 1
        self.layout = self._layout()
        self.max_length = len(self.layout)

    # --- the encoding ----------------------------------------------------------------------

    def _layout(self) -> list[tuple[str, int, int]]:
        """(kind, layer, j) of every position: j is the earlier layer of a skip token."""
        layout = [(kind, -1, -1) for kind in self.training.kinds]
        for i in range(self.max_layers):
            layout += [(kind, i, -1) for kind in KINDS[:4]]
            layout += [("skip", i, j) for j in range(i)]
        return layout + [("end", self.max_layers, -1)]

    def token(self, kind: str, value: Any) -> int:
        """Token id of `value` for a choice of `kind` (e.g. token('kernel', 5))."""
        if kind == "end":
            return self.end_id
        if kind in self.training.kinds:
            return self.training.token(kind, value)
        try:
            return self.first_id[kind] + self.options[kind].index(value)
        except (KeyError, ValueError):
            raise NasError(f"{value!r} is not a {kind} choice of the cnn space") from None

    def kind_of(self, token: int) -> str:
        """The kind of a token id."""
        token = int(token)
        if token == self.end_id:
            return "end"
        for kind in KINDS[:-1]:
            if self.first_id[kind] <= token < self.first_id[kind] + len(self.options[kind]):
                return kind
        if self.training.kind_of(token):
            return self.training.kind_of(token)
        raise NasError(f"token {token} is not in the cnn vocabulary (1..{self.vocab_size})")

    def value(self, token: int) -> Any:
        """The choice a (non-end) token stands for."""
        kind = self.kind_of(token)
        if kind in self.training.kinds:
            return self.training.value(token)
        return None if kind == "end" else self.options[kind][int(token) - self.first_id[kind]]

    def encode(self, layers: Sequence[CNNLayer | dict], **training: Any) -> list[int]:
        """Tokens of a network given as layers (kernel, filters, stride, pool, inputs) and
        its training choices (named with _: learning_rate=0.003; defaults for the rest)."""
        seq: list[int] = self.training.encode(**training)
        for i, layer in enumerate(layers):
            spec = layer if isinstance(layer, dict) else layer.__dict__
            seq += [self.token(kind, spec[kind]) for kind in KINDS[:4]]
            inputs = set(spec.get("inputs") or ())
            if inputs - set(range(i)):
                raise NasError(f"layer {i} can only read earlier layers, not {sorted(inputs)}")
            seq += [self.skip_yes if j in inputs else self.skip_no for j in range(i)]
        return seq + [self.end_id]

    def skip_anchors(self) -> dict[int, int]:
        """Position of each skip token -> the step whose hidden state represents layer j.

        That step is the one right after layer j's last configuration token (its pool
        token): the first step whose LSTM state has seen the whole of layer j.
        """
        pool_pos = {i: t for t, (kind, i, _) in enumerate(self.layout) if kind == "pool"}
        return {t: pool_pos[j] + 1 for t, (kind, _, j) in enumerate(self.layout) if kind == "skip"}

    # --- validity --------------------------------------------------------------------------

    def _size(self, prefix: Sequence[int]) -> tuple[int, int] | None:
        """Spatial size (H, W) of the feature map as far as `prefix` has decided it."""
        if self.image_size is None:
            return None
        h, w = self.image_size
        for t, tok in enumerate(prefix):
            kind = self.layout[t][0] if t < len(self.layout) else "end"
            if kind == "stride":
                h, w = conv_size(h, self.value(tok)), conv_size(w, self.value(tok))
            elif kind == "pool":
                h, w = pool_size(h, self.value(tok)), pool_size(w, self.value(tok))
        return h, w

    @staticmethod
    def _shrinks_ok(size: tuple[int, int] | None, kind: str, value: int) -> bool:
        """True when a stride/pool `value` keeps the map at least 1x1 and shrinks it."""
        if size is None or value == 1:
            return True
        return all(s >= (2 if kind == "stride" else value) for s in size)

    def valid_next(self, prefix: Sequence[int]) -> np.ndarray:
        mask = np.zeros(self.vocab_size + 1, dtype=bool)
        n = len(prefix)
        if n >= self.max_length or (n and int(prefix[-1]) == self.end_id):
            return mask
        kind, layer, _ = self.layout[n]
        if kind == "end" or (kind == "kernel" and layer > 0):
            mask[self.end_id] = True
        if kind == "end":
            return mask
        if kind in self.training.kinds:
            mask[list(self.training.ids(kind))] = True
            return mask
        size = self._size(prefix) if kind in ("stride", "pool") else None
        for k, value in enumerate(self.options[kind]):
            if kind not in ("stride", "pool") or self._shrinks_ok(size, kind, value):
                mask[self.first_id[kind] + k] = True
        return mask

    def state_key(self, prefix: Sequence[int]) -> Any:
        """Completions depend on the position, the map size so far and whether it ended."""
        ended = bool(len(prefix)) and int(prefix[-1]) == self.end_id
        return (len(prefix), self._size(prefix), ended)

    def is_complete(self, seq: Sequence[int]) -> bool:
        return len(seq) > 0 and int(seq[-1]) == self.end_id

    # --- decoding --------------------------------------------------------------------------

    def _reads_layers_only(self, seq: Sequence[int]) -> bool:
        """True for a sequence of layer tokens alone (logged by a space without training
        choices), which reading commands still decode."""
        return bool(len(self.training)) and bool(len(seq)) and not self.training.kind_of(seq[0])

    def _layers_only(self) -> "CNNSpace":
        return CNNSpace(self.max_layers, None, training={},
                        **{f"{k}s" if k != "filters" else k: v
                           for k, v in self.options.items() if k != "skip"})

    def decode(self, seq: Sequence[int], n_classes: int | None = None) -> list:
        """The CNNLayer of each layer (the classifier is implied)."""
        if self._reads_layers_only(seq):
            return self._layers_only().decode(seq, n_classes)
        specs: dict[int, dict] = {}
        for t, tok in enumerate(seq):
            kind = self.kind_of(tok)
            expected = self.layout[t][0] if t < len(self.layout) else "end"
            if kind == "end" and (expected == "end" or (expected == "kernel" and t > 0)):
                break
            if kind != expected:
                raise NasError(f"token {int(tok)} at position {t} is a {kind} token; "
                               f"the cnn encoding expects a {expected} token there")
            if kind in self.training.kinds:
                continue
            _, layer, j = self.layout[t]
            spec = specs.setdefault(layer, {"inputs": []})
            if kind == "skip":
                spec["inputs"] += [j] if self.value(tok) else []
            else:
                spec[kind] = self.value(tok)
        return [self._layer(i, spec) for i, spec in specs.items()]

    @staticmethod
    def _layer(index: int, spec: dict) -> CNNLayer:
        missing = [k for k in KINDS[:4] if k not in spec]
        if missing:
            raise NasError(f"cnn layer {index} is incomplete (no {', '.join(missing)} token)")
        return CNNLayer(index, spec["kernel"], spec["filters"], spec["stride"], spec["pool"],
                        tuple(spec["inputs"]))

    @staticmethod
    def unconsumed(layers: Sequence[CNNLayer]) -> list[int]:
        """Layers that no later layer reads: they are what the classifier sees."""
        consumed = {j for layer in layers for j in layer.sources}
        return [layer.index for layer in layers if layer.index not in consumed]

    def token_label(self, position: int, token: int) -> str:
        """e.g. 'kernel 3', 'filters 32', 'pool 2x2', 'skip from 0: yes', 'end'."""
        kind = self.kind_of(token)
        if kind == "end":
            return "end"
        if kind in self.training.kinds:
            return self.training.label(token)
        value = self.value(token)
        if kind == "pool":
            return "pool none" if value == 1 else f"pool {value}x{value}"
        if kind == "skip":
            layout = self.layout[position] if position < len(self.layout) else ("end", 0, -1)
            return f"skip from {layout[2]}: {'yes' if value else 'no'}"
        return f"{kind} {value}"

    def choices(self, seq: Sequence[int]) -> list[tuple[str, Any]]:
        """Depth, skip connections, the kernel, filters, stride and pool of each layer, and
        the training choices."""
        if self._reads_layers_only(seq):
            return self._layers_only().choices(seq)
        layers = self.decode(seq)
        return ([("depth", len(layers)),
                 ("skip connections", sum(len(layer.inputs) for layer in layers))]
                + [(kind, getattr(layer, kind)) for layer in layers for kind in KINDS[:4]]
                + [(kind, self.training_choices(seq)[kind]) for kind in self.training.kinds])

    def describe(self, seq: Sequence[int], n_classes: int | None = None) -> str:
        """e.g. 'conv3x3/32 s1; conv5x5/32 s1 pool2 <- [0] | lr 0.001, batch 64, ...'."""
        text = "; ".join(str(layer) for layer in self.decode(seq, n_classes))
        if len(self.training) and not self._reads_layers_only(seq):
            text += " | " + self.training.describe(seq[:len(self.training)])
        return text

    def training_choices(self, seq: Sequence[int]) -> dict[str, Any]:
        """How `seq` trains: learning rate, batch size, weight decay, augment, head."""
        return self.training.parse(seq[:len(self.training)])

    def training_options(self, seq: Sequence[int]) -> dict[str, Any]:
        """The trainer's keyword arguments (none when the space searches no training)."""
        if not len(self.training):
            return {}
        return self.training.trainer_options(seq[:len(self.training)])
