r"""Convolutional EEG decoders: ShallowConvNet, EEGNet, Deep4Net and a scikit-learn front.

=====================  =========================================================================
name                   what it is
=====================  =========================================================================
``ShallowConvNet``     Schirrmeister et al. 2017 shallow net: temporal + spatial conv, BN,
                       square, mean-pool, log (an end-to-end filter-bank CSP)
``EEGNet``             Lawhern et al. 2018, EEGNet-F1,D (default 8,2): temporal conv,
                       depthwise spatial conv (max-norm 1), separable conv, dense (max-norm 0.25)
``Deep4Net``           Schirrmeister et al. 2017 deep ConvNet: four conv-pool blocks
``EEGClassifier``      scikit-learn estimator training any of them through :mod:`neurokit.core`
``ConvNetClassifier``  the :class:`~neurokit.core.NeurokitModule` it trains (cross-entropy,
                       AdamW + cosine schedule, max-norm projection after each step)
=====================  =========================================================================

All networks speak braindecode's vocabulary (``n_chans``, ``n_outputs``, ``n_times``, ``sfreq``,
``drop_prob``, ``final_conv_length="auto"``), take a batch ``(batch, n_chans, n_times)`` and
return logits ``(batch, n_outputs)``; with the same arguments they have exactly the parameter
counts of braindecode 1.8's ``ShallowFBCSPNet``, ``EEGNet`` and ``Deep4Net`` (tested by hand-
computed counts).

Implementation choices a reviewer may care about
------------------------------------------------
* The first two layers of ShallowConvNet and Deep4Net (a temporal convolution ``(1, k)`` with
  ``F_t`` filters, then a spatial convolution over all channels with ``F_s`` filters and no
  non-linearity in between) are one linear map. They keep their two weight tensors (the
  paper's factorisation and parameter count) but run as a single ``conv1d`` with the product
  kernel :math:`W_{fck} = \sum_g S_{fgc} T_{gk}` and bias :math:`b_f = \sum_{g,c} S_{fgc} t_g`,
  which is exact and :math:`F_t/F_s + F_t/k` times cheaper than the two convolutions
  (2.6x for ShallowConvNet's defaults).
* EEGNet's block 1 (temporal convolution, BN, depthwise spatial convolution) runs spatial
  filters first: a ``(F1 D) x C`` projection, then a depthwise temporal convolution, with BN's
  batch statistics obtained in closed form from the mean and covariance of the input windows
  (:meth:`EEGNet._block1`). Same outputs, gradients and running statistics as the plain
  layers (tested against them) without forming the ``(batch, F1, C, T)`` map: on 64 channels
  a training step is several times cheaper. An input that requires gradients (saliency maps)
  takes the plain path.
* Max-norm constraints (EEGNet) are applied as in the paper's Keras code: a projection of each
  output filter's weight vector onto the ball of the given norm after every optimiser step
  (:meth:`EEGNet.apply_max_norm`), not a re-parametrisation inside ``forward``.
* The classifier is a convolution over the last feature map whose length is
  ``final_conv_length`` (``"auto"``: the whole map, a dense layer). A shorter integer slides it
  over time, and the logits of the windows are averaged, so the output is always
  ``(batch, n_outputs)``.
* Weights are Glorot-uniform, biases zero, BN scale one (the papers' Lasagne/Keras defaults).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import ClassifierMixin
from torch import nn

from neurokit.core.classifier import Classifier
from neurokit.core.estimator import LightningEstimator
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError

__all__ = [
    "ShallowConvNet",
    "EEGNet",
    "Deep4Net",
    "EEGClassifier",
    "ConvNetClassifier",
    "CNN_MODELS",
]


# -- shared pieces -------------------------------------------------------------------------
def _positive_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError("bad network size", field=field, expected="an integer >= 1",
                          found=repr(value))
    return int(value)


def _probability(value: Any, field: str) -> float:
    if not isinstance(value, (int, float)) or not 0.0 <= float(value) < 1.0:
        raise ConfigError("bad dropout probability", field=field, expected="a number in [0, 1)",
                          found=repr(value))
    return float(value)


def _glorot_(weight: torch.Tensor) -> None:
    nn.init.xavier_uniform_(weight, gain=1.0)


class _EEGConvNet(nn.Module):
    """Signal vocabulary, input checks, the classifier head and max-norm for the three nets."""

    def __init__(self, n_chans: int, n_outputs: int, n_times: int, sfreq: float | None,
                 final_conv_length: int | str) -> None:
        super().__init__()
        self.n_chans = _positive_int(n_chans, "n_chans")
        self.n_outputs = _positive_int(n_outputs, "n_outputs")
        self.n_times = _positive_int(n_times, "n_times")
        if sfreq is not None and not (isinstance(sfreq, (int, float)) and sfreq > 0
                                      and math.isfinite(sfreq)):
            raise ConfigError("bad sampling rate", field="sfreq", expected="a number > 0 (Hz)",
                              found=repr(sfreq))
        self.sfreq = None if sfreq is None else float(sfreq)
        if final_conv_length != "auto":
            _positive_int(final_conv_length, "final_conv_length")
        self._final_conv_length = final_conv_length
        self._max_norms: list[tuple[str, float]] = []  # (parameter name, max norm)

    # subclasses: the length of the last feature map for an input of n samples
    def _feature_length(self, n: int) -> int:
        raise NotImplementedError

    def _min_times(self) -> int:
        n = 1
        while self._feature_length(n) < 1:
            n += 1
        return n

    def _head(self, n_features: int) -> nn.Conv1d:
        """The classifier convolution over the last feature map ``(batch, n_features, L)``."""
        length = self._feature_length(self.n_times)
        if length < 1:
            raise ConfigError(
                f"input too short for {type(self).__name__}", field="n_times",
                expected=f">= {self._min_times()} samples with these kernel and pooling sizes",
                found=str(self.n_times))
        if self._final_conv_length == "auto":
            self.final_conv_length = length
        else:
            self.final_conv_length = int(self._final_conv_length)
            if self.final_conv_length > length:
                raise ConfigError("final convolution longer than the last feature map",
                                  field="final_conv_length", expected=f"<= {length} or 'auto'",
                                  found=str(self.final_conv_length))
        head = nn.Conv1d(n_features, self.n_outputs, self.final_conv_length, bias=True)
        _glorot_(head.weight)
        nn.init.zeros_(head.bias)
        return head

    def _check_input(self, x: torch.Tensor) -> None:
        if x.dim() != 3 or x.shape[1] != self.n_chans:
            raise SchemaError(f"bad input to {type(self).__name__}", field="x",
                              expected=f"(batch, n_chans={self.n_chans}, time)",
                              found=f"shape {tuple(x.shape)}")
        if self._feature_length(x.shape[2]) < self.final_conv_length:
            raise SchemaError(f"input too short for {type(self).__name__}", field="x",
                              expected=f">= {self.n_times} time samples",
                              found=f"{x.shape[2]}")

    @staticmethod
    def _pool_logits(logits: torch.Tensor) -> torch.Tensor:
        # (batch, n_outputs, n_windows) -> (batch, n_outputs)
        return logits[..., 0] if logits.shape[-1] == 1 else logits.mean(-1)

    @torch.no_grad()
    def apply_max_norm(self) -> None:
        """Project every max-norm constrained weight back onto its ball (in place).

        Each output filter (slice along dim 0) whose L2 norm exceeds the bound is rescaled to
        it; call after every optimiser step (:class:`ConvNetClassifier` does).
        """
        params = dict(self.named_parameters())
        for name, bound in self._max_norms:
            w = params[name]
            w.copy_(torch.renorm(w, 2, 0, bound))

    def extra_repr(self) -> str:
        return (f"n_chans={self.n_chans}, n_outputs={self.n_outputs}, n_times={self.n_times}, "
                f"sfreq={self.sfreq}, final_conv_length={self.final_conv_length}")


def _conv_out(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    return (n + 2 * padding - kernel) // stride + 1


class _TemporalSpatialConv(nn.Module):
    r"""Temporal convolution (``F_t`` filters of length ``k``, with bias) followed by a spatial
    convolution over all channels (``F_s`` filters, no bias), run as one ``conv1d``.

    Weights keep the factorised shapes ``temporal`` ``(F_t, 1, k)`` and ``spatial``
    ``(F_s, F_t, C)`` (the parameter count of the two layers); the product kernel
    :math:`W_{fck} = \sum_g S_{fgc} T_{gk}` and bias :math:`b_f = \sum_{g,c} S_{fgc} t_g` give
    the same output as the two convolutions in sequence.
    """

    def __init__(self, n_chans: int, n_filters_time: int, n_filters_spat: int,
                 filter_time_length: int) -> None:
        super().__init__()
        self.temporal = nn.Parameter(torch.empty(n_filters_time, 1, filter_time_length))
        self.temporal_bias = nn.Parameter(torch.zeros(n_filters_time))
        self.spatial = nn.Parameter(torch.empty(n_filters_spat, n_filters_time, n_chans))
        _glorot_(self.temporal)  # fans of a Conv2d(1, F_t, (k, 1)) / Conv2d(F_t, F_s, (1, C))
        _glorot_(self.spatial)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = torch.einsum("fgc,gk->fck", self.spatial, self.temporal[:, 0])
        bias = torch.einsum("fgc,g->f", self.spatial, self.temporal_bias)
        return F.conv1d(x, weight, bias)


def _batch_norm(n: int, momentum: float, eps: float = 1e-5) -> nn.BatchNorm1d:
    bn = nn.BatchNorm1d(n, momentum=momentum, eps=eps, affine=True)
    nn.init.ones_(bn.weight)
    nn.init.zeros_(bn.bias)
    return bn


# -- ShallowConvNet --------------------------------------------------------------------------
class ShallowConvNet(_EEGConvNet):
    r"""Shallow ConvNet of Schirrmeister et al. (2017), an end-to-end learned filter-bank CSP.

    .. math::

        h &= \mathrm{BN}\Big(\sum_c S_{\cdot c} * (T * x_c)\Big)  &&\text{temporal conv
        (40 x 25) then spatial conv (40 x C)} \\
        z &= \log\big(\max(\mathrm{AvgPool}_{75, 15}(h^2),\ 10^{-6})\big)
        &&\text{log band power in sliding windows} \\
        \hat{y} &= W * \mathrm{Dropout}(z) + b &&\text{dense classifier (a conv over time)}

    Parameters
    ----------
    n_chans : int
        Number of EEG channels ``C``.
    n_outputs : int
        Number of classes.
    n_times : int
        Samples per trial (>= ``filter_time_length + pool_time_length - 1``).
    sfreq : float, optional
        Sampling rate in Hz (metadata; the kernel sizes are in samples, tuned in the paper
        for 250 Hz).
    n_filters_time, filter_time_length : int, default 40, 25
        Temporal filters and their length (samples).
    n_filters_spat : int, default 40
        Spatial filters.
    pool_time_length, pool_time_stride : int, default 75, 15
        Mean-pooling window and stride (samples).
    final_conv_length : int or "auto", default "auto"
    drop_prob : float, default 0.5
    batch_norm_alpha : float, default 0.1
        BatchNorm momentum.

    Notes
    -----
    Input ``(batch, n_chans, n_times)`` (any unit; standardise it first), output logits
    ``(batch, n_outputs)``. Parameters:
    :math:`F_t k + F_t + F_s F_t C + 2 F_s + n_\mathrm{out}(F_s L + 1)` with
    :math:`L = \lfloor (n_\mathrm{times} - k + 1 - 75) / 15 \rfloor + 1`.

    References
    ----------
    Schirrmeister, R. T. et al. (2017). Deep learning with convolutional neural networks for
    EEG decoding and visualization. Human Brain Mapping 38, 5391-5420.

    Examples
    --------
    >>> net = ShallowConvNet(n_chans=3, n_outputs=2, n_times=200)
    >>> net(torch.zeros(4, 3, 200)).shape, sum(p.numel() for p in net.parameters())
    (torch.Size([4, 2]), 6482)
    """

    def __init__(
        self,
        n_chans: int,
        n_outputs: int,
        n_times: int,
        sfreq: float | None = None,
        *,
        n_filters_time: int = 40,
        filter_time_length: int = 25,
        n_filters_spat: int = 40,
        pool_time_length: int = 75,
        pool_time_stride: int = 15,
        final_conv_length: int | str = "auto",
        drop_prob: float = 0.5,
        batch_norm_alpha: float = 0.1,
    ) -> None:
        super().__init__(n_chans, n_outputs, n_times, sfreq, final_conv_length)
        self.filter_time_length = _positive_int(filter_time_length, "filter_time_length")
        self.pool_time_length = _positive_int(pool_time_length, "pool_time_length")
        self.pool_time_stride = _positive_int(pool_time_stride, "pool_time_stride")
        n_spat = _positive_int(n_filters_spat, "n_filters_spat")
        self.conv_time_spat = _TemporalSpatialConv(
            self.n_chans, _positive_int(n_filters_time, "n_filters_time"), n_spat,
            self.filter_time_length)
        self.bnorm = _batch_norm(n_spat, momentum=float(batch_norm_alpha))
        self.drop = nn.Dropout(_probability(drop_prob, "drop_prob"))
        self.classifier = self._head(n_spat)

    def _feature_length(self, n: int) -> int:
        n = _conv_out(n, self.filter_time_length)
        return _conv_out(n, self.pool_time_length, self.pool_time_stride) if n > 0 else 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_outputs)`` of a batch ``x`` ``(batch, n_chans, time)``."""
        self._check_input(x)
        h = self.bnorm(self.conv_time_spat(x))
        h = F.avg_pool1d(h * h, self.pool_time_length, self.pool_time_stride)
        h = self.drop(torch.log(torch.clamp(h, min=1e-6)))
        return self._pool_logits(self.classifier(h))


