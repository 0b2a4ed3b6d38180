# Figures 1-8 of the paper and the diagnostic figures, from the embeddings, histories and metrics.
# One rule per figure (fig2/fig3 and fig5/fig7/fig8 share a script), so changing a figure's script or
# params reruns that figure only. The config is fixed when this file is read: which figures and
# panels exist is decided here once, and a figure whose datasets or methods are not configured has
# no rule (and is not a target).

FIGURE_STYLE = canonical(config["report"]["figure_style"])
# the model seed of the paper protocol's figure runs (a fold's: figure_seed(split))
FIGURE_SEED = figure_seed("all")
PAPER_PROTOCOL = "paper" in EVAL["protocols"]  # every figure but 2-4 shows split `all`

# the (first) configured dataset of each source; None when there is none
FIGURE_SOURCE = {
    s: next((d for d in DATASETS if dataset_cfg(d)["source"] == s), None)
    for s in REAL_SOURCES + SYNTHETIC_SOURCES
}
FIGURE_FACES = [FIGURE_SOURCE["olivetti"], FIGURE_SOURCE["lfw"]]
# synthetic datasets in the paper's order: galaxy, then crystal
FIGURE_SYNTHETIC = sorted(
    SYNTHETIC_DATASETS,
    key=lambda d: (SYNTHETIC_SOURCES.index(dataset_cfg(d)["source"]), d),
)

# embedding grids (split all): the baselines with CP / Tucker at the ranks of the paper's
# Tables 2-4 that are configured (every configured rank when none is), then metric learning
FIGURE_METHODS = [str(m) for m in plan.figure_methods(config)]
FIGURE_RUNS = {
    (r.dataset, str(r.method)): r
    for r in MAIN_RUNS
    if r.split == "all" and r.seed == FIGURE_SEED
}
# a panel's embeddings file (the scripts read it, from params) and what makes it (the input)
FIGURE_EMBEDDING = {key: plan.embeddings(r) for key, r in FIGURE_RUNS.items()}
# the jobs' outputs the panels `keys` need: a trained run's embeddings, a baseline job's folder
figure_inputs = lambda keys: list(
    dict.fromkeys(plan.producer(FIGURE_RUNS[k]) for k in keys)
)
# Embedding figures, one per dataset (`fig_embeddings`): each method's in-sample view beside its
# held-out fold 0 view when that protocol runs. The paper's Figures 5, 7 and 8 are the synthetic
# datasets', LFW's and ABIDE's.
EMBEDDING_FIGURES = DATASETS if PAPER_PROTOCOL else []
HELDOUT_FIGURES = "heldout" in EVAL["protocols"]
# training curves: a fold-0 run when the held-out protocol runs (it validates on train.val_fraction
# of its training samples, so overfitting shows), else the paper protocol's run (no validation)
CURVES_SPLIT = "fold0" if HELDOUT_FIGURES else "all"
PAPER_FIGURE = {"galaxy": 5, "crystal": 5, "lfw": 7, "abide": 8}
HELDOUT_RUNS = {
    (r.dataset, str(r.method)): r
    for r in MAIN_RUNS
    if r.split == "fold0" and r.seed == figure_seed("fold0")
}


# Figure 6 rows besides original and metric learning: PCA, and CP / Tucker at the highest rank
RECONSTRUCTION_METHODS = [
    m if m == "pca" else f"{m}-R{max(BASELINES['ranks'])}"
    for m in ("pca", "cp", "tucker")
    if m in BASELINES["methods"]
]
# retrieval: held-out queries of fold0 against its training samples when that protocol runs
RETRIEVAL_SPLIT = "fold0" if "heldout" in EVAL["protocols"] else "all"
RETRIEVAL = {"n_queries": 5, "k": 5, "seed": FIGURE_SEED}

FIGURE_ENABLED = {
    "fig1_tsne_faces": (
        PAPER_PROTOCOL and None not in FIGURE_FACES and "tsne" in BASELINES["methods"]
    ),
    "fig2_retrieval_lfw": FIGURE_SOURCE["lfw"] is not None,
    "fig3_retrieval_olivetti": FIGURE_SOURCE["olivetti"] is not None,
    "fig4_synthetic_samples": bool(FIGURE_SYNTHETIC),
    "fig6_reconstructions_olivetti": (
        PAPER_PROTOCOL and FIGURE_SOURCE["olivetti"] is not None
    ),
    "fig_distance_histograms": PAPER_PROTOCOL and bool(DATASETS),
    "fig_training_curves": bool(DATASETS),
    "fig_rank_sensitivity": (
        PAPER_PROTOCOL and bool({"cp", "tucker"} & set(BASELINES["methods"]))
    ),
    "fig_paper_vs_ours": PAPER_PROTOCOL and PAPER_COMPARISON,
}
FIGURES = [f for f, enabled in FIGURE_ENABLED.items() if enabled]
# the report's name of each figure (its entry's label; the PDF beside the PNG is a file)
FIGURE_NAMES = {
    "fig1_tsne_faces": "Figure 1. t-SNE of Olivetti and LFW: data and metric-learning embedding",
    "fig2_retrieval_lfw": "Figure 2. Nearest-neighbour retrieval on LFW",
    "fig3_retrieval_olivetti": "Figure 3. Nearest-neighbour retrieval on Olivetti",
    "fig4_synthetic_samples": "Figure 4. Samples of the synthetic datasets",
    "fig6_reconstructions_olivetti": "Figure 6. Reconstructions of Olivetti faces",
    "fig_distance_histograms": "Within- and between-class distances",
    "fig_training_curves": "Training curves",
    "fig_rank_sensitivity": "CP / Tucker rank sensitivity",
    "fig_paper_vs_ours": "Paper vs ours, every compared cell",
}

