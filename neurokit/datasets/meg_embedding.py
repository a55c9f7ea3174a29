r"""Ground truth for contrastive M/EEG decoding: simulated MEG whose sources are linear functions
of known stimulus embeddings.

The contrastive decoder of Défossez et al. (2023, *Nature Machine Intelligence* 5, 1097-1107)
maps a brain segment to the embedding of the stimulus heard or seen during it (wav2vec 2.0
speech features, CLIP image features...) and is scored by segment retrieval: is the true
embedding the nearest among the candidates? :func:`simulate_meg_embedding` builds data where
that mapping exists by construction, so retrieval accuracy can be checked against chance and
against the injected signal-to-noise ratio.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import ConfigError, SchemaError

__all__ = ["simulate_meg_embedding", "sensor_layout"]

#: physical scale of the simulated evoked field: RMS of the noise-free signal, tesla (100 fT)
SIGNAL_RMS_T = 1e-13


def sensor_layout(layout: str = "Vectorview-mag") -> tuple[list[str], np.ndarray]:
    """Channel names and 2-D positions of an MNE sensor layout (a flattened helmet or cap).

    Parameters
    ----------
    layout : str
        Name of a layout shipped with MNE-Python (``mne.channels.read_layout``):
        ``"Vectorview-mag"`` (the 102 magnetometers of an Elekta/MEGIN Neuromag system),
        ``"CTF-275"``, ``"KIT-157"``, ``"biosemi"`` (64-channel EEG cap)...

    Returns
    -------
    names : list of str
        Channel names, in layout order.
    positions : numpy.ndarray, shape (n_channels, 2)
        Centre of each channel's box in the layout's 2-D projection (layout units, about
        [0, 1]).

    Raises
    ------
    neurokit.errors.ConfigError
        A layout MNE does not know.

    Examples
    --------
    >>> names, pos = sensor_layout("Vectorview-mag")
    >>> len(names), pos.shape
    (102, (102, 2))
    """
    from neurokit._optional import soft_import

    mne = soft_import("mne", "the sensor layouts of the simulated MEG")
    try:
        lay = mne.channels.read_layout(layout)
    except (ValueError, OSError, FileNotFoundError) as err:
        raise ConfigError("unknown sensor layout", field="layout",
                          expected="a layout name shipped with MNE (e.g. 'Vectorview-mag', "
                          "'CTF-275', 'biosemi')", found=repr(layout)) from err
    pos = np.asarray(lay.pos, dtype=float)
    centres = pos[:, :2] + pos[:, 2:4] / 2.0
    return [str(n) for n in lay.names], centres


def _check_int(value: Any, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError("bad value", field=field, expected=f"an integer >= {minimum}",
                          found=repr(value))
    return int(value)


def _dipole_topographies(centres: np.ndarray, sensors: np.ndarray, rng: np.random.Generator,
                         width: float) -> np.ndarray:
    """Two-lobed field patterns ``(n_sensors, n_sources)`` of tangential current dipoles.

    The radial field of a tangential dipole under a MEG helmet has a positive and a negative
    lobe on either side of it; each pattern is the difference of two Gaussian bumps of width
    ``width`` centred ``±width`` away from the source along a random direction, scaled to unit
    norm over the sensors."""
    angle = rng.uniform(0.0, 2.0 * np.pi, size=len(centres))
    offset = width * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (Q, 2)
    plus = centres + offset
    minus = centres - offset
    d_plus = ((sensors[:, None, :] - plus[None]) ** 2).sum(-1)
    d_minus = ((sensors[:, None, :] - minus[None]) ** 2).sum(-1)
    topo = np.exp(-d_plus / (2 * width**2)) - np.exp(-d_minus / (2 * width**2))
    return topo / np.maximum(np.linalg.norm(topo, axis=0, keepdims=True), 1e-12)


def _temporal_kernels(n_sources: int, n_kernels: int, times: np.ndarray,
                      rng: np.random.Generator) -> np.ndarray:
    r"""Evoked-response kernels ``(n_sources, n_kernels, n_times)``: gamma-shaped bumps
    :math:`h(t) = ((t - L)/\tau)^2 e^{-(t - L)/\tau}` for :math:`t > L`, latency
    :math:`L` ~ U(0.03, 0.25) s and time constant :math:`\tau` ~ U(0.015, 0.05) s, unit norm."""
    latency = rng.uniform(0.03, 0.25, size=(n_sources, n_kernels, 1))
    tau = rng.uniform(0.015, 0.05, size=(n_sources, n_kernels, 1))
    lag = np.clip((times[None, None, :] - latency) / tau, 0.0, None)
    kern = lag**2 * np.exp(-lag)
    return kern / np.maximum(np.linalg.norm(kern, axis=-1, keepdims=True), 1e-12)


def simulate_meg_embedding(
    n_segments: int = 200,
    n_sensors: int = 64,
    n_subjects: int = 2,
    embed_dim: int = 16,
    snr: float = 1.0,
    *,
    n_times: int = 60,
    sampling_rate: float = 100.0,
    n_sources: int = 12,
    n_kernels: int = 2,
    layout: str = "Vectorview-mag",
    embeddings: np.ndarray | None = None,
    seed: int = 0,
) -> xr.Dataset:
    r"""Simulate MEG segments whose cortical sources are a linear function of known embeddings.

    Every subject sees (hears) the same ``n_segments`` stimuli, each described by an embedding
    :math:`e_n \in \mathbb{R}^F` (``F`` = ``embed_dim``; by default i.i.d. Gaussian rows scaled
    to unit norm, standing in for speech or image features). For segment :math:`n` and
    subject :math:`s`:

    1. **sources**: :math:`Q` = ``n_sources`` cortical sources, each responding with
       ``n_kernels`` evoked components whose amplitudes are linear in the embedding,

       .. math:: a_q(t) = \sum_{r=1}^{R} (w_{q r}^\top e_n)\, h_{q r}(t),

       with :math:`w_{qr} \sim N(0, I_F)` and :math:`h_{qr}` gamma-shaped kernels of random
       latency (30-250 ms) and width (15-50 ms), shared by all subjects;
    2. **lead field** per subject: source :math:`q` projects onto the sensors with a two-lobed
       dipolar field pattern (a tangential dipole seen by a MEG helmet) centred at the source's
       2-D position plus a subject-specific jitter (s.d. 0.04 in normalised layout units), a
       subject-specific orientation and a log-normal gain (s.d. 0.3): subjects differ, as
       real heads do, so the decoder's subject layers have something to learn;
    3. **noise**: half of the noise power from 40 background sources with slow (AR(1),
       coefficient 0.9) activity through random dipolar patterns (spatially and temporally
       correlated brain noise), half white sensor noise; scaled per subject so that

       .. math:: \mathrm{SNR} = \frac{\overline{x_{signal}^2}}{\overline{x_{noise}^2}}

       (power ratio over sensors, time and segments; not in dB) equals ``snr``.

    Signals are in tesla: the noise-free field has an RMS of 100 fT (:data:`SIGNAL_RMS_T`).
    :math:`Q R` must be at least ``F`` for the embedding to be recoverable from noise-free
    data (it is with the defaults: 24 >= 16).

    Parameters
    ----------
    n_segments : int
        Stimuli (segments), >= 2; each subject has one trial per segment.
    n_sensors : int
        Sensors taken from the layout (a seeded random subset, in layout order), >= 2.
    n_subjects : int
        Subjects, >= 1.
    embed_dim : int
        Embedding dimension ``F``, >= 1 (ignored when ``embeddings`` is given).
    snr : float
        Signal-to-noise power ratio, > 0 (finite).
    n_times : int
        Samples per segment.
    sampling_rate : float
        Hz; the segment lasts ``n_times / sampling_rate`` s from stimulus onset.
    n_sources : int
        Cortical sources ``Q``.
    n_kernels : int
        Evoked components per source ``R``.
    layout : str
        MNE layout the sensors come from (see :func:`sensor_layout`).
    embeddings : numpy.ndarray, optional
        ``(n_segments, F)`` embeddings to use instead of random ones (e.g. real CLIP
        features); used as given.
    seed : int
        Seed of everything random.

    Returns
    -------
    xarray.Dataset
        ``meg`` (``trial``, ``channel``, ``time``), tesla: the noisy recordings, the epochs
        layout decoders take; ``signal`` (same dims): their noise-free part;
        ``embedding`` (``trial``, ``feature``): the ground truth, the embedding of each trial's
        segment; ``lead_field`` (``subject_id``, ``channel``, ``source``), tesla per unit source
        amplitude. Coordinates: ``trial`` (0..), on trial ``segment`` (stimulus id) and
        ``subject`` (``"sub-01"``...); ``channel`` (layout names) with ``x``, ``y`` (2-D
        layout positions) and ``ch_type`` (``"mag"``); ``time`` (s from onset); ``feature``;
        ``source``. Trials are ordered subject by subject. attrs: ``sampling_rate``, ``snr``,
        ``seed``, ``layout``, ``description``.

    Raises
    ------
    neurokit.errors.ConfigError
        Bad counts, a non-positive or infinite ``snr``, more sensors than the layout has, an
        unknown layout.
    neurokit.errors.SchemaError
        ``embeddings`` of the wrong shape or with NaN/inf.

    Examples
    --------
    >>> ds = simulate_meg_embedding(n_segments=10, n_sensors=20, n_subjects=2, embed_dim=4,
    ...                             n_times=30, seed=0)
    >>> ds["meg"].dims, ds["meg"].shape, ds["embedding"].shape
    (('trial', 'channel', 'time'), (20, 20, 30), (20, 4))
    >>> noise = ds["meg"] - ds["signal"]
    >>> round(float((ds["signal"] ** 2).mean() / (noise ** 2).mean()), 2)
    1.0
    """
    n_segments = _check_int(n_segments, "n_segments", 2)
    n_sensors = _check_int(n_sensors, "n_sensors", 2)
    n_subjects = _check_int(n_subjects, "n_subjects", 1)
    n_times = _check_int(n_times, "n_times", 2)
    n_sources = _check_int(n_sources, "n_sources", 1)
    n_kernels = _check_int(n_kernels, "n_kernels", 1)
    try:
        snr_value = float(snr)
    except (TypeError, ValueError):
        snr_value = float("nan")
    if not (np.isfinite(snr_value) and snr_value > 0):
        raise ConfigError("bad signal-to-noise ratio", field="snr",
                          expected="a finite power ratio > 0", found=repr(snr))
    if not (np.isfinite(float(sampling_rate)) and float(sampling_rate) > 0):
        raise ConfigError("bad sampling rate", field="sampling_rate", expected="a number > 0 (Hz)",
                          found=repr(sampling_rate))
    rng = np.random.default_rng(seed)
    if embeddings is None:
        embed_dim = _check_int(embed_dim, "embed_dim", 1)
        emb = rng.standard_normal((n_segments, embed_dim))
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    else:
        emb = np.asarray(embeddings, dtype=float)
        if emb.ndim != 2 or emb.shape[0] != n_segments:
            raise SchemaError("embeddings of the wrong shape", field="embeddings",
                              expected=f"(n_segments={n_segments}, n_features)",
                              found=f"shape {emb.shape}")
        if not np.isfinite(emb).all():
            raise SchemaError("non-finite embeddings", field="embeddings",
                              expected="finite numbers", found="NaN/inf")
    n_features = emb.shape[1]

    names, positions = sensor_layout(layout)
    if n_sensors > len(names):
        raise ConfigError("more sensors than the layout has", field="n_sensors",
                          expected=f"<= {len(names)} for layout {layout!r}",
                          found=repr(n_sensors))
    keep = np.sort(rng.choice(len(names), size=n_sensors, replace=False))
    names = [names[i] for i in keep]
    positions = positions[keep]
    lo, hi = positions.min(0), positions.max(0)
    unit_pos = (positions - lo) / np.where(hi > lo, hi - lo, 1.0)  # [0, 1]^2 for the physics

    times = np.arange(n_times) / float(sampling_rate)
    kernels = _temporal_kernels(n_sources, n_kernels, times, rng)            # (Q, R, T)
    weights = rng.standard_normal((n_sources, n_kernels, n_features))       # (Q, R, F)
    amplitude = np.einsum("qrf,nf->nqr", weights, emb)                       # (N, Q, R)
    sources = np.einsum("nqr,qrt->nqt", amplitude, kernels)                  # (N, Q, T)
    centres = rng.uniform(0.15, 0.85, size=(n_sources, 2))

    meg = np.empty((n_subjects, n_segments, n_sensors, n_times))
    signal = np.empty_like(meg)
    lead_fields = np.empty((n_subjects, n_sensors, n_sources))
    n_background = 40
    for s in range(n_subjects):
        jitter = rng.normal(0.0, 0.04, size=centres.shape)
        gain = np.exp(rng.normal(0.0, 0.3, size=n_sources))
        lead = _dipole_topographies(centres + jitter, unit_pos, rng, width=0.12) * gain
        sig = np.einsum("cq,nqt->nct", lead, sources)
        scale = SIGNAL_RMS_T / np.sqrt(np.mean(sig**2))
        sig *= scale
        lead_fields[s] = lead * scale
        # background brain noise: slow AR(1) sources through random dipolar patterns
        bg_topo = _dipole_topographies(rng.uniform(0.0, 1.0, size=(n_background, 2)), unit_pos,
                                       rng, width=0.15)
        drive = rng.standard_normal((n_segments, n_background, n_times))
        bg = np.empty_like(drive)
        bg[..., 0] = drive[..., 0]
        for t in range(1, n_times):
            bg[..., t] = 0.9 * bg[..., t - 1] + np.sqrt(1 - 0.9**2) * drive[..., t]
        brain = np.einsum("cb,nbt->nct", bg_topo, bg)
        white = rng.standard_normal(sig.shape)
        noise_power = np.mean(sig**2) / snr_value
        noise = (brain * np.sqrt(0.5 * noise_power / np.mean(brain**2))
                 + white * np.sqrt(0.5 * noise_power / np.mean(white**2)))
        noise *= np.sqrt(noise_power / np.mean(noise**2))  # exact SNR despite the cross term
        signal[s] = sig
        meg[s] = sig + noise

    n_trials = n_subjects * n_segments
    subjects = [f"sub-{s + 1:02d}" for s in range(n_subjects)]
    trial_coords = {
        cv.TRIAL: np.arange(n_trials),
        "segment": (cv.TRIAL, np.tile(np.arange(n_segments), n_subjects)),
        "subject": (cv.TRIAL, np.repeat(subjects, n_segments)),
    }
    channel_coords = {
        cv.CHANNEL: names,
        "x": (cv.CHANNEL, positions[:, 0]),
        "y": (cv.CHANNEL, positions[:, 1]),
        "ch_type": (cv.CHANNEL, ["mag"] * n_sensors),
    }
    dims3 = (cv.TRIAL, cv.CHANNEL, cv.TIME)
    data = {
        "meg": (dims3, meg.reshape(n_trials, n_sensors, n_times),
                {cv.UNITS_ATTR: "T", cv.SAMPLING_RATE_ATTR: float(sampling_rate),
                 "long_name": "simulated MEG (signal + noise)"}),
        "signal": (dims3, signal.reshape(n_trials, n_sensors, n_times),
                   {cv.UNITS_ATTR: "T", cv.SAMPLING_RATE_ATTR: float(sampling_rate),
                    "long_name": "noise-free evoked field"}),
        "embedding": ((cv.TRIAL, "feature"), np.tile(emb, (n_subjects, 1)),
                      {cv.UNITS_ATTR: cv.ARBITRARY,
                       "long_name": "stimulus embedding of the trial's segment"}),
        "lead_field": (("subject_id", cv.CHANNEL, "source"), lead_fields,
                       {cv.UNITS_ATTR: "T", "long_name": "field per unit source amplitude"}),
    }
    coords = {**trial_coords, **channel_coords, cv.TIME: times, "feature": np.arange(n_features),
              "source": np.arange(n_sources), "subject_id": subjects}
    attrs = {
        cv.SAMPLING_RATE_ATTR: float(sampling_rate),
        "snr": snr_value,
        "seed": int(seed),
        "layout": str(layout),
        "description": (
            f"{n_subjects} subject(s) x {n_segments} segments; {n_sources} sources x "
            f"{n_kernels} evoked components linear in {n_features}-d embeddings, dipolar lead "
            f"fields per subject, brain + sensor noise at SNR {snr_value:g} (power ratio)"),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)
