"""suite2p output folder -> ``xarray.Dataset`` of traces on ``(time, roi)``.

suite2p writes one folder per plane (``suite2p/plane0``, ``plane1``… and, for several planes,
``suite2p/combined``), each with ``F.npy``, ``Fneu.npy``, ``spks.npy`` (float32, ``(roi, frame)``),
``iscell.npy`` (``(roi, 2)``: label, probability), ``stat.npy`` (pickled list of per-ROI dicts) and
``ops.npy`` (pickled dict of settings). The pickles are read with the restricted unpickler of
:mod:`neurokit.io._safe_pickle`, never with ``allow_pickle=True``.
"""

from __future__ import annotations

import numbers
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import InvalidValueError, MissingDataError, SchemaError
from neurokit.io._nan import NanPolicy, check_nan, check_nan_policy
from neurokit.io._paths import require_folder
from neurokit.io._safe_pickle import load_npy_numeric, load_npy_pickle
from neurokit.validation import validate

__all__ = ["read_suite2p"]

#: trace variables and the file each comes from
TRACE_FILES = {"F": "F.npy", "Fneu": "Fneu.npy", "spks": "spks.npy"}
LONG_NAMES = {
    "F": "ROI fluorescence",
    "Fneu": "neuropil fluorescence",
    "spks": "deconvolved activity",
}
REQUIRED_FILES = (*TRACE_FILES.values(), "iscell.npy", "stat.npy", "ops.npy")
#: scalar ops entries copied to the Dataset attrs (when present and numeric)
OPS_ATTRS = ("Ly", "Lx", "nplanes", "nchannels", "functional_chan", "tau", "neucoeff")
_PLANE_DIR = re.compile(r"^plane(\d+)$")
_EXPECTED_FOLDER = "a suite2p output folder (suite2p/ with plane0, plane1… or one planeK folder)"


@dataclass
class _Plane:
    """What one plane (or ``combined``) folder holds, traces already ``(time, roi)``."""

    folder: Path
    traces: dict[str, np.ndarray]
    n_nan: dict[str, int]
    fs: float
    ops: dict[str, Any]
    iscell: np.ndarray
    iscell_prob: np.ndarray
    centroid_y: np.ndarray
    centroid_x: np.ndarray
    npix: np.ndarray
    plane: np.ndarray

    @property
    def n_frames(self) -> int:
        return self.traces["F"].shape[0]


