"""TimeDistributed: time merged into batch, and the opt-in channels-last layout."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from neurokit.errors import ConfigError
from neurokit.snn.base import reset_states
from neurokit.snn.layers.container import TimeDistributed
from neurokit.snn.neurons.lif import LIF


def _conv_snn(channels_last: bool) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(
        TimeDistributed(nn.Conv2d(2, 8, 3, padding=1), channels_last=channels_last),
        LIF(tau=2.0, surrogate="arctan", alpha=2.0),
        TimeDistributed(nn.MaxPool2d(2), nn.Conv2d(8, 8, 3, padding=1),
                        channels_last=channels_last),
        LIF(tau=2.0, surrogate="arctan", alpha=2.0),
        TimeDistributed(nn.Flatten(), nn.Linear(8 * 5 * 5, 4)),
    )


def test_matches_per_step_application():
    layer = TimeDistributed(nn.Linear(3, 2))
    x = torch.randn(4, 5, 3)
    expected = torch.stack([layer[0](x[t]) for t in range(4)])
    torch.testing.assert_close(layer(x), expected)


def test_channels_last_equals_default_layout_in_values_and_gradients():
    x = (torch.rand(6, 3, 2, 10, 10) < 0.3).float()
    results = []
    for channels_last in (False, True):
        net = _conv_snn(channels_last)
        reset_states(net)
        out = net(x)
        out.square().sum().backward()
        grads = [p.grad.contiguous() for p in net.parameters()]
        results.append((out.detach(), grads))
    (out_a, grads_a), (out_b, grads_b) = results
    assert out_a.abs().sum() > 0
    torch.testing.assert_close(out_b, out_a, rtol=1e-5, atol=1e-5)
    for ga, gb in zip(grads_a, grads_b, strict=True):
        torch.testing.assert_close(gb, ga, rtol=1e-4, atol=1e-5)


def test_channels_last_layout_reaches_the_convolution():
    seen = {}
    block = TimeDistributed(nn.Conv2d(2, 4, 3, padding=1), channels_last=True)
    block[0].register_forward_pre_hook(lambda m, args: seen.update(x=args[0]))
    block(torch.rand(2, 3, 2, 6, 6))
    assert seen["x"].is_contiguous(memory_format=torch.channels_last)
    assert not seen["x"].is_contiguous()
    assert block[0].weight.is_contiguous(memory_format=torch.channels_last)


def test_channels_last_refuses_strided_pointwise_convolution():
    with pytest.raises(ConfigError, match=r"TimeDistributed\.0"):
        TimeDistributed(nn.Conv2d(4, 8, 1, stride=2), channels_last=True)
    TimeDistributed(nn.Conv2d(4, 8, 1, stride=2))  # default layout: allowed


def test_channels_last_block_hands_gradients_back_in_its_layout():
    block = TimeDistributed(nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 2),
                            channels_last=True)
    x = torch.rand(2, 3, 4, 6, 6).requires_grad_()
    seen = {}
    block[0].register_full_backward_hook(lambda m, gin, gout: seen.update(g=gout[0]))
    block(x).sum().backward()
    assert seen["g"].is_contiguous(memory_format=torch.channels_last)
    reference = TimeDistributed(nn.MaxPool2d(2), nn.Flatten(), block[2])
    x2 = x.detach().clone().requires_grad_()
    reference(x2).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad)
