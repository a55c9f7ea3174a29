"""read_nwb on the real NWB files in ../shared/data, checked against pynwb reading them directly.

The files: an NWB 2.0.2 file (mouse ALM units, trials, lick events), a human MTL units file with
external-file image stimuli and custom interval tables, and an ophys file (suite2p outputs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from neurokit.io.nwb import read_nwb
from neurokit.testing import assert_files_unchanged
from neurokit.validation import validate

pynwb = pytest.importorskip("pynwb")
dask_array = pytest.importorskip("dask.array")

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
NAMES = sorted(str(p.relative_to(SHARED)) for p in SHARED.glob("nwb_*/*.nwb"))

pytestmark = [
    pytest.mark.shared_data,
    # pynwb's own read-time notes on the MTL file's placeholder OpticalSeries (a known quirk)
    pytest.mark.filterwarnings("ignore:OpticalSeries 'StimulusPresentation_encoding':UserWarning"),
]


@pytest.fixture(scope="module", params=NAMES)
def real(request, shared_data) -> tuple[Path, xr.DataTree, xr.DataTree]:
    """(path, eager tree, lazy tree), read with the file's bytes checked before and after."""
    path = shared_data / request.param
    with assert_files_unchanged(path):
        eager = read_nwb(path, lazy=False)
        lazy = read_nwb(path, lazy=True)
    return path, eager, lazy


def _series(nwbfile) -> dict[str, object]:
    """Every TimeSeries in the file by its tree path, found with pynwb's own containers."""
    found = {}
    groups = [("acquisition", nwbfile.acquisition), ("stimulus", nwbfile.stimulus)]
    groups += [(f"processing/{m}", mod.data_interfaces) for m, mod in nwbfile.processing.items()]
    for prefix, objects in groups:
        for name, obj in objects.items():
            if isinstance(obj, pynwb.TimeSeries):
                found[f"{prefix}/{name}"] = obj
            for child in getattr(obj, "children", ()):
                if isinstance(child, pynwb.TimeSeries) and not isinstance(obj, pynwb.TimeSeries):
                    found[f"{prefix}/{name}/{child.name}"] = child
    return found


def _text(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def test_loads_and_validates(real):
    path, eager, lazy = real
    validate(eager, source=str(path))
    validate(lazy, source=str(path))
    assert eager.attrs["source_file"] == str(path.resolve())
    assert eager.attrs["nwb_version"].startswith("2.")


def test_timeseries_equal_pynwb(real):
    path, eager, lazy = real
    with pynwb.NWBHDF5IO(path, "r", load_namespaces=True) as io:
        nwbfile = io.read()
        series = _series(nwbfile)
        assert series, "every real file holds at least one TimeSeries"
        paths = {node.path.lstrip("/") for node in eager.subtree}
        for where, ts in series.items():
            if where not in paths:  # skipped: then listed with its NWB path
                assert any(where.split("/")[-1] in s for s in eager.attrs["skipped"]), where
                continue
            node = eager[where]
            expected = ts.data[:] * ts.conversion + (getattr(ts, "offset", 0.0) or 0.0)
            np.testing.assert_allclose(node["data"].values, expected, err_msg=where)
            if ts.timestamps is not None:
                np.testing.assert_array_equal(node["time"].values, ts.timestamps[:])
            else:
                n = len(expected)
                np.testing.assert_allclose(
                    node["time"].values, (ts.starting_time or 0.0) + np.arange(n) / ts.rate
                )
            assert node["data"].attrs["units"] == ts.unit
            lazy_data = lazy[where]["data"]
            assert isinstance(lazy_data.data, dask_array.Array)
            np.testing.assert_array_equal(lazy_data.values, node["data"].values)


def test_units_equal_pynwb(real):
    path, eager, _ = real
    with pynwb.NWBHDF5IO(path, "r", load_namespaces=True) as io:
        units = io.read().units
        if units is None:
            assert "units" not in eager
            return
        ds = eager["units"].to_dataset()
        ids = units.id[:]
        np.testing.assert_array_equal(ds["unit"].values, ids)
        for i, uid in enumerate(ids):
            mine = ds["spike_times"].values[ds["spike_unit"].values == uid]
            np.testing.assert_array_equal(mine, np.sort(units.get_unit_spike_times(i)))
            assert ds["n_spikes"].values[i] == len(units["spike_times"][i])
        for col in ("location", "quality", "cell_type", "depth"):
            if col in units.colnames:
                assert _text(ds[col].values) == _text(units[col].data[:]), col


def test_interval_tables_equal_pynwb(real):
    path, eager, _ = real
    with pynwb.NWBHDF5IO(path, "r", load_namespaces=True) as io:
        for name, table in io.read().intervals.items():
            ds = eager[f"intervals/{name}"].to_dataset()
            dim = "trial" if name == "trials" else "interval"
            np.testing.assert_array_equal(ds[dim].values, table.id[:])
            for col in table.colnames:
                theirs = table[col].data[:]
                if np.asarray(theirs).dtype.kind in "iuf":
                    np.testing.assert_array_equal(ds[col].values, theirs, err_msg=col)
                else:
                    assert _text(ds[col].values) == _text(theirs), col


def test_roi_centroids_equal_pixel_masks(real):
    path, eager, _ = real
    with pynwb.NWBHDF5IO(path, "r", load_namespaces=True) as io:
        nwbfile = io.read()
        if "ophys" not in nwbfile.processing:
            pytest.skip("no ophys module in this file")
        rrs = nwbfile.processing["ophys"]["Fluorescence"]["RoiResponseSeries"]
        plane = rrs.rois.table
        node = eager["processing/ophys/Fluorescence/RoiResponseSeries"]
        for i in range(len(plane)):
            pixels = np.asarray([tuple(p) for p in plane["pixel_mask"][i]], dtype=float)
            weights = pixels[:, 2]
            assert node["centroid_x"].values[i] == pytest.approx(
                np.average(pixels[:, 0], weights=weights)
            )
            assert node["centroid_y"].values[i] == pytest.approx(
                np.average(pixels[:, 1], weights=weights)
            )
            assert node["npix"].values[i] == len(pixels)
        np.testing.assert_array_equal(node["iscell"].values, plane["iscell"].data[:].astype(int))


def test_roundtrip_netcdf(real, tmp_path):
    _, eager, _ = real
    nc = tmp_path / "real.nc"
    eager.to_netcdf(nc, engine="h5netcdf")
    with xr.open_datatree(nc, engine="h5netcdf") as back:
        back = back.load()
        for node in eager.subtree:
            xr.testing.assert_equal(back[node.path].to_dataset(), node.to_dataset())
