"""TiDe-SwapVAE, Swap-VAE and PCA latents of human MTL single units watching movie clips.

**Data.** DANDI:000207 (Zheng et al. 2022, Nat Neurosci, "Cognitive boundary signals in the
human medial temporal lobe"), subject 4, session 4: 35 single units (25 hippocampal, 10
amygdalar) on 19 right-hemisphere microwires, read with :func:`neurokit.io.read_nwb`. In the
encoding task the patient watched 90 clips (6.9-9.2 s) once each: 30 with no boundary
(NB, one continuous shot), 30 with a soft boundary (SB, a cut within one movie, at a variable
time) and 30 with a hard boundary (HB, a cut to another movie, 4 s after clip onset);
``stimCategory`` 0/1/2 in ``intervals/encoding_table``.

**Sequences.** One trial = one clip: spike counts in 0.2 s bins from clip onset to 6.8 s (34
bins; the shortest clip lasts 6.87 s), cut with :func:`neurokit.preprocess.align_to_events`
(array ``(clip, time, unit)``).

**Models** (``neurokit.latent``), all without labels: TiDe-SwapVAE (4 content + 2 style
dims, state variables, swap, alignment, InfoNCE; Huang et al. 2024), its ``use_state=False``
ablation, Swap-VAE (Liu et al. 2021; 4 + 2 dims, one bin at a time), and PCA (4 components of
``log(1 + counts)``). Each clip was shown once, so there are no repeats to pair as views: both
VAEs use ``pairing="self"`` (the two views of a clip differ by randomized neuron dropout, and
for TiDe-SwapVAE by offset training windows; Swap-VAE gets a 1-bin temporal jitter, its
paper's temporal augmentation). Sizes follow the ground-truth test
(``tests/latent/test_tide_swapvae_groundtruth.py``) with a narrower network (hidden 32, state
16, 24-bin windows) for 72 training clips; 60 epochs (on one fold, 150 epochs gave a worse
held-out ELBO). Nothing was tuned on decoding accuracy.

**Protocol (no leakage).** 5-fold cross-validation over clips, stratified by category (seed 0).
In every fold *every* latent model (and PCA) is fitted on the 72 training clips only; the 18
held-out clips are never seen by the latent fit. A decoder (standardisation + L2 logistic
regression, C = 0.1 fixed beforehand, not tuned) is trained on the latents of the training
clips and predicts the held-out clips. Features of a clip: the mean of each latent dim in
seven 1 s windows from onset (7 x d features), so the decoder can use *when* activity
changes (an HB cut is at 4 s). The same decoder on the binned log counts of the 35 units is
the no-model reference. Accuracy is pooled over the 90 out-of-fold predictions (chance 1/3).

**Controls.** Label shuffle: the category labels are permuted across clips (``--n-perm``
times, default 500) and the whole decoding stage is rerun on the same fold latents; the
latent fits never see labels, so this is the exact null of the decoding stage. p =
(1 + #null >= observed) / (1 + n_perm). Eight feature sets are compared: a Bonferroni level
is 0.05 / 8 = 0.006.

**Slow state.** TiDe-SwapVAE's state variables run *within* a sequence (a clip) from ``h = 0``,
so a drift over the 15 min session can only appear as a per-clip offset of the style latent.
We ask whether clip-mean latents predict the clip's session time (ridge regression, same
folds, out-of-fold R^2 with a permutation p) and whether they are autocorrelated from one clip
to the next (lag-1 autocorrelation of the first PC of the clip means, p against shuffled clip
order), for style, content, PCA and the population rate. Figures of trajectories and drift use
one more TiDe-SwapVAE fitted on all 90 clips (unsupervised; no decoding is done on it).

**Recognition memory** is not decoded: 85 of the 90 target frames were recognised (5
misses), and the targets come from only 50 of the clips (several frames per clip), so a
remembered/forgotten split per clip has too few forgotten clips to test. The counts are in
``numbers.json``.

**Results with the defaults (seed 0).** No feature set decodes the boundary category
above chance: pooled accuracies 0.32-0.42 (chance 0.33), every label-shuffle p >= 0.06 (TiDe
content 0.378, p = 0.15; PCA 0.422, p = 0.06; binned counts 0.400, p = 0.12). Held-out ELBO
per bin: TiDe-SwapVAE -25.8, its no-state ablation -25.6 (better in all 5 folds), a
constant-rate Poisson log-likelihood -25.3: the state variables do not help on these data, and
the latents do not demonstrably explain held-out clips beyond each unit's mean rate (the ELBO
is a bound that pays about 2 nats/bin of KL, so this is absence of evidence, not a worse
likelihood). Swap-VAE's score (-23.2) is not comparable: its content is deterministic and
pays no KL. Clip-mean latents do not predict session time (all out-of-fold R^2 <= 0) and are
not autocorrelated from clip to clip (TiDe style lag-1 r = 0.11, p = 0.13): no slow drift
is detectable. In the display fit, style PC 1 shows a brief HB-only transient 0.2-0.4 s
after the 4 s cut (``latent_trajectories.png``); this was seen after the fact and is not
tested.

**What the data can and cannot show.** One patient, one session, 35 units (many below 1 Hz),
30 clips per category, each clip seen once: a held-out fold has 18 clips, one clip is 1.1
points of pooled accuracy, and the 95 % interval of a pooled accuracy is about +-10 points, so
only an accuracy of about 0.42 or more could be told from chance. Boundary responses in this
dataset are carried by a minority of cells (Zheng et al. pool hundreds of units over many
patients), so a small effect at best is expected here, and SB cuts fall at different times
in different clips, which onset-aligned windows blur; a null result says little about the
method. With the latents no better than constant rates on held-out clips, the content/style
split is weakly constrained by these data, and no claim about content vs style can be made
without a significant decoding result. The drift analysis can detect a clip-scale drift but
could not tell an internal state from electrode drift or fatigue.

Outputs (``<out>/tide_swapvae_human_mtl/``): ``numbers.json``, ``latent_trajectories.png``,
``decoding.png``, ``style_drift.png``. Runtime with the defaults: about 6.5 min of one CPU
core (350-375 s CPU: latent fits about 150 s, 500 permutations of 15 decoders about 220 s; 15 min
wall on a loaded 2-core machine).

Usage::

    python analyses/tide_swapvae_human_mtl.py [--out results/analyses] [--data ../shared/data]
                                              [--seed 0] [--epochs 60] [--n-perm 500] [--quick]
"""

