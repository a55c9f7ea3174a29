"""neurokit: from raw neuroscience recordings to published figures.

``import neurokit`` is light (numpy, xarray); subpackages load on first use::

    import neurokit as nk
    tree = nk.io.read_nwb("session.nwb")          # NWB -> xarray.DataTree
    counts = nk.preprocess.bin_spikes(tree["units"].dataset, bin_size=0.01)
    nk.validate(counts)

Subpackages: ``io`` (loaders), ``preprocess`` (xarray -> xarray transforms), ``datasets``
(ground-truth simulators writing real NWB files), ``similarity`` (RSA, CKA, encoding models,
noise ceilings), ``plotting`` (figures), ``errors``; with the ``train`` extra, ``core`` (the
Lightning training core) and ``snn`` (the SNN engine).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from neurokit import errors
from neurokit.validation import validate

__version__ = "0.1.0"
__all__ = [
    "validate",
    "errors",
    "io",
    "preprocess",
    "datasets",
    "plotting",
    "similarity",
    "testing",
    "__version__",
]

_LAZY_SUBPACKAGES = {"io", "preprocess", "datasets", "plotting", "similarity", "testing", "cli",
                     "core", "snn"}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from neurokit import datasets, io, plotting, preprocess, similarity, testing


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBPACKAGES:
        module = importlib.import_module(f"neurokit.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'neurokit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_SUBPACKAGES)
