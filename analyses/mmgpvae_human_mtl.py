"""MM-GPVAE with hippocampus and amygdala as two Poisson "modalities" (DANDI:000207).

**Data.** ``nwb_ecephys_human_mtl_dandi000207/sub-4_ses-4_ecephys+image.nwb`` (Zheng et al.
2022, Nat Neurosci, "Cognitive boundary signals in the human medial temporal lobe shape
episodic memory representation"): 35 spike-sorted units of one patient, 25 on 14 right
hippocampus microwires and 10 on 5 right amygdala microwires (the region of a unit is the
``location`` of its wire in the electrodes table). Encoding task: 90 movie clips of 6.9-9.2 s
(``intervals/encoding_table``), 30 each without a boundary (NB, ``stimCategory`` 0), with
soft boundaries (SB, 1: cuts within one movie) and with a hard boundary at 4 s (HB, 2: a cut
to another movie). Read with :func:`neurokit.io.read_nwb`; every clip is one trial, binned at
200 ms from 0.8 s before clip onset (fixation cross) to 6.8 s after it (38 bins; the shortest
clip lasts 6.87 s) with :func:`neurokit.preprocess.align_to_events`.

**Model.** :class:`neurokit.latent.mmgpvae.MMGPVAE` with two Poisson modalities (exp link):
``hippocampus`` (25 units) and ``amygdala`` (10 units), a shared block of 2 GP latents and a
private block of 2 latents per region, so each region's decoder sees 4 latents. Baselines:
the single-modality GP-VAE of each region (MMGPVAE on that region alone, 4 latents: the
paper's ablation) and GPFA (:class:`neurokit.latent.gpfa.GPFA`, 6 latents on the square-root
counts of all 35 units, exact EM; its rates for the Poisson scores are
``max(C x + d, 0)^2 + R``, the mean of the squared Gaussian). Settings: 200 epochs, batch 24,
lr 5e-3, length-scales initialised at 2 bins with a floor of 1 bin (GPFA's timescales here
are about 0.1-0.5 s), 20 shared-only epochs, modality drop-out 0.3 and a 60-epoch KL warm-up.
Without the KL warm-up all 8 MM-GPVAE fits we tried on these data (other length-scales,
learning rates, batch sizes, with and without the shared warm-up and modality drop-out)
collapsed to the prior (training KL <= 0.004 nats per clip, held-out bits/spike -0.004: the
mean rates), and so did most single-region GP-VAEs, although a non-collapsed fit has the
better held-out ELBO (-960.5 against -964.1 nats per clip on the tuning split). The settings
were chosen on one random 72/18 split of these same 90 clips (a mild selection bias: treat
the differences between models with that in mind).

**Protocol (no leakage).** 5-fold cross-validation over clips, stratified by ``stimCategory``
(18 held-out clips per fold, 6 per category; ``--seed``). Every model is fitted on the 72
training clips only; all scores are on the held-out clips, so each clip is scored once, by
models that never saw it. Co-smoothing (the Neural Latents Benchmark's metric): in fold ``k``
a fifth of each region's units (5 hippocampus, 2 amygdala; a different fifth per fold, so
each unit is held out once) is hidden from every encoder (MM-GPVAE and GP-VAE
``heldout_features``; GPFA's E-step without their rows) and predicted from the others.

* *Reconstruction*: bits/spike of the held-in units of held-out clips, predicted from the
  posterior given the held-in units of both regions (MM-GPVAE, GPFA) or of that region only
  (GP-VAE). This is the model's smoothing of counts it sees, a reconstruction score.
* *Co-smoothing*: bits/spike of the held-out units (never seen by the encoders in test clips).
* *Held-out ELBO*: MM-GPVAE's ELBO per clip against the sum of the two GP-VAEs' ELBOs (the
  same data, so both bound ``log p(hippocampus, amygdala)``); as bits/spike.
* *Cross-modal prediction*: amygdala counts predicted from the hippocampus only (through the
  shared block; the amygdala's private latents stay at their GP prior and are integrated
  out), and the reverse; against each unit's mean rate over the training clips, the training
  PSTH, GPFA's prediction from the hippocampus rows, and a **clip-shuffle control**: the same
  model fed the hippocampus counts of *another* held-out clip (200 random pairings per fold).
  The control keeps everything locked to clip onset and the slow state of the session; only
  a prediction better than it shows clip-specific shared fluctuations.
* *Shared fraction*: for each region, the share of the variance of the decoded log-rate
  (posterior means of held-out clips, from both regions) that comes from the shared block,
  ``sum_u Var(W_s x_s) / sum_u Var(W_s x_s + W_p x_p)``, per shared latent too, and in count
  space the R^2 of the predicted rates with the private block integrated out over its prior
  divided by the R^2 with both blocks.

bits/spike (:func:`neurokit.latent.metrics.bits_per_spike`) is
``(LL(model) - LL(mean rate of each unit over the scored bins)) / (n_spikes ln 2)``, pooled
over all 90 held-out clips (each predicted by the fold model that did not train on it); the
per-fold values are in ``numbers.json`` and the bars' dots.

**Figures.** ``shared_latents_by_category.png``: held-out shared latents averaged per
category (mean +- s.e.m. over clips) aligned to clip onset and to ``boundary1_time`` (the SB
clips' first cut; the HB cut at 4 s; 4 s into NB clips, a control time without an event);
each fold's shared block is mapped onto fold 1's by least squares on the latents of all 90
clips (both models encode every clip; labels are not used), as latent axes are arbitrary.
Category differences are tested by permuting ``stimCategory`` across clips (2000
permutations; statistic: summed one-way ANOVA F of the mean latent 0-1 s after the event
minus the mean 1 s before; two tests, onset and boundary, p-values uncorrected).
``reconstruction_heldout_clip.png``: one held-out HB clip (the one with most amygdala spikes
in fold 1): counts, and as log2 gain over each unit's mean
rate the MM-GPVAE reconstruction, the cross-modal prediction and the GP-VAE reconstruction;
its latents with their posterior sd. ``bits_per_spike.png``.

**Observed with the defaults** (seed 0; pooled over the 90 held-out clips, bits/spike):
cross-modal amygdala from hippocampus 0.034 (GPFA 0.043; clip-shuffled source -0.019,
p = 0.005, the smallest possible with 200 shuffles; training PSTH -0.046; mean rate -0.002),
hippocampus from amygdala 0.006 (GPFA 0.006; shuffled -0.005, p = 0.005); co-smoothing
amygdala 0.062 vs GP-VAE 0.044 and GPFA 0.098, hippocampus 0.004 / 0.000 / 0.005;
reconstruction of held-in units: the single-region GP-VAEs are best (0.10 and 0.28 against
MM-GPVAE's 0.04 and 0.17); held-out ELBO MM-GPVAE -957.1 vs two GP-VAEs -957.4 nats per clip
(equal within the fold spread). The learned shared length-scales sit at the 1-bin floor
(0.2 s) and MM-GPVAE routes nearly all of both regions' decoded variance through its shared
block (hippocampus's private block collapsed to the prior), so the "shared fraction" (1.00
hippocampus, 0.95 amygdala) says where this fit puts the signal, not how much is shared.
Shared latents by category: onset p = 0.03, boundary p = 0.78 (uncorrected): no evidence of
boundary-type-specific shared dynamics.

**What the data can and cannot show.** One patient, one session, 35 units (10 in the
amygdala), 90 clips of 38 bins: every number here is a single-subject case study with wide
uncertainty (see the per-fold spread), and units on one microwire can share noise or be
imperfectly separated neurons. There are no ground-truth latents, so no claim about *which*
latent is "the" shared one is possible; latent axes are identifiable only up to a linear
map. The modulation is weak: the training PSTH predicts held-out clips worse than the
mean rate, and the best models gain a few hundredths of a bit per spike. A shared block
carries "shared" variance by construction whenever the model puts signal there; the
cross-modal prediction against the clip-shuffle control is the test that matters, and a
positive result means co-fluctuations of the two regions' rates within clips (which could
also be a common arousal/eye-movement state, or shared artefacts), not communication between
regions. Boundary-category differences in latent trajectories are tested by a label
permutation; with 30 clips per category only large effects can be seen.

**The suite2p session** (``suite2p_fissa_example``: 23 ROIs x 864 frames, 3 movies of 288
frames) is *not* analysed: it has one modality (fluorescence; ``spks`` is deconvolved from the
same ``F``, so a "shared" block between them would be trivially everything), no stimulus or
behaviour record, an unknown frame rate (``fs = 1``, suite2p's default) and 3 trials, so there
is nothing for a multi-modal model to separate and no held-out trial split worth the name.

Outputs (``<out>/mmgpvae_human_mtl/``): ``numbers.json``, ``bits_per_spike.png``,
``shared_latents_by_category.png``, ``reconstruction_heldout_clip.png``.
Runtime with the defaults: about 6 min on one core (5 folds x 3 neural fits of 200 epochs,
~20 s each; measured 345 s CPU / 347 s wall, and 13 min wall on a loaded shared machine;
``numbers.json`` records both).

Usage::

    python analyses/mmgpvae_human_mtl.py [--out results/analyses] [--data ../shared/data]
                                         [--epochs 200] [--folds 5] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import xarray as xr  # noqa: E402
from _cli import analysis_parser  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from neurokit._atomic import write_json  # noqa: E402
from neurokit.io import read_nwb  # noqa: E402
from neurokit.latent.gpfa import GPFA, gpfa_e_step  # noqa: E402
from neurokit.latent.metrics import bits_per_spike, poisson_log_likelihood  # noqa: E402
from neurokit.latent.mmgpvae import MMGPVAE  # noqa: E402
from neurokit.plotting._figure import pyplot, save_figure  # noqa: E402
from neurokit.preprocess import align_to_events  # noqa: E402

NAME = "mmgpvae_human_mtl"
NWB = Path("nwb_ecephys_human_mtl_dandi000207") / "sub-4_ses-4_ecephys+image.nwb"
REGIONS = {"hippocampus": "hippocampus_right", "amygdala": "amygdala_right"}
BIN = 0.2  # s
WINDOW = (-0.8, 6.8)  # s around clip onset
CATEGORIES = {0: "NB (no boundary)", 1: "SB (soft boundary)", 2: "HB (hard boundary)"}
N_SHARED, N_PRIVATE, N_GPFA = 2, 2, 6
MODEL = dict(batch_size=24, lr=5e-3, init_lengthscale=2.0, min_lengthscale=1.0,
             shared_warmup=20, modality_dropout=0.3, kl_warmup=60,
             enable_progress_bar=False)
N_SHUFFLES = 200
N_PERMUTATIONS = 2000
REL_BOUNDARY = np.round(np.arange(-1.0, 1.0 + 1e-9, 0.1), 3)  # s around boundary1


# --------------------------------------------------------------------------- data
def load_clips(nwb: Path, bin_size: float = BIN,
               window: tuple[float, float] = WINDOW) -> xr.DataArray:
    """Spike counts ``(trial, time, unit)`` of the 90 encoding clips, with a ``region`` coord.

    Read with :func:`neurokit.io.read_nwb` and cut with
    :func:`neurokit.preprocess.align_to_events` (clip onset = ``start_time``); the encoding
    table's columns (``stimCategory``, ``boundary1_time``...) are coordinates on ``trial``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pynwb's OpticalSeries warnings (no pixels)
        tree = read_nwb(nwb, modules=["units", "intervals", "general"])
    units = tree["units"].dataset
    electrodes = tree["general/electrodes"].dataset
    clips = tree["intervals/encoding_table"].dataset
    counts = align_to_events(units, clips, window, event="start_time", bin_size=bin_size)
    location = electrodes["location"].sel(channel=units["electrodes"].values).values
    region = np.array([next((k for k, v in REGIONS.items() if v == loc), "other")
                       for loc in location])
    return counts.assign_coords(region=("unit", region),
                                wire=("unit", units["electrodes"].values))


