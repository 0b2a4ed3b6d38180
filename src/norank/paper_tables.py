"""Tables 2-6 of the paper from our runs (the paper-vs-ours comparison is :mod:`norank.comparison`).

Inputs are the workflow's tidy tables: ``summary.csv`` (mean ± sd per dataset, method, rank,
protocol, subset, metric; :func:`norank.evaluate.summarize_metrics`), ``efficiency.csv``
(one row per data-efficiency run) and ``config/paper_values.csv`` (every published cell).

Each table comes in two forms: numeric (mean and sd columns, for the CSV) and display
(``mean ± sd`` strings, for Markdown / LaTeX).

The tables show silhouette, Davies-Bouldin and Calinski-Harabasz on the TRUE labels (as the
official code does; our Olivetti PCA row reproduces the paper's to four decimals that way), ARI /
NMI on k-means labels; ``metrics.csv`` holds both label variants.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from norank.labels import DECOMPOSITION_LABELS, method_label
from norank.methods import DECOMPOSITIONS, EMBEDDINGS, METRIC_LEARNING, PCA, Method, baseline_methods
from norank.recipes import EQ13, OFFICIAL

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


# decimals per bounded metric (by name prefix); the scale metrics (DB, CH, SR) get 3 significant digits
DECIMALS = {"silhouette": 3, "ari": 3, "nmi": 3, "accuracy": 3, "relative_error": 3, "explained_variance": 3,
            "precision_at_1": 3, "map_at_r": 3, "continuity": 4, "trustworthiness": 4}


def decimals(metric: str, mean: float) -> int:
    """Decimals of ``metric``'s cells: fixed per bounded metric, 3 significant digits of the mean
    otherwise (negative: rounded to tens, hundreds...)."""
    fixed = next((d for key, d in DECIMALS.items() if metric.startswith(key)), None)
    if fixed is not None:
        return fixed
    return 2 - math.floor(math.log10(abs(mean))) if mean else 2


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_mean_sd(mean: float, sd: float, metric: str | None = None) -> str:
    """``mean ± sd`` as the tables print it. With ``metric``, both to the metric's decimals
    (:func:`decimals`), so the sd never shows more digits than the mean; without, :func:`fmt`."""
    if _missing(mean):
        return "–"
    if metric is None:
        return fmt(mean) if _missing(sd) else f"{fmt(mean)} ± {fmt(sd)}"
    d = decimals(metric, mean)

    def show(x):
        return f"{round(x, d):.{max(d, 0)}f}"

    return show(mean) if _missing(sd) else f"{show(mean)} ± {show(sd)}"


def table_methods(baselines: list[str], ranks: list[int], recipes: list[str] = (EQ13,)) -> list[str]:
    """Row order of Tables 2-4: PCA, t-SNE, UMAP, CP-R…, Tucker-R…, metric learning by each recipe."""
    families = [f for f in (*EMBEDDINGS, *DECOMPOSITIONS) if f in baselines]
    return [str(m) for m in baseline_methods(families, ranks, "all")] + [str(Method.metric_learning(r)) for r in recipes]


CELL_KEYS = ["dataset", "method", "protocol", "subset", "metric"]


def summary_cells(summary: pd.DataFrame) -> dict:
    """``(dataset, method, protocol, subset, metric) -> (mean, sd, n_runs)``, built once per table."""
    return {tuple(k): (float(m), float(s), int(n))
            for k, m, s, n in zip(summary[CELL_KEYS].itertuples(index=False), summary["mean"], summary["sd"],
                                  summary["n_runs"])}


def _cell(cells: dict, dataset, method, protocol, subset, metric):
    return cells.get((dataset, method, protocol, subset, metric), (np.nan, np.nan, 0))


# the datasets the official code runs (examples/run_lfw.py, run_olivetti.py); its recipe on any
# other dataset is an extension, marked in the tables
OFFICIAL_SOURCES = ("lfw", "olivetti")
EXTENSION_MARK = " †"
EXTENSION_NOTE = ("† the official recipe on a dataset the official code does not run (it covers LFW and Olivetti): "
                  "an extension of the recipe, with its LFW settings.")


def is_extension(method: str, source: str | None) -> bool:
    """Whether ``method`` on a dataset of ``source`` extends the official recipe beyond the official code."""
    m = Method.parse(method)
    return m.family == METRIC_LEARNING and m.recipe in OFFICIAL and source not in OFFICIAL_SOURCES


# the paper's metric names (config/paper_values.csv) -> the display headers of Tables 2-5
PAPER_HEADERS = {"silhouette": "Sil.", "davies_bouldin": "DB", "calinski_harabasz": "CH", "separation_ratio": "SR",
                 "continuity": "Cont.", "trustworthiness": "Trust.", "ari": "ARI", "nmi": "NMI",
                 "relative_error": "Error (in-sample)", "explained_variance": "Expl. var. (in-sample)"}
PUBLISHED = "published"  # the Protocol of the rows that show the paper's own values


def published_values(cmp: pd.DataFrame, table: int) -> dict[tuple[str, str], dict[str, str]]:
    """The paper's printed values of ``table`` by our (dataset, method), header -> value, from the
    comparison (``norank.comparison.compare_with_paper``). Table 5 is keyed by family (``cp``,
    ``tucker``, ``pca``) or metric-learning method, as its rows. The realistic presets are no
    reproduction of the paper's datasets and get none."""
    rows = cmp[(cmp.table == table) & cmp.dataset.notna() & ~cmp.status.astype(str).str.startswith("realistic")]
    out: dict[tuple[str, str], dict[str, str]] = {}
    for r in rows.itertuples():
        method, family = r.method, Method.parse(r.method).family
        if table == 5 and family != METRIC_LEARNING:
            method = family
        if r.metric in PAPER_HEADERS:
            out.setdefault((r.dataset, method), {})[PAPER_HEADERS[r.metric]] = str(r.paper_printed)
    return out


