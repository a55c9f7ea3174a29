"""TTFSNet (Stanojevic et al. 2024): one spike per neuron, earlier input -> earlier output,
exact equality with the ReLU network (outputs and gradients), dynamics match the closed form."""

import pytest
import torch
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.models._registry import build_model
from neurokit.snn.models.ttfs import TTFSNet, latency_values


def _latency_input(values: torch.Tensor, steps: int) -> torch.Tensor:
    """Latency code ``[steps, B, n]``: value v -> spike at round((1 - v)(steps - 1)); 0 -> none."""
    k = torch.round((1 - values) * (steps - 1)).long()
    x = torch.zeros(steps, *values.shape).scatter_(0, k.unsqueeze(0), 1.0)
    return x * (values > 0)


@pytest.fixture
def relu_and_input():
    torch.manual_seed(3)
    relu = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 12), nn.ReLU(),
                         nn.Linear(12, 4))
    x = _latency_input(torch.rand(32, 10), steps=11)
    return relu, x


def test_example_and_registry():
    net, x = TTFSNet.example()
    assert net(x).shape == (1, 2, 3)
    assert isinstance(build_model("ttfs", n_inputs=4, n_hidden=(3,), n_outputs=2), TTFSNet)


def test_latency_values_decode_the_first_spike():
    x = torch.zeros(5, 1, 3)
    x[4, 0, 0] = x[1, 0, 1] = x[3, 0, 1] = 1.0
    torch.testing.assert_close(latency_values(x), torch.tensor([[0.0, 0.75, 0.0]]))


def test_mapped_network_reproduces_the_relu_outputs_and_gradients(relu_and_input):
    relu, x = relu_and_input
    snn = TTFSNet.from_relu(relu).calibrate(x)
    values = latency_values(x)
    torch.testing.assert_close(snn(x)[0], relu(values), atol=1e-5, rtol=1e-5)
    assert (snn(x)[0].argmax(1) == relu(values).argmax(1)).all()
    # the paper's claim: identical training trajectories, i.e. identical gradients
    target = torch.randint(0, 4, (32,))
    nn.functional.cross_entropy(snn(x)[0], target).backward()
    nn.functional.cross_entropy(relu(values), target).backward()
    relu_linears = [m for m in relu if isinstance(m, nn.Linear)]
    for mine, theirs in zip(snn.layers, relu_linears, strict=True):
        torch.testing.assert_close(mine.weight.grad, theirs.weight.grad, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(mine.bias.grad, theirs.bias.grad, atol=1e-5, rtol=1e-5)
    # and back: the ReLU image of the SNN is the same function
    torch.testing.assert_close(snn.to_relu()(values), relu(values), atol=1e-5, rtol=1e-5)


def test_spike_times_encode_relu_activations_and_fall_in_their_windows(relu_and_input):
    relu, x = relu_and_input
    snn = TTFSNet.from_relu(relu).calibrate(x)
    activation = latency_values(x)
    layers = zip(snn.spike_times(x), snn.windows()[1:], snn.layers[:-1], strict=True)
    for time, (t_min, t_max), linear in layers:
        activation = torch.relu(linear(activation))
        time = time.detach()
        assert float(time.min()) >= t_min - 1e-5 and float(time.max()) <= t_max + 1e-5
        torch.testing.assert_close(t_max - time, activation.detach(), atol=1e-5, rtol=1e-5)
    assert 0.0 < snn.spikes_per_neuron(x) < 1.0


def test_simulated_dynamics_fire_at_most_once_at_the_closed_form_times(relu_and_input):
    relu, x = relu_and_input
    snn = TTFSNet.from_relu(relu).calibrate(x)
    dt = 1e-3
    rasters, logits = snn.simulate(x, dt=dt)
    layers = zip(rasters, snn.spike_times(x), snn.windows()[1:], strict=True)
    for raster, time, (t_min, t_max) in layers:
        counts = raster.sum(0)
        assert float(counts.max()) <= 1.0  # at most one spike per neuron
        fired = counts > 0
        assert bool((fired == (time < t_max - dt)).float().mean() > 0.99)
        grid_time = t_min + raster.argmax(0) * dt
        both = fired & (time < t_max - dt)
        assert float((grid_time[both] - time.detach()[both]).abs().max()) <= 2 * dt
    torch.testing.assert_close(logits, snn(x)[0].detach(), atol=0.05, rtol=0.01)


def test_earlier_input_spike_gives_earlier_output_spike():
    net = TTFSNet(n_inputs=1, n_hidden=(3,), n_outputs=2, x_max=2.0)
    with torch.no_grad():
        net.layers[0].weight.copy_(torch.tensor([[1.0], [0.5], [2.0]]))
        net.layers[0].bias.zero_()
    x = torch.zeros(11, 2, 1)
    x[2, 0, 0] = 1.0  # early input spike
    x[7, 1, 0] = 1.0  # late input spike
    early, late = net.spike_times(x)[0]
    assert (early < late).all()


def test_default_initialisation_is_the_relu_networks():
    net = TTFSNet(n_inputs=30, n_hidden=(20,), n_outputs=5)
    bound = (6.0 / (30 + 20)) ** 0.5  # Glorot uniform, zero biases
    assert float(net.layers[0].weight.detach().abs().max()) <= bound
    assert float(net.layers[0].bias.detach().abs().max()) == 0.0
    torch.testing.assert_close(net.window, torch.tensor([6.0]))  # (1 + 0.5) * x_max


def test_bad_input_and_config_raise():
    net, x = TTFSNet.example()
    with pytest.raises(SchemaError):
        net(x[..., :2])
    with pytest.raises(SchemaError):
        net(x[0])
    with pytest.raises(ConfigError):
        TTFSNet(4, (3, 3), 2, x_max=(1.0,))
    with pytest.raises(ConfigError):
        TTFSNet.from_relu(nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 2)))
