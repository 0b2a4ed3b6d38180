"""Synthetic galaxy-morphology and crystal-lattice images (paper §5.3), seeded and deterministic.

Two presets:

``paper``
    As the official generator (``synthetic_data_generation.ipynb`` of the paper's code,
    ``_simulate_galaxy`` / ``_simulate_crystal``): a fixed template per class plus
    Gaussian pixel noise (σ = ``noise``, default 0.05), clipped to [0, 1], except the
    Irregular galaxies, each a fresh image of uniform random pixels plus that noise.
    Checked class by class against the notebook: galaxies Elliptical exp(-4r²), Spiral
    exp(-3r²)(1 + 0.5 sin(6θ + 10r)) with θ = arctan2(y, x), Lenticular exp(-6r²) ×0.2
    where r > 0.6 (r, θ on a [-1, 1]² grid of pixel centres), Irregular
    ``np.random.rand(size, size)`` drawn per image; crystals Cubic, Hexagonal,
    Tetragonal, Orthorhombic are deterministic line / dot patterns (no per-image
    element but the noise). 125 galaxies and 100 crystals per class, class by class.
    Only the random streams differ (numpy's Generator, seeded, instead of the global
    ``np.random.seed(42)``).
``realistic``
    Physically motivated variation, so the classes overlap: galaxies from
    Sérsic light profiles with random size, ellipticity, position angle and
    brightness (spirals with random arm count, pitch and phase; lenticulars as
    disk + bulge at random inclination; irregulars as random star-forming
    clumps), blurred by a random PSF, plus sky noise; crystals as 2-D lattice
    projections with random orientation and lattice constants drawn per crystal
    system, atom-position jitter, vacancies, blur and noise.

All images are ``(size, size)`` float32 in [0, 1]; classes are balanced
(``n_samples`` must be a multiple of 4) and stored class by class.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from norank.data.artifact import Dataset
from norank.errors import DataError

GALAXY_CLASSES = ("Elliptical", "Spiral", "Lenticular", "Irregular")
CRYSTAL_CLASSES = ("Cubic", "Hexagonal", "Tetragonal", "Orthorhombic")
PRESETS = ("paper", "realistic")


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates ``(X, Y)`` on [-1, 1]², each ``(size, size)``."""
    t = np.linspace(-1.0, 1.0, size)
    return np.meshgrid(t, t)


# --------------------------------------------------------------------------- paper preset


def galaxy_templates(size: int = 64) -> np.ndarray:
    """The paper preset's three smooth galaxy templates ``(3, size, size)``: Elliptical
    exp(-4r²); Spiral exp(-3r²)(1 + 0.5 sin(6θ + 10r)); Lenticular exp(-6r²) dimmed ×0.2 where
    r > 0.6. (Irregular has no template: each image is fresh uniform noise.)
    """
    X, Y = _grid(size)
    r, theta = np.hypot(X, Y), np.arctan2(Y, X)
    lenticular = np.exp(-6 * r**2)
    lenticular[r > 0.6] *= 0.2
    return np.stack(
        [
            np.exp(-4 * r**2),
            np.exp(-3 * r**2) * (1 + 0.5 * np.sin(6 * theta + 10 * r)),
            lenticular,
        ]
    )


def crystal_templates(size: int = 64) -> np.ndarray:
    """The paper preset's four crystal templates ``(4, size, size)`` on a zero image.

    Cubic: 2-pixel lines every 8 pixels in both directions; Hexagonal: 2×2 dots every
    10 pixels; Tetragonal: 1-pixel rows every 6 pixels; Orthorhombic: 2-pixel columns
    every 12 pixels.
    """
    t = np.zeros((4, size, size))
    for i in range(0, size, 8):
        t[0, i : i + 2, :] = 1
        t[0, :, i : i + 2] = 1
    for i in range(0, size, 10):
        for j in range(0, size, 10):
            t[1, i : i + 2, j : j + 2] = 1
    t[2, ::6, :] = 1
    for j in range(0, size, 12):
        t[3, :, j : j + 2] = 1
    return t


def _plus_noise(images: np.ndarray, noise: float, rng) -> np.ndarray:
    """``images`` ``(C, k, H, W)`` plus Gaussian pixel noise, clipped to [0, 1], as ``(C k, H, W)``."""
    out = np.clip(images + rng.normal(0.0, noise, size=images.shape), 0.0, 1.0)
    return out.reshape((-1,) + images.shape[2:])


def _paper_galaxies(k: int, size: int, noise: float, rng) -> np.ndarray:
    smooth = np.broadcast_to(galaxy_templates(size)[:, None], (3, k, size, size))
    irregular = rng.uniform(size=(1, k, size, size))  # the official generator: np.random.rand per image
    return _plus_noise(np.concatenate([smooth, irregular]), noise, rng)


# --------------------------------------------------------------------------- realistic galaxies


def _sersic(R: np.ndarray, re: float, n: float) -> np.ndarray:
    """Sérsic profile exp(-b_n((R/re)^(1/n) - 1)), b_n from Ciotti & Bertin's expansion."""
    b = 2 * n - 1 / 3 + 4 / (405 * n) + 46 / (25515 * n**2)
    return np.exp(-b * ((R / re) ** (1 / n) - 1))


