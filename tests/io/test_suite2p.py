import datetime
import os

import numpy as np
import pytest
import xarray as xr

from neurokit.errors import (
    FileFormatError,
    InvalidValueError,
    MissingDataError,
    NotAFolderError,
    PathNotFoundError,
    SchemaError,
    UnsafeFileError,
)
from neurokit.io.suite2p import read_suite2p
from neurokit.testing import assert_files_unchanged
from neurokit.validation import validate


def write_plane(folder, rng, *, n_roi=4, n_frames=30, fs=7.5, iplane=None, nplanes=1):
    """Write a suite2p plane folder the way suite2p does (np.save; stat/ops pickled)."""
    folder.mkdir(parents=True)
    traces = {
        name: rng.gamma(2.0, 10.0, size=(n_roi, n_frames)).astype(np.float32)
        for name in ("F", "Fneu", "spks")
    }
    for name, arr in traces.items():
        np.save(folder / f"{name}.npy", arr)
    labels = (np.arange(n_roi) % 3 != 2).astype(np.float64)
    iscell = np.column_stack([labels, rng.uniform(size=n_roi)])
    np.save(folder / "iscell.npy", iscell)
    stat = []
    for i in range(n_roi):
        ypix = np.arange(5, dtype=np.int32) + 10 * i
        entry = {
            "ypix": ypix,
            "xpix": ypix + 3,
            "lam": rng.uniform(size=5).astype(np.float32),
            "med": [int(ypix[2]), int(ypix[2] + 3)],
            "npix": np.int64(5 + i),
            "compact": np.float64(1.1),
            "soma_crop": np.ones(5, bool),
        }
        if iplane is not None:
            entry["iplane"] = iplane[i]
        stat.append(entry)
    np.save(folder / "stat.npy", np.array(stat, dtype=object), allow_pickle=True)
    ops = {
        "fs": fs,
        "Ly": 64,
        "Lx": 48,
        "nplanes": nplanes,
        "nchannels": 1,
        "tau": 1.0,
        "do_registration": True,
        "save_path": str(folder),
        "date_proc": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "meanImg": rng.normal(size=(64, 48)).astype(np.float32),
        "filelist": ["a.tif", "b.tif"],
    }
    np.save(folder / "ops.npy", np.array(ops, dtype=object), allow_pickle=True)
    return {**traces, "iscell": iscell, "stat": stat, "ops": ops}


def _roundtrip(ds, tmp_path):
    nc, zarr_store = tmp_path / "out.nc", tmp_path / "out.zarr"
    ds.to_netcdf(nc, engine="h5netcdf")
    with xr.open_dataset(nc, engine="h5netcdf") as back:
        xr.testing.assert_identical(back.load(), ds)
    ds.to_zarr(zarr_store, consolidated=False)
    with xr.open_zarr(zarr_store, consolidated=False) as back:
        xr.testing.assert_identical(back.load(), ds)


def test_single_plane_values_coords_attrs(tmp_path, rng):
    plane0 = tmp_path / "suite2p" / "plane0"
    ref = write_plane(plane0, rng)
    with assert_files_unchanged(plane0):
        ds = read_suite2p(plane0)
        for name in ("F", "Fneu", "spks"):
            assert ds[name].dims == ("time", "roi")
            assert ds[name].dtype == np.float32
            np.testing.assert_array_equal(ds[name].values, ref[name].T)
            assert ds[name].attrs["units"] == "a.u."
    np.testing.assert_array_equal(ds.time, np.arange(30) / 7.5)
    assert ds.time.dtype == np.float64
    np.testing.assert_array_equal(ds.roi, np.arange(4))
    assert ds.iscell.dtype == np.int8
    np.testing.assert_array_equal(ds.iscell, [1, 1, 0, 1])
    np.testing.assert_array_equal(ds.iscell_prob, ref["iscell"][:, 1])
    np.testing.assert_array_equal(ds.centroid_y, [s["med"][0] for s in ref["stat"]])
    np.testing.assert_array_equal(ds.centroid_x, [s["med"][1] for s in ref["stat"]])
    np.testing.assert_array_equal(ds.npix, [5, 6, 7, 8])
    np.testing.assert_array_equal(ds.plane, 0)
    assert ds.attrs["source_file"] == str(plane0.resolve())
    assert ds.attrs["sampling_rate"] == 7.5
    assert ds.attrs["n_planes"] == 1
    assert {k: ds.attrs[k] for k in ("Ly", "Lx", "nplanes", "nchannels", "tau")} == {
        "Ly": 64,
        "Lx": 48,
        "nplanes": 1,
        "nchannels": 1,
        "tau": 1.0,
    }
    assert "do_registration" not in ds.attrs and "meanImg" not in ds.attrs
    assert "n_nan" not in ds.F.attrs
    validate(ds)
    _roundtrip(ds, tmp_path)


