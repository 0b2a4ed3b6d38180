import json

import numpy as np
import pytest

from norank.baselines import (
    CPFactors,
    TuckerFactors,
    cp_project,
    cp_reconstruct,
    explained_variance,
    fit_baseline,
    fit_cp,
    fit_pca,
    fit_tsne,
    fit_tucker,
    linear_reconstruction,
    method_options,
    relative_error,
    tucker_project,
    tucker_ranks,
)
from norank.baselines import load_baseline_examples, load_shared_examples
from norank.errors import DataError, NorankError
from norank.methods import Method


def low_rank_cp(n=30, H=8, W=7, R=3, seed=0):
    rng = np.random.default_rng(seed)
    A, B, C = rng.normal(size=(n, R)), rng.normal(size=(H, R)), rng.normal(size=(W, R))
    return cp_reconstruct(A, np.ones(R), B, C)


def low_rank_tucker(n=30, H=8, W=7, R=(3, 3, 3), seed=0):
    rng = np.random.default_rng(seed)
    G = rng.normal(size=R)
    A, B, C = (np.linalg.qr(rng.normal(size=(m, r)))[0] for m, r in zip((n, H, W), R))
    return np.einsum("pqs,ip,jq,ks->ijk", G, A, B, C)


def test_cp_recovers_an_exactly_low_rank_tensor():
    X = low_rank_cp()
    fit = fit_cp(X, rank=3, seed=0, tol=1e-14, n_iter_max=3000)
    assert relative_error(X, fit.X_hat_train) < 1e-6
    assert fit.Z_train.shape == (30, 3) and fit.info["iterations"] > 1


def test_tucker_recovers_an_exactly_low_rank_tensor():
    X = low_rank_tucker()
    fit = fit_tucker(X, rank=3, seed=0, tol=1e-14, n_iter_max=500)
    assert relative_error(X, fit.X_hat_train) < 1e-6
    assert fit.Z_train.shape == (30, 3) and fit.info["rank"] == [3, 3, 3]


def test_projection_of_training_samples_reproduces_their_factors():
    X = low_rank_cp(seed=1)
    fit = fit_cp(X, rank=3, seed=0, tol=1e-14, n_iter_max=3000)
    w, (A, B, C) = fit.factors.weights, fit.factors.factors
    np.testing.assert_allclose(cp_project(X, w, B, C), fit.Z_train, rtol=1e-5, atol=1e-6)
    Xt = low_rank_tucker(seed=2)
    tf = fit_tucker(Xt, rank=3, seed=0, tol=1e-14, n_iter_max=500)
    core, (A, B, C) = tf.factors.core, tf.factors.factors
    np.testing.assert_allclose(tucker_project(Xt, core, B, C), tf.Z_train, rtol=1e-5, atol=1e-6)


def test_decompositions_carry_their_factors_typed_and_record_no_arrays():
    X = low_rank_cp(n=12, H=5, W=4, seed=4)
    cp = fit_cp(X, rank=2, seed=0, n_iter_max=50)
    assert isinstance(cp.factors, CPFactors) and cp.factors.weights.shape == (2,)
    assert [f.shape for f in cp.factors.factors] == [(12, 2), (5, 2), (4, 2)]
    assert cp.factors.factors[0] is cp.Z_train  # the sample-mode factor is the embedding
    w, (A, B, C) = cp.factors.weights, cp.factors.factors
    np.testing.assert_allclose(cp_reconstruct(A, w, B, C), cp.X_hat_train)
    tf = fit_tucker(X, rank=2, seed=0, n_iter_max=50, rank_mode="RHW")
    assert isinstance(tf.factors, TuckerFactors) and tf.factors.core.shape == (2, 5, 4)
    assert [f.shape for f in tf.factors.factors] == [(12, 2), (5, 5), (4, 4)]
    # info is what summary.json records: plain values, no factor arrays hidden in it
    assert set(cp.info) == set(tf.info) == {"rank", "iterations", "final_error", "seconds", "converged"}
    assert fit_pca(X, n_components=2).factors is None


