"""Checks on input paths shared by every loader: exists, right kind, right format."""

from __future__ import annotations

import os
from pathlib import Path

from neurokit.errors import FileFormatError, NotAFileError, NotAFolderError, PathNotFoundError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def require_file(path: str | os.PathLike, *, expected: str) -> Path:
    """Return ``path`` as a Path if it is an existing file, else raise a neurokit error."""
    p = Path(path)
    if not p.exists():
        raise PathNotFoundError("no such file", path=p, expected=expected)
    if p.is_dir():
        raise NotAFileError("is a folder, not a file", path=p, expected=expected)
    return p


def require_folder(path: str | os.PathLike, *, expected: str) -> Path:
    """Return ``path`` as a Path if it is an existing folder, else raise a neurokit error."""
    p = Path(path)
    if not p.exists():
        raise PathNotFoundError("no such folder", path=p, expected=expected)
    if not p.is_dir():
        raise NotAFolderError("is a file, not a folder", path=p, expected=expected)
    return p


def require_hdf5(path: str | os.PathLike, *, expected: str) -> Path:
    """Check the file exists and starts with the HDF5 signature (at offset 0, 512, 1024…)."""
    p = require_file(path, expected=expected)
    size = p.stat().st_size
    with open(p, "rb") as fh:  # read-only; the HDF5 superblock sits at 0 or a power of two >= 512
        offset = 0
        while offset < max(size, 1):
            fh.seek(offset)
            if fh.read(8) == HDF5_SIGNATURE:
                return p
            offset = 512 if offset == 0 else offset * 2
    raise FileFormatError("not an HDF5 file", path=p, expected=expected, found="no HDF5 signature")
