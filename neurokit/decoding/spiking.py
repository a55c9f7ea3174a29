r"""Spiking decoder of M/EEG epochs: send-on-delta spikes into an SNN from the engine.

M/EEG is continuous; a spiking network needs events. :class:`SpikingDecoder` turns every
channel of an epoch into ON/OFF spike trains by **delta modulation** (send-on-delta, the
up/down encoding of neuromorphic EEG front-ends): a spike each time the z-scored signal moves
by ``threshold`` since the last one (:func:`neurokit.snn.encoding.delta_encode`), so the spikes
carry the signal's changes and the signal can be rebuilt from them within one threshold
(:func:`reconstruct_delta`). The ``2 x n_channels`` spike trains, one time step per (optionally
decimated) sample, feed an SNN from the engine's registry (:mod:`neurokit.snn.models`; a
fully connected LIF network by default) trained as a classifier with backpropagation through
time by the training core (:class:`neurokit.core.SpikingClassifier`). Its energy is estimated
from the synaptic operations actually triggered by the spikes, next to the same network run as
an ANN (:func:`neurokit.snn.energy.estimate_energy`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import ClassifierMixin

from neurokit.core.estimator import LightningEstimator
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError

__all__ = ["SpikingDecoder", "reconstruct_delta", "DEFAULT_NETWORK_KWARGS"]

#: default architecture arguments per registry name (``n_inputs``/``n_outputs`` are filled in)
DEFAULT_NETWORK_KWARGS: dict[str, dict[str, Any]] = {
    "spiking_mlp": {"hidden": (32,), "neuron": "lif",
                    "neuron_kwargs": {"tau": 10.0, "decay_input": False, "v_reset": None}},
    "delay_snn": {"n_hidden": 64, "n_layers": 1, "max_delay": 5, "tau": 2.0, "dropout": 0.1},
}


def reconstruct_delta(spikes: Any, threshold: float, initial: Any) -> torch.Tensor:
    r"""Rebuild a signal from its delta-modulation spikes (the inverse of ``delta_encode``).

    .. math:: \hat x_t = x_0 + \theta \sum_{s \le t} (\mathrm{ON}_s - \mathrm{OFF}_s),

    which stays within one threshold of the encoded signal: :math:`|x_t - \hat x_t| < \theta`.

    Parameters
    ----------
    spikes : torch.Tensor
        ``[T, ..., 2, C]`` counts from :func:`neurokit.snn.encoding.delta_encode` (ON index 0,
        OFF index 1).
    threshold : float
        The encoder's :math:`\theta`.
    initial : torch.Tensor or array-like
        :math:`x_0`, the first sample ``[..., C]``.

    Returns
    -------
    torch.Tensor
        ``[T, ..., C]``, in the signal's units.

    Examples
    --------
    >>> from neurokit.snn.encoding import delta_encode
    >>> x = torch.tensor([[0.0], [0.25], [0.55], [0.1]])
    >>> rec = reconstruct_delta(delta_encode(x, 0.2), 0.2, x[0])
    >>> bool(((x - rec).abs() < 0.2).all())
    True
    """
    s = torch.as_tensor(spikes)
    if s.dim() < 3 or s.shape[-2] != 2:
        raise SchemaError("delta spikes need an ON/OFF axis", field="spikes",
                          expected="[T, ..., 2, C]", found=f"shape {tuple(s.shape)}")
    steps = (s[..., 0, :] - s[..., 1, :]).cumsum(0)
    x0 = torch.as_tensor(np.asarray(initial), dtype=steps.dtype)
    return x0 + float(threshold) * steps


class SpikingDecoder(ClassifierMixin, LightningEstimator):
    r"""Classify M/EEG epochs with a spiking network on delta-encoded (ON/OFF) spikes.

    Pipeline (learned in ``fit``, applied to every input):

    1. z-score each channel (mean and standard deviation over the training trials and
       samples);
    2. average blocks of ``decimate`` samples (one SNN time step per block);
    3. delta-encode every channel at ``threshold`` (z units) into ON and OFF spike trains
       (:func:`neurokit.snn.encoding.delta_encode`): ``[T, B, 2 x n_channels]``; with
       ``binary=True`` a step that crossed several thresholds at once carries one spike (the
       network's input stays binary, so its first layer is event-driven);
    4. an SNN from the registry (``network``, default ``"spiking_mlp"``: one hidden layer of
       32 LIF neurons with batch norm and a linear readout), class scores = readout averaged
       over time, cross-entropy, BPTT with surrogate gradients
       (:class:`~neurokit.core.classifier.SpikingClassifier`, encoder ``"sequence"``).

    The default neurons integrate their input without decaying it and reset by subtraction
    (LIF with ``tau`` = 10 steps, ``decay_input=False``, ``v_reset=None``): a neuron weighting
    a channel's ON train by :math:`+w` and its OFF train by :math:`-w` then carries a leaky
    running sum of the deltas, i.e. the signal itself (the inverse of the code), and fires when
    it is high. Membranes that leak their input away at every step (``tau`` = 2-4 with input
    decay) see only the changes, whose counts are equal for an evoked response and its
    opposite, and decode worse (on the test data of ``tests/decoding/test_spiking.py``: 0.76
    versus 0.80 held-out accuracy).

    Parameters
    ----------
    threshold : float, default 0.5
        Delta-modulation step :math:`\theta`, in standard deviations of each channel.
    decimate : int, default 1
        Samples averaged into one time step.
    binary : bool, default True
        At most one spike per train and step (see step 3).
    network : str, default "spiking_mlp"
        Architecture name in :data:`neurokit.snn.models.MODELS` that takes ``[T, B, n_inputs]``
        (``"spiking_mlp"``, ``"delay_snn"``).
    network_kwargs : dict, optional
        Its arguments (default :data:`DEFAULT_NETWORK_KWARGS` of the network);
        ``n_inputs`` and ``n_outputs`` are set from the data.
    max_epochs : int, default 30
    batch_size : int, default 32
    lr : float, default 5e-3
        Adam learning rate.
    weight_decay : float, default 0.0
    seed : int, default 0
    run_dir, resume, enable_progress_bar
        See :class:`~neurokit.core.estimator.LightningEstimator`.

    Attributes
    ----------
    classes_ : numpy.ndarray
        Class labels.
    ch_names_ : numpy.ndarray of str
    mean_, std_ : numpy.ndarray, shape (n_channels,)
        Per-channel z-scoring.
    n_inputs_ : int
        ``2 x n_channels`` spike trains.
    n_steps_ : int
        SNN time steps per epoch.
    spike_rate_ : float
        Mean input spikes per train per step on the training data.
    energy_ : xarray.Dataset
        :func:`neurokit.snn.energy.estimate_energy` on (up to 64) training epochs: per layer
        ``macs``, ``sops``, ``energy_snn``, ``energy_ann``; totals in attrs
        (``energy_snn_total``, ``energy_ann_total`` in J per epoch, ``energy_ratio``,
        ``sops_total``, ``energy_ann_sequence_total``, ``energy_ratio_sequence``,
        ``input_spike_rate``). Not kept by :meth:`save` (call :meth:`estimate_energy`).
    module_ : neurokit.core.SpikingClassifier

    Notes
    -----
    Energy (:func:`neurokit.snn.energy.estimate_energy`): a synaptic layer fed with binary
    spikes costs one accumulate (0.9 pJ) per input spike and synapse; one fed with counts
    (``binary=False``, when the signal jumps by several thresholds in one step) is counted as
    dense multiply-accumulates (4.6 pJ) at every step. The engine's ANN reference
    (``energy_ann_total``) is the same network run once on a static input; a non-spiking
    network reading the same sequence runs it at every one of the ``T`` steps, so ``energy_``
    also holds ``energy_ann_sequence_total`` (= ``T x energy_ann_total``) and
    ``energy_ratio_sequence`` (SNN / that), the comparison that fits a decoder of time
    series.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(40) % 2
    >>> t = np.linspace(0, 1, 50)
    >>> X = rng.normal(0, 0.3, (40, 4, 50)).cumsum(-1) * 0.2
    >>> X[:, 0] += np.where(y[:, None] == 1, 1.0, -1.0) * np.sin(np.pi * t)
    >>> dec = SpikingDecoder(max_epochs=3, batch_size=20).fit(X, y)
    >>> dec.predict(X[:3]).shape, dec.energy_.attrs["energy_snn_total"] > 0
    ((3,), True)
    """

    _fitted_attrs: ClassVar[tuple[str, ...]] = (
        "classes_", "ch_names_", "mean_", "std_", "n_inputs_", "n_steps_")

    def __init__(self, threshold: float = 0.5, decimate: int = 1, binary: bool = True,
                 network: str = "spiking_mlp",
                 network_kwargs: Mapping[str, Any] | None = None, max_epochs: int = 30,
                 batch_size: int = 32, lr: float = 5e-3, weight_decay: float = 0.0,
                 seed: int = 0, run_dir: Any = None, resume: bool = False,
                 enable_progress_bar: bool | None = None) -> None:
        self.threshold = threshold
        self.decimate = decimate
        self.binary = binary
        self.network = network
        self.network_kwargs = network_kwargs
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.seed = seed
        self.run_dir = run_dir
        self.resume = resume
        self.enable_progress_bar = enable_progress_bar

    # -- the module -----------------------------------------------------------------------
    def _network_kwargs(self) -> dict[str, Any]:
        kwargs = dict(DEFAULT_NETWORK_KWARGS.get(self.network, {})
                      if self.network_kwargs is None else self.network_kwargs)
        kwargs.update(n_inputs=int(self.n_inputs_), n_outputs=len(self.classes_))
        return kwargs

    def _build_module(self) -> Any:
        from neurokit.core.classifier import SpikingClassifier

        return SpikingClassifier(network=self.network, network_kwargs=self._network_kwargs(),
                                 encoder="sequence", training_method="bptt", lr=self.lr,
                                 weight_decay=self.weight_decay)

    def _check_params(self) -> None:
        try:
            theta = float(self.threshold)
        except (TypeError, ValueError):
            theta = float("nan")
        if not (math.isfinite(theta) and theta > 0):
            raise ConfigError("delta threshold must be positive", field="threshold",
                              expected="a finite number > 0 (z units)",
                              found=repr(self.threshold))
        if isinstance(self.decimate, bool) or not isinstance(self.decimate, (int, np.integer)) \
                or self.decimate < 1:
            raise ConfigError("bad decimation factor", field="decimate",
                              expected="an integer >= 1", found=repr(self.decimate))
        from neurokit.snn.models import get_model_class

        get_model_class(self.network)  # ConfigError naming the known architectures

    # -- encoding -------------------------------------------------------------------------
    def encode(self, X: Any) -> torch.Tensor:
        """Delta spikes of epochs ``X``: ``[n_trials, n_steps, 2 x n_channels]`` (batch first).

        Features ``0..C-1`` are the ON trains of the channels, ``C..2C-1`` the OFF trains.
        """
        self._check_fitted_encoding()
        data, names = _read_epochs(X, list(self.ch_names_))
        if list(names) != list(self.ch_names_):
            raise SchemaError("channels differ from the training channels", field="channel",
                              expected=f"{list(self.ch_names_)[:8]}",
                              found=f"{list(names)[:8]}")
        return self._encode_array(data)

    def _encode_array(self, data: np.ndarray) -> torch.Tensor:
        from neurokit.snn.encoding import delta_encode

        z = (data - self.mean_[None, :, None]) / self.std_[None, :, None]
        d = int(self.decimate)
        n_steps = z.shape[2] // d
        if n_steps < 2:
            raise SchemaError("epochs too short for this decimation", field="time",
                              expected=f">= {2 * d} samples", found=f"{z.shape[2]}")
        z = z[:, :, :n_steps * d].reshape(z.shape[0], z.shape[1], n_steps, d).mean(-1)
        signal = torch.as_tensor(z, dtype=torch.float32).permute(2, 0, 1)  # [T, B, C]
        spikes = delta_encode(signal, float(self.threshold))                 # [T, B, 2, C]
        if self.binary:
            spikes = spikes.clamp_max(1.0)
        return spikes.flatten(2).transpose(0, 1).contiguous()               # [B, T, 2C]

    def _check_fitted_encoding(self) -> None:
        if not hasattr(self, "mean_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    # -- fit / predict --------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> SpikingDecoder:
        """Train on epochs ``X`` ``(trial, channel, time)`` and labels ``y``.

        Parameters
        ----------
        X : xarray.DataArray or numpy.ndarray
            Epochs; a DataArray may carry the labels as a ``label`` coordinate on ``trial``.
        y : array-like, shape (n_trials,), optional
            Class labels (default: ``X.label``).

        Returns
        -------
        self

        Raises
        ------
        neurokit.errors.MissingDataError
            No labels.
        neurokit.errors.InvalidValueError
            NaN/inf or flat channels (named), fewer than two classes.
        neurokit.errors.SchemaError
            Wrong dims or label count.
        neurokit.errors.ConfigError
            Bad parameters or an unknown network.
        """
        self._check_params()
        data, names = _read_epochs(X, None)
        labels = _read_labels(X, y, data.shape[0])
        self.classes_, index = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise InvalidValueError("a classifier needs at least two classes", field="label",
                                    expected=">= 2 distinct labels",
                                    found=f"only {self.classes_.tolist()}")
        std = data.std(axis=(0, 2))
        flat = np.flatnonzero(std == 0)
        if flat.size:
            raise InvalidValueError("flat channel(s): constant over all trials and samples",
                                    field="X", expected="channels with some variance",
                                    found=", ".join(names[i] for i in flat[:20]))
        self.ch_names_ = np.asarray(names, dtype=str)
        self.mean_ = data.mean(axis=(0, 2))
        self.std_ = std
        spikes = self._encode_array(data)
        self.n_inputs_ = int(spikes.shape[2])
        self.n_steps_ = int(spikes.shape[1])
        self.spike_rate_ = float((spikes > 0).float().mean())
        self._train([spikes, torch.as_tensor(index, dtype=torch.long)])
        self.energy_ = self._energy(spikes[:64])
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Class scores ``(n_trials, n_classes)``: the readout averaged over time."""
        self._check_fitted()
        spikes = self.encode(X)
        return self._forward_batches(spikes, fn=lambda m, xb: m.scores(m(xb))).numpy()

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax of :meth:`decision_function`, ``(n_trials, n_classes)``."""
        return torch.softmax(torch.as_tensor(self.decision_function(X)), dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels ``(n_trials,)``."""
        return self.classes_[self.decision_function(X).argmax(1)]

    # -- energy ---------------------------------------------------------------------------
    def _energy(self, spikes: torch.Tensor) -> Any:
        from neurokit.snn.energy import estimate_energy

        ds = estimate_energy(self.module_.net, spikes.transpose(0, 1).contiguous())
        steps = int(spikes.shape[1])
        ann_sequence = float(ds.attrs["energy_ann_total"]) * steps
        ds.attrs["input_spike_rate"] = float((spikes > 0).float().mean())
        ds.attrs["energy_ann_sequence_total"] = ann_sequence
        ds.attrs["energy_ratio_sequence"] = (float(ds.attrs["energy_snn_total"]) / ann_sequence
                                             if ann_sequence > 0 else float("nan"))
        ds.attrs["description"] = (
            "synaptic operations and energy per epoch of the SNN on its delta spikes versus "
            "the same network run as an ANN (Horowitz 2014 energies)")
        return ds

    def estimate_energy(self, X: Any) -> Any:
        """Synaptic operations and energy per epoch on epochs ``X`` (see ``energy_``).

        Returns
        -------
        xarray.Dataset
            As :func:`neurokit.snn.energy.estimate_energy`, plus attrs ``input_spike_rate``,
            ``energy_ann_sequence_total`` and ``energy_ratio_sequence`` (see Notes).
        """
        self._check_fitted()
        return self._energy(self.encode(X))


# -- input checks -------------------------------------------------------------------------
def _read_epochs(X: Any, default_names: list[str] | None) -> tuple[np.ndarray, list[str]]:
    import sys

    xr = sys.modules.get("xarray")
    if xr is not None and isinstance(X, xr.DataArray):
        if set(X.dims) != {"trial", "channel", "time"}:
            raise SchemaError("epochs need dims trial, channel and time", field="X",
                              expected="dims ('trial', 'channel', 'time')",
                              found=f"dims {X.dims}")
        da = X.transpose("trial", "channel", "time")
        data = np.asarray(da.values, dtype=float)
        names = ([str(c) for c in da["channel"].values] if "channel" in da.coords
                 else [f"ch{i}" for i in range(data.shape[1])])
    else:
        data = np.asarray(X, dtype=float)
        if data.ndim != 3:
            raise SchemaError("epochs need 3 dims", field="X", expected="(trial, channel, time)",
                              found=f"shape {data.shape}")
        names = (list(default_names) if default_names is not None
                 and len(default_names) == data.shape[1]
                 else [f"ch{i}" for i in range(data.shape[1])])
    if not np.isfinite(data).all():
        bad = np.flatnonzero(~np.isfinite(data).all(axis=(0, 2)))
        raise InvalidValueError("non-finite values in the epochs", field="X",
                                expected="finite numbers",
                                found="NaN/inf in channel(s) "
                                + ", ".join(names[i] for i in bad[:20]))
    return data, names


def _read_labels(X: Any, y: Any, n_trials: int) -> np.ndarray:
    if y is None:
        coords = getattr(X, "coords", None)
        if coords is None or "label" not in coords:
            raise MissingDataError("no labels", field="label",
                                   expected="y, or a 'label' coordinate on trial",
                                   found="neither")
        y = X["label"].values
    labels = np.asarray(y)
    if labels.shape != (n_trials,):
        raise SchemaError("one label per trial", field="y", expected=f"{n_trials} labels",
                          found=f"shape {labels.shape}")
    return labels
