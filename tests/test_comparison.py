"""The paper-vs-ours comparison (norank.comparison), on hand-made summaries."""

import io
import re

import numpy as np
import pandas as pd
import pytest
from test_paper_tables import eff_rows, srow

from norank.report import markdown_blocks
from norank.comparison import (OWNERS, attribute, cite_evidence, compare_with_paper, comparison_display, comparison_preamble, kmeans_evidence,
                               largest_deviations, other_recipe, read_deviation_notes, verdict_table, within_counts,
                               within_sentence)
from norank.tolerance import Tolerance, Uninformative
from norank.errors import NorankError


def cell(table, dataset, method, metric, value, rank=np.nan, n_train=np.nan, variant=""):
    return dict(table=table, dataset=dataset, method=method, rank=rank, n_train=n_train, metric=metric, value=value,
                printed="NA" if pd.isna(value) else str(value), label_variant=variant, note="")


def test_every_published_cell_gets_a_row_and_a_status():
    paper = pd.DataFrame([
        cell(2, "olivetti", "pca", "silhouette", 0.1434, variant="true"),
        cell(2, "olivetti", "cp", "nmi", 0.54, rank=5),
        cell(2, "olivetti", "cp", "nmi", 0.6, rank=10),
        cell(4, "galaxy", "pca", "nmi", 0.79),
        cell(6, "olivetti", "metric_learning", "accuracy", 0.5, n_train=16),
        cell(6, "olivetti", "metric_learning", "accuracy", 0.822, n_train=128),
        cell(6, "olivetti", "transformer", "accuracy", np.nan, n_train=128),
    ])
    s = pd.DataFrame([srow("oli", "pca", "paper", "all", "silhouette_true_labels", 0.1433, 0.0),
                      srow("oli", "pca", "paper", "all", "silhouette_kmeans", 0.31, 0.0),
                      srow("oli", "cp-R5", "paper", "all", "nmi_kmeans", 0.70, 0.01),
                      srow("oli", "cp-R5", "heldout", "heldout", "nmi_kmeans", 0.65, 0.02)])
    eff = pd.concat([eff_rows().replace("o", "oli"),
                     pd.DataFrame([dict(dataset="oli", method="transformer", n_train=128, seed=0, accuracy=0.4,
                                        status="ok", reason="")])])
    out = compare_with_paper(paper, s, eff, {"oli": "olivetti"})
    assert out.status.tolist() == ["compared", "compared", "not run: method or rank not configured",
                                   "not run: no configured dataset of source 'galaxy'",
                                   "not applicable: n=16 < 2 x 40 classes", "protocol unknown (Table 6)",
                                   "paper prints NA"]
    assert out.within_tolerance.tolist()[:2] == [True, False]  # 0.1433 vs 0.1434 in, 0.70 vs 0.54 out
    assert out.loc[0, "ours_other_variant"] == 0.31  # the other label variant is shown too
    assert out.loc[1, "diff"] == pytest.approx(0.16) and out.loc[1, "heldout_mean"] == 0.65
    assert out.loc[5, "ours_mean"] == pytest.approx(0.85) and out.loc[6, "ours_mean"] == 0.4


def test_a_kmeans_row_reads_our_kmeans_variant_and_the_metric_learning_row_each_recipe():
    paper = pd.DataFrame([cell(3, "abide", "metric_learning", "silhouette", 0.9932, variant="kmeans")])
    s = pd.DataFrame([srow("abide", m, "paper", "all", f"silhouette_{v}", x, 0.01)
                      for m, (t, k) in (("metric_learning", (0.05, 0.6)), ("metric_learning-official", (0.2, 0.95)))
                      for v, x in (("true_labels", t), ("kmeans", k))])
    out = compare_with_paper(paper, s, None, {"abide": "abide"}, recipes=["eq13", "official"])
    assert out.method.tolist() == ["metric_learning", "metric_learning-official"]
    assert out.ours_mean.tolist() == [0.6, 0.95] and out.ours_other_variant.tolist() == [0.05, 0.2]
    assert out.within_tolerance.tolist() == [False, True]


