"""One NWB ``TimeSeries`` -> one ``xarray.Dataset`` holding a variable ``data``.

* time: ``timestamps``, or ``starting_time + arange(n) / rate`` (float64 seconds). Timestamps
  that are not finite and strictly increasing (event series often repeat or go back in time)
  cannot index a ``time`` dim: the data then sit on dim ``sample`` with the timestamps as a
  non-index coordinate ``time (sample)``, and ``attrs["time_layout"]`` says so.
* values: ``data * conversion + offset`` (times ``channel_conversion`` per channel for
  ``ElectricalSeries``), float64; data needing no scaling keep their dtype.
* dims after time: ``roi``, ``channel``, ``axis``, ``y``/``x`` or ``dim_<k>`` by series type.
  Image stacks are read ``(time, y, x)``: rows are ``y``, columns ``x``, as the writers in use
  (suite2p, CaImAn, neuroconv) store them, although the NWB schema names these axes ``(x, y)``.
* lazy: a dask array reading the file on demand (see :mod:`neurokit.io._lazy`).

Imported only by :func:`neurokit.io.read_nwb`, after ``soft_import("pynwb")`` succeeded.
"""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np
import xarray as xr
from pynwb.base import TimeSeries
from pynwb.behavior import SpatialSeries
from pynwb.ecephys import ElectricalSeries
from pynwb.image import ImageSeries
from pynwb.ophys import RoiResponseSeries

from neurokit import conventions as cv
from neurokit.io._lazy import H5Slice, lazy_h5_array
from neurokit.io._nwb_columns import to_text_array
from neurokit.io._nwb_context import ReadContext, Unrepresentable
from neurokit.io._nwb_elements import element_coords

#: dim holding samples whose timestamps are not strictly increasing
SAMPLE = "sample"
AXES = ("x", "y", "z")


def timeseries_dataset(ts: TimeSeries, ctx: ReadContext) -> xr.Dataset:
    """Convert one TimeSeries.

    Parameters
    ----------
    ts : pynwb.TimeSeries
        Any TimeSeries subtype, read by pynwb (the file must still be open).
    ctx : ReadContext
        Shared read state.

    Returns
    -------
    xarray.Dataset
        Variable ``data`` ``(time, ...)`` in ``attrs["units"]`` (the NWB unit); node attrs
        ``neurodata_type``, ``description``, ``comments``, ``nwb_path``, ``conversion``,
        ``offset``, ``sampling_rate`` (rate-based series), ``channel_conversion`` (where
        present), ``source_file``.

    Raises
    ------
    Unrepresentable
        External-file series, no data, scalar or compound data, timestamps not matching data.
    """
    where = ctx.nwb_path(ts)
    if getattr(ts, "external_file", None) is not None:
        raise Unrepresentable("data in external file(s)")
    data = ts.data
    if data is None:
        raise Unrepresentable("no data")
    shape = tuple(int(n) for n in np.shape(data))
    if len(shape) == 0:
        raise Unrepresentable("scalar data")
    time = _time(ts, shape[0])
    rest_dims, coords = _element_dims(ts, shape, ctx, where)
    values = _values(ts, ctx)
    time_dim = cv.TIME if _is_time_axis(time) else SAMPLE
    coords[cv.TIME] = (time_dim, time, {"units": cv.SECONDS})
    attrs = _node_attrs(ts, ctx, where)
    if time_dim == SAMPLE:
        attrs["time_layout"] = "timestamps not strictly increasing: dim 'sample', coord 'time'"
    data_attrs = {cv.UNITS_ATTR: ts.unit if isinstance(ts.unit, str) and ts.unit else cv.ARBITRARY}
    # sampling rate and provenance travel with the variable, so ``node["data"]`` keeps them
    data_attrs.update(
        {k: attrs[k] for k in (cv.SAMPLING_RATE_ATTR, "source_file") if k in attrs}
    )
    return xr.Dataset(
        {"data": ((time_dim, *rest_dims), values, data_attrs)}, coords=coords, attrs=attrs
    )


