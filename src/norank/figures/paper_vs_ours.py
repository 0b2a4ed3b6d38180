"""Every compared cell of the paper comparison (:mod:`norank.comparison`): the paper's value against ours."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from norank.figures.style import MARKERS, OKABE_ITO, new_figure


WITHIN = "within tolerance"


def _owner(row) -> str:
    """A cell's colour group: within tolerance, or the owner class of its miss."""
    if row["within_tolerance"] is True or str(row["within_tolerance"]) == "True":
        return WITHIN
    return str(row.get("owner") or "unresolved")


def plot_paper_vs_ours(cmp: "pd.DataFrame", *, ratio: float, abs_band: float, title: str,
                       panel_size: float = 3.6) -> Figure:
    """Every compared cell of the comparison (``norank.comparison``): how far ours (paper protocol,
    mean over seeds) lands from the published value, against the published value. Bounded metrics:
    ours − paper, with the ±``abs_band`` band; scale metrics: ours / paper on a log axis, with the
    ×/÷``ratio`` band (a band drawn on y = x over 14 decades is a hairline; as a gap it is a
    visible strip). Colour: within tolerance, or the owner class of the miss; marker: table.
    Cells whose band the sd widened are drawn against the base band."""
    from norank.comparison import SCALE

    done = cmp[cmp.status == "compared"].copy()
    done["group"] = done.apply(_owner, axis=1)
    fig = new_figure(2 * panel_size + 2.2, panel_size + 0.9)
    axes = fig.subplots(1, 2, squeeze=False)[0]
    owners = sorted(set(done.group) - {WITHIN})
    colors = {WITHIN: "0.7", **{o: OKABE_ITO[i % len(OKABE_ITO)] for i, o in enumerate(owners)}}
    markers = {t: MARKERS[i % len(MARKERS)] for i, t in enumerate(sorted(done.table.unique()))}
    for ax, scale in zip(axes, (False, True)):
        part = done[done.metric.isin(SCALE) == scale]
        if scale:
            part = part[(part.paper > 0) & (part.ours_mean > 0)]
        if part.empty:
            ax.set_axis_off()
            continue
        gap = part.ours_mean / part.paper if scale else part.ours_mean - part.paper
        if scale:
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.axhspan(1 / ratio, ratio, color="0.88", linewidth=0)
            ax.axhline(1, color="0.4", linewidth=0.8)
            span = max(np.abs(np.log10(gap)).max(), np.log10(ratio)) * 1.15
            ax.set_ylim(10 ** -span, 10 ** span)
        else:
            ax.axhspan(-abs_band, abs_band, color="0.88", linewidth=0)
            ax.axhline(0, color="0.4", linewidth=0.8)
            span = max(np.abs(gap).max(), abs_band) * 1.15
            ax.set_ylim(-span, span)
        for (g, t), sub in part.assign(gap=gap).groupby(["group", "table"]):
            ax.scatter(sub.paper, sub.gap, s=16, color=colors[g], marker=markers[t], alpha=0.85,
                       edgecolors="none", zorder=1 if g == WITHIN else 2)
        n_in = int((part.group == WITHIN).sum())
        what = ("scale metrics (DB, CH, SR, rel. error): ours / paper" if scale else
                "bounded metrics (Sil., ARI, NMI, ...): ours − paper")
        ax.set_title(f"{what}\n{n_in} of {len(part)} cells within the grey band", fontsize="small")
        ax.set_xlabel("paper (published value)", fontsize="small")
        ax.set_ylabel("ours / paper (log)" if scale else "ours − paper", fontsize="small")
        ax.tick_params(labelsize="x-small")
    handles = [Line2D([], [], color=colors[g], marker="o", linestyle="", label=g) for g in [WITHIN, *owners]
               if g in colors]
    handles += [Line2D([], [], color="0.3", marker=markers[t], linestyle="", label=f"Table {t}") for t in markers]
    fig.legend(handles=handles, loc="outside right upper", fontsize="x-small", frameon=False,
               title="colour: verdict / owner", title_fontsize="x-small")
    fig.suptitle(title, fontsize="medium")
    return fig
