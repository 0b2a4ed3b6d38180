"""The result numbers stated in README.md and results/README.md agree with the committed tables.

Which numbers are result claims (the rule, in full in ``norank.claims``): every number inside a
``<!-- claims -->`` ... ``<!-- /claims -->`` region of a document (results/README.md: the
reference run and what it shows; README.md: the paragraphs that state the reference run's
size and cost), except numbers in code spans, markers and link targets, numbers glued to a
letter (``R20``, ``run1.log``, ``64-d``, hashes), reference numbers (after Table, Figure, eq.,
§, issue, fold(s), seed(s), rank(s), ``n =``, ``k =``) and dates. Each must be followed directly by
``<!-- claim: QUERY -->`` (``norank.claim_sources``: a table under ``results/`` with row filters,
or provenance.json) or, when its source is not under ``results/`` (console logs, benchmark
scripts, the v1 run), by ``<!-- unchecked: reason -->``.

A claim passes when each printed number equals its query's value at the printed precision
(half a unit of the last digit); a single printed number against several values must fit each.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from norank.claim_sources import Results, evaluate
from norank.claims import agrees, find_claims, precision, unmarked_numbers

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = ["README.md", "results/README.md"]


def stated_matches(claim, values: tuple[float, ...]) -> bool:
    """Whether the claim's printed numbers state ``values`` (see the module docstring)."""
    numbers = claim.numbers
    if len(numbers) == 1:
        return all(agrees(numbers[0], v, claim.comparator) for v in values)
    return len(numbers) == len(values) and all(
        agrees(n, v, claim.comparator) for n, v in zip(numbers, values)
    )


def mismatches(document: str, results: Results) -> list[str]:
    """One line per checked claim of the document that its source does not bear out."""
    bad = []
    for claim in find_claims(document):
        if claim.checked:
            values = evaluate(claim.query, results)
            if not stated_matches(claim, values):
                shown = ", ".join(f"{v:.6g}" for v in values)
                bad.append(f"line {claim.line}: printed {claim.text!r}, source gives {shown} ({claim.query})")
    return bad


@pytest.fixture(scope="module")
def results() -> Results:
    return Results(REPO / "results")


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_stated_result_number_matches_its_source(name, results):
    document = (REPO / name).read_text()
    claims = find_claims(document)
    assert sum(c.checked for c in claims) > 10, f"{name}: the claims regions hold almost no checked claims"
    bad = mismatches(document, results)
    assert not bad, f"{name}: stated numbers that the results do not bear out:\n" + "\n".join(bad)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_result_number_carries_a_marker(name):
    unmarked = unmarked_numbers((REPO / name).read_text())
    assert not unmarked, f"{name}: result numbers without a claim marker (line, number): {unmarked}"


@pytest.mark.parametrize("name", DOCUMENTS)
def test_unchecked_claims_say_why(name):
    for claim in find_claims((REPO / name).read_text()):
        assert claim.checked or len(claim.query) > 8, f"line {claim.line}: unchecked without a reason"


def test_an_edited_number_fails(results):
    document = (REPO / "results/README.md").read_text()
    marked = re.search(r"\*\*(\d+)<!-- claim: comparison within_tolerance=True agg=count -->", document)
    assert marked, "results/README.md states no count of cells within tolerance"
    wrong = str(int(marked[1]) + 1)
    edited = document[: marked.start(1)] + wrong + document[marked.end(1):]
    line = document[: marked.start()].count("\n") + 1
    assert mismatches(document, results) == []
    assert [m.split(",")[0] for m in mismatches(edited, results)] == [f"line {line}: printed '{wrong}'"]


def test_an_unmarked_number_in_a_region_is_found_and_references_are_not():
    text = (
        "<!-- claims -->\nTables 2-4, eq. 13, fold 0, `0.5`, R20, run1.log and 2026-12-01 name "
        "things; ARI 0.62<!-- claim: summary -->-0.75 and 9 276 are results.\n<!-- /claims -->\n"
        "Outside: 0.99.\n"
    )
    assert unmarked_numbers(text) == [(2, "9 276")]


def test_a_marker_binds_the_number_group_before_it():
    text = "<!-- claims -->\nARI 0.62-0.75<!-- claim: a x=1 -->, ≤ 0.01<!-- claim: b -->, 3 041<!-- unchecked: v1 -->\n<!-- /claims -->"
    a, b, c = find_claims(text)
    assert (a.numbers, a.query, a.line) == (("0.62", "0.75"), "a x=1", 2)
    assert (b.numbers, b.comparator) == (("0.01",), "≤")
    assert (c.numbers, c.checked) == (("3 041",), False)


def test_printed_precision():
    assert precision("0.62") == pytest.approx(0.005)
    assert precision("7.8e4") == pytest.approx(500)
    assert precision("3 041") == 0.5
    assert agrees("0.62", 0.6249) and not agrees("0.62", 0.6251)
    assert agrees("7.8e4", 78_400) and not agrees("7.8e4", 79_000)
    assert agrees("0.01", 0.004, "≤") and not agrees("0.01", 0.02, "≤")
    assert agrees("12.8", 46_149 / 3600) and not agrees("12.9", 46_149 / 3600)


def test_queries_filter_aggregate_and_scale(tmp_path):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables/paper_comparison.csv").write_text(
        "table,method,within_tolerance,paper\n2,pca,True,0.5\n2,umap,False,0.25\n3,pca,,0.75\n"
    )
    (tmp_path / "provenance.json").write_text('{"job_seconds_total": 7200, "rules": [{"rule": "a", "jobs": 3}]}')
    results = Results(tmp_path)
    assert evaluate("comparison within_tolerance=True agg=count", results) == (1.0,)
    assert evaluate("comparison table=2 method!=pca col=paper", results) == (0.25,)
    assert evaluate("comparison method=pca|umap col=paper agg=range scale=100", results) == (25.0, 75.0)
    assert evaluate("provenance key=job_seconds_total scale=1/3600", results) == (2.0,)
    assert evaluate("jobs", results) == (5.0,)
    with pytest.raises(ValueError, match="selects 2 rows"):
        evaluate("comparison method=pca col=paper", results)
