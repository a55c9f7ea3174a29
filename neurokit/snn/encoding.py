r"""Encoders: static values, continuous signals and event streams to time-major spike tensors.

Every encoder returns a floating-point tensor with time first (``[T, ...]``), ready for the
engine's ``[T, B, ...]`` convention when the input had a batch dimension.

========================  =====================================================  ==================
encoder                   code                                                   output
========================  =====================================================  ==================
:func:`poisson_encode`    rate: a Bernoulli(x) draw at every step                ``[T, *x]``
:func:`latency_encode`    time to first spike: one spike, larger ``x`` earlier   ``[T, *x]``
:func:`direct_encode`     the analog value repeated every step (no copy)         ``[T, *x]``
:func:`delta_encode`      threshold crossings (delta modulation), ON/OFF         ``[T, ..., 2, C]``
:func:`events_to_frames`  event camera stream -> counts per slice and polarity   ``[T, 2, H, W]``
========================  =====================================================  ==================
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from neurokit.errors import ConfigError, InvalidValueError, SchemaError

__all__ = [
    "poisson_encode",
    "latency_encode",
    "direct_encode",
    "delta_encode",
    "events_to_frames",
]

#: smallest intensity the logarithmic latency code resolves (maps to the last step)
LOG_LATENCY_FLOOR = 1e-2


def _check_steps(time_steps: Any, field: str = "time_steps") -> int:
    if isinstance(time_steps, bool) or not isinstance(time_steps, (int, np.integer)) \
            or time_steps < 1:
        raise ConfigError("number of time steps must be a positive integer", field=field,
                          expected="an int >= 1", found=repr(time_steps))
    return int(time_steps)


def _as_float_tensor(x: Any, name: str) -> torch.Tensor:
    if isinstance(x, np.ndarray) or (not isinstance(x, torch.Tensor)
                                     and isinstance(x, (list, tuple, float, int))):
        x = torch.as_tensor(np.asarray(x))
    if not isinstance(x, torch.Tensor):
        raise SchemaError("not a tensor", field=name, expected="a torch.Tensor or numpy array",
                          found=type(x).__name__)
    if not x.is_floating_point():
        x = x.to(torch.get_default_dtype())
    return x


def _check_finite(x: torch.Tensor, name: str) -> None:
    if not bool(torch.isfinite(x).all()):
        n_bad = int((~torch.isfinite(x)).sum())
        raise InvalidValueError("non-finite values", field=name, expected="finite numbers",
                                found=f"{n_bad} NaN/inf of {x.numel()}")


def _check_unit_interval(x: torch.Tensor, name: str) -> None:
    _check_finite(x, name)
    if x.numel() and (float(x.min()) < 0.0 or float(x.max()) > 1.0):
        raise InvalidValueError(
            "intensities outside [0, 1]", field=name, expected="values in [0, 1] (normalise first)",
            found=f"range [{float(x.min()):.4g}, {float(x.max()):.4g}]",
        )


def poisson_encode(x: torch.Tensor, time_steps: int, *,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Rate code: a Bernoulli draw with probability ``x`` at every time step.

    .. math:: S_t[i] \sim \mathrm{Bernoulli}(x_i), \quad t = 0, \dots, T-1 \text{ (independent)}

    so the mean firing rate of element ``i`` over many steps tends to :math:`x_i` spikes/step.

    Parameters
    ----------
    x : torch.Tensor
        Intensities in ``[0, 1]``, any shape (e.g. ``[B, C, H, W]`` images scaled to [0, 1]).
    time_steps : int
        Number of steps ``T``.
    generator : torch.Generator, optional
        Random generator (on ``x``'s device) for reproducible draws.

    Returns
    -------
    torch.Tensor
        Spikes in {0, 1}, shape ``[T, *x.shape]``, ``x``'s floating dtype.

    Raises
    ------
    neurokit.errors.InvalidValueError
        NaN/inf or values outside [0, 1].
    neurokit.errors.ConfigError
        ``time_steps < 1``.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> spikes = poisson_encode(torch.tensor([0.0, 1.0]), 5, generator=g)
    >>> spikes.shape, spikes.sum(0).tolist()
    (torch.Size([5, 2]), [0.0, 5.0])
    """
    steps = _check_steps(time_steps)
    x = _as_float_tensor(x, "x")
    _check_unit_interval(x, "x")
    draws = torch.rand((steps, *x.shape), generator=generator, device=x.device, dtype=x.dtype)
    return (draws < x).to(x.dtype)


