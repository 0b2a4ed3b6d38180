"""What the report shows: tables as HTML with directions and a glossary, and the landing summary."""

import io
import re

import pandas as pd

from norank.tolerance import Tolerance
from norank.report import glossary, html_table, markdown_blocks
from norank.summary import findings, summary_markdown, summary_rst, verdict_grid


def test_a_table_page_is_self_contained_html_with_arrows_and_the_abbreviations_spelled_out():
    shown = pd.DataFrame({"Dataset": ["lfw"], "Method": ["PCA + K-Means"], "Runs": [3], "Sil.": ["0.601 ± 0.023"],
                          "DB": ["7.33 ± 0.01"]})
    page = html_table(shown, "Table 2. Clustering", [("Verdict", pd.DataFrame({"A": [1]})), "**bold** note"], "n1\n\nn2")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" not in page
    assert "Sil. ↑" in page and "DB ↓" in page and "0.601 ± 0.023" in page and "<strong>bold</strong>" in page
    assert "silhouette (↑ better); DB = Davies-Bouldin index (↓ better)" in page
    assert page.index("Verdict") < page.index("PCA + K-Means") < page.index("n2")
    assert glossary(["Dataset", "n"]) == "" and "**Verdict**" in markdown_blocks([("Verdict", pd.DataFrame({"A": [1]}))])


def test_a_filterable_page_carries_its_script_filters_only_its_own_columns_and_aligns_names_left():
    shown = pd.DataFrame({"Verdict": ["within", "DIFFERS"], "Table": [2, 3], "Method": ["PCA + K-Means", "Tucker-R5"],
                          "Labels": ["", "true"], "Paper": ["0.975", "1.2×10^5"], "Gap": ["-0.02", "×1.3"],
                          "Why": ["a long reason " * 20, ""]})
    page = html_table(shown, "Comparison", filters=("Verdict", "Table", "Nowhere"))
    assert "<script>" in page and 'class="filterable"' in page and "http" not in page
    assert 'data-columns="[&quot;Verdict&quot;, &quot;Table&quot;]"' in page  # absent columns are dropped
    aligned = {shown.columns[int(i)] for selectors, rule in re.findall(r"([^{}]+)\{([^}]*)\}", page)
               if "text-align: left" in rule for i in re.findall(r"_row0_col(\d+)", selectors)}
    assert aligned == {"Verdict", "Method", "Labels", "Why"}, aligned  # names left, numbers (Table, Paper, Gap) right
    assert "background: #e3f3e6" in page and "background: #fbe3e1" in page  # the verdicts coloured
    assert 'class="data row0 col6 wrap"' in page or "col6 wrap" in page  # the reason wraps
    assert "<script" not in html_table(shown, "Comparison")  # a page without filters has no script


def srow(dataset, method, protocol, metric, mean, sd=0.0):
    return dict(dataset=dataset, method=method, rank=None, protocol=protocol,
                subset="all" if protocol == "paper" else "heldout", metric=metric, mean=mean, sd=sd, n_runs=3)


def crow(table, dataset, method, metric, paper, ours, within, why=""):
    return dict(table=table, paper_dataset=dataset, dataset=dataset, method=method, n_train=None, metric=metric,
                paper=paper, paper_printed=str(paper), ours_mean=ours, ours_sd=0.0, status="compared",
                diff=ours - paper, ratio=ours / paper, kind="bounded", within_tolerance=within,
                informative=None if not within else not why, uninformative_reason=why)


def test_the_findings_are_computed_from_the_results():
    summary = pd.DataFrame([
        srow("abide", "metric_learning", "paper", "ari_kmeans", 1.0), srow("abide", "metric_learning", "heldout", "ari_kmeans", 0.09, 0.05),
        srow("abide", "pca", "heldout", "ari_kmeans", 0.01),
        srow("lfw", "metric_learning", "paper", "ari_kmeans", 0.97), srow("lfw", "metric_learning", "heldout", "ari_kmeans", 0.76),
        srow("lfw", "umap", "heldout", "ari_kmeans", 0.80),
        # retrieval held out: held-out queries against the training samples (not the held-out subset)
        {**srow("lfw", "metric_learning", "heldout", "precision_at_1", 0.93), "subset": "heldout->train"},
        {**srow("lfw", "umap", "heldout", "precision_at_1", 0.70), "subset": "heldout->train"},
        srow("lfw", "umap", "heldout", "precision_at_1", 0.99),
    ])
    cmp = pd.DataFrame([crow(2, "lfw", "metric_learning", "silhouette", 0.975, 0.60, False),
                        crow(2, "lfw", "metric_learning-official", "silhouette", 0.975, 0.95, True),
                        crow(2, "lfw", "pca", "silhouette", -0.0186, -0.0186, True, "near zero: |-0.0186| < 0.05")])
    found = findings(summary, cmp, Tolerance())
    assert found[0].startswith("**Reproduction**: 2 of 3 compared published cells are within tolerance")
    assert "1 of 1 for the baselines; Metric learning: 0 of 1; Metric learning (official recipe): 1 of 1" in found[0]
    assert "). That is 2 within, of which 1 informative (1 uninformative: 1 near zero). Per table: Table 2: 2 within" in found[0]
    assert "lfw Metric learning 0.60, Metric learning (official recipe) 0.95 (paper 0.975)" in found[1]
    assert "Metric learning on abide, ARI 1.00 in sample against 0.09 ± 0.05 on held-out samples" in found[2]
    assert found[3] == ("**Best held out**: by ARI metric learning is best on 1 of 2 datasets (abide Metric learning "
                        "0.09; lfw UMAP 0.80); by P@1 metric learning is best on 1 of 1 datasets (lfw Metric learning "
                        "0.93).")
    assert "Table 2, lfw, Metric learning, silhouette: ours 0.600, paper 0.975 (7.5 bands off)" in found[4]
    read_back = pd.read_csv(io.StringIO(cmp.to_csv(index=False)))  # the rule reads results/tables/paper_comparison.csv
    assert findings(summary, read_back, Tolerance()) == found and verdict_grid(read_back).equals(verdict_grid(cmp))
    grid = verdict_grid(cmp)
    assert grid.to_dict("records")[0] == {"Method": "PCA + K-Means", "Table 2": "1 / 1, 0 informative"}
    assert grid.to_dict("records")[2] == {"Method": "Metric learning (official recipe)", "Table 2": "1 / 1, 1 informative"}
    rst, md = summary_rst(found, grid, "2 datasets."), summary_markdown(found, grid, "2 datasets.", {"Table 2": "tables/t2.html"})
    assert rst.startswith("Summary of this run\n---") and ".. csv-table::" in rst and "trust the held-out one" in rst
    assert "- [Table 2](tables/t2.html)" in md and re.search(r"\| PCA \+ K-Means +\| 1 / 1, 0 informative +\|", md)
    assert "how many of the within cells are informative" in md and "how many of the within cells are informative" in rst


