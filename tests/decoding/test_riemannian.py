"""Riemannian decoders: parity with pyRiemann's own pipelines, ground truth, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from scipy.signal import lfilter

from neurokit.decoding.riemannian import (
    AugmentedCovarianceClassifier,
    MDMClassifier,
    TangentSpaceClassifier,
    XdawnTangentSpaceClassifier,
)
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError

pytest.importorskip("pyriemann")
from pyriemann.classification import MDM  # noqa: E402
from pyriemann.estimation import Covariances, XdawnCovariances  # noqa: E402
from pyriemann.tangentspace import TangentSpace  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402


def simulate_mi(n_per_class=40, n_channels=8, n_times=200, seed=0, effect=1.0):
    """Two classes with known covariances ``A diag(d_k) A^T``: sources 0 and 1 swap power.

    Returns epochs (trial, channel, time) as a DataArray with ``label`` and the two true class
    covariance matrices.
    """
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n_channels, n_channels))
    d = np.ones((2, n_channels))
    d[0, 0] = d[1, 1] = 1.0 + effect  # an ERD/ERS-like power change on two sources
    y = np.repeat([0, 1], n_per_class)
    S = rng.normal(size=(y.size, n_channels, n_times)) * np.sqrt(d[y])[:, :, None]
    X = np.einsum("ij,njt->nit", A, S)
    da = xr.DataArray(X, dims=("trial", "channel", "time"),
                      coords={"channel": [f"C{i}" for i in range(n_channels)],
                              "time": np.arange(n_times) / 100.0,
                              "label": ("trial", np.array(["left", "right"])[y])},
                      attrs={"sampling_rate": 100.0, "units": "V"})
    true_cov = np.stack([A @ np.diag(dk) @ A.T for dk in d])
    return da, true_cov


def simulate_rhythms(n_per_class=30, n_channels=4, n_times=200, seed=0):
    """Classes differing only in temporal structure: AR(2) sources resonating at 0.08 or 0.2
    cycles/sample, each normalised to unit variance, mixed by the same matrix. The zero-lag
    covariance is ``A A^T`` in both classes; only lagged covariances tell them apart."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n_channels, n_channels))
    y = np.repeat([0, 1], n_per_class)
    burn = 100
    out = np.empty((y.size, n_channels, n_times))
    for k, f in enumerate((0.08, 0.2)):
        r, w = 0.9, 2 * np.pi * f
        e = rng.normal(size=(n_per_class, n_channels, n_times + burn))
        s = lfilter([1.0], [1.0, -2 * r * np.cos(w), r * r], e, axis=-1)[..., burn:]
        s /= s.std(axis=-1, keepdims=True)
        out[y == k] = np.einsum("ij,njt->nit", A, s)
    return out, y


def _split(da):
    return da.isel(trial=slice(0, None, 2)), da.isel(trial=slice(1, None, 2))


# ---------------------------------------------------------------- parity with pyRiemann