def test_held_out_samples_are_projected_not_refitted():
    X = low_rank_cp(n=40, seed=3)
    fit = fit_cp(X[:30], X[30:], rank=3, seed=0, tol=1e-14, n_iter_max=3000)
    # the held-out samples share the training samples' B and C, so they are reconstructed exactly
    assert fit.Z_test.shape == (10, 3) and relative_error(X[30:], fit.X_hat_test) < 1e-5


def test_reconstruction_metrics_by_hand():
    X = np.array([[[3.0, 0.0], [0.0, 4.0]]])  # ||X|| = 5
    X_hat = np.array([[[3.0, 0.0], [0.0, 1.0]]])  # ||X - X_hat|| = 3
    assert relative_error(X, X_hat) == pytest.approx(0.6)
    assert explained_variance(X, X_hat) == pytest.approx(1 - 9 / 25)


def test_linear_reconstruction_is_exact_for_a_linear_code():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(50, 4))
    X = (Z @ rng.normal(size=(4, 6)) + 1.0).reshape(50, 2, 3)
    hat, hat_test = linear_reconstruction(Z[:40], X[:40], Z[40:])
    assert relative_error(X[:40], hat) < 1e-10 and relative_error(X[40:], hat_test) < 1e-10


def test_pca_transforms_held_out_and_tsne_refuses():
    X = np.random.default_rng(0).normal(size=(40, 5, 4))
    fit = fit_pca(X[:30], X[30:], n_components=3)
    assert fit.Z_train.shape == (30, 3) and fit.Z_test.shape == (10, 3) and fit.X_hat_test.shape == (10, 5, 4)
    with pytest.raises(NorankError, match="transform for unseen samples"):
        fit_tsne(X[:30], X[30:])


def test_only_baselines_are_fitted_and_tucker_rank_modes():
    X = low_rank_cp(n=10)
    for other in ("metric_learning", "loss-plm", "pca_svm", "transformer"):
        with pytest.raises(NorankError, match="is not a baseline"):
            fit_baseline(Method.parse(other), X)
        with pytest.raises(NorankError, match="is not a baseline"):
            method_options(Method.parse(other), {})
    assert tucker_ranks(20, (871, 111, 111)) == [20, 20, 20]
    assert tucker_ranks(20, (400, 64, 64), "RHW") == [20, 64, 64]
    assert tucker_ranks(50, (400, 64, 37)) == [50, 50, 37]


def test_fit_baseline_dispatches_with_options():
    X = low_rank_tucker(n=20)
    options = {"decomposition": {"tol": 1e-8, "n_iter_max": 20}}
    ours = fit_baseline(Method.decomposition("tucker", 2), X, seed=1, options=options)
    official = fit_baseline(Method.parse("tucker_rhw-R2"), X, seed=1, options=options)  # the official code's (R, H, W)
    assert ours.info["rank"] == [2, 2, 2] and official.info["rank"] == [2, 8, 7] and official.info["iterations"] <= 20
    assert ours.method == Method("tucker", rank=2) and official.method == Method("tucker_rhw", rank=2)
    # full-rank spatial modes reconstruct at least as well as rank-2 ones
    assert np.linalg.norm(X - official.X_hat_train) <= np.linalg.norm(X - ours.X_hat_train) + 1e-9


def test_method_options_pass_each_method_only_its_own_settings():
    opts = {"pca_components": 7, "tsne": {"perplexity": 5.0}, "umap": {"n_neighbors": 4}, "ranks": [2, 3],
            "decomposition": {"tol": 1e-3}}
    of = lambda name: method_options(Method.parse(name), opts)
    assert of("pca") == {"pca_components": 7} and of("tsne") == {"tsne": {"perplexity": 5.0}}
    assert of("cp-R3") == of("tucker_rhw-R3") == {"decomposition": {"tol": 1e-3}}
    assert of("umap") == {"umap": {"n_neighbors": 4}}


