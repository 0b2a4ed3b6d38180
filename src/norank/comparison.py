"""Paper vs ours, cell by cell: every published number of Tables 2-6 next to ours, and why a
cell is or is not compared.

Inputs: ``config/paper_values.csv`` (every published cell; ``label_variant`` says on which
labels the paper computed Sil., DB and CH), ``summary.csv`` (our means over seeds) and the
Table 6 runs.

- **Label variant.** The official code computes silhouette, Davies-Bouldin and
  Calinski-Harabasz on the true labels, and so do most published rows. Where the paper's own
  numbers rule that out, the row's ``label_variant`` is ``kmeans`` and its ``note`` says why;
  :func:`kmeans_evidence` is the rule (a separation ratio within 5 % of 1, i.e. no class
  structure, next to a silhouette above 0.2 cannot come from the true labels). Ours is read in
  the row's variant; the other variant is in ``ours_other_variant``.
- **Tolerance by metric kind** (:class:`Tolerance`, :mod:`norank.tolerance`): bounded metrics (Sil., ARI, NMI,
  trustworthiness, continuity, accuracy, explained variance) within an absolute band; scale
  metrics (DB, CH, SR, relative error) within a ratio band. Our sd over seeds widens a band only
  when it comes from at least ``min_runs`` runs, and never beyond the cap; ``band_capped`` marks
  a cell within only under a band the sd widened up to the cap.
- **Informative matches** (:class:`Uninformative`): a "within" cell whose published value a
  failed method also reaches (ARI near 0, SR near 1, a score at its ceiling) is counted apart
  (column ``informative``, and why not in ``uninformative_reason``).
- **Statuses** say why a cell is not compared: not run, ``paper prints NA``, ``realistic preset
  (not a reproduction)``, ``protocol unknown (Table 6)``, ``paper value impossible: ...``.
- **Owner of a deviation** (:func:`attribute`): a cell outside tolerance gets the first
  matching row of ``config/deviation_notes.csv`` (an analysis written after reading the
  results: whose the difference is, graded by its evidence (:data:`OWNERS`), and why); every
  row cites a file a rule made under ``results/`` and the number in it (:func:`cite_evidence`),
  and a row whose file this run did not make does not apply. Cells no row covers are
  "unresolved". A metric-learning cell also shows the other recipe's number on the
  same cell (:func:`other_recipe`), the first evidence of whose a difference is.
"""

from __future__ import annotations

import math
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np
import pandas as pd

from norank.errors import NorankError
from norank.labels import method_label
from norank.formatting import fmt_mean_sd, fmt_number, significant
from norank.tolerance import SCALE, Tolerance, Uninformative, informative, is_within
from norank.methods import (CLASSIFIERS, DECOMPOSITIONS, EMBEDDINGS, LOSS, METRIC_LEARNING, OFFICIAL_CODE, TUCKER,
                            TUCKER_RHW, Method)
from norank.paper_tables import summarize_efficiency, summary_cells
from norank.recipes import EQ13

LABEL_DEPENDENT = ("silhouette", "davies_bouldin", "calinski_harabasz")
# paper metric -> our metric (the label-dependent ones get the row's variant as suffix)
OURS = {"separation_ratio": "separation_ratio", "continuity": "continuity", "trustworthiness": "trustworthiness",
        "ari": "ari_kmeans", "nmi": "nmi_kmeans", "relative_error": "relative_error",
        "explained_variance": "explained_variance"}
VARIANT_SUFFIX = {"true": "true_labels", "kmeans": "kmeans"}
# whose a deviation is, graded by the evidence behind it: ours (a named choice of ours, with the
# alternative that reaches the printed value); the paper's, when its printed values contradict each
# other (inconsistent), the unmodified official code gives another number (official code differs),
# or no published artefact rebuilds it (not rebuildable); unresolved when nothing better is shown
UNRESOLVED = "unresolved"
OWNERS = ("ours", "paper: inconsistent", "paper: official code differs", "paper: not rebuildable", UNRESOLVED)
NOTE_KEYS = ("table", "dataset", "method", "metric")  # glob patterns ("a|b": either) matched against a comparison row
# the evidence: a file under results/ a rule made, the row (column=value pairs joined by ';') and
# the column of the number the owner rests on (norank.evidence.lookup)
EVIDENCE_COLUMNS = ("evidence", "evidence_row", "evidence_column")
NOTE_COLUMNS = NOTE_KEYS + ("owner",) + EVIDENCE_COLUMNS + ("reason",)
CITED = "{cited}"  # where a note's reason shows its evidence value (so no number of ours is typed by hand)
NOT_A_REPRODUCTION = "realistic preset (not a reproduction)"
TABLE6_UNKNOWN = "protocol unknown (Table 6)"


