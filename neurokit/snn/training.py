r"""Training steps for SNNs: back-propagation through time (BPTT) and SLTT / SLTT-K.

Both functions run the forward pass of one batch and call ``backward``; the caller zeroes the
gradients before and steps the optimiser after (so they fit in any loop, Lightning's manual or
automatic optimisation included).

**BPTT** unrolls the whole sequence and differentiates through the temporal path (membrane
potentials, recurrent state): memory grows linearly with the number of steps :math:`T`.

**SLTT** (Meng, Xiao, Yan, Wang, Lin & Luo, ICCV 2023, *Towards Memory- and Time-Efficient
Backpropagation for Training Spiking Neural Networks*) drops the temporal path, whose
contribution to the gradient the paper shows to be small, and keeps only the spatial path at
each step. With the per-step loss

.. math::

    \mathcal{L} = \frac{1}{T}\sum_{t=1}^{T} \ell(O_t, y)

(the paper's :math:`\ell = (1-\lambda)\,\mathrm{CE}(O_t, y) + \lambda\,\mathrm{MSE}(O_t, \phi)`;
any ``loss_fn(out_t, target)`` here), the gradient of each weight is

.. math::

    \nabla_W \mathcal{L} \approx \frac{1}{T}\sum_{t=1}^{T}
    \frac{\partial \ell(O_t, y)}{\partial O_t}
    \prod_{l}\frac{\partial S^{l}_t}{\partial U^{l}_t}\frac{\partial U^{l}_t}{\partial S^{l-1}_t}
    \cdots \frac{\partial U^{l}_t}{\partial W},

computed by calling ``backward`` on :math:`\ell_t / T` right after step :math:`t` with the state
detached from the previous step, so the graph of one step is freed before the next: memory does
not depend on :math:`T`. **SLTT-K** back-propagates only at :math:`K` time steps drawn at random
(without replacement) for each batch, the other steps running without a graph; the loss of a
trained step is still divided by :math:`T` as in the paper's code.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import StatefulModule, check_sequence, reset_states

__all__ = ["bptt_step", "sltt_step"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _stateful(net: nn.Module) -> list[StatefulModule]:
    return [m for m in net.modules() if isinstance(m, StatefulModule)]


def _check_loss(loss: torch.Tensor) -> torch.Tensor:
    if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
        found = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise SchemaError("the loss is not a scalar", field="loss_fn",
                          expected="a 0-d tensor", found=repr(found))
    return loss


def _detach_memories(net: nn.Module) -> None:
    """Cut every registered state tensor (and lists/tuples of them) from its graph."""
    for module in _stateful(net):
        for name, value in module.memories().items():
            if isinstance(value, torch.Tensor):
                object.__setattr__(module, name, value.detach())
            elif isinstance(value, (list, tuple)):
                object.__setattr__(module, name, type(value)(
                    v.detach() if isinstance(v, torch.Tensor) else v for v in value))


def bptt_step(
    net: nn.Module, x_seq: torch.Tensor, target: torch.Tensor, loss_fn: LossFn,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One BPTT step: reset, forward the whole sequence, ``loss_fn(out_seq, target).backward()``.

    Parameters
    ----------
    net : torch.nn.Module
        The network; its stateful modules are run in multi-step mode (restored afterwards).
    x_seq : torch.Tensor
        Input, time-major ``[T, B, ...]``.
    target : torch.Tensor
        Whatever ``loss_fn`` takes as target (e.g. labels ``[B]``).
    loss_fn : callable
        ``loss_fn(out_seq, target)`` -> scalar, with ``out_seq`` ``[T, B, C]``.

    Returns
    -------
    loss : torch.Tensor
        The loss, detached (0-d).
    out_seq : torch.Tensor
        The network output ``[T, B, C]``, detached.

    Examples
    --------
    >>> from neurokit.snn import LIF
    >>> net = nn.Sequential(nn.Linear(3, 2), LIF())
    >>> loss, out = bptt_step(net, torch.rand(4, 5, 3), torch.ones(4, 5, 2),
    ...                       nn.functional.mse_loss)
    >>> out.shape, net[0].weight.grad is not None
    (torch.Size([4, 5, 2]), True)
    """
    check_sequence(x_seq, min_ndim=2, name="x_seq")
    modules = _stateful(net)
    saved = [m.step_mode for m in modules]
    try:
        for m in modules:
            m.step_mode = "multi"
        reset_states(net)
        out_seq = net(x_seq)
        loss = _check_loss(loss_fn(out_seq, target))
        loss.backward()
    finally:
        for m, mode in zip(modules, saved, strict=True):
            m.step_mode = mode
    _detach_memories(net)
    return loss.detach(), out_seq.detach()


