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
