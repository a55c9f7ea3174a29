"""Benchmark: time per epoch and peak memory of neurokit's latent variable models.

Runs, single-threaded, the three model benchmarks side by side at the issue's realistic size
(100 trials x 1000 time bins x 200 neurons unless a section says otherwise) and their growth:

* MM-GPVAE (:mod:`_latent_mmgpvae`): time per epoch as the number of time points grows. The
  GP prior is diagonal in the Fourier domain, so its cost is O(T log T) (FFTs) plus O(T K) for
  the K retained frequencies; an exact time-domain GP prior would be O(T^3).
* TiDe-SwapVAE, its no-state ablation and Swap-VAE (:mod:`_latent_tide`): growth with the
  sequence length (the recurrent state makes it linear in T).
* Neuroformer (:mod:`_latent_neuroformer`): growth with the length of the past window
  (attention: quadratic in the number of tokens).

Each row runs in a fresh subprocess so peak RSS is the model's own. Run from the repository
root::

    python benchmarks/bench_latent.py            # realistic sizes (tens of minutes on 2 cores)
    python benchmarks/bench_latent.py --quick    # small sizes, a smoke test
    python benchmarks/bench_latent.py --only tide,neuroformer --json out.json
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

SECTIONS = ("mmgpvae", "tide", "neuroformer")


def run(sections: tuple[str, ...] = SECTIONS, quick: bool = False) -> dict[str, list[dict]]:
    """Run the chosen sections; return their rows by section."""
    rows: dict[str, list[dict]] = {}
    if "mmgpvae" in sections:
        from _latent_mmgpvae import bench_mmgpvae

        print("\n== MM-GPVAE: time per epoch vs number of time points ==", flush=True)
        rows["mmgpvae"] = (bench_mmgpvae(n_trials=20, n_time=200, n_neurons=50,
                                         n_times=(100, 200, 400)) if quick
                           else bench_mmgpvae())
    if "tide" in sections:
        from _latent_tide import bench_tide

        print("\n== TiDe-SwapVAE / ablation / Swap-VAE: time per epoch vs sequence length ==",
              flush=True)
        rows["tide"] = (bench_tide(n_trials=20, n_time=200, n_neurons=50,
                                   seq_lens=(50, 100, 200), epochs=1) if quick
                        else bench_tide())
    if "neuroformer" in sections:
        from _latent_neuroformer import bench_neuroformer

        print("\n== Neuroformer: time per epoch vs past-window length ==", flush=True)
        rows["neuroformer"] = (bench_neuroformer(n_trials=10, n_time=500, n_neurons=50,
                                                 contexts=(10, 20, 40)) if quick
                               else bench_neuroformer())
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help=f"comma-separated sections out of {','.join(SECTIONS)}")
    ap.add_argument("--json", help="write all rows to this file")
    args = ap.parse_args()
    sections = tuple(s.strip() for s in args.only.split(",") if s.strip())
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    rows = run(sections, quick=args.quick)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