def test_statuses_for_realistic_presets_and_impossible_values():
    paper = pd.DataFrame([cell(4, "galaxy", "pca", "nmi", 0.79),
                          cell(6, "galaxy", "metric_learning", "accuracy", 1.005, n_train=128)])
    s = pd.DataFrame([srow(d, "pca", "paper", "all", "nmi_kmeans", 0.8, 0.0) for d in ("g_paper", "g_real")])
    eff = pd.DataFrame([dict(dataset=d, method="metric_learning", n_train=128, seed=0, accuracy=1.0, status="ok",
                             reason="") for d in ("g_paper", "g_real")])
    out = compare_with_paper(paper, s, eff, {"g_paper": "galaxy", "g_real": "galaxy"}, realistic=["g_real"])
    assert out.status.tolist() == ["compared", "realistic preset (not a reproduction)",
                                   "paper value impossible: accuracy 100.5% is above 100 %",
                                   "paper value impossible: accuracy 100.5% is above 100 %"]


def test_tolerance_is_absolute_for_bounded_and_a_ratio_for_scale_metrics():
    t = Tolerance(abs=0.05, ratio=1.25, sd_multiple=2.0, min_runs=3, cap_abs=0.15, cap_ratio=2.0)
    assert t.within("silhouette", 0.50, 0.54, 0.0, 3) and not t.within("silhouette", 0.50, 0.56, 0.0, 3)
    # a scale metric: 41.7 vs 88.5 is a factor 2.1, outside even the cap, whatever the sd
    assert not t.within("davies_bouldin", 41.7, 88.5, 49.3, 3) and t.band("davies_bouldin", 88.5, 49.3, 3) == 2.0
    assert t.within("calinski_harabasz", 4.0e9, 4.8e9, 0.0, 3)  # ×1.2
    assert not t.within("separation_ratio", 9276.0, 14000.0, 0.0, 3)  # ×1.51
    # sd widens a band only from min_runs runs, and never past the cap
    assert t.within("ari", 0.30, 0.40, 0.06, 3) and not t.within("ari", 0.30, 0.40, 0.06, 2)
    assert t.band("ari", 0.4, 1.0, 3) == 0.15
    assert t.within("davies_bouldin", -1.0, 2.0, 0.0, 3) is None  # no ratio of a value <= 0


def test_the_kmeans_rule_reads_only_the_papers_own_numbers():
    assert "impossible on the true labels" in kmeans_evidence(0.9932, 0.9997)  # ABIDE metric learning
    assert kmeans_evidence(0.9752, 49.18) is None  # LFW metric learning: classes separated, fine
    assert kmeans_evidence(0.0022, 1.0024) is None  # ABIDE CP-R5: no structure, no silhouette either


def test_the_published_label_variants_follow_the_rule(repo):
    """config/paper_values.csv says kmeans exactly where the rule does, with the reason in its note."""
    p = pd.read_csv(repo / "config" / "paper_values.csv", keep_default_na=False, na_values=[""])
    wide = p[p.table.isin([2, 3, 4])].assign(rank=p["rank"].fillna(-1)).pivot_table(
        index=["table", "dataset", "method", "rank"], columns="metric", values="value")
    for _, r in p[p.metric.isin(["silhouette", "davies_bouldin", "calinski_harabasz"])].iterrows():
        w = wide.loc[(r["table"], r["dataset"], r["method"], -1 if pd.isna(r["rank"]) else r["rank"])]
        evidence = kmeans_evidence(w["silhouette"], w["separation_ratio"])
        assert r["label_variant"] == ("kmeans" if evidence else "true"), r.to_dict()
        assert not evidence or evidence in r["note"]
    assert set(p[p.label_variant == "kmeans"].method) == {"pca", "tsne", "umap", "metric_learning"}
    assert set(p[p.label_variant == "kmeans"].dataset) == {"abide"}