from __future__ import annotations

import argparse
import logging
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
from scipy.special import gammaln  # noqa: E402
from scipy.stats import binom  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from neurokit._atomic import write_json  # noqa: E402
from neurokit.io import read_nwb  # noqa: E402
from neurokit.latent.swapvae import SwapVAE  # noqa: E402
from neurokit.latent.tide_swapvae import TiDeSwapVAE  # noqa: E402
from neurokit.plotting._figure import pyplot, save_figure  # noqa: E402
from neurokit.preprocess import align_to_events  # noqa: E402

NAME = "tide_swapvae_human_mtl"
NWB = Path("nwb_ecephys_human_mtl_dandi000207") / "sub-4_ses-4_ecephys+image.nwb"
BIN = 0.2  # s
WINDOW_S = 1.0  # decoding feature windows (s)
N_SPLITS = 5
CATEGORIES = ("NB (no boundary)", "SB (soft boundary)", "HB (hard boundary)")
HB_BOUNDARY_S = 4.0
LATENT = {"n_content": 4, "n_style": 2}
TIDE = {"hidden": 32, "state_size": 16, "crop_len": 24, "pairing": "self", "lr": 0.01}
SWAP = {"hidden": (64,), "pairing": "self", "max_jitter": 1, "lr": 0.01}
DECODER_C = 0.1
#: feature sets in the order of the figure: (key, label)
FEATURES = (
    ("tide_content", "TiDe content"), ("tide_style", "TiDe style"),
    ("nostate_content", "TiDe no-state content"), ("nostate_style", "TiDe no-state style"),
    ("swap_content", "Swap-VAE content"), ("swap_style", "Swap-VAE style"),
    ("pca", "PCA (4 PCs)"), ("counts", "binned counts (35 units)"),
)
DRIFT = (("tide_style", "TiDe style"), ("tide_content", "TiDe content"),
         ("nostate_style", "TiDe no-state style"), ("swap_style", "Swap-VAE style"),
         ("pca", "PCA (4 PCs)"), ("rate", "population rate"), ("counts", "unit rates (35)"))


