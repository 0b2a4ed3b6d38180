"""The bridge from eq. 13 to the official recipe as bars: each choice's change of a metric against
eq. 13 (mean ± sd over seeds; a panel of one run each, as on a held-out fold, has no sd and says
so), the whole gap as a line (rows of :func:`norank.bridge.bridge_table`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from norank.bridge import EQ13, METRICS, OFFICIAL
from norank.figures.style import OKABE_ITO, new_figure


def plot_bridge(table: pd.DataFrame, *, panel_size: float = 2.4) -> Figure:
    """One row of panels per dataset and protocol, one column per metric of the protocol
    (:data:`norank.bridge.METRICS`): a horizontal bar per trained choice, and the official
    recipe's change (the gap) as a dashed line; choices both recipes share are left out."""
    groups = list(table.groupby(["dataset", "protocol"], sort=False))
    n_cols = max(len(METRICS[protocol]) for (_, protocol), _ in groups)  # the protocols that ran
    fig = new_figure(n_cols * panel_size * 1.4 + 0.6, len(groups) * panel_size * 1.1 + 0.6)
    axes = fig.subplots(len(groups), n_cols, squeeze=False)
    for r, ((dataset, protocol), g) in enumerate(groups):
        single = g[~g.choice.isin([EQ13, OFFICIAL, "sum"]) & g.trained.astype(bool)]
        for c in range(n_cols):
            ax = axes[r, c]
            if c >= len(METRICS[protocol]):
                ax.set_axis_off()
                continue
            col = METRICS[protocol][c]
            mean = single[f"{col.key}_delta_mean"].to_numpy(dtype=float)
            sd = single[f"{col.key}_delta_sd"].to_numpy(dtype=float)
            spread = bool(np.isfinite(sd).any())  # one run per choice (a held-out fold): no sd to draw
            y = np.arange(len(single))
            ax.barh(y, mean, xerr=np.nan_to_num(sd) if spread else None,
                    color=[OKABE_ITO[1] if m >= 0 else OKABE_ITO[3] for m in mean], capsize=2, height=0.7)
            gap = g[g.choice == OFFICIAL][f"{col.key}_delta_mean"].iloc[0]
            ax.axvline(gap, color="black", linestyle="--", linewidth=1.2, label=f"official − eq. 13: {gap:+.3f}")
            ax.axvline(0.0, color="grey", linewidth=0.6)
            ax.set_yticks(y, single.choice if c == 0 else [""] * len(y), fontsize="x-small")
            ax.invert_yaxis()
            where = "in sample" if protocol == "paper" else "held out"
            runs = "" if spread else ", one run: no sd"
            ax.set_title(f"{dataset}, {where}{runs}: Δ {col.header} [{col.subset}]", fontsize="small")
            ax.legend(fontsize="xx-small", loc="lower right")
            ax.tick_params(labelsize="x-small")
    return fig