def test_the_verdict_counts_per_table_and_method_in_the_tables_row_order():
    methods = ["metric_learning-official", "pca", "tucker_rhw-R5", "cp-R10", "pca", "metric_learning", "cp-R5", "pca",
               "pca"]
    within = [False, True, True, True, False, True, False, None, True]
    cmp = pd.DataFrame(dict(table=[2] * 7 + [3, 2], method=methods,
                            status=["compared"] * 7 + ["paper prints NA", "compared"],
                            within_tolerance=pd.Series(within, dtype=object),
                            informative=pd.Series([None, False, True, True, None, True, None, None, True], dtype=object),
                            uninformative_reason=["", "near zero: x", "", "", "", "", "", "", ""]))
    v = verdict_table(cmp)
    assert v.Method.tolist() == ["PCA + K-Means", "CP-R5", "CP-R10", "Tucker (R,H,W)-R5", "Metric learning",
                                 "Metric learning (official recipe)", "PCA + K-Means"]
    assert v.iloc[0].to_dict() == {"Table": 2, "Method": "PCA + K-Means", "cells": 3, "compared": 3, "within": 2,
                                   "informative": 1, "uninformative": 1, "share within": "67%"}
    assert v.iloc[-1].to_dict() == {"Table": 3, "Method": "PCA + K-Means", "cells": 1, "compared": 0, "within": 0,
                                    "informative": 0, "uninformative": 0, "share within": "–"}
    assert within_counts(cmp) == (5, 4)
    assert within_sentence(cmp) == "5 within, of which 4 informative (1 uninformative: 1 near zero)"


def test_a_within_cell_is_uninformative_where_a_failed_method_lands_or_every_working_one():
    rule = Uninformative(near_zero=0.05, ratio_near_one=0.05, ceiling=0.99)
    # bounded metrics whose failure value is 0 (ARI, NMI, Sil., explained variance): strictly below near_zero
    for metric in ("ari", "nmi", "silhouette", "explained_variance"):
        assert rule.reason(metric, 0.0499).startswith("near zero") and rule.reason(metric, -0.0499)
        assert rule.reason(metric, 0.05) is None and rule.reason(metric, 0.5) is None
    # trustworthiness, continuity, accuracy have no failure value at 0 (a random embedding's trust. is ~0.5)
    assert rule.reason("trustworthiness", 0.01) is None and rule.reason("accuracy", 0.02) is None
    # a separation ratio or relative error within 5 % of 1: no class structure / no better than zeros
    for metric in ("separation_ratio", "relative_error"):
        assert rule.reason(metric, 1.0131).startswith("near one") and rule.reason(metric, 0.9502)
        assert rule.reason(metric, 1.05) is None and rule.reason(metric, 9.85) is None
    # the ceiling of the scores that saturate once a task is solved, not of Sil. or explained variance
    for metric in ("ari", "nmi", "accuracy", "trustworthiness", "continuity"):
        assert rule.reason(metric, 0.99).startswith("at the ceiling") and rule.reason(metric, 0.9899) is None
    assert rule.reason("silhouette", 0.9999) is None and rule.reason("explained_variance", 0.995) is None
    # DB and CH have no failure value of their own
    assert rule.reason("davies_bouldin", 1.0) is None and rule.reason("calinski_harabasz", 0.01) is None
    assert rule.reason("ari", np.nan) is None
    assert Uninformative.from_config({"near_zero": 0.01}).reason("ari", 0.02) is None
    assert Uninformative.from_config(None) == rule


def test_only_within_cells_are_judged_informative_and_the_published_value_decides():
    paper = pd.DataFrame([cell(3, "abide", "pca", "ari", -0.0012),  # within, where any failure lands
                          cell(3, "abide", "pca", "nmi", 0.0324),  # outside tolerance: not judged
                          cell(3, "abide", "pca", "separation_ratio", 1.0024),  # within, no class separation
                          cell(3, "abide", "pca", "trustworthiness", 0.995),  # within, at the ceiling
                          cell(3, "abide", "pca", "continuity", 0.90),  # within, informative
                          cell(3, "abide", "tsne", "ari", 0.01)])  # not run
    s = pd.DataFrame([srow("abide", "pca", "paper", "all", "ari_kmeans", 0.01, 0.0),
                      srow("abide", "pca", "paper", "all", "nmi_kmeans", 0.30, 0.0),
                      srow("abide", "pca", "paper", "all", "separation_ratio", 1.01, 0.0),
                      srow("abide", "pca", "paper", "all", "trustworthiness", 0.97, 0.0),
                      srow("abide", "pca", "paper", "all", "continuity", 0.92, 0.0)])
    out = compare_with_paper(paper, s, None, {"abide": "abide"})
    assert out.within_tolerance.tolist() == [True, False, True, True, True, None]
    assert out.informative.tolist() == [False, None, False, False, True, None]
    assert [r.split(":")[0] for r in out.uninformative_reason] == ["near zero", "", "near one", "at the ceiling", "", ""]
    shown = comparison_display(out)
    assert shown.Informative.tolist() == ["no, near zero", "", "no, near one", "no, at the ceiling", "yes", ""]
    # the rule comes from the config: a tighter near_zero makes the ARI match count
    strict = compare_with_paper(paper, s, None, {"abide": "abide"}, uninformative=Uninformative(near_zero=0.001))
    assert strict.informative.tolist()[0] is True
    text = markdown_blocks(comparison_preamble(out, Tolerance()))
    assert "**Within tolerance**: 4 within, of which 1 informative (3 uninformative: 1 near zero, 1 near one, " \
           "1 at the ceiling)" in text and "|paper| < 0.05" in text
    assert re.search(r"\|\s+within \|\s+informative \|\s+uninformative \|", text)


