"""DelayLinear: the DCLS kernel puts the weight at the delay, shifts inputs, learns delays."""

import pytest
import torch

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.layers.delay import DelayLinear, sigma_schedule


def _layer(delay: float, weight: float = 1.0, max_delay: int = 6, sigma: float = 1e-3):
    layer = DelayLinear(1, 1, max_delay=max_delay, sigma_init=sigma)
    with torch.no_grad():
        layer.delay.fill_(delay)
        layer.weight.fill_(weight)
    return layer


@pytest.mark.parametrize("delay", [0, 2, 5])
def test_kernel_puts_the_weight_at_the_delay(delay):
    kernel = _layer(delay, weight=0.7, sigma=0.3).kernel()[0, 0].detach()
    assert int(kernel.argmax()) == delay
    assert float(kernel.sum()) == pytest.approx(0.7, rel=1e-5)  # normalised Gaussian


def test_fractional_delay_spreads_between_neighbouring_taps():
    kernel = _layer(2.5, sigma=0.5).kernel()[0, 0].detach()
    assert float(kernel[2]) == pytest.approx(float(kernel[3]), rel=1e-5)
    assert float(kernel[2] + kernel[3]) > 0.8


@pytest.mark.parametrize("delay", [0, 1, 3, 6])
def test_integer_delay_with_tiny_sigma_shifts_by_exactly_d_steps(delay, rng):
    x = torch.tensor(rng.normal(size=(20, 3, 1)), dtype=torch.float32)
    y = _layer(delay, weight=2.0).eval()(x)
    expected = torch.zeros_like(x)
    expected[delay:] = 2.0 * x[: 20 - delay]
    torch.testing.assert_close(y, expected, atol=1e-5, rtol=1e-5)


def test_causal_output_never_sees_the_future():
    layer = DelayLinear(4, 3, max_delay=5, sigma_init=2.0)
    x = torch.zeros(12, 2, 4, requires_grad=True)
    layer(x)[7].sum().backward()
    assert float(x.grad[8:].abs().sum()) == 0.0
    assert float(x.grad[:8].abs().sum()) > 0.0


def test_gradients_flow_to_delays_and_move_them_toward_the_true_shift(rng):
    """One synapse learns the lag of a delayed copy by gradient descent on the delay."""
    x = torch.tensor(rng.normal(size=(40, 8, 1)), dtype=torch.float32)
    target = torch.zeros_like(x)
    target[4:] = x[:-4]
    layer = _layer(1.5, sigma=1.5, max_delay=8)
    layer.weight.requires_grad_(False)
    opt = torch.optim.Adam([layer.delay], lr=0.1)
    for _ in range(80):
        loss = (layer(x) - target).square().mean()
        opt.zero_grad()
        loss.backward()
        assert layer.delay.grad is not None and torch.isfinite(layer.delay.grad).all()
        opt.step()
    assert float(layer.delays) == pytest.approx(4.0, abs=0.3)


def test_delays_are_clamped_and_rounded():
    layer = DelayLinear(2, 2, max_delay=4)
    with torch.no_grad():
        layer.delay.copy_(torch.tensor([[-3.0, 1.4], [2.6, 9.0]]))
    torch.testing.assert_close(layer.delays, torch.tensor([[0.0, 1.4], [2.6, 4.0]]))
    layer.round_delays()
    assert layer.delay.detach().tolist() == [[0.0, 1.0], [3.0, 4.0]]
    layer.train()(torch.zeros(3, 1, 2))  # training forward clamps the parameter in place
    assert 0.0 <= float(layer.delays.min()) and float(layer.delays.max()) <= 4.0
    assert layer.delay.detach().tolist() == layer.delays.tolist()


def test_initial_delays_cover_the_range_and_weights_are_kaiming():
    layer = DelayLinear(50, 40, max_delay=10)
    assert 0.0 <= float(layer.delays.min()) < 1.0 and 9.0 < float(layer.delays.max()) <= 10.0
    assert float(layer.sigma) == 5.0  # max_delay / 2, as in the paper
    bound = (6.0 / 50) ** 0.5
    assert float(layer.weight.detach().abs().max()) <= bound


def test_sigma_schedule_and_setter():
    values = [sigma_schedule(e, 20, 8.0, 0.5) for e in range(20)]
    assert values[0] == 8.0 and values[5] == pytest.approx(0.5) and values[-1] == pytest.approx(0.5)
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))
    layer = DelayLinear(1, 1, max_delay=3)
    layer.set_sigma(0.7)
    assert float(layer.sigma) == pytest.approx(0.7)
    with pytest.raises(ConfigError):
        layer.set_sigma(0.0)


def test_synaptic_macs_equal_the_dense_layer():
    assert DelayLinear(7, 5, max_delay=3).synaptic_macs((11, 2, 7)) == 11 * 2 * 7 * 5


def test_bad_input_and_config_raise():
    layer = DelayLinear(3, 2, max_delay=2)
    with pytest.raises(SchemaError):
        layer(torch.zeros(4, 3))
    with pytest.raises(SchemaError):
        layer(torch.zeros(4, 2, 5))
    with pytest.raises(ConfigError):
        DelayLinear(3, 2, max_delay=-1)
    with pytest.raises(ConfigError):
        DelayLinear(3, 2, max_delay=2, delay_init="gaussian")
