"""AdaptiveLIF: threshold adaptation, single == multi step, reset, validation."""

from __future__ import annotations

import math

import pytest
import torch

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import reset_states, set_step_mode
from neurokit.snn.neurons.adaptive import AdaptiveLIF
from neurokit.snn.neurons.lif import LIF


def _seq(shape=(20, 3, 6), seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g) * 1.2 + 1.2


@pytest.mark.parametrize("kwargs", [dict(), dict(v_reset=None, beta=0.5, surrogate="arctan")])
def test_single_step_equals_multi_step(kwargs) -> None:
    x = _seq()
    multi, single = AdaptiveLIF(**kwargs), AdaptiveLIF(**kwargs)
    set_step_mode(single, "single")
    xm, xs = x.clone().requires_grad_(), x.clone().requires_grad_()
    s_multi = multi(xm)
    s_single = torch.stack([single(xt) for xt in xs])
    assert torch.equal(s_multi, s_single)
    torch.testing.assert_close(multi.a, single.a)
    s_multi.sum().backward()
    s_single.sum().backward()
    torch.testing.assert_close(xm.grad, xs.grad)


def test_threshold_rises_after_spikes_and_decays() -> None:
    x = torch.full((40, 1, 1), 1.5)
    alif = AdaptiveLIF(tau=2.0, tau_adapt=10.0, beta=0.5)
    lif = LIF(tau=2.0)
    s_alif, s_lif = alif(x), lif(x)
    assert s_alif.sum() < s_lif.sum()  # adaptation lowers the rate under constant drive
    assert torch.equal(s_alif[0], s_lif[0])  # identical before the first spike adapts
    # the trace obeys a_t = rho a_{t-1} + S_{t-1}
    rho = math.exp(-1 / 10.0)
    a = torch.zeros(1, 1)
    for s in s_alif:
        a = rho * a + s
    torch.testing.assert_close(alif.a, a)
    # with no input the trace decays geometrically
    a_before = alif.a.clone()
    set_step_mode(alif, "single")
    alif(torch.zeros(1, 1))
    torch.testing.assert_close(alif.a, rho * a_before)


def test_beta_zero_is_lif() -> None:
    x = _seq()
    assert torch.equal(AdaptiveLIF(tau=3.0, beta=0.0)(x), LIF(tau=3.0)(x))


def test_reset_restores_state() -> None:
    x = _seq()
    neuron = AdaptiveLIF()
    first = neuron(x)
    assert float(neuron.a.max()) > 0
    reset_states(neuron)
    assert neuron.a == 0.0 and neuron.v == 0.0
    assert torch.equal(neuron(x), first)


def test_validation() -> None:
    assert AdaptiveLIF()(torch.ones(3, 2)).shape == (3, 2)
    with pytest.raises(SchemaError):
        AdaptiveLIF()(torch.ones(3))
    with pytest.raises(ConfigError, match="tau"):
        AdaptiveLIF(tau=0.9)
    with pytest.raises(ConfigError, match="tau_adapt"):
        AdaptiveLIF(tau_adapt=0.0)
    with pytest.raises(ConfigError, match="beta"):
        AdaptiveLIF(beta=-1.0)
    with pytest.raises(ConfigError, match="surrogate"):
        AdaptiveLIF(surrogate="bogus")