def test_a_run_without_paper_datasets_or_held_out_folds_says_only_what_it_has():
    summary = pd.DataFrame([srow("digits", "metric_learning", "paper", "ari_kmeans", 1.0)])
    assert findings(summary) == []


def test_a_table_page_is_the_same_bytes_on_every_run_and_tables_keep_their_own_css_ids():
    a = pd.DataFrame({"Method": ["PCA", "published"], "ARI": [0.1, 0.2]})
    b = pd.DataFrame({"Method": ["UMAP", "published"], "ARI": [0.3, 0.4]})
    assert html_table(a, "T", [("B", b)]) == html_table(a.copy(), "T", [("B", b.copy())])
    ids = lambda page: set(re.findall(r'id="(T_\w+?)_row', page))  # noqa: E731
    assert len(ids(html_table(a, "T", [("B", b)]))) == 2  # two tables, two id prefixes


def test_the_headline_gives_the_verdict_and_whose_the_misses_are_per_table_and_dataset():
    from norank.summary import headline_sentence, headline_table

    def owned(row, owner, heldout=None):
        return {**row, "owner": owner, "heldout_mean": heldout, "heldout_sd": 0.01 if heldout else None}

    cmp = pd.DataFrame([
        owned(crow(2, "lfw", "metric_learning", "silhouette", 0.975, 0.696, False), "ours", 0.356),
        owned(crow(2, "lfw", "metric_learning-official", "silhouette", 0.975, 0.91, False), "unresolved"),
        owned(crow(2, "lfw", "pca", "silhouette", -0.0186, -0.0186, True, "near zero"), None),
        owned(crow(2, "lfw", "umap", "ari", 0.5, 0.1, False), "paper: official code differs"),
        owned(crow(2, "lfw", "tsne", "ari", 0.5, 0.2, False), "paper: official code differs"),
        owned(crow(4, "galaxy", "metric_learning", "silhouette", 1.0, 0.965, False), "paper: not rebuildable", 0.967),
        {**crow(4, "galaxy", "pca", "ari", 1.0, 1.0, True), "status": "paper prints NA"},
    ])
    rows = headline_table(cmp)
    assert rows[["Table", "Dataset", "Metric"]].values.tolist() == [[2, "lfw", "silhouette"],
                                                                    [4, "galaxy", "silhouette"]]
    lfw = rows.iloc[0]
    # published and ours at the metric's precision; the unmodified official code's column only when it ran
    assert (lfw["Paper"], lfw["Ours, eq. 13"], lfw["Ours, official recipe"], lfw["Held out, eq. 13"]) == (
        "0.975", "0.696 ± 0.000", "0.910 ± 0.000", "0.356 ± 0.010")
    assert "Official code, unmodified" not in rows
    assert lfw["Reproduced (all methods)"] == "1 / 5 (0 informative)"
    assert lfw["Misses by owner"] == "paper: official code differs 2, ours 1, unresolved 1"
    assert rows.iloc[1]["Reproduced (all methods)"] == "0 / 1 (0 informative)"  # the NA cell is not compared
    assert headline_sentence(cmp) == (
        "**Verdict**: 1 of 6 published cells reproduce within tolerance (0 of them informative), the metric-learning "
        "rows 0 of 3. Of the 5 that do not, the largest share is paper: official code differs (2); then ours 1; "
        "unresolved 1; paper: not rebuildable 1.")
    md = summary_markdown([], None, "run.", {}, headline_sentence(cmp), rows)
    assert md.index("**Verdict**: 1 of 6") < md.index("| Table ") < md.index("**within tolerance**") < md.index("run.")
    assert "within ± 0.05 of a published bounded score" in md  # the rule's own numbers (norank.tolerance)
    wide = summary_markdown([], None, "run.", {}, "v", rows, Tolerance(abs=0.1))
    assert "within ± 0.1 of a published bounded score" in wide
    assert re.search(r"\| 1\.000 +\| –", md)  # printed as formatted (tabulate would re-parse 1.000 to 1)
    assert headline_sentence(cmp[cmp.status != "compared"]) is None
