"""Result claims in prose: find each stated number and the marker that names its source.

A *claim* is a number (or a group of numbers such as ``0.62-0.75`` or ``0.083 / 0.076``) that a
document states about the results, followed directly by an HTML comment naming where it comes
from::

    **349<!-- claim: comparison within_tolerance=True agg=count --> of the 572 ...

The comment is invisible in rendered Markdown. ``norank.claim_sources`` evaluates the query after
``claim:``; :func:`agrees` compares the stated text with the value at the printed precision.

Which numbers must carry a marker (:func:`unmarked_numbers`): every number inside a *claims
region* of a document, except

- numbers in code spans, HTML comments and link targets;
- numbers glued to a letter, ``_`` or ``-letter`` (``R20``, ``run1.log``, ``64-d``, ``2-D``,
  ``v2``, commit hashes);
- reference numbers: after ``Table(s)``, ``Figure(s)``, ``eq.``/``eqs.``, ``§``, ``issue``,
  ``fold(s)``, ``seed``, ``rank(s)``, ``n =``, ``k =`` (names of a table, an equation or a
  grid coordinate, not a result);
- dates (``2026-12-01``).

A region is the text between ``<!-- claims -->`` and ``<!-- /claims -->``. A number whose source
is outside ``results/`` (a benchmark script, a console log that is not committed) is marked
``<!-- unchecked: reason -->`` instead: it is listed, never compared.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

REGION = re.compile(r"<!--\s*claims\s*-->(.*?)<!--\s*/claims\s*-->", re.S)
NUMBER = r"(?:\d{1,3}(?: \d{3})+(?![\d.])|\d+(?:\.\d+)?(?:e[+-]?\d+)?)"
GROUP = rf"{NUMBER}(?:\s*(?:-|–|/)\s*{NUMBER})*"
MARKER = re.compile(
    rf"(?P<cmp>[≤≥<>]\s*)?(?P<group>{GROUP})(?P<unit>\s*%)?<!--\s*(?P<kind>claim|unchecked):\s*"
    r"(?P<query>.*?)\s*-->",
    re.S,
)
NUMBER_TOKEN = re.compile(rf"(?<![\w.\-]){NUMBER}(?![\w]|-[A-Za-z])")
REFERENCE_HEAD = re.compile(r"(?:Tables?|Figures?|eqs?\.|§|issue|folds?|seeds?|ranks?|n =|k =)\s*$")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MASKED = re.compile(r"`[^`]*`|<!--.*?-->|\]\([^)]*\)", re.S)


@dataclass(frozen=True)
class Claim:
    """One marked number group: its text as printed, where it stands and its source query."""

    text: str
    line: int
    query: str
    comparator: str = ""
    checked: bool = True

    @property
    def numbers(self) -> tuple[str, ...]:
        """The printed numbers of the group, in order (``"0.62-0.75"`` -> ``("0.62", "0.75")``)."""
        return tuple(re.findall(NUMBER, self.text))


def regions(document: str) -> list[tuple[int, str]]:
    """The claims regions of a document as ``(offset, text)`` pairs, in order."""
    return [(m.start(1), m.group(1)) for m in REGION.finditer(document)]


def find_claims(document: str) -> list[Claim]:
    """Every marked number group of the document's claims regions, in order."""
    claims = []
    for offset, text in regions(document):
        for m in MARKER.finditer(text):
            line = document.count("\n", 0, offset + m.start("group")) + 1
            claims.append(
                Claim(
                    text=m.group("group"),
                    line=line,
                    query=" ".join(m.group("query").split()),
                    comparator=(m.group("cmp") or "").strip(),
                    checked=m.group("kind") == "claim",
                )
            )
    return claims


def _mask(text: str) -> str:
    """The text with markers, code spans and link targets blanked (same length)."""
    return MASKED.sub(lambda m: " " * len(m.group(0)), text)


def unmarked_numbers(document: str) -> list[tuple[int, str]]:
    """``(line, number)`` of every number in a claims region that needs a marker and has none."""
    found = []
    for offset, text in regions(document):
        marked = {
            i for m in MARKER.finditer(text) for i in range(m.start("group"), m.end("group"))
        }
        dates = {i for m in DATE.finditer(text) for i in range(m.start(), m.end())}
        masked = _mask(text)
        for m in NUMBER_TOKEN.finditer(masked):
            if m.start() in marked or m.start() in dates or is_reference(masked, m.start()):
                continue
            found.append((document.count("\n", 0, offset + m.start()) + 1, m.group(0)))
    return found


def is_reference(text: str, start: int) -> bool:
    """True when the number at ``start`` names a table, equation or coordinate (``Tables 2-4``).

    A number joined by ``-``, ``,``, ``and`` or ``or`` to such a number is one too.
    """
    before = text[max(0, start - 40) : start]
    if REFERENCE_HEAD.search(before):
        return True
    joined = re.search(rf"{NUMBER}\s*(?:-|–|,|and|or)\s*$", before)
    return bool(joined) and is_reference(text, start - len(before) + joined.start())


def precision(number: str) -> float:
    """Half a unit of the last printed digit: ``"0.62"`` -> 0.005, ``"7.8e4"`` -> 500."""
    mantissa, _, exponent = number.replace(" ", "").partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (-decimals) * 10.0 ** int(exponent or 0)


def agrees(number: str, value: float, comparator: str = "") -> bool:
    """Whether the printed ``number`` states ``value`` at its printed precision.

    ``comparator`` ``≤`` / ``<`` / ``≥`` / ``>`` turns the statement into a bound on ``value``.
    """
    stated = float(number.replace(" ", ""))
    if value is None or not math.isfinite(value):
        return False
    tol = precision(number) * (1 + 1e-9)
    if comparator in ("≤", "<"):
        return value <= stated + tol
    if comparator in ("≥", ">"):
        return value >= stated - tol
    return abs(value - stated) <= tol
