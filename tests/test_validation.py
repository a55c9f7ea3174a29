import numpy as np
import pytest
import xarray as xr

import neurokit as nk
from neurokit.errors import SchemaError


def _traces(**attrs):
    return xr.DataArray(
        np.zeros((4, 3)),
        dims=("time", "roi"),
        coords={"time": np.arange(4) / 10.0, "roi": [10, 11, 12]},
        attrs={"units": "dF/F", "sampling_rate": 10.0, **attrs},
    )


def test_valid_objects_pass_unchanged():
    da = _traces(source_file="/a.nwb")
    assert nk.validate(da) is da
    ds = da.to_dataset(name="F")
    assert nk.validate(ds) is ds
    tree = xr.DataTree.from_dict({"/": xr.Dataset(attrs={"subject_id": "m1"}), "a/b": ds})
    assert nk.validate(tree) is tree


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.assign_coords(time=[0.0, 0.2, 0.1, 0.3]), "strictly increasing"),
        (lambda d: d.assign_coords(time=np.arange(4)), "dtype"),
        (lambda d: d.assign_coords(time=[0.0, np.nan, 0.2, 0.3]), "not finite"),
        (lambda d: d.assign_coords(roi=[1, 1, 2]), "not unique"),
        (lambda d: d.drop_vars("roi"), "no coordinate"),
        (lambda d: d.assign_attrs(units=None), "units"),
        (lambda d: d.assign_attrs(sampling_rate=-1.0), "sampling rate"),
        (lambda d: d.assign_attrs(flag=True), "netCDF/zarr"),
        (lambda d: d.assign_attrs(meta={"a": 1}), "netCDF/zarr"),
        (lambda d: d.assign_attrs(source_file=3), "provenance"),
    ],
)
def test_each_rule_can_fail(mutate, match):
    with pytest.raises(SchemaError, match=match):
        nk.validate(mutate(_traces()))


def test_trial_aligned_dim_order():
    da = xr.DataArray(
        np.zeros((2, 3, 4)),
        dims=("time", "trial", "unit"),
        coords={"time": [0.0, 0.1], "trial": [0, 1, 2], "unit": [0, 1, 2, 3]},
        attrs={"units": "count"},
    )
    with pytest.raises(SchemaError, match="trial"):
        nk.validate(da)
    nk.validate(da.transpose("trial", "time", "unit"))


def test_error_names_the_source_file():
    with pytest.raises(SchemaError, match="/lab/session.nwb"):
        nk.validate(_traces().assign_attrs(units=""), source="/lab/session.nwb")


def test_rejects_non_xarray():
    with pytest.raises(SchemaError, match="xarray"):
        nk.validate(np.zeros(3))
