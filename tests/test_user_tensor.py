"""Bring-your-own tensors: the dataset sheet and the loader's checks, each with its message."""

import numpy as np
import pytest

from norank.config import read_dataset_sheet
from norank.data.user import load_user_tensor
from norank.errors import DataError, NorankError


def write(tmp_path, X, y=None, name="t.npz", **extra):
    path = tmp_path / name
    if name.endswith(".npz"):
        np.savez(path, X=X, **({} if y is None else {"y": y}), **extra)
    else:
        np.save(path, X)
    return path


def good(n=12, H=4, W=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, H, W)), np.array(["a", "b", "c"] * (n // 3))


def test_loads_npz_with_string_labels(tmp_path):
    X, y = good()
    ds = load_user_tensor("mine", write(tmp_path, X, y), shape="4x3")
    assert ds.X.shape == (12, 4, 3) and ds.X.dtype == np.float32 and ds.class_names == ("a", "b", "c")
    assert ds.y.tolist() == [0, 1, 2] * 4 and ds.provenance["source"] == "tensor"


def test_loads_flattened_npy_with_a_label_file(tmp_path):
    X, y = good()
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(y))
    ds = load_user_tensor("mine", write(tmp_path, X.reshape(12, -1), name="x.npy"), shape="4x3", labels=labels)
    np.testing.assert_allclose(ds.X, X.astype(np.float32))


@pytest.mark.parametrize("case, message", [
    ("shape", "have shape (4, 3) but the sheet declares 5x3"),
    ("nan", "contain NaN or inf"),
    ("singleton", "fewer than 2 samples: 'z' (1)"),
    ("length", "11 labels for 12 samples"),
    ("dtype", "expected real numbers"),
    ("one_class", "at least 2 classes"),
    ("missing", "does not exist"),
    ("corrupt", "cannot be read"),
    ("no_labels", "holds no labels"),
])
def test_bad_input_is_named(tmp_path, case, message):
    X, y = good()
    kw = dict(shape="4x3")
    if case == "shape":
        kw["shape"] = "5x3"
    elif case == "nan":
        X[3, 0, 0] = np.nan
    elif case == "singleton":
        y = y.copy()
        y[0] = "z"
    elif case == "length":
        y = y[:-1]
    elif case == "dtype":
        X = X.astype(str)
    elif case == "one_class":
        y = np.array(["a"] * 12)
    path = write(tmp_path, X, y)
    if case == "missing":
        path = tmp_path / "nope.npz"
    elif case == "corrupt":
        path.write_bytes(b"PK\x03\x04 not really a zip")
    elif case == "no_labels":
        path = write(tmp_path, X, name="x.npy")
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_user_tensor("mine", path, **kw)


def test_sheet_rows_become_tensor_datasets(tmp_path):
    sheet = tmp_path / "datasets.tsv"
    (tmp_path / "x.npz").write_bytes(b"")
    sheet.write_text("# my data\nname\tdata\tlabels\tshape\nmine\tx.npz\t\t64x64\n")
    out = read_dataset_sheet(sheet, base=tmp_path)
    assert out == {"mine": {"source": "tensor", "data": str(tmp_path / "x.npz"), "shape": "64x64"}}


@pytest.mark.parametrize("text, message", [
    ("name\tdata\tshape\tcolour\nm\tx.npz\t4x4\tred\n", "unknown column"),
    ("name\tdata\tshape\nm\tx.npz\t\n", "data row 1: missing shape"),
    ("name\tdata\tshape\nm\tx.npz\t4x4\nm\ty.npz\t4x4\n", "already used"),
    ("name\tdata\tshape\nolivetti\tx.npz\t4x4\n", "already used"),
])
def test_bad_sheets_are_named(tmp_path, text, message):
    sheet = tmp_path / "datasets.tsv"
    sheet.write_text(text)
    with pytest.raises(NorankError, match=message):
        read_dataset_sheet(sheet, existing=("olivetti",))


def test_missing_sheet_names_the_config_key(tmp_path):
    with pytest.raises(NorankError, match="dataset_sheet"):
        read_dataset_sheet(tmp_path / "nope.tsv")
