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


def test_a_text_label_file_with_a_header_line_is_read_without_it(tmp_path):
    X, _ = good()
    labels = tmp_path / "labels.csv"
    labels.write_text("label\n" + "\n".join(["10", "2", "3"] * 4) + "\n")
    ds = load_user_tensor("mine", write(tmp_path, X, name="x.npy"), shape="4x3", labels=labels)
    assert ds.class_names == ("2", "3", "10")  # integer classes, in numeric order
    assert ds.provenance["labels_header_skipped"] == "label"


def test_a_one_axis_array_is_refused_as_such(tmp_path):
    with pytest.raises(DataError, match=r"have shape \(12,\): one axis only, so no sample shape"):
        load_user_tensor("mine", write(tmp_path, np.zeros(12), np.arange(12) % 2), shape="4x3")


def sheet_with(tmp_path, rows, folder="sheets"):
    """A sheet in ``tmp_path/folder`` with these data rows under the standard header."""
    (tmp_path / folder).mkdir(exist_ok=True)
    sheet = tmp_path / folder / "datasets.tsv"
    sheet.write_text("# my data\nname\tdata\tlabels\tshape\n" + "".join(r + "\n" for r in rows))
    return sheet


def test_sheet_paths_are_relative_to_the_sheet(tmp_path, monkeypatch):
    X, y = good()
    (tmp_path / "data").mkdir()
    np.savez(tmp_path / "data" / "x.npz", X=X, y=y)
    np.save(tmp_path / "data" / "flat.npy", X.reshape(12, -1))
    (tmp_path / "data" / "y.txt").write_text("\n".join(y))
    sheet = sheet_with(tmp_path, ["mine\t../data/x.npz\t\t4x3", f"flat\t{tmp_path}/data/flat.npy\t../data/y.txt\t4x3"])
    monkeypatch.chdir(tmp_path)  # the sheet's own path is relative to the working directory
    out = read_dataset_sheet("sheets/datasets.tsv")
    data = (tmp_path / "data").resolve()
    assert out == {
        "mine": {"source": "tensor", "data": str(data / "x.npz"), "shape": "4x3"},
        "flat": {"source": "tensor", "data": str(data / "flat.npy"), "labels": str(data / "y.txt"), "shape": "4x3"},
    }
    assert load_user_tensor("flat", **{k: v for k, v in out["flat"].items() if k != "source"}).X.shape == (12, 4, 3)


def test_sheet_rows_are_checked_at_parse_time_with_line_name_and_column(tmp_path):
    X, y = good()
    np.savez(tmp_path / "x.npz", X=X, y=y)
    np.savez(tmp_path / "nolabels.npz", X=X)
    np.save(tmp_path / "flat1d.npy", np.zeros(12))
    (tmp_path / "header.csv").write_text("cls\n" + "\n".join(y) + "\n")  # string labels: cannot tell a header
    (tmp_path / "x.txt").write_text("not an array")
    cases = {
        "gone\tmissing.npz\t\t4x3": "line 3 (gone), column `data`: {d}/missing.npz does not exist; check the path "
        "(relative paths in a sheet are relative to the sheet's folder).",
        "hdr\tx.npz\theader.csv\t4x3": "line 3 (hdr), column `labels`: {d}/header.csv has 13 labels for 12 samples; "
        "give exactly one label per sample, in the samples' order. If the first line ('cls') is a header, delete it.",
        "flat\tflat1d.npy\theader.csv\t4x3": "line 3 (flat), column `data`: samples in {d}/flat1d.npy have shape "
        "(12,): one axis only, so no sample shape; expected (n, H, W), or (n, H*W) flattened with the sheet's "
        "`shape` column.",
        "bad\tx.npz\t\t5x3": "line 3 (bad), column `shape`: samples in {d}/x.npz have shape (4, 3) but the sheet "
        "declares 5x3; fix the `shape` column or the file (first axis = samples).",
        "nolab\tnolabels.npz\t\t4x3": "line 3 (nolab), column `labels`: {d}/nolabels.npz has no array 'y'; it has "
        "['X']. Name the array in the sheet's `y_key` column.",
        "shape\tx.npz\t\tbig": "line 3 (shape), column `shape`: sample shape 'big' is not of the form HxW",
        "txt\tx.txt\t\t4x3": "line 3 (txt), column `data`: {d}/x.txt: unsupported format '.txt'; use .npz or .npy.",
        "my-data\tx.npz\t\t4x3": "line 3 (my-data), column `name`: 'my-data' is not a valid dataset name",
        "olivetti\tx.npz\t\t4x3": "line 3 (olivetti), column `name`: dataset name 'olivetti' is already used",
        "m\tx.npz\t\t": "line 3 (m): column `shape` is empty; name, data and shape are required.",
        "m\tx.npz\t\t4x3\textra": "line 3 (m): 5 tab-separated cells for 4 columns",
    }
    for row, message in cases.items():
        sheet = tmp_path / "datasets.tsv"
        sheet.write_text("# my data\nname\tdata\tlabels\tshape\n" + row + "\n")
        with pytest.raises(NorankError) as e:
            read_dataset_sheet(sheet, existing=("olivetti",))
        assert str(e.value).startswith(f"dataset sheet {sheet}, " + message.format(d=tmp_path)), (row, str(e.value))