def kmeans_evidence(silhouette: float, separation_ratio: float) -> str | None:
    """Why a published row's Sil. / DB / CH cannot be on the true labels, or None.

    A separation ratio within 5 % of 1 says the classes are not separated (between-class
    distances as large as within-class ones); a silhouette above 0.2 on those same labels is then
    impossible, so it was computed on k-means clusters.
    """
    if abs(separation_ratio - 1) < 0.05 and silhouette > 0.2:
        return (f"k-means labels: Sil. {silhouette:.4f} with SR {separation_ratio:.4f} (no class separation) is "
                "impossible on the true labels")
    return None


def impossible(metric: str, value: float) -> str | None:
    """Why a published value cannot be (an accuracy above 100 %), or None."""
    if metric == "accuracy" and value > 1:
        return f"paper value impossible: accuracy {value:.1%} is above 100 %"
    return None


def our_methods(method: str, rank, recipes, table: int = 2, families=DECOMPOSITIONS) -> list[str]:
    """Our names of a paper row: its method, with the rank for CP / Tucker; the metric-learning
    row is compared with each configured recipe. A Tucker row of Tables 2-4 is compared with both
    rank modes configured (``families``): ours (R, R, R) and the official code's (R, H, W); Table 5
    prints R = (R, R, R), so its rows are compared with ``tucker`` only."""
    if method == TUCKER and table in (2, 3, 4):
        return [str(Method.decomposition(f, int(rank))) for f in (TUCKER, TUCKER_RHW) if f in families] or \
            [str(Method.decomposition(method, int(rank)))]
    if method in DECOMPOSITIONS:
        return [str(Method.decomposition(method, int(rank)))]
    if method == METRIC_LEARNING:
        return [str(Method.metric_learning(r)) for r in recipes]
    return [method]


def our_metric(metric: str, variant: str) -> str:
    return f"{metric}_{VARIANT_SUFFIX[variant]}" if metric in LABEL_DEPENDENT else OURS[metric]


def compare_with_paper(paper: pd.DataFrame, summary: pd.DataFrame, efficiency: pd.DataFrame | None,
                       sources: dict[str, str], *, tolerance: Tolerance = Tolerance(), recipes=(EQ13,),
                       realistic=(), families=DECOMPOSITIONS, uninformative: Uninformative = Uninformative()
                       ) -> pd.DataFrame:
    """One row per published cell × each of our datasets of its source × (metric-learning
    cells) each recipe (Tucker cells of Tables 2-4: each rank mode of ``families``). ``sources``
    maps our datasets to their source (``galaxy_paper`` → ``galaxy``); ``realistic`` names the
    datasets of a realistic preset. ``ours`` is the paper-protocol mean over seeds (the paper's
    protocol), the held-out mean is beside it. A "within" cell is ``informative`` unless
    ``uninformative`` says otherwise; ``band_capped`` (compared cells) says it is within only under
    a band our sd widened up to the cap.
    """
    eff = summarize_efficiency(efficiency) if efficiency is not None and len(efficiency) else None
    lookup = summary_cells(summary)
    ran = set(zip(summary.dataset, summary.method))
    rows = []
    for _, p in paper.iterrows():
        table, metric = int(p["table"]), p["metric"]
        variant = p.get("label_variant") if metric in LABEL_DEPENDENT else None
        variant = variant if isinstance(variant, str) and variant else ("true" if metric in LABEL_DEPENDENT else "")
        methods = [p["method"]] if table == 6 else our_methods(p["method"], p["rank"], recipes, table, families)
        ours_datasets = [d for d, s in sources.items() if s == p["dataset"]] or [None]
        # a metric-learning cell is also compared with the official code, where it ran unmodified
        official = [OFFICIAL_CODE] if p["method"] == METRIC_LEARNING and table != 6 else []
        for d, method in ((d, m) for d in ours_datasets
                          for m in methods + [o for o in official if (d, o) in ran]):
            row = {"table": table, "paper_dataset": p["dataset"], "dataset": d, "method": method,
                   "n_train": p["n_train"], "metric": metric, "label_variant": variant, "paper": p["value"],
                   "paper_printed": p["printed"], "ours_mean": np.nan, "ours_sd": np.nan, "runs": 0,
                   "ours_other_variant": np.nan, "heldout_mean": np.nan, "heldout_sd": np.nan}
            status = _fill(row, p, d, method, lookup, eff)
            if status is None:
                status = (impossible(metric, p["value"]) if pd.notna(p["value"]) else "paper prints NA") or (
                    TABLE6_UNKNOWN if table == 6 else NOT_A_REPRODUCTION if d in realistic else "compared")
            rows.append({**row, "status": status})
    out = pd.DataFrame(rows)
    out["kind"] = ["scale" if m in SCALE else "bounded" for m in out.metric]
    out["diff"] = out.ours_mean - out.paper
    out["ratio"] = (out.ours_mean / out.paper).where((out.paper > 0) & (out.ours_mean > 0))
    out["band"] = [tolerance.band(m, o, s, n) if st == "compared" else np.nan
                   for m, o, s, n, st in zip(out.metric, out.ours_mean, out.ours_sd, out.runs, out.status)]
    out["within_tolerance"] = pd.Series([tolerance.within(m, pv, o, s, n) if st == "compared" else None
                                         for m, pv, o, s, n, st in zip(out.metric, out.paper, out.ours_mean,
                                                                       out.ours_sd, out.runs, out.status)],
                                        dtype=object)
    no_ratio = (out.status == "compared") & out.within_tolerance.isna()
    out.loc[no_ratio, "status"] = "not comparable: a value ≤ 0 has no ratio"
    out["informative"], out["uninformative_reason"] = informative(out.metric, out.paper, out.within_tolerance,
                                                                  uninformative)
    out["band_capped"] = pd.Series([tolerance.needs_cap(m, pv, o, s, n) if st == "compared" else None
                                    for m, pv, o, s, n, st in zip(out.metric, out.paper, out.ours_mean, out.ours_sd,
                                                                  out.runs, out.status)], dtype=object)
    return out


