"""Benchmark: neurokit's multi-step LIF networks against SpikingJelly, snnTorch and Norse.

Runs the shared peer harness ``../shared/bench/snn_bench.py`` (beside the repository) with a
neurokit plugin (:mod:`snn_plugin`, same network and neuron settings as the harness'
reference), single-threaded, on both workloads (``mlp``: SHD-sized MLP; ``conv``: N-MNIST-sized
conv net). First the harness' ``--check`` verifies that neurokit's spikes and gradients equal
its reference, then every implementation is timed in its own subprocess on the same training
step (forward + CE loss + backward + SGD). Printed: the harness table, then per workload the
ratio of neurokit's training time to the fastest peer and to the dense-op floor (``ann_floor``:
the same Linear/Conv stack with identity neurons), and peak memory.

Run::

    python benchmarks/bench_snn.py                 # 2 interleaved rounds, best of each kept
    python benchmarks/bench_snn.py --rounds 3 --iters 20 --torch   # also the pure-torch kernel

``neurokit`` is the default kernel (``backend="auto"``: the C++ kernel, built in about a second
on first use, wherever a compiler is found); ``--torch`` adds the pure-torch fallback.

Two floors are timed: the harness' ``ann_floor`` (its own Linear/Conv stack, identity neurons)
and ``floor_neurokit_layout`` (neurokit's :class:`TimeDistributed` blocks, identity neurons).

tcmalloc is preloaded into the workers when ``libtcmalloc_minimal.so.4`` is installed (the
harness README: glibc malloc costs 2-3x on the conv workload).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
HARNESS = HERE.parent.parent / "shared" / "bench" / "snn_bench.py"
PEERS = ["spikingjelly", "snntorch", "norse"]
WORKLOADS = ["mlp", "conv"]


def find_tcmalloc() -> str:
    """Path of libtcmalloc_minimal.so.4 from the linker cache, or '' when not installed."""
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    except OSError:
        return ""
    for line in out.splitlines():
        if "libtcmalloc_minimal.so.4 " in line:
            return line.rsplit(maxsplit=1)[-1]
    return ""


def _memory(row: dict) -> str:
    return f"peak RSS {row['peak_rss_mb']:.0f} MB (step +{row['step_peak_delta_mb']:.0f} MB)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--iters", type=int, default=15)
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--torch", action="store_true",
                    help="also time the pure-torch fallback kernel (neurokit_torch)")
    ap.add_argument("--no-check", action="store_true", help="skip the equivalence check")
    args = ap.parse_args()
    if not HARNESS.is_file():
        print(f"bench_snn: the peer harness is missing: expected {HARNESS} "
              "(the shared bench folder beside the repository)", file=sys.stderr)
        return 2
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    plugins = ["--plugin", "neurokit=snn_plugin:build_model",
               "--plugin", "floor_neurokit_layout=snn_plugin:build_dense_floor"]
    ours = ["neurokit"]
    if args.torch:
        plugins += ["--plugin", "neurokit_torch=snn_plugin:build_model_torch"]
        ours.append("neurokit_torch")
    base = [sys.executable, str(HARNESS), "--threads", "1", "--workloads", args.workloads,
            *plugins]
    if not args.no_check:
        print("## equivalence check against the harness reference (torch_ref)", flush=True)
        subprocess.run([*base, "--check", "--libs", ",".join([*ours, "spikingjelly"])],
                       env=env, check=True)
    preload = find_tcmalloc()
    allocator = f"tcmalloc {preload}" if preload else "glibc (tcmalloc not found)"
    print(f"## timing: allocator {allocator}", flush=True)
    libs = [*ours, *PEERS, "ann_floor", "floor_neurokit_layout"]
    with tempfile.TemporaryDirectory() as tmp:
        out_md, out_json = Path(tmp) / "results.md", Path(tmp) / "results.json"
        cmd = [*base, "--libs", ",".join(libs), "--rounds", str(args.rounds), "--iters",
               str(args.iters), "--out", str(out_md), "--json-out", str(out_json)]
        if preload:
            cmd += ["--preload", preload]
        subprocess.run(cmd, env=env, check=True)
        print(out_md.read_text())
        results = json.loads(out_json.read_text())["results"]
    print("## summary (train ms = median of the best round; ratios < 1 mean neurokit is faster)")
    for wl in args.workloads.split(","):
        rows = {r["lib"]: r for r in results if r["workload"] == wl and "error" not in r}
        peers = {k: rows[k]["train_ms_median"] for k in PEERS if k in rows}
        floor = rows.get("ann_floor", {}).get("train_ms_median")
        own_floor = rows.get("floor_neurokit_layout", {}).get("train_ms_median")
        for name in ours:
            if name not in rows:
                print(f"{wl:5s} {name}: FAILED")
                continue
            ms = rows[name]["train_ms_median"]
            line = f"{wl:5s} {name:13s} {ms:8.2f} ms  " + _memory(rows[name])
            if peers:
                best = min(peers, key=peers.get)
                line += f"  | fastest peer {best} {peers[best]:.2f} ms: speed-up " \
                        f"{peers[best] / ms:.2f}x"
            if floor:
                line += f"  | floor {floor:.2f} ms: {ms / floor:.2f}x of floor"
            if own_floor:
                line += f" (floor from neurokit's blocks {own_floor:.2f} ms: {ms / own_floor:.2f}x)"
            print(line)
        for k in PEERS:
            if k in rows:
                print(f"{wl:5s} {k:13s} {rows[k]['train_ms_median']:8.2f} ms  " + _memory(rows[k]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
