"""IF / LIF neurons: single step equals multi step, state reset, validation, backends."""

from __future__ import annotations

import pytest
import torch

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import reset_states, set_step_mode
from neurokit.snn.neurons.lif import IF, LIF


def _seq(shape=(12, 3, 6), seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g) * 1.2 + 0.9


def _single_vs_multi(make):
    x = _seq()
    multi, single = make(), make()
    set_step_mode(single, "single")
    xm, xs = x.clone().requires_grad_(), x.clone().requires_grad_()
    s_multi = multi(xm)
    s_single = torch.stack([single(xt) for xt in xs])
    assert torch.equal(s_multi, s_single)
    assert 0 < float(s_multi.detach().mean()) < 1
    torch.testing.assert_close(multi.v, single.v)
    w = torch.randn(x.shape, generator=torch.Generator().manual_seed(1))
    (s_multi * w).sum().backward()
    (s_single * w).sum().backward()
    torch.testing.assert_close(xm.grad, xs.grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [
    dict(tau=2.0), dict(tau=3.5, v_reset=None, surrogate="arctan"),
    dict(tau=4.0, decay_input=False, detach_reset=True, v_reset=-0.1),
])
def test_lif_single_step_equals_multi_step(kwargs) -> None:
    _single_vs_multi(lambda: LIF(**kwargs))


@pytest.mark.parametrize("v_reset", [0.0, None])
def test_if_single_step_equals_multi_step(v_reset) -> None:
    _single_vs_multi(lambda: IF(v_reset=v_reset, surrogate="arctan"))


def test_state_carries_over_and_reset_restores() -> None:
    x = _seq()
    neuron = LIF(tau=2.0)
    whole = neuron(x)
    reset_states(neuron)
    assert neuron.v == 0.0
    first, second = neuron(x[:5]), neuron(x[5:])
    assert torch.equal(torch.cat([first, second]), whole)  # v carried across calls
    neuron.reset()
    assert torch.equal(neuron(x), whole)


def test_soft_reset_state_starts_at_zero_hard_at_v_reset() -> None:
    assert LIF(v_reset=None).v == 0.0
    assert LIF(v_reset=-0.5).v == -0.5


def test_inputs_validated() -> None:
    neuron = LIF()
    assert neuron(torch.ones(4, 3)).shape == (4, 3)  # [T, B] is a valid sequence
    with pytest.raises(SchemaError):
        neuron(torch.ones(4))
    with pytest.raises(ConfigError, match="tau"):
        LIF(tau=1.0)
    with pytest.raises(ConfigError, match="tau"):
        LIF(tau=0.5)
    with pytest.raises(ConfigError, match="surrogate"):
        LIF(surrogate="nope")
    with pytest.raises(ConfigError, match="backend"):
        LIF(backend="gpu")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="step mode"):
        IF(step_mode="both")  # type: ignore[arg-type]


def test_positional_signature_unchanged() -> None:
    neuron = LIF(3.0, 0.5, None, False, "arctan", 3.0, True, "single")
    assert (neuron.tau, neuron.v_threshold, neuron.v_reset, neuron.decay_input) == \
        (3.0, 0.5, None, False)
    assert neuron.surrogate.alpha == 3.0 and neuron.detach_reset
    assert neuron.step_mode == "single" and neuron.backend == "auto"


def test_higher_tau_integrates_longer() -> None:
    # a constant sub-threshold-per-step drive: slower leak (larger tau) reaches threshold
    x = torch.full((30, 1), 0.3)
    fast, slow = LIF(tau=2.0, decay_input=False), LIF(tau=10.0, decay_input=False)
    assert fast(x).sum() == 0  # steady state 0.6 < 1
    assert slow(x).sum() > 0   # steady state 3.0 > 1


def test_detach_state_cuts_the_gradient_between_calls() -> None:
    # SLTT feeds one step per call: with detach_state the second call's loss must not reach
    # the first call's input through the membrane potential
    for detach in (False, True):
        neuron = LIF(tau=2.0, surrogate="arctan")
        neuron.detach_state = detach
        x1 = torch.full((1, 3), 0.8, requires_grad=True)
        neuron(x1)
        neuron(torch.full((1, 3), 0.8, requires_grad=True)).sum().backward()
        reached = x1.grad is not None and bool(x1.grad.abs().sum() > 0)
        assert reached is (not detach)
