"""Representational dissimilarity matrices (RDMs): stimulus x stimulus, labelled.

Every RDM is computed from Gram matrices (one BLAS product), never by looping over stimulus
pairs, and returned as a square :class:`xarray.DataArray` with dims ``("stimulus_i",
"stimulus_j")`` (``f"{sample_dim}_i"``, ``f"{sample_dim}_j"``) carrying the stimulus labels
and every other coordinate of the stimulus dim (renamed with ``_i``/``_j`` suffixes), plus
``attrs["metric"]`` and ``attrs["definition"]`` (the formula, in words).

Which Euclidean is which (``x_i`` is the response pattern of stimulus ``i`` over ``p``
features):

============== ===================================== ==========================================
metric         entry ``d_ij``                         peers
============== ===================================== ==========================================
euclidean      ``||x_i - x_j||`` (not squared,        ``scipy.spatial.distance.pdist(X,
               not normalised)                        "euclidean")``
sqeuclidean    ``||x_i - x_j||**2``; divided by       rsatoolbox ``calc_rdm(method="euclidean")``
               ``p`` when ``normalize=True``           equals ``normalize=True``
correlation    ``1 - pearson_r(x_i, x_j)``            rsatoolbox / scipy ``"correlation"``
cosine         ``1 - x_i.x_j / (||x_i|| ||x_j||)``    scipy ``"cosine"``
crossnobis     cross-validated squared Mahalanobis,   rsatoolbox ``calc_rdm(method="crossnobis")``
               divided by ``p``
============== ===================================== ==========================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr
from scipy.linalg import cho_factor, solve_triangular

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity._checks import NanPolicy, as_responses, check_nonconstant

__all__ = ["METRICS", "compute_rdm", "rdm_vector", "stack_rdms"]

#: the dissimilarities :func:`compute_rdm` knows
METRICS = ("correlation", "cosine", "euclidean", "sqeuclidean", "crossnobis")

_DEFINITIONS = {
    "correlation": "1 - Pearson r between the two stimulus patterns (over features)",
    "cosine": "1 - cosine similarity between the two stimulus patterns",
    "euclidean": "Euclidean distance ||x_i - x_j|| (not squared, not normalised)",
    "sqeuclidean": "squared Euclidean distance ||x_i - x_j||^2",
    "crossnobis": "cross-validated squared Mahalanobis distance, leave-one-run-out, "
                  "averaged over folds, divided by n_features",
}
_OPTIONS = {
    "correlation": set(), "cosine": set(), "euclidean": set(), "sqeuclidean": {"normalize"},
    "crossnobis": {"run_dim", "noise"},
}
_RUN_DIMS = ("repetition", "run", "trial", "session", "split")
_NOISE_MODES = ("diag", "shrinkage", "full")


def compute_rdm(
    X: xr.DataArray | np.ndarray,
    metric: str = "correlation",
    *,
    sample_dim: str = "stimulus",
    nan_policy: NanPolicy = "raise",
    **metric_kwargs: Any,
) -> xr.DataArray:
    """The stimulus x stimulus dissimilarity matrix of responses ``X``.

    Parameters
    ----------
    X : xarray.DataArray or numpy.ndarray
        ``(stimulus, feature)`` responses (any feature dim name; an array is
        ``(n_stimuli, n_features)``). For ``"crossnobis"``: ``(run, stimulus, feature)`` with a
        repetition dim (``repetition``, ``run``, ``trial``, ``session`` or ``split``, or named
        by ``run_dim``); an array is ``(n_runs, n_stimuli, n_features)``.
    metric : {"correlation", "cosine", "euclidean", "sqeuclidean", "crossnobis"}
        The dissimilarity (see the module docstring for which Euclidean is squared/normalised):

        - ``correlation``: ``1 - r_ij``, ``r`` the Pearson correlation of patterns over features.
        - ``cosine``: ``1 - x_i.x_j / (||x_i|| ||x_j||)``.
        - ``euclidean``: ``||x_i - x_j||`` (plain L2).
        - ``sqeuclidean``: ``||x_i - x_j||^2``, divided by ``n_features`` when
          ``normalize=True`` (rsatoolbox's ``"euclidean"``).
        - ``crossnobis``: with runs ``x_i^(k)``, ``k = 1..K``, and noise precision
          ``P = Sigma^-1`` (identity by default),
          ``d_ij = 1/(K p) sum_k (xbar_i^(-k) - xbar_j^(-k))^T P (x_i^(k) - x_j^(k))``,
          ``xbar^(-k)`` the mean of the other runs (leave-one-run-out). Unbiased (its expected
          value is the true squared distance, so it can be negative). Computed in closed form
          ``G = (S P S^T - sum_k X_k P X_k^T) / (K (K - 1))``, ``S = sum_k X_k``,
          ``d_ij = (G_ii + G_jj - 2 G_ij) / p`` — equal to rsatoolbox's
          ``calc_rdm(method="crossnobis", descriptor=..., cv_descriptor=run, noise=P)``.
    sample_dim : str
        The stimulus dim (``"time"`` for frames of a movie).
    nan_policy : {"raise", "omit"}
        ``"raise"``: NaN is an error; ``"omit"``: drop features holding NaN (in any run).
    **metric_kwargs
        ``sqeuclidean``: ``normalize`` (bool, default False). ``crossnobis``: ``run_dim``
        (str) and ``noise``: None (identity), an ``(p, p)`` noise *covariance* ``Sigma``, or
        ``"diag"`` / ``"shrinkage"`` / ``"full"`` to estimate it from the residuals of each
        run about the stimulus means (``dof = n_stimuli (K - 1)``; ``"shrinkage"`` shrinks
        towards the diagonal, Schaefer & Strimmer 2005, as rsatoolbox's ``"shrinkage_diag"``).

    Returns
    -------
    xarray.DataArray
        ``(f"{sample_dim}_i", f"{sample_dim}_j")``, float64, symmetric, zero diagonal, with the
        stimulus labels (and other stimulus coords, suffixed ``_i``/``_j``) as coords and attrs
        ``metric``, ``definition``, ``n_features`` (and ``normalize``/``n_runs``/``noise``).

    Raises
    ------
    ConfigError
        Unknown metric or option, bad ``noise``.
    SchemaError
        Wrong dims, fewer than 3 stimuli, fewer than 2 runs for crossnobis.
    InvalidValueError
        NaN/inf (``nan_policy="raise"``), a constant pattern (correlation) or an all-zero
        pattern (cosine).

    Examples
    --------
    >>> X = xr.DataArray([[1.0, 0.0, 2.0], [2.0, 1.0, 0.0], [0.0, 3.0, 1.0]],
    ...                  dims=("stimulus", "neuroid"), coords={"stimulus": ["a", "b", "c"]})
    >>> rdm = compute_rdm(X, "sqeuclidean")
    >>> rdm.dims, float(rdm.sel(stimulus_i="a", stimulus_j="b"))
    (('stimulus_i', 'stimulus_j'), 6.0)
    >>> round(float(compute_rdm(X, "euclidean").sel(stimulus_i="a", stimulus_j="b")) ** 2, 9)
    6.0
    """
    if metric not in METRICS:
        raise ConfigError("unknown RDM metric", field="metric",
                          expected=" or ".join(repr(m) for m in METRICS), found=repr(metric))
    unknown = set(metric_kwargs) - _OPTIONS[metric]
    if unknown:
        raise ConfigError(f"unknown option for metric {metric!r}", field=sorted(unknown)[0],
                          expected=f"one of {sorted(_OPTIONS[metric])}" if _OPTIONS[metric]
                          else "no options", found=", ".join(sorted(unknown)))
    if metric == "crossnobis":
        return _crossnobis(X, sample_dim=sample_dim, nan_policy=nan_policy, **metric_kwargs)
    R = as_responses(X, name="X", sample_dim=sample_dim, nan_policy=nan_policy)
    feature_dim = R.dims[1]
    A = R.values
    attrs: dict[str, Any] = {}
    if metric == "correlation":
        check_nonconstant(R, along=feature_dim, name="X", what="pattern")
        Ac = A - A.mean(axis=1, keepdims=True)
        Ac /= np.sqrt(np.einsum("ij,ij->i", Ac, Ac))[:, None]
        D = 1.0 - Ac @ Ac.T
    elif metric == "cosine":
        norms = np.sqrt(np.einsum("ij,ij->i", A, A))
        _check_nonzero(R, norms, sample_dim)
        An = A / norms[:, None]
        D = 1.0 - An @ An.T
    else:
        normalize = bool(metric_kwargs.get("normalize", False))
        sq = np.einsum("ij,ij->i", A, A)
        D = sq[:, None] + sq[None, :] - 2.0 * (A @ A.T)
        np.maximum(D, 0.0, out=D)  # rounding can leave tiny negatives
        if metric == "euclidean":
            np.sqrt(D, out=D)
        elif normalize:
            D /= A.shape[1]
        if metric == "sqeuclidean":
            attrs["normalize"] = int(normalize)
    definition = _DEFINITIONS[metric]
    if attrs.get("normalize"):
        definition += ", divided by n_features"
    attrs.update(n_features=int(A.shape[1]))
    return _wrap(D, R, sample_dim, metric, definition, attrs)


def _check_nonzero(R: xr.DataArray, norms: np.ndarray, sample_dim: str) -> None:
    zero = np.flatnonzero(norms == 0)
    if zero.size:
        raise InvalidValueError(
            "all-zero pattern: cosine distance is undefined", field="X",
            expected="every pattern to have a nonzero norm",
            found=f"{zero.size} zero, first {sample_dim}={R[sample_dim].values[zero[0]]!r}")


def _wrap(D: np.ndarray, R: xr.DataArray, sample_dim: str, metric: str, definition: str,
          attrs: dict[str, Any]) -> xr.DataArray:
    """Symmetrise, zero the diagonal and label ``D`` with ``R``'s stimulus coords."""
    D = 0.5 * (D + D.T)
    np.fill_diagonal(D, 0.0)
    di, dj = f"{sample_dim}_i", f"{sample_dim}_j"
    coords: dict[str, Any] = {}
    for name, coord in R.coords.items():
        if coord.dims != (sample_dim,):
            continue
        suffix_i = di if name == sample_dim else f"{name}_i"
        suffix_j = dj if name == sample_dim else f"{name}_j"
        coords[suffix_i] = (di, coord.values)
        coords[suffix_j] = (dj, coord.values)
    out = xr.DataArray(D, dims=(di, dj), coords=coords, name="rdm")
    out.attrs.update(metric=metric, definition=definition, **attrs)
    if "n_features_omitted" in R.attrs:
        out.attrs["n_features_omitted"] = R.attrs["n_features_omitted"]
    return out


def _run_dim_of(X: xr.DataArray, sample_dim: str, run_dim: str | None) -> str:
    if run_dim is not None:
        if run_dim not in X.dims:
            raise SchemaError("crossnobis: run_dim not found in X", field=run_dim,
                              expected=f"a dim of X {X.dims}", found="absent")
        return run_dim
    for name in _RUN_DIMS:
        if name in X.dims and name != sample_dim:
            return name
    raise SchemaError("crossnobis needs repeated measurements: a run/repetition dim",
                      field="X", expected=f"a 3-D array with one of the dims {_RUN_DIMS} "
                      "(or run_dim=...)", found=f"dims {X.dims}")


def _crossnobis(X: xr.DataArray | np.ndarray, *, sample_dim: str, nan_policy: NanPolicy,
                run_dim: str | None = None, noise: Any = None) -> xr.DataArray:
    if isinstance(X, xr.DataArray):
        if X.ndim != 3 or sample_dim not in X.dims:
            raise SchemaError("crossnobis needs (run, stimulus, feature) responses", field="X",
                              expected=f"3 dims including {sample_dim!r}", found=f"dims {X.dims}")
        rdim = _run_dim_of(X, sample_dim, run_dim)
        fdim = next(d for d in X.dims if d not in (rdim, sample_dim))
        da = X.transpose(rdim, sample_dim, fdim)
    else:
        array = np.asarray(X)
        if array.ndim != 3:
            raise SchemaError("crossnobis needs an (n_runs, n_stimuli, n_features) array",
                              field="X", expected="a 3-D array", found=f"shape {array.shape}")
        rdim, fdim = "run", "feature"
        da = xr.DataArray(array, dims=(rdim, sample_dim, fdim))
    K = da.sizes[rdim]
    if K < 2:
        raise SchemaError("crossnobis needs at least 2 runs", field=rdim,
                          expected="at least 2", found=str(K))
    # one (stimulus, run x feature) view so the shared checks (NaN, inf, #stimuli) apply
    flat = da.transpose(sample_dim, rdim, fdim)
    values = flat.values
    omitted = 0
    if nan_policy == "omit":
        bad = np.isnan(values).any(axis=(0, 1))
        if bad.all():
            raise InvalidValueError("every feature of X holds NaN", field="X",
                                    expected="at least one feature without NaN",
                                    found=f"{bad.size} features, all with NaN")
        if bad.any():
            flat = flat.isel({fdim: ~bad})
            omitted = int(bad.sum())
    stacked = xr.DataArray(
        flat.values.reshape(flat.shape[0], -1), dims=(sample_dim, "run_feature"),
        coords={k: v for k, v in flat.coords.items() if v.dims == (sample_dim,)})
    R = as_responses(stacked, name="X", sample_dim=sample_dim, nan_policy="raise")
    n, p = R.sizes[sample_dim], flat.sizes[fdim]
    runs = R.values.reshape(n, K, p).transpose(1, 0, 2)  # (K, n, p)
    label = "identity"
    if noise is not None:
        cov, label = _noise_covariance(noise, runs)
        try:
            chol, _ = cho_factor(cov, lower=True)
        except np.linalg.LinAlgError as err:
            raise InvalidValueError("the noise covariance is not positive definite",
                                    field="noise", expected="a symmetric positive definite "
                                    f"({p}, {p}) matrix", found=str(err)) from None
        # Sigma^-1 = L^-T L^-1: whiten every run by L^-1 (triangular solve, no inverse)
        runs = np.stack([solve_triangular(chol, r.T, lower=True).T for r in runs])
    S = runs.sum(axis=0)
    G = S @ S.T
    for r in runs:
        G -= r @ r.T
    G /= K * (K - 1)
    g = np.diag(G)
    D = (g[:, None] + g[None, :] - G - G.T) / p
    attrs = dict(n_features=int(p), n_runs=int(K), noise=label, run_dim=rdim)
    if omitted:
        attrs["n_features_omitted"] = omitted
    return _wrap(D, R, sample_dim, "crossnobis", _DEFINITIONS["crossnobis"], attrs)


def _noise_covariance(noise: Any, runs: np.ndarray) -> tuple[np.ndarray, str]:
    """``(p, p)`` noise covariance: given, or estimated from the run residuals."""
    K, n, p = runs.shape
    if isinstance(noise, str):
        if noise not in _NOISE_MODES:
            raise ConfigError("unknown noise estimate for crossnobis", field="noise",
                              expected=" or ".join(repr(m) for m in _NOISE_MODES)
                              + ", an array or None", found=repr(noise))
        E = (runs - runs.mean(axis=0, keepdims=True)).reshape(K * n, p)
        E = E - E.mean(axis=0, keepdims=True)
        dof = n * (K - 1)
        if noise == "diag":
            return np.diag(np.einsum("ij,ij->j", E, E) / dof), "diag"
        s_sum = E.T @ E
        if noise == "full":
            return s_sum / dof, "full"
        # shrinkage towards the diagonal (Schaefer & Strimmer 2005), as rsatoolbox 0.3.2
        E2 = E * E
        s2_sum = E2.T @ E2
        s = s_sum / dof
        var = np.diag(s)
        std = np.sqrt(var)
        rows = E.shape[0]
        s_mean = s_sum / std[None, :] / std[:, None] / (rows - 1)
        s2_mean = s2_sum / var[None, :] / var[:, None] / (rows - 1)
        var_hat = rows / dof**2 * (s2_mean - s_mean**2)
        off = ~np.eye(p, dtype=bool)
        lam = float(np.clip(var_hat[off].sum() / (s_mean[off] ** 2).sum(), 0.0, 1.0))
        return s * np.where(off, 1.0 - lam, 1.0), f"shrinkage (lambda={lam:.3g})"
    cov = np.asarray(noise, dtype=np.float64)
    if cov.shape != (p, p):
        raise ConfigError("noise covariance has the wrong shape", field="noise",
                          expected=f"({p}, {p})", found=str(cov.shape))
    if not np.isfinite(cov).all():
        raise InvalidValueError("noise covariance holds NaN/inf", field="noise",
                                expected="finite values", found="non-finite values")
    return 0.5 * (cov + cov.T), "given covariance"


def _square_dims(rdm: xr.DataArray) -> tuple[str, str]:
    if rdm.ndim != 2 or not (rdm.dims[0].endswith("_i") and rdm.dims[1].endswith("_j")):
        raise SchemaError("not a square RDM", field="rdm",
                          expected="dims (<sample>_i, <sample>_j)", found=f"dims {rdm.dims}")
    return rdm.dims[0], rdm.dims[1]


def rdm_vector(rdm: xr.DataArray | np.ndarray) -> np.ndarray:
    """The condensed upper triangle of a square RDM.

    Parameters
    ----------
    rdm : xarray.DataArray or numpy.ndarray
        ``(n, n)`` RDM.

    Returns
    -------
    numpy.ndarray
        ``(n (n - 1) / 2,)`` float64, row-major ``np.triu_indices(n, 1)`` order (scipy's
        ``squareform`` and rsatoolbox's ``get_vectors`` order).

    Raises
    ------
    SchemaError
        Not a square 2-D matrix.

    Examples
    --------
    >>> rdm_vector(np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0]]))
    array([1., 2., 3.])
    """
    D = np.asarray(rdm.values if isinstance(rdm, xr.DataArray) else rdm, dtype=np.float64)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise SchemaError("an RDM must be a square matrix", field="rdm",
                          expected="shape (n, n)", found=f"shape {D.shape}")
    return D[np.triu_indices(D.shape[0], 1)]


def stack_rdms(rdms: Mapping[str, xr.DataArray] | Sequence[xr.DataArray]) -> xr.DataArray:
    """Many square RDMs as one ``(rdm, *_i, *_j)`` DataArray, aligned by stimulus labels.

    Parameters
    ----------
    rdms : mapping of name to DataArray, or sequence of DataArray
        Square RDMs (as from :func:`compute_rdm`) over the same stimulus set, in any order.
        Names come from the mapping keys, else ``DataArray.name`` when unique, else
        ``0, 1, ...``.

    Returns
    -------
    xarray.DataArray
        ``("rdm", <sample>_i, <sample>_j)`` with every RDM in the first one's stimulus order;
        coord ``rdm`` holds the names. ``attrs["metric"]`` when all share one metric.

    Raises
    ------
    SchemaError
        No RDM, RDMs with different dims, or different stimulus sets (naming the RDM and the
        first labels that differ).

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(4, 6))
    >>> a = compute_rdm(X)
    >>> s = stack_rdms({"a": a, "b": a.isel(stimulus_i=[3, 2, 1, 0], stimulus_j=[1, 0, 3, 2])})
    >>> s.dims, bool(np.allclose(s.sel(rdm="a"), s.sel(rdm="b")))
    (('rdm', 'stimulus_i', 'stimulus_j'), True)
    """
    if isinstance(rdms, Mapping):
        names = [str(k) for k in rdms]
        items = list(rdms.values())
    else:
        items = list(rdms)
        given = [getattr(r, "name", None) for r in items]
        names = ([str(g) for g in given] if None not in given and len(set(given)) == len(given)
                 else [str(i) for i in range(len(items))])
    if not items:
        raise SchemaError("no RDM to stack", field="rdms", expected="at least one RDM",
                          found="none")
    for name, r in zip(names, items, strict=True):
        if not isinstance(r, xr.DataArray):
            raise SchemaError(f"RDM {name!r} is not a labelled DataArray", field="rdms",
                              expected="square RDM DataArrays (compute_rdm)",
                              found=type(r).__name__)
    ref = items[0]
    di, dj = _square_dims(ref)
    labels = ref[di].values
    aligned = []
    for name, r in zip(names, items, strict=True):
        if r.dims != (di, dj):
            raise SchemaError(f"RDM {name!r} has other dims than RDM {names[0]!r}", field=name,
                              expected=f"dims {(di, dj)}", found=f"dims {r.dims}")
        aligned.append(align_rdm(r, labels, names=(names[0], name)))
    out = xr.concat([a.drop_vars([c for c in a.coords if c not in ref.coords])
                     for a in aligned], dim="rdm", coords="minimal", compat="override",
                    combine_attrs="drop")
    out = out.assign_coords(rdm=names)
    metrics = {r.attrs.get("metric") for r in items}
    if len(metrics) == 1 and None not in metrics:
        out.attrs["metric"] = metrics.pop()
    out.name = "rdms"
    return out


def align_rdm(rdm: xr.DataArray, labels: np.ndarray, *,
              names: tuple[str, str] = ("a", "b")) -> xr.DataArray:
    """``rdm`` reordered to ``labels`` on both axes; SchemaError naming any mismatch."""
    di, dj = _square_dims(rdm)
    own = rdm[di].values
    for dim in (di, dj):
        values = rdm[dim].values
        if len(np.unique(values)) != len(values):
            raise SchemaError(f"RDM {names[1]!r} has repeated stimulus labels", field=dim,
                              expected="unique labels", found=f"{len(values)} labels, "
                              f"{len(np.unique(values))} distinct")
    if set(own.tolist()) != set(rdm[dj].values.tolist()):
        raise SchemaError(f"RDM {names[1]!r} has different row and column labels", field=dj,
                          expected=f"the labels of {di} on both axes", found="other labels")
    if (len(own) == len(labels) and np.array_equal(own, labels)
            and np.array_equal(rdm[dj].values, labels)):
        return rdm
    ref_set, own_set = set(labels.tolist()), set(own.tolist())
    missing = [v for v in labels.tolist() if v not in own_set]
    extra = [v for v in own.tolist() if v not in ref_set]
    if missing or extra:
        raise SchemaError(
            f"RDMs {names[0]!r} and {names[1]!r} are on different stimulus sets", field=di,
            expected="the same stimulus labels in both",
            found=f"{len(missing)} only in {names[0]!r} (e.g. {missing[:3]}), "
                  f"{len(extra)} only in {names[1]!r} (e.g. {extra[:3]})")
    return rdm.sel({di: labels, dj: labels})
