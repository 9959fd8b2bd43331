"""Image data sets: find and read them, split them, scale the pixels. No TensorFlow.

What `--dataset` accepts with an image space (`--space cnn` or `--space cell`):
- `digits`: scikit-learn's 8x8 grey digits (built in, offline);
- `cifar10`: CIFAR-10 through `keras.datasets` (downloads once, then cached);
- a path (as given, or under DATASETS/) to the CIFAR-10 "python version" archive
  (cifar-10-python.tar.gz) or its extracted folder; a folder of IDX files (the MNIST /
  Fashion-MNIST format, gzipped or not, e.g. Debian's dataset-fashion-mnist in
  /usr/share/datasets/fashion-mnist); or a folder with one subfolder of images per class.

Splits: a set that ships a test split keeps it (capped at IMAGE_MAX_TEST images, a seeded
stratified sample) and takes a seeded, stratified validation split out of its training
images; any other set gets the tabular variant's train/validation/test split. The
validation split is capped at IMAGE_MAX_VALIDATION images. `--subset N` then keeps a
stratified sample of N training images; validation and test do not depend on it.
Pixels are scaled to [0, 1] and standardized per channel with the training images'
mean and standard deviation (recorded in dataset.json).
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import tarfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import CONSTANTS as C
from mlpnas.data.tabular import Dataset, stratified_split
from mlpnas.errors import NasError
from mlpnas.storage import safe_unpickle

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")


@dataclass
class RawImages:
    """Images as read (N, H, W, C) with integer labels, before splitting and scaling."""

    name: str
    x: np.ndarray
    y: np.ndarray
    class_names: tuple
    max_value: float = 255.0
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


@dataclass
class ImagePreprocessing:
    """How raw pixels become model inputs: x / max_value, then (x - mean) / std per channel."""

    class_names: list
    input_shape: list
    max_value: float
    mean: list = field(default_factory=list)
    std: list = field(default_factory=list)
    kind: str = "image"

    @property
    def dropped_columns(self) -> dict:
        """Images have no columns to drop (read by Dataset.summary)."""
        return {}

    def to_dict(self) -> dict:
        """Plain-dict form (for dataset.json)."""
        return asdict(self)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Model inputs for raw images (N, H, W, C)."""
        x = np.asarray(x, dtype="float32") / np.float32(self.max_value)
        mean, std = np.asarray(self.mean, "float32"), np.asarray(self.std, "float32")
        return ((x - mean) / std).astype("float32")


# --- readers ---------------------------------------------------------------------------

def _with_channels(x: np.ndarray) -> np.ndarray:
    """(N, H, W) -> (N, H, W, 1); (N, H, W, C) unchanged."""
    return x[..., None] if x.ndim == 3 else x


def read_digits() -> RawImages:
    """scikit-learn's 8x8 digits (pixel values 0..16) as images."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return RawImages("digits", _with_channels(bunch.images.astype("float32")),
                     bunch.target.astype("int64"), tuple(str(c) for c in bunch.target_names),
                     max_value=16.0)


def read_cifar10_keras() -> RawImages:
    """CIFAR-10 through keras.datasets (downloads when online, cached afterwards)."""
    from mlpnas.training.tf_setup import import_tf

    _, keras = import_tf()
    try:
        (x, y), (xt, yt) = keras.datasets.cifar10.load_data()
    except Exception as exc:  # no network, a proxy, a broken cache...
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise NasError(f"cannot get CIFAR-10 through keras.datasets ({reason}); "
                       f"offline, download {C.CIFAR10_URL} elsewhere and pass "
                       "--dataset /path/to/cifar-10-python.tar.gz (or its extracted folder)"
                       ) from None
    return RawImages("cifar10", x, y.reshape(-1).astype("int64"), CIFAR10_CLASSES,
                     x_test=xt, y_test=yt.reshape(-1).astype("int64"))


def _get(batch: dict, key: str) -> Any:
    """A CIFAR batch entry, whether the pickle has str or bytes keys."""
    for k in (key, key.encode()):
        if k in batch:
            return batch[k]
    raise KeyError(key)


def _cifar_batch(data: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 32, 32, 3) and labels of one pickled CIFAR-10 batch."""
    batch = safe_unpickle(data, source, encoding="bytes")
    try:
        x = np.asarray(_get(batch, "data"), dtype="uint8")
        y = np.asarray(_get(batch, "labels"), dtype="int64")
        x = x.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    except (KeyError, TypeError, ValueError):
        raise NasError(f"{source}: not a CIFAR-10 batch (needs 'data' of N x 3072 bytes "
                       "and 'labels')") from None
    if len(x) != len(y):
        raise NasError(f"{source}: {len(x)} images but {len(y)} labels")
    return x, y