# --------------------------------------------------------------------------- data
def load_clips(path: Path) -> tuple[xr.DataArray, dict[str, Any]]:
    """Spike counts ``(clip, time, unit)`` of the 90 encoding clips, and the recognition summary.

    Returns the counts (0.2 s bins from clip onset to the end of the shortest clip, rounded
    down to whole bins) with the encoding-table columns as ``trial`` coordinates and each
    unit's ``region``, and a dict describing the recognition-memory test.
    """
    with warnings.catch_warnings():  # pynwb: the OpticalSeries holds file names, no pixels
        warnings.simplefilter("ignore", UserWarning)
        tree = read_nwb(path)
    units = tree["units"].dataset
    clips = tree["intervals/encoding_table"].dataset
    location = tree["general/electrodes"].dataset["location"]
    shortest = float((clips["stop_time"] - clips["start_time"]).min())
    n_bins = int(np.floor(shortest / BIN + 1e-9))
    counts = align_to_events(units, clips, (0.0, n_bins * BIN), bin_size=BIN)
    region = location.sel(channel=units["electrodes"].values).values
    counts = counts.assign_coords(region=("unit", np.asarray(region, dtype=str)))

    rec = tree["intervals/recognition_table"].dataset
    names = rec["frameName"].values.astype(str)
    target = np.array(["foil" not in n for n in names])
    correct = rec["accuracy"].values == 2  # 2 = correct (all 78 "new" answers to foils are 2)
    clip_of_target = {n.split("_frame")[0] for n in names[target]}
    recognition = {
        "n_target_frames": int(target.sum()), "n_foils": int((~target).sum()),
        "targets_recognised": int((target & correct).sum()),
        "targets_missed": int((target & ~correct).sum()),
        "foils_correctly_rejected": int((~target & correct).sum()),
        "n_clips_with_a_target_frame": len(clip_of_target),
        "decoded": False,
        "why_not": "5 missed targets of 90, from 50 of the clips: too few forgotten clips",
    }
    return counts, recognition


# --------------------------------------------------------------------------- models
def window_features(latents: np.ndarray, fs: float) -> np.ndarray:
    """``(clip, time, d)`` -> ``(clip, n_windows * d)``: the mean of each dim per 1 s window."""
    step = int(round(WINDOW_S * fs))
    n = latents.shape[1]
    parts = [latents[:, i:i + step].mean(1) for i in range(0, n, step)]
    return np.stack(parts, 1).reshape(len(latents), -1)