def latency_encode(x: torch.Tensor, time_steps: int, *, linear: bool = True) -> torch.Tensor:
    r"""Time-to-first-spike code: one spike per element, larger values fire earlier.

    With :math:`x \in (0, 1]` the spike time is (rounded to the nearest step)

    .. math::

        t(x) = (T - 1)(1 - x) \quad (\texttt{linear=True}), \qquad
        t(x) = (T - 1)\,\frac{\ln x}{\ln x_{min}} \ \text{clipped to } [0, T-1]
        \quad (\texttt{linear=False}),

    with :math:`x_{min}` = :data:`LOG_LATENCY_FLOOR` (0.01): ``x = 1`` fires at step 0 and
    the smallest positive values at step ``T - 1``; the logarithmic code spreads the low
    intensities over more steps. ``x = 0`` never fires.

    Parameters
    ----------
    x : torch.Tensor
        Intensities in ``[0, 1]``, any shape.
    time_steps : int
        Number of steps ``T``.
    linear : bool
        Linear (default) or logarithmic mapping from intensity to spike time.

    Returns
    -------
    torch.Tensor
        Spikes in {0, 1}, shape ``[T, *x.shape]``: at most one spike per element.

    Raises
    ------
    neurokit.errors.InvalidValueError
        NaN/inf or values outside [0, 1].
    neurokit.errors.ConfigError
        ``time_steps < 1``.

    Examples
    --------
    >>> latency_encode(torch.tensor([1.0, 0.5, 0.0]), 3).T.tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    """
    steps = _check_steps(time_steps)
    x = _as_float_tensor(x, "x")
    _check_unit_interval(x, "x")
    if linear:
        t_spike = (steps - 1) * (1.0 - x)
    else:
        safe = x.clamp_min(LOG_LATENCY_FLOOR)
        t_spike = (steps - 1) * torch.log(safe) / math.log(LOG_LATENCY_FLOOR)
    t_spike = torch.round(t_spike).clamp(0, steps - 1).long()
    t_spike = torch.where(x > 0, t_spike, torch.full_like(t_spike, steps))  # no spike
    time = torch.arange(steps, device=x.device).view(-1, *([1] * x.dim()))
    return (time == t_spike.unsqueeze(0)).to(x.dtype)


def direct_encode(x: torch.Tensor, time_steps: int) -> torch.Tensor:
    """Direct (analog) code: the same input at every step, as a view (no copy).

    Parameters
    ----------
    x : torch.Tensor
        Any shape, any finite values (a first synaptic layer then sees real-valued input).
    time_steps : int
        Number of steps ``T``.

    Returns
    -------
    torch.Tensor
        ``[T, *x.shape]``: an expanded view of ``x`` (floating ``x``; integers are converted
        to the default float dtype first). Write to it only after ``.clone()``.

    Raises
    ------
    neurokit.errors.InvalidValueError
        NaN/inf in ``x``.
    neurokit.errors.ConfigError
        ``time_steps < 1``.

    Examples
    --------
    >>> x = torch.rand(2, 3)
    >>> seq = direct_encode(x, 4)
    >>> seq.shape, seq.data_ptr() == x.data_ptr()
    (torch.Size([4, 2, 3]), True)
    """
    steps = _check_steps(time_steps)
    x = _as_float_tensor(x, "x")
    _check_finite(x, "x")
    return x.unsqueeze(0).expand(steps, *x.shape)


