"""Neuroformer on human MTL single units while a patient watched 90 movie clips (DANDI:000207).

**Data.** ``nwb_ecephys_human_mtl_dandi000207/sub-4_ses-4_ecephys+image.nwb`` (Zheng et al.
2022, Nat Neurosci, "Cognitive boundary signals in the human medial temporal lobe shape
episodic memory representation"): 35 spike-sorted units on 19 microwires of one patient
(right hippocampus, 14 wires; right amygdala, 5 wires; the region of a unit is the
``location`` of its wire in the electrodes table). The encoding task shows 90 clips of about
8 s (``intervals/encoding_table``), 30 each without a boundary (NB), with soft boundaries
(SB: cuts within one movie) and with a hard boundary (HB: a cut to another movie at 4 s, plus
soft cuts in some). Read with :func:`neurokit.io.read_nwb`; each clip is binned at 10 ms from
0.3 s before its onset to 7.5 s after it with :func:`neurokit.preprocess.align_to_events`
(780 bins; 0.3 s of fixation cross, then the clip; the five clips shorter than 7.5 s end with
fixation bins). The 90 segments do not overlap in time (checked; ``numbers.json``).

**Stimulus modality.** The file holds no pixels (the clips are external files), so the
stimulus a model can see is what the table says about each 10 ms bin: ``clip_on`` (the clip
is on screen), the time since clip onset (6 raised-cosine bumps, log-spaced over 0-7.5 s),
and the time since each soft and each hard boundary (3 causal raised cosines over 0-1.5 s per
boundary type). The no-boundary clips' "boundary1" at 4 s is a control time, not an event on
screen, so it is not a feature. These 13 features are the stimulus input of Neuroformer (its
cross-attention to the stimulus and the contrastive loss) and of the GLM baselines. (The
file's ``stimCategory`` description says 1/2/3 for NB/SB/HB; the values are 0/1/2, 30 each.)

**Protocol.** The clips are concatenated (780 bins each) and cut with
:func:`neurokit.latent.interval_split` into 90 intervals, exactly one per clip; 18 clips
(20 %, drawn with ``--seed``) are held out. Every model reads each clip on its own, so no
window and no history crosses from a training clip into a held-out one (``numbers.json``
lists the shared bins, zero, and the real-time gap between train and test segments). All
models are fitted on the 72 training clips only (the PSTH smoothing and the GLM penalties are
chosen by leave-clips-out cross-validation inside them) and scored on the held-out clips, on
the same bins: those Neuroformer scores (bins 8-779 of each clip, after its 8-bin past
window).

* Neuroformer (:class:`neurokit.latent.neuroformer.Neuroformer`, the settings of its
  ground-truth test on the simulated circuit: ``window=4`` bins (40 ms), ``context=8``
  (80 ms), stimulus patches of 4 bins, ``d_model=32``, 4 heads, batch 64, lr 5e-3; dropout 0.1
  instead of the test's 0; 10 epochs, fixed in advance, nothing tuned on held-out clips):
  log-probability of every held-out window's spike tokens given its past window and the
  stimulus, which with the conditional time head equals the log-probability of its binned
  counts. The sequence lengths hold the busiest window of any clip (a capacity choice).
* Baselines as Poisson log-likelihoods of the same counts: the mean rate of each unit; the
  PSTH (rate against time since clip onset, averaged over training clips, smoothed); a
  stimulus-only Poisson GLM; the lag-1 coupled Poisson GLM (every unit's previous bin, plus
  the stimulus); and, with the same 80 ms of history as Neuroformer, an 8-lag own-history GLM
  (each unit's own past only: bursts and refractoriness) and an 8-lag coupled GLM.
  Reported in nats per spike and as bits per spike over the mean-rate model, with the
  per-clip differences (18 held-out clips, Wilcoxon signed-rank test).

**Connectivity.** Neuroformer's read-outs of its cross-attention to the past window, over the
training windows: the research code's accumulated attention weights (``method="attention"``)
and the knock-out read-out (``"knockout"``: the drop in log-probability of the next spike of
``j`` when the past spikes of ``i`` are masked), beside the lag-1 GLM's coupling weights;
units ordered by region (hippocampus, then amygdala) and wire; pairs on one wire are marked.
Agreement: Spearman correlation over the off-diagonal pairs (all pairs, and pairs on
different wires). Shuffle control: a *clip-shuffled surrogate* of the training clips, where
every unit's spike train is taken from another training clip (an independent random
permutation of clips per unit): rates and the response to clip onset stay, the
millisecond-scale co-firing of units within a clip is destroyed. Both Neuroformer and the
GLM are refitted on it; a coupling that is there in the real data but not in the surrogate is
about the spike timing between units, not about rates or onset responses. A
unit-relabelling permutation p-value of the real agreement is also given.

**Generation.** Neuroformer generates a held-out clip (the first held-out HB clip) from its
first 80 ms and the clip's stimulus features, 5 samples; the figure shows the real raster, one
generated raster and the population rate of both.

**What the data can and cannot show.** One patient, one session, 35 units, 72 training and 18
held-out clips: the per-clip spread of the likelihood differences is the honest error bar and
a different draw of held-out clips moves the numbers. There is no ground-truth connectivity in
human recordings: the maps are statistical dependencies between spike trains at 10-80 ms
lags, not synapses. Attention is not connectivity, and neither is a GLM coupling: shared
input from unrecorded neurons, common modulation and the stimulus all produce them. Units on
the same microwire are sorted from one signal, so their near-coincident spikes are partly a
spike-sorting artefact (overlapping waveforms are assigned to one unit): read those pairs with
care. A few dozen spikes per second in all does not give Neuroformer much to learn from; a
likelihood gain over the GLMs here says a model of the history helps, not which circuit does
it. The stimulus features are timing marks, not the content of the clips. No few-shot
decoding is run, because here it would not be meaningful: the boundary category is part of
the stimulus input (a probe on Neuroformer would read it from there, and a spikes-only
pretraining would double the runtime for 24 training clips per class), and recognition
memory has nothing to decode: the frame of 85 of the 90 clips was recognised (4 missed, 1 no
answer).

**Results with the defaults (seed 0).** Held-out log-likelihood over the mean-rate model
(10 494 held-out spikes): Neuroformer +0.044 bits/spike; PSTH -0.001, stimulus GLM -0.000,
lag-1 coupled GLM +0.013, 8-lag own-history GLM +0.022, 8-lag coupled GLM +0.015. Neuroformer
is better than the PSTH on 12 of 18 held-out clips (Wilcoxon p = 0.016), than the lag-1 GLM on
11 (p = 0.10) and than the own-history GLM on 10 (p = 0.25): ahead, but not reliably per clip
against the history GLMs. The stimulus features carry almost nothing at 10 ms resolution.
Connectivity: Spearman of the knock-out map with the lag-1 GLM couplings 0.10 (relabelling
p = 0.001; 0.03 on the clip-shuffled surrogate), of the attention map 0.04 (surrogate -0.02);
knock-out vs attention 0.30. The knock-out map of the surrogate still correlates 0.30 with the
real one (rates and onset responses shape it), the GLM's only 0.07. Pairs beyond the largest
surrogate value: 28 of 1190 for the GLM (1 on a shared wire), 2 for Neuroformer's knock-out.
The generated clip has 589 spikes on average (590 recorded); per-unit counts correlate 0.94
with the recording, but the generated population rate does not follow the recorded
transients (e.g. after the hard boundary).

Outputs (``<out>/neuroformer_human_mtl/``): ``numbers.json``, ``connectivity_maps.png``,
``heldout_likelihood.png``, ``generated_raster.png``.

Runtime with the defaults (``--epochs 10``): about 6 CPU minutes on one core (346 s measured;
17 min of wall time on a shared machine running ~8 jobs on 2 cores): the two Neuroformer fits
(real and surrogate) take 2 min each, the cross-validated GLMs 1.5 min. ``--no-surrogate``
saves 2 min.

Usage::

    python analyses/neuroformer_human_mtl.py [--out results/analyses] [--data ../shared/data]
                                             [--seed 0] [--epochs 10] [--no-surrogate]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import xarray as xr  # noqa: E402
from _cli import analysis_parser  # noqa: E402
from scipy.stats import spearmanr, wilcoxon  # noqa: E402

from neurokit._atomic import write_json  # noqa: E402
from neurokit.io import read_nwb  # noqa: E402
from neurokit.latent.glm import PSTH, PoissonGLM  # noqa: E402
from neurokit.latent.neuroformer import Neuroformer  # noqa: E402
from neurokit.latent.neuroformer_tokens import interval_split  # noqa: E402
from neurokit.plotting._figure import pyplot, save_figure  # noqa: E402
from neurokit.preprocess import align_to_events  # noqa: E402

NAME = "neuroformer_human_mtl"
NWB = Path("nwb_ecephys_human_mtl_dandi000207") / "sub-4_ses-4_ecephys+image.nwb"
BIN_S = 0.01
SEGMENT_S = (-0.3, 7.5)  # s around clip onset
TEST_FRACTION = 0.2
CATEGORIES = {0: "NB", 1: "SB", 2: "HB"}
#: the settings of the ground-truth test on the simulated circuit (tests/latent)
NF_SETTINGS = dict(window=4, context=8, stimulus_patch=4, d_model=32, n_heads=4, dropout=0.1,
                   batch_size=64, lr=5e-3, on_overflow="error", enable_progress_bar=False)
#: candidates chosen by leave-clips-out cross-validation inside the training clips
PSTH_SMOOTHING = (2.0, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0)  # bins (20 ms - 1.6 s)
GLM_ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1)  # PoissonRegressor's L2 penalty
N_GENERATED = 5
REGION_ORDER = ("hippocampus_right", "amygdala_right")


# --------------------------------------------------------------------------- data
def load_clips(path: Path) -> xr.DataArray:
    """Spike counts ``(trial, time, unit)`` of the 90 encoding clips, 10 ms bins.

    ``unit`` carries ``region`` and ``wire`` coordinates (from the electrodes table); the
    encoding-table columns are coordinates on ``trial``.
    """
    with warnings.catch_warnings():  # pynwb's notes on the pixel-less OpticalSeries
        warnings.simplefilter("ignore", UserWarning)
        tree = read_nwb(path, modules=["units", "intervals", "general"])
    units = tree["units"].to_dataset()
    table = tree["intervals/encoding_table"].to_dataset()
    location = tree["general/electrodes"].to_dataset()["location"].values
    counts = align_to_events(units, table, SEGMENT_S, event="start_time", bin_size=BIN_S)
    wire = counts["electrodes"].values
    return counts.assign_coords(region=("unit", location[wire]), wire=("unit", wire))


def raised_cosines(t: np.ndarray, centres: np.ndarray, width: float) -> np.ndarray:
    """Causal raised-cosine bumps ``0.5 (1 + cos(pi (t - c) / width))`` for ``|t - c| < width``,
    zero elsewhere and for ``t < 0``; ``(len(t), len(centres))``."""
    d = (t[:, None] - centres[None, :]) / width
    out = np.where(np.abs(d) < 1.0, 0.5 * (1.0 + np.cos(np.pi * d)), 0.0)
    return out * (t[:, None] >= 0)


def stimulus_features(counts: xr.DataArray) -> xr.DataArray:
    """The stimulus per bin the file offers, ``(trial, time, feature)`` (a.u., 0..1).

    ``clip_on``; time since onset (6 log-spaced raised cosines over 0-7.5 s, in
    ``log(t + 0.1 s)``); time since every soft and every hard boundary (3 raised cosines each,
    centred 0, 0.5, 1.0 s, half-width 0.5 s). Boundaries come from ``boundary1..3_time``
    (equal to the onset when absent); in HB clips boundary 1 is the hard one and 2-3 soft, in
    SB clips all are soft, in NB clips boundary 1 (4 s) is a control time and is not used.
    """
    rel = counts["time"].values
    n_trial = counts.sizes["trial"]
    start = counts["start_time"].values
    duration = counts["stop_time"].values - start
    category = counts["stimCategory"].values.astype(int)
    log_t = np.log(np.clip(rel, 0, None) + 0.1)
    onset_centres = np.linspace(np.log(0.1), np.log(SEGMENT_S[1] + 0.1), 6)
    onset = raised_cosines(log_t - np.log(0.1), onset_centres - np.log(0.1),
                           onset_centres[1] - onset_centres[0]) * (rel >= 0)[:, None]
    b_centres, b_width = np.array([0.0, 0.5, 1.0]), 0.5
    names = (["clip_on"] + [f"onset_{k}" for k in range(6)]
             + [f"soft_boundary_{k}" for k in range(3)]
             + [f"hard_boundary_{k}" for k in range(3)])
    feats = np.zeros((n_trial, rel.size, len(names)))
    n_soft = n_hard = 0
    for c in range(n_trial):
        feats[c, :, 0] = (rel >= 0) & (rel < duration[c])
        feats[c, :, 1:7] = onset
        for b in (1, 2, 3):
            tb = float(counts[f"boundary{b}_time"].values[c]) - start[c]
            if tb <= 0.05 or category[c] == 0:
                continue
            hard = category[c] == 2 and b == 1
            col = 10 if hard else 7
            feats[c, :, col:col + 3] += raised_cosines(rel - tb, b_centres, b_width)
            n_hard, n_soft = n_hard + hard, n_soft + (not hard)
    out = xr.DataArray(feats, dims=("trial", "time", "feature"),
                       coords={"trial": counts["trial"].values, "time": rel, "feature": names},
                       name="stimulus", attrs={"units": "a.u.", "sampling_rate": 1 / BIN_S})
    out.attrs["n_soft_boundaries"], out.attrs["n_hard_boundaries"] = int(n_soft), int(n_hard)
    return out


def concatenate(counts: xr.DataArray, stim: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """Clips end to end, ``(time, unit)`` and ``(time, feature)``, on a running time axis (the
    clip-relative offsets are gone; each clip is one interval of the split)."""
    n_clip, n_bin = counts.sizes["trial"], counts.sizes["time"]
    t = np.arange(n_clip * n_bin) * BIN_S
    spikes = xr.DataArray(counts.values.reshape(n_clip * n_bin, -1).astype(np.int64),
                          dims=("time", "unit"),
                          coords={"time": t, "unit": counts["unit"].values,
                                  "region": ("unit", counts["region"].values),
                                  "wire": ("unit", counts["wire"].values)},
                          attrs={"units": "count", "sampling_rate": 1 / BIN_S})
    features = xr.DataArray(stim.values.reshape(n_clip * n_bin, -1), dims=("time", "feature"),
                            coords={"time": t, "feature": stim["feature"].values},
                            attrs={"units": "a.u.", "sampling_rate": 1 / BIN_S})
    return spikes, features


def split_by_clip(counts: xr.DataArray, seed: int) -> tuple[Any, dict[str, Any]]:
    """``interval_split`` into one interval per clip, with the checks ``numbers.json`` shows."""
    n_clip, n_bin = counts.sizes["trial"], counts.sizes["time"]
    split = interval_split(n_clip * n_bin, n_intervals=n_clip, test_fraction=TEST_FRACTION,
                           seed=seed)
    clip_of = {}
    for which in ("train", "test"):
        for a, b in getattr(split, which):
            if a % n_bin or b - a != n_bin:
                raise RuntimeError(f"interval {a}-{b} is not one clip")  # cannot happen
            clip_of[(a, b)] = a // n_bin
    train = [clip_of[s] for s in split.train]
    test = [clip_of[s] for s in split.test]
    w, c = NF_SETTINGS["window"], NF_SETTINGS["context"]
    bins = {k: set(np.concatenate([np.arange(a, b) for a, b in split.spans(k, w, c)]).tolist())
            for k in ("train", "test")}
    onset = counts["start_time"].values
    seg = np.stack([onset + SEGMENT_S[0], onset + SEGMENT_S[1]], axis=1)  # real time (s)
    order = np.argsort(seg[:, 0])
    gaps = seg[order[1:], 0] - seg[order[:-1], 1]
    cross = [max(seg[i, 0] - seg[j, 1], seg[j, 0] - seg[i, 1]) for i in train for j in test]
    category = counts["stimCategory"].values.astype(int)
    info = {
        "method": "neurokit.latent.interval_split over the concatenated clips, "
                  f"n_intervals={n_clip} (one interval = one clip of {n_bin} bins), "
                  f"test_fraction={TEST_FRACTION}, seed={seed}",
        "train_clips": train, "test_clips": test,
        "n_train_clips": len(train), "n_test_clips": len(test),
        "test_clips_per_category": {CATEGORIES[k]: int((category[test] == k).sum())
                                    for k in CATEGORIES},
        "train_clips_per_category": {CATEGORIES[k]: int((category[train] == k).sum())
                                     for k in CATEGORIES},
        "clips_in_both": len(set(train) & set(test)),
        "bins_in_both_history_included": len(bins["train"] & bins["test"]),
        "segments_overlap_in_real_time": bool((gaps <= 0).any()),
        "min_gap_between_consecutive_segments_s": float(gaps.min()),
        "min_gap_between_train_and_test_segments_s": float(min(cross)),
    }
    if info["clips_in_both"] or info["bins_in_both_history_included"] or (gaps <= 0).any():
        raise RuntimeError(f"train and test overlap: {info}")
    return split, info


def surrogate(segments: list[xr.DataArray], seed: int) -> list[xr.DataArray]:
    """Clip-shuffled surrogate: unit ``u`` of clip ``c`` takes its counts from clip
    ``perm_u(c)`` (an independent permutation of the given clips per unit)."""
    rng = np.random.default_rng(seed)
    values = np.stack([s.values for s in segments])  # (clip, time, unit)
    out = values.copy()
    for u in range(values.shape[2]):
        out[:, :, u] = values[rng.permutation(len(segments)), :, u]
    return [s.copy(data=out[k]) for k, s in enumerate(segments)]


# --------------------------------------------------------------------------- models
def choose_psth_smoothing(train: list[xr.DataArray], n_bin: int, seed: int) -> tuple[float, dict]:
    """Smoothing (bins) with the best 6-fold leave-clips-out log-likelihood on training clips."""
    rng = np.random.default_rng(seed)
    folds = np.array_split(rng.permutation(len(train)), 6)
    scores = {}
    for s in PSTH_SMOOTHING:
        total = 0.0
        for f in folds:
            held = set(f.tolist())
            fit = [x.values for k, x in enumerate(train) if k not in held]
            val = [train[k].values for k in f]
            model = PSTH(period=n_bin, smooth_bins=s).fit(fit)
            total += sum(float(ll.sum()) for ll in model.log_likelihood(val))
        scores[s] = total
    return max(scores, key=scores.get), {str(k): v for k, v in scores.items()}


def glm_cv_alpha(tr: list, s_tr: list, n_lags: int, coupling: bool, seed: int
                 ) -> tuple[float, dict[str, float]]:
    """L2 penalty of a Poisson GLM with the best 3-fold leave-clips-out log-likelihood on the
    training clips (validation bins with full history)."""
    rng = np.random.default_rng(seed)
    folds = np.array_split(rng.permutation(len(tr)), 3)
    scores = {}
    for alpha in GLM_ALPHAS:
        total = 0.0
        for f in folds:
            held = set(f.tolist())
            keep = [k for k in range(len(tr)) if k not in held]
            glm = PoissonGLM(n_lags=n_lags, coupling=coupling, alpha=alpha).fit(
                [tr[k] for k in keep], [s_tr[k] for k in keep])
            lls = glm.log_likelihood([tr[k] for k in f], [s_tr[k] for k in f])
            total += sum(float(np.nansum(ll)) for ll in lls)
        scores[alpha] = total
    return max(scores, key=scores.get), {f"{k:g}": v for k, v in scores.items()}


def baselines(tr: list, te: list, s_tr: list, s_te: list, n_bin: int, seed: int,
              lags: int) -> tuple[dict[str, list[np.ndarray]], dict[str, Any], PoissonGLM]:
    """Per-bin held-out log-likelihoods (one ``(time, unit)`` array per clip) of each baseline,
    their settings chosen on the training clips, and the lag-1 coupled GLM."""
    out, info = {}, {}
    t0 = time.process_time()
    mean_rate = np.concatenate([x.values for x in tr]).mean(0)
    out["mean_rate"] = [poisson_bins(x.values, np.broadcast_to(mean_rate, x.shape)) for x in te]
    smooth, cv_scores = choose_psth_smoothing(tr, n_bin, seed)
    info["psth_smoothing_bins"], info["psth_smoothing_cv_loglik"] = smooth, cv_scores
    out["psth"] = PSTH(period=n_bin, smooth_bins=smooth).fit(
        [x.values for x in tr]).log_likelihood([x.values for x in te])
    out["stimulus_glm"] = PoissonGLM(n_lags=0).fit(tr, s_tr).log_likelihood(te, s_te)
    glm1 = None
    variants = [("coupled_glm_lag1", 1, True)]
    if lags > 1:
        variants += [(f"self_history_glm_lag{lags}", lags, False),
                     (f"coupled_glm_lag{lags}", lags, True)]
    for name, n_lags, coupling in variants:
        alpha, scores = glm_cv_alpha(tr, s_tr, n_lags, coupling, seed)
        info[f"{name}_alpha"], info[f"{name}_alpha_cv_loglik"] = alpha, scores
        glm = PoissonGLM(n_lags=n_lags, coupling=coupling, alpha=alpha).fit(tr, s_tr)
        out[name] = glm.log_likelihood(te, s_te)
        glm1 = glm if name == "coupled_glm_lag1" else glm1
    info["cpu_s"] = time.process_time() - t0
    return out, info, glm1


def poisson_bins(counts: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """``log Poisson(n | rate)`` per bin (nats)."""
    from scipy.special import gammaln

    k = counts.astype(np.float64)
    return k * np.log(rate) - rate - gammaln(k + 1)


def fit_neuroformer(tr: list, s_tr: list, epochs: int, seed: int, lengths: dict[str, int]
                    ) -> Neuroformer:
    """Neuroformer with the ground-truth test's settings (sequence lengths given)."""
    return Neuroformer(**NF_SETTINGS, max_epochs=epochs, seed=seed, **lengths).fit(
        tr, stimulus=s_tr)


