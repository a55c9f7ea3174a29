"""CaImAn HDF5 results (``cnm.save("results.hdf5")``) -> ``xarray.Dataset``.

CaImAn writes its ``CNMF`` object with ``caiman.utils.utils.save_dict_to_hdf5``: a group
``estimates`` holding the ``Estimates`` attributes (``C``, ``S``, ``F_dff``, ``YrA`` as
``(n_roi, n_frames)`` datasets, ``idx_components``, ``dims``, and the footprints ``A`` as a group
``data``/``indices``/``indptr``/``shape`` of a scipy CSC matrix ``(n_pixels, n_roi)`` with
pixels in Fortran order of ``dims``), and a group ``params`` whose ``data/fr`` is the frame rate.
``None`` values are stored as the string ``"NoneType"``.
"""

from __future__ import annotations

import os
from typing import Any

import h5py
import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit._optional import soft_import
from neurokit.errors import FileFormatError, MissingDataError, SchemaError
from neurokit.io._nan import NanPolicy, check_nan, check_nan_policy
from neurokit.io._paths import require_hdf5
from neurokit.validation import validate

__all__ = ["read_caiman"]

#: trace variables (``estimates/<name>``, stored ``(n_roi, n_frames)``) and their units
TRACE_UNITS = {"C": cv.ARBITRARY, "S": cv.ARBITRARY, "F_dff": cv.DFF, "YrA": cv.ARBITRARY}
LONG_NAMES = {
    "C": "denoised calcium traces",
    "S": "deconvolved activity",
    "F_dff": "dF/F of the denoised traces",
    "YrA": "residual traces",
    "A": "spatial footprints",
}
_EXPECTED_FILE = "a CaImAn results file written by cnm.save('….hdf5')"
_NONE_MARKER = "NoneType"