def _cifar_from_files(files: dict[str, bytes], name: str, source: str) -> RawImages:
    """CIFAR-10 from the contents of its batch files, by base name."""
    train = sorted(k for k in files if k.startswith("data_batch_"))
    if not train or "test_batch" not in files:
        raise NasError(f"{source}: not a CIFAR-10 python archive or folder (no data_batch_* "
                       "and test_batch files)")
    parts = [_cifar_batch(files[k], f"{source}/{k}") for k in train]
    xt, yt = _cifar_batch(files["test_batch"], f"{source}/test_batch")
    names = CIFAR10_CLASSES
    if "batches.meta" in files:
        meta = safe_unpickle(files["batches.meta"], f"{source}/batches.meta", encoding="bytes")
        names = tuple(n.decode() if isinstance(n, bytes) else str(n)
                      for n in _get(meta, "label_names"))
    return RawImages(name, np.concatenate([p[0] for p in parts]),
                     np.concatenate([p[1] for p in parts]), names, x_test=xt, y_test=yt)


def read_cifar_archive(path: Path) -> RawImages:
    """The CIFAR-10 python archive (cifar-10-python.tar.gz)."""
    wanted = {"batches.meta", "test_batch"}
    try:
        with tarfile.open(path) as tar:
            files = {Path(m.name).name: tar.extractfile(m).read() for m in tar.getmembers()
                     if m.isfile() and (Path(m.name).name in wanted
                                        or Path(m.name).name.startswith("data_batch_"))}
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise NasError(f"cannot read archive {path}: {exc}") from None
    return _cifar_from_files(files, path.name.split(".")[0], str(path))


def read_cifar_folder(path: Path) -> RawImages:
    """The extracted CIFAR-10 python folder (cifar-10-batches-py)."""
    inner = path / "cifar-10-batches-py"
    root = inner if inner.is_dir() else path
    files = {p.name: p.read_bytes() for p in root.iterdir()
             if p.is_file() and (p.name.startswith("data_batch_")
                                 or p.name in ("test_batch", "batches.meta"))}
    return _cifar_from_files(files, path.name, str(root))


def parse_idx(data: bytes, source: str) -> np.ndarray:
    """An IDX array (the MNIST file format: magic, big-endian dims, then the values)."""
    types = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if len(data) < 4 or data[0] or data[1] or data[2] not in types or data[3] < 1:
        raise NasError(f"{source} is not an IDX file (bad magic number)")
    ndim, offset = data[3], 4 + 4 * data[3]
    if len(data) < offset:
        raise NasError(f"{source}: truncated IDX header")
    dims = struct.unpack(f">{ndim}I", data[4:offset])
    dtype = np.dtype(types[data[2]])
    if len(data) - offset != int(np.prod(dims)) * dtype.itemsize:
        raise NasError(f"{source}: IDX data does not match its dimensions {list(dims)} "
                       "(truncated file?)")
    return np.frombuffer(data, dtype, offset=offset).reshape(dims)


def _read_maybe_gzip(path: Path) -> bytes:
    try:
        return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise NasError(f"cannot read {path}: {exc}") from None


