"""Riemannian decoders of M/EEG epochs as scikit-learn classifiers.

Each trial is summarised by a covariance matrix (symmetric positive definite, SPD) estimated by
:mod:`neurokit.decoding.covariance` for all trials at once; the Riemannian geometry of SPD
matrices (affine-invariant mean, logarithmic map, distances) is pyRiemann's, not re-written.
The tangent-space step is :class:`neurokit.decoding.tangent.TangentSpace`: pyRiemann's tangent
map at the same Riemannian mean as pyRiemann's ``TangentSpace``, that mean found by Newton's
method in ~3 batched eigendecompositions instead of ~10.

==================================  ==========================================================
class                               pipeline
==================================  ==========================================================
:class:`TangentSpaceClassifier`     covariances -> tangent space at the Riemannian mean ->
                                    logistic regression (Barachant et al., 2012, Neurocomputing
                                    112; Barachant et al., 2012, IEEE TBME 59(4))
:class:`MDMClassifier`              covariances -> minimum distance to the Riemannian class
                                    means (Barachant et al., 2012, IEEE TBME 59(4))
:class:`XdawnTangentSpaceClassifier` xDAWN spatial filters + class prototypes -> super-trial
                                    covariances -> tangent space -> logistic regression, for
                                    evoked responses (Barachant & Congedo, 2014,
                                    arXiv:1409.0107; Rivet et al., 2009, IEEE TBME 56(8))
:class:`AugmentedCovarianceClassifier`  delay embedding (order, lag) -> augmented covariances ->
                                    tangent space -> RBF support vector machine (Carrara &
                                    Papadopoulo, 2024, J. Neural Eng., arXiv:2302.04508)
==================================  ==========================================================

All take epochs ``(trial, channel, time)`` as an :class:`xarray.DataArray` (labels from its
``label`` coordinate when ``y`` is not given) or a NumPy array with ``y``, and follow the
scikit-learn contract (``__init__`` stores parameters, ``fit`` returns ``self``, learnt
attributes end in ``_``, ``clone``-able, usable in pipelines and in
:func:`neurokit.decoding.evaluation.cross_validate`). NaN/inf and flat channels raise
:class:`~neurokit.errors.InvalidValueError` naming the channel; a class with fewer than two
trials (or fewer than the inner folds of a search) raises naming the class.

The tangent-space map: with ``C_ref`` the Riemannian (affine-invariant) mean of the training
matrices, a matrix ``C`` maps to ``upper(log(C_ref^{-1/2} C C_ref^{-1/2}))`` with off-diagonal
entries weighted by ``sqrt(2)``, a Euclidean vector on which a linear classifier works.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import xarray as xr

from neurokit._optional import soft_import
from neurokit.decoding.covariance import (
    CovarianceEstimator,
    Epochs,
    Estimator,
    _check_params,
    _covariance_kernel,
    _raise_bad_channels,
    as_epochs,
    check_classes,
    labels_of,
)
from neurokit.decoding.tangent import TangentSpace
from neurokit.errors import ConfigError, InvalidValueError, SchemaError

_skbase = soft_import("sklearn.base", "the scikit-learn face of the Riemannian decoders")
_pyr = soft_import("pyriemann", "the Riemannian geometry of the Riemannian decoders")

from pyriemann.classification import MDM  # noqa: E402
from pyriemann.spatialfilters import Xdawn  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

__all__ = [
    "AugmentedCovarianceClassifier",
    "MDMClassifier",
    "TangentSpaceClassifier",
    "XdawnCovarianceEstimator",
    "XdawnTangentSpaceClassifier",
]

#: the (order, lag) grid of the paper and of MOABB's ACM pipeline: 1..10 each
_PAPER_ORDERS = tuple(range(1, 11))
_PAPER_LAGS = tuple(range(1, 11))


class _RiemannianClassifier(_skbase.ClassifierMixin, _skbase.BaseEstimator):
    """Shared ``fit``/``predict`` over an internal scikit-learn :class:`Pipeline`.

    Subclasses implement ``_steps() -> list[(name, estimator)]``; the pipeline's first step
    receives the epochs (a DataArray when one was given, so errors can name channels).
    """

    def _steps(self) -> list[tuple[str, Any]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_input(self, X: Any, y: Any, *, min_per_class: int = 2
                   ) -> tuple[Epochs, Any, np.ndarray]:
        ep = as_epochs(X)
        y = labels_of(ep, y)
        check_classes(y, min_per_class=min_per_class)
        self.n_channels_ = ep.values.shape[1]
        self.n_times_ = ep.values.shape[2]
        return ep, (ep.data if ep.data is not None else ep.values), y

    def _input(self, X: Any) -> Any:
        check_is_fitted(self, "pipeline_")
        ep = as_epochs(X)
        if ep.values.shape[1] != self.n_channels_:
            raise SchemaError("epochs have another number of channels than in fit",
                              field="channel", expected=f"{self.n_channels_} channels",
                              found=f"{ep.values.shape[1]}")
        return ep.data if ep.data is not None else ep.values

    def fit(self, X: xr.DataArray | np.ndarray, y: Any = None) -> _RiemannianClassifier:
        """Fit the pipeline.

        Parameters
        ----------
        X : xarray.DataArray or numpy.ndarray
            Training epochs ``(trial, channel, time)``.
        y : array-like, shape (n_trials,), optional
            Class labels; default: the ``label`` coordinate of ``X``.

        Returns
        -------
        self
        """
        _, data, y = self._fit_input(X, y)
        self.pipeline_ = Pipeline(self._steps()).fit(data, y)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict(self, X: xr.DataArray | np.ndarray) -> np.ndarray:
        """Predicted class of each trial, shape ``(n_trials,)``."""
        return self.pipeline_.predict(self._input(X))

    def predict_proba(self, X: xr.DataArray | np.ndarray) -> np.ndarray:
        """Class probabilities, shape ``(n_trials, n_classes)`` in the order of ``classes_``."""
        return self.pipeline_.predict_proba(self._input(X))

    def score(self, X: xr.DataArray | np.ndarray, y: Any = None,
              sample_weight: Any = None) -> float:
        """Accuracy on ``X``; labels ``y`` or, when None, the ``label`` coordinate of ``X``."""
        if y is None:
            y = labels_of(as_epochs(X), None)
        return super().score(X, y, sample_weight=sample_weight)


def _logreg(C: float, max_iter: int) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=max_iter)


class _PlattSVC(_skbase.ClassifierMixin, _skbase.BaseEstimator):
    """RBF ``SVC`` whose predictions are the SVM's, with Platt-scaled probabilities.

    (``SVC(probability=True)`` is deprecated in scikit-learn 1.9.) The probabilities come from
    ``CalibratedClassifierCV(SVC, method="sigmoid", ensemble=False)`` on seeded stratified
    folds of the training set (up to 5, at most the smallest class count).
    """

    def __init__(self, C: float = 1.0, seed: int = 0) -> None:
        self.C = C
        self.seed = seed

    def fit(self, X: np.ndarray, y: np.ndarray) -> _PlattSVC:
        from sklearn.calibration import CalibratedClassifierCV

        self.svc_ = SVC(kernel="rbf", C=self.C).fit(X, y)
        self.classes_ = self.svc_.classes_
        n_cv = int(min(5, np.unique(y, return_counts=True)[1].min()))
        cv = StratifiedKFold(max(n_cv, 2), shuffle=True, random_state=self.seed)
        self.calibrated_ = CalibratedClassifierCV(SVC(kernel="rbf", C=self.C), method="sigmoid",
                                                  ensemble=False, cv=cv).fit(X, y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.svc_.predict(X)

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.svc_.decision_function(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.calibrated_.predict_proba(X)


class TangentSpaceClassifier(_RiemannianClassifier):
    """Covariances -> Riemannian tangent space -> logistic regression.

    The standard Riemannian motor-imagery decoder: the per-trial covariance (shrinkage
    estimator, all trials at once), mapped to the tangent space at the Riemannian mean of the
    training matrices (:class:`~neurokit.decoding.tangent.TangentSpace`: pyRiemann's map and
    mean, the mean by Newton's method), classified by an L2-regularised logistic
    regression. Gives the predictions of pyRiemann's
    ``make_pipeline(Covariances(estimator), TangentSpace(metric), LogisticRegression(C=C,
    max_iter=max_iter))`` on the same data (tested).

    Parameters
    ----------
    estimator : {"oas", "lwf", "scm", "cov", "shrunk"}, default "oas"
        Covariance estimator (:func:`neurokit.decoding.covariance.covariances`).
    metric : str or dict, default "riemann"
        pyRiemann metric of the reference mean and of the map (``"riemann"``,
        ``"logeuclid"``, ``"euclid"``...), or ``{"mean": ..., "map": ...}``. The Riemannian
        mean costs ~3 batched eigendecompositions of the training matrices;
        ``{"mean": "logeuclid", "map": "riemann"}`` costs one, for tangent vectors at a
        nearby (not the same) reference (``benchmarks/bench_decoding.py`` prints how
        often its predictions equal pyRiemann's Riemannian pipeline's).
    C : float, default 1.0
        Inverse L2 regularisation strength of the logistic regression.
    max_iter : int, default 1000
        Iterations of the logistic regression solver (lbfgs).
    shrinkage : float, default 0.1
        Fixed intensity for ``estimator="shrunk"``.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        Steps ``covariance`` (:class:`CovarianceEstimator`), ``tangent_space``
        (:class:`~neurokit.decoding.tangent.TangentSpace`, its ``reference_`` the mean),
        ``logreg``.
    classes_ : numpy.ndarray
    n_channels_, n_times_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 4, 100)); y = np.repeat([0, 1], 20)
    >>> X[y == 1, 0] *= 3  # class 1: more power on channel 0
    >>> TangentSpaceClassifier().fit(X[::2], y[::2]).score(X[1::2], y[1::2])
    1.0
    """

    def __init__(self, estimator: Estimator = "oas", metric: str | dict = "riemann",
                 C: float = 1.0, max_iter: int = 1000, shrinkage: float = 0.1) -> None:
        self.estimator = estimator
        self.metric = metric
        self.C = C
        self.max_iter = max_iter
        self.shrinkage = shrinkage

    def _steps(self) -> list[tuple[str, Any]]:
        return [
            ("covariance", CovarianceEstimator(self.estimator, shrinkage=self.shrinkage)),
            ("tangent_space", TangentSpace(metric=self.metric)),
            ("logreg", _logreg(self.C, self.max_iter)),
        ]

    def decision_function(self, X: xr.DataArray | np.ndarray) -> np.ndarray:
        """Logistic-regression scores, ``(n_trials,)`` for two classes."""
        return self.pipeline_.decision_function(self._input(X))

    def transform(self, X: xr.DataArray | np.ndarray) -> np.ndarray:
        """Tangent vectors ``(n_trials, n_channels (n_channels + 1) / 2)`` of the epochs."""
        return self.pipeline_[:-1].transform(self._input(X))


class MDMClassifier(_RiemannianClassifier):
    """Minimum distance to the Riemannian class means (MDM).

    Each class is summarised by the Riemannian mean of its training covariances; a trial goes
    to the class whose mean is nearest in the affine-invariant distance
    ``||log(C_k^{-1/2} C C_k^{-1/2})||_F`` (pyRiemann's ``MDM``). Probabilities are the softmax
    of minus the squared distances (pyRiemann's convention).

    Parameters
    ----------
    estimator : {"oas", "lwf", "scm", "cov", "shrunk"}, default "oas"
        Covariance estimator.
    metric : str, default "riemann"
        pyRiemann metric of the means and distances.
    shrinkage : float, default 0.1
        Fixed intensity for ``estimator="shrunk"``.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        Steps ``covariance``, ``mdm`` (``pyriemann.classification.MDM``, ``covmeans_``).
    classes_ : numpy.ndarray

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 4, 100)); y = np.repeat([0, 1], 20)
    >>> X[y == 1, 0] *= 3
    >>> MDMClassifier().fit(X[::2], y[::2]).score(X[1::2], y[1::2])
    1.0
    """

    def __init__(self, estimator: Estimator = "oas", metric: str = "riemann",
                 shrinkage: float = 0.1) -> None:
        self.estimator = estimator
        self.metric = metric
        self.shrinkage = shrinkage

    def _steps(self) -> list[tuple[str, Any]]:
        return [
            ("covariance", CovarianceEstimator(self.estimator, shrinkage=self.shrinkage)),
            ("mdm", MDM(metric=self.metric)),
        ]


class XdawnCovarianceEstimator(_skbase.TransformerMixin, _skbase.BaseEstimator):
    """xDAWN super-trial covariances for evoked responses (supervised transformer).

    ``fit`` learns, with pyRiemann's ``Xdawn``, ``nfilter`` spatial filters per class that
    maximise the evoked signal-to-noise ratio (Rivet et al., 2009) and the filtered class
    averages ``P`` (the prototypes, ``n_classes * nfilter`` rows). ``transform`` stacks each
    filtered trial under the prototypes, ``[P; W X_i]``, and returns the covariance of that
    super-trial (Barachant & Congedo, 2014): the cross-covariance block between prototype and
    trial carries the phase-locked (ERP) information a plain covariance loses. Equals
    pyRiemann's ``XdawnCovariances(nfilter, estimator=estimator,
    xdawn_estimator=xdawn_estimator)``, with the covariances computed for all trials at once.

    Parameters
    ----------
    nfilter : int, default 4
        Spatial filters per class.
    estimator : {"oas", "lwf", "scm", "cov", "shrunk"}, default "oas"
        Estimator of the super-trial covariances.
    xdawn_estimator : str, default "scm"
        pyRiemann estimator of the covariances inside xDAWN.

    Attributes
    ----------
    xdawn_ : pyriemann.spatialfilters.Xdawn
    prototypes_ : numpy.ndarray, shape (n_classes * nfilter, n_times)
    channels_ : list

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(20, 4, 50)), np.repeat([0, 1], 10)
    >>> XdawnCovarianceEstimator(nfilter=2).fit_transform(X, y).shape
    (20, 8, 8)
    """

    def __init__(self, nfilter: int = 4, estimator: Estimator = "oas",
                 xdawn_estimator: str = "scm") -> None:
        self.nfilter = nfilter
        self.estimator = estimator
        self.xdawn_estimator = xdawn_estimator

    def _checked(self, X: Any) -> tuple[np.ndarray, list]:
        ep = as_epochs(X)
        var = np.var(ep.values, axis=-1)
        _raise_bad_channels(var, ep.channels, 1)
        return ep.values, ep.channels

    def fit(self, X: xr.DataArray | np.ndarray, y: Any = None) -> XdawnCovarianceEstimator:
        """Learn the xDAWN filters and prototypes from labelled epochs."""
        _check_params(self.estimator, 0.0, 1, 1)
        if isinstance(self.nfilter, bool) or not isinstance(self.nfilter, int | np.integer) \
                or self.nfilter < 1:
            raise ConfigError("nfilter must be a positive integer", field="nfilter",
                              expected="an int >= 1", found=repr(self.nfilter))
        ep = as_epochs(X)
        y = labels_of(ep, y)
        values, self.channels_ = self._checked(X)
        self.xdawn_ = Xdawn(nfilter=self.nfilter, estimator=self.xdawn_estimator).fit(values, y)
        self.prototypes_ = np.asarray(self.xdawn_.evokeds_, dtype=np.float64)
        self.n_channels_ = values.shape[1]
        return self

    def transform(self, X: xr.DataArray | np.ndarray) -> np.ndarray:
        """Super-trial covariances ``(n_trials, 2 n_classes nfilter, 2 n_classes nfilter)``."""
        check_is_fitted(self, "xdawn_")
        values, _ = self._checked(X)
        if values.shape[1] != self.n_channels_ or values.shape[2] != self.prototypes_.shape[1]:
            raise SchemaError("epochs differ in shape from the training epochs", field="X",
                              expected=f"(n, {self.n_channels_}, {self.prototypes_.shape[1]})",
                              found=f"{values.shape}")
        filtered = self.xdawn_.transform(values)
        P = self.prototypes_
        sup = np.concatenate([np.broadcast_to(P, (values.shape[0], *P.shape)), filtered], axis=1)
        names = [f"prototype {k}" for k in range(P.shape[0])] + \
                [f"xdawn {k}" for k in range(filtered.shape[1])]
        C, _ = _covariance_kernel(np.ascontiguousarray(sup), names, estimator=self.estimator)
        return C

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """``fit(X, y).transform(X)``."""
        return self.fit(X, y).transform(X)


class XdawnTangentSpaceClassifier(_RiemannianClassifier):
    """xDAWN super-trial covariances -> tangent space -> logistic regression (ERP decoder).

    For evoked responses (P300, error potentials...), where the class information is in the
    phase-locked waveform rather than in band power. Same predictions as pyRiemann's
    ``make_pipeline(XdawnCovariances(nfilter, estimator=estimator), TangentSpace(metric),
    LogisticRegression(C=C, max_iter=max_iter))``.

    Parameters
    ----------
    nfilter : int, default 4
        xDAWN spatial filters per class.
    estimator : {"oas", "lwf", "scm", "cov", "shrunk"}, default "oas"
        Estimator of the super-trial covariances.
    xdawn_estimator : str, default "scm"
        Estimator used inside xDAWN (pyRiemann).
    metric : str, default "riemann"
    C : float, default 1.0
    max_iter : int, default 1000

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        Steps ``xdawn_covariance`` (:class:`XdawnCovarianceEstimator`), ``tangent_space``,
        ``logreg``.
    classes_ : numpy.ndarray

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(40, 4, 50)), np.repeat([0, 1], 20)
    >>> X[y == 1, :, 20:30] += np.hanning(10)  # an evoked bump in class 1
    >>> clf = XdawnTangentSpaceClassifier(nfilter=2).fit(X[::2], y[::2])
    >>> clf.score(X[1::2], y[1::2]) > 0.8
    True
    """

    def __init__(self, nfilter: int = 4, estimator: Estimator = "oas",
                 xdawn_estimator: str = "scm", metric: str = "riemann", C: float = 1.0,
                 max_iter: int = 1000) -> None:
        self.nfilter = nfilter
        self.estimator = estimator
        self.xdawn_estimator = xdawn_estimator
        self.metric = metric
        self.C = C
        self.max_iter = max_iter

    def _steps(self) -> list[tuple[str, Any]]:
        return [
            ("xdawn_covariance", XdawnCovarianceEstimator(
                self.nfilter, estimator=self.estimator, xdawn_estimator=self.xdawn_estimator)),
            ("tangent_space", TangentSpace(metric=self.metric)),
            ("logreg", _logreg(self.C, self.max_iter)),
        ]


class AugmentedCovarianceClassifier(_RiemannianClassifier):
    """Augmented covariance method (ACM): delay embedding -> covariance -> tangent space -> SVM.

    Carrara & Papadopoulo (2024, J. Neural Eng.; arXiv:2302.04508). The epochs are stacked
    with ``order - 1`` copies delayed by ``lag, 2 lag, ...`` samples (Takens' delay embedding;
    the Yule-Walker matrix of an AR(``order``) model), so the covariance of the augmented
    ``(channel * order)`` signal holds the lagged cross-covariances — temporal structure
    (spectral content, autocorrelation) that the zero-lag spatial covariance cannot see. The
    augmented matrices go to the tangent space at their Riemannian mean and to a support
    vector machine with an RBF kernel, the classifier of the paper's ACM+TS+SVM pipeline
    (and of MOABB's configuration of it); ``classifier="lr"`` swaps in a logistic regression.
    Predictions are the SVM's; ``predict_proba`` comes from a sigmoid (Platt) calibration of
    its margins fitted on cross-validated margins of the training set.

    **Order and lag** are hyper-parameters. When ``order`` and ``lag`` are both given they are
    used as is. Otherwise they are chosen on the training data only (so inside
    :func:`~neurokit.decoding.evaluation.cross_validate` the choice is nested in each outer
    fold) over the grid ``orders`` x ``lags`` (default 1..10 each, the paper's grid) by
    ``selection``:

    * ``"grid"`` (default; the paper's reported procedure, a nested-cross-validated grid
      search): mean accuracy of the full ACM pipeline (tangent space + classifier) over a
      stratified ``n_inner_splits``-fold split of the training trials (grouped by the
      ``trial_id`` coordinate when the epochs have one, so crops of one trial never straddle
      an inner split).
    * ``"mdm"``: the same inner folds, scored by a minimum-distance-to-mean classifier on the
      augmented matrices — no classifier training, much cheaper on large grids; a proxy of the
      separability of the augmented matrices.

    Ties go to the smallest order, then the smallest lag (the simplest embedding). The
    paper also discusses dynamical-systems criteria (false nearest neighbours for the order,
    mutual information for the lag); those are not implemented here. Each (order, lag) pair's
    covariances are computed once for all training trials (per-trial estimation, no
    information crosses trials), then only the tangent-space reference and the classifier are
    refitted per inner fold. Combinations whose embedding leaves fewer than ``2`` samples are
    skipped.

    Parameters
    ----------
    order, lag : int or None, default None
        Fixed embedding dimension / delay in samples; None: choose from ``orders``/``lags``.
    orders, lags : sequence of int, default 1..10
        Grid searched when ``order``/``lag`` is None.
    selection : {"grid", "mdm"}, default "grid"
        Criterion of the search (above).
    estimator : {"oas", "lwf", "scm", "cov", "shrunk"}, default "oas"
        Covariance estimator of the augmented matrices (the paper's MOABB pipeline uses the
        unbiased ``"cov"``; shrinkage keeps large ``channel * order`` matrices invertible).
    metric : str, default "riemann"
        pyRiemann metric of the tangent space (and of MDM in ``selection="mdm"``).
    classifier : {"svm", "lr"}, default "svm"
        RBF-kernel ``SVC`` (``gamma="scale"``; probabilities by Platt scaling on seeded folds)
        or logistic regression.
    C : float, default 1.0
        Regularisation of the classifier.
    n_inner_splits : int, default 5
        Folds of the inner cross-validation of the search.
    seed : int, default 0
        Seeds the inner folds and the SVM's Platt scaling.

    Attributes
    ----------
    order_, lag_ : int
        The embedding used by the fitted pipeline (chosen or given).
    selection_scores_ : xarray.DataArray or None
        ``(order, lag)`` inner-CV accuracy of every candidate (NaN: skipped), None when nothing
        was searched.
    pipeline_ : sklearn.pipeline.Pipeline
        Steps ``covariance`` (:class:`CovarianceEstimator` with ``order_``/``lag_``),
        ``tangent_space``, ``classifier``.
    classes_ : numpy.ndarray

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Z, y = rng.normal(size=(40, 2, 101)), np.repeat([0, 1], 20)
    >>> sign = np.where(y == 1, -1.0, 1.0)[:, None, None]  # lag-1 correlation +0.5 or -0.5,
    >>> X = (Z[..., 1:] + sign * Z[..., :-1]) / np.sqrt(2)  # same zero-lag covariance
    >>> clf = AugmentedCovarianceClassifier(orders=(1, 2), lags=(1, 2), n_inner_splits=3)
    >>> clf = clf.fit(X, y)
    >>> (clf.order_, clf.lag_)
    (2, 1)
    """

    def __init__(self, order: int | None = None, lag: int | None = None,
                 orders: Sequence[int] = _PAPER_ORDERS, lags: Sequence[int] = _PAPER_LAGS,
                 selection: Literal["grid", "mdm"] = "grid", estimator: Estimator = "oas",
                 metric: str = "riemann", classifier: Literal["svm", "lr"] = "svm",
                 C: float = 1.0, n_inner_splits: int = 5, seed: int = 0) -> None:
        self.order = order
        self.lag = lag
        self.orders = orders
        self.lags = lags
        self.selection = selection
        self.estimator = estimator
        self.metric = metric
        self.classifier = classifier
        self.C = C
        self.n_inner_splits = n_inner_splits
        self.seed = seed

    def _classifier(self, probability: bool) -> Any:
        if self.classifier == "svm":
            if probability:
                return _PlattSVC(C=self.C, seed=self.seed)
            return SVC(kernel="rbf", C=self.C)
        return _logreg(self.C, 1000)

    def decision_function(self, X: xr.DataArray | np.ndarray) -> np.ndarray:
        """Classifier scores of the trials (SVM margin or logistic-regression logit)."""
        return self.pipeline_.decision_function(self._input(X))

    def _check(self) -> tuple[list[int], list[int]]:
        if self.selection not in ("grid", "mdm"):
            raise ConfigError(f"unknown selection {self.selection!r}", field="selection",
                              expected="'grid' or 'mdm'", found=repr(self.selection))
        if self.classifier not in ("svm", "lr"):
            raise ConfigError(f"unknown classifier {self.classifier!r}", field="classifier",
                              expected="'svm' or 'lr'", found=repr(self.classifier))
        orders = [self.order] if self.order is not None else list(self.orders)
        lags = [self.lag] if self.lag is not None else list(self.lags)
        if not orders or not lags:
            raise ConfigError("empty order/lag grid", field="orders" if not orders else "lags",
                              expected="at least one value", found="[]")
        for o in orders:
            for lg in lags:
                _check_params(self.estimator, 0.0, o, lg)
        if len(set(orders)) != len(orders) or len(set(lags)) != len(lags):
            raise ConfigError("repeated values in the order/lag grid", field="orders",
                              expected="distinct values", found=f"{orders}, {lags}")
        return sorted(int(o) for o in orders), sorted(int(lg) for lg in lags)

    def fit(self, X: xr.DataArray | np.ndarray, y: Any = None) -> AugmentedCovarianceClassifier:
        """Choose (order, lag) on the training data if asked, then fit the ACM pipeline.

        Parameters
        ----------
        X : xarray.DataArray or numpy.ndarray
            Training epochs ``(trial, channel, time)``.
        y : array-like, optional
            Labels; default the ``label`` coordinate.

        Returns
        -------
        self
        """
        orders, lags = self._check()
        search = len(orders) * len(lags) > 1
        k = int(self.n_inner_splits)
        if search and k < 2:
            raise ConfigError("n_inner_splits must be >= 2", field="n_inner_splits",
                              expected="an int >= 2", found=repr(self.n_inner_splits))
        ep, data, y = self._fit_input(X, y, min_per_class=k if search else 2)
        n_times = ep.values.shape[2]
        if search:
            scores = self._search(ep, y, orders, lags, k)
            self.selection_scores_ = xr.DataArray(
                scores, dims=("order", "lag"), coords={"order": orders, "lag": lags},
                name="inner_cv_accuracy", attrs={"selection": self.selection},
            )
            if np.all(np.isnan(scores)):
                raise InvalidValueError("no (order, lag) in the grid fits the epochs",
                                        field="lags", expected=f"(order - 1) * lag < "
                                        f"{n_times - 1}", found=f"orders {orders}, lags {lags}")
            best = np.nanmax(scores)
            i, j = np.argwhere(scores == best)[0]  # row-major: smallest order, then lag
            self.order_, self.lag_ = orders[i], lags[j]
        else:
            self.selection_scores_ = None
            self.order_, self.lag_ = orders[0], lags[0]
        self.pipeline_ = Pipeline([
            ("covariance", CovarianceEstimator(self.estimator, order=self.order_, lag=self.lag_)),
            ("tangent_space", TangentSpace(metric=self.metric)),
            ("classifier", self._classifier(probability=True)),
        ]).fit(data, y)
        self.classes_ = self.pipeline_.classes_
        return self

    def _search(self, ep: Epochs, y: np.ndarray, orders: list[int], lags: list[int],
                k: int) -> np.ndarray:
        groups = ep.coord("trial_id")
        if groups is None:
            splitter = StratifiedKFold(k, shuffle=True, random_state=self.seed)
        else:
            splitter = StratifiedGroupKFold(k, shuffle=True, random_state=self.seed)
        folds = list(splitter.split(np.zeros(len(y)), y, groups))
        n_times = ep.values.shape[2]
        scores = np.full((len(orders), len(lags)), np.nan)
        for i, o in enumerate(orders):
            for j, lg in enumerate(lags):
                if o == 1 and j > 0:  # the lag has no effect without delayed copies
                    scores[i, j] = scores[i, 0]
                    continue
                if n_times - (o - 1) * lg < 2:
                    continue
                C, _ = _covariance_kernel(ep.values, ep.channels, estimator=self.estimator,
                                          order=o, lag=lg)
                acc = []
                for tr, te in folds:
                    if self.selection == "mdm":
                        model = MDM(metric=self.metric)
                    else:
                        model = Pipeline([("tangent_space", TangentSpace(metric=self.metric)),
                                          ("classifier", self._classifier(probability=False))])
                    acc.append(model.fit(C[tr], y[tr]).score(C[te], y[te]))
                scores[i, j] = float(np.mean(acc))
        return scores