def sequence_lengths(segments: list[xr.DataArray]) -> dict[str, int]:
    """Sequence lengths that hold the busiest window of any clip (a capacity choice, the same
    rule as the model's default: 25 % above the busiest window, at least 2 more)."""
    w, c = NF_SETTINGS["window"], NF_SETTINGS["context"]
    cur = past = 0
    for s in segments:
        cum = np.concatenate([[0], np.cumsum(s.values.sum(1))])
        starts = np.arange(c, s.sizes["time"] - w + 1)
        cur = max(cur, int((cum[starts + w] - cum[starts]).max()))
        past = max(past, int((cum[starts] - cum[starts - c]).max()))
    return {"max_tokens": cur + 1 + max(2, math.ceil(0.25 * cur)),
            "max_context_tokens": past + 1 + max(2, math.ceil(0.25 * past))}


# --------------------------------------------------------------------------- connectivity
def offdiag(m: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    keep = ~np.eye(len(m), dtype=bool)
    if mask is not None:
        keep &= mask
    return m[keep]


def agreement(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Spearman correlation of two ``(target, source)`` maps over their off-diagonal pairs."""
    x, y = offdiag(a, mask), offdiag(b, mask)
    ok = np.isfinite(x) & np.isfinite(y)
    return float(spearmanr(x[ok], y[ok]).statistic)


def relabel_p(a: np.ndarray, b: np.ndarray, n_perm: int, seed: int) -> float:
    """P-value of the agreement against relabelling the units of ``b`` (rows and columns)."""
    rng = np.random.default_rng(seed)
    real = agreement(a, b)
    null = []
    for _ in range(n_perm):
        p = rng.permutation(len(b))
        null.append(agreement(a, b[np.ix_(p, p)]))
    return float((1 + np.sum(np.asarray(null) >= real)) / (1 + n_perm))


def beyond_surrogate(real: np.ndarray, surr: np.ndarray, regions: np.ndarray,
                     wires: np.ndarray, n_top: int = 8) -> dict[str, Any]:
    """Pairs whose real score exceeds every off-diagonal score of the surrogate map (in
    absolute value), and the strongest of them (source -> target, region, same wire)."""
    threshold = float(np.nanmax(np.abs(offdiag(surr))))
    m = np.where(np.eye(len(real), dtype=bool), np.nan, real)
    j, i = np.nonzero(np.abs(np.nan_to_num(m)) > threshold)
    rank = np.argsort(-np.abs(m[j, i]))[:n_top]
    return {"threshold_max_abs_surrogate": threshold, "n_pairs": int(j.size),
            "n_same_wire": int((wires[j] == wires[i]).sum()),
            "strongest": [{"source": int(i[k]), "target": int(j[k]), "value": float(m[j[k], i[k]]),
                           "source_region": str(regions[i[k]]),
                           "target_region": str(regions[j[k]]),
                           "same_wire": bool(wires[i[k]] == wires[j[k]])} for k in rank]}


def connectivity_maps(nf: Neuroformer, glm: PoissonGLM, tr: list, s_tr: list
                      ) -> dict[str, Any]:
    """Neuroformer's knock-out and attention maps and the GLM couplings, ``(target, source)``
    (``n_windows``: the training windows read)."""
    knockout = nf.connectivity(tr, stimulus=s_tr)
    return {"neuroformer_knockout": knockout.values, "n_windows": knockout.attrs["n_windows"],
            "neuroformer_attention": nf.connectivity(tr, stimulus=s_tr,
                                                     method="attention").values,
            "glm_lag1": glm.connectivity().values}


# --------------------------------------------------------------------------- figures
def plot_connectivity(maps: dict[str, dict[str, np.ndarray]], order: np.ndarray,
                      regions: np.ndarray, wires: np.ndarray) -> Any:
    plt = pyplot()
    cols = [("neuroformer_knockout", "Neuroformer knock-out (nats)"),
            ("neuroformer_attention", "Neuroformer attention weight"),
            ("glm_lag1", "lag-1 GLM coupling (log-rate)")]
    rows = [r for r in ("real", "clip-shuffled surrogate") if r in maps]
    fig, axes = plt.subplots(len(rows), 3, figsize=(13, 4.3 * len(rows)), layout="constrained",
                             squeeze=False)
    reg = regions[order]
    edge = int(np.sum(reg == REGION_ORDER[0])) - 0.5
    same = (wires[order][:, None] == wires[order][None, :]) & ~np.eye(len(order), dtype=bool)
    for j, (key, title) in enumerate(cols):
        vals = [offdiag(maps[r][key]) for r in rows]
        lim = np.nanpercentile(np.abs(np.concatenate(vals)), 98)
        centred = key != "neuroformer_attention"
        for i, r in enumerate(rows):
            m = maps[r][key][np.ix_(order, order)].copy()
            np.fill_diagonal(m, np.nan)
            ax = axes[i, j]
            im = ax.imshow(m, cmap="RdBu_r" if centred else "viridis",
                           vmin=-lim if centred else np.nanmin(np.concatenate(vals)),
                           vmax=lim, interpolation="nearest")
            yy, xx = np.nonzero(same)
            ax.plot(xx, yy, "s", mfc="none", mec="k", ms=3.2, mew=0.6)
            for e in (edge,):
                ax.axhline(e, color="k", lw=0.8)
                ax.axvline(e, color="k", lw=0.8)
            ax.set_title(f"{title}\n{r}", fontsize="small")
            ax.set_xlabel("source unit (hippocampus | amygdala)", fontsize="small")
            ax.set_ylabel("target unit", fontsize="small")
            ax.set_xticks(range(len(order)), order, fontsize=5, rotation=90)
            ax.set_yticks(range(len(order)), order, fontsize=5)
            fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle("Connectivity estimates over 35 MTL units (squares: pairs on one microwire); "
                 "no ground truth exists for these", fontsize="medium")
    return fig


def plot_likelihood(per_clip: dict[str, np.ndarray], n_spikes: np.ndarray,
                    labels: dict[str, str]) -> Any:
    plt = pyplot()
    names = list(per_clip)
    base = per_clip["mean_rate"]
    fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    for k, name in enumerate(names):
        gain = (per_clip[name] - base) / (n_spikes * math.log(2))  # bits/spike per clip
        pooled = (per_clip[name].sum() - base.sum()) / (n_spikes.sum() * math.log(2))
        ax.bar(k, pooled, color="C1" if name == "neuroformer" else "0.7")
        ax.plot(k + np.linspace(-0.25, 0.25, gain.size), gain, "k.", ms=3)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(len(names)), [labels[n] for n in names], fontsize="small", rotation=20)
    ax.set_ylabel("bits / spike over the mean-rate model")
    ax.set_title(f"Held-out next-spike log-likelihood, {len(base)} held-out clips "
                 "(bars: pooled; dots: one clip each)", fontsize="medium")
    return fig


def plot_generated(real: np.ndarray, generated: list[np.ndarray], order: np.ndarray,
                   regions: np.ndarray, clip: int, category: str, t: np.ndarray,
                   boundaries: list[float]) -> Any:
    from scipy.ndimage import gaussian_filter1d

    plt = pyplot()
    fig, axes = plt.subplots(3, 1, figsize=(10, 8), layout="constrained", sharex=True,
                             height_ratios=(3, 3, 2))
    for ax, counts, title in ((axes[0], real, "recorded"),
                              (axes[1], generated[0], "generated by Neuroformer (sample 1)")):
        for row, u in enumerate(order):
            tt = np.repeat(t, counts[:, u])
            ax.vlines(tt, row + 0.1, row + 0.9, color="C0" if regions[u] == REGION_ORDER[0]
                      else "C3", lw=0.6)
        ax.set_ylim(0, len(order))
        ax.set_ylabel("unit (blue: hippocampus, red: amygdala)", fontsize="small")
        ax.set_title(f"held-out clip {clip} ({category}): {title}", fontsize="small")
    sigma = 5.0  # bins (50 ms)
    rate = lambda c: gaussian_filter1d(c.sum(1).astype(float), sigma) / BIN_S  # noqa: E731
    axes[2].plot(t, rate(real), color="k", lw=1, label="recorded")
    gens = np.stack([rate(g) for g in generated])
    axes[2].plot(t, gens.mean(0), color="C1", lw=1,
                 label=f"generated (mean of {len(generated)})")
    axes[2].fill_between(t, gens.min(0), gens.max(0), color="C1", alpha=0.25, lw=0)
    axes[2].set_ylabel("population rate (spikes/s)")
    axes[2].set_xlabel("time from clip onset (s)")
    axes[2].legend(frameon=False, fontsize="small")
    for ax in axes:
        ax.axvline(0, color="0.5", lw=0.8, ls="--")
        for b in boundaries:
            ax.axvline(b, color="m", lw=0.8, ls=":")
    return fig


# --------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options (defaults from ``NEUROKIT_*`` environment variables)."""
    parser = analysis_parser(__doc__, NAME)
    parser.add_argument("--seed", type=int, default=0, help="split, training and sampling seed")
    parser.add_argument("--epochs", type=int, default=10, help="Neuroformer training epochs")
    parser.add_argument("--glm-lags", type=int, default=8,
                        help="lags of the longer-history coupled GLM (0 or 1: skip it)")
    parser.add_argument("--no-surrogate", dest="surrogate", action="store_false",
                        help="skip the clip-shuffled surrogate refits (halves the runtime)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, score, read out connectivity, generate; write figures and numbers."""
    args = parse_args(argv)
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    out = args.out / NAME
    path = args.data / NWB
    if not path.exists():
        print(f"{NAME}: {path} is not available; point --data (or NEUROKIT_SHARED_DATA) at "
              "the shared data folder.", file=sys.stderr)
        return 2
    t_start, cpu_start = time.time(), time.process_time()
    timings: dict[str, float] = {}

    counts = load_clips(path)
    stim = stimulus_features(counts)
    spikes, features = concatenate(counts, stim)
    n_bin = counts.sizes["time"]
    split, split_info = split_by_clip(counts, args.seed)
    tr, te = split.take(spikes, "train"), split.take(spikes, "test")
    s_tr, s_te = split.take(features, "train"), split.take(features, "test")
    regions, wires = counts["region"].values, counts["wire"].values
    order = np.lexsort((wires, [REGION_ORDER.index(r) for r in regions]))
    category = counts["stimCategory"].values.astype(int)
    print(f"{counts.sizes['trial']} clips x {n_bin} bins of {BIN_S * 1e3:g} ms, "
          f"{counts.sizes['unit']} units ({int((regions == REGION_ORDER[0]).sum())} "
          f"hippocampus, {int((regions == REGION_ORDER[1]).sum())} amygdala), "
          f"{int(counts.sum())} spikes; {stim.attrs['n_soft_boundaries']} soft and "
          f"{stim.attrs['n_hard_boundaries']} hard boundaries")
    print(f"split: {split_info['n_train_clips']} train / {split_info['n_test_clips']} test clips "
          f"{split_info['test_clips_per_category']}, shared bins "
          f"{split_info['bins_in_both_history_included']}, min gap train-test "
          f"{split_info['min_gap_between_train_and_test_segments_s']:.2f} s")

    # -- baselines and Neuroformer, scored on the same held-out bins ------------------------
    t0 = time.process_time()
    base_ll, base_info, glm1 = baselines(tr, te, s_tr, s_te, n_bin, args.seed, args.glm_lags)
    timings["baselines_cpu_s"] = time.process_time() - t0
    lengths = sequence_lengths(tr + te)
    t0 = time.process_time()
    nf = fit_neuroformer(tr, s_tr, args.epochs, args.seed, lengths)
    timings["neuroformer_fit_cpu_s"] = time.process_time() - t0
    masks = [nf.scored_bins(x.sizes["time"]) for x in te]
    n_spikes = np.array([int(x.values[m].sum()) for x, m in zip(te, masks, strict=True)])
    per_clip = {name: np.array([float(ll[m].sum()) for ll, m in zip(lls, masks, strict=True)])
                for name, lls in base_ll.items()}
    ll_nf = nf.log_likelihood(te, stimulus=s_te)
    per_clip["neuroformer"] = np.array([float(ll_nf["log_likelihood"][ll_nf["segment"] == k]
                                              .sum()) for k in range(len(te))])
    ll_nf_train = nf.log_likelihood(tr, stimulus=s_tr)
    labels = {"mean_rate": "mean rate", "psth": "PSTH (onset)", "stimulus_glm": "stimulus GLM",
              "coupled_glm_lag1": "coupled GLM lag 1",
              f"self_history_glm_lag{args.glm_lags}": f"own-history GLM {args.glm_lags} lags",
              f"coupled_glm_lag{args.glm_lags}": f"coupled GLM {args.glm_lags} lags",
              "neuroformer": "Neuroformer"}
    total = n_spikes.sum()
    likelihood = {}
    for name, v in per_clip.items():
        nats = float(v.sum() / total)
        likelihood[name] = {
            "nats_per_spike": nats,
            "bits_per_spike_over_mean_rate": float((v.sum() - per_clip["mean_rate"].sum())
                                                   / (total * math.log(2))),
        }
    for ref in ("psth", "coupled_glm_lag1", f"self_history_glm_lag{args.glm_lags}",
                f"coupled_glm_lag{args.glm_lags}"):
        if ref not in per_clip:
            continue
        diff = (per_clip["neuroformer"] - per_clip[ref]) / n_spikes
        likelihood[f"neuroformer_minus_{ref}"] = {
            "nats_per_spike_pooled": float((per_clip["neuroformer"].sum() - per_clip[ref].sum())
                                           / total),
            "clips_where_neuroformer_is_better": int((diff > 0).sum()),
            "n_clips": int(diff.size),
            "per_clip_nats_per_spike_median": float(np.median(diff)),
            "wilcoxon_p_two_sided": float(wilcoxon(diff).pvalue),
        }
    likelihood["neuroformer_train_nats_per_spike"] = float(
        ll_nf_train["log_likelihood"].sum() / ll_nf_train["n_spikes"].sum())
    likelihood["held_out_spikes_scored"] = int(total)
    likelihood["held_out_bins_scored_per_clip"] = int(masks[0].sum())
    likelihood["truncated_windows"] = int(ll_nf["truncated"].sum())
    for name, v in likelihood.items():
        if isinstance(v, dict) and "nats_per_spike" in v:
            print(f"  {labels[name]:>20s}: {v['nats_per_spike']:.4f} nats/spike, "
                  f"{v['bits_per_spike_over_mean_rate']:+.4f} bits/spike over the mean rate")

    # -- connectivity, real and clip-shuffled surrogate ------------------------------------
    t0 = time.process_time()
    maps = {"real": connectivity_maps(nf, glm1, tr, s_tr)}
    timings["connectivity_cpu_s"] = time.process_time() - t0
    if args.surrogate:
        t0 = time.process_time()
        tr_s = surrogate(tr, args.seed + 1)
        nf_s = fit_neuroformer(tr_s, s_tr, args.epochs, args.seed, lengths)
        glm_s = PoissonGLM(n_lags=1, alpha=base_info["coupled_glm_lag1_alpha"]).fit(tr_s, s_tr)
        maps["clip-shuffled surrogate"] = connectivity_maps(nf_s, glm_s, tr_s, s_tr)
        maps["clip-shuffled surrogate"].pop("n_windows")
        timings["surrogate_cpu_s"] = time.process_time() - t0
    diff_wire = wires[:, None] != wires[None, :]
    conn: dict[str, Any] = {
        "units_order": order.tolist(), "regions_in_order": regions[order].tolist(),
        "n_pairs": int(len(order) * (len(order) - 1)),
        "n_same_wire_pairs": int((~diff_wire).sum() - len(order)),
        "windows_read": maps["real"].pop("n_windows"),
    }
    for kind, m in maps.items():
        key = "real" if kind == "real" else "surrogate"
        entry: dict[str, Any] = {}
        for nf_key in ("neuroformer_knockout", "neuroformer_attention"):
            entry[f"spearman_{nf_key}_vs_glm_lag1"] = agreement(m[nf_key], m["glm_lag1"])
            entry[f"spearman_{nf_key}_vs_glm_lag1_different_wires"] = agreement(
                m[nf_key], m["glm_lag1"], diff_wire)
        entry["spearman_knockout_vs_attention"] = agreement(m["neuroformer_knockout"],
                                                            m["neuroformer_attention"])
        for k in ("neuroformer_knockout", "glm_lag1"):
            v = offdiag(m[k])
            entry[f"{k}_mean_abs_offdiag"] = float(np.nanmean(np.abs(v)))
            entry[f"{k}_same_wire_mean"] = float(np.nanmean(offdiag(m[k], ~diff_wire)))
            entry[f"{k}_different_wire_mean"] = float(np.nanmean(offdiag(m[k], diff_wire)))
        conn[key] = entry
    conn["real"]["relabel_permutation_p_knockout_vs_glm"] = relabel_p(
        maps["real"]["neuroformer_knockout"], maps["real"]["glm_lag1"], 999, args.seed)
    if args.surrogate:
        for k in ("neuroformer_knockout", "glm_lag1"):
            conn[f"spearman_{k}_real_vs_surrogate"] = agreement(
                maps["real"][k], maps["clip-shuffled surrogate"][k])
            conn[f"{k}_pairs_beyond_surrogate"] = beyond_surrogate(
                maps["real"][k], maps["clip-shuffled surrogate"][k], regions, wires)
    print("connectivity:", {k: round(v, 3) for k, v in conn["real"].items()
                            if isinstance(v, float)})
    if args.surrogate:
        print("surrogate:   ", {k: round(v, 3) for k, v in conn["surrogate"].items()})

    # -- generation of one held-out clip ----------------------------------------------------
    test_clips = split_info["test_clips"]
    pick = next((k for k, c in enumerate(test_clips) if category[c] == 2), 0)
    clip = test_clips[pick]
    ctx = NF_SETTINGS["context"]
    n_win = (n_bin - ctx) // NF_SETTINGS["window"]
    t0 = time.process_time()
    generated = [nf.generate(te[pick].isel(time=slice(0, ctx)), n_win,
                             stimulus=s_te[pick].values[:ctx + n_win * NF_SETTINGS["window"]],
                             seed=args.seed + k) for k in range(N_GENERATED)]
    gens = [g.values for g in generated]
    timings["generation_cpu_s"] = time.process_time() - t0
    real = te[pick].values[ctx:ctx + n_win * NF_SETTINGS["window"]]
    t_rel = counts["time"].values[ctx:ctx + n_win * NF_SETTINGS["window"]]
    onset = float(counts["start_time"].values[clip])
    bounds = [float(counts[f"boundary{b}_time"].values[clip]) - onset for b in (1, 2, 3)]
    bounds = [b for b in bounds if b > 0.05]
    gen_counts = np.stack([g.sum(0) for g in gens]).mean(0)
    generation = {
        "clip": int(clip), "category": CATEGORIES[int(category[clip])],
        "n_samples": N_GENERATED, "real_spikes": int(real.sum()),
        "generated_spikes_mean": float(np.mean([g.sum() for g in gens])),
        "generated_spikes_per_sample": [int(g.sum()) for g in gens],
        "per_unit_count_pearson_real_vs_generated_mean": float(
            np.corrcoef(real.sum(0), gen_counts)[0, 1]),
        "windows_capped_at_max_tokens": int(sum(g.attrs["n_capped_windows"]
                                                for g in generated)),
    }
    print("generation:", generation)

    # -- outputs ----------------------------------------------------------------------------
    save_figure(plot_connectivity(maps, order, regions, wires), out / "connectivity_maps.png")
    save_figure(plot_likelihood(per_clip, n_spikes, labels), out / "heldout_likelihood.png")
    save_figure(plot_generated(real, gens, order, regions, clip,
                               CATEGORIES[int(category[clip])], t_rel, bounds),
                out / "generated_raster.png")
    timings["wall_s"] = time.time() - t_start
    timings["cpu_s"] = time.process_time() - cpu_start
    numbers = {
        "data": {"file": str(NWB), "n_clips": int(counts.sizes["trial"]),
                 "n_units": int(counts.sizes["unit"]),
                 "units_per_region": {r: int((regions == r).sum()) for r in REGION_ORDER},
                 "n_wires": int(np.unique(wires).size), "bin_s": BIN_S,
                 "segment_s_around_onset": list(SEGMENT_S), "bins_per_clip": int(n_bin),
                 "n_spikes": int(counts.sum()),
                 "stimulus_features": stim["feature"].values.tolist(),
                 "n_soft_boundaries": stim.attrs["n_soft_boundaries"],
                 "n_hard_boundaries": stim.attrs["n_hard_boundaries"]},
        "split": split_info,
        "neuroformer": {**{k: v for k, v in NF_SETTINGS.items() if k != "enable_progress_bar"},
                        "max_epochs": args.epochs, "seed": args.seed, **lengths},
        "baselines": base_info,
        "held_out_log_likelihood": likelihood,
        "held_out_per_clip_nats": {k: v.tolist() for k, v in per_clip.items()},
        "held_out_per_clip_spikes": n_spikes.tolist(),
        "connectivity": conn,
        "generation": generation,
        "timings": timings,
    }
    write_json(out / "numbers.json", numbers)
    print(f"wrote {out} in {timings['wall_s']:.0f} s (cpu {timings['cpu_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