def region_data(counts: xr.DataArray, trials: np.ndarray) -> dict[str, np.ndarray]:
    """``{region: (trial, time, unit) int array}`` of the given trials."""
    return {r: counts.values[trials][:, :, counts["region"].values == r] for r in REGIONS}


def heldout_units(counts: xr.DataArray, n_folds: int, seed: int) -> list[dict[str, list[int]]]:
    """Per fold, the units (positions within each region) hidden from the encoders."""
    rng = np.random.default_rng(seed + 1)
    groups = {r: np.array_split(rng.permutation(int((counts["region"] == r).sum())), n_folds)
              for r in REGIONS}
    return [{r: sorted(int(i) for i in groups[r][k]) for r in REGIONS} for k in range(n_folds)]


# --------------------------------------------------------------------------- models
def fit_mm(train: Mapping[str, np.ndarray], held: Mapping[str, list[int]], epochs: int,
           seed: int) -> MMGPVAE:
    """MM-GPVAE with a shared block and one private block per region."""
    return MMGPVAE(n_shared=N_SHARED, n_private=N_PRIVATE, modalities=list(REGIONS),
                   likelihoods={r: "poisson" for r in REGIONS}, heldout_features=dict(held),
                   max_epochs=epochs, seed=seed, **MODEL).fit(dict(train))


