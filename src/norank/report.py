"""What the HTML report shows: tables rendered as HTML (the Snakemake report only offers CSV and
Markdown as downloads), with each metric's direction and its abbreviations spelled out.

A table page is self-contained (inline CSS, no network), so it renders inside the report's viewer
and opened on its own. A long table (the comparison) can be made a tool: a filter per named
column and sorting by any header, by a small script of our own inlined in the page (:data:`FILTER_JS`;
a library such as itables would add ~1 MB of inlined JavaScript and a dependency for two
selects and a sort), which also reads its filters from the page's address
(``#Owner=unresolved&Verdict=DIFFERS``) so the landing page can link to a filtered view.
"""

from __future__ import annotations

import hashlib
import html
import json
import re

import pandas as pd

from norank.table_registry import METRICS

# column header (or its start) -> (higher is better, what it means)
METRIC_HEADERS = {c.header: (c.higher_is_better, c.meaning) for c in METRICS.values()}
ARROW = {True: "↑", False: "↓"}

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 13px; margin: 12px; color: #222; }
h1 { font-size: 16px; margin: 0 0 8px; }
h2 { font-size: 14px; margin: 16px 0 6px; }
p.note { color: #444; max-width: 70em; }
table { border-collapse: collapse; margin: 4px 0 12px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; position: sticky; top: 0; }
th { text-align: center; }
tr:hover td { background: #f7f9ff; }
td.wrap { white-space: normal; min-width: 34em; max-width: 48em; text-align: left; }
#filters { position: sticky; top: 0; background: #fff; padding: 4px 0; z-index: 2; }
#filters select { margin: 0 6px 4px 0; font-size: 12px; max-width: 22em; }
table.filterable th { cursor: pointer; }
"""

# the filter and sort of a table page made a tool (html_table(..., filters=...)); plain DOM, no library
FILTER_JS = """
(function () {
  const table = document.querySelector("table.filterable"), body = table.tBodies[0];
  const rows = Array.from(body.rows), head = Array.from(table.tHead.rows[0].cells);
  const names = head.map(th => th.textContent.trim()), bar = document.getElementById("filters");
  const shown = document.getElementById("shown"), selects = {}, EMPTY = "(empty)";
  const text = (row, i) => row.cells[i].textContent.trim() || EMPTY;
  for (const name of JSON.parse(bar.dataset.columns)) {
    const i = names.indexOf(name);
    if (i < 0) continue;
    const s = document.createElement("select");
    s.name = name; s.dataset.col = i; s.add(new Option(name + ": all", ""));
    [...new Set(rows.map(r => text(r, i)))].sort().forEach(v => s.add(new Option(v, v)));
    s.onchange = apply; selects[name] = s; bar.insertBefore(s, shown);
  }
  function apply() {
    let n = 0;
    for (const r of rows) {
      const keep = Object.values(selects).every(s => !s.value || text(r, s.dataset.col) === s.value);
      r.hidden = !keep; n += keep;
    }
    shown.textContent = n + " of " + rows.length + " rows";
  }
  const asked = new URLSearchParams(location.hash.slice(1));
  asked.forEach((v, k) => { if (selects[k]) selects[k].value = v; });
  const number = v => parseFloat(v.replace(/^[\u00d7\u00b1]/, ""));
  head.forEach((th, i) => th.onclick = () => {
    const dir = th.dataset.dir === "asc" ? -1 : 1;
    th.dataset.dir = dir > 0 ? "asc" : "desc";
    rows.sort((a, b) => {
      const x = text(a, i), y = text(b, i), nx = number(x), ny = number(y);
      return dir * (isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny);
    });
    rows.forEach(r => body.appendChild(r));
  });
  const stick = () => head.forEach(th => th.style.top = bar.offsetHeight + "px");  // headers under the filters
  window.addEventListener("resize", stick);
  stick();
  apply();
  if ([...asked.keys()].length) bar.scrollIntoView();  // a link to a filtered view lands on the table
})();
"""


def metric_key(header: str) -> str | None:
    """The METRIC_HEADERS key a column header names ("Sil." for "Sil. (true)"), else None."""
    return next((key for key in METRIC_HEADERS
                 if header == key or header.startswith(key + " ") or header.startswith(key + "[")), None)


def header_meaning(header: str) -> tuple[bool, str] | None:
    """``(higher is better, meaning)`` of a metric column header, else None."""
    key = metric_key(header)
    return None if key is None else METRIC_HEADERS[key]


def glossary(columns) -> str:
    """One line spelling out the abbreviated metric columns present, with their direction."""
    seen, parts = set(), []
    for key in (metric_key(str(c)) for c in columns):
        if key is not None and key not in seen:
            seen.add(key)
            higher, meaning = METRIC_HEADERS[key]
            parts.append(f"{key} = {meaning} ({ARROW[higher]} better)")
    return "; ".join(parts)


def _inline(text: str) -> str:
    """Markdown-ish inline text as HTML: escaped, with **bold** and `code`."""
    out = html.escape(text)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


# the colour of a verdict cell (a table page's column "Verdict")
VERDICT_COLOURS = {"within": "#e3f3e6", "DIFFERS": "#fbe3e1"}
# columns of free text, wrapped instead of widening the page
WRAPPED = ("Why", "Reason", "reason")


def _looks_numeric(value) -> bool:
    """A printed number (``0.97``, ``-3``, ``0.60 ± 0.02``, ``×1.3``, ``±0.05``, ``1.2×10^5``), or empty."""
    text = str(value).strip()
    return not text or text in ("–", "nan") or bool(re.match(r"^[×±+\-−]?\d", text))


def _is_name_column(df: pd.DataFrame, column) -> bool:
    """A column of names (left-aligned): not a metric, and its values are mostly not numbers."""
    if header_meaning(str(column)) or pd.api.types.is_numeric_dtype(df[column]):
        return False
    values = df[column].astype(str).str.strip()
    values = values[~values.isin(["", "–", "nan"])]
    return (~values.map(_looks_numeric)).mean() > 0.5 if len(values) else False


def html_frame(df: pd.DataFrame, filterable: bool = False) -> str:
    """A DataFrame as an HTML table (pandas' Styler), metric headers marked ↑ / ↓, names left and
    numbers right, free text wrapped, verdicts coloured; ``filterable`` marks the table that
    :data:`FILTER_JS` works on."""
    shown = df.rename(columns={c: f"{c} {ARROW[header_meaning(str(c))[0]]}" for c in df.columns
                               if header_meaning(str(c))})
    # the CSS ids from the table's content, not pandas' random uuid: a rerun writes the same bytes
    styler = shown.style.hide(axis="index").set_uuid(hashlib.sha256(shown.to_csv().encode()).hexdigest()[:8])
    names = [shown.columns[i] for i, c in enumerate(df.columns) if _is_name_column(df, c)]
    if names:
        styler = styler.set_properties(subset=names, **{"text-align": "left"})
    wrapped = [c for c in shown.columns if c in WRAPPED]
    if wrapped:
        styler = styler.set_td_classes(pd.DataFrame(
            [["wrap" if c in wrapped else "" for c in shown.columns]] * len(shown), index=shown.index,
            columns=shown.columns))
    if "Verdict" in shown.columns:
        styler = styler.map(lambda v: f"background: {VERDICT_COLOURS[v]}" if v in VERDICT_COLOURS else "",
                            subset=["Verdict"])
    # the paper's own values (rows marked "published" by norank.paper_tables) in grey italics
    published = shown.apply(lambda r: any(str(v) == "published" or str(v).endswith("(published)") for v in r), axis=1)
    if published.any():
        styler = styler.apply(lambda r: ["color: #555; font-style: italic" if published[r.name] else ""] * len(r),
                              axis=1)
    if filterable:
        styler = styler.set_table_attributes('class="filterable"')
    return styler.to_html()


def html_table(df: pd.DataFrame, caption: str = "", blocks=(), notes: str = "", filters=()) -> str:
    """A self-contained HTML page: the caption, the glossary of its metric columns, ``blocks``
    (paragraphs, or ``(title, DataFrame)`` pairs) above the table, the table, the notes. With
    ``filters`` (column names), the table gets a filter per such column and sorting by any header
    (:data:`FILTER_JS`)."""
    parts = [f"<h1>{_inline(caption)}</h1>"] if caption else []
    if glossary(df.columns):
        parts.append(f'<p class="note">{_inline(glossary(df.columns))}.</p>')
    for block in blocks:
        if isinstance(block, tuple):
            title, frame = block
            parts += [f"<h2>{_inline(title)}</h2>", html_frame(frame)]
        elif block.strip():
            parts.append(f'<p class="note">{_inline(block)}</p>')
    if filters:
        columns = html.escape(json.dumps([c for c in filters if c in df.columns]))
        parts.append(f'<div id="filters" data-columns="{columns}">Filter: <span id="shown"></span> '
                     "(click a header to sort)</div>")
    parts.append(html_frame(df, filterable=bool(filters)))
    for para in notes.split("\n\n"):
        if para.strip():
            parts.append(f'<p class="note">{_inline(para.strip())}</p>')
    if filters:
        parts.append(f"<script>{FILTER_JS}</script>")
    title = html.escape(caption or "table")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{CSS}</style></head>\n<body>\n" + "\n".join(parts) + "\n</body></html>\n")


def markdown_blocks(blocks) -> str:
    """``blocks`` (paragraphs, or ``(title, DataFrame)`` pairs) as Markdown."""
    out = []
    for block in blocks:
        if isinstance(block, tuple):
            title, frame = block
            out += [f"**{title}**", "", frame.to_markdown(index=False), ""]
        else:
            out += [block, ""]
    return "\n".join(out)
