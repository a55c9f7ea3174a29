"""Simulated two-photon session with orientation-tuned ROIs, written as a real NWB file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from scipy.signal import lfilter

from neurokit import conventions as cv
from neurokit._optional import soft_import
from neurokit.datasets._nwb_write import (
    check_count,
    check_positive,
    chunked_rows,
    new_nwbfile,
    output_path,
    write_nwbfile,
)
from neurokit.datasets.calcium import spikes_to_calcium
from neurokit.errors import InvalidValueError
from neurokit.validation import validate

__all__ = ["simulate_ophys_session"]

_CHUNK = 4096  # frames per random-draw block and per HDF5 chunk (fixed: it shapes the draws)
_ROI_SIGMA = 2.0  # px, Gaussian ROI footprint
_MASK_FLOOR = 0.01  # mask weights below this fraction of the peak are set to 0
_TAU_RISE, _TAU_DECAY = 0.05, 0.4  # s, GCaMP6f-like
_NEUROPIL_TAU = 3.0  # s, shared slow neuropil signal
_RUNNING_TAU, _RUNNING_RATE, _RUNNING_NOISE = 10.0, 60.0, 1.0  # s, Hz, cm/s
_NONCELL_FRACTION = 0.15
_F_CONVERSION = 0.1  # a.u. per raw count, unless the range needs coarser steps


def simulate_ophys_session(
    path: str | os.PathLike,
    *,
    n_rois: int = 30,
    duration: float = 120.0,
    frame_rate: float = 30.0,
    n_stimuli: int = 8,
    stimulus_duration: float = 1.0,
    inter_stimulus_interval: float = 1.0,
    image_shape: tuple[int, int] = (64, 64),
    neuropil_coef: float = 0.7,
    seed: int = 0,
) -> tuple[Path, xr.Dataset]:
    """Simulate a two-photon session (oriented gratings, GCaMP6f in VISp) and write it as NWB.

    The model, per ROI ``r`` and frame ``t`` (frame period ``dt = 1 / frame_rate``):

    * rate ``λ[t, r] = baseline[r] + gain[r] * exp(κ[r] (cos 2(θ(t) - θ_pref[r]) - 1))`` while a
      grating of orientation ``θ(t)`` is shown, ``baseline[r]`` otherwise (von Mises tuning on the
      180° orientation circle); non-cells (``is_cell == 0``, about 15 %) have ``gain = 0`` and a
      low baseline;
    * spikes ``n[t, r] ~ Poisson(λ[t, r] dt)`` (counts per frame);
    * calcium ``c = spikes_to_calcium(n, frame_rate, tau_rise=0.05, tau_decay=0.4,
      amplitude=A[r])`` (ΔF/F);
    * neuropil ``Fneu[t, r] = N0[r] (1 + 0.1 s(t)) + ε_neu``, ``s`` a shared Ornstein-Uhlenbeck
      signal (τ = 3 s, unit variance), ``ε_neu ~ N(0, (0.02 N0)²)``;
    * fluorescence ``F = F0[r] (1 + c) + neuropil_coef * Fneu + ε``, ``ε ~ N(0, noise_sd[r]²)``.

    Layout of the file:

    * ``processing/ophys/ImageSegmentation/PlaneSegmentation``: one Gaussian image mask per ROI
      (σ = 2 px, weights below 1 % of the peak set to 0), indexed ``image_mask[roi, y, x]``
      (row = y, column = x), centres at ``(centroid_x, centroid_y)``; bool column ``is_cell``.
    * ``processing/ophys/Fluorescence/RoiResponseSeries`` (F) and ``.../Neuropil`` (Fneu), rate
      based. **F is stored as raw uint16 counts**: the values in the file are raw counts, and
      ``raw * conversion + offset`` (the series' NWB ``conversion`` and ``offset``) recovers a.u.
      within ``conversion / 2``. Neuropil is stored as float32 a.u. (conversion 1, offset 0).
    * ``intervals/stimulus_presentations``: ``start_time``, ``stop_time``, ``stimulus_id`` (int),
      ``orientation`` (degrees); random permutations of the ``n_stimuli`` orientations
      ``k * 180 / n_stimuli`` back to back, from ``min(10 s, duration / 10)`` on.
    * ``intervals/epochs``: ``spontaneous`` (before the first grating) and ``gratings``.
    * ``acquisition/running_speed`` (cm/s): a slow process ``8 softplus(1.5 u(t))`` (``u`` an OU
      process, τ = 10 s) plus white noise (1 cm/s), at irregular ~60 Hz timestamps (±20 % jitter).

    Parameters
    ----------
    path : str or os.PathLike
        NWB file to write (replaced atomically if it exists).
    n_rois : int
        Number of ROIs.
    duration : float
        Session length (s); frames at ``k / frame_rate`` for ``k * dt < duration``.
    frame_rate : float
        Imaging rate (Hz).
    n_stimuli : int
        Number of grating orientations, evenly spaced over 180°.
    stimulus_duration, inter_stimulus_interval : float
        Presentation length and gap between presentations (s).
    image_shape : tuple of int
        ``(height, width)`` of the imaging plane in pixels, each >= 16.
    neuropil_coef : float
        Neuropil contamination of F (suite2p's default correction is 0.7).
    seed : int
        Seed of every random draw: a seed gives the same ground truth and file content.

    Returns
    -------
    path : pathlib.Path
        The NWB file written.
    truth : xarray.Dataset
        Ground truth, dims ``time`` (frame times, s), ``roi``, ``interval`` (stimulus
        presentations):

        * ``spikes (time, roi)`` int16 "count"; ``calcium (time, roi)`` float32 "dF/F";
          ``F``, ``Fneu (time, roi)`` float32 "a.u." (F before uint16 quantisation);
        * per ROI: ``F0``, ``neuropil_baseline``, ``noise_sd`` ("a.u."), ``preferred_orientation``
          ("deg"), ``tuning_kappa`` ("1"), ``baseline_rate``, ``stimulus_gain`` ("spikes/s"),
          ``calcium_amplitude`` ("dF/F"); coords ``is_cell`` (int8), ``centroid_x``,
          ``centroid_y`` (pixels);
        * ``neuropil_signal (time)`` (shared OU signal, "a.u."), ``running_speed_slow (time)``
          (the slow part of running speed at frame times, "cm/s");
        * per presentation: ``start_time``, ``stop_time`` ("s"), ``orientation`` ("deg"), coord
          ``stimulus_id``;
        * attrs ``sampling_rate``, ``frame_rate``, ``neuropil_coef``, ``tau_rise``, ``tau_decay``,
          ``F_conversion``, ``F_offset``, ``seed``, ``source_file``, ``session_id``, ``subject_id``.

    Raises
    ------
    neurokit.errors.InvalidValueError
        On bad sizes, or a duration too short for one presentation.
    neurokit.errors.NotAFileError
        When ``path`` is a folder.

    Notes
    -----
    Memory: the ground truth arrays are float32/int16 (about 14 bytes per frame × ROI, e.g.
    0.76 GB for 500 ROIs × 1 h × 30 Hz); random draws and the uint16 conversion run in blocks of
    4096 frames. The image masks are dense (``n_rois × height × width`` float32).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "ophys.nwb"
    >>> path, truth = simulate_ophys_session(out, n_rois=5, duration=20.0, seed=1)
    >>> truth["F"].dims, truth.sizes["roi"], path.exists()
    (('time', 'roi'), 5, True)
    """
    out = output_path(path)
    n_rois = check_count("n_rois", n_rois)
    n_stimuli = check_count("n_stimuli", n_stimuli)
    seed = check_count("seed", seed, minimum=0)
    duration = check_positive("duration", duration)
    frame_rate = check_positive("frame_rate", frame_rate)
    stimulus_duration = check_positive("stimulus_duration", stimulus_duration)
    inter_stimulus_interval = check_positive(
        "inter_stimulus_interval", inter_stimulus_interval, allow_zero=True
    )
    neuropil_coef = check_positive("neuropil_coef", neuropil_coef, allow_zero=True)
    if len(image_shape) != 2:
        raise InvalidValueError(
            "bad simulator argument",
            field="image_shape",
            expected="(height, width)",
            found=repr(image_shape),
        )
    height, width = (check_count("image_shape", s, minimum=16) for s in image_shape)

    rng = np.random.default_rng(seed)
    time = np.arange(int(np.ceil(duration * frame_rate - 1e-9))) / frame_rate
    rois = _draw_rois(rng, n_rois, height, width)
    stim = _stimulus_sequence(rng, n_stimuli, duration, stimulus_duration, inter_stimulus_interval)
    spikes = _draw_spikes(rng, time, rois, stim, frame_rate)
    calcium = spikes_to_calcium(
        spikes, frame_rate, tau_rise=_TAU_RISE, tau_decay=_TAU_DECAY, amplitude=rois["amplitude"]
    )
    neuropil_signal = _ou(rng, time.size, dt=1.0 / frame_rate, tau=_NEUROPIL_TAU)
    fneu, f = _draw_fluorescence(rng, calcium, neuropil_signal, rois, neuropil_coef)
    running_times, running_speed, running_slow = _running(rng, duration, time)

    offset = float(np.floor(f.min())) - 1.0
    conversion = max(_F_CONVERSION, float(np.ceil((f.max() - offset) / 65000 * 1000) / 1000))

    nwbfile = _build_nwbfile(
        seed=seed,
        frame_rate=frame_rate,
        height=height,
        width=width,
        rois=rois,
        stim=stim,
        f=f,
        fneu=fneu,
        conversion=conversion,
        offset=offset,
        running_times=running_times,
        running_speed=running_speed,
    )
    write_nwbfile(nwbfile, out)

    truth = _truth_dataset(
        time=time,
        rois=rois,
        stim=stim,
        spikes=spikes,
        calcium=calcium,
        f=f,
        fneu=fneu,
        neuropil_signal=neuropil_signal,
        running_slow=running_slow,
        attrs={
            cv.SAMPLING_RATE_ATTR: frame_rate,
            "frame_rate": frame_rate,
            "neuropil_coef": neuropil_coef,
            "tau_rise": _TAU_RISE,
            "tau_decay": _TAU_DECAY,
            "F_conversion": conversion,
            "F_offset": offset,
            "seed": seed,
            "source_file": str(out),
            "session_id": nwbfile.session_id,
            "subject_id": nwbfile.subject.subject_id,
            "description": "ground truth of neurokit.datasets.simulate_ophys_session",
        },
    )
    return out, validate(truth, source=str(out))


def _draw_rois(rng: np.random.Generator, n: int, height: int, width: int) -> dict[str, np.ndarray]:
    margin = 3 * _ROI_SIGMA + 1
    is_cell = np.ones(n, dtype=np.int8)
    is_cell[rng.permutation(n)[: int(round(_NONCELL_FRACTION * n))]] = 0
    cell = is_cell.astype(bool)
    return {
        "centroid_x": rng.uniform(margin, width - 1 - margin, n),
        "centroid_y": rng.uniform(margin, height - 1 - margin, n),
        "is_cell": is_cell,
        "preferred_orientation": rng.uniform(0.0, 180.0, n),
        "tuning_kappa": rng.uniform(1.0, 3.0, n),
        "baseline_rate": np.where(cell, rng.uniform(0.5, 2.0, n), rng.uniform(0.05, 0.3, n)),
        "stimulus_gain": np.where(cell, rng.uniform(5.0, 15.0, n), 0.0),
        "amplitude": rng.uniform(0.15, 0.3, n),
        "F0": rng.uniform(60.0, 200.0, n),
        "neuropil_baseline": rng.uniform(50.0, 100.0, n),
        "noise_sd": rng.uniform(0.02, 0.05, n),  # fraction of F0, scaled below
    }


def _stimulus_sequence(
    rng: np.random.Generator, n_stimuli: int, duration: float, on: float, off: float
) -> dict[str, np.ndarray]:
    first = min(10.0, duration / 10.0)
    if duration - first < on:
        raise InvalidValueError(
            "session too short for one stimulus presentation",
            field="duration",
            expected=f">= {first + on:g} s (spontaneous period + stimulus_duration)",
            found=repr(duration),
        )
    n = int(np.floor((duration - first - on) / (on + off) + 1e-9)) + 1
    blocks = [rng.permutation(n_stimuli) for _ in range(-(-n // n_stimuli))]
    stimulus_id = np.concatenate(blocks)[:n].astype(np.int64)
    start = first + np.arange(n) * (on + off)
    return {
        "start_time": start,
        "stop_time": start + on,
        "stimulus_id": stimulus_id,
        "orientation": stimulus_id * (180.0 / n_stimuli),
        "orientations": np.arange(n_stimuli) * (180.0 / n_stimuli),
    }


def _tuning(orientation: np.ndarray, rois: dict[str, np.ndarray]) -> np.ndarray:
    """Von Mises tuning in [0, 1], shape (n_orientations, n_rois)."""
    delta = np.deg2rad(orientation[:, None] - rois["preferred_orientation"][None, :])
    return np.exp(rois["tuning_kappa"] * (np.cos(2 * delta) - 1.0))


def _draw_spikes(
    rng: np.random.Generator,
    time: np.ndarray,
    rois: dict[str, np.ndarray],
    stim: dict[str, np.ndarray],
    frame_rate: float,
) -> np.ndarray:
    # which stimulus is on at each frame (-1: none); row -1 of the rate table is the baseline
    idx = np.searchsorted(stim["start_time"], time, side="right") - 1
    showing = (idx >= 0) & (time < stim["stop_time"][np.maximum(idx, 0)])
    frame_stim = np.where(showing, stim["stimulus_id"][np.maximum(idx, 0)], -1)
    rates = rois["baseline_rate"] + rois["stimulus_gain"] * np.vstack(
        [_tuning(stim["orientations"], rois), np.zeros(rois["F0"].size)]
    )
    spikes = np.empty((time.size, rois["F0"].size), dtype=np.int16)
    for start in range(0, time.size, _CHUNK):
        lam = rates[frame_stim[start : start + _CHUNK]] / frame_rate
        spikes[start : start + _CHUNK] = rng.poisson(lam)
    return spikes


def _ou(rng: np.random.Generator, n: int, *, dt: float, tau: float) -> np.ndarray:
    """Unit-variance Ornstein-Uhlenbeck samples on a regular grid (exact AR(1))."""
    a = np.exp(-dt / tau)
    noise = rng.standard_normal(n) * np.sqrt(1 - a**2)
    noise[0] = rng.standard_normal()
    return lfilter([1.0], [1.0, -a], noise)


def _draw_fluorescence(
    rng: np.random.Generator,
    calcium: np.ndarray,
    neuropil_signal: np.ndarray,
    rois: dict[str, np.ndarray],
    neuropil_coef: float,
) -> tuple[np.ndarray, np.ndarray]:
    f0 = rois["F0"].astype(np.float32)
    n0 = rois["neuropil_baseline"].astype(np.float32)
    sd = (rois["noise_sd"] * rois["F0"]).astype(np.float32)
    fneu = np.empty(calcium.shape, dtype=np.float32)
    f = np.empty(calcium.shape, dtype=np.float32)
    for start in range(0, calcium.shape[0], _CHUNK):
        sl = slice(start, start + _CHUNK)
        shared = 1 + 0.1 * neuropil_signal[sl, None].astype(np.float32)
        eps_neu = rng.standard_normal(calcium[sl].shape, dtype=np.float32)
        fneu[sl] = n0 * shared + 0.02 * n0 * eps_neu
        eps = rng.standard_normal(calcium[sl].shape, dtype=np.float32)
        f[sl] = f0 * (1 + calcium[sl]) + np.float32(neuropil_coef) * fneu[sl] + sd * eps
    return fneu, f


def _running(
    rng: np.random.Generator, duration: float, frame_times: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Irregular ~60 Hz timestamps, running speed there, and its slow part at frame times (cm/s)."""
    grid_dt = 0.1
    grid = np.arange(int(np.ceil(duration / grid_dt)) + 1) * grid_dt
    u = _ou(rng, grid.size, dt=grid_dt, tau=_RUNNING_TAU)
    slow_grid = 8.0 * np.logaddexp(0.0, 1.5 * u)
    n = int(np.floor(duration * _RUNNING_RATE))
    jitter = rng.uniform(-0.2, 0.2, n)
    times = np.clip((np.arange(n) + jitter) / _RUNNING_RATE, 0.0, None)
    speed = np.interp(times, grid, slow_grid) + _RUNNING_NOISE * rng.standard_normal(n)
    return times, speed.astype(np.float32), np.interp(frame_times, grid, slow_grid)


def _image_masks(rois: dict[str, np.ndarray], height: int, width: int) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width]
    cx = rois["centroid_x"][:, None, None]
    cy = rois["centroid_y"][:, None, None]
    masks = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * _ROI_SIGMA**2))
    masks[masks < _MASK_FLOOR] = 0.0
    return masks.astype(np.float32)