def fit_gpvae(train: Mapping[str, np.ndarray], region: str, held: Sequence[int], epochs: int,
              seed: int) -> MMGPVAE:
    """The single-modality GP-VAE of one region (as many latents as its MM-GPVAE decoder)."""
    return MMGPVAE(n_shared=0, n_private=N_SHARED + N_PRIVATE, modalities=[region],
                   likelihoods={region: "poisson"}, heldout_features={region: list(held)},
                   max_epochs=epochs, seed=seed, **MODEL).fit({region: train[region]})


def gpfa_rates(model: GPFA, counts: np.ndarray, seen: np.ndarray,
               predict: np.ndarray) -> np.ndarray:
    """GPFA's expected counts of units ``predict`` from the square-rooted counts of ``seen``.

    The E-step uses the rows of ``seen`` only; the rate of unit ``i`` is the mean of the
    square of its Gaussian prediction, ``max(c_i x + d_i, 0)^2 + R_i``.
    """
    C, d, R = model.C_, model.d_, model.R_
    mean, _, _ = gpfa_e_step(np.sqrt(counts[:, :, seen]), C[seen], d[seen], R[seen],
                             model.gamma_, model.eps_)
    mu = mean @ C[predict].T + d[predict]
    return np.maximum(mu, 0.0) ** 2 + R[predict]


