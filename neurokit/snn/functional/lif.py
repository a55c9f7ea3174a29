r"""Multi-step leaky integrate-and-fire as one autograd node.

The whole sequence ``[T, B, ...]`` is integrated in one forward pass; the backward pass runs
the surrogate gradient back through time in one reverse loop. Only the pre-spike membrane
potential :math:`H_t` is saved (spikes, resets and surrogate derivatives are recomputed from
it), so memory is one tensor of the input's size instead of every intermediate autograd keeps.

Dynamics (one step, SpikingJelly's convention):

.. math::

    H_t = a V_{t-1} + b X_t + c, \qquad S_t = \Theta(H_t - V_{th}),

    V_t = \begin{cases} H_t (1 - S_t) + V_{reset} S_t & \text{hard reset} \\
                        H_t - V_{th} S_t & \text{soft reset (} V_{reset} = \text{None)}
          \end{cases}

with :math:`a = 1 - 1/\tau` and, for ``decay_input=True``, :math:`b = 1/\tau`,
:math:`c = V_{reset}/\tau` (for ``False``: :math:`b = 1`); IF is :math:`a = b = 1, c = 0`.

Backward (:math:`g_t = \partial L/\partial H_t`, :math:`\sigma'` the surrogate derivative):

.. math::

    g_t = \frac{\partial L}{\partial S_t}\sigma'(H_t - V_{th})
          + a\, g_{t+1} \frac{\partial V_t}{\partial H_t}, \qquad
    \frac{\partial L}{\partial X_t} = b\, g_t, \qquad
    \frac{\partial L}{\partial V_{-1}} = a\, g_0 .

Everything that does not depend on the recursion (the surrogate derivative, the reset
derivative, the input scaling) is computed for all steps at once; the loop over time does one
fused op per step backward and two or three forward.

Backends (same spikes; gradients equal up to float rounding): ``"torch"`` (pure PyTorch, any
device), ``"compile"`` (the same loops through :func:`torch.compile`, in
:mod:`neurokit.snn.functional._compiled`) and ``"cpp"`` (a small C++ kernel built in about a
second on first use and cached; CPU float32/float64, named surrogates; needs a C++ compiler; in
:mod:`neurokit.snn.functional._native`). ``"auto"`` (the default) takes ``"cpp"`` wherever it
applies and builds, ``"torch"`` otherwise.
"""

from __future__ import annotations

from typing import Any, Literal

import torch

from neurokit.errors import ConfigError
from neurokit.snn.functional import _native
from neurokit.snn.surrogate import Surrogate, SurrogateLike

__all__ = ["multistep_lif", "multistep_plif", "lif_coefficients", "BACKENDS", "check_backend",
           "resolve_backend"]

Backend = Literal["auto", "torch", "compile", "cpp"]
#: kernel implementations selectable with ``backend=``
BACKENDS: tuple[str, ...] = ("auto", "torch", "compile", "cpp")


def check_backend(backend: str) -> str:
    """Return ``backend`` if it names a kernel implementation, else raise ConfigError.

    Examples
    --------
    >>> check_backend("torch")
    'torch'
    """
    if backend not in BACKENDS:
        raise ConfigError("unknown kernel backend", field="backend",
                          expected="one of " + ", ".join(BACKENDS), found=repr(backend))
    return backend


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


