"""Bring your own tensor: a labelled dataset from ``.npz`` / ``.npy`` files.

A row of the dataset sheet (``config/datasets.tsv``) names the samples file, the labels (a key
of the ``.npz``, or a separate ``.npy`` / text file with one label per line) and the declared
sample shape (e.g. ``64x64``). Labels may be integers or strings; classes are numbered in
sorted order. A text labels file whose first line is not a number while every other line is
(a header such as ``label``) has that line skipped, and the provenance says so.

Two levels of checks, each error naming the file, the problem and the fix:

- :func:`inspect_tensor_files`, when the workflow is parsed: the files exist and are
  readable, the arrays are there, their shapes (read from the ``.npy`` headers, not the data)
  match the declared sample shape and one another. Cheap on files of any size.
- :func:`load_user_tensor`, in the import job: the same, plus dtype, finite values, at least
  two classes of at least two samples each.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from norank.data.artifact import Dataset, validate_tensor_dataset
from norank.errors import DataError
from norank.io import sha256_file

ARRAY_SUFFIXES = (".npz", ".npy")
TEXT_SUFFIXES = (".txt", ".csv", ".tsv")


class FileError(DataError):
    """A problem with the file of one sheet column (``column``: data or labels, or shape)."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def parse_shape(text: str) -> tuple[int, ...]:
    """``"64x64"`` → ``(64, 64)``."""
    try:
        shape = tuple(int(p) for p in str(text).lower().replace("×", "x").split("x"))
    except ValueError:
        shape = ()
    if len(shape) < 2 or min(shape) < 1:
        raise FileError("shape", f"sample shape {text!r} is not of the form HxW (e.g. 64x64, or 8x8x3 for more axes).")
    return shape


def check_file(path: Path, column: str, suffixes: tuple[str, ...]) -> None:
    if not path.is_file():
        raise FileError(column, f"{path} does not exist; check the path (relative paths in a sheet are "
                                "relative to the sheet's folder).")
    if not os.access(path, os.R_OK):
        raise FileError(column, f"{path} is not readable; check its permissions.")
    if path.suffix not in suffixes:
        raise FileError(column, f"{path}: unsupported format {path.suffix!r}; use {' or '.join(suffixes)}.")


def _npy_header_shape(f) -> tuple[int, ...]:
    version = np.lib.format.read_magic(f)
    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, _ = reader(f)
    return tuple(shape)


def array_shape(path: Path, key: str | None, column: str) -> tuple[int, ...]:
    """The shape of array ``key`` of an ``.npz`` (or of an ``.npy``), from its header only."""
    try:
        if path.suffix == ".npy":
            with open(path, "rb") as f:
                return _npy_header_shape(f)
        with zipfile.ZipFile(path) as z:
            members = [m[:-4] for m in z.namelist() if m.endswith(".npy")]
            if key not in members:
                raise FileError(column, f"{path} has no array {key!r}; it has {members}. Name the array in the "
                                        f"sheet's `{'x_key' if column == 'data' else 'y_key'}` column.")
            with z.open(f"{key}.npy") as f:
                return _npy_header_shape(f)
    except DataError:  # ours (a ValueError too), already naming the file
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise FileError(column, f"{path} cannot be read ({e}); is it a valid {path.suffix} file?") from None


def read_text_labels(path: Path) -> tuple[np.ndarray, str | None]:
    """Labels of a text file, one per line, and the header line skipped (or None).

    A first line that is not a number while every other line is, is a header (``label``).
    """
    lines = [ln.strip() for ln in path.read_text().splitlines() if ln.strip()]

    def numeric(s):
        try:
            float(s)
            return True
        except ValueError:
            return False

    header = None
    if len(lines) > 1 and not numeric(lines[0]) and all(numeric(s) for s in lines[1:]):
        header, lines = lines[0], lines[1:]
    try:
        return np.array([int(s) for s in lines]), header  # integer classes sort as numbers
    except ValueError:
        return np.array(lines), header


def _labels_count(path: Path, key: str, column: str) -> tuple[int, str | None]:
    if path.suffix in TEXT_SUFFIXES:
        labels, header = read_text_labels(path)
        return len(labels), header
    shape = array_shape(path, key, column)
    if len(shape) != 1 and not (len(shape) == 2 and 1 in shape):
        raise FileError(column, f"labels in {path} have shape {shape}; expected one label per sample, shape (n,).")
    return int(np.prod(shape)), None


