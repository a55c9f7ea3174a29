"""Common parts of the integrate-and-fire neurons: threshold, reset, surrogate, state."""

from __future__ import annotations

import torch

from neurokit.snn.base import StatefulModule, StepMode, check_sequence
from neurokit.snn.surrogate import SurrogateLike, get_surrogate

__all__ = ["BaseNeuron"]


class BaseNeuron(StatefulModule):
    """A spiking neuron with membrane potential ``v`` (state), threshold and reset.

    Subclasses implement :meth:`charge` (one step of sub-threshold dynamics) and may override
    :meth:`multi_step_forward` with a fused kernel.

    Parameters
    ----------
    v_threshold : float
        Firing threshold.
    v_reset : float or None
        Hard reset value after a spike; ``None``: soft reset (subtract ``v_threshold``).
    surrogate : str, Surrogate or callable
        Surrogate gradient by name (see :data:`neurokit.snn.surrogate.SURROGATES`) or callable.
    alpha : float, optional
        Sharpness of a named surrogate (its default when omitted).
    detach_reset : bool
        Stop gradients through the reset.
    step_mode : {"single", "multi"}
        Input ``[B, ...]`` one step at a time, or whole sequences ``[T, B, ...]``.
    """

    def __init__(
        self,
        v_threshold: float = 1.0,
        v_reset: float | None = 0.0,
        surrogate: SurrogateLike = "sigmoid",
        alpha: float | None = None,
        detach_reset: bool = False,
        step_mode: StepMode = "multi",
    ) -> None:
        super().__init__(step_mode=step_mode)
        self.v_threshold = float(v_threshold)
        self.v_reset = None if v_reset is None else float(v_reset)
        self.surrogate = get_surrogate(surrogate, alpha)
        self.detach_reset = bool(detach_reset)
        self.register_memory("v", 0.0 if v_reset is None else float(v_reset))

    def charge(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        """Sub-threshold update: membrane potential ``H_t`` from ``self.v`` and input ``x``."""
        raise NotImplementedError

    def fire(self, h: torch.Tensor) -> torch.Tensor:
        """Spikes ``Θ(H - v_threshold)`` with the surrogate gradient."""
        return self.surrogate(h - self.v_threshold)

    def reset_after_spike(self, h: torch.Tensor, spike: torch.Tensor) -> torch.Tensor:
        """Membrane potential after the spikes: hard or soft reset."""
        s = spike.detach() if self.detach_reset else spike
        if self.v_reset is None:
            return h - s * self.v_threshold
        return h * (1.0 - s) + self.v_reset * s

    emits_spikes = True

    def state_in(self) -> torch.Tensor | float:
        """The membrane potential this call starts from; cut from the graph when
        ``detach_state`` is set (SLTT feeds one step per call, so no gradient flows in time)."""
        if self.detach_state and isinstance(self.v, torch.Tensor):
            self.v = self.v.detach()
        return self.v

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        self.state_in()
        h = self.charge(x)
        spike = self.fire(h)
        self.v = self.reset_after_spike(h, spike)
        return spike

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        check_sequence(x_seq, min_ndim=2, name=type(self).__name__)
        return super().multi_step_forward(x_seq)

    def extra_repr(self) -> str:
        return (f"v_threshold={self.v_threshold}, v_reset={self.v_reset}, "
                f"surrogate={self.surrogate!r}, detach_reset={self.detach_reset}, "
                f"step_mode={self.step_mode!r}")
