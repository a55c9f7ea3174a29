"""Helpers for testing code that uses neurokit (and neurokit's own tests).

Examples
--------
>>> import tempfile, pathlib
>>> f = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
>>> _ = f.write_bytes(b"abc")
>>> with assert_files_unchanged(f):
...     _ = f.read_bytes()
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path


def checksum(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (as ``sha256sum``), or of every file under a folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
    >>> _ = f.write_bytes(b"abc")
    >>> checksum(f)[:12]
    'ba7816bf8f01'
    """
    p = Path(path)
    digest = hashlib.sha256()
    files = sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
    for f in files:
        if p.is_dir():  # a folder's digest covers its file names too
            digest.update(str(f.relative_to(p)).encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def assert_files_unchanged(
    *paths: str | os.PathLike | Iterable[str | os.PathLike],
) -> Iterator[None]:
    """Fail if any given file or folder has different bytes (or mtime) after the block.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
    >>> _ = f.write_bytes(b"abc")
    >>> with assert_files_unchanged(f):
    ...     data = f.read_bytes()
    """
    flat: list[Path] = []
    for p in paths:
        if isinstance(p, (str, os.PathLike)):
            flat.append(Path(p))
        else:
            flat.extend(Path(q) for q in p)
    before = {p: (checksum(p), _mtimes(p)) for p in flat if p.exists()}
    yield
    for p, (digest, mtimes) in before.items():
        assert checksum(p) == digest, f"{p}: bytes changed by a read"
        assert _mtimes(p) == mtimes, f"{p}: modification time changed by a read"


def _mtimes(p: Path) -> tuple[int, ...]:
    files = sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
    return tuple(f.stat().st_mtime_ns for f in files)