# called by `rule all` (a lambda: `snakemake --lint` wants no functions beside rules)
figure_targets = lambda: expand(
    "results/figures/{figure}.{ext}", figure=FIGURES, ext=("png", "pdf")
) + expand(
    "results/figures/fig_embeddings_{dataset}.{ext}",
    dataset=EMBEDDING_FIGURES,
    ext=("png", "pdf"),
)


if "fig1_tsne_faces" in FIGURES:

    rule fig1_tsne_faces:
        """Figure 1: t-SNE of Olivetti and LFW, original data and metric-learning embedding."""
        input:
            data=expand("results/data/{d}.npz", d=FIGURE_FACES),
            tsne=figure_inputs([(d, "tsne") for d in FIGURE_FACES]),
            ml=[FIGURE_EMBEDDING[d, "metric_learning"] for d in FIGURE_FACES],
            heldout=[
                embedding_heldout(d, "metric_learning")
                for d in FIGURE_FACES
                if HELDOUT_FIGURES
            ],
        output:
            png=report(
                "results/figures/fig1_tsne_faces.png",
                caption="../report/figures/fig1_tsne_faces.rst",
                category="Figures",
                labels={"figure": FIGURE_NAMES["fig1_tsne_faces"]},
            ),
            pdf="results/figures/fig1_tsne_faces.pdf",
        log:
            "logs/figures/fig1_tsne_faces.log",
        benchmark:
            "results/benchmarks/figures/fig1_tsne_faces.tsv"
        conda:
            "../../envs/report.yaml"
        threads: 1
        resources:
            mem_mb=4000,
            runtime=30,
        params:
            code=library_code("figure_tsne_faces.py"),
            datasets=FIGURE_FACES,
            seed=FIGURE_SEED,
            tsne_files=[FIGURE_EMBEDDING[d, "tsne"] for d in FIGURE_FACES],
            heldout=[
                embedding_heldout(d, "metric_learning")
                for d in FIGURE_FACES
                if HELDOUT_FIGURES
            ],
            tsne=BASELINES["tsne"],
            tsne_seed=0,
            style=FIGURE_STYLE,
        script:
            "../scripts/figure_tsne_faces.py"


# Figures 2 and 3: one rule per face dataset, named after its figure (the SLURM profile groups by name)
for _figure, _faces in (
    ("fig2_retrieval_lfw", "lfw"),
    ("fig3_retrieval_olivetti", "olivetti"),
):
    if _figure not in FIGURES:
        continue

    rule:
        """Figures 2 and 3: nearest-neighbour retrieval in the metric-learning embedding (LFW, Olivetti)."""
        name:
            _figure
        input:
            data=f"results/data/{FIGURE_SOURCE[_faces]}.npz",
            embeddings=plan.embeddings(
                plan.metric_learning_run(
                    FIGURE_SOURCE[_faces],
                    RETRIEVAL_SPLIT,
                    figure_seed(RETRIEVAL_SPLIT),
                )
            ),
        output:
            png=report(
                f"results/figures/{_figure}.png",
                caption=f"../report/figures/{_figure}.rst",
                category="Figures",
                labels={"figure": FIGURE_NAMES[_figure]},
            ),
            pdf=f"results/figures/{_figure}.pdf",
        log:
            f"logs/figures/{_figure}.log",
        benchmark:
            f"results/benchmarks/figures/{_figure}.tsv"
        conda:
            "../../envs/report.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            code=library_code("figure_retrieval.py"),
            split=RETRIEVAL_SPLIT,
            seed=figure_seed(RETRIEVAL_SPLIT),
            retrieval=RETRIEVAL,
            style=FIGURE_STYLE,
        script:
            "../scripts/figure_retrieval.py"


