"""Open a large simulated ophys NWB lazily and pull one 60 s window, versus reading it whole.

Side by side, same file, same run:

* neurokit ``read_nwb(lazy=True)`` then ``.sel(time=window).values`` (dask, file reopened per chunk)
* neurokit ``read_nwb(lazy=False)`` (everything read, conversion applied)
* pynwb directly: ``NWBHDF5IO`` open, slice ``data[i0:i1]``, apply conversion/offset by hand

Run: ``.venv/bin/python benchmarks/bench_lazy_nwb.py [--rois 400 --minutes 30]``
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from neurokit.datasets import simulate_ophys_session  # noqa: E402
from neurokit.io import read_nwb  # noqa: E402

SERIES = "processing/ophys/Fluorescence/RoiResponseSeries"


def best_of(n: int, fn):
    times, result = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rois", type=int, default=400)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="nk-bench-"))
    t0 = time.perf_counter()
    path, _ = simulate_ophys_session(
        folder / "big_ophys.nwb", n_rois=args.rois, duration=args.minutes * 60.0, seed=0
    )
    size_mb = path.stat().st_size / 1e6
    print(
        f"simulated {args.rois} ROIs x {args.minutes:.0f} min at 30 Hz: {size_mb:.0f} MB "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    window = (600.0, 660.0) if args.minutes * 60 > 660 else (0.0, 60.0)

    def lazy_window():
        tree = read_nwb(path, lazy=True)
        return tree[SERIES]["data"].sel(time=slice(window[0], window[1] - 1e-9)).values

    def whole():
        tree = read_nwb(path, lazy=False)
        return tree[SERIES]["data"].values

    def pynwb_window():
        from pynwb import NWBHDF5IO

        with NWBHDF5IO(path, "r") as io:
            series = io.read().processing["ophys"]["Fluorescence"]["RoiResponseSeries"]
            rate, t_start = series.rate, series.starting_time or 0.0
            i0 = int(np.ceil((window[0] - t_start) * rate - 1e-9))
            i1 = int(np.ceil((window[1] - t_start) * rate - 1e-9))
            raw = series.data[i0:i1]
            return raw * series.conversion + series.offset

    t_lazy, win = best_of(args.repeats, lazy_window)
    t_pynwb, win_ref = best_of(args.repeats, pynwb_window)
    t_whole, full = best_of(args.repeats, whole)
    np.testing.assert_allclose(win, win_ref, rtol=1e-12)
    i0 = int(round(window[0] * 30.0))
    np.testing.assert_allclose(win, full[i0 : i0 + len(win)], rtol=1e-12)
    print(f"window {window} s: {win.shape[0]} frames x {win.shape[1]} ROIs; values agree")
    print(f"{'method':<46}{'time (s)':>10}{'ratio vs lazy':>15}")
    for name, t in [
        ("neurokit read_nwb(lazy=True) + 60 s window", t_lazy),
        ("pynwb open + slice + conversion (peer)", t_pynwb),
        ("neurokit read_nwb(lazy=False), whole file", t_whole),
    ]:
        print(f"{name:<46}{t:>10.3f}{t / t_lazy:>15.1f}")


if __name__ == "__main__":
    main()
