# %% [markdown]
# # Neuropil correction and what it does to dF/F and orientation tuning
#
# Two-photon ROI fluorescence is contaminated by out-of-focus neuropil; suite2p subtracts
# `r * Fneu` with a fixed `r = 0.7`. With a simulated session whose true contamination is known
# (written as NWB and read back through neurokit like a lab's own file), this analysis sweeps
# the correction coefficient and measures, per value:
#
# * how well dF/F follows the true calcium signal (Pearson r per cell, median over cells) and
#   its gain (least-squares slope of dF/F on the true calcium; 1 means amplitudes are right:
#   under-correction inflates the baseline and shrinks dF/F, over-correction does the opposite);
# * how many cells' preferred orientation is recovered (within half an orientation step);
# * the orientation selectivity index (OSI) against the true one.
#
# Outputs: `results/analyses/neuropil_correction/{figure.png, numbers.json}`.

# %% parameters
import os
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")

import neurokit as nk
from neurokit._atomic import write_json
from neurokit.plotting._figure import pyplot, save_figure

OUT = Path(os.environ.get("NEUROKIT_ANALYSES_OUT", "results/analyses")) / "neuropil_correction"
TRUE_COEF = 0.7
COEFS = [0.0, 0.35, 0.7, 1.0, 1.3]
N_ROIS, DURATION, SEED = 40, 240.0, 7

# %% simulate, write NWB, read back
path, truth = nk.datasets.simulate_ophys_session(
    OUT / "session.nwb", n_rois=N_ROIS, duration=DURATION, neuropil_coef=TRUE_COEF, seed=SEED
)
tree = nk.io.read_nwb(path)
F = tree["processing/ophys/Fluorescence/RoiResponseSeries"]["data"]
Fneu = tree["processing/ophys/Fluorescence/Neuropil"]["data"]
stimuli = tree["intervals/stimulus_presentations"].dataset
cells = truth["is_cell"].values.astype(bool)
true_calcium = truth["calcium"].values[:, cells]
true_pref = truth["preferred_orientation"].values[cells]


def osi(tuning: np.ndarray, orientations_deg: np.ndarray) -> np.ndarray:
    """Orientation selectivity index |Σ R e^{2iθ}| / Σ R, per column, responses clipped at 0."""
    r = np.clip(tuning, 0, None)
    vector = np.exp(2j * np.deg2rad(orientations_deg))[:, None]
    return np.abs((r * vector).sum(0)) / np.maximum(r.sum(0), 1e-12)


# %% sweep the correction coefficient
rows = []
true_tuning = None
for coef in COEFS:
    dff = nk.preprocess.dff(F, Fneu, neuropil_coef=coef, baseline="maximin", window=30.0)
    trials = nk.preprocess.align_to_events(dff, stimuli, window=(-0.5, 1.5), out_of_bounds="drop")
    evoked = trials.sel(time=slice(0, 1)).mean("time") - trials.sel(time=slice(-0.5, 0)).mean(
        "time"
    )
    tuning = evoked.groupby("orientation").mean()
    orientations = tuning["orientation"].values
    estimated = orientations[tuning.argmax("orientation").values][cells]
    error = np.abs((estimated - true_pref + 90) % 180 - 90)
    step = 180 / len(orientations)
    d = dff.values[:, cells]
    r = [np.corrcoef(d[:, i], true_calcium[:, i])[0, 1] for i in range(d.shape[1])]
    gain = [np.polyfit(true_calcium[:, i], d[:, i], 1)[0] for i in range(d.shape[1])]
    if true_tuning is None:  # the simulator's noise-free tuning, on the same orientations
        kappa = truth["tuning_kappa"].values[cells]
        angle = np.deg2rad(orientations[:, None] - true_pref[None, :])
        true_tuning = np.exp(kappa * (np.cos(2 * angle) - 1))
    rows.append(
        {
            "neuropil_coef": coef,
            "median_r_dff_vs_true_calcium": float(np.median(r)),
            "median_dff_gain": float(np.median(gain)),
            "preferred_orientation_accuracy": float(np.mean(error <= step / 2 + 1e-9)),
            "median_osi": float(np.median(osi(tuning.values[:, cells], orientations))),
        }
    )
    print(
        f"r={coef:.2f}: "
        + ", ".join(f"{k}={v:.3f}" for k, v in rows[-1].items() if k != "neuropil_coef")
    )
true_osi = float(np.median(osi(true_tuning, orientations)))

# %% figure and numbers
plt = pyplot()
fig, axes = plt.subplots(1, 4, figsize=(13, 3.2), layout="constrained")
coefs = [row["neuropil_coef"] for row in rows]
for ax, key, label in zip(
    axes,
    [
        "median_r_dff_vs_true_calcium",
        "median_dff_gain",
        "preferred_orientation_accuracy",
        "median_osi",
    ],
    [
        "median r(dF/F, true calcium)",
        "median dF/F gain (true = 1)",
        "preferred orientation recovered",
        "median OSI",
    ],
    strict=True,
):
    ax.plot(coefs, [row[key] for row in rows], "o-")
    ax.axvline(TRUE_COEF, color="0.5", ls="--", lw=0.8, label="true coefficient")
    ax.set_xlabel("neuropil coefficient used")
    ax.set_ylabel(label)
axes[1].axhline(1.0, color="C3", lw=0.8)
axes[3].axhline(true_osi, color="C3", lw=0.8, label="true OSI")
axes[3].legend(frameon=False, fontsize="small")
save_figure(fig, OUT / "figure.png")
write_json(
    OUT / "numbers.json",
    {
        "true_neuropil_coef": TRUE_COEF,
        "true_median_osi": true_osi,
        "sweep": rows,
        "n_cells": int(cells.sum()),
        "seed": SEED,
    },
)
print(f"wrote {OUT / 'figure.png'} and {OUT / 'numbers.json'}")
