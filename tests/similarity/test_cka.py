"""CKA: closed-form cases, invariances, Gram-form reference, unbiased HSIC written out."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity.cka import cka, hsic


def _orthogonal(rng: np.random.Generator, p: int) -> np.ndarray:
    return np.linalg.qr(rng.normal(size=(p, p)))[0]


def _gram_reference(X: np.ndarray, Y: np.ndarray) -> float:
    """Plain Gram-matrix linear CKA: <HKH, HLH> / (||HKH|| ||HLH||)."""
    n = X.shape[0]
    H = np.eye(n) - np.ones((n, n)) / n
    Kc = H @ (X @ X.T) @ H
    Lc = H @ (Y @ Y.T) @ H
    return float(np.sum(Kc * Lc) / np.sqrt(np.sum(Kc * Kc) * np.sum(Lc * Lc)))


def _hsic_unbiased_song(K: np.ndarray, L: np.ndarray) -> float:
    """Song et al. (2012), eq. 5, written out term by term."""
    n = K.shape[0]
    Kt, Lt = K.copy(), L.copy()
    np.fill_diagonal(Kt, 0.0)
    np.fill_diagonal(Lt, 0.0)
    one = np.ones(n)
    term1 = np.trace(Kt @ Lt)
    term2 = (one @ Kt @ one) * (one @ Lt @ one) / ((n - 1) * (n - 2))
    term3 = 2.0 / (n - 2) * (one @ Kt @ Lt @ one)
    return float((term1 + term2 - term3) / (n * (n - 3)))


def _rbf(X: np.ndarray, fraction: float) -> np.ndarray:
    """RBF Gram matrix with bandwidth fraction * median distinct-pair distance (documented)."""
    d = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    med = np.median(d[np.triu_indices(len(X), 1)])
    return np.exp(-(d**2) / (2 * (fraction * med) ** 2))


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
@pytest.mark.parametrize("debiased", [False, True])
def test_self_similarity_is_one(rng, kernel, debiased):
    X = rng.normal(size=(25, 7))
    assert cka(X, X, kernel=kernel, debiased=debiased) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("debiased", [False, True])
def test_linear_invariant_to_rotation_and_isotropic_scaling(rng, debiased):
    X, Y = rng.normal(size=(30, 6)), rng.normal(size=(30, 4))
    Y = Y + X[:, :4]  # related, so the value is not trivially 0
    base = cka(X, Y, debiased=debiased)
    moved = cka(2.5 * X @ _orthogonal(rng, 6) + 3.0, Y, debiased=debiased)
    assert moved == pytest.approx(base, rel=1e-10)
    assert cka(X, 0.1 * Y @ _orthogonal(rng, 4), debiased=debiased) == pytest.approx(base,
                                                                                    rel=1e-10)


def test_rbf_invariant_to_rotation_and_scaling(rng):
    X, Y = rng.normal(size=(30, 6)), rng.normal(size=(30, 3))
    base = cka(X, Y, kernel="rbf")
    assert cka(4 * X @ _orthogonal(rng, 6), Y, kernel="rbf") == pytest.approx(base, rel=1e-10)


def test_linear_not_invariant_to_general_linear_map(rng):
    X = rng.normal(size=(40, 5))
    Y = X @ rng.normal(size=(5, 3)) + rng.normal(size=(40, 3))
    A = np.diag([10.0, 1.0, 0.1, 1.0, 3.0]) @ rng.normal(size=(5, 5))
    assert abs(cka(X @ A, Y) - cka(X, Y)) > 1e-3


def test_known_values_by_hand():
    # one feature each: CKA = squared Pearson r; x = 1..4, y = (1,3,2,4): r = 4/5
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([[1.0], [3.0], [2.0], [4.0]])
    assert cka(x, y) == pytest.approx(0.64, abs=1e-12)
    # X: two orthonormal centred columns, Y: one of them -> 1 / (sqrt(2) * 1)
    a = np.array([1.0, -1.0, 1.0, -1.0]) / 2
    b = np.array([1.0, 1.0, -1.0, -1.0]) / 2
    assert cka(np.c_[a, b], a[:, None]) == pytest.approx(1 / np.sqrt(2), abs=1e-12)


@pytest.mark.parametrize("shape", [((20, 3), (20, 4)), ((15, 60), (15, 40)),
                                   ((12, 3), (12, 50))])
def test_linear_matches_gram_reference(rng, shape):
    # small p, q -> feature form; p, q > n -> Gram form; mixed
    X, Y = rng.normal(size=shape[0]), rng.normal(size=shape[1])
    assert cka(X, Y) == pytest.approx(_gram_reference(X, Y), rel=1e-10)


def test_hsic_against_direct_formulas(rng):
    X, Y = rng.normal(size=(12, 3)), rng.normal(size=(12, 5))
    K, L = X @ X.T, _rbf(Y, 0.8)
    n = K.shape[0]
    H = np.eye(n) - 1.0 / n
    assert hsic(K, L) == pytest.approx(np.trace(K @ H @ L @ H) / (n - 1) ** 2, rel=1e-12)
    assert hsic(K, L, unbiased=True) == pytest.approx(_hsic_unbiased_song(K, L), rel=1e-10)


@pytest.mark.parametrize("shape", [((14, 3), (14, 5)), ((10, 30), (10, 25))])
def test_debiased_linear_against_song_estimator(rng, shape):
    X, Y = rng.normal(size=shape[0]), rng.normal(size=shape[1])
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    K, L = Xc @ Xc.T, Yc @ Yc.T
    expected = _hsic_unbiased_song(K, L) / np.sqrt(
        _hsic_unbiased_song(K, K) * _hsic_unbiased_song(L, L))
    assert cka(X, Y, debiased=True) == pytest.approx(expected, rel=1e-10)


def test_debiased_rbf_against_song_estimator(rng):
    X, Y = rng.normal(size=(16, 4)), rng.normal(size=(16, 2))
    K, L = _rbf(X, 0.5), _rbf(Y, 0.5)
    expected = _hsic_unbiased_song(K, L) / np.sqrt(
        _hsic_unbiased_song(K, K) * _hsic_unbiased_song(L, L))
    assert cka(X, Y, kernel="rbf", sigma=0.5, debiased=True) == pytest.approx(expected,
                                                                              rel=1e-10)
    biased = np.trace(_c(K) @ _c(L)) / np.sqrt(np.trace(_c(K) @ _c(K)) * np.trace(_c(L) @ _c(L)))
    assert cka(X, Y, kernel="rbf", sigma=0.5) == pytest.approx(biased, rel=1e-10)


def _c(K: np.ndarray) -> np.ndarray:
    n = K.shape[0]
    H = np.eye(n) - 1.0 / n
    return H @ K @ H


def test_debiasing_removes_dimensionality_bias(rng):
    # independent wide representations: biased CKA is far from 0, debiased is near 0
    X, Y = rng.normal(size=(40, 200)), rng.normal(size=(40, 200))
    assert cka(X, Y) > 0.5
    assert abs(cka(X, Y, debiased=True)) < 0.1


def test_rbf_tends_to_linear_for_wide_bandwidth(rng):
    X, Y = rng.normal(size=(20, 5)), rng.normal(size=(20, 3))
    Y = Y + X[:, :3]
    lin = cka(X, Y)
    assert abs(cka(X, Y, kernel="rbf", sigma=0.5) - lin) > 1e-3
    assert cka(X, Y, kernel="rbf", sigma=300.0) == pytest.approx(lin, rel=1e-5)
    assert cka(X, Y, kernel="rbf", sigma=300.0, debiased=True) == pytest.approx(
        cka(X, Y, debiased=True), rel=1e-4)


def test_aligns_by_stimulus_label(rng):
    X = xr.DataArray(rng.normal(size=(10, 3)), dims=("stimulus", "feature"),
                     coords={"stimulus": np.arange(10)})
    Y = xr.DataArray(rng.normal(size=(10, 4)), dims=("stimulus", "neuroid"),
                     coords={"stimulus": np.arange(10)})
    shuffled = Y.isel(stimulus=rng.permutation(10))
    assert cka(X, shuffled) == pytest.approx(cka(X.values, Y.values), rel=1e-12)


def test_errors(rng):
    X = rng.normal(size=(10, 3))
    for value in (1.0, 0.1, 1e6 / 3):  # column means need not be exact in floating point
        with pytest.raises(InvalidValueError, match="constant"):
            cka(X, np.full((10, 2), value))
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(InvalidValueError, match="NaN"):
        cka(bad, X)
    with pytest.raises(SchemaError):
        cka(X[:2], X[:2])
    with pytest.raises(SchemaError):
        cka(X[:3], X[:3], debiased=True)
    a = xr.DataArray(X, dims=("stimulus", "feature"), coords={"stimulus": np.arange(10)})
    b = a.assign_coords(stimulus=np.arange(1, 11))
    with pytest.raises(SchemaError, match="different stimulus sets"):
        cka(a, b)
    with pytest.raises(ConfigError):
        cka(X, X, kernel="poly")
    with pytest.raises(ConfigError):
        cka(X, X, sigma=1.0)
    with pytest.raises(ConfigError):
        cka(X, X, kernel="rbf", sigma=-1.0)
    with pytest.raises(SchemaError):
        hsic(np.eye(4), np.eye(5))


def test_inputs_not_modified(rng):
    X, Y = rng.normal(size=(12, 3)) + 5.0, rng.normal(size=(12, 2))
    Xd = xr.DataArray(X.copy(), dims=("stimulus", "feature"))
    F = np.asfortranarray(Y)
    cka(Xd, F)
    cka(X, Y, debiased=True)
    np.testing.assert_array_equal(Xd.values, X)
    np.testing.assert_array_equal(F, Y)
    assert X.mean() > 4.0