def _unit_flux(img: np.ndarray) -> np.ndarray:
    """Scale a light profile to total flux 1, so bulge-to-total ratios are flux ratios."""
    return img / img.sum()


def _ellipse(X, Y, x0, y0, pa, q):
    """Coordinates rotated by position angle ``pa`` and the elliptical radius for axis ratio ``q``."""
    u = (X - x0) * np.cos(pa) + (Y - y0) * np.sin(pa)
    v = -(X - x0) * np.sin(pa) + (Y - y0) * np.cos(pa)
    return u, v / q, np.hypot(u, v / q)


def _galaxy(cls: int, X, Y, rng) -> np.ndarray:
    x0, y0 = rng.normal(0, 0.05, size=2)
    pa = rng.uniform(0, np.pi)
    if cls == 0:  # elliptical: a single de Vaucouleurs-like Sérsic spheroid
        _, _, R = _ellipse(X, Y, x0, y0, pa, rng.uniform(0.5, 1.0))
        img = _sersic(R + 1e-3, rng.uniform(0.12, 0.35), rng.uniform(2.5, 5.0))
    elif cls == 1:  # spiral: exponential disk with logarithmic arms, small bulge
        u, v, R = _ellipse(X, Y, x0, y0, pa, rng.uniform(0.35, 1.0))
        theta = np.arctan2(v, u)
        m = rng.integers(2, 5)
        pitch = np.deg2rad(rng.uniform(10, 30))
        phase = rng.uniform(0, 2 * np.pi)
        arms = 1 + rng.uniform(0.4, 0.9) * np.cos(m * (theta - np.log(R + 1e-3) / np.tan(pitch)) - phase)
        disk = _sersic(R + 1e-3, rng.uniform(0.2, 0.4), 1.0) * arms
        _, _, Rb = _ellipse(X, Y, x0, y0, pa, rng.uniform(0.7, 1.0))
        img = _unit_flux(disk) * (1 - (bt := rng.uniform(0.05, 0.3))) + bt * _unit_flux(
            _sersic(Rb + 1e-3, rng.uniform(0.04, 0.08), 4.0)
        )
    elif cls == 2:  # lenticular: disk + bulge, no arms, random inclination
        _, _, R = _ellipse(X, Y, x0, y0, pa, rng.uniform(0.2, 1.0))
        _, _, Rb = _ellipse(X, Y, x0, y0, pa, rng.uniform(0.7, 1.0))
        bt = rng.uniform(0.3, 0.6)
        img = (1 - bt) * _unit_flux(_sersic(R + 1e-3, rng.uniform(0.15, 0.35), 1.0)) + bt * _unit_flux(
            _sersic(Rb + 1e-3, rng.uniform(0.05, 0.12), 4.0)
        )
    else:  # irregular: random star-forming clumps on a faint, off-centre diffuse component
        _, _, R = _ellipse(X, Y, x0 + rng.normal(0, 0.1), y0 + rng.normal(0, 0.1), pa, rng.uniform(0.4, 1.0))
        img = rng.uniform(0.1, 0.3) * _sersic(R + 1e-3, rng.uniform(0.2, 0.4), 1.0)
        for _ in range(rng.integers(3, 9)):
            cx, cy = rng.normal(0, 0.3, size=2)
            w = rng.uniform(0.03, 0.12)
            img = img + rng.uniform(0.3, 1.0) * np.exp(-((X - cx) ** 2 + (Y - cy) ** 2) / (2 * w**2))
    return img


# --------------------------------------------------------------------------- realistic crystals


def _lattice_vectors(cls: int, rng) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float, float]]]:
    """Primitive vectors (pixels, before rotation) and basis [(f1, f2, intensity)] per crystal system."""
    if cls == 0:  # cubic: a = b, 90°
        a = rng.uniform(6, 10)
        return np.array([a, 0.0]), np.array([0.0, a]), [(0, 0, 1.0)]
    if cls == 1:  # hexagonal: a = b, 120°
        a = rng.uniform(6, 10)
        return np.array([a, 0.0]), a * np.array([np.cos(2 * np.pi / 3), np.sin(2 * np.pi / 3)]), [(0, 0, 1.0)]
    if cls == 2:  # tetragonal, viewed with the c axis in plane: a = b != c, 90°
        a = rng.uniform(5, 8)
        return np.array([a, 0.0]), np.array([0.0, a * rng.uniform(1.5, 2.0)]), [(0, 0, 1.0)]
    # orthorhombic: a != b != c, 90°, base-centred with a second, weaker atom species
    a = rng.uniform(5, 8)
    return np.array([a, 0.0]), np.array([0.0, a * rng.uniform(1.15, 1.45)]), [(0, 0, 1.0), (0.5, 0.5, 0.5)]


