"""Optional dependencies, imported at the point of use with an install hint.

``import neurokit`` stays light; a function that needs pynwb, dask, matplotlib, torch… calls
:func:`soft_import`, which either returns the module or raises
:class:`~neurokit.errors.OptionalDependencyError` saying what it is for and which extra brings it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from neurokit.errors import OptionalDependencyError

#: which ``pip install neurokit[extra]`` brings each optional module
EXTRA_OF_MODULE: dict[str, str] = {
    "pynwb": "nwb",
    "hdmf": "nwb",
    "dask": "dask",
    "dask.array": "dask",
    "matplotlib": "viz",
    "matplotlib.pyplot": "viz",
    "sparse": "calcium",
    "h5netcdf": "store",
    "zarr": "store",
    "torch": "train",
    "lightning": "train",
    "sklearn": "similarity",
    "pyriemann": "decoding",
    "tqdm": "similarity",
    "mne": "eeg",
}


def soft_import(name: str, purpose: str) -> ModuleType:
    """Import an optional module or fail with an install hint.

    Parameters
    ----------
    name : str
        Module to import, e.g. ``"pynwb"`` or ``"dask.array"``.
    purpose : str
        What the caller needs it for, shown in the error (e.g. ``"reading NWB files"``).

    Returns
    -------
    module : types.ModuleType

    Raises
    ------
    neurokit.errors.OptionalDependencyError
        When the module is not installed.

    Examples
    --------
    >>> np = soft_import("numpy", "arrays")
    >>> np.__name__
    'numpy'
    """
    try:
        return importlib.import_module(name)
    except ImportError as err:
        extra = EXTRA_OF_MODULE.get(name, EXTRA_OF_MODULE.get(name.split(".")[0], "all"))
        raise OptionalDependencyError(
            f"{name} is needed for {purpose} but is not installed",
            field=name,
            expected=f"`pip install 'neurokit[{extra}]'`",
            found=f"ImportError: {err}",
        ) from err
