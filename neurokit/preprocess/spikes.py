"""Spike counts in time bins: :func:`bin_spikes`, and the exact binning rule it shares.

The rule (also used by :func:`neurokit.preprocess.align_to_events` on spikes):

* edges are ``e_k = start + k * bin_size`` for ``k = 0..n``, computed in float64 exactly so
  (``start + np.arange(n + 1) * bin_size``);
* bin ``k`` holds the spikes with ``e_k <= t < e_(k+1)`` (half-open), so a spike on an edge goes
  to the bin that edge opens, and spikes before ``e_0`` or at/after ``e_n`` are not counted;
* this equals ``np.histogram(t, edges)`` except that ``np.histogram`` also counts spikes equal to
  the last edge;
* edges are float64 values, not decimal ones: with ``bin_size=0.1``, ``3 * 0.1`` is
  ``0.30000000000000004``, so a spike at ``0.3`` lies in the bin before that edge.

Counting is O(n_spikes) plus writing the output: the bin of each spike comes from a floor
division corrected by comparison with the exact edges, then runs of equal (unit, bin) pairs are
counted and written once each.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import InvalidValueError
from neurokit.preprocess._checks import (
    element_coords,
    provenance,
    require_finite_scalar,
    require_positive,
    source_of,
    units_arrays,
)
from neurokit.validation import validate

__all__ = ["bin_spikes"]

#: ``(stop - start) / bin_size`` within this (relative) distance of an integer counts as it
_GRID_TOLERANCE = 1e-9


def bin_spikes(
    units: xr.Dataset,
    bin_size: float,
    *,
    start: float | None = None,
    stop: float | None = None,
    dtype: npt.DTypeLike = np.int32,
) -> xr.DataArray:
    """Count the spikes of every unit in consecutive time bins.

    Parameters
    ----------
    units : xarray.Dataset
        A units Dataset (``docs/conventions.md``): ``spike_times`` ``(spike,)`` in seconds with
        coordinate ``spike_unit`` ``(spike,)`` (unit id of each spike), and a ``unit`` dim whose
        coordinate holds the unit ids. Spikes sorted by unit then time are counted fastest; any
        order is accepted.
    bin_size : float
        Bin width, seconds.
    start : float, optional
        Left edge of the first bin, seconds. Default ``0.0``: spikes before it are not counted.
    stop : float, optional
        End of the binned window, seconds. The number of bins is
        ``n = (stop - start) / bin_size`` rounded to the nearest integer when within ``1e-9``
        (relative) of it, rounded up otherwise; the last edge ``start + n * bin_size`` can thus
        lie a little after ``stop``, and spikes at or after that last edge are not counted.
        Default: the end of the bin that holds the last spike, so every spike at or after
        ``start`` is counted.
    dtype : numpy integer dtype, default ``numpy.int32``
        Dtype of the counts.

    Returns
    -------
    xarray.DataArray, shape (n_bins, n_units), dims ``("time", "unit")``
        Spike counts. ``time`` holds the bin centres ``start + (k + 0.5) * bin_size`` (s); every
        coordinate on ``unit`` is carried over. ``attrs``: ``units="count"``, ``bin_size`` (s),
        ``sampling_rate = 1 / bin_size`` (Hz), ``start`` and ``stop`` (first and last bin edges,
        s) and the provenance attrs of ``units``.

    Raises
    ------
    neurokit.errors.SchemaError
        If ``units`` is not a units Dataset, or a spike's unit id is absent from ``unit``.
    neurokit.errors.InvalidValueError
        On non-finite spike times, ``bin_size <= 0``, ``stop <= start``, no spike to set the
        default ``stop`` from, a non-integer ``dtype``, or counts that overflow ``dtype``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> units = xr.Dataset(
    ...     {"spike_times": ("spike", [0.05, 0.1, 0.12, 0.31])},
    ...     coords={"spike_unit": ("spike", [7, 7, 3, 3]), "unit": [7, 3]},
    ... )
    >>> counts = bin_spikes(units, 0.1)
    >>> counts.shape, counts.dims
    ((4, 2), ('time', 'unit'))
    >>> counts.sel(unit=7).values.tolist()  # 0.1 opens the second bin
    [1, 1, 0, 0]
    >>> counts.time.values.round(2).tolist()
    [0.05, 0.15, 0.25, 0.35]
    """
    spike_times, unit_index, unit_ids = units_arrays(units)
    source = source_of(units)
    bin_size = require_positive(bin_size, name="bin_size")
    start = 0.0 if start is None else require_finite_scalar(start, name="start")
    out_dtype = _integer_dtype(dtype)

    if stop is None:
        n_bins = _default_n_bins(spike_times, start, bin_size, source=source)
    else:
        stop = require_finite_scalar(stop, name="stop")
        if stop <= start:
            raise InvalidValueError(
                "empty window", field="stop", expected=f"stop > start = {start}", found=repr(stop)
            )
        n_bins = _n_bins(stop - start, bin_size)

    bins = _bin_index(spike_times, start, bin_size)
    inside = (bins >= 0) & (bins < n_bins)
    if not inside.all():
        bins, unit_index = bins[inside], unit_index[inside]
    bins = bins.astype(np.intp)
    n_units = unit_ids.size
    counts = np.zeros((n_bins, n_units), dtype=out_dtype)
    _count_cells(
        counts.reshape(-1),
        group=unit_index * n_bins + bins,
        cell=bins * n_units + unit_index,
        source=source,
    )

    edges = start + np.arange(n_bins + 1) * bin_size
    centres = start + (np.arange(n_bins) + 0.5) * bin_size
    coords = {cv.TIME: centres, **element_coords(units, cv.UNIT)}
    attrs = {
        **provenance(units.attrs),
        cv.UNITS_ATTR: cv.COUNTS,
        "bin_size": bin_size,
        cv.SAMPLING_RATE_ATTR: 1.0 / bin_size,
        "start": start,
        "stop": float(edges[-1]),
    }
    out = xr.DataArray(
        counts, dims=(cv.TIME, cv.UNIT), coords=coords, attrs=attrs, name="spike_counts"
    )
    return validate(out, source=source)


def _integer_dtype(dtype: npt.DTypeLike) -> np.dtype:
    out = np.dtype(dtype)
    if out.kind not in "iu":
        raise InvalidValueError(
            "counts need an integer dtype",
            field="dtype",
            expected="an integer dtype",
            found=str(out),
        )
    return out


def _n_bins(span: float, bin_size: float) -> int:
    """Number of bins of ``bin_size`` covering ``span`` seconds (see :func:`bin_spikes`)."""
    ratio = span / bin_size
    nearest = round(ratio)
    if abs(ratio - nearest) <= _GRID_TOLERANCE * max(1.0, abs(ratio)):
        return int(nearest)
    return int(math.ceil(ratio))


def _default_n_bins(times: np.ndarray, start: float, bin_size: float, *, source: str | None) -> int:
    last = times.max(initial=-np.inf)
    if last < start:
        raise InvalidValueError(
            "no spike at or after start to set the default stop from",
            path=source,
            field="spike_times",
            expected=f"spikes at or after start = {start} s, or an explicit stop",
            found="none" if times.size == 0 else f"last spike at {last} s",
        )
    return int(_bin_index(np.array([last]), start, bin_size)[0]) + 1


def _bin_index(times: np.ndarray, start: float | np.ndarray, bin_size: float) -> np.ndarray:
    """Bin of each time under the exact-edge rule, as float64 integers (may be < 0 or >= n).

    ``start`` is a scalar or an array broadcast against ``times`` (one window start per time).
    A floor division gives the bin up to rounding; one comparison with each neighbouring edge,
    computed as ``start + k * bin_size`` like the documented edges, fixes it.
    """
    k = np.floor((times - start) / bin_size)
    k -= times < start + k * bin_size
    k += times >= start + (k + 1.0) * bin_size
    return k


def _count_cells(
    out: np.ndarray, *, group: np.ndarray, cell: np.ndarray, source: str | None
) -> None:
    """Write into the zeros of ``out`` the number of items that fall in each cell.

    ``group`` must identify cells one-to-one (it is the cell index in another layout): items are
    counted in runs of equal ``group``, so items already sorted by ``group`` (spikes sorted by unit
    then time) need no sort; others are sorted first.
    """
    if group.size == 0:
        return
    if np.any(group[1:] < group[:-1]):
        order = np.argsort(group, kind="stable")
        group, cell = group[order], cell[order]
    run_starts = np.flatnonzero(group[1:] != group[:-1]) + 1
    run_starts = np.concatenate(([0], run_starts))
    run_lengths = np.diff(np.append(run_starts, group.size))
    limit = np.iinfo(out.dtype).max
    if run_lengths.max() > limit:
        raise InvalidValueError(
            "spike counts overflow the requested dtype",
            path=source,
            field="dtype",
            expected=f"counts <= {limit} ({out.dtype})",
            found=f"a count of {int(run_lengths.max())}",
        )
    out[cell[run_starts]] = run_lengths