def read_caiman(path: str | os.PathLike, *, nan_policy: NanPolicy = "raise") -> xr.Dataset:
    """Read CaImAn's traces and spatial footprints into one Dataset.

    Parameters
    ----------
    path : str or os.PathLike
        HDF5 file written by ``cnm.save("results.hdf5")`` (CNMF or OnACID). Opened read-only.
    nan_policy : {"raise", "keep"}, default "raise"
        NaNs in ``C``, ``S``, ``F_dff`` or ``YrA``: raise, or keep them and record their count in
        the variable's ``attrs["n_nan"]``.

    Returns
    -------
    xarray.Dataset
        Data variables (values and dtypes as stored):

        * ``C`` ``(time, roi)`` — denoised calcium traces, ``units="a.u."``;
        * ``S`` ``(time, roi)`` — deconvolved activity, ``units="a.u."``;
        * ``F_dff`` ``(time, roi)`` — dF/F, ``units="dF/F"``;
        * ``YrA`` ``(time, roi)`` — residuals, ``units="a.u."``;
        * ``A`` ``(y, x, roi)`` — spatial footprints, ``units="a.u."``, a **sparse**
          ``sparse.COO`` array (pixel ``p`` of CaImAn's ``(d1 * d2, n_roi)`` matrix is
          ``y = p % d1``, ``x = p // d1``). ``ds.A.values`` refuses to densify it; use
          ``ds.A.data.todense()`` or ``ds.as_numpy()``, which is also needed before
          ``to_netcdf``/``to_zarr`` (they cannot write sparse arrays).

        ``S``, ``F_dff`` and ``YrA`` are omitted when the file has none (absent, empty or stored
        as ``"NoneType"``); their names are then listed in ``attrs["missing"]`` (an attr present
        only when something is missing; netCDF gives a one-name list back as a plain string).

        Coordinates: ``time`` (s, ``arange(n_frames) / params/data/fr``), ``roi``
        (0…n_roi-1), ``centroid_y``/``centroid_x`` (pixels, footprint-weighted centre of mass
        of ``A``; NaN for an empty footprint) and, when ``estimates/idx_components`` is stored,
        ``accepted`` (int8, 1 for components CaImAn's evaluation kept).

        Attrs: ``source_file`` (absolute path), ``sampling_rate`` (Hz).

    Raises
    ------
    neurokit.errors.PathNotFoundError
        ``path`` does not exist.
    neurokit.errors.NotAFileError
        ``path`` is a folder.
    neurokit.errors.FileFormatError
        Not an HDF5 file, or unreadable.
    neurokit.errors.MissingDataError
        No ``estimates`` group, or no ``estimates/C``, ``estimates/A``, ``dims`` or
        ``params/data/fr`` (the error names the field).
    neurokit.errors.SchemaError
        Shapes disagree (``A`` vs ``C`` vs the other traces vs ``dims``), a corrupt sparse
        matrix, volumetric (3-D) footprints, or ``idx_components`` out of range.
    neurokit.errors.InvalidValueError
        NaNs in a trace with ``nan_policy="raise"`` (file, variable, count and first
        ``(roi, frame)`` named).

    Examples
    --------
    >>> ds = read_caiman("results.hdf5")  # doctest: +SKIP
    >>> ds.C.dims, ds.A.dims  # doctest: +SKIP
    (('time', 'roi'), ('y', 'x', 'roi'))
    >>> ds.as_numpy().to_netcdf("results.nc")  # doctest: +SKIP
    """
    check_nan_policy(nan_policy)
    p = require_hdf5(path, expected=_EXPECTED_FILE).resolve()
    sparse = soft_import("sparse", "holding CaImAn spatial footprints (read_caiman)")
    try:
        h5 = h5py.File(p, "r")
    except OSError as err:
        raise FileFormatError(
            "unreadable HDF5 file", path=p, expected=_EXPECTED_FILE, found=str(err)
        ) from err
    with h5:
        if not isinstance(h5.get("estimates"), h5py.Group):
            raise MissingDataError(
                "no CaImAn estimates", path=p, field="estimates", expected=_EXPECTED_FILE
            )
        est = h5["estimates"]
        traces = {name: _read_trace(est, name, p) for name in TRACE_UNITS}
        if traces["C"] is None:
            raise MissingDataError(
                "no denoised traces",
                path=p,
                field="estimates/C",
                expected="a (n_roi, n_frames) array",
            )
        n_roi, n_frames = traces["C"].shape
        dims = _read_dims(h5, p)
        coords, values, a_shape = _read_footprints(est, p, dims)
        accepted = _read_accepted(est, p, n_roi)
        fr = _read_frame_rate(h5, p)
    if a_shape[1] != n_roi:
        raise SchemaError(
            "footprints and traces disagree on the number of ROIs",
            path=p,
            field="estimates/A",
            expected=f"shape ({a_shape[0]}, {n_roi}) like estimates/C of shape {(n_roi, n_frames)}",
            found=f"shape {a_shape}",
        )
    for name, arr in traces.items():
        if arr is not None and arr.shape != (n_roi, n_frames):
            raise SchemaError(
                f"{name} and C disagree in shape",
                path=p,
                field=f"estimates/{name}",
                expected=f"shape {(n_roi, n_frames)} like estimates/C",
                found=f"shape {arr.shape}",
            )

    data_vars: dict[str, Any] = {}
    for name, arr in traces.items():
        if arr is None:
            continue
        var_attrs: dict[str, Any] = {
            cv.UNITS_ATTR: TRACE_UNITS[name],
            "long_name": LONG_NAMES[name],
            cv.SAMPLING_RATE_ATTR: fr,  # on each variable too: a DataArray taken out keeps it
            "source_file": str(p),
        }
        n_nan = check_nan(arr, path=p, field=f"estimates/{name}", policy=nan_policy)
        if nan_policy == "keep":
            var_attrs["n_nan"] = n_nan
        data_vars[name] = ((cv.TIME, cv.ROI), arr.T, var_attrs)
    footprints = sparse.COO(coords, values, shape=(*dims, n_roi))
    data_vars["A"] = (
        ("y", "x", cv.ROI),
        footprints,
        {cv.UNITS_ATTR: cv.ARBITRARY, "long_name": LONG_NAMES["A"]},
    )
    centroid_y, centroid_x = _centroids(coords, values, n_roi)
    roi_coords: dict[str, Any] = {
        cv.TIME: (cv.TIME, np.arange(n_frames, dtype=np.float64) / fr, {cv.UNITS_ATTR: cv.SECONDS}),
        cv.ROI: (cv.ROI, np.arange(n_roi, dtype=np.int64)),
        "centroid_y": (cv.ROI, centroid_y, {cv.UNITS_ATTR: "pixel"}),
        "centroid_x": (cv.ROI, centroid_x, {cv.UNITS_ATTR: "pixel"}),
    }
    if accepted is not None:
        roi_coords["accepted"] = (cv.ROI, accepted)
    attrs = {"source_file": str(p), cv.SAMPLING_RATE_ATTR: fr}
    missing = [name for name, arr in traces.items() if arr is None]
    if missing:
        attrs["missing"] = missing
    ds = xr.Dataset(data_vars, coords=roi_coords, attrs=attrs)
    return validate(ds, source=str(p))


