"""Spiking VGG, SEW-ResNet and the recurrent movie SNN: shapes, gradients, SEW maths, state."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn import reset_states, set_step_mode
from neurokit.snn.models import build_model
from neurokit.snn.models.recurrent import RecurrentSNN
from neurokit.snn.models.sew_resnet import SEWBasicBlock, SEWResNet, sew_connect, sew_resnet18
from neurokit.snn.models.vgg import SpikingVGG

MODELS = [SpikingVGG, SEWResNet, RecurrentSNN]


@pytest.mark.parametrize("cls", MODELS)
def test_forward_backward_shape_and_time_major_check(cls):
    torch.manual_seed(0)
    net, x = cls.example()
    out = net(x)
    assert out.shape == (x.shape[0], x.shape[1], 10)
    out.pow(2).mean().backward()
    conv = next(m for m in net.modules() if isinstance(m, nn.Conv2d))
    assert conv.weight.grad is not None and conv.weight.grad.abs().sum() > 0
    with pytest.raises(SchemaError, match="time-major"):
        net(x[0])                      # [B, C, H, W] in multi-step mode


def _calibrate(net: nn.Module, x: torch.Tensor) -> None:
    """BN running statistics from one batch (cumulative average), then eval mode."""
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None
    net.train()
    with torch.no_grad():
        net(x)
    net.eval()
    reset_states(net)


def _spikes(net: nn.Module, run) -> tuple[torch.Tensor, torch.Tensor]:
    """Output of ``run()`` and every neuron's spikes (flattened, in call order)."""
    record = []
    hooks = [m.register_forward_hook(lambda m, i, o: record.append(o.detach().flatten()))
             for m in net.modules() if getattr(m, "emits_spikes", False)]
    try:
        out = run()
    finally:
        for h in hooks:
            h.remove()
    return out, torch.cat(record)


@pytest.mark.parametrize("cls", MODELS)
def test_single_step_mode_equals_multi_step(cls):
    torch.manual_seed(1)
    net, x = cls.example()
    _calibrate(net, x)                  # fixed BN statistics: VGG/SEW normalise over T*B
    multi, spikes_multi = _spikes(net, lambda: net(x))
    set_step_mode(net, "single")
    reset_states(net)
    single, spikes_single = _spikes(net, lambda: torch.stack([net(frame) for frame in x]))
    assert spikes_multi.sum() > 0
    assert torch.allclose(single, multi, atol=1e-5)
    # same spikes in every layer (RecurrentSNN runs frame by frame in both modes: same order)
    assert spikes_single.sum() == spikes_multi.sum()
    if cls is RecurrentSNN:
        assert torch.equal(spikes_single, spikes_multi)
    with pytest.raises(SchemaError):
        net(x)                          # a whole sequence in single-step mode


def test_build_model_and_any_input_size():
    net = build_model("spiking_vgg", in_channels=1, n_outputs=10, widths=(4, 8))
    assert net(torch.zeros(2, 3, 1, 8, 8)).shape == (2, 3, 10)
    reset_states(net)                   # the neurons' state has the previous input's shape
    assert net(torch.zeros(2, 3, 1, 13, 11)).shape == (2, 3, 10)
    sew = build_model("sew_resnet", in_channels=2, n_outputs=4, layers=(1, 1, 1),
                      widths=(2, 4, 4), stem="imagenet", connect="AND")
    assert sew(torch.rand(2, 1, 2, 32, 32)).shape == (2, 1, 4)
    rec = build_model("recurrent_snn", in_channels=3, n_outputs=2, layers=(1, 1, 1),
                      widths=(2, 4, 4), stem="small")
    assert rec(torch.rand(2, 1, 3, 7, 9)).shape == (2, 1, 2)  # odd sizes: feedback cropped
    with pytest.raises(ConfigError):
        SpikingVGG(1, 10, widths=(4,), pool_after=(3,))
    with pytest.raises(ConfigError):
        SEWResNet(1, 10, connect="OR")
    with pytest.raises(ConfigError):
        SEWResNet(1, 10, layers=(1, 1), widths=(4,))
    with pytest.raises(ConfigError):
        SpikingVGG(1, 10, neuron="no_such_neuron")
    with pytest.raises(ConfigError, match="frame by frame"):
        RecurrentSNN(1, 10, neuron="psn", neuron_kwargs={"T": 4})


