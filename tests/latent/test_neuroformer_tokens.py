"""Neuroformer tokens: round trip, sequence layout, overflow, leak-free interval splits."""

import numpy as np
import pytest
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.latent.neuroformer_tokens import (
    as_covariate_segments,
    as_segments,
    detokenize,
    encode_windows,
    interval_split,
    special_tokens,
    tokenize_window,
    window_starts,
)


def test_tokens_to_spikes_round_trip(rng):
    counts = rng.poisson(0.4, size=(30, 7))
    ids, dts = tokenize_window(counts)
    assert len(ids) == counts.sum()
    assert (np.diff(dts) >= 0).all()  # time order
    same_bin = np.diff(dts) == 0
    assert (np.diff(ids)[same_bin] >= 0).all()  # neuron order inside a bin
    np.testing.assert_array_equal(detokenize(ids, dts, 7, 30), counts)


def test_encoded_windows_round_trip_current_and_past(rng):
    counts = rng.poisson(0.3, size=(60, 5))
    starts = window_starts(60, window=6, context=10)
    tok = encode_windows(counts, starts, window=6, context=10, max_tokens=40,
                         max_context_tokens=60)
    sp = special_tokens(5)
    for w, s in enumerate(starts):
        n = tok.n_spikes[w]
        assert tok.id_in[w, 0] == sp["SOS"] and tok.id_target[w, n] == sp["EOS"]
        np.testing.assert_array_equal(tok.id_in[w, 1:n + 1], tok.id_target[w, :n])
        np.testing.assert_array_equal(
            detokenize(tok.id_target[w], tok.dt_target[w], 5, 6), counts[s:s + 6])
        past = detokenize(tok.id_past[w, 1:], tok.dt_past[w, 1:] + 10, 5, 10)
        np.testing.assert_array_equal(past, counts[s - 10:s])
        assert (tok.dt_past[w, 1:][tok.id_past[w, 1:] < 5] < 0).all()  # the past is before
    assert not tok.truncated.any()


def test_too_many_spikes_for_the_context_error_or_flagged_truncation():
    counts = np.zeros((12, 3), dtype=int)
    counts[8] = [3, 2, 1]  # six spikes in the window starting at bin 8
    with pytest.raises(SchemaError) as err:
        encode_windows(counts, np.array([8]), window=4, context=4, max_tokens=5,
                       max_context_tokens=8)
    assert "bin 8" in str(err.value) and err.value.found == "6 spikes"
    tok = encode_windows(counts, np.array([8]), window=4, context=4, max_tokens=5,
                         max_context_tokens=8, on_overflow="truncate")
    assert tok.truncated[0] and tok.n_spikes[0] == 4
    with pytest.raises(ConfigError):
        encode_windows(counts, np.array([8]), window=4, context=4, max_tokens=5,
                       max_context_tokens=8, on_overflow="drop")


def test_interval_split_is_disjoint_history_included():
    split = interval_split(10_000, n_intervals=8, test_fraction=0.25, gap=5, seed=3)
    assert len(split.test) == 2 and len(split.train) == 6
    for window, context in [(4, 8), (10, 50)]:
        tr = split.spans("train", window, context)
        te = split.spans("test", window, context)
        assert len(tr) and len(te)
        train_bins = np.zeros(10_000, bool)
        for a, b in tr:
            train_bins[a:b] = True
        for a, b in te:
            assert not train_bins[a:b].any()  # no test window or its history in training
        for which, spans in (("train", tr), ("test", te)):  # every span inside one interval
            intervals = getattr(split, which)
            assert all(any(lo <= a and b <= hi for lo, hi in intervals) for a, b in spans)


def test_interval_split_take_keeps_time_coordinates():
    da = xr.DataArray(np.zeros((100, 2)), dims=("time", "unit"),
                      coords={"time": np.arange(100) * 0.01, "unit": [0, 1]})
    split = interval_split(100, n_intervals=4, test_fraction=0.5, seed=0)
    segs = split.take(da, "test")
    assert [s.sizes["time"] for s in segs] == [25, 25]
    with pytest.raises(SchemaError):
        split.take(np.zeros((99, 2)), "train")
    with pytest.raises(ConfigError):
        interval_split(100, n_intervals=1)


def test_bad_counts_and_covariates():
    with pytest.raises(InvalidValueError, match="negative"):
        as_segments(np.array([[0, -1], [1, 0]]))
    with pytest.raises(InvalidValueError, match="NaN"):
        as_segments(np.array([[0, np.nan], [1, 0]]))
    with pytest.raises(InvalidValueError, match="non-integer"):
        as_segments(np.array([[0, 0.5], [1, 0]]))
    with pytest.raises(SchemaError, match="2-D or 3-D"):
        as_segments(np.zeros(5))
    segs = as_segments(np.zeros((10, 2)))
    with pytest.raises(SchemaError, match="time bins") as err:
        as_covariate_segments(np.zeros((9, 3)), segs, field="stimulus")
    assert err.value.field == "stimulus"
    with pytest.raises(InvalidValueError):
        as_covariate_segments(np.full(10, np.nan), segs, field="behaviour")


def test_spike_times_are_binned(rng):
    times = np.sort(rng.uniform(0, 2, 100))
    units = rng.integers(0, 3, 100)
    ds = xr.Dataset({"spike_times": ("spike", times, {"units": "s"})},
                    coords={"spike_unit": ("spike", units), "unit": [0, 1, 2]})
    (seg,) = as_segments(ds, bin_size=0.01)
    assert seg.shape == (200, 3) and seg.sum() == 100
    np.testing.assert_array_equal(seg.sum(0), np.bincount(units, minlength=3))
    with pytest.raises(ConfigError, match="bin size"):
        as_segments(ds)