def _read_optional(group: h5py.Group, name: str, path: os.PathLike) -> np.ndarray | None:
    """A dataset's values, or None when absent, empty, or CaImAn's ``"NoneType"`` marker."""
    node = group.get(name)
    if node is None:
        return None
    field = f"{group.name.strip('/')}/{name}"
    if not isinstance(node, h5py.Dataset):
        raise SchemaError(
            "expected a dataset, found a group", path=path, field=field, expected="an array"
        )
    if h5py.check_string_dtype(node.dtype) is not None or node.dtype.kind in "SU":
        value = node[()]
        text = value.decode() if isinstance(value, bytes) else str(value)
        if text == _NONE_MARKER:
            return None
        raise SchemaError("expected numbers, found text", path=path, field=field, found=repr(text))
    if node.size == 0:
        return None
    return node[()]


def _read_trace(est: h5py.Group, name: str, path: os.PathLike) -> np.ndarray | None:
    arr = _read_optional(est, name, path)
    if arr is not None and arr.ndim != 2:
        raise SchemaError(
            "traces are not 2-D",
            path=path,
            field=f"estimates/{name}",
            expected="shape (n_roi, n_frames)",
            found=f"shape {arr.shape}",
        )
    return arr


def _read_dims(h5: h5py.File, path: os.PathLike) -> tuple[int, int]:
    for field in ("estimates/dims", "params/data/dims"):
        group_name, name = field.rsplit("/", 1)
        group = h5.get(group_name)
        dims = _read_optional(group, name, path) if isinstance(group, h5py.Group) else None
        if dims is None:
            continue
        dims = tuple(int(d) for d in np.ravel(dims))
        if len(dims) != 2 or min(dims) < 1:
            raise SchemaError(
                "unsupported field-of-view dims",
                path=path,
                field=field,
                expected="two positive sizes (d1, d2); volumetric (3-D) results are not supported",
                found=str(dims),
            )
        return dims
    raise MissingDataError(
        "no field-of-view size",
        path=path,
        field="estimates/dims",
        expected="estimates/dims or params/data/dims (d1, d2)",
    )


def _read_frame_rate(h5: h5py.File, path: os.PathLike) -> float:
    group = h5.get("params/data")
    fr = _read_optional(group, "fr", path) if isinstance(group, h5py.Group) else None
    if fr is None:
        raise MissingDataError(
            "no frame rate", path=path, field="params/data/fr", expected="the frame rate (Hz)"
        )
    if np.ndim(fr) != 0 or not np.issubdtype(np.asarray(fr).dtype, np.number) or not fr > 0:
        raise SchemaError(
            "bad frame rate",
            path=path,
            field="params/data/fr",
            expected="a positive number (Hz)",
            found=repr(fr),
        )
    return float(fr)


