"""Tangent space with the Newton-solved Riemannian mean: parity with pyRiemann, cost, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("pyriemann")
from pyriemann.geometry.mean import mean_riemann  # noqa: E402
from pyriemann.tangentspace import TangentSpace as PyRiemannTangentSpace  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from neurokit.decoding.tangent import TangentSpace, riemannian_mean  # noqa: E402
from neurokit.errors import ConfigError, InvalidValueError, SchemaError  # noqa: E402


def random_spd(rng, n, p, dof):
    """Wishart-like sample covariances with ``dof`` samples: dispersed like short EEG trials."""
    A = rng.normal(size=(n, p, dof)) * rng.uniform(0.5, 2.0, size=(1, p, 1))
    return A @ A.transpose(0, 2, 1) / dof


@pytest.mark.parametrize(("p", "n", "dof"), [(64, 40, 160), (22, 80, 60)])
def test_fit_transform_equals_pyriemann(rng, p, n, dof):
    C = random_spd(rng, n, p, dof)
    C_new = random_spd(rng, 10, p, dof)
    ours = TangentSpace()
    T = ours.fit_transform(C)
    ref = PyRiemannTangentSpace(metric="riemann")
    T_ref = ref.fit_transform(C)
    assert T.shape == (n, p * (p + 1) // 2)
    assert ours.mean_path_ == "newton" and ours.gradient_norm_ <= 1e-9
    np.testing.assert_allclose(T, T_ref, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.transform(C_new), ref.transform(C_new), rtol=0, atol=1e-8)
    scale = np.abs(ref.reference_).max()
    np.testing.assert_allclose(ours.reference_, ref.reference_, rtol=0, atol=1e-8 * scale)
    # the same fixed point as pyRiemann's mean run to a much tighter tolerance
    tight = mean_riemann(C, tol=1e-13, maxiter=200)
    np.testing.assert_allclose(ours.reference_, tight, rtol=0, atol=1e-10 * scale)
    # fit_transform returns transform's vectors (the acceptance check's tangent map)
    np.testing.assert_allclose(ours.transform(C), T, rtol=0, atol=1e-12)
    np.testing.assert_allclose(TangentSpace().fit(C).reference_, ours.reference_, rtol=0,
                               atol=1e-14 * scale)


def test_three_eigendecompositions_instead_of_ten(rng, monkeypatch):
    """The cost model: batched eigendecompositions of all matrices (each ~ a gradient step)."""
    C = random_spd(rng, 60, 22, 60)
    calls = {"n": 0}
    eigh = np.linalg.eigh

    def counting_eigh(a, *args, **kwargs):
        calls["n"] += np.ndim(a) == 3
        return eigh(a, *args, **kwargs)

    monkeypatch.setattr(np.linalg, "eigh", counting_eigh)
    PyRiemannTangentSpace().fit_transform(C)
    n_pyriemann, calls["n"] = calls["n"], 0
    ts = TangentSpace()
    ts.fit_transform(C)
    assert ts.mean_path_ == "newton"
    assert calls["n"] <= 3 < 8 <= n_pyriemann


def test_sample_weight_riemannian_mean_and_inverse(rng):
    C = random_spd(rng, 30, 6, 20)
    w = rng.uniform(0.2, 3.0, size=30)
    T = TangentSpace().fit_transform(C, sample_weight=w)
    np.testing.assert_allclose(T, PyRiemannTangentSpace().fit_transform(C, sample_weight=w),
                               rtol=0, atol=1e-8)
    M = riemannian_mean(C, sample_weight=w)
    tight = mean_riemann(C, sample_weight=w, tol=1e-13, maxiter=200)
    np.testing.assert_allclose(M, tight, rtol=0, atol=1e-10 * np.abs(tight).max())
    ts = TangentSpace().fit(C)
    np.testing.assert_allclose(ts.inverse_transform(ts.transform(C)), C, rtol=1e-10)
    # two matrices: the mean is the geodesic midpoint A^{1/2} (A^{-1/2} B A^{-1/2})^{1/2} A^{1/2}
    A, B = C[0], C[1]
    ev, U = np.linalg.eigh(A)
    Ah, Aih = (U * np.sqrt(ev)) @ U.T, (U / np.sqrt(ev)) @ U.T
    ev2, U2 = np.linalg.eigh(Aih @ B @ Aih)
    np.testing.assert_allclose(riemannian_mean(C[:2]), Ah @ (U2 * np.sqrt(ev2)) @ U2.T @ Ah,
                               rtol=1e-10)


def test_other_metrics_are_pyriemanns(rng):
    C = random_spd(rng, 20, 5, 15)
    for metric in ("logeuclid", "euclid", {"mean": "logeuclid", "map": "riemann"}):
        ours = TangentSpace(metric=metric)
        T = ours.fit_transform(C)
        ref = PyRiemannTangentSpace(metric=metric)
        np.testing.assert_allclose(T, ref.fit_transform(C), rtol=1e-12, atol=1e-12)
        assert ours.mean_path_ == "gmean"
    # riemannian mean, another map: the Newton mean, pyRiemann's map
    metric = {"mean": "riemann", "map": "logeuclid"}
    T = TangentSpace(metric=metric).fit_transform(C)
    np.testing.assert_allclose(T, PyRiemannTangentSpace(metric=metric).fit_transform(C),
                               rtol=0, atol=1e-8)


def test_fallback_to_pyriemanns_mean(rng):
    """A tolerance no Newton point can meet: pyRiemann's mean_riemann from the Newton point."""
    C = random_spd(rng, 20, 4, 12)
    ts = TangentSpace(tol=1e-30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        T = ts.fit_transform(C)
        ref = PyRiemannTangentSpace().fit_transform(C)
    assert ts.mean_path_ == "pyriemann"
    np.testing.assert_allclose(T, ref, rtol=0, atol=1e-8)


def test_sklearn_contract_and_errors(rng):
    C = random_spd(rng, 10, 3, 10)
    ts = TangentSpace(tol=1e-10)
    assert clone(ts).get_params() == {"metric": "riemann", "tol": 1e-10}
    with pytest.raises(NotFittedError):
        ts.transform(C)
    with pytest.raises(SchemaError, match="square matrices"):
        ts.fit(C[:, :2])
    bad = C.copy()
    bad[3, 0, 0] = np.nan
    with pytest.raises(InvalidValueError, match="matrix 3 has NaN"):
        ts.fit(bad)
    not_pd = C.copy()
    not_pd[5] = -not_pd[5]
    with pytest.raises(InvalidValueError, match="matrix 5 is not positive definite"):
        ts.fit(not_pd)
    with pytest.raises(ConfigError, match="metric"):
        TangentSpace(metric=3).fit(C)
    with pytest.raises(ConfigError, match="tol"):
        TangentSpace(tol=0.0).fit(C)
    with pytest.raises(InvalidValueError, match="sample_weight"):
        ts.fit(C, sample_weight=np.ones(4))
    ts.fit(C)
    with pytest.raises(SchemaError, match="differ in size"):
        ts.transform(random_spd(rng, 2, 4, 10))
    with pytest.raises(SchemaError, match="tangent vectors"):
        ts.inverse_transform(np.zeros((2, 5)))