def _fill(row: dict, p, d, method: str, lookup: dict, eff) -> str | None:
    """Put our numbers into ``row``; a status when there are none."""
    if d is None:
        return f"not run: no configured dataset of source {p['dataset']!r}"
    if row["table"] == 6:
        hit = eff[(eff.dataset == d) & (eff.method == method) & (eff.n_train == int(p["n_train"]))] \
            if eff is not None else pd.DataFrame()
        if hit.empty:
            return "not run: size or method not configured"
        h = hit.iloc[0]
        if h["status"] != "ok":
            return f"not applicable: {h['reason']}"
        row.update(ours_mean=h["accuracy_mean"], ours_sd=h["accuracy_sd"], runs=int(h["n_seeds"]))
        return None
    metric = row["metric"]
    rec = metric in ("relative_error", "explained_variance")
    subset = "reconstruction_in_sample" if rec else "all"
    ours = our_metric(metric, row["label_variant"] or "true")
    mean, sd, n = lookup.get((d, method, "paper", subset, ours), (np.nan, np.nan, 0))
    if n == 0:
        return "not run: method or rank not configured"
    hmean, hsd, _ = lookup.get((d, method, "heldout", "reconstruction_heldout" if rec else "heldout", ours),
                               (np.nan, np.nan, 0))
    row.update(ours_mean=mean, ours_sd=sd, runs=n, heldout_mean=hmean, heldout_sd=hsd)
    if metric in LABEL_DEPENDENT:
        other = "kmeans" if row["label_variant"] == "true" else "true"
        row["ours_other_variant"] = lookup.get((d, method, "paper", "all", our_metric(metric, other)), (np.nan,))[0]
    return None


FAMILY_ORDER = (*EMBEDDINGS, *DECOMPOSITIONS, METRIC_LEARNING, OFFICIAL_CODE, *CLASSIFIERS)


def _row_order(method: str) -> tuple:
    """The tables' row order: PCA, t-SNE, UMAP, CP, Tucker, Tucker (R,H,W) by rank, metric learning by
    recipe, the official code run unmodified, then Table 6's PCA + SVM and transformer."""
    m = Method.parse(method)
    return (FAMILY_ORDER.index(m.family) if m.family in FAMILY_ORDER else len(FAMILY_ORDER), m.rank or 0,
            m.recipe or "")


def within_counts(cmp: pd.DataFrame) -> tuple[int, int]:
    """Compared cells within tolerance, and of those the informative ones (column ``informative``)."""
    within = cmp.within_tolerance.map(is_within) & (cmp.status == "compared")
    return int(within.sum()), int((within & cmp.informative.map(is_within)).sum())


