"""Loaders: files on disk -> validated xarray objects, always read-only.

* :func:`read_nwb` — NWB (HDF5) file -> ``xarray.DataTree``
* :func:`read_suite2p` — suite2p output folder -> ``xarray.Dataset``
* :func:`read_caiman` — CaImAn HDF5 results -> ``xarray.Dataset``

Optional packages (pynwb, dask, sparse) are imported inside the functions that need them.
"""

from neurokit.io.caiman import read_caiman
from neurokit.io.mne_reader import read_eeg, read_meg, read_mne
from neurokit.io.nwb import read_nwb
from neurokit.io.suite2p import read_suite2p

__all__ = ["read_nwb", "read_suite2p", "read_caiman", "read_mne", "read_eeg", "read_meg"]