def _idx_pair(files: list[Path], prefixes: tuple) -> tuple[Path, Path] | None:
    """(images, labels) files whose names start with one of `prefixes`."""
    for prefix in prefixes:
        images = [f for f in files if f.name.startswith(prefix) and "idx3" in f.name]
        labels = [f for f in files if f.name.startswith(prefix) and "idx1" in f.name]
        if images and labels:
            return images[0], labels[0]
    return None


def read_idx_folder(path: Path) -> RawImages:
    """A folder of IDX files: train-images/-labels and (optionally) t10k-images/-labels."""
    files = sorted(p for p in path.iterdir() if p.is_file())
    train = _idx_pair(files, ("train",))
    if train is None:
        raise NasError(f"{path}: no train-images-idx3 / train-labels-idx1 files")
    test = _idx_pair(files, ("t10k", "test"))
    arrays = [parse_idx(_read_maybe_gzip(f), str(f))
              for pair in (train, test) if pair for f in pair]
    x, y = _with_channels(arrays[0]), arrays[1].astype("int64").reshape(-1)
    xt = _with_channels(arrays[2]) if test else None
    yt = arrays[3].astype("int64").reshape(-1) if test else None
    for images, labels, which in ((x, y, "train"), (xt, yt, "test")):
        if images is not None and len(images) != len(labels):
            raise NasError(f"{path}: {len(images)} {which} images but {len(labels)} labels")
    if xt is not None and xt.shape[1:] != x.shape[1:]:
        raise NasError(f"{path}: test images are {xt.shape[1:3]}, train images {x.shape[1:3]}")
    top = int(max(y.max(), yt.max() if yt is not None else 0))
    names = (FASHION_MNIST_CLASSES if "fashion" in path.resolve().name.lower()
             else tuple(str(c) for c in range(top + 1)))
    return RawImages(path.name, x, y, names, x_test=xt, y_test=yt)


def _open_image(path: Path) -> np.ndarray:
    """One image file as an RGB array (H, W, 3)."""
    try:
        from PIL import Image
    except ImportError:
        raise NasError("reading a folder of images needs Pillow (pip install pillow)") from None
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except (OSError, ValueError) as exc:
        raise NasError(f"cannot read image {path}: {exc}") from None


def read_class_folders(path: Path) -> RawImages:
    """A folder with one subfolder of images per class (class = subfolder name)."""
    classes = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        raise NasError(f"{path}: need at least two class subfolders of images, "
                       f"found {len(classes)}")
    images, labels, first = [], [], None
    for label, folder in enumerate(classes):
        files = sorted(f for f in folder.iterdir() if f.suffix.lower() in C.IMAGE_SUFFIXES)
        if not files:
            raise NasError(f"class folder {folder} has no images ({', '.join(C.IMAGE_SUFFIXES)})")
        for f in files:
            img = _open_image(f)
            first = first or (f, img.shape)
            if img.shape != first[1]:
                raise NasError(f"images differ in size: {f} is {img.shape[1]}x{img.shape[0]}, "
                               f"{first[0]} is {first[1][1]}x{first[1][0]}")
            images.append(img)
            labels.append(label)
    x = np.stack(images)
    if np.array_equal(x[..., 0], x[..., 1]) and np.array_equal(x[..., 0], x[..., 2]):
        x = x[..., :1]  # grey images stay one channel
    return RawImages(path.name, x, np.asarray(labels, "int64"), tuple(p.name for p in classes))


def read_image_path(path: Path) -> RawImages:
    """Whichever supported format `path` holds."""
    archive_name = path.name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz"))
    if path.is_file() and not archive_name and not tarfile.is_tarfile(path):
        table = " (for a table, leave out --space: the default space reads CSVs)" \
            if path.suffix.lower() == ".csv" else ""
        raise NasError(f"{path} is not an image set: image spaces read an image folder (one "
                       "subfolder per class), an IDX folder or a CIFAR-10 archive" + table)
    if path.is_file():
        return read_cifar_archive(path)
    names = {p.name for p in path.iterdir()}
    if "cifar-10-batches-py" in names or any(n.startswith("data_batch_") for n in names):
        return read_cifar_folder(path)
    if any("idx3" in n for n in names):
        return read_idx_folder(path)
    return read_class_folders(path)