# -- EEGNet ----------------------------------------------------------------------------------
class EEGNet(_EEGConvNet):
    r"""EEGNet of Lawhern et al. (2018), default EEGNet-8,2.

    Block 1: temporal convolution with ``F1`` kernels of length ``kernel_length`` (a learned
    filter bank), BN, a depthwise spatial convolution giving ``D`` spatial filters per temporal
    filter (each with L2 norm <= ``conv_spatial_max_norm``), BN, ELU, mean-pool 4, dropout.
    Block 2: separable convolution (depthwise temporal, length ``depthwise_kernel_length``, then
    pointwise to ``F2`` maps), BN, ELU, mean-pool 8, dropout. Classifier: dense softmax layer
    whose per-class weight vectors have L2 norm <= ``norm_rate``.

    Parameters
    ----------
    n_chans, n_outputs, n_times : int
        Channels, classes, samples per trial (>= 27 with the default pools).
    sfreq : float, optional
        Sampling rate in Hz (metadata; the paper's ``kernel_length`` is half the sampling
        rate: 64 at 128 Hz).
    F1 : int, default 8
        Temporal filters.
    D : int, default 2
        Spatial filters per temporal filter.
    F2 : int, optional
        Pointwise filters (default ``F1 * D``).
    kernel_length : int, default 64
    depthwise_kernel_length : int, default 16
    pool1_kernel_size, pool2_kernel_size : int, default 4, 8
    conv_spatial_max_norm : float, default 1.0
    norm_rate : float, default 0.25
        Max-norm of the classifier weights.
    final_conv_length : int or "auto", default "auto"
    drop_prob : float, default 0.25
        0.25 for cross-subject, 0.5 within-subject in the paper.
    batch_norm_momentum, batch_norm_eps : float, default 0.01, 1e-3
        Keras' BatchNormalization defaults (momentum 0.99 in Keras' convention).

    Notes
    -----
    Convolutions are padded by ``kernel // 2`` on both sides (braindecode's choice: an even
    kernel gives one extra sample; Keras' ``"same"`` gives none), so the last feature map has
    :math:`L = \lfloor (\lfloor (n_\mathrm{times} + 1) / 4 \rfloor + 1) / 8 \rfloor` samples
    and the parameter count equals braindecode's ``EEGNet``:
    :math:`64 F_1 + 2F_1 + F_1 D C + 2 F_1 D + 16 F_1 D + F_1 D F_2 + 2F_2 +
    n_\mathrm{out}(F_2 L + 1)`.
    Max-norm constraints are projections after each optimiser step (:meth:`apply_max_norm`),
    as Keras' ``kernel_constraint``. Block 1 is computed spatial filters first
    (:meth:`_block1`, exact; see the module notes).

    References
    ----------
    Lawhern, V. J. et al. (2018). EEGNet: a compact convolutional neural network for EEG-based
    brain-computer interfaces. Journal of Neural Engineering 15, 056013.

    Examples
    --------
    >>> net = EEGNet(n_chans=3, n_outputs=2, n_times=200)
    >>> net(torch.zeros(4, 3, 200)).shape, sum(p.numel() for p in net.parameters())
    (torch.Size([4, 2]), 1346)
    """

    def __init__(
        self,
        n_chans: int,
        n_outputs: int,
        n_times: int,
        sfreq: float | None = None,
        *,
        F1: int = 8,
        D: int = 2,
        F2: int | None = None,
        kernel_length: int = 64,
        depthwise_kernel_length: int = 16,
        pool1_kernel_size: int = 4,
        pool2_kernel_size: int = 8,
        conv_spatial_max_norm: float = 1.0,
        norm_rate: float = 0.25,
        final_conv_length: int | str = "auto",
        drop_prob: float = 0.25,
        batch_norm_momentum: float = 0.01,
        batch_norm_eps: float = 1e-3,
    ) -> None:
        super().__init__(n_chans, n_outputs, n_times, sfreq, final_conv_length)
        f1, d = _positive_int(F1, "F1"), _positive_int(D, "D")
        f2 = f1 * d if F2 is None else _positive_int(F2, "F2")
        self.F1, self.D, self.F2 = f1, d, f2
        self.kernel_length = _positive_int(kernel_length, "kernel_length")
        self.depthwise_kernel_length = _positive_int(depthwise_kernel_length,
                                                     "depthwise_kernel_length")
        self.pool1_kernel_size = _positive_int(pool1_kernel_size, "pool1_kernel_size")
        self.pool2_kernel_size = _positive_int(pool2_kernel_size, "pool2_kernel_size")
        for name, bound in (("conv_spatial_max_norm", conv_spatial_max_norm),
                            ("norm_rate", norm_rate)):
            if not isinstance(bound, (int, float)) or not bound > 0:
                raise ConfigError("bad max-norm bound", field=name, expected="a number > 0",
                                  found=repr(bound))
        bn = {"momentum": float(batch_norm_momentum), "eps": float(batch_norm_eps)}
        p = _probability(drop_prob, "drop_prob")

        # block 1: parameters of the paper's two layers (see _block1 for how they run)
        self.conv_temporal = nn.Conv2d(1, f1, (1, self.kernel_length), bias=False,
                                       padding=(0, self.kernel_length // 2))
        self.bnorm_temporal = nn.BatchNorm2d(f1, **bn)
        self.conv_spatial = nn.Conv2d(f1, f1 * d, (self.n_chans, 1), bias=False, groups=f1)
        self.bnorm_1 = nn.BatchNorm1d(f1 * d, **bn)
        self.drop_1 = nn.Dropout(p)
        # block 2: separable convolution
        self.conv_separable_depth = nn.Conv1d(
            f1 * d, f1 * d, self.depthwise_kernel_length, bias=False, groups=f1 * d,
            padding=self.depthwise_kernel_length // 2)
        self.conv_separable_point = nn.Conv1d(f1 * d, f2, 1, bias=False)
        self.bnorm_2 = nn.BatchNorm1d(f2, **bn)
        self.drop_2 = nn.Dropout(p)
        for conv in (self.conv_temporal, self.conv_spatial, self.conv_separable_depth,
                     self.conv_separable_point):
            _glorot_(conv.weight)
        self.classifier = self._head(f2)
        self._max_norms = [("conv_spatial.weight", float(conv_spatial_max_norm)),
                           ("classifier.weight", float(norm_rate))]
        self.apply_max_norm()

    def _feature_length(self, n: int) -> int:
        k1, k2 = self.kernel_length, self.depthwise_kernel_length
        n = _conv_out(n, k1, padding=k1 // 2) // self.pool1_kernel_size
        return _conv_out(n, k2, padding=k2 // 2) // self.pool2_kernel_size if n > 0 else 0

    def _block1_reference(self, x: torch.Tensor) -> torch.Tensor:
        """Temporal conv, BN, depthwise spatial conv as in the paper: ``(B, F1 D, T')``."""
        u = self.bnorm_temporal(self.conv_temporal(x.unsqueeze(1)))  # (B, F1, C, T')
        return F.conv2d(u, self.conv_spatial.weight, groups=self.F1)[:, :, 0]

    def _block1(self, x: torch.Tensor) -> torch.Tensor:
        r"""The same map as :meth:`_block1_reference`, spatial filters first.

        With :math:`u_{bcft} = \sum_k h_{fk} x_{bc,t+k}` (padded input), BN's affine map
        :math:`a_f u + c_f` and spatial weights :math:`w_{fdc}`,

        .. math:: z_{bfdt} = a_f \sum_k h_{fk} \Big(\sum_c w_{fdc} x_{bc,t+k}\Big)
                  + c_f \sum_c w_{fdc},

        a spatial projection (``F1 D`` x ``C``) then a depthwise temporal convolution,
        without ever forming the ``(B, F1, C, T')`` map. In training, BN's batch mean and
        variance of :math:`u_f` are :math:`h_f^\top m` and :math:`h_f^\top \Sigma h_f`,
        with :math:`m, \Sigma` the mean and covariance of all length-``k`` input windows
        (:func:`_window_moments`); they carry the gradient to :math:`h` like BN does. The
        running statistics are updated as :class:`torch.nn.BatchNorm2d` would.
        """
        if x.requires_grad:  # input gradients (saliency): the plain path
            return self._block1_reference(x)
        b, c, t = x.shape
        f1, d, k = self.F1, self.D, self.kernel_length
        pad = k // 2
        n_out = t + 2 * pad - k + 1
        h = self.conv_temporal.weight.view(f1, k)
        w = self.conv_spatial.weight.view(f1 * d, c)
        s = F.pad(torch.matmul(w, x), (pad, pad))  # (B, F1 D, T + 2 pad)
        g = _DepthwiseConv1d.apply(s, h.repeat_interleave(d, 0).unsqueeze(1))
        bn = self.bnorm_temporal
        if bn.training:
            with torch.no_grad():
                m, cov = _window_moments(x.reshape(b * c, t), k, pad, n_out)
            mean = h @ m.to(h.dtype)
            var = ((h @ cov.to(h.dtype)) * h).sum(1)
            _update_running_stats(bn, mean.detach(), var.detach(), b * c * n_out)
        else:
            mean, var = bn.running_mean, bn.running_var
        a = bn.weight / torch.sqrt(var + bn.eps)
        shift = (bn.bias - a * mean).repeat_interleave(d) * w.sum(1)
        return g * a.repeat_interleave(d)[:, None] + shift[:, None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_outputs)`` of a batch ``x`` ``(batch, n_chans, time)``."""
        self._check_input(x)
        h = F.elu(self.bnorm_1(self._block1(x)))  # (B, F1 D, T')
        h = self.drop_1(F.avg_pool1d(h, self.pool1_kernel_size))
        h = self.conv_separable_point(self.conv_separable_depth(h))
        h = F.elu(self.bnorm_2(h))
        h = self.drop_2(F.avg_pool1d(h, self.pool2_kernel_size))
        return self._pool_logits(self.classifier(h))


class _DepthwiseConv1d(torch.autograd.Function):
    """``F.conv1d(s, weight, groups=n_channels)`` with a fast weight gradient.

    oneDNN's depthwise weight gradient is slow for long kernels; here it is the correlation
    of each input row with its output gradient, one grouped convolution over
    ``batch x channels`` groups (summed over the batch); the input gradient is the full
    convolution with the flipped kernel.
    """

    @staticmethod
    def forward(ctx: Any, s: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(s, weight)
        return F.conv1d(s, weight, groups=weight.shape[0])

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        s, weight = ctx.saved_tensors
        channels, _, k = weight.shape
        grad_s = grad_w = None
        if ctx.needs_input_grad[0]:
            grad_s = F.conv1d(F.pad(grad, (k - 1, k - 1)), weight.flip(-1), groups=channels)
        if ctx.needs_input_grad[1]:
            b, _, n = s.shape
            grad_w = F.conv1d(s.reshape(1, b * channels, n),
                              grad.reshape(b * channels, 1, grad.shape[-1]),
                              groups=b * channels).view(b, channels, k).sum(0).unsqueeze(1)
        return grad_s, grad_w


def _update_running_stats(bn: nn.modules.batchnorm._BatchNorm, mean: torch.Tensor,
                          var: torch.Tensor, n: int) -> None:
    """BatchNorm's running-statistics update from a batch mean and biased variance."""
    if not bn.track_running_stats:
        return
    with torch.no_grad():
        bn.num_batches_tracked.add_(1)
        factor = (1.0 / float(bn.num_batches_tracked) if bn.momentum is None
                  else float(bn.momentum))
        bn.running_mean.mul_(1 - factor).add_(factor * mean)
        bn.running_var.mul_(1 - factor).add_(factor * var * n / max(n - 1, 1))


def _window_moments(x: torch.Tensor, k: int, pad: int, n_out: int,
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Mean ``(k,)`` and covariance ``(k, k)`` (float64) of the length-``k`` windows
    :math:`(\tilde x_{n, t - pad + j})_{j<k}`, ``t < n_out``, of the zero-padded rows of ``x``
    ``(rows, T)``.

    Exact and cheap: rows are centred first (their means are added back in closed form, so
    large offsets cost no precision); the lagged products
    :math:`P_{sq} = \sum_n y_{ns} y_{n,s+q}` come from one batched matrix product over blocks
    of ``k`` samples, and window sums from their prefix sums.
    """
    rows, t_len = x.shape
    mu32 = x.mean(1)
    mu = mu32.double()
    nb = -(-t_len // k)
    # centred rows, time-major and zero-padded to whole blocks: (nb + 1) x k x rows
    # (any per-row shift is exact below; the row mean keeps the products small)
    buf = x.new_empty(((nb + 1) * k, rows))
    torch.sub(x.T, mu32, out=buf[:t_len])
    buf[t_len:] = 0
    y_t = buf[:t_len]  # (T, rows)
    blocks = buf.view(nb + 1, k, rows)
    left = blocks[:-1]
    gram = torch.cat([torch.bmm(left, left.transpose(1, 2)),
                      torch.bmm(left, blocks[1:].transpose(1, 2))], 2)  # (nb, k, 2k)
    ar = torch.arange(k)
    lagged = gram[:, ar[:, None], ar[:, None] + ar[None, :]].reshape(nb * k, k)[:t_len]
    zero = torch.zeros(1, k, dtype=torch.float64)
    cum_p = torch.cat([zero, lagged.double().cumsum(0)])  # (T + 1, k): prefix over s, per lag
    cum_z = torch.cat([zero[0, :1], torch.mv(y_t, mu32).double().cumsum(0)])
    cum_x = torch.cat([zero[0, :1], x.sum(0).double().cumsum(0)])
    j, i = ar[:, None], ar[None, :]
    # window starts t for which both samples j and i fall inside the signal
    lo = torch.clamp(torch.maximum(pad - j, pad - i), min=0)
    hi = torch.minimum(torch.minimum(t_len - 1 + pad - j, t_len - 1 + pad - i),
                       torch.tensor(n_out - 1))
    inside = hi >= lo
    jmin, lag = torch.minimum(j, i), (i - j).abs()
    s_lo, s_hi = (lo - pad + jmin).clamp(0, t_len), (hi - pad + jmin + 1).clamp(0, t_len)
    r_y = torch.where(inside, cum_p[s_hi, lag] - cum_p[s_lo, lag], 0.0)
    s_lo, s_hi = (lo - pad + j).clamp(0, t_len), (hi - pad + j + 1).clamp(0, t_len)
    cross = torch.where(inside, cum_z[s_hi] - cum_z[s_lo], 0.0)
    count = torch.where(inside, (hi - lo + 1).double(), 0.0)
    second = r_y + cross + cross.T + (mu * mu).sum() * count
    lo1 = torch.clamp(pad - ar, min=0)
    hi1 = torch.minimum(t_len - 1 + pad - ar, torch.tensor(n_out - 1))
    first = torch.where(hi1 >= lo1, cum_x[(hi1 - pad + ar + 1).clamp(0, t_len)]
                        - cum_x[(lo1 - pad + ar).clamp(0, t_len)], 0.0)
    n = rows * n_out
    mean = first / n
    return mean, second / n - torch.outer(mean, mean)


# -- Deep4Net --------------------------------------------------------------------------------
class Deep4Net(_EEGConvNet):
    r"""Deep ConvNet of Schirrmeister et al. (2017): four convolution + max-pool blocks.

    Block 1: temporal conv (25 x 10) and spatial conv (25 x C) without non-linearity between,
    BN, ELU, max-pool 3 stride 3. Blocks 2-4: dropout, conv of length 10 (50, 100, 200
    filters), BN, ELU, max-pool 3 stride 3. Dense classifier over the last map.

    Parameters
    ----------
    n_chans, n_outputs, n_times : int
        Channels, classes, samples per trial (>= 441 with the defaults; a shorter input raises
        :class:`~neurokit.errors.ConfigError`, where braindecode shrinks the kernels silently).
    sfreq : float, optional
        Sampling rate in Hz (metadata; kernels tuned for 250 Hz in the paper).
    n_filters_time, n_filters_spat, filter_time_length : int, default 25, 25, 10
    n_filters_2, n_filters_3, n_filters_4 : int, default 50, 100, 200
    filter_length_2, filter_length_3, filter_length_4 : int, default 10
    pool_time_length, pool_time_stride : int, default 3, 3
    final_conv_length : int or "auto", default "auto"
    drop_prob : float, default 0.5
    batch_norm_alpha : float, default 0.1

    Notes
    -----
    Input ``(batch, n_chans, n_times)``, output logits ``(batch, n_outputs)``; parameter count
    equals braindecode's ``Deep4Net`` for the same arguments.

    References
    ----------
    Schirrmeister, R. T. et al. (2017). Deep learning with convolutional neural networks for
    EEG decoding and visualization. Human Brain Mapping 38, 5391-5420.

    Examples
    --------
    >>> net = Deep4Net(n_chans=8, n_outputs=3, n_times=500)
    >>> net(torch.zeros(2, 8, 500)).shape, sum(p.numel() for p in net.parameters())
    (torch.Size([2, 3]), 269128)
    """

    def __init__(
        self,
        n_chans: int,
        n_outputs: int,
        n_times: int,
        sfreq: float | None = None,
        *,
        n_filters_time: int = 25,
        n_filters_spat: int = 25,
        filter_time_length: int = 10,
        n_filters_2: int = 50,
        filter_length_2: int = 10,
        n_filters_3: int = 100,
        filter_length_3: int = 10,
        n_filters_4: int = 200,
        filter_length_4: int = 10,
        pool_time_length: int = 3,
        pool_time_stride: int = 3,
        final_conv_length: int | str = "auto",
        drop_prob: float = 0.5,
        batch_norm_alpha: float = 0.1,
    ) -> None:
        super().__init__(n_chans, n_outputs, n_times, sfreq, final_conv_length)
        self.pool_time_length = _positive_int(pool_time_length, "pool_time_length")
        self.pool_time_stride = _positive_int(pool_time_stride, "pool_time_stride")
        widths = [_positive_int(n_filters_spat, "n_filters_spat"),
                  _positive_int(n_filters_2, "n_filters_2"),
                  _positive_int(n_filters_3, "n_filters_3"),
                  _positive_int(n_filters_4, "n_filters_4")]
        self.filter_lengths = [_positive_int(v, f) for v, f in (
            (filter_time_length, "filter_time_length"), (filter_length_2, "filter_length_2"),
            (filter_length_3, "filter_length_3"), (filter_length_4, "filter_length_4"))]
        momentum = float(batch_norm_alpha)
        p = _probability(drop_prob, "drop_prob")
        self.conv_time_spat = _TemporalSpatialConv(
            self.n_chans, _positive_int(n_filters_time, "n_filters_time"), widths[0],
            self.filter_lengths[0])
        self.bnorm = _batch_norm(widths[0], momentum)
        self.blocks = nn.ModuleList()
        for n_in, n_out, k in zip(widths[:-1], widths[1:], self.filter_lengths[1:],
                                  strict=True):
            conv = nn.Conv1d(n_in, n_out, k, bias=False)
            _glorot_(conv.weight)
            self.blocks.append(nn.Sequential(nn.Dropout(p), conv, _batch_norm(n_out, momentum)))
        self.classifier = self._head(widths[-1])

    def _feature_length(self, n: int) -> int:
        for k in self.filter_lengths:
            n = _conv_out(n, k)
            if n < self.pool_time_length:
                return 0
            n = _conv_out(n, self.pool_time_length, self.pool_time_stride)
        return n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_outputs)`` of a batch ``x`` ``(batch, n_chans, time)``."""
        self._check_input(x)
        k, s = self.pool_time_length, self.pool_time_stride
        h = F.max_pool1d(F.elu(self.bnorm(self.conv_time_spat(x))), k, s)
        for block in self.blocks:
            h = F.max_pool1d(F.elu(block(h)), k, s)
        return self._pool_logits(self.classifier(h))


#: architecture names accepted by :class:`EEGClassifier`
CNN_MODELS: dict[str, type[_EEGConvNet]] = {
    "shallow": ShallowConvNet,
    "eegnet": EEGNet,
    "deep4": Deep4Net,
}

# learning rate and weight decay of braindecode's examples (AdamW + cosine), per architecture
_TRAINING_DEFAULTS: dict[str, tuple[float, float]] = {
    "shallow": (0.0625 * 0.01, 0.0),
    "deep4": (1.0 * 0.01, 0.5 * 0.001),
    "eegnet": (1e-3, 0.0),
}


# -- the Lightning module --------------------------------------------------------------------
class ConvNetClassifier(Classifier):
    """Cross-entropy classifier over an EEG network, projecting max-norm constrained weights
    after every optimiser step.

    Parameters
    ----------
    net : torch.nn.Module
        Maps ``(batch, n_chans, n_times)`` to logits; when it has an ``apply_max_norm()``
        method, that runs after each step.
    optimizer, lr, weight_decay, scheduler
        See :class:`~neurokit.core.NeurokitModule` (default AdamW with a cosine schedule, as
        braindecode's examples).

    Examples
    --------
    >>> clf = ConvNetClassifier(EEGNet(n_chans=2, n_outputs=2, n_times=64))
    >>> x, y = torch.zeros(3, 2, 64), torch.tensor([0, 1, 1])
    >>> sorted(clf.compute((x, y), "val"))
    ['accuracy', 'loss']
    """

    def __init__(self, net: nn.Module, optimizer: str = "adamw", lr: float = 1e-3,
                 weight_decay: float = 0.0, scheduler: str | None = "cosine") -> None:
        super().__init__(net, optimizer=optimizer, lr=lr, weight_decay=weight_decay,
                         scheduler=scheduler)

    def optimizer_step(self, *args: Any, **kwargs: Any) -> Any:
        out = super().optimizer_step(*args, **kwargs)
        constrain = getattr(self.net, "apply_max_norm", None)
        if callable(constrain):
            constrain()
        return out


# -- the scikit-learn estimator --------------------------------------------------------------
_STANDARDIZE = ("channel", "trial", None)


class EEGClassifier(ClassifierMixin, LightningEstimator):
    """Scikit-learn classifier of EEG/MEG epochs with a convolutional network.

    Parameters
    ----------
    model : {"shallow", "eegnet", "deep4"} or type, default "shallow"
        :class:`ShallowConvNet`, :class:`EEGNet`, :class:`Deep4Net`, or any ``nn.Module``
        class built as ``model(n_chans=, n_outputs=, n_times=, sfreq=, **model_kwargs)``
        returning logits (:meth:`save` stores names only: it refuses an estimator built on a
        class).
    model_kwargs : dict, optional
        Extra architecture arguments (``drop_prob``, ``F1``, ``final_conv_length``...).
    standardize : {"channel", "trial", None}, default "channel"
        Input scaling, applied identically in ``fit`` and ``predict``:
        ``"channel"`` z-scores each channel with the mean and standard deviation over the
        training trials and time (stored as ``mean_``/``scale_``): like braindecode's
        motor-imagery examples (scaling to microvolts, then exponential moving standardisation
        whose time constant of seconds keeps power differences between trials), it makes
        the inputs O(1) without erasing the band-power differences between trials and channels
        the networks decode. ``"trial"`` z-scores each channel of each trial on its own
        (stateless; removes overall power differences). ``None``: raw values.
    max_epochs : int, default 30
    batch_size : int, default 32
    lr, weight_decay : float, optional
        Default: braindecode's example settings per architecture (shallow 6.25e-4 / 0,
        deep4 1e-2 / 5e-4, eegnet 1e-3 / 0; 1e-3 / 0 for a custom class).
    optimizer : {"adamw", "adam", "sgd"}, default "adamw"
    scheduler : {"cosine", "step", None}, default "cosine"
        Cosine annealing of the learning rate to 0 over ``max_epochs``.
    val_fraction : float, default 0.0
        Fraction of the training trials (stratified by class, seeded) held out for
        ``val/loss``/``val/accuracy`` in the logs; no early stopping.
    seed : int, default 0
        Seed of initial weights, batch order, dropout and the validation split.
    run_dir : path, optional
        Keep the run folder (config, CSV log, checkpoints) there; default: nothing on disk.
    resume : bool, default False
        Continue the latest run in ``run_dir``.
    enable_progress_bar : bool, optional

    Attributes
    ----------
    classes_ : ndarray
        Class labels, sorted; outputs of the network follow this order.
    n_chans_, n_times_ : int
    sfreq_ : float or None
        From ``X.attrs["sampling_rate"]`` when ``X`` is a DataArray.
    ch_names_ : list of str or None
        Channel names of the training data (DataArray input); ``predict`` reorders a
        DataArray's channels to them.
    mean_, scale_ : ndarray of shape (n_chans,) or None
        Standardisation statistics (``standardize="channel"``).
    module_ : ConvNetClassifier
    fit_metrics_ : dict

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(32) % 2
    >>> X = rng.normal(size=(32, 2, 64)).astype("float32")
    >>> X[y == 1, 0] *= 3.0  # class 1: more power at channel 0
    >>> clf = EEGClassifier("eegnet", max_epochs=3, lr=1e-2, batch_size=16).fit(X, y)
    >>> clf.predict(X[:4]).shape, clf.predict_proba(X[:4]).shape
    ((4,), (4, 2))
    """

    _fitted_attrs: ClassVar[tuple[str, ...]] = (
        "classes_", "n_chans_", "n_times_", "sfreq_", "ch_names_", "mean_", "scale_")

    def __init__(
        self,
        model: str | type = "shallow",
        *,
        model_kwargs: dict[str, Any] | None = None,
        standardize: str | None = "channel",
        max_epochs: int = 30,
        batch_size: int = 32,
        lr: float | None = None,
        weight_decay: float | None = None,
        optimizer: str = "adamw",
        scheduler: str | None = "cosine",
        val_fraction: float = 0.0,
        seed: int = 0,
        run_dir: str | None = None,
        resume: bool = False,
        enable_progress_bar: bool | None = None,
    ) -> None:
        self.model = model
        self.model_kwargs = model_kwargs
        self.standardize = standardize
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.val_fraction = val_fraction
        self.seed = seed
        self.run_dir = run_dir
        self.resume = resume
        self.enable_progress_bar = enable_progress_bar

    # -- building ---------------------------------------------------------------------------
    def _model_class(self) -> type[nn.Module]:
        if isinstance(self.model, str):
            if self.model not in CNN_MODELS:
                raise ConfigError("unknown network", field="model",
                                  expected="one of " + ", ".join(CNN_MODELS) +
                                  " or an nn.Module class", found=repr(self.model))
            return CNN_MODELS[self.model]
        if isinstance(self.model, type) and issubclass(self.model, nn.Module):
            return self.model
        raise ConfigError("bad network", field="model",
                          expected="one of " + ", ".join(CNN_MODELS) + " or an nn.Module class",
                          found=type(self.model).__name__)

    def _training_defaults(self) -> tuple[float, float]:
        lr, wd = _TRAINING_DEFAULTS.get(self.model if isinstance(self.model, str) else "",
                                        (1e-3, 0.0))
        return (lr if self.lr is None else self.lr,
                wd if self.weight_decay is None else self.weight_decay)

    def _build_module(self) -> ConvNetClassifier:
        kwargs = dict(self.model_kwargs or {})
        clash = {"n_chans", "n_outputs", "n_times", "sfreq"} & set(kwargs)
        if clash:
            raise ConfigError("signal shape given twice", field="model_kwargs",
                              expected="no n_chans/n_outputs/n_times/sfreq (taken from the data)",
                              found=", ".join(sorted(clash)))
        try:
            net = self._model_class()(n_chans=int(self.n_chans_),
                                      n_outputs=len(self.classes_), n_times=int(self.n_times_),
                                      sfreq=self.sfreq_, **kwargs)
        except TypeError as err:
            raise ConfigError(f"bad architecture arguments: {err}", field="model_kwargs",
                              found=repr(kwargs)) from err
        lr, wd = self._training_defaults()
        return ConvNetClassifier(net, optimizer=self.optimizer, lr=lr, weight_decay=wd,
                                 scheduler=self.scheduler)

    # -- data -------------------------------------------------------------------------------
    def _scale(self, x: np.ndarray, where: str) -> np.ndarray:
        if self.standardize == "channel":
            return (x - self.mean_[None, :, None]) / self.scale_[None, :, None]
        if self.standardize == "trial":
            std = x.std(axis=2, keepdims=True)
            flat = np.argwhere(std[..., 0] == 0)
            if len(flat):
                t, c = flat[0]
                raise InvalidValueError("flat channel in a trial (cannot z-score it)",
                                        field=where, expected="a non-constant signal",
                                        found=f"trial {t}, channel {self._ch_name(c)}")
            return (x - x.mean(axis=2, keepdims=True)) / std
        return x

    def _ch_name(self, c: int) -> str:
        names = getattr(self, "ch_names_", None)
        return repr(names[c]) if names else str(int(c))

    def fit(self, X: Any, y: Any = None) -> EEGClassifier:
        """Train the network on epochs ``X`` with labels ``y``.

        Parameters
        ----------
        X : xarray.DataArray or array-like, shape (trial, channel, time)
            A DataArray with dims ``("trial", "channel", "time")`` (any order), its sampling
            rate in ``attrs["sampling_rate"]`` and, when ``y`` is None, a ``label`` coord on
            ``trial``; or a plain array in that order.
        y : array-like of shape (trial,), optional
            Class labels (any hashable values).

        Returns
        -------
        self

        Raises
        ------
        neurokit.errors.SchemaError
            Wrong dims, or ``y`` of another length than the trials.
        neurokit.errors.MissingDataError
            No ``y`` and no ``label`` coord.
        neurokit.errors.InvalidValueError
            NaN/inf (naming trial and channel), a flat channel, fewer than two classes.
        neurokit.errors.ConfigError
            Unknown network or standardisation, bad architecture arguments or fractions.
        """
        if self.standardize not in _STANDARDIZE:
            raise ConfigError("unknown standardisation", field="standardize",
                              expected="'channel', 'trial' or None", found=repr(self.standardize))
        if not (isinstance(self.val_fraction, (int, float)) and 0 <= self.val_fraction < 1):
            raise ConfigError("bad validation fraction", field="val_fraction",
                              expected="a number in [0, 1)", found=repr(self.val_fraction))
        self._model_class()
        x, labels, ch_names, sfreq = _epochs(X, y, need_labels=True)
        self.ch_names_, self.sfreq_ = ch_names, sfreq
        self.n_chans_, self.n_times_ = int(x.shape[1]), int(x.shape[2])
        _check_finite(x, ch_names, "X")
        self.classes_, y_idx = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise InvalidValueError("a classifier needs at least two classes", field="y",
                                    expected=">= 2 distinct labels",
                                    found=f"only {self.classes_.tolist()}")
        self.mean_ = self.scale_ = None
        if self.standardize == "channel":
            self.mean_ = x.mean(axis=(0, 2))
            self.scale_ = x.std(axis=(0, 2))
            if np.any(self.scale_ == 0):
                c = int(np.flatnonzero(self.scale_ == 0)[0])
                raise InvalidValueError("flat channel (zero variance over all trials)",
                                        field="X", expected="a non-constant signal",
                                        found=f"channel {self._ch_name(c)}")
        xt = torch.from_numpy(np.ascontiguousarray(self._scale(x, "X"), dtype=np.float32))
        yt = torch.from_numpy(y_idx.astype(np.int64))
        val_idx = _stratified_holdout(y_idx, float(self.val_fraction), int(self.seed))
        if len(val_idx):
            keep = np.setdiff1d(np.arange(len(y_idx)), val_idx)
            return self._train([xt[keep], yt[keep]], [xt[val_idx], yt[val_idx]])
        return self._train([xt, yt])

    def _prepare(self, X: Any) -> torch.Tensor:
        self._check_fitted()
        x, _, ch_names, sfreq = _epochs(X, None, need_labels=False, order=self.ch_names_)
        if x.shape[1] != self.n_chans_:
            raise SchemaError("wrong number of channels", field="channel",
                              expected=f"{self.n_chans_} channels as in fit",
                              found=f"{x.shape[1]}")
        if x.shape[2] != self.n_times_:
            raise SchemaError("wrong number of time samples", field="time",
                              expected=f"{self.n_times_} samples as in fit",
                              found=f"{x.shape[2]}")
        if sfreq is not None and self.sfreq_ is not None and not np.isclose(sfreq, self.sfreq_):
            raise SchemaError("sampling rate differs from the training data",
                              field="sampling_rate", expected=f"{self.sfreq_} Hz",
                              found=f"{sfreq} Hz")
        _check_finite(x, ch_names, "X")
        return torch.from_numpy(np.ascontiguousarray(self._scale(x, "X"), dtype=np.float32))

    def decision_function(self, X: Any) -> np.ndarray:
        """Logits, shape ``(trial, n_classes)``, columns in ``classes_`` order."""
        return self._forward_batches(self._prepare(X)).numpy()

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (softmax of the logits), shape ``(trial, n_classes)``."""
        return torch.softmax(self._forward_batches(self._prepare(X)), dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels, shape ``(trial,)`` (values of ``classes_``)."""
        return self.classes_[self.decision_function(X).argmax(axis=1)]


# -- input helpers ---------------------------------------------------------------------------
def _epochs(X: Any, y: Any, *, need_labels: bool, order: Sequence[str] | None = None,
            ) -> tuple[np.ndarray, np.ndarray | None, list[str] | None, float | None]:
    """``(x (trial, channel, time) float, labels, channel names, sampling rate)``."""
    import xarray as xr

    ch_names: list[str] | None = None
    sfreq: float | None = None
    labels = None
    if isinstance(X, xr.DataArray):
        dims = ("trial", "channel", "time")
        if set(X.dims) != set(dims):
            raise SchemaError("epochs must have dims (trial, channel, time)", field="X",
                              expected=str(dims), found=str(tuple(X.dims)))
        X = X.transpose(*dims)
        if "channel" in X.coords:
            names = [str(c) for c in X["channel"].values]
            if order is not None:
                missing = [c for c in order if c not in names]
                if missing:
                    raise MissingDataError("channels of the training data are missing",
                                           field="channel", expected=f"channels {list(order)}",
                                           found=f"missing {missing}")
                if names != list(order):
                    X = X.isel(channel=[names.index(c) for c in order])
                    names = list(order)
            ch_names = names
        if "sampling_rate" in X.attrs:
            sfreq = float(X.attrs["sampling_rate"])
        if "label" in X.coords:
            labels = np.asarray(X["label"].values)
        x = np.asarray(X.values)
    else:
        x = np.asarray(X)
        if x.ndim != 3:
            raise SchemaError("epochs must be 3-D", field="X",
                              expected="(trial, channel, time)", found=f"shape {x.shape}")
    if x.dtype.kind not in "biuf":
        raise SchemaError("epochs must be numeric", field="X", expected="a float array",
                          found=str(x.dtype))
    if y is not None:
        labels = np.asarray(y)
        if labels.ndim != 1 or len(labels) != x.shape[0]:
            raise SchemaError("one label per trial", field="y",
                              expected=f"shape ({x.shape[0]},)", found=f"shape {labels.shape}")
    elif need_labels and labels is None:
        raise MissingDataError("no labels", field="label",
                               expected="y, or a 'label' coord on the trial dim of X")
    if x.shape[0] == 0:
        raise SchemaError("no trials", field="X", expected=">= 1 trial", found="0")
    return x.astype(np.float64, copy=False), labels, ch_names, sfreq


def _check_finite(x: np.ndarray, ch_names: list[str] | None, field: str) -> None:
    bad = ~np.isfinite(x)
    if bad.any():
        t, c, s = np.argwhere(bad)[0]
        name = repr(ch_names[c]) if ch_names else str(int(c))
        raise InvalidValueError("NaN or inf in the epochs", field=field,
                                expected="finite values",
                                found=f"{int(bad.sum())} values, first at trial {t}, "
                                      f"channel {name}, sample {s}")


def _stratified_holdout(y_idx: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Indices of a seeded, class-stratified hold-out of about ``fraction`` of the trials."""
    if fraction <= 0:
        return np.empty(0, dtype=np.int64)
    rng = np.random.default_rng([seed, 1])
    out = []
    for k in np.unique(y_idx):
        idx = np.flatnonzero(y_idx == k)
        n = int(round(fraction * len(idx)))
        if n >= len(idx) or (n == 0 and fraction > 0 and len(idx) > 1):
            n = min(max(n, 1), len(idx) - 1)
        out.append(rng.permutation(idx)[:n])
    return np.sort(np.concatenate(out)).astype(np.int64)