# --------------------------------------------------------------------------------------------
# pure-torch loops
# --------------------------------------------------------------------------------------------
def _forward_torch(
    x_seq: torch.Tensor, v: torch.Tensor, a: float, b: float, c: float, v_th: float,
    v_reset: float | None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(h_seq, spike_seq, v_last)``; ``h_seq`` starts as ``b x + c`` and is filled in place."""
    h_seq = torch.add(c, x_seq, alpha=b) if b != 1.0 or c != 0.0 else x_seq.clone()
    h_seq[0].add_(v, alpha=a) if a != 1.0 else h_seq[0].add_(v)
    steps = h_seq.shape[0]
    if v_reset == 0.0:  # V_t = H_t * [H_t < v_th]: two ops per step
        keep = torch.empty_like(h_seq[0])
        for t in range(steps - 1):
            h = h_seq[t]
            torch.lt(h, v_th, out=keep)
            h_seq[t + 1].addcmul_(h, keep, value=a)
        torch.lt(h_seq[-1], v_th, out=keep)
        v_last = keep.mul_(h_seq[-1])
    else:
        spike = torch.empty_like(h_seq[0])
        v_buf = torch.empty_like(h_seq[0])
        fill = None if v_reset is None else torch.tensor(v_reset, dtype=h_seq.dtype,
                                                          device=h_seq.device)
        for t in range(steps):
            h = h_seq[t]
            torch.ge(h, v_th, out=spike)
            if v_reset is None:
                torch.add(h, spike, alpha=-v_th, out=v_buf)
            else:
                torch.where(spike.bool(), fill, h, out=v_buf)
            if t + 1 < steps:
                h_seq[t + 1].add_(v_buf, alpha=a) if a != 1.0 else h_seq[t + 1].add_(v_buf)
        v_last = v_buf
    spike_seq = torch.empty_like(h_seq)
    torch.ge(h_seq, v_th, out=spike_seq)
    return h_seq, spike_seq, v_last


def _reset_derivative(
    h_seq: torch.Tensor, sg_seq: torch.Tensor, v_th: float, v_reset: float | None,
    detach_reset: bool,
) -> torch.Tensor | None:
    """:math:`\\partial V_t / \\partial H_t` for all steps (``None`` means all ones)."""
    if v_reset is None:
        return None if detach_reset else torch.mul(sg_seq, -v_th).add_(1.0)
    keep = torch.lt(h_seq, v_th).to(h_seq.dtype)
    if detach_reset:
        return keep
    return keep.addcmul_(torch.sub(v_reset, h_seq), sg_seq)  # 1 - S + (v_reset - H) σ'


#: elements per block of time steps processed at once in the backward pass (~2 MB of float32):
#: small tensors (MLP layers) go in one block, large ones (conv maps) step by step, which keeps
#: temporaries small enough for the allocator to recycle instead of page-faulting fresh memory
_BLOCK_ELEMENTS = 1 << 19


def _backward_torch(
    h_seq: torch.Tensor, grad_spike_seq: torch.Tensor | None, grad_v_last: torch.Tensor | None,
    a: float, v_th: float, v_reset: float | None, surrogate: Surrogate, detach_reset: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(g_seq, grad_v_init)`` with ``g_t = dL/dH_t`` (the input gradient is ``b * g``)."""
    steps = h_seq.shape[0]
    block = max(1, _BLOCK_ELEMENTS // max(1, h_seq[0].numel()))
    g_seq = torch.empty_like(h_seq)
    g_next: torch.Tensor | None = None  # g_{t+1}, scaled by dV_t/dH_t on use
    for t1 in range(steps, 0, -block):
        t0 = max(0, t1 - block)
        h = h_seq[t0:t1]
        sg = surrogate.derivative(h - v_th)
        dv_dh = _reset_derivative(h, sg, v_th, v_reset, detach_reset)
        g = g_seq[t0:t1]
        if grad_spike_seq is None:
            g.zero_()
        else:
            torch.mul(sg, grad_spike_seq[t0:t1], out=g)
        if t1 == steps:
            if grad_v_last is not None:
                g[-1].addcmul_(grad_v_last, dv_dh[-1]) if dv_dh is not None else \
                    g[-1].add_(grad_v_last)
        elif dv_dh is None:
            g[-1].add_(g_next, alpha=a)
        else:
            g[-1].addcmul_(g_next, dv_dh[-1], value=a)
        for t in range(t1 - t0 - 1, 0, -1):
            if dv_dh is None:
                g[t - 1].add_(g[t], alpha=a)
            else:
                g[t - 1].addcmul_(g[t], dv_dh[t - 1], value=a)
        g_next = g[0]
    return g_seq, g_seq[0] * a


def _run_forward(backend: str, *args: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    if backend == "torch":
        return _forward_torch(*args)
    if backend == "cpp":
        return _native.forward(*args)
    from neurokit.snn.functional import _compiled

    return _compiled.forward(*args)


def _run_backward(backend: str, *args: Any) -> tuple[torch.Tensor, torch.Tensor]:
    if backend == "torch":
        return _backward_torch(*args)
    if backend == "cpp":
        return _native.backward(*args)
    from neurokit.snn.functional import _compiled

    return _compiled.backward(*args)


def resolve_backend(backend: str, x: torch.Tensor, surrogate: object) -> str:
    """The kernel that runs: ``backend`` itself, or for ``"auto"`` ``"cpp"`` when it handles
    ``x`` and ``surrogate`` and builds on this machine, else ``"torch"``.

    Examples
    --------
    >>> resolve_backend("torch", torch.zeros(2, 1), None)
    'torch'
    """
    check_backend(backend)
    if backend != "auto":
        return backend
    if _native.supports(x, surrogate) and _native.kernel_available():
        return "cpp"
    return "torch"


# --------------------------------------------------------------------------------------------
# autograd Functions
# --------------------------------------------------------------------------------------------
class _MultiStepLIF(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any, x_seq: torch.Tensor, v: torch.Tensor, a: float, b: float, c: float,
        v_threshold: float, v_reset: float | None, surrogate: Surrogate, detach_reset: bool,
        backend: str,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h_seq, spike_seq, v_last = _run_forward(backend, x_seq, v, a, b, c, v_threshold,
                                                v_reset)
        ctx.save_for_backward(h_seq)
        ctx.args = (a, b, v_threshold, v_reset, surrogate, detach_reset, backend)
        return spike_seq, v_last

    @staticmethod
    def backward(ctx: Any, grad_spike_seq: torch.Tensor, grad_v_last: torch.Tensor):
        (h_seq,) = ctx.saved_tensors
        a, b, v_th, v_reset, surrogate, detach_reset, backend = ctx.args
        if backend == "cpp":  # the kernel scales by b as it writes: one pass fewer
            grad_x, grad_v = _native.backward(h_seq, grad_spike_seq, grad_v_last, a, v_th,
                                              v_reset, surrogate, detach_reset, b)
        else:
            g_seq, grad_v = _run_backward(backend, h_seq, grad_spike_seq, grad_v_last, a, v_th,
                                          v_reset, surrogate, detach_reset)
            grad_x = g_seq.mul_(b) if b != 1.0 else g_seq
        return grad_x, grad_v, None, None, None, None, None, None, None, None


class _MultiStepPLIF(torch.autograd.Function):
    """LIF with a learnable decay ``k = 1/tau`` (a 0-d tensor): ``a = 1 - k``, ``b = k``."""

    @staticmethod
    def forward(
        ctx: Any, x_seq: torch.Tensor, v: torch.Tensor, k: torch.Tensor, v_threshold: float,
        v_reset: float | None, decay_input: bool, surrogate: Surrogate, detach_reset: bool,
        backend: str,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        kf = float(k)
        a, b, c = 1.0 - kf, (kf if decay_input else 1.0), (v_reset or 0.0) * kf
        h_seq, spike_seq, v_last = _run_forward(backend, x_seq, v, a, b, c, v_threshold,
                                                v_reset)
        ctx.save_for_backward(h_seq, v)
        ctx.args = (kf, a, b, v_threshold, v_reset, decay_input, surrogate, detach_reset,
                    backend)
        return spike_seq, v_last

    @staticmethod
    def backward(ctx: Any, grad_spike_seq: torch.Tensor, grad_v_last: torch.Tensor):
        h_seq, v_init = ctx.saved_tensors
        kf, a, b, v_th, v_reset, decay_input, surrogate, detach_reset, backend = ctx.args
        g_seq, grad_v = _run_backward(backend, h_seq, grad_spike_seq, grad_v_last, a, v_th,
                                      v_reset, surrogate, detach_reset)
        # V_{t-1} recomputed from the saved H (V_{-1} = v_init)
        v_prev = torch.empty_like(h_seq)
        v_prev[0] = v_init
        h_head = h_seq[:-1]
        if v_reset is None:
            torch.sub(h_head, torch.ge(h_head, v_th).to(h_seq.dtype), alpha=v_th, out=v_prev[1:])
        else:
            v_prev[1:] = torch.where(h_head >= v_th, v_reset, h_head)
        # dH/dk = X - (V - v_reset) = (H - V)/k with the input decayed, else v_reset - V
        if decay_input:
            dh_dk = torch.sub(h_seq, v_prev, out=v_prev).div_(kf)
        else:
            dh_dk = torch.sub(v_reset or 0.0, v_prev, out=v_prev)
        grad_k = torch.dot(g_seq.flatten(), dh_dk.flatten()).reshape(())
        grad_x = g_seq.mul_(b) if b != 1.0 else g_seq
        return grad_x, grad_v, grad_k, None, None, None, None, None, None


def _multistep_lif_autograd(
    x_seq: torch.Tensor, v: torch.Tensor, a: float | torch.Tensor, b: float | torch.Tensor,
    c: float | torch.Tensor, v_threshold: float, v_reset: float | None,
    surrogate: SurrogateLike, detach_reset: bool,
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


def _prepare(
    x_seq: torch.Tensor, v_init: torch.Tensor | float, surrogate: SurrogateLike, backend: str,
) -> tuple[torch.Tensor, SurrogateLike, str]:
    from neurokit.snn.surrogate import get_surrogate

    check_backend(backend)
    v = torch.as_tensor(v_init, dtype=x_seq.dtype, device=x_seq.device).expand_as(x_seq[0])
    surrogate = get_surrogate(surrogate)
    return v, surrogate, resolve_backend(backend, x_seq, surrogate)


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
    backend: Backend = "auto",
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
        Surrogate gradient (see :mod:`neurokit.snn.surrogate`). A callable without
        ``derivative`` runs through plain autograd (slower, same result).
    detach_reset : bool
        Stop the gradient through the reset term.
    backend : {"auto", "torch", "compile", "cpp"}
        Kernel implementation (see the module docstring); all give the same spikes.

    Returns
    -------
    spike_seq : torch.Tensor
        Spikes ``[T, B, ...]`` (0/1, dtype of ``x_seq``).
    v_last : torch.Tensor
        Membrane potential after the last step ``[B, ...]``.

    Raises
    ------
    neurokit.errors.ConfigError
        For an unknown surrogate or backend.

    Examples
    --------
    >>> x = torch.full((4, 1, 1), 1.5)
    >>> spikes, v = multistep_lif(x, tau=2.0, v_threshold=1.0)
    >>> spikes.flatten().tolist()
    [0.0, 1.0, 0.0, 1.0]
    """
    v, surrogate, backend = _prepare(x_seq, v_init, surrogate, backend)
    a, b, c = lif_coefficients(tau, v_reset, decay_input)
    if isinstance(surrogate, Surrogate):
        return _MultiStepLIF.apply(x_seq, v, a, b, c, float(v_threshold), v_reset, surrogate,
                                   bool(detach_reset), backend)
    return _multistep_lif_autograd(x_seq, v, a, b, c, v_threshold, v_reset, surrogate,
                                   detach_reset)


def multistep_plif(
    x_seq: torch.Tensor,
    v_init: torch.Tensor | float,
    decay: torch.Tensor,
    *,
    v_threshold: float = 1.0,
    v_reset: float | None = 0.0,
    decay_input: bool = True,
    surrogate: SurrogateLike = "sigmoid",
    detach_reset: bool = False,
    backend: Backend = "auto",
) -> tuple[torch.Tensor, torch.Tensor]:
    """LIF with a learnable decay ``1/tau`` (parametric LIF), fused like :func:`multistep_lif`.

    The gradient of ``decay`` is accumulated in the same backward pass:
    :math:`\\partial L/\\partial k = \\sum_t g_t\\, \\partial H_t/\\partial k` with
    :math:`\\partial H_t/\\partial k = X_t - (V_{t-1} - V_{reset}) = (H_t - V_{t-1})/k`
    (``decay_input=True``) or :math:`V_{reset} - V_{t-1}` (``False``), :math:`V_{t-1}`
    recomputed from the saved :math:`H_{t-1}`.

    Parameters
    ----------
    x_seq : torch.Tensor
        Input current ``[T, B, ...]``.
    v_init : torch.Tensor or float
        Membrane potential before the first step.
    decay : torch.Tensor
        0-d tensor :math:`k = 1/\\tau \\in (0, 1)` (for PLIF ``sigmoid(w)``), may require grad.
    v_threshold, v_reset, decay_input, surrogate, detach_reset, backend
        As in :func:`multistep_lif`.

    Returns
    -------
    spike_seq : torch.Tensor
        Spikes ``[T, B, ...]``.
    v_last : torch.Tensor
        Membrane potential after the last step ``[B, ...]``.

    Examples
    --------
    >>> k = torch.tensor(0.5, requires_grad=True)
    >>> spikes, v = multistep_plif(torch.full((4, 1), 1.5), 0.0, k)
    >>> spikes.flatten().tolist()
    [0.0, 1.0, 0.0, 1.0]
    """
    v, surrogate, backend = _prepare(x_seq, v_init, surrogate, backend)
    if isinstance(surrogate, Surrogate):
        return _MultiStepPLIF.apply(x_seq, v, decay, float(v_threshold), v_reset,
                                    bool(decay_input), surrogate, bool(detach_reset), backend)
    vr = 0.0 if v_reset is None else v_reset
    b = decay if decay_input else 1.0
    return _multistep_lif_autograd(x_seq, v, 1.0 - decay, b, vr * decay, v_threshold, v_reset,
                                   surrogate, detach_reset)
