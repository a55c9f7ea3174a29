from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

import neurokit
from neurokit.errors import InvalidValueError, SchemaError
from neurokit.preprocess import bin_spikes

from .conftest import PROVENANCE, units_dataset


def reference_counts(
    trains: dict[int, np.ndarray], ids: list[int], start: float, n_bins: int, bin_size: float
) -> np.ndarray:
    """Per-unit np.histogram on the documented edges, without np.histogram's last-edge rule."""
    edges = start + np.arange(n_bins + 1) * bin_size
    out = np.zeros((n_bins, len(ids)), dtype=np.int64)
    for j, u in enumerate(ids):
        t = np.asarray(trains.get(u, []))
        out[:, j] = np.histogram(t[t < edges[-1]], edges)[0]
    return out


def random_trains(rng: np.random.Generator, start: float, bin_size: float, n_bins: int):
    """Spikes at random, exactly on edges, before start, on and after the last edge."""
    edges = start + np.arange(n_bins + 1) * bin_size
    trains = {}
    for u in (7, 3, 11):
        t = np.concatenate(
            [
                rng.uniform(start - 1.0, edges[-1] + 1.0, 400),
                rng.choice(edges, 40),  # exactly on edges, the last edge included
                [edges[0], edges[-1], np.nextafter(edges[-1], -np.inf), start - 1e-12],
            ]
        )
        trains[u] = np.sort(t)
    return trains


@pytest.mark.parametrize(
    ("start", "stop", "bin_size", "n_bins"),
    [
        (0.3, 2.0, 0.1, 17),  # (stop - start) / bin_size = 17.000000000000004 -> 17
        (0.0, 1.0, 0.1, 10),  # 9.999999999999998 -> 10
        (0.3, 1.95, 0.1, 17),  # 16.5 -> 17: last edge 2.0 lies after stop
        (-1.25, 3.0, 0.003, 1417),  # 1416.67 -> 1417
    ],
)
def test_matches_per_unit_histogram(rng, start, stop, bin_size, n_bins):
    assert n_bins in (round((stop - start) / bin_size), math.ceil((stop - start) / bin_size))
    trains = random_trains(rng, start, bin_size, n_bins)
    ids = [7, 3, 11, 5]  # 5 has no spike
    units = units_dataset(trains, ids)
    counts = bin_spikes(units, bin_size, start=start, stop=stop)

    expected = reference_counts(trains, ids, start, n_bins, bin_size)
    assert counts.dims == ("time", "unit")
    assert counts.unit.values.tolist() == ids
    np.testing.assert_array_equal(counts.values, expected)
    assert counts.sel(unit=5).sum() == 0
    assert counts.attrs["stop"] == start + n_bins * bin_size
    np.testing.assert_allclose(np.diff(counts.time.values), bin_size)
    assert counts.time.values[0] == pytest.approx(start + bin_size / 2)


def test_edge_rule(make_units):
    units = make_units({0: [0.0, 0.25, 0.5, 0.7499, 0.75, -0.05]})
    counts = bin_spikes(units, 0.25, stop=0.75)
    # 0.25 opens bin 1, 0.5 bin 2; 0.75 is the last edge: not counted; -0.05 is before start
    assert counts.values[:, 0].tolist() == [1, 1, 2]
    # edges are the float64 values start + k * bin_size: 3 * 0.1 = 0.30000000000000004 > 0.3
    counts = bin_spikes(make_units({0: [0.3, 3 * 0.1]}), 0.1, stop=0.4)
    assert counts.values[:, 0].tolist() == [0, 0, 1, 1]


def test_default_stop_counts_the_last_spike_on_an_edge(make_units):
    units = make_units({1: [0.05, 0.75], 2: [0.3]})
    counts = bin_spikes(units, 0.25)
    assert counts.sizes["time"] == 4  # the bin [0.75, 1.0) holds the last spike
    assert counts.attrs["stop"] == 1.0
    assert counts.sel(unit=1).values.tolist() == [1, 0, 0, 1]
    assert counts.sel(unit=2).values.tolist() == [0, 1, 0, 0]