def read_images(dataset: str, datasets_dir: str | Path = C.DATASETS_DIR) -> RawImages:
    """Find and read an image set by built-in name, 'cifar10', or path."""
    for path in (Path(dataset), Path(datasets_dir) / dataset):
        if path.exists():
            return read_image_path(path)
    if dataset in C.IMAGE_BUILTIN_DATASETS:
        return read_digits()
    if dataset == "cifar10":
        return read_cifar10_keras()
    raise NasError(f"image data set not found: {dataset} (looked in the current folder and "
                   f"{datasets_dir}/; built in: {', '.join(C.IMAGE_BUILTIN_DATASETS)}; "
                   "or cifar10, or a CIFAR-10 archive, IDX folder or class-folder path)")


# --- splitting and scaling ---------------------------------------------------------------

def stratified_sample(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Sorted indices of a seeded sample of n labels, classes in proportion."""
    if n >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    rank = np.empty(len(y))
    for cls in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == cls))
        rank[idx] = (np.arange(len(idx)) + 0.5) / len(idx)
    return np.sort(np.argsort(rank, kind="stable")[:n])


def _check_labels(raw: RawImages) -> None:
    n = len(raw.class_names)
    for labels in (raw.y, raw.y_test):
        if labels is not None and len(labels) and (labels.min() < 0 or labels.max() >= n):
            raise NasError(f"{raw.name}: labels out of range: found "
                           f"{int(labels.min())}..{int(labels.max())}, classes are 0..{n - 1}")
    counts = np.bincount(raw.y, minlength=n)
    if np.count_nonzero(counts) < 2:
        raise NasError(f"{raw.name}: need images of at least two classes")
    small = np.flatnonzero((counts > 0) & (counts < C.MIN_ROWS_PER_CLASS))
    if len(small):
        raise NasError(f"{raw.name}: too few images in class {raw.class_names[small[0]]!r} "
                       f"({counts[small[0]]}) for the split (need {C.MIN_ROWS_PER_CLASS})")


def split_images(raw: RawImages, seed: int) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_val, y_val, x_test, y_test), raw pixels, fixed and seeded."""
    if raw.x_test is None:
        train, val, test = stratified_split(raw.y, seed)
        parts = [(raw.x[i], raw.y[i]) for i in (train, val, test)]
    else:
        train, val, rest = stratified_split(raw.y, seed, C.VALIDATION_FRACTION, 0.0)
        train = np.sort(np.concatenate([train, rest]))  # the 1-per-class "test" goes back
        parts = [(raw.x[train], raw.y[train]), (raw.x[val], raw.y[val]), (raw.x_test, raw.y_test)]
    (xv, yv), (xt, yt) = parts[1], parts[2]
    keep_v = stratified_sample(yv, C.IMAGE_MAX_VALIDATION, seed + 1)
    keep_t = stratified_sample(yt, C.IMAGE_MAX_TEST, seed + 2)
    return parts[0][0], parts[0][1], xv[keep_v], yv[keep_v], xt[keep_t], yt[keep_t]


def prepare_images(raw: RawImages, subset: int | None = None, seed: int = C.SEED) -> Dataset:
    """Split, subsample and scale raw images into a Dataset (kind 'image')."""
    if raw.x.ndim != 4 or raw.x.shape[1] < 1 or raw.x.shape[2] < 1:
        raise NasError(f"{raw.name}: expected images (N, H, W[, C]), got shape {raw.x.shape}")
    _check_labels(raw)
    x_train, y_train, x_val, y_val, x_test, y_test = split_images(raw, seed)
    if subset is not None:
        if subset < len(np.unique(y_train)):
            raise NasError(f"--subset {subset} is smaller than the number of classes "
                           f"({len(np.unique(y_train))})")
        keep = stratified_sample(y_train, subset, seed + 3)
        x_train, y_train = x_train[keep], y_train[keep]
    pre = ImagePreprocessing(list(raw.class_names), list(raw.x.shape[1:]), float(raw.max_value))
    scaled = x_train.astype("float32") / np.float32(raw.max_value)
    std = scaled.std(axis=(0, 1, 2))
    pre.mean, pre.std = scaled.mean(axis=(0, 1, 2)).tolist(), np.where(std > 0, std, 1.0).tolist()
    digest = hashlib.sha256(np.ascontiguousarray(raw.x).tobytes() + raw.y.tobytes())
    return Dataset(raw.name, pre.transform(x_train), y_train, pre.transform(x_val), y_val,
                   pre.transform(x_test), y_test, tuple(raw.class_names), pre,
                   digest.hexdigest()[:16], kind="image")


def load_images(dataset: str, subset: int | None = None, seed: int = C.SEED,
                datasets_dir: str | Path = C.DATASETS_DIR) -> Dataset:
    """Find, read and prepare an image data set (see the module docstring)."""
    return prepare_images(read_images(dataset, datasets_dir), subset, seed)


# --- new images for `nas predict` ------------------------------------------------------------

PREDICT_ACCEPTS = ("a folder of images (class subfolders are fine), an IDX images file "
                   "(idx3, gzipped or not), an IDX folder, or a CIFAR-10 python archive or folder")


def _fit_channels(x: np.ndarray, channels: int) -> np.ndarray:
    """Grey <-> colour to the channels the model takes (colour to grey: the channel mean)."""
    if x.shape[-1] == channels:
        return x
    if channels == 1:
        return x.mean(axis=-1, keepdims=True)
    return np.repeat(x[..., :1], channels, axis=-1)


def _image_files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in C.IMAGE_SUFFIXES)


