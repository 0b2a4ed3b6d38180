"""Time and peak memory of the full metric suite at n = 1 000, 10 000, 100 000 (synthetic embeddings).

Synthetic data: C = 10 Gaussian classes in a 64-d embedding and a 256-d "input" space. Each
size runs in a fresh process so its peak RSS (ru_maxrss) is its own. Metrics with n x n
distances (silhouette, trustworthiness / continuity, separation ratio) use a seeded subset of
`max_n` samples above that size; retrieval (P@1, MAP@R, k-NN) is exact, in chunks.

    python benchmarks/metrics_scale.py [--sizes 1000 10000 100000] [--max-n 5000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def run_one(n: int, max_n: int) -> dict:
    import numpy as np

    from norank.metrics import evaluate_embedding, retrieval_metrics

    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, n)
    centres = rng.normal(size=(10, 64))
    Z = (centres[y] + rng.normal(size=(n, 64))).astype(np.float32)
    X = (np.concatenate([Z, rng.normal(size=(n, 192)).astype(np.float32)], axis=1)).reshape(n, 16, 16)
    t = time.perf_counter()
    out = evaluate_embedding(X, Z, y, seed=0, max_n=max_n)
    t_suite = time.perf_counter() - t
    t = time.perf_counter()
    retrieval_metrics(Z, y)
    t_retr = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(n=n, suite_s=t_suite, retrieval_s=t_retr, peak_rss_mb=rss_mb, subsampled=out["subsampled"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    ap.add_argument("--max-n", type=int, default=5000)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.max_n)))
        return
    print(f"{'n':>8} {'suite s':>9} {'retrieval s':>12} {'peak RSS MB':>12} {'subsampled':>11}")
    for n in args.sizes:
        res = subprocess.run([sys.executable, __file__, "--one", str(n), "--max-n", str(args.max_n)],
                             capture_output=True, text=True, check=True)
        r = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"{r['n']:>8} {r['suite_s']:>9.1f} {r['retrieval_s']:>12.1f} {r['peak_rss_mb']:>12.0f} {str(r['subsampled']):>11}",
              flush=True)


if __name__ == "__main__":
    main()