def _time(ts: TimeSeries, n: int) -> np.ndarray:
    if ts.timestamps is not None:
        time = np.asarray(ts.timestamps[:], dtype=np.float64)
        if time.shape != (n,):
            raise Unrepresentable(f"{time.size} timestamps for {n} samples")
        return time
    if ts.rate is None:
        raise Unrepresentable("neither timestamps nor rate")
    start = float(ts.starting_time or 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return start + np.arange(n, dtype=np.float64) / float(ts.rate)


def _is_time_axis(time: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(time)) and np.all(np.diff(time) > 0))


def _values(ts: TimeSeries, ctx: ReadContext) -> Any:
    data = ts.data
    dtype = np.dtype(getattr(data, "dtype", np.asarray(data).dtype))
    if dtype.names:
        raise Unrepresentable("compound data")
    if dtype.kind in "SUO":
        return to_text_array(np.asarray(data[:]).ravel()).reshape(np.shape(data))
    if dtype.kind not in "biuf":
        raise Unrepresentable(f"data of dtype {dtype}")
    if isinstance(data, h5py.Dataset) and ctx.wants_lazy(data.size * dtype.itemsize):
        values = lazy_h5_array(
            H5Slice(data.file.filename, data.name, data.shape, dtype), data.chunks
        )
    else:
        values = np.asarray(data[:])
    conversion, offset = _scaling(ts)
    channel = getattr(ts, "channel_conversion", None)
    if conversion == 1.0 and offset == 0.0 and channel is None:
        return values
    scaled = values.astype(np.float64) * conversion
    if channel is not None:
        factors = np.asarray(channel[:], dtype=np.float64)  # one per channel (axis 1)
        if values.ndim >= 2:
            factors = factors.reshape((1, -1) + (1,) * (values.ndim - 2))
        scaled = scaled * factors
    return scaled + offset


def _scaling(ts: TimeSeries) -> tuple[float, float]:
    return float(ts.conversion), float(getattr(ts, "offset", None) or 0.0)


def _element_dims(
    ts: TimeSeries, shape: tuple[int, ...], ctx: ReadContext, where: str
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Names of the dims after time, and their coordinates."""
    generic = tuple(f"dim_{k}" for k in range(1, len(shape)))
    if len(shape) < 2:
        return generic, {}
    if isinstance(ts, RoiResponseSeries):
        return _region_dims(ts.rois, cv.ROI, shape, generic, ctx, f"{where}/rois")
    if isinstance(ts, ElectricalSeries) and ts.electrodes is not None:
        return _region_dims(ts.electrodes, cv.CHANNEL, shape, generic, ctx, f"{where}/electrodes")
    if isinstance(ts, SpatialSeries) and len(shape) == 2 and shape[1] <= len(AXES):
        return ("axis",), {"axis": list(AXES[: shape[1]])}
    if isinstance(ts, ImageSeries) and len(shape) in (3, 4):
        return ("y", "x", *generic[2:]), {}
    return generic, {}


def _region_dims(
    region: Any,
    dim: str,
    shape: tuple[int, ...],
    generic: tuple[str, ...],
    ctx: ReadContext,
    where: str,
) -> tuple[tuple[str, ...], dict[str, Any]]:
    if len(region.data) != shape[1]:
        ctx.skip(where, f"{len(region.data)} rows referenced for {shape[1]} data columns")
        return generic, {}
    coords = element_coords(region, dim, ctx)
    return (dim, *generic[1:]), {name: c.variable for name, c in coords.coords.items()}


def _node_attrs(ts: TimeSeries, ctx: ReadContext, where: str) -> dict[str, Any]:
    conversion, offset = _scaling(ts)
    attrs: dict[str, Any] = {
        "neurodata_type": ts.neurodata_type,
        "description": ts.description,
        "comments": ts.comments,
        "nwb_path": where,
        "conversion": conversion,
        "offset": offset,
    }
    if ts.timestamps is None and ts.rate is not None and float(ts.rate) > 0:
        attrs[cv.SAMPLING_RATE_ATTR] = float(ts.rate)
    if isinstance(ts, SpatialSeries) and isinstance(ts.reference_frame, str):
        attrs["reference_frame"] = ts.reference_frame
    channel = getattr(ts, "channel_conversion", None)
    if channel is not None:
        attrs["channel_conversion"] = np.asarray(channel[:], dtype=np.float64)
    attrs["source_file"] = ctx.source_file
    return {k: v for k, v in attrs.items() if isinstance(v, (str, float, np.ndarray))}
