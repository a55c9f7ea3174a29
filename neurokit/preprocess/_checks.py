"""Input checks shared by the transforms of :mod:`neurokit.preprocess`.

Each check raises :class:`~neurokit.errors.SchemaError` (wrong layout) or
:class:`~neurokit.errors.InvalidValueError` (bad values) naming the variable at fault and what was
expected, and returns what the caller needs next (arrays, the sampling rate…), so transforms read
their input once.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import InvalidValueError, SchemaError

#: tolerance on time steps, as a fraction of the sampling period, to call a signal regular
REGULAR_TOLERANCE = 0.01


def provenance(attrs: Mapping[Hashable, Any]) -> dict[str, Any]:
    """The provenance attrs (``source_file``, ``session_id``, ``subject_id``) found in ``attrs``."""
    return {key: attrs[key] for key in cv.PROVENANCE_ATTRS if key in attrs}


def source_of(obj: xr.DataArray | xr.Dataset) -> str | None:
    """The file an object came from (``attrs["source_file"]``), named in errors."""
    source = obj.attrs.get("source_file")
    return source if isinstance(source, str) else None


def require_dataarray(obj: Any, *, name: str) -> xr.DataArray:
    """Check that ``obj`` is a DataArray."""
    if not isinstance(obj, xr.DataArray):
        raise SchemaError(
            "not a DataArray", field=name, expected="xarray.DataArray", found=type(obj).__name__
        )
    return obj


def require_dim(obj: xr.DataArray | xr.Dataset, dim: str, *, name: str) -> None:
    """Check that ``obj`` has dim ``dim``."""
    if dim not in obj.dims:
        raise SchemaError(
            f"no '{dim}' dim",
            path=source_of(obj),
            field=name,
            expected=f"a '{dim}' dim",
            found=f"dims {tuple(obj.dims)}",
        )


def require_positive(value: Any, *, name: str) -> float:
    """Check that ``value`` is a finite positive real number and return it as a float."""
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidValueError(
            "not a positive number", field=name, expected="a finite number > 0", found=repr(value)
        )
    return float(value)


def require_finite_scalar(value: Any, *, name: str) -> float:
    """Check that ``value`` is a finite real number and return it as a float."""
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
    ):
        raise InvalidValueError(
            "not a finite number", field=name, expected="a finite number", found=repr(value)
        )
    return float(value)


def require_time_coord(obj: xr.DataArray | xr.Dataset, *, name: str) -> np.ndarray:
    """Check the ``time`` dim and coordinate (float64 s, finite, increasing); return its values."""
    require_dim(obj, cv.TIME, name=name)
    if cv.TIME not in obj.coords:
        raise SchemaError(
            "dim 'time' has no coordinate",
            path=source_of(obj),
            field=f"{name}/time",
            expected="a float64 'time' coordinate in seconds",
        )
    time = obj.coords[cv.TIME].values
    if time.dtype != np.float64:
        raise SchemaError(
            "time coordinate has the wrong dtype",
            path=source_of(obj),
            field=f"{name}/time",
            expected="float64 seconds",
            found=str(time.dtype),
        )
    if not np.all(np.isfinite(time)) or (time.size > 1 and not np.all(np.diff(time) > 0)):
        raise SchemaError(
            "time coordinate is not finite and strictly increasing",
            path=source_of(obj),
            field=f"{name}/time",
            expected="finite, strictly increasing seconds",
        )
    return time


def require_sampling_rate(obj: xr.DataArray | xr.Dataset, *, name: str) -> float:
    """Check ``attrs["sampling_rate"]`` (Hz) and return it."""
    rate = obj.attrs.get(cv.SAMPLING_RATE_ATTR)
    if (
        isinstance(rate, (bool, np.bool_))
        or not isinstance(rate, numbers.Real)
        or not math.isfinite(rate)
        or rate <= 0
    ):
        raise SchemaError(
            "no usable sampling rate",
            path=source_of(obj),
            field=f"{name}.attrs['sampling_rate']",
            expected="a positive number in Hz (regularly sampled data)",
            found=repr(rate),
        )
    return float(rate)


def require_regular(time: np.ndarray, rate: float, *, name: str, source: str | None) -> None:
    """Check that every time step is ``1 / rate`` within :data:`REGULAR_TOLERANCE` of a period."""
    if time.size < 2:
        return
    step = np.diff(time)
    worst = int(np.argmax(np.abs(step - 1.0 / rate)))
    if abs(step[worst] - 1.0 / rate) > REGULAR_TOLERANCE / rate:
        raise SchemaError(
            "time coordinate is not regularly sampled at attrs['sampling_rate']",
            path=source,
            field=f"{name}/time",
            expected=f"steps of 1/{rate:g} s (within {REGULAR_TOLERANCE:.0%} of a period)",
            found=f"a step of {step[worst]:.6g} s after index {worst}",
        )


def require_all_finite(da: xr.DataArray, *, name: str, along: str = cv.TIME) -> None:
    """Raise :class:`InvalidValueError` on the first NaN/inf of ``da`` (first along ``along``)."""
    values = np.asarray(da.values)
    if not np.issubdtype(values.dtype, np.inexact):
        return
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    dims = list(da.dims)
    if along in dims:
        order = [dims.index(along)] + [i for i, _ in enumerate(dims) if dims[i] != along]
        bad = bad.transpose(order)
        dims = [dims[i] for i in order]
    index = np.unravel_index(int(np.argmax(bad)), bad.shape)
    where = element_label(da, dims, tuple(int(i) for i in index))
    raise InvalidValueError(
        "NaN or inf values",
        path=source_of(da),
        field=name,
        expected="finite values",
        found=f"first at {where}",
    )


def element_label(da: xr.DataArray, dims: list[Hashable], index: tuple[int, ...]) -> str:
    """Name one element (e.g. ``"roi=12"``) from positional indices along ``dims``."""
    return ", ".join(_label(da, dim, i) for dim, i in zip(dims, index, strict=True))


def _label(da: xr.DataArray, dim: Hashable, i: int) -> str:
    if dim in da.coords and da.coords[dim].ndim == 1:
        value = da.coords[dim].values[i]
        value = value.item() if isinstance(value, np.generic) else value
        return f"{dim}={value!r} (index {i})"
    return f"{dim} index {i}"


def element_coords(obj: xr.DataArray | xr.Dataset, dim: str) -> dict[Hashable, xr.Variable]:
    """Every coordinate of ``obj`` that lies on ``dim`` alone (``dim`` itself included)."""
    return {name: coord.variable for name, coord in obj.coords.items() if coord.dims == (dim,)}


def units_arrays(units: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check a units Dataset (``docs/conventions.md``) and return its arrays.

    Returns
    -------
    spike_times : numpy.ndarray, shape (n_spikes,), float64
        Spike times in seconds.
    unit_index : numpy.ndarray, shape (n_spikes,), intp
        Position on the ``unit`` dim of each spike's unit.
    unit_ids : numpy.ndarray, shape (n_units,)
        The ``unit`` coordinate.
    """
    if not isinstance(units, xr.Dataset):
        raise SchemaError(
            "not a units Dataset",
            field="units",
            expected="xarray.Dataset with 'spike_times' (spike,) and coord 'spike_unit' "
            "(e.g. tree['units'].dataset)",
            found=type(units).__name__,
        )
    source = source_of(units)
    if "spike_times" not in units.data_vars:
        raise SchemaError(
            "no spike times",
            path=source,
            field="spike_times",
            expected="a data variable 'spike_times' on dim ('spike',)",
            found=f"variables {list(units.data_vars)}",
        )
    times = units["spike_times"]
    if times.dims != (cv.SPIKE,) or not np.issubdtype(times.dtype, np.floating):
        raise SchemaError(
            "spike times have the wrong layout",
            path=source,
            field="spike_times",
            expected="float seconds on dims ('spike',)",
            found=f"{times.dtype} on dims {times.dims}",
        )
    if "spike_unit" not in units.coords or units.coords["spike_unit"].dims != (cv.SPIKE,):
        raise SchemaError(
            "no unit id per spike",
            path=source,
            field="spike_unit",
            expected="a coordinate 'spike_unit' on dim ('spike',): the unit id of each spike",
        )
    if cv.UNIT not in units.dims or cv.UNIT not in units.coords:
        raise SchemaError(
            "no unit ids",
            path=source,
            field="unit",
            expected="a 'unit' dim with a coordinate of unit ids",
            found=f"dims {tuple(units.dims)}",
        )
    spike_times = np.asarray(times.values, dtype=np.float64)
    bad = ~np.isfinite(spike_times)
    if bad.any():
        raise InvalidValueError(
            "spike times are not finite",
            path=source,
            field="spike_times",
            expected="finite seconds",
            found=f"first bad value at spike index {int(np.argmax(bad))}",
        )
    unit_ids = units.coords[cv.UNIT].values
    if unit_ids.size != np.unique(unit_ids).size:
        raise SchemaError(
            "unit ids are not unique",
            path=source,
            field="unit",
            expected="unique unit ids on the 'unit' coordinate",
        )
    unit_index = _unit_index(units.coords["spike_unit"].values, unit_ids, source=source)
    return spike_times, unit_index, unit_ids


