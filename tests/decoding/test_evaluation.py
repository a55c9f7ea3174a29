"""Evaluation schemes: leakage-free folds, identical folds across pipelines, LOSO, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from sklearn.base import BaseEstimator, ClassifierMixin

from neurokit.decoding.evaluation import CrossValidationResult, cross_validate, make_splits
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError

pytest.importorskip("pyriemann")


def make_epochs(n_subjects=2, n_sessions=2, n_trials=12, n_crops=3, n_channels=4, n_times=40,
                seed=0, effect=1.5):
    """Crops of trials: ``n_crops`` epochs per trial share its ``trial_id`` and label; class 1
    has more power on channel 0 (decodable)."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        for e in range(n_sessions):
            for t in range(n_trials):
                for _ in range(n_crops):
                    rows.append((f"S{s}", f"ses{e}", f"S{s}-ses{e}-t{t}", t % 2))
    subj, sess, tid, lab = (np.array(v) for v in zip(*rows, strict=True))
    X = rng.normal(size=(len(rows), n_channels, n_times))
    X[lab == 1, 0] *= effect
    return xr.DataArray(
        X, dims=("trial", "channel", "time"),
        coords={"label": ("trial", lab), "trial_id": ("trial", tid),
                "session": ("trial", sess), "subject": ("trial", subj),
                "channel": [f"C{i}" for i in range(n_channels)]},
        attrs={"sampling_rate": 100.0},
    )


