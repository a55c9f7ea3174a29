"""Simulated SSVEP speller sessions: occipital responses at known frequencies and phases."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import ConfigError

__all__ = ["simulate_ssvep", "OCCIPITAL_CHANNELS"]

#: the 9 parieto-occipital channels of the SSVEP literature and their share of the response
OCCIPITAL_CHANNELS: dict[str, float] = {
    "Pz": 0.45, "PO5": 0.65, "PO3": 0.7, "POz": 0.8, "PO4": 0.7, "PO6": 0.65,
    "O1": 0.95, "Oz": 1.0, "O2": 0.95,
}


def simulate_ssvep(
    n_targets: int = 8,
    frequencies: Sequence[float] | None = None,
    phases: Sequence[float] | None = None,
    n_subjects: int = 2,
    n_blocks: int = 4,
    n_chans: int = 9,
    sfreq: float = 250.0,
    duration: float = 1.0,
    snr_db: float = -10.0,
    n_harmonics: int = 3,
    latency_s: float = 0.14,
    seed: int = 0,
) -> xr.DataArray:
    r"""Simulate a cued SSVEP speller: every subject looks at every target once per block.

    The target ``k`` flickers at ``frequencies[k]`` Hz with phase ``phases[k]`` rad (joint
    frequency-phase modulation, Chen et al. 2015). Channel ``c`` of a trial of subject ``s``
    looking at target ``k`` is

    .. math::

        x_c(t) = g \sum_{h=1}^{H} \frac{1}{h} A_{s,h,c}
                 \sin\!\big(2\pi h f_k (t - \tau_s - \delta) + h\phi_k + \psi_{s,h}\big)
                 + n_c(t),

    * :math:`H` = ``n_harmonics``; harmonic amplitudes fall as :math:`1/h`;
    * :math:`A_{s,h,:}` a per-subject, per-harmonic spatial pattern: the occipital topography of
      :data:`OCCIPITAL_CHANNELS` (channels beyond the 9 get a weak 0.1-0.3 share) times a
      log-normal factor (sd 0.3) plus a Gaussian perturbation (sd 0.15);
    * :math:`\tau_s` the subject's visual latency, uniform in ``latency_s`` +- 20 ms, and
      :math:`\psi_{s,h}` a subject-specific phase, uniform in +-pi/4: subjects differ, so a
      model of one subject transfers only in part to another;
    * :math:`\delta` a trial jitter (sd 3 ms) and :math:`g` a trial gain (log-normal, sd 0.2);
    * :math:`n_c(t)` coloured noise: independent pink (1/f power) sources mixed across channels
      (spatially correlated), plus 20 % white noise power.

    The window starts at stimulus onset plus ``latency_s`` (how experiments cut SSVEP epochs),
    so the response is steady over the whole window. The signal is scaled so that the ratio of
    total signal power to total noise power over the data set is exactly ``snr_db`` (broadband,
    all channels, all frequencies: narrow-band SNRs at the stimulus frequencies are far higher).
    Noise RMS is 10 uV; values are in volts.

    Parameters
    ----------
    n_targets : int, default 8
        Number of targets (classes), >= 2.
    frequencies : sequence of float, optional
        Stimulus frequency of each target, Hz (distinct, > 0). Default: 8 Hz to 16 Hz in steps
        of ``8 / n_targets`` Hz (the 40-target benchmark's 8.0-15.8 Hz, 0.2 Hz grid for 40).
    phases : sequence of float, optional
        Stimulus phase of each target, rad. Default: ``0.35 * pi * k mod 2 pi`` (benchmark).
    n_subjects : int, default 2
    n_blocks : int, default 4
        Blocks per subject; each block holds one trial per target.
    n_chans : int, default 9
        Channels; the first (up to) 9 are named and weighted as :data:`OCCIPITAL_CHANNELS`,
        further ones ``"EEG010"``, ... carry a weak response.
    sfreq : float, default 250.0
        Sampling rate, Hz. ``n_harmonics * max(frequencies)`` must stay below ``sfreq / 2``.
    duration : float, default 1.0
        Window length, s.
    snr_db : float, default -10.0
        Broadband signal-to-noise power ratio, dB.
    n_harmonics : int, default 3
    latency_s : float, default 0.14
        Mean visual latency, s.
    seed : int, default 0

    Returns
    -------
    xarray.DataArray
        Float64 volts, dims ``("trial", "channel", "time")``, shape
        ``(n_subjects * n_blocks * n_targets, n_chans, round(duration * sfreq))``, ordered by
        subject, block, target. Trial coords ``label`` (target index, the ground truth),
        ``frequency`` (Hz), ``phase`` (rad), ``subject``, ``block``; ``channel`` names;
        ``time`` in s from the window start. attrs: ``sampling_rate`` (Hz), ``units`` ("V"),
        ``frequencies``, ``phases``, ``snr_db``, ``n_harmonics``, ``subject_latency_s``,
        ``description``.

    Raises
    ------
    neurokit.errors.ConfigError
        Bad counts, frequencies/phases of the wrong length, repeated or non-positive
        frequencies, harmonics at or above the Nyquist frequency, a window shorter than 2
        samples.

    Examples
    --------
    >>> data = simulate_ssvep(n_targets=4, n_subjects=1, n_blocks=2, n_chans=3, duration=0.5)
    >>> data.dims, data.shape
    (('trial', 'channel', 'time'), (8, 3, 125))
    >>> data.label.values.tolist(), data.frequency.values.tolist()[:4]
    ([0, 1, 2, 3, 0, 1, 2, 3], [8.0, 10.0, 12.0, 14.0])
    >>> data.channel.values.tolist(), data.attrs["units"]
    (['Pz', 'PO5', 'PO3'], 'V')
    """
    n_targets, n_subjects, n_blocks, n_chans, n_harmonics = (
        _count(v, name, lo) for v, name, lo in (
            (n_targets, "n_targets", 2), (n_subjects, "n_subjects", 1),
            (n_blocks, "n_blocks", 1), (n_chans, "n_chans", 1),
            (n_harmonics, "n_harmonics", 1)))
    sfreq, duration = float(sfreq), float(duration)
    if not (np.isfinite(sfreq) and sfreq > 0):
        raise ConfigError("bad sampling rate", field="sfreq", expected="> 0 Hz",
                          found=repr(sfreq))
    n_times = int(round(duration * sfreq))
    if not np.isfinite(duration) or n_times < 2:
        raise ConfigError("window too short", field="duration",
                          expected=">= 2 samples", found=f"{duration} s at {sfreq} Hz")
    if not np.isfinite(float(snr_db)):
        raise ConfigError("bad SNR", field="snr_db", expected="a finite number of dB",
                          found=repr(snr_db))
    if frequencies is None:
        freqs = 8.0 + np.arange(n_targets) * (8.0 / n_targets)
    else:
        freqs = np.asarray(frequencies, dtype=np.float64)
    if freqs.shape != (n_targets,) or not np.all(np.isfinite(freqs)) or np.any(freqs <= 0) \
            or len(np.unique(freqs)) != n_targets:
        raise ConfigError("bad stimulus frequencies", field="frequencies",
                          expected=f"{n_targets} distinct positive frequencies (Hz)",
                          found=repr(frequencies))
    if n_harmonics * freqs.max() >= sfreq / 2:
        raise ConfigError("harmonics above the Nyquist frequency", field="n_harmonics",
                          expected=f"n_harmonics * max(frequencies) < {sfreq / 2} Hz",
                          found=f"{n_harmonics} x {freqs.max()} Hz")
    if phases is None:
        phis = np.mod(0.35 * np.pi * np.arange(n_targets), 2 * np.pi)
    else:
        phis = np.asarray(phases, dtype=np.float64)
    if phis.shape != (n_targets,) or not np.all(np.isfinite(phis)):
        raise ConfigError("bad stimulus phases", field="phases",
                          expected=f"{n_targets} finite phases (rad)", found=repr(phases))
    latency_s = float(latency_s)
    if not (np.isfinite(latency_s) and latency_s >= 0):
        raise ConfigError("bad latency", field="latency_s", expected=">= 0 s",
                          found=repr(latency_s))

    rng = np.random.default_rng(seed)
    names = _channel_names(n_chans)
    base = np.array([OCCIPITAL_CHANNELS.get(c, 0.0) for c in names])
    extra = base == 0.0
    base[extra] = rng.uniform(0.1, 0.3, int(extra.sum()))
    t = np.arange(n_times) / sfreq
    harm = np.arange(1, n_harmonics + 1)
    n_trials_subject = n_blocks * n_targets
    signal = np.empty((n_subjects, n_trials_subject, n_chans, n_times))
    noise = np.empty_like(signal)
    latencies = latency_s + rng.uniform(-0.02, 0.02, n_subjects)
    labels = np.tile(np.arange(n_targets), n_blocks)
    for s in range(n_subjects):
        pattern = (base * np.exp(0.3 * rng.standard_normal((n_harmonics, n_chans)))
                   + 0.15 * rng.standard_normal((n_harmonics, n_chans)))   # (H, C)
        psi = rng.uniform(-np.pi / 4, np.pi / 4, n_harmonics)
        jitter = 0.003 * rng.standard_normal(n_trials_subject)
        gain = np.exp(0.2 * rng.standard_normal(n_trials_subject))
        f = freqs[labels][:, None, None]                                        # (N, 1, 1)
        arg = (2 * np.pi * harm[None, :, None] * f
               * (t[None, None, :] - latencies[s] - jitter[:, None, None])
               + harm[None, :, None] * phis[labels][:, None, None] + psi[None, :, None])
        waves = np.sin(arg) / harm[None, :, None]                                  # (N, H, T)
        signal[s] = gain[:, None, None] * np.einsum("nht,hc->nct", waves, pattern)
        noise[s] = _coloured_noise(rng, n_trials_subject, n_chans, n_times)
    noise *= 1e-5 / np.sqrt(np.mean(noise**2))
    signal *= np.sqrt(np.mean(noise**2) * 10.0 ** (float(snr_db) / 10.0) / np.mean(signal**2))
    data = (signal + noise).reshape(n_subjects * n_trials_subject, n_chans, n_times)

    label = np.tile(labels, n_subjects)
    subject = np.repeat(np.arange(n_subjects), n_trials_subject)
    block = np.tile(np.repeat(np.arange(n_blocks), n_targets), n_subjects)
    return xr.DataArray(
        data,
        dims=(cv.TRIAL, cv.CHANNEL, cv.TIME),
        coords={
            cv.TRIAL: np.arange(len(label)),
            cv.CHANNEL: names,
            cv.TIME: t.astype(np.float64),
            "label": (cv.TRIAL, label),
            "frequency": (cv.TRIAL, freqs[label]),
            "phase": (cv.TRIAL, phis[label]),
            "subject": (cv.TRIAL, subject),
            "block": (cv.TRIAL, block),
        },
        name="eeg",
        attrs={
            cv.SAMPLING_RATE_ATTR: sfreq,
            cv.UNITS_ATTR: "V",
            "frequencies": freqs,
            "phases": phis,
            "snr_db": float(snr_db),
            "n_harmonics": n_harmonics,
            "subject_latency_s": latencies,
            "description": "simulated SSVEP speller (neurokit.datasets.simulate_ssvep)",
        },
    )


def _count(value: int, name: str, lo: int) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < lo:
        raise ConfigError(f"bad {name}", field=name, expected=f"an integer >= {lo}",
                          found=repr(value))
    return int(value)


def _channel_names(n_chans: int) -> list[str]:
    names = list(OCCIPITAL_CHANNELS)[:n_chans]
    return names + [f"EEG{i + 1:03d}" for i in range(len(names), n_chans)]


def _coloured_noise(rng: np.random.Generator, n_trials: int, n_chans: int,
                    n_times: int) -> np.ndarray:
    """Pink (1/f power) sources mixed across channels, plus 20 % white power; unit-ish RMS."""
    spec = rng.standard_normal((n_trials, n_chans, n_times // 2 + 1)) \
        + 1j * rng.standard_normal((n_trials, n_chans, n_times // 2 + 1))
    f = np.arange(n_times // 2 + 1, dtype=np.float64)
    f[0] = 1.0
    pink = np.fft.irfft(spec / np.sqrt(f), n=n_times, axis=-1)
    pink /= pink.std()
    mixing = 0.6 * np.eye(n_chans) + 0.4 * rng.standard_normal((n_chans, n_chans)) \
        / np.sqrt(n_chans)
    mixed = np.einsum("cd,ndt->nct", mixing, pink)
    mixed /= mixed.std()
    return np.sqrt(0.8) * mixed + np.sqrt(0.2) * rng.standard_normal(mixed.shape)
