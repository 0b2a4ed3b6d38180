"""Readable messages for configuration errors."""

from __future__ import annotations

import functools
from pathlib import Path

# the config schema of this checkout (the Snakefile validates every config with it)
SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


@functools.cache
def config_schema() -> dict:
    """The config schema (:data:`SCHEMA`) as a dict, read once per process (do not modify it)."""
    import yaml

    return yaml.safe_load(SCHEMA.read_text())


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
    return (f"invalid config: key `{key}`: {err.message}.{renamed_value_hint(err)}{inline_text_hint(err)}{hint} "
            f"(schema: {schema_path})")


def inline_text_hint(err) -> str:
    """When a value of another type arrived as text that YAML would read as that type (``'5'`` for
    an integer): Snakemake's ``--config`` passes the values inside a ``{...}`` block as text."""
    import yaml

    if err.validator != "type" or not isinstance(err.instance, str):
        return ""
    try:
        value = yaml.safe_load(err.instance)
    except yaml.YAMLError:
        return ""
    wanted = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
    kinds = {"integer": int, "number": (int, float), "boolean": bool, "array": list, "object": dict, "null": type(None)}
    if not any(isinstance(value, kinds[k]) and not (k != "boolean" and isinstance(value, bool))
               for k in wanted if k in kinds):
        return ""
    return (f" The value arrived as the text {err.instance!r}: Snakemake's --config passes the values inside a "
            "{...} block as text, so put that block in a YAML file and give it with --configfile.")


def renamed_value_hint(err) -> str:
    """`` `paper` is now called `eq13` ...`` when the refused value is an objective's old name
    (:data:`norank.recipes.RENAMED_OBJECTIVES`) under a key that names objectives, else ``""``."""
    from norank.recipes import RENAMED_OBJECTIVES

    named = [p for p in err.absolute_path if isinstance(p, str)]
    value = err.instance
    if not named or named[-1] not in OBJECTIVE_KEYS or not isinstance(value, str) or value not in RENAMED_OBJECTIVES:
        return ""
    new = RENAMED_OBJECTIVES[value]
    return f" `{value}` is now called `{new}`; write {new} instead."


OBJECTIVE_KEYS = ("loss", "losses")  # config keys whose values name training objectives


def check_config_files(paths) -> None:
    """Each config file parses as a YAML mapping, or a :class:`NorankError` names the file, line and
    column (Snakemake's own message for a YAML error names neither when several are given)."""
    import yaml

    from norank.errors import NorankError

    for path in map(str, paths):
        try:
            with open(path) as f:
                loaded = yaml.safe_load(f)
        except OSError as e:
            raise NorankError(f"config file {path}: cannot read it ({e.strerror}).") from None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            what = " ".join(filter(None, [getattr(e, "context", None), getattr(e, "problem", None)])) or str(e)
            raise NorankError(f"config file {path}{where}: not valid YAML ({what}); fix the file there "
                              "(indent with spaces, close every [ and {).") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise NorankError(f"config file {path}: holds a {type(loaded).__name__}, not the key: value "
                              "mapping of a config file.")


# keys that say where things are and how jobs run, not what a run computes
MACHINE_KEYS = ("data_dir", "download_dir", "official_code_dir", "run_dir", "compute")
PATH_KEYS = ("data_dir", "download_dir", "official_code_dir", "dataset_sheet")  # relative to the launch folder


def run_folder(config: dict, default: dict, *, launch, checkout):
    """Where a run writes, so that only the default configuration writes the committed reference
    results of the checkout: None (the launch folder) when the run is not started in the checkout
    (``--directory`` elsewhere, ``norank run``) or is the default; ``run_dir`` (relative to the
    checkout) for another configuration that names one; an error for one that names none.
    ``default`` is config/config.yaml validated alone; keys of :data:`MACHINE_KEYS` may differ."""
    from norank.errors import NorankError
    from norank.plan import canonical

    launch, checkout = Path(launch).resolve(), Path(checkout).resolve()
    if launch != checkout:
        return None
    if config.get("run_dir"):
        return checkout / config["run_dir"]
    differ = sorted(k for k in set(config) | set(default)
                    if k not in MACHINE_KEYS and canonical(config.get(k)) != canonical(default.get(k)))
    if differ:
        raise NorankError(
            f"this configuration differs from config/config.yaml (keys {', '.join(differ)}), and run in the checkout it "
            f"would overwrite the committed reference results under {checkout / 'results'}. Give it a folder of "
            "its own: add `run_dir: runs/<name>` to your config file (or --config run_dir=runs/<name>), or run it "
            "elsewhere with snakemake --directory <folder>.")
    return None


def absolute_paths(config: dict, base) -> None:
    """Make the config's relative paths (:data:`PATH_KEYS`, a tensor dataset's files) absolute
    against ``base`` (the folder the run was started in), in place, before the run moves to its
    run folder."""
    import os
    def fix(value):  # a value of another type is left for the schema to refuse
        return value if not isinstance(value, str) or os.path.isabs(value) else os.path.normpath(Path(base) / value)

    for key in PATH_KEYS:
        if config.get(key):
            config[key] = fix(config[key])
    for spec in config.get("datasets", {}).values():
        for key in ("data", "labels"):
            if spec.get(key):
                spec[key] = fix(spec[key])


def path_base(config: dict, *, launch, checkout):
    """The folder the config's relative paths are relative to: the launch folder, or the checkout
    for a job (a cluster job re-reads the Snakefile) started inside the run's own ``run_dir``."""
    launch, checkout = Path(launch).resolve(), Path(checkout).resolve()
    if config.get("run_dir") and launch == (checkout / config["run_dir"]).resolve():
        return checkout
    return launch


