"""Tables 2-6 of the paper from our runs (the paper-vs-ours comparison is :mod:`norank.comparison`).

Inputs are the workflow's tidy tables: ``summary.csv`` (mean ± sd per dataset, method, rank,
protocol, subset, metric; :func:`norank.evaluate.summarize_metrics`), ``efficiency.csv``
(one row per data-efficiency run) and ``config/paper_values.csv`` (every published cell).

Each table comes in two forms: numeric (mean and sd columns, for the CSV) and display
(``mean ± sd`` strings, for Markdown / LaTeX). Their columns and headers come from
:mod:`norank.table_registry`, their numbers print through :mod:`norank.formatting`.

The tables show silhouette, Davies-Bouldin and Calinski-Harabasz on the TRUE labels (as the
official code does; our Olivetti PCA row reproduces the paper's to four decimals that way), ARI /
NMI on k-means labels; ``metrics.csv`` holds both label variants.
"""

from __future__ import annotations

import re

from collections.abc import Sequence

import numpy as np
import pandas as pd

from norank.formatting import MISSING, fmt_mean_sd, fmt_number
from norank.labels import DECOMPOSITION_LABELS, method_label
from norank.methods import DECOMPOSITIONS, EMBEDDINGS, METRIC_LEARNING, OFFICIAL_CODE, PCA, Method, baseline_methods
from norank.recipes import EQ13, OFFICIAL, OFFICIAL_CODE_SOURCES
from norank.table_registry import TWO_VARIANTS, Column, metric_column, metric_header

PROTOCOL_SUBSET = {"paper": "all", "heldout": "heldout"}
# retrieval held out: held-out queries against the training samples (their gallery), as Table "losses"
RETRIEVAL = ("precision_at_1", "knn_accuracy", "map_at_r")
HELDOUT_RETRIEVAL_SUBSET = "heldout->train"


def protocol_subset(protocol: str, metric: str) -> str:
    """The samples a metric is read on under ``protocol``: :data:`PROTOCOL_SUBSET`, except retrieval
    held out (:data:`HELDOUT_RETRIEVAL_SUBSET`)."""
    if protocol == "heldout" and metric in RETRIEVAL:
        return HELDOUT_RETRIEVAL_SUBSET
    return PROTOCOL_SUBSET[protocol]


def table_methods(baselines: list[str], ranks: list[int], recipes: list[str] = (EQ13,)) -> list[str]:
    """Row order of Tables 2-4: PCA, t-SNE, UMAP, CP-R…, Tucker-R…, metric learning by each recipe,
    the official code run unmodified (a row only where it ran: LFW, Olivetti)."""
    families = [f for f in (*EMBEDDINGS, *DECOMPOSITIONS) if f in baselines]
    return [str(m) for m in baseline_methods(families, ranks, "all")] + [
        str(Method.metric_learning(r)) for r in recipes] + [str(Method(OFFICIAL_CODE))]


CELL_KEYS = ["dataset", "method", "protocol", "subset", "metric"]


def summary_cells(summary: pd.DataFrame) -> dict:
    """``(dataset, method, protocol, subset, metric) -> (mean, sd, n_runs)``, built once per table."""
    return {tuple(k): (float(m), float(s), int(n))
            for k, m, s, n in zip(summary[CELL_KEYS].itertuples(index=False), summary["mean"], summary["sd"],
                                  summary["n_runs"])}


def summary_cell(cells: dict, dataset: str, method: str, protocol: str, subset: str, metric: str
                 ) -> tuple[float, float, int]:
    """``(mean, sd, n_runs)`` of one cell of :func:`summary_cells`; ``(nan, nan, 0)`` without a run."""
    return cells.get((dataset, method, protocol, subset, metric), (np.nan, np.nan, 0))


# the official recipe on a dataset the official code has no example for (OFFICIAL_CODE_SOURCES) is
# an extension, marked in the tables
EXTENSION_MARK = " †"
EXTENSION_NOTE = ("† the official recipe on a dataset the official code does not run (it covers LFW and Olivetti): "
                  "an extension of the recipe, with its LFW settings; a dataset's own `official_recipe` block changes "
                  "some (by default ABIDE's: the paper's MLP encoder for its matrices, §5.2, not the CNN).")
