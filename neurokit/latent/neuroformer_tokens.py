r"""Neuroformer's spike tokens, windows and leak-free interval splits.

Neuroformer (Antoniades, Yu, Canzano, Wang, Smith; ICLR 2024) reads a recording window by
window. The spikes of the *current* window of ``window`` bins become tokens
``(neuron id, time offset)``: the offset is the spike's bin inside the window (``0 .. window-1``),
tokens are in time order and, inside one bin, in neuron order (a neuron firing ``k`` spikes in
one bin gives ``k`` equal tokens). The sequence reads

    input   SOS  s_1  s_2 ... s_n  PAD ...
    target  s_1  s_2  ...  s_n EOS PAD ...

so the model predicts each next spike, then the end of the window. The ``context`` bins before
the window (its *past window*, the neural state the decoder cross-attends to) are tokenised the
same way with offsets ``-context .. -1`` relative to the window start, behind one ``SOS`` that
is always present (so an empty past still has a key).

Ids ``0 .. n_units-1`` are neurons; ``PAD = n_units``, ``SOS = n_units + 1``,
``EOS = n_units + 2``. Time offsets of padding are ``PAD_DT = -(context + 1)`` in the past and
``window`` in the current window; the offset of ``SOS`` is 0.

Splits (:func:`interval_split`) cut the recording into contiguous intervals of whole windows
and give each interval to train or test; a model sees each interval separately, so neither a
window nor its history ever crosses from one split into the other. (The public research code
draws test windows whose history reaches back into training intervals; this does not.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import ConfigError, InvalidValueError, SchemaError

__all__ = [
    "special_tokens",
    "tokenize_window",
    "detokenize",
    "window_starts",
    "encode_windows",
    "WindowTokens",
    "interval_split",
    "IntervalSplit",
]

_OVERFLOW = ("error", "truncate")


def special_tokens(n_units: int) -> dict[str, int]:
    """Ids of the special tokens for ``n_units`` neurons.

    Examples
    --------
    >>> special_tokens(5)
    {'PAD': 5, 'SOS': 6, 'EOS': 7}
    """
    n = int(n_units)
    return {"PAD": n, "SOS": n + 1, "EOS": n + 2}


def tokenize_window(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spike tokens of one window of binned counts, in canonical order.

    Parameters
    ----------
    counts : array, shape (window, unit)
        Non-negative integer spike counts.

    Returns
    -------
    ids, dts : int64 arrays, shape (n_spikes,)
        Neuron id and bin offset of every spike, sorted by offset then id (a count of ``k``
        gives ``k`` equal tokens).

    Examples
    --------
    >>> ids, dts = tokenize_window(np.array([[0, 1, 0], [2, 0, 1]]))
    >>> ids.tolist(), dts.tolist()
    ([1, 0, 0, 2], [0, 1, 1, 1])
    """
    c = np.asarray(counts)
    t, u = np.nonzero(c)  # row-major: offset first, then id
    reps = c[t, u].astype(np.int64)
    return np.repeat(u.astype(np.int64), reps), np.repeat(t.astype(np.int64), reps)


def detokenize(ids: np.ndarray, dts: np.ndarray, n_units: int, window: int) -> np.ndarray:
    """Binned counts from spike tokens (special tokens are skipped).

    Parameters
    ----------
    ids, dts : int arrays, shape (n_tokens,)
        Neuron ids and bin offsets; ids outside ``0 .. n_units-1`` (PAD/SOS/EOS) are ignored.
    n_units, window : int
        Output shape.

    Returns
    -------
    numpy.ndarray, shape (window, n_units), int64

    Examples
    --------
    >>> c = np.array([[0, 1, 0], [2, 0, 1]])
    >>> bool((detokenize(*tokenize_window(c), 3, 2) == c).all())
    True
    """
    ids = np.asarray(ids, dtype=np.int64)
    dts = np.asarray(dts, dtype=np.int64)
    keep = (ids >= 0) & (ids < n_units) & (dts >= 0) & (dts < window)
    out = np.zeros((int(window), int(n_units)), dtype=np.int64)
    np.add.at(out, (dts[keep], ids[keep]), 1)
    return out


