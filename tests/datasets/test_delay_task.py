"""simulate_delay_task: the lags, orders and labels in the data are the ones stated."""

import numpy as np
import pytest

from neurokit.datasets.delay_task import simulate_delay_task
from neurokit.errors import ConfigError
from neurokit.validation import validate


def test_layout_follows_the_conventions():
    data = simulate_delay_task(20, n_steps=16, n_channels=3, sampling_rate=500.0, seed=2)
    validate(data)
    assert data.dims == ("trial", "time", "channel")
    assert data.shape == (20, 16, 3)
    assert data.attrs["sampling_rate"] == 500.0 and data.attrs["units"] == "count"
    np.testing.assert_allclose(np.diff(data["time"].values), 1 / 500.0)
    assert list(data.attrs["true_lags"]) == [2, 4, 6, 8] and data.attrs["n_classes"] == 8


def test_each_task_input_fires_once_at_the_stated_lag_and_order():
    data = simulate_delay_task(200, delays=(1, 3, 5), n_steps=12, seed=4)
    values = data.values
    assert (values[:, :, :2].sum(1) == 1).all()  # exactly one spike on each task input
    t0 = values[:, :, 0].argmax(1)
    t1 = values[:, :, 1].argmax(1)
    np.testing.assert_array_equal(t1 - t0, data["signed_lag"].values)
    np.testing.assert_array_equal(np.abs(t1 - t0), data["lag"].values)
    np.testing.assert_array_equal(data["first_channel"].values, (t1 < t0).astype(int))
    np.testing.assert_array_equal(np.minimum(t0, t1), data["onset"].values)
    index = np.searchsorted([1, 3, 5], data["lag"].values)
    np.testing.assert_array_equal(data["label"].values, 2 * index + data["first_channel"].values)
    assert set(np.unique(data["label"].values)) == set(range(6))  # all classes drawn


def test_labels_are_invisible_in_spike_counts():
    data = simulate_delay_task(300, noise=0.0, seed=5)
    counts = data.sum("time").groupby("label").mean("trial")
    np.testing.assert_allclose(counts.values, 1.0)


def test_noise_adds_spikes_at_the_given_rate_and_seed_reproduces():
    noisy = simulate_delay_task(400, n_steps=20, n_channels=4, noise=0.05, seed=6)
    extra = noisy.isel(channel=[2, 3]).mean().item()
    assert extra == pytest.approx(0.05, abs=0.01)
    again = simulate_delay_task(400, n_steps=20, n_channels=4, noise=0.05, seed=6)
    assert noisy.identical(again)
    assert not noisy.identical(simulate_delay_task(400, n_steps=20, n_channels=4, noise=0.05,
                                                   seed=7))


@pytest.mark.parametrize("kwargs", [
    {"n_samples": 0}, {"delays": ()}, {"delays": (0, 2)}, {"delays": (2, 2)},
    {"n_steps": 8}, {"n_channels": 1}, {"noise": 1.0}, {"sampling_rate": 0.0},
])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ConfigError):
        simulate_delay_task(**{"n_samples": 5, **kwargs})
