"""Honest evaluation of decoders: within-session, cross-session and leave-one-subject-out.

:func:`cross_validate` runs several pipelines on **the same folds** (built once by
:func:`make_splits`, seeded) and returns a tidy table per pipeline x subject x session x fold,
the test-set predictions (for confusion matrices) and the folds themselves.

Schemes (coordinates on ``trial``; names configurable):

* ``"within_session"``: for every ``(subject, session)`` group separately, stratified
  ``n_splits``-fold cross-validation **grouped by** ``trial_id``: epochs cut from one trial
  (crops, sliding windows) share a ``trial_id`` and always fall in the same fold, so no test
  trial is ever seen in training (scikit-learn's ``StratifiedGroupKFold``, shuffled with
  ``seed``). Without a ``trial_id`` coordinate every epoch is its own trial. Without
  ``subject``/``session`` coordinates the whole set is one group.
* ``"cross_session"``: for every subject, train on all its sessions but one and test on the
  held-out session, each session once (needs >= 2 sessions per subject).
* ``"loso"``: leave one subject out: train on all other subjects, test on it, each subject once
  (needs >= 2 subjects).

Every fold fits a fresh ``sklearn.base.clone`` of each pipeline (so neurokit's torch
estimators, pyRiemann/scikit-learn pipelines and anything with ``fit``/``predict`` work).
Accuracy and balanced accuracy (mean per-class recall over the classes of the test set) are
reported with the fit and predict times.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from neurokit._optional import soft_import
from neurokit.decoding.covariance import _py, as_epochs
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError

__all__ = ["CrossValidationResult", "Split", "cross_validate", "make_splits", "SCHEMES"]

Scheme = Literal["within_session", "cross_session", "loso"]
#: evaluation schemes of :func:`make_splits`
SCHEMES: tuple[str, ...] = ("within_session", "cross_session", "loso")
#: value of the subject/session column when the epochs have no such coordinate
ALL = "all"


@dataclass(frozen=True)
class Split:
    """One fold: integer positions (along ``trial``) of the training and test epochs.

    Attributes
    ----------
    subject : hashable
        The subject the fold is about (``loso``: the held-out subject).
    session : hashable
        The session (``within_session``), the held-out session (``cross_session``), or
        ``"all"`` (``loso``).
    fold : int
        Fold number within its ``(subject, session)`` group (0-based).
    train, test : numpy.ndarray of int
        Positions into the epochs' ``trial`` dim, sorted, disjoint.
    """

    subject: Hashable
    session: Hashable
    fold: int
    train: np.ndarray = field(repr=False)
    test: np.ndarray = field(repr=False)


@dataclass
class CrossValidationResult:
    """What :func:`cross_validate` returns.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per pipeline x fold: ``pipeline``, ``scheme``, ``subject``, ``session``,
        ``fold``, ``accuracy``, ``balanced_accuracy``, ``n_train``, ``n_test``, ``fit_time_s``,
        ``predict_time_s``.
    predictions : pandas.DataFrame
        One row per pipeline x test epoch: ``pipeline``, ``subject``, ``session``, ``fold``,
        ``trial`` (position along ``trial``), ``trial_id``, ``y_true``, ``y_pred``.
    splits : list of Split
        The folds every pipeline was run on.
    """

    scores: pd.DataFrame
    predictions: pd.DataFrame
    splits: list[Split]

    def summary(self) -> pd.DataFrame:
        """Mean and standard deviation over folds of the scores, one row per pipeline.

        Returns
        -------
        pandas.DataFrame
            Index ``pipeline``; columns ``accuracy_mean``, ``accuracy_std``,
            ``balanced_accuracy_mean``, ``balanced_accuracy_std``, ``fit_time_s_mean``,
            ``n_folds``.
        """
        g = self.scores.groupby("pipeline", sort=False)
        out = pd.DataFrame({
            "accuracy_mean": g["accuracy"].mean(),
            "accuracy_std": g["accuracy"].std(ddof=1),
            "balanced_accuracy_mean": g["balanced_accuracy"].mean(),
            "balanced_accuracy_std": g["balanced_accuracy"].std(ddof=1),
            "fit_time_s_mean": g["fit_time_s"].mean(),
            "n_folds": g.size(),
        })
        return out

    def to_xarray(self) -> xr.Dataset:
        """The scores as a Dataset with dims ``(pipeline, subject, session, fold)``."""
        keys = ["pipeline", "subject", "session", "fold"]
        cols = ["accuracy", "balanced_accuracy", "n_train", "n_test", "fit_time_s",
                "predict_time_s"]
        ds = self.scores.set_index(keys)[cols].to_xarray()
        ds.attrs["scheme"] = str(self.scores["scheme"].iloc[0]) if len(self.scores) else ""
        return ds

    def confusion_matrices(self) -> xr.DataArray:
        """Test-set confusion counts summed over folds.

        Returns
        -------
        xarray.DataArray
            ``(pipeline, true, predicted)`` int64 counts; ``true``/``predicted`` coords are the
            classes (sorted).
        """
        p = self.predictions
        classes = np.unique(np.concatenate([p["y_true"].to_numpy(), p["y_pred"].to_numpy()]))
        names = list(dict.fromkeys(p["pipeline"]))
        cm = np.zeros((len(names), classes.size, classes.size), dtype=np.int64)
        for k, name in enumerate(names):
            sub = p[p["pipeline"] == name]
            i = np.searchsorted(classes, sub["y_true"].to_numpy())
            j = np.searchsorted(classes, sub["y_pred"].to_numpy())
            np.add.at(cm[k], (i, j), 1)
        return xr.DataArray(cm, dims=("pipeline", "true", "predicted"),
                            coords={"pipeline": names, "true": classes, "predicted": classes},
                            name="count")


def _trial_coord(epochs: xr.DataArray, name: str, *, required: bool, why: str
                 ) -> np.ndarray | None:
    if name in epochs.coords and epochs.coords[name].dims == ("trial",):
        return np.asarray(epochs.coords[name].values)
    if required:
        raise MissingDataError(f"no '{name}' coordinate on 'trial' ({why})", field=name,
                               expected=f"a '{name}' coordinate on the 'trial' dim",
                               found=f"coords {sorted(map(str, epochs.coords))}")
    return None


def _groups_of(values: np.ndarray | None, n: int, fallback: Any) -> np.ndarray:
    if values is None:
        return np.full(n, fallback, dtype=object)
    return values


def _check_n_splits(n_splits: Any) -> int:
    if isinstance(n_splits, bool) or not isinstance(n_splits, int | np.integer) or n_splits < 2:
        raise ConfigError("n_splits must be an integer >= 2", field="n_splits",
                          expected="an int >= 2", found=repr(n_splits))
    return int(n_splits)


def make_splits(
    epochs: xr.DataArray,
    *,
    scheme: Scheme = "within_session",
    n_splits: int = 5,
    seed: int = 0,
    label: str = "label",
    trial_id: str = "trial_id",
    session: str = "session",
    subject: str = "subject",
) -> list[Split]:
    """The folds of an evaluation scheme (see the module docstring).

    Parameters
    ----------
    epochs : xarray.DataArray
        Epochs with a ``trial`` dim and, on it, the coordinates named by ``label``,
        ``trial_id`` (optional), ``session`` and ``subject`` (optional for
        ``within_session``).
    scheme : {"within_session", "cross_session", "loso"}, default "within_session"
    n_splits : int, default 5
        Folds per ``(subject, session)`` group (``within_session`` only).
    seed : int, default 0
        Seed of the fold shuffling: the same seed gives the same folds.
    label, trial_id, session, subject : str
        Names of the coordinates.

    Returns
    -------
    list of Split
        In order of subject, session, fold.

    Raises
    ------
    neurokit.errors.MissingDataError
        No ``label`` coordinate; no ``session`` (``cross_session``) or ``subject`` (``loso``)
        coordinate.
    neurokit.errors.ConfigError
        Unknown scheme; ``n_splits < 2``; fewer than 2 sessions in a subject
        (``cross_session``) or fewer than 2 subjects (``loso``): the message names the
        coordinate.
    neurokit.errors.InvalidValueError
        A class with fewer distinct trials than ``n_splits`` in a group (``within_session``):
        the message names the class, subject and session.

    Examples
    --------
    >>> import xarray as xr
    >>> ep = xr.DataArray(np.zeros((12, 2, 5)), dims=("trial", "channel", "time"),
    ...                   coords={"label": ("trial", np.repeat(np.arange(6) % 2, 2)),
    ...                           "trial_id": ("trial", np.repeat(np.arange(6), 2))})
    >>> [len(s.test) for s in make_splits(ep, n_splits=3)]
    [4, 4, 4]
    """
    if scheme not in SCHEMES:
        raise ConfigError(f"unknown evaluation scheme {scheme!r}", field="scheme",
                          expected=f"one of {SCHEMES}", found=repr(scheme))
    if not isinstance(epochs, xr.DataArray) or "trial" not in epochs.dims:
        raise SchemaError("epochs must be a DataArray with a 'trial' dim", field="epochs",
                          expected="dims (trial, channel, time)",
                          found=f"{type(epochs).__name__} "
                                f"{getattr(epochs, 'dims', '')}")
    n = epochs.sizes["trial"]
    y = _trial_coord(epochs, label, required=True, why="the class labels")
    tid = _trial_coord(epochs, trial_id, required=False, why="")
    tid = np.arange(n) if tid is None else tid
    if scheme == "within_session":
        k = _check_n_splits(n_splits)
        subj = _groups_of(_trial_coord(epochs, subject, required=False, why=""), n,
                          epochs.attrs.get("subject_id", ALL))
        sess = _groups_of(_trial_coord(epochs, session, required=False, why=""), n,
                          epochs.attrs.get("session_id", ALL))
        return _within(y, tid, subj, sess, k, seed, label)
    if scheme == "cross_session":
        sess = _trial_coord(epochs, session, required=True, why="cross-session evaluation")
        subj = _groups_of(_trial_coord(epochs, subject, required=False, why=""), n,
                          epochs.attrs.get("subject_id", ALL))
        out = []
        for s in _unique(subj):
            in_s = np.flatnonzero(subj == s)
            held = _unique(sess[in_s])
            if len(held) < 2:
                raise ConfigError(
                    f"cross-session evaluation needs >= 2 sessions per subject; subject {s!r} "
                    f"has {len(held)}", field=session, expected="at least 2 distinct values "
                    f"of '{session}' per subject", found=f"{held!r}")
            for f, h in enumerate(held):
                test = in_s[sess[in_s] == h]
                train = in_s[sess[in_s] != h]
                out.append(Split(s, h, f, train, test))
        return out
    subj = _trial_coord(epochs, subject, required=True, why="leave-one-subject-out evaluation")
    held = _unique(subj)
    if len(held) < 2:
        raise ConfigError("leave-one-subject-out needs >= 2 subjects", field=subject,
                          expected=f"at least 2 distinct values of '{subject}'",
                          found=f"{held!r}")
    idx = np.arange(n)
    return [Split(h, ALL, f, idx[subj != h], idx[subj == h]) for f, h in enumerate(held)]


def _unique(values: np.ndarray) -> list:
    """Distinct values in order of first appearance."""
    return list(dict.fromkeys(values.tolist()))


def _within(y: np.ndarray, tid: np.ndarray, subj: np.ndarray, sess: np.ndarray, k: int,
            seed: int, label: str) -> list[Split]:
    StratifiedGroupKFold = soft_import("sklearn.model_selection",  # noqa: N806
                                       "cross-validation folds").StratifiedGroupKFold
    out = []
    for s in _unique(subj):
        for e in _unique(sess[subj == s]):
            idx = np.flatnonzero((subj == s) & (sess == e))
            ys, gs = y[idx], tid[idx]
            classes = np.unique(ys)
            for c in map(_py, classes):
                n_trials = np.unique(gs[ys == c]).size
                if n_trials < k:
                    raise InvalidValueError(
                        f"class {c!r} has fewer trials than folds (subject {s!r}, "
                        f"session {e!r})", field=label,
                        expected=f"at least n_splits={k} distinct trials per class",
                        found=f"{n_trials} trial(s) of class {c!r}")
            if classes.size < 2:
                raise InvalidValueError(
                    f"subject {s!r}, session {e!r} holds a single class", field=label,
                    expected="at least 2 classes", found=f"{classes.tolist()!r}")
            cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
            # StratifiedGroupKFold wants integer-codable groups
            _, gcode = np.unique(gs, return_inverse=True)
            for f, (tr, te) in enumerate(cv.split(np.zeros(idx.size), ys, gcode)):
                out.append(Split(s, e, f, np.sort(idx[tr]), np.sort(idx[te])))
    return out


def _balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    classes = np.unique(y_true)
    return float(np.mean([np.mean(y_pred[y_true == c] == c) for c in classes]))


def _wants_dataarray(est: Any, mode: str) -> bool:
    if mode == "dataarray":
        return True
    if mode == "array":
        return False
    return type(est).__module__.startswith("neurokit.")


def cross_validate(
    pipelines: Mapping[str, Any],
    epochs: xr.DataArray,
    *,
    scheme: Scheme = "within_session",
    n_splits: int = 5,
    seed: int = 0,
    label: str = "label",
    trial_id: str = "trial_id",
    session: str = "session",
    subject: str = "subject",
    input_type: Literal["auto", "array", "dataarray"] = "auto",
) -> CrossValidationResult:
    """Cross-validate several decoders on identical, leakage-free folds.

    Parameters
    ----------
    pipelines : mapping of str to estimator
        Name -> unfitted scikit-learn-compatible classifier (``fit(X, y)``, ``predict(X)``).
        Each fold fits ``sklearn.base.clone(estimator)``.
    epochs : xarray.DataArray
        Epochs ``(trial, channel, time)`` with a ``label`` coordinate on ``trial`` (and
        ``trial_id``/``session``/``subject`` as the scheme needs).
    scheme : {"within_session", "cross_session", "loso"}, default "within_session"
        See the module docstring and :func:`make_splits`.
    n_splits : int, default 5
        Folds per group for ``within_session``.
    seed : int, default 0
        Seed of the folds (shared by all pipelines).
    label, trial_id, session, subject : str
        Coordinate names.
    input_type : {"auto", "array", "dataarray"}, default "auto"
        What the estimators receive: the epochs subset as a DataArray (coords and attrs kept),
        or a float64 ``(n, channel, time)`` array. ``"auto"``: DataArrays for neurokit
        estimators (whose class lives in ``neurokit.*``), arrays for everything else
        (pyRiemann, scikit-learn, braindecode pipelines).

    Returns
    -------
    CrossValidationResult
        ``scores`` (tidy DataFrame), ``predictions``, ``splits``; ``summary()``,
        ``to_xarray()`` and ``confusion_matrices()`` views.

    Raises
    ------
    neurokit.errors.ConfigError
        No pipelines, an entry without ``fit``/``predict``, an unknown ``input_type``, or the errors
        of :func:`make_splits`.
    neurokit.errors.MissingDataError, neurokit.errors.InvalidValueError
        As :func:`make_splits`.

    Examples
    --------
    >>> import xarray as xr
    >>> from sklearn.dummy import DummyClassifier
    >>> rng = np.random.default_rng(0)
    >>> ep = xr.DataArray(rng.normal(size=(20, 3, 30)), dims=("trial", "channel", "time"),
    ...                   coords={"label": ("trial", np.repeat([0, 1], 10))})
    >>> class Flat(DummyClassifier):  # a baseline that accepts 3-D epochs
    ...     def fit(self, X, y): return super().fit(np.zeros((len(y), 1)), y)
    ...     def predict(self, X): return super().predict(np.zeros((len(X), 1)))
    >>> res = cross_validate({"chance": Flat()}, ep, n_splits=4)
    >>> res.scores[["pipeline", "fold", "n_train", "n_test"]].values.tolist()[0]
    ['chance', 0, 15, 5]
    >>> float(res.summary().loc["chance", "balanced_accuracy_mean"])
    0.5
    """
    clone = soft_import("sklearn.base", "fitting a fresh copy of each pipeline per fold").clone
    if input_type not in ("auto", "array", "dataarray"):
        raise ConfigError(f"unknown input_type {input_type!r}", field="input_type",
                          expected="'auto', 'array' or 'dataarray'", found=repr(input_type))
    if not pipelines:
        raise ConfigError("no pipelines to evaluate", field="pipelines",
                          expected="a non-empty mapping name -> estimator", found="{}")
    for name, est in pipelines.items():
        if not (hasattr(est, "fit") and hasattr(est, "predict")):
            raise ConfigError(f"pipeline {name!r} is not a classifier", field=str(name),
                              expected="an estimator with fit and predict",
                              found=type(est).__name__)
    splits = make_splits(epochs, scheme=scheme, n_splits=n_splits, seed=seed, label=label,
                         trial_id=trial_id, session=session, subject=subject)
    ep = as_epochs(epochs, name="epochs")
    data, values = ep.data, ep.values
    y = np.asarray(data.coords[label].values)
    tid = (np.asarray(data.coords[trial_id].values) if trial_id in data.coords
           else np.arange(values.shape[0]))
    rows: list[dict[str, Any]] = []
    preds: list[pd.DataFrame] = []
    for name, est in pipelines.items():
        as_da = _wants_dataarray(est, input_type)
        for sp in splits:
            model = clone(est)
            Xtr = data.isel(trial=sp.train) if as_da else values[sp.train]
            Xte = data.isel(trial=sp.test) if as_da else values[sp.test]
            t0 = time.perf_counter()
            model.fit(Xtr, y[sp.train])
            t1 = time.perf_counter()
            y_pred = np.asarray(model.predict(Xte))
            t2 = time.perf_counter()
            y_true = y[sp.test]
            rows.append({
                "pipeline": name, "scheme": scheme, "subject": sp.subject,
                "session": sp.session, "fold": sp.fold,
                "accuracy": float(np.mean(y_pred == y_true)),
                "balanced_accuracy": _balanced_accuracy(y_true, y_pred),
                "n_train": int(sp.train.size), "n_test": int(sp.test.size),
                "fit_time_s": t1 - t0, "predict_time_s": t2 - t1,
            })
            preds.append(pd.DataFrame({
                "pipeline": name, "subject": [sp.subject] * sp.test.size,
                "session": [sp.session] * sp.test.size, "fold": sp.fold, "trial": sp.test,
                "trial_id": tid[sp.test], "y_true": y_true, "y_pred": y_pred,
            }))
    return CrossValidationResult(pd.DataFrame(rows), pd.concat(preds, ignore_index=True),
                                 splits)

