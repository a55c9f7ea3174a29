"""Benchmark: neurokit.similarity against numpy, scipy, rsatoolbox (and netrep when installed).

Runs the shared peer harness ``../shared/bench/rsa_bench.py`` (beside the repository) in this
process, single-threaded (``OMP_NUM_THREADS=1`` and friends set before numpy loads,
``torch.set_num_threads(1)``), with the neurokit plugin :mod:`similarity_plugin`. Workloads
(harness defaults): correlation RDM of 1000 stimuli x 5000 features; Kendall tau-a and
Spearman between 50 RDMs pairwise (1000 stimuli, 499,500 entries each); linear CKA and
debiased linear CKA of 1000 x 5000 vs 1000 x 2000. The harness checks every result against its
numpy reference (``max|diff|``).

Printed: the harness table, then per workload neurokit's speed-up over rsatoolbox and over
numpy, whether each goal of the issue is met (tau-a >= 20x and correlation RDM >= 10x faster
than rsatoolbox; CKA no slower than the plain numpy Gram-matrix implementation), and the peak
memory (tracemalloc) of neurokit's pairwise comparisons beside the size of the RDM set, to show
it stays O(m n^2) — a few vectors of ranks — not O(n^2) per pair.

Run from the repository root (rsatoolbox's tau-a takes ~10 minutes of the ~15)::

    python benchmarks/bench_similarity.py
    python benchmarks/bench_similarity.py --quick          # small sizes, a smoke test
    python benchmarks/bench_similarity.py --backends numpy,rsatoolbox --json out.json

Extra arguments go to the harness (``--backends``, ``--ops``, ``--quick``, ``--json``, ...).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import sys  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
HARNESS = HERE.parent.parent / "shared" / "bench" / "rsa_bench.py"
PLUGIN = HERE / "similarity_plugin.py"
GOALS = {  # op: (peer, minimum speed-up)
    "rdm_correlation": ("rsatoolbox", 10.0),
    "compare_tau_a": ("rsatoolbox", 20.0),
    "linear_cka": ("numpy", 1.0),
}


def _load_harness():
    spec = importlib.util.spec_from_file_location("rsa_bench", HARNESS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best(results: list[dict]) -> dict[tuple[str, str], float]:
    return {(r["op"], r["backend"]): r["best_s"] for r in results if "best_s" in r}


def _peak_memory_mb(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="numpy,scipy,rsatoolbox,netrep")
    args, rest = ap.parse_known_args()
    if not HARNESS.is_file():
        print(f"bench_similarity: the peer harness is missing: expected {HARNESS}",
              file=sys.stderr)
        return 2
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    sys.path.insert(0, str(HERE.parent))
    harness = _load_harness()
    results = harness.main(["--backends", args.backends, "--plugin", str(PLUGIN), *rest])
    best = _best(results)
    print("\n# neurokit speed-up (best time of the peer / best time of neurokit)")
    for op in harness.OPS:
        ours = best.get((op, "neurokit"))
        if ours is None:
            continue
        parts = []
        for peer in ("rsatoolbox", "numpy", "scipy", "netrep"):
            if (op, peer) in best:
                parts.append(f"vs {peer} {best[(op, peer)] / ours:7.1f}x")
        goal = ""
        if op in GOALS:
            peer, need = GOALS[op]
            if (op, peer) in best:
                ratio = best[(op, peer)] / ours
                goal = f"  goal >= {need:g}x vs {peer}: {'MET' if ratio >= need else 'NOT MET'}"
        print(f"{op:22s} neurokit {ours:8.3f}s  " + "  ".join(parts) + goal)
    # memory of the pairwise comparisons: O(m d) ranks, not O(d) per pair
    from similarity_plugin import compare_spearman, compare_tau_a

    quick = "--quick" in rest
    n, m = (300, 10) if quick else (1000, 50)
    V = np.random.default_rng(0).random((m, n * (n - 1) // 2))
    print(f"\n# peak memory (tracemalloc) of neurokit on {m} RDMs x {V.shape[1]} entries "
          f"(the RDM set itself: {V.nbytes / 2**20:.0f} MB; one RDM {V[0].nbytes / 2**20:.1f} MB)")
    for name, fn in (("compare_tau_a", compare_tau_a), ("compare_spearman", compare_spearman)):
        print(f"{name:22s} peak {_peak_memory_mb(lambda fn=fn: fn(V)):8.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