if "fig4_synthetic_samples" in FIGURES:

    rule fig4_synthetic_samples:
        """Figure 4: example images of every class of each synthetic dataset."""
        input:
            data=expand("results/data/{d}.npz", d=FIGURE_SYNTHETIC),
        output:
            png=report(
                "results/figures/fig4_synthetic_samples.png",
                caption="../report/figures/fig4_synthetic_samples.rst",
                category="Figures",
                labels={"figure": FIGURE_NAMES["fig4_synthetic_samples"]},
            ),
            pdf="results/figures/fig4_synthetic_samples.pdf",
        log:
            "logs/figures/fig4_synthetic_samples.log",
        benchmark:
            "results/benchmarks/figures/fig4_synthetic_samples.tsv"
        conda:
            "../../envs/report.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            code=library_code("figure_synthetic_samples.py"),
            datasets=FIGURE_SYNTHETIC,
            per_class=3,
            seed=FIGURE_SEED,
            style=FIGURE_STYLE,
        script:
            "../scripts/figure_synthetic_samples.py"


if "fig6_reconstructions_olivetti" in FIGURES:

    rule fig6_reconstructions_olivetti:
        """Figure 6: Olivetti faces and their PCA, CP, Tucker and metric-learning reconstructions."""
        input:
            data=f"results/data/{FIGURE_SOURCE['olivetti']}.npz",
            ml=FIGURE_EMBEDDING[FIGURE_SOURCE["olivetti"], "metric_learning"],
            baselines=figure_inputs(
                [(FIGURE_SOURCE["olivetti"], m) for m in RECONSTRUCTION_METHODS]
            ),
        output:
            png=report(
                "results/figures/fig6_reconstructions_olivetti.png",
                caption="../report/figures/fig6_reconstructions_olivetti.rst",
                category="Figures",
                labels={"figure": FIGURE_NAMES["fig6_reconstructions_olivetti"]},
            ),
            pdf="results/figures/fig6_reconstructions_olivetti.pdf",
        log:
            "logs/figures/fig6_reconstructions_olivetti.log",
        benchmark:
            "results/benchmarks/figures/fig6_reconstructions_olivetti.tsv"
        conda:
            "../../envs/report.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            code=library_code("figure_reconstructions.py"),
            methods=RECONSTRUCTION_METHODS,
            baselines=[
                FIGURE_EMBEDDING[FIGURE_SOURCE["olivetti"], m]
                for m in RECONSTRUCTION_METHODS
            ],
            summaries=[
                plan.run_file(
                    FIGURE_RUNS[FIGURE_SOURCE["olivetti"], m], "summary.json"
                )
                for m in RECONSTRUCTION_METHODS
            ],
            seed=FIGURE_SEED,
            style=FIGURE_STYLE,
        script:
            "../scripts/figure_reconstructions.py"


rule fig_embeddings:
    """2-D views of every method's embedding of one dataset, in-sample beside held-out fold 0
    (the paper's Figures 5, 7 and 8 for the synthetic datasets, LFW and ABIDE)."""
    input:
        data="results/data/{dataset}.npz",
        embeddings=embedding_figure_inputs,
    output:
        png=report(
            "results/figures/fig_embeddings_{dataset}.png",
            caption="../report/figures/fig_embeddings.rst",
            category="Figures",
            labels={
                "figure": "Embeddings, in-sample and held out",
                "dataset": "{dataset}",
            },
        ),
        pdf="results/figures/fig_embeddings_{dataset}.pdf",
    log:
        "logs/figures/fig_embeddings_{dataset}.log",
    benchmark:
        "results/benchmarks/figures/fig_embeddings_{dataset}.tsv"
    wildcard_constraints:
        dataset=_names_regex(EMBEDDING_FIGURES),
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        code=library_code("figure_embeddings.py"),
        methods=FIGURE_METHODS,
        in_sample=lambda w: [FIGURE_EMBEDDING[w.dataset, m] for m in FIGURE_METHODS],
        heldout=lambda w: [embedding_heldout(w.dataset, m) for m in FIGURE_METHODS],
        heldout_absent=lambda w: [heldout_absence(w.dataset, m) for m in FIGURE_METHODS],
        paper_figure=lambda w: PAPER_FIGURE.get(dataset_cfg(w.dataset)["source"]),
        title=lambda w: (
            f"{w.dataset}: 2-D views of each method's embedding"
            + (
                f" (the paper's Figure {PAPER_FIGURE[dataset_cfg(w.dataset)['source']]})"
                if dataset_cfg(w.dataset)["source"] in PAPER_FIGURE
                else ""
            )
        ),
        seed=FIGURE_SEED,
        style=FIGURE_STYLE,
    script:
        "../scripts/figure_embeddings.py"


