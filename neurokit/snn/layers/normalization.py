r"""Threshold-dependent batch normalisation through time (tdBN; Zheng et al., AAAI 2021).

Statistics are taken per channel over time, batch and space together, and the normalised
pre-activations are scaled to the firing threshold so that, at initialisation, each neuron's
input has a spread of :math:`\alpha V_{th}`: neither silent nor saturated.

Reference: H. Zheng, Y. Wu, L. Deng, Y. Hu, G. Li (2021). "Going Deeper With Directly-Trained
Larger Spiking Neural Networks". AAAI 35(12), 11062-11070.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import check_sequence

__all__ = ["TemporalBatchNorm"]


class TemporalBatchNorm(nn.Module):
    r"""tdBN: batch norm over ``(T, B, spatial)`` per channel, scaled to the threshold.

    For channel :math:`c` with inputs :math:`x` over all time steps, samples and positions,

    .. math::

        \mu_c = \mathrm{E}[x], \qquad \sigma_c^2 = \mathrm{Var}[x] \ \text{(biased)},

        y = \lambda_c \, \frac{\alpha V_{th} (x - \mu_c)}{\sqrt{\sigma_c^2 + \epsilon}}
            + \beta_c,

    with learnable :math:`\lambda_c` (``weight``, init 1) and :math:`\beta_c` (``bias``,
    init 0). In training mode the batch statistics are used and running estimates are updated
    (:math:`\hat\mu \leftarrow (1-m)\hat\mu + m\mu`, the variance with the unbiased estimate,
    like ``nn.BatchNorm``); in eval mode the running estimates are used. It equals
    ``nn.BatchNorm{1,2}d`` applied to the time-merged input ``[T*B, C, ...]`` with its affine
    weight multiplied by :math:`\alpha V_{th}`.

    Parameters
    ----------
    num_features : int
        Channels ``C``.
    v_threshold : float
        Firing threshold :math:`V_{th}` of the neurons this layer feeds.
    alpha : float
        :math:`\alpha`; the paper uses 1, and :math:`1/\sqrt 2` before a residual sum.
    eps : float
        :math:`\epsilon`, added to the variance.
    momentum : float or None
        Update rate of the running statistics; ``None``: cumulative average.

    Notes
    -----
    Input ``[T, B, C]``, ``[T, B, C, L]`` or ``[T, B, C, H, W]``; output of the same shape.

    Examples
    --------
    >>> bn = TemporalBatchNorm(4, v_threshold=0.5)
    >>> y = bn(torch.randn(6, 8, 4, 5, 5))                    # [T, B, C, H, W]
    >>> round(y.transpose(0, 2).flatten(1).std(1, unbiased=False).mean().item(), 3)
    0.5
    """

    def __init__(self, num_features: int, v_threshold: float = 1.0, alpha: float = 1.0,
                 eps: float = 1e-5, momentum: float | None = 0.1) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int) \
                or num_features < 1:
            raise ConfigError("number of channels must be a positive integer",
                              field="num_features", expected="an int >= 1",
                              found=repr(num_features))
        for name, value in (("v_threshold", v_threshold), ("alpha", alpha), ("eps", eps)):
            if not (math.isfinite(float(value)) and float(value) > 0):
                raise ConfigError("must be a positive number", field=name,
                                  expected="a finite number > 0", found=repr(value))
        if momentum is not None and not 0.0 <= float(momentum) <= 1.0:
            raise ConfigError("momentum out of range", field="momentum",
                              expected="0 <= momentum <= 1 or None", found=repr(momentum))
        self.num_features = num_features
        self.v_threshold = float(v_threshold)
        self.alpha = float(alpha)
        self.eps = float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, no batch seen."""
        self.running_mean.zero_()
        self.running_var.fill_(1.0)
        self.num_batches_tracked.zero_()

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """Normalise ``[T, B, C, ...]``; returns the same shape."""
        check_sequence(x_seq, min_ndim=3, name=type(self).__name__, layout="[T, B, C, ...]")
        if x_seq.dim() > 5 or x_seq.shape[2] != self.num_features:
            raise SchemaError("input does not match the layer", field=type(self).__name__,
                              expected=f"[T, B, C={self.num_features}] or [T, B, C, (L | H, W)]",
                              found=f"shape {tuple(x_seq.shape)}")
        if self.training:
            self.num_batches_tracked.add_(1)
            factor = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                      else self.momentum)
        else:
            factor = 0.0
        scale = self.weight * (self.alpha * self.v_threshold)
        y = F.batch_norm(x_seq.flatten(0, 1), self.running_mean, self.running_var, scale,
                         self.bias, self.training, factor, self.eps)
        return y.view(x_seq.shape)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, v_threshold={self.v_threshold}, alpha={self.alpha}, "
                f"eps={self.eps}, momentum={self.momentum}")
