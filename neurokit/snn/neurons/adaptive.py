"""Adaptive leaky integrate-and-fire neuron: a threshold that rises with each spike."""

from __future__ import annotations

import math

import torch

from neurokit.errors import ConfigError
from neurokit.snn.base import StepMode
from neurokit.snn.functional.lif import lif_coefficients
from neurokit.snn.neurons._base import BaseNeuron
from neurokit.snn.surrogate import SurrogateLike

__all__ = ["AdaptiveLIF"]


class AdaptiveLIF(BaseNeuron):
    r"""LIF neuron with a spike-triggered adaptive threshold (ALIF, Bellec et al. 2018).

    The membrane follows :class:`~neurokit.snn.neurons.lif.LIF`; each spike raises the
    threshold, which relaxes back with time constant :math:`\tau_a` (in time steps):

    .. math::

        a_t = \rho\, a_{t-1} + S_{t-1}, \qquad \rho = e^{-1/\tau_a}, \qquad
        A_t = V_{th} + \beta a_t,

        H_t = V_{t-1} + \frac{1}{\tau}\left(X_t - (V_{t-1} - V_{reset})\right)
        \quad (\texttt{decay\_input=True}; \text{else } X_t \text{ unscaled}),

        S_t = \Theta(H_t - A_t), \qquad
        V_t = H_t(1 - S_t) + V_{reset} S_t \ \ (\text{hard}), \quad
        V_t = H_t - A_t S_t \ \ (\text{soft, } V_{reset} = \text{None}),

    with :math:`a_0 = 0`. Bellec et al. write the trace as
    :math:`\rho a_{t-1} + (1-\rho) S_{t-1}`; that is this neuron with
    :math:`\beta = \beta_{Bellec}(1 - \rho)`. The gradient flows through the threshold
    (the surrogate sees :math:`H_t - A_t`) and, over time, through :math:`a_t`.

    State: ``v`` (membrane potential) and ``a`` (threshold trace), both registered with
    :meth:`~neurokit.snn.base.StatefulModule.register_memory`.

    Parameters
    ----------
    tau : float
        Membrane time constant in time steps (> 1).
    tau_adapt : float
        Time constant of the threshold trace in time steps (> 0).
    beta : float
        Threshold increase per unit of trace (>= 0; 0 gives a LIF neuron).
    v_threshold, v_reset, surrogate, alpha, detach_reset, step_mode
        See :class:`~neurokit.snn.neurons._base.BaseNeuron` (``v_threshold`` is the baseline
        :math:`V_{th}`).
    decay_input : bool
        Whether the input is scaled by ``1/tau`` too.

    Examples
    --------
    >>> neuron = AdaptiveLIF(tau=2.0, tau_adapt=10.0, beta=1.0)
    >>> neuron(torch.full((6, 1), 2.0)).flatten().tolist()
    [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    """

    def __init__(
        self,
        tau: float = 2.0,
        tau_adapt: float = 20.0,
        beta: float = 0.2,
        v_threshold: float = 1.0,
        v_reset: float | None = 0.0,
        decay_input: bool = True,
        surrogate: SurrogateLike = "sigmoid",
        alpha: float | None = None,
        detach_reset: bool = False,
        step_mode: StepMode = "multi",
    ) -> None:
        super().__init__(v_threshold, v_reset, surrogate, alpha, detach_reset, step_mode)
        if not tau > 1.0:
            raise ConfigError("ALIF time constant must exceed one time step", field="tau",
                              expected="tau > 1", found=repr(tau))
        if not (math.isfinite(tau_adapt) and tau_adapt > 0):
            raise ConfigError("adaptation time constant must be positive", field="tau_adapt",
                              expected="finite tau_adapt > 0", found=repr(tau_adapt))
        if not (math.isfinite(beta) and beta >= 0):
            raise ConfigError("adaptation strength must be non-negative", field="beta",
                              expected="finite beta >= 0", found=repr(beta))
        self.tau = float(tau)
        self.tau_adapt = float(tau_adapt)
        self.beta = float(beta)
        self.decay_input = bool(decay_input)
        self.rho = math.exp(-1.0 / self.tau_adapt)
        self.register_memory("a", 0.0)

    def charge(self, x: torch.Tensor) -> torch.Tensor:
        a, b, c = lif_coefficients(self.tau, self.v_reset, self.decay_input)
        return a * self.v + b * x + c

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.detach_state:
            if isinstance(self.v, torch.Tensor):
                self.v = self.v.detach()
            if isinstance(self.a, torch.Tensor):
                self.a = self.a.detach()
        h = self.charge(x)
        threshold = self.v_threshold + self.beta * self.a
        spike = self.surrogate(h - threshold)
        s = spike.detach() if self.detach_reset else spike
        if self.v_reset is None:
            self.v = h - s * threshold
        else:
            self.v = h * (1.0 - s) + self.v_reset * s
        self.a = self.rho * self.a + spike
        return spike

    def extra_repr(self) -> str:
        return (f"tau={self.tau}, tau_adapt={self.tau_adapt}, beta={self.beta}, "
                f"decay_input={self.decay_input}, " + super().extra_repr())
