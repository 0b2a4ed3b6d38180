"""The figure plan: which figures a validated configuration makes, what each reads and its options.

Pure functions of the config dict, like :mod:`norank.plan` (whose runs the figures read), so the
plan is unit-tested (``tests/test_figure_plan.py``). ``workflow/rules/figures.smk`` makes one rule
per :class:`Figure` from a single definition; a figure whose datasets or methods are not
configured is not planned (so it has no rule and is not a target).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from norank import plan
from norank.methods import CP, PCA, TUCKER, Method
from norank.splits import Split
from norank.table_registry import STUDIES_SUBCATEGORY

FIGURE_DIR = "results/figures"
# the paper's figure number of each source's embedding figure (Figures 5, 7 and 8)
PAPER_FIGURE = {"galaxy": 5, "crystal": 5, "lfw": 7, "abide": 8}
RANK_METRICS = ["silhouette_true_labels", "nmi_kmeans", "ari_kmeans"]
RETRIEVAL_QUERIES, RETRIEVAL_K = 5, 5
ALL, FOLD0 = str(Split.all()), str(Split.fold(0))  # the in-sample panels' split, the held-out ones'


@dataclass(frozen=True)
class Figure:
    """One figure: ``results/figures/<name>.png`` (in the report) and ``.pdf``, made by
    ``workflow/scripts/<script>.py`` from ``inputs`` (files, by name) with ``params``."""

    name: str
    script: str
    label: str  # the report's name of the figure
    caption: str  # its caption template, workflow/report/figures/<caption>.rst
    inputs: dict
    params: dict
    mem_mb: int = 2000
    runtime: int = 10  # minutes
    category: str = "Figures"
    subcategory: str = "Paper and diagnostics"  # or STUDIES_SUBCATEGORY
    labels: dict = field(default_factory=dict)  # further report labels (e.g. the dataset)
    link: str | None = None  # its name among the summary's links (None: the label; "": not linked)

    @property
    def link_name(self) -> str | None:
        """The figure's name among the summary's links; None when it is not linked there."""
        return self.label if self.link is None else self.link or None

    @property
    def png(self) -> str:
        return f"{FIGURE_DIR}/{self.name}.png"

    @property
    def pdf(self) -> str:
        return f"{FIGURE_DIR}/{self.name}.pdf"


def figure_seed(config: dict, split: str) -> int:
    """The model seed of a figure's runs on ``split``: the split's first (folds may have their own)."""
    return plan.split_seeds(config, split)[0]


class _Context:
    """What every figure of one config reads: datasets by source, the figure runs, the style."""

    def __init__(self, config: dict):
        self.config = config
        self.datasets = sorted(config["datasets"])
        self.source = {d: config["datasets"][d]["source"] for d in self.datasets}
        protocols = config["evaluation"]["protocols"]
        self.paper_protocol = "paper" in protocols  # every figure but 2-4 shows split `all`
        self.heldout = "heldout" in protocols
        self.seed = figure_seed(config, ALL)
        self.style = plan.canonical(config["report"]["figure_style"])
        self.baselines = config["baselines"]
        # the metric-learning row of the figures: the first configured recipe (eq13 by default)
        self.ml = Method.metric_learning(config["recipes"][0])
        runs = plan.main_runs(config)
        self.in_sample = {(r.dataset, r.method): r for r in runs if r.split == ALL and r.seed == self.seed}
        fold_seed = figure_seed(config, FOLD0)
        self.fold0 = {(r.dataset, r.method): r for r in runs if r.split == FOLD0 and r.seed == fold_seed}

    def first(self, source: str) -> str | None:
        """The first configured dataset of ``source``; None when there is none."""
        return next((d for d in self.datasets if self.source[d] == source), None)

    def synthetic(self) -> list[str]:
        """The synthetic datasets in the paper's order: galaxy, then crystal."""
        order = plan.SYNTHETIC_SOURCES
        return sorted((d for d in self.datasets if self.source[d] in order),
                      key=lambda d: (order.index(self.source[d]), d))

    def embeddings(self, d: str, m: Method) -> str:
        return plan.embeddings(self.in_sample[d, m])

    def producers(self, keys) -> list[str]:
        """The jobs' outputs the in-sample panels ``keys`` need: a trained run's embeddings, a
        baseline job's folder."""
        return list(dict.fromkeys(plan.producer(self.in_sample[k]) for k in keys))

    def heldout_embeddings(self, d: str, m: Method) -> str | None:
        """The fold-0 embeddings of (dataset, method); None without one (see :meth:`heldout_absence`)."""
        return plan.embeddings(self.fold0[d, m]) if self.heldout and (d, m) in self.fold0 else None

    def heldout_absence(self, d: str, m: Method) -> str | None:
        """Why (dataset, method) has no held-out panel, written in the figure's empty slot; None if
        it has one, or if the run has no held-out protocol (the figure then has no held-out column)."""
        if not self.heldout or (d, m) in self.fold0:
            return None
        if m.transductive:
            return "no held-out run: t-SNE has no out-of-sample transform"
        return "no held-out run"

    def ml_heldout(self, datasets) -> list[str]:
        """The fold-0 metric-learning embeddings of ``datasets`` (empty without the held-out protocol)."""
        return [self.heldout_embeddings(d, self.ml) for d in datasets] if self.heldout else []

    def figure(self, name: str, script: str, label: str, inputs: dict, params: dict, **kw) -> Figure:
        return Figure(name, script, label, kw.pop("caption", name), inputs,
                      {**params, "style": self.style}, **kw)