def fit_latents(counts: xr.DataArray, train: np.ndarray, *, epochs: int, seed: int
                ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fit every latent model on the training clips; latents of all clips and held-out ELBOs.

    Returns ``{feature key: (clip, time, d)}`` (log counts under ``counts``) and a dict of
    held-out scores (nats per bin) and fit times.
    """
    test = np.setdiff1d(np.arange(counts.sizes["trial"]), train)
    x_train, x_test = counts.isel(trial=train), counts.isel(trial=test)
    common = {"max_epochs": epochs, "seed": seed, "enable_progress_bar": False, **LATENT}
    out: dict[str, np.ndarray] = {}
    info: dict[str, Any] = {}
    for key, model in (("tide", TiDeSwapVAE(**TIDE, **common)),
                       ("nostate", TiDeSwapVAE(use_state=False, **TIDE, **common)),
                       ("swap", SwapVAE(**SWAP, **common))):
        t0 = time.process_time()
        model.fit(x_train)
        info[f"fit_cpu_s_{key}"] = time.process_time() - t0
        lat = model.transform(counts)
        out[f"{key}_content"] = lat["content"].values
        out[f"{key}_style"] = lat["style"].values
        # nats/bin; Swap-VAE's score is not comparable (deterministic content, no content KL)
        info[f"heldout_elbo_{key}"] = model.score(x_test)
    logc = np.log1p(counts.values.astype(np.float64))
    pca = PCA(n_components=LATENT["n_content"], random_state=seed)
    pca.fit(logc[train].reshape(-1, logc.shape[2]))
    out["pca"] = pca.transform(logc.reshape(-1, logc.shape[2])).reshape(*logc.shape[:2], -1)
    out["counts"] = logc
    # reference: a constant-rate Poisson model (training-clip mean of each unit), log-lik/bin
    c = counts.values.astype(np.float64)
    lam = c[train].mean((0, 1)).clip(1e-6)
    info["heldout_loglik_constant_rate"] = float(
        (c[test] * np.log(lam) - lam - gammaln(c[test] + 1)).sum(-1).mean())
    return out, info


# --------------------------------------------------------------------------- decoding
def oof_predict(features: list[np.ndarray], y: np.ndarray,
                folds: list[tuple[np.ndarray, np.ndarray]], regress: bool = False
                ) -> np.ndarray:
    """Out-of-fold predictions: fold ``k``'s decoder is trained on ``features[k][train_k]``."""
    pred = np.empty(len(y), dtype=np.float64)
    for feats, (tr, te) in zip(features, folds, strict=True):
        est = (Ridge(alpha=1.0) if regress
               else LogisticRegression(C=DECODER_C, max_iter=2000))
        model = make_pipeline(StandardScaler(), est).fit(feats[tr], y[tr])
        pred[te] = model.predict(feats[te])
    return pred


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    return float(1.0 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))


def permutation_test(features: list[np.ndarray], y: np.ndarray,
                     folds: list[tuple[np.ndarray, np.ndarray]], n_perm: int,
                     rng: np.random.Generator, regress: bool = False) -> dict[str, Any]:
    """Observed score and its label-permutation null (same folds, same fold features)."""
    def score(labels: np.ndarray) -> float:
        pred = oof_predict(features, labels, folds, regress)
        return r2(labels, pred) if regress else float(np.mean(pred == labels))

    observed = score(y)
    null = np.array([score(rng.permutation(y)) for _ in range(n_perm)])
    p = (1 + int(np.sum(null >= observed))) / (1 + n_perm)
    return {"observed": observed, "p_permutation": p,
            "null_mean": float(null.mean()), "null_95th": float(np.percentile(null, 95))}


def lag1_autocorr(x: np.ndarray) -> float:
    x = x - x.mean()
    return float(np.sum(x[1:] * x[:-1]) / np.sum(x * x))


