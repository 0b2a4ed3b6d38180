"""The two studies beyond the paper: losses in the trainer, diagnostics, PLM training, their tables and figure."""

import numpy as np
import pandas as pd
import pytest
import torch

from norank.errors import DataError, NorankError
from norank.evaluate import evaluate_run
from norank.figures.curves import plot_loss_diagnostics
from norank.ml.loss_zoo import LOSSES
from norank.ml.plm import local_subspaces, pair_similarity, similarity_matrix
from norank.ml.train import TrainConfig, embed, train_embedding
from norank.studies import LOSS_COLUMNS, study_table

SMALL = dict(epochs=3, classes_per_batch=3, batch_size=12, embedding_dim=8, mlp_hidden=(32,),
             cnn_channels=(4, 8), patience=10, val_fraction=0.2, eval_every=1)
DIAGNOSTIC_COLUMNS = {"intra_class_variance", "inter_class_variance", "variance_ratio", "active_ratio",
                      "grad_norm_mean", "grad_norm_median", "grad_norm_q90", "grad_norm_max"}


def blobs(n_per=12, C=3, shape=(6, 6), seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, size=(C,) + shape)
    X = np.concatenate([centres[c] + rng.normal(size=(n_per,) + shape) for c in range(C)]).astype(np.float32)
    return X, np.repeat(np.arange(C), n_per)


@pytest.mark.parametrize("loss", ("eq13",) + LOSSES)
def test_every_loss_trains_and_logs_both_diagnostics_every_epoch(loss):
    X, y = blobs()
    cfg = TrainConfig(loss=loss, diagnostics=True, **SMALL)
    res = train_embedding(X, y, np.arange(len(y)), cfg, seed=0, progress=False)
    hist = pd.DataFrame(res.history)
    assert len(hist) == 3 and DIAGNOSTIC_COLUMNS <= set(hist.columns)
    assert hist[sorted(DIAGNOSTIC_COLUMNS)].notna().all().all()
    assert hist.active_ratio.between(0, 1).all() and (hist.grad_norm_max >= hist.grad_norm_mean).all()
    assert (hist.variance_ratio > 0).all()
    assert ("diversity" in hist.columns) == (loss == "eq13")  # the eq. 13 terms only for the eq. 13 objective
    assert loss == "eq13" or loss in hist.columns


def test_diagnostics_only_observe_they_do_not_change_training():
    X, y = blobs()
    Z = [embed(train_embedding(X, y, np.arange(len(y)), TrainConfig(diagnostics=d, **SMALL), seed=3,
                               progress=False).model, X) for d in (False, True)]
    np.testing.assert_array_equal(Z[0], Z[1])


def test_a_loss_with_parameters_trains_them(monkeypatch):
    """ArcFace's class weights are learned along with the encoder (they are in the optimiser)."""
    import norank.ml.objectives as train_module

    built, original = [], train_module.build_loss

    def capture(*args, **kwargs):
        built.append(original(*args, **kwargs))
        built.append(built[-1].loss.W.detach().clone())
        return built[0]

    monkeypatch.setattr(train_module, "build_loss", capture)
    X, y = blobs()
    train_embedding(X, y, np.arange(len(y)), TrainConfig(loss="arcface", **SMALL), seed=0, progress=False)
    module, initial = built
    assert module.loss.W.shape == (8, 3) and not torch.equal(module.loss.W.detach().cpu(), initial.cpu())


def test_unknown_loss_and_plm_option_are_named():
    X, y = blobs()
    with pytest.raises(NorankError, match=r"loss 'hinge' \(training option loss\) is unknown"):
        train_embedding(X, y, np.arange(len(y)), TrainConfig(loss="hinge", **SMALL), seed=0, progress=False)
    with pytest.raises(NorankError, match=r"unknown PLM option\(s\) \['q'\]"):
        train_embedding(X, y, np.arange(len(y)), TrainConfig(loss="plm", loss_options={"q": 1}, **SMALL), seed=0,
                        progress=False)


def test_batch_similarity_matrix_equals_the_pairwise_definition():
    F = np.random.default_rng(2).normal(size=(40, 7))
    pieces = local_subspaces(F, k=8, m=2)
    idx = np.array([3, 17, 0, 39, 22, 5])
    i, j = np.meshgrid(idx, idx, indexing="ij")
    np.testing.assert_allclose(similarity_matrix(F, pieces, idx),
                               pair_similarity(F, pieces, i.ravel(), j.ravel()).reshape(6, 6), atol=1e-12)


def test_plm_training_never_reads_the_labels_and_lowers_its_loss():
    X, y = blobs(n_per=20)
    cfg = TrainConfig(loss="plm", loss_options={"k": 6}, **{**SMALL, "epochs": 8})
    runs = [train_embedding(X, labels, np.arange(len(y)), cfg, seed=1, progress=False)
            for labels in (y, np.full_like(y, -7), np.random.default_rng(0).permutation(y))]
    Z = [embed(r.model, X) for r in runs]
    np.testing.assert_array_equal(Z[0], Z[1])
    np.testing.assert_array_equal(Z[0], Z[2])
    hist = pd.DataFrame(runs[0].history)
    assert hist.plm.iloc[-1] < hist.plm.iloc[0] and hist.val_plm.notna().all()
    assert not {"val_precision_at_1", "train_separation_ratio"} & set(hist.columns)  # no label metric either


