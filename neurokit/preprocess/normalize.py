"""Normalisation of traces: :func:`zscore`."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import InvalidValueError
from neurokit.preprocess._checks import (
    element_label,
    provenance,
    require_all_finite,
    require_dataarray,
    require_dim,
    source_of,
)
from neurokit.validation import validate

__all__ = ["zscore"]


def zscore(data: xr.DataArray, dim: str | Sequence[str] = cv.TIME) -> xr.DataArray:
    """Z-score each trace: subtract its mean and divide by its standard deviation along ``dim``.

    Parameters
    ----------
    data : xarray.DataArray
        Any numeric data, e.g. ``(time, roi)`` traces or ``(trial, time, unit)`` counts.
    dim : str or sequence of str, default "time"
        Dim(s) to normalise over; every other index (e.g. each ROI) gets its own mean and
        standard deviation (population, ``ddof=0``). Pass ``("trial", "time")`` to normalise
        trial-aligned data per unit over all trials.

    Returns
    -------
    xarray.DataArray, same dims, shape and coordinates as ``data``
        Float64 z-scores. ``attrs``: ``units="z-score"``, ``zscore_dims`` (the dims
        normalised over), ``sampling_rate`` where ``data`` had one, and the provenance attrs.

    Raises
    ------
    neurokit.errors.SchemaError
        If ``data`` is not a DataArray or lacks a dim of ``dim``.
    neurokit.errors.InvalidValueError
        On NaN/inf (naming the first bad sample) or a constant trace (naming its element).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray([[1.0, 10.0], [3.0, 30.0]], dims=("time", "roi"),
    ...                   coords={"time": [0.0, 0.1], "roi": [4, 5]},
    ...                   attrs={"units": "a.u.", "sampling_rate": 10.0})
    >>> z = zscore(da)
    >>> z.values.tolist(), z.attrs["units"]
    ([[-1.0, -1.0], [1.0, 1.0]], 'z-score')
    """
    data = require_dataarray(data, name="data")
    name = str(data.name or "data")
    dims = [dim] if isinstance(dim, str) else list(dim)
    for d in dims:
        require_dim(data, d, name=name)
    require_all_finite(data, name=name, along=dims[0])

    ordered = data.transpose(*dims, ...)
    values = ordered.values.astype(np.float64)
    flat = values.reshape(-1, *values.shape[len(dims) :])
    constant = flat.max(axis=0) == flat.min(axis=0)
    if np.any(constant):
        others = [d for d in data.dims if d not in dims]
        first = np.unravel_index(int(np.argmax(constant)), constant.shape)
        raise InvalidValueError(
            f"constant trace: its standard deviation along {dims} is 0",
            path=source_of(data),
            field=f"{name} at {element_label(data, others, tuple(int(i) for i in first))}"
            if others
            else name,
            expected="traces that vary along the normalised dims",
            found=f"{int(constant.sum())} constant traces",
        )
    z = (flat - flat.mean(axis=0)) / flat.std(axis=0)

    out = ordered.copy(data=z.reshape(values.shape)).transpose(*data.dims)
    attrs: dict[Hashable, object] = {**provenance(data.attrs), cv.UNITS_ATTR: cv.ZSCORE}
    if cv.SAMPLING_RATE_ATTR in data.attrs:
        attrs[cv.SAMPLING_RATE_ATTR] = data.attrs[cv.SAMPLING_RATE_ATTR]
    attrs["zscore_dims"] = dims
    out.attrs = attrs
    return validate(out, source=source_of(data))
