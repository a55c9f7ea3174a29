"""Per-element coordinates (``roi``, ``channel``) from the table a series' region points to.

A ``RoiResponseSeries`` points to rows of a ``PlaneSegmentation``, an ``ElectricalSeries`` to rows
of the electrodes table. Each table is converted once per read (every scalar column, plus mask
centroids for ROI tables) and cached in the :class:`ReadContext`; a series then takes the rows it
references.

Imported only by :func:`neurokit.io.read_nwb`, after ``soft_import("pynwb")`` succeeded.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from hdmf.common.table import DynamicTable, DynamicTableRegion
from pynwb.ophys import PlaneSegmentation

from neurokit.io._nwb_columns import read_columns, table_ids
from neurokit.io._nwb_context import ReadContext, Unrepresentable
from neurokit.io._nwb_masks import MASK_COLUMNS, mask_coords


def element_coords(region: DynamicTableRegion, dim: str, ctx: ReadContext) -> xr.Dataset:
    """Coordinates on ``dim`` for the rows ``region`` references, in the region's order.

    Parameters
    ----------
    region : hdmf.common.DynamicTableRegion
        E.g. ``RoiResponseSeries.rois`` or ``ElectricalSeries.electrodes``.
    dim : str
        ``"roi"`` or ``"channel"``.
    ctx : ReadContext
        Shared read state (holds the cache).

    Returns
    -------
    xarray.Dataset
        Coordinates only: ``dim`` (the row ids) and one coord per scalar column.
    """
    rows = np.asarray(region.data[:], dtype=np.int64)
    return element_table(region.table, dim, ctx).isel({dim: rows})


def element_table(table: DynamicTable, dim: str, ctx: ReadContext) -> xr.Dataset:
    """Every row of ``table`` as coordinates on ``dim`` (cached per table and dim).

    Scalar columns become coords; array columns are recorded as skipped. For a
    ``PlaneSegmentation`` the masks become ``centroid_x``, ``centroid_y`` (pixels) and ``npix``.
    """
    key = (id(table), dim)  # tables live as long as the open file; object_id may be absent
    if key not in ctx.element_cache:
        ctx.element_cache[key] = _convert_table(table, dim, ctx)
    return ctx.element_cache[key]


def _convert_table(table: DynamicTable, dim: str, ctx: ReadContext) -> xr.Dataset:
    where = ctx.nwb_path(table)
    is_rois = isinstance(table, PlaneSegmentation)
    coords: dict[str, object] = {dim: table_ids(table)}
    for col in read_columns(table, where=where, ctx=ctx, exclude=MASK_COLUMNS if is_rois else ()):
        if col.values.ndim != 1:
            ctx.skip(f"{where}/{col.name}", f"array column of shape {col.values.shape}")
        elif col.name in coords:
            ctx.skip(f"{where}/{col.name}", f"column name clashes with the '{dim}' dim")
        else:
            coords[col.name] = (dim, col.values, {"description": col.description})
    if is_rois:
        try:
            coords.update({k: (dim, v) for k, v in mask_coords(table).items()})
        except Unrepresentable as why:
            ctx.skip(where, f"ROI masks: {why}")
    return xr.Dataset(coords=coords)
