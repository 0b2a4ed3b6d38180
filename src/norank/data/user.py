"""Bring your own tensor: a labelled dataset from ``.npz`` / ``.npy`` files.

A row of the dataset sheet (``config/datasets.tsv``) names the samples file, the labels (a key
of the ``.npz``, or a separate ``.npy`` / text file with one label per line) and the declared
sample shape (e.g. ``64x64``). Labels may be integers or strings; classes are numbered in
sorted order. Everything is checked before the pipeline uses it (shape, dtype, finite
values, one label per sample, at least two classes of at least two samples each), and every
error names the file, the problem and the fix.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from norank.data.artifact import Dataset, validate_tensor_dataset
from norank.errors import DataError
from norank.io import sha256_file


def parse_shape(text: str) -> tuple[int, ...]:
    """``"64x64"`` → ``(64, 64)``."""
    try:
        shape = tuple(int(p) for p in str(text).lower().replace("×", "x").split("x"))
    except ValueError:
        shape = ()
    if len(shape) < 2 or min(shape) < 1:
        raise DataError(f"sample shape {text!r} is not of the form HxW (e.g. 64x64, or 8x8x3 for more axes).")
    return shape


def _load_array(path: Path, key: str | None, what: str) -> np.ndarray:
    if not path.exists():
        raise DataError(f"{what} file {path} does not exist; check the path in the dataset sheet "
                        "(relative paths are relative to the working directory).")
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                if key not in z.files:
                    raise DataError(f"{what}: {path} has no array {key!r}; it has {z.files}. Set the key in the sheet.")
                return z[key]
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if path.suffix in (".txt", ".csv", ".tsv"):
            return np.array([line.strip() for line in path.read_text().splitlines() if line.strip()])
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise DataError(f"{what} file {path} cannot be read ({e}); is it a valid {path.suffix} file?") from None
    raise DataError(f"{what} file {path}: unsupported format {path.suffix!r}; use .npz, .npy (or .txt / .csv for labels).")


def load_user_tensor(name: str, data: str | Path, *, shape: str, labels: str | Path | None = None,
                     x_key: str = "X", y_key: str = "y") -> Dataset:
    """The dataset of one sheet row, validated (see the module docstring)."""
    data = Path(data)
    X = _load_array(data, x_key, f"dataset {name!r}: samples")
    if labels:
        labels = Path(labels)
        y_raw = _load_array(labels, y_key, f"dataset {name!r}: labels")
    elif data.suffix == ".npz":
        y_raw = _load_array(data, y_key, f"dataset {name!r}: labels")
    else:
        raise DataError(f"dataset {name!r}: {data} is a .npy file, which holds no labels; give a labels file "
                        "in the sheet's `labels` column.")
    want = parse_shape(shape)
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise DataError(f"dataset {name!r}: samples in {data} have dtype {X.dtype}; expected real numbers.")
    if X.ndim == 2 and int(np.prod(want)) == X.shape[1]:
        X = X.reshape((len(X),) + want)  # flattened samples, declared shape
    if tuple(X.shape[1:]) != want:
        raise DataError(f"dataset {name!r}: samples in {data} have shape {tuple(X.shape[1:])} but the sheet declares "
                        f"{'x'.join(map(str, want))}; fix the `shape` column or the file (first axis = samples).")
    y_raw = np.asarray(y_raw).reshape(-1)
    if len(y_raw) != len(X):
        raise DataError(f"dataset {name!r}: {len(y_raw)} labels for {len(X)} samples; give exactly one label per sample.")
    classes, y = np.unique(y_raw.astype(str) if y_raw.dtype.kind in "OUS" else y_raw, return_inverse=True)
    class_names = tuple(str(c) for c in classes)
    X = X.astype(np.float32)
    validate_tensor_dataset(X, y.astype(np.int64), class_names, name=name)
    if len(class_names) < 2:
        raise DataError(f"dataset {name!r}: all samples have the label {class_names[0]!r}; metric learning needs "
                        "at least 2 classes.")
    provenance = {"source": "tensor", "data": str(data), "data_sha256": sha256_file(data),
                  "labels": str(labels or data), "shape": list(want)}
    return Dataset(name, X, y.astype(np.int64), class_names, np.arange(len(X)).astype(str), provenance)