def _build_nwbfile(
    *,
    seed: int,
    frame_rate: float,
    height: int,
    width: int,
    rois: dict[str, np.ndarray],
    stim: dict[str, np.ndarray],
    f: np.ndarray,
    fneu: np.ndarray,
    conversion: float,
    offset: float,
    running_times: np.ndarray,
    running_speed: np.ndarray,
) -> Any:
    soft_import("pynwb", "writing simulated NWB files")
    from pynwb import TimeSeries
    from pynwb.ophys import Fluorescence, ImageSegmentation, OpticalChannel

    nwbfile = new_nwbfile(
        modality="ophys",
        seed=seed,
        session_description="simulated two-photon session: static oriented gratings, GCaMP6f, VISp",
        experiment_description=(
            "Ground-truth simulation by neurokit.datasets.simulate_ophys_session: von Mises "
            "orientation-tuned Poisson spiking, double-exponential calcium kernel, shared neuropil."
        ),
        genotype="Slc17a7-IRES2-Cre/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/wt (simulated)",
    )
    device = nwbfile.create_device(
        name="Microscope", description="two-photon microscope (simulated)", manufacturer="neurokit"
    )
    channel = OpticalChannel(
        name="OpticalChannel", description="green channel (GCaMP6f)", emission_lambda=520.0
    )
    plane = nwbfile.create_imaging_plane(
        name="ImagingPlane",
        optical_channel=channel,
        description=f"single plane in layer 2/3 of VISp, {height} x {width} pixels",
        device=device,
        excitation_lambda=920.0,
        imaging_rate=frame_rate,
        indicator="GCaMP6f",
        location="VISp",
        grid_spacing=[1.0e-6, 1.0e-6],
        grid_spacing_unit="meters",
    )
    ophys = nwbfile.create_processing_module(name="ophys", description="simulated ophys outputs")
    segmentation = ImageSegmentation(name="ImageSegmentation")
    ophys.add(segmentation)
    planes = segmentation.create_plane_segmentation(
        name="PlaneSegmentation",
        description="Gaussian ROI footprints (sigma 2 px); image_mask is indexed [roi, y, x]",
        imaging_plane=plane,
    )
    planes.add_column(name="is_cell", description="True for a neuron, False for a non-cell ROI")
    for mask, is_cell in zip(_image_masks(rois, height, width), rois["is_cell"], strict=True):
        planes.add_roi(image_mask=mask, is_cell=bool(is_cell))

    n_rois = rois["F0"].size
    all_rois = list(range(n_rois))
    fluorescence = Fluorescence(name="Fluorescence")
    ophys.add(fluorescence)  # parent first, so the ROI regions share an ancestor with their table
    fluorescence.create_roi_response_series(
        name="RoiResponseSeries",
        data=chunked_rows(
            f, chunk=_CHUNK, dtype=np.dtype("uint16"), conversion=conversion, offset=offset
        ),
        unit="a.u.",
        rois=planes.create_roi_table_region(region=all_rois, description="all ROIs"),
        rate=frame_rate,
        starting_time=0.0,
        conversion=conversion,
        offset=offset,
        resolution=conversion,
        description="raw fluorescence F; stored as uint16 counts, a.u. = raw * conversion + offset",
    )
    fluorescence.create_roi_response_series(
        name="Neuropil",
        data=chunked_rows(fneu, chunk=_CHUNK, dtype=np.dtype("float32")),
        unit="a.u.",
        rois=planes.create_roi_table_region(region=all_rois, description="all ROIs"),
        rate=frame_rate,
        starting_time=0.0,
        description="neuropil fluorescence Fneu around each ROI",
    )

    presentations = nwbfile.create_time_intervals(
        name="stimulus_presentations", description="static full-field gratings"
    )
    presentations.add_column(name="stimulus_id", description="index of the orientation (0-based)")
    presentations.add_column(name="orientation", description="grating orientation in degrees")
    for start, stop, sid, ori in zip(
        stim["start_time"], stim["stop_time"], stim["stimulus_id"], stim["orientation"], strict=True
    ):
        presentations.add_row(
            start_time=float(start),
            stop_time=float(stop),
            stimulus_id=int(sid),
            orientation=float(ori),
        )

    nwbfile.add_epoch(start_time=0.0, stop_time=float(stim["start_time"][0]), tags=["spontaneous"])
    nwbfile.add_epoch(
        start_time=float(stim["start_time"][0]),
        stop_time=float(stim["stop_time"][-1]),
        tags=["gratings"],
    )
    nwbfile.add_acquisition(
        TimeSeries(
            name="running_speed",
            data=running_speed,
            unit="cm/s",
            timestamps=running_times,
            description="wheel running speed: slow process + white noise, ~60 Hz with jitter",
        )
    )
    return nwbfile


