"""Every table the workflow writes, in one place: its stem, the paper's table number, its
caption, the report's label, its metric columns and how their cells print.

:data:`TABLES` maps a table's stem (``results/tables/<stem>.<format>``) to its
:class:`TableSpec`; the run plan (:func:`norank.plan.paper_tables`), the rule scripts, the
report and the summary read it. A metric column's header comes from :data:`METRICS`, once, for
our metric names (``ari_kmeans``, ``silhouette_true_labels``) and the paper's (``ari``,
``silhouette``) alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from norank.formatting import fmt_mean_sd

TABLE_FORMATS = ("csv", "md", "tex", "html")  # every table is written in each; the report shows the HTML


@dataclass(frozen=True)
class MetricColumn:
    """How a metric is shown: its column ``header``, its direction and what it means (the glossary)."""

    header: str
    higher_is_better: bool
    meaning: str


# a metric by the paper's name -> its column (ours adds a label variant: LABEL_VARIANTS)
METRICS = {
    "silhouette": MetricColumn("Sil.", True, "silhouette"),
    "davies_bouldin": MetricColumn("DB", False, "Davies-Bouldin index"),
    "calinski_harabasz": MetricColumn("CH", True, "Calinski-Harabasz index"),
    "separation_ratio": MetricColumn("SR", True,
                                     "separation ratio: mean between-class over mean within-class distance"),
    "continuity": MetricColumn("Cont.", True, "continuity (k = 5)"),
    "trustworthiness": MetricColumn("Trust.", True, "trustworthiness (k = 5)"),
    "ari": MetricColumn("ARI", True, "adjusted Rand index of k-means against the labels"),
    "nmi": MetricColumn("NMI", True, "normalised mutual information of k-means against the labels"),
    "precision_at_1": MetricColumn("P@1", True, "precision at 1: share of queries whose nearest neighbour has their "
                                               "label (held out: held-out queries against the training samples; in "
                                               "sample: leave-one-out)"),
    "knn_accuracy": MetricColumn("k-NN acc.", True, "accuracy of the majority label of the k = 5 nearest neighbours "
                                                    "(neighbours as for P@1)"),
    "map_at_r": MetricColumn("MAP@R", True, "mean average precision at R (neighbours as for P@1)"),
    "relative_error": MetricColumn("Error", False, "relative reconstruction error ||X - X_hat|| / ||X||"),
    "explained_variance": MetricColumn("Expl. var.", True, "explained variance 1 - error²"),
}
LABEL_VARIANTS = ("_true_labels", "_kmeans")  # our suffix: on which labels a metric is computed


def metric_column(metric: str) -> MetricColumn | None:
    """The column of ``metric``, ours (``ari_kmeans``) or the paper's (``ari``); None if it has none."""
    base = next((metric.removesuffix(v) for v in LABEL_VARIANTS if metric.endswith(v)), metric)
    return METRICS.get(base)


# the metrics we compute on both label variants: their headers name the variant ("Sil. (true)"),
# so a value on the true labels and one on k-means labels never share a header; ARI and NMI are
# of k-means by definition and keep their plain headers
TWO_VARIANTS = ("silhouette", "davies_bouldin", "calinski_harabasz")
VARIANT_HEADERS = {"_true_labels": " (true)", "_kmeans": " (k-means)"}


def metric_header(metric: str) -> str:
    """The column header of ``metric`` (``ari_kmeans`` -> ``ARI``, ``silhouette_true_labels`` ->
    ``Sil. (true)``, the paper's ``silhouette`` -> ``Sil.``)."""
    column = metric_column(metric)
    if column is None:
        raise KeyError(f"metric {metric!r} has no table column (norank.table_registry.METRICS)")
    variant = next((v for v in LABEL_VARIANTS if metric.endswith(v)), None)
    base = metric.removesuffix(variant) if variant else metric
    return column.header + (VARIANT_HEADERS[variant] if variant and base in TWO_VARIANTS else "")


@dataclass(frozen=True)
class Column:
    """One metric column of a table: ``metric`` read on ``subset`` of the metric summary (None:
    the protocol's own subset, ``all`` in sample, ``heldout`` held out)."""

    metric: str
    subset: str | None = None

    @property
    def header(self) -> str:
        return metric_header(self.metric)

    @property
    def key(self) -> str:
        """The column's name in the numeric table (``<key>_mean``, ``<key>_sd``)."""
        return self.metric if self.subset is None else f"{self.metric}[{self.subset}]"


def columns(*metrics: str, subset: str | None = None) -> tuple[Column, ...]:
    return tuple(Column(m, subset) for m in metrics)


@dataclass(frozen=True)
class TableSpec:
    """One table. ``label`` names it in the report and in ``results/summary.md``; ``caption`` heads
    its files. ``sources``: the dataset sources whose rows it holds (None: every dataset).
    ``columns``: its metric columns, after the name columns (Dataset, Method, ...); empty where
    they are not metrics (Table 1's properties, Table 6's methods). ``number_format(mean, sd,
    metric)`` prints a metric cell (None: the table's cells are text). ``filters``: the columns its
    report page can be filtered by (:func:`norank.report.html_table`)."""

    stem: str
    label: str
    caption: str
    number: int | None = None  # the paper's table number
    sources: tuple[str, ...] | None = None
    columns: tuple[Column, ...] = ()
    number_format: Callable[[float, float, str | None], str] | None = fmt_mean_sd
    formats: tuple[str, ...] = TABLE_FORMATS
    filters: tuple[str, ...] = ()
    subcategory: str = "Paper and comparison"  # its place under Tables in the report's menu


