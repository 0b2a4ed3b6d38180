import numpy as np
import pytest

from norank.data.artifact import Dataset, load_dataset, save_dataset, validate_tensor_dataset
from norank.errors import DataError


def toy(n_per_class=3, C=2):
    rng = np.random.default_rng(0)
    n = n_per_class * C
    return Dataset(
        "toy",
        rng.normal(size=(n, 4, 5)).astype(np.float32),
        np.repeat(np.arange(C), n_per_class),
        tuple(f"c{i}" for i in range(C)),
        np.array([f"s{i}" for i in range(n)]),
        {"source": "test"},
    )


def test_round_trip_keeps_arrays_and_adds_provenance(tmp_path):
    ds = toy()
    save_dataset(tmp_path / "toy.npz", ds)
    back = load_dataset(tmp_path / "toy.npz")
    np.testing.assert_array_equal(back.X, ds.X)
    np.testing.assert_array_equal(back.y, ds.y)
    assert back.class_names == ds.class_names and list(back.sample_id) == list(ds.sample_id)
    assert back.provenance["counts"] == {"c0": 3, "c1": 3}
    assert back.provenance["source"] == "test" and back.X_aug is None


def test_truncated_artifact_is_named(tmp_path):
    p = tmp_path / "toy.npz"
    save_dataset(p, toy())
    p.write_bytes(p.read_bytes()[:200])
    with pytest.raises(DataError, match=f"{p}.*corrupt.*Delete"):
        load_dataset(p)


def test_tampered_values_fail_the_checksum(tmp_path):
    p = tmp_path / "toy.npz"
    save_dataset(p, toy())
    with np.load(p) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["X"][0, 0, 0] += 1
    np.savez(p, **arrays)
    with pytest.raises(DataError, match="checksum"):
        load_dataset(p)


def test_failed_write_leaves_no_file(tmp_path):
    ds = toy()
    bad = Dataset(ds.name, ds.X, ds.y[:-1], ds.class_names, ds.sample_id)
    with pytest.raises(DataError):
        save_dataset(tmp_path / "bad.npz", bad)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda X, y: (X.reshape(len(X), -1), y), "at least 3 axes"),
        (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X), y), "NaN or inf"),
        (lambda X, y: (X, y[:-1]), "one label per sample"),
        (lambda X, y: (X, y.astype(float)), "integer class indices"),
        (lambda X, y: (X, y + 1), "labels must be 0..1"),
        (lambda X, y: (X, np.array([0, 0, 0, 0, 0, 1])), r"'c1' \(1\).*positive"),
    ],
)
def test_validation_names_the_problem(mutate, message):
    ds = toy()
    X, y = mutate(ds.X, ds.y)
    with pytest.raises(DataError, match=message):
        validate_tensor_dataset(X, y, ds.class_names, name="toy")