class Recorder(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; records the trial ids it was trained and tested on."""

    seen: list = []

    def fit(self, X, y):
        type(self).seen.append(("fit", set(X.trial_id.values.tolist())))
        vals, counts = np.unique(y, return_counts=True)
        self.majority_ = vals[np.argmax(counts)]
        self.classes_ = vals
        return self

    def predict(self, X):
        type(self).seen.append(("predict", set(X.trial_id.values.tolist())))
        return np.full(X.sizes["trial"], self.majority_)


def test_epochs_of_one_trial_never_straddle_train_and_test():
    ep = make_epochs()
    splits = make_splits(ep, scheme="within_session", n_splits=3, seed=0)
    tid = ep.trial_id.values
    assert len(splits) == 2 * 2 * 3
    for (subj, sess), group in pd.DataFrame(
            [(s.subject, s.session, s) for s in splits],
            columns=["subject", "session", "split"]).groupby(["subject", "session"]):
        in_group = set(np.flatnonzero((ep.subject.values == subj) & (ep.session.values == sess)))
        tested = []
        for sp in group["split"]:
            assert not set(tid[sp.train]) & set(tid[sp.test])  # disjoint trials
            assert set(sp.train) | set(sp.test) == in_group  # within its own session only
            tested.extend(sp.test.tolist())
            # stratified: both classes in every test fold
            assert set(ep.label.values[sp.test]) == {0, 1}
        assert sorted(tested) == sorted(in_group)  # every epoch tested exactly once


def test_cross_validate_uses_those_folds_and_records_trials():
    ep = make_epochs(n_subjects=1, n_sessions=1)
    Recorder.seen = []
    res = cross_validate({"rec": Recorder()}, ep, n_splits=4, input_type="dataarray")
    fits = [ids for kind, ids in Recorder.seen if kind == "fit"]
    tests = [ids for kind, ids in Recorder.seen if kind == "predict"]
    assert len(fits) == len(tests) == 4
    for tr, te in zip(fits, tests, strict=True):
        assert not tr & te
    assert set(res.predictions["trial_id"]) == set(ep.trial_id.values)


def test_identical_folds_across_pipelines():
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from neurokit.decoding.riemannian import MDMClassifier, TangentSpaceClassifier

    ep = make_epochs(n_subjects=1, n_sessions=2, n_crops=2)
    pipes = {
        "neurokit TS+LR": TangentSpaceClassifier(),
        "pyriemann TS+LR": make_pipeline(Covariances("oas"), TangentSpace(),
                                         LogisticRegression(max_iter=1000)),
        "neurokit MDM": MDMClassifier(),
    }
    res = cross_validate(pipes, ep, n_splits=3, seed=1)
    assert isinstance(res, CrossValidationResult)
    p = res.predictions
    folds = {name: p[p.pipeline == name].groupby(["session", "fold"])["trial"]
             .apply(lambda s: tuple(sorted(s))).to_dict() for name in pipes}
    assert folds["neurokit TS+LR"] == folds["pyriemann TS+LR"] == folds["neurokit MDM"]
    # same folds + same maths: same predictions as pyRiemann's own pipeline
    np.testing.assert_array_equal(p[p.pipeline == "neurokit TS+LR"].y_pred.values,
                                  p[p.pipeline == "pyriemann TS+LR"].y_pred.values)
    s = res.scores
    assert list(s.columns) == ["pipeline", "scheme", "subject", "session", "fold", "accuracy",
                               "balanced_accuracy", "n_train", "n_test", "fit_time_s",
                               "predict_time_s"]
    assert len(s) == 3 * 2 * 3 and (s.accuracy > 0.7).all()
    summary = res.summary()
    assert list(summary.index) == list(pipes) and (summary.n_folds == 6).all()
    ds = res.to_xarray()
    assert ds.accuracy.dims == ("pipeline", "subject", "session", "fold")
    cm = res.confusion_matrices()
    assert cm.dims == ("pipeline", "true", "predicted")
    assert (cm.sum(("true", "predicted")) == ep.sizes["trial"]).all()
    # the same seed gives the same folds, another seed other folds
    same = make_splits(ep, n_splits=3, seed=1)
    assert all(np.array_equal(a.test, b.test) for a, b in zip(same, res.splits, strict=True))
    other = make_splits(ep, n_splits=3, seed=2)
    assert not all(np.array_equal(a.test, b.test) for a, b in zip(other, res.splits,
                                                                    strict=True))


def test_loso_holds_out_each_subject_once():
    ep = make_epochs(n_subjects=3, n_sessions=1, n_trials=6, n_crops=1)
    splits = make_splits(ep, scheme="loso")
    subj = ep.subject.values
    assert [sp.subject for sp in splits] == ["S0", "S1", "S2"]
    for sp in splits:
        assert set(subj[sp.test]) == {sp.subject}
        assert sp.subject not in set(subj[sp.train])
        assert sp.train.size + sp.test.size == subj.size
    res = cross_validate({"rec": Recorder()}, ep, scheme="loso", input_type="dataarray")
    assert sorted(res.scores.subject) == ["S0", "S1", "S2"]
    assert (res.scores.session == "all").all()


def test_cross_session_holds_out_each_session_per_subject():
    ep = make_epochs(n_subjects=2, n_sessions=3, n_trials=4, n_crops=1)
    splits = make_splits(ep, scheme="cross_session")
    assert [(sp.subject, sp.session) for sp in splits] == [
        (s, e) for s in ("S0", "S1") for e in ("ses0", "ses1", "ses2")]
    for sp in splits:
        assert set(ep.session.values[sp.test]) == {sp.session}
        assert sp.session not in set(ep.session.values[sp.train])
        assert set(ep.subject.values[sp.train]) == {sp.subject}


def test_errors_name_the_class_and_the_coordinate():
    ep = make_epochs(n_subjects=1, n_sessions=1, n_trials=6, n_crops=2)  # 3 trials per class
    with pytest.raises(InvalidValueError, match="class 0 has fewer trials than folds"):
        make_splits(ep, n_splits=4)  # 6 epochs per class, but only 3 distinct trials
    with pytest.raises(MissingDataError, match="session") as err:
        make_splits(ep.drop_vars("session"), scheme="cross_session")
    assert err.value.field == "session"
    with pytest.raises(ConfigError, match="2 sessions") as err:
        make_splits(ep, scheme="cross_session")
    assert err.value.field == "session"
    with pytest.raises(ConfigError, match="2 subjects") as err:
        make_splits(ep, scheme="loso")
    assert err.value.field == "subject"
    with pytest.raises(MissingDataError, match="subject"):
        make_splits(ep.drop_vars("subject"), scheme="loso")
    with pytest.raises(MissingDataError, match="label"):
        make_splits(ep.drop_vars("label"))
    with pytest.raises(ConfigError, match="scheme"):
        make_splits(ep, scheme="random")
    with pytest.raises(ConfigError, match="n_splits"):
        make_splits(ep, n_splits=1)
    with pytest.raises(ConfigError, match="no pipelines"):
        cross_validate({}, ep)
    with pytest.raises(ConfigError, match="'bad'"):
        cross_validate({"bad": object()}, ep)
    with pytest.raises(ConfigError, match="input_type"):
        cross_validate({"rec": Recorder()}, ep, n_splits=2, input_type="tensor")


def test_balanced_accuracy_is_the_mean_recall():
    ep = make_epochs(n_subjects=1, n_sessions=1, n_trials=9, n_crops=1)  # 5 vs 4 trials
    res = cross_validate({"rec": Recorder()}, ep, n_splits=3, input_type="dataarray")
    # a majority-class predictor: recall 1 on one class, 0 on the other
    assert np.allclose(res.scores.balanced_accuracy, 0.5)
    assert res.scores.n_test.sum() == 9


def test_without_trial_ids_every_epoch_is_its_own_trial():
    ep = make_epochs(n_subjects=1, n_sessions=1, n_trials=10, n_crops=1)
    ep = ep.drop_vars(["trial_id", "subject", "session"])
    splits = make_splits(ep, n_splits=5)
    assert sorted(np.concatenate([s.test for s in splits]).tolist()) == list(range(10))
    assert {s.subject for s in splits} == {"all"}
