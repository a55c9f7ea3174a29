import numpy as np
import pytest

from neurokit.datasets import kernel_peak_time, spikes_to_calcium
from neurokit.errors import InvalidValueError

FS = 1000.0  # Hz: fine sampling, so kernel times are resolved to 1 ms


def _impulse(n=3000, fs=FS, **kwargs):
    counts = np.zeros((n, 1))
    counts[0] = 1
    return spikes_to_calcium(counts, fs, **kwargs)[:, 0]


@pytest.mark.parametrize(("tau_rise", "tau_decay"), [(0.05, 0.4), (0.02, 1.0), (0.1, 0.3)])
def test_impulse_response_peaks_at_the_kernel_peak_with_the_given_amplitude(tau_rise, tau_decay):
    ca = _impulse(tau_rise=tau_rise, tau_decay=tau_decay, amplitude=0.25)
    t_peak = kernel_peak_time(tau_rise, tau_decay)
    assert abs(np.argmax(ca) / FS - t_peak) <= 1.0 / FS
    assert ca.max() == pytest.approx(0.25, rel=1e-3)
    assert ca[0] == 0.0  # a spike in frame 0 shows from frame 1 on


@pytest.mark.parametrize(("tau_rise", "tau_decay"), [(0.05, 0.4), (0.02, 1.0)])
def test_impulse_response_rise_and_decay_constants(tau_rise, tau_decay):
    ca = _impulse(n=int(8 * tau_decay * FS), tau_rise=tau_rise, tau_decay=tau_decay)
    t = np.arange(ca.size) / FS
    tail = (t > 10 * tau_rise) & (t < 5 * tau_decay)
    slope, intercept = np.polyfit(t[tail], np.log(ca[tail]), 1)
    assert -1.0 / slope == pytest.approx(tau_decay, rel=1e-3)
    # what is left after removing the decay is the rising exponential, same amplitude
    head = (t > 0) & (t < 3 * tau_rise)
    residual = np.exp(intercept + slope * t[head]) - ca[head]
    rise_slope, _ = np.polyfit(t[head], np.log(residual), 1)
    assert -1.0 / rise_slope == pytest.approx(tau_rise, rel=1e-2)


def test_equals_direct_convolution_with_the_sampled_kernel(rng):
    fs, tau_r, tau_d = 30.0, 0.05, 0.4
    counts = rng.poisson(0.2, (600, 3)).astype(np.int16)
    before = counts.copy()
    amplitude = np.array([0.1, 0.2, 0.3])
    ca = spikes_to_calcium(counts, fs, tau_rise=tau_r, tau_decay=tau_d, amplitude=amplitude)
    k = np.arange(600) / fs
    t_peak = kernel_peak_time(tau_r, tau_d)
    h = (np.exp(-k / tau_d) - np.exp(-k / tau_r)) / (
        np.exp(-t_peak / tau_d) - np.exp(-t_peak / tau_r)
    )
    expected = np.stack([np.convolve(counts[:, i], h)[:600] for i in range(3)], axis=1) * amplitude
    np.testing.assert_allclose(ca, expected, atol=1e-5)
    assert ca.dtype == np.float32  # int16 counts -> float32
    np.testing.assert_array_equal(counts, before)  # input not modified


def test_float64_counts_give_float64():
    assert spikes_to_calcium(np.zeros((5, 2)), 30.0).dtype == np.float64


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tau_rise": 0.4, "tau_decay": 0.05},
        {"tau_rise": 0.0, "tau_decay": 0.4},
        {"tau_rise": 0.1, "tau_decay": 0.1},
        {"tau_rise": float("nan"), "tau_decay": 0.4},
    ],
)
def test_bad_time_constants_raise(kwargs):
    with pytest.raises(InvalidValueError, match="tau_rise"):
        spikes_to_calcium(np.zeros((5, 1)), 30.0, **kwargs)


def test_bad_frame_rate_and_nan_counts_raise():
    with pytest.raises(InvalidValueError, match="frame_rate"):
        spikes_to_calcium(np.zeros((5, 1)), 0.0)
    with pytest.raises(InvalidValueError, match="spike_counts"):
        spikes_to_calcium(np.array([[0.0], [np.nan]]), 30.0)