# the report's menu: Tables and Figures each hold the paper's (and their diagnostics) and the
# studies beyond the paper
STUDIES_SUBCATEGORY = "Studies beyond the paper"

# Tables 2 (no CH) and 3-4: Sil., DB, CH on the true labels, ARI and NMI of k-means
CLUSTER_COLUMNS = columns("silhouette_true_labels", "davies_bouldin_true_labels", "calinski_harabasz_true_labels",
                          "separation_ratio", "continuity", "trustworthiness", "ari_kmeans", "nmi_kmeans")
FACES_COLUMNS = tuple(c for c in CLUSTER_COLUMNS if c.metric != "calinski_harabasz_true_labels")


def _numbered(stem: str, number: int, title: str, **fields) -> TableSpec:
    """One of the paper's tables: captioned and labelled "Table <number>. <title>"."""
    caption = f"Table {number}. {title}"
    return TableSpec(stem, caption, caption, number, **fields)


TABLES = {spec.stem: spec for spec in (
    TableSpec("table1_datasets", "Table 1. Dataset properties",
              "Table 1. Dataset properties (from the dataset artifacts)", 1, number_format=None),
    _numbered("table2_faces", 2, "Clustering on LFW and Olivetti", sources=("lfw", "olivetti"), columns=FACES_COLUMNS),
    _numbered("table3_abide", 3, "Clustering on ABIDE", sources=("abide",), columns=CLUSTER_COLUMNS),
    _numbered("table4_synthetic", 4, "Clustering on the synthetic galaxy and crystal datasets",
              sources=("galaxy", "crystal"), columns=CLUSTER_COLUMNS),
    _numbered("table5_reconstruction", 5, "Reconstruction error and explained variance",
              columns=columns("relative_error", "explained_variance")),
    _numbered("table6_efficiency", 6, "Data efficiency: test accuracy after training on n samples"),
    TableSpec("table_user_datasets", "Your datasets (dataset sheet)",
              "Your datasets (dataset sheet): clustering as in Tables 3-4, and retrieval (held out: held-out "
              "queries against the training samples)", sources=("tensor",),
              columns=(*CLUSTER_COLUMNS, *columns("precision_at_1", "knn_accuracy", "map_at_r"))),
    TableSpec("paper_comparison", "Paper vs ours: every published cell, verdict and largest deviations",
              "Paper vs ours: every published cell of Tables 2-6", formats=("csv", "md", "html"),
              filters=("Verdict", "Owner", "Table", "Dataset", "Method", "Metric", "Informative")),
    TableSpec("official_fidelity", "The official code, unmodified, vs our official recipe",
              "The official code run unmodified against our re-implementation of its recipe: same datasets and "
              "seeds, in sample; Table 2's metrics and the seconds per epoch", columns=FACES_COLUMNS,
              number_format=None),
    TableSpec("table_losses", "Loss comparison (held out)",
              "Loss comparison (held-out folds): retrieval and clustering per loss",
              columns=(*columns("precision_at_1", "map_at_r", subset="heldout->train"),
                       *columns("nmi_kmeans", "ari_kmeans", "silhouette_true_labels", "separation_ratio",
                                subset="heldout")), subcategory=STUDIES_SUBCATEGORY),
    TableSpec("table_bridge", "From eq. 13 to the official recipe, one choice at a time",
              "From eq. 13 to the official recipe, one choice at a time: each choice's change of the metrics "
              "against eq. 13 on the same seed (mean ± sd over seeds), the endpoints' values and the whole gap",
              number_format=None, subcategory=STUDIES_SUBCATEGORY),
    TableSpec("table_tuning", "Tuning on inner splits: the chosen options",
              "Hyper-parameters chosen on an inner split of each split's training samples (tune): the budget, "
              "the inner scores of the configured and the chosen options, the chosen options", number_format=None,
              subcategory=STUDIES_SUBCATEGORY),
    TableSpec("table_unsupervised", "Unsupervised mode (held out)",
              "Unsupervised PLM metric learning vs PCA, UMAP, CP and Tucker (held-out folds)",
              columns=(Column("nmi_kmeans", "heldout"), *columns("precision_at_1", "map_at_r", subset="heldout->train"),
                       *columns("trustworthiness", "continuity", subset="heldout")),
              subcategory=STUDIES_SUBCATEGORY),
)}
# the tables the paper-tables rule writes from the metric summary (Tables 2-6, and the user's
# datasets laid out as Tables 3-4), in the order of its outputs
PAPER_TABLE_STEMS = ("table2_faces", "table3_abide", "table4_synthetic", "table5_reconstruction",
                     "table6_efficiency", "table_user_datasets")
STUDY_TABLE_STEMS = {"losses": "table_losses", "unsupervised": "table_unsupervised",
                     "bridge": "table_bridge"}  # a study's table
TABLE_LABELS = {stem: spec.label for stem, spec in TABLES.items()}  # the report's name of each table


def run_tables(sources: Iterable[str]) -> list[TableSpec]:
    """The :data:`PAPER_TABLE_STEMS` a run with datasets of ``sources`` writes: those holding a row of
    one of its datasets (Tables 5 and 6 hold every dataset)."""
    have = set(sources)
    return [TABLES[s] for s in PAPER_TABLE_STEMS if TABLES[s].sources is None or have & set(TABLES[s].sources)]
