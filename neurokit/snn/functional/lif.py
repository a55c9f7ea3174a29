r"""Multi-step leaky integrate-and-fire as one autograd node.

The whole sequence ``[T, B, ...]`` is integrated in one forward pass; the backward pass runs
the surrogate gradient back through time in one reverse loop. Only the pre-spike membrane
potential :math:`H_t` is saved (spikes are recomputed from it), so memory is one tensor of the
input's size instead of every intermediate autograd would keep.

Dynamics (one step, SpikingJelly's convention):

.. math::

    H_t = a V_{t-1} + b X_t + c, \qquad S_t = \Theta(H_t - V_{th}),

    V_t = \begin{cases} H_t (1 - S_t) + V_{reset} S_t & \text{hard reset} \\
                        H_t - V_{th} S_t & \text{soft reset (} V_{reset} = \text{None)}
          \end{cases}

with :math:`a = 1 - 1/\tau` and, for ``decay_input=True``, :math:`b = 1/\tau`,
:math:`c = V_{reset}/\tau` (for ``False``: :math:`b = 1`); IF is :math:`a = b = 1, c = 0`.
"""

from __future__ import annotations

from typing import Any

import torch

from neurokit.snn.surrogate import Surrogate, SurrogateLike, heaviside

__all__ = ["multistep_lif", "lif_coefficients"]


def lif_coefficients(
    tau: float | None, v_reset: float | None, decay_input: bool
) -> tuple[float, float, float]:
    """Charge coefficients ``(a, b, c)`` of :math:`H = aV + bX + c` (``tau=None``: IF).

    Examples
    --------
    >>> lif_coefficients(2.0, 0.0, True)
    (0.5, 0.5, 0.0)
    >>> lif_coefficients(None, 0.0, True)
    (1.0, 1.0, 0.0)
    """
    if tau is None:
        return 1.0, 1.0, 0.0
    a = 1.0 - 1.0 / tau
    b = 1.0 / tau if decay_input else 1.0
    c = (0.0 if v_reset is None else v_reset) / tau
    return a, b, c


class _MultiStepLIF(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        x_seq: torch.Tensor,
        v: torch.Tensor,
        a: float,
        b: float,
        c: float,
        v_threshold: float,
        v_reset: float | None,
        surrogate: Surrogate,
        detach_reset: bool,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h_seq = torch.empty_like(x_seq)
        spike_seq = torch.empty_like(x_seq)
        for t in range(x_seq.shape[0]):
            h = torch.add(c, x_seq[t], alpha=b) if b != 1.0 or c != 0.0 else x_seq[t].clone()
            h.add_(v, alpha=a) if a != 1.0 else h.add_(v)
            h_seq[t] = h
            s = spike_seq[t]
            torch.ge(h, v_threshold, out=s)
            if v_reset is None:
                v = h - s * v_threshold
            else:
                v = torch.where(s.bool(), torch.as_tensor(v_reset, dtype=h.dtype), h)
        ctx.save_for_backward(h_seq)
        ctx.coefficients = (a, b)
        ctx.v_threshold, ctx.v_reset = v_threshold, v_reset
        ctx.surrogate, ctx.detach_reset = surrogate, detach_reset
        return spike_seq, v

    @staticmethod
    def backward(ctx: Any, grad_spike_seq: torch.Tensor, grad_v_last: torch.Tensor):
        (h_seq,) = ctx.saved_tensors
        a, b = ctx.coefficients
        v_th, v_reset = ctx.v_threshold, ctx.v_reset
        surrogate, detach_reset = ctx.surrogate, ctx.detach_reset
        grad_x_seq = torch.empty_like(h_seq)
        grad_v = grad_v_last if grad_v_last is not None else torch.zeros_like(h_seq[0])
        if grad_spike_seq is None:
            grad_spike_seq = torch.zeros_like(h_seq)
        for t in range(h_seq.shape[0] - 1, -1, -1):
            h = h_seq[t]
            over = h - v_th
            sg = surrogate.derivative(over)
            spike = heaviside(over)
            if v_reset is None:  # V = H - v_th S
                dv_dh = torch.ones_like(h) if detach_reset else 1.0 - v_th * sg
            else:  # V = H (1 - S) + v_reset S
                dv_dh = 1.0 - spike
                if not detach_reset:
                    dv_dh = dv_dh + (v_reset - h) * sg
            grad_h = grad_spike_seq[t] * sg + grad_v * dv_dh
            grad_x_seq[t] = grad_h * b if b != 1.0 else grad_h
            grad_v = grad_h * a if a != 1.0 else grad_h
        return grad_x_seq, grad_v, None, None, None, None, None, None, None


def _multistep_lif_autograd(
    x_seq: torch.Tensor, v: torch.Tensor, a: float, b: float, c: float, v_threshold: float,
    v_reset: float | None, surrogate: SurrogateLike, detach_reset: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference path for callables without ``derivative``: plain autograd over a loop."""
    spikes = []
    for x in x_seq:
        h = a * v + b * x + c
        s = surrogate(h - v_threshold)
        s_reset = s.detach() if detach_reset else s
        v = h - s_reset * v_threshold if v_reset is None else h * (1 - s_reset) + v_reset * s_reset
        spikes.append(s)
    return torch.stack(spikes), v


def multistep_lif(
    x_seq: torch.Tensor,
    v_init: torch.Tensor | float = 0.0,
    *,
    tau: float | None = 2.0,
    v_threshold: float = 1.0,
    v_reset: float | None = 0.0,
    decay_input: bool = True,
    surrogate: SurrogateLike = "sigmoid",
    detach_reset: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Integrate a whole input sequence through LIF (or IF) neurons.

    Parameters
    ----------
    x_seq : torch.Tensor
        Input current, time-major ``[T, B, ...]``.
    v_init : torch.Tensor or float
        Membrane potential before the first step, broadcastable to ``x_seq[0]``.
    tau : float or None
        Membrane time constant in time steps (> 1 for a leak); ``None`` gives IF neurons.
    v_threshold : float
        Firing threshold.
    v_reset : float or None
        Hard-reset value; ``None`` resets softly by subtracting ``v_threshold``.
    decay_input : bool
        Whether the input is scaled by ``1/tau`` too.
    surrogate : str, Surrogate or callable
        Surrogate gradient (see :mod:`neurokit.snn.surrogate`).
    detach_reset : bool
        Stop the gradient through the reset term.

    Returns
    -------
    spike_seq : torch.Tensor
        Spikes ``[T, B, ...]`` (0/1, dtype of ``x_seq``).
    v_last : torch.Tensor
        Membrane potential after the last step ``[B, ...]``.

    Examples
    --------
    >>> x = torch.full((4, 1, 1), 1.5)
    >>> spikes, v = multistep_lif(x, tau=2.0, v_threshold=1.0)
    >>> spikes.flatten().tolist()
    [0.0, 1.0, 0.0, 1.0]
    """
    from neurokit.snn.surrogate import get_surrogate

    surrogate = get_surrogate(surrogate)
    a, b, c = lif_coefficients(tau, v_reset, decay_input)
    v = torch.as_tensor(v_init, dtype=x_seq.dtype, device=x_seq.device).expand_as(x_seq[0])
    if isinstance(surrogate, Surrogate):
        return _MultiStepLIF.apply(x_seq, v, a, b, c, v_threshold, v_reset, surrogate,
                                   detach_reset)
    return _multistep_lif_autograd(x_seq, v, a, b, c, v_threshold, v_reset, surrogate,
                                   detach_reset)
