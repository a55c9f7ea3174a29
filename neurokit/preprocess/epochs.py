"""M/EEG epochs: :func:`epoch` (recordings + events -> ``(trial, channel, time)``),
:func:`filter_signal` (band-pass through MNE) and :func:`resample_signal`.

The recordings are what :func:`neurokit.io.mne_reader.read_eeg` returns (a Dataset holding
``data (channel, time)`` and its events table on dim ``interval``), or bare ``(channel, time)``
DataArrays with events given beside them. Epochs keep MNE's and braindecode's layout
``(trial, channel, time)`` so decoders take ``epochs.values`` as it is.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit._optional import soft_import
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError
from neurokit.preprocess._checks import (
    require_all_finite,
    require_finite_scalar,
    require_positive,
    require_regular,
    require_sampling_rate,
    require_time_coord,
    source_of,
)
from neurokit.preprocess.resample import resample
from neurokit.validation import validate

__all__ = ["epoch", "filter_signal", "resample_signal"]

Recording = xr.Dataset | xr.DataArray
FlatPolicy = Literal["raise", "drop", "ignore"]

#: default flatness thresholds (peak-to-peak over the recording, in the channel's unit):
#: 1 µV for electrical channels, 1 fT for magnetometers, 0.1 fT/cm for gradiometers
FLAT_THRESHOLDS: dict[str, float] = {"V": 1e-6, "T": 1e-15, "T/m": 1e-13}
#: trial coordinates :func:`epoch` sets (a trial column of the events may not reuse them)
_TRIAL_COORDS = (
    "trial_id",
    "label",
    "description",
    "onset",
    "event_index",
    "recording",
    "subject",
    "session",
    "run",
    "source_file",
)


def epoch(
    recordings: Recording | Sequence[Recording],
    events: xr.Dataset | Sequence[xr.Dataset | None] | None = None,
    *,
    tmin: float,
    tmax: float,
    labels: Mapping[str, Any] | Sequence[str] | None = None,
    baseline: tuple[float | None, float | None] | None = None,
    event_column: str = "description",
    onset_column: str = "start_time",
    reject_flat: bool = True,
    flat_threshold: float | Mapping[str, float] | None = None,
    flat_policy: FlatPolicy = "raise",
    missing_label: Literal["raise", "ignore"] = "raise",
    out_of_bounds: Literal["raise", "drop"] = "raise",
) -> xr.DataArray:
    """Cut one or several continuous M/EEG recordings into labelled epochs.

    For each selected event with onset ``t_e`` (s, on the recording's ``time`` axis) the epoch
    holds the samples ``i_e + k`` for ``k = round(tmin * fs) … round(tmax * fs) - 1``, where
    ``i_e`` is the sample nearest ``t_e``; its ``time`` coordinate is ``k / fs`` (end excluded,
    like :func:`~neurokit.preprocess.align_to_events`; MNE's ``Epochs`` include ``tmax``). With
    ``baseline=(b0, b1)`` the mean over ``b0 <= time <= b1`` is subtracted per epoch and channel.

    Several recordings (runs, sessions, subjects) are checked against each other and
    concatenated along ``trial`` in the order given; channels present in every file but in
    another order are reordered like the first file. Every trial keeps where it came from
    (``subject``, ``session``, ``run``, ``recording``, ``source_file``) so that evaluation can
    split by trial, run, session or subject without leaking windows of one trial across folds.

    Parameters
    ----------
    recordings : xarray.Dataset, xarray.DataArray, or a sequence of them
        Datasets from :func:`neurokit.io.read_eeg` (``data`` + events), or ``(channel, time)``
        DataArrays with ``attrs["sampling_rate"]`` (then ``events`` is required).
    events : xarray.Dataset or a sequence of them (one per recording, None = the recording's)
        Intervals Datasets on dim ``interval`` (or ``trial``) with an ``onset_column`` (s) and
        an ``event_column`` (labels); other 1-D columns become trial coordinates.
    tmin, tmax : float
        Window relative to each onset, seconds, ``tmin < tmax``.
    labels : mapping or sequence of str, optional
        Which events to keep and what to call them: ``{"T1": "left", "T2": "right"}`` keeps the
        ``T1``/``T2`` events with labels ``left``/``right``; a sequence keeps those descriptions
        as labels; None keeps every event.
    baseline : (float or None, float or None), optional
        Baseline window in s relative to the onset (None = ``tmin`` / the last sample).
    event_column, onset_column : str
        Columns of the events holding the labels and the onsets.
    reject_flat : bool, default True
        Check every channel of every recording for flatness: peak-to-peak over the whole
        recording ``<= flat_threshold`` (a dead electrode).
    flat_threshold : float or mapping, optional
        Threshold in the channel's unit: one number for all channels, or per unit (``ch_unit``
        coordinate, e.g. ``{"V": 1e-6}``). Default :data:`FLAT_THRESHOLDS` (1 µV, 1 fT,
        0.1 fT/cm; 0 = constant for other units).
    flat_policy : {"raise", "drop", "ignore"}, default "raise"
        Flat channels: raise naming the channel and file, drop them from every recording
        (listed in ``attrs["dropped_channels"]``), or keep them.
    missing_label : {"raise", "ignore"}, default "raise"
        A requested label absent from a recording's events: raise naming the label and file,
        or go on (it must still occur in some recording).
    out_of_bounds : {"raise", "drop"}, default "raise"
        Events whose window leaves the recording: raise listing them, or drop them.

    Returns
    -------
    xarray.DataArray, dims ``("trial", "channel", "time")``
        The epochs in the recordings' units. Coordinates: ``trial`` (0…n-1) and, on trial,
        ``trial_id`` (the id evaluation groups by to keep windows cut from one trial together;
        equals ``trial`` here), ``label`` (str), ``description`` (the file's label), ``onset``
        (s, in its recording), ``event_index`` (row of the events table), ``recording`` (index
        in ``recordings``), ``subject``/``session``/``run`` (the recordings'
        ``subject_id``/``session_id``/``run_id`` attrs; ``"unknown"``, ``"unknown"`` and the
        file name — or ``"recording<k>"`` — when absent), ``source_file`` (``""`` when
        unknown), and the other 1-D event columns; ``time`` (s, relative to the onset); the
        channel coordinates of the first recording (``bad`` is true where any recording marks
        the channel bad). Attrs: ``sampling_rate``, ``units``, ``window = [tmin, tmax]``,
        ``baseline`` (when set), ``classes`` (sorted labels), ``source_file``/``subject_id``/
        ``session_id`` when shared by every recording, else ``source_files``.

    Raises
    ------
    neurokit.errors.SchemaError
        Recordings with different channel sets, sampling rates or units (naming both files
        and the channels/rates), a bad layout, or an event column named like an epoch
        coordinate.
    neurokit.errors.MissingDataError
        A requested label absent from a recording (naming label and file), no events left, or
        no events for a DataArray recording.
    neurokit.errors.InvalidValueError
        NaN/inf in an epoch (naming channel, file and trial), a flat channel (naming channel
        and file), a bad window or baseline, or windows leaving the recording.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> fs, rng = 100.0, np.random.default_rng(0)
    >>> raw = xr.Dataset(
    ...     {"data": (("channel", "time"), rng.normal(0, 1e-5, (2, 1000)),
    ...               {"units": "V", "sampling_rate": fs}),
    ...      "start_time": ("interval", [1.0, 4.0, 7.0], {"units": "s"}),
    ...      "description": ("interval", ["T1", "T2", "T1"])},
    ...     coords={"channel": ["C3", "C4"], "time": np.arange(1000) / fs,
    ...             "interval": [0, 1, 2]})
    >>> ep = epoch(raw, tmin=-0.5, tmax=1.0, labels={"T1": "left", "T2": "right"})
    >>> ep.dims, ep.shape
    (('trial', 'channel', 'time'), (3, 2, 150))
    >>> ep["label"].values.tolist()
    ['left', 'right', 'left']
    """
    tmin = require_finite_scalar(tmin, name="tmin")
    tmax = require_finite_scalar(tmax, name="tmax")
    if not tmin < tmax:
        raise InvalidValueError(
            "empty window", field="tmin/tmax", expected="tmin < tmax", found=f"{tmin}, {tmax}"
        )
    _check_choice(flat_policy, ("raise", "drop", "ignore"), "flat_policy")
    _check_choice(missing_label, ("raise", "ignore"), "missing_label")
    _check_choice(out_of_bounds, ("raise", "drop"), "out_of_bounds")
    recs = [recordings] if isinstance(recordings, (xr.Dataset, xr.DataArray)) else list(recordings)
    if not recs:
        raise MissingDataError("no recording given", field="recordings", expected="at least one")
    evs = _events_list(events, len(recs))
    mapping = _label_mapping(labels)

    parts = [
        _Part.of(rec, ev, k, event_column, onset_column)
        for k, (rec, ev) in enumerate(zip(recs, evs, strict=True))
    ]
    first = parts[0]
    for part in parts[1:]:
        part.conform_to(first)
    flat = _flat_channels(parts, reject_flat, flat_threshold, flat_policy)

    s0, s1 = int(round(tmin * first.rate)), int(round(tmax * first.rate))
    if s1 <= s0:
        raise InvalidValueError(
            "window shorter than one sample",
            field="tmin/tmax",
            expected=f"tmax - tmin >= 1 / {first.rate:g} s",
            found=f"{tmax - tmin:g} s",
        )
    rel = np.arange(s0, s1) / first.rate
    base = _baseline_mask(baseline, rel, tmin)
    _check_labels(parts, mapping, missing_label)

    blocks, columns = [], []
    for part in parts:
        values, cols = part.cut(mapping, s0, s1, out_of_bounds)
        if values.shape[0] == 0:
            continue
        _check_epochs_finite(values, part, cols)
        if base is not None:
            values = values - values[:, :, base].mean(axis=2, keepdims=True)
        blocks.append(values)
        columns.append(cols)
    if not blocks:
        raise MissingDataError(
            "no event left to epoch",
            field=event_column,
            expected=f"events labelled {sorted(mapping) if mapping else 'anything'}",
            found="none inside the recordings",
        )
    values = np.concatenate(blocks, axis=0)
    trial_cols = _merge_columns(columns)
    keep_ch = ~np.isin(first.channels, sorted(flat))
    values = values[:, keep_ch]

    chan = {
        name: (cv.CHANNEL, np.asarray(var.values)[keep_ch], var.attrs)
        for name, var in first.channel_coords.items()
    }
    if "bad" in chan:
        chan["bad"] = (cv.CHANNEL, np.any([p.bad for p in parts], axis=0)[keep_ch])
    n = values.shape[0]
    coords: dict[Hashable, Any] = {
        cv.TRIAL: np.arange(n),
        "trial_id": (cv.TRIAL, np.arange(n)),
        **{name: (cv.TRIAL, col) for name, col in trial_cols.items()},
        cv.CHANNEL: first.channels[keep_ch],
        **chan,
        cv.TIME: rel,
    }
    attrs = _epoch_attrs(parts, first, tmin, tmax, baseline, trial_cols["label"], flat)
    out = xr.DataArray(values, dims=cv.EPOCHS_DIMS, coords=coords, attrs=attrs, name="epochs")
    return validate(out, source=attrs.get("source_file"))


class _Part:
    """One recording ready to cut: ``(channel, time)`` values, its events and its provenance."""

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)

    @classmethod
    def of(
        cls, rec: Recording, events: xr.Dataset | None, k: int, event_col: str, onset_col: str
    ) -> _Part:
        if isinstance(rec, xr.Dataset):
            if "data" not in rec.data_vars:
                raise SchemaError(
                    "recording Dataset without a 'data' variable",
                    path=source_of(rec),
                    field="data",
                    expected="the Dataset read_eeg returns (data (channel, time) + events)",
                    found=f"variables {list(rec.data_vars)}",
                )
            da = rec["data"]
            if events is None:
                events = _own_events(rec)
            attrs = {**rec.attrs, **da.attrs}
        elif isinstance(rec, xr.DataArray):
            da, attrs = rec, dict(rec.attrs)
        else:
            raise SchemaError(
                "not a recording",
                field=f"recordings[{k}]",
                expected="an xarray Dataset from read_eeg or a (channel, time) DataArray",
                found=type(rec).__name__,
            )
        source = attrs.get("source_file") if isinstance(attrs.get("source_file"), str) else None
        name = source or f"recordings[{k}]"
        if set(da.dims) != {cv.CHANNEL, cv.TIME}:
            raise SchemaError(
                "recording is not (channel, time)",
                path=source,
                field="data",
                expected="dims ('channel', 'time')",
                found=str(da.dims),
            )
        da = da.transpose(cv.CHANNEL, cv.TIME)
        time = require_time_coord(da, name="data")
        rate = require_sampling_rate(da if cv.SAMPLING_RATE_ATTR in da.attrs else rec, name="data")
        require_regular(time, rate, name="data", source=source)
        if events is None:
            raise MissingDataError(
                "no events for this recording",
                path=source,
                field="events",
                expected="an intervals Dataset (or a Dataset from read_eeg holding its events)",
            )
        onsets, descr, ev_cols, ev_ids = _read_events(events, event_col, onset_col, name)
        channels = (
            np.asarray(da.coords[cv.CHANNEL].values)
            if cv.CHANNEL in da.coords
            else (np.arange(da.sizes[cv.CHANNEL]))
        )
        chan_coords = {
            c: v for c, v in da.coords.items() if v.dims == (cv.CHANNEL,) and c != cv.CHANNEL
        }
        ch_unit = (
            np.asarray(chan_coords["ch_unit"].values, dtype=str)
            if "ch_unit" in chan_coords
            else np.full(channels.size, str(da.attrs.get(cv.UNITS_ATTR, cv.ARBITRARY)))
        )
        bad = (
            np.asarray(chan_coords["bad"].values, dtype=bool)
            if "bad" in chan_coords
            else np.zeros(channels.size, dtype=bool)
        )
        stem = Path(source).name.split(".")[0] if source else f"recording{k}"
        return cls(
            da=da,
            values=np.asarray(da.values),
            time=time,
            rate=rate,
            source=source,
            name=name,
            index=k,
            channels=channels,
            channel_coords=chan_coords,
            ch_unit=ch_unit,
            bad=bad,
            units=str(da.attrs.get(cv.UNITS_ATTR, cv.ARBITRARY)),
            onsets=onsets,
            descr=descr,
            ev_cols=ev_cols,
            ev_ids=ev_ids,
            subject=str(attrs.get("subject_id", "unknown")),
            session=str(attrs.get("session_id", "unknown")),
            run=str(attrs.get("run_id", stem)),
            attrs=attrs,
        )

    def conform_to(self, first: _Part) -> None:
        """Check rate, units and channel set against the first recording; reorder channels."""
        if not np.isclose(self.rate, first.rate, rtol=1e-9, atol=0.0):
            raise SchemaError(
                "recordings have different sampling rates",
                path=self.name,
                field="sampling_rate",
                expected=f"{first.rate:g} Hz like {first.name} (resample with resample_signal)",
                found=f"{self.rate:g} Hz",
            )
        if self.units != first.units:
            raise SchemaError(
                "recordings have different units",
                path=self.name,
                field="data.attrs['units']",
                expected=f"{first.units!r} like {first.name}",
                found=repr(self.units),
            )
        mine, theirs = list(self.channels), list(first.channels)
        if mine == theirs:
            return
        missing = [c for c in theirs if c not in mine]
        extra = [c for c in mine if c not in theirs]
        if missing or extra or len(mine) != len(theirs):
            raise SchemaError(
                f"channel sets differ between {first.name} and {self.name}",
                path=self.name,
                field="channel",
                expected=f"the {len(theirs)} channels of {first.name}",
                found=f"missing {missing[:10]}, extra {extra[:10]}",
            )
        order = [mine.index(c) for c in theirs]
        self.values = self.values[order]
        self.channels = self.channels[order]
        self.ch_unit = self.ch_unit[order]
        self.bad = self.bad[order]

    def cut(
        self, mapping: dict[str, str] | None, s0: int, s1: int, out_of_bounds: str
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Epochs ``(n, channel, time)`` of the selected events and their trial columns."""
        select = (
            np.ones(self.descr.size, dtype=bool)
            if mapping is None
            else np.isin(self.descr, list(mapping))
        )
        sel = np.flatnonzero(select)
        start = np.rint((self.onsets[sel] - self.time[0]) * self.rate).astype(np.int64) + s0
        outside = (start < 0) | (start + (s1 - s0) > self.time.size)
        if outside.any():
            if out_of_bounds == "raise":
                raise InvalidValueError(
                    "epoch windows leave the recording",
                    path=self.name,
                    field="tmin/tmax",
                    expected="onset + [tmin, tmax) inside the recording for every event "
                    "(or out_of_bounds='drop')",
                    found=f"{int(outside.sum())} events out of bounds, onsets (s) "
                    f"{self.onsets[sel][outside][:10].round(3).tolist()}",
                )
            sel, start = sel[~outside], start[~outside]
        index = start[:, None] + np.arange(s1 - s0)[None, :]  # (n, time)
        values = np.moveaxis(self.values[:, index], 0, 1)  # (n, channel, time)
        descr = self.descr[sel]
        cols = {
            "label": np.asarray(
                [descr_i if mapping is None else str(mapping[descr_i]) for descr_i in descr],
                dtype=str,
            ),
            "description": descr,
            "onset": self.onsets[sel],
            "event_index": self.ev_ids[sel],
            "recording": np.full(sel.size, self.index),
            "subject": np.full(sel.size, self.subject),
            "session": np.full(sel.size, self.session),
            "run": np.full(sel.size, self.run),
            "source_file": np.full(sel.size, self.source or ""),
        }
        for name, col in self.ev_cols.items():
            cols[name] = col[sel]
        return values, cols


def _check_choice(value: Any, choices: tuple[str, ...], name: str) -> None:
    if value not in choices:
        raise ConfigError(
            f"unknown {name}",
            field=name,
            expected=" or ".join(repr(c) for c in choices),
            found=repr(value),
        )


def _events_list(events: Any, n: int) -> list[xr.Dataset | None]:
    if events is None:
        return [None] * n
    if isinstance(events, xr.Dataset):
        if n == 1:
            return [events]
        raise SchemaError(
            "one events table for several recordings",
            field="events",
            expected=f"a list of {n} events Datasets (one per recording) or None",
            found="a single Dataset",
        )
    evs = list(events)
    if len(evs) != n:
        raise SchemaError(
            "one events table per recording",
            field="events",
            expected=f"{n} events Datasets (or None)",
            found=f"{len(evs)}",
        )
    return evs


def _label_mapping(labels: Any) -> dict[str, str] | None:
    if labels is None:
        return None
    if isinstance(labels, Mapping):
        mapping = {str(k): str(v) for k, v in labels.items()}
    elif isinstance(labels, str):
        mapping = {labels: labels}
    else:
        mapping = {str(k): str(k) for k in labels}
    if not mapping:
        raise ConfigError("no label requested", field="labels", expected="at least one label")
    return mapping


def _own_events(rec: xr.Dataset) -> xr.Dataset | None:
    dim = next((d for d in (cv.INTERVAL, cv.TRIAL) if d in rec.dims), None)
    if dim is None:
        return None
    return rec.drop_dims([d for d in rec.dims if d != dim])


def _read_events(
    events: Any, event_col: str, onset_col: str, name: str
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    if not isinstance(events, xr.Dataset):
        raise SchemaError(
            "events are not an intervals Dataset",
            path=name,
            field="events",
            expected="an xarray.Dataset on dim 'interval' (or 'trial')",
            found=type(events).__name__,
        )
    dim = next((d for d in (cv.INTERVAL, cv.TRIAL) if d in events.dims), None)
    if dim is None:
        raise SchemaError(
            "events are not an intervals Dataset",
            path=name,
            field="events",
            expected="a dim 'interval' (or 'trial')",
            found=f"dims {tuple(events.dims)}",
        )
    for col in (onset_col, event_col):
        if col not in events.variables:
            raise MissingDataError(
                f"events have no column {col!r}",
                path=name,
                field=col,
                expected=f"columns {onset_col!r} (s) and {event_col!r} (labels)",
                found=f"columns {sorted(map(str, events.variables))}",
            )
    onsets = np.asarray(events[onset_col].values, dtype=np.float64)
    if not np.all(np.isfinite(onsets)):
        raise InvalidValueError(
            "event onsets are not finite", path=name, field=onset_col, expected="finite seconds"
        )
    descr = np.asarray([str(v) for v in events[event_col].values], dtype=str)
    ids = (
        np.asarray(events.coords[dim].values)
        if dim in events.coords
        else np.arange(events.sizes[dim])
    )
    cols: dict[str, np.ndarray] = {}
    for col, var in events.variables.items():
        if col in (onset_col, event_col, dim) or var.dims != (dim,):
            continue
        if str(col) in _TRIAL_COORDS or col in (cv.TRIAL, cv.CHANNEL, cv.TIME):
            continue  # ours wins: the table's own copy (e.g. a 'label' column) is dropped
        cols[str(col)] = np.asarray(var.values)
    return onsets, descr, cols, ids


def _check_labels(parts: list[_Part], mapping: dict[str, str] | None, policy: str) -> None:
    if mapping is None:
        return
    seen: set[str] = set()
    for part in parts:
        present = set(part.descr.tolist())
        seen |= present
        absent = [lab for lab in mapping if lab not in present]
        if absent and policy == "raise":
            raise MissingDataError(
                f"label(s) {absent} not among the events",
                path=part.name,
                field="labels",
                expected=f"events labelled {sorted(mapping)} (or missing_label='ignore')",
                found=f"labels {sorted(present)}",
            )
    never = [lab for lab in mapping if lab not in seen]
    if never:
        raise MissingDataError(
            f"label(s) {never} in no recording",
            path=parts[0].name if len(parts) == 1 else None,
            field="labels",
            expected=f"events labelled {sorted(mapping)}",
            found=f"labels {sorted(seen)}",
        )


def _flat_channels(parts: list[_Part], reject: bool, threshold: Any, policy: str) -> set[str]:
    if not reject or policy == "ignore":
        return set()
    flat: set[str] = set()
    for part in parts:
        limits = _thresholds(part.ch_unit, threshold)
        ptp = np.ptp(np.nan_to_num(part.values, nan=0.0), axis=1)
        bad = np.flatnonzero(ptp <= limits)
        if bad.size and policy == "raise":
            i = int(bad[0])
            raise InvalidValueError(
                f"channel {part.channels[i]!r} is flat (peak-to-peak {ptp[i]:.3g} "
                f"{part.ch_unit[i]} over the recording); pass flat_policy='drop' to drop it",
                path=part.name,
                field=f"data[channel={part.channels[i]!r}]",
                expected=f"peak-to-peak > {limits[i]:g} {part.ch_unit[i]}",
                found=f"{bad.size} flat channel(s): {part.channels[bad][:10].tolist()}",
            )
        flat |= {str(c) for c in part.channels[bad]}
    if len(flat) == parts[0].channels.size:
        raise InvalidValueError(
            "every channel is flat",
            path=parts[0].name,
            field="data",
            expected="at least one channel with signal",
        )
    return flat


def _thresholds(ch_unit: np.ndarray, threshold: Any) -> np.ndarray:
    if threshold is None:
        return np.asarray([FLAT_THRESHOLDS.get(u, 0.0) for u in ch_unit])
    if isinstance(threshold, Mapping):
        return np.asarray([float(threshold.get(u, FLAT_THRESHOLDS.get(u, 0.0))) for u in ch_unit])
    if isinstance(threshold, numbers.Real) and not isinstance(threshold, bool) and threshold >= 0:
        return np.full(ch_unit.size, float(threshold))
    raise ConfigError(
        "bad flat threshold",
        field="flat_threshold",
        expected="a number >= 0 or a mapping unit -> number",
        found=repr(threshold),
    )


def _baseline_mask(baseline: Any, rel: np.ndarray, tmin: float) -> np.ndarray | None:
    if baseline is None:
        return None
    if not isinstance(baseline, (tuple, list)) or len(baseline) != 2:
        raise InvalidValueError(
            "bad baseline",
            field="baseline",
            expected="(b0, b1) in seconds (None for the window's start/end)",
            found=repr(baseline),
        )
    b0 = rel[0] if baseline[0] is None else require_finite_scalar(baseline[0], name="baseline")
    b1 = rel[-1] if baseline[1] is None else require_finite_scalar(baseline[1], name="baseline")
    half = 0.5 * (rel[1] - rel[0]) if rel.size > 1 else 0.0
    mask = (rel >= b0 - 1e-9) & (rel <= b1 + 1e-9)
    if b0 > b1 or b0 < rel[0] - half or b1 > rel[-1] + half or not mask.any():
        raise InvalidValueError(
            "baseline outside the epoch window",
            field="baseline",
            expected=f"b0 <= b1 within [{rel[0]:g}, {rel[-1]:g}] s",
            found=repr(baseline),
        )
    return mask


def _check_epochs_finite(values: np.ndarray, part: _Part, cols: dict[str, np.ndarray]) -> None:
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    trial, chan, _ = np.unravel_index(int(np.argmax(bad)), bad.shape)
    per_chan = bad.any(axis=(0, 2))
    raise InvalidValueError(
        f"channel {part.channels[chan]!r} has NaN/inf in the epoch of the event at "
        f"{cols['onset'][trial]:.4g} s ({cols['description'][trial]!r})",
        path=part.name,
        field=f"data[channel={part.channels[chan]!r}]",
        expected="finite values in every epoch",
        found=f"NaN/inf in channels {part.channels[per_chan][:10].tolist()}",
    )


def _merge_columns(columns: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    names = [name for name in columns[0] if all(name in cols for cols in columns)]
    merged = {}
    for name in names:
        parts = [cols[name] for cols in columns]
        try:
            merged[name] = np.concatenate(parts)
        except (TypeError, ValueError):
            merged[name] = np.concatenate([p.astype(str) for p in parts])
    return merged


def _epoch_attrs(
    parts: list[_Part],
    first: _Part,
    tmin: float,
    tmax: float,
    baseline: Any,
    labels: np.ndarray,
    flat: set[str],
) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        cv.SAMPLING_RATE_ATTR: first.rate,
        cv.UNITS_ATTR: first.units,
        "window": np.array([tmin, tmax]),
        "classes": sorted(set(labels.tolist())),
    }
    if baseline is not None:
        b0 = tmin if baseline[0] is None else float(baseline[0])
        b1 = tmax if baseline[1] is None else float(baseline[1])
        attrs["baseline"] = np.array([b0, b1])
    for key in cv.PROVENANCE_ATTRS:
        values = {p.attrs.get(key) for p in parts}
        if len(values) == 1 and isinstance(next(iter(values)), str):
            attrs[key] = next(iter(values))
    sources = [p.source for p in parts if p.source]
    if len(parts) > 1 and sources:
        attrs["source_files"] = sources
    if flat:
        attrs["dropped_channels"] = sorted(flat)
    return attrs


# --------------------------------------------------------------------------- filtering


def filter_signal(
    data: xr.DataArray | xr.Dataset,
    l_freq: float | None,
    h_freq: float | None,
    *,
    method: Literal["iir", "fir"] = "iir",
    iir_order: int = 4,
) -> xr.DataArray | xr.Dataset:
    """Band-, high- or low-pass filter along ``time`` with ``mne.filter.filter_data``.

    * ``method="iir"``: a Butterworth filter of order ``iir_order`` (second-order sections)
      applied forward and backward (``filtfilt``): zero phase, effective order
      ``2 * iir_order``, the magnitude response squared (-6 dB at the cut-offs).
    * ``method="fir"``: MNE's default windowed-sinc FIR (``firwin``, Hamming window,
      automatic transition bands and length), zero phase; needs a signal longer than the
      filter (several seconds for a 1 Hz high-pass): filter continuous data, then epoch.

    Filtering continuous recordings before :func:`epoch` avoids edge artefacts in short
    epochs.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        Anything with a ``time`` dim and ``attrs["sampling_rate"]``: ``(channel, time)``,
        ``(trial, channel, time)``…; a Dataset from :func:`neurokit.io.read_eeg` has its
        ``data`` filtered and its events kept.
    l_freq, h_freq : float or None
        Pass band edges (Hz): both for a band-pass, ``h_freq=None`` for a high-pass,
        ``l_freq=None`` for a low-pass; ``0 < l_freq < h_freq < sampling_rate / 2``.
    method : {"iir", "fir"}, default "iir"
    iir_order : int, default 4
        Butterworth order (before the forward-backward doubling).

    Returns
    -------
    Same type as ``data``
        Filtered float64 values, same dims, coords and attrs; ``attrs["highpass"]``/
        ``attrs["lowpass"]`` (Hz) updated and ``attrs["filter"]`` describing the filter.

    Raises
    ------
    neurokit.errors.SchemaError
        No ``time`` dim or sampling rate.
    neurokit.errors.InvalidValueError
        NaN/inf values, or cut-offs out of range.
    neurokit.errors.ConfigError
        Unknown ``method`` or bad ``iir_order``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> fs = 200.0
    >>> t = np.arange(2000) / fs
    >>> x = np.sin(2 * np.pi * 10 * t) + np.sin(2 * np.pi * 60 * t)
    >>> da = xr.DataArray(x[None], dims=("channel", "time"),
    ...                   coords={"channel": ["Cz"], "time": t},
    ...                   attrs={"sampling_rate": fs, "units": "V"})
    >>> out = filter_signal(da, 8.0, 13.0)
    >>> bool(np.abs(out.values[0, 500:1500]).max() < 1.05), out.attrs["lowpass"]
    (True, 13.0)
    """
    if isinstance(data, xr.Dataset):
        if "data" not in data.data_vars:
            raise SchemaError(
                "Dataset without a 'data' variable",
                path=source_of(data),
                field="data",
                expected="the Dataset read_eeg returns",
            )
        signal = data["data"]
        keys = ("highpass", "lowpass")  # the file's filter settings live on the Dataset
        inherited = {k: data.attrs[k] for k in (cv.SAMPLING_RATE_ATTR, *keys) if k in data.attrs}
        filtered = filter_signal(
            signal.assign_attrs({**inherited, **signal.attrs}),
            l_freq,
            h_freq,
            method=method,
            iir_order=iir_order,
        )
        changed = {k: filtered.attrs[k] for k in (*keys, "filter") if k in filtered.attrs}
        out = data.copy()
        out["data"] = filtered
        out["data"].attrs = {**signal.attrs, **changed}
        out.attrs = {**data.attrs, **changed}
        return validate(out, source=source_of(data))
    mne = soft_import("mne", "filtering M/EEG signals")
    _check_choice(method, ("iir", "fir"), "method")
    if isinstance(iir_order, bool) or not isinstance(iir_order, numbers.Integral) or iir_order < 1:
        raise ConfigError(
            "bad IIR order", field="iir_order", expected="an int >= 1", found=repr(iir_order)
        )
    name = str(data.name or "data")
    if not isinstance(data, xr.DataArray):
        raise SchemaError(
            "not a DataArray", field="data", expected="xarray.DataArray", found=type(data).__name__
        )
    require_time_coord(data, name=name)
    rate = require_sampling_rate(data, name=name)
    require_all_finite(data, name=name)
    nyq = rate / 2.0
    lo = None if l_freq is None else require_positive(l_freq, name="l_freq")
    hi = None if h_freq is None else require_positive(h_freq, name="h_freq")
    if (
        (lo is None and hi is None)
        or (lo is not None and lo >= nyq)
        or (hi is not None and hi >= nyq)
        or (lo is not None and hi is not None and lo >= hi)
    ):
        raise InvalidValueError(
            "bad cut-off frequencies",
            path=source_of(data),
            field="l_freq/h_freq",
            expected=f"0 < l_freq < h_freq < {nyq:g} Hz (one may be None)",
            found=f"l_freq={l_freq!r}, h_freq={h_freq!r}",
        )
    moved = data.transpose(..., cv.TIME)
    x = np.ascontiguousarray(moved.values, dtype=np.float64)
    kwargs: dict[str, Any] = {"method": method, "verbose": "error", "copy": True}
    if method == "iir":
        kwargs["iir_params"] = {"order": int(iir_order), "ftype": "butter", "output": "sos"}
        desc = f"IIR Butterworth order {iir_order}, zero-phase (forward-backward)"
    else:
        kwargs.update(fir_design="firwin", phase="zero")
        desc = "FIR firwin (Hamming), zero-phase, MNE automatic transition bands"
    y = mne.filter.filter_data(x, rate, lo, hi, **kwargs)
    attrs = dict(data.attrs)
    if lo is not None:
        attrs["highpass"] = max(lo, float(attrs.get("highpass", 0.0) or 0.0))
    if hi is not None:
        old = attrs.get("lowpass")
        attrs["lowpass"] = hi if old is None else min(hi, float(old))
    band = f"{lo if lo is not None else 0:g}-{hi if hi is not None else nyq:g} Hz"
    attrs["filter"] = f"{desc}, {band}"
    out = moved.copy(data=y).assign_attrs(attrs).transpose(*data.dims)
    out.attrs = attrs
    return validate(out, source=source_of(data))


def resample_signal(data: xr.DataArray | xr.Dataset, sfreq: float) -> xr.DataArray | xr.Dataset:
    """Resample M/EEG data to ``sfreq`` Hz with :func:`neurokit.preprocess.resample`.

    The same polyphase anti-aliased resampling as :func:`~neurokit.preprocess.resample`
    (``scipy.signal.resample_poly``), extended to the Datasets of
    :func:`neurokit.io.read_eeg`: their ``data`` is resampled, their events (in seconds) are
    kept, and the Dataset's ``sampling_rate`` follows. Works on ``(channel, time)`` and
    ``(trial, channel, time)``. Resample continuous data before epoching when the recordings
    have different rates.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        Regularly sampled data with ``attrs["sampling_rate"]`` (Hz).
    sfreq : float
        Target rate (Hz).

    Returns
    -------
    Same type as ``data``
        Resampled; coordinates along ``time`` other than ``time`` are dropped.

    Raises
    ------
    neurokit.errors.SchemaError, neurokit.errors.InvalidValueError
        As :func:`~neurokit.preprocess.resample` (no rate, irregular time, NaN, bad target).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.zeros((2, 320)), dims=("channel", "time"),
    ...                   coords={"channel": ["C3", "C4"], "time": np.arange(320) / 160.0},
    ...                   attrs={"sampling_rate": 160.0, "units": "V"})
    >>> resample_signal(da, 128.0).sizes["time"]
    256
    """
    if isinstance(data, xr.Dataset):
        if "data" not in data.data_vars:
            raise SchemaError(
                "Dataset without a 'data' variable",
                path=source_of(data),
                field="data",
                expected="the Dataset read_eeg returns",
            )
        signal = data["data"]
        if cv.SAMPLING_RATE_ATTR not in signal.attrs and cv.SAMPLING_RATE_ATTR in data.attrs:
            signal = signal.assign_attrs({cv.SAMPLING_RATE_ATTR: data.attrs[cv.SAMPLING_RATE_ATTR]})
        new = resample(signal, sfreq)
        out = data.drop_dims(cv.TIME)
        out["data"] = new
        out.attrs = {**data.attrs, cv.SAMPLING_RATE_ATTR: new.attrs[cv.SAMPLING_RATE_ATTR]}
        return validate(out, source=source_of(data))
    return resample(data, sfreq)
