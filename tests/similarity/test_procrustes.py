"""Procrustes shape distance: invariances, metric axioms, direct nuclear-norm formula."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity.cca import cca_correlations
from neurokit.similarity.procrustes import procrustes_distance, procrustes_similarity


def _orthogonal(rng: np.random.Generator, p: int) -> np.ndarray:
    return np.linalg.qr(rng.normal(size=(p, p)))[0]


def _direct_angular(X: np.ndarray, Y: np.ndarray) -> float:
    """alpha = 1 written out: centre, unit Frobenius norm, zero-pad, arccos(||X^T Y||_*)."""
    p = max(X.shape[1], Y.shape[1])
    X = np.pad(X, ((0, 0), (0, p - X.shape[1])))
    Y = np.pad(Y, ((0, 0), (0, p - Y.shape[1])))
    X = X - X.mean(0)
    Y = Y - Y.mean(0)
    X, Y = X / np.linalg.norm(X), Y / np.linalg.norm(Y)
    nuclear = np.linalg.svd(X.T @ Y, compute_uv=False).sum()
    return float(np.arccos(min(nuclear, 1.0)))


@pytest.mark.parametrize("alpha", [1.0, 0.5, 0.0])
def test_zero_for_rotated_scaled_translated_copy(rng, alpha):
    X = rng.normal(size=(20, 4))
    Y = 2.7 * X @ _orthogonal(rng, 4) + rng.normal(size=4)
    assert procrustes_distance(X, Y, alpha) == pytest.approx(0.0, abs=1e-6)
    # a copy with extra zero/constant features (padding) is the same shape
    assert procrustes_distance(X, np.c_[Y, np.full(20, 3.0)], alpha) == pytest.approx(
        0.0, abs=1e-6)


@pytest.mark.parametrize("shapes", [(5, 5), (3, 7)])
def test_alpha_one_equals_direct_nuclear_norm(rng, shapes):
    X, Y = rng.normal(size=(25, shapes[0])), rng.normal(size=(25, shapes[1]))
    Y[:, : min(shapes)] += X[:, : min(shapes)]
    assert procrustes_distance(X, Y) == pytest.approx(_direct_angular(X, Y), rel=1e-10)


@pytest.mark.parametrize("alpha", [1.0, 0.3, 0.0])
def test_metric_axioms(rng, alpha):
    reps = [rng.normal(size=(15, p)) for p in (3, 4, 6, 4)]
    reps[1][:, :3] += reps[0]
    d = {(i, j): procrustes_distance(reps[i], reps[j], alpha)
         for i, j in itertools.product(range(4), repeat=2)}
    for i, j in d:
        assert d[i, j] == pytest.approx(d[j, i], abs=1e-12)
        assert 0.0 <= d[i, j] <= np.pi / 2 + 1e-12
    for i, j, k in itertools.permutations(range(4), 3):
        assert d[i, k] <= d[i, j] + d[j, k] + 1e-10


def test_alpha_zero_is_cca_and_linear_invariant(rng):
    X = rng.normal(size=(40, 3))
    Y = X @ rng.normal(size=(3, 4)) + rng.normal(size=(40, 4))
    rho = cca_correlations(X, Y)
    expected = np.arccos(rho.sum() / np.sqrt(3 * 4))
    assert procrustes_distance(X, Y, alpha=0.0) == pytest.approx(expected, rel=1e-10)
    A = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    assert procrustes_distance(X, X @ A, alpha=0.0) == pytest.approx(0.0, abs=1e-6)
    assert procrustes_distance(X, X @ np.diag([5.0, 1.0, 0.2]), alpha=1.0) > 0.1


def test_similarity_is_cosine_of_distance(rng):
    X, Y = rng.normal(size=(12, 3)), rng.normal(size=(12, 5))
    assert procrustes_similarity(X, Y, 0.7) == pytest.approx(
        np.cos(procrustes_distance(X, Y, 0.7)), rel=1e-12)


def test_errors(rng):
    X = rng.normal(size=(10, 3))
    with pytest.raises(ConfigError):
        procrustes_distance(X, X, alpha=1.5)
    with pytest.raises(InvalidValueError, match="constant"):
        procrustes_distance(X, np.full((10, 2), 2.0))
    with pytest.raises(SchemaError):
        procrustes_distance(X, X[:8])