def within_sentence(cmp: pd.DataFrame) -> str:
    """The within count in plain words: "349 within, of which 243 informative (106 uninformative:
    66 near zero, ...)"."""
    within, useful = within_counts(cmp)
    kinds = cmp.uninformative_reason.fillna("").str.replace(r":.*", "", regex=True)
    why = ", ".join(f"{n} {k}" for k, n in kinds[kinds != ""].value_counts().items())
    return f"{within} within, of which {useful} informative" + (f" ({within - useful} uninformative: {why})"
                                                                if within > useful else "")


def verdict_table(cmp: pd.DataFrame) -> pd.DataFrame:
    """Per table × method (ours: each recipe its own row): published cells, compared, within
    tolerance, and the within cells split into informative and uninformative, under the paper
    protocol."""
    rows = []
    groups = sorted(cmp.groupby(["table", "method"]), key=lambda kv: (kv[0][0], _row_order(kv[0][1])))
    for (table, method), g in groups:
        comp = g[g.status == "compared"]
        within, useful = within_counts(comp)
        rows.append({"Table": table, "Method": method_label(method, table=True), "cells": len(g),
                     "compared": len(comp), "within": within, "informative": useful, "uninformative": within - useful,
                     "share within": f"{within / len(comp):.0%}" if len(comp) else "–"})
    return pd.DataFrame(rows)


def comparison_display(cmp: pd.DataFrame) -> pd.DataFrame:
    """The comparison as the Markdown shows it: one line per cell, numbers formatted."""
    def verdict(r):
        if r["status"] != "compared":
            return r["status"]
        return "within" if r["within_tolerance"] else "DIFFERS"

    def gap(r):
        if pd.isna(r["ours_mean"]) or pd.isna(r["paper"]):
            return ""
        if r["kind"] == "scale" and pd.notna(r["ratio"]):
            return f"×{significant(r['ratio'])}"
        return fmt_number(r["diff"], r["metric"])

    def band(r):
        if pd.isna(r["band"]):
            return ""
        cap = " (cap)" if is_within(r["band_capped"]) else ""
        return (f"×/÷{significant(r['band'])}" if r["kind"] == "scale" else f"±{fmt_number(r['band'], r['metric'])}") + cap

    owned = "owner" in cmp
    return pd.DataFrame({
        # the verdict and its owner first: what a reader filters by
        "Verdict": [verdict(r) for _, r in cmp.iterrows()],
        **({"Owner": cmp.owner.fillna("")} if owned else {}),
        "Table": cmp.table, "Dataset": cmp.dataset.fillna("–"),
        "Method": [method_label(m, table=True) for m in cmp.method],
        "n": ["" if pd.isna(n) else str(int(n)) for n in cmp.n_train], "Metric": cmp.metric,
        "Labels": cmp.label_variant.fillna(""),
        # the published value by the rule of ours in its row (the CSV keeps it as printed)
        "Paper": [fmt_number(p, k) for p, k in zip(cmp.paper, cmp.metric)],
        "Ours (paper protocol)": [fmt_mean_sd(m, s, k) for m, s, k in zip(cmp.ours_mean, cmp.ours_sd, cmp.metric)],
        "Ours, other labels": ["" if pd.isna(v) else fmt_number(v, k) for v, k in zip(cmp.ours_other_variant,
                                                                                      cmp.metric)],
        "Ours (held out)": [fmt_mean_sd(m, s, k) for m, s, k in zip(cmp.heldout_mean, cmp.heldout_sd, cmp.metric)],
        "Gap": [gap(r) for _, r in cmp.iterrows()],
        "Band": [band(r) for _, r in cmp.iterrows()],
        "Informative": ["" if pd.isna(v) else "yes" if v else f"no, {w.split(':')[0]}"
                        for v, w in zip(cmp.informative, cmp.uninformative_reason.fillna(""))],
        **({"Why": cmp.owner_reason.fillna(""), "Evidence": cmp.owner_evidence.fillna("")} if owned else {}),
    })


def largest_deviations(cmp: pd.DataFrame, tolerance: Tolerance, n: int = 10) -> pd.DataFrame:
    """The ``n`` compared cells farthest outside tolerance, in units of the base band: |ours −
    paper| / abs for bounded metrics, |ln(ours / paper)| / ln(ratio) for scale metrics."""
    bad = cmp[(cmp.status == "compared") & (cmp.within_tolerance == False)].copy()  # noqa: E712 (object column)
    scale = bad.metric.isin(SCALE)
    bad["bands"] = np.where(scale, np.abs(np.log(bad.ratio.where(scale, 1.0))) / math.log(tolerance.ratio),
                            bad["diff"].abs() / tolerance.abs)
    return bad.sort_values("bands", ascending=False).head(n)


