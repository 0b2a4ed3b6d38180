"""Training curves: per run the loss terms, separation ratio and validation precision@1 per epoch;
and the loss study's VARIANCE / GREEDINESS diagnostics, one line per loss (mean over its runs).
The histories come from :mod:`norank.ml.history`."""

from __future__ import annotations

from typing import Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from norank.errors import DataError, NorankError
from norank.figures.style import MARKERS, OKABE_ITO, new_figure
from norank.ml.history import LOSS_TERMS, mean_history


def _present(df, col) -> bool:
    return col in df.columns and df[col].notna().any()


def _plot_series(ax, df, col, **kw) -> None:
    """``col`` vs epoch over its recorded epochs only (evaluated every few epochs: NaN between)."""
    ok = df[col].notna().to_numpy()
    kw = {"marker": "o" if ok.sum() <= 30 else None, "markersize": 3, **kw}
    ax.plot(df["epoch"].to_numpy()[ok], df[col].to_numpy()[ok], **kw)


def plot_training_curves(histories: Sequence[tuple[str, "pd.DataFrame"]], *, title: str,
                         best_epochs: Sequence[int] | None = None, panel_size: float = 2.6) -> Figure:
    """Per run (row): each loss term the run recorded in its own panel with its own y-axis (the
    uniformity term near -2 would flatten the triplet term on a shared one), then the training /
    validation separation ratio (eq. 28) and the validation precision@1. A run without
    validation samples says so in its panel. ``best_epochs`` (one per run) marks the epoch whose
    weights the run kept."""
    if not histories:
        raise NorankError("no training histories to plot.")
    if best_epochs is not None and len(best_epochs) != len(histories):
        raise NorankError(f"{len(best_epochs)} best epochs for {len(histories)} training histories.")
    terms = [[t for t in LOSS_TERMS if _present(df, t)] for _, df in histories]
    ncols = max(len(t) for t in terms) + 2
    w = panel_size * 0.8
    fig = new_figure(ncols * w + 0.6, len(histories) * w * 0.85 + 0.8)
    axes = fig.subplots(len(histories), ncols, squeeze=False)
    for r, (dataset, df) in enumerate(histories):
        for c, term in enumerate(terms[r]):
            ax = axes[r, c]
            _plot_series(ax, df, term, color="black" if term == "total" else OKABE_ITO[LOSS_TERMS.index(term)],
                         linewidth=1.6 if term == "total" else 1.2)
            ax.set_title(f"{dataset}: {term}", fontsize="small")
        for ax in axes[r, len(terms[r]):ncols - 2]:
            ax.remove()
        axes[r, 0].set_ylabel("loss term (eq. 13)", fontsize="small")
        ax = axes[r, ncols - 2]
        for col, label, color, ls in (("train_separation_ratio", "train", OKABE_ITO[1], "-"),
                                      ("val_separation_ratio", "validation", OKABE_ITO[3], "--")):
            if _present(df, col):
                _plot_series(ax, df, col, color=color, linestyle=ls, label=label)
        if _present(df, "val_precision_at_1") and not _present(df, "val_separation_ratio"):
            # validation without two samples of any class has no within-class distance: say so in the key
            ax.plot([], [], " ", label="validation: none\n(≤ 1 sample per class)")
        if ax.lines:
            ax.legend(fontsize="x-small", frameon=False)
        else:
            ax.text(0.5, 0.5, "not recorded in this run", transform=ax.transAxes, ha="center", fontsize="small")
        ax.set_title(f"{dataset}: separation ratio", fontsize="small")
        ax = axes[r, ncols - 1]
        if _present(df, "val_precision_at_1"):
            _plot_series(ax, df, "val_precision_at_1", color=OKABE_ITO[2])
            ax.set_ylim(-0.05, 1.05)
        else:
            ax.text(0.5, 0.5, "no validation samples\nin this run", transform=ax.transAxes, ha="center",
                    va="center", fontsize="small")
        ax.set_title(f"{dataset}: validation P@1", fontsize="small")
        for ax in [a for a in axes[r] if a.figure is not None]:
            ax.set_xlabel("epoch", fontsize="x-small")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
            ax.tick_params(labelsize="x-small")
            if not ax.lines:  # a panel with nothing recorded: its text, no scale
                ax.set_xticks([])
                ax.set_yticks([])
            elif best_epochs is not None:
                ax.axvline(best_epochs[r], color="0.4", linestyle=(0, (1, 2)), linewidth=1.2)
    if best_epochs is not None:
        fig.legend([Line2D([], [], color="0.4", linestyle=(0, (1, 2)), linewidth=1.2)], ["epoch kept"],
                   loc="outside lower center", fontsize="small", frameon=False)
    fig.suptitle(title, fontsize="medium")
    return fig


