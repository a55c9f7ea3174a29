r"""A spiking circuit with known directed connectivity, hub neurons, stimulus drive and behaviour.

Ground truth for models that read connectivity out of spike trains (Neuroformer's attention,
coupled Poisson GLMs) and for few-shot behaviour decoding.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import ConfigError
from neurokit.validation import validate

__all__ = ["simulate_spiking_circuit"]

_STIMULUS_KINDS = ("repeated", "random", None)


def simulate_spiking_circuit(
    n_neurons: int = 20,
    n_hubs: int = 3,
    duration_s: float = 300.0,
    dt: float = 0.005,
    *,
    stimulus: str | None = "repeated",
    behaviour: bool = True,
    hub_out_degree: int | None = None,
    n_other_edges: int | None = None,
    coupling: float = 1.2,
    coupling_tau_s: float = 0.01,
    refractory: float = 2.0,
    refractory_tau_s: float = 0.005,
    base_rate_hz: float = 6.0,
    hub_rate_hz: float = 10.0,
    n_stimulus_features: int = 4,
    stimulus_gain: float = 0.8,
    stimulus_fraction: float = 0.5,
    stimulus_period_s: float = 2.0,
    stimulus_smoothness_s: float = 0.05,
    behaviour_tau_s: float = 0.01,
    behaviour_noise: float = 0.1,
    max_rate_hz: float = 200.0,
    seed: int = 0,
) -> xr.Dataset:
    r"""Simulate a discrete-time Hawkes / Poisson-GLM network with hubs, stimulus and behaviour.

    The model, on a grid of bins of ``dt`` seconds (``t = 0 .. T-1``), for neuron ``j``:

    .. math::

        \log \lambda_j(t) = b_j + \sum_i W_{ji}\, h_i(t) - r\, g_j(t)
                            + \mathbf{u}_j^\top \mathbf{s}(t),
        \qquad n_j(t) \sim \mathrm{Poisson}\big(\min(\lambda_j(t), \lambda_{max} dt)\big)

    * ``h_i(t) = Σ_{l>=1} exp(-(l-1) dt / τ_c) n_i(t-l)``: the coupling trace, an exponential
      kernel starting at lag 1 (a spike acts on its targets from the next bin on, never in the
      same bin, so causes precede effects);
    * ``g_j(t)``: the same trace of the neuron's own spikes with ``τ_r`` (refractoriness,
      strength ``r``);
    * ``W`` (``weights``, dims ``(target_unit, source_unit)``): sparse and excitatory
      (``W_ji = coupling × U(0.75, 1.25)``). The ``n_hubs`` hub neurons each project to
      ``hub_out_degree`` random non-hub targets; ``n_other_edges`` further edges join random
      non-hub pairs, at most ``max(1, hub_out_degree // 3)`` from one source. No self-edges
      and no reciprocal pairs (``i → j`` and ``j → i``), so every edge has one direction;
    * ``b_j = log(base_rate_hz · dt)`` plus a small jitter (N(0, 0.2²)) for non-hubs,
      ``log(hub_rate_hz · dt)`` for hubs;
    * stimulus: ``n_stimulus_features`` smooth features ``s(t)`` (Gaussian-filtered white noise
      of width ``stimulus_smoothness_s``, each z-scored), drawn once over
      ``stimulus_period_s`` and repeated (``"repeated"``: a movie shown again and again, so a
      PSTH is defined), or drawn over the whole duration (``"random"``); a random
      ``stimulus_fraction`` of the non-hub neurons get gains ``u_j ~ N(0, I) · stimulus_gain /
      sqrt(F)``, the others none (hubs are driven by their baseline only, so their outgoing
      edges are not confounded by shared stimulus drive);
    * behaviour ``y(t)``: a readout of the population's state, ``y = z(Σ_j v_j f_j(t)) + ε``,
      ``v_j ~ N(0, 1)``, ``ε ~ N(0, behaviour_noise²)``, where ``f_j`` is neuron ``j``'s
      log-intensity ``log λ_j`` (baseline, stimulus drive, recent input spikes and
      refractoriness) exponentially filtered over ``behaviour_tau_s`` up to and including bin
      ``t`` -- like running speed read out of the network's firing rates, it is what a model
      that predicts the population's next spikes has to track.

    The first second is simulated as burn-in and dropped.

    Parameters
    ----------
    n_neurons : int, default 20
        Neurons (>= 3).
    n_hubs : int, default 3
        Hub neurons (0 <= n_hubs < n_neurons), ids drawn at random.
    duration_s : float, default 300.0
        Length of the returned recording (s).
    dt : float, default 0.005
        Bin width (s).
    stimulus : {"repeated", "random", None}, default "repeated"
        Stimulus drive (None: no stimulus; the returned ``stimulus`` is then absent).
    behaviour : bool, default True
        Also return the behaviour variable.
    hub_out_degree : int, optional
        Outgoing edges of each hub (default ``max(2, 0.4 · n_neurons)``).
    n_other_edges : int, optional
        Edges among non-hubs (default ``n_neurons // 4``).
    coupling : float, default 1.2
        Mean edge weight (log-rate increase per spike at lag 1).
    coupling_tau_s : float, default 0.01
        Decay of the coupling kernel (s).
    refractory : float, default 2.0
        Strength of the self-inhibition after a spike (log-rate).
    refractory_tau_s : float, default 0.005
        Its decay (s).
    base_rate_hz : float, default 6.0
        Baseline firing rate of non-hubs (spikes/s).
    hub_rate_hz : float, default 10.0
        Baseline firing rate of hubs (spikes/s; hubs receive no edges and no stimulus).
    n_stimulus_features : int, default 4
        Stimulus features (e.g. the principal components of video frames).
    stimulus_gain : float, default 0.8
        Standard deviation of the stimulus drive of a driven neuron (log-rate).
    stimulus_fraction : float, default 0.5
        Fraction of non-hub neurons driven by the stimulus.
    stimulus_period_s : float, default 2.0
        Period of the repeated stimulus (s).
    stimulus_smoothness_s : float, default 0.05
        Temporal width of the stimulus features (s).
    behaviour_tau_s : float, default 0.01
        Time constant of the behaviour readout (s).
    behaviour_noise : float, default 0.1
        Noise added to the z-scored behaviour.
    max_rate_hz : float, default 200.0
        Ceiling of the rate (keeps the excitatory network stable).
    seed : int, default 0
        Seed of the random generator.

    Returns
    -------
    xarray.Dataset
        ``spikes`` ``(time, unit)`` int counts; ``rate`` ``(time, unit)`` the true conditional
        intensity in spikes/bin (its Poisson log-likelihood is the oracle ceiling);
        ``stimulus`` ``(time, feature)`` (z-scored, a.u.; absent when ``stimulus=None``) and
        ``stimulus_gain`` ``(unit, feature)``; ``behaviour`` ``(time,)`` (a.u.; absent when
        ``behaviour=False``); ``weights`` ``(target_unit, source_unit)`` the true ``W``;
        ``is_hub`` ``(unit,)``. ``time`` in seconds; attrs ``sampling_rate`` (Hz, ``1/dt``),
        ``hubs`` (ids), ``n_edges``, ``stimulus_period_bins`` (when repeated) and
        ``description``.

    Notes
    -----
    A coupled Poisson GLM with lag-1 (or few-lag) coupling is the model class that generated
    the data, so it recovers ``W`` almost perfectly; it is the reference for connectivity read
    out by other means. Excitatory edges only: attention weights are non-negative, so an
    attention read-out cannot sign an edge.

    Examples
    --------
    >>> ds = simulate_spiking_circuit(n_neurons=8, n_hubs=2, duration_s=5.0, seed=1)
    >>> ds["spikes"].dims, ds["weights"].dims
    (('time', 'unit'), ('target_unit', 'source_unit'))
    >>> ds["spikes"].shape, int(ds["is_hub"].sum())
    ((1000, 8), 2)
    >>> w = ds["weights"].values
    >>> bool((np.diag(w) == 0).all() and not ((w > 0) & (w.T > 0)).any())
    True
    """
    n, h = int(n_neurons), int(n_hubs)
    if n < 3:
        raise ConfigError("too few neurons", field="n_neurons", expected=">= 3",
                          found=repr(n_neurons))
    if not 0 <= h < n:
        raise ConfigError("bad number of hubs", field="n_hubs", expected=f"0 <= n_hubs < {n}",
                          found=repr(n_hubs))
    for name, value in (("duration_s", duration_s), ("dt", dt), ("coupling_tau_s", coupling_tau_s),
                        ("refractory_tau_s", refractory_tau_s), ("base_rate_hz", base_rate_hz),
                        ("stimulus_period_s", stimulus_period_s), ("hub_rate_hz", hub_rate_hz),
                        ("stimulus_smoothness_s", stimulus_smoothness_s),
                        ("behaviour_tau_s", behaviour_tau_s), ("max_rate_hz", max_rate_hz)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ConfigError("must be a positive number", field=name, expected="> 0",
                              found=repr(value))
    if stimulus not in _STIMULUS_KINDS:
        raise ConfigError("unknown stimulus kind", field="stimulus",
                          expected="'repeated', 'random' or None", found=repr(stimulus))
    if not 0.0 <= stimulus_fraction <= 1.0:
        raise ConfigError("fraction out of range", field="stimulus_fraction",
                          expected="0 <= fraction <= 1", found=repr(stimulus_fraction))
    if int(n_stimulus_features) < 1:
        raise ConfigError("need at least one stimulus feature", field="n_stimulus_features",
                          expected=">= 1", found=repr(n_stimulus_features))
    if max_rate_hz <= max(base_rate_hz, hub_rate_hz):
        raise ConfigError("rate ceiling below the baseline rate", field="max_rate_hz",
                          expected=f"> {max(base_rate_hz, hub_rate_hz)}", found=repr(max_rate_hz))

    rng = np.random.default_rng(seed)
    out_degree = max(2, int(round(0.4 * n))) if hub_out_degree is None else int(hub_out_degree)
    if not 0 <= out_degree <= n - h:
        raise ConfigError("hub out-degree too large", field="hub_out_degree",
                          expected=f"0 <= degree <= {n - h} (the non-hub neurons)",
                          found=repr(hub_out_degree))
    n_other = n // 4 if n_other_edges is None else int(n_other_edges)
    hubs = np.sort(rng.choice(n, size=h, replace=False))
    others = np.setdiff1d(np.arange(n), hubs)
    adjacency = np.zeros((n, n), dtype=bool)  # [target, source]
    for hub in hubs:  # hubs project onto non-hubs: no hub-hub reciprocity to resolve
        adjacency[rng.choice(others, size=out_degree, replace=False), hub] = True
    pairs = [(j, i) for i in others for j in others if i != j]
    order = rng.permutation(len(pairs))
    cap = max(1, out_degree // 3)  # a non-hub never projects as widely as a hub
    placed = 0
    for k in order:
        if placed >= n_other:
            break
        j, i = pairs[k]
        if adjacency[i, j] or adjacency[j, i] or adjacency[:, i].sum() >= cap:
            continue
        adjacency[j, i] = True
        placed += 1
    if placed < n_other:
        raise ConfigError("too many non-hub edges for a graph without reciprocal pairs",
                          field="n_other_edges", expected=f"<= {placed}", found=repr(n_other))
    weights = np.where(adjacency, coupling * rng.uniform(0.75, 1.25, size=(n, n)), 0.0)

    n_feat = int(n_stimulus_features)
    burn = int(round(1.0 / dt))
    n_time = int(round(duration_s / dt))
    total = n_time + burn
    bias = np.log(np.where(np.isin(np.arange(n), hubs), hub_rate_hz, base_rate_hz) * dt)
    bias = bias + np.where(np.isin(np.arange(n), hubs), 0.0, rng.normal(0.0, 0.2, size=n))
    gains = np.zeros((n, n_feat))
    stim = None
    period = None
    if stimulus is not None:
        driven = rng.choice(others, size=int(round(stimulus_fraction * others.size)),
                            replace=False)
        gains[driven] = rng.normal(size=(driven.size, n_feat)) * stimulus_gain / math.sqrt(n_feat)
        if stimulus == "repeated":
            period = max(1, int(round(stimulus_period_s / dt)))
            one = _smooth_noise(rng, period, n_feat, stimulus_smoothness_s / dt, circular=True)
            stim = np.tile(one, (int(math.ceil(total / period)) + 1, 1))
            stim = stim[(period - burn % period) % period:][:total]
        else:
            stim = _smooth_noise(rng, total, n_feat, stimulus_smoothness_s / dt, circular=False)
    drive = bias[None, :] + (stim @ gains.T if stim is not None else 0.0)
    drive = np.broadcast_to(drive, (total, n))

    decay_c = math.exp(-dt / coupling_tau_s)
    decay_r = math.exp(-dt / refractory_tau_s)
    cap = max_rate_hz * dt
    counts = np.zeros((total, n), dtype=np.int64)
    rate = np.zeros((total, n))
    trace_c = np.zeros(n)
    trace_r = np.zeros(n)
    wt = weights.T.copy()
    for t in range(total):
        lam = np.minimum(np.exp(drive[t] + trace_c @ wt - refractory * trace_r), cap)
        rate[t] = lam
        counts[t] = rng.poisson(lam)
        trace_c = decay_c * trace_c + counts[t]
        trace_r = decay_r * trace_r + counts[t]
    counts, rate = counts[burn:], rate[burn:]

    time = np.arange(n_time, dtype=np.float64) * dt
    units = np.arange(n)
    data_vars: dict[str, xr.DataArray] = {
        "spikes": xr.DataArray(counts, dims=(cv.TIME, cv.UNIT), attrs={cv.UNITS_ATTR: cv.COUNTS}),
        "rate": xr.DataArray(rate, dims=(cv.TIME, cv.UNIT),
                             attrs={cv.UNITS_ATTR: "spikes/bin",
                                    "description": "true conditional intensity per bin"}),
        "weights": xr.DataArray(weights, dims=("target_unit", "source_unit"),
                                coords={"target_unit": units, "source_unit": units},
                                attrs={cv.UNITS_ATTR: "log-rate per spike",
                                       "description": "W[j, i]: effect of a spike of i on j"}),
        "is_hub": xr.DataArray(np.isin(units, hubs), dims=(cv.UNIT,)),
    }
    if stim is not None:
        data_vars["stimulus"] = xr.DataArray(stim[burn:], dims=(cv.TIME, "feature"),
                                             attrs={cv.UNITS_ATTR: cv.ARBITRARY})
        data_vars["stimulus_gain"] = xr.DataArray(gains, dims=(cv.UNIT, "feature"),
                                                  attrs={cv.UNITS_ATTR: "log-rate"})
    if behaviour:
        decay_b = math.exp(-dt / behaviour_tau_s)
        filtered = _exp_filter(np.log(rate), decay_b)
        readout = filtered @ rng.normal(size=n)
        readout = (readout - readout.mean()) / (readout.std() + 1e-12)
        beh = readout + behaviour_noise * rng.normal(size=n_time)
        data_vars["behaviour"] = xr.DataArray(beh, dims=(cv.TIME,),
                                              attrs={cv.UNITS_ATTR: cv.ARBITRARY})
    attrs = {
        cv.SAMPLING_RATE_ATTR: 1.0 / dt,
        "hubs": hubs.astype(np.int64),
        "n_edges": int(adjacency.sum()),
        "description": "discrete-time Hawkes / Poisson GLM; weights[target, source] in log-rate "
                       "per spike, exponential kernel from lag 1",
    }
    if period is not None:
        attrs["stimulus_period_bins"] = int(period)
    coords = {cv.TIME: time, cv.UNIT: units}
    if stim is not None:
        coords["feature"] = np.arange(n_feat)
    ds = xr.Dataset(data_vars, coords=coords, attrs=attrs)
    ds[cv.TIME].attrs[cv.UNITS_ATTR] = cv.SECONDS
    return validate(ds)


def _exp_filter(x: np.ndarray, decay: float) -> np.ndarray:
    """``y[t] = decay · y[t-1] + x[t]`` along axis 0 (scipy's IIR filter)."""
    from scipy.signal import lfilter

    return lfilter([1.0], [1.0, -decay], x, axis=0)


def _smooth_noise(rng: np.random.Generator, n_time: int, n_feat: int, width_bins: float,
                  *, circular: bool) -> np.ndarray:
    """White noise filtered by a Gaussian of sd ``width_bins``; each feature z-scored."""
    from scipy.ndimage import gaussian_filter1d

    noise = rng.normal(size=(n_time, n_feat))
    smooth = gaussian_filter1d(noise, sigma=max(width_bins, 1e-6), axis=0,
                               mode="wrap" if circular else "reflect")
    smooth -= smooth.mean(0)
    return smooth / (smooth.std(0) + 1e-12)
