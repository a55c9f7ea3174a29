"""xarray -> xarray transforms: binning, dF/F, event alignment, normalisation, resampling, splits.

Every transform validates the parts of its input it uses, keeps the provenance attrs
(``source_file``, ``session_id``, ``subject_id``), sets ``attrs["units"]`` and returns an object
that passes :func:`neurokit.validate`.
"""

from __future__ import annotations

from neurokit.preprocess.calcium import dff
from neurokit.preprocess.epochs import epoch, filter_signal, resample_signal
from neurokit.preprocess.normalize import zscore
from neurokit.preprocess.resample import resample
from neurokit.preprocess.spikes import bin_spikes
from neurokit.preprocess.split import train_test_split
from neurokit.preprocess.trials import align_to_events

__all__ = [
    "bin_spikes", "dff", "align_to_events", "zscore", "resample", "train_test_split", "epoch",
    "filter_signal", "resample_signal",
]