def read_suite2p(
    folder: str | os.PathLike,
    *,
    plane: int | Literal["combined", "all"] = "all",
    nan_policy: NanPolicy = "raise",
) -> xr.Dataset:
    """Read suite2p's traces, ROI labels and ROI positions into one Dataset.

    Parameters
    ----------
    folder : str or os.PathLike
        A ``suite2p/`` output folder (holding ``plane0``, ``plane1``… and maybe ``combined``) or a
        single ``planeK`` (or ``combined``) folder. Opened read-only; nothing is written.
    plane : int, "all" or "combined", default "all"
        ``"all"``: every ``planeK`` folder, ROIs concatenated along ``roi`` in plane order (a
        single plane folder: that plane). An int ``K``: ``planeK`` only. ``"combined"``: the
        ``combined`` folder suite2p writes for multi-plane recordings.
    nan_policy : {"raise", "keep"}, default "raise"
        NaNs in ``F``, ``Fneu`` or ``spks``: raise, or keep them and record their count in the
        variable's ``attrs["n_nan"]``.

    Returns
    -------
    xarray.Dataset
        Data variables, all ``(time, roi)``, float32 as suite2p stores them (values untouched):

        * ``F`` — ROI fluorescence, ``units="a.u."``;
        * ``Fneu`` — neuropil fluorescence, ``units="a.u."``;
        * ``spks`` — deconvolved activity, ``units="a.u."``.

        Coordinates: ``time`` (s, ``arange(n_frames) / ops["fs"]``), ``roi`` (0…n_roi-1),
        ``iscell`` (int8 0/1, ``iscell.npy[:, 0]``), ``iscell_prob`` (``iscell.npy[:, 1]``),
        ``centroid_y``/``centroid_x`` (pixels, ``stat[i]["med"]``; in the combined view's
        pixels for ``"combined"``), ``npix`` (``stat[i]["npix"]``), ``plane`` (plane index:
        ``stat[i]["iplane"]`` where suite2p wrote it, else the ``planeK`` folder name, else -1).

        Attrs: ``source_file`` (absolute folder path), ``sampling_rate`` (Hz, ``ops["fs"]``),
        ``n_planes`` (planes the ROIs come from) and the numeric ``ops`` entries among
        ``Ly``, ``Lx``, ``nplanes``, ``nchannels``, ``functional_chan``, ``tau``, ``neucoeff``
        (of the first plane for ``"all"``).

        Traces are read into memory; the files are never modified.

    Raises
    ------
    neurokit.errors.PathNotFoundError
        ``folder`` does not exist.
    neurokit.errors.NotAFolderError
        ``folder`` is a file.
    neurokit.errors.MissingDataError
        No plane folder, the requested plane is absent, or a required file (``F.npy``,
        ``Fneu.npy``, ``spks.npy``, ``iscell.npy``, ``stat.npy``, ``ops.npy``) or ops/stat entry
        (``fs``, ``med``, ``npix``) is missing.
    neurokit.errors.FileFormatError
        A file is not an ``.npy`` file, or is truncated.
    neurokit.errors.UnsafeFileError
        ``stat.npy`` or ``ops.npy`` holds a pickle that would run code.
    neurokit.errors.SchemaError
        Shapes disagree (``F`` vs ``Fneu``/``spks``, ``iscell``/``stat`` vs the number of
        ROIs, frame counts or rates between planes).
    neurokit.errors.InvalidValueError
        NaNs in a trace with ``nan_policy="raise"`` (the file, variable, count and first
        ``(roi, frame)`` are named), or a bad ``plane``/``nan_policy`` argument.

    Examples
    --------
    >>> ds = read_suite2p("suite2p")  # doctest: +SKIP
    >>> ds.F.dims, ds.attrs["sampling_rate"]  # doctest: +SKIP
    (('time', 'roi'), 30.0)
    >>> cells = ds.F.where(ds.iscell == 1, drop=True)  # doctest: +SKIP
    """
    check_nan_policy(nan_policy)
    root = require_folder(folder, expected=_EXPECTED_FOLDER).resolve()
    folders = _select_folders(root, plane)
    planes = [_read_plane(f, nan_policy) for f in folders]
    ds = _to_dataset(planes, root=root, nan_policy=nan_policy)
    return validate(ds, source=str(root))


def _select_folders(root: Path, plane: int | str) -> list[Path]:
    is_index = isinstance(plane, numbers.Integral) and not isinstance(plane, (bool, np.bool_))
    if not (is_index or plane in ("all", "combined")):
        raise InvalidValueError(
            "bad plane argument",
            path=root,
            field="plane",
            expected="a plane index (int), 'all' or 'combined'",
            found=repr(plane),
        )
    if _is_plane_folder(root):
        if (
            plane == "all"
            or (plane == "combined" and root.name == "combined")
            or (is_index and _plane_index(root) == plane)
        ):
            return [root]
        raise MissingDataError(
            f"plane {plane!r} requested from a single-plane folder",
            path=root,
            field="plane",
            expected=f"plane='all' or the folder's own plane ({root.name})",
            found=repr(plane),
        )
    plane_dirs = sorted(
        (d for d in root.iterdir() if d.is_dir() and _plane_index(d) is not None),
        key=_plane_index,
    )
    if plane == "all":
        if not plane_dirs:
            raise MissingDataError(
                "no suite2p plane folders", path=root, expected="plane0, plane1… sub-folders"
            )
        return plane_dirs
    wanted = root / ("combined" if plane == "combined" else f"plane{plane}")
    if not wanted.is_dir():
        raise MissingDataError(
            "no such plane folder",
            path=wanted,
            field="plane",
            expected=wanted.name,
            found=", ".join(d.name for d in plane_dirs) or "no plane folders",
        )
    return [wanted]


def _is_plane_folder(folder: Path) -> bool:
    return (
        folder.name == "combined"
        or _plane_index(folder) is not None
        or any((folder / name).exists() for name in REQUIRED_FILES)
    )


def _plane_index(folder: Path) -> int | None:
    match = _PLANE_DIR.match(folder.name)
    return int(match.group(1)) if match else None


