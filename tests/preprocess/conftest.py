"""Builders of small neurokit objects shared by the preprocess tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
import xarray as xr

PROVENANCE = {"source_file": "/data/s1.nwb", "session_id": "s1", "subject_id": "m1"}


def units_dataset(
    trains: dict[int, np.ndarray], unit_ids: Sequence[int] | None = None, **unit_coords
) -> xr.Dataset:
    """A units Dataset (docs/conventions.md) from ``{unit id: spike times}``."""
    ids = list(trains) if unit_ids is None else list(unit_ids)
    times = [np.asarray(trains.get(u, []), dtype=np.float64) for u in ids]
    return xr.Dataset(
        {
            "spike_times": ("spike", np.concatenate(times), {"units": "s"}),
            "n_spikes": ("unit", np.array([t.size for t in times]), {"units": "count"}),
        },
        coords={
            "spike_unit": ("spike", np.repeat(ids, [t.size for t in times])),
            "unit": ids,
            **{name: ("unit", list(values)) for name, values in unit_coords.items()},
        },
        attrs={**PROVENANCE, "neurodata_type": "Units"},
    )


def continuous(
    values: np.ndarray, fs: float, *, dim: str = "roi", t0: float = 0.0, units: str = "a.u."
) -> xr.DataArray:
    """A ``(time, dim)`` DataArray sampled at ``fs`` Hz from ``t0``."""
    n, m = values.shape
    return xr.DataArray(
        values,
        dims=("time", dim),
        coords={"time": t0 + np.arange(n) / fs, dim: np.arange(m)},
        attrs={**PROVENANCE, "units": units, "sampling_rate": fs, "description": "test"},
        name="signal",
    )


@pytest.fixture
def make_units() -> Callable[..., xr.Dataset]:
    return units_dataset


@pytest.fixture
def make_continuous() -> Callable[..., xr.DataArray]:
    return continuous
