"""Tables 2-6, on hand-made summaries (the paper comparison: test_comparison.py)."""

import numpy as np
import pandas as pd
import pytest

from norank.formatting import fmt_mean_sd, fmt_number
from norank.paper_tables import (EXTENSION_NOTE, RED_FLAG_NOTE, cluster_table, efficiency_table, footnotes,
                                 published_header, published_values, reconstruction_table, table_methods)


def srow(dataset, method, protocol, subset, metric, mean, sd=np.nan, n=3):
    rank = int(method.split("-R")[1]) if "-R" in method else pd.NA
    return dict(dataset=dataset, method=method, rank=rank, protocol=protocol, subset=subset, metric=metric,
                mean=mean, sd=sd, n_runs=n, n_seeds=3, n_folds=1 if protocol == "paper" else 5, subsampled=False)


def test_one_number_format():
    # a bounded metric: its fixed decimals; any other number: 3 significant digits
    assert fmt_number(0.14332, "silhouette") == "0.143" and fmt_number(0.99951, "trustworthiness") == "0.9995"
    assert fmt_number(0.14332) == "0.143" and fmt_number(-7.33021) == "-7.33" and fmt_number(49.18) == "49.2"
    # one scientific notation, from 10^4 up and below 10^-3, never for a bounded metric
    assert fmt_number(0.99971) == "1.00" and fmt_mean_sd(0.99971, 0.0004, "separation_ratio") == "1.00 ± 0.00"
    assert fmt_number(31912.9395) == "3.19×10⁴" and fmt_number(4.01e9) == "4.01×10⁹" and fmt_number(9999.7) == "1.00×10⁴"
    assert fmt_number(0.000123) == "1.23×10⁻⁴" and fmt_number(0.000123, "ari") == "0.000"
    # no negative zero
    assert fmt_number(-0.0000012, "nmi") == "0.000" and fmt_mean_sd(-0.0001, 0.0002, "silhouette") == "0.000 ± 0.000"
    assert fmt_number(float("nan")) == "–" and fmt_number(float("inf")) == "∞"
    # mean ± sd: the sd to the mean's last place, a scientific mean factored out
    assert fmt_mean_sd(0.5, 0.01234) == "0.500 ± 0.012" and fmt_mean_sd(0.5, float("nan")) == "0.500"
    assert fmt_mean_sd(77712.0, 3712.0, "calinski_harabasz") == "(7.77 ± 0.37)×10⁴"


def test_cluster_table_has_a_row_per_method_and_protocol():
    s = pd.DataFrame([srow("d", "pca", "paper", "all", "nmi_kmeans", 0.7, 0.01),
                      srow("d", "pca", "heldout", "heldout", "nmi_kmeans", 0.6, 0.05, n=15),
                      srow("d", "tsne", "paper", "all", "nmi_kmeans", 0.8),
                      srow("d", "cp-R5", "paper", "all", "nmi_kmeans", 0.3)])
    methods = table_methods(["pca", "tsne", "cp"], [5])
    assert methods == ["pca", "tsne", "cp-R5", "metric_learning", "official_code"]  # a row where each ran
    num, shown = cluster_table(s, ["d"], ["nmi_kmeans"], methods)
    assert list(zip(num.method, num.protocol)) == [("pca", "paper"), ("pca", "heldout"), ("tsne", "paper"),
                                                  ("cp-R5", "paper")]  # no held-out t-SNE, no ML runs here
    assert num.loc[1, "nmi_kmeans_mean"] == 0.6 and num.loc[1, "runs"] == 15
    assert shown.loc[0, "NMI"] == "0.700 ± 0.010" and shown.loc[3, "Method"] == "CP-R5"


