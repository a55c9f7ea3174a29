"""Leak-free train/test splits (:func:`train_test_split`): by trial, session, subject, time."""

from __future__ import annotations

from typing import Literal, TypeVar

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import InvalidValueError, MissingDataError, SchemaError
from neurokit.preprocess._checks import (
    require_dim,
    require_finite_scalar,
    require_time_coord,
    source_of,
)
from neurokit.validation import validate

__all__ = ["train_test_split"]

XarrayObj = TypeVar("XarrayObj", xr.DataArray, xr.Dataset)

#: slack (s) when comparing times against the gap, so float rounding never keeps a neighbour
_TIME_SLACK = 1e-9


def train_test_split(
    data: XarrayObj,
    *,
    by: Literal["trial", "session", "subject", "time"] = "trial",
    test_size: float = 0.2,
    gap: float = 0.0,
    seed: int | None = 0,
) -> tuple[XarrayObj, XarrayObj]:
    """Split data into a training and a test set that share no trial, session, subject or time.

    * ``by="trial"``, ``"session"``, ``"subject"``: ``data`` has a ``trial`` dim; the groups are
      the trial ids, or the ``session``/``subject`` coordinate on ``trial``. A random
      ``round(test_size * n_groups)`` of the groups (at least 1, at most ``n_groups - 1``)
      go to the test set with all their trials, the others to the training set.
    * ``by="time"``: continuous data with a ``time`` dim and no ``trial`` dim. The test set is
      one contiguous block of ``round(test_size * n_time)`` samples (at least 1) at a random
      position; training samples within ``gap`` seconds of the block (inclusive) are dropped,
      so neighbouring bins do not leak into training. The training set holds all remaining
      samples (its ``time`` coordinate jumps over the block).

    Both sets keep the order of ``data``.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        Trial-aligned data (``by`` in trial/session/subject) or continuous data (``by="time"``).
    by : {"trial", "session", "subject", "time"}, default "trial"
        What the two sets must not share.
    test_size : float, default 0.2
        Fraction of groups (or time samples) in the test set, ``0 < test_size < 1``.
    gap : float, default 0.0
        Seconds dropped from training on each side of the test block (``by="time"`` only).
    seed : int or None, default 0
        Seed of ``numpy.random.default_rng`` choosing the test groups/block; None for a
        fresh draw each call.

    Returns
    -------
    (train, test) : tuple of two objects of the type of ``data``
        Subsets of ``data`` along ``trial`` or ``time``, attrs kept, plus ``attrs["split"]``
        (``"train"``/``"test"``) and ``attrs["split_by"]``.

    Raises
    ------
    neurokit.errors.SchemaError
        A missing ``trial``/``time`` dim, or ``trial`` data with ``by="time"``.
    neurokit.errors.MissingDataError
        No ``session``/``subject`` coordinate on ``trial`` for that ``by``.
    neurokit.errors.InvalidValueError
        Bad ``test_size``/``gap``, fewer than two groups, or a gap that leaves no training data.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.zeros((6, 2, 1)), dims=("trial", "time", "unit"),
    ...                   coords={"trial": np.arange(6), "time": [0.0, 0.1], "unit": [0],
    ...                           "session": ("trial", ["a", "a", "b", "b", "c", "c"])},
    ...                   attrs={"units": "count"})
    >>> train, test = train_test_split(da, by="session", test_size=0.3)
    >>> set(train.session.values).isdisjoint(test.session.values)
    True
    >>> train.sizes["trial"] + test.sizes["trial"]
    6
    """
    if not isinstance(data, (xr.DataArray, xr.Dataset)):
        raise SchemaError(
            "cannot split this object",
            field="data",
            expected="xarray.DataArray or xarray.Dataset",
            found=type(data).__name__,
        )
    test_size = require_finite_scalar(test_size, name="test_size")
    if not 0.0 < test_size < 1.0:
        raise InvalidValueError(
            "test_size out of range",
            field="test_size",
            expected="0 < test_size < 1",
            found=repr(test_size),
        )
    gap = require_finite_scalar(gap, name="gap")
    rng = np.random.default_rng(seed)
    if by == "time":
        if gap < 0:
            raise InvalidValueError(
                "negative gap", field="gap", expected="seconds >= 0", found=repr(gap)
            )
        dim, train_idx, test_idx = cv.TIME, *_split_time(data, test_size, gap, rng)
    elif by in ("trial", "session", "subject"):
        if gap != 0.0:
            raise InvalidValueError(
                "gap applies to by='time' only",
                field="gap",
                expected="0.0 when splitting by trial, session or subject",
                found=repr(gap),
            )
        dim, train_idx, test_idx = cv.TRIAL, *_split_groups(data, by, test_size, rng)
    else:
        raise InvalidValueError(
            "unknown split",
            field="by",
            expected="'trial', 'session', 'subject' or 'time'",
            found=repr(by),
        )
    train, test = data.isel({dim: train_idx}), data.isel({dim: test_idx})
    train.attrs = {**data.attrs, "split": "train", "split_by": by}
    test.attrs = {**data.attrs, "split": "test", "split_by": by}
    source = source_of(data)
    return validate(train, source=source), validate(test, source=source)


