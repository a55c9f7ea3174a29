"""One exception hierarchy for neurokit.

Every error neurokit raises on bad input derives from :class:`NeurokitError` *and* from the
built-in exception a caller would already catch (``FileNotFoundError``, ``ValueError``…), so
existing ``except`` clauses keep working. Each error carries the file it is about (``path``),
the field inside it (``field``) and what was expected, and puts all three in its message.

Examples
--------
>>> from neurokit.errors import SchemaError
>>> err = SchemaError("shape mismatch", path="plane0/Fneu.npy", field="Fneu",
...                   expected="shape (120, 50) like F.npy", found="(120, 49)")
>>> print(err)
plane0/Fneu.npy: field 'Fneu': shape mismatch; expected shape (120, 50) like F.npy, found (120, 49)
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

import os

__all__ = [
    "NeurokitError",
    "PathNotFoundError",
    "NotAFileError",
    "NotAFolderError",
    "FileFormatError",
    "UnsafeFileError",
    "SchemaError",
    "MissingDataError",
    "InvalidValueError",
    "OptionalDependencyError",
    "ConfigError",
    "CheckpointError",
    "TrainingError",
]


class NeurokitError(Exception):
    """Base class of every error neurokit raises on purpose.

    Parameters
    ----------
    message : str
        What went wrong, in a few words.
    path : str or os.PathLike, optional
        The file or folder the error is about.
    field : str, optional
        The field inside it (HDF5 path, NWB object, column, variable or coordinate name).
    expected : str, optional
        What neurokit expected to find.
    found : str, optional
        What it found instead.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike | None = None,
        field: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else os.fspath(path)
        self.field = field
        self.expected = expected
        self.found = found
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.field is not None:
            where.append(f"field '{self.field}'")
        text = ": ".join([*where, self.message])
        if self.expected is not None:
            text += f"; expected {self.expected}"
        if self.found is not None:
            text += (
                f", found {self.found}" if self.expected is not None else f"; found {self.found}"
            )
        return text

    def __str__(self) -> str:  # OSError subclasses would otherwise format their own way
        return self._format()

    def __reduce__(self):  # keep errors picklable across processes (dask, DDP workers)
        kwargs = {
            "path": self.path,
            "field": self.field,
            "expected": self.expected,
            "found": self.found,
        }
        return (_rebuild, (type(self), self.message, kwargs))


def _rebuild(cls: type[NeurokitError], message: str, kwargs: dict) -> NeurokitError:
    return cls(message, **kwargs)


class PathNotFoundError(NeurokitError, FileNotFoundError):
    """The path does not exist."""


class NotAFileError(NeurokitError, IsADirectoryError):
    """A folder was given where a file is expected."""


class NotAFolderError(NeurokitError, NotADirectoryError):
    """A file was given where a folder is expected (e.g. a suite2p output folder)."""


class FileFormatError(NeurokitError, ValueError):
    """The file is not in the expected format (not HDF5, truncated, HDF5 but not NWB…)."""


class UnsafeFileError(FileFormatError):
    """The file would run code or load objects a data file must not (e.g. a crafted pickle)."""


class SchemaError(NeurokitError, ValueError):
    """The data break the expected layout: wrong dims, shapes, dtypes, coordinates or attrs."""


class MissingDataError(NeurokitError, LookupError):
    """A requested group, module, table, column or file is absent."""


class InvalidValueError(NeurokitError, ValueError):
    """Values are not acceptable (NaN/inf where finite numbers are required, negative rates…)."""


class OptionalDependencyError(NeurokitError, ImportError):
    """An optional dependency is needed for this call; the message names the extra to install."""


class ConfigError(NeurokitError, ValueError):
    """A configuration names something unknown (neuron, surrogate, architecture, optimiser…)
    or holds a value outside what that thing accepts."""


class CheckpointError(NeurokitError, ValueError):
    """A checkpoint cannot be used: another model's, malformed, or holding unsafe objects."""


class TrainingError(NeurokitError, RuntimeError):
    """Training cannot go on (e.g. a NaN/inf loss); the message names the step."""