def test_tangent_space_gives_pyriemanns_predictions():
    da, _ = simulate_mi(effect=0.3, seed=1)  # a hard problem: some errors to agree on
    tr, te = _split(da)
    ours = TangentSpaceClassifier(estimator="oas", C=1.0).fit(tr)
    ref = make_pipeline(Covariances("oas"), TangentSpace(metric="riemann"),
                        LogisticRegression(C=1.0, max_iter=1000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(tr.values, tr.label.values)
    np.testing.assert_array_equal(ours.predict(te), ref.predict(te.values))
    np.testing.assert_allclose(ours.predict_proba(te), ref.predict_proba(te.values), atol=1e-8)
    # pyRiemann's mean stops at a gradient norm <= 1e-8 (1.1e-9 here), neurokit's Newton mean
    # at <= 1e-9 (4e-13 here): equal to 1e-8 of the matrix scale, not entry by entry
    ref_mean = ref[1].reference_
    np.testing.assert_allclose(ours.pipeline_["tangent_space"].reference_, ref_mean,
                               rtol=0, atol=1e-8 * np.abs(ref_mean).max())
    assert 0.55 < ours.score(te) < 1.0  # not a trivial problem


def test_tangent_space_log_euclidean_reference_is_pyriemanns():
    # the one-eigendecomposition reference: pyRiemann's log-Euclidean mean, Riemannian map
    da, _ = simulate_mi(effect=0.3, seed=1)
    tr, te = _split(da)
    metric = {"mean": "logeuclid", "map": "riemann"}
    ours = TangentSpaceClassifier(metric=metric).fit(tr)
    ref = make_pipeline(Covariances("oas"), TangentSpace(metric=metric),
                        LogisticRegression(max_iter=1000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(tr.values, tr.label.values)
    np.testing.assert_array_equal(ours.predict(te), ref.predict(te.values))
    np.testing.assert_allclose(ours.transform(te), ref[:-1].transform(te.values), atol=1e-10)
    assert ours.pipeline_["tangent_space"].mean_path_ == "gmean"


@pytest.mark.parametrize("estimator", ["lwf", "scm"])
def test_tangent_space_parity_other_estimators(estimator):
    da, _ = simulate_mi(effect=0.3, seed=2, n_per_class=20)
    tr, te = _split(da)
    ours = TangentSpaceClassifier(estimator=estimator).fit(tr.values, tr.label.values)
    ref = make_pipeline(Covariances(estimator), TangentSpace(), LogisticRegression(max_iter=1000))
    ref.fit(tr.values, tr.label.values)
    np.testing.assert_array_equal(ours.predict(te.values), ref.predict(te.values))


def test_mdm_gives_pyriemanns_predictions():
    da, _ = simulate_mi(effect=0.3, seed=3)
    tr, te = _split(da)
    ours = MDMClassifier().fit(tr)
    ref = make_pipeline(Covariances("oas"), MDM(metric="riemann")).fit(tr.values, tr.label.values)
    np.testing.assert_array_equal(ours.predict(te), ref.predict(te.values))
    np.testing.assert_allclose(ours.predict_proba(te), ref.predict_proba(te.values), atol=1e-8)


def test_xdawn_tangent_space_gives_pyriemanns_predictions(rng):
    n, c, t = 60, 6, 60
    y = np.repeat([0, 1], n // 2)
    X = rng.normal(size=(n, c, t))
    erp = np.outer(rng.normal(size=c), np.hanning(20))
    X[y == 1, :, 20:40] += 0.6 * erp  # a weak evoked response in class 1
    ours = XdawnTangentSpaceClassifier(nfilter=2).fit(X[::2], y[::2])
    ref = make_pipeline(XdawnCovariances(nfilter=2, estimator="oas"), TangentSpace(),
                        LogisticRegression(max_iter=1000)).fit(X[::2], y[::2])
    np.testing.assert_array_equal(ours.predict(X[1::2]), ref.predict(X[1::2]))
    np.testing.assert_allclose(ours.predict_proba(X[1::2]), ref.predict_proba(X[1::2]),
                               atol=1e-8)
    assert ours.score(X[1::2], y[1::2]) > 0.8


# ---------------------------------------------------------------- ground truth


def test_known_class_covariances_are_decoded_well_above_chance():
    da, true_cov = simulate_mi(effect=1.0, seed=4)
    tr, te = _split(da)
    for clf in (TangentSpaceClassifier(), MDMClassifier()):
        assert clf.fit(tr).score(te) >= 0.9, type(clf).__name__
    # the MDM class means estimate the true class covariances
    means = MDMClassifier(estimator="scm").fit(da).pipeline_["mdm"].covmeans_
    for est, true in zip(means, true_cov, strict=True):
        assert np.linalg.norm(est - true) / np.linalg.norm(true) < 0.15


def test_augmented_covariance_sees_temporal_structure_plain_covariance_does_not():
    X, y = simulate_rhythms(seed=5)
    tr, te = slice(0, None, 2), slice(1, None, 2)
    plain = TangentSpaceClassifier().fit(X[tr], y[tr]).score(X[te], y[te])
    acm = AugmentedCovarianceClassifier(orders=(1, 2, 3), lags=(1, 2, 3), n_inner_splits=3)
    acm.fit(X[tr], y[tr])
    assert acm.score(X[te], y[te]) >= 0.9
    assert plain <= 0.75  # zero-lag covariances are identical across classes
    assert acm.order_ > 1  # the search found that delays are needed
    scores = acm.selection_scores_
    assert scores.dims == ("order", "lag") and scores.shape == (3, 3)
    assert float(scores.sel(order=acm.order_, lag=acm.lag_)) == float(scores.max())
    assert float(scores.sel(order=1).max()) < float(scores.max())
    assert np.allclose(scores.sel(order=1), scores.sel(order=1, lag=1))  # lag moot at order 1


def test_augmented_covariance_mdm_criterion_and_fixed_embedding():
    X, y = simulate_rhythms(seed=6, n_per_class=20)
    acm = AugmentedCovarianceClassifier(orders=(1, 2), lags=(2, 3), selection="mdm",
                                        classifier="lr", n_inner_splits=3).fit(X, y)
    assert acm.order_ == 2 and acm.selection_scores_.attrs["selection"] == "mdm"
    assert acm.predict_proba(X).shape == (40, 2)
    fixed = AugmentedCovarianceClassifier(order=3, lag=2).fit(X, y)
    assert (fixed.order_, fixed.lag_) == (3, 2) and fixed.selection_scores_ is None
    assert fixed.pipeline_["covariance"].order == 3
    proba = fixed.predict_proba(X)  # Platt-scaled SVM
    assert proba.shape == (40, 2) and np.allclose(proba.sum(1), 1)
    assert fixed.decision_function(X).shape == (40,)


def test_augmented_search_groups_crops_of_a_trial():
    X, y = simulate_rhythms(seed=7, n_per_class=12, n_times=240)
    crops = np.concatenate([X[..., :120], X[..., 120:]])  # two crops per trial
    da = xr.DataArray(crops, dims=("trial", "channel", "time"),
                      coords={"label": ("trial", np.concatenate([y, y])),
                              "trial_id": ("trial", np.concatenate([np.arange(24)] * 2))})
    acm = AugmentedCovarianceClassifier(orders=(1, 2), lags=(1,), n_inner_splits=3).fit(da)
    assert acm.order_ == 2


# ---------------------------------------------------------------- sklearn contract, inputs


def test_dataarray_and_array_inputs_agree_and_clone():
    da, _ = simulate_mi(seed=8, n_per_class=15)
    clf = TangentSpaceClassifier(C=0.5)
    a = clone(clf).fit(da).predict(da)
    b = clone(clf).fit(da.values, da.label.values).predict(da.values)
    np.testing.assert_array_equal(a, b)
    assert set(clf.fit(da).classes_) == {"left", "right"}
    assert clf.transform(da).shape == (30, 36)
    assert clone(clf).get_params()["C"] == 0.5


# ---------------------------------------------------------------- errors


def test_nan_and_flat_channels_are_named():
    da, _ = simulate_mi(seed=9, n_per_class=5)
    bad = da.copy()
    bad[2, 3, 7] = np.nan
    with pytest.raises(InvalidValueError, match="'C3'"):
        TangentSpaceClassifier().fit(bad)
    flat = da.copy()
    flat[:, 5] = 0.0
    for clf in (MDMClassifier(), XdawnTangentSpaceClassifier(nfilter=1),
                AugmentedCovarianceClassifier(order=2, lag=1)):
        with pytest.raises(InvalidValueError, match="'C5' is flat"):
            clf.fit(flat)


def test_too_few_trials_and_labels():
    da, _ = simulate_mi(seed=10, n_per_class=5)
    with pytest.raises(InvalidValueError, match="class 'right' has too few trials"):
        TangentSpaceClassifier().fit(da.isel(trial=slice(0, 6)))
    with pytest.raises(InvalidValueError, match="single class"):
        MDMClassifier().fit(da.isel(trial=slice(0, 5)))
    with pytest.raises(MissingDataError, match="label"):
        TangentSpaceClassifier().fit(da.drop_vars("label"))
    with pytest.raises(InvalidValueError, match="too few trials"):  # 5 per class < 6 folds
        AugmentedCovarianceClassifier(orders=(1, 2), lags=(1,), n_inner_splits=6).fit(da)
    with pytest.raises(SchemaError, match="one label per trial"):
        TangentSpaceClassifier().fit(da.values, da.label.values[:-1])


def test_bad_parameters_and_shapes():
    da, _ = simulate_mi(seed=11, n_per_class=6)
    with pytest.raises(ConfigError, match="selection"):
        AugmentedCovarianceClassifier(selection="fnn").fit(da)
    with pytest.raises(ConfigError, match="estimator"):
        TangentSpaceClassifier(estimator="tyler").fit(da)
    with pytest.raises(InvalidValueError, match="no \\(order, lag\\)"):
        AugmentedCovarianceClassifier(orders=(50, 60), lags=(10,), n_inner_splits=2).fit(da)
    clf = TangentSpaceClassifier().fit(da)
    with pytest.raises(SchemaError, match="channels"):
        clf.predict(da.isel(channel=slice(0, 4)))


# ---------------------------------------------------------------- real data


@pytest.mark.shared_data
@pytest.mark.slow
def test_physionet_s001_left_right_imagery(shared_data):
    """EEGMMIDB S001 runs 4/8/12, T1 vs T2, 8-30 Hz, 0-4 s: pyRiemann's predictions, and
    well above chance (measured 0.82 with these folds)."""
    from neurokit.decoding.evaluation import cross_validate
    from neurokit.io.mne_reader import read_eeg
    from neurokit.preprocess.epochs import epoch, filter_signal

    folder = shared_data / "eeg_physionet_eegmmidb"
    recs = [filter_signal(read_eeg(folder / f"S001R{r:02d}.edf", run_id=str(r)), 8.0, 30.0)
            for r in (4, 8, 12)]
    ep = epoch(recs, tmin=0.0, tmax=4.0, labels={"T1": "left", "T2": "right"})
    assert ep.sizes["trial"] == 45 and ep.sizes["channel"] == 64
    ref = make_pipeline(Covariances("oas"), TangentSpace(), LogisticRegression(max_iter=1000))
    res = cross_validate({"nk": TangentSpaceClassifier(), "pyriemann": ref}, ep, n_splits=5)
    p = res.predictions
    np.testing.assert_array_equal(p[p.pipeline == "nk"].y_pred, p[p.pipeline == "pyriemann"].y_pred)
    assert res.summary().loc["nk", "accuracy_mean"] >= 0.7