def _crystal(cls: int, size: int, rng) -> np.ndarray:
    a1, a2, basis = _lattice_vectors(cls, rng)
    phi = rng.uniform(0, np.pi)
    rot = np.array([[np.cos(phi), -np.sin(phi)], [np.sin(phi), np.cos(phi)]])
    a1, a2 = rot @ a1, rot @ a2
    span = int(np.ceil(1.5 * size / min(np.linalg.norm(a1), np.linalg.norm(a2)))) + 2
    i, j = np.meshgrid(np.arange(-span, span + 1), np.arange(-span, span + 1))
    origin = size / 2 + rng.uniform(-5, 5, size=2)
    jitter = rng.uniform(0.2, 0.6)
    width = rng.uniform(0.8, 1.4)
    vacancy = rng.uniform(0.02, 0.08)
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    img = np.zeros((size, size))
    for f1, f2, amp in basis:
        pos = origin + np.outer((i + f1).ravel(), a1) + np.outer((j + f2).ravel(), a2)
        inside = ((pos > -3) & (pos < size + 3)).all(axis=1)
        pos = pos[inside]
        pos = pos[rng.uniform(size=len(pos)) >= vacancy]
        pos = pos + rng.normal(0, jitter, size=pos.shape)
        d2 = (xx[None] - pos[:, 0, None, None]) ** 2 + (yy[None] - pos[:, 1, None, None]) ** 2
        img += amp * np.exp(-d2 / (2 * width**2)).sum(axis=0)
    return img


# --------------------------------------------------------------------------- public generators


def _finish_realistic(img: np.ndarray, rng, stretch: bool) -> np.ndarray:
    """Random PSF blur, optional asinh display stretch, random brightness, sky noise, clip to [0, 1].

    Galaxy light profiles span orders of magnitude (a Sérsic n = 4 core is ~2000× its
    half-light intensity); astronomers view them through an asinh stretch
    (Lupton et al. 2004), which we apply with a random softening β.
    """
    img = gaussian_filter(img, rng.uniform(0.5, 1.5))
    img = img / img.max()
    if stretch:
        beta = rng.uniform(0.02, 0.1)
        img = np.arcsinh(img / beta) / np.arcsinh(1 / beta)
    img = rng.uniform(0.5, 1.0) * img
    return np.clip(img + rng.normal(0, rng.uniform(0.02, 0.06), size=img.shape), 0.0, 1.0)


def _check(n_samples: int, size: int, preset: str, what: str) -> int:
    if preset not in PRESETS:
        raise DataError(f"{what}: preset {preset!r} is unknown; use one of {PRESETS}.")
    if n_samples % 4 or n_samples < 8:
        raise DataError(f"{what}: n_samples={n_samples} must be a multiple of 4 and at least 8 (4 balanced classes).")
    if size < 16:
        raise DataError(f"{what}: size={size} is too small; use at least 16 pixels.")
    return n_samples // 4


def make_galaxies(
    n_samples: int = 500, size: int = 64, preset: str = "paper", seed: int = 0, noise: float = 0.05
) -> Dataset:
    """Galaxy morphology images ``(n_samples, size, size)``: Elliptical, Spiral, Lenticular, Irregular."""
    k = _check(n_samples, size, preset, "galaxy generator")
    rng = np.random.default_rng(seed)
    if preset == "paper":
        X = _paper_galaxies(k, size, noise, rng)
    else:
        Xg, Yg = _grid(size)
        X = np.stack([_finish_realistic(_galaxy(c, Xg, Yg, rng), rng, stretch=True) for c in range(4) for _ in range(k)])
    return _dataset("galaxy", preset, X, GALAXY_CLASSES, k, dict(n_samples=n_samples, size=size, seed=seed, noise=noise))


def make_crystals(
    n_samples: int = 400, size: int = 64, preset: str = "paper", seed: int = 0, noise: float = 0.05
) -> Dataset:
    """Crystal lattice images ``(n_samples, size, size)``: Cubic, Hexagonal, Tetragonal, Orthorhombic."""
    k = _check(n_samples, size, preset, "crystal generator")
    rng = np.random.default_rng(seed)
    if preset == "paper":
        X = _plus_noise(np.broadcast_to(crystal_templates(size)[:, None], (4, k, size, size)), noise, rng)
    else:
        X = np.stack([_finish_realistic(_crystal(c, size, rng), rng, stretch=False) for c in range(4) for _ in range(k)])
    return _dataset("crystal", preset, X, CRYSTAL_CLASSES, k, dict(n_samples=n_samples, size=size, seed=seed, noise=noise))


def _dataset(kind, preset, X, classes, k, args) -> Dataset:
    y = np.repeat(np.arange(4), k)
    return Dataset(
        name=f"{kind}_{preset}",
        X=X.astype(np.float32),
        y=y,
        class_names=classes,
        sample_id=np.array([f"{kind}_{preset}_{i:04d}" for i in range(len(y))]),
        provenance=dict(
            source=f"synthetic {kind} images, preset {preset!r} (norank.data.synthetic)",
            fetch_call=f"norank.data.synthetic.make_{kind}s(preset={preset!r}, "
            + ", ".join(f"{a}={v!r}" for a, v in args.items())
            + ")",
        ),
    )