def window_starts(n_time: int, window: int, context: int, stride: int | None = None) -> np.ndarray:
    """First bins of the current windows of one contiguous segment.

    Windows start at ``context``, ``context + stride``, ... and must end inside the segment,
    so every window has its full history ``[start - context, start)`` in the segment too.

    Examples
    --------
    >>> window_starts(20, window=4, context=6).tolist()
    [6, 10, 14]
    """
    stride = int(window if stride is None else stride)
    last = int(n_time) - int(window)
    if last < int(context):
        return np.zeros(0, dtype=np.int64)
    return np.arange(int(context), last + 1, stride, dtype=np.int64)


@dataclass
class WindowTokens:
    """Token arrays of a set of windows (what :func:`encode_windows` returns).

    Attributes
    ----------
    id_in, dt_in : int64 arrays, shape (n_windows, max_tokens)
        Input tokens ``SOS s_1 .. s_n PAD ..`` and their offsets.
    id_target, dt_target : int64 arrays, shape (n_windows, max_tokens)
        Targets ``s_1 .. s_n EOS PAD ..``; the offset target of ``EOS`` is the padding offset
        (no time is predicted for the end of a window).
    id_past, dt_past : int64 arrays, shape (n_windows, max_context_tokens)
        ``SOS p_1 .. p_m PAD ..`` of the past window, offsets ``-context .. -1``.
    n_spikes : int64 array, shape (n_windows,)
        Spikes of each current window (after truncation, if any).
    truncated : bool array, shape (n_windows,)
        Windows whose current or past spikes did not all fit.
    """

    id_in: np.ndarray
    dt_in: np.ndarray
    id_target: np.ndarray
    dt_target: np.ndarray
    id_past: np.ndarray
    dt_past: np.ndarray
    n_spikes: np.ndarray
    truncated: np.ndarray


def encode_windows(
    counts: np.ndarray,
    starts: np.ndarray,
    *,
    window: int,
    context: int,
    max_tokens: int,
    max_context_tokens: int,
    on_overflow: str = "error",
    field: str = "spikes",
) -> WindowTokens:
    """Tokenise the windows starting at ``starts`` of one segment of binned counts.

    Parameters
    ----------
    counts : array, shape (time, unit)
        Non-negative integer counts of one contiguous segment.
    starts : int array, shape (n_windows,)
        First bins of the current windows (each ``>= context`` and ``<= time - window``).
    window, context : int
        Bins of the current and of the past window.
    max_tokens : int
        Length of the current-window sequences (SOS included): at most ``max_tokens - 1``
        spikes fit.
    max_context_tokens : int
        Length of the past-window sequences (SOS included).
    on_overflow : {"error", "truncate"}, default "error"
        What happens when a window holds more spikes than fit: ``"error"`` raises
        :class:`~neurokit.errors.SchemaError` naming the window; ``"truncate"`` keeps the first
        spikes of the current window and the latest spikes of the past window and flags the
        window in ``truncated``.
    field : str
        Name used in error messages.

    Returns
    -------
    WindowTokens

    Examples
    --------
    >>> c = np.array([[1, 0], [0, 1], [0, 0], [2, 1]])
    >>> tok = encode_windows(c, np.array([2]), window=2, context=2, max_tokens=5,
    ...                      max_context_tokens=3)
    >>> tok.id_in[0].tolist(), tok.id_target[0].tolist(), tok.dt_target[0].tolist()
    ([3, 0, 0, 1, 2], [0, 0, 1, 4, 2], [1, 1, 1, 2, 2])
    >>> tok.id_past[0].tolist(), tok.dt_past[0].tolist()
    ([3, 0, 1], [0, -2, -1])
    """
    if on_overflow not in _OVERFLOW:
        raise ConfigError("unknown overflow rule", field="on_overflow",
                          expected="'error' or 'truncate'", found=repr(on_overflow))
    c = np.asarray(counts)
    n_time, n_units = c.shape
    starts = np.asarray(starts, dtype=np.int64)
    window, context = int(window), int(context)
    sp = special_tokens(n_units)
    t_all, u_all = np.nonzero(c)
    reps = c[t_all, u_all].astype(np.int64)
    t_all = np.repeat(t_all.astype(np.int64), reps)
    u_all = np.repeat(u_all.astype(np.int64), reps)
    nw = starts.size
    id_in = np.full((nw, max_tokens), sp["PAD"], dtype=np.int64)
    dt_in = np.full((nw, max_tokens), window, dtype=np.int64)
    id_tg = np.full((nw, max_tokens), sp["PAD"], dtype=np.int64)
    dt_tg = np.full((nw, max_tokens), window, dtype=np.int64)
    id_pa = np.full((nw, max_context_tokens), sp["PAD"], dtype=np.int64)
    dt_pa = np.full((nw, max_context_tokens), -(context + 1), dtype=np.int64)
    id_in[:, 0], dt_in[:, 0] = sp["SOS"], 0
    id_pa[:, 0], dt_pa[:, 0] = sp["SOS"], 0
    n_spikes = np.zeros(nw, dtype=np.int64)
    truncated = np.zeros(nw, dtype=bool)
    lo = np.searchsorted(t_all, starts - context)
    mid = np.searchsorted(t_all, starts)
    hi = np.searchsorted(t_all, starts + window)
    cap, cap_past = max_tokens - 1, max_context_tokens - 1
    for w in range(nw):
        a, b, e = lo[w], mid[w], hi[w]
        if e - b > cap or b - a > cap_past:
            if on_overflow == "error":
                which, n, limit = (("current", e - b, cap) if e - b > cap
                                   else ("past", b - a, cap_past))
                raise SchemaError(
                    f"too many spikes in the {which} window starting at bin {int(starts[w])} "
                    "for the model's context", field=field,
                    expected=f"at most {limit} spikes (max_tokens"
                             f"{'' if which == 'current' else '_context'} - 1), or "
                             "on_overflow='truncate'",
                    found=f"{int(n)} spikes")
            truncated[w] = True
            e = min(e, b + cap)
            a = max(a, b - cap_past)
        k = e - b
        n_spikes[w] = k
        ids, dts = u_all[b:e], t_all[b:e] - starts[w]
        id_in[w, 1:k + 1], dt_in[w, 1:k + 1] = ids, dts
        id_tg[w, :k], dt_tg[w, :k] = ids, dts
        id_tg[w, k] = sp["EOS"]
        m = b - a
        id_pa[w, 1:m + 1] = u_all[a:b]
        dt_pa[w, 1:m + 1] = t_all[a:b] - starts[w]
    return WindowTokens(id_in, dt_in, id_tg, dt_tg, id_pa, dt_pa, n_spikes, truncated)


