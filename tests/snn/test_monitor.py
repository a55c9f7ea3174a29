"""SpikeMonitor: counts equal the spikes actually emitted, hooks removed, single/multi-step."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("xarray")

from torch import nn  # noqa: E402

from neurokit.snn import (  # noqa: E402
    IF,
    LIF,
    SlidingPSN,
    SpikeMonitor,
    StatefulModule,
    reset_states,
    set_step_mode,
)


class _Fixed(StatefulModule):
    """Emits a given spike pattern (tests the bookkeeping, not a neuron)."""

    emits_spikes = True

    def __init__(self, pattern: torch.Tensor) -> None:
        super().__init__()
        self.pattern = pattern

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return self.pattern[: x_seq.shape[0]].expand(x_seq.shape[0], x_seq.shape[1], -1)


def _net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(5, 6), LIF(tau=2.0),
        nn.Linear(6, 4), IF(v_threshold=0.5),
        SlidingPSN(2),
    )


def test_counts_match_outputs_multi_step():
    net = _net()
    outputs = {}
    handles = [net[i].register_forward_hook(
        lambda m, a, o, i=i: outputs.setdefault(i, []).append(o.detach())) for i in (1, 3, 4)]
    x1, x2 = torch.rand(7, 3, 5) * 2, torch.rand(4, 2, 5) * 2
    with SpikeMonitor(net) as mon:
        net(x1)
        reset_states(net)
        net(x2)
    for h in handles:
        h.remove()
    ds = mon.summary()
    assert ds.layer.values.tolist() == ["1", "3", "4"]
    for name, i, n in (("1", 1, 6), ("3", 3, 4), ("4", 4, 4)):
        row = ds.sel(layer=name)
        total = sum(float(o.sum()) for o in outputs[i])
        assert float(row.spike_count) == total
        assert int(row.n_neurons) == n
        assert int(row.time_steps) == 7 + 4
        assert int(row.samples) == 3 + 2
        assert int(row.calls) == 2
        assert float(row.firing_rate) == pytest.approx(total / (n * (7 * 3 + 4 * 2)))
    assert 0 < float(ds.firing_rate.sel(layer="1")) < 1
    assert ds.firing_rate.attrs["units"] == "spikes/neuron/step"
    # hooks are gone after the with-block: counts do not change
    reset_states(net)
    net(x1)
    assert float(mon.summary().spike_count.sel(layer="1")) == float(ds.spike_count.sel(layer="1"))
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in net.modules())


def test_known_pattern_and_reset():
    pattern = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])[:, None, :]
    net = nn.Sequential(nn.Identity(), _Fixed(pattern))
    mon = SpikeMonitor(net)
    net(torch.zeros(4, 5, 2))
    ds = mon.summary()
    assert float(ds.spike_count.sel(layer="1")) == 4 * 5          # 4 spikes x 5 samples
    assert float(ds.firing_rate.sel(layer="1")) == pytest.approx(0.5)
    mon.reset()
    assert float(mon.summary().spike_count.sel(layer="1")) == 0
    net(torch.zeros(2, 1, 2))
    ds = mon.summary()
    assert float(ds.spike_count.sel(layer="1")) == 3
    assert float(ds.firing_rate.sel(layer="1")) == pytest.approx(3 / 4)
    mon.remove()


def test_single_step_mode_matches_multi_step():
    x = torch.rand(6, 3, 5) * 2
    net = _net()
    with SpikeMonitor(net) as multi:
        net(x)
    reset_states(net)
    set_step_mode(net, "single")
    with SpikeMonitor(net) as single:
        for _ in range(2):                      # two sequences of 6 steps
            for xt in x:
                net(xt)
            reset_states(net)
    a, b = multi.summary(), single.summary()
    assert (b.spike_count.values == 2 * a.spike_count.values).all()
    assert (b.time_steps.values == 12).all() and (b.samples.values == 6).all()
    assert (b.n_neurons.values == a.n_neurons.values).all()
    assert (b.firing_rate.values == pytest.approx(a.firing_rate.values))


def test_root_module_and_unused_layer():
    neuron = LIF()
    with SpikeMonitor(neuron) as mon:
        neuron(torch.ones(3, 2, 4) * 2)
    assert mon.summary().layer.values.tolist() == ["LIF"]
    net = nn.Sequential(LIF(), LIF())
    ds = SpikeMonitor(net).summary()
    assert ds.sizes["layer"] == 2 and bool(ds.firing_rate.isnull().all())
