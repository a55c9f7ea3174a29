"""Integrate-and-fire (IF) and leaky integrate-and-fire (LIF) neurons."""

from __future__ import annotations

import torch

from neurokit.errors import ConfigError
from neurokit.snn.base import StepMode, check_sequence
from neurokit.snn.functional.lif import Backend, check_backend, lif_coefficients, multistep_lif
from neurokit.snn.neurons._base import BaseNeuron
from neurokit.snn.surrogate import SurrogateLike

__all__ = ["IF", "LIF"]


class IF(BaseNeuron):
    r"""Integrate-and-fire neuron (no leak).

    .. math::

        H_t = V_{t-1} + X_t, \quad S_t = \Theta(H_t - V_{th}), \quad
        V_t = H_t(1 - S_t) + V_{reset} S_t \ \ (\text{soft: } V_t = H_t - V_{th} S_t)

    Parameters
    ----------
    v_threshold, v_reset, surrogate, alpha, detach_reset, step_mode
        See :class:`~neurokit.snn.neurons._base.BaseNeuron`.
    backend : {"auto", "torch", "compile", "cpp"}
        Kernel of :func:`~neurokit.snn.functional.multistep_lif`; same spikes on every backend.

    Examples
    --------
    >>> neuron = IF()
    >>> neuron(torch.full((3, 1), 0.6)).flatten().tolist()
    [0.0, 1.0, 0.0]
    """

    def __init__(
        self,
        v_threshold: float = 1.0,
        v_reset: float | None = 0.0,
        surrogate: SurrogateLike = "sigmoid",
        alpha: float | None = None,
        detach_reset: bool = False,
        step_mode: StepMode = "multi",
        backend: Backend = "auto",
    ) -> None:
        super().__init__(v_threshold, v_reset, surrogate, alpha, detach_reset, step_mode)
        self.backend = check_backend(backend)

    def charge(self, x: torch.Tensor) -> torch.Tensor:
        return self.v + x

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        check_sequence(x_seq, min_ndim=2, name=type(self).__name__)
        spikes, self.v = multistep_lif(
            x_seq, self.state_in(), tau=None, v_threshold=self.v_threshold,
            v_reset=self.v_reset,
            surrogate=self.surrogate, detach_reset=self.detach_reset, backend=self.backend,
        )
        return spikes


class LIF(BaseNeuron):
    r"""Leaky integrate-and-fire neuron (SpikingJelly ``LIFNode`` dynamics).

    .. math::

        H_t = V_{t-1} + \frac{1}{\tau}\left(X_t - (V_{t-1} - V_{reset})\right)
        \quad (\texttt{decay\_input=True}),

        H_t = V_{t-1} - \frac{1}{\tau}(V_{t-1} - V_{reset}) + X_t
        \quad (\texttt{decay\_input=False}),

        S_t = \Theta(H_t - V_{th}), \qquad
        V_t = H_t(1 - S_t) + V_{reset} S_t \ \ (\text{hard}), \quad
        V_t = H_t - V_{th} S_t \ \ (\text{soft, } V_{reset} = \text{None}).

    For the soft reset :math:`V_{reset}` in the leak is 0.

    Parameters
    ----------
    tau : float
        Membrane time constant in time steps (> 1).
    v_threshold, v_reset, surrogate, alpha, detach_reset, step_mode
        See :class:`~neurokit.snn.neurons._base.BaseNeuron`.
    decay_input : bool
        Whether the input is scaled by ``1/tau`` too.
    backend : {"auto", "torch", "compile", "cpp"}
        Kernel of :func:`~neurokit.snn.functional.multistep_lif`; same spikes on every backend.

    Examples
    --------
    >>> neuron = LIF(tau=2.0, v_threshold=1.0, v_reset=None, surrogate="arctan")
    >>> neuron(torch.full((4, 1), 1.5)).flatten().tolist()
    [0.0, 1.0, 0.0, 1.0]
    """

    def __init__(
        self,
        tau: float = 2.0,
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
        self.backend = check_backend(backend)
        if not tau > 1.0:
            raise ConfigError("LIF time constant must exceed one time step", field="tau",
                              expected="tau > 1", found=repr(tau))
        self.tau = float(tau)
        self.decay_input = bool(decay_input)

    def charge(self, x: torch.Tensor) -> torch.Tensor:
        a, b, c = lif_coefficients(self.tau, self.v_reset, self.decay_input)
        return a * self.v + b * x + c

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        check_sequence(x_seq, min_ndim=2, name=type(self).__name__)
        spikes, self.v = multistep_lif(
            x_seq, self.state_in(), tau=self.tau, v_threshold=self.v_threshold,
            v_reset=self.v_reset,
            decay_input=self.decay_input, surrogate=self.surrogate,
            detach_reset=self.detach_reset, backend=self.backend,
        )
        return spikes

    def extra_repr(self) -> str:
        return f"tau={self.tau}, decay_input={self.decay_input}, " + super().extra_repr()