def wilson_ci(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion ``k / n``."""
    phat = k / n
    centre = (phat + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


# --------------------------------------------------------------------------- figures
def first_pcs(z: np.ndarray, k: int = 2) -> np.ndarray:
    """``(clip, time, d)`` -> ``(clip, time, k)``, PCA over all bins."""
    flat = z.reshape(-1, z.shape[-1])
    return PCA(n_components=k).fit_transform(flat).reshape(*z.shape[:2], k)


def plot_trajectories(lat: dict[str, np.ndarray], y: np.ndarray, t: np.ndarray, path: Path
                      ) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(10, 8), layout="constrained")
    hb = int(np.argmin(np.abs(t - HB_BOUNDARY_S)))
    for col, key in enumerate(("content", "style")):
        pcs = first_pcs(lat[key])
        for c, name in enumerate(CATEGORIES):
            m = pcs[y == c]
            mean = m.mean(0)
            sem = m.std(0, ddof=1) / np.sqrt(len(m))
            ax = axes[0, col]
            ax.plot(mean[:, 0], mean[:, 1], "-", color=f"C{c}", lw=1.5, label=name)
            ax.plot(*mean[0], "o", color=f"C{c}", ms=5)
            ax.plot(*mean[hb], "s", color=f"C{c}", ms=5, mec="k")
            ax = axes[1, col]
            ax.plot(t, mean[:, 0], color=f"C{c}", label=name)
            ax.fill_between(t, mean[:, 0] - sem[:, 0], mean[:, 0] + sem[:, 0], color=f"C{c}",
                            alpha=0.2, lw=0)
        axes[0, col].set_title(f"TiDe-SwapVAE {key}: mean trajectory per category\n"
                               "(o clip onset, ■ 4 s = HB cut)", fontsize="medium")
        axes[0, col].set_xlabel(f"{key} PC 1")
        axes[0, col].set_ylabel(f"{key} PC 2")
        axes[1, col].axvline(HB_BOUNDARY_S, color="0.5", ls="--", lw=0.8)
        axes[1, col].set_xlabel("time from clip onset (s)")
        axes[1, col].set_ylabel(f"{key} PC 1 (mean ± s.e.m., 30 clips)")
    axes[0, 0].legend(frameon=False, fontsize="small")
    fig.suptitle("DANDI:000207 sub-4: latents of all 90 clips (display fit on all clips, "
                 "no labels)", fontsize="medium")
    save_figure(fig, path)
    plt.close(fig)


def plot_decoding(results: dict[str, dict[str, Any]], n: int, path: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 4.2), layout="constrained")
    keys = [k for k, _ in FEATURES]
    acc = [results[k]["observed"] for k in keys]
    ci = np.array([results[k]["ci95"] for k in keys])
    xs = np.arange(len(keys))
    from matplotlib.colors import to_rgba

    colours = [to_rgba(c, a) for c, a in zip(["C0", "C1"] * 3 + ["C2", "C7"],
                                             [0.9, 0.9, 0.55, 0.55, 0.3, 0.3, 0.9, 0.9],
                                             strict=True)]
    ax.bar(xs, acc, color=colours)
    ax.errorbar(xs, acc, yerr=[np.array(acc) - ci[:, 0], ci[:, 1] - np.array(acc)], fmt="none",
                ecolor="k", lw=1, capsize=3)
    ax.scatter(xs, [results[k]["null_95th"] for k in keys], marker="_", s=300, color="C3",
               zorder=3, label="95th percentile of the label-shuffle null")
    ax.axhline(1 / 3, color="k", ls="--", lw=1, label="chance 1/3")
    for x, k in zip(xs, keys, strict=True):
        ax.text(x, ci[x, 1] + 0.01, f"p={results[k]['p_permutation']:.3f}", ha="center",
                fontsize="x-small")
    ax.set_xticks(xs, [label for _, label in FEATURES], rotation=20, ha="right",
                  fontsize="small")
    ax.set_ylabel(f"boundary category accuracy\n(pooled over {n} held-out clips)")
    ax.set_ylim(0, 0.8)
    ax.legend(frameon=False, fontsize="small", loc="upper right")
    ax.set_title("Decoding NB / SB / HB from latents of held-out clips (5-fold CV; 95 % "
                 "Wilson CI)", fontsize="medium")
    save_figure(fig, path)
    plt.close(fig)


def plot_drift(style: np.ndarray, counts: np.ndarray, onset: np.ndarray, t: np.ndarray,
               y: np.ndarray, drift: dict[str, dict[str, Any]], path: Path) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(style.shape[2] + 1, 1, figsize=(11, 7), sharex=True,
                             layout="constrained")
    minutes = (onset[:, None] + t[None, :]) / 60.0
    for d in range(style.shape[2]):
        ax = axes[d]
        for i in range(len(style)):
            ax.plot(minutes[i], style[i, :, d], color=f"C{y[i]}", lw=0.6, alpha=0.6)
        ax.plot(onset / 60 + t.mean() / 60, style[:, :, d].mean(1), "k.", ms=4,
                label="clip mean")
        ax.set_ylabel(f"style dim {d + 1}")
    axes[0].legend(frameon=False, fontsize="small", loc="upper right")
    axes[0].set_title(
        "TiDe-SwapVAE style latent over the encoding session (colour = NB/SB/HB; display fit). "
        f"Session time from held-out clip means: R² {drift['tide_style']['observed']:.2f} "
        f"(p={drift['tide_style']['p_permutation']:.3f})", fontsize="small")
    rate = counts.mean((1, 2)) / BIN
    axes[-1].plot(onset / 60, rate, "k.-", lw=0.6, ms=4)
    axes[-1].set_ylabel("population rate\n(spikes/s per unit)")
    axes[-1].set_xlabel("session time of the clip (min)")
    axes[-1].set_title(f"reference: population rate, R² {drift['rate']['observed']:.2f} "
                       f"(p={drift['rate']['p_permutation']:.3f})", fontsize="small")
    save_figure(fig, path)
    plt.close(fig)


# --------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = analysis_parser(__doc__, NAME)
    parser.add_argument("--seed", type=int, default=0, help="folds, model and shuffle seed")
    parser.add_argument("--epochs", type=int, default=60, help="training epochs per model")
    parser.add_argument("--n-perm", type=int, default=500, help="label permutations")
    parser.add_argument("--quick", action="store_true",
                        default=os.environ.get("NEUROKIT_ANALYSES_QUICK", "") == "1",
                        help="3 epochs, 20 permutations (smoke test)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.quick:
        args.epochs, args.n_perm = 3, 20
    torch.set_num_threads(1)
    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    out = args.out / NAME
    t_start, cpu_start = time.time(), time.process_time()
    path = args.data / NWB
    if not path.exists():
        print(f"{NAME}: {path} not found; point --data (or NEUROKIT_SHARED_DATA) at the shared "
              "data folder.", file=sys.stderr)
        return 2
    counts, recognition = load_clips(path)
    y = counts["stimCategory"].values.astype(np.int64)
    onset = counts["start_time"].values.astype(np.float64)
    t = counts["time"].values
    fs = float(counts.attrs["sampling_rate"])
    n_clips, n_bins, n_units = counts.shape
    regions = {str(r): int(n) for r, n in zip(*np.unique(counts["region"].values,
                                                          return_counts=True), strict=True)}
    print(f"{n_clips} clips x {n_bins} bins of {BIN} s x {n_units} units {regions}; "
          f"categories {np.bincount(y).tolist()}; mean rate "
          f"{counts.values.mean() / BIN:.2f} spikes/s per unit")

    folds = list(StratifiedKFold(N_SPLITS, shuffle=True, random_state=args.seed).split(y, y))
    fold_latents: list[dict[str, np.ndarray]] = []
    fold_info: list[dict[str, Any]] = []
    for k, (tr, te) in enumerate(folds):
        lat, info = fit_latents(counts, tr, epochs=args.epochs, seed=args.seed)
        fold_latents.append(lat)
        fold_info.append(info)
        print(f"fold {k}: {len(tr)} training / {len(te)} held-out clips; held-out nats/bin: "
              f"TiDe {info['heldout_elbo_tide']:.3f}, no-state {info['heldout_elbo_nostate']:.3f}"
              f", Swap-VAE {info['heldout_elbo_swap']:.3f}, constant-rate log-lik "
              f"{info['heldout_loglik_constant_rate']:.3f}; fit CPU s "
              f"{info['fit_cpu_s_tide']:.0f}/{info['fit_cpu_s_nostate']:.0f}/"
              f"{info['fit_cpu_s_swap']:.0f}")

    rng = np.random.default_rng(args.seed)
    decoding: dict[str, dict[str, Any]] = {}
    for key, label in FEATURES:
        feats = [window_features(lat[key], fs) for lat in fold_latents]
        res = permutation_test(feats, y, folds, args.n_perm, rng)
        k_correct = int(round(res["observed"] * n_clips))
        res["ci95"] = wilson_ci(k_correct, n_clips)
        res["p_binomial"] = float(binom.sf(k_correct - 1, n_clips, 1 / 3))
        res["n_features"] = int(feats[0].shape[1])
        decoding[key] = res
        print(f"category from {label:28s}: accuracy {res['observed']:.3f} "
              f"[{res['ci95'][0]:.2f}, {res['ci95'][1]:.2f}], shuffle p "
              f"{res['p_permutation']:.3f} (null 95th pct {res['null_95th']:.3f})")

    drift: dict[str, dict[str, Any]] = {}
    minutes = onset / 60.0
    for key, label in DRIFT:
        if key == "rate":
            feats = [lat["counts"].mean((1, 2))[:, None] for lat in fold_latents]
        else:
            feats = [lat[key].mean(1) for lat in fold_latents]
        drift[key] = permutation_test(feats, minutes, folds, args.n_perm, rng, regress=True)
        print(f"session time from clip-mean {label:22s}: out-of-fold R^2 "
              f"{drift[key]['observed']:+.3f}, shuffle p {drift[key]['p_permutation']:.3f}")

    # display fit on all clips (unsupervised): figures and clip-to-clip autocorrelation
    display = TiDeSwapVAE(**TIDE, **LATENT, max_epochs=args.epochs, seed=args.seed,
                          enable_progress_bar=False).fit(counts)
    shown = display.transform(counts)
    lat_all = {"content": shown["content"].values, "style": shown["style"].values}
    logc = np.log1p(counts.values.astype(np.float64))
    series = {
        "tide_style": lat_all["style"].mean(1), "tide_content": lat_all["content"].mean(1),
        "pca": PCA(n_components=LATENT["n_content"], random_state=args.seed).fit_transform(
            logc.reshape(-1, n_units)).reshape(n_clips, n_bins, -1).mean(1),
        "rate": logc.mean((1, 2))[:, None],
    }
    autocorr: dict[str, dict[str, float]] = {}
    for key, z in series.items():
        pc1 = PCA(n_components=1).fit_transform(z)[:, 0] if z.shape[1] > 1 else z[:, 0]
        obs = lag1_autocorr(pc1)
        null = np.array([lag1_autocorr(rng.permutation(pc1)) for _ in range(2000)])
        autocorr[key] = {"lag1": obs, "p_shuffled_order": (1 + int(np.sum(null >= obs))) / 2001}
        print(f"clip-to-clip lag-1 autocorrelation, {key:12s}: {obs:+.3f} "
              f"(p {autocorr[key]['p_shuffled_order']:.3f})")

    plot_trajectories(lat_all, y, t, out / "latent_trajectories.png")
    plot_decoding(decoding, n_clips, out / "decoding.png")
    plot_drift(lat_all["style"], counts.values, onset, t, y, drift, out / "style_drift.png")

    heldout = {k: [info[k] for info in fold_info] for k in fold_info[0] if "heldout" in k}
    numbers = {
        "data": {"file": str(NWB), "n_clips": n_clips, "n_bins": n_bins, "bin_s": BIN,
                 "window_s": [0.0, n_bins * BIN], "n_units": n_units, "units_per_region": regions,
                 "clips_per_category": np.bincount(y).tolist(),
                 "mean_rate_hz": float(counts.values.mean() / BIN)},
        "settings": {"seed": args.seed, "epochs": args.epochs, "n_perm": args.n_perm,
                     "latent": LATENT, "tide": {**TIDE}, "swap": {**SWAP, "hidden": [64]},
                     "decoder": f"standardise + logistic regression C={DECODER_C}",
                     "features": f"mean per {WINDOW_S} s window", "n_splits": N_SPLITS,
                     "latent_fit": "training clips only in every fold (no labels)"},
        "chance": 1 / 3,
        "bonferroni_alpha": 0.05 / len(FEATURES),
        "decoding_category": decoding,
        "heldout_nats_per_bin": {k: {"per_fold": v, "mean": float(np.mean(v))}
                                 for k, v in heldout.items()},
        "heldout_note": "TiDe and no-state: single-sample ELBO (KL of both blocks included); "
                        "Swap-VAE: its own score with a deterministic content (no content KL), "
                        "not comparable; constant-rate: each unit's training-clip mean rate",
        "session_time_r2": drift,
        "clip_lag1_autocorrelation_display_fit": autocorr,
        "recognition_memory": recognition,
        "fit_cpu_s_per_fold": {k: float(np.mean([i[k] for i in fold_info]))
                               for k in fold_info[0] if k.startswith("fit_cpu")},
        "runtime_s": time.time() - t_start,
        "cpu_s": time.process_time() - cpu_start,
    }
    write_json(out / "numbers.json", numbers)
    print(f"wrote {out}/numbers.json, latent_trajectories.png, decoding.png, style_drift.png "
          f"({numbers['runtime_s']:.0f} s wall, {numbers['cpu_s']:.0f} s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
