"""``read_nwb``: an NWB file (HDF5) -> a validated ``xarray.DataTree`` mirroring the file.

The walking and the conversion of each neurodata type live in private modules, imported only
once pynwb is known to be installed:

* :mod:`neurokit.io._nwb_walk` — which objects become which tree nodes;
* :mod:`neurokit.io._nwb_timeseries` — TimeSeries (time, conversion/offset, dims);
* :mod:`neurokit.io._nwb_tables` — Units, TimeIntervals, electrodes;
* :mod:`neurokit.io._nwb_elements`, :mod:`neurokit.io._nwb_masks`, :mod:`neurokit.io._nwb_columns`
  — ROI/channel coordinates, mask centroids, table columns;
* :mod:`neurokit.io._lazy` — handle-free lazy HDF5 arrays.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import h5py
import xarray as xr

from neurokit._optional import soft_import
from neurokit.errors import (
    FileFormatError,
    InvalidValueError,
    MissingDataError,
    NeurokitError,
)
from neurokit.io._nwb_context import ReadContext
from neurokit.io._paths import require_hdf5
from neurokit.validation import validate

__all__ = ["read_nwb"]

_EXPECTED = "an NWB 2.x file (HDF5)"


def read_nwb(
    path: str | os.PathLike,
    *,
    lazy: bool | Literal["auto"] = "auto",
    lazy_threshold_mb: float = 64.0,
    modules: Sequence[str] | None = None,
) -> xr.DataTree:
    """Read an NWB file into an ``xarray.DataTree`` that mirrors the file.

    The layout follows ``docs/conventions.md`` ("NWB files → xarray.DataTree")::

        /                                   session/subject metadata in attrs
        ├── acquisition/<name>              one node per TimeSeries (containers nest)
        ├── processing/<module>/<interface>/<series>
        ├── stimulus/<name>
        ├── units                           flat spike layout on dims unit, spike
        ├── intervals/<table>               trials (dim trial), other tables (dim interval)
        └── general/electrodes              electrodes table on dim channel

    Each TimeSeries node holds ``data`` ``(time, ...)`` with NWB ``conversion``/``offset``
    applied (values in ``attrs["units"]``) and ``time`` in seconds. Series whose timestamps are
    not strictly increasing keep their samples in order on dim ``sample`` with a ``time``
    coordinate (node attr ``time_layout``). Whatever cannot be represented (external files,
    ragged arrays, TimeSeries references, non-TimeSeries objects…) is listed in the root attr
    ``skipped`` as ``"<nwb path> (<why>)"``. Image stacks and image masks are read with rows as
    ``y`` and columns as ``x``. The file is opened read-only and never changed.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.nwb`` file.
    lazy : bool or "auto", default "auto"
        True: every numeric TimeSeries ``data`` is a dask array; False: everything is read now;
        "auto": only datasets larger than ``lazy_threshold_mb`` stay lazy. Lazy chunks reopen
        the file read-only for each read, so the tree works after return, after pickling and on
        dask workers. Coordinates, timestamps and tables are always read now.
    lazy_threshold_mb : float, default 64.0
        Size (MB, 10**6 bytes) above which ``lazy="auto"`` keeps a dataset lazy.
    modules : sequence of str, optional
        Read only these parts: top-level groups (``"acquisition"``, ``"processing"``,
        ``"stimulus"``, ``"units"``, ``"intervals"``, ``"general"``) and/or processing module
        names (``"ophys"``, ``"behavior"``…). None reads everything.

    Returns
    -------
    xarray.DataTree
        Validated with :func:`neurokit.validate`; storable with ``to_netcdf`` and ``to_zarr``.

    Raises
    ------
    neurokit.errors.PathNotFoundError
        ``path`` does not exist.
    neurokit.errors.NotAFileError
        ``path`` is a folder.
    neurokit.errors.FileFormatError
        Not HDF5, truncated, HDF5 but not NWB 2.x, or pynwb/hdmf failed to read it (the
        original error is chained).
    neurokit.errors.MissingDataError
        A name in ``modules`` is not in the file (the message lists what the file has).
    neurokit.errors.InvalidValueError
        ``lazy`` or ``lazy_threshold_mb`` out of range.

    Examples
    --------
    >>> import neurokit as nk
    >>> tree = nk.io.read_nwb("session.nwb")  # doctest: +SKIP
    >>> tree["processing/ophys/Fluorescence/RoiResponseSeries"]["data"].dims  # doctest: +SKIP
    ('time', 'roi')
    >>> units = nk.io.read_nwb("session.nwb", modules=["units"])["units"]  # doctest: +SKIP
    >>> units["spike_times"].where(units["spike_unit"] == 3, drop=True)  # doctest: +SKIP
    """
    path = require_hdf5(path, expected=_EXPECTED).resolve()
    _check_options(path, lazy, lazy_threshold_mb)
    nwb_version = _nwb_version(path)
    pynwb = soft_import("pynwb", "reading NWB files")
    from neurokit.io._nwb_walk import available_modules, walk  # imports pynwb: only now

    ctx = ReadContext(path, lazy=lazy, lazy_threshold_bytes=lazy_threshold_mb * 1e6)
    selected = None if modules is None else [modules] if isinstance(modules, str) else list(modules)
    try:
        with pynwb.NWBHDF5IO(str(path), "r", load_namespaces=True) as io:
            nwbfile = io.read()
            ctx.manager = io.manager
            _check_modules(path, selected, available_modules(nwbfile))
            nodes = walk(nwbfile, ctx, selected)
            attrs = _root_attrs(nwbfile, path, nwb_version)
    except NeurokitError:
        raise
    except Exception as err:  # any pynwb/hdmf/h5py failure: the file is not readable NWB
        raise FileFormatError(
            "pynwb could not read the file",
            path=path,
            field=ctx.current,
            expected=_EXPECTED,
            found=f"{type(err).__name__}: {err}",
        ) from err
    if ctx.skipped:
        attrs["skipped"] = list(ctx.skipped)
    tree = xr.DataTree.from_dict({"/": xr.Dataset(attrs=attrs), **nodes})
    return validate(tree, source=str(path))


def _check_options(path: Path, lazy: Any, threshold: Any) -> None:
    if not (lazy is True or lazy is False or lazy == "auto"):
        raise InvalidValueError(
            "bad lazy option",
            path=path,
            field="lazy",
            expected="True, False or 'auto'",
            found=repr(lazy),
        )
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or threshold < 0:
        raise InvalidValueError(
            "bad lazy threshold",
            path=path,
            field="lazy_threshold_mb",
            expected="a number of MB >= 0",
            found=repr(threshold),
        )


def _nwb_version(path: Path) -> str:
    """The root ``nwb_version`` attribute; FileFormatError for broken or non-NWB HDF5."""
    try:
        with h5py.File(path, "r") as fh:
            version = fh.attrs.get("nwb_version")
            legacy = "nwb_version" in fh and isinstance(fh["nwb_version"], h5py.Dataset)
    except OSError as err:
        raise FileFormatError(
            "HDF5 file cannot be opened (truncated or corrupt?)",
            path=path,
            expected=_EXPECTED,
            found=f"{type(err).__name__}: {err}",
        ) from err
    if version is None:
        raise FileFormatError(
            "NWB 1.x files are not supported" if legacy else "HDF5 file but not NWB",
            path=path,
            field="/.attrs['nwb_version']",
            expected=_EXPECTED,
            found="an NWB 1.x '/nwb_version' dataset" if legacy else "no 'nwb_version' attribute",
        )
    return version.decode() if isinstance(version, bytes) else str(version)


def _check_modules(path: Path, selected: list[str] | None, available: list[str]) -> None:
    missing = [name for name in selected or () if name not in available]
    if missing:
        raise MissingDataError(
            f"module(s) {missing} not in the file",
            path=path,
            field="modules",
            expected=f"names the file has: {available}",
            found=str(missing),
        )


def _root_attrs(nwbfile: Any, path: Path, nwb_version: str) -> dict[str, Any]:
    subject = nwbfile.subject
    experimenter = nwbfile.experimenter
    attrs = {
        "identifier": nwbfile.identifier,
        "session_description": nwbfile.session_description,
        "session_start_time": nwbfile.session_start_time.isoformat(),
        "session_id": nwbfile.session_id,
        "subject_id": getattr(subject, "subject_id", None),
        "species": getattr(subject, "species", None),
        "sex": getattr(subject, "sex", None),
        "age": getattr(subject, "age", None),
        "genotype": getattr(subject, "genotype", None),
        "institution": nwbfile.institution,
        "lab": nwbfile.lab,
        "experimenter": "; ".join(map(_text, experimenter)) if experimenter else None,
        "source_file": str(path),
        "nwb_version": nwb_version,
    }
    return {k: v for k, v in attrs.items() if isinstance(v, str)}


def _text(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