def test_sew_connect_functions_on_hand_made_spikes():
    a = torch.tensor([0.0, 0.0, 1.0, 1.0])
    s = torch.tensor([0.0, 1.0, 0.0, 1.0])
    assert sew_connect(a, s, "ADD").tolist() == [0.0, 1.0, 1.0, 2.0]
    assert sew_connect(a, s, "AND").tolist() == [0.0, 0.0, 0.0, 1.0]
    assert sew_connect(a, s, "IAND").tolist() == [0.0, 1.0, 0.0, 0.0]
    with pytest.raises(ConfigError):
        sew_connect(a, s, "XOR")


@pytest.mark.parametrize("connect", ["ADD", "AND", "IAND"])
def test_sew_block_applies_connect_after_the_neuron(connect):
    torch.manual_seed(2)
    block = SEWBasicBlock(3, 3, connect=connect)
    x = (torch.rand(4, 2, 3, 5, 5) < 0.5).float()
    out = block(x)
    reset_states(block)
    a = block.residual(x)               # SN(F(x)): spikes
    assert set(a.unique().tolist()) <= {0.0, 1.0}
    expected = {"ADD": a + x, "AND": a * x, "IAND": (1 - a) * x}[connect]
    assert torch.equal(out, expected)
    # identity when the residual branch is silent (ADD, IAND) or saturated (AND)
    for param in block.residual.parameters():
        nn.init.zeros_(param)
    bias = 0.0 if connect != "AND" else 10.0
    last_norm = block.residual[-2][0]
    nn.init.constant_(last_norm.bias, bias)
    block.eval()
    reset_states(block)
    assert torch.equal(block(x), x)


def test_sew_resnet_depths():
    net = sew_resnet18(in_channels=1, n_outputs=3, widths=(2, 2, 2, 2), stem="small")
    n_blocks = sum(isinstance(m, SEWBasicBlock) for m in net.modules())
    assert n_blocks == 8


def test_recurrent_state_persists_across_calls_until_reset():
    torch.manual_seed(3)
    net, x = RecurrentSNN.example()     # train mode: BN statistics per frame in both cases
    whole, spikes_whole = _spikes(net, lambda: net(x))
    assert spikes_whole.sum() > 0
    reset_states(net)
    first, second = net(x[:2]), net(x[2:])
    assert torch.allclose(torch.cat([first, second]), whole, atol=1e-5)
    assert net.feedback_0 is not None
    reset_states(net)
    assert net.feedback_0 is None and net.stages[0].mix[2].v == 0.0
    fresh = net(x[2:])
    assert not torch.allclose(second, fresh, atol=1e-4)   # the state had carried over
    # the feedback matters: with its mixing weights zeroed the spikes change
    reset_states(net)
    with torch.no_grad():
        for stage in net.stages:
            conv = stage.mix[0][0]
            conv.weight[:, conv.in_channels - stage.out_channels:] = 0
    _, spikes_no_feedback = _spikes(net, lambda: net(x))
    assert not torch.equal(spikes_no_feedback, spikes_whole)


@pytest.mark.parametrize("cls", MODELS)
def test_sltt_and_bptt_train_each_model(cls):
    from neurokit.snn.training import bptt_step, sltt_step

    torch.manual_seed(4)
    net, x = cls.example()
    x = torch.rand(x.shape[0], 8, *x.shape[2:])   # per-step BN over 2 samples caps |z| at 1
    y = torch.arange(x.shape[1]) % 10
    loss, out = sltt_step(net, x, y, nn.functional.cross_entropy, k=2)
    assert out.shape == (x.shape[0], x.shape[1], 10) and torch.isfinite(loss)
    assert all(m.detach_state is False for m in net.modules() if hasattr(m, "detach_state"))
    head = [m for m in net.modules() if isinstance(m, nn.Linear)][-1]
    assert head.weight.grad.abs().sum() > 0
    net.zero_grad()
    loss, out = bptt_step(net, x, y, lambda o, t: nn.functional.cross_entropy(o.mean(0), t))
    assert head.weight.grad.abs().sum() > 0


def test_vgg_channels_last_matches_default_layout():
    torch.manual_seed(3)
    default = SpikingVGG(2, 5, widths=(4, 8), fc_hidden=8)
    fast = SpikingVGG(2, 5, widths=(4, 8), fc_hidden=8, channels_last=True)
    fast.load_state_dict(default.state_dict())
    x = torch.rand(4, 3, 2, 8, 8)
    outputs = []
    for net in (default, fast):
        reset_states(net)
        out = net(x)
        out.square().sum().backward()
        outputs.append((out.detach(), net.features[0][0].weight.grad.contiguous()))
    torch.testing.assert_close(outputs[1][0], outputs[0][0], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(outputs[1][1], outputs[0][1], rtol=1e-4, atol=1e-5)
    assert fast.features[0][0].weight.is_contiguous(memory_format=torch.channels_last)