def _truth_dataset(
    *,
    time: np.ndarray,
    rois: dict[str, np.ndarray],
    stim: dict[str, np.ndarray],
    spikes: np.ndarray,
    calcium: np.ndarray,
    f: np.ndarray,
    fneu: np.ndarray,
    neuropil_signal: np.ndarray,
    running_slow: np.ndarray,
    attrs: dict[str, Any],
) -> xr.Dataset:
    tr, ti = (cv.TIME, cv.ROI), (cv.INTERVAL,)
    roi_vars = {
        "F0": "a.u.",
        "neuropil_baseline": "a.u.",
        "preferred_orientation": "deg",
        "tuning_kappa": "1",
        "baseline_rate": cv.SPIKES_PER_SECOND,
        "stimulus_gain": cv.SPIKES_PER_SECOND,
    }
    data_vars = {
        "spikes": (tr, spikes, {"units": cv.COUNTS}),
        "calcium": (tr, calcium, {"units": cv.DFF}),
        "F": (tr, f, {"units": cv.ARBITRARY}),
        "Fneu": (tr, fneu, {"units": cv.ARBITRARY}),
        **{k: ((cv.ROI,), rois[k], {"units": u}) for k, u in roi_vars.items()},
        "calcium_amplitude": ((cv.ROI,), rois["amplitude"], {"units": cv.DFF}),
        "noise_sd": ((cv.ROI,), rois["noise_sd"] * rois["F0"], {"units": cv.ARBITRARY}),
        "neuropil_signal": ((cv.TIME,), neuropil_signal, {"units": cv.ARBITRARY}),
        "running_speed_slow": ((cv.TIME,), running_slow, {"units": "cm/s"}),
        "start_time": (ti, stim["start_time"], {"units": cv.SECONDS}),
        "stop_time": (ti, stim["stop_time"], {"units": cv.SECONDS}),
        "orientation": (ti, stim["orientation"], {"units": "deg"}),
    }
    coords = {
        cv.TIME: (cv.TIME, time, {"units": cv.SECONDS}),
        cv.ROI: np.arange(rois["F0"].size),
        "is_cell": (cv.ROI, rois["is_cell"]),
        "centroid_x": (cv.ROI, rois["centroid_x"], {"units": "pixels"}),
        "centroid_y": (cv.ROI, rois["centroid_y"], {"units": "pixels"}),
        cv.INTERVAL: np.arange(stim["start_time"].size),
        "stimulus_id": (cv.INTERVAL, stim["stimulus_id"]),
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)
