"""The report's landing summary, computed from the run's results (never hand-written).

:func:`findings` reads the metric summary (``results/metrics/summary.csv``) and, when the run
has paper datasets, the comparison (``results/tables/paper_comparison.csv``) and states the
headline findings with their numbers: how many published cells reproduce, by recipe, and how
many of those matches are informative (not where a failed method also lands); the
metric-learning silhouette on the faces next to the paper's; the largest in-sample vs held-out
gap; which method is best on held-out samples per dataset; the largest deviation from the
paper. :func:`summary_rst` puts them, the verdict grid (within / compared, and the informative
within cells) and the protocol caveat into the reStructuredText the report's landing page
includes; :func:`summary_markdown` into ``results/summary.md`` with links to every table and
figure.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pandas as pd

from norank.comparison import verdict_table, within_counts, within_sentence
from norank.formatting import MISSING, fmt_mean_sd, fmt_number
from norank.labels import method_label
from norank.methods import METRIC_LEARNING, Method
from norank.paper_tables import protocol_subset

CAVEAT = ("In-sample (paper protocol) numbers of a trained encoder say how well it separates the samples it "
          "was trained on, and the paper reports only those; the held-out rows (stratified folds, every metric on "
          "samples the model never saw) say how it generalises. Where the two disagree, trust the held-out one.")

GRID_KEY = ("within tolerance / compared published cells, paper protocol, and how many of the within cells are "
            "informative: not where a failed method also lands")


def _cells(summary: pd.DataFrame, metric: str, protocol: str) -> pd.DataFrame:
    subset = protocol_subset(protocol, metric)
    return summary[(summary.metric == metric) & (summary.protocol == protocol) & (summary.subset == subset)]


def _is_ml(method: str) -> bool:
    return Method.parse(method).family == METRIC_LEARNING


def reproduction_finding(cmp: pd.DataFrame) -> str | None:
    compared = cmp[cmp.status == "compared"]
    if compared.empty:
        return None
    within = compared.within_tolerance == True  # noqa: E712 (object column)
    ml = compared.method.map(_is_ml)
    parts = [f"{method_label(m)}: {int(within[compared.method == m].sum())} of {int((compared.method == m).sum())}"
             for m in sorted(compared.method[ml].unique())]
    per_table = "; ".join(f"Table {t}: {within_sentence(g)}" for t, g in compared.groupby("table")
                          if within_counts(g)[0])
    return (f"**Reproduction**: {int(within.sum())} of {len(compared)} compared published cells are within tolerance "
            f"under the paper protocol ({int(within[~ml].sum())} of {int((~ml).sum())} for the baselines; "
            + "; ".join(parts) + f"). That is {within_sentence(compared)}. Per table: {per_table}. A within cell is "
            "uninformative when the published value sits where a failed method also lands, or at the ceiling of a "
            "score every working method reaches. The comparison table lists every cell, the rule, and why the "
            "others are not compared.")


def faces_finding(cmp: pd.DataFrame) -> str | None:
    rows = cmp[(cmp.status == "compared") & (cmp.metric == "silhouette") & cmp.method.map(_is_ml)
               & cmp.paper_dataset.isin(["lfw", "olivetti"])]
    if rows.empty:
        return None
    parts = []
    for d, g in rows.groupby("paper_dataset", sort=True):
        ours = ", ".join(f"{method_label(r.method)} {r.ours_mean:.2f}" for r in g.sort_values("method").itertuples())
        parts.append(f"{d} {ours} (paper {g.paper.iloc[0]:.3f})")
    return "**Faces, silhouette of the metric-learning embedding** (paper protocol): " + "; ".join(parts) + "."


def generalisation_finding(summary: pd.DataFrame, metric: str = "ari_kmeans") -> str | None:
    ins, out = _cells(summary, metric, "paper"), _cells(summary, metric, "heldout")
    both = ins.merge(out, on=["dataset", "method"], suffixes=("_in", "_out"))
    both = both[both.method.map(_is_ml)]
    if both.empty:
        return None
    both["gap"] = both.mean_in - both.mean_out
    top = both.sort_values("gap", ascending=False).iloc[0]
    return (f"**In-sample vs held out**: the largest drop is {method_label(top.method)} on {top.dataset}, ARI "
            f"{top.mean_in:.2f} in sample against {top.mean_out:.2f} ± {top.sd_out:.2f} on held-out samples; "
            f"over the {both.dataset.nunique()} datasets the metric-learning ARI drops by {both.gap.median():.2f} "
            "(median).")


# the held-out scores the summary ranks methods by: clustering, and retrieval of held-out queries
BEST_HELDOUT = {"ari_kmeans": "ARI", "precision_at_1": "P@1"}


def best_heldout_finding(summary: pd.DataFrame) -> str | None:
    """Per score of :data:`BEST_HELDOUT`, the best method on each dataset's held-out samples."""
    sentences = []
    for metric, name in BEST_HELDOUT.items():
        out = _cells(summary, metric, "heldout")
        if out.empty:
            continue
        parts, ml_best = [], 0
        for d, g in out.groupby("dataset", sort=True):
            best = g.loc[g["mean"].idxmax()]
            tied = int((g["mean"] >= best["mean"] - 0.005).sum()) - 1
            ml_best += _is_ml(best.method)
            parts.append(f"{d} {method_label(best.method)} {best['mean']:.2f}"
                         + (f" (tied with {tied} more)" if tied else ""))
        sentences.append(f"by {name} metric learning is best on {ml_best} of {len(parts)} datasets ("
                         + "; ".join(parts) + ")")
    return "**Best held out**: " + "; ".join(sentences) + "." if sentences else None