def read_deviation_notes(path: str | Path) -> pd.DataFrame:
    """``config/deviation_notes.csv``: columns table, dataset (the paper's), method, metric (glob
    patterns, ``*`` for any, ``a|b`` for either), owner (one of :data:`OWNERS`), the evidence (a file
    under results/, its row and column) and reason, checked row by row."""
    path = Path(path)
    try:
        notes = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise NorankError(f"{path}: cannot read the deviation notes ({e}); it is a CSV with the columns "
                          f"{', '.join(NOTE_COLUMNS)}.") from e
    missing = [c for c in NOTE_COLUMNS if c not in notes.columns]
    if missing:
        raise NorankError(f"{path}: the column(s) {missing} are missing; the columns are {', '.join(NOTE_COLUMNS)}.")
    for i, r in notes.iterrows():
        where = f"{path}, line {i + 2}"
        if r["owner"] not in OWNERS:
            raise NorankError(f"{where}, column `owner`: {r['owner']!r} is not an owner; use one of {list(OWNERS)}.")
        if not r["reason"].strip():
            raise NorankError(f"{where}, column `reason`: empty; say in one line why the cells differ.")
        for key in NOTE_KEYS:
            if not r[key].strip():
                raise NorankError(f"{where}, column `{key}`: empty; write a pattern, or * for any.")
        if not r["evidence"].strip().startswith("results/"):
            raise NorankError(f"{where}, column `evidence`: {r['evidence']!r} cites no evidence file; name the file under "
                              "results/ a rule made that holds the number behind this owner (results/evidence/..., "
                              "results/metrics/summary.csv, results/tables/...).")
        for key in EVIDENCE_COLUMNS[1:]:
            if not r[key].strip():
                raise NorankError(f"{where}, column `{key}`: empty; say which row (column=value;...) and column of "
                                  f"{r['evidence']} hold the number.")
        if CITED not in r["reason"]:
            raise NorankError(f"{where}, column `reason`: it does not show the number it cites; write {CITED} where "
                              "the evidence value belongs (the comparison fills it in), and no number of ours by hand.")
    return notes


def cite_evidence(notes: pd.DataFrame, made: set[str], root: str | Path = ".") -> pd.DataFrame:
    """``notes`` with ``evidence_value``: the number each row cites, read from its file (under
    ``root``) when the run ``made`` it, NaN when it did not or the file has no such row (a run
    with other datasets, methods or ranks: the row then applies to no cell). A malformed row
    selection, a column the file lacks or several matching rows is an error naming the note's line."""
    from norank.evidence import lookup

    tables: dict[str, pd.DataFrame] = {}
    values = []
    for i, r in notes.reset_index(drop=True).iterrows():
        if r["evidence"] not in made:
            values.append(float("nan"))
            continue
        if r["evidence"] not in tables:
            path = Path(root) / r["evidence"]
            try:
                tables[r["evidence"]] = pd.read_csv(path)
            except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
                raise NorankError(f"{path}: cannot read the evidence file ({e}); delete it and re-run snakemake.") from e
        values.append(lookup(tables[r["evidence"]], r["evidence_row"], r["evidence_column"],
                             name=f"config/deviation_notes.csv, line {i + 2}, evidence {r['evidence']}", absent_ok=True))
    return notes.assign(evidence_value=values)


def _differs(status, within) -> bool:
    """A compared cell outside tolerance (``within`` is True / False / None, numpy's or Python's)."""
    return status == "compared" and within is not None and not bool(within)


def _matches(value: str, pattern: str) -> bool:
    """``value`` matches one of the ``|``-separated glob patterns of a note's column."""
    return any(fnmatchcase(value, p) for p in pattern.split("|"))


