"""Image data: every supported format, the splits, --subset, and one-line errors."""

from __future__ import annotations

import gzip
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

import CONSTANTS as C
from mlpnas.errors import NasError
from mlpnas.data.images import FASHION_MNIST_CLASSES, load_images, parse_idx, read_images, stratified_sample

ROOT = Path(__file__).resolve().parents[2]


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype("uint8").tobytes()


def write_idx_folder(folder: Path, n=60, n_test=20, gz=True, labels_max=9) -> Path:
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, count in (("train", n), ("t10k", n_test)):
        y = np.arange(count) % (labels_max + 1)
        parts = {"images-idx3-ubyte": rng.integers(0, 256, (count, 6, 6)),
                 "labels-idx1-ubyte": y}
        for name, array in parts.items():
            data = idx_bytes(array)
            path = folder / f"{prefix}-{name}{'.gz' if gz else ''}"
            path.write_bytes(gzip.compress(data) if gz else data)
    return folder


def cifar_batch(n: int, seed: int, label_max: int = 9) -> bytes:
    rng = np.random.default_rng(seed)
    batch = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
             b"labels": [int(i % (label_max + 1)) for i in range(n)]}
    return pickle.dumps(batch, protocol=4)


def write_cifar_folder(folder: Path, label_max: int = 9) -> Path:
    folder.mkdir(parents=True)
    for k in (1, 2):
        (folder / f"data_batch_{k}").write_bytes(cifar_batch(40, k, label_max))
    (folder / "test_batch").write_bytes(cifar_batch(20, 9))
    names = [f"c{i}".encode() for i in range(10)]
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": names}, protocol=4))
    return folder


def write_class_folders(root: Path, sizes=((5, 4), (5, 4)), per_class=6) -> Path:
    from PIL import Image

    rng = np.random.default_rng(0)
    for k, size in enumerate(sizes):
        folder = root / f"class{k}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / f"{i}.png")
    return root


def test_digits_are_8x8_images_scaled_and_standardized_from_train():
    data = load_images("digits", seed=0)
    assert data.kind == "image" and data.input_shape == (8, 8, 1) and data.n_classes == 10
    assert abs(float(data.x_train.mean())) < 1e-4 and abs(float(data.x_train.std()) - 1) < 1e-3
    assert data.preprocessing.to_dict()["max_value"] == 16.0
    total = len(data.y_train) + len(data.y_val) + len(data.y_test)
    assert total == 1797 and set(data.y_test) == set(range(10))
    assert "dropped_columns" in data.summary()


def test_subset_is_stratified_and_leaves_validation_and_test_alone():
    full = load_images("digits", seed=1)
    small = load_images("digits", subset=100, seed=1)
    assert len(small.y_train) == 100
    counts = np.bincount(small.y_train, minlength=10)
    assert counts.min() >= 8 and counts.max() <= 12
    np.testing.assert_array_equal(full.y_val, small.y_val)
    np.testing.assert_array_equal(full.y_test, small.y_test)
    with pytest.raises(NasError, match="smaller than the number of classes"):
        load_images("digits", subset=5)


def test_stratified_sample_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [100, 50, 10])
    picked = y[stratified_sample(y, 32, seed=0)]
    assert np.bincount(picked).tolist() == [20, 10, 2]
    assert len(stratified_sample(y, 1000, seed=0)) == len(y)


@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_keeps_its_test_split(tmp_path, gz):
    folder = write_idx_folder(tmp_path / "fashion-mnist", gz=gz)
    data = load_images(str(folder), seed=0)
    assert data.input_shape == (6, 6, 1) and data.class_names == FASHION_MNIST_CLASSES
    assert len(data.y_test) == 20  # the folder's own t10k files
    assert len(data.y_train) + len(data.y_val) == 60


def test_cifar_folder_and_archive_read_the_same_images(tmp_path):
    folder = write_cifar_folder(tmp_path / "cifar-10-batches-py")
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    a, b = read_images(str(tmp_path / "cifar-10-batches-py")), read_images(str(archive))
    assert a.x.shape == (80, 32, 32, 3) and a.x_test.shape == (20, 32, 32, 3)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.class_names == tuple(f"c{i}" for i in range(10))
    # channel-first rows become height x width x channel
    raw = pickle.loads((folder / "data_batch_1").read_bytes())[b"data"][0]
    np.testing.assert_array_equal(a.x[0, :, :, 1].reshape(-1), raw[1024:2048])


def test_class_folders(tmp_path):
    data = load_images(str(write_class_folders(tmp_path / "pics")), seed=0)
    assert data.input_shape == (4, 5, 3) and data.class_names == ("class0", "class1")


def test_cifar10_offline_fails_with_one_line_naming_a_local_copy(monkeypatch, tmp_path):
    from mlpnas.training.tf_setup import import_tf

    _, keras = import_tf()

    def offline():
        raise OSError("name resolution failed")

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", offline)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NasError) as err:
        read_images("cifar10")
    assert "\n" not in str(err.value) and "--dataset" in str(err.value)
    assert C.CIFAR10_URL in str(err.value)


def test_parse_idx_rejects_bad_magic_and_truncation():
    good = idx_bytes(np.zeros((2, 3, 3)))
    assert parse_idx(good, "x").shape == (2, 3, 3)
    with pytest.raises(NasError, match="not an IDX file"):
        parse_idx(b"\x01\x02\x03\x04rest", "x")
    with pytest.raises(NasError, match="truncated"):
        parse_idx(good[:-1], "x")


def test_bad_image_sets_fail_with_one_clear_line(tmp_path, runner):
    from cli import main

    bad_archive = tmp_path / "broken.tar.gz"
    bad_archive.write_bytes(b"not an archive at all")
    mismatched = write_class_folders(tmp_path / "mixed", sizes=((5, 4), (6, 4)))
    empty = write_class_folders(tmp_path / "empty")
    (empty / "class2").mkdir()
    out_of_range = write_idx_folder(tmp_path / "fashion-bad", labels_max=11)
    cases = {bad_archive: "cannot read archive", mismatched: "images differ in size",
             empty: "has no images", out_of_range: "labels out of range",
             tmp_path / "nothing-here": "image data set not found"}
    for path, message in cases.items():
        result = runner.invoke(main, ["search", "--space", "cnn", "--dataset", str(path)])
        assert result.exit_code != 0, path
        assert message in result.output + (result.stderr or ""), (path, result.output)
        assert "Traceback" not in result.output
