"""Helpers shared by the simulators: argument checks, a new NWBFile, chunked data, atomic writes.

pynwb and hdmf are imported inside the functions (``import neurokit.datasets`` stays light).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from neurokit._atomic import atomic_path
from neurokit._optional import soft_import
from neurokit.errors import InvalidValueError, NotAFileError

_PURPOSE = "writing simulated NWB files"
#: fixed start time, so a seed gives the same file content (NWB needs a timezone-aware datetime)
SESSION_START = _dt.datetime(2024, 1, 1, 9, 0, 0, tzinfo=_dt.timezone.utc)


def check_count(name: str, value: int, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise InvalidValueError unless it is an integer >= minimum."""
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, (int, np.integer))
        or value < minimum
    ):
        raise InvalidValueError(
            "bad simulator argument",
            field=name,
            expected=f"an integer >= {minimum}",
            found=repr(value),
        )
    return int(value)


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float; InvalidValueError unless finite and > 0 (>= 0 if allowed)."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    ok = ok and bool(np.isfinite(value)) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        raise InvalidValueError(
            "bad simulator argument",
            field=name,
            expected="a finite number " + (">= 0" if allow_zero else "> 0"),
            found=repr(value),
        )
    return float(value)


def output_path(path: str | os.PathLike) -> Path:
    """Destination of a simulated file; raises NotAFileError when ``path`` is a folder."""
    out = Path(path)
    if out.is_dir():
        raise NotAFileError(
            "is a folder", path=out, expected="a file path to write the NWB file to"
        )
    return out


def new_nwbfile(
    *,
    modality: str,
    seed: int,
    session_description: str,
    experiment_description: str,
    genotype: str,
) -> Any:
    """A ``pynwb.NWBFile`` with deterministic identifier, session and subject metadata.

    Parameters
    ----------
    modality : str
        ``"ophys"`` or ``"ecephys"``; part of the identifier and session id.
    seed : int
        Simulator seed; part of the identifier, session id and subject id.
    session_description, experiment_description, genotype : str
        Free text stored in the file.

    Returns
    -------
    nwbfile : pynwb.NWBFile

    Examples
    --------
    >>> nwb = new_nwbfile(modality="ophys", seed=0, session_description="s",
    ...                   experiment_description="e", genotype="wt")
    >>> nwb.session_id, nwb.subject.subject_id
    ('sim-ophys-seed0', 'sim-mouse-0')
    """
    pynwb = soft_import("pynwb", _PURPOSE)
    from pynwb.file import Subject

    subject = Subject(
        subject_id=f"sim-mouse-{seed}",
        species="Mus musculus",
        sex="F",
        age="P90D",
        genotype=genotype,
        description="simulated subject (neurokit.datasets); no animal was recorded",
    )
    return pynwb.NWBFile(
        session_description=session_description,
        identifier=f"neurokit-simulated-{modality}-seed{seed}",
        session_start_time=SESSION_START,
        file_create_date=SESSION_START,
        session_id=f"sim-{modality}-seed{seed}",
        experiment_description=experiment_description,
        experimenter=["neurokit simulator"],
        lab="neurokit",
        institution="neurokit (simulated data)",
        keywords=["simulated", "ground truth", modality],
        subject=subject,
    )


def chunked_rows(
    array: np.ndarray, *, chunk: int, dtype: np.dtype, conversion: float = 1.0, offset: float = 0.0
) -> Any:
    """Wrap ``(array - offset) / conversion`` (rounded when ``dtype`` is an integer) for writing.

    The conversion runs one block of ``chunk`` rows at a time, so a raw integer copy of a large
    array never sits in memory. HDF5 storage is uncompressed, chunked ``(rows, n_columns)`` with
    ``rows = min(chunk, rows that fit in 1 MiB)``.

    Parameters
    ----------
    array : numpy.ndarray, shape (n_rows, n_columns)
        Values in physical units, time on axis 0. Not modified.
    chunk : int
        Rows per conversion block (and at most per HDF5 chunk).
    dtype : numpy.dtype
        Stored dtype.
    conversion, offset : float
        NWB ``conversion`` and ``offset``: the stored ``raw`` satisfies
        ``array ≈ raw * conversion + offset``.

    Returns
    -------
    data : hdmf.backends.hdf5.H5DataIO
        Around an ``hdmf.data_utils.DataChunkIterator``; pass it as a TimeSeries ``data``.

    Examples
    --------
    >>> data = chunked_rows(np.zeros((10, 2)), chunk=4, dtype=np.dtype("uint16"))
    >>> data.maxshape
    (10, 2)
    """
    soft_import("hdmf", _PURPOSE)
    from hdmf.backends.hdf5 import H5DataIO
    from hdmf.data_utils import DataChunkIterator

    dtype = np.dtype(dtype)
    n_rows, n_cols = array.shape
    chunk = max(1, min(chunk, n_rows))

    def rows() -> Iterator[np.ndarray]:
        for start in range(0, n_rows, chunk):
            block = (array[start : start + chunk] - offset) / conversion
            if dtype.kind in "iu":
                block = np.rint(block)
            yield from block.astype(dtype)

    iterator = DataChunkIterator(
        data=rows(), maxshape=(n_rows, n_cols), dtype=dtype, buffer_size=chunk
    )
    rows_per_mib = max(1, 2**20 // (n_cols * dtype.itemsize))
    return H5DataIO(data=iterator, chunks=(min(chunk, rows_per_mib), n_cols))


def write_nwbfile(nwbfile: Any, path: str | os.PathLike) -> Path:
    """Write ``nwbfile`` to ``path`` atomically (a failed write leaves nothing, old file intact).

    Parameters
    ----------
    nwbfile : pynwb.NWBFile
    path : str or os.PathLike
        Destination; its folder is created if needed.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> nwb = new_nwbfile(modality="ophys", seed=0, session_description="s",
    ...                   experiment_description="e", genotype="wt")
    >>> write_nwbfile(nwb, Path(tempfile.mkdtemp()) / "x.nwb").exists()
    True
    """
    pynwb = soft_import("pynwb", _PURPOSE)
    final = output_path(path)
    with atomic_path(final) as tmp, pynwb.NWBHDF5IO(tmp, "w") as io:
        io.write(nwbfile)
    return final
