from norank.labels import method_label
from norank.methods import Method


def test_figure_labels_are_short():
    methods = ("pca", "tsne", "umap", "cp-R5", "tucker-R20", "metric_learning", "loss-arcface", "loss-plm")
    assert [method_label(m) for m in methods] == [
        "PCA", "t-SNE", "UMAP", "CP-R5", "Tucker-R20", "Metric learning", "ArcFace", "PLM (unsupervised)"]
    assert [method_label(Method.parse(m)) for m in methods] == [method_label(m) for m in methods]


def test_table_labels_follow_the_paper_headers():
    methods = ("pca", "tsne", "umap", "cp-R5", "metric_learning", "pca_svm", "loss-eq13")
    assert [method_label(m, table=True) for m in methods] == [
        "PCA + K-Means", "t-SNE + K-Means", "UMAP + K-Means", "CP-R5", "Metric learning", "PCA + SVM",
        "Paper objective (eq. 13)"]


def test_unknown_names_pass_through():
    assert method_label("my_method") == "my_method"
    assert method_label("cp-Rx", table=True) == "cp-Rx"
    assert method_label("loss-new_loss") == "new_loss"