def sltt_step(
    net: nn.Module,
    x_seq: torch.Tensor,
    target: torch.Tensor,
    loss_fn: LossFn,
    k: int | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One SLTT (``k=None``) or SLTT-K step: per-step loss, backward at each (chosen) step.

    Every stateful module gets ``detach_state = True`` and its registered state tensors are
    detached before each step, so no gradient flows along time (module docstring). The network
    runs one step at a time as a length-one sequence ``x_seq[t:t+1]`` in multi-step mode, which
    works for every architecture of :mod:`neurokit.snn.models` and any ``TimeDistributed``
    layer. Step modes and ``detach_state`` flags are restored afterwards. Neurons that see the
    whole sequence at once (``PSN``, ``MaskedPSN`` in multi-step mode) have no per-step form
    and cannot be trained this way. Batch norm sees one step (``B`` samples) at a time.

    Parameters
    ----------
    net : torch.nn.Module
        The network, mapping ``[1, B, ...]`` to ``[1, B, C]``.
    x_seq : torch.Tensor
        Input, time-major ``[T, B, ...]``.
    target : torch.Tensor
        Target of every step (e.g. labels ``[B]``).
    loss_fn : callable
        Per-step loss ``loss_fn(out_t, target)`` -> scalar with ``out_t`` ``[B, C]``; the total
        loss is its mean over the ``T`` steps.
    k : int, optional
        SLTT-K: back-propagate at ``k`` random steps only (``1 <= k <= T``); ``None``: all.
    generator : torch.Generator, optional
        Random source for the ``k`` steps (reproducible choice).

    Returns
    -------
    loss : torch.Tensor
        Mean per-step loss over all ``T`` steps, detached (0-d).
    out_seq : torch.Tensor
        Output ``[T, B, C]``, detached.

    Raises
    ------
    neurokit.errors.ConfigError
        For ``k`` outside ``[1, T]``.
    neurokit.errors.SchemaError
        For a non-time-major input, or a network whose output is not one step.

    Examples
    --------
    >>> from neurokit.snn import LIF
    >>> net = nn.Sequential(nn.Linear(3, 2), LIF())
    >>> gen = torch.Generator().manual_seed(0)
    >>> loss, out = sltt_step(net, torch.rand(6, 5, 3), torch.ones(5, 2),
    ...                       nn.functional.mse_loss, k=2, generator=gen)
    >>> out.shape, net[0].weight.grad is not None
    (torch.Size([6, 5, 2]), True)
    """
    check_sequence(x_seq, min_ndim=2, name="x_seq")
    n_steps = x_seq.shape[0]
    if k is None:
        chosen = set(range(n_steps))
    else:
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= n_steps:
            raise ConfigError("bad number of trained steps", field="k",
                              expected=f"an integer in [1, T={n_steps}] or None", found=repr(k))
        chosen = set(torch.randperm(n_steps, generator=generator)[:k].tolist())
    modules = _stateful(net)
    saved = [(m.step_mode, m.detach_state) for m in modules]
    losses, outs = [], []
    try:
        for m in modules:
            m.step_mode, m.detach_state = "multi", True
        reset_states(net)
        for t in range(n_steps):
            _detach_memories(net)
            with torch.set_grad_enabled(t in chosen and torch.is_grad_enabled()):
                out = net(x_seq[t:t + 1])
                if not isinstance(out, torch.Tensor) or out.dim() < 2 or out.shape[0] != 1:
                    found = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out)
                    raise SchemaError("network output is not one time step",
                                      field="net output", expected="[1, B, ...]",
                                      found=repr(found))
                loss_t = _check_loss(loss_fn(out[0], target))
                if loss_t.requires_grad:
                    (loss_t / n_steps).backward()
            losses.append(loss_t.detach())
            outs.append(out[0].detach())
    finally:
        for m, (mode, detach) in zip(modules, saved, strict=True):
            m.step_mode, m.detach_state = mode, detach
        _detach_memories(net)
    return torch.stack(losses).mean(), torch.stack(outs)
