"""Tables of the two studies beyond the paper, from the held-out protocol's summary rows.

- Loss comparison (seed 002): one encoder per loss (``loss-<name>`` methods, the paper's
  eq. 13 objective as ``loss-paper``), same data, folds, seeds and epoch budget.
- Unsupervised mode (seed 003): the PLM encoder (``loss-plm``, trained without labels) against
  the unsupervised baselines PCA, UMAP, CP and Tucker on the same held-out folds.

Every column is a (subset, metric) pair of :func:`norank.evaluate.evaluate_run` rows: clustering
and structure metrics on the held-out samples (``heldout``), retrieval with held-out queries
against the training gallery (``heldout->train``). Cells are mean ± sd over folds × seeds.
"""

from __future__ import annotations

import pandas as pd

from norank.labels import method_label
from norank.formatting import fmt_mean_sd
from norank.paper_tables import _cell, summary_cells

# (subset, metric, header)
LOSS_COLUMNS = [
    ("heldout->train", "precision_at_1", "P@1"),
    ("heldout->train", "map_at_r", "MAP@R"),
    ("heldout", "nmi_kmeans", "NMI"),
    ("heldout", "ari_kmeans", "ARI"),
    ("heldout", "silhouette_true_labels", "Sil."),
    ("heldout", "separation_ratio", "SR"),
]
UNSUPERVISED_COLUMNS = [
    ("heldout", "nmi_kmeans", "NMI"),
    ("heldout->train", "precision_at_1", "P@1"),
    ("heldout->train", "map_at_r", "MAP@R"),
    ("heldout", "trustworthiness", "Trust."),
    ("heldout", "continuity", "Cont."),
]

# per study: its columns and the column that ranks the methods (the key of best_per_dataset)
STUDY_COLUMNS = {
    "losses": (LOSS_COLUMNS, "precision_at_1[heldout->train]"),
    "unsupervised": (UNSUPERVISED_COLUMNS, "nmi_kmeans[heldout]"),
}


def study_table(summary: pd.DataFrame, datasets: list[str], methods: list[str],
                columns: list[tuple[str, str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per dataset × method (held-out protocol), one (mean, sd) per column.

    Returns ``(numeric, display)``; a method without any held-out row for a dataset is left out.
    """
    lookup = summary_cells(summary)
    rows, shown = [], []
    for d in datasets:
        for m in methods:
            cells = [(subset, metric, header, _cell(lookup, d, m, "heldout", subset, metric))
                     for subset, metric, header in columns]
            runs = max(c[3][2] for c in cells)
            if runs == 0:
                continue
            rows.append({"dataset": d, "method": m, "runs": runs,
                         **{f"{metric}[{subset}]_mean": v[0] for subset, metric, _, v in cells},
                         **{f"{metric}[{subset}]_sd": v[1] for subset, metric, _, v in cells}})
            shown.append({"Dataset": d, "Method": method_label(m, table=True), "Runs": runs,
                          **{header: fmt_mean_sd(v[0], v[1], metric) for _, metric, header, v in cells}})
    return pd.DataFrame(rows), pd.DataFrame(shown)


def best_per_dataset(numeric: pd.DataFrame, column: str) -> pd.DataFrame:
    """The row with the highest mean ``column`` per dataset (for the closing summary of a study)."""
    idx = numeric.groupby("dataset")[f"{column}_mean"].idxmax()
    return numeric.loc[idx, ["dataset", "method", f"{column}_mean", f"{column}_sd"]].reset_index(drop=True)
