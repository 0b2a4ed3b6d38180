"""Clustering metrics vs CP / Tucker rank, metric learning as a reference line
(the rows come from :func:`norank.evaluate.rank_sensitivity_table`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from norank.evaluate import RANK_METRICS
from norank.figures.style import OKABE_ITO, new_figure
from norank.labels import method_label
from norank.methods import CP, METRIC_LEARNING, TUCKER, TUCKER_RHW

# axis labels of the metrics the figure shows by default
METRIC_LABELS = {
    "silhouette_true_labels": "silhouette (true labels)",
    "nmi_kmeans": "NMI (k-means)",
    "ari_kmeans": "ARI (k-means)",
}


def plot_rank_sensitivity(table: "pd.DataFrame", datasets: Sequence[str], metrics: Sequence[str] = RANK_METRICS,
                          *, title: str, panel_size: float = 2.6) -> Figure:
    """Metric vs CP / Tucker rank (mean ± sd over the runs) per dataset (row) and metric (column);
    metric learning, which has no rank, as a horizontal line with its ± sd band.

    ``table`` is :func:`norank.evaluate.rank_sensitivity_table`'s output. A single run has no sd: no bar, and the
    legend says how many seeds each mean pools.
    """
    fig = new_figure(len(metrics) * panel_size * 1.25 + 0.3, len(datasets) * panel_size * 0.8 + 1.0)
    axes = fig.subplots(len(datasets), len(metrics), squeeze=False)
    series = {CP: ("CP", OKABE_ITO[0], "o", "-"), TUCKER: ("Tucker", OKABE_ITO[3], "s", "--"),
              TUCKER_RHW: ("Tucker (R,H,W)", OKABE_ITO[4], "^", ":")}
    handles = {}
    for r, d in enumerate(datasets):
        for c, m in enumerate(metrics):
            ax = axes[r, c]
            rows = table[(table.dataset == d) & (table.metric == m)]
            # metric learning by each recipe: a line each (eq13 first)
            for i, (_, ml) in enumerate(rows[rows.family == METRIC_LEARNING].sort_values("method").iterrows()):
                color, style = (OKABE_ITO[2], ":") if i == 0 else (OKABE_ITO[5], "-.")
                ml_sd = 0.0 if np.isnan(ml["sd"]) else float(ml["sd"])
                line = ax.axhline(ml["mean"], color=color, linewidth=1.8, linestyle=style)
                ax.axhspan(ml["mean"] - ml_sd, ml["mean"] + ml_sd, color=color, alpha=0.2, linewidth=0)
                handles.setdefault(f"{method_label(ml['method'])} (no rank; {int(ml['n_seeds'])} seed(s))", line)
            ranks = set()
            for fam, (label, color, marker, ls) in series.items():
                f = rows[rows.family == fam].assign(rank=lambda t: t["rank"].astype(int)).sort_values("rank")
                if f.empty:
                    continue
                sd = f["sd"].fillna(0.0).to_numpy()
                h = ax.errorbar(f["rank"], f["mean"], yerr=sd, color=color, marker=marker, linestyle=ls,
                                markersize=4, capsize=3, linewidth=1.3)
                handles.setdefault(f"{label} (mean ± sd, {int(f['n_seeds'].max())} seed(s))", h)
                ranks |= set(f["rank"].tolist())
            ax.set_xticks(sorted(ranks))
            ax.set_title(f"{d}: {METRIC_LABELS.get(m, m)}", fontsize="small")
            ax.set_xlabel("rank R", fontsize="small")
            ax.set_ylabel(METRIC_LABELS.get(m, m), fontsize="small")
            ax.tick_params(labelsize="x-small")
    fig.legend(list(handles.values()), list(handles.keys()), loc="outside lower center", ncols=3,
               fontsize="small", frameon=False)
    fig.suptitle(title, fontsize="medium")
    return fig
