"""Table 6 machinery: the split, the classifiers, and a transformer that really learns."""

import numpy as np
import pytest

from norank.data.artifact import Dataset
from norank.efficiency import NotApplicable, allocate, efficiency_split, knn_accuracy, run_efficiency
from norank.errors import NorankError
from norank.methods import Method
from norank.ml.transformer import TokenTransformer, TransformerConfig, fit_transformer, predict


def test_allocate_gives_two_per_class_then_proportional():
    take = allocate(np.array([100, 10, 10]), 24)
    assert take.sum() == 24 and (take >= 2).all() and take[0] > take[1]
    assert allocate(np.array([3, 3]), 6).tolist() == [3, 3]
    with pytest.raises(NotApplicable, match="2 per class x 40 classes"):
        allocate(np.array([5] * 40), 64)
    with pytest.raises(NotApplicable, match="left after the test set"):
        allocate(np.array([5, 5]), 11)


def test_split_keeps_a_fixed_test_set_disjoint_from_training():
    y = np.repeat(np.arange(4), [50, 30, 15, 5])
    tr16, te16 = efficiency_split(y, 16, 0.2, split_seed=3)
    tr64, te64 = efficiency_split(y, 64, 0.2, split_seed=3)
    assert te16.tolist() == te64.tolist() and len(te16) == 20  # the same test set for every n
    assert np.bincount(y[te16]).tolist() == [10, 6, 3, 1]  # stratified
    for tr, n in ((tr16, 16), (tr64, 64)):
        assert len(tr) == n and not set(tr) & set(te16) and np.bincount(y[tr]).min() >= 2
    assert efficiency_split(y, 16, 0.2, split_seed=4)[1].tolist() != te16.tolist()
    other_seed = efficiency_split(y, 16, 0.2, split_seed=3, subset_seed=1)
    assert other_seed[1].tolist() == te16.tolist() and other_seed[0].tolist() != tr16.tolist()  # new subset, same test
    assert efficiency_split(y, 16, 0.2, split_seed=3)[0].tolist() == tr16.tolist()  # reproducible


def test_knn_accuracy_caps_k_at_the_smallest_class():
    Z = np.array([[0.0], [0.1], [5.0], [5.1], [5.2], [5.3]])
    y = np.array([0, 0, 1, 1, 1, 1])
    acc, k = knn_accuracy(Z, y, np.array([[0.05], [5.05]]), np.array([0, 1]), k=5)
    assert (acc, k) == (1.0, 2)  # with k=5 the 4 class-1 points would outvote class 0


def two_pattern_images(n, H=16, W=12, seed=0):
    """Class 0: bright left half, class 1: bright right half, plus strong noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, H, W)).astype(np.float32)
    X[y == 0, :, : W // 2] += 1.0
    X[y == 1, :, W // 2 :] += 1.0
    return X, y


def test_patch_tokens_tile_the_padded_image():
    cfg = TransformerConfig(patch=4, dim=8, heads=2)
    m = TokenTransformer((10, 7), 3, cfg)  # padded to 12 x 8 → 3 x 2 patches
    x = torch_arange_image(10, 7)
    t = m.tokenize(x)
    assert t.shape == (1, 6, 16)
    assert t[0, 0].tolist() == x[0, :4, :4].flatten().tolist()  # first patch = top-left tile
    assert t[0, 1, :3].tolist() == x[0, 0, 4:7].tolist() and t[0, 1, 3] == 0  # second patch, zero padding
    assert m(x).shape == (1, 3)


def torch_arange_image(H, W):
    import torch

    return torch.arange(H * W, dtype=torch.float32).reshape(1, H, W)


@pytest.mark.parametrize("tokens", ["patch", "rows"])
def test_transformer_learns_a_spatial_pattern(tokens):
    X, y = two_pattern_images(96)
    Xte, yte = two_pattern_images(64, seed=1)
    cfg = TransformerConfig(tokens=tokens, patch=4, dim=32, heads=4, epochs=30, batch_size=16, device="cpu")
    untrained = TokenTransformer(X.shape[1:], 2, cfg).eval()
    model = fit_transformer(X, y, cfg, seed=0)
    acc = (predict(model, Xte) == yte).mean()
    assert acc >= 0.9, acc
    assert (predict(untrained, Xte) == yte).mean() < acc  # it learned; not a lucky initialisation
    np.testing.assert_array_equal(predict(fit_transformer(X, y, cfg, seed=0), Xte), predict(model, Xte))  # seeded


def test_transformer_refuses_nan_input():
    X, y = two_pattern_images(8)
    X[0, 0, 0] = np.nan
    with pytest.raises(Exception, match="NaN or inf"):
        fit_transformer(X, y, TransformerConfig(epochs=1), seed=0)


def toy_dataset(n_per=30, C=3, H=8, W=8, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(C), n_per)
    X = rng.normal(size=(len(y), H, W)).astype(np.float32)
    X[np.arange(len(y)), y, :] += 3.0  # class c: bright row c
    return Dataset("toy", X, y, tuple("abc"[:C]), np.arange(len(y)).astype(str), {})


@pytest.mark.parametrize("method", ["metric_learning", "pca_svm", "transformer"])
def test_every_method_beats_chance_on_an_easy_problem(method):
    # the class is WHERE the bright row is: row tokens must learn their positions
    ds = toy_dataset(n_per=60)
    row = run_efficiency(ds, Method.parse(method), 96, seed=0, test_fraction=0.3, knn_k=3,
                         train_options=dict(epochs=15, batch_size=24, classes_per_batch=3, eval_every=5, device="cpu"),
                         transformer=dict(tokens="rows", dim=16, heads=2, epochs=60, batch_size=16, device="cpu"))
    assert row["method"] == method and row["status"] == "ok" and row["n_test"] == 54 and row["classes_in_train"] == 3
    assert row["accuracy"] > 0.8, row


def test_only_table_6_methods_run():
    with pytest.raises(NorankError, match="data-efficiency method cp-R5 is unknown"):
        run_efficiency(toy_dataset(C=3), Method.parse("cp-R5"), 12, seed=0)


def test_too_small_sizes_are_recorded_as_not_applicable():
    row = run_efficiency(toy_dataset(C=3), Method("pca_svm"), 4, seed=0)
    assert row["status"] == "not_applicable" and "3 classes" in row["reason"] and np.isnan(row["accuracy"])


def test_a_learning_curve_is_one_row_per_size_each_as_run_alone():
    from norank.efficiency import run_learning_curve

    ds = toy_dataset(n_per=20)
    rows = run_learning_curve(ds, Method("pca_svm"), [4, 12, 30], seed=1, pca_components=3)
    assert [(r["n_train"], r["status"]) for r in rows] == [(4, "not_applicable"), (12, "ok"), (30, "ok")]
    alone = run_efficiency(ds, Method("pca_svm"), 30, seed=1, pca_components=3)
    assert {k: v for k, v in rows[2].items() if k != "seconds"} == {k: v for k, v in alone.items() if k != "seconds"}