def _tsne_faces(c: _Context) -> list[Figure]:
    faces = [c.first("olivetti"), c.first("lfw")]
    if not (c.paper_protocol and None not in faces and "tsne" in c.baselines["methods"]):
        return []
    tsne, ml = Method("tsne"), c.ml
    heldout = c.ml_heldout(faces)
    return [c.figure(
        "fig1_tsne_faces", "fig_tsne_faces",
        "Figure 1. t-SNE of Olivetti and LFW: data and metric-learning embedding",
        inputs=dict(data=[f"results/data/{d}.npz" for d in faces], tsne=c.producers([(d, tsne) for d in faces]),
                    ml=[c.embeddings(d, ml) for d in faces], heldout=heldout),
        params=dict(datasets=faces, seed=c.seed, tsne_files=[c.embeddings(d, tsne) for d in faces],
                    heldout=heldout, tsne=c.baselines["tsne"], tsne_seed=0),
        mem_mb=4000, runtime=30)]


def _retrieval(c: _Context) -> list[Figure]:
    # held-out queries of fold0 against its training samples when that protocol runs
    split = FOLD0 if c.heldout else ALL
    seed = figure_seed(c.config, split)
    out = []
    for name, source, label in (("fig2_retrieval_lfw", "lfw", "Figure 2. Nearest-neighbour retrieval on LFW"),
                                ("fig3_retrieval_olivetti", "olivetti",
                                 "Figure 3. Nearest-neighbour retrieval on Olivetti")):
        d = c.first(source)
        if d is None:
            continue
        out.append(c.figure(
            name, "fig_retrieval", label,
            inputs=dict(data=f"results/data/{d}.npz",
                        embeddings=plan.embeddings(plan.metric_learning_run(d, split, seed, c.ml.recipe))),
            params=dict(split=split, seed=seed,
                        retrieval={"n_queries": RETRIEVAL_QUERIES, "k": RETRIEVAL_K, "seed": c.seed})))
    return out


def _synthetic_samples(c: _Context) -> list[Figure]:
    synthetic = c.synthetic()
    if not synthetic:
        return []
    return [c.figure("fig4_synthetic_samples", "fig_synthetic_samples",
                     "Figure 4. Samples of the synthetic datasets",
                     inputs=dict(data=[f"results/data/{d}.npz" for d in synthetic]),
                     params=dict(datasets=synthetic, per_class=3, seed=c.seed))]


def reconstruction_methods(config: dict) -> list[Method]:
    """Figure 6's rows besides the original and metric learning: PCA, and CP / Tucker at the grid's
    highest rank."""
    highest = plan.RankGrid.of(config).highest
    return [Method(f) if f == PCA else Method.decomposition(f, highest)
            for f in (PCA, CP, TUCKER) if f in config["baselines"]["methods"]]


def _reconstructions(c: _Context) -> list[Figure]:
    d = c.first("olivetti")
    if not (c.paper_protocol and d is not None):
        return []
    methods = reconstruction_methods(c.config)
    return [c.figure(
        "fig6_reconstructions_olivetti", "fig_reconstructions", "Figure 6. Reconstructions of Olivetti faces",
        inputs=dict(data=f"results/data/{d}.npz", ml=c.embeddings(d, c.ml),
                    baselines=c.producers([(d, m) for m in methods])),
        params=dict(methods=[str(m) for m in methods], baselines=[c.embeddings(d, m) for m in methods],
                    summaries=[plan.run_file(c.in_sample[d, m], "summary.json") for m in methods],
                    seed=c.seed))]


def _embeddings(c: _Context) -> list[Figure]:
    """One per dataset: each method's in-sample view beside its held-out fold 0 view when that
    protocol runs. The paper's Figures 5, 7 and 8 are the synthetic datasets', LFW's and ABIDE's."""
    if not c.paper_protocol:
        return []
    methods = plan.figure_methods(c.config)
    out = []
    for d in c.datasets:
        runs = [c.in_sample[d, m] for m in methods] + [c.fold0[d, m] for m in methods if (d, m) in c.fold0]
        paper_figure = PAPER_FIGURE.get(c.source[d])
        out.append(c.figure(
            f"fig_embeddings_{d}", "fig_embeddings", "Embeddings, in-sample and held out",
            caption="fig_embeddings", labels={"dataset": d}, link=f"Embeddings of {d}", mem_mb=4000,
            inputs=dict(data=f"results/data/{d}.npz",
                        embeddings=list(dict.fromkeys(plan.producer(r) for r in runs))),
            params=dict(dataset=d, methods=[str(m) for m in methods], in_sample=[c.embeddings(d, m) for m in methods],
                        heldout=[c.heldout_embeddings(d, m) for m in methods],
                        heldout_absent=[c.heldout_absence(d, m) for m in methods], paper_figure=paper_figure,
                        title=f"{d}: 2-D views of each method's embedding"
                              + (f" (the paper's Figure {paper_figure})" if paper_figure else ""),
                        seed=c.seed)))
    return out


