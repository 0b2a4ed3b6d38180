"""Compare two results trees of the same configuration, file by file (a refactor must not change them).

    python benchmarks/compare_runs.py BEFORE/results AFTER/results [--rename OLD=NEW ...]

- tables, metric CSVs, summaries and other text: byte-identical (after the ``--rename`` substitutions
  applied to BEFORE's paths and text, for an intended rename such as ``/paper/=/eq13/``);
- ``.npz``: every array bit-identical (same keys, dtypes, shapes and bytes);
- ``.png``: pixel-identical (the decoded RGBA arrays);
- ``model.pt``: every tensor of the state dict bit-identical;
- left out, as they record time, the machine or a date: ``benchmarks/``, ``provenance.*``, the
  report, PDFs (their metadata hold a creation date), and every ``seconds`` field or column
  (baseline summaries, histories, learning curves).

Prints one line per kind and every differing or missing file; exits 1 if any.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import numpy as np

TIMED = ("benchmarks/", "provenance.", "report.html")


def _renamed(text: str, renames: list[tuple[str, str]]) -> str:
    for old, new in renames:
        text = text.replace(old, new)
    return text


def same_npz(a: Path, b: Path) -> bool:
    with np.load(a, allow_pickle=True) as x, np.load(b, allow_pickle=True) as y:
        return sorted(x.files) == sorted(y.files) and all(
            x[k].dtype == y[k].dtype and x[k].shape == y[k].shape and x[k].tobytes() == y[k].tobytes()
            for k in x.files)


def same_png(a: Path, b: Path) -> bool:
    from PIL import Image

    x, y = (np.asarray(Image.open(p).convert("RGBA")) for p in (a, b))
    return x.shape == y.shape and bool((x == y).all())


def same_model(a: Path, b: Path) -> bool:
    import torch

    x, y = (torch.load(p, map_location="cpu", weights_only=False)["state_dict"] for p in (a, b))
    return list(x) == list(y) and all(torch.equal(x[k], y[k]) for k in x)


def _same_untimed(x, y) -> bool:
    """Two tables equal once their duration columns (``*seconds*``) are left out."""
    return x.drop(columns=[c for c in x if "seconds" in c]).equals(y.drop(columns=[c for c in y if "seconds" in c]))


def same_history(a: Path, b: Path) -> bool:
    import pandas as pd

    return _same_untimed(*(pd.read_csv(p, sep="\t") for p in (a, b)))


def _untimed(obj):
    """``obj`` without the keys that record a duration (``*seconds*``), at any depth."""
    if isinstance(obj, dict):
        return {k: _untimed(v) for k, v in obj.items() if "seconds" not in k}
    return [_untimed(v) for v in obj] if isinstance(obj, list) else obj


def same_summary(a: Path, b: Path, renames) -> bool:
    return _untimed(json.loads(_renamed(a.read_text(), renames))) == _untimed(json.loads(b.read_text()))


def same_text(a: Path, b: Path, renames) -> bool:
    """Byte-identical; a CSV with a duration column (``seconds``: the learning curves) without it."""
    x = _renamed(a.read_bytes().decode("utf-8", "surrogateescape"), renames)
    if a.suffix == ".csv" and "seconds" in x.partition("\n")[0]:
        import pandas as pd

        return _same_untimed(*(pd.read_csv(io.StringIO(t)) for t in (x, b.read_text())))
    return x.encode("utf-8", "surrogateescape") == b.read_bytes()


def compare(before: Path, after: Path, renames: list[tuple[str, str]]) -> dict[str, list[str]]:
    """``{kind: [differing or missing relative paths]}`` plus the counts under ``"<kind> compared"``."""
    files = {_renamed(str(p.relative_to(before)), renames): p for p in before.rglob("*") if p.is_file()}
    theirs = {str(p.relative_to(after)): p for p in after.rglob("*") if p.is_file()}
    out: dict[str, list[str]] = {"missing after": sorted(set(files) - set(theirs)),
                                 "new after": sorted(set(theirs) - set(files))}
    for rel in sorted(set(files) & set(theirs)):
        a, b = files[rel], theirs[rel]
        if rel.startswith(TIMED) or "/provenance" in rel or rel.endswith(".pdf"):
            kind, same = "not compared (time, machine or date)", True
        elif rel.endswith(".npz"):
            kind, same = "npz arrays", same_npz(a, b)
        elif rel.endswith(".png"):
            kind, same = "png pixels", same_png(a, b)
        elif rel.endswith(".pt"):
            kind, same = "model tensors", same_model(a, b)
        elif rel.endswith("history.tsv"):
            kind, same = "histories (no seconds)", same_history(a, b)
        elif rel.endswith("summary.json") and "baselines/" in rel:
            kind, same = "baseline summaries (no seconds)", same_summary(a, b, renames)
        else:
            kind, same = "text bytes (a CSV's seconds column left out)", same_text(a, b, renames)
        out.setdefault(f"{kind} compared", []).append(rel)
        if not same:
            out.setdefault(f"{kind} DIFFER", []).append(rel)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                    help="an intended rename, applied to BEFORE's paths and text")
    args = ap.parse_args(argv)
    renames = [tuple(r.split("=", 1)) for r in args.rename]
    result = compare(args.before, args.after, renames)
    bad = 0
    for kind, paths in result.items():
        if kind.endswith(" compared"):
            print(f"{kind}: {len(paths)}")
        elif paths:
            bad += len(paths)
            print(f"{kind}: {len(paths)}")
            for p in paths:
                print(f"  {p}")
    print("identical" if not bad else f"{bad} files differ or are missing")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
