"""Per-sample time of an eval-mode forward pass (``norank.ml.loop.embed``) by batch size.

For each encoder (the official recipe's CNN, ours) and sample shape (LFW 50 x 37, Olivetti
64 x 64, ABIDE 111 x 111), embeds ``--n`` random samples in batches of 16-256 on ``--threads``
threads and prints the best of ``--repeats`` in ms per sample, with the batch size ``embed``
picks by default (``embed_batch_size``) marked ``*``.

    python benchmarks/embed_batch.py --threads 1
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from norank.ml.encoders import build_encoder
from norank.ml.loop import embed, embed_batch_size

SHAPES = {"lfw": (50, 37), "olivetti": (64, 64), "abide": (111, 111)}
BATCHES = (16, 32, 64, 128, 256)


def per_sample_ms(model: torch.nn.Module, X: np.ndarray, batch_size: int, repeats: int) -> float:
    embed(model, X[:batch_size], batch_size=batch_size)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        embed(model, X, batch_size=batch_size)
        best = min(best, time.perf_counter() - t)
    return 1000 * best / len(X)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"ms per sample, best of {args.repeats}, {args.n} samples, {args.threads} thread(s); * = embed's default")
    print(f"{'encoder':<13} {'dataset':<9}" + "".join(f"{b:>9}" for b in BATCHES))
    for kind in ("official_cnn", "cnn"):
        for name, shape in SHAPES.items():
            model = build_encoder(kind, shape, dim=128 if kind == "official_cnn" else 64, dropout=0.1)
            X = np.random.default_rng(0).standard_normal((args.n, *shape), dtype=np.float32)
            default = embed_batch_size(shape)
            cells = [f"{per_sample_ms(model, X, b, args.repeats):.2f}" + ("*" if b == default else " ") for b in BATCHES]
            print(f"{kind:<13} {name:<9}" + "".join(f"{c:>9}" for c in cells) + f"   (default {default})")


if __name__ == "__main__":
    main()