def test_unit_ids_not_0_to_n_and_any_spike_order(rng, make_units):
    trains = {7: np.sort(rng.uniform(0, 5, 50)), 3: np.sort(rng.uniform(0, 5, 80)), 11: []}
    units = make_units(trains, area=["CA1", "V1", "PFC"], depth=[10.0, 20.0, 30.0])
    counts = bin_spikes(units, 0.25, stop=5.0)
    assert counts.sel(unit=7).sum() == 50 and counts.sel(unit=3).sum() == 80
    assert counts.sel(unit=11).sum() == 0
    assert counts.area.values.tolist() == ["CA1", "V1", "PFC"]
    assert counts.area.dims == ("unit",)
    np.testing.assert_array_equal(counts.depth.values, [10.0, 20.0, 30.0])

    order = rng.permutation(units.sizes["spike"])
    shuffled = units.isel(spike=order)
    np.testing.assert_array_equal(bin_spikes(shuffled, 0.25, stop=5.0).values, counts.values)
    # the unit coordinate decides the column order, whatever the spike order
    swapped = bin_spikes(units.reindex(unit=[3, 11, 7]), 0.25, stop=5.0)
    assert swapped.unit.values.tolist() == [3, 11, 7]
    xr.testing.assert_equal(swapped, counts.sel(unit=[3, 11, 7]))


def test_attrs_dtype_and_validation(make_units):
    units = make_units({0: [0.01, 0.02], 1: [0.5]})
    counts = bin_spikes(units, 0.1, start=0.0, stop=1.0, dtype=np.uint16)
    assert counts.dtype == np.uint16
    assert counts.attrs["units"] == "count"
    assert counts.attrs["bin_size"] == 0.1
    assert counts.attrs["sampling_rate"] == pytest.approx(10.0)
    assert counts.attrs["start"] == 0.0
    for key, value in PROVENANCE.items():
        assert counts.attrs[key] == value
    assert "neurodata_type" not in counts.attrs
    assert counts.time.dtype == np.float64
    neurokit.validate(counts)
    assert counts.values.sum() == 3


def test_input_is_not_modified(make_units):
    units = make_units({0: [0.3, 0.1], 1: [0.2]})
    before = units.copy(deep=True)
    bin_spikes(units, 0.1)
    xr.testing.assert_identical(units, before)


def test_errors(make_units):
    units = make_units({0: [0.1, 0.2], 1: [0.3]})
    with pytest.raises(SchemaError, match="spike_unit"):
        bin_spikes(units.assign_coords(spike_unit=("spike", [0, 0, 9])), 0.1)
    bad = units.copy(deep=True)
    bad["spike_times"].values[1] = np.nan
    with pytest.raises(InvalidValueError, match="spike_times.*spike index 1"):
        bin_spikes(bad, 0.1)
    with pytest.raises(InvalidValueError, match="bin_size"):
        bin_spikes(units, 0.0)
    with pytest.raises(InvalidValueError, match="stop"):
        bin_spikes(units, 0.1, start=1.0, stop=0.5)
    with pytest.raises(InvalidValueError, match="dtype"):
        bin_spikes(units, 0.1, dtype=np.float32)
    with pytest.raises(InvalidValueError, match="default stop"):
        bin_spikes(units, 0.1, start=5.0)
    with pytest.raises(SchemaError, match="spike_times"):
        bin_spikes(units.drop_vars("spike_times"), 0.1)
    with pytest.raises(SchemaError, match="units Dataset"):
        bin_spikes(units["spike_times"], 0.1)
    crowded = units_dataset({0: np.full(300, 0.05)})
    with pytest.raises(InvalidValueError, match="overflow"):
        bin_spikes(crowded, 0.1, dtype=np.uint8)
    assert bin_spikes(crowded, 0.1, dtype=np.uint16).values.max() == 300
