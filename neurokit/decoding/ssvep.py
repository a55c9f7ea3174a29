"""SSVEP target identification without training: reference signals, filter bank, FBCCA.

* :func:`ssvep_references` — sine/cosine references at the stimulus frequencies and harmonics
* :func:`filter_bank` — Chebyshev type-I band-pass sub-bands ``[low + m * step, high]`` Hz
* :func:`fbcca_weights` — the sub-band weights ``m ** -a + b`` of Chen et al. (2015)
* :class:`FBCCA` — filter-bank canonical correlation analysis, a scikit-learn classifier

The deep network of Guney et al. (2021), which takes the same filter-bank input, lives in
:mod:`neurokit.decoding.ssvep_net`.

References
----------
Chen, X., Wang, Y., Gao, S., Jung, T.-P., & Gao, X. (2015). Filter bank canonical correlation
analysis for implementing a high-speed SSVEP-based brain-computer interface. *J. Neural Eng.*,
12(4), 046008.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import signal as sps
from sklearn.base import BaseEstimator, ClassifierMixin

from neurokit.errors import ConfigError, InvalidValueError, SchemaError

__all__ = ["ssvep_references", "filter_bank", "fbcca_weights", "FBCCA"]


def ssvep_references(
    frequencies: ArrayLike,
    sfreq: float,
    n_times: int,
    n_harmonics: int = 5,
    phases: ArrayLike | None = None,
) -> np.ndarray:
    r"""Sine/cosine reference signals of SSVEP stimuli and their harmonics.

    For target :math:`k` (frequency :math:`f_k`, phase :math:`\phi_k`) and harmonic
    :math:`h = 1 .. H`, rows :math:`2(h-1)` and :math:`2(h-1)+1` are

    .. math:: \sin(2\pi h f_k t + h\phi_k), \quad \cos(2\pi h f_k t + h\phi_k),
              \qquad t = 0, \frac{1}{f_s}, \dots, \frac{n_{times}-1}{f_s}.

    The :math:`h`-th harmonic of a stimulus of phase :math:`\phi` has phase :math:`h\phi`.
    CCA is blind to the phases (each harmonic's sine/cosine pair spans every phase); they
    matter for template methods that use the references directly.

    Parameters
    ----------
    frequencies : array-like of float, shape (n_targets,)
        Stimulus frequencies, Hz.
    sfreq : float
        Sampling rate, Hz.
    n_times : int
        Samples per reference.
    n_harmonics : int, default 5
        Harmonics :math:`H` (5 in Chen et al. 2015).
    phases : array-like of float, shape (n_targets,), optional
        Stimulus phases, rad (default 0).

    Returns
    -------
    numpy.ndarray, shape (n_targets, 2 * n_harmonics, n_times)

    Examples
    --------
    >>> ref = ssvep_references([10.0, 12.0], sfreq=250.0, n_times=250, n_harmonics=2)
    >>> ref.shape
    (2, 4, 250)
    >>> abs(round(float(ref[0, 0, 25]), 6)), float(ref[0, 1, 0])   # sin(2 pi 10 Hz 0.1 s), cos 0
    (0.0, 1.0)
    """
    freqs = np.atleast_1d(np.asarray(frequencies, dtype=np.float64))
    if freqs.ndim != 1 or freqs.size == 0 or not np.all(np.isfinite(freqs)) \
            or np.any(freqs <= 0):
        raise ConfigError("bad stimulus frequencies", field="frequencies",
                          expected="a 1-D sequence of positive frequencies (Hz)",
                          found=repr(frequencies))
    sfreq = _positive(sfreq, "sfreq", "Hz")
    n_times = _integer(n_times, "n_times", 1)
    n_harmonics = _integer(n_harmonics, "n_harmonics", 1)
    phis = np.zeros_like(freqs) if phases is None else np.asarray(phases, dtype=np.float64)
    if phis.shape != freqs.shape or not np.all(np.isfinite(phis)):
        raise ConfigError("phases do not match the frequencies", field="phases",
                          expected=f"{freqs.size} finite phases (rad)", found=repr(phases))
    t = np.arange(n_times) / sfreq
    h = np.arange(1, n_harmonics + 1)[None, :, None]
    arg = 2 * np.pi * h * freqs[:, None, None] * t + h * phis[:, None, None]   # (K, H, T)
    out = np.empty((freqs.size, 2 * n_harmonics, n_times))
    out[:, 0::2] = np.sin(arg)
    out[:, 1::2] = np.cos(arg)
    return out


def fbcca_weights(n_subbands: int, a: float = 1.25, b: float = 0.25) -> np.ndarray:
    r"""Weights :math:`w(m) = m^{-a} + b`, :math:`m = 1 .. M`, of the FBCCA sub-bands.

    Chen et al. (2015) chose :math:`a = 1.25`, :math:`b = 0.25` by grid search: lower sub-bands
    (which hold the fundamental) weigh more, higher ones still count.

    Examples
    --------
    >>> fbcca_weights(3).round(4).tolist()
    [1.25, 0.6704, 0.5033]
    """
    m = np.arange(1, _integer(n_subbands, "n_subbands", 1) + 1, dtype=np.float64)
    return m ** (-float(a)) + float(b)


def filter_bank(
    X: ArrayLike,
    sfreq: float,
    n_subbands: int = 5,
    low_hz: float = 8.0,
    step_hz: float = 8.0,
    high_hz: float = 88.0,
    order: int | None = None,
    ripple_db: float = 0.5,
) -> np.ndarray:
    r"""Split signals into sub-bands ``[low_hz + m * step_hz, high_hz]`` Hz, ``m = 0 .. M-1``.

    Zero-phase (forward-backward, :func:`scipy.signal.sosfiltfilt`) Chebyshev type-I band-pass
    filters, as in the filter-bank SSVEP methods: every sub-band keeps the harmonics above its
    lower edge, so sub-band :math:`m` sees the harmonics of the targets from the
    :math:`m`-th on.

    * ``order=None`` (FBCCA, Chen et al. 2015): the order is the smallest meeting a 3 dB
      passband ``[lo, high]`` and a 40 dB stopband outside ``[lo - 2, high + 10]`` Hz
      (:func:`scipy.signal.cheb1ord`), passband ripple ``ripple_db`` (0.5 dB).
    * ``order=n``: a fixed prototype order ``n`` with ripple ``ripple_db`` at the passband
      edges. Guney et al. (2021) use ``order=1`` (a 2nd-order band-pass), ``ripple_db=1``,
      ``high_hz=90``.

    The edge padding of the forward-backward pass is shortened to ``n_times - 1`` samples for
    short windows.

    Parameters
    ----------
    X : array-like, shape (..., n_times)
        Signals, time last.
    sfreq : float
        Sampling rate, Hz; ``high_hz`` must lie below ``sfreq / 2``.
    n_subbands : int, default 5
    low_hz, step_hz, high_hz : float, default 8, 8, 88
        Lower edge of the first sub-band, step between lower edges, common upper edge (Hz).
    order : int, optional
        Prototype filter order (see above); None designs it from the band edges.
    ripple_db : float, default 0.5
        Passband ripple, dB.

    Returns
    -------
    numpy.ndarray, shape (..., n_subbands, n_times)
        The sub-band signals; note the sub-band axis sits just before time, so epochs
        ``(n_trials, n_chans, n_times)`` give ``(n_trials, n_chans, n_subbands, n_times)``.
        :class:`FBCCA` and the DNN move it to ``(n_trials, n_subbands, n_chans, n_times)``.

    Raises
    ------
    neurokit.errors.ConfigError
        Sub-band edges that are not ``0 < low < high < sfreq / 2``.

    Examples
    --------
    >>> t = np.arange(250) / 250.0
    >>> x = np.sin(2 * np.pi * 10 * t) + np.sin(2 * np.pi * 30 * t)
    >>> sub = filter_bank(x, sfreq=250.0, n_subbands=3)
    >>> sub.shape
    (3, 250)
    >>> amp = lambda s, f: float(2 * abs(np.mean(s * np.exp(-2j * np.pi * f * t))))
    >>> [round(amp(s, 10), 1) for s in sub], [round(amp(s, 30), 1) for s in sub]
    ([1.0, 0.0, 0.0], [1.0, 0.9, 0.9])
    """
    x = np.asarray(X, dtype=np.float64)
    if x.ndim < 1 or x.shape[-1] < 2:
        raise SchemaError("signals too short to filter", field="X",
                          expected="time as the last axis, >= 2 samples", found=str(x.shape))
    sos_list = _design_filter_bank(sfreq, n_subbands, low_hz, step_hz, high_hz, order,
                                   ripple_db)
    n_times = x.shape[-1]
    out = np.empty((*x.shape[:-1], len(sos_list), n_times))
    for m, sos in enumerate(sos_list):
        default = 3 * (2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()),
                                              int((sos[:, 5] == 0).sum())))
        out[..., m, :] = sps.sosfiltfilt(sos, x, axis=-1, padlen=min(default, n_times - 1))
    return out


def _design_filter_bank(sfreq: float, n_subbands: int, low_hz: float, step_hz: float,
                        high_hz: float, order: int | None,
                        ripple_db: float) -> list[np.ndarray]:
    sfreq = _positive(sfreq, "sfreq", "Hz")
    n_subbands = _integer(n_subbands, "n_subbands", 1)
    nyq = sfreq / 2
    lows = float(low_hz) + float(step_hz) * np.arange(n_subbands)
    high = float(high_hz)
    if not (np.all(np.isfinite(lows)) and lows.min() > 0 and lows.max() < high < nyq):
        raise ConfigError("bad sub-band edges", field="high_hz",
                          expected=f"0 < low_hz + m * step_hz < high_hz < sfreq / 2 = {nyq} Hz",
                          found=f"lower edges {lows.tolist()} Hz, upper {high} Hz")
    if order is not None:
        order = _integer(order, "order", 1)
    ripple_db = _positive(ripple_db, "ripple_db", "dB")
    sos_list = []
    for lo in lows:
        if order is None:
            stop = [max(lo - 2.0, lo / 2.0), min(high + 10.0, (high + nyq) / 2.0)]
            n, wn = sps.cheb1ord([lo, high], stop, gpass=3, gstop=40, fs=sfreq)
            sos = sps.cheby1(n, ripple_db, wn, btype="bandpass", output="sos", fs=sfreq)
        else:
            sos = sps.cheby1(order, ripple_db, [lo, high], btype="bandpass", output="sos",
                             fs=sfreq)
        sos_list.append(sos)
    return sos_list


def _max_canonical_correlations(x: np.ndarray, refs: np.ndarray) -> np.ndarray:
    r"""Largest canonical correlation of every signal block with every reference set.

    Parameters
    ----------
    x : numpy.ndarray, shape (..., n_chans, n_times)
    refs : numpy.ndarray, shape (n_targets, n_refs, n_times)

    Returns
    -------
    numpy.ndarray, shape (..., n_targets)

    Notes
    -----
    With centred :math:`X = Q_X R_X` and :math:`Y = Q_Y R_Y` (thin QR, full column rank), the
    canonical correlations are the singular values of :math:`Q_X^\top Q_Y` (Björck & Golub
    1973): one batched QR per signal block, one per reference set, one batched small SVD.
    """
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = refs - refs.mean(axis=-1, keepdims=True)
    qx = np.linalg.qr(np.swapaxes(xc, -1, -2))[0]                 # (..., T, C)
    qy = np.linalg.qr(np.swapaxes(yc, -1, -2))[0]                 # (K, T, R)
    batch, (n_times, n_chans), (n_targets, _, n_refs) = qx.shape[:-2], qx.shape[-2:], qy.shape
    # one GEMM: (B * C, T) @ (T, K * R), then (B, C, K, R) -> (B, K, C, R)
    m = np.swapaxes(qx.reshape(-1, n_times, n_chans), 1, 2).reshape(-1, n_times) \
        @ np.moveaxis(qy, 1, 0).reshape(n_times, n_targets * n_refs)
    m = m.reshape(-1, n_chans, n_targets, n_refs).transpose(0, 2, 1, 3)
    rho = np.linalg.svd(m, compute_uv=False)[..., 0].reshape(*batch, n_targets)
    return np.clip(rho, 0.0, 1.0)


class FBCCA(ClassifierMixin, BaseEstimator):
    r"""Filter-bank canonical correlation analysis (Chen et al. 2015): training-free SSVEP decoder.

    For a trial :math:`X` (channels x time) and every target :math:`k`:

    1. split :math:`X` into :math:`M` sub-bands :math:`X_m` (:func:`filter_bank`, sub-band
       :math:`m` spanning ``[low_hz + (m-1) step_hz, high_hz]`` = 8m .. 88 Hz by default);
    2. :math:`\rho_{m,k}` = largest canonical correlation between :math:`X_m` and the
       sine/cosine references :math:`Y_k` of target :math:`k` (:func:`ssvep_references`,
       :math:`H` harmonics);
    3. score :math:`\tilde\rho_k = \sum_m w(m)\, \rho_{m,k}^2` with
       :math:`w(m) = m^{-a} + b` (:func:`fbcca_weights`);
    4. predict :math:`\arg\max_k \tilde\rho_k`.

    The canonical correlations of all trials, sub-bands and targets come from one batched QR
    and one batched small SVD (no loop over trials or targets).

    Parameters
    ----------
    frequencies : sequence of float
        Stimulus frequency of each target, Hz.
    sfreq : float, optional
        Sampling rate, Hz; default: ``attrs["sampling_rate"]`` of the DataArray given to
        ``fit``.
    phases : sequence of float, optional
        Stimulus phases, rad (stored with the references; CCA ignores them).
    classes : sequence, optional
        Label of each target, in the order of ``frequencies`` (default ``0 .. n_targets-1``).
    n_harmonics : int, default 5
    n_subbands : int, default 5
    low_hz, step_hz, high_hz : float, default 8, 8, 88
        Sub-band edges (Hz), see :func:`filter_bank`.
    filter_order : int, optional
        Fixed Chebyshev prototype order; None (default) designs it from the band edges as
        Chen et al. did.
    a, b : float, default 1.25, 0.25
        Sub-band weights :math:`w(m) = m^{-a} + b`.

    Attributes
    ----------
    classes_ : numpy.ndarray, shape (n_targets,)
    frequencies_ : numpy.ndarray, shape (n_targets,)
    weights_ : numpy.ndarray, shape (n_subbands,)
    sfreq_ : float

    Notes
    -----
    ``fit`` learns nothing from the signals (FBCCA needs no calibration): it checks the
    parameters, fixes the sampling rate, and checks that the labels of ``y`` (if given) are
    among ``classes``. Inputs are ``(n_trials, n_chans, n_times)`` arrays or DataArrays with
    dims ``trial``, ``channel``, ``time``; windows need more samples than channels and than
    ``2 * n_harmonics``.

    Examples
    --------
    >>> from neurokit.datasets.ssvep import simulate_ssvep
    >>> data = simulate_ssvep(n_targets=4, n_subjects=1, n_blocks=2, snr_db=-5, seed=1)
    >>> clf = FBCCA(frequencies=data.attrs["frequencies"], n_subbands=3).fit(data)
    >>> clf.score(data, data.label.values)
    1.0
    >>> clf.decision_function(data).shape
    (8, 4)
    """

    def __init__(
        self,
        frequencies: Sequence[float],
        sfreq: float | None = None,
        phases: Sequence[float] | None = None,
        classes: Sequence[Any] | None = None,
        n_harmonics: int = 5,
        n_subbands: int = 5,
        low_hz: float = 8.0,
        step_hz: float = 8.0,
        high_hz: float = 88.0,
        filter_order: int | None = None,
        a: float = 1.25,
        b: float = 0.25,
    ) -> None:
        self.frequencies = frequencies
        self.sfreq = sfreq
        self.phases = phases
        self.classes = classes
        self.n_harmonics = n_harmonics
        self.n_subbands = n_subbands
        self.low_hz = low_hz
        self.step_hz = step_hz
        self.high_hz = high_hz
        self.filter_order = filter_order
        self.a = a
        self.b = b

    def fit(self, X: Any = None, y: ArrayLike | None = None) -> FBCCA:
        """Check parameters and labels, fix the sampling rate (no training).

        Parameters
        ----------
        X : array-like or xarray.DataArray, shape (n_trials, n_chans, n_times), optional
            Only read for its ``sampling_rate`` attr when ``sfreq`` is None.
        y : array-like, shape (n_trials,), optional
            Labels; each must be one of ``classes``.

        Returns
        -------
        self
        """
        freqs = np.asarray(self.frequencies, dtype=np.float64)
        if freqs.ndim != 1 or freqs.size < 2 or len(np.unique(freqs)) != freqs.size:
            raise ConfigError("bad stimulus frequencies", field="frequencies",
                              expected="at least 2 distinct frequencies (Hz)",
                              found=repr(self.frequencies))
        ssvep_references(freqs, 1000.0, 2, 1, self.phases)       # validates values, phases
        classes = np.arange(freqs.size) if self.classes is None else np.asarray(self.classes)
        if classes.shape != freqs.shape or len(np.unique(classes)) != freqs.size:
            raise ConfigError("classes do not match the frequencies", field="classes",
                              expected=f"{freqs.size} distinct labels, one per frequency",
                              found=repr(self.classes))
        self.sfreq_ = _sampling_rate(self.sfreq, X)
        _design_filter_bank(self.sfreq_, self.n_subbands, self.low_hz, self.step_hz,
                            self.high_hz, self.filter_order, 0.5)
        if _integer(self.n_harmonics, "n_harmonics", 1) * freqs.max() >= self.sfreq_ / 2:
            raise ConfigError("reference harmonics above the Nyquist frequency",
                              field="n_harmonics",
                              expected=f"n_harmonics * max(frequencies) < {self.sfreq_ / 2} Hz",
                              found=f"{self.n_harmonics} x {freqs.max()} Hz")
        if y is not None:
            unknown = np.setdiff1d(np.asarray(y), classes)
            if unknown.size:
                raise SchemaError("labels that are no target", field="y",
                                  expected=f"labels among {classes.tolist()}",
                                  found=f"{unknown.tolist()[:5]}")
        self.classes_ = classes
        self.frequencies_ = freqs
        self.phases_ = None if self.phases is None else np.asarray(self.phases, float)
        self.weights_ = fbcca_weights(self.n_subbands, self.a, self.b)
        return self

    def canonical_correlations(self, X: Any) -> np.ndarray:
        r"""Largest canonical correlation :math:`\rho_{m,k}` per trial, sub-band and target.

        Parameters
        ----------
        X : array-like or xarray.DataArray, shape (n_trials, n_chans, n_times)

        Returns
        -------
        numpy.ndarray, shape (n_trials, n_subbands, n_targets)
        """
        self._check_is_fitted()
        x = _as_epochs(X, self.sfreq_)
        n_chans, n_times = x.shape[1:]
        n_refs = 2 * int(self.n_harmonics)
        if n_times <= max(n_chans, n_refs):
            raise SchemaError("window too short for CCA", field="X",
                              expected=f"more samples than channels ({n_chans}) and than "
                                       f"reference signals ({n_refs})",
                              found=f"{n_times} samples")
        sub = np.swapaxes(filter_bank(x, self.sfreq_, self.n_subbands, self.low_hz,
                                      self.step_hz, self.high_hz, self.filter_order), 1, 2)
        refs = ssvep_references(self.frequencies_, self.sfreq_, n_times, self.n_harmonics,
                                self.phases_)
        return _max_canonical_correlations(sub, refs)

    def decision_function(self, X: Any) -> np.ndarray:
        r"""Weighted scores :math:`\sum_m w(m) \rho_{m,k}^2`, shape (n_trials, n_targets)."""
        rho = self.canonical_correlations(X)
        return np.einsum("m,nmk->nk", self.weights_, rho**2)

    def predict(self, X: Any) -> np.ndarray:
        """Label of the best-scoring target of each trial, shape (n_trials,)."""
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    def _check_is_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this FBCCA is not fitted yet; call fit first")


# -- shared input handling (also used by neurokit.decoding.ssvep_net) ----------------------
def _as_epochs(X: Any, sfreq: float | None = None) -> np.ndarray:
    """Epochs as a float64 array ``(n_trials, n_chans, n_times)``, checked for NaN/flat channels.

    A DataArray is transposed to ``("trial", "channel", "time")``; its ``sampling_rate`` attr,
    when present, must equal ``sfreq``.
    """
    import xarray as xr

    names: Sequence[Any] | None = None
    if isinstance(X, xr.DataArray):
        missing = {"trial", "channel", "time"} - set(X.dims)
        if missing or X.ndim != 3:
            raise SchemaError("epochs need dims trial, channel, time", field="X",
                              expected="dims ('trial', 'channel', 'time')", found=str(X.dims))
        rate = X.attrs.get("sampling_rate")
        if sfreq is not None and rate is not None and not np.isclose(float(rate), sfreq):
            raise SchemaError("sampling rate differs from the fitted one",
                              field="X.attrs['sampling_rate']", expected=f"{sfreq} Hz",
                              found=f"{rate} Hz")
        if "channel" in X.coords:
            names = list(X.coords["channel"].values)
        X = X.transpose("trial", "channel", "time").values
    x = np.asarray(X, dtype=np.float64)
    if x.ndim != 3 or 0 in x.shape:
        raise SchemaError("epochs must be a non-empty 3-D array", field="X",
                          expected="shape (n_trials, n_chans, n_times)", found=str(x.shape))
    bad = ~np.isfinite(x)
    if bad.any():
        trial, chan = np.argwhere(bad)[0][:2]
        name = names[chan] if names is not None else chan
        raise InvalidValueError("non-finite samples", field=f"X[trial {trial}, channel {name}]",
                                expected="finite values",
                                found=f"{int(bad.sum())} NaN/inf samples")
    flat = np.ptp(x, axis=-1) == 0
    if flat.any():
        trial, chan = np.argwhere(flat)[0]
        name = names[chan] if names is not None else chan
        raise InvalidValueError("flat channel", field=f"X[trial {trial}, channel {name}]",
                                expected="a varying signal",
                                found=f"constant in {int(flat.sum())} trial-channel pairs")
    return x


def _sampling_rate(sfreq: float | None, X: Any) -> float:
    if sfreq is not None:
        return _positive(sfreq, "sfreq", "Hz")
    rate = getattr(X, "attrs", {}).get("sampling_rate") if X is not None else None
    if rate is None:
        raise ConfigError("unknown sampling rate", field="sfreq",
                          expected="sfreq=... or a DataArray with attrs['sampling_rate']",
                          found="neither")
    return _positive(rate, "sampling_rate", "Hz")


def _positive(value: Any, field: str, unit: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not (np.isfinite(v) and v > 0):
        raise ConfigError(f"bad {field}", field=field, expected=f"a finite number > 0 {unit}",
                          found=repr(value))
    return v


def _integer(value: Any, field: str, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise ConfigError(f"bad {field}", field=field, expected=f"an integer >= {lo}",
                          found=repr(value))
    return int(value)
