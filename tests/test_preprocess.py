import numpy as np
import pytest

from norank.data.artifact import Dataset
from norank.data.preprocess import augment_connectivity, prepare_dataset, stratified_subsample, zscore_per_sample
from norank.errors import DataError


def test_zscore_each_sample_on_its_own():
    rng = np.random.default_rng(0)
    X = rng.normal(3, 5, size=(6, 4, 5)) * np.arange(1, 7)[:, None, None]
    Z = zscore_per_sample(X)
    flat = Z.reshape(6, -1)
    np.testing.assert_allclose(flat.mean(axis=1), 0, atol=1e-6)
    np.testing.assert_allclose(flat.std(axis=1), 1, atol=1e-5)
    # hand check on one sample
    x = X[2].ravel()
    np.testing.assert_allclose(Z[2].ravel(), (x - x.mean()) / x.std(), rtol=1e-5)


def test_zscore_names_constant_samples():
    X = np.ones((3, 2, 2))
    X[1] = [[0, 1], [2, 3]]
    with pytest.raises(DataError, match=r"2 sample\(s\) are constant \(first indices \[0, 2\]\)"):
        zscore_per_sample(X)


def test_augmented_copies_are_symmetric_unit_diagonal_clipped():
    rng = np.random.default_rng(1)
    A = rng.normal(0, 2, size=(5, 7, 7))
    C = 0.5 * (A + A.transpose(0, 2, 1))
    X_aug, src = augment_connectivity(C, copies=3, sigma=0.02, clip=3.0, rng=rng)
    assert X_aug.shape == (15, 7, 7)
    np.testing.assert_array_equal(X_aug, X_aug.transpose(0, 2, 1))
    np.testing.assert_array_equal(X_aug[:, np.arange(7), np.arange(7)], 1.0)
    assert X_aug.max() <= 3.0 and X_aug.min() >= -3.0
    assert (np.abs(X_aug) == 3.0).any()  # values beyond 3 in C really were clipped
    np.testing.assert_array_equal(src, np.tile(np.arange(5), 3))
    # each copy is its source plus small noise (off the diagonal, where not clipped)
    off = ~np.eye(7, dtype=bool) & (np.abs(C[src]) < 2.9)
    d = (X_aug - C[src])[off]
    assert 0.005 < d.std() < 0.03  # noise of std 0.02 averaged by symmetrisation: 0.02/sqrt(2)


def test_augment_rejects_non_square():
    with pytest.raises(DataError, match="square"):
        augment_connectivity(np.zeros((2, 3, 4)), copies=1, rng=np.random.default_rng(0))


def test_stratified_subsample_caps_each_class():
    y = np.array([0] * 10 + [1] * 3 + [2] * 6)
    keep = stratified_subsample(y, 4, np.random.default_rng(0))
    assert np.bincount(y[keep]).tolist() == [4, 3, 4]
    assert (np.diff(keep) > 0).all()


def test_prepare_dataset_records_its_steps():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 4, 4)).astype(np.float32)
    X = 0.5 * (X + X.transpose(0, 2, 1))
    ds = Dataset("toy", X, np.repeat([0, 1, 2], 4), ("a", "b", "c"), np.arange(12).astype(str), {"X_sha256": "x"})
    out = prepare_dataset(ds, max_per_class=3, augment_copies=2, seed=0)
    assert out.X.shape == (9, 4, 4) and out.X_aug.shape == (18, 4, 4)
    assert out.aug_source.max() == 8
    assert len(out.provenance["preprocessing"]) == 3
    with pytest.raises(DataError, match="normalize"):
        prepare_dataset(ds, normalize="minmax")
