"""Tables 2-6 of the paper from our runs, and the paper-vs-ours comparison.

Inputs are the workflow's tidy tables: ``summary.csv`` (mean ± sd per dataset, method, rank,
protocol, subset, metric; :func:`norank.evaluate.summarize_metrics`), ``efficiency.csv``
(one row per data-efficiency run) and ``config/paper_values.csv`` (every published cell).

Each table comes in two forms: numeric (mean and sd columns, for the CSV) and display
(``mean ± sd`` strings, for Markdown / LaTeX).

The paper's column names map onto our metrics as follows. Silhouette, Davies-Bouldin and
Calinski-Harabasz are computed on the TRUE labels (as the official code does; our Olivetti PCA
row reproduces the paper's to four decimals that way), ARI / NMI on k-means labels.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from norank.labels import method_label
from norank.methods import DECOMPOSITIONS, EMBEDDINGS, METRIC_LEARNING, Method, baseline_methods
from norank.recipes import EQ13

# paper metric -> (our metric, our subset under the paper protocol)
PAPER_METRICS = {
    "silhouette": "silhouette_true_labels",
    "davies_bouldin": "davies_bouldin_true_labels",
    "calinski_harabasz": "calinski_harabasz_true_labels",
    "separation_ratio": "separation_ratio",
    "continuity": "continuity",
    "trustworthiness": "trustworthiness",
    "ari": "ari_kmeans",
    "nmi": "nmi_kmeans",
    "relative_error": "relative_error",
    "explained_variance": "explained_variance",
}
HEADERS = {
    "silhouette_true_labels": "Sil.",
    "davies_bouldin_true_labels": "DB",
    "calinski_harabasz_true_labels": "CH",
    "separation_ratio": "SR",
    "continuity": "Cont.",
    "trustworthiness": "Trust.",
    "ari_kmeans": "ARI",
    "nmi_kmeans": "NMI",
}
CLUSTER_METRICS = {  # the columns of Tables 2 (no CH) and 3-4
    2: ["silhouette_true_labels", "davies_bouldin_true_labels", "separation_ratio", "continuity",
        "trustworthiness", "ari_kmeans", "nmi_kmeans"],
    3: ["silhouette_true_labels", "davies_bouldin_true_labels", "calinski_harabasz_true_labels",
        "separation_ratio", "continuity", "trustworthiness", "ari_kmeans", "nmi_kmeans"],
}
CLUSTER_METRICS[4] = CLUSTER_METRICS[3]
TABLE_SOURCES = {2: ("lfw", "olivetti"), 3: ("abide",), 4: ("galaxy", "crystal"), 5: ("lfw", "olivetti", "abide", "galaxy", "crystal")}
PROTOCOL_SUBSET = {"paper": "all", "heldout": "heldout"}


def fmt(x: float) -> str:
    """A number as the tables print it: 4 decimals, 2 above 10, 3 significant digits in
    scientific notation from 10 000."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    a = abs(x)
    if a >= 1e4:
        return f"{x:.2e}"
    return f"{x:.2f}" if a >= 10 else f"{x:.4f}"


def fmt_mean_sd(mean: float, sd: float) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–"
    return fmt(mean) if sd is None or (isinstance(sd, float) and math.isnan(sd)) else f"{fmt(mean)} ± {fmt(sd)}"


def table_methods(baselines: list[str], ranks: list[int], recipes: list[str] = (EQ13,)) -> list[str]:
    """Row order of Tables 2-4: PCA, t-SNE, UMAP, CP-R…, Tucker-R…, metric learning by each recipe."""
    families = [f for f in (*EMBEDDINGS, *DECOMPOSITIONS) if f in baselines]
    return [str(m) for m in baseline_methods(families, ranks, "all")] + [str(Method.metric_learning(r)) for r in recipes]


CELL_KEYS = ["dataset", "method", "protocol", "subset", "metric"]


