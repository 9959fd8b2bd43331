"""Build Keras CNNs from token sequences: the layer-by-layer space and the NAS-Bench-201 cell.

Both generators return the `Child` of mlpnas.training.weights, so the `WeightStore` carries
conv and batch-norm weights between children exactly as it does dense ones. A conv
layer's key is ("conv2d", position, input channels, kernel, filters, op); its batch
norm's key is the same with "batchnorm" first, so the two travel together. Position
names where the layer sits ("layer2", "cell1.0.edge3", "stem", "reduce1.a"), so a
3x3/32 conv at layer 2 only ever starts from a 3x3/32 conv that was at layer 2 and read
as many channels.

The layer-by-layer network follows the encoding documented in mlpnas.spaces.cnn; the cell
network is NAS-Bench-201's skeleton (Dong & Yang 2020): stem conv 3x3 + BN, N cells,
a residual reduction block (stride 2, twice the width), N cells, reduction, N cells,
BN + ReLU, global average pooling, softmax. Cell ops are NAS-Bench-201's: ReLU -> conv
-> BN for nor_conv_kxk, identity for skip_connect, 3x3 average pooling, and 'none'
(a zero edge); a node sums its incoming edges.
"""

from __future__ import annotations

import math
from typing import Sequence

import CONSTANTS as C
from mlpnas.spaces.cnn import CNNSpace
from mlpnas.errors import NasError
from mlpnas.training.weights import Child
from mlpnas.spaces.cell import CellSpace
from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()


class Augment(keras.layers.Layer):
    """Random shifts (and horizontal flips) while training; the identity otherwise."""

    def __init__(self, max_shift: float = C.AUGMENT_MAX_SHIFT, flip: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_shift = float(max_shift)
        self.flip = bool(flip)

    def call(self, x, training=None):
        if not training:
            return x
        batch = tf.shape(x)[0]
        if self.flip:
            flip = tf.random.uniform([batch, 1, 1, 1]) < 0.5
            x = tf.where(flip, tf.reverse(x, axis=[2]), x)
        dy, dx = (tf.round(tf.random.uniform([batch], -1.0, 1.0) * self.max_shift * size)
                  for size in (x.shape[1], x.shape[2]))
        one, zero = tf.ones([batch]), tf.zeros([batch])
        transforms = tf.stack([one, zero, -dx, zero, one, -dy, zero, zero], axis=1)
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=x, transforms=transforms, output_shape=tf.shape(x)[1:3],
            fill_value=0.0, interpolation="NEAREST", fill_mode="CONSTANT")

    def get_config(self) -> dict:
        return {**super().get_config(), "max_shift": self.max_shift, "flip": self.flip}


def conv_key(position: str, in_channels: int, kernel: int, filters: int, op: str) -> tuple:
    """Weight-store key of a conv layer (its batch norm: the same with 'batchnorm' first)."""
    return ("conv2d", position, int(in_channels), int(kernel), int(filters), op)


def conv_bn(x, kernel: int, filters: int, stride: int, position: str, op: str, keys: dict,
            relu_first: bool = False, relu_after: bool = True):
    """conv -> BN (-> ReLU), or NAS-Bench-201's ReLU -> conv -> BN; records both keys."""
    key = conv_key(position, x.shape[-1], kernel, filters, op)
    if relu_first:
        x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False,
                            name=f"{position}.conv")(x)
    x = keras.layers.BatchNormalization(momentum=C.CNN_BN_MOMENTUM, name=f"{position}.bn")(x)
    keys[f"{position}.conv"] = key
    keys[f"{position}.bn"] = ("batchnorm",) + key[1:]
    return keras.layers.ReLU()(x) if relu_after and not relu_first else x