def test_two_planes_all_int_and_combined(tmp_path, rng):
    root = tmp_path / "suite2p"
    p0 = write_plane(root / "plane0", rng, n_roi=3, nplanes=2)
    p1 = write_plane(root / "plane1", rng, n_roi=5, nplanes=2)
    comb = write_plane(root / "combined", rng, n_roi=8, iplane=[0] * 3 + [1] * 5, nplanes=2)

    ds = read_suite2p(root)
    assert ds.sizes == {"time": 30, "roi": 8}
    np.testing.assert_array_equal(ds.roi, np.arange(8))
    np.testing.assert_array_equal(ds.plane, [0] * 3 + [1] * 5)
    np.testing.assert_array_equal(ds.F.values, np.concatenate([p0["F"], p1["F"]]).T)
    np.testing.assert_array_equal(ds.npix, [5, 6, 7, 5, 6, 7, 8, 9])
    assert ds.attrs["n_planes"] == 2
    _roundtrip(ds, tmp_path)

    one = read_suite2p(root, plane=1)
    np.testing.assert_array_equal(one.spks.values, p1["spks"].T)
    np.testing.assert_array_equal(one.plane, 1)
    assert one.attrs["n_planes"] == 1 and one.attrs["source_file"] == str(root.resolve())
    xr.testing.assert_identical(
        one.F, ds.F.isel(roi=slice(3, None)).assign_coords(roi=np.arange(5))
    )

    combined = read_suite2p(root, plane="combined")
    np.testing.assert_array_equal(combined.Fneu.values, comb["Fneu"].T)
    np.testing.assert_array_equal(combined.plane, [0] * 3 + [1] * 5)
    assert combined.attrs["n_planes"] == 2


def test_plane_folder_given_directly(tmp_path, rng):
    write_plane(tmp_path / "plane2", rng)
    assert read_suite2p(tmp_path / "plane2", plane=2).plane.values.tolist() == [2] * 4
    for plane in (0, "combined"):
        with pytest.raises(MissingDataError, match="plane2"):
            read_suite2p(tmp_path / "plane2", plane=plane)


@pytest.mark.parametrize("plane", ["first", True, 1.0])
def test_bad_plane_argument(tmp_path, rng, plane):
    write_plane(tmp_path / "suite2p" / "plane0", rng)
    with pytest.raises(InvalidValueError, match="plane"):
        read_suite2p(tmp_path / "suite2p", plane=plane)


def test_absent_planes(tmp_path, rng):
    root = tmp_path / "suite2p"
    write_plane(root / "plane0", rng)
    with pytest.raises(MissingDataError, match="plane3"):
        read_suite2p(root, plane=3)
    with pytest.raises(MissingDataError, match="combined"):
        read_suite2p(root, plane="combined")
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingDataError, match="no suite2p plane folders"):
        read_suite2p(tmp_path / "empty")


def test_path_errors(tmp_path):
    with pytest.raises(PathNotFoundError):
        read_suite2p(tmp_path / "nope")
    (tmp_path / "F.npy").write_bytes(b"")
    with pytest.raises(NotAFolderError):
        read_suite2p(tmp_path / "F.npy")


@pytest.mark.parametrize("name", ["F", "Fneu", "spks", "iscell", "stat", "ops"])
def test_missing_file(tmp_path, rng, name):
    plane0 = tmp_path / "plane0"
    write_plane(plane0, rng)
    (plane0 / f"{name}.npy").unlink()
    with pytest.raises(MissingDataError, match=f"{name}.npy"):
        read_suite2p(plane0)