def _cells(summary: pd.DataFrame) -> dict:
    """``(dataset, method, protocol, subset, metric) -> (mean, sd, n_runs)``, built once per table."""
    return {tuple(k): (float(m), float(s), int(n))
            for k, m, s, n in zip(summary[CELL_KEYS].itertuples(index=False), summary["mean"], summary["sd"],
                                  summary["n_runs"])}


def _cell(cells: dict, dataset, method, protocol, subset, metric):
    return cells.get((dataset, method, protocol, subset, metric), (np.nan, np.nan, 0))


def cluster_table(summary: pd.DataFrame, datasets: list[str], metrics: list[str], methods: list[str],
                  protocols=("paper", "heldout")) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tables 2-4: one row per dataset × method × protocol, one column (mean, sd) per metric.

    Returns ``(numeric, display)``. A method a protocol does not run (t-SNE held out) has no row.
    """
    rows, shown = [], []
    lookup = _cells(summary)
    for d in datasets:
        for m in methods:
            for p in protocols:
                cells = {k: _cell(lookup, d, m, p, PROTOCOL_SUBSET[p], k) for k in metrics}
                if all(n == 0 for _, _, n in cells.values()):
                    continue
                runs = max(n for _, _, n in cells.values())
                base = {"dataset": d, "method": m, "protocol": p, "runs": runs}
                rows.append({**base, **{f"{k}_mean": v[0] for k, v in cells.items()},
                             **{f"{k}_sd": v[1] for k, v in cells.items()}})
                shown.append({"Dataset": d, "Method": method_label(m, table=True), "Protocol": p, "Runs": runs,
                              **{HEADERS[k]: fmt_mean_sd(*v[:2]) for k, v in cells.items()}})
    return pd.DataFrame(rows), pd.DataFrame(shown)


def reconstruction_table(summary: pd.DataFrame, datasets: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 5: per dataset, PCA, CP and Tucker at their best rank (lowest mean relative error)
    and metric learning by each recipe (linear map Z → X), in-sample (paper protocol) and held out."""
    rows = []
    rec = summary[summary.metric.isin(["relative_error", "explained_variance"])]
    # a row per baseline family (its best rank) and per metric-learning method (each recipe)
    row_of = {m: m if Method.parse(m).family == METRIC_LEARNING else Method.parse(m).family for m in rec.method.unique()}
    kinds = ["pca", "cp", "tucker", *sorted({k for k in row_of.values() if k.startswith(METRIC_LEARNING)})]
    for d in datasets:
        for kind in kinds:
            row = {"dataset": d, "method": kind}
            for where, protocol, subset in (("in_sample", "paper", "reconstruction_in_sample"),
                                            ("heldout", "heldout", "reconstruction_heldout")):
                r = rec[(rec.dataset == d) & (rec.protocol == protocol) & (rec.subset == subset)
                        & (rec.method.map(row_of) == kind)]
                err = r[r.metric == "relative_error"]
                if err.empty:
                    row.update({f"{where}_{k}": np.nan for k in ("rank", "error_mean", "error_sd", "ev_mean", "ev_sd")})
                    continue
                best = err.loc[err["mean"].idxmin()]
                ev = r[(r.metric == "explained_variance") & (r.method == best.method)].iloc[0]
                row.update({f"{where}_rank": best["rank"], f"{where}_error_mean": best["mean"],
                            f"{where}_error_sd": best["sd"], f"{where}_ev_mean": ev["mean"], f"{where}_ev_sd": ev["sd"]})
            if any(not pd.isna(v) for k, v in row.items() if k.endswith("error_mean")):
                rows.append(row)
    num = pd.DataFrame(rows)
    label = {"pca": "PCA", "cp": "CP", "tucker": "Tucker"}

    def rank(v):
        return "–" if pd.isna(v) else str(int(v))

    shown = pd.DataFrame([{
        "Dataset": r["dataset"], "Method": label.get(r["method"]) or method_label(r["method"], table=True),
        "Best rank (in-sample)": rank(r["in_sample_rank"]),
        "Error (in-sample)": fmt_mean_sd(r["in_sample_error_mean"], r["in_sample_error_sd"]),
        "Expl. var. (in-sample)": fmt_mean_sd(r["in_sample_ev_mean"], r["in_sample_ev_sd"]),
        "Best rank (held out)": rank(r["heldout_rank"]),
        "Error (held out)": fmt_mean_sd(r["heldout_error_mean"], r["heldout_error_sd"]),
        "Expl. var. (held out)": fmt_mean_sd(r["heldout_ev_mean"], r["heldout_ev_sd"]),
    } for _, r in num.iterrows()])
    return num, shown


