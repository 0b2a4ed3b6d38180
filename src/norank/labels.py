"""Display names of methods and losses: one source for the tables, the figures and the studies."""

from __future__ import annotations

from norank.errors import NorankError
from norank.methods import DECOMPOSITIONS, LOSS, Method

LOSS_LABELS = {"eq13": "Paper objective (eq. 13)", "contrastive": "Contrastive", "triplet": "Triplet",
               "npair": "N-pair", "infonce": "InfoNCE", "arcface": "ArcFace", "supcon": "SupCon",
               "center_contrastive": "Center contrastive", "plm": "PLM (unsupervised)"}

DECOMPOSITION_LABELS = {"cp": "CP", "tucker": "Tucker", "tucker_rhw": "Tucker (R,H,W)"}
_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP", "metric_learning": "Metric learning",
          "metric_learning-official": "Metric learning (official recipe)",
          "metric_learning-official_fixed": "Metric learning (official recipe, mining fixed)",
          "metric_learning-tuned": "Metric learning (eq. 13, tuned on inner folds)",
          "pca_svm": "PCA + SVM", "transformer": "Transformer", "official_code": "Official code, unmodified"}
# the paper's table headers: projections are clustered by k-means ("PCA + K-Means"); method names
# keep one capitalisation everywhere (sentence case: "Metric learning")
_TABLE_NAMES = {**_NAMES, "official_code": "Metric learning (official code, unmodified)",
                **{m: f"{_NAMES[m]} + K-Means" for m in ("pca", "tsne", "umap")}}


def method_label(method: Method | str, *, table: bool = False) -> str:
    """Display name of a method (or of its name, as a table column holds it): ``cp-R5`` → ``CP-R5``,
    ``loss-arcface`` → ``ArcFace``, ``pca`` → ``PCA`` (``PCA + K-Means`` with ``table=True``, as the
    paper's table headers).

    An unknown name is returned unchanged.
    """
    method = str(method)
    names = _TABLE_NAMES if table else _NAMES
    if method in names:
        return names[method]
    try:
        m = Method.parse(method)
    except NorankError:
        return method
    if m.family == LOSS:
        return LOSS_LABELS.get(m.loss, m.loss)
    if m.family in DECOMPOSITIONS:
        return f"{DECOMPOSITION_LABELS[m.family]}-R{m.rank}"
    return method
