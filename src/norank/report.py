"""What the HTML report shows: tables rendered as HTML (the Snakemake report only offers CSV and
Markdown as downloads), with each metric's direction and its abbreviations spelled out.

A table page is self-contained (inline CSS, no script, no network), so it renders inside the
report's viewer and opened on its own.
"""

from __future__ import annotations

import hashlib
import html
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


def html_frame(df: pd.DataFrame) -> str:
    """A DataFrame as an HTML table (pandas' Styler), metric headers marked ↑ / ↓."""
    shown = df.rename(columns={c: f"{c} {ARROW[header_meaning(str(c))[0]]}" for c in df.columns
                               if header_meaning(str(c))})
    # the CSS ids from the table's content, not pandas' random uuid: a rerun writes the same bytes
    styler = shown.style.hide(axis="index").set_uuid(hashlib.sha256(shown.to_csv().encode()).hexdigest()[:8])
    # names (not numbers) left-aligned: the columns before the first metric or count column
    first_number = next((i for i, c in enumerate(df.columns) if header_meaning(str(c)) or
                         pd.api.types.is_numeric_dtype(df[c])), len(df.columns))
    names = list(shown.columns[:first_number])
    if names:
        styler = styler.set_properties(subset=names, **{"text-align": "left"})
    # the paper's own values (rows marked "published" by norank.paper_tables) in grey italics
    published = shown.apply(lambda r: any(str(v) == "published" or str(v).endswith("(published)") for v in r), axis=1)
    if published.any():
        styler = styler.apply(lambda r: ["color: #555; font-style: italic" if published[r.name] else ""] * len(r),
                              axis=1)
    return styler.to_html()


def html_table(df: pd.DataFrame, caption: str = "", blocks=(), notes: str = "") -> str:
    """A self-contained HTML page: the caption, the glossary of its metric columns, ``blocks``
    (paragraphs, or ``(title, DataFrame)`` pairs) above the table, the table, the notes."""
    parts = [f"<h1>{_inline(caption)}</h1>"] if caption else []
    if glossary(df.columns):
        parts.append(f'<p class="note">{_inline(glossary(df.columns))}.</p>')
    for block in blocks:
        if isinstance(block, tuple):
            title, frame = block
            parts += [f"<h2>{_inline(title)}</h2>", html_frame(frame)]
        elif block.strip():
            parts.append(f'<p class="note">{_inline(block)}</p>')
    parts.append(html_frame(df))
    for para in notes.split("\n\n"):
        if para.strip():
            parts.append(f'<p class="note">{_inline(para.strip())}</p>')
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
