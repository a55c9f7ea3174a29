"""Read ``.npy`` files without trusting them.

suite2p saves ``stat.npy`` and ``ops.npy`` as pickled object arrays (``np.save`` of a list of
dicts / a dict), which ``np.load(..., allow_pickle=True)`` would unpickle with the full power of
:mod:`pickle`: a crafted file can run any code while it loads. Here the pickle payload goes
through :class:`RestrictedUnpickler`, whose ``find_class`` admits only what numpy needs to rebuild
arrays, dtypes and scalars, plus a few harmless value types (complex, set, datetime…); any other
global (``os.system``, ``builtins.eval``, ``subprocess.Popen``…) raises
:class:`~neurokit.errors.UnsafeFileError` before it is even looked up.

Plain numeric ``.npy`` files go through :func:`load_npy_numeric`, which never unpickles.
"""

from __future__ import annotations

import codecs
import datetime
import io
import os
import pickle
from collections import OrderedDict
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.lib import format as npy_format

from neurokit.errors import FileFormatError, UnsafeFileError

# The functions numpy's own pickles call, taken from numpy's reducers so that the same objects
# are used whatever the numpy version calls their module (numpy.core or numpy._core).
_RECONSTRUCT = np.ndarray.__reduce__(np.zeros(0))[0]
_SCALAR = np.float64(0).__reduce__()[0]

#: (module, name) -> object: every global a data pickle may reference
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy.core.multiarray", "scalar"): _SCALAR,
    ("numpy._core.multiarray", "scalar"): _SCALAR,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("builtins", "complex"): complex,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "bytearray"): bytearray,
    ("collections", "OrderedDict"): OrderedDict,
    ("_codecs", "encode"): codecs.encode,  # bytes in protocol-2 pickles
    ("datetime", "datetime"): datetime.datetime,  # suite2p's ops["date_proc"]
    ("datetime", "date"): datetime.date,
    ("datetime", "time"): datetime.time,
    ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone,
}

_EXPECTED = "only numpy arrays/dtypes/scalars and plain Python values (dict, list, str, numbers…)"


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only :data:`ALLOWED_GLOBALS`.

    Parameters
    ----------
    file : binary file object
        Positioned at the start of the pickle.
    path : str or os.PathLike
        File being read, named in errors.

    Examples
    --------
    >>> import io, pickle, numpy as np
    >>> data = pickle.dumps({"x": np.arange(3)})
    >>> RestrictedUnpickler(io.BytesIO(data), path="<memory>").load()["x"]
    array([0, 1, 2])
    """

    def __init__(self, file: BinaryIO, *, path: str | os.PathLike) -> None:
        super().__init__(file)
        self.path = os.fspath(path)

    def find_class(self, module: str, name: str) -> Any:
        """Return an allowed global, or raise :class:`~neurokit.errors.UnsafeFileError`."""
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafeFileError(
                f"refusing to unpickle the global '{module}.{name}', which a data file "
                "has no reason to reference (it could run code)",
                path=self.path,
                field=f"{module}.{name}",
                expected=_EXPECTED,
                found=f"{module}.{name}",
            ) from None


def read_npy_header(
    fh: BinaryIO, *, path: str | os.PathLike
) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Read the magic string and header of an open ``.npy`` file.

    Parameters
    ----------
    fh : binary file object
        Open at offset 0; left positioned at the start of the array payload.
    path : str or os.PathLike
        File being read, named in errors.

    Returns
    -------
    shape : tuple of int
    fortran_order : bool
    dtype : numpy.dtype

    Raises
    ------
    neurokit.errors.FileFormatError
        Not an ``.npy`` file, a corrupt header, or a format version other than 1.0/2.0.

    Examples
    --------
    >>> import io, numpy as np
    >>> buf = io.BytesIO(); np.save(buf, np.zeros((2, 3), np.float32)); _ = buf.seek(0)
    >>> read_npy_header(buf, path="<memory>")
    ((2, 3), False, dtype('float32'))
    """
    try:
        version = npy_format.read_magic(fh)
        if version == (1, 0):
            return npy_format.read_array_header_1_0(fh)
        if version == (2, 0):
            return npy_format.read_array_header_2_0(fh)
    except (ValueError, EOFError, OSError, SyntaxError) as err:
        raise FileFormatError(
            "not a readable .npy file", path=path, expected="a NumPy .npy file", found=str(err)
        ) from err
    raise FileFormatError(
        "unsupported .npy format version",
        path=path,
        expected="version 1.0 or 2.0",
        found=f"{version[0]}.{version[1]}",
    )


def load_npy_numeric(path: str | os.PathLike) -> np.ndarray:
    """Load a numeric ``.npy`` file into memory, never unpickling.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    array : numpy.ndarray
        The array, read into memory (no file handle outlives the call).

    Raises
    ------
    neurokit.errors.FileFormatError
        Not an ``.npy`` file, truncated, or not a numeric (bool/int/float) dtype.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "F.npy"
    >>> np.save(f, np.ones((2, 4), np.float32))
    >>> load_npy_numeric(f).shape
    (2, 4)
    """
    path = Path(path)
    with open(path, "rb") as fh:
        shape, _, dtype = read_npy_header(fh, path=path)
        payload = fh.tell()
    if dtype.kind not in "biuf":
        raise FileFormatError(
            "not a numeric array",
            path=path,
            expected="a numeric (bool/int/float) .npy array",
            found=f"dtype {dtype}",
        )
    expected_size = payload + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if path.stat().st_size < expected_size:
        raise FileFormatError(
            "truncated .npy file",
            path=path,
            expected=f"{expected_size} bytes for shape {shape} {dtype}",
            found=f"{path.stat().st_size} bytes",
        )
    return np.load(path, allow_pickle=False)  # read into memory: no handle outlives the call


def load_npy_pickle(path: str | os.PathLike) -> np.ndarray:
    """Load a pickled object ``.npy`` file (suite2p ``stat.npy``/``ops.npy``) safely.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    array : numpy.ndarray of object
        The saved object array (``ops.npy``: 0-d holding a dict; ``stat.npy``: 1-d of dicts).

    Raises
    ------
    neurokit.errors.UnsafeFileError
        The pickle references a global outside :data:`ALLOWED_GLOBALS` (the message names it).
    neurokit.errors.FileFormatError
        Not an ``.npy`` file, not an object array, or a corrupt pickle.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "ops.npy"
    >>> np.save(f, np.array({"fs": 30.0, "Ly": np.int64(512)}), allow_pickle=True)
    >>> load_npy_pickle(f).item()["fs"]
    30.0
    """
    path = Path(path)
    with open(path, "rb") as fh:
        shape, _, dtype = read_npy_header(fh, path=path)
        if not dtype.hasobject:
            raise FileFormatError(
                "not a pickled object array",
                path=path,
                expected="an object .npy array (np.save of dicts/lists)",
                found=f"dtype {dtype}",
            )
        payload = fh.read()
    try:
        array = RestrictedUnpickler(io.BytesIO(payload), path=path).load()
    except UnsafeFileError:
        raise
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
        OverflowError,
    ) as err:
        raise FileFormatError(
            "corrupt pickle payload", path=path, expected="a pickled numpy array", found=repr(err)
        ) from err
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise FileFormatError(
            "pickle payload does not match the .npy header",
            path=path,
            expected=f"an array of shape {tuple(shape)}",
            found=f"shape {array.shape}" if isinstance(array, np.ndarray) else type(array).__name__,
        )
    return array