def _read_plane(folder: Path, nan_policy: NanPolicy) -> _Plane:
    for name in REQUIRED_FILES:
        if not (folder / name).is_file():
            raise MissingDataError(
                "missing suite2p file",
                path=folder / name,
                field=name.removesuffix(".npy"),
                expected=f"{name} in the plane folder",
            )
    ops = _read_ops(folder / "ops.npy")
    traces, n_nan = {}, {}
    shape_f = None
    for var, name in TRACE_FILES.items():
        raw = load_npy_numeric(folder / name)
        if raw.ndim != 2:
            raise SchemaError(
                "traces are not 2-D",
                path=folder / name,
                field=var,
                expected="shape (n_roi, n_frames)",
                found=f"shape {raw.shape}",
            )
        if shape_f is None:
            shape_f = raw.shape
        elif raw.shape != shape_f:
            raise SchemaError(
                f"{name} and F.npy disagree in shape",
                path=folder / name,
                field=var,
                expected=f"shape {shape_f} like {folder / 'F.npy'}",
                found=f"shape {raw.shape}",
            )
        n_nan[var] = check_nan(raw, path=folder / name, field=var, policy=nan_policy)
        traces[var] = raw.T
    n_roi = shape_f[0]
    iscell, prob = _read_iscell(folder / "iscell.npy", n_roi)
    stat = _read_stat(folder / "stat.npy", n_roi)
    med = np.array([_stat_entry(stat, i, "med", folder) for i in range(n_roi)], dtype=np.float64)
    npix = np.array([_stat_entry(stat, i, "npix", folder) for i in range(n_roi)], dtype=np.int64)
    med = med.reshape(n_roi, 2)
    return _Plane(
        folder=folder,
        traces=traces,
        n_nan=n_nan,
        fs=_sampling_rate(ops, folder / "ops.npy"),
        ops=ops,
        iscell=iscell,
        iscell_prob=prob,
        centroid_y=med[:, 0],
        centroid_x=med[:, 1],
        npix=npix,
        plane=_plane_of_rois(stat, folder),
    )


def _read_ops(path: Path) -> dict[str, Any]:
    ops = load_npy_pickle(path)
    if ops.shape != () or not isinstance(ops.item(), dict):
        raise SchemaError(
            "ops.npy does not hold a dict",
            path=path,
            field="ops",
            expected="a 0-d object array holding the ops dict",
            found=f"shape {ops.shape}" if ops.shape != () else type(ops.item()).__name__,
        )
    return ops.item()


def _sampling_rate(ops: dict[str, Any], path: Path) -> float:
    if "fs" not in ops:
        raise MissingDataError(
            "no frame rate in ops", path=path, field="fs", expected="ops['fs'] (Hz)"
        )
    fs = ops["fs"]
    if isinstance(fs, (bool, np.bool_)) or not isinstance(fs, numbers.Real) or not fs > 0:
        raise SchemaError(
            "bad frame rate in ops",
            path=path,
            field="fs",
            expected="a positive number (Hz)",
            found=repr(fs),
        )
    return float(fs)


def _read_iscell(path: Path, n_roi: int) -> tuple[np.ndarray, np.ndarray]:
    iscell = load_npy_numeric(path)
    if iscell.shape != (n_roi, 2):
        raise SchemaError(
            "iscell.npy does not match the number of ROIs",
            path=path,
            field="iscell",
            expected=f"shape ({n_roi}, 2) (label, probability) like F.npy",
            found=f"shape {iscell.shape}",
        )
    labels = np.asarray(iscell[:, 0])
    if not np.isin(labels, (0, 1)).all():
        raise SchemaError(
            "iscell labels are not 0/1",
            path=path,
            field="iscell",
            expected="0 or 1 in column 0",
            found=f"values {np.unique(labels)[:5]}",
        )
    return labels.astype(np.int8), np.asarray(iscell[:, 1], dtype=np.float64)


def _read_stat(path: Path, n_roi: int) -> np.ndarray:
    stat = load_npy_pickle(path)
    if stat.shape != (n_roi,):
        raise SchemaError(
            "stat.npy does not match the number of ROIs",
            path=path,
            field="stat",
            expected=f"{n_roi} ROI dicts like F.npy",
            found=f"shape {stat.shape}",
        )
    for i, entry in enumerate(stat):
        if not isinstance(entry, dict):
            raise SchemaError(
                "stat entry is not a dict",
                path=path,
                field=f"stat[{i}]",
                expected="a dict per ROI",
                found=type(entry).__name__,
            )
    return stat