def _read_footprints(
    est: h5py.Group, path: os.PathLike, dims: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """COO coordinates ``(3, nnz)`` as ``(y, x, roi)``, values ``(nnz,)`` and A's 2-D shape."""
    node = est.get("A")
    if isinstance(node, h5py.Group):
        pixel, roi, values, shape = _read_csc(node, path)
    else:
        dense = _read_optional(est, "A", path)
        if dense is None:
            raise MissingDataError(
                "no spatial footprints",
                path=path,
                field="estimates/A",
                expected="a sparse (n_pixels, n_roi) matrix",
            )
        if dense.ndim != 2:
            raise SchemaError(
                "footprints are not 2-D",
                path=path,
                field="estimates/A",
                expected="shape (n_pixels, n_roi)",
                found=f"shape {dense.shape}",
            )
        pixel, roi = np.nonzero(dense)
        values, shape = dense[pixel, roi], dense.shape
    d1, d2 = dims
    if shape[0] != d1 * d2:
        raise SchemaError(
            "footprints do not match the field of view",
            path=path,
            field="estimates/A",
            expected=f"{d1 * d2} pixel rows for dims {dims}",
            found=f"shape {shape}",
        )
    pixel = pixel.astype(np.int64)
    coords = np.stack([pixel % d1, pixel // d1, roi.astype(np.int64)])
    return coords, values, shape


def _read_csc(
    group: h5py.Group, path: os.PathLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
    parts = {}
    for key in ("data", "indices", "indptr", "shape"):
        node = group.get(key)
        if not isinstance(node, h5py.Dataset):
            raise MissingDataError(
                "incomplete sparse footprints",
                path=path,
                field=f"estimates/A/{key}",
                expected="data, indices, indptr and shape datasets of a CSC matrix",
            )
        parts[key] = np.ravel(node[()])
    data, indices, indptr = parts["data"], parts["indices"], parts["indptr"]
    shape = tuple(int(s) for s in parts["shape"])
    if (
        len(shape) != 2
        or indptr.size != shape[1] + 1
        or indptr[0] != 0
        or np.any(np.diff(indptr) < 0)
        or indptr[-1] != data.size
        or indices.size != data.size
        or (indices.size and (indices.min() < 0 or indices.max() >= shape[0]))
    ):
        raise SchemaError(
            "corrupt sparse footprints",
            path=path,
            field="estimates/A",
            expected="a CSC matrix: indptr of n_roi + 1 rising offsets, row indices < n_pixels",
            found=f"shape {shape}, indptr {indptr.size}, indices {indices.size}, data {data.size}",
        )
    roi = np.repeat(np.arange(shape[1]), np.diff(indptr).astype(np.int64))
    return indices, roi, data, shape


def _read_accepted(est: h5py.Group, path: os.PathLike, n_roi: int) -> np.ndarray | None:
    idx = _read_optional(est, "idx_components", path)
    if idx is None:
        return None
    idx = np.ravel(idx)
    if not np.issubdtype(idx.dtype, np.integer) or np.any((idx < 0) | (idx >= n_roi)):
        raise SchemaError(
            "bad accepted-component indices",
            path=path,
            field="estimates/idx_components",
            expected=f"integer indices in [0, {n_roi})",
            found=f"dtype {idx.dtype}, values {idx[:10]}",
        )
    accepted = np.zeros(n_roi, dtype=np.int8)
    accepted[idx] = 1
    return accepted


def _centroids(coords: np.ndarray, values: np.ndarray, n_roi: int) -> tuple[np.ndarray, np.ndarray]:
    """Footprint-weighted centre of mass ``(y, x)`` per ROI, NaN where the footprint is empty."""
    y, x, roi = coords
    weight = np.bincount(roi, weights=values, minlength=n_roi)
    with np.errstate(invalid="ignore", divide="ignore"):
        cy = np.bincount(roi, weights=values * y, minlength=n_roi) / weight
        cx = np.bincount(roi, weights=values * x, minlength=n_roi) / weight
    empty = weight == 0
    cy[empty] = np.nan
    cx[empty] = np.nan
    return cy, cx
