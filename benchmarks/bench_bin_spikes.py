"""Benchmark: ``neurokit.preprocess.bin_spikes`` against its peers, same data, same run.

500 units x 3600 s of ~5 Hz Poisson spikes (seeded), counted in 10 ms bins by

* neurokit ``bin_spikes`` (int32 counts, the default);
* a straightforward per-unit ``np.histogram`` loop;
* pynapple ``TsGroup.count(0.01, ep)`` (its default int64 counts, and with ``dtype=np.int32``
  for a like-for-like output), skipped when pynapple is not installed.

Each is timed best of 3; the counts of all must be identical. Run::

    python benchmarks/bench_bin_spikes.py
"""

from __future__ import annotations

import os

os.environ["OMP_NUM_THREADS"] = "1"

import importlib.util  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from neurokit.preprocess import bin_spikes  # noqa: E402

N_UNITS = 500
DURATION = 3600.0  # s
RATE = 5.0  # Hz
BIN_SIZE = 0.01  # s
REPEATS = 3
SEED = 0


def simulate() -> tuple[list[np.ndarray], xr.Dataset]:
    """Poisson spike trains per unit and the same spikes as a neurokit units Dataset."""
    rng = np.random.default_rng(SEED)
    n_spikes = rng.poisson(RATE * DURATION, N_UNITS)
    trains = [np.sort(rng.uniform(0.0, DURATION, n)) for n in n_spikes]
    units = xr.Dataset(
        {"spike_times": ("spike", np.concatenate(trains), {"units": "s"})},
        coords={
            "spike_unit": ("spike", np.repeat(np.arange(N_UNITS), n_spikes)),
            "unit": np.arange(N_UNITS),
        },
    )
    return trains, units


def best_of(fn: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    """Best wall time (s) of :data:`REPEATS` calls, and the last result."""
    best = np.inf
    result = None
    for _ in range(REPEATS):
        result = None  # free the previous output before timing the next call
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def histogram_loop(trains: list[np.ndarray]) -> np.ndarray:
    """Per-unit ``np.histogram`` over the same edges as ``bin_spikes``."""
    n_bins = round(DURATION / BIN_SIZE)
    edges = np.arange(n_bins + 1) * BIN_SIZE
    out = np.zeros((n_bins, len(trains)), dtype=np.int32)
    for i, train in enumerate(trains):
        out[:, i] = np.histogram(train, edges)[0]
    return out


def main() -> None:
    trains, units = simulate()
    n_spikes = units.sizes["spike"]
    n_bins = round(DURATION / BIN_SIZE)
    print(
        f"{N_UNITS} units x {DURATION:.0f} s, {n_spikes:,} spikes, {BIN_SIZE * 1e3:.0f} ms bins "
        f"-> ({n_bins:,} x {N_UNITS}) counts; best of {REPEATS}; "
        f"numpy {np.__version__}, {platform.machine()}, OMP_NUM_THREADS=1"
    )

    rows: list[tuple[str, float]] = []
    t_nk, nk_counts = best_of(lambda: bin_spikes(units, BIN_SIZE, start=0.0, stop=DURATION).values)
    rows.append(("neurokit bin_spikes (int32)", t_nk))

    t_hist, hist_counts = best_of(lambda: histogram_loop(trains))
    rows.append(("np.histogram per-unit loop", t_hist))
    agree = {"np.histogram loop": np.array_equal(nk_counts, hist_counts)}
    del hist_counts

    if importlib.util.find_spec("pynapple") is None:
        print("pynapple not installed")
    else:
        import pynapple as nap

        group = nap.TsGroup({i: nap.Ts(t=train) for i, train in enumerate(trains)})
        ep = nap.IntervalSet(start=0.0, end=DURATION)
        group.count(BIN_SIZE, ep)  # numba compiles on the first call: keep it out of the timing
        t_nap, nap_counts = best_of(lambda: group.count(BIN_SIZE, ep).values)
        rows.append(("pynapple TsGroup.count (int64)", t_nap))
        agree["pynapple"] = nap_counts.shape == nk_counts.shape and np.array_equal(
            nk_counts, nap_counts
        )
        del nap_counts
        t_nap32, nap32_counts = best_of(lambda: group.count(BIN_SIZE, ep, dtype=np.int32).values)
        rows.append(("pynapple TsGroup.count (int32)", t_nap32))
        agree["pynapple int32"] = np.array_equal(nk_counts, nap32_counts)
        del nap32_counts

    print()
    print(f"{'method':34s} {'best (s)':>9s} {'ratio peer/neurokit':>20s}")
    for name, seconds in rows:
        print(f"{name:34s} {seconds:9.3f} {seconds / t_nk:20.2f}")
    print()
    for name, same in agree.items():
        print(f"counts identical to {name}: {same}")
    if not all(agree.values()):
        raise SystemExit("counts disagree")


if __name__ == "__main__":
    main()
