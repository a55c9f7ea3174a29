"""Encoding scores: ground truth, null, parity with sklearn Ridge, no test-fold leakage."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity.encoding import _kfold_indices, _ridge_fold, encoding_score


def _linear_population(rng, n=300, p=8, q=20, noise_sd=1.0):
    """Y = X W + noise with unit signal variance per neuroid (W columns of unit norm)."""
    X = rng.normal(size=(n, p))
    W = rng.normal(size=(p, q))
    W /= np.linalg.norm(W, axis=0)
    return X, X @ W + noise_sd * rng.normal(size=(n, q))


def test_ground_truth_matches_snr(rng):
    # signal variance 1, noise variance 1: the best possible r is sqrt(1 / (1 + 1))
    X, Y = _linear_population(rng, noise_sd=1.0)
    r = encoding_score(X, Y)
    expected = np.sqrt(1 / 2)
    assert r.attrs["median_r"] == pytest.approx(float(np.median(r)))
    assert expected - 0.06 < r.attrs["median_r"] < expected + 0.02
    X, Y = _linear_population(rng, noise_sd=0.1)
    assert encoding_score(X, Y).attrs["median_r"] > 0.99
    assert encoding_score(X, Y, model="pls", n_components=8).attrs["median_r"] > 0.99


def test_pure_noise_scores_near_zero(rng):
    # (a model that predicts only the training mean scores ~ -sqrt((K-1)/(n-1)) = -0.1 here)
    X, Y = rng.normal(size=(400, 10)), rng.normal(size=(400, 30))
    for model in ("ridge", "pls"):
        r = encoding_score(X, Y, model=model, n_components=3)
        assert abs(r.attrs["median_r"]) < 0.15


@pytest.mark.parametrize("scale", ["global", "feature"])
def test_parity_with_sklearn_ridge_at_fixed_alpha(rng, scale):
    from sklearn.linear_model import Ridge

    X, Y = _linear_population(rng, n=60, p=12, q=4, noise_sd=2.0)
    X[:, 0] *= 30.0
    X[:, 1] += 5.0  # unequal scales and offsets: the scaling matters
    alpha = 7.0
    ours = encoding_score(X, Y, alphas=[alpha], n_splits=4, seed=3, scale=scale)
    pred = np.empty_like(Y)
    for test in _kfold_indices(60, 4, 3):
        train = np.setdiff1d(np.arange(60), test)
        mu, sd = X[train].mean(0), X[train].std(0)
        if scale == "global":
            sd = np.sqrt(np.mean(sd**2))
        model = Ridge(alpha=alpha).fit((X[train] - mu) / sd, Y[train])
        pred[test] = model.predict((X[test] - mu) / sd)
    expected = [np.corrcoef(pred[:, j], Y[:, j])[0, 1] for j in range(4)]
    np.testing.assert_allclose(ours.values, expected, rtol=1e-9)
    assert np.all(ours.attrs["chosen_alpha"] == alpha)


def test_loo_selection_matches_brute_force(rng):
    from sklearn.linear_model import Ridge

    X, Y = _linear_population(rng, n=25, p=6, q=5, noise_sd=1.5)
    alphas = np.logspace(-2, 3, 6)
    Xs = (X - X.mean(0)) / X.std(0)
    _, chosen = _ridge_fold(Xs, Y, Xs[:2], alphas)
    loo = np.zeros((alphas.size, 5))
    for k, a in enumerate(alphas):
        for i in range(25):
            keep = np.arange(25) != i
            fit = Ridge(alpha=a).fit(Xs[keep], Y[keep])
            loo[k] += (fit.predict(Xs[i : i + 1])[0] - Y[i]) ** 2
    np.testing.assert_array_equal(chosen, alphas[np.argmin(loo, axis=0)])


def test_no_test_fold_leakage(rng):
    X, Y = _linear_population(rng, n=80, p=6, q=10, noise_sd=1.0)
    folds = _kfold_indices(80, 5, 0)
    a = encoding_score(X, Y).attrs["chosen_alpha"]
    for k, test in enumerate(folds):
        Y2 = Y.copy()
        Y2[test] = 100.0 * rng.normal(size=(test.size, 10))
        b = encoding_score(X, Y2).attrs["chosen_alpha"]
        np.testing.assert_array_equal(a[k], b[k])  # fold k never saw its test responses
        assert not np.array_equal(np.delete(a, k, 0), np.delete(b, k, 0))


def test_labelled_inputs_keep_neuroid_coords(rng):
    X, Y = _linear_population(rng, n=50, p=4, q=6, noise_sd=0.5)
    stim = [f"img{i}" for i in range(50)]
    Xd = xr.DataArray(X, dims=("stimulus", "feature"), coords={"stimulus": stim})
    Yd = xr.DataArray(Y, dims=("stimulus", "neuroid"),
                      coords={"stimulus": stim, "neuroid": np.arange(100, 106),
                              "area": ("neuroid", ["V1"] * 3 + ["V4"] * 3)})
    r = encoding_score(Xd, Yd.isel(stimulus=rng.permutation(50)))
    assert r.dims == ("neuroid",)
    assert list(r["area"].values) == ["V1"] * 3 + ["V4"] * 3
    np.testing.assert_allclose(r.values, encoding_score(X, Y).values, rtol=1e-12)
    assert r.attrs["model"] == "ridge" and r.attrs["n_splits"] == 5
    assert r.attrs["chosen_alpha"].shape == (5, 6)


def test_errors(rng):
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 4))
    bad = Y.copy()
    bad[3, 1] = np.nan
    with pytest.raises(InvalidValueError, match="NaN"):
        encoding_score(X, bad)
    omitted = encoding_score(X, bad, nan_policy="omit")
    assert omitted.sizes["neuroid"] == 3 and omitted.attrs["n_neuroids_omitted"] == 1
    Yd = xr.DataArray(Y, dims=("stimulus", "neuroid"),
                      coords={"stimulus": np.arange(20), "neuroid": ["a", "b", "c", "d"]})
    Xd = xr.DataArray(X, dims=("stimulus", "feature"), coords={"stimulus": np.arange(1, 21)})
    with pytest.raises(SchemaError, match="different stimulus sets"):
        encoding_score(Xd, Yd)
    with pytest.raises(SchemaError):
        encoding_score(X[:2], Y[:2])
    flat = Yd.copy()
    flat[:, 2] = 1.5
    with pytest.raises(InvalidValueError, match="'c'"):
        encoding_score(X, flat)
    with pytest.raises(ConfigError):
        encoding_score(X, Y, model="svm")
    with pytest.raises(ConfigError):
        encoding_score(X, Y, n_splits=1)
    with pytest.raises(ConfigError):
        encoding_score(X, Y, alphas=[-1.0])
    with pytest.raises(ConfigError):
        encoding_score(X, Y, model="pls", n_components=4)
