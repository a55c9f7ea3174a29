"""SVCCA / PWCCA: invariances, canonical correlations against direct solutions, known cases."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity.cca import cca_correlations, pwcca, svcca


def _orthogonal(rng: np.random.Generator, p: int) -> np.ndarray:
    return np.linalg.qr(rng.normal(size=(p, p)))[0]


def _eigen_cca(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Canonical correlations from the eigenvalues of Sxx^-1 Sxy Syy^-1 Syx."""
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    Sxx, Syy, Sxy = Xc.T @ Xc, Yc.T @ Yc, Xc.T @ Yc
    M = np.linalg.solve(Sxx, Sxy) @ np.linalg.solve(Syy, Sxy.T)
    ev = np.sort(np.linalg.eigvals(M).real)[::-1][: min(X.shape[1], Y.shape[1])]
    return np.sqrt(np.clip(ev, 0, None))


def test_correlations_match_eigen_solution(rng):
    X = rng.normal(size=(40, 4))
    Y = X @ rng.normal(size=(4, 3)) + 2.0 * rng.normal(size=(40, 3))
    rho = cca_correlations(X, Y)
    assert rho.shape == (3,)
    np.testing.assert_allclose(rho, _eigen_cca(X, Y), rtol=1e-9, atol=1e-12)


def test_correlations_match_sklearn_cca(rng):
    from sklearn.cross_decomposition import CCA

    X = rng.normal(size=(80, 3))
    Y = X[:, :2] @ rng.normal(size=(2, 3)) + rng.normal(size=(80, 3))
    model = CCA(n_components=3, scale=False, max_iter=20000, tol=1e-14).fit(X, Y)
    xs, ys = model.transform(X, Y)
    sk = [abs(np.corrcoef(xs[:, i], ys[:, i])[0, 1]) for i in range(3)]
    np.testing.assert_allclose(cca_correlations(X, Y), sk, atol=1e-5)


def test_constructed_shared_directions(rng):
    # Y holds k = 2 mixtures of X's directions plus independent noise columns:
    # two canonical correlations are 1, the rest near 0
    n = 2000
    X = rng.normal(size=(n, 5))
    Y = np.c_[X[:, :2] @ rng.normal(size=(2, 2)), rng.normal(size=(n, 3))]
    rho = cca_correlations(X, Y)
    np.testing.assert_allclose(rho[:2], 1.0, atol=1e-12)
    assert np.all(rho[2:] < 0.15)
    # with noise of variance 0.04 on the shared part: rho = 1 / sqrt(1 + 0.04)
    Yn = np.c_[X[:, :2] + 0.2 * rng.normal(size=(n, 2)), rng.normal(size=(n, 3))]
    np.testing.assert_allclose(cca_correlations(X, Yn)[:2], 1 / np.sqrt(1.04), atol=0.01)
    assert svcca(X, Y, variance=1.0) == pytest.approx(rho.mean(), rel=1e-12)


@pytest.mark.parametrize("metric", [svcca, pwcca])
def test_invariant_to_orthogonal_and_isotropic_scaling(rng, metric):
    X = rng.normal(size=(60, 5)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5])
    Y = X[:, :3] + rng.normal(size=(60, 3))
    base = metric(X, Y)
    assert metric(3.0 * X @ _orthogonal(rng, 5) - 2.0, Y) == pytest.approx(base, rel=1e-9)
    assert metric(X, 0.2 * Y + 1.0) == pytest.approx(base, rel=1e-9)
    assert metric(X, X @ _orthogonal(rng, 5) * 7.0) == pytest.approx(1.0, abs=1e-9)
    rotated = metric(X, Y @ _orthogonal(rng, 3))
    if metric is svcca:
        assert rotated == pytest.approx(base, rel=1e-9)
    else:  # PWCCA weights sum |projections| over Y's neurons (Y has fewer dims): basis-bound
        assert abs(rotated - base) > 1e-6


def test_invertible_linear_map_gives_one(rng):
    X = rng.normal(size=(50, 4))
    R = rng.normal(size=(4, 4)) + 2 * np.eye(4)
    assert pwcca(X, X @ R) == pytest.approx(1.0, abs=1e-9)
    assert svcca(X, X @ R, n_components=4) == pytest.approx(1.0, abs=1e-9)
    assert svcca(X, X @ R, variance=1.0) == pytest.approx(1.0, abs=1e-9)


def test_svcca_truncation(rng):
    # one dominant shared direction + weak unshared ones: keeping 1 component -> 1
    n = 200
    a, b, c = rng.normal(size=(3, n))
    X = np.c_[10 * a, 0.1 * b]
    Y = np.c_[-10 * a, 0.1 * c]
    assert svcca(X, Y, variance=0.99) == pytest.approx(1.0, abs=1e-9)
    assert svcca(X, Y, variance=1.0) < 0.7
    assert svcca(X, Y) == pytest.approx(svcca(Y, X), rel=1e-12)


def test_pwcca_weights_known_case(rng):
    # X = [10 a, b], Y = [a, c] (a, b, c independent): rho = (1, ~0); the shared canonical
    # variate carries ~10/11 of X's summed projections -> PWCCA ~ 10/11, SVCCA ~ 1/2
    n = 4000
    a, b, c = (v - v.mean() for v in rng.normal(size=(3, n)))
    X, Y = np.c_[10 * a, b], np.c_[a, c]
    assert pwcca(X, Y) == pytest.approx(10 / 11, abs=0.03)
    assert svcca(X, Y, variance=1.0) == pytest.approx(0.5, abs=0.03)


def test_aligns_by_stimulus_label(rng):
    X = xr.DataArray(rng.normal(size=(30, 3)), dims=("stimulus", "feature"),
                     coords={"stimulus": [f"s{i}" for i in range(30)]})
    Y = xr.DataArray(rng.normal(size=(30, 2)) + X.values[:, :2], dims=("stimulus", "neuroid"),
                     coords={"stimulus": X["stimulus"].values})
    shuffled = Y.isel(stimulus=rng.permutation(30))
    assert svcca(X, shuffled) == pytest.approx(svcca(X.values, Y.values), rel=1e-12)
    assert pwcca(X, shuffled) == pytest.approx(pwcca(X.values, Y.values), rel=1e-12)


def test_errors(rng):
    X = rng.normal(size=(10, 6))
    with pytest.raises(InvalidValueError, match="degenerate"):
        cca_correlations(X, rng.normal(size=(10, 6)))
    with pytest.raises(ConfigError):
        svcca(X, X, n_components=7)
    with pytest.raises(ConfigError):
        svcca(X, X, variance=0.0)
    with pytest.raises(ConfigError):
        svcca(X, X, n_components=(1, 2, 3))
    with pytest.raises(InvalidValueError, match="constant"):
        pwcca(X, np.zeros((10, 2)))
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(InvalidValueError):
        svcca(bad, X)
    with pytest.raises(SchemaError):
        svcca(X[:2], X[:2])
    with pytest.raises(SchemaError):
        pwcca(X, X[:9])
