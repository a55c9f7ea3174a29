"""RDMs: parity with rsatoolbox 0.3.2 and scipy, labels, stacking and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy.spatial.distance import pdist, squareform

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity.rdm import compute_rdm, rdm_vector, stack_rdms

rsa_data = pytest.importorskip("rsatoolbox.data")
rsa_rdm = pytest.importorskip("rsatoolbox.rdm")
rsa_noise = pytest.importorskip("rsatoolbox.data.noise")

# rsatoolbox 0.3.2's crossnobis casts NaN to int internally (its own warning, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")


@pytest.fixture
def rng():
    return np.random.default_rng(20240404)


def _responses(rng, n=9, p=14):
    X = rng.normal(size=(n, p)) + rng.normal(size=(1, p))
    return xr.DataArray(
        X, dims=("stimulus", "neuroid"),
        coords={"stimulus": [f"s{i}" for i in range(n)],
                "category": ("stimulus", ["face", "body", "object"] * (n // 3))})


# ----------------------------------------------------------------------------- peer parity
def test_correlation_matches_rsatoolbox_and_scipy(rng):
    X = _responses(rng)
    ours = rdm_vector(compute_rdm(X, "correlation"))
    peer = rsa_rdm.calc_rdm(rsa_data.Dataset(X.values), method="correlation").get_vectors()[0]
    np.testing.assert_allclose(ours, peer, atol=1e-8, rtol=0)
    np.testing.assert_allclose(ours, pdist(X.values, "correlation"), atol=1e-10, rtol=0)


def test_sqeuclidean_normalized_is_rsatoolbox_euclidean(rng):
    X = _responses(rng).values
    ours = rdm_vector(compute_rdm(X, "sqeuclidean", normalize=True))
    peer = rsa_rdm.calc_rdm(rsa_data.Dataset(X), method="euclidean").get_vectors()[0]
    np.testing.assert_allclose(ours, peer, atol=1e-8, rtol=0)


@pytest.mark.parametrize("metric, scipy_metric", [
    ("euclidean", "euclidean"), ("sqeuclidean", "sqeuclidean"), ("cosine", "cosine"),
    ("correlation", "correlation")])
def test_matches_scipy_pdist(rng, metric, scipy_metric):
    X = _responses(rng).values * 3.0
    rdm = compute_rdm(X, metric)
    np.testing.assert_allclose(rdm.values, squareform(pdist(X, scipy_metric)), atol=1e-9, rtol=0)
    assert np.array_equal(rdm.values, rdm.values.T)
    assert np.all(np.diag(rdm.values) == 0)


def _crossnobis_peer(runs, labels, precision=None):
    K, n, p = runs.shape
    ds = rsa_data.Dataset(runs.reshape(K * n, p),
                          obs_descriptors={"stim": np.tile(labels, K),
                                           "run": np.repeat(np.arange(K), n)})
    rdm = rsa_rdm.calc_rdm(ds, method="crossnobis", descriptor="stim", cv_descriptor="run",
                           noise=precision)
    assert list(rdm.pattern_descriptors["stim"]) == list(labels)  # rsatoolbox sorts labels
    return rdm.get_vectors()[0]


def _runs(rng, K=4, n=7, p=10):
    signal = rng.normal(size=(n, p))
    return signal[None] + 0.8 * rng.normal(size=(K, n, p))


@pytest.mark.parametrize("K", [2, 3, 5])
def test_crossnobis_matches_rsatoolbox_identity_noise(rng, K):
    runs = _runs(rng, K=K)
    labels = np.arange(runs.shape[1])
    da = xr.DataArray(runs, dims=("repetition", "stimulus", "neuroid"),
                      coords={"stimulus": labels})
    ours = rdm_vector(compute_rdm(da, "crossnobis"))
    np.testing.assert_allclose(ours, _crossnobis_peer(runs, labels), atol=1e-8, rtol=0)


def test_crossnobis_matches_rsatoolbox_given_noise_covariance(rng):
    runs = _runs(rng, K=4, p=8)
    A = rng.normal(size=(8, 8))
    cov = A @ A.T / 8 + 0.5 * np.eye(8)
    labels = np.arange(runs.shape[1])
    ours = rdm_vector(compute_rdm(runs, "crossnobis", noise=cov))  # ndarray (run, stim, feat)
    peer = _crossnobis_peer(runs, labels, precision=np.linalg.inv(cov))
    np.testing.assert_allclose(ours, peer, atol=1e-8, rtol=0)


@pytest.mark.parametrize("mode, peer_method", [
    ("diag", "diag"), ("shrinkage", "shrinkage_diag"), ("full", "full")])
def test_crossnobis_estimated_noise_matches_rsatoolbox(rng, mode, peer_method):
    K, n, p = 4, 8, 6
    runs = _runs(rng, K=K, n=n, p=p)
    residuals = (runs - runs.mean(axis=0, keepdims=True)).reshape(K * n, p)
    precision = rsa_noise.prec_from_residuals(residuals, dof=n * (K - 1), method=peer_method)
    labels = np.arange(n)
    rdm = compute_rdm(runs, "crossnobis", noise=mode)
    peer = _crossnobis_peer(runs, labels, precision=precision)
    np.testing.assert_allclose(rdm_vector(rdm), peer, atol=1e-8, rtol=0)
    assert rdm.attrs["noise"].startswith(mode)


def test_crossnobis_closed_forms(rng):
    # no noise: every run equal -> the normalised squared Euclidean distance of the patterns
    signal = rng.normal(size=(6, 12))
    runs = np.repeat(signal[None], 3, axis=0)
    np.testing.assert_allclose(compute_rdm(runs, "crossnobis").values,
                               compute_rdm(signal, "sqeuclidean", normalize=True).values,
                               atol=1e-10)
    # no signal: unbiased (mean near 0) while the plain distance of run means is biased upwards
    noise_only = rng.normal(size=(3, 5, 4000))
    cn = rdm_vector(compute_rdm(noise_only, "crossnobis"))
    plain = rdm_vector(compute_rdm(noise_only.mean(axis=0), "sqeuclidean", normalize=True))
    assert abs(cn.mean()) < 0.03 < 0.5 < plain.mean()


def test_crossnobis_run_dim_and_order(rng):
    runs = _runs(rng, K=3)
    da = xr.DataArray(runs, dims=("session", "stimulus", "unit"))
    swapped = da.transpose("unit", "stimulus", "session")
    np.testing.assert_allclose(compute_rdm(da, "crossnobis").values,
                               compute_rdm(swapped, "crossnobis").values, atol=1e-12)
    renamed = da.rename(session="block")
    np.testing.assert_allclose(compute_rdm(renamed, "crossnobis", run_dim="block").values,
                               compute_rdm(da, "crossnobis").values, atol=1e-12)
    with pytest.raises(SchemaError, match="run"):
        compute_rdm(renamed, "crossnobis")


# ----------------------------------------------------------------------------- labels
def test_labels_coords_and_attrs(rng):
    X = _responses(rng)
    rdm = compute_rdm(X, "correlation")
    assert rdm.dims == ("stimulus_i", "stimulus_j")
    assert list(rdm["stimulus_i"].values) == list(X["stimulus"].values)
    assert list(rdm["category_j"].values) == list(X["category"].values)
    assert rdm.attrs["metric"] == "correlation" and "Pearson" in rdm.attrs["definition"]
    shuffled = X.isel(stimulus=rng.permutation(X.sizes["stimulus"]))
    again = compute_rdm(shuffled, "correlation").sel(stimulus_i=rdm["stimulus_i"].values,
                                                     stimulus_j=rdm["stimulus_j"].values)
    np.testing.assert_allclose(again.values, rdm.values, atol=1e-12)
    frames = X.rename(stimulus="time")
    assert compute_rdm(frames, "cosine", sample_dim="time").dims == ("time_i", "time_j")


def test_rdm_vector_order_matches_squareform(rng):
    D = squareform(rng.random(10))
    np.testing.assert_array_equal(rdm_vector(D), squareform(D))
    with pytest.raises(SchemaError):
        rdm_vector(np.zeros((3, 4)))


def test_stack_rdms_aligns_by_labels(rng):
    X = _responses(rng)
    a = compute_rdm(X, "correlation")
    b = compute_rdm(X.isel(stimulus=rng.permutation(9)), "correlation")
    s = stack_rdms({"a": a, "b": b})
    assert s.dims == ("rdm", "stimulus_i", "stimulus_j")
    assert list(s["rdm"].values) == ["a", "b"] and s.attrs["metric"] == "correlation"
    np.testing.assert_allclose(s.sel(rdm="a").values, s.sel(rdm="b").values, atol=1e-12)
    assert list(stack_rdms([a, b])["rdm"].values) == ["0", "1"]
    other = compute_rdm(X.isel(stimulus=slice(0, 8)), "correlation")
    with pytest.raises(SchemaError, match="'other'.*different stimulus sets"):
        stack_rdms({"a": a, "other": other})
    with pytest.raises(SchemaError):
        stack_rdms({})


# ----------------------------------------------------------------------------- bad input
def test_bad_input_errors(rng):
    X = _responses(rng)
    with pytest.raises(ConfigError, match="unknown RDM metric"):
        compute_rdm(X, "manhattan")
    with pytest.raises(ConfigError, match="unknown option"):
        compute_rdm(X, "correlation", normalize=True)
    with pytest.raises(SchemaError, match="too few"):
        compute_rdm(X.isel(stimulus=[0, 1]), "correlation")
    nan = X.copy()
    nan[2, 3] = np.nan
    with pytest.raises(InvalidValueError, match="NaN"):
        compute_rdm(nan, "euclidean")
    kept = compute_rdm(nan, "euclidean", nan_policy="omit")
    np.testing.assert_allclose(kept.values, compute_rdm(X.drop_isel(neuroid=3), "euclidean"))
    assert kept.attrs["n_features_omitted"] == 1
    const = X.copy()
    const[4] = 2.0
    with pytest.raises(InvalidValueError, match="constant pattern"):
        compute_rdm(const, "correlation")
    zero = X.copy()
    zero[1] = 0.0
    with pytest.raises(InvalidValueError, match="all-zero"):
        compute_rdm(zero, "cosine")


def test_crossnobis_bad_input(rng):
    runs = _runs(rng, K=3, n=5, p=4)
    with pytest.raises(SchemaError, match="run"):
        compute_rdm(runs[0], "crossnobis")
    with pytest.raises(SchemaError, match="at least 2 runs"):
        compute_rdm(runs[:1], "crossnobis")
    with pytest.raises(ConfigError, match="noise"):
        compute_rdm(runs, "crossnobis", noise="ledoit")
    with pytest.raises(ConfigError, match="wrong shape"):
        compute_rdm(runs, "crossnobis", noise=np.eye(3))
    with pytest.raises(InvalidValueError, match="positive definite"):
        compute_rdm(runs, "crossnobis", noise=-np.eye(4))
    nan = runs.copy()
    nan[1, 2, 0] = np.nan
    with pytest.raises(InvalidValueError, match="NaN"):
        compute_rdm(nan, "crossnobis")
    kept = compute_rdm(nan, "crossnobis", nan_policy="omit")
    np.testing.assert_allclose(kept.values, compute_rdm(runs[..., 1:], "crossnobis").values)
    with pytest.raises(SchemaError, match="too few"):
        compute_rdm(runs[:, :2], "crossnobis")