def attribute(cmp: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """``cmp`` with ``owner``, ``owner_reason`` and ``owner_evidence`` (file: number) for every
    compared cell outside tolerance: the first row of ``notes`` (top-down, those with an
    ``evidence_value`` from :func:`cite_evidence`) whose patterns match the cell's table, paper
    dataset, method and metric; "unresolved" when none does. Other cells get empty strings."""
    out = cmp.copy()
    cited = notes[notes.evidence_value.notna()] if "evidence_value" in notes else notes.iloc[:0]
    owner, reason, evidence = [], [], []
    for r in out.itertuples():
        hit = None
        if _differs(r.status, r.within_tolerance):
            cell = (str(r.table), str(r.paper_dataset), str(r.method), str(r.metric))
            hit = next((n for n in cited.itertuples()
                        if all(_matches(v, getattr(n, k)) for v, k in zip(cell, NOTE_KEYS))), None)
            owner.append(hit.owner if hit is not None else UNRESOLVED)
        else:
            owner.append("")
        reason.append(hit.reason.replace(CITED, significant(hit.evidence_value)) if hit is not None else "")
        evidence.append(f"{hit.evidence}: {significant(hit.evidence_value)}" if hit is not None else "")
    out["owner"], out["owner_reason"], out["owner_evidence"] = owner, reason, evidence
    return out


def other_recipe(cmp: pd.DataFrame) -> pd.Series:
    """Per metric-learning cell, the other recipes' numbers on the same published cell ("official:
    0.93 within"); empty for the other methods."""
    ml = cmp.method.map(lambda m: Method.parse(m).is_encoder and Method.parse(m).family != LOSS).astype(bool)
    key = ["table", "dataset", "metric", "label_variant", "n_train"]  # one published cell
    out = pd.Series("", index=cmp.index, dtype=object)
    for _, g in cmp[ml].groupby(key, dropna=False):
        for i, r in g.iterrows():
            others = [f"{Method.parse(o.method).recipe or 'official code'}: {fmt_mean_sd(o.ours_mean, np.nan, o.metric)}"
                      + ("" if o.within_tolerance is None else " differs" if _differs(o.status, o.within_tolerance)
                         else " within")
                      for _, o in g.iterrows() if o.method != r.method and pd.notna(o.ours_mean)]
            out[i] = "; ".join(others)
    return out


def comparison_preamble(cmp: pd.DataFrame, tolerance: Tolerance,
                        uninformative: Uninformative = Uninformative()) -> list:
    """What is shown above the cells (blocks for :func:`norank.tables.write_table`): the rule,
    the verdict per table and method, why the other cells are not compared, the largest deviations."""
    statuses = cmp.status.str.replace(r":.*", "", regex=True).value_counts()
    blocks = [f"Within tolerance means: {tolerance.rule()}. Ours is the paper-protocol mean over seeds; Sil., DB and "
              "CH are read on the labels the paper used (column Labels: true, as the official code, unless the "
              "paper's own numbers rule that out; the note column of config/paper_values.csv says why).",
              f"Informative (column Informative; the published value decides, not ours): {uninformative.rule()}.",
              f"**Within tolerance**: {within_sentence(cmp)}; per table: " + "; ".join(
                  f"Table {t} {within_sentence(g)}" for t, g in cmp.groupby("table") if within_counts(g)[0])
              + f". {int(cmp.band_capped.map(is_within).sum())} within cell(s) needed a band the sd widened "
              f"up to the cap ±{tolerance.cap_abs:g} / ×{tolerance.cap_ratio:g} (Band \"(cap)\").",
              ("Verdict per table and method (paper protocol)", verdict_table(cmp)),
              "**Cells per status**: " + ", ".join(f"{k}: {v}" for k, v in statuses.items())]
    if "owner" in cmp:
        owners = cmp.owner[cmp.owner != ""].value_counts()
        blocks.append("**Cells outside tolerance by owner** (ours: a named choice of ours, with the alternative that "
                      "reaches the printed value; paper: inconsistent (printed values contradict each other), official "
                      "code differs (the unmodified official code gives another number), not rebuildable (no published "
                      "artefact produces it); unresolved: nothing better shown. Each owner cites a file a rule made "
                      "and the number in it (column Evidence); the reasons are config/deviation_notes.csv): "
                      + ", ".join(f"{k}: {v}" for k, v in owners.items()))
    top = largest_deviations(cmp, tolerance)
    if len(top):
        shown = comparison_display(top).drop(columns=["Ours (held out)", "Band", "Verdict", "Informative"])
        at = shown.columns.get_loc("Gap") + 1
        shown.insert(at, "Bands off", [f"{b:.1f}" for b in top.bands])
        shown.insert(at + 1, "Other recipe", other_recipe(cmp).loc[top.index].values)
        blocks.append(("The largest deviations (in units of the base band)", shown))
    return blocks
