"""Figure functions on small synthetic arrays: structure of the returned Figure, the helpers' numbers,
and atomic saving."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from test_evaluate import rank_summary

from norank.errors import NorankError
from norank.evaluate import rank_sensitivity_table
from norank.figures.curves import plot_training_curves
from norank.figures.distances import plot_distance_histograms
from norank.figures.embeddings import (
    EmbeddingGroup,
    EmbeddingPanel,
    class_draw_order,
    embedding_panel,
    plot_embedding_groups,
    view_2d,
)
from norank.figures.ranks import plot_rank_sensitivity
from norank.figures.reconstructions import plot_reconstructions, reconstruction_label, reconstruction_rows
from norank.figures.retrieval import CORRECT_MARK, WRONG_MARK, plot_retrieval
from norank.figures.samples import plot_class_samples
from norank.figures.style import (MIN_TEXT_PX, OKABE_ITO, OTHER_CLASSES, class_colors, new_figure, save_figure,
                                  shown_px_per_point, text_artists)
from norank.metrics import class_pair_distances
from norank.ml.history import LOSS_TERMS


def _blobs(n_per_class=6, n_classes=3, d=5, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per_class)
    Z = rng.normal(size=(len(y), d)) + 4 * y[:, None]
    return Z, y


def _titles(fig):
    return [ax.get_title() for ax in fig.axes]


# --------------------------------------------------------------------------- helpers


def test_class_colors_okabe_ito_for_the_first_8_then_grey_and_the_largest_class_drawn_first():
    from matplotlib.colors import to_rgba

    assert [tuple(c) for c in class_colors(3)] == [to_rgba(c) for c in OKABE_ITO[:3]]
    assert len({tuple(c) for c in class_colors(8)}) == 8
    many = class_colors(40)
    assert many.shape == (40, 4) and len({tuple(c) for c in many[8:]}) == 1 and tuple(many[8]) == to_rgba(OTHER_CLASSES)
    four = class_colors(4)  # no two blues among few classes (galaxy: Spiral and Irregular were both blue)
    assert sum(1 for c in four if c[2] > max(c[0], c[1]) + 0.2) <= 1
    y = np.array([0] * 2 + [1] * 9 + [2] * 4 + list(range(3, 12)))
    assert class_draw_order(y, 12) == [1, 2, 0, 3, 4, 5, 6, 7]


def test_view_2d_keeps_2d_and_projects_higher_dims_on_the_top_principal_components():
    Z2 = np.arange(10.0).reshape(5, 2)
    out, own = view_2d(Z2)
    assert own and np.array_equal(out, Z2)
    rng = np.random.default_rng(0)
    Z = np.zeros((50, 4))
    a, b = rng.normal(size=(2, 50))
    a, b = a - a.mean(), b - b.mean()
    Z[:, 2] = 10 * a  # the dominant direction
    Z[:, 0] = b - (a @ b) / (a @ a) * a  # uncorrelated with it
    out, own = view_2d(Z)
    assert not own and out.shape == (50, 2)
    np.testing.assert_allclose(np.abs(out[:, 0]), np.abs(Z[:, 2] - Z[:, 2].mean()), atol=1e-8)
    p = embedding_panel(Z, np.zeros(50, int), "cp-R4")
    assert p.title == "CP-R4 (PC1-2)" and (p.xlabel, p.ylabel) == ("PC1", "PC2")
    assert embedding_panel(Z2, np.zeros(5, int), "umap").title == "UMAP"


def test_reconstruction_rows_label_each_method_with_its_size_and_error():
    assert reconstruction_label("tucker-R5", {"rank": [5, 5, 5]}, 0.25) == "Tucker-R5\n(R = (5, 5, 5))\nrel. err. 0.250"
    assert reconstruction_label("pca", {"n_components": 20}, 0.25) == "PCA (20 comp.)\nrel. err. 0.250"
    hats = [np.zeros((2, 2, 2)), np.ones((2, 2, 2))]
    rows = reconstruction_rows(["pca", "cp-R2"], [(hats[0], 0.5, {}), (hats[1], 0.125, {})])
    assert [label for label, _ in rows] == ["PCA\nrel. err. 0.500", "CP-R2\nrel. err. 0.125"]
    assert rows[1][1] is hats[1]
    with pytest.raises(ValueError):  # a method without its run
        reconstruction_rows(["pca", "cp-R2"], [(hats[0], 0.5, {})])


# --------------------------------------------------------------------------- plots


def test_embedding_groups_stacked_each_with_its_legend():
    Z, y = _blobs(n_classes=3)
    Zm, ym = _blobs(n_per_class=2, n_classes=12)
    groups = [
        EmbeddingGroup("few", ["a", "b", "c"], [EmbeddingPanel(Z[:, :2], y, "few: t-SNE", "x", "y")] * 2),
        EmbeddingGroup("many", [f"p{i}" for i in range(12)], [EmbeddingPanel(Zm[:, :2], ym, "many: ML", "x", "y")] * 2),
    ]
    fig = plot_embedding_groups(groups, suptitle="t")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4  # four panels; 12 classes: a legend of 8 and "the other 4 classes"
    legend = fig.subfigs[1].legends[0]  # the second group, 12 classes
    assert [t.get_text() for t in legend.get_texts()][-1] == "the other 4 classes"
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 4 and all(ax.get_xlabel() and ax.get_ylabel() for ax in panels)
    legends = [lg for sf in fig.subfigs for lg in sf.legends]
    assert len(legends) == 2 and [t.get_text() for t in legends[0].get_texts()] == ["a", "b", "c"]
    assert legends[1].get_title().get_text() == "class (8 of 12 in colour)"


def test_embedding_groups_wrap_rows_and_drop_unused_axes():
    Z, y = _blobs()
    panels = [embedding_panel(Z, y, m) for m in ("pca", "cp-R2", "tucker-R2", "metric_learning", "umap")]
    panels[-1] = embedding_panel(Z[:, :2], y, "umap")
    fig = plot_embedding_groups([EmbeddingGroup("d", ["a", "b", "c"], panels)], max_cols=3)
    assert len(fig.axes) == 5  # a 2 x 3 grid minus the empty slot


def test_embedding_groups_refuse_labels_outside_the_classes():
    Z, y = _blobs()
    with pytest.raises(NorankError):
        plot_embedding_groups([EmbeddingGroup("d", ["a", "b"], [embedding_panel(Z, y, "pca")])])


def test_retrieval_grid_marks_correct_and_wrong_neighbours():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(2, 4, 3))
    nb = rng.normal(size=(2, 3, 4, 3))
    labels = [["a", "b", "a"], ["c", "c", "c"]]
    fig = plot_retrieval(q, ["a", "c"], nb, labels, np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]), title="r")
    assert len(fig.axes) == 2 * 4
    titles = _titles(fig)
    assert sum(CORRECT_MARK in t for t in titles) == 5 and sum(WRONG_MARK in t for t in titles) == 1
    assert "d = 0.200" in titles[2]
    wrong = fig.axes[2]  # row 0, neighbour 2 ("b")
    assert WRONG_MARK in wrong.get_title() and wrong.spines["top"].get_linewidth() == 3.0


def test_class_samples_one_block_per_dataset():
    rng = np.random.default_rng(0)
    rows = [("galaxy", ["E", "S"], [rng.normal(size=(3, 8, 8)), rng.normal(size=(3, 8, 8))]),
            ("crystal", ["C", "H", "T"], [rng.normal(size=(2, 8, 8))] * 3)]
    fig = plot_class_samples(rows, title="samples")
    assert len(fig.axes) == 6 + 6


def test_reconstructions_rows_by_columns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 5, 5))
    rows = [("original", X), ("PCA\nrel. err. 0.1", X * 0.9), ("ML", X * 0.5)]
    fig = plot_reconstructions(rows, [f"s{i}" for i in range(4)], title="rec")
    assert len(fig.axes) == 12 and fig.axes[4].get_ylabel().startswith("PCA")
    with pytest.raises(NorankError):
        plot_reconstructions([("original", X), ("bad", X[:2])], ["a"] * 4, title="rec")


def test_distance_histograms_one_panel_per_dataset_and_space():
    Z, y = _blobs()
    d = class_pair_distances(Z, y)
    fig = plot_distance_histograms([("a", [("input", d), ("ML", d)]), ("b", [("input", d), ("ML", d)])], title="h")
    assert len(fig.axes) == 4 and all(ax.get_legend() is not None for ax in fig.axes)
    assert all(ax.get_xlabel() == "Euclidean distance" for ax in fig.axes)


def _history(val=True):
    ep = np.arange(1, 5)
    df = pd.DataFrame({"epoch": ep, **{t: 1.0 / ep for t in LOSS_TERMS}, "train_separation_ratio": ep * 1.5})
    if val:
        df["val_precision_at_1"] = [0.5, 0.6, 0.7, 0.8]
        df["val_separation_ratio"] = ep * 1.2
    return df


def test_training_curves_a_panel_per_loss_term_then_ratio_and_precision():
    official = _history().drop(columns=["diversity", "uniformity", "global"])  # the official recipe's terms
    eq13 = _history()
    eq13["uniformity"] = -2.0 - eq13["uniformity"]  # as in a real run, far below the other terms
    fig = plot_training_curves([("a", eq13), ("b", official)], best_epochs=[3, 4], title="t")
    n = len(LOSS_TERMS) + 2
    assert len(fig.axes) == 2 * n - 3  # run b has 3 of the 6 terms; its empty slots are removed
    assert [ax.get_title() for ax in fig.axes[:n]] == [f"a: {t}" for t in LOSS_TERMS] + [
        "a: separation ratio", "a: validation P@1"]
    assert [ax.get_title() for ax in fig.axes[n:n + 3]] == ["b: triplet", "b: local", "b: total"]
    assert fig.axes[0].lines[-1].get_xdata()[0] == 3 and fig.axes[n].lines[-1].get_xdata()[0] == 4  # epoch kept
    uniformity = fig.axes[LOSS_TERMS.index("uniformity")]
    assert uniformity.get_ylim() != fig.axes[0].get_ylim()  # each term on its own scale
    sparse = _history()
    sparse.loc[[1, 2], ["val_precision_at_1", "val_separation_ratio", "train_separation_ratio"]] = np.nan
    fig = plot_training_curves([("a", sparse)], title="evaluated every few epochs")
    assert fig.axes[n - 1].lines[0].get_xdata().tolist() == [1, 4]  # the evaluated epochs, joined
    fig = plot_training_curves([("a", _history(val=False))], title="no validation")
    assert "no validation" in fig.axes[n - 1].texts[0].get_text() and not fig.axes[n - 1].lines
    singles = _history().assign(val_separation_ratio=np.nan)  # validation holds no two samples of a class
    ratio = plot_training_curves([("a", singles)], title="one sample per class").axes[n - 2]
    key = [t.get_text() for t in ratio.get_legend().get_texts()]
    assert key == ["train", "validation: none\n(≤ 1 sample per class)"] and len(ratio.lines[1].get_xdata()) == 0
    both = plot_training_curves([("a", _history())], title="t").axes[n - 2]
    assert [t.get_text() for t in both.get_legend().get_texts()] == ["train", "validation"]


def test_rank_sensitivity_grid_uses_paper_protocol_rows_only():
    table = rank_sensitivity_table(rank_summary(), ["a", "b"])
    assert set(table.protocol) == {"paper"} and (table["mean"] >= 0).all()
    fig = plot_rank_sensitivity(table, ["a", "b"], title="r")
    assert len(fig.axes) == 2 * 3
    ax = fig.axes[0]
    assert [t for t in ax.get_xticks()] == [2, 5, 10] and ax.get_xlabel() == "rank R"
    assert any(np.allclose(ln.get_ydata(), 0.9) for ln in ax.lines)  # the metric-learning reference line
    assert len(fig.legends) == 1 and len(fig.legends[0].get_texts()) == 3


# --------------------------------------------------------------------------- saving


def _small_figure():
    Z, y = _blobs()
    return plot_embedding_groups([EmbeddingGroup("d", ["a", "b", "c"], [embedding_panel(Z, y, "pca")])])


def test_save_figure_writes_png_and_pdf(tmp_path):
    png, pdf = tmp_path / "out" / "f.png", tmp_path / "out" / "f.pdf"
    save_figure(_small_figure(), png, pdf)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and pdf.read_bytes()[:5] == b"%PDF-"
    assert png.stat().st_size > 1000 and pdf.stat().st_size > 1000
    names = sorted(p.name for p in png.parent.iterdir())
    assert names == [".f.pdf.sha256", ".f.png.sha256", "f.pdf", "f.png"]  # their digests; no temporary files left


def test_a_rerun_saves_byte_identical_files_on_another_day(tmp_path, monkeypatch):
    out = []
    for day, epoch in enumerate(("1700000000", "1800000000")):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)  # what matplotlib would stamp as the date
        save_figure(_small_figure(), tmp_path / f"{day}.png", tmp_path / f"{day}.pdf")
        out.append(((tmp_path / f"{day}.png").read_bytes(), (tmp_path / f"{day}.pdf").read_bytes()))
    assert out[0] == out[1]


def test_every_text_of_a_saved_figure_is_legible_at_the_reports_width(tmp_path):
    """A 17-inch figure (as the training curves were) shown 1376 px wide: 1.1 px per point, so its
    xx-small notes and 5-pt ticks would be ~6 px; saved, every text is at least 9 px there."""
    fig = new_figure(17.2, 6)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="a series")
    ax.set_title("a title", fontsize="xx-small")
    ax.tick_params(labelsize=5)
    ax.legend(fontsize="xx-small")
    ax.text(0.5, 0.5, "a note", fontsize=4)
    per_point = shown_px_per_point(fig, 150)
    assert per_point == pytest.approx(1376 / (72 * 17.2))
    assert min(t.get_fontsize() for t in text_artists(fig)) * per_point < 7
    save_figure(fig, tmp_path / "f.png", tmp_path / "f.pdf")
    fig.canvas.draw()  # tick labels remade from the axis settings keep the floor
    sizes = [t.get_fontsize() * per_point for t in text_artists(fig)]
    assert len(sizes) >= 6 and min(sizes) >= MIN_TEXT_PX - 1e-9
    small = new_figure(4, 3)  # shown at its own size (600 px): 150/72 px per point, 10-pt text stays
    small.add_subplot().set_title("t")
    save_figure(small, tmp_path / "s.png", tmp_path / "s.pdf")
    assert small.axes[0].title.get_fontsize() == 12.0


def test_save_figure_writes_nothing_when_rendering_fails(tmp_path):
    fig = _small_figure()
    real = fig.savefig

    def fail_on_pdf(fname, *args, **kw):
        if kw.get("format") == "pdf":
            raise RuntimeError("pdf backend broke")
        return real(fname, *args, **kw)

    fig.savefig = fail_on_pdf
    with pytest.raises(RuntimeError):
        save_figure(fig, tmp_path / "f.png", tmp_path / "f.pdf")
    assert list(tmp_path.iterdir()) == []


def test_embedding_pairs_put_the_held_out_view_beside_the_in_sample_one():
    from norank.figures.embeddings import HELDOUT_TITLE, IN_SAMPLE_TITLE, heldout_panel, plot_embedding_pairs

    Z, y = _blobs(n_classes=3)
    role = np.where(np.arange(len(y)) % 3 == 0, "heldout", "train")
    held = heldout_panel(Z, role, y, "metric_learning")
    assert len(held.y) == (role == "heldout").sum() and held.xlabel == "PC1"  # on the training samples' PC axes
    rows = [(embedding_panel(Z, y, "pca"), held),
            (embedding_panel(Z[:, :2], y, "tsne"), "no held-out run: t-SNE has no out-of-sample transform")]
    fig = plot_embedding_pairs(rows, ["a", "b", "c"], title="t")
    assert len(fig.axes) == 4 and fig.axes[3].texts[0].get_text().startswith("no held-out run:")
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    # each column's header gives its sample count (not drawn over the points); the key at the top
    assert notes[:2] == [f"{IN_SAMPLE_TITLE}, n = {len(y)}", f"{HELDOUT_TITLE}, n = {len(held.y)}"], notes
    fig.canvas.draw()
    key, first_row = fig.axes[1].get_legend().get_window_extent(), fig.axes[1].get_window_extent()
    assert key.y1 == pytest.approx(first_row.y1, abs=10) and key.x0 > first_row.x1  # beside the first row, at its top
    single = plot_embedding_pairs([(embedding_panel(Z, y, "pca"), None)], ["a", "b", "c"], title="paper only")
    assert len(single.axes) == 1
    with pytest.raises(NorankError, match="no held-out samples"):
        heldout_panel(Z, np.array(["train"] * len(y)), y, "pca")