def test_reconstruction_examples_spread_over_classes():
    from norank.baselines import example_positions

    y = np.repeat(np.arange(40), 10)  # Olivetti's layout: 10 photos of each of 40 people
    assert y[example_positions(y)].tolist() == list(range(8))
    y = np.array([0, 0, 0, 0, 1, 1])
    assert example_positions(y, 5).tolist() == [0, 1, 2, 4, 5]  # round robin: 0, 1, then 0, 1, then 0


def test_a_baseline_job_fits_each_run_into_its_own_folder(tmp_path):
    import json

    from norank.baselines import fit_baseline_job
    from norank.data import Dataset
    from norank.splits import split_indices

    X, y = low_rank_cp(n=30), np.repeat(np.arange(3), 10)
    ds = Dataset("toy", X, y, ("a", "b", "c"), np.arange(30).astype(str))
    fold = dict(split="fold1", n_folds=3, split_seed=0)
    runs = [dict(split="all", split_params=dict(split="all"), method=Method("pca"), options={"pca_components": 4},
                 folder=str(tmp_path / "all" / "pca")),
            dict(split="fold1", split_params=fold, method=Method("cp", rank=3),
                 options={"decomposition": {"n_iter_max": 30}},
                 folder=str(tmp_path / "fold1" / "cp-R3"))]
    summaries = fit_baseline_job(ds, runs, seed=2)
    assert [s["method"] for s in summaries] == ["pca", "cp-R3"] and all(s["fit_seconds"] >= 0 for s in summaries)
    # each run's files are what fitting it alone gives: same split, seed and options
    train, test = split_indices(y, **fold)
    alone = fit_baseline(Method("cp", rank=3), X[train], X[test], seed=2, options={"decomposition": {"n_iter_max": 30}})
    saved = np.load(tmp_path / "fold1" / "cp-R3" / "embeddings.npz")
    np.testing.assert_array_equal(saved["index"], np.concatenate([train, test]))
    np.testing.assert_allclose(saved["Z"], np.concatenate([alone.Z_train, alone.Z_test]).astype(np.float32))
    on_disk = json.loads((tmp_path / "all" / "pca" / "summary.json").read_text())
    assert on_disk == summaries[0] and on_disk["n_train"] == 30 and on_disk["split"] == "all"


def test_load_baseline_examples_names_a_file_without_reconstructions(tmp_path):
    emb, summ = tmp_path / "embeddings.npz", tmp_path / "summary.json"
    np.savez(emb, Z=np.zeros((3, 2)))
    summ.write_text(json.dumps({"reconstruction": {"in_sample": {"relative_error": 0.25}}}))
    with pytest.raises(DataError, match="embeddings.npz"):
        load_baseline_examples(emb, summ)
    np.savez(emb, Z=np.zeros((3, 2)), X_hat_examples=np.ones((2, 2, 2)), example_index=np.array([0, 1]))
    idx, hat, err, summary = load_baseline_examples(emb, summ)
    assert idx.tolist() == [0, 1] and hat.shape == (2, 2, 2) and err == 0.25 and "reconstruction" in summary


def test_shared_examples_must_be_the_same_samples_in_every_run(tmp_path):
    summ = tmp_path / "summary.json"
    summ.write_text(json.dumps({"reconstruction": {"in_sample": {"relative_error": 0.5}}}))
    for name, idx in (("a", [0, 4]), ("b", [0, 4]), ("c", [1, 4])):
        np.savez(tmp_path / f"{name}.npz", Z=np.zeros((5, 2)), X_hat_examples=np.full((2, 2, 2), ord(name)),
                 example_index=np.array(idx))
    runs, idx = load_shared_examples([tmp_path / "a.npz", tmp_path / "b.npz"], [summ, summ])
    assert idx.tolist() == [0, 4] and [err for _, err, _ in runs] == [0.5, 0.5]
    assert runs[1][0][0, 0, 0] == ord("b")
    with pytest.raises(DataError, match=r"c\.npz stores reconstructions of samples \[1, 4\]"):
        load_shared_examples([tmp_path / "a.npz", tmp_path / "c.npz"], [summ, summ])
    assert load_shared_examples([], []) == ([], None)
