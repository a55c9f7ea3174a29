from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import neurokit
from neurokit.errors import InvalidValueError, MissingDataError, SchemaError
from neurokit.preprocess import align_to_events

from .conftest import PROVENANCE, continuous, units_dataset

FS = 100.0


def response(tau: np.ndarray) -> np.ndarray:
    """A 0.5 s half-sine response to each event."""
    return np.where((tau >= 0) & (tau < 0.5), np.sin(np.pi * tau / 0.5), 0.0)


def recording_with_responses(events: np.ndarray, gains=(1.0, -2.0)) -> xr.DataArray:
    t = np.arange(int(60 * FS)) / FS
    signal = sum(response(t - e) for e in events)
    return continuous(signal[:, None] * np.asarray(gains) + 3.0, FS, dim="channel", units="V")


def intervals(events: np.ndarray) -> xr.Dataset:
    n = events.size
    return xr.Dataset(
        {
            "start_time": ("trial", events - 0.2, {"units": "s"}),
            "stop_time": ("trial", events + 1.0, {"units": "s"}),
            "stim_on": ("trial", events, {"units": "s"}),
            "stimulus": ("trial", np.array(["A", "B"] * n)[:n]),
            "contrast": ("trial", np.linspace(0.1, 1.0, n), {"units": "a.u."}),
        },
        coords={"trial": 100 + np.arange(n)},
    )


def test_continuous_recovers_the_response_shape():
    events = np.array([3.0, 7.5, 12.25, 20.0, 41.37])  # on the 100 Hz grid
    data = recording_with_responses(events)
    out = align_to_events(data, events, (-0.2, 0.8))

    rel = np.arange(-20, 80) / FS
    assert out.dims == ("trial", "time", "channel")
    assert out.shape == (5, 100, 2)
    np.testing.assert_allclose(out.time.values, rel)
    expected = 3.0 + response(rel)[None, :, None] * np.array([1.0, -2.0])
    np.testing.assert_allclose(out.values, np.broadcast_to(expected, out.shape), atol=1e-12)
    assert out.trial.values.tolist() == [0, 1, 2, 3, 4]
    assert out.attrs["units"] == "V" and out.attrs["sampling_rate"] == FS
    assert out.attrs["description"] == "test"  # continuous data keep their attrs
    assert out.attrs["event"] == "events"
    np.testing.assert_array_equal(out.attrs["window"], [-0.2, 0.8])
    neurokit.validate(out)


def test_nearest_sample_and_any_dim_order():
    events = np.array([3.0, 7.5, 12.25])
    data = recording_with_responses(events).transpose("channel", "time")
    jittered = events + np.array([0.3, -0.4, 0.49]) / FS  # nearest sample is the event's
    out = align_to_events(data, jittered, (-0.2, 0.8))
    assert out.dims == ("trial", "time", "channel")
    reference = align_to_events(data, events, (-0.2, 0.8))
    np.testing.assert_array_equal(out.values, reference.values)


def test_intervals_table_gives_trial_ids_and_columns():
    events = np.array([3.0, 7.5, 12.25, 20.0])
    data = recording_with_responses(events)
    table = intervals(events)
    out = align_to_events(data, table, (-0.2, 0.8), event="stim_on")
    assert out.trial.values.tolist() == [100, 101, 102, 103]
    for column in ("start_time", "stop_time", "stim_on", "stimulus", "contrast"):
        assert out.coords[column].dims == ("trial",)
        np.testing.assert_array_equal(out.coords[column].values, table[column].values)
    assert out.attrs["event"] == "stim_on"
    by_start = align_to_events(data, table, (0.0, 1.0))  # event defaults to start_time
    np.testing.assert_array_equal(by_start.values, out.values)
    # an 'interval' table works the same and still gives a 'trial' dim
    epochs = table.rename(trial="interval")
    assert align_to_events(data, epochs, (0.0, 1.0)).trial.values.tolist() == [100, 101, 102, 103]


def test_spikes_equal_manual_per_trial_histograms(rng):
    trains = {u: np.sort(rng.uniform(0, 30, n)) for u, n in ((7, 300), (3, 120), (11, 500))}
    events = np.sort(rng.uniform(2, 28, 12))
    events[1] = events[0] + 0.3  # overlapping windows: a spike counts in both trials
    w0, w1, bin_size = -0.25, 0.5, 0.05
    n_bins = 15
    edges_of = [(e + w0) + np.arange(n_bins + 1) * bin_size for e in events]
    trains[7] = np.sort(np.concatenate([trains[7], edges_of[2], edges_of[5][[0, -1]]]))
    units = units_dataset(trains, [7, 3, 11, 5], area=["a", "b", "c", "d"])

    out = align_to_events(units, events, (w0, w1), bin_size=bin_size)
    assert out.dims == ("trial", "time", "unit")
    assert out.shape == (12, n_bins, 4)
    assert out.dtype == np.int32
    np.testing.assert_allclose(out.time.values, w0 + (np.arange(n_bins) + 0.5) * bin_size)
    for i, edges in enumerate(edges_of):
        for j, u in enumerate([7, 3, 11, 5]):
            t = np.asarray(trains.get(u, []))
            expected = np.histogram(t[t < edges[-1]], edges)[0]
            np.testing.assert_array_equal(out.values[i, :, j], expected, err_msg=f"{i=} {u=}")
    assert out.values.sum() > 0
    assert out.area.values.tolist() == ["a", "b", "c", "d"]
    assert out.attrs["units"] == "count" and out.attrs["bin_size"] == bin_size
    assert out.attrs["sampling_rate"] == pytest.approx(20.0)
    for key, value in PROVENANCE.items():
        assert out.attrs[key] == value
    assert "neurodata_type" not in out.attrs
    neurokit.validate(out)


