"""The calcium kernel: spike counts per frame -> noise-free ΔF/F, by an exact AR(2) filter.

One spike at time 0 produces the double-exponential transient

.. math:: h(t) = A \\, \\frac{e^{-t/\\tau_d} - e^{-t/\\tau_r}}{h_{max}}, \\quad t \\ge 0,

normalised so that its continuous-time peak is the per-spike amplitude ``A`` (ΔF/F). Sampled
at the frame period ``dt``, ``h[k] = d^k - r^k`` with ``d = exp(-dt/τ_d)``, ``r = exp(-dt/τ_r)``,
whose z-transform is the AR(2) filter

.. math:: H(z) = \\frac{(d - r) z^{-1}}{1 - (d + r) z^{-1} + d r z^{-2}},

so :func:`spikes_to_calcium` runs :func:`scipy.signal.lfilter` with those coefficients: the result
is exactly the spike train convolved with the sampled kernel, in O(n) time and memory. A spike
counted in frame ``k`` (i.e. emitted during ``[k dt, (k+1) dt)``) is treated as emitted at ``k dt``,
so it shows from frame ``k + 1`` on.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from neurokit.errors import InvalidValueError

__all__ = ["spikes_to_calcium", "kernel_peak_time"]


def kernel_peak_time(tau_rise: float, tau_decay: float) -> float:
    """Time of the peak of the double-exponential calcium kernel, in seconds.

    Parameters
    ----------
    tau_rise, tau_decay : float
        Rise and decay time constants (s), ``0 < tau_rise < tau_decay``.

    Returns
    -------
    t_peak : float
        ``tau_rise * tau_decay / (tau_decay - tau_rise) * log(tau_decay / tau_rise)`` (s).

    Examples
    --------
    >>> round(kernel_peak_time(0.05, 0.4), 4)
    0.1188
    """
    _check_taus(tau_rise, tau_decay)
    return tau_rise * tau_decay / (tau_decay - tau_rise) * float(np.log(tau_decay / tau_rise))


def spikes_to_calcium(
    spike_counts: np.ndarray,
    frame_rate: float,
    *,
    tau_rise: float = 0.05,
    tau_decay: float = 0.4,
    amplitude: float | np.ndarray = 1.0,
) -> np.ndarray:
    """Convolve spike counts with a double-exponential calcium kernel (GCaMP6f-like defaults).

    Parameters
    ----------
    spike_counts : numpy.ndarray, shape (n_frames, ...)
        Spike counts per frame, time on axis 0 (e.g. ``(time, roi)``). Not modified.
    frame_rate : float
        Frames per second (Hz).
    tau_rise, tau_decay : float
        Rise and decay time constants in seconds, ``0 < tau_rise < tau_decay``. The defaults
        (0.05 s, 0.4 s) are close to GCaMP6f in mouse cortex.
    amplitude : float or numpy.ndarray, shape broadcastable to ``spike_counts.shape[1:]``
        Peak ΔF/F of the transient of one spike (e.g. one value per ROI).

    Returns
    -------
    calcium : numpy.ndarray, shape (n_frames, ...)
        Noise-free ΔF/F. float32 for float32/int8/int16/uint8/uint16 counts, float64 otherwise
        (``numpy.result_type(spike_counts.dtype, numpy.float32)``).

    Raises
    ------
    neurokit.errors.InvalidValueError
        On a non-positive frame rate, time constants out of order, or non-finite counts.

    Notes
    -----
    Exact discrete form of the kernel (see the module docstring): ``lfilter([0, d - r],
    [1, -(d + r), d r], counts) * amplitude / h_max`` with ``h_max`` the continuous peak, so a
    sampled peak can be slightly below ``amplitude`` when the peak falls between frames.

    Examples
    --------
    >>> counts = np.zeros((300, 1)); counts[0] = 1
    >>> ca = spikes_to_calcium(counts, 1000.0, tau_rise=0.05, tau_decay=0.4, amplitude=0.2)
    >>> int(ca[:, 0].argmax()), round(float(ca.max()), 3)
    (119, 0.2)
    """
    _check_taus(tau_rise, tau_decay)
    if not (np.isfinite(frame_rate) and frame_rate > 0):
        raise InvalidValueError(
            "bad frame rate",
            field="frame_rate",
            expected="a positive number (Hz)",
            found=repr(frame_rate),
        )
    counts = np.asarray(spike_counts)
    if not np.all(np.isfinite(counts)):
        raise InvalidValueError(
            "spike counts are not finite", field="spike_counts", expected="finite counts"
        )
    dtype = np.result_type(counts.dtype, np.float32)
    dt = 1.0 / frame_rate
    d, r = np.exp(-dt / tau_decay), np.exp(-dt / tau_rise)
    t_peak = kernel_peak_time(tau_rise, tau_decay)
    h_max = np.exp(-t_peak / tau_decay) - np.exp(-t_peak / tau_rise)
    b = np.array([0.0, d - r], dtype=dtype)
    a = np.array([1.0, -(d + r), d * r], dtype=dtype)
    calcium = lfilter(b, a, counts.astype(dtype, copy=False), axis=0)
    calcium *= (np.asarray(amplitude, dtype=dtype) / dtype.type(h_max)).astype(dtype)
    return calcium


def _check_taus(tau_rise: float, tau_decay: float) -> None:
    if not (np.isfinite(tau_rise) and np.isfinite(tau_decay) and 0 < tau_rise < tau_decay):
        raise InvalidValueError(
            "bad calcium time constants",
            field="tau_rise, tau_decay",
            expected="0 < tau_rise < tau_decay (s)",
            found=f"tau_rise={tau_rise!r}, tau_decay={tau_decay!r}",
        )
