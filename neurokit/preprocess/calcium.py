"""Calcium-imaging traces to dF/F: neuropil subtraction and a running baseline (:func:`dff`)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr
from scipy import ndimage

from neurokit import conventions as cv
from neurokit.errors import InvalidValueError, SchemaError
from neurokit.preprocess._checks import (
    element_label,
    provenance,
    require_all_finite,
    require_dataarray,
    require_finite_scalar,
    require_positive,
    require_sampling_rate,
    require_time_coord,
    source_of,
)
from neurokit.validation import validate

__all__ = ["dff"]


def dff(
    F: xr.DataArray,
    Fneu: xr.DataArray | None = None,
    *,
    neuropil_coef: float = 0.7,
    baseline: Literal["maximin", "percentile"] = "maximin",
    window: float = 60.0,
    percentile: float = 8.0,
    sigma: float = 1.0 / 3.0,
) -> xr.DataArray:
    """dF/F of fluorescence traces, after neuropil subtraction, over a running baseline.

    ``Fc = F - neuropil_coef * Fneu``; ``F0`` is a running baseline of ``Fc`` along ``time``;
    the result is ``(Fc - F0) / F0``. Baselines (sample counts from ``attrs["sampling_rate"]``
    ``fs``, window ``w = max(1, round(window * fs))`` samples, all filters in ``"reflect"`` mode):

    * ``"maximin"`` (suite2p's ``baseline="maximin"``): Gaussian smoothing of ``Fc`` with
      ``sigma * fs`` samples, then a running minimum, then a running maximum, both over ``w``.
      suite2p's default ``sig_baseline=10`` samples is ``sigma = 10 / fs`` here (1/3 s at 30 Hz,
      the default).
    * ``"percentile"``: running ``percentile`` of ``Fc`` over ``w`` samples
      (``scipy.ndimage.percentile_filter``).

    Parameters
    ----------
    F : xarray.DataArray, dims ``("time", roi)`` in any order
        Fluorescence, regularly sampled (``attrs["sampling_rate"]``, Hz). Other dims than
        ``time`` are kept as they are (e.g. ``roi`` with its coordinates).
    Fneu : xarray.DataArray, optional
        Neuropil fluorescence, same dims, sizes and ``time`` as ``F``. Default: no subtraction.
    neuropil_coef : float, default 0.7
        Neuropil scaling factor (suite2p's ``neucoeff``).
    baseline : {"maximin", "percentile"}, default "maximin"
        Baseline estimator (above).
    window : float, default 60.0
        Baseline window, seconds.
    percentile : float, default 8.0
        Percentile (0-100) for ``baseline="percentile"``.
    sigma : float, default 1/3
        Gaussian smoothing width for ``baseline="maximin"``, seconds.

    Returns
    -------
    xarray.DataArray, same dims, shape and coordinates as ``F``
        dF/F (dimensionless), float32 for float32/16-bit input, float64 otherwise.
        ``attrs``: ``units="dF/F"``, ``sampling_rate``, ``neuropil_coef`` (0.0 without
        ``Fneu``), ``baseline``, ``window`` (s) and ``sigma`` (s) or ``percentile``, and the
        provenance attrs of ``F``.

    Raises
    ------
    neurokit.errors.SchemaError
        If ``F`` has no ``time`` dim or sampling rate, or ``Fneu`` does not match ``F``.
    neurokit.errors.InvalidValueError
        On NaN/inf in ``F`` or ``Fneu`` (naming the first bad sample), bad parameters, or a
        baseline ``F0 <= 0`` (naming the ROI and time).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> fs = 10.0
    >>> t = np.arange(600) / fs
    >>> trace = np.full((600, 1), 100.0)
    >>> trace[300:305, 0] = 150.0  # a transient of +50 %
    >>> F = xr.DataArray(trace, dims=("time", "roi"), coords={"time": t, "roi": [0]},
    ...                  attrs={"sampling_rate": fs, "units": "a.u."})
    >>> out = dff(F, window=20.0, sigma=0.0)
    >>> round(float(out.max()), 3), out.attrs["units"]
    (0.5, 'dF/F')
    """
    F = require_dataarray(F, name="F")
    require_time_coord(F, name="F")
    fs = require_sampling_rate(F, name="F")
    require_all_finite(F, name="F")
    window = require_positive(window, name="window")
    neuropil_coef = require_finite_scalar(neuropil_coef, name="neuropil_coef")
    axis = F.get_axis_num(cv.TIME)
    dtype = np.result_type(F.dtype, np.float32)
    corrected = np.asarray(F.values, dtype=dtype)
    if Fneu is not None:
        _require_like(Fneu, F)
        require_all_finite(Fneu, name="Fneu")
        corrected = corrected - neuropil_coef * np.asarray(
            Fneu.transpose(*F.dims).values, dtype=dtype
        )
    else:
        neuropil_coef = 0.0

    w = max(1, round(window * fs))
    params: dict[str, float | str] = {"baseline": baseline, "window": window}
    if baseline == "maximin":
        sigma = require_finite_scalar(sigma, name="sigma")
        if sigma < 0:
            raise InvalidValueError(
                "negative smoothing width",
                field="sigma",
                expected="seconds >= 0",
                found=repr(sigma),
            )
        f0 = _maximin(corrected, sigma * fs, w, axis)
        params["sigma"] = sigma
    elif baseline == "percentile":
        percentile = require_finite_scalar(percentile, name="percentile")
        if not 0.0 <= percentile <= 100.0:
            raise InvalidValueError(
                "percentile out of range",
                field="percentile",
                expected="0 <= percentile <= 100",
                found=repr(percentile),
            )
        size = [1] * corrected.ndim
        size[axis] = w
        f0 = ndimage.percentile_filter(corrected, percentile, size=size, mode="reflect")
        params["percentile"] = percentile
    else:
        raise InvalidValueError(
            "unknown baseline",
            field="baseline",
            expected="'maximin' or 'percentile'",
            found=repr(baseline),
        )
    _require_positive_baseline(f0, F)

    attrs = {
        **provenance(F.attrs),
        cv.UNITS_ATTR: cv.DFF,
        cv.SAMPLING_RATE_ATTR: fs,
        "neuropil_coef": neuropil_coef,
        **params,
    }
    out = F.copy(data=(corrected - f0) / f0)
    out.attrs = attrs
    out.name = "dff"
    return validate(out, source=source_of(F))


def _maximin(values: np.ndarray, sigma: float, window: int, axis: int) -> np.ndarray:
    """suite2p's maximin baseline: Gaussian smoothing, running min, then running max."""
    smooth = values
    if sigma > 0:
        smooth = ndimage.gaussian_filter1d(values, sigma, axis=axis, mode="reflect")
    low = ndimage.minimum_filter1d(smooth, window, axis=axis, mode="reflect")
    return ndimage.maximum_filter1d(low, window, axis=axis, mode="reflect")


def _require_like(Fneu: xr.DataArray, F: xr.DataArray) -> None:
    require_dataarray(Fneu, name="Fneu")
    same = set(Fneu.dims) == set(F.dims) and all(Fneu.sizes[d] == F.sizes[d] for d in F.dims)
    if same and cv.TIME in Fneu.coords:
        same = np.array_equal(Fneu.coords[cv.TIME].values, F.coords[cv.TIME].values)
    if not same:
        raise SchemaError(
            "neuropil traces do not match F",
            path=source_of(Fneu),
            field="Fneu",
            expected=f"dims/sizes {dict(F.sizes)} and the time coordinate of F",
            found=f"dims/sizes {dict(Fneu.sizes)}",
        )


def _require_positive_baseline(f0: np.ndarray, F: xr.DataArray) -> None:
    bad = f0 <= 0
    if not bad.any():
        return
    dims = list(F.dims)
    time_axis = dims.index(cv.TIME)
    order = [time_axis] + [i for i in range(len(dims)) if i != time_axis]
    moved = bad.transpose(order)
    first = np.unravel_index(int(np.argmax(moved)), moved.shape)
    index = [0] * len(dims)
    for position, i in zip(order, first, strict=True):
        index[position] = int(i)
    elements = [(d, i) for d, i in zip(dims, index, strict=True) if d != cv.TIME]
    where = element_label(F, [d for d, _ in elements], tuple(i for _, i in elements))
    time = F.coords[cv.TIME].values[index[time_axis]]
    raise InvalidValueError(
        "baseline F0 <= 0: dF/F undefined (neuropil over-subtracted, or traces not offset "
        "to positive values?)",
        path=source_of(F),
        field=f"F at {where}" if where else "F",
        expected="a positive baseline",
        found=f"F0 = {f0[tuple(index)]:.6g} at time = {time:.6g} s",
    )