def test_retrieval_columns_read_held_out_queries_against_the_training_samples():
    s = pd.DataFrame([srow("d", "pca", "paper", "all", "precision_at_1", 0.9),
                      srow("d", "pca", "heldout", "heldout", "precision_at_1", 0.99),  # within the held-out fold
                      srow("d", "pca", "heldout", "heldout->train", "precision_at_1", 0.8)])
    num, _ = cluster_table(s, ["d"], ["precision_at_1"], ["pca"])
    assert list(num.precision_at_1_mean) == [0.9, 0.8]


def test_the_official_recipe_beyond_the_official_codes_datasets_is_marked_an_extension():
    s = pd.DataFrame([srow(d, m, "paper", "all", "nmi_kmeans", 0.5)
                      for d in ("faces", "stars") for m in ("metric_learning", "metric_learning-official")]
                     + [srow("faces", "official_code", "paper", "all", "nmi_kmeans", 0.4)])
    methods = table_methods([], [], ["eq13", "official"])
    num, shown = cluster_table(s, ["faces", "stars"], ["nmi_kmeans"], methods,
                               sources={"faces": "olivetti", "stars": "galaxy"})
    assert num.extension.tolist() == [False, False, False, False, True]  # the official recipe, only on galaxy
    assert shown.Method.tolist() == ["Metric learning", "Metric learning (official recipe)",
                                     "Metric learning (official code, unmodified)", "Metric learning",
                                     "Metric learning (official recipe) †"]


def test_reconstruction_table_picks_the_lowest_error_rank_per_family():
    s = pd.DataFrame([srow("d", f"cp-R{r}", "paper", "reconstruction_in_sample", "relative_error", e)
                      for r, e in ((5, 0.6), (20, 0.5))]
                     + [srow("d", f"cp-R{r}", "paper", "reconstruction_in_sample", "explained_variance", 1 - e**2)
                        for r, e in ((5, 0.6), (20, 0.5))]
                     + [srow("d", "cp-R5", "heldout", "reconstruction_heldout", "relative_error", 0.7),
                        srow("d", "cp-R5", "heldout", "reconstruction_heldout", "explained_variance", 0.51)])
    num, shown = reconstruction_table(s, ["d"])
    cp = num.set_index("method").loc["cp"]
    assert cp.in_sample_rank == 20 and cp.in_sample_error_mean == 0.5 and cp.in_sample_ev_mean == 0.75
    assert cp.heldout_rank == 5 and cp.heldout_error_mean == 0.7
    assert list(num.method) == ["cp"] and shown.loc[0, "Best rank (in-sample)"] == "20"


def eff_rows():
    rows = [dict(dataset="o", method=m, n_train=16, seed=s, accuracy=np.nan, status="not_applicable",
                 reason="n=16 < 2 x 40 classes") for m in ("metric_learning", "pca_svm") for s in (0, 1)]
    rows += [dict(dataset="o", method="metric_learning", n_train=128, seed=s, accuracy=a, status="ok", reason="")
             for s, a in ((0, 0.8), (1, 0.9))]
    return pd.DataFrame(rows)


def test_efficiency_table_shows_not_applicable_with_the_reason():
    num, shown = efficiency_table(eff_rows())
    ml = num[(num.n_train == 128)].iloc[0]
    assert ml.accuracy_mean == pytest.approx(0.85) and ml.accuracy_sd == pytest.approx(np.std([0.8, 0.9], ddof=1))
    assert shown.loc[0, "Metric learning"] == "NA (n=16 < 2 x 40 classes)"


def test_table5_marks_the_official_recipe_beyond_the_official_codes_datasets():
    s = pd.DataFrame([srow(d, "metric_learning-official", "paper", "reconstruction_in_sample", k, v)
                      for d in ("faces", "stars") for k, v in (("relative_error", 0.3), ("explained_variance", 0.91))])
    num, shown = reconstruction_table(s, ["faces", "stars"], sources={"faces": "lfw", "stars": "crystal"})
    assert shown.Method.tolist() == ["Metric learning (official recipe)", "Metric learning (official recipe) †"]