def test_shape_mismatches(tmp_path, rng):
    plane0 = tmp_path / "plane0"
    write_plane(plane0, rng)
    np.save(plane0 / "Fneu.npy", np.zeros((4, 29), np.float32))
    with pytest.raises(SchemaError, match=r"\(4, 30\).*\(4, 29\)"):
        read_suite2p(plane0)
    np.save(plane0 / "Fneu.npy", np.zeros((4, 30), np.float32))
    np.save(plane0 / "stat.npy", np.array([{"med": [1, 1], "npix": 3}] * 3), allow_pickle=True)
    with pytest.raises(SchemaError, match=r"stat.*4 ROI dicts.*shape \(3,\)"):
        read_suite2p(plane0)
    np.save(plane0 / "stat.npy", np.array([{"med": [1, 1], "npix": 3}] * 4), allow_pickle=True)
    np.save(plane0 / "iscell.npy", np.ones((5, 2)))
    with pytest.raises(SchemaError, match=r"iscell.*\(4, 2\).*\(5, 2\)"):
        read_suite2p(plane0)


def test_planes_with_different_frame_counts(tmp_path, rng):
    root = tmp_path / "suite2p"
    write_plane(root / "plane0", rng, n_frames=30)
    write_plane(root / "plane1", rng, n_frames=31)
    with pytest.raises(SchemaError) as info:
        read_suite2p(root)
    message = str(info.value)
    assert str(root / "plane0" / "F.npy") in message and str(root / "plane1" / "F.npy") in message


def test_malicious_stat_is_refused(tmp_path, rng, monkeypatch):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned > marker",))

    monkeypatch.chdir(tmp_path)
    plane0 = tmp_path / "plane0"
    write_plane(plane0, rng)
    np.save(plane0 / "stat.npy", np.array([Evil()] * 4, dtype=object), allow_pickle=True)
    with pytest.raises(UnsafeFileError, match="system"):
        read_suite2p(plane0)
    assert not (tmp_path / "marker").exists()


def test_not_npy(tmp_path, rng):
    plane0 = tmp_path / "plane0"
    write_plane(plane0, rng)
    (plane0 / "spks.npy").write_text("not numpy")
    with pytest.raises(FileFormatError, match="spks.npy"):
        read_suite2p(plane0)


def test_nan_policy(tmp_path, rng):
    plane0 = tmp_path / "plane0"
    ref = write_plane(plane0, rng)
    fneu = ref["Fneu"].copy()
    fneu[2, 7] = fneu[3, 1] = np.nan
    np.save(plane0 / "Fneu.npy", fneu)
    with pytest.raises(InvalidValueError) as info:
        read_suite2p(plane0)
    message = str(info.value)
    for part in ("Fneu.npy", "'Fneu'", "2 NaN", "roi=2, frame=7"):
        assert part in message
    ds = read_suite2p(plane0, nan_policy="keep")
    assert ds.Fneu.attrs["n_nan"] == 2 and ds.F.attrs["n_nan"] == 0
    assert np.isnan(ds.Fneu.values[7, 2])
    with pytest.raises(InvalidValueError, match="nan_policy"):
        read_suite2p(plane0, nan_policy="drop")


@pytest.mark.shared_data
@pytest.mark.parametrize("sub", ["suite2p", "suite2p/plane0"])
def test_real_suite2p_matches_numpy(shared_data, tmp_path, sub):
    root = shared_data / "suite2p_fissa_example"
    plane0 = root / "suite2p" / "plane0"
    with assert_files_unchanged(root):
        ds = read_suite2p(root / sub)
    for name in ("F", "Fneu", "spks"):
        np.testing.assert_array_equal(ds[name].values, np.load(plane0 / f"{name}.npy").T)
    # trusted real data: allow_pickle only here, as the reference
    stat = np.load(plane0 / "stat.npy", allow_pickle=True)
    ops = np.load(plane0 / "ops.npy", allow_pickle=True).item()
    iscell = np.load(plane0 / "iscell.npy")
    assert ds.sizes == {"time": 864, "roi": 23}
    np.testing.assert_array_equal(ds.iscell, iscell[:, 0].astype(np.int8))
    assert int(ds.iscell.sum()) == 21
    np.testing.assert_array_equal(ds.iscell_prob, iscell[:, 1])
    np.testing.assert_array_equal(ds.centroid_y, [s["med"][0] for s in stat])
    np.testing.assert_array_equal(ds.centroid_x, [s["med"][1] for s in stat])
    np.testing.assert_array_equal(ds.npix, [s["npix"] for s in stat])
    assert ds.attrs["sampling_rate"] == float(ops["fs"])
    np.testing.assert_allclose(ds.time, np.arange(864) / ops["fs"])
    assert (ds.attrs["Ly"], ds.attrs["Lx"]) == (ops["Ly"], ops["Lx"]) == (176, 156)
    _roundtrip(ds, tmp_path)