@dataclass
class IntervalSplit:
    """Train and test intervals of a recording (what :func:`interval_split` returns).

    Attributes
    ----------
    train, test : list of (int, int)
        Half-open bin ranges ``[start, stop)`` of the intervals of each split, in time order.
    n_time : int
        Bins of the whole recording.
    """

    train: list[tuple[int, int]]
    test: list[tuple[int, int]]
    n_time: int

    def take(self, data: Any, which: str = "train") -> list[Any]:
        """The segments of ``data`` (time on axis 0, or a ``time`` dim) in one split.

        Parameters
        ----------
        data : numpy.ndarray or xarray.DataArray or xarray.Dataset
            Anything with ``n_time`` samples along time (first axis for arrays).
        which : {"train", "test"}

        Returns
        -------
        list
            One slice of ``data`` per interval.
        """
        if which not in ("train", "test"):
            raise ConfigError("unknown split", field="which", expected="'train' or 'test'",
                              found=repr(which))
        n = data.sizes[cv.TIME] if isinstance(data, (xr.DataArray, xr.Dataset)) else len(data)
        if n != self.n_time:
            raise SchemaError("data and split have different lengths", field="data",
                              expected=f"{self.n_time} time bins", found=str(n))
        out = []
        for a, b in getattr(self, which):
            if isinstance(data, (xr.DataArray, xr.Dataset)):
                out.append(data.isel({cv.TIME: slice(a, b)}))
            else:
                out.append(data[a:b])
        return out

    def spans(self, which: str, window: int, context: int,
              stride: int | None = None) -> np.ndarray:
        """Absolute ``[history start, window stop)`` bins of every window of one split.

        Returns
        -------
        numpy.ndarray, shape (n_windows, 2)
        """
        rows = [np.stack([a + s - context, a + s + window], axis=1)
                for a, b in getattr(self, which)
                for s in [window_starts(b - a, window, context, stride)] if s.size]
        return np.concatenate(rows) if rows else np.zeros((0, 2), dtype=np.int64)