def test_a_cell_within_only_under_the_capped_band_is_marked():
    t = Tolerance()
    # crystal Tucker-R20 NMI: 0.826 ± 0.075 (3 seeds) vs 0.919: 0.093 off, within only under 2 × sd capped at 0.15
    assert t.needs_cap("nmi", 0.9187, 0.8262, 0.0752, 3) and t.band("nmi", 0.8262, 0.0752, 3) == 0.15
    assert not t.needs_cap("nmi", 0.9187, 0.8262, 0.0752, 2)  # the sd does not count from 2 runs: not within
    assert not t.needs_cap("silhouette", -0.0514, -0.0837, 0.0955, 3)  # band at the cap, but within the base band
    assert not t.needs_cap("nmi", 0.9187, 0.8262, 0.05, 3)  # within under a widened band below the cap
    assert not t.needs_cap("nmi", 0.9187, 0.60, 0.10, 3)  # capped and still outside
    assert t.needs_cap("calinski_harabasz", 10.0, 5.5, 3.0, 3) and not t.needs_cap("calinski_harabasz", 10.0, 9.0, 3.0, 3)
    paper = pd.DataFrame([cell(4, "crystal", "pca", "nmi", 0.9187), cell(4, "crystal", "pca", "ari", 0.9)])
    s = pd.DataFrame([srow("c", "pca", "paper", "all", "nmi_kmeans", 0.8262, 0.0752),
                      srow("c", "pca", "paper", "all", "ari_kmeans", 0.88, 0.0752)])
    out = compare_with_paper(paper, s, None, {"c": "crystal"})
    assert out.band_capped.tolist() == [True, False]
    assert comparison_display(out).Band.tolist() == ["±0.150 (cap)", "±0.150"]
    assert "1 within cell(s) needed a band the sd widened up to the cap ±0.15 / ×2" in \
        markdown_blocks(comparison_preamble(out, Tolerance()))


def test_the_uninformative_defaults_are_the_configs_and_the_schemas(repo):
    import yaml

    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    schema = yaml.safe_load((repo / "workflow" / "schemas" / "config.schema.yaml").read_text())
    props = schema["properties"]["report"]["properties"]["uninformative"]["properties"]
    assert Uninformative.from_config(config["report"]["uninformative"]) == Uninformative()
    assert Uninformative(**{k: v["default"] for k, v in props.items()}) == Uninformative()


def test_the_markdown_says_the_rule_the_verdicts_and_the_gap_in_the_metrics_own_terms():
    paper = pd.DataFrame([cell(3, "abide", "pca", "davies_bouldin", 1.2721, variant="kmeans"),
                          cell(3, "abide", "pca", "ari", -0.0012)])
    s = pd.DataFrame([srow("abide", "pca", "paper", "all", "davies_bouldin_kmeans", 1.5, 0.1),
                      srow("abide", "pca", "paper", "all", "ari_kmeans", 0.01, 0.0)])
    out = compare_with_paper(paper, s, None, {"abide": "abide"})
    shown = comparison_display(out)
    assert shown.Gap.tolist() == ["×1.18", "0.011"] and shown.Band.tolist() == ["×/÷1.25", "±0.050"]
    assert shown.Verdict.tolist() == ["within", "within"] and shown.Labels.tolist() == ["kmeans", ""]
    text = markdown_blocks(comparison_preamble(out, Tolerance()))
    assert "max(ours/paper, paper/ours)" in text and "| PCA + K-Means |" in text and "compared: 2" in text


