from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import xarray as xr

import neurokit
from neurokit.errors import InvalidValueError, SchemaError
from neurokit.preprocess import zscore

from .conftest import PROVENANCE, continuous


def test_matches_scipy_per_trace(rng):
    data = continuous(rng.normal(5.0, 3.0, (200, 4)), 30.0).assign_coords(
        area=("roi", list("abcd"))
    )
    out = zscore(data)
    np.testing.assert_allclose(out.values, scipy.stats.zscore(data.values, axis=0), rtol=1e-12)
    np.testing.assert_allclose(out.mean("time"), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std("time"), 1.0, rtol=1e-12)
    assert out.attrs["units"] == "z-score"
    assert out.attrs["sampling_rate"] == 30.0
    assert out.attrs["zscore_dims"] == ["time"]
    for key, value in PROVENANCE.items():
        assert out.attrs[key] == value
    assert "description" not in out.attrs
    assert out.area.values.tolist() == list("abcd")
    neurokit.validate(out)


def test_other_dims_and_orders(rng):
    values = rng.poisson(3.0, (5, 20, 3)).astype(np.int64)
    data = xr.DataArray(
        values,
        dims=("trial", "time", "unit"),
        coords={"trial": np.arange(5), "time": np.arange(20) / 10.0, "unit": [4, 8, 9]},
        attrs={"units": "count"},
    )
    out = zscore(data, dim=("trial", "time"))
    assert out.dims == data.dims
    flat = values.reshape(-1, 3).astype(float)
    expected = (flat - flat.mean(0)) / flat.std(0)
    np.testing.assert_allclose(out.values.reshape(-1, 3), expected, rtol=1e-12)
    traces = data.isel(trial=0, drop=True).transpose("unit", "time")
    by_unit = zscore(traces)
    assert by_unit.dims == ("unit", "time")
    xr.testing.assert_allclose(by_unit, zscore(traces.transpose("time", "unit")).T)


def test_errors(rng):
    data = continuous(rng.random((50, 3)), 30.0).assign_coords(roi=[10, 11, 12])
    flat = data.copy(deep=True)
    flat.values[:, 1] = 0.1
    with pytest.raises(InvalidValueError, match="roi=11"):
        zscore(flat)
    with_nan = data.copy(deep=True)
    with_nan.values[9, 2] = np.inf
    with pytest.raises(InvalidValueError, match=r"signal.*\(index 9\), roi=12"):
        zscore(with_nan)
    with pytest.raises(SchemaError, match="trial"):
        zscore(data, dim="trial")
    with pytest.raises(SchemaError, match="DataArray"):
        zscore(data.to_dataset())
