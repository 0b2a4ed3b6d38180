"""Rule paper_tables: Tables 2-6 from the metric summary and the efficiency runs, and the paper comparison."""

from pathlib import Path

import pandas as pd

from norank.logs import job
from norank.comparison import (attribute, cite_evidence, compare_with_paper, comparison_display,
                               comparison_preamble, read_deviation_notes)
from norank.tolerance import Tolerance, Uninformative
from norank.paper_tables import (cluster_table, efficiency_table, footnotes, published_values,
                                 reconstruction_table, table_methods)
from norank.table_registry import TABLES
from norank.tables import write_table


def stem_of(name):
    """The output path of table ``name`` without its extension."""
    return next(Path(f).with_suffix("") for f in snakemake.output if Path(f).stem == name)


def written(name):
    return any(Path(f).stem == name for f in snakemake.output)


with job(snakemake) as log:
    p = snakemake.params
    summary = pd.read_csv(snakemake.input.summary)
    eff = pd.read_csv(snakemake.input.efficiency, keep_default_na=False, na_values=[""])
    paper = pd.read_csv(snakemake.input.paper, keep_default_na=False, na_values=[""])
    methods = table_methods(p.baselines, p.ranks, p.table_recipes)

    def of(spec):
        """The datasets whose rows table ``spec`` holds."""
        return [d for d, s in p.sources.items() if spec.sources is None or s in spec.sources]

    compare = written("paper_comparison")  # not with only your own datasets
    tolerance = Tolerance.from_config(p.tolerance)
    uninformative = Uninformative.from_config(p.uninformative)
    cmp = attribute(compare_with_paper(paper, summary, eff, p.sources, tolerance=tolerance, recipes=p.recipes,
                                       realistic=p.realistic, families=p.baselines, uninformative=uninformative),
                    cite_evidence(read_deviation_notes(snakemake.input.notes), set(snakemake.input.evidence))
                    ) if compare else None

    def published(spec):
        """The paper's own cells of the paper's table ``spec`` (None: not one of the paper's, or no comparison)."""
        return published_values(cmp, spec.number) if cmp is not None and spec.number is not None else None

    note = ("Sil., DB, CH on the true labels (as the official code); ARI, NMI of k-means. paper = in-sample "
            "(the paper's protocol), heldout = stratified folds; mean ± sd over seeds (× folds)." + (
                " published = the paper's own value (the comparison table says which of ours it is compared with, "
                "and how)." if cmp is not None else ""))
    for stem in ("table2_faces", "table3_abide", "table4_synthetic", "table_user_datasets"):
        spec = TABLES[stem]
        if not written(stem):  # the tables whose datasets run
            continue
        num, shown = cluster_table(summary, of(spec), [c.metric for c in spec.columns], methods, sources=p.sources,
                                   published=published(spec), number_format=spec.number_format)
        write_table(num, stem_of(stem), caption=spec.caption, display=shown, notes=note + footnotes(shown))
    spec = TABLES["table5_reconstruction"]
    num, shown = reconstruction_table(summary, of(spec), sources=p.sources, published=published(spec),
                                      number_format=spec.number_format)
    write_table(num, stem_of(spec.stem), caption=spec.caption, display=shown,
                notes="Relative Frobenius error ||X - X_hat|| / ||X|| and 1 - error^2; metric learning: least-squares "
                      "map from the embedding to the input (in-sample as the paper, and fitted on training folds for "
                      "held-out samples)." + (" (published): the paper's value, with its rank." if cmp is not None else "")
                + footnotes(shown))
    spec = TABLES["table6_efficiency"]
    num, shown = efficiency_table(eff, number_format=spec.number_format)
    write_table(num, stem_of(spec.stem), caption=spec.caption, display=shown)
    if cmp is not None:
        spec = TABLES["paper_comparison"]
        log.info("%d comparison rows: %s", len(cmp), cmp.status.value_counts().to_dict())
        write_table(cmp, stem_of(spec.stem), formats=spec.formats, display=comparison_display(cmp),
                    caption=spec.caption, preamble=comparison_preamble(cmp, tolerance, uninformative),
                    filters=spec.filters)