def match_size(x, target: Sequence[int]):
    """Max-pool a larger map down to `target` (H, W), then zero-pad what rounding left."""
    size = tuple(x.shape[1:3])
    pool = tuple(max(1, math.ceil(s / t)) for s, t in zip(size, target))
    if pool != (1, 1):
        x = keras.layers.MaxPooling2D(pool, strides=pool, padding="same")(x)
        size = tuple(x.shape[1:3])
    pad = [t - s for s, t in zip(size, target)]
    if any(pad):
        x = keras.layers.ZeroPadding2D(tuple((p // 2, p - p // 2) for p in pad))(x)
    return x


def concat(tensors: list):
    """Concatenate along channels (a single tensor passes through)."""
    return tensors[0] if len(tensors) == 1 else keras.layers.Concatenate()(tensors)


def classifier(x, n_classes: int, keys: dict):
    """The softmax output layer (two classes get a 2-unit softmax too)."""
    keys["output"] = ("dense", int(x.shape[-1]), int(n_classes), "softmax")
    return keras.layers.Dense(n_classes, activation="softmax", name="output")(x)


def head(maps: list, n_classes: int, keys: dict, kind: str = "gap"):
    """The classifier on the final feature maps: "gap" global-average-pools each map;
    "dense" max-pools each down to at most IMAGE_DENSE_HEAD_SIDE per side, flattens them
    and adds a dense ReLU layer (the textbook CNN's head); both end in the softmax."""
    if kind == "gap":
        return classifier(concat([keras.layers.GlobalAveragePooling2D()(m) for m in maps]),
                          n_classes, keys)
    side = C.IMAGE_DENSE_HEAD_SIDE
    flat = [keras.layers.Flatten()(match_size(m, [math.ceil(s / math.ceil(s / side))
                                                  for s in m.shape[1:3]])) for m in maps]
    x = concat(flat)
    keys["head.dense"] = ("dense", int(x.shape[-1]), C.IMAGE_DENSE_HEAD_UNITS, "relu")
    x = keras.layers.Dense(C.IMAGE_DENSE_HEAD_UNITS, activation="relu", name="head.dense")(x)
    return classifier(x, n_classes, keys)


def make_child(inputs, outputs, keys: dict) -> Child:
    """The Child of a functional model; keys of layers Keras pruned (dead cell edges) dropped."""
    model = keras.Model(inputs, outputs)
    present = {layer.name for layer in model.layers}
    return Child(model, {name: key for name, key in keys.items() if name in present})


def image_input(input_shape: Sequence[int], augment: str):
    """(model input, tensor the network starts from); `augment`: "none", "shift" or
    "flip+shift"."""
    if len(input_shape) != 3:
        raise NasError(f"CNN children need images (H, W, C); the data set has inputs of "
                       f"shape {tuple(input_shape)}")
    inputs = keras.Input(tuple(input_shape), name="image")
    if augment == "none":
        return inputs, inputs
    return inputs, Augment(flip=augment == "flip+shift", name="augment")(inputs)


def training_build(space, seq: Sequence[int], augment: bool | str) -> tuple[str, str]:
    """(augmentation, head) of a child: its own choices; `augment` True (--augment) forces
    flips and shifts, a string ("none", "shift", "flip+shift") that augmentation."""
    chosen = space.training_choices(seq)
    if isinstance(augment, str):
        return augment, chosen["head"]
    return ("flip+shift" if augment else chosen["augment"]), chosen["head"]


def build_cnn(space: CNNSpace, seq: Sequence[int], input_shape: Sequence[int],
              n_classes: int, augment: bool | str = False) -> Child:
    """The layer-by-layer CNN of `seq` (see mlpnas.spaces.cnn for the encoding)."""
    space.validate(seq)
    layers = space.decode(seq)
    augment, head_kind = training_build(space, seq, augment)
    inputs, x = image_input(input_shape, augment)
    outputs, keys = [], {}
    for layer in layers:
        if layer.index == 0:
            h = x
        else:
            target = outputs[layer.index - 1].shape[1:3]
            h = concat([match_size(outputs[j], target) for j in layer.sources])
        h = conv_bn(h, layer.kernel, layer.filters, layer.stride, f"layer{layer.index}",
                    "conv", keys)
        if layer.pool > 1:
            h = keras.layers.MaxPooling2D(layer.pool)(h)
        outputs.append(h)
    final = [outputs[i] for i in space.unconsumed(layers)]
    return make_child(inputs, head(final, n_classes, keys, head_kind), keys)


def cell_edge(x, op: str, width: int, position: str, keys: dict):
    """One NAS-Bench-201 edge; None for 'none' (a zero edge)."""
    if op == "none":
        return None
    if op == "skip_connect":
        return x
    if op == "avg_pool_3x3":
        return keras.layers.AveragePooling2D(3, strides=1, padding="same")(x)
    kernel = int(op[-1])  # nor_conv_1x1, nor_conv_3x3
    return conv_bn(x, kernel, width, 1, position, op, keys, relu_first=True)


def cell(x, ops: Sequence[str], width: int, position: str, keys: dict):
    """A NAS-Bench-201 cell: node k sums op(node j) over its edges j -> k; node 3 is out."""
    nodes = [x]
    for k in range(1, 4):
        incoming = [cell_edge(nodes[j], ops[e], width, f"{position}.edge{e}", keys)
                    for e, (to, j) in enumerate(CellSpace.EDGES) if to == k]
        incoming = [t for t in incoming if t is not None]
        if not incoming:
            nodes.append(keras.layers.Rescaling(0.0)(x))  # only zero edges: a zero map
        else:
            nodes.append(incoming[0] if len(incoming) == 1 else keras.layers.Add()(incoming))
    return nodes[3]


def reduction(x, width: int, position: str, keys: dict):
    """NAS-Bench-201's residual reduction block: stride 2, `width` channels."""
    a = conv_bn(x, 3, width, 2, f"{position}.a", "reduce", keys, relu_first=True)
    b = conv_bn(a, 3, width, 1, f"{position}.b", "reduce", keys, relu_first=True)
    shortcut = keras.layers.AveragePooling2D(2, strides=2, padding="same")(x)
    key = conv_key(f"{position}.shortcut", x.shape[-1], 1, width, "reduce")
    keys[f"{position}.shortcut"] = key
    shortcut = keras.layers.Conv2D(width, 1, use_bias=False, name=f"{position}.shortcut")(shortcut)
    return keras.layers.Add()([shortcut, b])


def build_cell_network(space: CellSpace, seq: Sequence[int], input_shape: Sequence[int],
                       n_classes: int, augment: bool | str = False,
                       cells: int = C.CELL_CELLS_PER_STAGE,
                       width: int = C.CELL_BASE_WIDTH) -> Child:
    """NAS-Bench-201's network around the cell of `seq` (3 stages of `cells` cells)."""
    space.validate(seq)
    ops = space.ops(seq)
    augment, head_kind = training_build(space, seq, augment)
    inputs, x = image_input(input_shape, augment)
    keys: dict = {}
    x = conv_bn(x, 3, width, 1, "stem", "stem", keys, relu_after=False)
    for stage in range(3):
        if stage:
            x = reduction(x, width * 2 ** stage, f"reduce{stage}", keys)
        for c in range(cells):
            x = cell(x, ops, width * 2 ** stage, f"cell{stage}.{c}", keys)
    x = keras.layers.BatchNormalization(momentum=C.CNN_BN_MOMENTUM, name="last.bn")(x)
    keys["last.bn"] = ("batchnorm", "last", int(x.shape[-1]), 1, int(x.shape[-1]), "last")
    return make_child(inputs, head([keras.layers.ReLU()(x)], n_classes, keys, head_kind), keys)