def _unit_index(spike_unit: np.ndarray, unit_ids: np.ndarray, *, source: str | None) -> np.ndarray:
    """Map each spike's unit id to its position in ``unit_ids``, one lookup per run of equal ids."""
    n = spike_unit.size
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    run_starts = np.flatnonzero(spike_unit[1:] != spike_unit[:-1]) + 1
    run_starts = np.concatenate(([0], run_starts))
    run_ids = spike_unit[run_starts]
    kinds = {unit_ids.dtype.kind, run_ids.dtype.kind}
    if len(kinds) > 1 and not kinds <= set("iuf"):
        raise SchemaError(
            "unit ids of spikes and units differ in type",
            path=source,
            field="spike_unit",
            expected=f"ids of the 'unit' coordinate's type ({unit_ids.dtype})",
            found=str(spike_unit.dtype),
        )
    sorter = np.argsort(unit_ids, kind="stable")
    pos = np.searchsorted(unit_ids, run_ids, sorter=sorter).clip(0, max(unit_ids.size - 1, 0))
    known = unit_ids[sorter[pos]] == run_ids if unit_ids.size else np.zeros(run_ids.size, bool)
    if not known.all():
        raise SchemaError(
            "spikes belong to units absent from the 'unit' coordinate",
            path=source,
            field="spike_unit",
            expected="every id in the 'unit' coordinate",
            found=f"unknown ids {np.unique(run_ids[~known])[:10].tolist()}",
        )
    lengths = np.diff(np.concatenate((run_starts, [n])))
    return np.repeat(sorter[pos], lengths)
