"""Cross-validated encoding scores: how well model features predict each neuroid.

Stimuli are split into ``n_splits`` folds (shuffled with ``seed``). On each training fold the
model features are centred and scaled with training-fold statistics only (``scale="global"``,
the default: one factor for all features, the RMS standard deviation, so their relative
variances and thus the ridge prior stay those of the layer; ``scale="feature"``: each
feature z-scored, which inflates near-silent units to the weight of active ones and, on the
simulated readouts of :func:`neurokit.datasets.simulate_layer_readout`, made early-layer
areas prefer deeper layers), a linear readout is fitted (ridge regression with an
intercept, or PLS), and the held-out stimuli are predicted. The score of a neuroid is the
Pearson correlation between its held-out predictions, concatenated over the folds, and its
responses (not squared, not ceiling-normalised). Under the null the concatenated r is biased
slightly negative: a model that only predicts the training-fold mean scores about
``-sqrt((K - 1)/(n - 1))`` (K folds, n stimuli), because each fold's training mean moves
against its test mean; compare with a permutation null rather than with 0.

Ridge penalty selection never sees the test fold: for each training fold, the penalty of each
neuroid is the one with the smallest exact leave-one-out squared error over the training
stimuli, computed for all penalties at once from one SVD of the scaled training
features (``X = U S V^T``; the hat matrix for penalty ``a`` is
``H_a = 11^T/m + U diag(s^2/(s^2 + a)) U^T``, intercept unpenalised, and the leave-one-out
residual is ``(y_i - yhat_i) / (1 - H_a[i, i])``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError
from neurokit.similarity._checks import (
    NanPolicy,
    align_samples,
    as_responses,
    check_nonconstant,
)

__all__ = ["encoding_score"]

DEFAULT_ALPHAS = np.logspace(-3, 5, 9)


def _kfold_indices(n: int, n_splits: int, seed: int | None) -> list[np.ndarray]:
    """Test indices of each fold: a seeded permutation of ``range(n)`` cut into ``n_splits``
    nearly equal parts (sizes differ by at most one)."""
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(part) for part in np.array_split(order, n_splits)]


def _standardise(train: np.ndarray, test: np.ndarray, scale: str
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Centre both with the training mean and divide by the training spread: one RMS standard
    deviation for all features (``"global"``) or each feature's own (``"feature"``; features
    constant on the training fold -> 0)."""
    mu = train.mean(axis=0)
    sd = train.std(axis=0)
    if scale == "global":
        sd = np.sqrt(np.mean(sd**2)) or 1.0
    else:
        sd[sd == 0] = 1.0
    return (train - mu) / sd, (test - mu) / sd