def test_plm_keeps_held_out_samples_out_of_training():
    X, y = blobs(n_per=20)
    train = np.arange(0, len(y), 2)
    poisoned = X.copy()
    poisoned[1::2] = np.nan
    cfg = TrainConfig(loss="plm", loss_options={"k": 6}, **SMALL)
    clean = embed(train_embedding(X, y, train, cfg, seed=0, progress=False).model, X[train])
    dirty = embed(train_embedding(poisoned, y, train, cfg, seed=0, progress=False).model, X[train])
    np.testing.assert_array_equal(clean, dirty)


def _summary(rows):
    return pd.DataFrame(rows, columns=["dataset", "method", "rank", "protocol", "subset", "metric", "mean", "sd",
                                       "n_runs"])


def test_study_table_reads_each_column_from_its_subset_and_skips_methods_without_runs():
    rows = [("d", "loss-eq13", None, "heldout", "heldout->train", "precision_at_1", 0.8, 0.1, 3),
            ("d", "loss-eq13", None, "heldout", "heldout->heldout", "precision_at_1", 0.1, 0.0, 3),  # other subset
            ("d", "loss-eq13", None, "paper", "all", "nmi_kmeans", 0.9, 0.0, 3),  # other protocol
            ("d", "loss-eq13", None, "heldout", "heldout", "nmi_kmeans", 0.5, 0.05, 3)]
    numeric, shown = study_table(_summary(rows), ["d"], ["loss-eq13", "loss-supcon"], LOSS_COLUMNS)
    assert list(numeric.method) == ["loss-eq13"] and numeric.runs.tolist() == [3]
    assert numeric["precision_at_1[heldout->train]_mean"].item() == 0.8
    assert numeric["nmi_kmeans[heldout]_mean"].item() == 0.5 and np.isnan(numeric["map_at_r[heldout->train]_mean"].item())
    assert shown.loc[0, "Method"] == "Paper objective (eq. 13)" and shown.loc[0, "P@1"] == "0.800 ± 0.100"
    assert shown.loc[0, "MAP@R"] == "–"


def test_loss_diagnostics_figure_one_line_per_loss_and_refuses_runs_without_diagnostics():
    def hist(s):
        return pd.DataFrame({"epoch": [1, 2], "intra_class_variance": [s, s / 2], "inter_class_variance": [1, 1.5],
                             "variance_ratio": [1 / s, 3 / s], "active_ratio": [1.0, 0.5],
                             "grad_norm_mean": [0.3, 0.2], "val_precision_at_1": [np.nan, 0.5]})
    fig = plot_loss_diagnostics([("A", [hist(1.0), hist(2.0)]), ("B", [hist(0.5)])], title="t", chance_precision=0.1)
    axes = fig.axes
    assert len(axes) == 6 and all(len(ax.lines) == 2 for ax in axes[:5]) and len(axes[5].lines) == 3  # + chance
    assert axes[2].get_yscale() == "log"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["A (2 runs)", "B (1 run)"]
    assert axes[5].lines[-1].get_ydata()[0] == 0.1 and axes[5].texts[0].get_text() == "chance 0.10"
    assert axes[0].lines[0].get_marker() != axes[0].lines[1].get_marker()  # told apart without colour
    with pytest.raises(DataError, match="loss 'C'.*variance_ratio"):
        plot_loss_diagnostics([("C", [hist(1.0).drop(columns="variance_ratio")])], title="t")


def test_trained_loss_methods_are_evaluated_like_metric_learning(tmp_path):
    from types import SimpleNamespace

    X, y = blobs(n_per=10)
    Z = np.random.default_rng(0).normal(size=(len(y), 4)).astype(np.float32)
    role = np.where(np.arange(len(y)) % 3 == 0, "heldout", "fit")
    np.savez(tmp_path / "e.npz", Z=Z, role=role)
    ds = SimpleNamespace(X=X, y=y, name="d")
    rows = pd.DataFrame(evaluate_run(ds, tmp_path / "e.npz", method="loss-supcon", split="fold0", seed=0, k=3))
    assert rows["rank"].isna().all() and set(rows.protocol) == {"heldout"}
    assert {"reconstruction_in_sample", "reconstruction_heldout", "heldout->train"} <= set(rows.subset)


def test_a_study_row_is_the_paper_tables_held_out_row_without_the_protocol():
    from norank.paper_tables import summary_table

    rows = [("d", "pca", None, "heldout", "heldout->train", "precision_at_1", 0.6, 0.1, 6),
            ("d", "pca", None, "heldout", "heldout", "nmi_kmeans", 0.4, 0.02, 6),
            ("d", "pca", None, "paper", "all", "nmi_kmeans", 0.9, 0.0, 3)]
    numeric, shown = study_table(_summary(rows), ["d"], ["pca"], LOSS_COLUMNS)
    full_numeric, full_shown = summary_table(_summary(rows), ["d"], ["pca"], LOSS_COLUMNS,
                                             protocols=("heldout",))
    assert "protocol" not in numeric and "Protocol" not in shown and len(full_shown) == 1
    assert numeric.equals(full_numeric.drop(columns=["protocol", "extension"]))
    assert shown.equals(full_shown.drop(columns="Protocol")) and shown.loc[0, "NMI"] == "0.400 ± 0.020"