def deviation_finding(cmp: pd.DataFrame, tolerance) -> str | None:
    from norank.comparison import largest_deviations

    top = largest_deviations(cmp, tolerance, n=1)
    if top.empty:
        return None
    r = top.iloc[0]
    return (f"**Largest deviation from the paper**: Table {int(r.table)}, {r.dataset}, {method_label(r.method)}, "
            f"{r.metric}: ours {fmt_number(r.ours_mean, r.metric)}, paper {fmt_number(r.paper, r.metric)} "
            f"({r.bands:.1f} bands off).")


def bridge_finding(bridge: pd.DataFrame) -> str | None:
    """The bridge's conclusion (norank.bridge.conclusion): the choices that explain most of the gap
    between eq. 13 and the official recipe."""
    from norank.bridge import conclusion

    text = conclusion(bridge)
    return f"**From eq. 13 to the official recipe, one choice at a time**: {text}" if text else None


def findings(summary: pd.DataFrame, cmp: pd.DataFrame | None = None, tolerance=None,
             bridge: pd.DataFrame | None = None) -> list[str]:
    """Three to six headline findings with their numbers (those the run's results support)."""
    out = []
    if cmp is not None:
        out += [reproduction_finding(cmp), faces_finding(cmp)]
    out += [generalisation_finding(summary), best_heldout_finding(summary)]
    if bridge is not None:
        out.append(bridge_finding(bridge))
    if cmp is not None and tolerance is not None:
        out.append(deviation_finding(cmp, tolerance))
    return [f for f in out if f]


# the headline's key metric per paper table (the metric-learning row's headline number there)
HEADLINE_METRICS = {2: "silhouette", 3: "silhouette", 4: "silhouette", 5: "relative_error"}
HEADLINE_RECIPES = {"official_code": "Official code, unmodified", "metric_learning-official": "Ours, official recipe",
                    "metric_learning": "Ours, eq. 13"}


def _misses_by_owner(comp: pd.DataFrame) -> pd.Series:
    missed = comp[comp.within_tolerance != True]  # noqa: E712 (object column)
    return missed.owner.fillna("unresolved").replace("", "unresolved").value_counts()


def _owners_text(counts: pd.Series) -> str:
    return ", ".join(f"{owner} {n}" for owner, n in counts.items()) or "none"


