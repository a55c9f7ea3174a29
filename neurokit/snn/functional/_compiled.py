"""The ``"compile"`` LIF backend: the forward and backward loops through :func:`torch.compile`.

Computes exactly the recursion of :mod:`neurokit.snn.functional.lif` (same inputs and outputs as
``_forward_torch`` / ``_backward_torch``); inductor fuses the unrolled time loop into one kernel,
compiled per shape and configuration on first use. The ``"cpp"`` backend is in
:mod:`neurokit.snn.functional._native`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from neurokit.snn.surrogate import (
    Surrogate,
)

__all__ = ["forward", "backward"]

# --------------------------------------------------------------------------------------------
# torch.compile
# --------------------------------------------------------------------------------------------


def _fwd_loop(x_seq: torch.Tensor, v: torch.Tensor, coef: torch.Tensor, v_th: float,
              v_reset: float | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    a, b, c = coef[0], coef[1], coef[2]
    hs = []
    for t in range(x_seq.shape[0]):
        h = (c + b * x_seq[t]) + a * v
        if v_reset is None:
            v = h - (h >= v_th).to(h.dtype) * v_th
        else:
            v = torch.where(h >= v_th, v_reset, h)
        hs.append(h)
    h_seq = torch.stack(hs)
    return h_seq, (h_seq >= v_th).to(h_seq.dtype), v


def _bwd_loop(h_seq: torch.Tensor, grad_spike_seq: torch.Tensor, grad_v: torch.Tensor,
              a: torch.Tensor, v_th: float, v_reset: float | None, surrogate: Surrogate,
              detach_reset: bool) -> tuple[torch.Tensor, torch.Tensor]:
    gs = []
    for t in range(h_seq.shape[0] - 1, -1, -1):
        h = h_seq[t]
        sg = surrogate.derivative(h - v_th)
        if v_reset is None:
            dv_dh = None if detach_reset else 1.0 - v_th * sg
        else:
            dv_dh = (h < v_th).to(h.dtype)
            if not detach_reset:
                dv_dh = dv_dh + (v_reset - h) * sg
        g = grad_spike_seq[t] * sg + (grad_v if dv_dh is None else grad_v * dv_dh)
        gs.append(g)
        grad_v = g * a
    gs.reverse()
    return torch.stack(gs), grad_v


@functools.cache
def _compiled(name: str) -> Callable:
    fn = {"forward": _fwd_loop, "backward": _bwd_loop}[name]
    return torch.compile(fn, dynamic=False, fullgraph=True)


def _forward_compile(x_seq: torch.Tensor, v: torch.Tensor, a: float, b: float, c: float,
                     v_th: float, v_reset: float | None):
    coef = torch.tensor([a, b, c], dtype=x_seq.dtype, device=x_seq.device)
    return _compiled("forward")(x_seq, v.contiguous(), coef, v_th, v_reset)


def _backward_compile(h_seq: torch.Tensor, grad_spike_seq: torch.Tensor | None,
                      grad_v_last: torch.Tensor | None, a: float, v_th: float,
                      v_reset: float | None, surrogate: Surrogate, detach_reset: bool):
    if grad_spike_seq is None:
        grad_spike_seq = torch.zeros_like(h_seq)
    grad_v = torch.zeros_like(h_seq[0]) if grad_v_last is None else grad_v_last
    a_t = torch.tensor(a, dtype=h_seq.dtype, device=h_seq.device)
    return _compiled("backward")(h_seq, grad_spike_seq, grad_v, a_t, v_th, v_reset, surrogate,
                                 detach_reset)


def forward(*args: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Compiled forward loop: ``(h_seq, spikes, v_last)``."""
    return _forward_compile(*args)


def backward(*args: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Compiled backward loop: ``(g_seq, grad_v_init)`` with ``g_t = dL/dH_t``."""
    return _backward_compile(*args)
