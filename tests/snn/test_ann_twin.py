"""ann_twin: the matched non-spiking copy of an SNN (same layers, neurons -> TimeReLU)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.ann_twin import TimeReLU, ann_twin
from neurokit.snn.base import StatefulModule
from neurokit.snn.models.sew_resnet import SEWResNet
from neurokit.snn.models.vgg import SpikingVGG


def _nets():
    torch.manual_seed(0)
    return [SEWResNet(1, 5, layers=(1, 1), widths=(4, 8), stem="small"),
            SpikingVGG(1, 5, widths=(4, 8), fc_hidden=6)]


def _stateful_neurons(net: nn.Module) -> list[str]:
    return [name for name, m in net.named_modules()
            if getattr(m, "emits_spikes", False)
            or (isinstance(m, StatefulModule) and m._memory_reset_values)]


@pytest.mark.parametrize("index", [0, 1], ids=["sew_resnet", "spiking_vgg"])
def test_twin_has_same_layers_and_weights_and_no_neuron(index):
    snn = _nets()[index]
    spiking = [n for n, m in snn.named_modules() if getattr(m, "emits_spikes", False)]
    before = {k: v.clone() for k, v in snn.state_dict().items()}
    twin = ann_twin(snn)
    assert [n for n, _ in twin.named_modules()] == [n for n, _ in snn.named_modules()]
    assert _stateful_neurons(twin) == []
    modules = dict(twin.named_modules())
    assert spiking and all(isinstance(modules[n], TimeReLU) for n in spiking)
    twin_state = twin.state_dict()
    assert set(twin_state) == set(before)
    assert all(torch.equal(twin_state[k], v) for k, v in before.items())
    # the original is untouched: still spiking, same weights, not sharing parameters
    assert _stateful_neurons(snn) and all(dict(snn.named_modules())[n].emits_spikes
                                          for n in spiking)
    assert all(torch.equal(snn.state_dict()[k], v) for k, v in before.items())
    p_snn, p_twin = next(snn.parameters()), next(twin.parameters())
    assert p_snn.data_ptr() != p_twin.data_ptr()


@pytest.mark.parametrize("index", [0, 1], ids=["sew_resnet", "spiking_vgg"])
def test_twin_forward_is_stateless_relu_network(index):
    snn = _nets()[index].eval()
    twin = ann_twin(snn)
    x = torch.rand(1, 3, 1, 8, 8).repeat(4, 1, 1, 1, 1)  # [T=4, B=3, 1, 8, 8], image repeated
    out = twin(x)
    assert out.shape == snn(x).shape == (4, 3, 5)
    # no state: every step of a repeated image gives the same output, and so does T=1
    assert torch.allclose(out, out[:1].expand_as(out), atol=1e-6)
    assert torch.allclose(twin(x[:1])[0], out[0], atol=1e-6)
    # a twin output differs from the spiking one (the nonlinearity changed)
    assert not torch.allclose(out, snn(x))
    # the activations are ReLUs of the preceding layer: non-negative, and not binary
    acts = {}
    for name, m in twin.named_modules():
        if isinstance(m, TimeReLU):
            m.register_forward_hook(lambda mod, i, o, name=name: acts.__setitem__(name, (i[0], o)))
    twin(x)
    for inp, o in acts.values():
        assert torch.equal(o, torch.relu(inp))
    assert any(((o > 0) & (o != 1)).any() for _, o in acts.values())


def test_training_the_twin_leaves_the_snn_alone():
    snn = _nets()[1]
    before = [p.clone() for p in snn.parameters()]
    twin = ann_twin(snn)
    opt = torch.optim.SGD(twin.parameters(), lr=0.5)
    twin(torch.rand(2, 4, 1, 8, 8)).sum().backward()
    opt.step()
    assert all(torch.equal(a, b) for a, b in zip(before, snn.parameters(), strict=True))
    assert any(not torch.equal(a, b) for a, b in zip(before, twin.parameters(), strict=True))


def test_reinitialize_is_seeded_and_changes_weights():
    snn = _nets()[1]
    a = ann_twin(snn, reinitialize=True, seed=3)
    b = ann_twin(snn, reinitialize=True, seed=3)
    c = ann_twin(snn, reinitialize=True, seed=4)
    wa, wb, wc = (n.features[0][0].weight for n in (a, b, c))
    assert torch.equal(wa, wb) and not torch.equal(wa, wc)
    assert not torch.equal(wa, snn.features[0][0].weight)
    state = torch.random.get_rng_state()
    ann_twin(snn, reinitialize=True, seed=5)
    assert torch.equal(state, torch.random.get_rng_state())  # global generator untouched


def test_rate_activation_clips_to_threshold():
    snn = SpikingVGG(1, 3, widths=(4,), fc_hidden=0, neuron_kwargs={"v_threshold": 0.5})
    twin = ann_twin(snn, activation="rate")
    relu = twin.features[2]
    assert relu.v_threshold == 0.5
    assert relu(torch.tensor([-1.0, 0.25, 3.0])).tolist() == [0.0, 0.5, 1.0]


def test_bad_input():
    with pytest.raises(SchemaError, match="no spiking neuron"):
        ann_twin(nn.Sequential(nn.Linear(2, 2), nn.ReLU()))
    with pytest.raises(SchemaError, match="torch.nn.Module"):
        ann_twin("sew_resnet")
    with pytest.raises(ConfigError, match="activation"):
        ann_twin(_nets()[1], activation="tanh")