if "fig_distance_histograms" in FIGURES:

    rule fig_distance_histograms:
        """Eq. 33: intra- vs inter-class distances, original input vs metric-learning embedding, per dataset."""
        input:
            data=expand("results/data/{d}.npz", d=DATASETS),
            ml=[FIGURE_EMBEDDING[d, "metric_learning"] for d in DATASETS],
            heldout=[
                embedding_heldout(d, "metric_learning")
                for d in DATASETS
                if HELDOUT_FIGURES
            ],
        output:
            png=report(
                "results/figures/fig_distance_histograms.png",
                caption="../report/figures/fig_distance_histograms.rst",
                category="Figures",
                labels={"figure": FIGURE_NAMES["fig_distance_histograms"]},
            ),
            pdf="results/figures/fig_distance_histograms.pdf",
        log:
            "logs/figures/fig_distance_histograms.log",
        benchmark:
            "results/benchmarks/figures/fig_distance_histograms.tsv"
        conda:
            "../../envs/report.yaml"
        threads: 1
        resources:
            mem_mb=6000,
            runtime=20,
        params:
            code=library_code("figure_distance_histograms.py"),
            datasets=DATASETS,
            heldout=[
                embedding_heldout(d, "metric_learning")
                for d in DATASETS
                if HELDOUT_FIGURES
            ],
            seed=FIGURE_SEED,
            max_pairs=100000,
            bins=50,
            style=FIGURE_STYLE,
        script:
            "../scripts/figure_distance_histograms.py"


if "fig_training_curves" in FIGURES:

    rule fig_training_curves:
        """Every loss term, the separation ratio and the validation precision@1 per epoch, per dataset."""
        input:
            history=[
                plan.run_file(
                    plan.metric_learning_run(
                        d, CURVES_SPLIT, figure_seed(CURVES_SPLIT)
                    ),
                    "history.tsv",
                )
                for d in DATASETS
            ],
            embeddings=[
                plan.embeddings(
                    plan.metric_learning_run(
                        d, CURVES_SPLIT, figure_seed(CURVES_SPLIT)
                    )
                )
                for d in DATASETS
            ],
        output:
            png=report(
                "results/figures/fig_training_curves.png",
                caption="../report/figures/fig_training_curves.rst",
                category="Figures",
                labels={"figure": FIGURE_NAMES["fig_training_curves"]},
            ),
            pdf="results/figures/fig_training_curves.pdf",
        log:
            "logs/figures/fig_training_curves.log",
        benchmark:
            "results/benchmarks/figures/fig_training_curves.tsv"
        conda:
            "../../envs/report.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            code=library_code("figure_training_curves.py"),
            datasets=DATASETS,
            split=CURVES_SPLIT,
            seed=figure_seed(CURVES_SPLIT),
            style=FIGURE_STYLE,
        script:
            "../scripts/figure_training_curves.py"


if "fig_rank_sensitivity" in FIGURES:

    rule fig_rank_sensitivity:
        """Clustering metrics vs CP / Tucker rank against metric learning (paper protocol, mean ± sd over seeds)."""
        input:
            summary="results/metrics/summary.csv",
        output:
            png=report(
                "results/figures/fig_rank_sensitivity.png",
                caption="../report/figures/fig_rank_sensitivity.rst",
                category="Figures",
                labels={"figure": FIGURE_NAMES["fig_rank_sensitivity"]},
            ),
            pdf="results/figures/fig_rank_sensitivity.pdf",
        log:
            "logs/figures/fig_rank_sensitivity.log",
        benchmark:
            "results/benchmarks/figures/fig_rank_sensitivity.tsv"
        conda:
            "../../envs/report.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            code=library_code("figure_rank_sensitivity.py"),
            datasets=DATASETS,
            metrics=["silhouette_true_labels", "nmi_kmeans", "ari_kmeans"],
            style=FIGURE_STYLE,
        script:
            "../scripts/figure_rank_sensitivity.py"


if "fig_paper_vs_ours" in FIGURES:

    rule fig_paper_vs_ours:
        """Every compared published cell against ours (paper protocol), with the tolerance band."""
        input:
            comparison="results/tables/paper_comparison.csv",
        output:
            png=report(
                "results/figures/fig_paper_vs_ours.png",
                caption="../report/figures/fig_paper_vs_ours.rst",
                category="Figures",
                labels={"figure": FIGURE_NAMES["fig_paper_vs_ours"]},
            ),
            pdf="results/figures/fig_paper_vs_ours.pdf",
        log:
            "logs/figures/fig_paper_vs_ours.log",
        benchmark:
            "results/benchmarks/figures/fig_paper_vs_ours.tsv"
        conda:
            "../../envs/report.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            code=library_code("figure_paper_vs_ours.py"),
            tolerance=config["report"]["tolerance"],
            style=FIGURE_STYLE,
        script:
            "../scripts/figure_paper_vs_ours.py"