def test_the_paper_vs_ours_figure_counts_the_cells_in_the_band(tmp_path):
    from norank.figures.paper_vs_ours import plot_paper_vs_ours
    from norank.figures.style import save_figure

    paper = pd.DataFrame([cell(2, "olivetti", "pca", "silhouette", 0.14, variant="true"),
                          cell(2, "olivetti", "pca", "nmi", 0.5),
                          cell(2, "olivetti", "pca", "davies_bouldin", 1.8, variant="true"),
                          cell(2, "olivetti", "metric_learning", "separation_ratio", 9.85)])
    s = pd.DataFrame([srow("oli", "pca", "paper", "all", "silhouette_true_labels", 0.15, 0.0),
                      srow("oli", "pca", "paper", "all", "nmi_kmeans", 0.8, 0.0),
                      srow("oli", "pca", "paper", "all", "davies_bouldin_true_labels", 2.0, 0.0),
                      srow("oli", "metric_learning", "paper", "all", "separation_ratio", 3.0, 0.0)])
    cmp = compare_with_paper(paper, s, None, {"oli": "olivetti"})
    fig = plot_paper_vs_ours(cmp, ratio=1.25, abs_band=0.05, title="t")
    titles = [ax.get_title() for ax in fig.axes]
    assert "1 of 2 cells within the grey band" in titles[0] and "1 of 2 cells within the grey band" in titles[1]
    assert fig.axes[1].get_xscale() == "log" and fig.axes[1].get_yscale() == "log"
    # y is the gap (ours − paper; ours / paper): the band is a horizontal strip around 0 / 1
    points = {round(float(x), 4): float(y) for ax in fig.axes for coll in ax.collections
              for x, y in coll.get_offsets()}
    assert points[0.14] == pytest.approx(0.01) and points[0.5] == pytest.approx(0.3)
    assert points[9.85] == pytest.approx(3.0 / 9.85) and points[1.8] == pytest.approx(2.0 / 1.8)
    # the colour says the verdict or the owner of the miss
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "within tolerance" and "unresolved" in legend
    save_figure(fig, tmp_path / "f.png", tmp_path / "f.pdf", dpi=60)
    assert (tmp_path / "f.png").stat().st_size > 0


def test_tucker_cells_of_tables_2_to_4_are_compared_with_both_rank_modes_table_5_with_ours():
    paper = pd.DataFrame([cell(2, "olivetti", "tucker", "davies_bouldin", 2.97, rank=5, variant="true"),
                          cell(5, "olivetti", "tucker", "relative_error", 0.43, rank=20)])
    s = pd.DataFrame([srow("oli", "tucker-R5", "paper", "all", "davies_bouldin_true_labels", 9.0, 0.1),
                      srow("oli", "tucker_rhw-R5", "paper", "all", "davies_bouldin_true_labels", 3.1, 0.1),
                      srow("oli", "tucker-R20", "paper", "reconstruction_in_sample", "relative_error", 0.45, 0.0)])
    out = compare_with_paper(paper, s, None, {"oli": "olivetti"})
    assert out.method.tolist() == ["tucker-R5", "tucker_rhw-R5", "tucker-R20"]
    assert out.within_tolerance.tolist() == [False, True, True]  # the paper's DB came from the (R, H, W) mode
    only_ours = compare_with_paper(paper, s, None, {"oli": "olivetti"}, families=["cp", "tucker"])
    assert only_ours.method.tolist() == ["tucker-R5", "tucker-R20"]


def test_the_largest_deviations_are_counted_in_bands():
    paper = pd.DataFrame([cell(2, "olivetti", "pca", "nmi", 0.5), cell(2, "olivetti", "pca", "ari", 0.5),
                          cell(2, "olivetti", "pca", "davies_bouldin", 2.0, variant="true"),
                          cell(2, "olivetti", "pca", "separation_ratio", 2.0)])
    s = pd.DataFrame([srow("oli", "pca", "paper", "all", "nmi_kmeans", 0.8, 0.0),  # 0.3 off: 6 bands of 0.05
                      srow("oli", "pca", "paper", "all", "ari_kmeans", 0.52, 0.0),  # within
                      srow("oli", "pca", "paper", "all", "davies_bouldin_true_labels", 8.0, 0.0),  # x4: 6.2 bands
                      srow("oli", "pca", "paper", "all", "separation_ratio", 1.0, 0.0)])  # /2: 3.1 bands
    out = compare_with_paper(paper, s, None, {"oli": "olivetti"})
    top = largest_deviations(out, Tolerance())
    assert top.metric.tolist() == ["davies_bouldin", "nmi", "separation_ratio"]
    assert top.bands.round(1).tolist() == [6.2, 6.0, 3.1]
    assert "**The largest deviations (in units of the base band)**" in markdown_blocks(comparison_preamble(out, Tolerance()))


