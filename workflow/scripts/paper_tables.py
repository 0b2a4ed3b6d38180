"""Rule paper_tables: Tables 2-6 from the metric summary and the efficiency runs, and the paper comparison."""

from pathlib import Path

import pandas as pd

from norank.logs import log_to
from norank.comparison import (Tolerance, attribute, compare_with_paper, comparison_display, comparison_preamble,
                               read_deviation_notes)
from norank.paper_tables import (CLUSTER_METRICS, EXTENSION_NOTE, cluster_table, efficiency_table, published_values,
                                 reconstruction_table, table_methods)
from norank.plan import TABLE_SOURCES
from norank.tables import write_table

def stem_of(name):
    """The output path of table ``name`` without its extension."""
    return next(Path(f).with_suffix("") for f in snakemake.output if Path(f).stem == name)


with log_to(snakemake.log[0]) as log:
    p = snakemake.params
    summary = pd.read_csv(snakemake.input.summary)
    eff = pd.read_csv(snakemake.input.efficiency, keep_default_na=False, na_values=[""])
    paper = pd.read_csv(snakemake.input.paper, keep_default_na=False, na_values=[""])
    methods = table_methods(p.baselines, p.ranks, p.recipes)

    def of(sources):
        return [d for d, s in p.sources.items() if s in sources]

    compare = any(Path(f).stem == "paper_comparison" for f in snakemake.output)  # not with only your own datasets
    tolerance = Tolerance.from_config(p.tolerance)
    cmp = attribute(compare_with_paper(paper, summary, eff, p.sources, tolerance=tolerance, recipes=p.recipes,
                                       realistic=p.realistic, families=p.baselines),
                    read_deviation_notes(snakemake.input.notes)) if compare else None

    def published(table):
        return published_values(cmp, table) if cmp is not None else None

    note = ("Sil., DB, CH on the true labels (as the official code); ARI, NMI of k-means. paper = in-sample "
            "(the paper's protocol), heldout = stratified folds; mean ± sd over seeds (× folds)." + (
                " published = the paper's own value (the comparison table says which of ours it is compared with, "
                "and how)." if cmp is not None else ""))
    cluster_tables = [("table2_faces", TABLE_SOURCES[2], 2), ("table3_abide", TABLE_SOURCES[3], 3),
                      ("table4_synthetic", TABLE_SOURCES[4], 4), ("table_user_datasets", ("tensor",), 3)]
    for stem, sources, t in [c for c in cluster_tables if c[0] in p.captions]:  # the tables whose datasets run
        num, shown = cluster_table(summary, of(sources), CLUSTER_METRICS[t], methods, sources=p.sources,
                                   published=published(t))
        write_table(num, stem_of(stem), caption=p.captions[stem], display=shown,
                    notes=note + ("\n\n" + EXTENSION_NOTE if num.get("extension", pd.Series()).any() else ""))
    num, shown = reconstruction_table(summary, of(TABLE_SOURCES[5] + ("tensor",)), sources=p.sources,
                                      published=published(5))
    write_table(num, stem_of("table5_reconstruction"), caption=p.captions["table5_reconstruction"], display=shown,
                notes="Relative Frobenius error ||X - X_hat|| / ||X|| and 1 - error^2; metric learning: least-squares "
                      "map from the embedding to the input (in-sample as the paper, and fitted on training folds for "
                      "held-out samples)." + (" (published): the paper's value, with its rank." if cmp is not None else "") + (
                          "\n\n" + EXTENSION_NOTE if "Method" in shown and shown.Method.str.contains("†").any() else ""))
    num, shown = efficiency_table(eff)
    write_table(num, stem_of("table6_efficiency"), caption=p.captions["table6_efficiency"], display=shown)
    if cmp is not None:
        log.info("%d comparison rows: %s", len(cmp), cmp.status.value_counts().to_dict())
        write_table(cmp, stem_of("paper_comparison"), formats=("csv", "md", "html"), display=comparison_display(cmp),
                    caption="Paper vs ours: every published cell of Tables 2-6",
                    preamble=comparison_preamble(cmp, tolerance))
