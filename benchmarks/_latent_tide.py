"""TiDe-SwapVAE part of ``bench_latent.py``: time per epoch and peak memory, and how they grow
with sequence length.

Interface (what ``benchmarks/bench_latent.py`` calls)::

    bench_tide(n_trials=100, n_time=1000, n_neurons=200, *, seq_lens=(125, 250, 500, 1000),
               batch_size=16, epochs=2, models=("tide", "tide_nostate", "swapvae"),
               crop_len=None, seed=0, verbose=True) -> list[dict]

    rows: one dict per (model, sequence length):
          {"model": str, "n_trials": int, "n_time": int, "n_neurons": int,
           "batch_size": int, "epoch_s": float, "peak_rss_mb": float, "rss_before_mb": float,
           "train_peak_delta_mb": float, "data_mb": float, "threads": 1}

What is measured, per row, in a fresh subprocess on one torch thread:

* data: :func:`neurokit.datasets.content_style.simulate_content_style` with ``n_trials``
  trials of ``n_time`` bins (the sequence length of the row) and ``n_neurons`` units;
* ``epoch_s``: wall time of the *last* of ``epochs`` training epochs through the estimator's
  normal path (the Lightning core: run folder in a temporary directory, CSV log, one
  checkpoint per epoch), from ``on_train_epoch_start`` to ``on_train_epoch_end``;
* ``peak_rss_mb``: the subprocess' peak resident memory during training (``VmHWM``, reset
  after the data are simulated; ``ru_maxrss`` where the reset is not allowed) — the Python
  interpreter, torch and the counts included; ``rss_before_mb``: resident memory just before
  training; ``train_peak_delta_mb``: their difference, what training adds (``data_mb``: the
  counts as float32);
* models: ``tide`` (TiDe-SwapVAE, state variables on: a Python loop over time with backprop
  through time, so time and activation memory grow linearly with the sequence length),
  ``tide_nostate`` (the ablation: no recurrence, every bin in parallel) and ``swapvae``
  (Swap-VAE on single bins).

``crop_len=None`` (default here) trains on windows of three quarters of each sequence so the
scaling with length is visible; the estimator's default (``crop_len=32``) trains on random
32-bin windows, whose cost per epoch does not grow with the trial length.

Run on its own::

    python benchmarks/_latent_tide.py [--quick]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import gc  # noqa: E402
from collections.abc import Sequence  # noqa: E402

from _isolated_rows import main, run_isolated  # noqa: E402

MODELS = ("tide", "tide_nostate", "swapvae")


def _rss_mb(field: str) -> float:
    """``VmRSS`` (current) or ``VmHWM`` (peak) of this process from /proc, in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return float(line.split()[1]) / 1024.0
    return float("nan")


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter (``VmHWM``); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _one(cfg: dict) -> dict:
    """Train one configuration in this process; return its row."""
    import resource
    import time

    import lightning as L
    import torch

    from neurokit.datasets.content_style import simulate_content_style
    from neurokit.latent.swapvae import SwapVAE
    from neurokit.latent.tide_swapvae import TiDeSwapVAE

    torch.set_num_threads(1)
    ds = simulate_content_style(n_trials=cfg["n_trials"], n_time=cfg["n_time"],
                                n_neurons=cfg["n_neurons"], seed=cfg["seed"])
    counts = torch.from_numpy(ds["counts"].values.astype("float32"))
    groups = torch.zeros(cfg["n_trials"], dtype=torch.long)
    del ds
    gc.collect()
    before = _rss_mb("VmRSS")
    reset = _reset_peak()  # peak RSS from here on: training only, not the simulation

    class EpochTimer(L.Callback):
        def __init__(self) -> None:
            self.times: list[float] = []

        def on_train_epoch_start(self, trainer, module) -> None:
            self.t0 = time.perf_counter()

        def on_train_epoch_end(self, trainer, module) -> None:
            self.times.append(time.perf_counter() - self.t0)

    common = {"max_epochs": cfg["epochs"], "batch_size": cfg["batch_size"],
              "seed": cfg["seed"], "enable_progress_bar": False}
    if cfg["model"] == "swapvae":
        est = SwapVAE(**common)
    else:
        est = TiDeSwapVAE(use_state=cfg["model"] == "tide", crop_len=cfg["crop_len"],
                          max_len=max(4096, cfg["n_time"]), **common)
        est.sampling_rate_ = 20.0
    est.n_units_ = cfg["n_neurons"]
    timer = EpochTimer()
    # the estimator's own training path (what fit() runs after checking the input)
    est._train([counts, groups], callbacks=[timer])
    peak = (_rss_mb("VmHWM") if reset
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
    return {"model": cfg["model"], "n_trials": cfg["n_trials"], "n_time": cfg["n_time"],
            "n_neurons": cfg["n_neurons"], "batch_size": cfg["batch_size"],
            "epoch_s": timer.times[-1], "peak_rss_mb": peak, "rss_before_mb": before,
            "train_peak_delta_mb": peak - before,
            "data_mb": counts.numel() * 4 / 2 ** 20, "threads": torch.get_num_threads()}


def bench_tide(n_trials: int = 100, n_time: int = 1000, n_neurons: int = 200, *,
               seq_lens: Sequence[int] = (125, 250, 500, 1000), batch_size: int = 16,
               epochs: int = 2, models: Sequence[str] = MODELS, crop_len: int | None = None,
               seed: int = 0, verbose: bool = True) -> list[dict]:
    """Time per epoch and peak memory of TiDe-SwapVAE, its ablation and Swap-VAE.

    Parameters
    ----------
    n_trials, n_time, n_neurons : int
        The realistic size (default 100 trials x 1000 bins x 200 neurons); ``n_time`` is
        added to ``seq_lens`` if missing.
    seq_lens : sequence of int
        Sequence lengths (bins per trial) of the scaling rows.
    batch_size, epochs : int
        Trials per batch; epochs per run (the last one is timed).
    models : sequence of {"tide", "tide_nostate", "swapvae"}
    crop_len : int or None
        TiDe-SwapVAE's training window (None: three quarters of each sequence).
    seed : int
    verbose : bool
        Print a table.

    Returns
    -------
    list of dict
        One row per (model, sequence length), see the module docstring.
    """
    rows = []
    lens = sorted({*map(int, seq_lens), int(n_time)})
    for model in models:
        if model not in MODELS:
            raise ValueError(f"unknown model {model!r}; one of {MODELS}")
        for length in lens:
            cfg = {"model": model, "n_trials": int(n_trials), "n_time": length,
                   "n_neurons": int(n_neurons), "batch_size": int(batch_size),
                   "epochs": int(epochs), "crop_len": crop_len, "seed": int(seed)}
            row = run_isolated(__file__, cfg)
            rows.append(row)
            if verbose:
                print(f"{row['model']:>13} T={row['n_time']:>5}  {row['epoch_s']:8.2f} s/epoch"
                      f"  peak RSS {row['peak_rss_mb']:7.0f} MB"
                      f" (training +{row['train_peak_delta_mb']:.0f} MB)", flush=True)
    if verbose:
        for model in models:
            sub = [r for r in rows if r["model"] == model]
            if len(sub) > 1:
                a, b = sub[0], sub[-1]
                ratio = b["epoch_s"] / a["epoch_s"]
                print(f"{model}: x{b['n_time'] / a['n_time']:.0f} length -> "
                      f"x{ratio:.2f} time per epoch")
    return rows


if __name__ == "__main__":
    raise SystemExit(main(__doc__, _one, bench_tide,
                          lambda: bench_tide(
                              n_trials=20, n_time=200, n_neurons=50, seq_lens=(50, 100, 200),
                              epochs=1),
                          "20 trials x 50 neurons, T <= 200"))
