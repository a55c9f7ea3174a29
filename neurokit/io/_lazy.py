"""Lazy, handle-free HDF5 arrays: each read reopens the file read-only and closes it again.

:class:`H5Slice` is a tiny picklable array-like (file path, HDF5 dataset path, shape, dtype);
:func:`lazy_h5_array` wraps it in a dask array. Nothing keeps a file handle open, so a lazy
array keeps working after the loader returns, after garbage collection, after pickling and on
dask workers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from neurokit._optional import soft_import

#: target size of one dask chunk once converted to float64, in bytes (~8 MiB): small enough
#: that pulling a short window reads little more than the window, large enough to stream
CHUNK_BYTES = 8 * 2**20


class H5Slice:
    """Array-like view of one HDF5 dataset that opens the file only while reading.

    Parameters
    ----------
    path : str or os.PathLike
        HDF5 file holding the dataset.
    name : str
        Absolute HDF5 path of the dataset inside the file, e.g. ``"/acquisition/lfp/data"``.
    shape : tuple of int
        Shape of the dataset.
    dtype : numpy.dtype or str
        Dtype of the dataset.

    Examples
    --------
    >>> import tempfile, pathlib, h5py, numpy as np
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.h5"
    >>> with h5py.File(f, "w") as h:
    ...     _ = h.create_dataset("a", data=np.arange(6).reshape(3, 2))
    >>> H5Slice(f, "/a", (3, 2), "int64")[1:, 0]
    array([2, 4])
    """

    def __init__(
        self, path: str | os.PathLike, name: str, shape: tuple[int, ...], dtype: Any
    ) -> None:
        self.path = str(Path(path).resolve())
        self.name = name
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    def __getitem__(self, key: Any) -> np.ndarray:
        with h5py.File(self.path, "r") as fh:
            return np.asarray(fh[self.name][key])

    def __dask_tokenize__(self) -> tuple:
        return (type(self).__name__, self.path, self.name, self.shape, self.dtype.str)

    def __repr__(self) -> str:
        return f"H5Slice({self.path!r}, {self.name!r}, shape={self.shape}, dtype={self.dtype})"


def time_chunks(
    shape: tuple[int, ...], dtype: np.dtype, h5_chunks: tuple[int, ...] | None
) -> tuple[int, ...]:
    """Dask chunks of ~8 MiB (as float64) along the first (time) axis, whole along the others.

    Rows per chunk are rounded to a multiple of the HDF5 chunk rows when the dataset is chunked.

    Parameters
    ----------
    shape : tuple of int
        Dataset shape, time first.
    dtype : numpy.dtype
        Dataset dtype.
    h5_chunks : tuple of int or None
        HDF5 chunk shape (``h5py.Dataset.chunks``), None when contiguous.

    Returns
    -------
    chunks : tuple of int
        One chunk size per axis.

    Examples
    --------
    >>> time_chunks((10_000_000, 4), np.dtype("float64"), None)
    (262144, 4)
    >>> time_chunks((100, 4), np.dtype("float64"), (30, 4))
    (100, 4)
    """
    if not shape:
        return ()
    # sized by the float64 values the chunk becomes after conversion/offset
    itemsize = max(np.dtype(dtype).itemsize, 8)
    row_bytes = max(1, int(np.prod(shape[1:], dtype=np.int64)) * itemsize)
    rows = max(1, CHUNK_BYTES // row_bytes)
    if h5_chunks:
        rows = max(h5_chunks[0], (rows // h5_chunks[0]) * h5_chunks[0])
    return (int(min(rows, max(shape[0], 1))), *(int(n) for n in shape[1:]))


def lazy_h5_array(source: H5Slice, h5_chunks: tuple[int, ...] | None = None) -> Any:
    """Wrap an :class:`H5Slice` in a dask array, chunked with :func:`time_chunks`.

    Parameters
    ----------
    source : H5Slice
        The dataset to read lazily.
    h5_chunks : tuple of int, optional
        HDF5 chunk shape of the dataset, to align dask chunks with it.

    Returns
    -------
    dask.array.Array
        Same shape and dtype as ``source``; computing it reopens the file read-only.

    Examples
    --------
    >>> import tempfile, pathlib, h5py
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.h5"
    >>> with h5py.File(f, "w") as h:
    ...     _ = h.create_dataset("a", data=np.arange(4.0))
    >>> lazy_h5_array(H5Slice(f, "/a", (4,), "float64")).sum().compute()
    np.float64(6.0)
    """
    da = soft_import("dask.array", "reading NWB data lazily")
    return da.from_array(
        source,
        chunks=time_chunks(source.shape, source.dtype, h5_chunks),
        meta=np.empty((0,) * source.ndim, dtype=source.dtype),
        asarray=True,
    )