def delta_encode(signal: Any, threshold: float, *, time_dim: int = 0) -> torch.Tensor:
    r"""Delta modulation: ON/OFF spikes each time a signal moves by ``threshold``.

    A reference :math:`r` starts at the first sample and follows the signal in steps of
    :math:`\theta`; at every step the number of whole thresholds crossed since the reference
    is emitted as ON (upward) or OFF (downward) spikes and the reference moves accordingly:

    .. math::

        n_t = \operatorname{trunc}\!\left(\frac{x_t - r_{t-1}}{\theta}\right), \quad
        \mathrm{ON}_t = \max(n_t, 0), \quad \mathrm{OFF}_t = \max(-n_t, 0), \quad
        r_t = r_{t-1} + \theta n_t, \quad r_{-1} = x_0,

    so :math:`x_0 + \theta \sum_{s \le t} (\mathrm{ON}_s - \mathrm{OFF}_s) = r_t` and
    :math:`|x_t - r_t| < \theta` at every step: integrating ON - OFF reconstructs the signal
    within one threshold. A step holds more than one spike only when the signal moves by more
    than :math:`\theta` in one sample (then the entry is the spike count).

    Parameters
    ----------
    signal : torch.Tensor, numpy.ndarray or xarray.DataArray
        Continuous signal (M/EEG, LFP, dF/F). Tensors/arrays: time along ``time_dim``.
        DataArray: must have a ``time`` dim; it is moved first, the other dims keep their
        order (e.g. ``("time", "channel")``, ``("trial", "time", "roi")``) and ``time_dim`` is
        ignored.
    threshold : float
        Step :math:`\theta` > 0, in the signal's units.
    time_dim : int
        Axis of time for tensors and arrays.

    Returns
    -------
    torch.Tensor
        Spike counts, time first and polarity second to last: ``[T, ..., 2, C]`` where ``C``
        is the last non-time axis (``[T, 2]`` for a 1-d signal); index 0 = ON (increase),
        1 = OFF (decrease). The first step holds no spikes.

    Raises
    ------
    neurokit.errors.InvalidValueError
        NaN/inf in the signal.
    neurokit.errors.SchemaError
        Bad ``time_dim`` or a DataArray without a ``time`` dim.
    neurokit.errors.ConfigError
        ``threshold <= 0``.

    Examples
    --------
    >>> x = torch.tensor([[0.0], [0.25], [0.55], [0.1]])      # [T=4, C=1]
    >>> delta_encode(x, 0.2)[:, :, 0].tolist()                  # [T, (ON, OFF)]
    [[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    """
    xr = sys.modules.get("xarray")
    if xr is not None and isinstance(signal, xr.DataArray):
        if "time" not in signal.dims:
            raise SchemaError("no time dimension", field="signal", expected="a 'time' dim",
                              found=f"dims {signal.dims}")
        signal = torch.as_tensor(np.asarray(signal.transpose("time", ...).values))
        time_dim = 0
    x = _as_float_tensor(signal, "signal")
    if x.dim() == 0 or not -x.dim() <= time_dim < x.dim():
        raise SchemaError("time axis out of range", field="time_dim",
                          expected=f"an axis of a {x.dim()}-d signal", found=repr(time_dim))
    _check_finite(x, "signal")
    try:
        theta = float(threshold)
    except (TypeError, ValueError):
        theta = float("nan")
    if not (math.isfinite(theta) and theta > 0):
        raise ConfigError("delta threshold must be positive", field="threshold",
                          expected="a finite number > 0", found=repr(threshold))
    x = x.movedim(time_dim, 0)
    ref = x[0].clone()
    n_seq = torch.zeros_like(x)
    for t in range(1, x.shape[0]):
        n = torch.trunc((x[t] - ref) / theta)
        ref = ref + theta * n
        n_seq[t] = n
    spikes = torch.stack([n_seq.clamp_min(0), (-n_seq).clamp_min(0) + 0.0], dim=-1)  # [T, ..., 2]
    if x.dim() == 1:
        return spikes
    return spikes.movedim(-1, -2)  # [T, ..., C, 2] -> [T, ..., 2, C]


def _event_field(events: Any, name: str) -> np.ndarray:
    try:
        if isinstance(events, Mapping):
            values = events[name]
        elif isinstance(events, np.ndarray) and events.dtype.names is not None:
            values = events[name]
        else:
            raise SchemaError("events must be a structured array or a mapping",
                              field="events", expected="fields t, x, y, p",
                              found=type(events).__name__)
    except (KeyError, ValueError) as err:
        found = (sorted(events) if isinstance(events, Mapping) else
                 list(getattr(getattr(events, "dtype", None), "names", None) or []))
        raise SchemaError("missing event field", field=name,
                          expected="fields t, x, y, p", found=f"fields {found}") from err
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    values = np.asarray(values)
    if values.ndim != 1:
        raise SchemaError("event field is not 1-d", field=name, expected="one value per event",
                          found=f"shape {values.shape}")
    return values


