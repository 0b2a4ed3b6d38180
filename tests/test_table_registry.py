"""The table registry: one entry per table the workflow writes, one header per metric."""

import pytest

from norank import plan
from norank.paper_tables import published_header
from norank.report import METRIC_HEADERS, glossary, metric_key
from norank.table_registry import (METRICS, PAPER_TABLE_STEMS, STUDY_TABLE_STEMS, TABLE_LABELS, TABLES, Column,
                                   metric_header, run_tables)

WRITTEN = {"table1_datasets", "table2_faces", "table3_abide", "table4_synthetic", "table5_reconstruction",
           "table6_efficiency", "table_user_datasets", "paper_comparison", "official_fidelity", "table_losses",
           "table_unsupervised", "table_bridge", "table_tuning"}


def test_every_table_the_workflow_writes_has_one_entry_with_a_label_and_a_caption():
    assert set(TABLES) == WRITTEN and all(spec.stem == stem for stem, spec in TABLES.items())
    assert all(spec.label and spec.caption for spec in TABLES.values())
    assert len(set(TABLE_LABELS.values())) == len(TABLES)  # the report's links are told apart by label
    assert [TABLES[s].number for s in PAPER_TABLE_STEMS] == [2, 3, 4, 5, 6, None]
    assert TABLES["table3_abide"].caption == TABLES["table3_abide"].label == "Table 3. Clustering on ABIDE"
    assert TABLES["paper_comparison"].formats == ("csv", "md", "html") and "tex" in TABLES["table_losses"].formats
    assert set(STUDY_TABLE_STEMS.values()) <= set(TABLES) and TABLES["table1_datasets"].number_format is None


def test_a_header_names_the_label_variant_where_a_metric_has_two():
    assert metric_header("silhouette") == "Sil." and metric_header("silhouette_true_labels") == "Sil. (true)"
    assert metric_header("silhouette_kmeans") == "Sil. (k-means)" and metric_header("davies_bouldin_kmeans") == "DB (k-means)"
    # the paper's silhouette is shown beside ours on the true labels
    assert published_header("silhouette", 3) == "Sil. (true)" and published_header("calinski_harabasz", 3) == "CH (true)"
    assert metric_header("ari_kmeans") == "ARI" and metric_header("precision_at_1") == "P@1"
    assert published_header("relative_error", 5) == "Error (in-sample)" and published_header("nmi", 2) == "NMI"
    assert Column("map_at_r", "heldout->train").key == "map_at_r[heldout->train]"
    assert Column("nmi_kmeans").key == "nmi_kmeans" and Column("nmi_kmeans", "heldout").header == "NMI"
    with pytest.raises(KeyError, match="'accuracy' has no table column"):
        metric_header("accuracy")


def test_table_2_has_no_ch_and_every_table_column_is_in_the_reports_glossary():
    assert [c.header for c in TABLES["table2_faces"].columns] == ["Sil. (true)", "DB (true)", "SR", "Cont.", "Trust.",
                                                                   "ARI", "NMI"]
    assert [c.header for c in TABLES["table3_abide"].columns][:3] == ["Sil. (true)", "DB (true)", "CH (true)"]
    headers = {c.header for spec in TABLES.values() for c in spec.columns}
    assert all(metric_key(h) for h in headers) and set(METRIC_HEADERS) == {m.header for m in METRICS.values()}
    assert glossary(["Dataset", "Error (held out)"]).startswith("Error = relative reconstruction error")


def test_a_run_writes_the_paper_tables_of_its_sources_in_the_rules_order():
    assert [s.stem for s in run_tables({"abide"})] == ["table3_abide", "table5_reconstruction", "table6_efficiency"]
    assert [s.stem for s in run_tables({"tensor", "lfw"})] == ["table2_faces", "table5_reconstruction",
                                                             "table6_efficiency", "table_user_datasets"]
    config = {"datasets": {"g": {"source": "galaxy"}, "mine": {"source": "tensor"}}}
    assert plan.paper_tables(config) == {s.stem: s.caption for s in run_tables({"galaxy", "tensor"})}