def test_spikes_with_intervals_and_unsorted_spikes(rng):
    trains = {0: np.sort(rng.uniform(0, 20, 200)), 1: np.sort(rng.uniform(0, 20, 100))}
    units = units_dataset(trains)
    events = np.array([2.0, 5.0, 9.0])
    table = intervals(events)
    out = align_to_events(units, table, (0.0, 1.0), event="stim_on", bin_size=0.1)
    shuffled = units.isel(spike=rng.permutation(units.sizes["spike"]))
    again = align_to_events(shuffled, events, (0.0, 1.0), bin_size=0.1)
    np.testing.assert_array_equal(out.values, again.values)
    assert out.stimulus.values.tolist() == ["A", "B", "A"]


def test_out_of_bounds_continuous():
    data = recording_with_responses(np.array([10.0]))  # 0 .. 59.99 s
    events = np.array([0.05, 30.0, 59.95, 45.0])
    with pytest.raises(InvalidValueError, match=r"ids \[0, 2\]"):
        align_to_events(data, events, (-0.1, 0.2))
    dropped = align_to_events(data, events, (-0.1, 0.2), out_of_bounds="drop")
    assert dropped.trial.values.tolist() == [1, 3]
    filled = align_to_events(data, events, (-0.1, 0.2), out_of_bounds="nan")
    assert filled.sizes["trial"] == 4 and filled.dtype == np.float64
    first = filled.sel(trial=0).values
    assert np.isnan(first[:5]).all() and not np.isnan(first[5:]).any()  # before t = 0 only
    last = filled.sel(trial=2).values
    assert not np.isnan(last[:15]).any() and np.isnan(last[15:]).all()  # after 59.99 s only
    assert not np.isnan(filled.sel(trial=[1, 3]).values).any()
    # half a sampling period of slack at each end: nearest sample still within the recording
    inside = align_to_events(data, [0.096], (-0.1, 0.2))  # first target -0.004 s
    assert inside.sizes["trial"] == 1


def test_out_of_bounds_spikes():
    units = units_dataset({0: [0.5, 1.0, 4.9], 1: [2.0, 5.0]})  # recording taken as 0 .. 5 s
    with pytest.raises(InvalidValueError, match=r"ids \[0, 2\]"):
        align_to_events(units, [0.1, 2.0, 4.9], (-0.2, 0.3), bin_size=0.1)
    filled = align_to_events(units, [0.1, 2.0, 4.9], (-0.2, 0.3), bin_size=0.1, out_of_bounds="nan")
    assert np.isnan(filled.values[0, 0]).all() and not np.isnan(filled.values[0, 1:]).any()
    assert filled.values[1, 2].tolist() == [0.0, 1.0]


def test_errors():
    data = recording_with_responses(np.array([10.0]))
    units = units_dataset({0: [1.0, 2.0]})
    with pytest.raises(InvalidValueError, match="bin_size"):
        align_to_events(units, [1.0], (0.0, 1.0))
    with pytest.raises(InvalidValueError, match="bin_size"):
        align_to_events(data, [1.0], (0.0, 1.0), bin_size=0.1)
    with pytest.raises(MissingDataError, match="go_cue"):
        align_to_events(data, intervals(np.array([1.0])), (0.0, 1.0), event="go_cue")
    with pytest.raises(InvalidValueError, match="window"):
        align_to_events(data, [1.0], (0.5, 0.5))
    with pytest.raises(InvalidValueError, match="events.*index 1"):
        align_to_events(data, [1.0, np.nan], (0.0, 1.0))
    with pytest.raises(InvalidValueError, match="out_of_bounds"):
        align_to_events(data, [1.0], (0.0, 1.0), out_of_bounds="clip")
    with pytest.raises(SchemaError, match="1-D"):
        align_to_events(data, [[1.0, 2.0]], (0.0, 1.0))
    clash = intervals(np.array([1.0, 2.0])).assign(channel=("trial", [1, 2]))
    with pytest.raises(SchemaError, match="channel"):
        align_to_events(data, clash, (0.0, 1.0))
    aligned = align_to_events(data, [1.0, 2.0], (0.0, 1.0))
    with pytest.raises(SchemaError, match="trial-aligned"):
        align_to_events(aligned, [1.0], (0.0, 0.1))