def _published_row(d: str, label: str, values: dict[str, str], headers) -> dict:
    return {"Dataset": d, "Method": label, "Protocol": PUBLISHED, "Runs": "",
            **{h: values.get(h, "") for h in headers}}


def cluster_table(summary: pd.DataFrame, datasets: list[str], metrics: list[str], methods: list[str],
                  protocols=("paper", "heldout"), sources: dict[str, str] | None = None,
                  published: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tables 2-4: one row per dataset × method × protocol, one column (mean, sd) per metric.
    With ``published`` (:func:`published_values`), the paper's own values follow a method's rows
    in the display (Protocol ``published``).

    Returns ``(numeric, display)``. A method a protocol does not run (t-SNE held out) has no row.
    With ``sources`` (dataset → source), the official recipe's rows on datasets the official code
    does not run are marked (:data:`EXTENSION_MARK`; column ``extension`` of the numbers).
    """
    rows, shown = [], []
    lookup = summary_cells(summary)
    for d in datasets:
        for m in methods:
            label = None
            for p in protocols:
                cells = {k: _cell(lookup, d, m, p, PROTOCOL_SUBSET[p], k) for k in metrics}
                if all(n == 0 for _, _, n in cells.values()):
                    continue
                runs = max(n for _, _, n in cells.values())
                extension = sources is not None and is_extension(m, sources.get(d))
                base = {"dataset": d, "method": m, "protocol": p, "runs": runs, "extension": extension}
                rows.append({**base, **{f"{k}_mean": v[0] for k, v in cells.items()},
                             **{f"{k}_sd": v[1] for k, v in cells.items()}})
                label = method_label(m, table=True) + (EXTENSION_MARK if extension else "")
                shown.append({"Dataset": d, "Method": label, "Protocol": p, "Runs": runs,
                              **{HEADERS[k]: fmt_mean_sd(*v[:2], metric=k) for k, v in cells.items()}})
            if published and (d, m) in published and label is not None:  # after the method's own rows
                shown.append(_published_row(d, label, published[d, m], [HEADERS[k] for k in metrics]))
    return pd.DataFrame(rows), pd.DataFrame(shown)


def reconstruction_table(summary: pd.DataFrame, datasets: list[str], sources: dict[str, str] | None = None,
                         published: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 5: per dataset, PCA, CP and Tucker at their best rank (lowest mean relative error)
    and metric learning by each recipe (linear map Z → X), in-sample (paper protocol) and held out.
    With ``sources``, the official recipe's rows beyond the official code's datasets are marked;
    with ``published`` (:func:`published_values`), the paper's values follow each row."""
    rows = []
    rec = summary[summary.metric.isin(["relative_error", "explained_variance"])]
    # a row per baseline family (its best rank) and per metric-learning method (each recipe)
    family = {m: Method.parse(m).family for m in rec.method.unique()}
    row_of = {m: m if f == METRIC_LEARNING else f for m, f in family.items()}
    kinds = [PCA, *DECOMPOSITIONS, *sorted(m for m, f in family.items() if f == METRIC_LEARNING)]
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
    label = {"pca": "PCA", **DECOMPOSITION_LABELS}

    def rank(v):
        return "–" if pd.isna(v) else str(int(v))

    shown = []
    for _, r in num.iterrows():
        shown.append({
            "Dataset": r["dataset"],
            "Method": label.get(r["method"]) or method_label(r["method"], table=True) + (
                EXTENSION_MARK if sources is not None and is_extension(r["method"], sources.get(r["dataset"])) else ""),
            "Best rank (in-sample)": rank(r["in_sample_rank"]),
            "Error (in-sample)": fmt_mean_sd(r["in_sample_error_mean"], r["in_sample_error_sd"], "relative_error"),
            "Expl. var. (in-sample)": fmt_mean_sd(r["in_sample_ev_mean"], r["in_sample_ev_sd"], "explained_variance"),
            "Best rank (held out)": rank(r["heldout_rank"]),
            "Error (held out)": fmt_mean_sd(r["heldout_error_mean"], r["heldout_error_sd"], "relative_error"),
            "Expl. var. (held out)": fmt_mean_sd(r["heldout_ev_mean"], r["heldout_ev_sd"], "explained_variance"),
        })
        if published and (r["dataset"], r["method"]) in published:  # Table 5 has no protocol column
            values = published[r["dataset"], r["method"]]
            shown.append({k: values.get(k, "") for k in shown[-1]} | {"Dataset": r["dataset"],
                                                                      "Method": f"{shown[-1]['Method']} ({PUBLISHED})"})
    return num, pd.DataFrame(shown)


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
            row[method_label(r["method"], table=True)] = (fmt_mean_sd(r["accuracy_mean"], r["accuracy_sd"], "accuracy") if ok
                                                          else f"NA ({r['reason']})")
        shown.append(row)
    return num, pd.DataFrame(shown)
