"""Change the sampling rate of regularly sampled data: :func:`resample`."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import xarray as xr
from scipy import signal

from neurokit import conventions as cv
from neurokit.errors import InvalidValueError
from neurokit.preprocess._checks import (
    require_all_finite,
    require_dataarray,
    require_positive,
    require_regular,
    require_sampling_rate,
    require_time_coord,
    source_of,
)
from neurokit.validation import validate

__all__ = ["resample"]

#: largest up/down factor of the rational approximation of the rate ratio
MAX_DENOMINATOR = 1000


def resample(data: xr.DataArray, sampling_rate: float) -> xr.DataArray:
    """Resample regularly sampled data along ``time`` with an anti-aliasing polyphase filter.

    The ratio ``sampling_rate / attrs["sampling_rate"]`` is approximated by a fraction
    ``up / down`` with ``down <= 1000`` (exact for rates such as 30 -> 10, 1000 -> 250,
    30 -> 20 Hz) and the data go through ``scipy.signal.resample_poly(x, up, down,
    padtype="line")`` along ``time`` (low-pass FIR with a Kaiser window; ``"line"`` padding keeps
    edges of signals with an offset, such as fluorescence, from dipping).

    Spike counts (``attrs["units"] == "count"``) are refused: filtering would make fractional,
    negative counts; bin the spikes again with :func:`~neurokit.preprocess.bin_spikes` at the
    new bin size instead.

    Parameters
    ----------
    data : xarray.DataArray
        Regularly sampled data with a ``time`` dim (any position) and
        ``attrs["sampling_rate"]`` (Hz).
    sampling_rate : float
        Target rate, Hz.

    Returns
    -------
    xarray.DataArray, same dims, ``time`` of length ``ceil(n_time * up / down)``
        Resampled values, float. ``time`` starts at the first input sample and steps by
        ``1 / new_rate``, where ``new_rate = old_rate * up / down`` is stored in
        ``attrs["sampling_rate"]`` (it equals ``sampling_rate`` whenever the ratio is a fraction
        with a denominator up to 1000). Other attrs, ``units`` included, are kept;
        coordinates along ``time`` other than ``time`` itself are dropped.

    Raises
    ------
    neurokit.errors.SchemaError
        No ``time`` dim, no sampling rate, or irregular sampling.
    neurokit.errors.InvalidValueError
        NaN/inf in ``data`` (naming the first bad sample), spike counts, or a bad target rate.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> t = np.arange(300) / 30.0
    >>> da = xr.DataArray(np.ones((300, 2)), dims=("time", "roi"),
    ...                   coords={"time": t, "roi": [0, 1]},
    ...                   attrs={"sampling_rate": 30.0, "units": "dF/F"})
    >>> out = resample(da, 10.0)
    >>> out.sizes["time"], out.attrs["sampling_rate"], bool(np.allclose(out, 1.0))
    (100, 10.0, True)
    """
    data = require_dataarray(data, name="data")
    name = str(data.name or "data")
    time = require_time_coord(data, name=name)
    old_rate = require_sampling_rate(data, name=name)
    require_regular(time, old_rate, name=name, source=source_of(data))
    new_rate = require_positive(sampling_rate, name="sampling_rate")
    if data.attrs.get(cv.UNITS_ATTR) == cv.COUNTS:
        raise InvalidValueError(
            "cannot resample spike counts: filtering makes fractional, negative counts",
            path=source_of(data),
            field=f"{name}.attrs['units']",
            expected="continuous data; re-bin the spikes with bin_spikes at the new bin size",
            found="'count'",
        )
    require_all_finite(data, name=name)
    ratio = Fraction(new_rate / old_rate).limit_denominator(MAX_DENOMINATOR)
    if ratio.numerator == 0:
        raise InvalidValueError(
            "target rate too low",
            field="sampling_rate",
            expected=f"at least {old_rate / MAX_DENOMINATOR:g} Hz for data at {old_rate:g} Hz",
            found=repr(sampling_rate),
        )
    up, down = ratio.numerator, ratio.denominator
    axis = data.get_axis_num(cv.TIME)
    values = signal.resample_poly(data.values, up, down, axis=axis, padtype="line")
    achieved = old_rate * up / down

    kept = {n: c.variable for n, c in data.coords.items() if cv.TIME not in c.dims}
    kept[cv.TIME] = time[0] + np.arange(values.shape[axis]) / achieved
    attrs = {**data.attrs, cv.SAMPLING_RATE_ATTR: achieved}
    out = xr.DataArray(values, dims=data.dims, coords=kept, attrs=attrs, name=data.name)
    return validate(out, source=source_of(data))
