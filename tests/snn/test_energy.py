"""Energy estimate: hand-computed MACs/SOPs, zero input, analog first layer, opt-in layers."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("xarray")

from torch import nn  # noqa: E402

from neurokit.errors import SchemaError  # noqa: E402
from neurokit.snn import (  # noqa: E402
    E_AC,
    E_MAC,
    IF,
    LIF,
    TimeDistributed,
    estimate_energy,
    set_step_mode,
)


def test_constants():
    assert E_AC == pytest.approx(0.9e-12) and E_MAC == pytest.approx(4.6e-12)


def test_linear_hand_computed():
    T, B = 4, 2
    net = nn.Sequential(TimeDistributed(nn.Linear(10, 3)), LIF(),
                        TimeDistributed(nn.Linear(3, 2)), IF())
    with torch.no_grad():
        net[2][0].weight.fill_(1.0)
        net[2][0].bias.zero_()
    x = torch.zeros(T, B, 10)
    x[:, :, :3] = 1.0                           # 3 of 10 inputs spike at every step: rate 0.3
    x[0, 0, 9] = 1.0                            # one extra spike
    torch.manual_seed(0)
    with torch.no_grad():
        net[0][0].weight.uniform_(0.0, 1.0)
        spikes_hidden = net[1](net[0](x))       # what the second layer receives
    net[1].reset()
    ds = estimate_energy(net, x)
    assert ds.layer.values.tolist() == ["0.0", "2.0"]
    rate0 = (3 * T * B + 1) / (10 * T * B)
    assert float(ds.macs.sel(layer="0.0")) == 30
    assert float(ds.input_rate.sel(layer="0.0")) == pytest.approx(rate0)
    assert float(ds.sops.sel(layer="0.0")) == pytest.approx(30 * T * rate0)
    assert float(ds.energy_snn.sel(layer="0.0")) == pytest.approx(30 * T * rate0 * E_AC)
    assert float(ds.energy_ann.sel(layer="0.0")) == pytest.approx(30 * E_MAC)
    rate1 = float(spikes_hidden.mean())
    assert 0 < rate1 < 1
    assert float(ds.macs.sel(layer="2.0")) == 6
    assert float(ds.input_rate.sel(layer="2.0")) == pytest.approx(rate1)
    assert float(ds.sops.sel(layer="2.0")) == pytest.approx(6 * T * rate1)
    assert bool(ds.binary_input.all())
    total_snn = (30 * T * rate0 + 6 * T * rate1) * E_AC
    assert ds.attrs["energy_snn_total"] == pytest.approx(total_snn)
    assert ds.attrs["energy_ann_total"] == pytest.approx(36 * E_MAC)
    assert ds.attrs["energy_ratio"] == pytest.approx(total_snn / (36 * E_MAC))
    assert ds.energy_snn.attrs["units"] == "J"
    # the net is left as found: no hooks, states reset
    assert all(not m._forward_hooks for m in net.modules()) and net[1].v == 0.0


def test_zero_input_gives_zero_sops():
    net = nn.Sequential(TimeDistributed(nn.Conv2d(2, 4, 3, padding=1)), LIF(),
                        TimeDistributed(nn.Flatten(), nn.Linear(4 * 5 * 5, 3)), LIF())
    ds = estimate_energy(net, torch.zeros(3, 2, 2, 5, 5))
    assert float(ds.sops.sum()) == 0 and ds.attrs["energy_snn_total"] == 0
    # conv MACs per sample: outputs (4*5*5) x in-channels (2) x kernel (9)
    assert float(ds.macs.sel(layer="0.0")) == 4 * 5 * 5 * 2 * 9
    assert float(ds.macs.sel(layer="2.1")) == 100 * 3
    assert ds.attrs["energy_ann_total"] == pytest.approx((1800 + 300) * E_MAC)


def test_analog_first_layer_counts_macs():
    T = 5
    net = nn.Sequential(nn.Linear(4, 3), LIF(), nn.Linear(3, 2), LIF())
    x = torch.rand(T, 2, 4) + 0.1               # direct encoding: analog input
    ds = estimate_energy(net, x)
    first = ds.sel(layer="0")
    assert not bool(first.binary_input) and bool(ds.binary_input.sel(layer="2"))
    assert float(first.sops) == 12 * T
    assert float(first.energy_snn) == pytest.approx(12 * T * E_MAC)
    # single-step mode gives the same numbers
    set_step_mode(net, "single")
    ds_single = estimate_energy(net, x)
    for name in ("macs", "sops", "input_rate", "energy_snn"):
        torch.testing.assert_close(torch.as_tensor(ds_single[name].values),
                                   torch.as_tensor(ds[name].values))


class _OptIn(nn.Module):
    """A layer that declares its own MAC count (its inner Linear must not count twice)."""

    def __init__(self) -> None:
        super().__init__()
        self.inner = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)

    def synaptic_macs(self, inputs: torch.Tensor) -> int:
        return 7 * inputs.shape[0] * inputs.shape[1]       # 7 per sample and step


def test_opt_in_layer_and_errors():
    net = nn.Sequential(_OptIn(), LIF())
    x = torch.zeros(3, 2, 4)
    x[:, :, 1] = 1
    ds = estimate_energy(net, x)
    assert ds.layer.values.tolist() == ["0"]
    assert float(ds.macs[0]) == 7 and float(ds.sops[0]) == pytest.approx(7 * 3 * 0.25)
    with pytest.raises(SchemaError):
        estimate_energy(net, torch.zeros(4))
    empty = estimate_energy(nn.Sequential(LIF()), torch.zeros(2, 1, 3))
    assert empty.sizes["layer"] == 0 and empty.attrs["energy_snn_total"] == 0


def test_delay_layers_are_counted_from_the_input_tensor():
    from neurokit.snn.layers import DelayLinear

    layer = DelayLinear(4, 3, max_delay=2)
    x = (torch.rand(6, 2, 4) > 0.5).float()
    report = estimate_energy(nn.Sequential(layer, LIF()), x)
    assert report is not None and layer.synaptic_macs(x) == 6 * 2 * 4 * 3