def _split_groups(
    data: xr.DataArray | xr.Dataset, by: str, test_size: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Positions on ``trial`` of the training and test trials, whole groups to one side."""
    require_dim(data, cv.TRIAL, name=str(getattr(data, "name", None) or "data"))
    if by not in data.coords or data.coords[by].dims != (cv.TRIAL,):
        raise MissingDataError(
            f"no '{by}' of each trial to split by",
            path=source_of(data),
            field=by,
            expected=f"a coordinate '{by}' on dim 'trial'",
            found=f"coordinates {sorted(map(str, data.coords))}",
        )
    labels = data.coords[by].values
    groups, group_of = np.unique(labels, return_inverse=True)
    if groups.size < 2:
        raise InvalidValueError(
            f"cannot split fewer than two {by}s",
            path=source_of(data),
            field=by,
            expected=f"at least two distinct {by} labels",
            found=f"{groups.size}",
        )
    n_test = int(np.clip(round(test_size * groups.size), 1, groups.size - 1))
    is_test_group = np.zeros(groups.size, dtype=bool)
    is_test_group[rng.permutation(groups.size)[:n_test]] = True
    is_test = is_test_group[group_of.reshape(-1)]
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def _split_time(
    data: xr.DataArray | xr.Dataset, test_size: float, gap: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Positions on ``time`` of the training samples and of the contiguous test block."""
    name = str(getattr(data, "name", None) or "data")
    if cv.TRIAL in data.dims:
        raise SchemaError(
            "trial-aligned data split by time would leak across trials",
            path=source_of(data),
            field=name,
            expected="continuous data for by='time' (use by='trial' for trial-aligned data)",
            found=f"dims {tuple(data.dims)}",
        )
    time = require_time_coord(data, name=name)
    n = time.size
    if n < 2:
        raise InvalidValueError(
            "too few samples to split",
            path=source_of(data),
            field=f"{name}/time",
            expected="at least 2 time samples",
            found=str(n),
        )
    n_test = int(np.clip(round(test_size * n), 1, n - 1))
    first = int(rng.integers(0, n - n_test + 1))
    test = np.arange(first, first + n_test)
    lo, hi = time[first] - gap - _TIME_SLACK, time[first + n_test - 1] + gap + _TIME_SLACK
    train = np.flatnonzero((time < lo) | (time > hi))
    if train.size == 0:
        raise InvalidValueError(
            "the gap leaves no training data",
            path=source_of(data),
            field="gap",
            expected=f"a gap shorter than the data around the test block [{time[first]:g}, "
            f"{time[first + n_test - 1]:g}] s",
            found=repr(gap),
        )
    return train, test
