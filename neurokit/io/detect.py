"""Which loader a path needs: NWB file, suite2p folder, or CaImAn HDF5 results."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import h5py
import xarray as xr

from neurokit.errors import FileFormatError, PathNotFoundError
from neurokit.io._paths import require_file, require_hdf5

Format = Literal["nwb", "suite2p", "caiman"]


def detect_format(path: str | os.PathLike) -> Format:
    """Tell which neurokit loader reads ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        A suite2p output folder (``suite2p/`` or ``planeN/``), an NWB file, or a CaImAn
        ``.hdf5`` results file.

    Returns
    -------
    {"nwb", "suite2p", "caiman"}

    Raises
    ------
    neurokit.errors.PathNotFoundError, FileFormatError
        When the path is missing or is none of the supported formats.

    Examples
    --------
    >>> detect_format("/no/such/file.nwb")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neurokit.errors.PathNotFoundError: /no/such/file.nwb: no such path; expected an NWB file, ...
    """
    p = Path(path)
    expected = "an NWB file, suite2p folder or CaImAn HDF5 file"
    if not p.exists():
        raise PathNotFoundError("no such path", path=p, expected=expected)
    if p.is_dir():
        if (p / "F.npy").exists() or any(p.glob("plane*/F.npy")) or (p / "combined").is_dir():
            return "suite2p"
        raise FileFormatError(
            "folder is not a suite2p output", path=p, expected="F.npy or plane*/F.npy inside"
        )
    require_file(p, expected=expected)
    require_hdf5(p, expected=expected)
    with h5py.File(p, "r") as f:
        if "nwb_version" in f.attrs or ".specloc" in f.attrs:
            return "nwb"
        if "estimates" in f:
            return "caiman"
    raise FileFormatError(
        "HDF5 file is neither NWB nor CaImAn results",
        path=p,
        expected="an 'nwb_version' attribute or an 'estimates' group",
    )


def read_any(path: str | os.PathLike, **kwargs: Any) -> xr.DataTree | xr.Dataset:
    """Read ``path`` with the loader :func:`detect_format` picks (``lazy`` only for NWB).

    Examples
    --------
    >>> read_any("/no/such/folder")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neurokit.errors.PathNotFoundError: ...
    """
    from neurokit import io

    fmt = detect_format(path)
    if fmt == "nwb":
        return io.read_nwb(path, **kwargs)
    kwargs.pop("lazy", None)
    if fmt == "suite2p":
        return io.read_suite2p(path, **kwargs)
    return io.read_caiman(path, **kwargs)