@pytest.mark.parametrize("text, message", [
    ("name\tdata\tshape\tcolour\nm\tx.npz\t4x4\tred\n", "line 1: unknown column(s) ['colour']"),
    ("name data shape\nm x.npz 4x4\n", "separated by tabs, not spaces"),
    ("name\tdata\nm\tx.npz\n", "the header has no column shape"),
    ("name\tdata\tshape\nm\tx.npz\t4x4\nm\tx.npz\t4x4\n", "line 3 (m), column `name`: dataset name 'm' is already used"),
])
def test_bad_sheets_are_named(tmp_path, text, message):
    X, y = good(H=4, W=4)
    np.savez(tmp_path / "x.npz", X=X, y=y)
    sheet = tmp_path / "datasets.tsv"
    sheet.write_text(text)
    with pytest.raises(NorankError) as e:
        read_dataset_sheet(sheet, existing=("olivetti",))
    assert message in str(e.value)


def test_missing_sheet_names_the_config_key(tmp_path):
    with pytest.raises(NorankError, match="dataset_sheet"):
        read_dataset_sheet(tmp_path / "nope.tsv")


def test_a_sheet_row_gives_its_dataset_its_own_training_options(tmp_path, repo):
    """Columns train / official_recipe: the dataset's own options as a YAML mapping (a 6 x 100 sensor
    set wants {encoder: mlp}); the schema checks them as datasets.<name>.train like any config."""
    import yaml
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    X, y = good()
    np.savez(tmp_path / "x.npz", X=X, y=y)
    sheet = tmp_path / "datasets.tsv"
    sheet.write_text("name\tdata\tshape\ttrain\tofficial_recipe\n"
                     "m\tx.npz\t4x3\t{encoder: mlp, epochs: 50}\t{epochs: 20}\nplain\tx.npz\t4x3\n")
    out = read_dataset_sheet(sheet)
    assert out["m"]["train"] == {"encoder": "mlp", "epochs": 50} and out["m"]["official_recipe"] == {"epochs": 20}
    assert "train" not in out["plain"]
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    config["datasets"].update(out)
    validate(config, str(repo / "workflow" / "schemas" / "config.schema.yaml"))
    config["datasets"]["m"]["train"]["encoder"] = "resnet"
    with pytest.raises(WorkflowError, match="resnet"):
        validate(config, str(repo / "workflow" / "schemas" / "config.schema.yaml"))
    for cell, message in (("{encoder: mlp", "column `train`: '{encoder: mlp' is not valid YAML"),
                          ("mlp", "column `train`: 'mlp' is not a mapping of options; write them as e.g. "
                                  "{encoder: mlp, epochs: 50}"),
                          # checked by the schema's training options here, so the message names the line
                          ("{encoder: mlp, epoch: 50}", "column `train`: Additional properties are not allowed "
                                                        "('epoch' was unexpected). The options are the keys of "
                                                        "`train` in config/config.yaml: augmented_copies,"),
                          ("{epochs: 0}", "column `train`: option `epochs`: 0 is less than the minimum of 1.")):
        sheet.write_text(f"name\tdata\tshape\ttrain\nm\tx.npz\t4x3\t{cell}\n")
        with pytest.raises(NorankError) as e:
            read_dataset_sheet(sheet)
        assert str(e.value).startswith(f"dataset sheet {sheet}, line 2 (m), {message}"), str(e.value)
