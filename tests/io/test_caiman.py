import h5py
import numpy as np
import pytest
import scipy.sparse
import sparse
import xarray as xr

from neurokit.errors import (
    FileFormatError,
    InvalidValueError,
    MissingDataError,
    NotAFileError,
    PathNotFoundError,
    SchemaError,
)
from neurokit.io.caiman import read_caiman
from neurokit.testing import assert_files_unchanged
from neurokit.validation import validate

D1, D2, FR = 32, 40, 15.0
CENTRES = [(8.0, 10.0), (20.0, 25.0), (15.5, 30.0)]  # (y, x) pixels, blobs fully inside the FOV


def footprints(centres=CENTRES, sigma=1.5):
    """Gaussian blobs (y, x, roi), cut at 3 sigma so they are sparse and symmetric."""
    y, x = np.mgrid[:D1, :D2]
    blobs = []
    for cy, cx in centres:
        g = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * sigma**2))
        g[(y - cy) ** 2 + (x - cx) ** 2 > (3 * sigma) ** 2] = 0
        blobs.append(g)
    return np.stack(blobs, axis=-1)


def write_caiman(path, rng, *, n_frames=50, a=None, f_dff=None, idx_components=(0, 2), **override):
    """Write an HDF5 file with the layout of CaImAn's ``cnm.save`` (save_dict_to_hdf5)."""
    a = footprints() if a is None else a
    k = a.shape[-1]
    csc = scipy.sparse.csc_matrix(a.reshape(D1 * D2, k, order="F"))  # CaImAn's pixel order
    est = {
        "C": rng.gamma(2.0, 1.0, size=(k, n_frames)),
        "S": rng.exponential(size=(k, n_frames)),
        "YrA": rng.normal(size=(k, n_frames)),
        "F_dff": f_dff,
        "b": rng.uniform(size=(D1 * D2, 1)),
        "f": rng.uniform(size=(1, n_frames)),
        "idx_components": None if idx_components is None else np.array(idx_components),
        "dims": np.array([D1, D2]),
        "sn": rng.uniform(size=D1 * D2),
    }
    est.update(override)
    with h5py.File(path, "w") as h5:
        for key, value in est.items():
            h5[f"estimates/{key}"] = "NoneType" if value is None else value
        for key in ("data", "indices", "indptr", "shape"):
            h5[f"estimates/A/{key}"] = np.asarray(getattr(csc, key))
        h5["params/data/fr"] = FR
        h5["params/data/dims"] = np.array([D1, D2])
        h5["params/data/fnames"] = np.array([b"movie.tif"])
        h5["dview"] = "NoneType"
        h5["remove_very_bad_comps"] = False
    return est


def _roundtrip(ds, tmp_path):
    dense = ds.as_numpy()
    assert isinstance(dense.A.data, np.ndarray)
    dense.to_netcdf(tmp_path / "out.nc", engine="h5netcdf")
    with xr.open_dataset(tmp_path / "out.nc", engine="h5netcdf") as back:
        back, expected = back.load(), dense.copy()
        # netCDF gives a one-element list attr back as a scalar
        missing = np.atleast_1d(back.attrs.pop("missing", [])).tolist()
        assert missing == expected.attrs.pop("missing", [])
        xr.testing.assert_identical(back, expected)
    dense.to_zarr(tmp_path / "out.zarr", consolidated=False)
    with xr.open_zarr(tmp_path / "out.zarr", consolidated=False) as back:
        xr.testing.assert_identical(back.load(), dense)


def test_values_footprints_centroids(tmp_path, rng):
    f = tmp_path / "results.hdf5"
    ref = write_caiman(f, rng)
    with assert_files_unchanged(f):
        ds = read_caiman(f)
    for name in ("C", "S", "YrA"):
        assert ds[name].dims == ("time", "roi")
        np.testing.assert_array_equal(ds[name].values, ref[name].T)
        assert ds[name].attrs["units"] == "a.u."
    assert "F_dff" not in ds and ds.attrs["missing"] == ["F_dff"]
    assert ds.A.dims == ("y", "x", "roi")
    assert isinstance(ds.A.data, sparse.COO)
    assert ds.A.data.nnz == np.count_nonzero(footprints())
    np.testing.assert_array_equal(ds.A.data.todense(), footprints())
    np.testing.assert_allclose(ds.centroid_y, [c[0] for c in CENTRES], atol=1e-9)
    np.testing.assert_allclose(ds.centroid_x, [c[1] for c in CENTRES], atol=1e-9)
    np.testing.assert_array_equal(ds.accepted, [1, 0, 1])
    assert ds.accepted.dtype == np.int8
    np.testing.assert_array_equal(ds.roi, [0, 1, 2])
    np.testing.assert_array_equal(ds.time, np.arange(50) / FR)
    assert ds.attrs["sampling_rate"] == FR
    assert ds.attrs["source_file"] == str(f.resolve())
    validate(ds)
    _roundtrip(ds, tmp_path)