def _check_sample_shape(X_shape: tuple[int, ...], want: tuple[int, ...], data: Path) -> None:
    if len(X_shape) < 2:
        raise FileError("data", f"samples in {data} have shape {X_shape}: one axis only, so no sample shape; "
                                "expected (n, H, W), or (n, H*W) flattened with the sheet's `shape` column.")
    if len(X_shape) == 2 and int(np.prod(want)) == X_shape[1]:
        return  # flattened samples, declared shape
    if tuple(X_shape[1:]) != want:
        raise FileError("shape", f"samples in {data} have shape {tuple(X_shape[1:])} but the sheet declares "
                                 f"{'x'.join(map(str, want))}; fix the `shape` column or the file "
                                 "(first axis = samples).")


def _count_mismatch(n_labels: int, n: int, labels: Path, header: str | None) -> FileError:
    hint = ""
    if n_labels == n + 1 and labels.suffix in TEXT_SUFFIXES:
        first = str(read_text_labels(labels)[0][0]) if header is None else header
        hint = f" If the first line ({first!r}) is a header, delete it."
    return FileError("labels", f"{labels} has {n_labels} labels for {n} samples; give exactly one label per "
                               f"sample, in the samples' order.{hint}")


def inspect_tensor_files(data: str | Path, *, shape: str, labels: str | Path | None = None,
                         x_key: str = "X", y_key: str = "y") -> dict:
    """Parse-time checks of one dataset's files (headers only); returns ``{n_samples, sample_shape}``.

    Raises :class:`FileError` whose ``column`` names the sheet column to fix.
    """
    want = parse_shape(shape)
    data = Path(data)
    check_file(data, "data", ARRAY_SUFFIXES)
    X_shape = array_shape(data, x_key, "data")
    _check_sample_shape(X_shape, want, data)
    if labels:
        labels = Path(labels)
        check_file(labels, "labels", ARRAY_SUFFIXES + TEXT_SUFFIXES)
        n_labels, header = _labels_count(labels, y_key, "labels")
    elif data.suffix == ".npz":
        labels, header = data, None
        n_labels, _ = _labels_count(data, y_key, "labels")
    else:
        raise FileError("labels", f"{data} is a .npy file, which holds no labels; give a labels file in the "
                                  "sheet's `labels` column.")
    if n_labels != X_shape[0]:
        raise _count_mismatch(n_labels, X_shape[0], labels, header)
    return {"n_samples": int(X_shape[0]), "sample_shape": want}


def load_array(path: Path, key: str | None) -> np.ndarray:
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                return z[key]
        return np.load(path, allow_pickle=False)
    except DataError:  # ours (a ValueError too), already naming the file
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise DataError(f"{path} cannot be read ({e}); is it a valid {path.suffix} file?") from None


def load_user_tensor(name: str, data: str | Path, *, shape: str, labels: str | Path | None = None,
                     x_key: str = "X", y_key: str = "y") -> Dataset:
    """The dataset of one sheet row, validated (see the module docstring)."""
    try:
        want = inspect_tensor_files(data, shape=shape, labels=labels, x_key=x_key, y_key=y_key)["sample_shape"]
    except FileError as e:
        raise DataError(f"dataset {name!r}, sheet column `{e.column}`: {e}") from None
    data = Path(data)
    X = load_array(data, x_key)
    header = None
    if labels and Path(labels).suffix in TEXT_SUFFIXES:
        y_raw, header = read_text_labels(Path(labels))
    else:
        y_raw = load_array(Path(labels) if labels else data, y_key)
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise DataError(f"dataset {name!r}: samples in {data} have dtype {X.dtype}; expected real numbers.")
    X = X.reshape((len(X),) + want)
    y_raw = np.asarray(y_raw).reshape(-1)
    classes, y = np.unique(y_raw.astype(str) if y_raw.dtype.kind in "OUS" else y_raw, return_inverse=True)
    class_names = tuple(str(c) for c in classes)
    X = X.astype(np.float32)
    if len(class_names) < 2:
        raise DataError(f"dataset {name!r}: all samples have the label {class_names[0]!r}; metric learning needs "
                        "at least 2 classes.")
    validate_tensor_dataset(X, y.astype(np.int64), class_names, name=name)
    provenance = {"source": "tensor", "data": str(data), "data_sha256": sha256_file(data),
                  "labels": str(labels or data), "shape": list(want)}
    if header is not None:
        provenance["labels_header_skipped"] = header
    return Dataset(name, X, y.astype(np.int64), class_names, np.arange(len(X)).astype(str), provenance)