def summarize_efficiency(eff: pd.DataFrame) -> pd.DataFrame:
    """Mean ± sd of the accuracy over seeds per dataset, size and method; not-applicable cells keep their reason."""
    out = []
    for (d, n, m), g in eff.groupby(["dataset", "n_train", "method"], sort=False):
        ok = g[g.status == "ok"]
        out.append({"dataset": d, "n_train": int(n), "method": m, "accuracy_mean": ok.accuracy.mean() if len(ok) else np.nan,
                    "accuracy_sd": ok.accuracy.std() if len(ok) > 1 else np.nan, "n_seeds": len(ok),
                    "status": "ok" if len(ok) else g.status.iloc[0], "reason": "" if len(ok) else g.reason.iloc[0]})
    return pd.DataFrame(out).sort_values(["dataset", "n_train", "method"]).reset_index(drop=True)


def efficiency_table(eff: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 6: accuracy (mean ± sd over seeds) per dataset and training size, one column per method."""
    num = summarize_efficiency(eff)
    shown = []
    for (d, n), g in num.groupby(["dataset", "n_train"], sort=True):
        row = {"Dataset": d, "n": int(n)}
        for _, r in g.iterrows():
            ok = r["status"] == "ok"
            row[method_label(r["method"], table=True)] = (fmt_mean_sd(r["accuracy_mean"], r["accuracy_sd"]) if ok
                                                          else f"NA ({r['reason']})")
        shown.append(row)
    return num, pd.DataFrame(shown)


def our_methods(method: str, rank, recipes: list[str]) -> list[str]:
    """Our names of a paper row: its method, with the rank for CP / Tucker; the metric-learning
    row is compared with each configured recipe."""
    if method in DECOMPOSITIONS:
        return [str(Method.decomposition(method, int(rank)))]
    if method == METRIC_LEARNING:
        return [str(Method.metric_learning(r)) for r in recipes]
    return [method]


def compare_with_paper(paper: pd.DataFrame, summary: pd.DataFrame, efficiency: pd.DataFrame | None,
                       sources: dict[str, str], *, abs_tol: float = 0.02, rel_tol: float = 0.05,
                       sd_multiple: float = 2.0, recipes: list[str] = (EQ13,)) -> pd.DataFrame:
    """One row per published cell, each of our datasets of the same source and (Tables 2-5's
    metric-learning cells) each recipe.

    ``sources`` maps our dataset names to their source (``galaxy_paper`` → ``galaxy``), so
    a paper cell of a source with two configured presets gets two rows. ``ours`` is the
    paper-protocol mean over seeds (the paper's metric-learning rows are in-sample); the
    held-out mean is shown next to it. ``within_tolerance``: |ours − paper| ≤ max(abs_tol,
    rel_tol·|paper|, sd_multiple·sd). Cells we did not run say so in ``status``.
    """
    eff = summarize_efficiency(efficiency) if efficiency is not None and len(efficiency) else None
    lookup = _cells(summary)
    rows = []
    for _, p in paper.iterrows():
        ours_datasets = [d for d, s in sources.items() if s == p["dataset"]] or [None]
        methods = [p["method"]] if p["table"] == 6 else our_methods(p["method"], p["rank"], recipes)
        for d, method in ((d, m) for d in ours_datasets for m in methods):
            row = {"table": int(p["table"]), "paper_dataset": p["dataset"], "dataset": d,
                   "method": method, "n_train": p["n_train"], "metric": p["metric"],
                   "paper": p["value"], "paper_printed": p["printed"], "ours_mean": np.nan, "ours_sd": np.nan,
                   "runs": 0, "heldout_mean": np.nan, "heldout_sd": np.nan}
            if d is None:
                rows.append({**row, "status": f"not run: no configured dataset of source {p['dataset']!r}"})
                continue
            if p["table"] == 6:
                hit = eff[(eff.dataset == d) & (eff.method == p["method"]) & (eff.n_train == int(p["n_train"]))] \
                    if eff is not None else pd.DataFrame()
                if hit.empty:
                    rows.append({**row, "status": "not run: size or method not configured"})
                    continue
                h = hit.iloc[0]
                if h["status"] != "ok":
                    rows.append({**row, "status": f"not applicable: {h['reason']}"})
                    continue
                row.update(ours_mean=h["accuracy_mean"], ours_sd=h["accuracy_sd"], runs=int(h["n_seeds"]))
            else:
                metric = PAPER_METRICS[p["metric"]]
                rec = metric in ("relative_error", "explained_variance")
                mean, sd, n = _cell(lookup, d, row["method"], "paper", "reconstruction_in_sample" if rec else "all", metric)
                hmean, hsd, _ = _cell(lookup, d, row["method"], "heldout",
                                      "reconstruction_heldout" if rec else "heldout", metric)
                if n == 0:
                    rows.append({**row, "status": "not run: method or rank not configured"})
                    continue
                row.update(ours_mean=mean, ours_sd=sd, runs=n, heldout_mean=hmean, heldout_sd=hsd)
            if pd.isna(row["paper"]):
                rows.append({**row, "status": "paper prints NA"})
                continue
            rows.append({**row, "status": "compared"})
    out = pd.DataFrame(rows)
    out["diff"] = out.ours_mean - out.paper
    out["rel_diff"] = out["diff"] / out.paper.abs().where(out.paper != 0)
    tol = np.maximum.reduce([np.full(len(out), abs_tol), rel_tol * out.paper.abs().fillna(0).to_numpy(),
                             sd_multiple * out.ours_sd.fillna(0).to_numpy()])
    out["within_tolerance"] = (out["diff"].abs() <= tol).where(out.status == "compared")
    return out


def comparison_display(cmp: pd.DataFrame) -> pd.DataFrame:
    """The comparison as the Markdown shows it: one line per cell, numbers formatted."""
    def flag(r):
        if r["status"] != "compared":
            return r["status"]
        return "within" if r["within_tolerance"] else "DIFFERS"

    return pd.DataFrame({
        "Table": cmp.table, "Dataset": cmp.dataset.fillna("–"),
        "Method": [method_label(m, table=True) for m in cmp.method],
        "n": ["" if pd.isna(n) else str(int(n)) for n in cmp.n_train], "Metric": cmp.metric,
        "Paper": cmp.paper_printed,
        "Ours (paper protocol)": [fmt_mean_sd(m, s) for m, s in zip(cmp.ours_mean, cmp.ours_sd)],
        "Ours (held out)": [fmt_mean_sd(m, s) for m, s in zip(cmp.heldout_mean, cmp.heldout_sd)],
        "Diff": [fmt(d) for d in cmp["diff"]],
        "Verdict": [flag(r) for _, r in cmp.iterrows()],
    })


def comparison_notes(cmp: pd.DataFrame, tolerance: dict) -> str:
    """A per-table count of the verdicts, printed under the comparison."""
    lines = [f"Tolerance: |ours - paper| <= max({tolerance['abs']}, {tolerance['rel']} x |paper|, "
             f"{tolerance['sd_multiple']} x sd). Per table:", ""]
    for t, g in cmp.groupby("table"):
        comp = g[g.status == "compared"]
        lines.append(f"- Table {t}: {len(g)} rows, {len(comp)} compared, {int(comp.within_tolerance.sum())} within "
                     f"tolerance, {len(comp) - int(comp.within_tolerance.sum())} differ, {len(g) - len(comp)} not "
                     "compared (" + ", ".join(f"{k}: {v}" for k, v in g[g.status != 'compared'].status.value_counts().items())
                     + ")")
    return "\n".join(lines)
