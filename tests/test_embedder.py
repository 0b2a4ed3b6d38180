"""Reusing a trained encoder (norank.embedder, `norank embed`): new samples get the training's
preprocessing and the same embedding as the training's own; the estimator works in scikit-learn."""

import numpy as np
import pytest

from norank.errors import NorankError

OPTIONS = dict(encoder="mlp", epochs=3, classes_per_batch=3, batch_size=12, embedding_dim=4, mlp_hidden=[16])


def blobs(n_per=10, C=3, shape=(4, 5), seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, size=(C,) + shape)
    X = np.concatenate([centres[c] + 0.3 * rng.normal(size=(n_per,) + shape) for c in range(C)])
    return (5 + 3 * X).astype(np.float32), np.repeat(np.array(["a", "b", "c"])[:C], n_per)


def test_the_estimator_fits_transforms_and_round_trips_through_its_checkpoint(tmp_path):
    from norank.embedder import Embedder, NoRankEmbedding

    X, y = blobs()
    est = NoRankEmbedding(options=OPTIONS, seed=1)
    Z = est.fit_transform(X, y)
    assert Z.shape == (30, 4) and np.allclose(np.linalg.norm(Z, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(est.transform(X.reshape(30, -1)), Z, atol=1e-6)  # flattened row-major is the same
    np.testing.assert_array_equal(NoRankEmbedding(options=OPTIONS, seed=1).fit_transform(X, y), Z)  # seeded
    # the training's preprocessing comes with it: per-sample z-score, so scale and shift change nothing
    np.testing.assert_allclose(est.transform(10 * X - 2), Z, atol=1e-5)
    assert 0 <= est.score(X, y) <= 1
    est.save(tmp_path / "model.pt")
    np.testing.assert_allclose(Embedder.load(tmp_path / "model.pt").transform(X), Z, atol=1e-6)
    with pytest.raises(NorankError, match=r"samples of shape \(5, 4\) do not fit the encoder, which was trained on "
                                          r"samples of shape \(4, 5\); give \(n, 4, 5\) or \(n, 20\)"):
        est.transform(np.zeros((2, 5, 4)))
    with pytest.raises(NorankError, match="not fitted yet"):
        NoRankEmbedding().transform(X)


def test_a_grid_search_picks_options_on_inner_folds_of_the_training_part():
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from norank.embedder import NoRankEmbedding

    X, y = blobs()
    grid = GridSearchCV(NoRankEmbedding(options=OPTIONS),
                        {"options": [dict(OPTIONS, margin=m) for m in (0.2, 0.5)]},
                        cv=StratifiedKFold(2, shuffle=True, random_state=0))
    grid.fit(X, y)
    assert grid.best_params_["options"]["margin"] in (0.2, 0.5) and len(grid.cv_results_["mean_test_score"]) == 2
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()  # each inner fold scored: P@1 of its held-out part


def test_norank_embed_reads_a_runs_checkpoint_and_names_bad_input(tmp_path, capsys):
    from norank import cli
    from norank.embedder import NoRankEmbedding

    X, y = blobs()
    est = NoRankEmbedding(options=OPTIONS).fit(X, y)
    est.save(tmp_path / "model.pt")
    np.savez(tmp_path / "new.npz", samples=X[:7])
    assert cli.main(["embed", str(tmp_path / "model.pt"), str(tmp_path / "new.npz"), "--x-key", "samples",
                     "--out", str(tmp_path / "Z.npy")]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "Z.npy"), est.transform(X[:7]), atol=1e-6)
    assert cli.main(["embed", str(tmp_path / "model.pt"), str(tmp_path / "new.npz"), "--out", "z.npy"]) == 2
    assert "has no array 'X'; it has ['samples']. Name it with --x-key" in capsys.readouterr().err
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    np.save(tmp_path / "x.npy", X)
    assert cli.main(["embed", str(tmp_path / "junk.pt"), str(tmp_path / "x.npy"), "--out", "z.npy"]) == 2
    err = capsys.readouterr().err
    assert f"cannot read {tmp_path / 'junk.pt'} as a checkpoint" in err and "norank verify" in err


def test_a_runs_checkpoint_embeds_raw_samples_as_the_run_embedded_its_artifact(tmp_path):
    """Rule train's model.pt records the artifact's normalisation: raw samples through Embedder give
    the run's own embeddings.npz."""
    from types import SimpleNamespace

    from norank.data.artifact import Dataset
    from norank.data.preprocess import prepare_dataset
    from norank.embedder import Embedder
    from norank.ml.train import TrainConfig, save_training, train_embedding

    X, y = blobs()
    y_int = np.unique(y, return_inverse=True)[1]
    raw = Dataset("toy", X, y_int, ["a", "b", "c"], np.arange(30), {"X_sha256": "x"})
    ds = prepare_dataset(raw, normalize="zscore")
    cfg = TrainConfig.from_dict(OPTIONS)
    result = train_embedding(ds.X, ds.y, np.arange(30), cfg, seed=0, progress=False)
    out = SimpleNamespace(model=tmp_path / "model.pt", embeddings=tmp_path / "embeddings.npz",
                          history=tmp_path / "history.tsv")
    save_training(out, result, ds, cfg, seed=0, split="all", test_idx=np.array([], dtype=int))
    Z_run = np.load(out.embeddings)["Z"]
    np.testing.assert_allclose(Embedder.load(out.model).transform(X), Z_run, atol=1e-5)


def test_fit_refuses_what_the_pipeline_refuses_naming_it():
    from norank.embedder import NoRankEmbedding

    X, y = blobs()
    y = y.astype(object)
    y[0] = "lonely"  # a class of one sample: no positive for its triplets
    with pytest.raises(NorankError, match=r"NoRankEmbedding.fit.*fewer than 2 samples: 'lonely' \(1\)"):
        NoRankEmbedding(options=OPTIONS).fit(X, y)
    X[3, 0, 0] = np.nan
    with pytest.raises(NorankError, match=r"1 sample\(s\) contain NaN or inf \(first indices: \[3\]\)"):
        NoRankEmbedding(options=OPTIONS).fit(X, blobs()[1])


# scikit-learn's generic checks generate 2-D (n_samples, n_features) data; NoRankEmbedding takes
# (n, H, W) samples (a matrix or image each) and refuses a 2-D array with a message naming the
# shape, so every check that fits on such data cannot apply (sparse and complex inputs, NaN,
# dtypes, pickling after fit, invariances, ... all fit on 2-D data first)
CANNOT_APPLY_2D = {
    "check_complex_data", "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
    "check_estimator_sparse_array", "check_estimator_sparse_matrix", "check_estimator_sparse_tag",
    "check_estimators_dtypes", "check_estimators_empty_data_messages", "check_estimators_fit_returns_self",
    "check_estimators_nan_inf", "check_estimators_overwrite_params", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_fit2d_1feature", "check_fit2d_1sample", "check_fit2d_predict1d",
    "check_fit_check_is_fitted", "check_fit_idempotent", "check_fit_score_takes_y",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance", "check_n_features_in",
    "check_n_features_in_after_fitting", "check_pipeline_consistency", "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input", "check_transformer_data_not_an_array", "check_transformer_general",
    "check_transformer_preserve_dtypes"}


def test_scikit_learns_estimator_checks_pass_where_they_apply():
    import warnings

    from sklearn.utils.estimator_checks import check_estimator

    from norank.embedder import NoRankEmbedding

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(NoRankEmbedding(options=dict(OPTIONS, epochs=1)), on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    assert failed == CANNOT_APPLY_2D, failed ^ CANNOT_APPLY_2D
    # the API conventions hold: parameters, cloning, set_params, nothing set in __init__, unfitted errors
    assert {"check_get_params_invariance", "check_set_params", "check_estimator_cloneable",
            "check_no_attributes_set_in_init", "check_parameters_default_constructible",
            "check_transformers_unfitted", "check_estimators_unfitted", "check_mixin_order"} <= passed
    # and each failure is the 2-D refusal, not a crash of its own
    for r in results:
        if r["status"] == "failed" and "X has shape" not in str(r["exception"]):
            assert r["check_name"] in {"check_positive_only_tag_during_fit", "check_estimators_nan_inf",
                                       "check_estimator_sparse_tag", "check_estimator_sparse_array",
                                       "check_estimator_sparse_matrix", "check_transformer_data_not_an_array",
                                       "check_estimators_empty_data_messages"}, (r["check_name"], r["exception"])