# a value that needs a word (Table 5): explained variance below -1
RED_FLAG_MARK = " ‡"
RED_FLAG_NOTE = ("‡ explained variance below −1 (relative error above √2): the reconstruction is further from the "
                 "samples than an all-zero one. For a held-out cell, the least-squares map from embedding to input, "
                 "fitted on the training folds, does not carry over to the held-out embeddings; compare the same "
                 "row in sample.")

# a published value the comparison reads beside ours on the other label variant than the column's
ON_KMEANS_MARK = " ᵏ"
ON_KMEANS_NOTE = ("ᵏ a published value the comparison reads beside ours on k-means labels, not beside this column's "
                  "true-label value: the paper's own numbers rule out true labels there (config/paper_values.csv, "
                  "column note; the comparison's Labels and \"Ours, other labels\" columns give both of ours).")


def footnotes(shown: pd.DataFrame) -> str:
    """The notes of the marks a displayed table holds (:data:`EXTENSION_MARK` in a method name,
    :data:`RED_FLAG_MARK` or :data:`ON_KMEANS_MARK` on a value), each as its own paragraph."""
    cells = shown.astype(str)
    marks = {EXTENSION_NOTE: "Method" in shown and cells.Method.str.endswith(EXTENSION_MARK.strip()).any(),
             RED_FLAG_NOTE: cells.apply(lambda c: c.str.endswith(RED_FLAG_MARK.strip())).any(axis=None),
             ON_KMEANS_NOTE: cells.apply(lambda c: c.str.endswith(ON_KMEANS_MARK.strip())).any(axis=None)}
    return "".join(f"\n\n{note}" for note, present in marks.items() if present)


def is_extension(method: str, source: str | None) -> bool:
    """Whether ``method`` on a dataset of ``source`` extends the official recipe beyond the official code."""
    m = Method.parse(method)
    return m.family == METRIC_LEARNING and m.recipe in OFFICIAL and source not in OFFICIAL_CODE_SOURCES


IN_SAMPLE, HELD_OUT = " (in-sample)", " (held out)"  # the protocols of Table 5's columns
PUBLISHED = "published"  # the Protocol of the rows that show the paper's own values


def published_header(metric: str, table: int) -> str:
    """The header under which the paper's ``metric`` of ``table`` is shown: the column of ours it is
    read beside (Tables 2-4 show Sil., DB and CH on the true labels), and in Table 5 its in-sample
    column (the paper's protocol)."""
    ours = metric + "_true_labels" if metric in TWO_VARIANTS else metric
    return metric_header(ours) + (IN_SAMPLE if table == 5 else "")




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
        if metric_column(r.metric) is not None:
            # by the rule of our cells (norank.formatting), with a note the paper prints beside it
            # ("(R=5)"); the comparison's CSV keeps it as printed
            note = re.search(r"\s\(.*\)$", str(r.paper_printed))
            variant = ON_KMEANS_MARK if getattr(r, "label_variant", None) == "kmeans" else ""
            out.setdefault((r.dataset, method), {})[published_header(r.metric, table)] = (
                fmt_number(r.paper, r.metric) + (note.group(0) if note else "") + variant)
    return out


def _published_row(d: str, label: str, values: dict[str, str], headers) -> dict:
    return {"Dataset": d, "Method": label, "Protocol": PUBLISHED, "Runs": "",
            **{h: values.get(h, "") for h in headers}}


