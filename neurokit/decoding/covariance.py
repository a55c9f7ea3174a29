"""Covariance matrices of M/EEG epochs, estimated for all trials at once.

The Riemannian decoders (:mod:`neurokit.decoding.riemannian`) start from one spatial covariance
matrix per trial. pyRiemann's :class:`pyriemann.estimation.Covariances` calls a scikit-learn
estimator once per trial (input validation, a copy and a centring per call); here every trial
goes through one batched matrix product and the shrinkage intensities are computed in closed
form for all trials together, giving the same matrices (to ~1e-12, the tests check 1e-10).

Estimators (``X`` centred per channel and trial unless ``assume_centered``; ``T`` samples,
``p`` channels; ``S = X X^T / T``; ``mu = tr(S) / p``):

* ``"scm"``: ``S`` (maximum-likelihood normalisation by ``T``; pyRiemann's ``"scm"``).
* ``"cov"``: ``T / (T - 1) * S`` (unbiased; :func:`numpy.cov`, pyRiemann's ``"cov"``).
* ``"shrunk"``: ``(1 - a) S + a mu I`` with a fixed ``a = shrinkage``
  (:class:`sklearn.covariance.ShrunkCovariance`, pyRiemann's ``Shrinkage``).
* ``"oas"``: Oracle Approximating Shrinkage, Chen, Wiesel, Eldar & Hero (2010), IEEE TSP 58(10),
  eq. 23 as scikit-learn writes it: with ``alpha = ||S||_F^2 / p^2``,
  ``a = min(1, (alpha + mu^2) / ((T + 1) (alpha - mu^2 / p)))`` (``a = 1`` when the denominator
  is 0).
* ``"lwf"``: Ledoit & Wolf (2004), J. Multivar. Anal. 88(2), scikit-learn's estimate of the
  optimal intensity: with ``x_t`` the centred sample at time ``t``,
  ``b = (sum_t ||x_t||^4 / T - ||S||_F^2) / (p T)``, ``d = (||S||_F^2 - p mu^2) / p``,
  ``a = min(b, d) / d`` (``a = 0`` when ``min(b, d) = 0``).

Shrinkage pulls every trial's matrix towards ``mu I`` (a scaled identity), which keeps it well
conditioned when ``T`` is not much larger than ``p`` — needed before the matrix logarithms of
the tangent space.

The kernel multiplies a few trials at a time (blocks of ~2 MB that stay in cache);
``numpy.matmul`` of a block with its own transpose runs BLAS ``syrk`` (half the flops of a
general product, exactly symmetric output). Centring is a rank-one correction,
``S = X X^T / T - m m^T`` with ``m`` the channel means, instead of a centred copy of the
epochs (which cost as much as the product itself); where a channel's mean is so large against
its spread that the subtraction would cancel digits (``m^2 > 100`` x its variance, e.g. raw
recordings with a DC offset), that trial is recomputed from explicitly centred samples, so
both paths agree to ~1e-13 of the matrix scale.

Delay embedding (``order``, ``lag``) builds the augmented signal of the augmented covariance
method (Carrara & Papadopoulo, 2024, J. Neural Eng., arXiv:2302.04508): the ``p`` channels
stacked with ``order - 1`` copies shifted by ``lag, 2 lag, ...`` samples, ``p * order`` rows over
the ``T - (order - 1) lag`` samples where all copies exist; its covariance holds the lagged
cross-covariances (the Yule-Walker matrix of an order-``order`` autoregressive model).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import xarray as xr

from neurokit._optional import soft_import
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError

_skbase = soft_import("sklearn.base", "the scikit-learn face of the covariance estimators")

__all__ = [
    "ESTIMATORS",
    "CovarianceEstimator",
    "augmented_covariances",
    "covariances",
    "delay_embed",
]

#: covariance estimators understood by :func:`covariances`
ESTIMATORS: tuple[str, ...] = ("scm", "cov", "shrunk", "oas", "lwf")
Estimator = Literal["scm", "cov", "shrunk", "oas", "lwf"]

#: bytes of epochs centred and multiplied per block (fits in L2/L3 cache)
_BLOCK_BYTES = 2**21
#: a channel whose variance is below this fraction of the trial's median channel variance is flat
_FLAT_RTOL = 1e-12
#: largest ``mean^2 / variance`` of a channel centred by the rank-one correction (beyond it,
#: by an explicitly centred copy: the correction's rounding grows with this ratio)
_RANK_ONE_MAX = 100.0


# --------------------------------------------------------------------------------------------
# input handling shared by the decoders
# --------------------------------------------------------------------------------------------


class Epochs:
    """Epochs as a float64 ``(trial, channel, time)`` array plus what errors and outputs need.

    Internal helper of :mod:`neurokit.decoding` (not exported): built by :func:`as_epochs`.

    Attributes
    ----------
    values : numpy.ndarray, shape (n_trials, n_channels, n_times), float64
    channels : list
        Channel names (coordinate values, or indices for arrays).
    data : xarray.DataArray or None
        The DataArray given (transposed to ``(trial, channel, time)``), None for arrays.
    """

    __slots__ = ("values", "channels", "data")

    def __init__(self, values: np.ndarray, channels: list, data: xr.DataArray | None) -> None:
        self.values = values
        self.channels = channels
        self.data = data

    def coord(self, name: str) -> np.ndarray | None:
        """Values of a ``trial`` coordinate, or None (arrays, or coordinate absent)."""
        if self.data is None or name not in self.data.coords:
            return None
        c = self.data.coords[name]
        if c.dims != ("trial",):
            return None
        return np.asarray(c.values)


def as_epochs(X: Any, *, name: str = "X") -> Epochs:
    """Check epochs and return them as float64 ``(trial, channel, time)``.

    Parameters
    ----------
    X : xarray.DataArray or array-like
        A DataArray with dims ``trial``, ``channel``, ``time`` (any order; transposed), or a
        3-D array ``(n_trials, n_channels, n_times)``.
    name : str
        What ``X`` is, for error messages.

    Returns
    -------
    Epochs

    Raises
    ------
    neurokit.errors.SchemaError
        Not 3-D, missing dims, complex or non-numeric values, fewer than 2 samples.

    Examples
    --------
    >>> ep = as_epochs(np.zeros((4, 3, 10)))
    >>> ep.values.shape, ep.channels
    ((4, 3, 10), [0, 1, 2])
    """
    data = None
    if isinstance(X, xr.DataArray):
        missing = [d for d in ("trial", "channel", "time") if d not in X.dims]
        if missing or X.ndim != 3:
            raise SchemaError(
                f"{name} must be epochs with dims (trial, channel, time)", field=name,
                expected="dims ('trial', 'channel', 'time')", found=f"dims {X.dims}",
            )
        data = X.transpose("trial", "channel", "time")
        values = data.values
        channels = ([_py(c) for c in data.coords["channel"].values] if "channel" in data.coords
                    else list(range(data.sizes["channel"])))
    else:
        values = np.asarray(X)
        if values.ndim != 3:
            raise SchemaError(
                f"{name} must be a 3-D array (trial, channel, time)", field=name,
                expected="shape (n_trials, n_channels, n_times)", found=f"shape {values.shape}",
            )
        channels = list(range(values.shape[1]))
    if values.dtype.kind == "c" or values.dtype.kind not in "biuf":
        raise SchemaError(f"{name} must hold real numbers", field=name,
                          expected="a real floating dtype", found=f"dtype {values.dtype}")
    if values.shape[2] < 2:
        raise SchemaError(f"{name} has too few time samples for a covariance", field=name,
                          expected="at least 2 samples", found=f"{values.shape[2]}")
    if values.shape[0] < 1 or values.shape[1] < 1:
        raise SchemaError(f"{name} is empty", field=name,
                          expected="at least one trial and one channel",
                          found=f"shape {values.shape}")
    values = np.ascontiguousarray(values, dtype=np.float64)
    return Epochs(values, channels, data)


def _py(v: Any) -> Any:
    """A NumPy scalar as the Python scalar it holds (clean reprs in messages)."""
    return v.item() if isinstance(v, np.generic) else v


def labels_of(ep: Epochs, y: Any, *, name: str = "y") -> np.ndarray:
    """Labels given as ``y`` or, when ``y`` is None, the ``label`` coordinate of the epochs.

    Raises
    ------
    neurokit.errors.MissingDataError
        ``y`` is None and there is no ``label`` coordinate on ``trial``.
    neurokit.errors.SchemaError
        ``y`` has not one label per trial.
    """
    if y is None:
        y = ep.coord("label")
        if y is None:
            raise MissingDataError("no labels: pass y or give the epochs a 'label' coordinate",
                                   field="label", expected="a 'label' coordinate on 'trial'",
                                   found="none")
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != ep.values.shape[0]:
        raise SchemaError(f"{name} must hold one label per trial", field=name,
                          expected=f"shape ({ep.values.shape[0]},)", found=f"shape {y.shape}")
    return y


def check_classes(y: np.ndarray, *, min_per_class: int = 2, what: str = "training set") -> None:
    """At least two classes, each with ``min_per_class`` trials.

    Raises
    ------
    neurokit.errors.InvalidValueError
        One class only, or a class with too few trials (the message names the class).
    """
    classes, counts = np.unique(y, return_counts=True)
    if classes.size < 2:
        raise InvalidValueError(f"the {what} holds a single class", field="label",
                                expected="at least 2 classes",
                                found=f"only {classes.tolist()!r}")
    small = counts < min_per_class
    if small.any():
        k = int(np.flatnonzero(small)[0])
        c = _py(classes[k])
        raise InvalidValueError(
            f"class {c!r} has too few trials in the {what}", field="label",
            expected=f"at least {min_per_class} trials per class",
            found=f"{int(counts[k])} trial(s) of class {c!r}",
        )


# --------------------------------------------------------------------------------------------
# the kernel
# --------------------------------------------------------------------------------------------


def _check_params(estimator: str, shrinkage: float, order: int, lag: int) -> None:
    if estimator not in ESTIMATORS:
        raise ConfigError(f"unknown covariance estimator {estimator!r}", field="estimator",
                          expected=f"one of {ESTIMATORS}", found=repr(estimator))
    if not (isinstance(shrinkage, int | float) and 0.0 <= float(shrinkage) <= 1.0):
        raise ConfigError("shrinkage must be a number in [0, 1]", field="shrinkage",
                          expected="0 <= shrinkage <= 1", found=repr(shrinkage))
    for pname, v in (("order", order), ("lag", lag)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ConfigError(f"{pname} must be a positive integer", field=pname,
                              expected="an int >= 1", found=repr(v))


def _block_embed(x: np.ndarray, order: int, lag: int, centre: bool) -> np.ndarray:
    """``(b, p, T)`` block -> centred delay-embedded ``(b, p * order, T - (order - 1) lag)``."""
    b, p, t = x.shape
    if order == 1:
        return x - x.mean(axis=-1, keepdims=True) if centre else x
    n = t - (order - 1) * lag
    out = np.empty((b, p * order, n))
    for k in range(order):
        seg = x[:, :, k * lag:k * lag + n]
        dst = out[:, k * p:(k + 1) * p]
        if centre:
            np.subtract(seg, seg.mean(axis=-1, keepdims=True), out=dst)
        else:
            dst[...] = seg
    return out


def _raise_bad_channels(diag: np.ndarray, channels: Sequence[Hashable], order: int) -> None:
    """Raise on NaN/inf or zero-variance channels, found from the diagonals ``(n, p * order)``."""
    p = len(channels)
    bad = ~np.isfinite(diag)
    if bad.any():
        trials, rows = np.nonzero(bad)
        ch = channels[int(rows[0]) % p]
        n_bad = int(np.unique(trials[rows % p == rows[0] % p]).size)
        raise InvalidValueError(
            f"channel {ch!r} holds NaN/inf values", field="channel",
            expected="finite samples in every trial",
            found=f"non-finite values in {n_bad} trial(s), first trial index {int(trials[0])}",
        )
    ref = np.median(diag, axis=1, keepdims=True)
    flat = diag <= _FLAT_RTOL * ref
    if flat.any():
        trials, rows = np.nonzero(flat)
        ch = channels[int(rows[0]) % p]
        same = rows % p == rows[0] % p
        n_flat = int(np.unique(trials[same]).size)
        raise InvalidValueError(
            f"channel {ch!r} is flat (zero variance)", field="channel",
            expected="a channel with non-zero variance in every trial (drop or interpolate it)",
            found=f"zero variance in {n_flat} trial(s), first trial index {int(trials[0])}",
        )


def _centre_rank_one(S: np.ndarray, means: np.ndarray, X: np.ndarray) -> None:
    """``S <- S - m m^T`` in place (``S = X X^T / T`` uncentred, ``m`` the channel means).

    Trials where a channel's ``m^2`` exceeds ``_RANK_ONE_MAX`` times its variance (which
    includes a flat channel at a non-zero offset) are recomputed from centred samples instead,
    so that the subtraction never cancels more than ~2 digits.
    """
    S -= means[:, :, None] * means[:, None, :]
    var = np.diagonal(S, axis1=1, axis2=2)
    lossy = np.flatnonzero(np.any(~(var * _RANK_ONE_MAX >= means**2) & np.isfinite(var),
                                  axis=1))
    if lossy.size:
        xc = X[lossy] - means[lossy, :, None]
        S[lossy] = np.matmul(xc, xc.transpose(0, 2, 1)) / X.shape[-1]


def _covariance_kernel(
    X: np.ndarray,
    channels: Sequence[Hashable],
    *,
    estimator: str,
    shrinkage: float = 0.1,
    assume_centered: bool = False,
    order: int = 1,
    lag: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Covariances ``(n, q, q)`` and shrinkage intensities ``(n,)`` of float64 epochs ``X``."""
    n, p, t = X.shape
    n_samples = t - (order - 1) * lag
    q = p * order
    if n_samples < 2:
        raise InvalidValueError(
            "epochs too short for this delay embedding", field="lag",
            expected=f"(order - 1) * lag < n_times - 1 = {t - 1}",
            found=f"order={order}, lag={lag}",
        )
    S = np.empty((n, q, q))
    need_sq = estimator == "lwf"
    sq = np.empty((n, n_samples)) if need_sq else None
    # centring by a rank-one correction (no centred copy) where the samples are used as they are
    rank_one = order == 1 and not need_sq and not assume_centered
    means, ones = (np.empty((n, p)), np.ones(t)) if rank_one else (None, None)
    step = max(1, _BLOCK_BYTES // (q * n_samples * 8))
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf are reported just below
        for i0 in range(0, n, step):
            if rank_one:
                xb = X[i0:i0 + step]
                np.matmul(xb, ones, out=means[i0:i0 + step])
            else:
                xb = _block_embed(X[i0:i0 + step], order, lag, centre=not assume_centered)
            np.matmul(xb, xb.transpose(0, 2, 1), out=S[i0:i0 + step])
            if need_sq:
                np.einsum("nct,nct->nt", xb, xb, out=sq[i0:i0 + step])
        S /= n_samples
        if rank_one:
            _centre_rank_one(S, means / n_samples, X)
    diag = np.diagonal(S, axis1=1, axis2=2)
    _raise_bad_channels(diag, channels, order)

    a = np.zeros(n)
    if estimator == "scm":
        return S, a
    if estimator == "cov":
        S *= n_samples / (n_samples - 1.0)
        return S, a
    mu = diag.sum(axis=1) / q
    if estimator == "shrunk":
        a[:] = shrinkage
    elif q == 1:  # one feature: every shrinkage gives the same matrix; scikit-learn reports 0
        return S, a
    elif estimator == "oas":
        alpha = np.einsum("nij,nij->n", S, S) / q**2
        num = alpha + mu**2
        den = (n_samples + 1.0) * (alpha - mu**2 / q)
        ratio = np.divide(num, den, out=np.ones(n), where=den != 0)
        a = np.where(den == 0, 1.0, np.minimum(ratio, 1.0))
    else:  # lwf
        delta_ = np.einsum("nij,nij->n", S, S)
        beta_ = np.einsum("nt,nt->n", sq, sq)
        beta = (beta_ / n_samples - delta_) / (q * n_samples)
        delta = (delta_ - 2.0 * mu * diag.sum(axis=1) + q * mu**2) / q
        beta = np.minimum(beta, delta)
        a = np.divide(beta, delta, out=np.zeros(n), where=(beta != 0) & (delta != 0))
    S *= (1.0 - a)[:, None, None]
    idx = np.arange(q)
    S[:, idx, idx] += (a * mu)[:, None]
    return S, a


def _embedded_names(channels: Sequence[Hashable], order: int, lag: int) -> list:
    if order == 1:
        return list(channels)
    return [f"{c}[+{k * lag}]" for k in range(order) for c in channels]


def _wrap(C: np.ndarray, a: np.ndarray, ep: Epochs, *, estimator: str, order: int,
          lag: int) -> xr.DataArray:
    names = _embedded_names(ep.channels, order, lag)
    coords: dict[str, Any] = {"channel_i": names, "channel_j": names, "shrinkage": ("trial", a)}
    attrs: dict[str, Any] = {"estimator": estimator, "order": order, "lag": lag}
    if ep.data is not None:
        for k, c in ep.data.coords.items():
            if c.dims == ("trial",):
                coords[k] = ("trial", c.values)
        units = ep.data.attrs.get("units")
        if units:
            attrs["units"] = f"({units})^2"
        for k in ("sampling_rate", "source_file", "session_id", "subject_id"):
            if k in ep.data.attrs:
                attrs[k] = ep.data.attrs[k]
    return xr.DataArray(C, dims=("trial", "channel_i", "channel_j"), coords=coords,
                        attrs=attrs, name="covariance")


# --------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------


def covariances(
    X: xr.DataArray | np.ndarray,
    estimator: Estimator = "oas",
    *,
    shrinkage: float = 0.1,
    assume_centered: bool = False,
) -> xr.DataArray:
    """Spatial covariance matrix of every trial, all trials in one batched computation.

    Parameters
    ----------
    X : xarray.DataArray or numpy.ndarray
        Epochs ``(trial, channel, time)`` (a DataArray's dims in any order), any units.
    estimator : {"oas", "lwf", "scm", "cov", "shrunk"}, default "oas"
        See the module docstring for the formulas. Each gives the matrices of pyRiemann's
        ``Covariances(estimator)`` (``"shrunk"``: ``Covariances("scm")`` then
        ``Shrinkage(shrinkage)``).
    shrinkage : float, default 0.1
        Fixed intensity of ``"shrunk"`` (ignored otherwise), in [0, 1].
    assume_centered : bool, default False
        Do not subtract each channel's mean over the trial (data known to be zero-mean).

    Returns
    -------
    xarray.DataArray
        ``(trial, channel_i, channel_j)`` float64 in the squared units of ``X``
        (``attrs["units"]``), symmetric positive (semi-)definite; the trial coordinates of ``X``
        are kept, ``shrinkage`` (trial) holds each trial's intensity (0 for ``scm``/``cov``),
        ``attrs["estimator"]`` the estimator.

    Raises
    ------
    neurokit.errors.SchemaError
        ``X`` is not ``(trial, channel, time)``.
    neurokit.errors.ConfigError
        Unknown estimator, shrinkage outside [0, 1].
    neurokit.errors.InvalidValueError
        NaN/inf in a channel, or a flat (zero-variance) channel: the message names the channel,
        the number of trials and the first one.

    See Also
    --------
    augmented_covariances : covariances of the delay-embedded signal.
    CovarianceEstimator : the same as a scikit-learn transformer.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> C = covariances(rng.normal(size=(20, 4, 100)), "oas")
    >>> C.dims, C.shape
    (('trial', 'channel_i', 'channel_j'), (20, 4, 4))
    >>> bool((C.shrinkage > 0).all()) and bool(np.allclose(C, C.transpose(..., "channel_i")))
    True
    """
    _check_params(estimator, shrinkage, 1, 1)
    ep = as_epochs(X)
    C, a = _covariance_kernel(ep.values, ep.channels, estimator=estimator, shrinkage=shrinkage,
                              assume_centered=assume_centered)
    return _wrap(C, a, ep, estimator=estimator, order=1, lag=1)


def augmented_covariances(
    X: xr.DataArray | np.ndarray,
    order: int,
    lag: int,
    estimator: Estimator = "oas",
    *,
    shrinkage: float = 0.1,
    assume_centered: bool = False,
) -> xr.DataArray:
    """Covariances of the delay-embedded epochs (the augmented covariance matrices, ACM).

    With ``x(t)`` the ``p`` channels, the augmented signal is
    ``z(t) = [x(t); x(t + lag); ...; x(t + (order - 1) lag)]`` for
    ``t = 0 .. T - (order - 1) lag - 1`` (:func:`delay_embed`); its covariance
    ``(p * order, p * order)`` holds the lag-``k * lag`` cross-covariances in block ``(i, j)``,
    ``|i - j| = k`` (Carrara & Papadopoulo, 2024, arXiv:2302.04508). Computed block of trials
    by block of trials, so the ``order``-times larger embedded signal is never held for all
    trials at once. Each delayed copy is centred on its own window, as if :func:`delay_embed`'s
    output were given to :func:`covariances`.

    Parameters
    ----------
    X : xarray.DataArray or numpy.ndarray
        Epochs ``(trial, channel, time)``.
    order : int
        Embedding dimension (number of stacked copies, 1 = plain covariance).
    lag : int
        Delay between copies, in samples.
    estimator, shrinkage, assume_centered
        As in :func:`covariances`.

    Returns
    -------
    xarray.DataArray
        ``(trial, channel_i, channel_j)`` with ``p * order`` rows, named ``"<channel>[+<k lag>]"``
        for the copy delayed by ``k * lag`` samples; ``attrs["order"]``, ``attrs["lag"]``.

    Raises
    ------
    neurokit.errors.InvalidValueError
        ``(order - 1) * lag`` leaves fewer than 2 samples; NaN/inf or flat channels.
    neurokit.errors.ConfigError
        ``order``/``lag`` not positive integers, unknown estimator.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> C = augmented_covariances(rng.normal(size=(10, 3, 200)), order=4, lag=2)
    >>> C.shape, str(C.channel_i.values[3])
    ((10, 12, 12), '0[+2]')
    """
    _check_params(estimator, shrinkage, order, lag)
    ep = as_epochs(X)
    C, a = _covariance_kernel(ep.values, ep.channels, estimator=estimator, shrinkage=shrinkage,
                              assume_centered=assume_centered, order=int(order), lag=int(lag))
    return _wrap(C, a, ep, estimator=estimator, order=int(order), lag=int(lag))


def delay_embed(X: xr.DataArray | np.ndarray, order: int, lag: int) -> np.ndarray:
    """Stack the epochs with ``order - 1`` delayed copies of themselves.

    Parameters
    ----------
    X : xarray.DataArray or numpy.ndarray
        Epochs ``(trial, channel, time)``, ``T`` samples.
    order : int
        Number of copies (embedding dimension), >= 1.
    lag : int
        Delay between consecutive copies, in samples, >= 1.

    Returns
    -------
    numpy.ndarray
        ``(n_trials, n_channels * order, T - (order - 1) * lag)`` float64: rows
        ``k * p .. (k + 1) * p - 1`` hold ``x(t + k * lag)``. (MOABB's ``AugmentedDataset`` drops
        one more ``lag`` samples at the end; the covariance it gives differs only in that.)

    Examples
    --------
    >>> delay_embed(np.arange(6.0).reshape(1, 1, 6), order=3, lag=2)
    array([[[0., 1.],
            [2., 3.],
            [4., 5.]]])
    """
    _check_params("scm", 0.0, order, lag)
    ep = as_epochs(X)
    if ep.values.shape[2] - (order - 1) * lag < 1:
        raise InvalidValueError("epochs too short for this delay embedding", field="lag",
                                expected=f"(order - 1) * lag < n_times = {ep.values.shape[2]}",
                                found=f"order={order}, lag={lag}")
    return _block_embed(ep.values, int(order), int(lag), centre=False)


class CovarianceEstimator(_skbase.TransformerMixin, _skbase.BaseEstimator):
    """Scikit-learn transformer: epochs ``(trial, channel, time)`` -> covariance matrices.

    The first step of the Riemannian pipelines; a drop-in for pyRiemann's
    ``Covariances(estimator)`` (same matrices) that estimates all trials at once, with optional
    delay embedding (``order``, ``lag``) for the augmented covariance method.

    Parameters
    ----------
    estimator : {"oas", "lwf", "scm", "cov", "shrunk"}, default "oas"
        See :func:`covariances`.
    shrinkage : float, default 0.1
        Intensity of ``"shrunk"``.
    assume_centered : bool, default False
        Skip the per-trial centring.
    order : int, default 1
        Embedding dimension (1: plain spatial covariance). See :func:`augmented_covariances`.
    lag : int, default 1
        Delay between embedded copies, in samples.

    Attributes
    ----------
    n_channels_ : int
        Channels seen in ``fit`` (``transform`` checks the same number).
    channels_ : list
        Their names (indices for arrays).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> CovarianceEstimator("lwf").fit_transform(rng.normal(size=(5, 3, 50))).shape
    (5, 3, 3)
    """

    def __init__(self, estimator: Estimator = "oas", shrinkage: float = 0.1,
                 assume_centered: bool = False, order: int = 1, lag: int = 1) -> None:
        self.estimator = estimator
        self.shrinkage = shrinkage
        self.assume_centered = assume_centered
        self.order = order
        self.lag = lag

    def fit(self, X: xr.DataArray | np.ndarray, y: Any = None) -> CovarianceEstimator:
        """Check the parameters and remember the channels; nothing is learnt.

        Parameters
        ----------
        X : xarray.DataArray or numpy.ndarray
            Epochs ``(trial, channel, time)``.
        y : ignored

        Returns
        -------
        self
        """
        _check_params(self.estimator, self.shrinkage, self.order, self.lag)
        ep = as_epochs(X)
        self.n_channels_ = ep.values.shape[1]
        self.channels_ = ep.channels
        return self

    def transform(self, X: xr.DataArray | np.ndarray) -> np.ndarray:
        """Covariance matrices.

        Parameters
        ----------
        X : xarray.DataArray or numpy.ndarray
            Epochs ``(trial, channel, time)``.

        Returns
        -------
        numpy.ndarray
            ``(n_trials, n_channels * order, n_channels * order)`` float64.
        """
        if not hasattr(self, "n_channels_"):
            raise _not_fitted(self)
        _check_params(self.estimator, self.shrinkage, self.order, self.lag)
        ep = as_epochs(X)
        if ep.values.shape[1] != self.n_channels_:
            raise SchemaError("epochs have another number of channels than in fit",
                              field="channel", expected=f"{self.n_channels_} channels",
                              found=f"{ep.values.shape[1]}")
        C, _ = _covariance_kernel(ep.values, ep.channels, estimator=self.estimator,
                                  shrinkage=self.shrinkage, assume_centered=self.assume_centered,
                                  order=int(self.order), lag=int(self.lag))
        return C

    def fit_transform(self, X: xr.DataArray | np.ndarray, y: Any = None, **fit_params: Any
                      ) -> np.ndarray:
        """``fit(X).transform(X)``."""
        return self.fit(X, y).transform(X)


def _not_fitted(est: Any) -> Exception:
    from sklearn.exceptions import NotFittedError

    return NotFittedError(f"this {type(est).__name__} is not fitted yet; call fit first")