def test_table5_flags_an_explained_variance_below_minus_one():
    s = pd.DataFrame([srow("stars", "metric_learning-official", protocol, subset, k, v, 0.5)
                      for protocol, subset, err, ev in (("paper", "reconstruction_in_sample", 0.3, 0.91),
                                                        ("heldout", "reconstruction_heldout", 2.88, -7.25))
                      for k, v in (("relative_error", err), ("explained_variance", ev))])
    _, shown = reconstruction_table(s, ["stars"])
    variance = [c for c in shown if c.startswith("Expl. var.")]
    assert shown[variance].iloc[0].tolist() == ["0.910 ± 0.500", "-7.250 ± 0.500 ‡"]
    assert footnotes(shown) == "\n\n" + RED_FLAG_NOTE  # the note of the mark the table holds, and only it
    _, marked = reconstruction_table(s, ["stars"], sources={"stars": "crystal"})
    assert footnotes(marked) == "\n\n" + EXTENSION_NOTE + "\n\n" + RED_FLAG_NOTE


@pytest.mark.parametrize("mean, sd, metric, shown", [
    (22.7412, 2.4983, "davies_bouldin_true_labels", "22.7 ± 2.5"),  # 3 significant digits, sd to the same place
    (88123.4, 186.24, "calinski_harabasz_true_labels", "(8.81 ± 0.02)×10⁴"),
    (1234.5, 56.7, "calinski_harabasz_true_labels", "1230 ± 60"),
    (0.6012, 0.02345, "silhouette_true_labels", "0.601 ± 0.023"),
    (0.99951, 0.0002, "trustworthiness", "0.9995 ± 0.0002"),
    (0.5, float("nan"), "ari_kmeans", "0.500"),
    (float("nan"), 0.1, "nmi_kmeans", "–"),
])
def test_cells_have_the_metrics_own_digits(mean, sd, metric, shown):
    assert fmt_mean_sd(mean, sd, metric) == shown


def test_the_papers_values_follow_our_rows_in_the_display():
    cmp = pd.DataFrame([
        dict(table=2, dataset="oli", method="pca", metric="silhouette", paper=0.1434, paper_printed="0.1434",
             status="compared"),
        dict(table=2, dataset="oli", method="pca", metric="nmi", paper=0.77, paper_printed="0.7700", status="compared"),
        dict(table=2, dataset="oli", method="pca", metric="davies_bouldin", paper=-0.0001, paper_printed="-0.0001",
             status="compared"),
        dict(table=4, dataset="gal_r", method="pca", metric="nmi", paper=0.5, paper_printed="0.5",
             status="realistic preset (not a reproduction)"),
        dict(table=5, dataset="oli", method="cp-R5", metric="relative_error", paper=0.6441, paper_printed="0.6441 (R=5)",
             status="compared"),
    ])
    # the published values print by the rule of ours (the metric's decimals; the paper's note kept)
    assert published_values(cmp, 2) == {("oli", "pca"): {"Sil. (true)": "0.143", "NMI": "0.770", "DB (true)": "-1.00×10⁻⁴"}}
    assert published_values(cmp, 4) == {} and published_values(cmp, 5) == {("oli", "cp"): {"Error (in-sample)": "0.644 (R=5)"}}
    summary = pd.DataFrame([dict(dataset="oli", method="pca", rank=None, protocol="paper", subset="all",
                                 metric="silhouette_true_labels", mean=0.15, sd=0.0, n_runs=3)])
    _, shown = cluster_table(summary, ["oli"], ["silhouette_true_labels", "nmi_kmeans"], ["pca", "umap"],
                             published=published_values(cmp, 2))
    assert shown.Protocol.tolist() == ["paper", "published"] and shown["Sil. (true)"].tolist() == ["0.150 ± 0.000", "0.143"]
    # a published value the comparison reads beside ours on k-means labels says so
    on_kmeans = cmp.assign(label_variant=["kmeans", "", "true", "", ""])
    assert published_values(on_kmeans, 2)[("oli", "pca")]["Sil. (true)"] == "0.143 ᵏ"