def _stat_entry(stat: np.ndarray, i: int, key: str, folder: Path) -> Any:
    if key not in stat[i]:
        raise MissingDataError(
            "ROI entry missing",
            path=folder / "stat.npy",
            field=f"stat[{i}]['{key}']",
            expected=f"'{key}' in every ROI dict",
        )
    value = stat[i][key]
    shape = (2,) if key == "med" else ()
    if np.shape(value) != shape:
        raise SchemaError(
            "ROI entry has the wrong shape",
            path=folder / "stat.npy",
            field=f"stat[{i}]['{key}']",
            expected=f"shape {shape}" + (" (y, x pixels)" if key == "med" else ""),
            found=f"shape {np.shape(value)}",
        )
    return value


def _plane_of_rois(stat: np.ndarray, folder: Path) -> np.ndarray:
    if len(stat) and all("iplane" in entry for entry in stat):
        return np.array([entry["iplane"] for entry in stat], dtype=np.int64)
    index = _plane_index(folder)
    return np.full(len(stat), -1 if index is None else index, dtype=np.int64)


def _to_dataset(planes: list[_Plane], *, root: Path, nan_policy: NanPolicy) -> xr.Dataset:
    first = planes[0]
    for other in planes[1:]:
        if other.n_frames != first.n_frames:
            raise SchemaError(
                "planes have different frame counts",
                path=other.folder / "F.npy",
                field="F",
                expected=f"{first.n_frames} frames like {first.folder / 'F.npy'}",
                found=f"{other.n_frames} frames",
            )
        if other.fs != first.fs:
            raise SchemaError(
                "planes have different frame rates",
                path=other.folder / "ops.npy",
                field="fs",
                expected=f"{first.fs} Hz like {first.folder / 'ops.npy'}",
                found=f"{other.fs} Hz",
            )

    def join(get) -> np.ndarray:
        parts = [get(p) for p in planes]
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)

    data_vars = {}
    for var in TRACE_FILES:
        var_attrs: dict[str, Any] = {
            cv.UNITS_ATTR: cv.ARBITRARY,
            "long_name": LONG_NAMES[var],
            cv.SAMPLING_RATE_ATTR: first.fs,  # on each variable too: a DataArray taken out keeps it
            "source_file": str(root),
        }
        if nan_policy == "keep":
            var_attrs["n_nan"] = sum(p.n_nan[var] for p in planes)
        data_vars[var] = ((cv.TIME, cv.ROI), join(lambda p, v=var: p.traces[v]), var_attrs)
    plane = join(lambda p: p.plane)
    n_roi = plane.size
    coords = {
        cv.TIME: (
            cv.TIME,
            np.arange(first.n_frames, dtype=np.float64) / first.fs,
            {cv.UNITS_ATTR: cv.SECONDS},
        ),
        cv.ROI: (cv.ROI, np.arange(n_roi, dtype=np.int64)),
        "iscell": (cv.ROI, join(lambda p: p.iscell)),
        "iscell_prob": (cv.ROI, join(lambda p: p.iscell_prob)),
        "centroid_y": (cv.ROI, join(lambda p: p.centroid_y), {cv.UNITS_ATTR: "pixel"}),
        "centroid_x": (cv.ROI, join(lambda p: p.centroid_x), {cv.UNITS_ATTR: "pixel"}),
        "npix": (cv.ROI, join(lambda p: p.npix), {cv.UNITS_ATTR: "pixel"}),
        "plane": (cv.ROI, plane),
    }
    attrs = {
        "source_file": str(root),
        cv.SAMPLING_RATE_ATTR: first.fs,
        "n_planes": _n_planes(planes),
        **_ops_attrs(first.ops),
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def _n_planes(planes: list[_Plane]) -> int:
    if len(planes) > 1 or planes[0].folder.name != "combined":
        return len(planes)
    nplanes = planes[0].ops.get("nplanes")
    if isinstance(nplanes, numbers.Integral) and not isinstance(nplanes, (bool, np.bool_)):
        return int(nplanes)
    return len(np.unique(planes[0].plane))


def _ops_attrs(ops: dict[str, Any]) -> dict[str, int | float]:
    out: dict[str, int | float] = {}
    for key in OPS_ATTRS:
        value = ops.get(key)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            continue
        out[key] = int(value) if isinstance(value, numbers.Integral) else float(value)
    return out
