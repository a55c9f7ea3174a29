"""The deep SSVEP speller network of Guney, Oblokulov & Ozkan (2021) and its two-stage training.

* :class:`GuneySSVEPNet` — the torch network: convolutions over harmonic sub-bands, channels
  and time, then a dense layer
* :class:`GuneySSVEPModule` — it as a :class:`~neurokit.core.module.NeurokitModule`
  (cross-entropy, Adam, L2 on the weights)
* :class:`SSVEPNetClassifier` — the scikit-learn estimator: filter bank + network;
  ``fit`` is the global stage over all subjects, ``fine_tune`` the per-subject stage

References
----------
Guney, O. B., Oblokulov, M., & Ozkan, H. (2022). A deep neural network for SSVEP-based
brain-computer interfaces. *IEEE Trans. Biomed. Eng.*, 69(2), 932-944 (arXiv:2011.08562).
Authors' MATLAB code: github.com/osmanberke/Deep-SSVEP-BCI (``main.m``, ``PreProcess.m``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike
from sklearn.base import ClassifierMixin, clone
from torch import nn

from neurokit.core.estimator import LightningEstimator
from neurokit.core.module import NeurokitModule
from neurokit.decoding.ssvep import _as_epochs, _integer, _sampling_rate, filter_bank
from neurokit.errors import ConfigError, SchemaError

__all__ = ["GuneySSVEPNet", "GuneySSVEPModule", "SSVEPNetClassifier"]


def _dropout_rates(dropout: Sequence[float], field: str) -> tuple[float, float, float]:
    try:
        rates = tuple(float(d) for d in dropout)
    except TypeError:
        rates = ()
    if len(rates) != 3 or not all(0.0 <= r < 1.0 for r in rates):
        raise ConfigError("bad dropout rates", field=field,
                          expected="three probabilities in [0, 1)", found=repr(dropout))
    return rates  # type: ignore[return-value]


class GuneySSVEPNet(nn.Module):
    r"""Deep SSVEP network of Guney et al. (2021): sub-band, channel and time convolutions.

    Input :math:`x` of shape ``(batch, n_subbands, n_chans, n_times)`` (the filter-bank
    signals), layers as in the authors' code:

    ===  ==========================================  ================================  ========
    #    layer                                        output                            init
    ===  ==========================================  ================================  ========
    1    sub-band combination: 1x1 conv, M -> 1,      ``(B, 1, C, T)``                  ones
         no bias (a weighted sum of the sub-bands)
    2    channel combination: ``(C, 1)`` conv,        ``(B, F, 1, T)``                  N(0, .01)
         1 -> F = 120 spatial filters; dropout p1
    3    time: ``(1, 2)`` conv, stride 2, F -> F;     ``(B, F, 1, T // 2)``             N(0, .01)
         dropout p2, ReLU
    4    time: ``(1, 10)`` conv, "same" padding       ``(B, F, 1, T // 2)``             N(0, .01)
         (4 left, 5 right, as MATLAB), F -> F;
         dropout p3
    5    dense: ``F * (T // 2)`` -> n_outputs         ``(B, n_outputs)`` logits         N(0, .01)
    ===  ==========================================  ================================  ========

    Biases start at zero. The network is linear up to the ReLU after layer 3: layers 1-2 learn a
    sub-band weighting and spatial filters (an FBCCA-like front end learnt from data).
    Dropout rates: (0.1, 0.1, 0.95) in the global stage, (0.6 benchmark / 0.7 BETA, same,
    0.95) in the per-subject stage (:meth:`set_dropout`).

    Parameters
    ----------
    n_chans : int
        EEG channels :math:`C` (9 occipital channels in the paper).
    n_outputs : int
        Targets (40 in the benchmark and BETA spellers).
    n_times : int
        Samples per window :math:`T` (>= 2; e.g. 0.4 s x 250 Hz = 100).
    n_subbands : int, default 3
        Filter-bank sub-bands :math:`M` (3 in the paper).
    n_filters : int, default 120
        Feature maps :math:`F` of layers 2-4 (120 in the paper).
    time_kernel : int, default 10
        Kernel length of layer 4.
    dropout : sequence of 3 floats, default (0.1, 0.1, 0.95)

    Examples
    --------
    >>> net = GuneySSVEPNet(n_chans=9, n_outputs=40, n_times=100)
    >>> net(torch.zeros(2, 3, 9, 100)).shape
    torch.Size([2, 40])
    >>> net.subband.weight.flatten().tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, n_chans: int, n_outputs: int, n_times: int, n_subbands: int = 3,
                 n_filters: int = 120, time_kernel: int = 10,
                 dropout: Sequence[float] = (0.1, 0.1, 0.95)) -> None:
        super().__init__()
        n_chans = _integer(n_chans, "n_chans", 1)
        n_outputs = _integer(n_outputs, "n_outputs", 2)
        n_times = _integer(n_times, "n_times", 2)
        n_subbands = _integer(n_subbands, "n_subbands", 1)
        n_filters = _integer(n_filters, "n_filters", 1)
        time_kernel = _integer(time_kernel, "time_kernel", 1)
        rates = _dropout_rates(dropout, "dropout")
        self.n_chans, self.n_outputs, self.n_times = n_chans, n_outputs, n_times
        self.n_subbands = n_subbands
        self.subband = nn.Conv2d(n_subbands, 1, kernel_size=1, bias=False)
        self.channel = nn.Conv2d(1, n_filters, kernel_size=(n_chans, 1))
        self.drop1 = nn.Dropout(rates[0])
        self.downsample = nn.Conv2d(n_filters, n_filters, kernel_size=(1, 2), stride=(1, 2))
        self.drop2 = nn.Dropout(rates[1])
        left = (time_kernel - 1) // 2
        self.pad = nn.ZeroPad2d((left, time_kernel - 1 - left, 0, 0))
        self.temporal = nn.Conv2d(n_filters, n_filters, kernel_size=(1, time_kernel))
        self.drop3 = nn.Dropout(rates[2])
        self.dense = nn.Linear(n_filters * (n_times // 2), n_outputs)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Initialise as the paper: sub-band weights 1, others N(0, 0.01^2), biases 0."""
        nn.init.ones_(self.subband.weight)
        for layer in (self.channel, self.downsample, self.temporal, self.dense):
            nn.init.normal_(layer.weight, mean=0.0, std=0.01)
            nn.init.zeros_(layer.bias)

    def set_dropout(self, dropout: Sequence[float]) -> None:
        """Set the three dropout probabilities (e.g. the per-subject stage's)."""
        rates = _dropout_rates(dropout, "dropout")
        self.drop1.p, self.drop2.p, self.drop3.p = rates

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_outputs)`` of sub-band signals ``(batch, M, C, T)``."""
        if x.ndim != 4 or tuple(x.shape[1:]) != (self.n_subbands, self.n_chans, self.n_times):
            raise SchemaError("input of the wrong shape", field="x",
                              expected=f"(batch, {self.n_subbands}, {self.n_chans}, "
                                       f"{self.n_times})",
                              found=str(tuple(x.shape)))
        h = self.subband(x)
        h = self.drop1(self.channel(h))
        h = F.relu(self.drop2(self.downsample(h)))
        h = self.drop3(self.temporal(self.pad(h)))
        return self.dense(h.flatten(1))


class GuneySSVEPModule(NeurokitModule):
    """:class:`GuneySSVEPNet` trained with cross-entropy, Adam and L2 on the weights.

    As the authors' code (MATLAB ``trainingOptions``): Adam, learning rate 1e-4 without decay,
    L2 regularisation 1e-3 on the weights (coupled, added to the gradient; biases are not
    decayed, MATLAB's default ``BiasL2Factor = 0``).

    Parameters
    ----------
    n_chans, n_outputs, n_times, n_subbands, n_filters, time_kernel, dropout
        See :class:`GuneySSVEPNet`.
    lr : float, default 1e-4
    weight_decay : float, default 1e-3
    optimizer : str, default "adam"

    Examples
    --------
    >>> m = GuneySSVEPModule(n_chans=4, n_outputs=3, n_times=20, n_filters=8)
    >>> out = m.compute((torch.zeros(5, 3, 4, 20), torch.tensor([0, 1, 2, 0, 1])), "val")
    >>> sorted(out), round(out["loss"].item(), 4)          # equal logits: log(3)
    (['accuracy', 'loss'], 1.0986)
    """

    def __init__(self, n_chans: int, n_outputs: int, n_times: int, n_subbands: int = 3,
                 n_filters: int = 120, time_kernel: int = 10,
                 dropout: Sequence[float] = (0.1, 0.1, 0.95), lr: float = 1e-4,
                 weight_decay: float = 1e-3, optimizer: str = "adam") -> None:
        super().__init__(optimizer=optimizer, lr=lr, weight_decay=weight_decay)
        dropout = [float(d) for d in dropout]
        self.save_hyperparameters()
        self.net = GuneySSVEPNet(n_chans, n_outputs, n_times, n_subbands, n_filters,
                                 time_kernel, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_outputs)``."""
        return self.net(x)

    def compute(self, batch: Any, stage: str) -> dict[str, torch.Tensor]:
        x, y = batch
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        return {"loss": loss, "accuracy": (logits.detach().argmax(1) == y).float().mean()}

    def parameter_groups(self) -> Any:
        decay = [p for n, p in self.named_parameters() if not n.endswith("bias")]
        no_decay = [p for n, p in self.named_parameters() if n.endswith("bias")]
        return [{"params": decay}, {"params": no_decay, "weight_decay": 0.0}]


class SSVEPNetClassifier(ClassifierMixin, LightningEstimator):
    r"""Guney et al.'s SSVEP network as a scikit-learn classifier, with its two training stages.

    Pipeline: epochs ``(n_trials, n_chans, n_times)`` -> filter bank
    (:func:`~neurokit.decoding.ssvep.filter_bank`: ``n_subbands`` Chebyshev type-I band-passes
    ``[8m, 90]`` Hz, 2nd order, 1 dB ripple, zero phase, as the authors' ``PreProcess.m``) ->
    division by one global scale (the standard deviation of the global-stage training input)
    -> :class:`GuneySSVEPNet`.

    Two stages (Guney et al. 2021, Sec. III):

    1. :meth:`fit` — **global** model trained on the pooled trials of all training subjects
       (paper: Adam, lr 1e-4, batch 100, L2 1e-3, 1000 epochs on the benchmark dataset,
       800 on BETA; dropout 0.1, 0.1, 0.95);
    2. :meth:`fine_tune` — **per subject**: a copy initialised with every weight of the
       global model, trained on that subject's trials only (paper: 1000 epochs, whole
       subject training set as one batch, first two dropouts raised to 0.6 (benchmark) /
       0.7 (BETA), the last kept at 0.95). Returns a new estimator; the global one is unchanged.

    Parameters
    ----------
    sfreq : float, optional
        Sampling rate (Hz); default ``attrs["sampling_rate"]`` of a DataArray ``X``.
    n_subbands : int, default 3
    low_hz, step_hz, high_hz : float, default 8, 8, 90
        Sub-band edges (Hz).
    filter_order : int, default 1
        Chebyshev prototype order (1 gives the paper's 2nd-order band-pass).
    ripple_db : float, default 1.0
    n_filters : int, default 120
    time_kernel : int, default 10
    dropout : sequence of 3 floats, default (0.1, 0.1, 0.95)
        Global-stage dropout rates.
    fine_tune_dropout : sequence of 3 floats, default (0.6, 0.6, 0.95)
        Per-subject-stage rates.
    weight_decay : float, default 1e-3
    max_epochs : int, default 1000
        Global-stage epochs.
    batch_size : int, default 100
        Global-stage batch size.
    lr : float, default 1e-4
        Learning rate of both stages.
    fine_tune_epochs : int, default 1000
    fine_tune_batch_size : int, optional
        Per-subject batch size; None (default) takes the subject's whole training set.
    seed : int, default 0
    run_dir, resume, enable_progress_bar
        See :class:`~neurokit.core.estimator.LightningEstimator`.

    Attributes
    ----------
    classes_ : numpy.ndarray, shape (n_targets,)
    n_chans_, n_times_ : int
    sfreq_ : float
    scale_ : float
        Input scale (standard deviation of the global-stage filter-bank input).
    subjects_ : numpy.ndarray
        Subjects of the global stage (from ``subject`` or the DataArray's ``subject`` coord;
        ``[-1]`` when unknown).
    stage_ : str
        ``"global"`` after :meth:`fit`, ``"subject"`` for a :meth:`fine_tune` copy.
    module_ : GuneySSVEPModule
        The trained network (eval mode).

    Examples
    --------
    >>> from neurokit.datasets.ssvep import simulate_ssvep
    >>> data = simulate_ssvep(n_targets=3, n_subjects=1, n_blocks=2, n_chans=3,
    ...                       duration=0.4, snr_db=0, seed=0)
    >>> clf = SSVEPNetClassifier(n_filters=4, max_epochs=2, fine_tune_epochs=1,
    ...                          enable_progress_bar=False).fit(data, data.label.values)
    >>> clf.predict_proba(data).shape, clf.stage_
    ((6, 3), 'global')
    >>> clf.fine_tune(data, data.label.values).stage_
    'subject'
    """

    _fitted_attrs: ClassVar[tuple[str, ...]] = (
        "classes_", "n_chans_", "n_times_", "sfreq_", "scale_", "subjects_", "stage_")

    def __init__(
        self,
        sfreq: float | None = None,
        n_subbands: int = 3,
        low_hz: float = 8.0,
        step_hz: float = 8.0,
        high_hz: float = 90.0,
        filter_order: int = 1,
        ripple_db: float = 1.0,
        n_filters: int = 120,
        time_kernel: int = 10,
        dropout: Sequence[float] = (0.1, 0.1, 0.95),
        fine_tune_dropout: Sequence[float] = (0.6, 0.6, 0.95),
        weight_decay: float = 1e-3,
        max_epochs: int = 1000,
        batch_size: int = 100,
        lr: float = 1e-4,
        fine_tune_epochs: int = 1000,
        fine_tune_batch_size: int | None = None,
        seed: int = 0,
        run_dir: str | None = None,
        resume: bool = False,
        enable_progress_bar: bool | None = None,
    ) -> None:
        self.sfreq = sfreq
        self.n_subbands = n_subbands
        self.low_hz = low_hz
        self.step_hz = step_hz
        self.high_hz = high_hz
        self.filter_order = filter_order
        self.ripple_db = ripple_db
        self.n_filters = n_filters
        self.time_kernel = time_kernel
        self.dropout = dropout
        self.fine_tune_dropout = fine_tune_dropout
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.fine_tune_epochs = fine_tune_epochs
        self.fine_tune_batch_size = fine_tune_batch_size
        self.seed = seed
        self.run_dir = run_dir
        self.resume = resume
        self.enable_progress_bar = enable_progress_bar

    # -- LightningEstimator ---------------------------------------------------------------
    def _build_module(self) -> GuneySSVEPModule:
        rates = self.fine_tune_dropout if self.stage_ == "subject" else self.dropout
        return GuneySSVEPModule(
            n_chans=int(self.n_chans_), n_outputs=len(self.classes_), n_times=int(self.n_times_),
            n_subbands=self.n_subbands, n_filters=self.n_filters, time_kernel=self.time_kernel,
            dropout=rates, lr=self.lr, weight_decay=self.weight_decay)

    # -- stage 1 --------------------------------------------------------------------------
    def fit(self, X: Any, y: ArrayLike, subject: ArrayLike | None = None) -> SSVEPNetClassifier:
        """Global stage: train on the pooled trials of all subjects.

        Parameters
        ----------
        X : array-like or xarray.DataArray, shape (n_trials, n_chans, n_times)
            Epochs (dims ``trial``, ``channel``, ``time`` for a DataArray).
        y : array-like, shape (n_trials,)
            Target labels (at least 2 classes).
        subject : array-like, shape (n_trials,), optional
            Subject of each trial (recorded in ``subjects_``; default: the DataArray's
            ``subject`` coord). The global model pools them all, as in the paper.

        Returns
        -------
        self
        """
        _dropout_rates(self.dropout, "dropout")
        _dropout_rates(self.fine_tune_dropout, "fine_tune_dropout")
        self.sfreq_ = _sampling_rate(self.sfreq, X)
        subj = _subjects(X, subject)
        x = _as_epochs(X, self.sfreq_)
        labels = _labels(y, len(x))
        self.classes_, y_idx = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise SchemaError("one class only", field="y", expected=">= 2 target classes",
                              found=f"{self.classes_.tolist()}")
        self.n_chans_, self.n_times_ = int(x.shape[1]), int(x.shape[2])
        sub = self._subbands(x)
        self.scale_ = float(sub.std())
        self.subjects_ = np.unique(subj) if subj is not None else np.array([-1])
        self.stage_ = "global"
        tensors = [torch.from_numpy((sub / self.scale_).astype(np.float32)),
                   torch.from_numpy(y_idx.astype(np.int64))]
        return self._train(tensors, name="ssvep_global")

    # -- stage 2 --------------------------------------------------------------------------
    def fine_tune(self, X: Any, y: ArrayLike) -> SSVEPNetClassifier:
        """Per-subject stage: a copy initialised with this global model, trained on ``X, y``.

        Parameters
        ----------
        X : array-like or xarray.DataArray, shape (n_trials, n_chans, n_times)
            One subject's training epochs (same channels and window length as ``fit``).
        y : array-like, shape (n_trials,)
            Their labels (among ``classes_``).

        Returns
        -------
        SSVEPNetClassifier
            A new fitted estimator (``stage_ == "subject"``); ``self`` is unchanged.
        """
        self._check_fitted()
        x = _as_epochs(X, self.sfreq_)
        if x.shape[1:] != (self.n_chans_, self.n_times_):
            raise SchemaError("epochs differ from the global model's", field="X",
                              expected=f"(n_trials, {self.n_chans_}, {self.n_times_})",
                              found=str(x.shape))
        y_idx = self._label_index(_labels(y, len(x)))
        new = clone(self)
        for name in self._fitted_attrs:
            setattr(new, name, getattr(self, name))
        new.stage_ = "subject"
        module = new._build_module()
        module.load_state_dict(self.module_.state_dict())
        tensors = [torch.from_numpy((self._subbands(x) / self.scale_).astype(np.float32)),
                   torch.from_numpy(y_idx)]
        batch = len(x) if self.fine_tune_batch_size is None else self.fine_tune_batch_size
        new.batch_size = _integer(batch, "fine_tune_batch_size", 1)
        try:
            new._train(tensors, module=module, max_epochs=self.fine_tune_epochs,
                       name="ssvep_subject")
        finally:
            new.batch_size = self.batch_size
        return new

    # -- inference ------------------------------------------------------------------------
    def decision_function(self, X: Any) -> np.ndarray:
        """Logits, shape (n_trials, n_targets), columns in the order of ``classes_``."""
        self._check_fitted()
        x = _as_epochs(X, self.sfreq_)
        if x.shape[1:] != (self.n_chans_, self.n_times_):
            raise SchemaError("epochs differ from the fitted ones", field="X",
                              expected=f"(n_trials, {self.n_chans_}, {self.n_times_})",
                              found=str(x.shape))
        xt = torch.from_numpy((self._subbands(x) / self.scale_).astype(np.float32))
        return self._forward_batches(xt).numpy().astype(np.float64)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax probabilities, shape (n_trials, n_targets)."""
        z = self.decision_function(X)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable target label of each trial, shape (n_trials,)."""
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    # -- helpers --------------------------------------------------------------------------
    def _subbands(self, x: np.ndarray) -> np.ndarray:
        sub = filter_bank(x, self.sfreq_, self.n_subbands, self.low_hz, self.step_hz,
                          self.high_hz, self.filter_order, self.ripple_db)
        return np.ascontiguousarray(np.swapaxes(sub, 1, 2))       # (n, M, C, T)

    def _label_index(self, labels: np.ndarray) -> np.ndarray:
        unknown = np.setdiff1d(labels, self.classes_)
        if unknown.size:
            raise SchemaError("labels the global model was not trained on", field="y",
                              expected=f"labels among {self.classes_.tolist()}",
                              found=f"{unknown.tolist()[:5]}")
        return np.searchsorted(self.classes_, labels).astype(np.int64)


def _labels(y: ArrayLike, n: int) -> np.ndarray:
    labels = np.asarray(y)
    if labels.shape != (n,):
        raise SchemaError("labels do not match the trials", field="y",
                          expected=f"shape ({n},)", found=str(labels.shape))
    return labels


def _subjects(X: Any, subject: ArrayLike | None) -> np.ndarray | None:
    if subject is not None:
        return np.asarray(subject)
    coords = getattr(X, "coords", None)
    if coords is not None and "subject" in coords:
        return np.asarray(coords["subject"].values)
    return None