def summary_table(summary: pd.DataFrame, datasets: list[str], methods: list[str], columns: Sequence[Column],
                  protocols=("paper", "heldout"), sources: dict[str, str] | None = None,
                  published: dict | None = None, number_format=fmt_mean_sd) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per dataset × method × protocol with a run, one (mean, sd) per column, read from the
    metric summary (a column without a subset on the protocol's own: :func:`protocol_subset`).

    Returns ``(numeric, display)``: ``<key>_mean`` / ``<key>_sd`` columns (:attr:`Column.key`) and
    the cells printed by ``number_format`` under each column's header. With ``sources`` (dataset →
    source), the official recipe's rows on datasets the official code does not run are marked
    (:data:`EXTENSION_MARK`; column ``extension`` of the numbers); with ``published``
    (:func:`published_values`), the paper's own values follow a method's rows in the display
    (Protocol ``published``).
    """
    rows, shown = [], []
    lookup = summary_cells(summary)
    headers = [c.header for c in columns]
    for d in datasets:
        for m in methods:
            label = None
            for p in protocols:
                cells = [summary_cell(lookup, d, m, p, c.subset or protocol_subset(p, c.metric), c.metric) for c in columns]
                runs = max(n for _, _, n in cells)
                if runs == 0:
                    continue
                extension = sources is not None and is_extension(m, sources.get(d))
                base = {"dataset": d, "method": m, "protocol": p, "runs": runs, "extension": extension}
                rows.append({**base, **{f"{c.key}_mean": v[0] for c, v in zip(columns, cells)},
                             **{f"{c.key}_sd": v[1] for c, v in zip(columns, cells)}})
                label = method_label(m, table=True) + (EXTENSION_MARK if extension else "")
                shown.append({"Dataset": d, "Method": label, "Protocol": p, "Runs": runs,
                              **{h: number_format(v[0], v[1], c.metric) for h, c, v in zip(headers, columns, cells)}})
            if published and (d, m) in published and label is not None:  # after the method's own rows
                shown.append(_published_row(d, label, published[d, m], headers))
    return pd.DataFrame(rows), pd.DataFrame(shown)


def cluster_table(summary: pd.DataFrame, datasets: list[str], metrics: list[str], methods: list[str],
                  protocols=("paper", "heldout"), sources: dict[str, str] | None = None,
                  published: dict | None = None, number_format=fmt_mean_sd) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tables 2-4: one row per dataset × method × protocol, one column (mean, sd) per metric, each
    on the protocol's own samples (:func:`summary_table`). A method a protocol does not run (t-SNE
    held out) has no row."""
    return summary_table(summary, datasets, methods, [Column(k) for k in metrics], protocols, sources, published,
                         number_format)


def reconstruction_table(summary: pd.DataFrame, datasets: list[str], sources: dict[str, str] | None = None,
                         published: dict | None = None, number_format=fmt_mean_sd) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 5: per dataset, PCA, CP and Tucker at their best rank (lowest mean relative error)
    and metric learning by each recipe (linear map Z → X), in-sample (paper protocol) and held out.
    With ``sources``, the official recipe's rows beyond the official code's datasets are marked;
    with ``published`` (:func:`published_values`), the paper's values follow each row."""
    rows = []
    rec = summary[summary.metric.isin(["relative_error", "explained_variance"])]
    # a row per baseline family (its best rank) and per metric-learning method (each recipe)
    family = {m: Method.parse(m).family for m in rec.method.unique()}
    encoders = (METRIC_LEARNING, OFFICIAL_CODE)  # a row per method: each recipe, the official code
    row_of = {m: m if f in encoders else f for m, f in family.items()}
    kinds = [PCA, *DECOMPOSITIONS, *sorted(m for m, f in family.items() if f == METRIC_LEARNING),
             *(m for m, f in family.items() if f == OFFICIAL_CODE)]
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
        return MISSING if pd.isna(v) else str(int(v))

    error, variance = metric_header("relative_error"), metric_header("explained_variance")
    shown = []
    for _, r in num.iterrows():
        row = {"Dataset": r["dataset"], "Method": label.get(r["method"]) or method_label(r["method"], table=True) + (
            EXTENSION_MARK if sources is not None and is_extension(r["method"], sources.get(r["dataset"])) else "")}
        for where, protocol in (("in_sample", IN_SAMPLE), ("heldout", HELD_OUT)):
            row |= {f"Best rank{protocol}": rank(r[f"{where}_rank"]),
                    f"{error}{protocol}": number_format(r[f"{where}_error_mean"], r[f"{where}_error_sd"],
                                                        "relative_error"),
                    f"{variance}{protocol}": number_format(r[f"{where}_ev_mean"], r[f"{where}_ev_sd"],
                                                           "explained_variance")
                    + (RED_FLAG_MARK if r[f"{where}_ev_mean"] < -1 else "")}
        shown.append(row)
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


def efficiency_table(eff: pd.DataFrame, number_format=fmt_mean_sd) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 6: accuracy (mean ± sd over seeds) per dataset and training size, one column per method."""
    num = summarize_efficiency(eff)
    shown = []
    for (d, n), g in num.groupby(["dataset", "n_train"], sort=True):
        row = {"Dataset": d, "n": int(n)}
        for _, r in g.iterrows():
            ok = r["status"] == "ok"
            row[method_label(r["method"], table=True)] = (number_format(r["accuracy_mean"], r["accuracy_sd"], "accuracy") if ok
                                                          else f"NA ({r['reason']})")
        shown.append(row)
    return num, pd.DataFrame(shown)