def _ridge_fold(
    Xtr: np.ndarray, Ytr: np.ndarray, Xte: np.ndarray, alphas: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Ridge predictions for the test stimuli, penalty chosen per neuroid by exact LOO.

    ``Xtr``, ``Xte`` standardised with training statistics. Returns ``(predictions
    (n_test, q), chosen alphas (q,))``.
    """
    m = Xtr.shape[0]
    ymean = Ytr.mean(axis=0)
    Yc = Ytr - ymean
    U, s, Vt = np.linalg.svd(Xtr, full_matrices=False)
    keep = s > max(Xtr.shape) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
    U, s, Vt = U[:, keep], s[keep], Vt[keep]
    UtY = U.T @ Yc                                           # (r, q)
    s2 = s**2
    best_err = np.full(Yc.shape[1], np.inf)
    best = np.zeros(Yc.shape[1], dtype=int)
    U2 = U**2
    for k, a in enumerate(alphas):
        shrink = s2 / (s2 + a)                               # (r,)
        resid = Yc - U @ (shrink[:, None] * UtY)             # training residuals
        h = 1.0 / m + U2 @ shrink                            # leverages, (m,)
        with np.errstate(divide="ignore", invalid="ignore"):  # leverage 1: never chosen
            err = np.mean((resid / (1.0 - h)[:, None]) ** 2, axis=0)
        better = err < best_err * (1 - 1e-12)                # ties keep the smaller penalty
        best_err[better] = err[better]
        best[better] = k
    chosen = alphas[best]
    coef = Vt.T @ (s[:, None] / (s2[:, None] + chosen[None, :]) * UtY)  # (p, q)
    return Xte @ coef + ymean, chosen


def _pls_fold(Xtr: np.ndarray, Ytr: np.ndarray, Xte: np.ndarray, n_components: int
              ) -> np.ndarray:
    from sklearn.cross_decomposition import PLSRegression

    pls = PLSRegression(n_components=n_components, scale=False)
    pls.fit(Xtr, Ytr)
    return np.asarray(pls.predict(Xte)).reshape(Xte.shape[0], -1)


def _pearson_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    den = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(axis=0) / den, np.nan)


def encoding_score(
    X: xr.DataArray | np.ndarray,
    Y: xr.DataArray | np.ndarray,
    model: Literal["ridge", "pls"] = "ridge",
    n_splits: int = 5,
    alphas: np.ndarray | list[float] = DEFAULT_ALPHAS,
    n_components: int = 10,
    seed: int | None = 0,
    *,
    scale: Literal["global", "feature"] = "global",
    nan_policy: NanPolicy = "raise",
) -> xr.DataArray:
    """Cross-validated encoding score of each neuroid: Pearson r of held-out predictions.

    Predicts ``Y`` (stimulus, neuroid) from ``X`` (stimulus, feature) with a linear readout
    in ``n_splits``-fold cross-validation over stimuli (see the module docstring), and returns
    per neuroid ``r = corr(yhat_heldout, y)`` over all stimuli (predictions of every stimulus
    come from the fold where it was held out). Features are centred and scaled with
    training-fold statistics (``scale``); the intercept is the training-fold mean response.

    Parameters
    ----------
    X : xarray.DataArray or numpy.ndarray, shape (n_stimuli, n_features)
        Model features ``(stimulus, feature)``.
    Y : xarray.DataArray or numpy.ndarray, shape (n_stimuli, n_neuroids)
        Neural responses ``(stimulus, neuroid)``; DataArrays are aligned to ``X`` by
        ``stimulus`` label, and coords on the neuroid dim (e.g. ``area``) are kept.
    model : {"ridge", "pls"}
        ``"ridge"``: one ridge regression per neuroid with the penalty (on the scaled
        features, sum of squared residuals + ``alpha ||w||^2``) chosen per neuroid and per
        fold by exact leave-one-out error on the training fold among ``alphas``.
        ``"pls"``: :class:`sklearn.cross_decomposition.PLSRegression` (PLS2, all neuroids
        jointly, ``scale=False`` on the scaled features) with ``n_components``.
    n_splits : int
        Number of folds over stimuli, ``2 <= n_splits <= n_stimuli``.
    alphas : array_like
        Positive ridge penalties tried (default ``10^-3 ... 10^5``, 9 values).
    n_components : int
        PLS components (``model="pls"`` only); at most ``n_features`` and the training size
        minus one.
    seed : int or None
        Seed of the fold shuffle (``np.random.default_rng(seed).permutation``).
    scale : {"global", "feature"}
        Feature scaling on each training fold (see the module docstring): one RMS standard
        deviation for all features (keeps the layer's relative feature variances), or each
        feature z-scored.
    nan_policy : {"raise", "omit"}
        NaN in ``Y``: raise, or drop the neuroids holding any NaN. NaN in ``X`` always raises.

    Returns
    -------
    xarray.DataArray, shape (n_neuroids,)
        Pearson r per neuroid (dim ``neuroid``, or the feature dim of a DataArray ``Y``),
        dimensionless. ``attrs``: ``model``, ``n_splits``, ``seed``, ``metric``
        (``"pearson_r"``), ``summary`` (``"median r"``), ``median_r``; ridge: ``alphas`` (the
        grid) and ``chosen_alpha`` (array ``(n_splits, n_neuroids)``, fold order as the
        shuffled folds); PLS: ``n_components``; ``n_neuroids_omitted`` with
        ``nan_policy="omit"``. NaN for a neuroid whose held-out predictions are constant.

    Raises
    ------
    SchemaError
        Not 2-D, fewer than 3 stimuli, or different stimulus sets.
    InvalidValueError
        NaN/inf, a neuroid with zero variance over stimuli (named), or features all constant.
    ConfigError
        Unknown model, bad ``n_splits``, ``alphas`` or ``n_components``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 5))
    >>> Y = X @ rng.normal(size=(5, 3)) + 0.1 * rng.normal(size=(60, 3))
    >>> r = encoding_score(X, Y)
    >>> r.dims, bool((r > 0.95).all()), r.attrs["chosen_alpha"].shape
    (('neuroid',), True, (5, 3))
    """
    if model not in ("ridge", "pls"):
        raise ConfigError("unknown encoding model", field="model",
                          expected="'ridge' or 'pls'", found=repr(model))
    if scale not in ("global", "feature"):
        raise ConfigError("unknown feature scaling", field="scale",
                          expected="'global' or 'feature'", found=repr(scale))
    xa = as_responses(X, name="model features")
    was_array = not isinstance(Y, xr.DataArray)
    ya = as_responses(Y, name="neural responses", nan_policy=nan_policy)
    if was_array:
        ya = ya.rename(feature="neuroid")
    xa, ya = align_samples(xa, ya, names=("model features", "neural responses"))
    ydim = next(d for d in ya.dims if d != "stimulus")
    check_nonconstant(ya, along="stimulus", name="neural responses", what=ydim)
    xv, yv = xa.values, ya.values
    if not np.any(xv.max(axis=0) > xv.min(axis=0)):
        raise InvalidValueError("model features are constant over stimuli", field="X",
                                expected="at least one feature that varies",
                                found=f"{xv.shape[1]} constant features")
    n = xv.shape[0]
    if isinstance(n_splits, (bool, np.bool_)) or not isinstance(
            n_splits, (int, np.integer)) or not 2 <= n_splits <= n:
        raise ConfigError("n_splits must be an integer between 2 and the number of stimuli",
                          field="n_splits", expected=f"2 <= n_splits <= {n}",
                          found=repr(n_splits))
    folds = _kfold_indices(n, int(n_splits), seed)
    pred = np.empty_like(yv)
    attrs: dict = {"model": model, "n_splits": int(n_splits), "seed": seed, "scale": scale,
                   "metric": "pearson_r", "summary": "median r"}
    if model == "ridge":
        grid = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
        if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid) & (grid > 0)):
            raise ConfigError("alphas must be positive ridge penalties", field="alphas",
                              expected="a non-empty 1-D array of positive numbers",
                              found=repr(alphas))
        chosen = np.empty((len(folds), yv.shape[1]))
    else:
        max_comp = min(xv.shape[1], n - max(len(f) for f in folds) - 1)
        if isinstance(n_components, (bool, np.bool_)) or not isinstance(
                n_components, (int, np.integer)) or not 1 <= n_components <= max_comp:
            raise ConfigError("n_components out of range for PLS", field="n_components",
                              expected=f"1 <= n_components <= {max_comp} (features, "
                              "training stimuli - 1)", found=repr(n_components))
    for k, test in enumerate(folds):
        train = np.setdiff1d(np.arange(n), test, assume_unique=True)
        Xtr, Xte = _standardise(xv[train], xv[test], scale)
        if model == "ridge":
            pred[test], chosen[k] = _ridge_fold(Xtr, yv[train], Xte, grid)
        else:
            pred[test] = _pls_fold(Xtr, yv[train], Xte, int(n_components))
    r = _pearson_columns(pred, yv)
    if model == "ridge":
        attrs.update(alphas=grid, chosen_alpha=chosen)
    else:
        attrs["n_components"] = int(n_components)
    attrs["median_r"] = float(np.nanmedian(r)) if np.isfinite(r).any() else float("nan")
    if "n_features_omitted" in ya.attrs:
        attrs["n_neuroids_omitted"] = ya.attrs["n_features_omitted"]
    coords = {name: c for name, c in ya.coords.items() if c.dims == (ydim,)}
    return xr.DataArray(r, dims=(ydim,), coords=coords, name="encoding_r", attrs=attrs)
