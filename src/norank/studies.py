"""Tables of the two studies beyond the paper, from the held-out protocol's summary rows.

- Loss comparison: one encoder per loss (``loss-<name>`` methods, the paper's eq. 13
  objective as ``loss-eq13``), same data, folds, seeds and epoch budget.
- Unsupervised mode: the PLM encoder (``loss-plm``, trained without labels) against
  the unsupervised baselines PCA, UMAP, CP and Tucker on the same held-out folds.

Every column is a (subset, metric) pair of :func:`norank.evaluate.evaluate_run` rows
(:class:`norank.table_registry.Column`): clustering and structure metrics on the held-out
samples (``heldout``), retrieval with held-out queries against the training gallery
(``heldout->train``). Cells are mean ± sd over folds × seeds.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from norank.formatting import fmt_mean_sd
from norank.paper_tables import summary_table
from norank.table_registry import STUDY_TABLE_STEMS, TABLES, Column

LOSS_COLUMNS = TABLES[STUDY_TABLE_STEMS["losses"]].columns
UNSUPERVISED_COLUMNS = TABLES[STUDY_TABLE_STEMS["unsupervised"]].columns

# per study: its columns and the column that ranks the methods (the key of best_per_dataset)
STUDY_COLUMNS = {
    "losses": (LOSS_COLUMNS, "precision_at_1[heldout->train]"),
    "unsupervised": (UNSUPERVISED_COLUMNS, "nmi_kmeans[heldout]"),
}
NOTE = ("Held-out protocol: mean ± sd over folds × seeds; retrieval = held-out queries against the training gallery; "
        "clustering / structure on the held-out samples.")


def study_table(summary: pd.DataFrame, datasets: list[str], methods: list[str], columns: Sequence[Column],
                number_format=fmt_mean_sd) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per dataset × method (held-out protocol), one (mean, sd) per column: the rows of
    :func:`norank.paper_tables.summary_table` under the held-out protocol alone, so without its
    protocol column and the extension marks of the paper's tables.

    Returns ``(numeric, display)``; a method without any held-out row for a dataset is left out.
    """
    numeric, shown = summary_table(summary, datasets, methods, columns, protocols=("heldout",),
                                   number_format=number_format)
    return numeric.drop(columns=["protocol", "extension"], errors="ignore"), shown.drop(columns="Protocol",
                                                                                         errors="ignore")


def best_per_dataset(numeric: pd.DataFrame, column: str) -> pd.DataFrame:
    """The row with the highest mean ``column`` per dataset (for the closing summary of a study)."""
    idx = numeric.groupby("dataset")[f"{column}_mean"].idxmax()
    return numeric.loc[idx, ["dataset", "method", f"{column}_mean", f"{column}_sd"]].reset_index(drop=True)
