"""A spike-timing task that only synaptic delays solve: which input fires first, by how much."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import ConfigError
from neurokit.validation import validate

__all__ = ["simulate_delay_task"]


def simulate_delay_task(
    n_samples: int,
    delays: Sequence[int] = (2, 4, 6, 8),
    n_steps: int = 24,
    n_channels: int = 2,
    noise: float = 0.0,
    sampling_rate: float = 1000.0,
    seed: int = 0,
) -> xr.DataArray:
    """Simulate trials where input 0 and input 1 each fire once, a known lag apart.

    The task ("which of two input neurons fires ``d`` steps before the other, for which
    ``d``"), on a grid of ``n_steps`` time bins of ``1 / sampling_rate`` s:

    * every trial draws a lag ``d`` from ``delays`` and an order (input 0 first, or input 1
      first), both uniformly and independently;
    * the first spike falls at step ``t0`` uniform on ``0 .. n_steps - 1 - max(delays)``; the
      other input spikes exactly at ``t0 + d``; each of the two inputs fires exactly once;
    * channels ``2 .. n_channels - 1`` (if any) carry no signal, only noise;
    * noise: every bin of every channel independently gets an extra spike with probability
      ``noise`` (a bin holds at most one spike);
    * the label is ``2 * k + order`` with ``k`` the index of ``d`` in ``delays`` and ``order``
      0 when input 0 fires first, 1 when input 1 fires first: ``2 * len(delays)`` classes.

    Every class has the same spike count on every channel, so the label lies only in the
    relative timing: a network without delays and with short membrane memory is at chance;
    one with delays solves it by coincidence detection, a hidden neuron tuned to class
    ``(d, order)`` needs ``delay(first input) - delay(second input) = d``.

    Parameters
    ----------
    n_samples : int
        Number of trials.
    delays : sequence of int
        The lags (time steps, distinct, >= 1).
    n_steps : int
        Time bins per trial (> ``max(delays)``).
    n_channels : int
        Input channels (>= 2); the first two carry the task.
    noise : float
        Probability of an extra spike per bin and channel, in [0, 1).
    sampling_rate : float
        Bins per second (Hz); sets the ``time`` coordinate.
    seed : int
        Seed of the random generator.

    Returns
    -------
    xarray.DataArray
        Spikes (0/1 float, ``units="count"``) with dims ``("trial", "time", "channel")``;
        trial coordinates ``label`` (class), ``lag`` (steps, ``d``), ``signed_lag`` (steps,
        spike time of input 1 minus spike time of input 0), ``first_channel`` (0 or 1) and
        ``onset`` (step of the first task spike); ``time`` in seconds;
        attrs ``sampling_rate`` (Hz), ``units``, ``true_lags`` (steps, the ``delays``),
        ``n_classes`` and ``description``.

    Examples
    --------
    >>> data = simulate_delay_task(8, delays=(2, 4), n_steps=10, seed=1)
    >>> data.dims
    ('trial', 'time', 'channel')
    >>> int(data.sum()), data.attrs["n_classes"]            # two spikes per trial
    (16, 4)
    >>> row = data.isel(trial=0)
    >>> t0, t1 = [int(row.sel(channel=c).argmax("time")) for c in (0, 1)]
    >>> t1 - t0 == int(row["signed_lag"])
    True
    """
    lags = np.asarray(list(delays), dtype=np.int64)
    if n_samples < 1:
        raise ConfigError("need at least one trial", field="n_samples", expected=">= 1",
                          found=repr(n_samples))
    if lags.size == 0 or lags.min() < 1 or len(np.unique(lags)) != lags.size:
        raise ConfigError("bad lags", field="delays", expected="distinct integers >= 1",
                          found=repr(tuple(delays)))
    if n_steps <= lags.max():
        raise ConfigError("trial too short for the largest lag", field="n_steps",
                          expected=f"> {int(lags.max())}", found=repr(n_steps))
    if n_channels < 2:
        raise ConfigError("the task needs two input channels", field="n_channels",
                          expected=">= 2", found=repr(n_channels))
    if not 0.0 <= noise < 1.0:
        raise ConfigError("noise probability out of range", field="noise",
                          expected="0 <= noise < 1", found=repr(noise))
    if not sampling_rate > 0:
        raise ConfigError("sampling rate must be positive", field="sampling_rate",
                          expected="> 0 Hz", found=repr(sampling_rate))

    rng = np.random.default_rng(seed)
    k = rng.integers(0, lags.size, n_samples)
    order = rng.integers(0, 2, n_samples)
    lag = lags[k]
    onset = rng.integers(0, n_steps - int(lags.max()), n_samples)
    t_ch0 = np.where(order == 0, onset, onset + lag)
    t_ch1 = np.where(order == 0, onset + lag, onset)

    spikes = (rng.random((n_samples, n_steps, n_channels)) < noise).astype(np.float64)
    trials = np.arange(n_samples)
    spikes[trials, t_ch0, 0] = 1.0
    spikes[trials, t_ch1, 1] = 1.0

    time = np.arange(n_steps, dtype=np.float64) / float(sampling_rate)
    data = xr.DataArray(
        spikes,
        dims=(cv.TRIAL, cv.TIME, cv.CHANNEL),
        coords={
            cv.TRIAL: trials,
            cv.TIME: time,
            cv.CHANNEL: np.arange(n_channels),
            "label": (cv.TRIAL, 2 * k + order),
            "lag": (cv.TRIAL, lag),
            "signed_lag": (cv.TRIAL, t_ch1 - t_ch0),
            "first_channel": (cv.TRIAL, order),
            "onset": (cv.TRIAL, onset),
        },
        name="spikes",
        attrs={
            cv.UNITS_ATTR: cv.COUNTS,
            cv.SAMPLING_RATE_ATTR: float(sampling_rate),
            "true_lags": lags,
            "n_classes": int(2 * lags.size),
            "description": "label = 2 * index(lag in true_lags) + (1 if channel 1 fires first "
                           "else 0); lags and onset in time steps",
        },
    )
    data[cv.TIME].attrs[cv.UNITS_ATTR] = cv.SECONDS
    for name in ("lag", "signed_lag", "onset"):
        data[name].attrs[cv.UNITS_ATTR] = "steps"
    return validate(data)