def _lograte_parts(model: MMGPVAE, data: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Posterior means and variances of the latents, and each region's decoder weights."""
    z = model.transform(dict(data))
    mu, sd = z["latents"].values, z["latents_sd"].values
    blocks = z["block"].values
    module = model.module_
    n_time = mu.shape[1]
    basis = module.basis(n_time)
    with torch.no_grad():
        prior_var_t = basis.var_to_time(module.prior_variance(basis)[None])[0]
    out: dict[str, Any] = {"mu": mu, "var": sd ** 2, "blocks": blocks,
                           "prior_var": prior_var_t.numpy()}
    for i, region in enumerate(model.modalities_):
        dec = module.decoders[i]
        cols = np.flatnonzero((blocks == "shared") | (blocks == region))
        out[region] = (dec.weight.detach().double().numpy(), dec.bias.detach().double().numpy(),
                       cols)
    return out


def shared_fraction(model: MMGPVAE, data: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """How much of each region's decoded variance the shared block carries (held-out clips)."""
    parts = _lograte_parts(model, data)
    mu, var, blocks, pv = parts["mu"], parts["var"], parts["blocks"], parts["prior_var"]
    out: dict[str, Any] = {}
    for region in model.modalities_:
        W, b, cols = parts[region]
        is_shared = blocks[cols] == "shared"
        x = mu[..., cols].reshape(-1, len(cols))
        eta_s = x[:, is_shared] @ W[:, is_shared].T
        eta_p = x[:, ~is_shared] @ W[:, ~is_shared].T
        v_s, v_p = eta_s.var(0).sum(), eta_p.var(0).sum()
        v_all = (eta_s + eta_p).var(0).sum()
        per_latent = [float((x[:, [j]] @ W[:, [j]].T).var(0).sum() / v_all)
                      for j in np.flatnonzero(is_shared)]
        # count space: rates with both blocks, and with the private block integrated out over
        # its GP prior (E[exp(w x)] = exp(w mu + w^2 var / 2))
        vt = var[..., cols].reshape(-1, len(cols))
        pvt = np.broadcast_to(pv[:, cols], (mu.shape[0],) + pv[:, cols].shape).reshape(
            -1, len(cols))
        y = np.asarray(data[region], dtype=np.float64).reshape(-1, W.shape[0])
        full = np.exp(b + eta_s + eta_p + 0.5 * vt @ (W ** 2).T)
        v_sh = np.where(is_shared, vt, pvt)
        shared_only = np.exp(b + eta_s + 0.5 * v_sh @ (W ** 2).T)
        sst = ((y - y.mean(0)) ** 2).sum()
        r2_full = 1.0 - ((y - full) ** 2).sum() / sst
        r2_shared = 1.0 - ((y - shared_only) ** 2).sum() / sst
        out[region] = {
            "lograte_var_fraction_shared": float(v_s / v_all),
            "lograte_var_fraction_private": float(v_p / v_all),
            "lograte_cov_term": float(1.0 - (v_s + v_p) / v_all),
            "lograte_var_fraction_per_shared_latent": per_latent,
            "count_r2_both_blocks": float(r2_full),
            "count_r2_shared_block_only": float(r2_shared),
        }
    return out


# --------------------------------------------------------------------------- one fold
def run_fold(counts: xr.DataArray, train_idx: np.ndarray, test_idx: np.ndarray,
             held: Mapping[str, list[int]], epochs: int, seed: int) -> dict[str, Any]:
    """Fit every model on the training clips and predict the held-out clips."""
    train, test = region_data(counts, train_idx), region_data(counts, test_idx)
    res: dict[str, Any] = {"test_idx": test_idx, "held": held, "timing_s": {}}

    t0 = time.process_time()
    mm = fit_mm(train, held, epochs, seed)
    res["timing_s"]["mm_gpvae_cpu"] = time.process_time() - t0
    res["mm"] = mm
    res["mm_recon"] = {r: mm.reconstruct(test)[r].values for r in REGIONS}
    res["mm_elbo"] = mm.score(test)
    res["mm_train_kl"] = float(mm.fit_metrics_.get("train/kl", np.nan))
    cross = {"amygdala": "hippocampus", "hippocampus": "amygdala"}  # target <- source
    res["mm_cross"] = {tgt: mm.reconstruct(test, from_modalities=[src])[tgt].values
                       for tgt, src in cross.items()}
    # clip-shuffle control: the source region of another held-out clip
    rng = np.random.default_rng(seed + 100)
    n = len(test_idx)
    res["mm_cross_shuffled"] = {tgt: [] for tgt in cross}
    for _ in range(N_SHUFFLES):
        perm = rng.permutation(n)
        while np.any(perm == np.arange(n)):  # a derangement: no clip keeps its own source
            perm = rng.permutation(n)
        for tgt, src in cross.items():
            fake = {src: test[src][perm]}
            res["mm_cross_shuffled"][tgt].append(
                mm.reconstruct(fake, from_modalities=[src])[tgt].values)
    res["mm_fraction"] = shared_fraction(mm, test)

    res["gp_recon"], res["gp_elbo"], res["gp_train_kl"] = {}, {}, {}
    for r in REGIONS:
        t0 = time.process_time()
        gp = fit_gpvae(train, r, held[r], epochs, seed)
        res["timing_s"][f"gpvae_{r}_cpu"] = time.process_time() - t0
        res["gp_recon"][r] = gp.reconstruct({r: test[r]})[r].values
        res["gp_elbo"][r] = gp.score({r: test[r]})
        res["gp_train_kl"][r] = float(gp.fit_metrics_.get("train/kl", np.nan))

    # GPFA on all units (region order: hippocampus units, then amygdala units)
    t0 = time.process_time()
    all_train = np.concatenate([train[r] for r in REGIONS], axis=2)
    all_test = np.concatenate([test[r] for r in REGIONS], axis=2)
    gpfa = GPFA(n_latents=N_GPFA, bin_size=BIN, tau_init=0.5, max_iter=200).fit(all_train)
    res["timing_s"]["gpfa_cpu"] = time.process_time() - t0
    sizes = [train[r].shape[2] for r in REGIONS]
    offsets = dict(zip(REGIONS, np.cumsum([0, *sizes[:-1]]), strict=True))
    pos = {r: offsets[r] + np.arange(s) for r, s in zip(REGIONS, sizes, strict=True)}
    hidden = np.concatenate([pos[r][held[r]] for r in REGIONS])
    seen = np.setdiff1d(np.arange(sum(sizes)), hidden)
    rates = gpfa_rates(gpfa, all_test, seen, np.arange(sum(sizes)))
    res["gpfa_recon"] = {r: rates[:, :, pos[r]] for r in REGIONS}
    res["gpfa_cross"] = {}
    for tgt, src in cross.items():
        src_seen = np.setdiff1d(pos[src], pos[src][held[src]])
        res["gpfa_cross"][tgt] = gpfa_rates(gpfa, all_test, src_seen, pos[tgt])
    res["gpfa_timescales_s"] = gpfa.timescales_.tolist()

    # rate baselines from the training clips
    res["mean_rate"] = {r: np.broadcast_to(train[r].mean((0, 1)), test[r].shape)
                        for r in REGIONS}
    res["psth"] = {r: np.broadcast_to(train[r].mean(0) + 1e-3, test[r].shape) for r in REGIONS}
    res["lengthscales_s"] = (mm.lengthscales_ * BIN).tolist()
    return res


# --------------------------------------------------------------------------- scoring
def _bps(rates: np.ndarray, counts: np.ndarray) -> float:
    return bits_per_spike(np.asarray(rates, dtype=np.float64), counts) if counts.sum() else np.nan


def _bps_masked(rates: np.ndarray, counts: np.ndarray, mask: np.ndarray) -> float:
    """bits/spike over the (clip, unit) pairs where ``mask`` is True, against each unit's mean
    count over its selected bins (the NLB baseline, per unit)."""
    gain, n_spikes = 0.0, 0.0
    for u in range(counts.shape[2]):
        sel = mask[:, u]
        if not sel.any():
            continue
        y = counts[sel, :, u].astype(np.float64)
        gain += (poisson_log_likelihood(rates[sel, :, u], y)
                 - poisson_log_likelihood(np.full(y.shape, y.mean()), y))
        n_spikes += y.sum()
    return float(gain / (n_spikes * np.log(2)))


def score_all(counts: xr.DataArray, folds: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """bits/spike of every model and metric, pooled over all held-out clips and per fold."""
    n_trials = counts.sizes["trial"]
    data_all = region_data(counts, np.arange(n_trials))
    n_units = {r: data_all[r].shape[2] for r in REGIONS}
    # held-in / held-out masks per clip and unit (each clip is in one fold's test set)
    heldout_mask = {r: np.zeros((n_trials, n_units[r]), dtype=bool) for r in REGIONS}
    pooled: dict[str, dict[str, np.ndarray]] = {}

    def put(name: str, region: str, idx: np.ndarray, values: np.ndarray) -> None:
        arr = pooled.setdefault(name, {}).setdefault(
            region, np.full(data_all[region].shape, np.nan))
        arr[idx] = values

    for f in folds:
        idx = f["test_idx"]
        for r in REGIONS:
            heldout_mask[r][np.ix_(idx, f["held"][r])] = True
            put("MM-GPVAE", r, idx, f["mm_recon"][r])
            put("GP-VAE (one region)", r, idx, f["gp_recon"][r])
            put("GPFA", r, idx, f["gpfa_recon"][r])
            put("mean rate (train)", r, idx, f["mean_rate"][r])
            put("PSTH (train)", r, idx, f["psth"][r])
            put("cross MM-GPVAE", r, idx, f["mm_cross"][r])
            put("cross GPFA", r, idx, f["gpfa_cross"][r])

    def masked_bps(rates: np.ndarray, region: str, heldout: bool | None) -> float:
        y = data_all[region]
        if heldout is None:
            return _bps(rates, y)
        m = heldout_mask[region] if heldout else ~heldout_mask[region]
        return _bps_masked(rates, y, m)

    out: dict[str, Any] = {"reconstruction_heldin_units": {}, "cosmoothing_heldout_units": {},
                           "cross_modal_all_units": {}}
    for r in REGIONS:
        out["reconstruction_heldin_units"][r] = {
            k: masked_bps(pooled[k][r], r, False)
            for k in ("MM-GPVAE", "GP-VAE (one region)", "GPFA", "mean rate (train)",
                      "PSTH (train)")}
        out["cosmoothing_heldout_units"][r] = {
            k: masked_bps(pooled[k][r], r, True)
            for k in ("MM-GPVAE", "GP-VAE (one region)", "GPFA", "mean rate (train)",
                      "PSTH (train)")}
        cross = {
            "MM-GPVAE (from the other region)": masked_bps(pooled["cross MM-GPVAE"][r], r, None),
            "GPFA (from the other region)": masked_bps(pooled["cross GPFA"][r], r, None),
            "mean rate (train)": masked_bps(pooled["mean rate (train)"][r], r, None),
            "PSTH (train)": masked_bps(pooled["PSTH (train)"][r], r, None),
        }
        # clip-shuffle null: shuffle s of every fold pooled together
        null = []
        for s in range(N_SHUFFLES):
            arr = np.full(data_all[r].shape, np.nan)
            for f in folds:
                arr[f["test_idx"]] = f["mm_cross_shuffled"][r][s]
            null.append(_bps(arr, data_all[r]))
        null = np.asarray(null)
        real = cross["MM-GPVAE (from the other region)"]
        cross["MM-GPVAE, clip-shuffled source (mean of null)"] = float(null.mean())
        cross["clip_shuffle_null_95th_percentile"] = float(np.percentile(null, 95))
        cross["clip_shuffle_p_value"] = float((1 + (null >= real).sum()) / (1 + len(null)))
        cross["clip_shuffle_n"] = int(len(null))
        out["cross_modal_all_units"][r] = cross

    # per fold (each fold's 18 clips), for the spread
    per_fold: dict[str, list[float]] = {}
    for f in folds:
        idx = f["test_idx"]
        for r in REGIONS:
            y = data_all[r][idx]
            hm = np.zeros(y.shape[2], dtype=bool)
            hm[f["held"][r]] = True
            for key, rates in (("MM-GPVAE", f["mm_recon"][r]),
                               ("GP-VAE (one region)", f["gp_recon"][r]),
                               ("GPFA", f["gpfa_recon"][r])):
                per_fold.setdefault(f"reconstruction {r} {key}", []).append(
                    _bps(rates[..., ~hm], y[..., ~hm]))
                per_fold.setdefault(f"cosmoothing {r} {key}", []).append(
                    _bps(rates[..., hm], y[..., hm]))
            per_fold.setdefault(f"cross {r} MM-GPVAE", []).append(_bps(f["mm_cross"][r], y))
            per_fold.setdefault(f"cross {r} GPFA", []).append(_bps(f["gpfa_cross"][r], y))
            per_fold.setdefault(f"cross {r} MM-GPVAE clip-shuffled", []).append(float(np.mean(
                [_bps(s, y) for s in f["mm_cross_shuffled"][r][:20]])))
            per_fold.setdefault(f"cross {r} PSTH (train)", []).append(_bps(f["psth"][r], y))
            per_fold.setdefault(f"cross {r} mean rate (train)", []).append(
                _bps(f["mean_rate"][r], y))
    out["per_fold"] = per_fold

    # held-out ELBO: MM-GPVAE vs the two GP-VAEs together (both bound log p(hip, amy))
    n_spikes = sum(int(data_all[r].sum()) for r in REGIONS)
    mm_elbo = np.array([f["mm_elbo"] * len(f["test_idx"]) for f in folds]).sum()
    gp_elbo = np.array([sum(f["gp_elbo"].values()) * len(f["test_idx"]) for f in folds]).sum()
    out["heldout_elbo"] = {
        "mm_gpvae_nats_per_clip": float(mm_elbo / n_trials),
        "two_gpvaes_nats_per_clip": float(gp_elbo / n_trials),
        "difference_bits_per_spike": float((mm_elbo - gp_elbo) / (n_spikes * np.log(2))),
        "per_fold_difference_nats_per_clip": [
            float(f["mm_elbo"] - sum(f["gp_elbo"].values())) for f in folds],
        "mean_rate_loglik_nats_per_clip": float(sum(
            poisson_log_likelihood(pooled["mean rate (train)"][r], data_all[r])
            for r in REGIONS) / n_trials),
    }
    return out


# --------------------------------------------------------------------------- latents
def aligned_shared_latents(counts: xr.DataArray,
                           folds: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Held-out shared latents ``(trial, time, n_shared)`` in fold 1's latent coordinates.

    Each fold model encodes all 90 clips; its shared block is mapped onto fold 1's by an
    affine least-squares fit over all clips and bins (no labels), then only its held-out
    clips are kept.
    """
    data_all = region_data(counts, np.arange(counts.sizes["trial"]))

    def shared(model: MMGPVAE) -> np.ndarray:
        z = model.transform(data_all)
        return z["latents"].values[..., z["block"].values == "shared"]

    ref = shared(folds[0]["mm"])
    out = np.full(ref.shape, np.nan)
    for k, f in enumerate(folds):
        z = ref if k == 0 else shared(f["mm"])
        if k:
            x = np.c_[z.reshape(-1, z.shape[2]), np.ones(z.shape[0] * z.shape[1])]
            coef, *_ = np.linalg.lstsq(x, ref.reshape(-1, ref.shape[2]), rcond=None)
            z = (x @ coef).reshape(ref.shape)
        out[f["test_idx"]] = z[f["test_idx"]]
    return out


def boundary_aligned(latents: np.ndarray, time: np.ndarray,
                     boundary: np.ndarray) -> np.ndarray:
    """Latents on ``REL_BOUNDARY`` seconds around each clip's boundary (linear interpolation;
    NaN outside the binned window)."""
    out = np.full((latents.shape[0], REL_BOUNDARY.size, latents.shape[2]), np.nan)
    for i in range(latents.shape[0]):
        t = boundary[i] + REL_BOUNDARY
        inside = (t >= time[0]) & (t <= time[-1])
        for j in range(latents.shape[2]):
            out[i, inside, j] = np.interp(t[inside], time, latents[i, :, j])
    return out


def category_permutation_test(latents: np.ndarray, rel: np.ndarray, category: np.ndarray,
                              seed: int) -> dict[str, float]:
    """Do the shared latents' event responses differ between categories? (label permutation)

    Response of a clip: mean latent in [0, 1) s after the event minus the mean in [-1, 0) s;
    statistic: one-way ANOVA F summed over the shared latents.
    """
    post = np.nanmean(latents[:, (rel >= 0) & (rel < 1.0)], axis=1)
    pre = np.nanmean(latents[:, (rel >= -1.0) & (rel < 0)], axis=1)
    resp = post - pre  # (clip, latent)

    def stat(labels: np.ndarray) -> float:
        total = 0.0
        for j in range(resp.shape[1]):
            groups = [resp[labels == c, j] for c in np.unique(labels)]
            grand = resp[:, j].mean()
            between = sum(len(g) * (g.mean() - grand) ** 2 for g in groups) / (len(groups) - 1)
            within = sum(((g - g.mean()) ** 2).sum() for g in groups) / (len(resp) - len(groups))
            total += between / within
        return float(total)

    rng = np.random.default_rng(seed)
    real = stat(category)
    null = np.array([stat(rng.permutation(category)) for _ in range(N_PERMUTATIONS)])
    return {"summed_F": real, "p_value": float((1 + (null >= real).sum()) / (1 + len(null))),
            "n_permutations": N_PERMUTATIONS}


# --------------------------------------------------------------------------- figures
def plot_latents(onset: np.ndarray, time: np.ndarray, around: np.ndarray,
                 category: np.ndarray, tests: Mapping[str, Mapping[str, float]]) -> Any:
    plt = pyplot()
    n_lat = onset.shape[2]
    fig, axes = plt.subplots(n_lat, 2, figsize=(10, 2.8 * n_lat), layout="constrained",
                             squeeze=False)
    colors = {0: "tab:gray", 1: "tab:blue", 2: "tab:red"}
    for j in range(n_lat):
        for col, (x, lat, label) in enumerate(((time, onset, "clip onset"),
                                               (REL_BOUNDARY, around, "boundary1"))):
            ax = axes[j, col]
            for c, name in CATEGORIES.items():
                v = lat[category == c, :, j]
                m = np.nanmean(v, 0)
                se = np.nanstd(v, 0) / np.sqrt(np.maximum((~np.isnan(v)).sum(0), 1))
                ax.plot(x, m, color=colors[c], label=f"{name}, n={int((category == c).sum())}")
                ax.fill_between(x, m - se, m + se, color=colors[c], alpha=0.2, lw=0)
            ax.axvline(0, color="k", lw=0.8, ls="--")
            ax.set_xlabel(f"time from {label} (s)")
            ax.set_ylabel(f"shared latent {j} (a.u.)")
            key = "onset" if col == 0 else "boundary"
            ax.set_title(f"aligned to {label}; category permutation p = "
                         f"{tests[key]['p_value']:.3f}", fontsize="small")
    axes[0, 0].legend(frameon=False, fontsize="x-small")
    fig.suptitle("MM-GPVAE shared latents of held-out clips (fold models aligned to fold 1), "
                 "mean +- s.e.m.", fontsize="medium")
    return fig


def plot_reconstruction(counts: xr.DataArray, fold: Mapping[str, Any], clip_pos: int) -> Any:
    plt = pyplot()
    idx = fold["test_idx"]
    clip = int(idx[clip_pos])
    data = region_data(counts, np.array([clip]))
    time = counts["time"].values
    fig, axes = plt.subplots(3, 4, figsize=(14, 8), layout="constrained",
                             gridspec_kw={"height_ratios": [2.5, 1.2, 1.3]})
    for row, r in enumerate(REGIONS):
        other = "amygdala" if r == "hippocampus" else "hippocampus"
        # predicted rates as log2 gain over each unit's training mean rate: the modulation is
        # a few tens of percent, invisible on the count scale
        base = fold["mean_rate"][r][0, 0]
        panels = [("MM-GPVAE, from both regions", fold["mm_recon"][r][clip_pos]),
                  (f"MM-GPVAE, from the {other} only", fold["mm_cross"][r][clip_pos]),
                  ("GP-VAE, this region only", fold["gp_recon"][r][clip_pos])]
        gains = [np.log2(values / base) for _, values in panels]
        vlim = max(0.1, max(float(np.abs(g).max()) for g in gains))
        extent = (time[0] - BIN / 2, time[-1] + BIN / 2, -0.5, data[r].shape[2] - 0.5)
        ax = axes[row, 0]
        im = ax.imshow(data[r][0].T, aspect="auto", origin="lower", cmap="viridis", vmin=0,
                       vmax=max(1.0, float(np.percentile(data[r][0], 99))), extent=extent,
                       interpolation="nearest")
        ax.set_title(f"{r}: spike counts", fontsize="small")
        ax.set_ylabel("unit")
        fig.colorbar(im, ax=ax, label="spikes / bin")
        for col, ((title, _), gain) in enumerate(zip(panels, gains, strict=True), start=1):
            ax = axes[row, col]
            im = ax.imshow(gain.T, aspect="auto", origin="lower", cmap="RdBu_r", vmin=-vlim,
                           vmax=vlim, extent=extent, interpolation="nearest")
            ax.set_title(f"{r}: {title}", fontsize="small")
        fig.colorbar(im, ax=axes[row, -1], label="log2(rate / mean rate)")
    z = fold["mm"].transform(region_data(counts, np.array([clip])))
    blocks = z["block"].values
    show = [*np.flatnonzero(blocks == "shared"),
            *(np.flatnonzero(blocks == r)[0] for r in REGIONS)][:4]
    for ax, j in zip(axes[2], show, strict=False):
        name = z["latent"].values[j]
        m = z["latents"].values[0, :, j]
        s = z["latents_sd"].values[0, :, j]
        ax.plot(time, m, color="k")
        ax.fill_between(time, m - s, m + s, color="0.7")
        ax.set_title(f"latent {name} ({z['block'].values[j]}) +- posterior sd",
                     fontsize="small")
        ax.set_xlabel("time from clip onset (s)")
    cat = int(counts["stimCategory"].values[clip])
    b1 = float(counts["boundary1_time"].values[clip] - counts["start_time"].values[clip])
    fig.suptitle(f"held-out clip {counts['Clip_name'].values[clip]} ({CATEGORIES[cat]}, "
                 f"boundary1 at {b1:.2f} s)", fontsize="medium")
    return fig


def plot_bits(scores: Mapping[str, Any]) -> Any:
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    per_fold = scores["per_fold"]
    specs = [
        ("reconstruction (held-in units)", "reconstruction_heldin_units", "reconstruction",
         ["MM-GPVAE", "GP-VAE (one region)", "GPFA"]),
        ("co-smoothing (held-out units)", "cosmoothing_heldout_units", "cosmoothing",
         ["MM-GPVAE", "GP-VAE (one region)", "GPFA"]),
    ]
    colors = {"MM-GPVAE": "tab:purple", "GP-VAE (one region)": "tab:green", "GPFA": "tab:orange",
              "MM-GPVAE clip-shuffled": "plum", "PSTH (train)": "tab:gray",
              "mean rate (train)": "tab:brown"}
    for ax, (title, key, fold_key, models) in zip(axes[:2], specs, strict=True):
        for ri, r in enumerate(REGIONS):
            for mi, m in enumerate(models):
                x = ri * (len(models) + 1) + mi
                ax.bar(x, scores[key][r][m], color=colors[m],
                       label=m if ri == 0 else None)
                dots = per_fold[f"{fold_key} {r} {m}"]
                ax.plot(np.full(len(dots), x), dots, "k.", ms=4)
        ax.set_xticks([(len(models) - 1) / 2 + ri * (len(models) + 1)
                       for ri in range(len(REGIONS))], list(REGIONS))
        ax.axhline(0, color="k", lw=0.8)
        ax.set_title(title, fontsize="small")
        ax.set_ylabel("bits / spike (bars: pooled, dots: folds)")
        ax.legend(frameon=False, fontsize="x-small")
    ax = axes[2]
    models = [("MM-GPVAE (from the other region)", "MM-GPVAE"),
              ("GPFA (from the other region)", "GPFA"),
              ("MM-GPVAE, clip-shuffled source (mean of null)", "MM-GPVAE clip-shuffled"),
              ("PSTH (train)", "PSTH (train)"), ("mean rate (train)", "mean rate (train)")]
    for ri, r in enumerate(REGIONS):
        for mi, (m, fk) in enumerate(models):
            x = ri * (len(models) + 1) + mi
            ax.bar(x, scores["cross_modal_all_units"][r][m], color=colors[fk],
                   label=m if ri == 0 else None)
            dots = per_fold[f"cross {r} {fk}"]
            ax.plot(np.full(len(dots), x), dots, "k.", ms=4)
    ax.set_xticks([(len(models) - 1) / 2 + ri * (len(models) + 1)
                   for ri in range(len(REGIONS))],
                  [f"{r}\n(from the other region)" for r in REGIONS])
    ax.axhline(0, color="k", lw=0.8)
    ax.set_title("cross-modal prediction (all units of the target region)", fontsize="small")
    ax.legend(frameon=False, fontsize="x-small")
    fig.suptitle("Held-out clips (5-fold CV by clip), bits/spike over each unit's mean rate",
                 fontsize="medium")
    return fig


# --------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = analysis_parser(__doc__, NAME)
    parser.add_argument("--epochs", type=int, default=200, help="training epochs per model")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (clips)")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Cross-validate the models, score them, draw the figures, write numbers.json."""
    args = parse_args(argv)
    torch.set_num_threads(1)
    out = args.out / NAME
    t_start, cpu_start = time.time(), time.process_time()
    nwb = args.data / NWB
    if not nwb.is_file():
        print(f"{NAME}: {nwb} is not available; point --data (or NEUROKIT_SHARED_DATA) at the "
              f"shared data folder.", file=sys.stderr)
        return 2
    counts = load_clips(nwb)
    category = counts["stimCategory"].values.astype(int)
    print(f"{counts.sizes['trial']} clips x {counts.sizes['time']} bins of {BIN} s x "
          f"{counts.sizes['unit']} units "
          f"({', '.join(f'{r} {int((counts.region == r).sum())}' for r in REGIONS)}); "
          f"mean count/bin {float(counts.mean()):.3f}")

    splitter = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
    held = heldout_units(counts, args.folds, args.seed)
    folds = []
    for k, (tr, te) in enumerate(splitter.split(np.zeros(len(category)), category)):
        t0 = time.time()
        res = run_fold(counts, tr, te, held[k], args.epochs, args.seed)
        folds.append(res)
        print(f"fold {k + 1}/{args.folds}: {time.time() - t0:.0f} s wall; train KL per clip "
              f"MM-GPVAE {res['mm_train_kl']:.2f}, GP-VAE "
              f"{', '.join(f'{r} {v:.2f}' for r, v in res['gp_train_kl'].items())}; held-out "
              f"ELBO/clip MM {res['mm_elbo']:.1f} vs GP-VAEs "
              f"{sum(res['gp_elbo'].values()):.1f}", flush=True)

    scores = score_all(counts, folds)
    fractions = {r: {k: float(np.mean([f["mm_fraction"][r][k] for f in folds]))
                     for k in folds[0]["mm_fraction"][r]
                     if k != "lograte_var_fraction_per_shared_latent"} for r in REGIONS}
    for r in REGIONS:
        fractions[r]["per_fold_lograte_var_fraction_shared"] = [
            f["mm_fraction"][r]["lograte_var_fraction_shared"] for f in folds]
        fractions[r]["lograte_var_fraction_per_shared_latent_per_fold"] = [
            f["mm_fraction"][r]["lograte_var_fraction_per_shared_latent"] for f in folds]

    # latents by category, aligned to clip onset and to boundary1
    time_axis = counts["time"].values
    shared = aligned_shared_latents(counts, folds)
    boundary = (counts["boundary1_time"] - counts["start_time"]).values
    around = boundary_aligned(shared, time_axis, boundary)
    tests = {"onset": category_permutation_test(shared, time_axis, category, args.seed),
             "boundary": category_permutation_test(around, REL_BOUNDARY, category, args.seed)}

    for key, label in (("reconstruction_heldin_units", "reconstruction (held-in units)"),
                       ("cosmoothing_heldout_units", "co-smoothing (held-out units)"),
                       ("cross_modal_all_units", "cross-modal (from the other region)")):
        print(f"\n{label}, bits/spike pooled over the 90 held-out clips")
        for r in REGIONS:
            print(f"  {r:12s} " + "; ".join(
                f"{m} {v:.4f}" if isinstance(v, float) else f"{m} {v}"
                for m, v in scores[key][r].items()))
    e = scores["heldout_elbo"]
    print(f"\nheld-out ELBO per clip: MM-GPVAE {e['mm_gpvae_nats_per_clip']:.2f} nats, two "
          f"GP-VAEs {e['two_gpvaes_nats_per_clip']:.2f} nats (difference "
          f"{e['difference_bits_per_spike']:.4f} bits/spike; per fold "
          f"{np.round(e['per_fold_difference_nats_per_clip'], 2).tolist()} nats/clip)")
    for r in REGIONS:
        fr = fractions[r]
        print(f"shared fraction {r}: log-rate variance {fr['lograte_var_fraction_shared']:.3f} "
              f"(per fold {np.round(fr['per_fold_lograte_var_fraction_shared'], 3).tolist()}); "
              f"count R^2 both blocks {fr['count_r2_both_blocks']:.4f}, shared only "
              f"{fr['count_r2_shared_block_only']:.4f}")
    print(f"category permutation tests: onset p = {tests['onset']['p_value']:.3f}, "
          f"boundary p = {tests['boundary']['p_value']:.3f}")

    fig = plot_bits(scores)
    save_figure(fig, out / "bits_per_spike.png")
    fig2 = plot_latents(shared, time_axis, around, category, tests)
    save_figure(fig2, out / "shared_latents_by_category.png")
    f0 = folds[0]
    hb = np.flatnonzero(category[f0["test_idx"]] == 2)
    amy = region_data(counts, f0["test_idx"])["amygdala"].sum((1, 2))
    clip_pos = int(hb[np.argmax(amy[hb])])
    fig3 = plot_reconstruction(counts, f0, clip_pos)
    save_figure(fig3, out / "reconstruction_heldout_clip.png")
    pyplot().close("all")

    numbers = {
        "data": {"file": str(NWB), "n_clips": int(counts.sizes["trial"]),
                 "n_bins": int(counts.sizes["time"]), "bin_size_s": BIN,
                 "window_s": list(WINDOW),
                 "n_units": {r: int((counts.region == r).sum()) for r in REGIONS},
                 "spikes_in_window": {r: int(counts.values[:, :, counts.region.values == r]
                                             .sum()) for r in REGIONS},
                 "clips_per_category": {CATEGORIES[c]: int((category == c).sum())
                                        for c in CATEGORIES}},
        "protocol": {"folds": args.folds, "seed": args.seed, "epochs": args.epochs,
                     "split": "StratifiedKFold over clips by stimCategory",
                     "heldout_units_per_fold": held, "model": {
                         "n_shared": N_SHARED, "n_private": N_PRIVATE, **MODEL,
                         "gpvae_latents": N_SHARED + N_PRIVATE, "gpfa_latents": N_GPFA}},
        "bits_per_spike": {k: v for k, v in scores.items() if k != "heldout_elbo"},
        "heldout_elbo": scores["heldout_elbo"],
        "shared_fraction": fractions,
        "category_tests": tests,
        "training_kl_per_clip": {
            "mm_gpvae": [f["mm_train_kl"] for f in folds],
            **{f"gpvae_{r}": [f["gp_train_kl"][r] for f in folds] for r in REGIONS}},
        "lengthscales_s_mm_gpvae_per_fold": [f["lengthscales_s"] for f in folds],
        "gpfa_timescales_s_per_fold": [f["gpfa_timescales_s"] for f in folds],
        "reconstruction_figure_clip": str(counts["Clip_name"].values[f0["test_idx"][clip_pos]]),
        "timing": {"wall_s": time.time() - t_start, "cpu_s": time.process_time() - cpu_start,
                   "per_fold_cpu_s": [f["timing_s"] for f in folds]},
    }
    write_json(out / "numbers.json", numbers)
    print(f"\nwrote {out} in {numbers['timing']['wall_s']:.0f} s wall, "
          f"{numbers['timing']['cpu_s']:.0f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