def _read_for_prediction(path: Path) -> tuple[Any, np.ndarray]:
    """(row names as a pandas Series, raw images (N, H, W, C)) from any accepted format."""
    import pandas as pd

    if path.is_file() and path.suffix.lower() in C.IMAGE_SUFFIXES:
        return pd.Series([path.name], name="file"), _open_image(path)[None]
    if path.is_file() and "idx3" in path.name:
        x = _with_channels(parse_idx(_read_maybe_gzip(path), str(path)))
        return pd.Series(np.arange(len(x)), name="index"), x
    if path.is_dir() and _image_files(path) and not any(
            "idx3" in p.name or p.name.startswith("data_batch_") for p in path.iterdir()):
        files = _image_files(path)
        return (pd.Series([str(f.relative_to(path)) for f in files], name="file"),
                np.stack([_open_image(f) for f in files]))
    if path.is_file() and not tarfile.is_tarfile(path):
        raise NasError(f"{path}: this model reads images: pass {PREDICT_ACCEPTS}")
    try:
        raw = read_image_path(path)
    except NasError as exc:
        raise NasError(f"{exc}; this model reads {PREDICT_ACCEPTS}") from None
    x = raw.x_test if raw.x_test is not None else raw.x
    return pd.Series(np.arange(len(x)), name="index"), x


def images_for_prediction(path: Path, input_shape: list) -> tuple[Any, np.ndarray]:
    """Row names and raw images shaped as the model takes them (`nas predict`)."""
    names, x = _read_for_prediction(Path(path))
    height, width, channels = (list(input_shape) + [1])[:3]
    if x.ndim != 4 or x.shape[1:3] != (height, width):
        raise NasError(f"{path}: images are {x.shape[2]}x{x.shape[1]} pixels, the model takes "
                       f"{width}x{height}")
    return names, _fit_channels(x.astype("float32"), channels)