def headline_table(cmp: pd.DataFrame) -> pd.DataFrame:
    """One row per paper table and dataset: the key metric (:data:`HEADLINE_METRICS`) of the
    metric-learning rows, printed and ours (the unmodified official code, our official recipe,
    our eq. 13, eq. 13 held out), then how many of all the published cells there reproduce
    (and how many of those are informative), and the misses by owner class."""
    rows = []
    for (table, dataset), g in cmp.groupby(["table", "paper_dataset"], sort=True):
        metric = HEADLINE_METRICS.get(int(table))
        comp = g[g.status == "compared"]
        if metric is None or comp.empty:
            continue
        key = comp[comp.metric == metric]
        row = {"Table": int(table), "Dataset": dataset, "Metric": metric.replace("_", " ")}
        eq13 = key[key.method == "metric_learning"]
        row["Paper"] = fmt_mean_sd(eq13.paper.iloc[0], float("nan"), metric) if len(eq13) else MISSING
        for method, name in HEADLINE_RECIPES.items():
            r = key[key.method == method]
            row[name] = fmt_mean_sd(r.ours_mean.iloc[0], r.ours_sd.iloc[0], metric) if len(r) else MISSING
        row["Held out, eq. 13"] = (fmt_mean_sd(eq13.heldout_mean.iloc[0], eq13.heldout_sd.iloc[0], metric)
                                   if len(eq13) else MISSING)
        within, informative = within_counts(comp)
        row["Reproduced (all methods)"] = f"{within} / {len(comp)} ({informative} informative)"
        row["Misses by owner"] = _owners_text(_misses_by_owner(comp))
        rows.append(row)
    table = pd.DataFrame(rows)
    if not table.empty and (table["Official code, unmodified"] == MISSING).all():
        table = table.drop(columns="Official code, unmodified")
    return table


def headline_sentence(cmp: pd.DataFrame) -> str | None:
    """The verdict in one generated sentence: what reproduces (all cells and the metric-learning
    ones), and whose most of the misses are."""
    comp = cmp[cmp.status == "compared"]
    if comp.empty:
        return None
    within, informative = within_counts(comp)
    ml = comp[comp.method.map(_is_ml)]
    ml_within, _ = within_counts(ml)
    owners = _misses_by_owner(comp)
    missed = int(owners.sum())
    lead = (f"most are {owners.index[0]} ({owners.iloc[0]})" if missed and owners.iloc[0] * 2 > missed else
            f"the largest share is {owners.index[0]} ({owners.iloc[0]})" if missed else "")
    rest = "; ".join(f"{o} {n}" for o, n in owners.iloc[1:].items())
    return (f"**Verdict**: {within} of {len(comp)} published cells reproduce within tolerance ({informative} of them "
            f"informative), the metric-learning rows {ml_within} of {len(ml)}. "
            + (f"Of the {missed} that do not, {lead}" + (f"; then {rest}" if rest else "") + "." if missed else ""))


def verdict_grid(cmp: pd.DataFrame) -> pd.DataFrame:
    """Methods × tables: ``within / compared, informative`` published cells under the paper protocol."""
    v = verdict_table(cmp)
    v = v[v.compared > 0]
    cells = v.assign(cell=[f"{w} / {c}, {i} informative" for w, c, i in zip(v.within, v.compared, v.informative)])
    grid = cells.pivot_table(index="Method", columns="Table", values="cell", aggfunc="first", sort=False).fillna("")
    grid.columns = [f"Table {t}" for t in grid.columns]
    return grid.reset_index()


def owner_links(cmp: pd.DataFrame, page: str) -> str:
    """The misses by owner class as raw HTML for the report's landing page: each count a link that
    opens the comparison's report page (``page``, the report's key of its HTML file) filtered to
    that owner's misses (the page reads its filters from its address, norank.report.FILTER_JS;
    ``app`` and ``results`` are the Snakemake report's own globals)."""
    comp = cmp[cmp.status == "compared"]
    owners = _misses_by_owner(comp)
    if owners.empty:
        return ""
    links = []
    for owner, n in owners.items():
        address = urlencode({"Owner": owner, "Verdict": "DIFFERS"})
        show = (f"app.setView({{content: 'html', resultPath: '{page}', "
                f"contentPath: results['{page}'].data_uri + '#{address}'}}); return false;")
        links.append(f'<a href="#" class="owner" onclick="{html.escape(show)}">{html.escape(str(owner))} {n}</a>')
    return ('<p class="owners"><strong>Misses by owner</strong> (each opens the comparison filtered to its cells): '
            + " · ".join(links) + "</p>")


