from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

import neurokit
from neurokit.errors import InvalidValueError, SchemaError
from neurokit.preprocess import resample

from .conftest import PROVENANCE, continuous


def sines(fs: float, seconds: float, freqs, t0: float = 0.0) -> np.ndarray:
    t = t0 + np.arange(int(round(seconds * fs))) / fs
    return np.stack([np.sin(2 * np.pi * f * t) for f in freqs], axis=1)


def test_downsample_keeps_slow_signals_and_the_time_axis():
    data = continuous(sines(1000.0, 4.0, [2.0, 5.0], t0=1.5), 1000.0, t0=1.5, units="V")
    out = resample(data, 250.0)
    assert out.sizes["time"] == 1000
    assert out.attrs["sampling_rate"] == 250.0
    np.testing.assert_allclose(out.time.values, 1.5 + np.arange(1000) / 250.0)
    expected = sines(250.0, 4.0, [2.0, 5.0], t0=1.5)
    interior = slice(25, -25)
    np.testing.assert_allclose(out.values[interior], expected[interior], atol=2e-3)
    assert out.attrs["units"] == "V" and out.attrs["description"] == "test"
    for key, value in PROVENANCE.items():
        assert out.attrs[key] == value
    neurokit.validate(out)


def test_anti_aliasing():
    # 190 Hz at 100 Hz would alias to 10 Hz at full amplitude with plain decimation
    data = continuous(sines(1000.0, 2.0, [190.0]), 1000.0)
    assert np.abs(data.values[::10]).max() > 0.5
    out = resample(data, 100.0)
    assert np.abs(out.values[10:-10]).max() < 0.01


def test_parity_with_resample_poly_and_rational_ratio(rng):
    data = continuous(rng.standard_normal((301, 3)) + 100.0, 30.0)
    out = resample(data.transpose("roi", "time"), 20.0)
    expected = signal.resample_poly(data.values, 2, 3, axis=0, padtype="line")
    np.testing.assert_array_equal(out.transpose("time", "roi").values, expected)
    assert out.sizes["time"] == 201  # ceil(301 * 2 / 3)
    assert out.attrs["sampling_rate"] == 20.0
    np.testing.assert_allclose(np.diff(out.time.values), 1 / 20.0)


def test_offset_signals_keep_their_level_at_the_edges():
    data = continuous(np.full((300, 1), 100.0), 30.0)
    np.testing.assert_allclose(resample(data, 10.0).values, 100.0, rtol=1e-9)
    # upsampling: the polyphase filter's phases differ in DC gain by < 0.1 % (Kaiser window)
    np.testing.assert_allclose(resample(data, 45.0).values, 100.0, rtol=1e-3)


def test_errors(rng):
    data = continuous(rng.random((100, 2)), 30.0)
    counts = data.copy()
    counts.attrs = {**data.attrs, "units": "count"}
    with pytest.raises(InvalidValueError, match="bin_spikes"):
        resample(counts, 10.0)
    with_nan = data.copy(deep=True)
    with_nan.values[42, 0] = np.nan
    with pytest.raises(InvalidValueError, match=r"\(index 42\)"):
        resample(with_nan, 10.0)
    irregular = data.assign_coords(time=np.cumsum(rng.uniform(0.02, 0.05, 100)))
    with pytest.raises(SchemaError, match="regularly sampled"):
        resample(irregular, 10.0)
    with pytest.raises(InvalidValueError, match="sampling_rate"):
        resample(data, -1.0)
    with pytest.raises(InvalidValueError, match="too low"):
        resample(data, 0.001)
