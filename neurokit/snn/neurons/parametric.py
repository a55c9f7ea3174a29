"""Parametric leaky integrate-and-fire neuron (learnable membrane time constant)."""

from __future__ import annotations

import math

import torch
from torch import nn

from neurokit.errors import ConfigError
from neurokit.snn.base import StepMode, check_sequence
from neurokit.snn.functional.lif import Backend, check_backend, multistep_plif
from neurokit.snn.neurons._base import BaseNeuron
from neurokit.snn.surrogate import SurrogateLike

__all__ = ["ParametricLIF"]


class ParametricLIF(BaseNeuron):
    r"""LIF neuron whose time constant is learned (PLIF, Fang et al. 2021, ICCV).

    The decay :math:`k = 1/\tau = \mathrm{sigmoid}(w)` is a trainable parameter ``w`` of the
    layer (one per layer, shared by its neurons), initialised so that :math:`\tau` equals
    ``init_tau``: :math:`w_0 = -\ln(\tau_0 - 1)`.

    .. math::

        H_t = V_{t-1} + k\left(X_t - (V_{t-1} - V_{reset})\right)
        \quad (\texttt{decay\_input=True}), \qquad
        H_t = V_{t-1} - k(V_{t-1} - V_{reset}) + X_t \quad (\texttt{False}),

        S_t = \Theta(H_t - V_{th}), \qquad
        V_t = H_t(1 - S_t) + V_{reset} S_t \ \ (\text{hard}), \quad
        V_t = H_t - V_{th} S_t \ \ (\text{soft, } V_{reset} = \text{None; 0 in the leak}).

    Multi-step mode runs the fused kernel :func:`~neurokit.snn.functional.multistep_plif`,
    which also returns :math:`\partial L/\partial k` from its one backward loop.

    Parameters
    ----------
    init_tau : float
        Initial membrane time constant in time steps (> 1).
    v_threshold, v_reset, surrogate, alpha, detach_reset, step_mode
        See :class:`~neurokit.snn.neurons._base.BaseNeuron`.
    decay_input : bool
        Whether the input is scaled by :math:`k` too.
    backend : {"auto", "torch", "compile", "cpp"}
        Multi-step kernel implementation; same spikes on every backend.

    Attributes
    ----------
    w : torch.nn.Parameter
        0-d logit of the decay; :attr:`tau` gives :math:`1/\mathrm{sigmoid}(w)`.

    Examples
    --------
    >>> neuron = ParametricLIF(init_tau=2.0)
    >>> round(neuron.tau, 6)
    2.0
    >>> neuron(torch.full((4, 1), 1.5)).flatten().tolist()
    [0.0, 1.0, 0.0, 1.0]
    """

    def __init__(
        self,
        init_tau: float = 2.0,
        v_threshold: float = 1.0,
        v_reset: float | None = 0.0,
        decay_input: bool = True,
        surrogate: SurrogateLike = "sigmoid",
        alpha: float | None = None,
        detach_reset: bool = False,
        step_mode: StepMode = "multi",
        backend: Backend = "auto",
    ) -> None:
        super().__init__(v_threshold, v_reset, surrogate, alpha, detach_reset, step_mode)
        if not init_tau > 1.0:
            raise ConfigError("PLIF initial time constant must exceed one time step",
                              field="init_tau", expected="init_tau > 1", found=repr(init_tau))
        self.backend = check_backend(backend)
        self.decay_input = bool(decay_input)
        self.w = nn.Parameter(torch.tensor(-math.log(init_tau - 1.0)))

    @property
    def tau(self) -> float:
        """Current membrane time constant :math:`1/\\mathrm{sigmoid}(w)` in time steps."""
        return float(1.0 / torch.sigmoid(self.w.detach()))

    def charge(self, x: torch.Tensor) -> torch.Tensor:
        k = torch.sigmoid(self.w)
        vr = 0.0 if self.v_reset is None else self.v_reset
        b = k if self.decay_input else 1.0
        return (1.0 - k) * self.v + b * x + vr * k

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        check_sequence(x_seq, min_ndim=2, name=type(self).__name__)
        spikes, self.v = multistep_plif(
            x_seq, self.state_in(), torch.sigmoid(self.w), v_threshold=self.v_threshold,
            v_reset=self.v_reset, decay_input=self.decay_input, surrogate=self.surrogate,
            detach_reset=self.detach_reset, backend=self.backend,
        )
        return spikes

    def extra_repr(self) -> str:
        return f"tau={self.tau:.4g}, decay_input={self.decay_input}, " + super().extra_repr()
