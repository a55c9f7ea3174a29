"""Stimulus "content" and a slow internal "style" state jointly drive a Poisson population.

Ground truth for content/style latent models (Swap-VAE, TiDe-SwapVAE in :mod:`neurokit.latent`):
which stimulus is on screen in every time bin, and the value of a slowly drifting internal
state (arousal-like) in every time bin.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import ConfigError
from neurokit.validation import validate

__all__ = ["simulate_content_style"]


def _check_int(value: int, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError("bad size", field=field, expected=f"an integer >= {minimum}",
                          found=repr(value))
    return int(value)


def _check_pos(value: float, field: str, allow_zero: bool = False) -> float:
    ok = isinstance(value, (int, float, np.floating)) and np.isfinite(value) and (
        value >= 0 if allow_zero else value > 0)
    if not ok:
        raise ConfigError("bad value", field=field,
                          expected="a finite number " + (">= 0" if allow_zero else "> 0"),
                          found=repr(value))
    return float(value)


def _stimulus_sequence(n_segments: int, n_stimuli: int, rng: np.random.Generator) -> np.ndarray:
    """Balanced order: shuffled blocks holding every stimulus once, no immediate repeats."""
    out: list[int] = []
    while len(out) < n_segments:
        block = rng.permutation(n_stimuli)
        if out and n_stimuli > 1 and block[0] == out[-1]:
            block = np.roll(block, -1)
        out.extend(int(b) for b in block)
    return np.asarray(out[:n_segments], dtype=np.int64)


def simulate_content_style(
    n_trials: int = 50,
    n_time: int = 60,
    n_neurons: int = 50,
    n_stimuli: int = 12,
    *,
    segment_length: int = 20,
    n_states: int = 1,
    state_timescale: float = 100.0,
    stimulus_gain: float = 0.6,
    state_gain: float = 0.5,
    mean_rate: float = 0.5,
    n_sequences: int | None = 4,
    bin_size: float = 0.05,
    seed: int = 0,
) -> xr.Dataset:
    """Simulate trials of spike counts driven by a stimulus (content) and a slow state (style).

    The generative model, on a grid of ``n_time`` bins of ``bin_size`` s per trial:

    * **content**: the stimulus identity ``k(t) ∈ {0 … n_stimuli-1}`` is piecewise constant on
      segments of ``segment_length`` bins; onsets (multiples of ``segment_length``) are known.
      The order is balanced (shuffled blocks holding every stimulus once, no stimulus twice in
      a row), so each identity appears many times in a trial and identity is *not* a function
      of time since the last change. There are ``n_sequences`` distinct orders ("movies");
      trial ``i`` shows order ``i mod n_sequences``, so each is repeated, as in passive-viewing
      experiments (``n_sequences=1``: every trial shows the same movie; ``None``: every trial
      draws its own order).
    * **style/state**: ``n_states`` independent AR(1) processes
      ``s[k+1] = ρ s[k] + sqrt(1 - ρ²) ε[k]``, ``ρ = exp(-1 / state_timescale)``,
      ``ε ~ N(0, 1)``, stationary unit variance, run continuously over the whole session
      (trial after trial, no gap), so the state drifts slowly within trials and differs
      between trials — like arousal.
    * **rates**: ``log λ[t, n] = log b_n + stimulus_gain · W[k(t), n] + state_gain · G[n] · s[t]``
      with ``W[k, n] ~ N(0, 1)`` centred over stimuli (each neuron's tuning), ``G[n, j] ~
      N(0, 1)`` (state loadings), and baselines ``b_n ∝ exp(N(0, 0.3²))`` scaled so that
      the expected count per bin, averaged over neurons, stimuli (uniformly) and the
      stationary state, is ``mean_rate`` (so the neurons do not depend on the order drawn).
    * **counts**: ``y[t, n] ~ Poisson(λ[t, n])`` (expected counts per bin, not spikes/s).

    Parameters
    ----------
    n_trials, n_time, n_neurons : int
        Trials, bins per trial, neurons (``n_time`` >= ``segment_length``).
    n_stimuli : int
        Number of stimulus identities (>= 2).
    segment_length : int
        Bins per stimulus presentation (>= 1).
    n_states : int
        Dimension of the internal state (>= 1).
    state_timescale : float
        AR(1) time constant of the state, in bins (> 0).
    stimulus_gain, state_gain : float
        Log-rate modulation depths of stimulus and state (>= 0).
    mean_rate : float
        Mean expected count per bin (> 0).
    n_sequences : int or None
        Number of distinct stimulus orders (>= 1), or None for one per trial.
    bin_size : float
        Bin width in seconds (> 0); sets ``time`` and ``sampling_rate``.
    seed : int
        Seed of the random generator. Order, state, neurons and counts use independent
        streams: the same seed with another ``n_sequences`` gives the same neurons (tuning,
        loadings, baselines) and the same state, only the stimulus orders differ. The defaults
        (with ``seed=0``) are the ground-truth dataset of the TiDe-SwapVAE tests
        (``tests/latent/test_tide_swapvae_groundtruth.py``).

    Returns
    -------
    xarray.Dataset
        ``counts`` (trial, time, unit) int64 spike counts; ``rates`` (trial, time, unit)
        expected counts per bin; ``stimulus`` (trial, time) identity; ``state``
        (trial, time, state_dim) the internal state; ``onset`` (trial, time) True where a
        segment starts; ``stimulus_tuning`` (stimulus_id, unit) ``W``; ``state_loading``
        (unit, state_dim) ``G``; trial coordinate ``sequence`` (which order the trial shows:
        the ``groups`` of trials that repeat one stimulus sequence, for content/style models).
        ``time`` in seconds from trial start; attrs ``sampling_rate``
        (Hz), ``segment_length``, ``state_timescale`` (bins) and ``description``.

    Raises
    ------
    neurokit.errors.ConfigError
        Sizes or gains out of range.

    Examples
    --------
    >>> ds = simulate_content_style(n_trials=3, n_time=20, n_neurons=8, segment_length=5,
    ...                             n_sequences=2, seed=1)
    >>> ds["counts"].dims, ds["state"].dims
    (('trial', 'time', 'unit'), ('trial', 'time', 'state_dim'))
    >>> ds["sequence"].values.tolist()                         # trials 0 and 2 repeat movie 0
    [0, 1, 0]
    >>> bool((ds["stimulus"][0] == ds["stimulus"][2]).all())
    True
    >>> int(ds["stimulus"][0, 0]) == int(ds["stimulus"][0, 4])  # constant within a segment
    True
    """
    n_trials = _check_int(n_trials, "n_trials", 1)
    n_time = _check_int(n_time, "n_time", 1)
    n_neurons = _check_int(n_neurons, "n_neurons", 1)
    n_stimuli = _check_int(n_stimuli, "n_stimuli", 2)
    segment_length = _check_int(segment_length, "segment_length", 1)
    n_states = _check_int(n_states, "n_states", 1)
    if segment_length > n_time:
        raise ConfigError("segments longer than a trial", field="segment_length",
                          expected=f"<= n_time ({n_time})", found=repr(segment_length))
    tau = _check_pos(state_timescale, "state_timescale")
    stimulus_gain = _check_pos(stimulus_gain, "stimulus_gain", allow_zero=True)
    state_gain = _check_pos(state_gain, "state_gain", allow_zero=True)
    mean_rate = _check_pos(mean_rate, "mean_rate")
    bin_size = _check_pos(bin_size, "bin_size")

    # independent streams: the same seed gives the same neurons and state whatever the order
    rng_order, rng_state, rng_neurons, rng_counts = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4))
    n_segments = -(-n_time // segment_length)
    n_orders = n_trials if n_sequences is None else _check_int(n_sequences, "n_sequences", 1)
    movies = np.stack([_stimulus_sequence(n_segments, n_stimuli, rng_order)
                       for _ in range(n_orders)])
    sequence = np.arange(n_trials) % n_orders
    orders = movies[sequence]
    stimulus = np.repeat(orders, segment_length, axis=1)[:, :n_time].astype(np.int64)
    onset = np.zeros((n_trials, n_time), dtype=bool)
    onset[:, ::segment_length] = True

    rho = float(np.exp(-1.0 / tau))
    eps = rng_state.standard_normal((n_trials * n_time, n_states))
    state = np.empty_like(eps)
    state[0] = eps[0]
    innov = np.sqrt(1.0 - rho ** 2)
    for k in range(1, len(eps)):
        state[k] = rho * state[k - 1] + innov * eps[k]
    state = state.reshape(n_trials, n_time, n_states)

    tuning = rng_neurons.standard_normal((n_stimuli, n_neurons))
    tuning -= tuning.mean(0, keepdims=True)
    loading = rng_neurons.standard_normal((n_neurons, n_states))
    log_base = rng_neurons.normal(0.0, 0.3, n_neurons)
    drive = stimulus_gain * tuning[stimulus] + state_gain * state @ loading.T
    # expected rate of each neuron over stimuli (uniform) and the stationary state (N(0, I))
    expected = np.exp(log_base) * np.exp(stimulus_gain * tuning).mean(0) * np.exp(
        0.5 * state_gain ** 2 * (loading ** 2).sum(1))
    rates = np.exp(log_base + drive) * (mean_rate / expected.mean())
    counts = rng_counts.poisson(rates).astype(np.int64)

    time = np.arange(n_time, dtype=np.float64) * bin_size
    ds = xr.Dataset(
        {
            "counts": ((cv.TRIAL, cv.TIME, cv.UNIT), counts,
                       {cv.UNITS_ATTR: cv.COUNTS, cv.SAMPLING_RATE_ATTR: 1.0 / bin_size}),
            "rates": ((cv.TRIAL, cv.TIME, cv.UNIT), rates,
                      {cv.UNITS_ATTR: "count/bin", cv.SAMPLING_RATE_ATTR: 1.0 / bin_size}),
            "stimulus": ((cv.TRIAL, cv.TIME), stimulus, {cv.UNITS_ATTR: "id"}),
            "state": ((cv.TRIAL, cv.TIME, "state_dim"), state, {cv.UNITS_ATTR: cv.ARBITRARY}),
            "onset": ((cv.TRIAL, cv.TIME), onset),
            "stimulus_tuning": (("stimulus_id", cv.UNIT), tuning, {cv.UNITS_ATTR: "log-rate"}),
            "state_loading": ((cv.UNIT, "state_dim"), loading, {cv.UNITS_ATTR: "log-rate"}),
        },
        coords={
            cv.TRIAL: np.arange(n_trials),
            "sequence": (cv.TRIAL, sequence),
            cv.TIME: (cv.TIME, time, {cv.UNITS_ATTR: cv.SECONDS}),
            cv.UNIT: np.arange(n_neurons),
            "state_dim": np.arange(n_states),
            "stimulus_id": np.arange(n_stimuli),
        },
        attrs={
            cv.SAMPLING_RATE_ATTR: 1.0 / bin_size,
            "segment_length": segment_length,
            "state_timescale": tau,
            "description": "counts ~ Poisson(rates); log rates = log baseline + stimulus_gain * "
                           "stimulus_tuning[stimulus] + state_gain * state_loading @ state; "
                           "state: AR(1) with time constant state_timescale bins, continuous "
                           "across trials",
        },
    )
    return validate(ds)
