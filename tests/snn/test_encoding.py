"""Encoders: ground-truth rates, spike order, reconstruction, event counts, errors."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from neurokit.errors import ConfigError, InvalidValueError, SchemaError  # noqa: E402
from neurokit.snn import (  # noqa: E402
    delta_encode,
    direct_encode,
    events_to_frames,
    latency_encode,
    poisson_encode,
)


def test_poisson_rate_matches_intensity():
    x = torch.tensor([[0.0, 0.1, 0.5], [0.9, 1.0, 0.25]])
    g = torch.Generator().manual_seed(0)
    spikes = poisson_encode(x, 4000, generator=g)
    assert spikes.shape == (4000, 2, 3) and spikes.dtype == torch.float32
    assert set(spikes.unique().tolist()) <= {0.0, 1.0}
    rate = spikes.mean(0)
    # binomial standard error <= sqrt(0.25 / 4000) ~ 0.008: 5 sigma
    torch.testing.assert_close(rate, x, atol=0.04, rtol=0)
    assert rate[0, 0] == 0 and rate[1, 1] == 1
    # reproducible with a seeded generator, different without
    again = poisson_encode(x, 4000, generator=torch.Generator().manual_seed(0))
    assert torch.equal(spikes, again)


def test_latency_order_and_single_spike():
    x = torch.tensor([1.0, 0.8, 0.5, 0.2, 0.05, 0.0])
    for linear in (True, False):
        spikes = latency_encode(x, 10, linear=linear)
        assert spikes.shape == (10, 6)
        counts = spikes.sum(0)
        assert counts.tolist() == [1, 1, 1, 1, 1, 0]       # zero never fires
        times = spikes[:, :5].argmax(0)
        assert times[0] == 0                                # x = 1 fires first
        assert bool((times[1:] >= times[:-1]).all())        # larger value -> earlier
        assert times[-1] > times[0]
    lin = latency_encode(x, 11).argmax(0)[:5]
    assert lin.tolist() == [0, 2, 5, 8, 10]                 # t = (T-1)(1-x), rounded
    # the log code spreads low intensities over more steps than the linear one
    log = latency_encode(torch.tensor([0.05, 0.1]), 11, linear=False).argmax(0)
    lin_low = latency_encode(torch.tensor([0.05, 0.1]), 11).argmax(0)
    assert (log[0] - log[1]) > (lin_low[0] - lin_low[1])


def test_direct_encode_is_a_view():
    x = torch.rand(3, 4)
    seq = direct_encode(x, 5)
    assert seq.shape == (5, 3, 4)
    assert seq.data_ptr() == x.data_ptr() and seq.stride(0) == 0
    assert torch.equal(seq[2], x)
    assert direct_encode(torch.arange(3), 2).dtype == torch.get_default_dtype()


def _reconstruct(spikes: torch.Tensor, x0: torch.Tensor, theta: float) -> torch.Tensor:
    on, off = spikes.select(-2, 0), spikes.select(-2, 1)
    return x0 + theta * torch.cumsum(on - off, dim=0)


def test_delta_reconstructs_within_threshold():
    g = torch.Generator().manual_seed(0)
    t = torch.linspace(0, 1, 400)
    x = torch.stack([torch.sin(2 * np.pi * 3 * t), 0.5 * torch.cos(2 * np.pi * 7 * t)], -1)
    x = x + 0.05 * torch.randn(x.shape, generator=g)            # [T, C=2]
    theta = 0.1
    spikes = delta_encode(x, theta)
    assert spikes.shape == (400, 2, 2)
    assert bool((spikes >= 0).all()) and spikes[0].sum() == 0
    recon = _reconstruct(spikes, x[0], theta)
    assert float((recon - x).abs().max()) < theta
    # a finer threshold gives more spikes and a closer reconstruction
    fine = delta_encode(x, 0.02)
    assert fine.sum() > spikes.sum()
    assert float((_reconstruct(fine, x[0], 0.02) - x).abs().max()) < 0.02
    # ON only for a rising ramp, OFF only for a falling one
    ramp = torch.linspace(0, 1, 21)
    assert delta_encode(ramp, 0.1)[:, 1].sum() == 0 and delta_encode(-ramp, 0.1)[:, 0].sum() == 0
    assert delta_encode(ramp, 0.1).shape == (21, 2)


def test_delta_time_dim_and_xarray():
    xr = pytest.importorskip("xarray")
    rng = np.random.default_rng(0)
    data = rng.normal(size=(3, 50, 4)).cumsum(1)                # (trial, time, channel)
    by_dim = delta_encode(torch.as_tensor(data), 0.5, time_dim=1)
    assert by_dim.shape == (50, 3, 2, 4)                         # [T, trial, 2, C]
    da = xr.DataArray(data, dims=("trial", "time", "channel"))
    assert torch.equal(delta_encode(da, 0.5), by_dim)
    recon = _reconstruct(by_dim, by_dim.new_tensor(data[:, 0]), 0.5)
    assert float((recon - torch.as_tensor(data).movedim(1, 0)).abs().max()) < 0.5
    with pytest.raises(SchemaError):
        delta_encode(xr.DataArray(data, dims=("a", "b", "c")), 0.5)


def _events(rng, n=500, H=4, W=6):
    ev = np.zeros(n, dtype=[("t", "f8"), ("x", "i4"), ("y", "i4"), ("p", "i1")])
    ev["t"] = np.sort(rng.uniform(0.0, 1e4, n))
    ev["x"] = rng.integers(0, W, n)
    ev["y"] = rng.integers(0, H, n)
    ev["p"] = rng.integers(0, 2, n)
    return ev


def test_events_to_frames_counts(rng):
    ev = _events(rng)
    frames = events_to_frames(ev, (4, 6), time_steps=8)
    assert frames.shape == (8, 2, 4, 6) and frames.dtype == torch.float32
    assert frames.sum() == len(ev)
    assert frames[:, 1].sum() == (ev["p"] == 1).sum()
    assert frames[:, 0].sum() == (ev["p"] == 0).sum()
    # per-pixel totals over time equal the histogram of events
    hist = np.zeros((2, 4, 6))
    np.add.at(hist, (ev["p"], ev["y"], ev["x"]), 1)
    np.testing.assert_array_equal(frames.sum(0).numpy(), hist)
    # per-slice totals equal the events in each equal time slice
    edges = np.linspace(ev["t"].min(), ev["t"].max(), 9)
    per_slice, _ = np.histogram(ev["t"], bins=edges)
    np.testing.assert_array_equal(frames.sum((1, 2, 3)).numpy(), per_slice)
    # polarity {-1, 1} and dict input give the same frames
    as_dict = {name: ev[name] for name in ("t", "x", "y")}
    as_dict["p"] = np.where(ev["p"] == 1, 1, -1)
    assert torch.equal(events_to_frames(as_dict, (4, 6), 8), frames)


def test_events_to_frames_time_window(rng):
    ev = _events(rng)
    span = ev["t"].max() - ev["t"].min()
    frames = events_to_frames(ev, (4, 6), time_window=span / 5 + 1e-6)
    assert frames.shape[0] == 5 and frames.sum() == len(ev)
    empty = {"t": [], "x": [], "y": [], "p": []}
    assert events_to_frames(empty, (4, 6), time_steps=3).sum() == 0


def test_errors(rng):
    with pytest.raises(InvalidValueError):
        poisson_encode(torch.tensor([0.5, float("nan")]), 4)
    with pytest.raises(InvalidValueError):
        poisson_encode(torch.tensor([1.5]), 4)
    with pytest.raises(InvalidValueError):
        latency_encode(torch.tensor([-0.1]), 4)
    with pytest.raises(InvalidValueError):
        direct_encode(torch.tensor([float("inf")]), 4)
    with pytest.raises(InvalidValueError):
        delta_encode(torch.tensor([0.0, float("nan")]), 0.1)
    for encode in (poisson_encode, latency_encode, direct_encode):
        with pytest.raises(ConfigError):
            encode(torch.tensor([0.5]), 0)
    with pytest.raises(ConfigError):
        delta_encode(torch.zeros(5), 0.0)
    with pytest.raises(SchemaError):
        delta_encode(torch.zeros(5, 2), 0.1, time_dim=2)
    ev = _events(rng, n=20)
    with pytest.raises(SchemaError):
        events_to_frames({"t": ev["t"], "x": ev["x"], "y": ev["y"]}, (4, 6), 2)
    with pytest.raises(SchemaError):
        events_to_frames({"t": ev["t"], "x": ev["x"][:3], "y": ev["y"], "p": ev["p"]}, (4, 6), 2)
    with pytest.raises(SchemaError):
        events_to_frames(ev, (4,), 2)
    with pytest.raises(InvalidValueError):
        events_to_frames(ev, (2, 2), 2)                         # coordinates off the sensor
    with pytest.raises(ConfigError):
        events_to_frames(ev, (4, 6))
    with pytest.raises(ConfigError):
        events_to_frames(ev, (4, 6), 0)
    bad = ev.copy()
    bad["t"][3] = np.nan
    with pytest.raises(InvalidValueError):
        events_to_frames(bad, (4, 6), 2)
