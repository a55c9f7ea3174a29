"""Simulated extracellular session: latent dynamics drive Poisson units; written as real NWB."""

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
    new_nwbfile,
    output_path,
    write_nwbfile,
)
from neurokit.errors import InvalidValueError
from neurokit.validation import validate

__all__ = ["simulate_ecephys_session"]

_DT = 0.01  # s, ground-truth grid (latents, rates, behaviour)
_BEHAVIOR_STEP = 2  # the file stores behaviour every 2nd grid sample: 50 Hz
_ONSET_DELAY = 0.5  # s, stimulus onset after trial start
_TAU = 0.2  # s, latent decay time constant
_ROTATION_HZ = 0.25  # Hz, rotation frequency of the first latent pair (the next pairs: x2, x3…)
_NOISE_SD = 1.0  # latent process noise (a.u. / sqrt(s))
_INPUT_GAIN = 5.0  # a.u. / s: steady-state latent displacement ≈ gain * tau ≈ 1 a.u.
_N_ELECTRODES = 64
_GOOD_FRACTION = 0.75
_P_CORRECT = 0.8
_POSITION_SCALE = 0.2  # m per a.u. of latent


def simulate_ecephys_session(
    path: str | os.PathLike,
    *,
    n_units: int = 40,
    n_trials: int = 60,
    n_conditions: int = 4,
    trial_duration: float = 2.0,
    inter_trial_interval: float = 0.5,
    n_latents: int = 2,
    seed: int = 0,
) -> tuple[Path, xr.Dataset]:
    """Simulate units driven by low-dimensional latent dynamics over trials and write it as NWB.

    The model, on a 10 ms grid ``t_k = k dt`` (every quantity is piecewise constant on
    ``[t_k, t_k + dt)``):

    * latents ``x`` (``n_latents``-dim) follow a damped rotational linear dynamical system
      ``x[k+1] = A x[k] + dt u[k] + sqrt(dt) σ ε[k]``, ``ε ~ N(0, I)``, ``σ = 1``, ``x[0] = 0``,
      with ``A = exp(M dt)`` block diagonal: each latent pair ``(2j, 2j+1)`` decays with
      ``τ = 0.2 s`` and rotates at ``0.25 (j + 1)`` Hz; an odd last latent only decays;
    * the input ``u[k] = 5 d_c`` from ``stimulus_onset`` (trial start + 0.5 s) to trial stop,
      ``d_c`` the unit direction of the trial's condition ``c`` (``condition_direction``; for
      ``n_latents >= 2`` evenly spaced angles in a random plane of latent space, for one latent
      evenly spaced values in [-1, 1]); 0 between trials;
    * rates ``λ[k, u] = exp(b[u] + C[u] · x[k])`` (spikes/s), ``b = log U(2, 12) Hz``, rows of
      ``C`` of norm U(0.4, 0.9) — roughly 1–30 Hz;
    * spikes: an exact Poisson process of that piecewise-constant intensity (``Poisson(λ dt)``
      spikes per bin, each uniform within its bin), sorted per unit; no refractory period;
    * behaviour: ``position = 0.2 W x`` (m, 2-D, ``W`` random ``(2, n_latents)``) and
      ``running_speed = 10 softplus(v · x + 1)`` (cm/s), both noise-free readouts.

    Layout of the file:

    * ``general/extracellular_ephys``: one ``Device`` "Probe", one ``ElectrodeGroup`` "probe0",
      64 electrodes 20 µm apart along the shank, the upper 32 in "VISp", the lower 32 in "CA1"
      (``x, y, z`` in µm from bregma, NWB axes +x posterior, +y inferior, +z right; ``rel_y``
      µm from the tip along the probe);
    * ``units``: ``spike_times``, ``electrodes`` (one per unit), ``location``, ``quality``
      ("good" / "mua", a label only), ``firing_rate`` (spikes / session duration);
    * ``intervals/trials``: ``start_time``, ``stop_time``, ``condition`` (int),
      ``stimulus_onset`` (s), ``correct`` (bool, random with p = 0.8, a label only);
      conditions balanced and shuffled; trial ``i`` starts at ``iti + i (trial_duration + iti)``;
    * ``processing/behavior``: ``Position/position`` (SpatialSeries, 2-D, meters) and
      ``BehavioralTimeSeries/running_speed`` (cm/s), both at 50 Hz from t = 0 (every 2nd sample
      of the ground-truth grid).

    Parameters
    ----------
    path : str or os.PathLike
        NWB file to write (replaced atomically if it exists).
    n_units : int
        Number of units.
    n_trials : int
        Number of trials.
    n_conditions : int
        Number of stimulus conditions (latent input directions).
    trial_duration : float
        Trial length (s), > 0.5 (stimulus onset is at 0.5 s into the trial).
    inter_trial_interval : float
        Gap before the first trial, between trials and after the last one (s).
    n_latents : int
        Dimension of the latent process.
    seed : int
        Seed of every random draw: a seed gives the same ground truth and file content.

    Returns
    -------
    path : pathlib.Path
        The NWB file written.
    truth : xarray.Dataset
        Ground truth, dims ``time`` (10 ms grid, s), ``unit``, ``latent``, ``spike``, ``trial``,
        ``condition_id`` (the values of the trial coord ``condition``), ``axis`` (``x``, ``y``):

        * ``latents (time, latent)`` "a.u.", ``stimulus_input (time, latent)`` "a.u./s",
          ``rates (time, unit)`` "spikes/s", ``position (time, axis)`` "m",
          ``running_speed (time)`` "cm/s";
        * ``loading (unit, latent)`` "a.u.", ``baseline_log_rate (unit)`` "log(spikes/s)",
          ``n_spikes (unit)`` "count"; the file's unit columns as coords on ``unit``:
          ``electrodes`` (electrode index), ``location``, ``quality``, ``firing_rate``
          ("spikes/s") — the units-node layout of ``docs/conventions.md``;
        * ``spike_times (spike)`` "s" with coord ``spike_unit`` (flat units layout: sorted by
          unit, then time);
        * ``start_time``, ``stop_time``, ``stimulus_onset (trial)`` "s"; coords ``condition``,
          ``correct`` (int8) on ``trial``;
        * ``condition_direction (condition_id, latent)`` "a.u.", ``rotation_frequency (latent)``
          "Hz", ``position_readout (axis, latent)`` "m", ``speed_readout (latent)`` "a.u.";
        * attrs ``sampling_rate`` (100 Hz), ``behavior_rate`` (50 Hz in the file), ``latent_tau``,
          ``input_gain``, ``latent_noise_sd``, ``seed``, ``source_file``, ``session_id``,
          ``subject_id``.

    Raises
    ------
    neurokit.errors.InvalidValueError
        On bad sizes or ``trial_duration <= 0.5``.
    neurokit.errors.NotAFileError
        When ``path`` is a folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "ecephys.nwb"
    >>> path, truth = simulate_ecephys_session(out, n_units=5, n_trials=4, seed=1)
    >>> truth["rates"].dims, truth.sizes["trial"], path.exists()
    (('time', 'unit'), 4, True)
    """
    out = output_path(path)
    n_units = check_count("n_units", n_units)
    n_trials = check_count("n_trials", n_trials)
    n_conditions = check_count("n_conditions", n_conditions)
    n_latents = check_count("n_latents", n_latents)
    seed = check_count("seed", seed, minimum=0)
    trial_duration = check_positive("trial_duration", trial_duration)
    iti = check_positive("inter_trial_interval", inter_trial_interval, allow_zero=True)
    if trial_duration <= _ONSET_DELAY:
        raise InvalidValueError(
            "trial too short for the stimulus onset",
            field="trial_duration",
            expected=f"> {_ONSET_DELAY} s (onset is {_ONSET_DELAY} s into the trial)",
            found=repr(trial_duration),
        )

    rng = np.random.default_rng(seed)
    trials = _trials(rng, n_trials, n_conditions, trial_duration, iti)
    session_end = float(trials["stop_time"][-1]) + iti
    time = np.arange(int(np.ceil(session_end / _DT - 1e-9))) * _DT
    directions = _condition_directions(rng, n_conditions, n_latents)
    frequency = _ROTATION_HZ * (np.arange(n_latents) // 2 + 1.0)
    if n_latents % 2:
        frequency[-1] = 0.0
    stimulus_input = _stimulus_input(time, trials, directions)
    latents = _latents(rng, stimulus_input, frequency)

    loading = _unit_vectors(rng, n_units, n_latents) * rng.uniform(0.4, 0.9, (n_units, 1))
    baseline = np.log(rng.uniform(2.0, 12.0, n_units))
    rates = np.exp(baseline + latents @ loading.T)
    spike_times, spike_unit = _spikes(rng, time, rates)
    n_spikes = np.bincount(spike_unit, minlength=n_units)
    firing_rate = n_spikes / session_end

    electrode = np.sort(rng.integers(0, _N_ELECTRODES, n_units))
    quality = np.where(rng.random(n_units) < _GOOD_FRACTION, "good", "mua")
    position_readout = rng.standard_normal((2, n_latents)) / np.sqrt(n_latents)
    speed_readout = rng.standard_normal(n_latents) / np.sqrt(n_latents)
    position = _POSITION_SCALE * latents @ position_readout.T
    running_speed = 10.0 * np.logaddexp(0.0, latents @ speed_readout + 1.0)

    units = {
        "spike_times": spike_times,
        "spike_unit": spike_unit,
        "electrode": electrode,
        "location": _electrode_locations()[electrode],
        "quality": quality,
        "firing_rate": firing_rate,
    }
    nwbfile = _build_nwbfile(
        seed=seed,
        n_conditions=n_conditions,
        units=units,
        trials=trials,
        position=position[::_BEHAVIOR_STEP],
        running_speed=running_speed[::_BEHAVIOR_STEP],
    )
    write_nwbfile(nwbfile, out)

    model = {
        "time": time,
        "latents": latents,
        "stimulus_input": stimulus_input,
        "rates": rates,
        "position": position,
        "running_speed": running_speed,
        "loading": loading,
        "baseline_log_rate": baseline,
        "n_spikes": n_spikes,
        "condition_direction": directions,
        "rotation_frequency": frequency,
        "position_readout": position_readout * _POSITION_SCALE,
        "speed_readout": speed_readout,
    }
    truth = _truth_dataset(
        model,
        units,
        trials,
        attrs={
            cv.SAMPLING_RATE_ATTR: 1.0 / _DT,
            "behavior_rate": 1.0 / (_DT * _BEHAVIOR_STEP),
            "latent_tau": _TAU,
            "input_gain": _INPUT_GAIN,
            "latent_noise_sd": _NOISE_SD,
            "seed": seed,
            "source_file": str(out),
            "session_id": nwbfile.session_id,
            "subject_id": nwbfile.subject.subject_id,
            "description": "ground truth of neurokit.datasets.simulate_ecephys_session",
        },
    )
    return out, validate(truth, source=str(out))


def _trials(
    rng: np.random.Generator, n: int, n_conditions: int, duration: float, iti: float
) -> dict[str, np.ndarray]:
    start = iti + np.arange(n) * (duration + iti)
    condition = rng.permutation(np.resize(np.arange(n_conditions), n)).astype(np.int64)
    return {
        "start_time": start,
        "stop_time": start + duration,
        "stimulus_onset": start + _ONSET_DELAY,
        "condition": condition,
        "correct": rng.random(n) < _P_CORRECT,
    }


def _unit_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.standard_normal((n, dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _condition_directions(
    rng: np.random.Generator, n_conditions: int, n_latents: int
) -> np.ndarray:
    if n_latents == 1:
        return (
            np.linspace(-1.0, 1.0, n_conditions)[:, None] if n_conditions > 1 else np.ones((1, 1))
        )
    plane, _ = np.linalg.qr(rng.standard_normal((n_latents, 2)))
    angle = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.arange(n_conditions) / n_conditions
    return np.column_stack([np.cos(angle), np.sin(angle)]) @ plane.T


def _stimulus_input(
    time: np.ndarray, trials: dict[str, np.ndarray], directions: np.ndarray
) -> np.ndarray:
    idx = np.searchsorted(trials["stimulus_onset"], time, side="right") - 1
    safe = np.maximum(idx, 0)
    on = (idx >= 0) & (time < trials["stop_time"][safe])
    return np.where(on[:, None], _INPUT_GAIN * directions[trials["condition"][safe]], 0.0)


def _latents(
    rng: np.random.Generator, stimulus_input: np.ndarray, frequency: np.ndarray
) -> np.ndarray:
    """Exact block-diagonal damped rotation, each latent pair run as one complex AR(1) filter."""
    n_time, n_latents = stimulus_input.shape
    drive = _DT * stimulus_input + np.sqrt(_DT) * _NOISE_SD * rng.standard_normal(
        (n_time, n_latents)
    )
    # x[k+1] = A x[k] + drive[k], x[0] = 0: filter the drive delayed by one step
    delayed = np.vstack([np.zeros((1, n_latents)), drive[:-1]])
    latents = np.empty_like(drive)
    for k in range(0, n_latents - 1, 2):
        pole = np.exp(complex(-1.0 / _TAU, 2 * np.pi * frequency[k]) * _DT)
        z = lfilter([1.0], [1.0, -pole], delayed[:, k] + 1j * delayed[:, k + 1])
        latents[:, k], latents[:, k + 1] = z.real, z.imag
    if n_latents % 2:
        latents[:, -1] = lfilter([1.0], [1.0, -np.exp(-_DT / _TAU)], delayed[:, -1])
    return latents


def _spikes(
    rng: np.random.Generator, time: np.ndarray, rates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    counts = rng.poisson(rates * _DT)
    bins, units = np.nonzero(counts)
    n = counts[bins, units]
    bins, units = np.repeat(bins, n), np.repeat(units, n)
    times = time[bins] + rng.uniform(0.0, _DT, bins.size)
    order = np.lexsort((times, units))
    return times[order], units[order].astype(np.int64)


def _electrode_locations() -> np.ndarray:
    """Electrode 0 is the deepest (probe tip): the lower half in CA1, the upper half in VISp."""
    return np.where(np.arange(_N_ELECTRODES) < _N_ELECTRODES // 2, "CA1", "VISp")


def _build_nwbfile(
    *,
    seed: int,
    n_conditions: int,
    units: dict[str, np.ndarray],
    trials: dict[str, np.ndarray],
    position: np.ndarray,
    running_speed: np.ndarray,
) -> Any:
    soft_import("pynwb", "writing simulated NWB files")
    from pynwb import TimeSeries
    from pynwb.behavior import BehavioralTimeSeries, Position, SpatialSeries

    nwbfile = new_nwbfile(
        modality="ecephys",
        seed=seed,
        session_description=f"simulated extracellular session: trials of {n_conditions} conditions",
        experiment_description=(
            "Ground-truth simulation by neurokit.datasets.simulate_ecephys_session: Poisson units "
            "with log-linear rates driven by a damped rotational latent dynamical system."
        ),
        genotype="wild type (simulated)",
    )
    device = nwbfile.create_device(
        name="Probe", description="64-channel silicon probe (simulated)", manufacturer="neurokit"
    )
    group = nwbfile.create_electrode_group(
        name="probe0",
        description="single-shank probe through VISp into CA1",
        location="VISp, CA1",
        device=device,
    )
    # NWB axes: +x posterior, +y inferior, +z right (µm from bregma); the tip is 1.8 mm deep
    for i, location in enumerate(_electrode_locations()):
        nwbfile.add_electrode(
            x=3800.0,
            y=1800.0 - 20.0 * i,
            z=2500.0,
            rel_x=0.0,
            rel_y=20.0 * i,
            location=str(location),
            group=group,
            filtering="300-6000 Hz bandpass (simulated)",
        )

    nwbfile.units = _units_table(units, nwbfile.electrodes)

    nwbfile.add_trial_column(name="condition", description="stimulus condition (0-based)")
    nwbfile.add_trial_column(name="stimulus_onset", description="stimulus onset time (s)")
    nwbfile.add_trial_column(name="correct", description="whether the response was correct")
    for i in range(trials["condition"].size):
        nwbfile.add_trial(
            start_time=float(trials["start_time"][i]),
            stop_time=float(trials["stop_time"][i]),
            condition=int(trials["condition"][i]),
            stimulus_onset=float(trials["stimulus_onset"][i]),
            correct=bool(trials["correct"][i]),
        )

    rate = 1.0 / (_DT * _BEHAVIOR_STEP)
    behavior = nwbfile.create_processing_module(name="behavior", description="simulated behaviour")
    behavior.add(
        Position(
            name="Position",
            spatial_series=SpatialSeries(
                name="position",
                data=position,
                reference_frame="arena centre; x right, y forward",
                unit="meters",
                rate=rate,
                starting_time=0.0,
                description="2-D position: a linear readout of the latents",
            ),
        )
    )
    behavior.add(
        BehavioralTimeSeries(
            name="BehavioralTimeSeries",
            time_series=TimeSeries(
                name="running_speed",
                data=running_speed,
                unit="cm/s",
                rate=rate,
                starting_time=0.0,
                description="running speed: a softplus readout of the latents",
            ),
        )
    )
    return nwbfile


def _truth_dataset(
    model: dict[str, np.ndarray],
    units: dict[str, np.ndarray],
    trials: dict[str, np.ndarray],
    attrs: dict[str, Any],
) -> xr.Dataset:
    s, a = cv.SECONDS, cv.ARBITRARY
    tl, lat = (cv.TIME, "latent"), ("latent",)
    layout = {
        "latents": (tl, a),
        "stimulus_input": (tl, "a.u./s"),
        "rates": ((cv.TIME, cv.UNIT), cv.SPIKES_PER_SECOND),
        "position": ((cv.TIME, "axis"), "m"),
        "running_speed": ((cv.TIME,), "cm/s"),
        "loading": ((cv.UNIT, "latent"), a),
        "baseline_log_rate": ((cv.UNIT,), "log(spikes/s)"),
        "n_spikes": ((cv.UNIT,), cv.COUNTS),
        "condition_direction": (("condition_id", "latent"), a),
        "rotation_frequency": (lat, "Hz"),
        "position_readout": (("axis", "latent"), "m"),
        "speed_readout": (lat, a),
    }
    data_vars = {k: (dims, model[k], {"units": u}) for k, (dims, u) in layout.items()}
    data_vars["spike_times"] = ((cv.SPIKE,), units["spike_times"], {"units": s})
    for k in ("start_time", "stop_time", "stimulus_onset"):
        data_vars[k] = ((cv.TRIAL,), trials[k], {"units": s})
    n_units, n_latents = model["loading"].shape
    coords = {
        cv.TIME: (cv.TIME, model["time"], {"units": s}),
        cv.UNIT: np.arange(n_units),
        "electrodes": (cv.UNIT, units["electrode"]),
        "firing_rate": (cv.UNIT, units["firing_rate"], {"units": cv.SPIKES_PER_SECOND}),
        "location": (cv.UNIT, units["location"]),
        "quality": (cv.UNIT, units["quality"]),
        "spike_unit": (cv.SPIKE, units["spike_unit"]),
        cv.TRIAL: np.arange(trials["condition"].size),
        "condition": (cv.TRIAL, trials["condition"]),
        "correct": (cv.TRIAL, trials["correct"].astype(np.int8)),
        "latent": np.arange(n_latents),
        "condition_id": np.arange(model["condition_direction"].shape[0]),
        "axis": ["x", "y"],
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def _units_table(units: dict[str, np.ndarray], electrodes: Any) -> Any:
    """The Units table built from whole columns (``add_unit`` per unit is slow for many spikes)."""
    from hdmf.common import DynamicTableRegion, VectorData, VectorIndex
    from pynwb.misc import Units

    n_units = units["electrode"].size
    bounds = np.searchsorted(units["spike_unit"], np.arange(1, n_units + 1))
    spike_times = VectorData(
        name="spike_times", description="spike times (s)", data=units["spike_times"]
    )
    region = DynamicTableRegion(
        name="electrodes",
        description="the electrode of each unit",
        data=units["electrode"].astype(np.int64),
        table=electrodes,
    )
    columns = [
        spike_times,
        VectorIndex(name="spike_times_index", data=bounds, target=spike_times),
        region,
        VectorIndex(name="electrodes_index", data=np.arange(1, n_units + 1), target=region),
        VectorData(
            name="location",
            description="brain area of the unit's electrode",
            data=units["location"].tolist(),
        ),
        VectorData(
            name="quality",
            description="'good' (single unit) or 'mua'",
            data=units["quality"].tolist(),
        ),
        VectorData(
            name="firing_rate",
            description="spikes / session duration (spikes/s)",
            data=units["firing_rate"],
        ),
    ]
    return Units(
        name="units",
        description="simulated units (ground truth: neurokit.datasets.simulate_ecephys_session)",
        id=np.arange(n_units),
        columns=columns,
        electrode_table=electrodes,
    )