def interval_split(
    n_time: int,
    *,
    n_intervals: int = 10,
    test_fraction: float = 0.2,
    gap: int = 0,
    seed: int | None = 0,
) -> IntervalSplit:
    """Split a recording into contiguous train and test intervals that share no time bin.

    The ``n_time`` bins are cut into ``n_intervals`` contiguous intervals of (nearly) equal
    length; ``round(test_fraction · n_intervals)`` of them (at least one, at most
    ``n_intervals - 1``), drawn at random, go to the test set. ``gap`` bins are dropped at both
    ends of every interval, so consecutive intervals are at least ``2 · gap`` bins apart (use it
    when activity is correlated over longer than a window's history). Models read each interval
    on its own (windows start ``context`` bins into an interval), so a window and its history
    always lie inside one interval: train and test windows never share a bin, history included.

    Parameters
    ----------
    n_time : int
        Bins of the recording.
    n_intervals : int, default 10
        Contiguous intervals (>= 2).
    test_fraction : float, default 0.2
        Fraction of the intervals in the test set, ``0 < test_fraction < 1``.
    gap : int, default 0
        Bins dropped at each end of every interval (>= 0).
    seed : int or None, default 0
        Seed choosing the test intervals.

    Returns
    -------
    IntervalSplit

    Examples
    --------
    >>> split = interval_split(1000, n_intervals=5, test_fraction=0.4, seed=1)
    >>> len(split.train), len(split.test)
    (3, 2)
    >>> tr, te = split.spans("train", 10, 20), split.spans("test", 10, 20)
    >>> bins = lambda s: set(np.concatenate([np.arange(a, b) for a, b in s]).tolist())
    >>> bins(tr).isdisjoint(bins(te))
    True
    """
    n_time, n_intervals, gap = int(n_time), int(n_intervals), int(gap)
    if n_intervals < 2:
        raise ConfigError("need at least two intervals", field="n_intervals", expected=">= 2",
                          found=repr(n_intervals))
    if not (isinstance(test_fraction, (int, float)) and 0.0 < test_fraction < 1.0):
        raise ConfigError("test fraction out of range", field="test_fraction",
                          expected="0 < test_fraction < 1", found=repr(test_fraction))
    if gap < 0:
        raise ConfigError("negative gap", field="gap", expected="bins >= 0", found=repr(gap))
    edges = np.round(np.linspace(0, n_time, n_intervals + 1)).astype(np.int64)
    if np.diff(edges).min() <= 2 * gap:
        raise InvalidValueError("intervals too short for the gap", field="n_time",
                                expected=f"intervals longer than 2 * gap = {2 * gap} bins",
                                found=f"{int(np.diff(edges).min())} bins per interval")
    n_test = min(max(1, int(round(test_fraction * n_intervals))), n_intervals - 1)
    rng = np.random.default_rng(seed)
    is_test = np.zeros(n_intervals, dtype=bool)
    is_test[rng.choice(n_intervals, size=n_test, replace=False)] = True
    spans = [(int(edges[k]) + gap, int(edges[k + 1]) - gap) for k in range(n_intervals)]
    return IntervalSplit(train=[s for s, t in zip(spans, is_test, strict=True) if not t],
                         test=[s for s, t in zip(spans, is_test, strict=True) if t], n_time=n_time)


def as_segments(spikes: Any, *, field: str = "spikes",
                bin_size: float | None = None) -> list[np.ndarray]:
    """Binned counts as a list of ``(time, unit)`` int64 segments, checked.

    Accepts a ``(time, unit)`` array or DataArray, a ``(trial, time, unit)`` array or DataArray
    (one segment per trial), a units Dataset of spike times (binned with
    :func:`neurokit.preprocess.bin_spikes` at ``bin_size`` seconds), or a list of any of these.

    Raises
    ------
    neurokit.errors.SchemaError
        Wrong number of dims, segments with different numbers of units.
    neurokit.errors.InvalidValueError
        NaN/inf, negative or non-integer counts.
    """
    if isinstance(spikes, (list, tuple)):
        if len(spikes) == 0:
            raise SchemaError("no segments given", field=field, expected="at least one segment",
                              found="an empty list")
        segs = [s for k, item in enumerate(spikes)
                for s in as_segments(item, field=f"{field}[{k}]", bin_size=bin_size)]
    elif isinstance(spikes, xr.Dataset):
        if bin_size is None:
            raise ConfigError("spike times need a bin size", field="bin_size",
                              expected="a bin width in seconds", found="None")
        from neurokit.preprocess import bin_spikes

        binned = bin_spikes(spikes, float(bin_size))
        return as_segments(binned.transpose(cv.TIME, ...), field=field)
    else:
        if isinstance(spikes, xr.DataArray):
            dims = spikes.dims
            if cv.TRIAL in dims:
                spikes = spikes.transpose(cv.TRIAL, cv.TIME, ...)
            elif cv.TIME in dims:
                spikes = spikes.transpose(cv.TIME, ...)
            arr = np.asarray(spikes.values)
        else:
            arr = np.asarray(spikes)
        if arr.ndim == 3:
            segs = [arr[k] for k in range(arr.shape[0])]
        elif arr.ndim == 2:
            segs = [arr]
        else:
            raise SchemaError("spike counts must be 2-D or 3-D", field=field,
                              expected="(time, unit) or (trial, time, unit)", found=str(arr.shape))
        segs = [_check_counts(s, field) for s in segs]
    n_units = {s.shape[1] for s in segs}
    if len(n_units) != 1:
        raise SchemaError("segments have different numbers of units", field=field,
                          expected="one number of units", found=str(sorted(n_units)))
    return segs


