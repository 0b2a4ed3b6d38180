"""Readable messages for configuration errors."""

from __future__ import annotations


def explain_validation_error(exc: BaseException, schema_path: str = "workflow/schemas/config.schema.yaml") -> str:
    """Turn a (wrapped) jsonschema ``ValidationError`` into one message naming the config key.

    ``exc`` is the error itself or an exception raised while handling it (Snakemake's
    ``WorkflowError``, whose ``__cause__``/``__context__`` chain holds it). Returns e.g. ``config key `datasets.lfw.resize`: -1 is less than
    or equal to the minimum of 0 ... (LFW: image resize ratio ...)``.
    """
    err = exc
    while err is not None and not hasattr(err, "absolute_path"):
        err = err.__cause__ or err.__context__
    if err is None:
        return str(exc)
    key = ".".join(str(p) for p in err.absolute_path) or "<top level>"
    desc = err.schema.get("description", "") if isinstance(err.schema, dict) else ""
    hint = f" Meaning of this key: {' '.join(desc.split())}" if desc and err.absolute_path else ""
    return f"invalid config: key `{key}`: {err.message}.{hint} (schema: {schema_path})"


SHEET_COLUMNS = ("name", "data", "labels", "shape", "x_key", "y_key")


def read_dataset_sheet(path, *, existing=(), base=None) -> dict:
    """Datasets of the user's sheet (TSV: name, data, labels, shape[, x_key, y_key]) as config entries.

    Relative paths in ``path`` and in the sheet resolve against the working directory, then
    against ``base`` (the workflow folder). Lines starting with ``#`` are comments.
    """
    import csv
    from pathlib import Path

    from norank.errors import NorankError

    def resolve(p):
        p = Path(p)
        if p.is_absolute() or p.exists() or base is None or not (Path(base) / p).exists():
            return p
        return Path(base) / p

    sheet = resolve(path)
    if not sheet.exists():
        raise NorankError(f"config key `dataset_sheet`: {path} does not exist; create it (see config/datasets.tsv) "
                          "or set dataset_sheet: null.")
    lines = [ln for ln in sheet.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t")
    unknown = set(reader.fieldnames or []) - set(SHEET_COLUMNS)
    if unknown:
        raise NorankError(f"dataset sheet {sheet}: unknown column(s) {sorted(unknown)}; columns are "
                          f"{', '.join(SHEET_COLUMNS)} (tab-separated).")
    rows = list(reader)
    out = {}
    for i, row in enumerate(rows, start=1):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        missing = [c for c in ("name", "data", "shape") if not row.get(c)]
        if missing:
            raise NorankError(f"dataset sheet {sheet}, data row {i}: missing {', '.join(missing)}.")
        name = row["name"]
        if name in out or name in existing:
            raise NorankError(f"dataset sheet {sheet}, data row {i}: dataset name {name!r} is already used; names must be unique.")
        entry = {"source": "tensor", "data": str(resolve(row["data"])), "shape": row["shape"]}
        if row.get("labels"):
            entry["labels"] = str(resolve(row["labels"]))
        for k in ("x_key", "y_key"):
            if row.get(k):
                entry[k] = row[k]
        out[name] = entry
    return out
