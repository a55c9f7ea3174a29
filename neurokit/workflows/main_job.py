"""The main job (``neurokit run``): simulate → NWB → neurokit → preprocess → figures + JSON.

Two sessions with known ground truth are simulated and written as real NWB files; everything
after that goes through the same public API a lab uses on its own files, and the summary says
how well the ground truth was recovered:

* **ophys**: dF/F (neuropil-subtracted, maximin baseline) aligned to grating onsets; each ROI's
  preferred orientation is the orientation with the largest mean evoked response, compared with
  the simulated one;
* **ecephys**: units binned at 50 ms, PSTHs by condition, and the simulated latent trajectories
  regressed on the leading principal components of the smoothed square-root counts (R²);
* **SNN**: a spiking network with learnable synaptic delays, trained through the Lightning core,
  decodes each trial's stimulus condition from the spike trains (validation accuracy vs chance;
  :mod:`neurokit.workflows.snn_decoding`);
* **similarity**: simulated areas, each a noisy readout of one layer of a fixed CNN, scored
  against every layer by RSA with bootstrap CIs and noise ceilings; is each area's best layer
  the one it reads? (:mod:`neurokit.workflows.rsa_study`);
* **M/EEG decoding**: a simulated motor-imagery subject written as FIF files, read through MNE,
  band-passed, epoched and decoded (tangent space + logistic regression, MDM) with
  leave-one-run-out folds (:mod:`neurokit.workflows.eeg_decoding`);
* **latent model**: MM-GPVAE fitted to the ecephys session's spikes and behaviour read from
  the NWB file; held-out recovery of the simulated latents and running speed predicted from
  spikes alone (:mod:`neurokit.workflows.latent_study`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from scipy.ndimage import gaussian_filter1d

from neurokit import datasets, io, plotting, preprocess
from neurokit._atomic import write_json
from neurokit.plotting._figure import pyplot, save_figure
from neurokit.workflows._progress import Progress
from neurokit.workflows.eeg_decoding import decode_motor_imagery
from neurokit.workflows.latent_study import fit_session_latents
from neurokit.workflows.rsa_study import rsa_layer_region_study
from neurokit.workflows.snn_decoding import (
    DECODER_BIN,
    DECODER_WINDOW,
    decode_condition_with_snn,
)

#: full-size session parameters (``scale`` multiplies the counts and durations)
OPHYS_SIZE = {"n_rois": 60, "duration": 360.0}
ECEPHYS_SIZE = {"n_units": 60, "n_trials": 120}
PSTH_BIN = 0.05  # s


def run_main_job(out: str | os.PathLike, *, seed: int = 0, scale: float = 1.0) -> dict[str, Any]:
    """Run the main job and write ``figures/*.png``, ``data/*.nwb`` and ``summary.json``.

    Parameters
    ----------
    out : str or os.PathLike
        Output folder (created).
    seed : int
        Simulation seed.
    scale : float
        Multiplies ROIs, units, trials and duration (``0.3`` for a quick run).

    Returns
    -------
    dict
        The summary also written to ``out/summary.json``: recovery scores, sizes, files.

    Examples
    --------
    >>> summary = run_main_job("results", scale=0.3)  # doctest: +SKIP
    >>> summary["ophys"]["preferred_orientation_accuracy"]  # doctest: +SKIP
    0.95
    """
    out = Path(out)
    progress = Progress(11)
    t0 = time.perf_counter()

    progress.step("simulating a two-photon session and writing it as NWB")
    ophys_path, ophys_truth = datasets.simulate_ophys_session(
        out / "data" / "ophys_session.nwb",
        n_rois=max(8, round(OPHYS_SIZE["n_rois"] * scale)),
        duration=max(60.0, OPHYS_SIZE["duration"] * scale),
        seed=seed,
    )
    progress.step("simulating an ecephys session and writing it as NWB")
    ecephys_path, ecephys_truth = datasets.simulate_ecephys_session(
        out / "data" / "ecephys_session.nwb",
        n_units=max(10, round(ECEPHYS_SIZE["n_units"] * scale)),
        n_trials=max(16, round(ECEPHYS_SIZE["n_trials"] * scale)),
        seed=seed,
    )
    progress.step(f"reading {ophys_path.name} and {ecephys_path.name} back through neurokit.io")
    ophys_tree = io.read_nwb(ophys_path)
    ecephys_tree = io.read_nwb(ecephys_path)

    progress.step("ophys: dF/F, alignment to gratings, preferred orientations")
    ophys_summary, ophys_figures = _ophys(ophys_tree, ophys_truth)
    progress.step("ecephys: binning, PSTHs by condition, latent recovery")
    ecephys_summary, ecephys_figures = _ecephys(ecephys_tree, ecephys_truth)
    progress.step("latent model: MM-GPVAE on the session's spikes and behaviour")
    latent_summary, latent_figure = fit_session_latents(ecephys_tree, ecephys_truth, seed=seed)
    progress.step("SNN: training a spiking decoder of the stimulus condition (Lightning core)")
    decoder_input = preprocess.align_to_events(
        ecephys_tree["units"].dataset, ecephys_tree["intervals/trials"].dataset,
        window=DECODER_WINDOW, event="stimulus_onset", bin_size=DECODER_BIN,
    )
    snn_summary, snn_figure = decode_condition_with_snn(decoder_input, out / "runs", seed=seed)
    progress.step("similarity: which layer of a CNN does each simulated area read? (RSA)")
    rsa_summary, rsa_figures = rsa_layer_region_study(seed=seed)
    progress.step("M/EEG: reading simulated motor-imagery EEG files, epoching, decoding")
    decoding_summary, decoding_figure = decode_motor_imagery(out / "data" / "eeg", seed=seed)

    progress.step("writing figures")
    figures = {**ophys_figures, **ecephys_figures, "snn_decoder": snn_figure, **rsa_figures,
               "eeg_motor_imagery": decoding_figure, "ecephys_mmgpvae_latents": latent_figure}
    for name, fig in figures.items():
        save_figure(fig, out / "figures" / f"{name}.png")
        pyplot().close(fig)

    summary = {
        "seed": seed,
        "scale": scale,
        "files": {
            "ophys": str(ophys_path.relative_to(out)),
            "ecephys": str(ecephys_path.relative_to(out)),
        },
        "figures": [f"figures/{name}.png" for name in figures],
        "ophys": ophys_summary,
        "ecephys": ecephys_summary,
        "latent": latent_summary,
        "snn": snn_summary,
        "similarity": rsa_summary,
        "decoding": decoding_summary,
        "runtime_s": round(time.perf_counter() - t0, 2),
    }
    progress.step(f"writing {out / 'summary.json'}")
    write_json(out / "summary.json", summary)
    return summary


def _ophys(tree: xr.DataTree, truth: xr.Dataset) -> tuple[dict[str, Any], dict[str, Any]]:
    F = tree["processing/ophys/Fluorescence/RoiResponseSeries"]["data"]
    Fneu = tree["processing/ophys/Fluorescence/Neuropil"]["data"]
    stimuli = tree["intervals/stimulus_presentations"].dataset
    dff = preprocess.dff(
        F, Fneu, neuropil_coef=truth.attrs["neuropil_coef"], baseline="maximin", window=30.0
    )
    stim_duration = float((stimuli["stop_time"] - stimuli["start_time"]).median())
    trials = preprocess.align_to_events(
        dff, stimuli, window=(-0.5, stim_duration + 0.5), out_of_bounds="drop"
    )
    evoked = trials.sel(time=slice(0.0, stim_duration)).mean("time") - trials.sel(
        time=slice(-0.5, 0.0)
    ).mean("time")
    tuning = evoked.groupby("orientation").mean()  # (orientation, roi)
    estimated = tuning["orientation"].values[tuning.argmax("orientation").values]

    cells = truth["is_cell"].values.astype(bool)
    true_pref = truth["preferred_orientation"].values
    error = np.abs((estimated - true_pref + 90.0) % 180.0 - 90.0)  # on the 180° circle
    step = 180.0 / tuning.sizes["orientation"]
    best = int(np.argmax(np.where(cells, tuning.max("orientation").values, -np.inf)))
    summary = {
        "n_rois": int(dff.sizes["roi"]),
        "n_cells": int(cells.sum()),
        "n_frames": int(dff.sizes["time"]),
        "n_presentations": int(trials.sizes["trial"]),
        "orientation_step_deg": step,
        "preferred_orientation_accuracy": float(np.mean(error[cells] <= step / 2 + 1e-9)),
        "preferred_orientation_median_error_deg": float(np.median(error[cells])),
    }
    figures = {
        "ophys_dff_traces": plotting.plot_traces(
            dff.isel(roi=np.flatnonzero(cells)[:8]).sel(time=slice(0, 60)), events=stimuli
        ),
        "ophys_trial_average_by_orientation": plotting.plot_trial_average(
            trials, by="orientation", element=dff["roi"].values[best]
        ),
        "ophys_preferred_orientation_recovery": plotting.plot_recovery(
            true_pref[cells], estimated[cells], quantity="preferred orientation", units="deg"
        ),
    }
    return summary, figures


def _ecephys(tree: xr.DataTree, truth: xr.Dataset) -> tuple[dict[str, Any], dict[str, Any]]:
    units = tree["units"].dataset
    trials_table = tree["intervals/trials"].dataset
    psth = preprocess.align_to_events(
        units, trials_table, window=(-0.5, 1.5), event="stimulus_onset", bin_size=PSTH_BIN
    )
    t_end = float(truth["time"].values[-1]) + 1.0 / truth.attrs["sampling_rate"]
    counts = preprocess.bin_spikes(units, PSTH_BIN, start=0.0, stop=t_end)
    per_bin = round(PSTH_BIN * truth.attrs["sampling_rate"])
    latents = truth["latents"].coarsen(time=per_bin, boundary="trim").mean()
    n = min(latents.sizes["time"], counts.sizes["time"])
    r2 = _latent_r2(counts.values[:n].astype(float), latents.values[:n])

    onset_rates = psth.sel(time=slice(0.0, 1.0)).mean(("time", "unit")) / PSTH_BIN
    by_condition = onset_rates.groupby("condition").mean()
    summary = {
        "n_units": int(units.sizes["unit"]),
        "n_spikes": int(units.sizes["spike"]),
        "n_trials": int(psth.sizes["trial"]),
        "latent_r2": float(np.mean(r2)),
        "latent_r2_per_latent": [float(v) for v in r2],
        "mean_evoked_rate_by_condition_hz": {
            str(int(c)): float(v)
            for c, v in zip(by_condition["condition"].values, by_condition.values, strict=True)
        },
    }
    figures = {
        "ecephys_raster": plotting.plot_raster(units, start=0.0, stop=30.0, color_by="location"),
        "ecephys_psth_by_condition": plotting.plot_trial_average(
            psth, by="condition", scale=1.0 / PSTH_BIN, ylabel="spikes/s"
        ),
    }
    return summary, figures


def _latent_r2(counts: np.ndarray, latents: np.ndarray, smooth_bins: float = 2.0) -> np.ndarray:
    """R² of each true latent regressed on the top principal components of smoothed √counts."""
    rates = gaussian_filter1d(np.sqrt(counts), smooth_bins, axis=0)
    rates -= rates.mean(0)
    _, _, vt = np.linalg.svd(rates, full_matrices=False)
    pcs = rates @ vt[: latents.shape[1]].T
    design = np.column_stack([pcs, np.ones(len(pcs))])
    coef, *_ = np.linalg.lstsq(design, latents, rcond=None)
    residual = latents - design @ coef
    return 1.0 - residual.var(0) / latents.var(0)
