"""Cut recordings into trials around events: :func:`align_to_events`."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import InvalidValueError, MissingDataError, SchemaError
from neurokit.preprocess._checks import (
    element_coords,
    provenance,
    require_finite_scalar,
    require_positive,
    require_sampling_rate,
    require_time_coord,
    source_of,
    units_arrays,
)
from neurokit.preprocess.spikes import _bin_index, _count_cells, _n_bins
from neurokit.validation import validate

__all__ = ["align_to_events"]

OutOfBounds = Literal["raise", "drop", "nan"]


class _Aligned(NamedTuple):
    """Trial-aligned values before trial selection, and what labels them."""

    values: np.ndarray  # (n_trials, n_time, ...)
    rel: np.ndarray  # (n_time,) seconds relative to the event
    dims: list[Hashable]  # dims after ("trial", "time")
    coords: dict[Hashable, Any]  # coordinates on those dims
    attrs: dict[str, Any]
    outside: np.ndarray  # (n_trials, n_time) bool: no data there


def align_to_events(
    data: xr.DataArray | xr.Dataset,
    events: xr.Dataset | Sequence[float] | np.ndarray,
    window: tuple[float, float],
    *,
    event: str = "start_time",
    bin_size: float | None = None,
    out_of_bounds: OutOfBounds = "raise",
) -> xr.DataArray:
    """Cut continuous data or spikes into trials, on a time axis relative to each event.

    *Continuous data* (a DataArray with a ``time`` dim and ``attrs["sampling_rate"]`` ``fs``):
    the relative time grid is ``arange(round(w0 * fs), round(w1 * fs)) / fs`` (end excluded)
    and each trial takes, for every ``event + rel``, the **nearest sample** of the recording
    (ties go to the earlier sample; no interpolation). A trial is out of bounds when a target
    time lies more than half a sampling period outside the recorded ``time`` range.

    *Spikes* (a units Dataset, ``bin_size`` required): each trial is binned like
    :func:`~neurokit.preprocess.bin_spikes` with ``start = event + w0`` and
    ``n = (w1 - w0) / bin_size`` bins (rounded to the nearest integer when within 1e-9 of it,
    up otherwise): bin ``k`` counts ``event + w0 + k * bin_size <= t < event + w0 +
    (k + 1) * bin_size``, and ``time`` is ``w0 + (k + 0.5) * bin_size``. The recording of a
    units Dataset is taken to span from ``min(0, first spike)`` to the last spike; a trial
    whose first edge is before it or whose last edge is after it is out of bounds.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        Continuous data with dims ``("time", ...)`` (``unit``, ``roi`` or ``channel``…; any
        order), or a units Dataset (``docs/conventions.md``).
    events : xarray.Dataset or array-like of float, shape (n_trials,)
        Event times (s) with trial ids ``0..n_trials-1``; or an intervals Dataset on dim
        ``trial`` (or ``interval``) whose ``event`` column gives the event times, whose ids
        become the ``trial`` coordinate and whose 1-D columns all become coordinates on
        ``trial``.
    window : (float, float)
        ``(w0, w1)``, seconds relative to the event, ``w0 < w1`` (e.g. ``(-0.5, 1.0)``).
    event : str, default "start_time"
        Column of an intervals Dataset holding the event times. Ignored for arrays.
    bin_size : float, optional
        Bin width (s) for spikes; required for a units Dataset, refused for continuous data.
    out_of_bounds : {"raise", "drop", "nan"}, default "raise"
        Trials whose window leaves the recording: raise :class:`InvalidValueError` listing
        their ids, drop them, or keep them with NaN where there are no data (the result is then
        float64).

    Returns
    -------
    xarray.DataArray, dims ``("trial", "time", ...)``
        ``trial`` coordinate (ids) and trial columns; ``time`` relative to the event (s); the
        other dims and their coordinates from ``data``. Continuous data keep their values,
        units and attrs; spikes give ``units="count"`` with ``bin_size`` and ``sampling_rate``
        attrs and the provenance attrs of ``data``. Both record ``event`` and
        ``window = [w0, w1]`` in attrs.

    Raises
    ------
    neurokit.errors.SchemaError
        Wrong layout of ``data`` or ``events``, or a trial column named like a dim/coordinate
        of the result.
    neurokit.errors.MissingDataError
        If the ``event`` column is absent from the intervals Dataset.
    neurokit.errors.InvalidValueError
        Non-finite events, a bad window or ``bin_size``, or out-of-bounds trials (``"raise"``).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> fs = 100.0
    >>> t = np.arange(1000) / fs
    >>> lfp = xr.DataArray(np.sin(2 * np.pi * t)[:, None], dims=("time", "channel"),
    ...                    coords={"time": t, "channel": ["ch0"]},
    ...                    attrs={"sampling_rate": fs, "units": "V"})
    >>> trials = align_to_events(lfp, [2.0, 5.0, 7.25], (-0.1, 0.2))
    >>> trials.dims, trials.shape
    (('trial', 'time', 'channel'), (3, 30, 1))
    >>> float(trials.sel(trial=2, time=0.0, channel="ch0"))  # sin(2 pi 7.25)
    1.0
    """
    w0 = require_finite_scalar(window[0], name="window[0]")
    w1 = require_finite_scalar(window[1], name="window[1]")
    if not w0 < w1:
        raise InvalidValueError(
            "empty window", field="window", expected="(w0, w1) with w0 < w1", found=repr(window)
        )
    if out_of_bounds not in ("raise", "drop", "nan"):
        raise InvalidValueError(
            "unknown out_of_bounds policy",
            field="out_of_bounds",
            expected="'raise', 'drop' or 'nan'",
            found=repr(out_of_bounds),
        )
    times, ids, columns, event_name = _events(events, event)

    if isinstance(data, xr.Dataset):
        if bin_size is None:
            raise InvalidValueError(
                "spikes need a bin size",
                path=source_of(data),
                field="bin_size",
                expected="a bin width in seconds for a units Dataset",
            )
        bin_size = require_positive(bin_size, name="bin_size")
        aligned = _align_spikes(data, times, w0, w1, bin_size)
    elif isinstance(data, xr.DataArray):
        if bin_size is not None:
            raise InvalidValueError(
                "bin_size applies to spikes only",
                path=source_of(data),
                field="bin_size",
                expected="None for continuous data (resample it instead)",
                found=repr(bin_size),
            )
        aligned = _align_continuous(data, times, w0, w1)
    else:
        raise SchemaError(
            "cannot align this object",
            field="data",
            expected="a continuous DataArray with a 'time' dim or a units Dataset",
            found=type(data).__name__,
        )
    dims = (cv.TRIAL, cv.TIME, *aligned.dims)
    _check_columns(columns, dims, aligned.coords)

    values, keep = aligned.values, slice(None)
    bad_trials = aligned.outside.any(axis=1)
    if bad_trials.any():
        if out_of_bounds == "raise":
            raise InvalidValueError(
                "trial windows leave the recording",
                path=source_of(data),
                field="window",
                expected=f"event + [{w0}, {w1}] s inside the recording for every trial "
                "(or out_of_bounds='drop'/'nan')",
                found=f"{int(bad_trials.sum())} trials out of bounds, ids "
                f"{ids[bad_trials][:10].tolist()}",
            )
        if out_of_bounds == "drop":
            keep = np.flatnonzero(~bad_trials)
            if keep.size == 0:
                raise InvalidValueError(
                    "every trial window leaves the recording",
                    path=source_of(data),
                    field="window",
                    expected="at least one trial inside the recording",
                )
            values = values[keep]
        else:
            values = values.astype(np.float64)
            values[aligned.outside] = np.nan

    coords = {
        cv.TRIAL: ids[keep],
        **{name: (cv.TRIAL, col[keep]) for name, col in columns.items()},
        cv.TIME: aligned.rel,
        **aligned.coords,
    }
    attrs = {**aligned.attrs, "event": event_name, "window": np.array([w0, w1])}
    out = xr.DataArray(values, dims=dims, coords=coords, attrs=attrs, name=_name(data))
    return validate(out, source=source_of(data))


def _name(data: xr.DataArray | xr.Dataset) -> Hashable:
    return data.name if isinstance(data, xr.DataArray) else "spike_counts"


def _events(
    events: Any, event: str
) -> tuple[np.ndarray, np.ndarray, dict[Hashable, np.ndarray], str]:
    """Event times, trial ids, trial columns and the name of the event column."""
    if isinstance(events, xr.Dataset):
        dim = next((d for d in (cv.TRIAL, cv.INTERVAL) if d in events.dims), None)
        if dim is None:
            raise SchemaError(
                "not an intervals Dataset",
                path=source_of(events),
                field="events",
                expected="a Dataset on dim 'trial' or 'interval'",
                found=f"dims {tuple(events.dims)}",
            )
        if event not in events.variables or events[event].dims != (dim,):
            raise MissingDataError(
                "no event column",
                path=source_of(events),
                field=event,
                expected=f"a column '{event}' on dim '{dim}' holding event times (s)",
                found=f"columns {sorted(map(str, events.variables))}",
            )
        times = np.asarray(events[event].values, dtype=np.float64)
        n = times.size
        ids = events.coords[dim].values if dim in events.coords else np.arange(n)
        columns = {
            name: var.values
            for name, var in events.variables.items()
            if var.dims == (dim,) and name != dim
        }
        name, source = event, source_of(events)
    else:
        times = np.asarray(events, dtype=np.float64)
        if times.ndim != 1:
            raise SchemaError(
                "events are not a 1-D array of times",
                field="events",
                expected="shape (n_trials,)",
                found=f"shape {times.shape}",
            )
        ids, columns, name, source = np.arange(times.size), {}, "events", None
    if times.size == 0:
        raise InvalidValueError("no events", path=source, field=name, expected="at least one event")
    bad = ~np.isfinite(times)
    if bad.any():
        raise InvalidValueError(
            "event times are not finite",
            path=source,
            field=name,
            expected="finite seconds",
            found=f"first bad value at index {int(np.argmax(bad))}",
        )
    return times, ids, columns, name


def _check_columns(
    columns: dict[Hashable, np.ndarray], dims: tuple[Hashable, ...], coords: dict[Hashable, Any]
) -> None:
    taken = set(dims) | set(coords)
    clash = sorted(str(name) for name in columns if name in taken)
    if clash:
        raise SchemaError(
            "trial columns clash with the result's dims/coordinates",
            field=clash[0],
            expected=f"trial column names other than {sorted(map(str, taken))}",
            found=f"columns {clash}",
        )


def _align_continuous(data: xr.DataArray, times: np.ndarray, w0: float, w1: float) -> _Aligned:
    """Nearest-sample cut-outs of continuous data."""
    if cv.TRIAL in data.dims:
        raise SchemaError(
            "data are already trial-aligned",
            path=source_of(data),
            field="data",
            expected="continuous data without a 'trial' dim",
            found=f"dims {data.dims}",
        )
    sample_times = require_time_coord(data, name=str(data.name or "data"))
    fs = require_sampling_rate(data, name=str(data.name or "data"))
    rel = np.arange(round(w0 * fs), round(w1 * fs)) / fs
    if rel.size == 0:
        raise InvalidValueError(
            "window shorter than one sample",
            field="window",
            expected=f"w1 - w0 of at least one sampling period (1/{fs:g} s)",
            found=repr((w0, w1)),
        )
    target = times[:, None] + rel[None, :]
    half = 0.5 / fs
    outside = (target < sample_times[0] - half) | (target > sample_times[-1] + half)
    index = np.searchsorted(sample_times, target).clip(1, max(sample_times.size - 1, 1))
    if sample_times.size > 1:
        earlier = target - sample_times[index - 1] <= sample_times[index] - target
        index = index - earlier
    else:
        index = np.zeros_like(index)
    rest = [d for d in data.dims if d != cv.TIME]
    values = np.take(data.transpose(cv.TIME, *rest).values, index, axis=0)
    coords = {
        name: coord.variable for name, coord in data.coords.items() if cv.TIME not in coord.dims
    }
    return _Aligned(values, rel, rest, coords, dict(data.attrs), outside)


def _align_spikes(
    units: xr.Dataset, times: np.ndarray, w0: float, w1: float, bin_size: float
) -> _Aligned:
    """Per-trial spike counts in event-relative bins."""
    spike_times, unit_index, unit_ids = units_arrays(units)
    n_bins = _n_bins(w1 - w0, bin_size)
    n_trials, n_units = times.size, unit_ids.size
    starts = times + w0
    last_edges = starts + n_bins * bin_size

    if np.any(spike_times[1:] < spike_times[:-1]):
        order = np.argsort(spike_times, kind="stable")
        spike_times, unit_index = spike_times[order], unit_index[order]
    lo = np.searchsorted(spike_times, starts, side="left")
    hi = np.searchsorted(spike_times, last_edges, side="left")
    lengths = hi - lo
    trial_of = np.repeat(np.arange(n_trials), lengths)
    offsets = np.cumsum(lengths) - lengths
    picked = np.arange(int(lengths.sum())) + np.repeat(lo - offsets, lengths)
    bins = _bin_index(spike_times[picked], starts[trial_of], bin_size)
    inside = (bins >= 0) & (bins < n_bins)
    cell = (trial_of[inside] * n_bins + bins[inside].astype(np.intp)) * n_units
    cell += unit_index[picked][inside]
    counts = np.zeros((n_trials, n_bins, n_units), dtype=np.int32)
    _count_cells(counts.reshape(-1), group=cell, cell=cell, source=source_of(units))

    lower = min(0.0, float(spike_times[0])) if spike_times.size else 0.0
    upper = float(spike_times[-1]) if spike_times.size else 0.0
    k = np.arange(n_bins)
    left = starts[:, None] + k[None, :] * bin_size
    right = starts[:, None] + (k[None, :] + 1.0) * bin_size
    outside = (left < lower) | (right > upper)

    rel = w0 + (k + 0.5) * bin_size
    attrs = {
        **provenance(units.attrs),
        cv.UNITS_ATTR: cv.COUNTS,
        "bin_size": bin_size,
        cv.SAMPLING_RATE_ATTR: 1.0 / bin_size,
    }
    return _Aligned(counts, rel, [cv.UNIT], element_coords(units, cv.UNIT), attrs, outside)
