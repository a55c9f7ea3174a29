"""NWB tables -> ``xarray.Dataset``: the Units table, TimeIntervals tables, the electrodes table.

* units: flat spike layout — ``spike_times (spike,)`` sorted by unit then time with coord
  ``spike_unit (spike,)``, ``n_spikes (unit,)``, scalar columns as coords on ``unit``, array
  columns (``waveform_mean``…) as variables ``(unit, <col>_dim_1, ...)``;
* intervals: dim ``trial`` for the ``trials`` table, ``interval`` otherwise; every column a
  variable (``"s"`` for times — names ending in ``_time(s)``, ``_onset``, ``_offset``, or a
  description mentioning seconds — ``"a.u."`` for other numbers);
* electrodes: coordinates on ``channel``.

Imported only by :func:`neurokit.io.read_nwb`, after ``soft_import("pynwb")`` succeeded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from hdmf.common.table import DynamicTable
from pynwb.epoch import TimeIntervals
from pynwb.misc import Units

from neurokit import conventions as cv
from neurokit.io._nwb_columns import Column, ragged_parts, read_columns, table_ids
from neurokit.io._nwb_context import ReadContext, Unrepresentable
from neurokit.io._nwb_elements import element_table

#: Units columns whose numbers are waveforms (in ``Units.waveform_unit``)
WAVEFORM_COLUMNS = ("waveform_mean", "waveform_sd")


def units_dataset(units: Units, ctx: ReadContext) -> xr.Dataset:
    """The Units table in the flat spike layout (see the module docstring).

    Parameters
    ----------
    units : pynwb.misc.Units
        Read by pynwb (file still open).
    ctx : ReadContext
        Shared read state.

    Returns
    -------
    xarray.Dataset
        Dims ``unit`` and ``spike``; ``spike_times`` in s, ``n_spikes`` in counts.
    """
    where = ctx.nwb_path(units)
    ids = table_ids(units)
    trains = _spike_trains(units, len(ids), ctx, where)
    counts = np.asarray([t.size for t in trains], dtype=np.int64)
    spike_times = np.concatenate(trains) if trains else np.zeros(0)
    ds = xr.Dataset(
        {
            "spike_times": (cv.SPIKE, spike_times.astype(np.float64), {"units": cv.SECONDS}),
            "n_spikes": (cv.UNIT, counts, {"units": cv.COUNTS}),
        },
        coords={cv.UNIT: ids, "spike_unit": (cv.SPIKE, np.repeat(ids, counts))},
        attrs=_table_attrs(units, ctx, where),
    )
    waveform_unit = getattr(units, "waveform_unit", None) or cv.ARBITRARY
    for col in read_columns(units, where=where, ctx=ctx, exclude=("spike_times",)):
        if col.values.ndim == 1:
            _add(ds, col, cv.UNIT, ctx, where, as_coord=True)
        else:
            units_attr = waveform_unit if col.name in WAVEFORM_COLUMNS else cv.ARBITRARY
            _add(ds, col, cv.UNIT, ctx, where, units=units_attr)
    return ds


def intervals_dataset(table: TimeIntervals, ctx: ReadContext) -> xr.Dataset:
    """A TimeIntervals table (trials, epochs, custom tables) with every column a variable.

    Parameters
    ----------
    table : pynwb.epoch.TimeIntervals
        Read by pynwb (file still open).
    ctx : ReadContext
        Shared read state.

    Returns
    -------
    xarray.Dataset
        On dim ``trial`` (table ``trials``) or ``interval``, labelled by the table's ids.
    """
    where = ctx.nwb_path(table)
    dim = cv.TRIAL if table.name == "trials" else cv.INTERVAL
    ds = xr.Dataset(coords={dim: table_ids(table)}, attrs=_table_attrs(table, ctx, where))
    for col in read_columns(table, where=where, ctx=ctx):
        _add(ds, col, dim, ctx, where, units=_interval_units(col))
    return ds


def electrodes_dataset(table: DynamicTable, ctx: ReadContext) -> xr.Dataset:
    """The electrodes table as coordinates on ``channel`` (labelled by electrode ids)."""
    ds = element_table(table, cv.CHANNEL, ctx).copy()
    ds.attrs.update(_table_attrs(table, ctx, ctx.nwb_path(table)))
    return ds


def _spike_trains(units: Units, n: int, ctx: ReadContext, where: str) -> list[np.ndarray]:
    if "spike_times" not in units.colnames:
        ctx.skip(f"{where}/spike_times", "column absent: no spikes")
        return [np.zeros(0) for _ in range(n)]
    try:
        return [
            np.sort(np.asarray(t, dtype=np.float64)) for t in ragged_parts(units["spike_times"])
        ]
    except Unrepresentable as why:
        raise Unrepresentable(f"spike_times: {why}") from None


def _interval_units(col: Column) -> str:
    time_like = col.name.endswith(("_time", "_times", "_onset", "_offset")) or col.name in (
        "onset",
        "offset",
    )
    if time_like or "seconds" in col.description.lower():
        return cv.SECONDS
    return cv.ARBITRARY


def _add(
    ds: xr.Dataset,
    col: Column,
    dim: str,
    ctx: ReadContext,
    where: str,
    *,
    units: str = cv.ARBITRARY,
    as_coord: bool = False,
) -> None:
    """Put one column into ``ds`` (in place), as a coord or a variable on ``(dim, ...)``."""
    if col.name in ds.variables or col.name in ds.dims:
        ctx.skip(f"{where}/{col.name}", "column name clashes with a name already in the node")
        return
    dims = (dim, *(f"{col.name}_dim_{k}" for k in range(1, col.values.ndim)))
    attrs: dict[str, Any] = {"description": col.description}
    if col.values.dtype.kind in "iuf" and not as_coord:
        attrs[cv.UNITS_ATTR] = units
    if as_coord:
        ds.coords[col.name] = (dims, col.values, attrs)
    else:
        ds[col.name] = (dims, col.values, attrs)


def _table_attrs(table: DynamicTable, ctx: ReadContext, where: str) -> dict[str, str]:
    attrs = {
        "neurodata_type": table.neurodata_type,
        "description": table.description,
        "nwb_path": where,
        "source_file": ctx.source_file,
    }
    return {k: v for k, v in attrs.items() if isinstance(v, str)}