def events_to_frames(events: Any, sensor_size: tuple[int, int], time_steps: int | None = None,
                     *, time_window: float | None = None) -> torch.Tensor:
    """Bin an event-camera stream into frames of event counts per polarity.

    The span ``[t_first, t_last]`` of the events is cut into equal slices, either
    ``time_steps`` of them or slices of ``time_window`` (then ``T = ceil(span / time_window)``,
    at least one); frame ``k`` counts, per pixel and polarity, the events with
    ``t_first + k*Δ <= t < t_first + (k+1)*Δ`` (the last slice also holds ``t_last``).

    Parameters
    ----------
    events : numpy structured array or mapping
        Fields (or keys) ``t`` (timestamps, any unit), ``x`` (column, ``0 <= x < W``),
        ``y`` (row, ``0 <= y < H``) and ``p`` (polarity in {0, 1} or {-1, 1}, or bool).
    sensor_size : (int, int)
        ``(H, W)``: height then width, the order of the output frames (note: tonic's
        ``sensor_size`` is ``(W, H, P)``).
    time_steps : int, optional
        Number of frames ``T``; give this or ``time_window``.
    time_window : float, optional
        Slice duration, in the unit of ``t``.

    Returns
    -------
    torch.Tensor
        float32 counts ``[T, 2, H, W]``; channel 0 = OFF (``p`` 0 or -1), 1 = ON (``p`` 1).
        The counts sum to the number of events. No events: all-zero frames (``T = 0`` frames
        with ``time_window``).

    Raises
    ------
    neurokit.errors.SchemaError
        Missing fields, fields of different lengths, a bad ``sensor_size``.
    neurokit.errors.InvalidValueError
        NaN timestamps, coordinates outside the sensor, polarities outside {-1, 0, 1}.
    neurokit.errors.ConfigError
        Neither or both of ``time_steps``/``time_window``, ``time_steps < 1``,
        ``time_window <= 0``.

    Examples
    --------
    >>> ev = {"t": [0.0, 0.5, 1.0], "x": [0, 1, 1], "y": [0, 0, 1], "p": [1, 0, 1]}
    >>> frames = events_to_frames(ev, (2, 2), time_steps=2)
    >>> frames.shape, frames.sum().item(), frames[1, 1].tolist()
    (torch.Size([2, 2, 2, 2]), 3.0, [[0.0, 0.0], [0.0, 1.0]])
    """
    if (time_steps is None) == (time_window is None):
        raise ConfigError("give exactly one of time_steps and time_window",
                          field="time_steps/time_window", expected="one of them",
                          found=f"time_steps={time_steps!r}, time_window={time_window!r}")
    if (not isinstance(sensor_size, (tuple, list)) or len(sensor_size) != 2
            or not all(isinstance(s, (int, np.integer)) and s >= 1 for s in sensor_size)):
        raise SchemaError("bad sensor size", field="sensor_size",
                          expected="(height, width), positive ints", found=repr(sensor_size))
    height, width = int(sensor_size[0]), int(sensor_size[1])
    t, xs, ys, ps = (_event_field(events, name) for name in ("t", "x", "y", "p"))
    n = len(t)
    if not len(xs) == len(ys) == len(ps) == n:
        raise SchemaError("event fields of different lengths", field="events",
                          expected="t, x, y, p of equal length",
                          found=f"lengths {len(t)}, {len(xs)}, {len(ys)}, {len(ps)}")
    t = t.astype(np.float64)
    if not np.isfinite(t).all():
        raise InvalidValueError("non-finite timestamps", field="t", expected="finite numbers",
                                found=f"{int((~np.isfinite(t)).sum())} NaN/inf")
    for name, values, size in (("x", xs, width), ("y", ys, height)):
        if n and (not np.all(np.equal(np.mod(values, 1), 0)) or values.min() < 0
                  or values.max() >= size):
            raise InvalidValueError("event coordinates outside the sensor", field=name,
                                    expected=f"integers in [0, {size})",
                                    found=f"range [{values.min()}, {values.max()}]")
    ps = ps.astype(np.int64)
    if n and not np.isin(ps, (-1, 0, 1)).all():
        raise InvalidValueError("bad polarity", field="p", expected="values in {0, 1} or {-1, 1}",
                                found=f"values {np.unique(ps)[:5].tolist()}")
    polarity = (ps > 0).astype(np.int64)
    if time_window is not None:
        window = float(time_window)
        if not (math.isfinite(window) and window > 0):
            raise ConfigError("time window must be positive", field="time_window",
                              expected="a finite number > 0", found=repr(time_window))
        span = float(t.max() - t.min()) if n else 0.0
        steps = max(1, math.ceil(span / window)) if n else 0
    else:
        steps = _check_steps(time_steps)
        span = float(t.max() - t.min()) if n else 0.0
        window = span / steps if span > 0 else 1.0
    frames = np.zeros(steps * 2 * height * width, dtype=np.int64)
    if n:
        bins = np.clip(np.floor((t - t.min()) / window).astype(np.int64), 0, steps - 1)
        flat = ((bins * 2 + polarity) * height + ys.astype(np.int64)) * width \
            + xs.astype(np.int64)
        frames = np.bincount(flat, minlength=frames.size)
    return torch.from_numpy(frames.reshape(steps, 2, height, width).astype(np.float32))