def _check_counts(arr: np.ndarray, field: str) -> np.ndarray:
    if arr.dtype.kind not in "biuf":
        raise SchemaError("spike counts must be numeric", field=field, expected="numbers",
                          found=str(arr.dtype))
    a = arr.astype(np.float64, copy=False)
    if not np.isfinite(a).all():
        raise InvalidValueError("NaN or inf in spike counts", field=field,
                                expected="finite counts",
                                found=f"{int((~np.isfinite(a)).sum())} NaN/inf")
    if (a < 0).any():
        raise InvalidValueError("negative spike counts", field=field, expected="counts >= 0",
                                found=f"minimum {a.min():g}")
    if (a != np.round(a)).any():
        raise InvalidValueError("non-integer spike counts", field=field,
                                expected="integer counts",
                                found=f"e.g. {a[a != np.round(a)].flat[0]:g}")
    return a.astype(np.int64)


def as_covariate_segments(values: Any, segs: Sequence[np.ndarray], *,
                          field: str) -> list[np.ndarray]:
    """Stimulus/behaviour as float segments aligned with the spike segments, checked.

    ``values`` follows the layout of the spikes (one ``(time,)``/``(time, feature)`` array per
    segment, ``(trial, time[, feature])`` for trials, or a list); each segment must have the
    spike segment's number of bins.
    """
    if isinstance(values, (list, tuple)):
        items = [np.asarray(v.values if isinstance(v, xr.DataArray) else v) for v in values]
    else:
        if isinstance(values, xr.DataArray):
            if cv.TRIAL in values.dims:
                values = values.transpose(cv.TRIAL, cv.TIME, ...)
            elif cv.TIME in values.dims:
                values = values.transpose(cv.TIME, ...)
            values = values.values
        arr = np.asarray(values)
        trial_like = len(segs) > 1 and arr.ndim >= 2 and arr.shape[0] == len(segs) and (
            arr.shape[1] == segs[0].shape[0])
        items = [arr[k] for k in range(arr.shape[0])] if trial_like else [arr]
    if len(items) != len(segs):
        raise SchemaError("covariate and spikes have different numbers of segments", field=field,
                          expected=f"{len(segs)} segments", found=str(len(items)))
    out = []
    for k, (v, s) in enumerate(zip(items, segs, strict=True)):
        v = np.asarray(v)
        if v.dtype.kind not in "biuf":
            raise SchemaError("covariate must be numeric", field=field, expected="numbers",
                              found=str(v.dtype))
        v = v.astype(np.float64)
        if v.ndim == 1:
            v = v[:, None]
        if v.ndim != 2 or v.shape[0] != s.shape[0]:
            raise SchemaError("covariate and spikes have different numbers of time bins",
                              field=field if len(segs) == 1 else f"{field}[{k}]",
                              expected=f"{s.shape[0]} time bins (like spikes)",
                              found=f"shape {v.shape}")
        if not np.isfinite(v).all():
            raise InvalidValueError("NaN or inf in covariate", field=field,
                                    expected="finite values",
                                    found=f"{int((~np.isfinite(v)).sum())} NaN/inf")
        out.append(v)
    widths = {v.shape[1] for v in out}
    if len(widths) != 1:
        raise SchemaError("segments have different numbers of features", field=field,
                          expected="one number of features", found=str(sorted(widths)))
    return out