def test_fortran_pixel_order(tmp_path, rng):
    """One lit pixel at (y=3, x=7): CaImAn stores it at row 3 + 7 * d1 of A."""
    a = np.zeros((D1, D2, 1))
    a[3, 7, 0] = 2.0
    f = tmp_path / "one.hdf5"
    write_caiman(f, rng, a=a, idx_components=None)
    with h5py.File(f, "r") as h5:
        assert h5["estimates/A/indices"][()].tolist() == [3 + 7 * D1]
    ds = read_caiman(f)
    assert ds.A.data.todense()[3, 7, 0] == 2.0 and ds.A.data.nnz == 1
    assert (float(ds.centroid_y[0]), float(ds.centroid_x[0])) == (3.0, 7.0)
    assert "accepted" not in ds.coords


def test_all_traces_and_dff_units(tmp_path, rng):
    f = tmp_path / "r.hdf5"
    ref = write_caiman(f, rng, f_dff=rng.normal(size=(3, 50)))
    ds = read_caiman(f)
    np.testing.assert_array_equal(ds.F_dff.values, ref["F_dff"].T)
    assert ds.F_dff.attrs["units"] == "dF/F"
    assert "missing" not in ds.attrs


def test_absent_and_empty_optional_traces(tmp_path, rng):
    f = tmp_path / "r.hdf5"
    write_caiman(f, rng, S=np.zeros((0,)), YrA=None)
    with h5py.File(f, "a") as h5:
        del h5["estimates/F_dff"]
    ds = read_caiman(f)
    assert set(ds.data_vars) == {"C", "A"}
    assert ds.attrs["missing"] == ["S", "F_dff", "YrA"]
    _roundtrip(ds, tmp_path)


def test_dense_footprints(tmp_path, rng):
    f = tmp_path / "r.hdf5"
    write_caiman(f, rng)
    with h5py.File(f, "a") as h5:
        del h5["estimates/A"]
        h5["estimates/A"] = footprints().reshape(D1 * D2, 3, order="F")
    ds = read_caiman(f)
    np.testing.assert_array_equal(ds.as_numpy().A.values, footprints())


def test_path_errors(tmp_path):
    with pytest.raises(PathNotFoundError):
        read_caiman(tmp_path / "nope.hdf5")
    with pytest.raises(NotAFileError):
        read_caiman(tmp_path)
    (tmp_path / "x.hdf5").write_text("not hdf5")
    with pytest.raises(FileFormatError, match="HDF5"):
        read_caiman(tmp_path / "x.hdf5")


def test_missing_fields(tmp_path, rng):
    f = tmp_path / "r.hdf5"
    with h5py.File(f, "w") as h5:
        h5["params/data/fr"] = FR
    with pytest.raises(MissingDataError, match="estimates"):
        read_caiman(f)
    for field in ("estimates/C", "estimates/A", "params/data/fr"):
        write_caiman(f, rng)
        with h5py.File(f, "a") as h5:
            del h5[field]
        with pytest.raises(MissingDataError, match=field):
            read_caiman(f)
    write_caiman(f, rng)
    with h5py.File(f, "a") as h5:
        del h5["estimates/dims"], h5["params/data/dims"]
    with pytest.raises(MissingDataError, match="dims"):
        read_caiman(f)


def test_shape_mismatches(tmp_path, rng):
    f = tmp_path / "r.hdf5"
    write_caiman(f, rng, C=rng.normal(size=(4, 50)))
    with pytest.raises(SchemaError, match=r"estimates/A.*\(1280, 3\)"):
        read_caiman(f)
    write_caiman(f, rng, S=rng.normal(size=(3, 49)))
    with pytest.raises(SchemaError, match=r"estimates/S.*\(3, 49\)"):
        read_caiman(f)
    write_caiman(f, rng, dims=np.array([D1, D2 + 1]))
    with pytest.raises(SchemaError, match="field of view"):
        read_caiman(f)
    write_caiman(f, rng, idx_components=(0, 5))
    with pytest.raises(SchemaError, match="idx_components"):
        read_caiman(f)


def test_nan_policy(tmp_path, rng):
    f = tmp_path / "r.hdf5"
    c = rng.normal(size=(3, 50))
    c[1, 4] = np.nan
    write_caiman(f, rng, C=c)
    with pytest.raises(InvalidValueError, match=r"estimates/C.*1 NaN.*roi=1, frame=4"):
        read_caiman(f)
    ds = read_caiman(f, nan_policy="keep")
    assert ds.C.attrs["n_nan"] == 1 and ds.S.attrs["n_nan"] == 0
    assert np.isnan(ds.C.values[4, 1])
