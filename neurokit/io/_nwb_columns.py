"""Columns of NWB ``DynamicTable``s (units, intervals, electrodes, ROIs) as plain numpy arrays.

Rules: numbers stay numbers, ``bool`` becomes ``int8``, text (bytes or str) becomes a numpy
``str`` array, object references become the referenced object's name, a
``DynamicTableRegion`` becomes the ids of the referenced rows, ragged columns of scalars become
one ``";"``-joined string per row (a ragged region with one row each stays an int id). What
cannot be held (compound rows, TimeSeries references, ragged arrays, doubly ragged columns)
raises :class:`~neurokit.io._nwb_context.Unrepresentable`.

Imported only by :func:`neurokit.io.read_nwb`, after ``soft_import("pynwb")`` succeeded.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hdmf.common.table import DynamicTable, DynamicTableRegion, VectorIndex
from hdmf.container import AbstractContainer
from pynwb.base import TimeSeriesReferenceVectorData

from neurokit.io._nwb_context import ReadContext, Unrepresentable

#: separator of the values of one row of a ragged column
JOIN = ";"


@dataclass(frozen=True)
class Column:
    """One table column: ``values`` has shape ``(n_rows, ...)``, numbers or ``str``."""

    name: str
    values: np.ndarray
    description: str


def read_columns(
    table: DynamicTable, *, where: str, ctx: ReadContext, exclude: Sequence[str] = ()
) -> list[Column]:
    """Every column of ``table`` that numpy can hold; the others are recorded in ``ctx.skipped``.

    Parameters
    ----------
    table : hdmf.common.DynamicTable
        Table read by pynwb.
    where : str
        NWB path of the table, used in skip records.
    ctx : ReadContext
        Shared read state.
    exclude : sequence of str
        Columns the caller converts itself.

    Returns
    -------
    list of Column
        In the table's column order.
    """
    columns = []
    for name in table.colnames:
        if name in exclude:
            continue
        col = table[name]
        try:
            values = column_values(col)
        except Unrepresentable as why:
            ctx.skip(f"{where}/{name}", str(why))
            continue
        columns.append(Column(name, values, _description(col)))
    return columns


def column_values(col: Any) -> np.ndarray:
    """Values of one column, ``(n_rows, ...)``; raises Unrepresentable when there is none."""
    if isinstance(col, VectorIndex):
        return _ragged_values(col)
    if isinstance(col, TimeSeriesReferenceVectorData):
        raise Unrepresentable("references to TimeSeries")
    if isinstance(col, DynamicTableRegion):
        return region_ids(col)
    return plain_values(col.data)


def table_ids(table: DynamicTable) -> np.ndarray:
    """Row ids of a table, ``(n_rows,)`` int64."""
    return np.asarray(table.id.data[:], dtype=np.int64)


def region_ids(region: DynamicTableRegion) -> np.ndarray:
    """Ids of the rows a ``DynamicTableRegion`` points to, ``(n,)`` int64."""
    rows = np.asarray(region.data[:], dtype=np.int64)
    return table_ids(region.table)[rows]


def ragged_parts(index: VectorIndex) -> list[np.ndarray]:
    """Split a ragged column into one array per row (``index`` is its ``VectorIndex``)."""
    ends = np.asarray(index.data[:], dtype=np.int64)
    target = index.target
    if isinstance(target, VectorIndex):
        raise Unrepresentable("doubly ragged column")
    if isinstance(target, TimeSeriesReferenceVectorData):
        raise Unrepresentable("references to TimeSeries")
    flat = (
        region_ids(target) if isinstance(target, DynamicTableRegion) else plain_values(target.data)
    )
    if ends.size == 0:
        return []
    return np.split(flat, ends[:-1])


def plain_values(data: Any) -> np.ndarray:
    """A column's stored values as numbers (bool -> int8) or ``str``.

    Parameters
    ----------
    data : h5py.Dataset, hdmf dataset wrapper, list or numpy array
        The column's ``data``.

    Returns
    -------
    numpy.ndarray
        Numeric or ``str`` dtype, same shape as ``data``.
    """
    dtype = getattr(data, "dtype", None)
    if isinstance(dtype, list) or getattr(dtype, "names", None):
        raise Unrepresentable("compound column")
    raw = data[:]
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "iuf":
        return raw
    if isinstance(raw, np.ndarray) and raw.dtype.kind == "b":
        return raw.astype(np.int8)
    if isinstance(raw, np.ndarray) and raw.dtype.kind == "U":
        return raw
    if isinstance(raw, np.ndarray) and raw.dtype.kind == "M":
        return np.datetime_as_string(raw).astype(str)
    if isinstance(raw, np.ndarray) and raw.dtype.kind == "c":
        raise Unrepresentable("complex numbers")
    return _objects_as_text(raw)


def to_text_array(values: Any) -> np.ndarray:
    """Any 1-D sequence of bytes/str/names as a numpy ``str`` array (empty gives ``<U1``)."""
    return np.asarray([_text(v) for v in values], dtype=str)


def _objects_as_text(raw: Any) -> np.ndarray:
    if isinstance(raw, np.ndarray):
        flat = raw.ravel()
        shape = raw.shape
    else:  # hdmf wrappers hand back lists (of str, of containers…)
        flat = list(raw)
        shape = (len(flat),)
    numbers = [v for v in flat if isinstance(v, (int, float, np.integer, np.floating))]
    if len(flat) > 0 and len(numbers) == len(flat):
        return np.asarray(flat, dtype=np.float64).reshape(shape)
    return to_text_array(flat).reshape(shape)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    if isinstance(value, AbstractContainer):
        return value.name
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (tuple, np.void)):
        raise Unrepresentable("compound column")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    raise Unrepresentable(f"values of type {type(value).__name__}")


def _ragged_values(index: VectorIndex) -> np.ndarray:
    parts = ragged_parts(index)
    if any(p.ndim != 1 for p in parts):
        raise Unrepresentable("ragged column of arrays")
    if isinstance(index.target, DynamicTableRegion) and parts and all(p.size == 1 for p in parts):
        return np.concatenate(parts)
    return np.asarray([JOIN.join(_text(v) for v in p) for p in parts], dtype=str)


def _description(col: Any) -> str:
    text = getattr(col, "description", None)
    if isinstance(col, VectorIndex):
        text = getattr(col.target, "description", text)
    return text if isinstance(text, str) else ""
