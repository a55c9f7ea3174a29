"""ParametricLIF: learnable tau, single == multi step, gradient of w, validation."""

from __future__ import annotations

import pytest
import torch

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import set_step_mode
from neurokit.snn.neurons.lif import LIF
from neurokit.snn.neurons.parametric import ParametricLIF


def _seq(shape=(12, 3, 6), seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g) * 1.2 + 0.9


@pytest.mark.parametrize("kwargs", [dict(), dict(init_tau=3.0, v_reset=None),
                                    dict(init_tau=5.0, decay_input=False, detach_reset=True)])
def test_single_step_equals_multi_step_including_w_grad(kwargs) -> None:
    x = _seq()
    multi, single = ParametricLIF(**kwargs), ParametricLIF(**kwargs)
    set_step_mode(single, "single")
    s_multi = multi(x)
    s_single = torch.stack([single(xt) for xt in x])
    assert torch.equal(s_multi, s_single)
    w = torch.randn(x.shape, generator=torch.Generator().manual_seed(1))
    (s_multi * w).sum().backward()
    (s_single * w).sum().backward()
    torch.testing.assert_close(multi.w.grad, single.w.grad, rtol=1e-4, atol=1e-6)
    assert float(multi.w.grad.abs()) > 0


def test_initial_tau_and_equivalence_with_lif() -> None:
    x = _seq()
    plif, lif = ParametricLIF(init_tau=3.0, surrogate="arctan"), LIF(tau=3.0, surrogate="arctan")
    assert plif.tau == pytest.approx(3.0)
    assert torch.equal(plif(x), lif(x))


def test_w_is_learned_and_reset_keeps_it() -> None:
    neuron = ParametricLIF(init_tau=2.0)
    opt = torch.optim.SGD(neuron.parameters(), lr=1.0)
    x = _seq()
    neuron(x).sum().backward()
    opt.step()
    assert neuron.tau != pytest.approx(2.0)
    tau = neuron.tau
    neuron.reset()
    assert neuron.v == 0.0 and neuron.tau == tau
    assert [n for n, _ in neuron.named_parameters()] == ["w"]


def test_validation() -> None:
    assert ParametricLIF()(torch.ones(3, 2)).shape == (3, 2)
    with pytest.raises(SchemaError):
        ParametricLIF()(torch.ones(3))
    with pytest.raises(ConfigError, match="init_tau"):
        ParametricLIF(init_tau=1.0)
    with pytest.raises(ConfigError, match="surrogate"):
        ParametricLIF(surrogate="bogus")
