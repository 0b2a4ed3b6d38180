"""``norank``: run the workflow on your own tensors from a folder of your own.

``norank run datasets.tsv`` runs this checkout's Snakefile with Snakemake's ``--directory`` set
to the current folder, so ``results/``, ``logs/`` and Snakemake's records are written there, on
``config/config.yaml`` with the ``config/own_data.yaml`` overlay (only the sheet's datasets,
every method of the main grid, both protocols, 3 seeds) and builds ``results/report.html``. It
prints the Snakemake command it runs; everything it does not know is passed to Snakemake as is
(``-n``, ``--profile``, ``--unlock``, ...). A wrapper rather than a Snakemake module: the
workflow's paths (config, report, profiles, scripts) stay where the checkout has them, and the
user's folder needs no Snakefile of its own.

``norank verify`` lists the outputs that no longer match the digest their rule wrote (``--fix``
moves them aside for the rerun). ``norank check-config FILE...`` checks that config files parse, naming the file, line and column
of a YAML error (Snakemake's message names neither); ``norank run`` checks its config files so.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from norank.config import check_config_files
from norank.errors import NorankError

# the checkout an editable install points at (src/norank/cli.py -> the repository root)
WORKFLOW = Path(__file__).resolve().parents[2]
# Snakemake flags under which no job runs, so no report is built after the run
NO_RUN_FLAGS = {"-n", "--dry-run", "--dryrun", "--unlock", "--list-rules", "--summary", "-S", "--dag", "--rulegraph"}


def workflow_root() -> Path:
    if not (WORKFLOW / "Snakefile").is_file():
        raise NorankError(f"no Snakefile at {WORKFLOW}: the `norank` command runs the workflow of the checkout it "
                          "was installed from; install it with `pip install -e .` in a clone of the repository.")
    return WORKFLOW


def snakemake_command(sheet: str | None, *, quick: bool = False, tune: bool = False, cores: str = "all",
                      configfiles=(), config=(), report: bool = True, extra=(), cwd: Path | None = None) -> list[str]:
    """The Snakemake command line of ``norank run`` (see the module docstring)."""
    root, cwd = workflow_root(), Path(cwd or Path.cwd())
    overlays = [root / "config" / "config.yaml", root / "config" / "own_data.yaml"]
    if quick:
        overlays.append(root / "config" / "quick.yaml")
    if tune:
        overlays.append(root / "config" / "tune.yaml")
    settings = list(config)
    if sheet is not None:
        path = Path(sheet)
        if not path.is_absolute():
            path = cwd / path
        if not path.is_file():
            raise NorankError(f"dataset sheet {path} does not exist; write one (see config/datasets.tsv and the "
                              "README's 'Your own tensors').")
        settings.insert(0, f"dataset_sheet={path}")
    # the user's targets and options first: --configfile / --config take every word up to the
    # next option, so a target after them would be read as a config file or entry
    cmd = [sys.executable, "-m", "snakemake", "-s", str(root / "Snakefile"), "--directory", str(cwd), *extra,
           "--cores", cores, "--configfile", *map(str, overlays), *configfiles]
    if settings:
        cmd += ["--config", *settings]
    if report and not set(extra) & NO_RUN_FLAGS:
        cmd += ["--report", "results/report.html", "--report-after-run",
                "--report-stylesheet", str(root / "workflow" / "report" / "report.css")]
    return cmd


def verify_outputs(folder: Path, fix: bool = False) -> int:
    """``norank verify``: print each damaged output of the run in ``folder`` with the rule that made
    it and how to rebuild it; 1 if any, else 0."""
    import os

    from norank.io import damaged_outputs
    from norank.logs import snakemake_rule

    here = Path.cwd()
    os.chdir(folder)
    try:
        damaged = damaged_outputs("results", made_by=snakemake_rule)
        for output, why in damaged:
            rule = snakemake_rule(output)
            what = f"rule {rule}" if rule else "its rule"
            if fix:
                aside = output.with_name(output.name + ".damaged")
                os.replace(output, aside)
                todo = f"moved to {aside}; rerun your snakemake command and {what} makes it again"
            else:
                todo = f"delete it (rm -r {output}) or run `norank verify --fix`, then rerun: {what} makes it again"
            print(f"damaged: {why}\n  -> {todo}")
    finally:
        os.chdir(here)
    print(f"norank verify: {len(damaged)} damaged output(s) under {folder / 'results'}", file=sys.stderr)
    return 1 if damaged else 0


def embed_samples(model: str, data: str, out: str, x_key: str = "X", normalize: str | None = None) -> int:
    """``norank embed``: embed the samples of ``data`` (.npy, or .npz array ``x_key``) with the
    encoder of checkpoint ``model`` (norank.embedder.Embedder) and save them to ``out`` (.npy)."""
    import numpy as np

    from norank.data.user import ARRAY_SUFFIXES, check_file, load_array
    from norank.embedder import Embedder
    from norank.io import atomic_path

    path = Path(data)
    check_file(path, "data", ARRAY_SUFFIXES)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            if x_key not in f.files:
                raise NorankError(f"{data} has no array {x_key!r}; it has {f.files}. Name it with --x-key.")
    X = load_array(path, x_key)
    Z = Embedder.load(model, normalize=normalize).transform(X, what=str(data))
    with atomic_path(out) as tmp:  # a failed write names the path and the cause (norank.io)
        with open(tmp, "wb") as f:
            np.save(f, Z)
    print(f"norank embed: {len(Z)} samples -> {out} ({Z.shape[1]}-d)", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="norank", description="No-rank tensor decomposition: the norank workflow.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run", help="run the workflow on the datasets of a sheet, writing results/ in the current folder",
        description="Run only the sheet's datasets through every method, both protocols and 3 seeds, in the "
                    "current folder, and build results/report.html. Other options go to Snakemake.")
    run.add_argument("sheet", help="tab-separated dataset sheet (columns name, data, labels, shape; see "
                                   "config/datasets.tsv); paths inside it are relative to its folder")
    run.add_argument("--quick", action="store_true",
                     help="a first look: paper protocol only, one seed (config/quick.yaml)")
    run.add_argument("--tune", action="store_true",
                     help="choose eq. 13's options on inner splits of each training part, and add the tuned recipe "
                          "(config/tune.yaml; the space and budget are config key tune)")
    run.add_argument("--cores", default="all", help="cores to use (default: all)")
    run.add_argument("--configfile", nargs="+", default=[], help="your overlays, after norank's")
    run.add_argument("--config", nargs="+", default=[], help="KEY=VALUE settings, as Snakemake's --config")
    run.add_argument("--no-report", action="store_true", help="do not build results/report.html")
    check = sub.add_parser(
        "check-config", help="check that config files parse (file, line and column of a YAML error)",
        description="Check that each config file is a valid YAML mapping; Snakemake's own message for a broken "
                    "config file names neither the file nor the line.")
    check.add_argument("files", nargs="+", help="config files (YAML)")
    verify = sub.add_parser(
        "verify", help="check every finished output against the digest written with it",
        description="List the outputs under results/ that no longer match the digest their rule wrote (damaged, "
                    "truncated, edited, or from an older version), each with how to rebuild it; exit status 1 if "
                    "any. With --fix, move them aside (<output>.damaged) so that the next run rebuilds them.")
    verify.add_argument("--directory", default=".", help="the run's folder (default: the current one)")
    verify.add_argument("--fix", action="store_true", help="move each damaged output aside for the rerun")
    emb = sub.add_parser(
        "embed", help="embed new samples with a trained encoder (a run's model.pt)",
        description="Embed the samples of DATA with the encoder of MODEL (results/train/<dataset>/<split>/<recipe>/"
                    "seed<s>/model.pt), after the normalisation its training saw; writes an (n, d) .npy.")
    emb.add_argument("model", help="a model.pt written by rule train (or NoRankEmbedding.save)")
    emb.add_argument("data", help=".npy of the samples, (n, H, W) or flattened row-major (n, H*W), or an .npz")
    emb.add_argument("--out", required=True, help="where to write the embeddings (.npy)")
    emb.add_argument("--x-key", default="X", help="array name of the samples in an .npz (default X)")
    emb.add_argument("--normalize", choices=["zscore", "none"], default=None,
                     help="override the checkpoint's normalisation (only for a checkpoint that does not record it)")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "run":  # only run passes options on (to Snakemake)
        parser.error(f"norank {args.command}: unrecognised arguments: {' '.join(extra)}")
    if args.command == "embed":
        try:
            return embed_samples(args.model, args.data, args.out, x_key=args.x_key, normalize=args.normalize)
        except NorankError as e:
            print(f"norank: {e}", file=sys.stderr)
            return 2
    if args.command == "verify":
        return verify_outputs(Path(args.directory), fix=args.fix)
    if args.command == "check-config":
        try:
            check_config_files(args.files)
        except NorankError as e:
            print(f"norank: {e}", file=sys.stderr)
            return 2
        print(f"norank: {len(args.files)} config file(s) parse", file=sys.stderr)
        return 0
    try:
        check_config_files(args.configfile)
        cmd = snakemake_command(args.sheet, quick=args.quick, tune=args.tune, cores=args.cores,
                                configfiles=args.configfile, config=args.config, report=not args.no_report, extra=extra)
    except NorankError as e:
        print(f"norank: {e}", file=sys.stderr)
        return 2
    print("norank: running snakemake " + " ".join(cmd[3:]), file=sys.stderr, flush=True)
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
