"""Rules evidence_*: one check of norank.evidence, written under results/evidence/ for the
deviation notes to cite (config/deviation_notes.csv)."""

import numpy as np
import pandas as pd

from norank import evidence
from norank.data import load_dataset
from norank.evaluate import load_embedding
from norank.io import write_csv
from norank.logs import job

with job(snakemake) as log:
    p, inp, check = snakemake.params, snakemake.input, snakemake.params.check
    o = p.options
    if check == "baseline_inputs":
        ds = load_dataset(inp.artifact)
        table = evidence.baseline_variants(ds.X, ds.y, methods=o["methods"], variants=o["variants"], seeds=o["seeds"],
                                           options=p.baselines, metric_options=p.metrics, log=log)
    elif check == "sample_counts":
        ds = load_dataset(inp.artifact)
        table = evidence.sample_count_check(ds.X, ds.y, methods=o["methods"], sizes=o["sizes"], draws=o["draws"],
                                            options=p.baselines, metric_options=p.metrics, log=log)
    elif check in ("reconstruction_bound", "reconstruction"):
        data, raw = load_dataset(inp.data), load_dataset(inp.raw)
        inputs = {"standardised": data.X, "raw": raw.X[evidence.align_raw(raw.sample_id, data.sample_id)]}
        if check == "reconstruction_bound":
            table = evidence.bound_check(inputs, o["dims"])
        else:
            embeddings = {}
            for method, path in zip(p.methods, inp.embeddings):
                index, Z, role = load_embedding(path)
                fit = np.asarray(role) == "train"
                embeddings[method] = (np.asarray(index)[fit], Z[fit])
            table = evidence.reconstruction_check(inputs, embeddings)
    elif check == "paper_arithmetic":
        counts = {}
        for source, path in zip(p.sources, inp.data):
            ds = load_dataset(path)
            counts.setdefault(source, tuple(int(c) for c in np.bincount(ds.y)))
        table = evidence.paper_arithmetic(pd.read_csv(inp.paper), counts)
    else:
        raise ValueError(f"unknown evidence check {check!r}")
    log.info("\n%s", table.head(60).to_string(index=False))
    write_csv(table, snakemake.output[0])
