"""BPTT and SLTT / SLTT-K training steps: memory, exact gradients, equivalences, learning."""

from __future__ import annotations

import weakref

import pytest
import torch
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn import LIF, TimeDistributed
from neurokit.snn.training import bptt_step, sltt_step


class SavedTensorMeter:
    """Peak bytes held by autograd's saved tensors (deterministic, device independent)."""

    def __init__(self) -> None:
        self.live = 0
        self.peak = 0

    def _release(self, n: int) -> None:
        self.live -= n

    def pack(self, tensor: torch.Tensor):
        n = tensor.numel() * tensor.element_size()
        self.live += n
        self.peak = max(self.peak, self.live)
        holder = _Box(tensor)
        weakref.finalize(holder, self._release, n)
        return holder

    @staticmethod
    def unpack(holder) -> torch.Tensor:
        return holder.tensor

    def __enter__(self) -> SavedTensorMeter:
        self._ctx = torch.autograd.graph.saved_tensors_hooks(self.pack, self.unpack)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._ctx.__exit__(*exc)


class _Box:
    def __init__(self, tensor: torch.Tensor) -> None:
        self.tensor = tensor


def _mlp(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(TimeDistributed(nn.Linear(6, 32)), LIF(), nn.Linear(32, 32), LIF(),
                         nn.Linear(32, 3))


def _conv(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(TimeDistributed(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4)), LIF(),
                         TimeDistributed(nn.AvgPool2d(2), nn.Flatten(1)), nn.Linear(64, 3))


def _ce(out, y):
    return nn.functional.cross_entropy(out, y)


def _ce_seq(out_seq, y):
    return nn.functional.cross_entropy(out_seq.flatten(0, 1), y.repeat(out_seq.shape[0]))


def _peak(step, n_steps: int, make=_mlp, shape=(6,)) -> int:
    net = make()
    x = torch.rand(n_steps, 16, *shape, generator=torch.Generator().manual_seed(1))
    y = torch.arange(16) % 3
    with SavedTensorMeter() as meter:
        step(net, x, y)
    assert meter.live <= meter.peak
    return meter.peak


@pytest.mark.parametrize(("make", "shape"), [(_mlp, (6,)), (_conv, (2, 8, 8))])
def test_sltt_memory_is_flat_in_time_while_bptt_grows(make, shape):
    def run_bptt(net, x, y):
        return bptt_step(net, x, y, _ce_seq)

    def run_sltt(net, x, y):
        return sltt_step(net, x, y, _ce)

    bptt = {n: _peak(run_bptt, n, make, shape) for n in (4, 8, 16)}
    sltt = {n: _peak(run_sltt, n, make, shape) for n in (4, 8, 16)}
    assert bptt[4] < bptt[8] < bptt[16]
    assert bptt[16] / bptt[4] > 3.0
    assert max(sltt.values()) <= 1.10 * min(sltt.values())
    assert sltt[16] < bptt[16] / 8


def test_sltt_gradient_equals_hand_computed_per_step_gradient():
    torch.manual_seed(3)
    n_steps, batch, n_in, n_out, tau = 5, 4, 3, 2, 2.0
    lin = nn.Linear(n_in, n_out)
    neuron = LIF(tau=tau, surrogate="sigmoid")
    net = nn.Sequential(lin, neuron)
    x = torch.randn(n_steps, batch, n_in) * 3
    target = torch.rand(batch, n_out)

    def loss_fn(out, y):
        return ((out - y) ** 2).sum()

    sltt_step(net, x, target, loss_fn)

    # by hand: dl_t/dW = sum_b [2 (s_t - y) * g'(h_t - th) * (1 / tau)] x_t^T, state constant
    w, b = lin.weight.detach(), lin.bias.detach()
    v = torch.zeros(batch, n_out)
    grad_w, grad_b = torch.zeros_like(w), torch.zeros_like(b)
    for t in range(n_steps):
        h = v + (x[t] @ w.T + b - v) / tau
        s = (h >= 1.0).float()
        delta = 2 * (s - target) * neuron.surrogate.derivative(h - 1.0) / tau
        grad_w += delta.T @ x[t] / n_steps
        grad_b += delta.sum(0) / n_steps
        v = h * (1 - s)
    assert torch.allclose(lin.weight.grad, grad_w, atol=1e-6)
    assert torch.allclose(lin.bias.grad, grad_b, atol=1e-6)
    # and it differs from BPTT's, which also follows the temporal path
    lin.zero_grad()
    bptt_step(net, x, target.expand(n_steps, -1, -1),
              lambda o, y: sum(loss_fn(o[t], y[t]) for t in range(n_steps)) / n_steps)
    assert not torch.allclose(lin.weight.grad, grad_w, atol=1e-6)


def test_sltt_k_with_k_equal_t_is_sltt_and_k_picks_steps():
    x = torch.rand(6, 8, 6, generator=torch.Generator().manual_seed(2))
    y = torch.arange(8) % 3
    grads = []
    for k in (None, 6):
        net = _mlp()
        loss, out = sltt_step(net, x, y, _ce, k=k, generator=torch.Generator().manual_seed(0))
        grads.append([p.grad.clone() for p in net.parameters()])
        assert out.shape == (6, 8, 3) and loss.dim() == 0
    assert all(torch.allclose(a, b) for a, b in zip(*grads, strict=True))
    # k=1: the gradient of one random step only, seeded -> reproducible, and smaller than all
    runs = []
    for _ in range(2):
        net = _mlp()
        sltt_step(net, x, y, _ce, k=1, generator=torch.Generator().manual_seed(5))
        runs.append(net[-1].bias.grad.clone())
    assert torch.equal(runs[0], runs[1])
    assert not torch.allclose(runs[0], grads[0][-1])
    with pytest.raises(ConfigError):
        sltt_step(_mlp(), x, y, _ce, k=7)


def test_steps_restore_modes_and_reject_bad_input():
    net = _mlp()
    net[1].step_mode = "single"
    x = torch.rand(4, 2, 6)
    sltt_step(net, x, torch.zeros(2, dtype=torch.long), _ce)
    assert net[1].step_mode == "single" and net[1].detach_state is False
    assert net[3].step_mode == "multi" and net[3].detach_state is False
    with pytest.raises(SchemaError):
        sltt_step(net, torch.rand(6), torch.zeros(2, dtype=torch.long), _ce)
    with pytest.raises(SchemaError):
        bptt_step(net, x, None, lambda o, y: o.sum(-1))


def test_sltt_training_reduces_the_loss_on_a_toy_task():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(7)
    n = 64
    y = torch.randint(0, 3, (n,), generator=gen)
    centres = torch.randn(3, 6, generator=gen) * 2
    x = (centres[y] + 0.3 * torch.randn(n, 6, generator=gen)).expand(4, n, 6).contiguous()
    net = _mlp()
    opt = torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss, out = sltt_step(net, x, y, _ce)
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0]
    accuracy = float((out.mean(0).argmax(-1) == y).float().mean())
    assert accuracy > 0.8
