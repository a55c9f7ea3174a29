"""PSN family: peer numerics against SpikingJelly, masking, single-step equivalence, errors."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from neurokit.errors import ConfigError, SchemaError  # noqa: E402
from neurokit.snn import reset_states, set_step_mode  # noqa: E402
from neurokit.snn.neurons import PSN, MaskedPSN, SlidingPSN, get_neuron_class  # noqa: E402


def _inputs(T: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(T, 3, 2, 5, generator=g, dtype=torch.float64) * 3.0).requires_grad_()


def _compare(ours, theirs, x: torch.Tensor) -> None:
    """Same spikes and same input gradients for a random upstream gradient."""
    x2 = x.detach().clone().requires_grad_()
    s1, s2 = ours(x), theirs(x2)
    assert s1.shape == x.shape
    assert torch.equal(s1, s2)
    assert 0 < float(s1.detach().mean()) < 1            # both classes of outcome are exercised
    g = torch.randn(s1.shape, generator=torch.Generator().manual_seed(1), dtype=x.dtype)
    (s1 * g).sum().backward()
    (s2 * g).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-10, atol=1e-12)
    assert x.grad.abs().sum() > 0


@pytest.fixture
def sj():
    pytest.importorskip("spikingjelly.activation_based")
    from spikingjelly.activation_based import neuron, surrogate
    return neuron, surrogate


def test_psn_matches_spikingjelly(sj):
    neuron, surrogate = sj
    T = 6
    ours = PSN(T, surrogate="atan").double()
    theirs = neuron.PSN(T, surrogate_function=surrogate.ATan()).double()
    # same initial form: Kaiming weight, SpikingJelly bias -1 == our threshold 1
    assert torch.allclose(theirs.bias, -ours.threshold.view(-1, 1))
    with torch.no_grad():
        theirs.weight.copy_(ours.weight)
        theirs.bias.copy_(-ours.threshold.view(-1, 1) + 0.3 * torch.randn(T, 1).double())
        ours.threshold.copy_(-theirs.bias.view(-1))
    _compare(ours, theirs, _inputs(T))
    # parameter gradients agree too
    ours.zero_grad()
    theirs.zero_grad()
    x = _inputs(T, 3).detach()
    ours(x).sum().backward()
    theirs(x).sum().backward()
    torch.testing.assert_close(ours.weight.grad, theirs.weight.grad)
    torch.testing.assert_close(ours.threshold.grad, -theirs.bias.grad.view(-1))


@pytest.mark.parametrize("lam", [0.0, 0.4, 1.0])
def test_masked_psn_matches_spikingjelly(sj, lam):
    neuron, surrogate = sj
    k, T = 3, 6
    ours = MaskedPSN(k, T, lambda_init=lam).double()
    theirs = neuron.MaskedPSN(k, T, lambda_init=lam, surrogate_function=surrogate.ATan(),
                              step_mode="m").double()
    with torch.no_grad():
        theirs.weight.copy_(ours.weight)
        theirs.bias.copy_(-ours.threshold.view(-1, 1))
    _compare(ours, theirs, _inputs(T))


@pytest.mark.parametrize("exp_init", [True, False])
@pytest.mark.parametrize("T", [2, 7])
def test_sliding_psn_matches_spikingjelly(sj, exp_init, T):
    neuron, surrogate = sj
    ours = SlidingPSN(3, exp_init=exp_init).double()
    theirs = neuron.SlidingPSN(3, exp_init=exp_init, surrogate_function=surrogate.ATan(),
                               step_mode="m").double()
    if exp_init:
        assert torch.allclose(ours.weight, theirs.weight)
    with torch.no_grad():
        theirs.weight.copy_(ours.weight)
        theirs.bias.copy_(-ours.threshold)
    x = _inputs(T)
    if T == 2:     # short sequences: only check equality of spikes/grads (rate may be 0 or 1)
        x2 = x.detach().clone().requires_grad_()
        assert torch.equal(ours(x), theirs(x2))
        assert torch.allclose(ours.toeplitz_weight(T), theirs.gen_gemm_weight(T))
    else:
        _compare(ours, theirs, x)


def test_sliding_psn_equation_by_hand():
    neuron = SlidingPSN(2)  # W = (0.5, 1), B = 1
    x = torch.tensor([0.4, 0.8, 0.1, 0.95])[:, None]
    h = torch.tensor([0.4, 0.2 + 0.8, 0.4 + 0.1, 0.05 + 0.95])
    assert neuron(x).flatten().tolist() == (h >= 1.0).float().tolist()


@pytest.mark.parametrize("make", [lambda: SlidingPSN(3, exp_init=False),
                                  lambda: MaskedPSN(3, 5, lambda_init=1.0)])
def test_single_step_equals_multi_step(make):
    neuron = make()
    with torch.no_grad():
        neuron.threshold.mul_(0.2)
    x = torch.rand(5, 2, 4, generator=torch.Generator().manual_seed(0), requires_grad=True)
    multi = neuron(x)
    set_step_mode(neuron, "single")
    xs = x.detach().clone().requires_grad_()
    single = torch.stack([neuron(xt) for xt in xs])
    torch.testing.assert_close(single, multi)
    (single * torch.arange(5.0).view(5, 1, 1)).sum().backward()
    g1 = xs.grad.clone()
    xs.grad = None
    (multi * torch.arange(5.0).view(5, 1, 1)).sum().backward()
    torch.testing.assert_close(g1, x.grad)
    assert 0 < len(neuron.queue) <= 3
    reset_states(neuron)
    assert neuron.queue == []


def test_masked_psn_lambda_and_mask():
    neuron = MaskedPSN(k=2, T=4, lambda_init=0.0)
    torch.testing.assert_close(neuron.effective_weight(), neuron.weight)  # lambda 0: full PSN
    neuron.lambda_ = 1.0
    w = neuron.effective_weight()
    lag = torch.arange(4)[:, None] - torch.arange(4)[None, :]
    assert bool((w[(lag < 0) | (lag >= 2)] == 0).all())
    assert bool((w[(lag >= 0) & (lag < 2)] == neuron.weight[(lag >= 0) & (lag < 2)]).all())
    neuron.lambda_ = 0.5
    torch.testing.assert_close(w + neuron.weight * 0.5 * (w == 0),
                               neuron.effective_weight())
    assert [MaskedPSN.lambda_schedule(e, 3) for e in range(4)] == [0.0, 0.5, 1.0, 1.0]
    with pytest.raises(ConfigError):
        neuron.lambda_ = 1.5
    # causal once fully masked: future inputs do not change past spikes' potentials
    neuron.lambda_ = 1.0
    x = torch.rand(4, 1, 3)
    y = x.clone()
    y[3] += 5.0
    assert torch.equal(neuron(x)[:3], neuron(y)[:3])


def test_psn_errors_and_registry():
    with pytest.raises(SchemaError):
        PSN(4)(torch.rand(5, 2))
    with pytest.raises(SchemaError):
        PSN(4)(torch.rand(4))
    with pytest.raises(ConfigError):
        PSN(0)
    with pytest.raises(ConfigError):
        SlidingPSN(2, surrogate="nope")
    psn = PSN(3)
    set_step_mode(psn, "single")
    with pytest.raises(ConfigError):
        psn(torch.rand(2, 3))
    masked = MaskedPSN(2, 3, lambda_init=0.5, step_mode="single")
    with pytest.raises(ConfigError):
        masked(torch.rand(2))
    masked.lambda_ = 1.0
    for _ in range(3):
        masked(torch.rand(2))
    with pytest.raises(SchemaError):
        masked(torch.rand(2))
    assert get_neuron_class("sliding_psn") is SlidingPSN
    assert all(cls.emits_spikes for cls in (PSN, MaskedPSN, SlidingPSN))
