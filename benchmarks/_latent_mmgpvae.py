"""MM-GPVAE part of ``bench_latent.py``: time per epoch and peak memory, and how they grow with
the number of time points ``T``.

Interface (what ``benchmarks/bench_latent.py`` calls)::

    bench_mmgpvae(n_trials=100, n_time=1000, n_neurons=200, *, n_times=(250, 500, 1000, 2000),
                  image_size=12, batch_size=25, epochs=2, seed=0, verbose=True) -> list[dict]

    rows: one dict per T:
          {"model": "mmgpvae", "n_trials", "n_time", "n_neurons", "n_pixels", "batch_size",
           "n_circ", "n_coef", "epoch_s", "prior_ms", "dense_prior_ms", "peak_rss_mb",
           "data_mb", "threads": 1}

What is measured, per row, in a fresh subprocess on one torch thread:

* data: :func:`neurokit.datasets.multimodal_gp.simulate_multimodal_gp` with ``n_trials``
  trials of ``T`` bins, ``n_neurons`` Poisson units and ``image_size``² pixel images (two
  modalities, 1 shared + 1 + 1 private latents);
* ``epoch_s``: wall time of the *last* of ``epochs`` training epochs through the estimator's
  normal path (the Lightning core, run folder in a temporary directory, one checkpoint per
  epoch);
* ``prior_ms``: forward + backward of the GP-prior part alone for one batch (encoder outputs
  given): FFTs to the Fourier domain, the conjugate-gradient posterior mean (``cg_iters``
  pairs of FFTs), the exact KL and the inverse FFTs back to time. ``O(cg_iters N log N)`` per
  latent with ``N = 1.5 T``;
* ``dense_prior_ms``: what an exact time-domain GP prior must at least do per step, for
  comparison: Cholesky factorisation of each latent's ``T x T`` SE kernel and a triangular
  solve of the batch (``O(T^3)``);
* ``peak_rss_mb``: the subprocess' peak resident memory after training (interpreter, torch
  and data included; ``data_mb``: both modalities as float32).

Complexity of the implementation: per trial and epoch, encoders/decoders ``O(T x network)``,
GP prior ``O(cg_iters x N log N)`` per latent (``N = T (1 + padding)``; ``K <= N`` kept
frequencies), memory ``O(T)``; no ``T x T`` matrix exists anywhere.

Run on its own::

    python benchmarks/_latent_mmgpvae.py [--quick] [--json out.json]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from collections.abc import Sequence  # noqa: E402

from _isolated_rows import main, run_isolated  # noqa: E402


def _prior_timings(module, n_time: int, batch: int, repeats: int = 3) -> tuple[float, float]:
    """(Fourier GP prior fwd+bwd, dense Cholesky reference) in ms for one batch."""
    import time

    import torch

    from neurokit.latent._fourier_gp import gaussian_kl

    d = module.n_latents
    gen = torch.Generator().manual_seed(0)
    prec = torch.rand(batch, n_time, d, generator=gen).requires_grad_(True)
    prec_u = torch.randn(batch, n_time, d, generator=gen).requires_grad_(True)

    def fourier() -> None:
        basis = module.basis(n_time)
        prior = module.prior_variance(basis)
        mean, var = module._solve(basis, 1.0 / prior, prec, prec_u)
        loss = gaussian_kl(mean, var, prior).sum() + basis.to_time(mean).sum() \
            + basis.var_to_time(var).sum()
        loss.backward()

    def dense() -> None:
        t = torch.arange(n_time, dtype=torch.float32)
        for ls in module.lengthscale.detach():
            k = torch.exp(-0.5 * (t[:, None] - t[None, :]) ** 2 / ls ** 2)
            chol = torch.linalg.cholesky(k + 1e-4 * torch.eye(n_time))
            torch.linalg.solve_triangular(chol, prec_u[..., 0].detach().T, upper=False)

    out = []
    for fn in (fourier, dense):
        fn()
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn()
        out.append((time.perf_counter() - t0) / repeats * 1000)
    return out[0], out[1]


def _one(cfg: dict) -> dict:
    """Train one configuration in this process; return its row."""
    import resource
    import time

    import lightning as L
    import torch

    from neurokit.datasets.multimodal_gp import simulate_multimodal_gp
    from neurokit.latent.mmgpvae import MMGPVAE

    torch.set_num_threads(1)
    ds = simulate_multimodal_gp(n_trials=cfg["n_trials"], n_time=cfg["n_time"],
                                n_neurons=cfg["n_neurons"], image_size=cfg["image_size"],
                                seed=cfg["seed"])
    data = {"spikes": ds["spikes"].values, "images": ds["images"].values.astype("float32")}
    del ds

    class EpochTimer(L.Callback):
        def __init__(self) -> None:
            self.times: list[float] = []

        def on_train_epoch_start(self, trainer, module) -> None:
            self.t0 = time.perf_counter()

        def on_train_epoch_end(self, trainer, module) -> None:
            self.times.append(time.perf_counter() - self.t0)

    est = MMGPVAE(max_epochs=cfg["epochs"], batch_size=cfg["batch_size"], seed=cfg["seed"],
                  enable_progress_bar=False)
    tensors = est._prepare_fit(data)  # what fit() does before training
    data_mb = sum(t.numel() * 4 for t in tensors) / 2 ** 20
    del data
    timer = EpochTimer()
    est._train(tensors, callbacks=[timer])
    prior_ms, dense_ms = _prior_timings(est.module_, cfg["n_time"], cfg["batch_size"])
    basis = est.module_.basis(cfg["n_time"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"model": "mmgpvae", "n_trials": cfg["n_trials"], "n_time": cfg["n_time"],
            "n_neurons": cfg["n_neurons"], "n_pixels": cfg["image_size"] ** 2,
            "batch_size": cfg["batch_size"], "n_circ": basis.n_circ, "n_coef": basis.n_coef,
            "epoch_s": timer.times[-1], "prior_ms": prior_ms, "dense_prior_ms": dense_ms,
            "peak_rss_mb": peak, "data_mb": data_mb, "threads": torch.get_num_threads()}


def bench_mmgpvae(n_trials: int = 100, n_time: int = 1000, n_neurons: int = 200, *,
                  n_times: Sequence[int] = (250, 500, 1000, 2000), image_size: int = 12,
                  batch_size: int = 25, epochs: int = 2, seed: int = 0,
                  verbose: bool = True) -> list[dict]:
    """Time per epoch and peak memory of MM-GPVAE as the number of time points grows.

    Parameters
    ----------
    n_trials, n_time, n_neurons : int
        The realistic size (default 100 trials x 1000 bins x 200 neurons, plus images);
        ``n_time`` is added to ``n_times`` if missing.
    n_times : sequence of int
        Time points per trial of the scaling rows.
    image_size : int
        Side of the image modality (pixels).
    batch_size, epochs : int
        Trials per batch; epochs per run (the last one is timed).
    seed : int
    verbose : bool
        Print a table.

    Returns
    -------
    list of dict
        One row per ``T``, see the module docstring.
    """
    rows = []
    for length in sorted({*map(int, n_times), int(n_time)}):
        cfg = {"n_trials": int(n_trials), "n_time": length, "n_neurons": int(n_neurons),
               "image_size": int(image_size), "batch_size": int(batch_size),
               "epochs": int(epochs), "seed": int(seed)}
        row = run_isolated(__file__, cfg)
        rows.append(row)
        if verbose:
            print(f"mmgpvae T={row['n_time']:>5} (N={row['n_circ']}, K={row['n_coef']})  "
                  f"{row['epoch_s']:8.2f} s/epoch  GP prior {row['prior_ms']:8.1f} ms/batch "
                  f"(dense O(T^3) reference {row['dense_prior_ms']:8.1f} ms)  "
                  f"peak RSS {row['peak_rss_mb']:7.0f} MB", flush=True)
    if verbose and len(rows) > 1:
        a, b = rows[0], rows[-1]
        print(f"mmgpvae: x{b['n_time'] / a['n_time']:.0f} time points -> "
              f"x{b['epoch_s'] / a['epoch_s']:.2f} time per epoch, "
              f"x{b['prior_ms'] / a['prior_ms']:.2f} GP prior, "
              f"x{b['dense_prior_ms'] / a['dense_prior_ms']:.1f} dense reference")
    return rows


if __name__ == "__main__":
    raise SystemExit(main(__doc__, _one, bench_mmgpvae,
                          lambda: bench_mmgpvae(
                              n_trials=20, n_time=200, n_neurons=50, n_times=(100, 200, 400)),
                          "20 trials x 50 neurons, T <= 400"))