def _distance_histograms(c: _Context) -> list[Figure]:
    if not (c.paper_protocol and c.datasets):
        return []
    ml, heldout = c.ml, c.ml_heldout(c.datasets)
    return [c.figure(
        "fig_distance_histograms", "fig_distance_histograms", "Within- and between-class distances",
        inputs=dict(data=[f"results/data/{d}.npz" for d in c.datasets],
                    ml=[c.embeddings(d, ml) for d in c.datasets], heldout=heldout),
        params=dict(datasets=c.datasets, heldout=heldout, seed=c.seed, max_pairs=100000, bins=50),
        mem_mb=6000, runtime=20)]


def _training_curves(c: _Context) -> list[Figure]:
    """A fold-0 run when the held-out protocol runs (it validates on train.val_fraction of its
    training samples, so overfitting shows), else the paper protocol's run (no validation)."""
    if not c.datasets:
        return []
    split = FOLD0 if c.heldout else ALL
    seed = figure_seed(c.config, split)
    runs = [plan.metric_learning_run(d, split, seed, c.ml.recipe) for d in c.datasets]
    return [c.figure("fig_training_curves", "fig_training_curves", "Training curves",
                     inputs=dict(history=[plan.run_file(r, "history.tsv") for r in runs],
                                 embeddings=[plan.embeddings(r) for r in runs]),
                     params=dict(datasets=c.datasets, split=split, seed=seed,
                                 val_fraction=_val_fraction(c.config, c.datasets)))]


def _val_fraction(config: dict, datasets: list[str]) -> float | None:
    """The share of training samples the runs validate on (the datasets' own options, else the
    trainer's default); None when the datasets differ. The trainer's module (torch) is imported
    only when a dataset leaves the share unset: the Snakefile calls this for every DAG, dry runs too."""
    from norank import job_params

    shares = {job_params.train(config, d).get("val_fraction") for d in datasets}
    if None in shares:
        from norank.ml.config import TrainConfig

        shares = {TrainConfig.val_fraction if s is None else s for s in shares}
    return shares.pop() if len(shares) == 1 else None


def _rank_sensitivity(c: _Context) -> list[Figure]:
    if not (c.paper_protocol and {"cp", "tucker"} & set(c.baselines["methods"])):
        return []
    return [c.figure("fig_rank_sensitivity", "fig_rank_sensitivity", "CP / Tucker rank sensitivity",
                     inputs=dict(summary="results/metrics/summary.csv"),
                     params=dict(datasets=c.datasets, metrics=RANK_METRICS))]


def _paper_vs_ours(c: _Context) -> list[Figure]:
    if not (c.paper_protocol and plan.compares_with_paper(c.config)):
        return []
    return [c.figure("fig_paper_vs_ours", "fig_paper_vs_ours", "Paper vs ours, every compared cell",
                     inputs=dict(comparison="results/tables/paper_comparison.csv"),
                     params=dict(tolerance=c.config["report"]["tolerance"]))]


def _loss_diagnostics(c: _Context) -> list[Figure]:
    """One per dataset of the loss comparison: every loss's history files, by loss."""
    runs = plan.study_runs(c.config, "losses")
    if not runs:
        return []
    losses = c.config["loss_comparison"]["losses"]
    out = []
    for d in plan.study_datasets(c.config, "losses"):
        histories = {loss: [plan.run_file(r, "history.tsv") for r in runs
                            if r.dataset == d and r.method == Method.trained_with(loss)] for loss in losses}
        out.append(c.figure(
            f"fig_loss_diagnostics_{d}", "fig_loss_diagnostics",
            "Loss diagnostics: VARIANCE and GREEDINESS per epoch", caption="fig_loss_diagnostics",
            subcategory=STUDIES_SUBCATEGORY, labels={"dataset": d}, link="",
            inputs=dict(histories, data=f"results/data/{d}.npz"), params=dict(dataset=d, losses=losses)))
    return out


def _bridge(c: _Context) -> list[Figure]:
    """The bridge's bars (norank.figures.bridge), from its table."""
    if not plan.study_runs(c.config, "bridge"):
        return []
    return [c.figure("fig_bridge", "fig_bridge", "Eq. 13 to the official recipe, one choice at a time",
                     subcategory=STUDIES_SUBCATEGORY,
                     inputs=dict(table="results/tables/table_bridge.csv"), params={})]


# in the report's order
_FAMILIES = (_tsne_faces, _retrieval, _synthetic_samples, _reconstructions, _distance_histograms, _training_curves,
             _rank_sensitivity, _paper_vs_ours, _embeddings, _loss_diagnostics, _bridge)


def figures(config: dict) -> list[Figure]:
    """Every figure the configuration makes."""
    c = _Context(config)
    return [f for family in _FAMILIES for f in family(c)]