HEADER = "table,dataset,method,metric,owner,evidence,evidence_row,evidence_column,reason\n"
NOTES = HEADER + """2,olivetti,metric_learning,separation_ratio,ours,results/evidence/olivetti/m.csv,method=eq13,sr,the margin caps the ratio at {cited}
*,olivetti,metric_learning*,*,unresolved,results/evidence/olivetti/m.csv,method=official,sr,both recipes train on 400 faces ({cited})
*,*,pca,davies_bouldin,paper: inconsistent,results/evidence/never_made.csv,k=v,x,this run did not make the file ({cited})
*,*,pca,davies_bouldin,paper: not rebuildable,results/evidence/olivetti/m.csv,method=eq13,sr,PCA is deterministic ({cited})
"""
EVIDENCE = "method,sr\neq13,3.25\nofficial,9.0\n"


def notes_with_evidence(tmp_path, text=NOTES, made=("results/evidence/olivetti/m.csv",)):
    (tmp_path / "notes.csv").write_text(text)
    (tmp_path / "results/evidence/olivetti").mkdir(parents=True, exist_ok=True)
    (tmp_path / "results/evidence/olivetti/m.csv").write_text(EVIDENCE)
    return cite_evidence(read_deviation_notes(tmp_path / "notes.csv"), set(made), root=tmp_path)


def test_a_deviation_gets_the_first_matching_note_whose_evidence_was_made(tmp_path):
    notes = notes_with_evidence(tmp_path)
    assert notes.evidence_value.tolist()[:2] == [3.25, 9.0] and np.isnan(notes.evidence_value[2])
    paper = pd.DataFrame([cell(2, "olivetti", "metric_learning", "separation_ratio", 9.85),
                          cell(2, "olivetti", "metric_learning", "nmi", 0.95),
                          cell(2, "olivetti", "pca", "davies_bouldin", 2.0, variant="true"),
                          cell(2, "olivetti", "pca", "nmi", 0.5)])
    s = pd.DataFrame([srow("oli", "metric_learning", "paper", "all", "separation_ratio", 3.0, 0.0),
                      srow("oli", "metric_learning-official", "paper", "all", "separation_ratio", 9.0, 0.0),
                      srow("oli", "metric_learning", "paper", "all", "nmi_kmeans", 0.7, 0.0),
                      srow("oli", "metric_learning-official", "paper", "all", "nmi_kmeans", 0.6, 0.0),
                      srow("oli", "pca", "paper", "all", "davies_bouldin_true_labels", 8.0, 0.0),
                      srow("oli", "pca", "paper", "all", "nmi_kmeans", 0.9, 0.0)])
    cmp = attribute(compare_with_paper(paper, s, None, {"oli": "olivetti"}, recipes=["eq13", "official"]), notes)
    got = dict(zip(zip(cmp.method, cmp.metric), zip(cmp.owner, cmp.owner_reason, cmp.owner_evidence)))
    assert got["metric_learning", "separation_ratio"] == ("ours", "the margin caps the ratio at 3.25",
                                                          "results/evidence/olivetti/m.csv: 3.25")
    assert got["metric_learning-official", "separation_ratio"] == ("", "", "")  # within: nothing to own
    assert got["metric_learning", "nmi"][0] == got["metric_learning-official", "nmi"][0] == "unresolved"
    assert got["pca", "davies_bouldin"][:2] == ("paper: not rebuildable", "PCA is deterministic (3.25)")  # row 3 not made
    assert got["pca", "nmi"] == ("unresolved", "", "")  # no note matches
    evidence = other_recipe(cmp)
    assert evidence[cmp.index[(cmp.method == "metric_learning") & (cmp.metric == "separation_ratio")][0]] == \
        "official: 9.00 within"
    assert evidence[cmp.index[cmp.method == "pca"][0]] == ""
    text = markdown_blocks(comparison_preamble(cmp, Tolerance()))
    assert "by owner" in text and "unresolved: 3" in text and "paper: not rebuildable: 1" in text and "ours: 1" in text
    assert "eq13: 0.700 differs" in text and "official: 9.00 within" in text  # each names the other recipe
    assert "results/evidence/olivetti/m.csv: 3.25" in text


