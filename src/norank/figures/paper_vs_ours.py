"""Every compared cell of the paper comparison (:mod:`norank.comparison`): the paper's value against ours."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from norank.figures.style import MARKERS, OKABE_ITO, new_figure
from norank.labels import DECOMPOSITION_LABELS, method_label
from norank.methods import METRIC_LEARNING, Method


def _method_group(method: str) -> str:
    """A method's colour group: metric learning by each recipe, each baseline family."""
    m = Method.parse(method)
    return method if m.family == METRIC_LEARNING else m.family


def plot_paper_vs_ours(cmp: "pd.DataFrame", *, ratio: float, abs_band: float, title: str,
                       panel_size: float = 3.6) -> Figure:
    """Every compared cell of the comparison (``norank.comparison``): the paper's value against
    ours (paper protocol, mean over seeds), bounded metrics on linear axes with the ±``abs_band``
    band around y = x, scale metrics on log axes with the ×/÷``ratio`` band; colour by method,
    marker by table. Cells whose band the sd widened are drawn against the base band."""
    from norank.comparison import SCALE

    done = cmp[cmp.status == "compared"]
    fig = new_figure(2 * panel_size + 1.8, panel_size + 0.9)
    axes = fig.subplots(1, 2, squeeze=False)[0]
    # the baselines' groups first, then the metric-learning recipes
    groups = [g for _, g in sorted({(Method.parse(m).family == METRIC_LEARNING, _method_group(m))
                                    for m in done.method})]
    colors = {g: OKABE_ITO[i % len(OKABE_ITO)] for i, g in enumerate(groups)}
    markers = {t: MARKERS[i % len(MARKERS)] for i, t in enumerate(sorted(done.table.unique()))}
    for ax, scale in zip(axes, (False, True)):
        part = done[done.metric.isin(SCALE) == scale]
        if scale:
            part = part[(part.paper > 0) & (part.ours_mean > 0)]
        if part.empty:
            ax.set_axis_off()
            continue
        lo = min(part.paper.min(), part.ours_mean.min())
        hi = max(part.paper.max(), part.ours_mean.max())
        if scale:
            lo, hi = lo / 1.5, hi * 1.5
            x = np.geomspace(lo, hi, 50)
            ax.fill_between(x, x / ratio, x * ratio, color="0.85", linewidth=0)
            ax.set_xscale("log")
            ax.set_yscale("log")
        else:
            lo, hi = lo - 0.05, hi + 0.05
            x = np.linspace(lo, hi, 50)
            ax.fill_between(x, x - abs_band, x + abs_band, color="0.85", linewidth=0)
        ax.plot(x, x, color="0.4", linewidth=0.8)
        for (g, t), sub in part.groupby([part.method.map(_method_group), part.table]):
            ax.scatter(sub.paper, sub.ours_mean, s=16, color=colors[g], marker=markers[t], alpha=0.85,
                       edgecolors="none")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        n_in = int((part.within_tolerance == True).sum())  # noqa: E712 (object column)
        what = "scale metrics (DB, CH, SR, rel. error), log axes" if scale else "bounded metrics (Sil., ARI, NMI, ...)"
        ax.set_title(f"{what}\n{n_in} of {len(part)} cells within the grey band", fontsize="small")
        ax.set_xlabel("paper", fontsize="small")
        ax.set_ylabel("ours (paper protocol, mean over seeds)", fontsize="small")
        ax.tick_params(labelsize="x-small")
    handles = [Line2D([], [], color=colors[g], marker="o", linestyle="",
                      label=DECOMPOSITION_LABELS.get(g) or method_label(g)) for g in groups]
    handles += [Line2D([], [], color="0.3", marker=markers[t], linestyle="", label=f"Table {t}") for t in markers]
    fig.legend(handles=handles, loc="outside right center", fontsize="x-small", frameon=False)
    fig.suptitle(title, fontsize="medium")
    return fig
