"""Vectorised covariance estimation: parity with pyRiemann/scikit-learn, shapes, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr

from neurokit.decoding.covariance import (
    CovarianceEstimator,
    augmented_covariances,
    covariances,
    delay_embed,
)
from neurokit.errors import ConfigError, InvalidValueError, SchemaError

pyriemann = pytest.importorskip("pyriemann")
from pyriemann.estimation import Covariances, Shrinkage  # noqa: E402

RTOL = 1e-10


def _pyr(X, estimator, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Covariances(estimator, **kw).fit_transform(X)


def _close(a, b, rtol=RTOL):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    scale = np.abs(b).max()
    assert np.abs(a - b).max() <= rtol * scale, np.abs(a - b).max() / scale


@pytest.fixture
def epochs(rng):
    """Correlated channels with per-channel DC offsets (EEG-like scale, in volts)."""
    n, c, t = 25, 6, 80
    mix = rng.normal(size=(c, c))
    X = np.einsum("ij,njt->nit", mix, rng.normal(size=(n, c, t)))
    X += 30 * rng.normal(size=(n, c, 1))  # offsets much larger than the signal
    return 1e-5 * X


@pytest.mark.parametrize("estimator", ["scm", "cov", "oas", "lwf"])
def test_same_matrices_as_pyriemann(epochs, estimator):
    _close(covariances(epochs, estimator).values, _pyr(epochs, estimator))


@pytest.mark.parametrize("offset", [0.0, 3.0, 1e4])
@pytest.mark.parametrize("estimator", ["scm", "oas"])
def test_each_trial_matches_pyriemann_whatever_its_dc_offset(rng, estimator, offset):
    # centring is a rank-one correction unless a channel's mean dwarfs its spread (then an
    # explicitly centred copy): alternate trials with and without the offset, so both paths
    # meet in one call, and compare trial by trial at each trial's own scale
    n, c, t = 8, 5, 60
    X = np.einsum("ij,njt->nit", rng.normal(size=(c, c)), rng.normal(size=(n, c, t)))
    X[::2] += offset * rng.normal(size=(n // 2, c, 1))
    ours, theirs = covariances(1e-5 * X, estimator).values, _pyr(1e-5 * X, estimator)
    for a, b in zip(ours, theirs, strict=True):
        _close(a, b, rtol=1e-12)


@pytest.mark.parametrize("estimator", ["oas", "lwf"])
def test_same_matrices_as_pyriemann_when_channels_outnumber_samples(rng, estimator):
    X = rng.normal(size=(6, 30, 20))  # p > T: strong shrinkage, some intensities capped at 1
    _close(covariances(X, estimator).values, _pyr(X, estimator))


@pytest.mark.parametrize("estimator", ["scm", "oas", "lwf"])
def test_assume_centered_matches_pyriemann(epochs, estimator):
    X = epochs - epochs.mean(axis=-1, keepdims=True) + 1e-7
    ours = covariances(X, estimator, assume_centered=True).values
    _close(ours, _pyr(X, estimator, assume_centered=True))


def test_fixed_shrinkage_matches_pyriemann_shrinkage(epochs):
    ref = Shrinkage(shrinkage=0.3).fit_transform(_pyr(epochs, "scm"))
    _close(covariances(epochs, "shrunk", shrinkage=0.3).values, ref)


def test_shrinkage_intensities_are_scikit_learns(epochs):
    from sklearn.covariance import ledoit_wolf, oas

    for estimator, fn in (("oas", oas), ("lwf", ledoit_wolf)):
        got = covariances(epochs, estimator).shrinkage.values
        want = [fn(trial.T)[1] for trial in epochs]
        np.testing.assert_allclose(got, want, rtol=1e-10)


@pytest.mark.parametrize("estimator", ["cov", "oas", "lwf"])
def test_augmented_covariances_match_pyriemann_on_the_embedded_signal(epochs, estimator):
    Z = delay_embed(epochs, order=3, lag=4)
    _close(augmented_covariances(epochs, 3, 4, estimator).values, _pyr(Z, estimator))


def test_delay_embed_stacks_lagged_copies():
    X = np.arange(20.0).reshape(1, 2, 10)
    Z = delay_embed(X, order=3, lag=2)
    assert Z.shape == (1, 6, 6)
    np.testing.assert_array_equal(Z[0, 0], X[0, 0, 0:6])
    np.testing.assert_array_equal(Z[0, 3], X[0, 1, 2:8])  # channel 1 delayed by one lag
    np.testing.assert_array_equal(Z[0, 5], X[0, 1, 4:10])
    np.testing.assert_array_equal(delay_embed(X, 1, 5), X)


def test_dataarray_in_labelled_out(epochs, rng):
    da = xr.DataArray(
        epochs, dims=("trial", "channel", "time"),
        coords={"channel": [f"E{i}" for i in range(6)], "time": np.arange(80) / 160.0,
                "label": ("trial", rng.integers(0, 2, 25))},
        attrs={"units": "V", "sampling_rate": 160.0},
    )
    C = covariances(da, "oas")
    assert C.dims == ("trial", "channel_i", "channel_j")
    assert list(C.channel_i.values) == [f"E{i}" for i in range(6)]
    np.testing.assert_array_equal(C.label.values, da.label.values)
    assert C.attrs["units"] == "(V)^2" and C.attrs["estimator"] == "oas"
    # any dim order is accepted; float32 too
    C2 = covariances(da.transpose("time", "trial", "channel"), "oas")
    np.testing.assert_allclose(C2.values, C.values, rtol=1e-12)
    C3 = covariances(epochs.astype(np.float32) * 1e5, "scm")
    _close(C3.values, _pyr(epochs.astype(np.float32).astype(np.float64) * 1e5, "scm"), 1e-6)
    A = augmented_covariances(da, order=2, lag=3)
    assert A.sizes["channel_i"] == 12 and A.channel_i.values[7] == "E1[+3]"


def test_matrices_are_symmetric_positive_definite(rng):
    C = covariances(rng.normal(size=(10, 20, 15)), "oas").values  # p > T: SCM is singular
    np.testing.assert_array_equal(C, np.swapaxes(C, 1, 2))
    assert np.linalg.eigvalsh(C).min() > 0


def test_single_channel(rng):
    X = rng.normal(size=(4, 1, 50))
    for est in ("oas", "lwf"):
        _close(covariances(X, est).values, _pyr(X, est))


def test_transformer_in_a_pipeline(epochs):
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline

    est = CovarianceEstimator("lwf")
    assert clone(est).get_params() == est.get_params()
    out = make_pipeline(est).fit_transform(epochs)
    _close(out, _pyr(epochs, "lwf"))
    with pytest.raises(SchemaError, match="channels"):
        est.transform(epochs[:, :4])


def test_transformer_requires_fit(epochs):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CovarianceEstimator().transform(epochs)


def test_nan_names_the_channel(epochs):
    da = xr.DataArray(epochs, dims=("trial", "channel", "time"),
                      coords={"channel": [f"E{i}" for i in range(6)]})
    bad = da.copy()
    bad[3, 2, 10] = np.nan
    with pytest.raises(InvalidValueError, match="'E2'.*NaN") as err:
        covariances(bad)
    assert "trial index 3" in str(err.value)
    bad = da.copy()
    bad[1, 4, 0] = np.inf
    with pytest.raises(InvalidValueError, match="'E4'"):
        CovarianceEstimator("lwf").fit_transform(bad)


def test_flat_channel_names_the_channel(epochs):
    X = epochs.copy()
    X[:, 5] = 0.3  # a dead electrode at a constant offset
    with pytest.raises(InvalidValueError, match="channel 5 is flat") as err:
        covariances(X, "oas")
    assert "25 trial(s)" in str(err.value)


def test_bad_inputs(epochs):
    with pytest.raises(SchemaError, match="3-D"):
        covariances(epochs[0])
    with pytest.raises(SchemaError, match="dims"):
        covariances(xr.DataArray(epochs, dims=("trial", "sensor", "time")))
    with pytest.raises(SchemaError, match="real"):
        covariances(epochs.astype(complex))
    with pytest.raises(ConfigError, match="estimator"):
        covariances(epochs, "mcd")
    with pytest.raises(ConfigError, match="shrinkage"):
        covariances(epochs, "shrunk", shrinkage=1.5)
    with pytest.raises(ConfigError, match="order"):
        augmented_covariances(epochs, 0, 1)
    with pytest.raises(InvalidValueError, match="too short"):
        augmented_covariances(epochs, 5, 20)
