"""The scikit-learn front over the core: training, clone, save/load, resume, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from neurokit.core import MLP, Classifier
from neurokit.core.estimator import LightningEstimator, TensorDataModule
from neurokit.errors import CheckpointError, PathNotFoundError, SchemaError


class _Tiny(LightningEstimator):
    _fitted_attrs = ("n_features_in_", "classes_")

    def __init__(self, hidden=(8,), max_epochs=4, batch_size=16, lr=0.05, seed=0, run_dir=None,
                 resume=False, enable_progress_bar=False):
        self.hidden, self.max_epochs, self.batch_size = hidden, max_epochs, batch_size
        self.lr, self.seed, self.run_dir, self.resume = lr, seed, run_dir, resume
        self.enable_progress_bar = enable_progress_bar

    def _build_module(self):
        return Classifier(MLP(self.n_features_in_, len(self.classes_), hidden=self.hidden),
                          lr=self.lr)

    def fit(self, X, y, X_val=None, y_val=None):
        self.classes_, yi = np.unique(y, return_inverse=True)
        self.n_features_in_ = X.shape[1]
        val = None
        if X_val is not None:
            val = [torch.tensor(X_val, dtype=torch.float32),
                   torch.tensor(np.searchsorted(self.classes_, y_val))]
        return self._train([torch.tensor(X, dtype=torch.float32), torch.tensor(yi)], val)

    def predict_proba(self, X):
        logits = self._forward_batches(torch.tensor(X, dtype=torch.float32), batch_size=7)
        return torch.softmax(logits, 1).numpy()

    def predict(self, X):
        best = self.predict_proba(X).argmax(1)
        return self.classes_[best]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    y = np.array(["left", "right"])[np.arange(80) % 2]
    X = rng.normal(size=(80, 3)) + 2.5 * (y == "right")[:, None]
    return X, y


def test_fit_predict_learns_and_is_reproducible(data):
    X, y = data
    a, b = _Tiny().fit(X, y), _Tiny().fit(X, y)
    assert (a.predict(X) == y).mean() > 0.9
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.run_dir_ is None and "train/loss" in a.fit_metrics_


def test_clone_is_unfitted(data):
    est = _Tiny(hidden=(4,)).fit(*data)
    fresh = clone(est)
    assert fresh.get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        fresh.predict(data[0])


def test_save_load_round_trip(data, tmp_path):
    est = _Tiny().fit(*data)
    path = est.save(tmp_path / "tiny.pt")
    back = _Tiny.load(path)
    np.testing.assert_array_equal(back.predict_proba(data[0]), est.predict_proba(data[0]))
    assert back.classes_.tolist() == ["left", "right"] and back.hidden == (8,)


def test_load_refuses_other_files(tmp_path, data):
    with pytest.raises(PathNotFoundError):
        _Tiny.load(tmp_path / "missing.pt")
    torch.save({"state_dict": {}}, tmp_path / "plain.pt")
    with pytest.raises(CheckpointError, match="not a neurokit estimator"):
        _Tiny.load(tmp_path / "plain.pt")

    class _Other(_Tiny):
        pass

    path = _Tiny().fit(*data).save(tmp_path / "tiny.pt")
    with pytest.raises(CheckpointError, match="another class"):
        _Other.load(path)


def test_run_dir_keeps_checkpoints_and_resumes(data, tmp_path):
    X, y = data
    est = _Tiny(max_epochs=2, run_dir=tmp_path).fit(X[:60], y[:60], X[60:], y[60:])
    assert (est.run_dir_ / "checkpoints" / "last.ckpt").is_file()
    assert "val/loss" in est.fit_metrics_
    more = _Tiny(max_epochs=4, run_dir=tmp_path, resume=True).fit(X[:60], y[:60], X[60:], y[60:])
    assert more.run_dir_ == est.run_dir_  # continued the same run folder


def test_tensor_data_module_rejects_ragged_tensors():
    with pytest.raises(SchemaError, match="share a non-empty first dim"):
        TensorDataModule([torch.zeros(3), torch.zeros(4)])
