import numpy as np
import pytest

from norank.data.synthetic import (
    CRYSTAL_CLASSES,
    GALAXY_CLASSES,
    crystal_templates,
    galaxy_templates,
    make_crystals,
    make_galaxies,
)
from norank.errors import DataError

GENERATORS = [make_galaxies, make_crystals]


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("preset", ["paper", "realistic"])
def test_same_seed_same_images_other_seed_other_images(make, preset):
    a = make(n_samples=16, size=32, preset=preset, seed=3)
    b = make(n_samples=16, size=32, preset=preset, seed=3)
    c = make(n_samples=16, size=32, preset=preset, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.allclose(a.X, c.X)


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("preset", ["paper", "realistic"])
def test_balanced_in_unit_range_float32(make, preset):
    ds = make(n_samples=40, size=32, preset=preset, seed=0)
    assert ds.X.shape == (40, 32, 32) and ds.X.dtype == np.float32
    assert list(ds.counts().values()) == [10, 10, 10, 10]
    assert ds.X.min() >= 0.0 and ds.X.max() <= 1.0
    assert np.isfinite(ds.X).all()


def test_paper_defaults_have_the_papers_sizes():
    g, c = make_galaxies(), make_crystals()
    assert g.X.shape == (500, 64, 64) and g.class_names == GALAXY_CLASSES
    assert c.X.shape == (400, 64, 64) and c.class_names == CRYSTAL_CLASSES
    assert g.name == "galaxy_paper" and c.name == "crystal_paper"


@pytest.mark.parametrize("make", GENERATORS)
def test_presets_differ(make):
    paper = make(n_samples=40, size=32, preset="paper", seed=0)
    real = make(n_samples=40, size=32, preset="realistic", seed=0)
    assert not np.allclose(paper.X, real.X)
    # the paper preset is template + noise: within-class spread is the pixel noise only (but for
    # the Irregular galaxies, fresh noise each); the realistic preset varies shapes, so its
    # within-class spread is far larger
    templated = range(3) if make is make_galaxies else range(4)

    def within_class_std(ds):
        return np.mean([ds.X[ds.y == c].std(axis=0).mean() for c in templated])

    assert within_class_std(real) > 1.25 * within_class_std(paper)


def test_paper_preset_is_template_plus_clipped_noise():
    ds = make_galaxies(n_samples=400, size=32, preset="paper", seed=1, noise=0.05)
    t = galaxy_templates(32)
    for c in range(3):  # Elliptical, Spiral, Lenticular
        mean = ds.X[ds.y == c].mean(axis=0)
        inner = (t[c] > 0.2) & (t[c] < 0.8)  # away from the clipping bounds the mean is unbiased
        np.testing.assert_allclose(mean[inner], t[c][inner], atol=0.03)
    resid = ds.X[ds.y == 0] - t[0]
    assert 0.04 < resid[:, (t[0] > 0.2) & (t[0] < 0.8)].std() < 0.06


def test_paper_irregular_galaxies_are_fresh_noise_each():
    """As the official generator: every Irregular image is its own uniform noise, so two of them
    are uncorrelated (v1 drew one noise template for all: correlation ~ 0.97)."""
    ds = make_galaxies(n_samples=200, size=32, preset="paper", seed=3)
    irregular = ds.X[ds.y == 3].reshape(50, -1)
    corr = np.corrcoef(irregular)[np.triu_indices(50, 1)]
    assert abs(corr.mean()) < 0.02 and np.abs(corr).max() < 0.25
    assert 0.45 < irregular.mean() < 0.55 and irregular.std() > 0.25  # uniform on [0, 1] (+ clipped noise)
    # the other classes are their template plus noise: any two images correlate strongly
    for c in range(3):
        same = np.corrcoef(ds.X[ds.y == c].reshape(50, -1))[np.triu_indices(50, 1)]
        assert same.min() > 0.9


def test_crystal_templates_follow_the_description():
    t = crystal_templates(64)
    cubic, hexa, tetra, ortho = t
    assert cubic[0].all() and cubic[1].all() and not cubic[2, 2:8].any()  # 2-px lines every 8 px
    assert cubic[:, 8].all() and cubic[:, 9].all()
    assert hexa[0:2, 0:2].all() and hexa[10:12, 10:12].all() and hexa.sum() == 7 * 7 * 4  # 2x2 dots every 10 px
    assert tetra[::6].all() and not tetra[1:6].any()  # 1-px rows every 6 px
    assert ortho[:, 0:2].all() and ortho[:, 12:14].all() and not ortho[:, 2:12].any()  # 2-px columns every 12 px


def test_galaxy_templates_follow_the_description():
    t = galaxy_templates(64)
    x = np.linspace(-1, 1, 64)
    X, Y = np.meshgrid(x, x)
    r = np.hypot(X, Y)
    np.testing.assert_allclose(t[0], np.exp(-4 * r**2))
    np.testing.assert_allclose(t[1], np.exp(-3 * r**2) * (1 + 0.5 * np.sin(6 * np.arctan2(Y, X) + 10 * r)))
    np.testing.assert_allclose(t[2][r > 0.6], 0.2 * np.exp(-6 * r[r > 0.6] ** 2))
    assert len(t) == 3  # Irregular has no template


@pytest.mark.parametrize("kwargs", [dict(n_samples=10), dict(n_samples=4), dict(preset="fancy"), dict(size=8)])
def test_bad_arguments_are_named(kwargs):
    with pytest.raises(DataError, match="|".join(kwargs)):
        make_galaxies(**{"n_samples": 40, **kwargs})