def test_without_the_cited_numbers_no_note_applies(tmp_path):
    notes = notes_with_evidence(tmp_path, made=())
    assert notes.evidence_value.isna().all()
    paper = pd.DataFrame([cell(2, "olivetti", "metric_learning", "separation_ratio", 9.85)])
    s = pd.DataFrame([srow("oli", "metric_learning", "paper", "all", "separation_ratio", 3.0, 0.0)])
    cmp = attribute(compare_with_paper(paper, s, None, {"oli": "olivetti"}, recipes=["eq13"]), notes)
    assert cmp.owner.tolist() == ["unresolved"]


@pytest.mark.parametrize("row, message", [
    ("method=eq13;x=1,sr", "'x=1' is not column=value for a column of the file"),
    ("method=eq13,speed", "the file has no column 'speed'"),
    ("protocol=paper,sr", "'protocol=paper' is not column=value"),
])
def test_a_cited_number_that_is_not_in_the_file_names_the_note(tmp_path, row, message):
    text = HEADER + f"2,olivetti,pca,nmi,ours,results/evidence/olivetti/m.csv,{row},x {{cited}}\n"
    with pytest.raises(NorankError, match=r"deviation_notes.csv, line 2, evidence results/evidence/olivetti/m.csv: "
                       + re.escape(message)):
        notes_with_evidence(tmp_path, text)


def test_a_row_this_run_did_not_make_leaves_the_note_out_but_two_rows_are_an_error(tmp_path):
    text = HEADER + "2,olivetti,pca,nmi,ours,results/evidence/olivetti/m.csv,method=tucker-R99,sr,x {cited}\n"
    assert notes_with_evidence(tmp_path, text).evidence_value.isna().all()  # a run with other ranks
    from norank.evidence import lookup
    with pytest.raises(NorankError, match=re.escape("m.csv: 2 rows match ''")):
        lookup(pd.read_csv(io.StringIO(EVIDENCE)), "", "sr", name="m.csv")


@pytest.mark.parametrize("row, message", [
    ("2,olivetti,pca,nmi,them,results/e.csv,a=1,v,x", "line 2, column `owner`: 'them' is not an owner"),
    ("2,olivetti,pca,nmi,ours,results/e.csv,a=1,v, ", "line 2, column `reason`: empty"),
    ("2,,pca,nmi,ours,results/e.csv,a=1,v,x", "line 2, column `dataset`: empty; write a pattern, or * for any"),
    ("2,olivetti,pca,nmi,ours,,a=1,v,x", "line 2, column `evidence`: '' cites no evidence file"),
    ("2,olivetti,pca,nmi,ours,notes.txt,a=1,v,x", "line 2, column `evidence`: 'notes.txt' cites no evidence file"),
    ("2,olivetti,pca,nmi,ours,results/e.csv,,v,x", "line 2, column `evidence_row`: empty"),
    ("2,olivetti,pca,nmi,ours,results/e.csv,a=1,,x", "line 2, column `evidence_column`: empty"),
    ("2,olivetti,pca,nmi,ours,results/e.csv,a=1,v,ours is 0.5", "line 2, column `reason`: it does not show the number"),
])
def test_a_bad_note_is_named_by_file_line_and_column(tmp_path, row, message):
    path = tmp_path / "notes.csv"
    path.write_text(HEADER + row + "\n")
    with pytest.raises(NorankError, match=re.escape(message)):
        read_deviation_notes(path)
    path.write_text("table,dataset,owner,reason\n2,lfw,ours,x\n")
    with pytest.raises(NorankError, match=r"notes.csv: the column\(s\) \['method', 'metric'"):
        read_deviation_notes(path)


