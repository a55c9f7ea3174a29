"""The content/style simulator: layout, the generative model it states, seeds and errors."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit.datasets.content_style import simulate_content_style
from neurokit.errors import ConfigError
from neurokit.validation import validate


def test_layout_and_ground_truth_variables():
    ds = simulate_content_style(n_trials=5, n_time=23, n_neurons=7, n_stimuli=3,
                                segment_length=4, n_states=2, bin_size=0.02, seed=3)
    validate(ds)
    assert ds["counts"].dims == ("trial", "time", "unit")
    assert ds["counts"].shape == (5, 23, 7)
    assert ds["counts"].dtype == np.int64 and int(ds["counts"].min()) >= 0
    assert ds["stimulus"].dims == ("trial", "time")
    assert ds["state"].dims == ("trial", "time", "state_dim") and ds["state"].shape[-1] == 2
    assert ds.attrs["sampling_rate"] == pytest.approx(50.0)
    np.testing.assert_allclose(ds["time"].values, np.arange(23) * 0.02)
    stim = ds["stimulus"].values
    # piecewise constant on segments of 4 bins, onsets marked, never the same stimulus twice
    # in a row
    for start in range(0, 23, 4):
        assert (stim[:, start:start + 4] == stim[:, start:start + 1]).all()
    assert ds["onset"].values[:, ::4].all() and ds["onset"].values.sum() == 5 * 6
    seg = stim[0, ::4]
    assert (seg[1:] != seg[:-1]).all()
    assert set(np.unique(stim)) <= {0, 1, 2}


def test_rates_follow_the_stated_model():
    ds = simulate_content_style(n_trials=4, n_time=30, n_neurons=9, seed=1, mean_rate=0.7,
                                stimulus_gain=0.8, state_gain=0.5, segment_length=5)
    log_r = np.log(ds["rates"].values)
    w = ds["stimulus_tuning"].values
    g = ds["state_loading"].values
    drive = 0.8 * w[ds["stimulus"].values] + 0.5 * ds["state"].values @ g.T
    base = log_r - drive                      # log baseline: constant over trials and time
    np.testing.assert_allclose(base, np.broadcast_to(base[:1, :1], base.shape), atol=1e-10)
    np.testing.assert_allclose(w.mean(0), 0.0, atol=1e-12)
    # the mean rate holds in expectation: check it over a long session
    long = simulate_content_style(n_trials=200, n_time=50, n_neurons=40, state_timescale=5.0,
                                  mean_rate=0.7, seed=1)
    assert long["rates"].values.mean() == pytest.approx(0.7, rel=0.1)


def test_state_is_a_slow_unit_variance_ar1_across_trials():
    ds = simulate_content_style(n_trials=100, n_time=100, n_neurons=2, state_timescale=20.0,
                                seed=0)
    s = ds["state"].values.reshape(-1)         # continuous over the session
    rho = np.corrcoef(s[:-1], s[1:])[0, 1]
    assert rho == pytest.approx(np.exp(-1 / 20), abs=0.01)
    assert s.var() == pytest.approx(1.0, abs=0.15)
    # continuity across the trial boundary: last bin of a trial predicts the next trial's first
    st = ds["state"].values[..., 0]
    assert np.corrcoef(st[:-1, -1], st[1:, 0])[0, 1] > 0.9


def test_sequences_repeat_or_not_and_seeds():
    same = simulate_content_style(n_trials=6, n_time=40, n_neurons=3, n_sequences=1, seed=2)
    assert (same["stimulus"].values == same["stimulus"].values[0]).all()
    assert (same["sequence"].values == 0).all()
    diff = simulate_content_style(n_trials=6, n_time=40, n_neurons=3, n_sequences=None, seed=2)
    assert not (diff["stimulus"].values == diff["stimulus"].values[0]).all()
    np.testing.assert_array_equal(diff["sequence"].values, np.arange(6))
    two = simulate_content_style(n_trials=6, n_time=40, n_neurons=3, n_sequences=2, seed=2)
    stim = two["stimulus"].values
    assert (stim[::2] == stim[0]).all() and (stim[1::2] == stim[1]).all()
    assert not (stim[0] == stim[1]).all()
    np.testing.assert_array_equal(stim[0], same["stimulus"].values[0])  # first movie shared
    again = simulate_content_style(n_trials=6, n_time=40, n_neurons=3, n_sequences=1, seed=2)
    np.testing.assert_array_equal(same["counts"].values, again["counts"].values)
    # same seed, other order: same neurons and state
    for name in ("stimulus_tuning", "state_loading", "state"):
        np.testing.assert_array_equal(same[name].values, diff[name].values)
    other = simulate_content_style(n_trials=6, n_time=40, n_neurons=3, n_sequences=1, seed=3)
    assert not np.array_equal(same["counts"].values, other["counts"].values)


def test_each_stimulus_once_per_block():
    ds = simulate_content_style(n_trials=1, n_time=48, n_neurons=2, n_stimuli=6,
                                segment_length=2, seed=4)
    seg = ds["stimulus"].values[0, ::2]
    for block in (seg[:6], seg[6:12], seg[12:18], seg[18:24]):
        assert sorted(block) == list(range(6))


@pytest.mark.parametrize("kwargs, field", [
    ({"n_trials": 0}, "n_trials"),
    ({"n_stimuli": 1}, "n_stimuli"),
    ({"segment_length": 100}, "segment_length"),
    ({"state_timescale": 0.0}, "state_timescale"),
    ({"mean_rate": -1.0}, "mean_rate"),
    ({"stimulus_gain": float("nan")}, "stimulus_gain"),
    ({"n_neurons": 2.5}, "n_neurons"),
    ({"n_sequences": 0}, "n_sequences"),
])
def test_bad_parameters(kwargs, field):
    with pytest.raises(ConfigError) as err:
        simulate_content_style(**{"n_time": 20, **kwargs})
    assert err.value.field == field
