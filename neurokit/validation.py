"""``validate``: the one check of neurokit's data conventions.

Every loader calls it on what it returns, every transform on what it produces, and the tests on
everything. It never changes the object; it raises :class:`~neurokit.errors.SchemaError` naming
the variable/coordinate/attr at fault and what was expected.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping
from typing import Any, TypeVar

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import SchemaError

XarrayObj = TypeVar("XarrayObj", xr.DataArray, xr.Dataset, xr.DataTree)


def validate(obj: XarrayObj, *, source: str | None = None) -> XarrayObj:
    """Check that an xarray object follows neurokit's data conventions.

    The rules (``docs/conventions.md`` explains them):

    * a ``time`` dim has a ``time`` coordinate, float64 seconds, finite, strictly increasing;
      ``attrs["sampling_rate"]`` where present is a positive number (Hz);
    * ``unit``/``roi``/``channel``/``neuroid``/``trial``/``interval``/``stimulus`` dims have a
      coordinate of unique labels;
    * trial-aligned data put ``trial`` first and ``time`` second: ``(trial, time, ...)``, except
      M/EEG epochs, which keep MNE's layout ``(trial, channel, time)``;
    * every numeric data variable states its physical ``attrs["units"]`` (a string);
    * attrs hold only what netCDF and zarr can store: str, int, float, or 1-D numeric/str arrays
      (no ``None``, ``bool``, dicts or objects); provenance attrs (``source_file``, ``session_id``,
      ``subject_id``) are strings.

    Parameters
    ----------
    obj : xarray.DataArray, xarray.Dataset or xarray.DataTree
        Object to check. A DataTree is checked node by node.
    source : str, optional
        File the object came from, named in the error.

    Returns
    -------
    obj
        The same object, unchanged, so calls can be chained.

    Raises
    ------
    neurokit.errors.SchemaError
        On the first rule broken.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.zeros((3, 2)), dims=("time", "roi"),
    ...                   coords={"time": [0.0, 0.1, 0.2], "roi": [0, 1]},
    ...                   attrs={"units": "dF/F", "sampling_rate": 10.0})
    >>> validate(da) is da
    True
    """
    if isinstance(obj, xr.DataTree):
        for node in obj.subtree:
            _check_attrs(node.attrs, where=node.path, source=source)
            _check_dataset(node.dataset, where=node.path, source=source)
    elif isinstance(obj, xr.Dataset):
        _check_dataset(obj, where="dataset", source=source)
    elif isinstance(obj, xr.DataArray):
        _check_attrs(obj.attrs, where=str(obj.name or "data"), source=source)
        _check_dims(obj, where=str(obj.name or "data"), source=source)
        _check_units(obj, where=str(obj.name or "data"), source=source)
    else:
        raise SchemaError(
            "not an xarray object",
            path=source,
            expected="xarray.DataArray, Dataset or DataTree",
            found=type(obj).__name__,
        )
    return obj


def _check_dataset(ds: xr.Dataset, *, where: str, source: str | None) -> None:
    _check_attrs(ds.attrs, where=where, source=source)
    for name, coord in ds.coords.items():
        _check_attrs(coord.attrs, where=f"{where}/{name}", source=source)
    for name, var in ds.data_vars.items():
        field = f"{where}/{name}"
        _check_attrs(var.attrs, where=field, source=source)
        _check_dims(var, where=field, source=source)
        _check_units(var, where=field, source=source)
    for dim in ds.dims:
        _check_dim_coord(ds, dim, where=where, source=source)


def _check_dims(da: xr.DataArray, *, where: str, source: str | None) -> None:
    for dim in da.dims:
        _check_dim_coord(da, dim, where=where, source=source)
    if (
        cv.TRIAL in da.dims
        and cv.TIME in da.dims
        and da.dims[:2] != (cv.TRIAL, cv.TIME)
        and da.dims != cv.EPOCHS_DIMS
    ):
        raise SchemaError(
            "trial-aligned data in the wrong dim order",
            path=source,
            field=where,
            expected="dims ('trial', 'time', ...) or M/EEG epochs ('trial', 'channel', 'time')",
            found=str(da.dims),
        )


def _check_dim_coord(
    obj: xr.DataArray | xr.Dataset, dim: Hashable, *, where: str, source: str | None
) -> None:
    if dim == cv.TIME:
        _check_time(obj, where=where, source=source)
    elif dim in cv.LABELLED_DIMS:
        if dim not in obj.coords:
            raise SchemaError(
                f"dim '{dim}' has no coordinate",
                path=source,
                field=f"{where}/{dim}",
                expected=f"a coordinate '{dim}' of unique labels",
            )
        values = obj.coords[dim].values
        if len(values) != len(np.unique(values)):
            raise SchemaError(
                f"labels on dim '{dim}' are not unique",
                path=source,
                field=f"{where}/{dim}",
                expected="unique labels",
                found=f"{len(values) - len(np.unique(values))} duplicates",
            )


def _check_time(obj: xr.DataArray | xr.Dataset, *, where: str, source: str | None) -> None:
    field = f"{where}/time"
    if cv.TIME not in obj.coords:
        raise SchemaError(
            "dim 'time' has no coordinate", path=source, field=field, expected="seconds (float64)"
        )
    t = obj.coords[cv.TIME]
    if t.dtype != np.float64:
        raise SchemaError(
            "time coordinate has the wrong dtype",
            path=source,
            field=field,
            expected="float64 seconds",
            found=str(t.dtype),
        )
    values = t.values
    if not np.all(np.isfinite(values)):
        raise SchemaError(
            "time coordinate is not finite", path=source, field=field, expected="finite seconds"
        )
    if values.size > 1 and not np.all(np.diff(values) > 0):
        raise SchemaError(
            "time coordinate is not strictly increasing",
            path=source,
            field=field,
            expected="strictly increasing seconds",
            found=f"first decrease at index {int(np.argmax(np.diff(values) <= 0))}",
        )
    rate = obj.attrs.get(cv.SAMPLING_RATE_ATTR)
    if rate is not None and not (isinstance(rate, numbers.Real) and rate > 0):
        raise SchemaError(
            "bad sampling rate",
            path=source,
            field=f"{where}.attrs['sampling_rate']",
            expected="a positive number in Hz",
            found=repr(rate),
        )


def _check_units(da: xr.DataArray, *, where: str, source: str | None) -> None:
    if not np.issubdtype(da.dtype, np.number):  # labels (str, bool) carry no physical units
        return
    units = da.attrs.get(cv.UNITS_ATTR)
    if not isinstance(units, str) or not units:
        raise SchemaError(
            "numeric variable without physical units",
            path=source,
            field=f"{where}.attrs['units']",
            expected="a units string such as 's', 'dF/F', 'spikes/s', 'V', 'count', 'a.u.'",
            found=repr(units),
        )


def _check_attrs(attrs: Mapping[Hashable, Any], *, where: str, source: str | None) -> None:
    for key, value in attrs.items():
        field = f"{where}.attrs['{key}']"
        if not isinstance(key, str):
            raise SchemaError(
                "attr key is not a string", path=source, field=field, expected="str keys"
            )
        if key in cv.PROVENANCE_ATTRS and not isinstance(value, str):
            raise SchemaError(
                "provenance attr is not a string",
                path=source,
                field=field,
                expected="str",
                found=type(value).__name__,
            )
        if not _storable(value):
            raise SchemaError(
                "attr cannot be stored in netCDF/zarr",
                path=source,
                field=field,
                expected="str, int, float or a 1-D array of numbers/strings",
                found=type(value).__name__,
            )


def _storable(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (str, numbers.Integral, numbers.Real)):
        return True
    if isinstance(value, (list, tuple)):
        return bool(value) and (
            all(isinstance(v, str) for v in value)
            or all(
                isinstance(v, (numbers.Real)) and not isinstance(v, (bool, np.bool_)) for v in value
            )
        )
    if isinstance(value, np.ndarray):
        return value.ndim == 1 and value.dtype.kind in "iuf"
    return False
