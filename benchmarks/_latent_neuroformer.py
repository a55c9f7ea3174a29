"""Neuroformer part of ``bench_latent.py``: time per epoch and peak memory at a realistic size,
and how they grow with the length of the past window (the context).

Interface (what ``benchmarks/bench_latent.py`` calls)::

    bench_neuroformer(n_trials=100, n_time=1000, n_neurons=200, *, window=10,
                      contexts=(10, 20, 40, 80), d_model=64, n_heads=4, batch_size=32,
                      epochs=1, seed=0, verbose=True) -> list[dict]

    rows: one dict per context length:
          {"model": "neuroformer", "n_trials": int, "n_time": int, "n_neurons": int,
           "window": int, "context": int, "n_windows": int, "max_tokens": int,
           "max_context_tokens": int, "mean_tokens": float, "mean_context_tokens": float,
           "batch_size": int, "epoch_s": float, "peak_rss_mb": float, "threads": 1}

What is measured, per row, in a fresh subprocess on one torch thread:

* data: :func:`neurokit.datasets.spiking_circuit.simulate_spiking_circuit` with
  ``n_neurons`` units (``n_neurons // 20`` hubs, 5 ms bins; at 200 neurons about 15 spikes
  per bin, 15 spikes/s per neuron), cut into ``n_trials`` trials of ``n_time`` bins;
* windows: ``window`` bins (50 ms at the default: about 155 spike tokens) predicted from a
  past window of ``context`` bins (about 15 tokens per bin of context), non-overlapping, so an
  epoch holds ``n_trials · floor((n_time - context) / window)`` windows;
* ``epoch_s``: wall time of the *last* of ``epochs`` training epochs through the estimator's
  normal path (the Lightning core, temporary run folder, CSV log, one checkpoint per epoch),
  with a stimulus (4 features, patched 5 bins per token) and the contrastive loss on, the
  default architecture (``d_model=64``, 4 heads, one block per stage, past tokens fed to the
  cross-attention without a self-attention encoder);
* ``peak_rss_mb``: the subprocess' peak resident memory after training (interpreter, torch and
  data included).

Cost per window: the current tokens' causal self-attention is O(T²) and the cross-attention
to the past O(T·P) for ``T`` current and ``P`` past tokens (``n_history_layers > 0`` would add
O(P²)); ``P`` grows linearly with ``context``, the rest (MLPs, the current window, the
stimulus) does not, so the time per epoch grows sub-linearly with the context. Sequences are
padded to the longest window of each batch.

Measured (one loaded CPU core shared with other jobs, torch 2.13, 10 trials x 1000 bins x 200
neurons, so 990-920 windows; a 100-trial epoch is 10 times longer):

=========  ===========  ==============  ===========  =============
context    past tokens  current tokens  s / epoch    peak RSS (MB)
=========  ===========  ==============  ===========  =============
10 bins    155          155             77           1762
20 bins    309          155             83           1677
40 bins    616          155             84           2116
80 bins    1231         155             116          2612
=========  ===========  ==============  ===========  =============

Run on its own::

    python benchmarks/_latent_neuroformer.py [--quick] [--json FILE]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from collections.abc import Sequence  # noqa: E402

from _isolated_rows import main, run_isolated  # noqa: E402


def _one(cfg: dict) -> dict:
    """Train one configuration in this process; return its row."""
    import resource
    import time

    import lightning as L
    import numpy as np
    import torch

    from neurokit.datasets.spiking_circuit import simulate_spiking_circuit
    from neurokit.latent.neuroformer import Neuroformer

    torch.set_num_threads(1)
    dt = 0.005
    n_bins = cfg["n_trials"] * cfg["n_time"]
    ds = simulate_spiking_circuit(n_neurons=cfg["n_neurons"], n_hubs=max(1, cfg["n_neurons"] // 20),
                                  duration_s=n_bins * dt, dt=dt, seed=cfg["seed"])
    spikes = ds["spikes"].values.reshape(cfg["n_trials"], cfg["n_time"], -1)
    stim = ds["stimulus"].values.reshape(cfg["n_trials"], cfg["n_time"], -1)

    class EpochTimer(L.Callback):
        def __init__(self) -> None:
            self.times: list[float] = []

        def on_train_epoch_start(self, trainer, module) -> None:
            self.t0 = time.perf_counter()

        def on_train_epoch_end(self, trainer, module) -> None:
            self.times.append(time.perf_counter() - self.t0)

    est = Neuroformer(window=cfg["window"], context=cfg["context"], stimulus_patch=5,
                      d_model=cfg["d_model"], n_heads=cfg["n_heads"],
                      batch_size=cfg["batch_size"], max_epochs=cfg["epochs"], seed=cfg["seed"],
                      enable_progress_bar=False)
    # what fit() runs, with a timing callback
    est._check_params()
    segs, s_segs, _ = est._segments(spikes, stim, None, fitting=True)
    est._set_data_attrs(spikes, segs, s_segs, None)
    starts = est._starts(segs)
    est._set_lengths(segs, starts)
    est.behaviour_dim_, est.behaviour_task_ = 0, "regression"
    est.behaviour_mean_ = est.behaviour_std_ = est.behaviour_classes_ = None
    tensors, info = est._tensors(segs, s_segs, None, starts)
    timer = EpochTimer()
    est._train(tensors, callbacks=[timer])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    pad = est.n_units_
    return {"model": "neuroformer", "n_trials": cfg["n_trials"], "n_time": cfg["n_time"],
            "n_neurons": cfg["n_neurons"], "window": cfg["window"], "context": cfg["context"],
            "n_windows": int(len(tensors[0])), "max_tokens": int(est.max_tokens_),
            "max_context_tokens": int(est.max_context_tokens_),
            "mean_tokens": float(np.mean(info["n_spikes"]) + 1),
            "mean_context_tokens": float((tensors[4] != pad).sum(1).float().mean()),
            "batch_size": cfg["batch_size"], "epoch_s": timer.times[-1], "peak_rss_mb": peak,
            "threads": torch.get_num_threads()}


def bench_neuroformer(n_trials: int = 100, n_time: int = 1000, n_neurons: int = 200, *,
                      window: int = 10, contexts: Sequence[int] = (10, 20, 40, 80),
                      d_model: int = 64, n_heads: int = 4, batch_size: int = 32,
                      epochs: int = 1, seed: int = 0, verbose: bool = True) -> list[dict]:
    """Time per epoch and peak memory of Neuroformer for growing past windows.

    Parameters
    ----------
    n_trials, n_time, n_neurons : int
        The realistic size (default 100 trials x 1000 bins of 5 ms x 200 neurons).
    window : int
        Bins of the current window (multiple of 5).
    contexts : sequence of int
        Bins of the past window, one row each (multiples of 5).
    d_model, n_heads, batch_size, epochs : int
        Model width and heads; windows per batch; epochs per run (the last one is timed).
    seed : int
    verbose : bool
        Print a table.

    Returns
    -------
    list of dict
        One row per context, see the module docstring.
    """
    rows = []
    for context in contexts:
        cfg = {"n_trials": int(n_trials), "n_time": int(n_time), "n_neurons": int(n_neurons),
               "window": int(window), "context": int(context), "d_model": int(d_model),
               "n_heads": int(n_heads), "batch_size": int(batch_size), "epochs": int(epochs),
               "seed": int(seed)}
        row = run_isolated(__file__, cfg)
        rows.append(row)
        if verbose:
            print(f"neuroformer context={row['context']:>4} bins "
                  f"(~{row['mean_context_tokens']:.0f} past / ~{row['mean_tokens']:.0f} current "
                  f"tokens, {row['n_windows']} windows)  {row['epoch_s']:8.2f} s/epoch  "
                  f"peak RSS {row['peak_rss_mb']:7.0f} MB", flush=True)
    if verbose and len(rows) > 1:
        a, b = rows[0], rows[-1]
        print(f"neuroformer: x{b['context'] / a['context']:.0f} context -> "
              f"x{b['epoch_s'] / a['epoch_s']:.2f} time per epoch, "
              f"x{b['peak_rss_mb'] / a['peak_rss_mb']:.2f} peak memory")
    return rows


if __name__ == "__main__":
    raise SystemExit(main(__doc__, _one, bench_neuroformer,
                          lambda: bench_neuroformer(
                              n_trials=10, n_time=500, n_neurons=50, contexts=(10, 20, 40)),
                          "10 trials x 500 bins x 50 neurons"))