def _raw_html(fragment: str) -> list[str]:
    return [".. raw:: html", "", "   " + fragment, ""] if fragment else []


def _rst_table(df: pd.DataFrame) -> str:
    lines = [".. csv-table::", "   :header: " + ", ".join(f'"{c}"' for c in df.columns), "   :widths: auto", ""]
    for row in df.itertuples(index=False):
        lines.append("   " + ", ".join(f'"{v}"' for v in row))
    return "\n".join(lines) + "\n"


def terms(tolerance=None) -> str:
    """The headline's terms, defined where they are first used (the run's tolerance rule)."""
    from norank.tolerance import Tolerance

    t = tolerance or Tolerance()
    return (f"*Terms*: **within tolerance**: our mean is within ± {t.abs:g} of a published bounded score "
            f"(silhouette, ARI, NMI, ...) or within a factor {t.ratio:g} of a published scale value (DB, CH, SR, "
            f"error), the band widened by {t.sd_multiple:g} × our sd over seeds up to ± {t.cap_abs:g} / × "
            f"{t.cap_ratio:g}; **informative**: a within cell that a failed method would not also match; "
            "**eq. 13**: the paper's objective with our choices; **official recipe**: the official code's training, "
            "re-implemented; **official code, unmodified**: the author's code run as published; **owner** of a miss: "
            "*ours* (a named choice of ours), *paper: inconsistent* (printed values contradict each other), "
            "*paper: official code differs* (the unmodified code gives another number), *paper: not rebuildable* "
            "(no published artefact produces it), *unresolved* (nothing better shown).")


HEADLINE_KEY = ("the metric-learning key metric per paper table and dataset, mean ± sd over seeds, paper protocol "
                "unless held out; the published cells there that reproduce; whose the misses are")


def summary_rst(found: list[str], grid: pd.DataFrame | None, run: str, headline: str | None = None,
                headline_rows: pd.DataFrame | None = None, tolerance=None, owners: str = "") -> str:
    """The landing page's summary section (reStructuredText): the verdict sentence, the misses by
    owner (``owners``, raw HTML: :func:`owner_links`) and the headline table first, then the run,
    the findings, the verdict grid and the caveat."""
    parts = ["Summary of this run", "-------------------", ""]
    if headline:
        parts += [headline, ""]
    parts += _raw_html(owners)
    if headline_rows is not None and len(headline_rows):
        parts += [f"*Headline* ({HEADLINE_KEY}):", "", _rst_table(headline_rows), terms(tolerance), ""]
    parts += [run, ""]
    parts += [f"- {f}" for f in found] + [""]
    if grid is not None and len(grid):
        parts += [f"**Verdict** ({GRID_KEY}):", "", _rst_table(grid)]
    parts += [CAVEAT, ""]
    return "\n".join(parts)


def summary_markdown(found: list[str], grid: pd.DataFrame | None, run: str, links: dict[str, str],
                     headline: str | None = None, headline_rows: pd.DataFrame | None = None, tolerance=None) -> str:
    """``results/summary.md``: the verdict sentence, the headline table, the findings, the verdict
    grid and a link to every table and figure."""
    parts = ["# Summary of this run", ""]
    if headline:
        parts += [headline, ""]
    if headline_rows is not None and len(headline_rows):
        parts += [f"*Headline* ({HEADLINE_KEY}):", "", headline_rows.to_markdown(index=False, disable_numparse=True),
                  "", terms(tolerance), ""]
    parts += [run, ""] + [f"- {f}" for f in found] + [""]
    if grid is not None and len(grid):
        parts += [f"**Verdict** ({GRID_KEY}):", "", grid.to_markdown(index=False, disable_numparse=True), ""]
    parts += [CAVEAT, "", "## Tables and figures", ""] + [f"- [{name}]({path})" for name, path in links.items()]
    return "\n".join(parts) + "\n"
