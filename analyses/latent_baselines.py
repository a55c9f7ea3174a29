"""One table: every latent model of issue 5 beside its ablation, PCA, factor analysis and GPFA.

Each model is run on its own ground-truth simulator with the sizes and training settings of its
ground-truth test in ``tests/latent/`` (known to work), and every method in a dataset is scored
on the **same held-out trials** (or held-out intervals for the spiking circuit):

* **multi-modal GP** (:func:`~neurokit.datasets.multimodal_gp.simulate_multimodal_gp`, 80 trials
  x 40 bins, 40 Poisson neurons + 16x16 rotating/zooming digits; trials 0-15 held out, as
  ``test_mmgpvae.py``): MM-GPVAE (80 epochs), its single-modality GP-VAE ablations (spikes only;
  images only for the missing-frame reconstruction), PCA, FA and GPFA with 2 latents (the true
  neural dimension) on the spikes. Metrics: aligned R² of all latents inferred from the held-in
  spikes to the two true neural latents (shared + neural-only); MM-GPVAE's per-block R² (its
  latents inferred from spikes and images) with the largest off-diagonal leakage; the MSE of 16
  missing frames per held-out trial (MM-GPVAE sees the spikes, the image-only GP-VAE
  interpolates with its GP prior); co-smoothing bits/spike.
* **content/style** (:func:`~neurokit.datasets.content_style.simulate_content_style`, 50 trials x
  60 bins x 50 neurons, 12 stimuli, slow AR(1) state; trials 40-49 held out, as
  ``test_tide_swapvae_groundtruth.py``, 100 epochs): TiDe-SwapVAE, its ablation without state
  variables (``use_state=False``), Swap-VAE, and PCA/FA/GPFA with 6 latents (the deep models'
  4 content + 2 style). Metrics on the held-out trials: stimulus-identity accuracy of a
  logistic regression from the content latent (all latents for PCA/FA/GPFA; 5 trial-grouped
  folds over the 10 held-out trials, chance 1/12), aligned R² of the style latent (all latents
  for PCA/FA/GPFA) to the true state, the held-out ELBO (nats/bin; TiDe vs its ablation only,
  the same bound), co-smoothing bits/spike.
* **spiking circuit** (:func:`~neurokit.datasets.spiking_circuit.simulate_spiking_circuit`, 20
  neurons with 3 hubs, 200 s at 5 ms, 10 intervals of which 2 are held out, as
  ``test_neuroformer.py``): Neuroformer (12 epochs), the lag-1 coupled Poisson GLM, the PSTH,
  and PCA/FA/GPFA with 4 latents. Metrics: edge AUROC of the connectivity estimate (off-diagonal
  pairs), direction accuracy (``i -> j`` scored above ``j -> i`` for true edges), fraction of
  the 3 hubs among the 3 largest out-strengths, next-spike prediction in bits/spike on the bins
  Neuroformer scores in the held-out intervals (against each neuron's mean rate there, all
  models on the same bins), co-smoothing bits/spike.

**Co-smoothing** (Neural Latents Benchmark, Pei et al. 2021): the last 20 % of the neurons are
held out (10 of 40, 10 of 50, 4 of 20). A method infers latents from the held-in neurons of
training and test trials; :func:`neurokit.latent.metrics.co_smoothing_bits_per_spike` fits a
Poisson regression per held-out neuron from the training latents and scores the test trials.
PCA, FA and GPFA are fitted on the held-in neurons (square-rooted counts, as GPFA); MM-GPVAE and
the spikes-only GP-VAE never show the held-out neurons to their encoders (``heldout_features``)
and their latents are inferred from the held-in spikes only (no images); TiDe-SwapVAE, its
ablation and Swap-VAE are refitted on the held-in neurons (their latents: content and style).
It does not apply to Neuroformer (an autoregressive model of every neuron's spike tokens: it
has no per-bin latent inferred from a subset of neurons, and held-out neurons cannot be
predicted without feeding their own past spikes), nor to the lag-1 GLM (it predicts a neuron
from the previous bin of all neurons, its own included) or the PSTH (no input from other
neurons); the circuit's PCA/FA/GPFA use 1-s pseudo-trials cut from the intervals. The ground
truth columns use models fitted on all neurons (as the tests), except MM-GPVAE, GP-VAE and the
linear baselines of the multi-modal data, whose single fit serves both.

**What the simulations can and cannot show.** Each dataset is one draw of a simulator built to
test one paper's claim, with small trial counts (16, 10 and 2x20 s held out): differences of a
few hundredths in R², accuracy or bits/spike are within seed-to-seed variation (run
``--seeds 0 1 2`` for mean +- sd). The simulators are the models' own generative assumptions
(GP latents, a content/state factorisation, a Hawkes/GLM circuit), so the table shows that each
implementation recovers what its paper claims, not that the model is better on real data. The
lag-1 GLM is the generative model of the circuit (up to the coupling kernel), so it is expected
to reach ~1.0 AUROC there. Co-smoothing at 5-ms bins is small for every method (few spikes per
bin).

Runtime (defaults: one seed, one thread): 575 s wall (224 s CPU) measured on a 2-core machine
loaded by other jobs (load ~5); Neuroformer's 12 epochs take about half of it, the TiDe/Swap-VAE
fits (twice: all and held-in neurons) a third. ``--seeds 0 1 2``: 1361 s wall (661 s CPU).
Seed-to-seed spread includes the simulated dataset itself (e.g. the true-rate co-smoothing
ceiling of the multi-modal data is 0.41 / 0.52 / 0.63 bits/spike for seeds 0 / 1 / 2), so
compare methods within a seed (``table_per_seed.csv``) rather than by overlapping error bars.

Outputs (``<out>/latent_baselines/``): ``table.md``, ``table.csv`` (method x dataset/metric,
mean over seeds), ``table_per_seed.csv``, ``numbers.json``, ``baselines.png`` (grouped bars).

Usage::

    python analyses/latent_baselines.py [--out results/analyses] [--seeds 0 1 2]
                                        [--datasets multimodal content_style circuit] [--quick]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from _cli import analysis_parser  # noqa: E402
from sklearn.decomposition import PCA, FactorAnalysis  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from neurokit._atomic import atomic_path, write_json  # noqa: E402
from neurokit.datasets.content_style import simulate_content_style  # noqa: E402
from neurokit.datasets.multimodal_gp import simulate_multimodal_gp  # noqa: E402
from neurokit.datasets.spiking_circuit import simulate_spiking_circuit  # noqa: E402
from neurokit.latent.glm import PSTH, PoissonGLM  # noqa: E402
from neurokit.latent.gpfa import GPFA  # noqa: E402
from neurokit.latent.metrics import (  # noqa: E402
    aligned_r2,
    bits_per_spike,
    block_r2,
    co_smoothing_bits_per_spike,
    decode_accuracy,
)
from neurokit.latent.mmgpvae import MMGPVAE, latent_blocks  # noqa: E402
from neurokit.latent.neuroformer import Neuroformer  # noqa: E402
from neurokit.latent.neuroformer_tokens import interval_split  # noqa: E402
from neurokit.latent.swapvae import SwapVAE  # noqa: E402
from neurokit.latent.tide_swapvae import TiDeSwapVAE  # noqa: E402
from neurokit.plotting._figure import pyplot, save_figure  # noqa: E402

NAME = "latent_baselines"
HELDOUT_FRACTION = 0.2  # last 20 % of the neurons are held out for co-smoothing

#: rows of the table, in order: key -> label
METHODS: dict[str, str] = {
    "mmgpvae": "MM-GPVAE",
    "gpvae_spikes": "GP-VAE (spikes only)",
    "gpvae_images": "GP-VAE (images only)",
    "tide": "TiDe-SwapVAE",
    "tide_nostate": "TiDe-SwapVAE (no state)",
    "swapvae": "Swap-VAE",
    "neuroformer": "Neuroformer",
    "glm_lag1": "Poisson GLM (lag 1)",
    "psth": "PSTH",
    "pca": "PCA",
    "fa": "Factor analysis",
    "gpfa": "GPFA",
}
#: columns: (dataset, metric key) -> label; "higher is better" unless listed in LOWER_BETTER
COLUMNS: dict[tuple[str, str], str] = {
    ("multimodal", "r2_neural"): "R² neural latents",
    ("multimodal", "r2_shared"): "R² shared block",
    ("multimodal", "r2_neural_only"): "R² neural-only block",
    ("multimodal", "r2_image_only"): "R² image-only block",
    ("multimodal", "max_leakage"): "max leakage R²",
    ("multimodal", "gap_frame_mse"): "missing-frame MSE",
    ("multimodal", "cosmoothing_bps"): "co-smoothing bits/spike",
    ("content_style", "content_accuracy"): "stimulus accuracy",
    ("content_style", "r2_state"): "R² state",
    ("content_style", "elbo"): "held-out ELBO (nats/bin)",
    ("content_style", "cosmoothing_bps"): "co-smoothing bits/spike",
    ("circuit", "edge_auroc"): "edge AUROC",
    ("circuit", "direction"): "direction accuracy",
    ("circuit", "hubs_top3"): "hubs in top 3",
    ("circuit", "next_spike_bps"): "next-spike bits/spike",
    ("circuit", "cosmoothing_bps"): "co-smoothing bits/spike",
}
LOWER_BETTER = {"max_leakage", "gap_frame_mse"}
DATASETS = ("multimodal", "content_style", "circuit")
DATASET_LABELS = {"multimodal": "multi-modal GP", "content_style": "content/style",
                  "circuit": "spiking circuit"}

# settings of the ground-truth tests (tests/latent/)
MM_SIM = {"n_trials": 80, "n_time": 40, "n_neurons": 40}
MM_N_TEST = 16
MM_TRAIN = {"max_epochs": 80, "batch_size": 20, "enable_progress_bar": False}
MM_GAP = slice(12, 28)  # frames hidden from the encoders in the held-out trials
CS_SIM = {"n_trials": 50, "n_time": 60, "n_neurons": 50, "n_stimuli": 12, "stimulus_gain": 0.6,
          "segment_length": 20, "n_sequences": 4}
CS_N_TRAIN = 40
CS_LATENT = {"n_content": 4, "n_style": 2}
CS_TRAIN = {"max_epochs": 100, "lr": 0.01, "enable_progress_bar": False}
SC_SIM = {"n_neurons": 20, "n_hubs": 3, "duration_s": 200.0}
SC_SPLIT = {"n_intervals": 10, "test_fraction": 0.2}
SC_NEUROFORMER = {"window": 4, "context": 8, "stimulus_patch": 4, "d_model": 32, "n_heads": 4,
                  "dropout": 0.0, "max_epochs": 12, "batch_size": 64, "lr": 5e-3,
                  "enable_progress_bar": False}
SC_PSEUDO_TRIAL_S = 1.0
N_LATENTS = {"multimodal": 2, "content_style": 6, "circuit": 4}

Scores = dict[str, dict[str, float]]  # method -> metric -> value


# --------------------------------------------------------------------------- helpers
class Timer:
    """Wall-clock seconds of named steps (printed as they finish)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.time()
        out = fn()
        self.seconds[name] = round(time.time() - t0, 1)
        print(f"    {name}: {self.seconds[name]:.1f} s", flush=True)
        return out