SHEET_COLUMNS = ("name", "data", "labels", "shape", "x_key", "y_key", "train", "official_recipe")
OPTION_COLUMNS = ("train", "official_recipe")  # a YAML mapping of the dataset's own options, as its config block
NAME_PATTERN = r"[A-Za-z][A-Za-z0-9_]*"


def _sheet_options(text: str, where: str) -> dict:
    """A sheet cell of :data:`OPTION_COLUMNS`: a YAML mapping such as ``{encoder: mlp, epochs: 50}``
    (its keys and values are checked by the schema with the rest of the config, as
    ``datasets.<name>.<column>``)."""
    import yaml

    from norank.errors import NorankError

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise NorankError(f"{where}: {text!r} is not valid YAML ({str(e).splitlines()[0]}); write the options as a "
                          "mapping, e.g. {encoder: mlp, epochs: 50}.") from None
    if not isinstance(value, dict):
        raise NorankError(f"{where}: {text!r} is not a mapping of options; write them as e.g. "
                          "{encoder: mlp, epochs: 50} (the keys of `train` in config/config.yaml).")
    import jsonschema

    train = config_schema()["$defs"]["train"]
    error = next(iter(sorted(jsonschema.Draft202012Validator(train).iter_errors(value), key=lambda e: e.path)), None)
    if error is not None:
        key = ".".join(map(str, error.path))
        meaning = train["properties"].get(error.path[0], {}).get("description") if error.path else None
        raise NorankError(f"{where}: " + (f"option `{key}`: " if key else "") + f"{error.message}. "
                          + (f"Meaning of this option: {' '.join(meaning.split())}" if meaning else
                             f"The options are the keys of `train` in config/config.yaml: "
                             f"{', '.join(sorted(train['properties']))}."))
    return value


def read_dataset_sheet(path, *, existing=()) -> dict:
    """Datasets of the user's sheet (TSV: name, data, labels, shape[, x_key, y_key, train,
    official_recipe]) as config entries; ``train`` and ``official_recipe`` hold the dataset's own
    training options as a YAML mapping (:func:`_sheet_options`).

    ``path`` is relative to the working directory; paths inside the sheet are relative to the
    sheet's own folder (absolute paths stay as they are). Lines starting with ``#`` are comments.
    Every row is checked here, before the DAG exists (:func:`norank.data.user.inspect_tensor_files`:
    files, arrays, shapes and label counts, from the file headers); an error names the sheet,
    the line, the dataset, the column and the fix.
    """
    import os
    import re
    from norank.data.user import FileError, inspect_tensor_files
    from norank.errors import NorankError

    sheet = Path(path)
    if not sheet.is_file():
        raise NorankError(f"config key `dataset_sheet`: {path} does not exist (relative to the working directory "
                          f"{Path.cwd()}); create it (see config/datasets.tsv) or set dataset_sheet: null.")
    lines = [(no, ln) for no, ln in enumerate(sheet.read_text().splitlines(), start=1)
             if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise NorankError(f"dataset sheet {sheet}: no header line; the first line that is not a comment names "
                          f"the columns ({', '.join(SHEET_COLUMNS)}), tab-separated.")
    header = [c.strip() for c in lines[0][1].split("\t")]
    where = f"dataset sheet {sheet}, line {lines[0][0]}"
    unknown = [c for c in header if c not in SHEET_COLUMNS]
    if unknown:
        spaced = " (the columns must be separated by tabs, not spaces)" if len(header) == 1 and " " in header[0] else ""
        raise NorankError(f"{where}: unknown column(s) {unknown}{spaced}; columns are {', '.join(SHEET_COLUMNS)}.")
    missing = [c for c in ("name", "data", "shape") if c not in header]
    if missing:
        raise NorankError(f"{where}: the header has no column {', '.join(missing)}; "
                          f"columns are {', '.join(SHEET_COLUMNS)} (name, data, shape are required).")
    base = sheet.resolve().parent
    out = {}
    for no, text in lines[1:]:
        cells = [c.strip() for c in text.split("\t")]
        where = f"dataset sheet {sheet}, line {no}" + (f" ({cells[0]})" if cells[0] else "")
        if len(cells) > len(header):
            raise NorankError(f"{where}: {len(cells)} tab-separated cells for {len(header)} columns; remove the extra "
                              "tabs or add the column to the header.")
        row = dict(zip(header, cells + [""] * (len(header) - len(cells))))
        name = row["name"]
        empty = [c for c in ("name", "data", "shape") if not row[c]]
        if empty:
            raise NorankError(f"{where}: column `{empty[0]}` is empty; name, data and shape are required.")
        if not re.fullmatch(NAME_PATTERN, name):
            raise NorankError(f"{where}, column `name`: {name!r} is not a valid dataset name; use letters, digits "
                              "and _, starting with a letter (it becomes part of file names).")
        if name in out or name in existing:
            raise NorankError(f"{where}, column `name`: dataset name {name!r} is already used; names must be unique.")
        entry = {"source": "tensor", "data": os.path.normpath(base / row["data"]), "shape": row["shape"]}
        if row.get("labels"):
            entry["labels"] = os.path.normpath(base / row["labels"])
        for k in ("x_key", "y_key"):
            if row.get(k):
                entry[k] = row[k]
        try:
            inspect_tensor_files(**{k: v for k, v in entry.items() if k != "source"})
        except FileError as e:
            raise NorankError(f"{where}, column `{e.column}`: {e}") from None
        for k in OPTION_COLUMNS:
            if row.get(k):
                entry[k] = _sheet_options(row[k], f"{where}, column `{k}`")
        out[name] = entry
    return out
