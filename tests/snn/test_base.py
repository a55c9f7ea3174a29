"""Stateful modules, walkers and input checks of the SNN engine."""

import pytest
import torch
from torch import nn

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.snn import (
    LIF,
    StatefulModule,
    TimeDistributed,
    check_finite,
    check_sequence,
    reset_states,
    set_step_mode,
)


def _net() -> nn.Sequential:
    return nn.Sequential(TimeDistributed(nn.Linear(4, 3)), LIF(), TimeDistributed(nn.Linear(3, 2)),
                         LIF(v_reset=None))


def test_state_belongs_to_each_instance():
    a, b = LIF(step_mode="single"), LIF(step_mode="single")
    a(torch.full((2, 3), 0.7))
    assert isinstance(a.v, torch.Tensor) and a.v.abs().sum() > 0
    assert b.v == 0.0  # b untouched: no shared state
    assert a.surrogate is not b.surrogate  # one surrogate instance per neuron


def test_reset_states_gives_identical_outputs_on_repeat():
    torch.manual_seed(0)
    net = _net()
    x = torch.rand(6, 5, 4) * 3
    first = net(x)
    reset_states(net)
    again = net(x)
    assert torch.equal(first, again)
    # without a reset the membrane potential carries over into the next sequence
    neuron = LIF(tau=2.0)
    x = torch.full((3, 1), 1.5)
    assert neuron(x).flatten().tolist() == [0.0, 1.0, 0.0]
    assert neuron(x).flatten().tolist() == [1.0, 0.0, 1.0]
    reset_states(neuron)
    assert neuron(x).flatten().tolist() == [0.0, 1.0, 0.0]


def test_set_step_mode_single_equals_multi():
    torch.manual_seed(1)
    net = _net()
    x = torch.rand(8, 2, 4) * 3
    multi = net(x)
    reset_states(net)
    set_step_mode(net, "single")
    assert all(m.step_mode == "single" for m in net if isinstance(m, StatefulModule))
    # time-distributed layers are stateless: run them on [1, B, ...] slices
    outputs = []
    for t in range(x.shape[0]):
        h = net[0](x[t : t + 1])[0]
        h = net[1](h)
        h = net[2](h[None])[0]
        outputs.append(net[3](h))
    single = torch.stack(outputs)
    assert torch.equal(multi, single)


def test_register_memory_rejects_a_name_in_use():
    module = StatefulModule()
    with pytest.raises(ConfigError, match="state name"):
        module.register_memory("training", 0.0)


def test_unknown_step_mode():
    with pytest.raises(ConfigError, match="step_mode"):
        LIF(step_mode="m")


def test_check_sequence_names_the_expected_layout():
    with pytest.raises(SchemaError, match=r"time-major \[T, B, C, H, W\]"):
        check_sequence(torch.zeros(2, 1, 8, 8), ndim=5, name="frames", layout="[T, B, C, H, W]")
    with pytest.raises(SchemaError, match="not a tensor"):
        check_sequence([1, 2, 3])
    with pytest.raises(SchemaError):
        LIF()(torch.zeros(5))  # one dim: no batch axis, not [T, B, ...]


def test_check_finite():
    with pytest.raises(InvalidValueError, match="1 NaN/inf of 3"):
        check_finite(torch.tensor([0.0, float("nan"), 1.0]), "x")


def test_is_reset_until_the_first_step():
    neuron = LIF(step_mode="single")
    assert neuron.is_reset()
    neuron(torch.zeros(2, 3))
    assert not neuron.is_reset()
    reset_states(neuron)
    assert neuron.is_reset()