def test_the_shipped_deviation_notes_are_well_formed_and_cite_rule_made_files(repo):
    notes = read_deviation_notes(repo / "config" / "deviation_notes.csv")
    assert len(notes) and set(notes.owner) <= set(OWNERS)
    made_by_rules = ("results/evidence/", "results/metrics/summary.csv", "results/tables/official_fidelity.csv",
                     "results/tables/table_bridge.csv")
    assert all(e.startswith(made_by_rules) for e in notes.evidence)


def test_the_shipped_reasons_type_no_number_but_the_papers(repo):
    """A reason shows its own evidence number through {cited}; every other decimal it states is a
    value the paper prints in the note's table (so no number of ours is typed by hand and drifts)."""
    notes = read_deviation_notes(repo / "config" / "deviation_notes.csv")
    paper = pd.read_csv(repo / "config" / "paper_values.csv")
    for i, r in notes.iterrows():
        printed = paper[paper.table.astype(str).str.fullmatch(r.table.replace("*", ".*"))].value.astype(float)
        # a decimal not glued to a word, a path or a section sign; a minus counts only before a space
        for number in ("".join(m) for m in re.findall(r"(?<![\w.:§])(-?)(\d+\.\d+)", r.reason)):
            half = 0.5 * 10.0 ** -len(number.split(".")[1])
            assert ((printed - float(number)).abs() <= half + 1e-12).any(), \
                f"line {i + 2}: {number} is not a printed value of Table {r.table}"


def test_a_note_pattern_names_alternatives_with_a_bar(tmp_path):
    text = HEADER + "2,olivetti,pca|umap,davies_bouldin|nmi,ours,results/evidence/olivetti/m.csv,method=eq13,sr,our inputs {cited}\n"
    notes = notes_with_evidence(tmp_path, text)
    paper = pd.DataFrame([cell(2, "olivetti", m, metric, 0.5, variant="true" if metric == "davies_bouldin" else "")
                          for m in ("pca", "umap", "tsne") for metric in ("davies_bouldin", "nmi", "ari")])
    s = pd.DataFrame([srow("oli", m, "paper", "all", metric, 0.9, 0.0) for m in ("pca", "umap", "tsne")
                      for metric in ("davies_bouldin_true_labels", "nmi_kmeans", "ari_kmeans")])
    cmp = attribute(compare_with_paper(paper, s, None, {"oli": "olivetti"}, recipes=["eq13"]), notes)
    got = dict(zip(zip(cmp.method, cmp.metric), cmp.owner))
    assert {k for k, v in got.items() if v == "ours"} == {(m, metric) for m in ("pca", "umap")
                                                          for metric in ("davies_bouldin", "nmi")}
    assert got["tsne", "nmi"] == got["pca", "ari"] == "unresolved"


def test_a_metric_learning_cell_is_compared_with_the_official_code_where_it_ran():
    paper = pd.DataFrame([cell(2, "olivetti", "metric_learning", "separation_ratio", 9.85),
                          cell(3, "abide", "metric_learning", "separation_ratio", 0.9997),
                          cell(2, "olivetti", "pca", "nmi", 0.5)])
    s = pd.DataFrame([srow("oli", "metric_learning-official", "paper", "all", "separation_ratio", 9.0, 0.0),
                      srow("oli", "official_code", "paper", "all", "separation_ratio", 4.0, 0.0),
                      srow("ab", "metric_learning-official", "paper", "all", "separation_ratio", 2.0, 0.0),
                      srow("oli", "pca", "paper", "all", "nmi_kmeans", 0.5, 0.0)])
    cmp = compare_with_paper(paper, s, None, {"oli": "olivetti", "ab": "abide"}, recipes=["official"])
    assert sorted(zip(cmp.dataset, cmp.method)) == [("ab", "metric_learning-official"), ("oli", "metric_learning-official"),
                                                    ("oli", "official_code"), ("oli", "pca")]  # not on ABIDE: no run
    unmodified = cmp[cmp.method == "official_code"].iloc[0]
    assert unmodified.ours_mean == 4.0 and unmodified.within_tolerance is False
    evidence = other_recipe(cmp)
    assert evidence[unmodified.name] == "official: 9.00 within"
    assert evidence[cmp.index[(cmp.method == "metric_learning-official") & (cmp.dataset == "oli")][0]] == \
        "official code: 4.00 differs"