DIAGNOSTICS = (  # history column, panel title, log scale
    ("intra_class_variance", "intra-class variance", False),
    ("inter_class_variance", "inter-class variance", False),
    ("variance_ratio", "variance ratio (inter / intra)", True),
    ("active_ratio", "active ratio (non-zero gradient)", False),
    ("grad_norm_mean", "mean ||dL/dz|| per sample", True),
    ("val_precision_at_1", "validation precision@1", False),
)


def plot_loss_diagnostics(runs: Sequence[tuple[str, Sequence["pd.DataFrame"]]], *, title: str,
                          panel_size: float = 2.4, chance_precision: float | None = None) -> Figure:
    """VARIANCE and GREEDINESS diagnostics vs epoch, one line per loss (mean over its runs, the
    count in the legend), each loss its own colour, line style and marker.

    ``runs``: ``(loss label, [history of each fold × seed])``. ``chance_precision``: the
    precision@1 of a random neighbour (sum of squared class shares), drawn on that panel. A
    history without the diagnostic columns (trained with ``diagnostics: false``) raises, naming
    the loss.
    """
    if not runs:
        raise NorankError("no loss runs to plot.")
    for label, hs in runs:
        missing = [c for c, _, _ in DIAGNOSTICS[:5] if not all(c in h.columns for h in hs)]
        if not hs or missing:
            raise DataError(f"loss {label!r}: histories lack diagnostics {missing}; train with diagnostics: true.")
    fig = new_figure(3 * panel_size * 1.25 + 0.4, 2 * panel_size * 0.9 + 1.0)
    axes = fig.subplots(2, 3).ravel()
    styles = ["-", "--", "-.", ":"]
    for i, (label, hs) in enumerate(runs):
        mean = mean_history(hs, [c for c, _, _ in DIAGNOSTICS])
        for ax, (col, _, _) in zip(axes, DIAGNOSTICS):
            if col in mean.columns and mean[col].notna().any():
                _plot_series(ax, mean, col, color=OKABE_ITO[i % len(OKABE_ITO)], linestyle=styles[i % len(styles)],
                             marker=MARKERS[i % len(MARKERS)], markersize=3.5,
                             markevery=max(1, len(mean) // 6),
                             label=f"{label} ({len(hs)} run{'s' if len(hs) != 1 else ''})")
    if chance_precision is not None:
        ax = axes[[c for c, _, _ in DIAGNOSTICS].index("val_precision_at_1")]
        if ax.lines:
            ax.axhline(chance_precision, color="0.45", linestyle=(0, (2, 2)), linewidth=1.0)
            ax.text(0.98, chance_precision, f"chance {chance_precision:.2f}", transform=ax.get_yaxis_transform(),
                    ha="right", va="bottom", fontsize="x-small", color="0.35")
    for ax, (col, name, log) in zip(axes, DIAGNOSTICS):
        ax.set_title(name, fontsize="small")
        ax.set_xlabel("epoch", fontsize="small")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if log and ax.lines:
            ax.set_yscale("log")
        ax.tick_params(which="both", labelsize="x-small")
        if not ax.lines:
            ax.text(0.5, 0.5, "not recorded in these runs", transform=ax.transAxes, ha="center", fontsize="small")
            ax.set_xticks([])
            ax.set_yticks([])
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=min(len(runs), 5),
               fontsize="small", frameon=False, title="loss (mean over folds × seeds)", title_fontsize="small")
    fig.suptitle(title, fontsize="medium")
    return fig
