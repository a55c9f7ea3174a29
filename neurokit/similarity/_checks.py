"""Input checks shared by every similarity function: one place for the NaN policy, the minimum
number of stimuli, constant patterns/features and stimulus alignment.

A response matrix is ``(sample, feature)``: ``sample`` is ``"stimulus"`` for static images
(``"time"`` for movie frames), ``feature`` is whatever the other dim is called (``feature`` for
model units, ``neuroid``/``unit``/``roi`` for recordings). NumPy arrays are taken as
``(n_samples, n_features)`` and given integer sample labels.

NaN policy (documented in :doc:`docs/conventions.md`): ``nan_policy="raise"`` (default) raises
:class:`~neurokit.errors.InvalidValueError` naming the first bad sample/feature;
``nan_policy="omit"`` drops the *features* (neuroids) holding any NaN, records how many in
``attrs["n_features_omitted"]``, and raises if none is left. Never silent.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr

from neurokit.errors import InvalidValueError, SchemaError

__all__ = ["as_responses", "align_samples", "check_nonconstant", "NanPolicy", "MIN_SAMPLES"]

NanPolicy = Literal["raise", "omit"]

#: fewest stimuli (or frames) an RDM / similarity score is defined on
MIN_SAMPLES = 3


def as_responses(
    x: xr.DataArray | np.ndarray,
    *,
    name: str,
    sample_dim: str = "stimulus",
    nan_policy: NanPolicy = "raise",
    min_samples: int = MIN_SAMPLES,
) -> xr.DataArray:
    """``x`` as a float64 ``(sample_dim, feature)`` DataArray, checked.

    Parameters
    ----------
    x : xarray.DataArray or numpy.ndarray
        2-D responses. A DataArray must have ``sample_dim`` and exactly one other dim (kept under
        its own name); an array is ``(n_samples, n_features)``.
    name : str
        What ``x`` is, for error messages (e.g. ``"model layer 'conv3'"``, ``"neural"``).
    sample_dim : str
        The stimulus dim (``"time"`` for frames of a movie).
    nan_policy : {"raise", "omit"}
        See the module docstring.
    min_samples : int
        Fewest samples accepted.

    Returns
    -------
    xarray.DataArray
        ``(sample_dim, feature_dim)``, float64, finite, with coords kept (integer sample labels
        added when ``x`` had none).

    Raises
    ------
    SchemaError
        Not 2-D, no ``sample_dim``, or fewer than ``min_samples`` samples.
    InvalidValueError
        NaN/inf with ``nan_policy="raise"``, inf anywhere, or every feature dropped.

    Examples
    --------
    >>> r = as_responses(np.arange(12.0).reshape(4, 3), name="demo")
    >>> r.dims, r.sizes["stimulus"]
    (('stimulus', 'feature'), 4)
    """
    if isinstance(x, xr.DataArray):
        if x.ndim != 2 or sample_dim not in x.dims:
            raise SchemaError(f"{name} must be a 2-D ({sample_dim}, feature) array",
                              field=name, expected=f"dims ({sample_dim!r}, <feature dim>)",
                              found=f"dims {x.dims}")
        feature_dim = next(d for d in x.dims if d != sample_dim)
        da = x.transpose(sample_dim, feature_dim).astype(np.float64)
        if sample_dim not in da.coords:
            da = da.assign_coords({sample_dim: np.arange(da.sizes[sample_dim])})
    else:
        array = np.asarray(x)
        if array.ndim != 2:
            raise SchemaError(f"{name} must be 2-D (n_{sample_dim}s, n_features)", field=name,
                              expected="a 2-D array", found=f"shape {array.shape}")
        if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
            raise SchemaError(f"{name} must hold real numbers", field=name,
                              expected="a real numeric dtype", found=str(array.dtype))
        da = xr.DataArray(array.astype(np.float64), dims=(sample_dim, "feature"),
                          coords={sample_dim: np.arange(array.shape[0])})
        feature_dim = "feature"
    if da.sizes[sample_dim] < min_samples:
        raise SchemaError(f"{name} has too few {sample_dim}s for a similarity analysis",
                          field=sample_dim, expected=f"at least {min_samples}",
                          found=str(da.sizes[sample_dim]))
    if da.sizes[feature_dim] < 1:
        raise SchemaError(f"{name} has no features", field=feature_dim,
                          expected="at least 1", found="0")
    values = da.values
    if np.isinf(values).any():
        i, j = np.argwhere(np.isinf(values))[0]
        raise InvalidValueError(f"{name} holds inf", field=name, expected="finite values",
                                found=f"inf at {sample_dim}={da[sample_dim].values[i]!r}, "
                                      f"{feature_dim} index {j}")
    bad = np.isnan(values)
    if bad.any():
        if nan_policy == "raise":
            i, j = np.argwhere(bad)[0]
            raise InvalidValueError(
                f"{name} holds NaN ({int(bad.sum())} values)", field=name,
                expected="finite values, or nan_policy='omit' to drop features with NaN",
                found=f"NaN at {sample_dim}={da[sample_dim].values[i]!r}, {feature_dim} index {j}")
        if nan_policy != "omit":
            raise SchemaError("unknown nan_policy", field="nan_policy",
                              expected="'raise' or 'omit'", found=repr(nan_policy))
        keep = ~bad.any(axis=0)
        if not keep.any():
            raise InvalidValueError(f"every feature of {name} holds NaN", field=name,
                                    expected="at least one feature without NaN",
                                    found=f"{bad.shape[1]} features, all with NaN")
        da = da.isel({feature_dim: keep})
        da.attrs["n_features_omitted"] = int((~keep).sum())
    return da


def check_nonconstant(x: xr.DataArray, *, along: str, name: str, what: str) -> None:
    """Raise if any slice of ``x`` has zero variance along ``along``.

    Parameters
    ----------
    x : xarray.DataArray
        2-D responses.
    along : str
        The dim the variance is taken over (``"feature"`` dim: constant stimulus patterns, for
        correlation distances; ``sample`` dim: constant features, for per-neuroid scores).
    name, what : str
        For the message: the array and what a slice is (``"pattern"``, ``"neuroid"``).

    Raises
    ------
    InvalidValueError
        Naming the first constant slice.

    Examples
    --------
    >>> x = xr.DataArray([[1.0, 2.0], [3.0, 3.0], [0.0, 1.0]], dims=("stimulus", "feature"))
    >>> check_nonconstant(x, along="feature", name="demo", what="pattern")
    Traceback (most recent call last):
    ...
    neurokit.errors.InvalidValueError: field 'demo': constant pattern (zero variance ...
    """
    values = x.transpose(..., along).values
    spread = values.max(axis=-1) - values.min(axis=-1)
    flat = np.flatnonzero(spread == 0)
    if flat.size:
        other = next(d for d in x.dims if d != along)
        label = x[other].values[flat[0]] if other in x.coords else flat[0]
        raise InvalidValueError(
            f"constant {what} (zero variance over {along}): the measure is undefined",
            field=name, expected=f"every {what} to vary over {along}",
            found=f"{flat.size} constant, first {other}={label!r}")


def align_samples(
    a: xr.DataArray, b: xr.DataArray, *, sample_dim: str = "stimulus",
    names: tuple[str, str] = ("a", "b"),
) -> tuple[xr.DataArray, xr.DataArray]:
    """``b`` reordered to ``a``'s ``sample_dim`` labels; an error when the sets differ.

    Parameters
    ----------
    a, b : xarray.DataArray
        Both with a ``sample_dim`` coordinate (e.g. model activations and neural responses).
    sample_dim : str
        The dim to align.
    names : tuple of str
        Names of ``a`` and ``b`` for the error message.

    Returns
    -------
    tuple of xarray.DataArray
        ``a`` unchanged and ``b`` in ``a``'s order.

    Raises
    ------
    SchemaError
        Different stimulus sets, or repeated labels, naming the first missing/extra labels.

    Examples
    --------
    >>> a = xr.DataArray(np.eye(3), dims=("stimulus", "f"), coords={"stimulus": [10, 11, 12]})
    >>> b = a.isel(stimulus=[2, 0, 1])
    >>> align_samples(a, b)[1]["stimulus"].values.tolist()
    [10, 11, 12]
    """
    la, lb = a[sample_dim].values, b[sample_dim].values
    for label, values in zip(names, (la, lb), strict=True):
        if len(np.unique(values)) != len(values):
            raise SchemaError(f"{label} has repeated {sample_dim} labels", field=sample_dim,
                              expected="unique labels", found=f"{len(values)} labels, "
                              f"{len(np.unique(values))} distinct")
    if len(la) == len(lb) and np.array_equal(la, lb):
        return a, b
    missing = [v for v in la if v not in set(lb.tolist())]
    extra = [v for v in lb if v not in set(la.tolist())]
    if missing or extra:
        raise SchemaError(
            f"{names[0]} and {names[1]} are on different {sample_dim} sets", field=sample_dim,
            expected=f"the same {sample_dim} labels in both",
            found=f"{len(missing)} only in {names[0]} (e.g. {missing[:3]}), "
                  f"{len(extra)} only in {names[1]} (e.g. {extra[:3]})")
    return a, b.sel({sample_dim: la})