def heldout_split(n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """Held-in and held-out neuron indices (the last ``HELDOUT_FRACTION`` are held out)."""
    n_out = max(1, int(round(HELDOUT_FRACTION * n_units)))
    return np.arange(n_units - n_out), np.arange(n_units - n_out, n_units)


def linear_latents(name: str, train: np.ndarray, test: np.ndarray, n_latents: int,
                   bin_size: float) -> tuple[np.ndarray, np.ndarray]:
    """PCA / FA / GPFA latents ``(trial, time, latent)`` of training and test counts.

    All three see square-rooted counts (variance stabilisation, as GPFA); PCA and FA treat
    every bin as a sample, GPFA adds its GP prior over time.
    """
    if name == "gpfa":
        model = GPFA(n_latents=n_latents, bin_size=bin_size, max_iter=200).fit(train)
        return model.transform(train).values, model.transform(test).values
    est = (PCA(n_components=n_latents, random_state=0) if name == "pca"
           else FactorAnalysis(n_components=n_latents, random_state=0))
    flat = np.sqrt(train.reshape(-1, train.shape[-1]))
    est.fit(flat)

    def tf(x: np.ndarray) -> np.ndarray:
        return est.transform(np.sqrt(x.reshape(-1, x.shape[-1]))).reshape(*x.shape[:2], -1)

    return tf(train), tf(test)


def connectivity_scores(c: np.ndarray, w: np.ndarray, n_hubs: int,
                        hubs: Sequence[int]) -> dict[str, float]:
    """Edge AUROC, direction accuracy and hub recovery of a ``(target, source)`` matrix."""
    off = ~np.eye(len(w), dtype=bool)
    edges = w > 0
    j, i = np.nonzero(edges)
    out_mass = np.where(off, c, 0.0).sum(0)
    top = set(np.argsort(-out_mass)[:n_hubs].tolist())
    return {"edge_auroc": float(roc_auc_score(edges[off], c[off])),
            "direction": float((c[j, i] > c[i, j]).mean()),
            "hubs_top3": len(top & set(int(h) for h in hubs)) / n_hubs}


# --------------------------------------------------------------------------- datasets
def run_multimodal(seed: int, quick: bool, timer: Timer) -> tuple[Scores, dict[str, Any]]:
    """MM-GPVAE, its single-modality ablations and PCA/FA/GPFA on the multi-modal GP data."""
    ds = simulate_multimodal_gp(**MM_SIM, seed=seed)
    train, test = ds.isel(trial=slice(MM_N_TEST, None)), ds.isel(trial=slice(0, MM_N_TEST))
    held_in, held_out = heldout_split(MM_SIM["n_neurons"])
    kw = {**MM_TRAIN, "seed": seed, "heldout_features": {"spikes": held_out.tolist()}}
    if quick:
        kw.update(max_epochs=4, shared_warmup=1)
    truth = latent_blocks(test.latents)
    neural_truth = np.concatenate([truth["shared"].values, truth["spikes"].values], axis=-1)
    y_tr = train.spikes.values[..., held_out]
    y_te = test.spikes.values[..., held_out]
    scores: Scores = {}
    extra: dict[str, Any] = {}

    def from_spikes(model: MMGPVAE, part: Any) -> np.ndarray:
        return model.transform({"spikes": part.spikes}).latents.values

    def gap_mse(model: MMGPVAE) -> float:
        observed = np.ones((MM_N_TEST, MM_SIM["n_time"]), dtype=bool)
        observed[:, MM_GAP] = False
        rec = model.reconstruct(test, observed={"images": observed})
        return float(((rec.images.values[:, MM_GAP] - test.images.values[:, MM_GAP]) ** 2).mean())

    mm = timer.run("multimodal/mmgpvae fit", lambda: MMGPVAE(**kw).fit(train))
    table = block_r2(latent_blocks(mm.transform(test)), truth)
    leak = table.values[~np.eye(len(table), dtype=bool)]
    z_tr, z_te = from_spikes(mm, train), from_spikes(mm, test)
    own = mm.reconstruct(test, from_modalities=["spikes"]).spikes.values[..., held_out]
    scores["mmgpvae"] = {
        "r2_neural": aligned_r2(z_te, neural_truth),
        "r2_shared": float(table.loc["shared", "shared"]),
        "r2_neural_only": float(table.loc["spikes", "spikes"]),
        "r2_image_only": float(table.loc["images", "images"]),
        "max_leakage": float(leak.max()),
        "gap_frame_mse": gap_mse(mm),
        "cosmoothing_bps": co_smoothing_bits_per_spike(z_tr, z_te, y_tr, y_te),
    }
    extra["mmgpvae_block_r2"] = table.round(4).to_dict()
    extra["mmgpvae_own_decoder_cosmoothing_bps"] = bits_per_spike(own, y_te)

    gp = timer.run("multimodal/gpvae_spikes fit", lambda: MMGPVAE(
        n_shared=0, n_private=2, modalities=["spikes"], **kw).fit(train))
    z_tr, z_te = from_spikes(gp, train), from_spikes(gp, test)
    own = gp.reconstruct(test).spikes.values[..., held_out]
    scores["gpvae_spikes"] = {
        "r2_neural": aligned_r2(z_te, neural_truth),
        "cosmoothing_bps": co_smoothing_bits_per_spike(z_tr, z_te, y_tr, y_te)}
    extra["gpvae_spikes_own_decoder_cosmoothing_bps"] = bits_per_spike(own, y_te)

    gi = timer.run("multimodal/gpvae_images fit", lambda: MMGPVAE(
        n_shared=0, n_private=2, modalities=["images"], **kw).fit(train))
    scores["gpvae_images"] = {"gap_frame_mse": gap_mse(gi)}

    x_tr = train.spikes.values[..., held_in].astype(np.float64)
    x_te = test.spikes.values[..., held_in].astype(np.float64)
    for name in ("pca", "fa", "gpfa"):
        z_tr, z_te = timer.run(f"multimodal/{name} fit", lambda name=name: linear_latents(
            name, x_tr, x_te, N_LATENTS["multimodal"], 1.0 / float(ds.attrs["sampling_rate"])))
        scores[name] = {"r2_neural": aligned_r2(z_te, neural_truth),
                        "cosmoothing_bps": co_smoothing_bits_per_spike(z_tr, z_te, y_tr, y_te)}
    extra["true_rate_cosmoothing_bps"] = bits_per_spike(test.rates.values[..., held_out], y_te)
    return scores, extra


def run_content_style(seed: int, quick: bool, timer: Timer) -> tuple[Scores, dict[str, Any]]:
    """TiDe-SwapVAE, its no-state ablation, Swap-VAE and PCA/FA/GPFA on content/style data."""
    ds = simulate_content_style(**CS_SIM, seed=seed)
    counts = ds["counts"]
    train, test = counts.isel(trial=slice(0, CS_N_TRAIN)), counts.isel(trial=slice(CS_N_TRAIN,
                                                                                    None))
    groups = ds["sequence"].values[:CS_N_TRAIN]
    stim = ds["stimulus"].values[CS_N_TRAIN:]  # (trial, time)
    state = ds["state"].values[CS_N_TRAIN:]
    state = state if state.ndim == 3 else state[..., None]
    trial_of_bin = np.broadcast_to(np.arange(stim.shape[0])[:, None], stim.shape)
    held_in, held_out = heldout_split(CS_SIM["n_neurons"])
    y_tr, y_te = train.values[..., held_out], test.values[..., held_out]
    train_kw = {**CS_TRAIN, "seed": seed}
    if quick:
        train_kw["max_epochs"] = 3

    def acc(z: np.ndarray) -> float:  # 5 trial-grouped folds over the held-out trials
        return decode_accuracy(z, stim.reshape(-1), groups=trial_of_bin.reshape(-1), seed=seed)

    scores: Scores = {}
    extra: dict[str, Any] = {"style_accuracy": {}, "all_latents_accuracy": {},
                             "chance_accuracy": 1 / CS_SIM["n_stimuli"]}
    makers: dict[str, Callable[[], Any]] = {
        "tide": lambda: TiDeSwapVAE(**CS_LATENT, **train_kw),
        "tide_nostate": lambda: TiDeSwapVAE(use_state=False, **CS_LATENT, **train_kw),
        "swapvae": lambda: SwapVAE(**CS_LATENT, **train_kw),
    }
    for name, make in makers.items():
        model = timer.run(f"content_style/{name} fit", lambda make=make: make().fit(
            train, groups=groups))
        lat = model.transform(test)
        scores[name] = {"content_accuracy": acc(lat["content"].values),
                        "r2_state": aligned_r2(lat["style"].values, state)}
        if name != "swapvae":  # the same ELBO for TiDe and its ablation
            scores[name]["elbo"] = float(model.score(test))
        extra["style_accuracy"][name] = acc(lat["style"].values)
        extra["all_latents_accuracy"][name] = acc(np.concatenate(
            [lat["content"].values, lat["style"].values], axis=-1))
        sub = timer.run(f"content_style/{name} fit (held-in)", lambda make=make: make().fit(
            train.isel(unit=held_in), groups=groups))

        def both(part: Any, sub: Any = sub) -> np.ndarray:
            lat = sub.transform(part.isel(unit=held_in))
            return np.concatenate([lat["content"].values, lat["style"].values], axis=-1)

        scores[name]["cosmoothing_bps"] = co_smoothing_bits_per_spike(both(train), both(test),
                                                                      y_tr, y_te)
    bin_size = 1.0 / float(counts.attrs.get("sampling_rate", 20.0))
    for name in ("pca", "fa", "gpfa"):
        def fit_all(name: str = name) -> tuple[np.ndarray, np.ndarray]:
            return linear_latents(name, train.values.astype(np.float64),
                                  test.values.astype(np.float64), N_LATENTS["content_style"],
                                  bin_size)

        def fit_in(name: str = name) -> tuple[np.ndarray, np.ndarray]:
            return linear_latents(name, train.values[..., held_in].astype(np.float64),
                                  test.values[..., held_in].astype(np.float64),
                                  N_LATENTS["content_style"], bin_size)

        _, z_te = timer.run(f"content_style/{name} fit", fit_all)
        zi_tr, zi_te = timer.run(f"content_style/{name} fit (held-in)", fit_in)
        scores[name] = {"content_accuracy": acc(z_te), "r2_state": aligned_r2(z_te, state),
                        "cosmoothing_bps": co_smoothing_bits_per_spike(zi_tr, zi_te, y_tr, y_te)}
    return scores, extra


def run_circuit(seed: int, quick: bool, timer: Timer) -> tuple[Scores, dict[str, Any]]:
    """Neuroformer, the lag-1 GLM, the PSTH and PCA/FA/GPFA on the spiking circuit."""
    ds = simulate_spiking_circuit(**SC_SIM, seed=seed)
    split = interval_split(ds.sizes["time"], **SC_SPLIT, seed=seed)
    tr, te = split.take(ds["spikes"], "train"), split.take(ds["spikes"], "test")
    s_tr, s_te = split.take(ds["stimulus"], "train"), split.take(ds["stimulus"], "test")
    w, hubs = ds["weights"].values, ds.attrs["hubs"].tolist()
    n_hubs = SC_SIM["n_hubs"]
    kw = {**SC_NEUROFORMER, "seed": seed}
    if quick:
        kw["max_epochs"] = 1
    scores: Scores = {}
    extra: dict[str, Any] = {}

    nf = timer.run("circuit/neuroformer fit", lambda: Neuroformer(**kw).fit(tr, stimulus=s_tr))
    masks = [nf.scored_bins(s.sizes["time"]) for s in te]
    counts = np.concatenate([s.values[m] for s, m in zip(te, masks, strict=True)])

    def next_spike_bps(rates: list[np.ndarray]) -> float:  # same bins, same baseline
        return bits_per_spike(np.concatenate([r[m] for r, m in zip(rates, masks, strict=True)]),
                              counts)

    conn = timer.run("circuit/neuroformer connectivity",
                     lambda: nf.connectivity(tr, stimulus=s_tr).values)
    scores["neuroformer"] = {**connectivity_scores(np.nan_to_num(conn, nan=-np.inf), w, n_hubs,
                                                   hubs),
                             "next_spike_bps": float(nf.bits_per_spike(te, stimulus=s_te))}
    glm = timer.run("circuit/glm_lag1 fit", lambda: PoissonGLM(n_lags=1).fit(tr, s_tr))
    scores["glm_lag1"] = {**connectivity_scores(glm.connectivity().values, w, n_hubs, hubs),
                          "next_spike_bps": next_spike_bps(glm.predict_rate(te, s_te))}
    psth = PSTH(period=ds.attrs["stimulus_period_bins"]).fit(tr)
    scores["psth"] = {"next_spike_bps": next_spike_bps(psth.predict_rate(te))}

    # co-smoothing on 1-s pseudo-trials cut from the train and test intervals
    held_in, held_out = heldout_split(SC_SIM["n_neurons"])
    dt = 1.0 / float(ds.attrs["sampling_rate"])
    length = int(round(SC_PSEUDO_TRIAL_S / dt))

    def cut(segs: list[Any]) -> np.ndarray:
        return np.concatenate([s.values[: (s.sizes["time"] // length) * length].reshape(
            -1, length, s.sizes["unit"]) for s in segs]).astype(np.float64)

    x_tr, x_te = cut(tr), cut(te)
    y_tr, y_te = x_tr[..., held_out], x_te[..., held_out]
    for name in ("pca", "fa", "gpfa"):
        z_tr, z_te = timer.run(f"circuit/{name} fit", lambda name=name: linear_latents(
            name, x_tr[..., held_in], x_te[..., held_in], N_LATENTS["circuit"], dt))
        scores[name] = {"cosmoothing_bps": co_smoothing_bits_per_spike(z_tr, z_te, y_tr, y_te)}
    # context, not co-smoothing: the held-out neurons' own PSTH on the same pseudo-trials
    psth_rates = np.concatenate([r[: (r.shape[0] // length) * length].reshape(
        -1, length, r.shape[1]) for r in psth.predict_rate(te)])[..., held_out]
    extra["psth_heldout_neurons_bps"] = bits_per_spike(psth_rates, y_te)
    extra["n_spikes_scored_next_spike"] = int(counts.sum())
    extra["hubs"] = hubs
    return scores, extra


RUNNERS = {"multimodal": run_multimodal, "content_style": run_content_style,
           "circuit": run_circuit}


# --------------------------------------------------------------------------- table
def long_table(per_seed: dict[int, dict[str, Scores]]) -> pd.DataFrame:
    """Tidy rows: seed, dataset, method, metric, value."""
    rows = [{"seed": seed, "dataset": dataset, "method": method, "metric": metric,
             "value": value}
            for seed, by_dataset in per_seed.items()
            for dataset, scores in by_dataset.items()
            for method, metrics in scores.items()
            for metric, value in metrics.items()]
    return pd.DataFrame(rows)


def wide_tables(long: pd.DataFrame, datasets: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean and sd over seeds: rows = method, columns = ``dataset/metric`` (NaN: n/a)."""
    cols = [c for c in COLUMNS if c[0] in datasets]
    agg = long.groupby(["method", "dataset", "metric"])["value"].agg(["mean", "std"])
    out = []
    for stat in ("mean", "std"):
        t = pd.DataFrame(index=[m for m in METHODS if m in set(long["method"])],
                         columns=[f"{d}/{m}" for d, m in cols], dtype=float)
        for (method, dataset, metric), row in agg.iterrows():
            if (dataset, metric) in COLUMNS:
                t.loc[method, f"{dataset}/{metric}"] = row[stat]
        out.append(t)
    return out[0], out[1]


def markdown_table(mean: pd.DataFrame, sd: pd.DataFrame, n_seeds: int) -> str:
    """One markdown table (method x dataset: metric), "n/a" where a metric does not apply."""
    header = ["method"] + [f"{DATASET_LABELS[c.split('/')[0]]}: {COLUMNS[tuple(c.split('/'))]}"
                           for c in mean.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method in mean.index:
        cells = [METHODS[method]]
        for col in mean.columns:
            v = mean.loc[method, col]
            if not np.isfinite(v):
                cells.append("n/a")
            elif n_seeds > 1 and np.isfinite(sd.loc[method, col]):
                cells.append(f"{v:.3f} ± {sd.loc[method, col]:.3f}")
            else:
                cells.append(f"{v:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_csv(table: pd.DataFrame, path: Path, index: bool = True) -> None:
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=index, float_format="%.6g")


def plot_bars(mean: pd.DataFrame, sd: pd.DataFrame) -> Any:
    """Grouped bars: one row per dataset, one panel per metric, one bar per method (+- sd)."""
    plt = pyplot()
    datasets = list(dict.fromkeys(c.split("/")[0] for c in mean.columns))
    n_cols = max(sum(c.startswith(d + "/") for c in mean.columns) for d in datasets)
    colours = dict(zip(METHODS, plt.get_cmap("tab20").colors, strict=False))
    fig, axes = plt.subplots(len(datasets), n_cols, figsize=(2.3 * n_cols, 3.2 * len(datasets)),
                             layout="constrained", squeeze=False)
    for row, dataset in zip(axes, datasets, strict=True):
        cols = [c for c in mean.columns if c.startswith(dataset + "/")]
        for ax, col in zip(row, cols, strict=False):
            metric = col.split("/")[1]
            y = mean[col].astype(float)
            y = y[np.isfinite(y)]
            err = sd.loc[y.index, col].astype(float).values
            x = np.arange(len(y))
            ax.bar(x, y.values, 0.8, color=[colours[m] for m in y.index],
                   yerr=err if np.isfinite(err).any() else None, capsize=2)
            ax.set_xticks(x, [METHODS[m] for m in y.index], rotation=60, ha="right",
                          fontsize=7)
            ax.set_xlim(-0.6, max(len(y), 4) - 0.4)  # equal bar widths in every panel
            ax.axhline(0, color="k", lw=0.6)
            ax.set_title(COLUMNS[(dataset, metric)]
                         + (" (lower is better)" if metric in LOWER_BETTER else ""), fontsize=8)
            ax.tick_params(axis="y", labelsize=7)
        row[0].set_ylabel(DATASET_LABELS[dataset])
        for ax in row[len(cols):]:
            ax.axis("off")
    fig.suptitle("Latent models vs their ablations and PCA / FA / GPFA, on held-out trials of "
                 "each model's ground-truth simulator", fontsize=10)
    return fig


# --------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = analysis_parser(__doc__, NAME, data=False)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="simulation, split and model seeds (default: 0)")
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--quick", action="store_true",
                        default=os.environ.get("NEUROKIT_ANALYSES_QUICK", "") == "1",
                        help="a few epochs only (smoke test; the numbers mean nothing)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Fit every method on every dataset and seed, write the table, figure and numbers."""
    args = parse_args(argv)
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    out = args.out / NAME
    t_start, cpu_start = time.time(), time.process_time()
    timer = Timer()
    per_seed: dict[int, dict[str, Scores]] = {}
    extras: dict[str, dict[str, Any]] = {}
    for seed in args.seeds:
        per_seed[seed] = {}
        for dataset in args.datasets:
            print(f"seed {seed}, {dataset}", flush=True)
            t0 = time.time()
            sub = Timer()
            scores, extra = RUNNERS[dataset](seed, args.quick, sub)
            per_seed[seed][dataset] = scores
            extras[f"{dataset}/seed{seed}"] = {**extra, "seconds": sub.seconds,
                                               "total_s": round(time.time() - t0, 1)}
            timer.seconds[f"{dataset}/seed{seed}"] = round(time.time() - t0, 1)
    long = long_table(per_seed)
    mean, sd = wide_tables(long, args.datasets)
    md = markdown_table(mean, sd, len(args.seeds))
    print("\n" + md)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "table.md") as tmp:
        Path(tmp).write_text(
            f"Seeds {list(args.seeds)}" + (" (mean ± sd)" if len(args.seeds) > 1 else "")
            + "; held-out trials; n/a: the metric does not apply (see the script docstring)."
            + "\n\n" + md)
    write_csv(mean.rename(index=METHODS), out / "table.csv")
    write_csv(long.assign(method_label=long["method"].map(METHODS)),
              out / "table_per_seed.csv", index=False)
    fig = plot_bars(mean, sd)
    save_figure(fig, out / "baselines.png")
    runtime = time.time() - t_start

    def clean(v: Any) -> Any:
        return None if isinstance(v, float) and not math.isfinite(v) else v

    numbers = {
        "seeds": list(args.seeds), "datasets": list(args.datasets), "quick": bool(args.quick),
        "methods": METHODS,
        "columns": {f"{d}/{m}": label for (d, m), label in COLUMNS.items()},
        "lower_is_better": sorted(LOWER_BETTER),
        "table_mean": {m: {c: clean(float(v)) for c, v in row.items()}
                       for m, row in mean.iterrows()},
        "table_sd": {m: {c: clean(float(v)) for c, v in row.items()}
                     for m, row in sd.iterrows()},
        "per_seed": per_seed,
        "extra": extras,
        "settings": {"multimodal": {**MM_SIM, "n_test": MM_N_TEST, **MM_TRAIN,
                                    "n_latents_linear": N_LATENTS["multimodal"]},
                     "content_style": {**CS_SIM, "n_train": CS_N_TRAIN, **CS_LATENT,
                                       **CS_TRAIN,
                                       "n_latents_linear": N_LATENTS["content_style"]},
                     "circuit": {**SC_SIM, **SC_SPLIT, **SC_NEUROFORMER,
                                 "pseudo_trial_s": SC_PSEUDO_TRIAL_S,
                                 "n_latents_linear": N_LATENTS["circuit"]},
                     "heldout_fraction": HELDOUT_FRACTION},
        "torch_threads": torch.get_num_threads(),
        "seconds": timer.seconds,
        "runtime_s": round(runtime, 1),
        "cpu_time_s": round(time.process_time() - cpu_start, 1),
        "runtime_note": "wall time depends on the machine's load; cpu_time_s is the process's "
                        "CPU time (all threads)",
    }
    write_json(out / "numbers.json", numbers)
    print(f"wrote {out} ({runtime:.0f} s wall, {numbers['cpu_time_s']:.0f} s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
