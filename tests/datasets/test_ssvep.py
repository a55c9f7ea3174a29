"""simulate_ssvep: layout, ground truth (frequencies, phases, SNR), subject differences."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit.datasets.ssvep import OCCIPITAL_CHANNELS, simulate_ssvep
from neurokit.errors import ConfigError
from neurokit.validation import validate


def test_layout_and_coords():
    data = simulate_ssvep(n_targets=5, n_subjects=3, n_blocks=2, n_chans=11, sfreq=200.0,
                          duration=0.5, seed=1)
    assert data.dims == ("trial", "channel", "time")
    assert data.shape == (30, 11, 100)
    # EEG epochs are (trial, channel, time); everything else follows the conventions
    validate(data.transpose("trial", "time", "channel"))
    assert data.attrs["sampling_rate"] == 200.0 and data.attrs["units"] == "V"
    np.testing.assert_allclose(np.diff(data.time.values), 1 / 200.0)
    assert data.channel.values.tolist() == [*OCCIPITAL_CHANNELS, "EEG010", "EEG011"]
    np.testing.assert_array_equal(data.label.values, np.tile(np.arange(5), 6))
    np.testing.assert_array_equal(data.subject.values, np.repeat(np.arange(3), 10))
    np.testing.assert_array_equal(data.block.values, np.tile(np.repeat([0, 1], 5), 3))
    np.testing.assert_allclose(data.attrs["frequencies"], [8.0, 9.6, 11.2, 12.8, 14.4])
    np.testing.assert_allclose(data.frequency.values, data.attrs["frequencies"][data.label])
    np.testing.assert_allclose(data.attrs["phases"],
                               np.mod(0.35 * np.pi * np.arange(5), 2 * np.pi))
    assert data.attrs["subject_latency_s"].shape == (3,)


def test_reproducible_and_seeded():
    a = simulate_ssvep(n_targets=3, n_subjects=1, n_blocks=1, seed=4)
    b = simulate_ssvep(n_targets=3, n_subjects=1, n_blocks=1, seed=4)
    c = simulate_ssvep(n_targets=3, n_subjects=1, n_blocks=1, seed=5)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.allclose(a.values, c.values)


def test_snr_is_exact():
    # same seed -> same noise and same unit signal; only the signal's scale changes with SNR,
    # so the difference of two data sets is (10^(a/20) - 10^(b/20)) * signal of noise power 1e-10
    a = simulate_ssvep(n_targets=4, n_subjects=2, n_blocks=2, snr_db=0.0, seed=2)
    b = simulate_ssvep(n_targets=4, n_subjects=2, n_blocks=2, snr_db=-10.0, seed=2)
    noise_power = 1e-10                                          # 10 uV RMS
    diff_power = np.mean((a.values - b.values) ** 2)
    assert diff_power == pytest.approx(noise_power * (1 - 10 ** (-0.5)) ** 2, rel=1e-9)
    signal_power_a = diff_power / (1 - 10 ** (-0.5)) ** 2
    assert 10 * np.log10(signal_power_a / noise_power) == pytest.approx(0.0, abs=1e-9)


def test_spectrum_peaks_at_the_target_frequency_and_harmonics():
    data = simulate_ssvep(n_targets=4, frequencies=[8.0, 9.0, 11.0, 13.0], n_subjects=1,
                          n_blocks=2, duration=2.0, snr_db=10.0, seed=0)
    oz = data.sel(channel="Oz").values                           # (trial, time)
    spec = np.abs(np.fft.rfft(oz, axis=-1))
    freqs = np.fft.rfftfreq(oz.shape[-1], 1 / 250.0)
    peak = freqs[np.argmax(spec, axis=-1)]
    np.testing.assert_allclose(peak, data.frequency.values)
    k2 = np.searchsorted(freqs, 2 * data.frequency.values)        # 2nd harmonic present
    assert np.all(spec[np.arange(len(k2)), k2] > 5 * np.median(spec, axis=-1))


def test_phase_of_the_fundamental_follows_the_stimulus_phase():
    # targets with stimulus phases 0 and pi: their fundamentals (latency removed) are opposite
    data = simulate_ssvep(n_targets=2, frequencies=[10.0, 12.0], phases=[0.0, np.pi],
                          n_subjects=1, n_blocks=1, n_harmonics=1, duration=1.0,
                          snr_db=30.0, seed=0)
    t = data.time.values
    lat = data.attrs["subject_latency_s"][0]
    oz = data.sel(channel="Oz").values
    z = [np.mean(oz[k] * np.exp(-2j * np.pi * f * (t - lat))) for k, f in enumerate([10, 12])]
    ph = np.angle(z) + np.pi / 2                                   # sin -> phase of a cosine
    # subject phase psi is common to both targets (|psi| <= pi/4, plus 3 ms jitter)
    dphi = np.angle(np.exp(1j * (ph[1] - ph[0])))
    assert abs(abs(dphi) - np.pi) < np.pi / 4


def test_subjects_differ_in_spatial_pattern():
    data = simulate_ssvep(n_targets=2, n_subjects=2, n_blocks=4, snr_db=20.0, seed=0)
    rms = np.sqrt((data**2).mean("time"))
    pat = [rms.where(data.subject == s, drop=True).mean("trial").values for s in (0, 1)]
    assert not np.allclose(pat[0] / pat[0].max(), pat[1] / pat[1].max(), atol=0.05)
    occipital = [data.channel.values.tolist().index(c) for c in ("O1", "Oz", "O2")]
    for p in pat:                                                  # still occipital-dominated
        assert p[occipital].mean() > p[0]                           # more than Pz


@pytest.mark.parametrize("kwargs", [
    {"n_targets": 1}, {"frequencies": [8.0, 8.0, 9.0]}, {"frequencies": [8.0, 9.0]},
    {"phases": [0.0]}, {"n_harmonics": 10}, {"duration": 0.001}, {"sfreq": -1.0},
    {"n_subjects": 0}, {"snr_db": float("nan")}, {"n_blocks": 1.5},
])
def test_bad_config(kwargs):
    args = {"n_targets": 3, **kwargs}
    with pytest.raises(ConfigError):
        simulate_ssvep(**args)
