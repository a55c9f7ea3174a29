r"""Learnable synaptic delays: dilated convolution with learnable spacings across time.

Hammouamri, Khalfaoui-Hassani & Masquelier (ICLR 2024), "Learning Delays in Spiking Neural
Networks using Dilated Convolutions with Learnable Spacings" (DCLS-delays). Every synapse
:math:`i \to j` has a weight :math:`w_{ji}` and a real-valued delay :math:`d_{ji}` (time steps).
The synapse is a temporal kernel of :math:`K = D_{max} + 1` taps whose only mass sits at the
delay, spread by a Gaussian of width :math:`\sigma` so that the delay gets a gradient:

.. math::

    k_{ji}[n] = w_{ji}\,
        \frac{\exp\!\left(-\tfrac12 \left(\frac{n - d_{ji}}{\sigma}\right)^2\right)}
             {\sum_{m=0}^{K-1} \exp\!\left(-\tfrac12 \left(\frac{m - d_{ji}}{\sigma}\right)^2
              \right) + \epsilon},
    \qquad n = 0, \dots, D_{max},

(the Gaussian is normalised over the kernel so the synapse carries total weight
:math:`\approx w_{ji}` whatever :math:`\sigma`) and the layer is a causal convolution over time
(zero left padding of :math:`D_{max}` steps):

.. math::

    y_j[t] = \sum_i \sum_{n=0}^{D_{max}} k_{ji}[n]\, x_i[t - n] \; (+\, b_j).

Tap :math:`n` is a delay of :math:`n` steps. Delays are clamped to :math:`[0, D_{max}]` before
every training forward pass (the paper clamps the positions after each update). :math:`\sigma`
is not learned: it starts wide (``sigma_init``, default :math:`D_{max}/2` as in the paper) and is
decreased during training toward ~0.5 (:meth:`DelayLinear.set_sigma`,
:func:`sigma_schedule`), after which :meth:`DelayLinear.round_delays` gives integer delays.
In the paper's notation the kernel is centred (positions :math:`p \in [-K//2, K//2]`, right
padding); here tap index = delay, which is the same kernel read from the other end.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import check_sequence

__all__ = ["DelayLinear", "sigma_schedule"]


def sigma_schedule(
    epoch: int, n_epochs: int, sigma_init: float, sigma_final: float = 0.5,
    decay_fraction: float = 0.25,
) -> float:
    r"""Exponential decrease of the Gaussian width from ``sigma_init`` to ``sigma_final``.

    .. math::

        \sigma_e = \sigma_0 \left(\frac{\sigma_f}{\sigma_0}\right)^{\min(e / E_d,\, 1)},
        \qquad E_d = \max(1, \lfloor f \cdot n_{epochs} \rfloor),

    the paper's schedule: :math:`\sigma` reaches :math:`\sigma_f` after a fraction ``f`` of the
    training (a quarter) and stays there.

    Parameters
    ----------
    epoch : int
        Current epoch (0-based).
    n_epochs : int
        Total number of epochs.
    sigma_init, sigma_final : float
        Widths (time steps) at the start and at the end of the decay.
    decay_fraction : float
        Fraction of the epochs over which :math:`\sigma` decays.

    Returns
    -------
    float
        :math:`\sigma` for ``epoch`` (time steps).

    Examples
    --------
    >>> sigma_schedule(0, 8, 4.0), sigma_schedule(2, 8, 4.0), sigma_schedule(7, 8, 4.0)
    (4.0, 0.5, 0.5)
    """
    if sigma_init <= 0 or sigma_final <= 0:
        raise ConfigError("Gaussian widths must be positive", field="sigma",
                          expected="> 0", found=f"{sigma_init}, {sigma_final}")
    n_decay = max(1, int(decay_fraction * n_epochs))
    progress = min(max(epoch, 0) / n_decay, 1.0)
    return float(sigma_init * (sigma_final / sigma_init) ** progress)


class DelayLinear(nn.Module):
    r"""Fully connected layer whose synapses have learnable delays (DCLS-delays).

    See the module docstring for the equations.

    Parameters
    ----------
    in_features, out_features : int
        Number of input and output neurons.
    max_delay : int
        Largest delay :math:`D_{max}` in time steps (kernel of ``max_delay + 1`` taps).
    sigma_init : float, optional
        Initial Gaussian width in time steps; default ``max(max_delay / 2, 0.5)`` (the paper).
    bias : bool
        Add a learnable bias (the paper uses none).
    delay_init : {"uniform", "zero"}
        Initial delays: uniform on :math:`[0, D_{max}]` (the paper) or all zero.
    eps : float
        :math:`\epsilon` of the normalisation.

    Attributes
    ----------
    weight : torch.nn.Parameter
        ``[out_features, in_features]``, Kaiming-uniform (ReLU gain) as in the paper.
    delay : torch.nn.Parameter
        ``[out_features, in_features]`` real-valued delays in time steps (see :attr:`delays`).
    sigma : torch.Tensor
        Buffer, the current Gaussian width (time steps).

    Examples
    --------
    >>> layer = DelayLinear(3, 2, max_delay=4)
    >>> layer(torch.zeros(10, 5, 3)).shape       # [T, B, in] -> [T, B, out]
    torch.Size([10, 5, 2])
    >>> layer.kernel().shape                      # [out, in, max_delay + 1]
    torch.Size([2, 3, 5])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        max_delay: int,
        sigma_init: float | None = None,
        bias: bool = False,
        delay_init: str = "uniform",
        eps: float = 1e-7,
    ) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if int(value) < 1:
                raise ConfigError("layer size must be positive", field=name, expected=">= 1",
                                  found=repr(value))
        if int(max_delay) < 0:
            raise ConfigError("negative largest delay", field="max_delay", expected=">= 0",
                              found=repr(max_delay))
        if delay_init not in ("uniform", "zero"):
            raise ConfigError("unknown delay initialisation", field="delay_init",
                              expected="'uniform' or 'zero'", found=repr(delay_init))
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.max_delay = int(max_delay)
        self.eps = float(eps)
        self.delay_init = delay_init
        self.weight = nn.Parameter(torch.empty(self.out_features, self.in_features))
        self.delay = nn.Parameter(torch.empty(self.out_features, self.in_features))
        self.bias = nn.Parameter(torch.zeros(self.out_features)) if bias else None
        sigma0 = max(self.max_delay / 2.0, 0.5) if sigma_init is None else float(sigma_init)
        self.register_buffer("sigma", torch.tensor(0.0))
        self.set_sigma(sigma0)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Kaiming-uniform weights (ReLU gain), delays uniform on [0, max_delay] (or zero)."""
        nn.init.kaiming_uniform_(self.weight, nonlinearity="relu")
        with torch.no_grad():
            if self.delay_init == "uniform":
                self.delay.uniform_(0.0, float(self.max_delay))
            else:
                self.delay.zero_()
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            nn.init.uniform_(self.bias, -bound, bound)

    def set_sigma(self, sigma: float) -> None:
        """Set the Gaussian width :math:`\\sigma` (time steps, > 0), e.g. from
        :func:`sigma_schedule` at the start of each epoch."""
        if not float(sigma) > 0:
            raise ConfigError("Gaussian width must be positive", field="sigma", expected="> 0",
                              found=repr(sigma))
        self.sigma.fill_(float(sigma))

    @property
    def delays(self) -> torch.Tensor:
        """Delays ``[out_features, in_features]`` in time steps, clamped to [0, max_delay]
        (a detached copy)."""
        return self.delay.detach().clamp(0.0, float(self.max_delay)).clone()

    @torch.no_grad()
    def clamp_delays(self) -> None:
        """Clamp the delay parameters in place to :math:`[0, D_{max}]`."""
        self.delay.clamp_(0.0, float(self.max_delay))

    @torch.no_grad()
    def round_delays(self) -> None:
        """Round the delays to whole time steps (the paper's final, inference-time delays);
        use it with a small :math:`\\sigma` (e.g. ``set_sigma(1e-3)``) for exact shifts."""
        self.delay.round_()
        self.clamp_delays()

    def kernel(self) -> torch.Tensor:
        """The temporal kernels :math:`k_{ji}[n]`, ``[out_features, in_features, max_delay + 1]``
        (tap ``n`` = delay of ``n`` steps)."""
        taps = torch.arange(self.max_delay + 1, dtype=self.weight.dtype,
                            device=self.weight.device)
        sigma = self.sigma.to(self.weight.dtype)
        gauss = torch.exp(-0.5 * ((taps - self.delay.unsqueeze(-1)) / sigma).square())
        gauss = gauss / (gauss.sum(-1, keepdim=True) + self.eps)
        return self.weight.unsqueeze(-1) * gauss

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """``[T, B, in_features] -> [T, B, out_features]`` (causal: output at ``t`` only sees
        inputs at ``t' <= t``)."""
        check_sequence(x_seq, ndim=3, name=type(self).__name__, layout="[T, B, in_features]")
        if x_seq.shape[-1] != self.in_features:
            raise SchemaError("wrong number of input features", field=type(self).__name__,
                              expected=f"{self.in_features} features (last dim)",
                              found=f"shape {tuple(x_seq.shape)}")
        if self.training:
            self.clamp_delays()
        # conv1d is a cross-correlation: flip the taps so tap n multiplies x[t - n]
        weight = self.kernel().flip(-1)
        x = F.pad(x_seq.permute(1, 2, 0), (self.max_delay, 0))  # [B, in, max_delay + T]
        y = F.conv1d(x, weight, self.bias)  # [B, out, T]
        return y.permute(2, 0, 1)

    def synaptic_macs(self, input_shape: tuple[int, ...] | torch.Size | torch.Tensor) -> int:
        """Multiply-accumulates of the equal dense layer for an input (or its shape)
        ``[T, B, in_features]``: ``T * B * in_features * out_features`` (one weight per
        synapse after rounding; the Gaussian spread is a training device).

        Examples
        --------
        >>> DelayLinear(4, 3, max_delay=2).synaptic_macs((10, 2, 4))
        240
        >>> DelayLinear(4, 3, max_delay=2).synaptic_macs(torch.zeros(10, 2, 4))
        240
        """
        if isinstance(input_shape, torch.Tensor):
            input_shape = input_shape.shape
        steps, batch = int(input_shape[0]), int(input_shape[1])
        return steps * batch * self.in_features * self.out_features

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"max_delay={self.max_delay}, sigma={float(self.sigma):.3g}, "
                f"bias={self.bias is not None}")
