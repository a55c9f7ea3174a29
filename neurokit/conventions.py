"""The one vocabulary of dims, coordinates and attrs that every neurokit object speaks.

Written out for people in ``docs/conventions.md``; checked by :func:`neurokit.validate`.
"""

from __future__ import annotations

#: time axis, in seconds (float64); relative to the event for trial-aligned data
TIME = "time"
#: spike-sorted units, imaging ROIs, recording channels (EEG/MEG/LFP)
UNIT, ROI, CHANNEL = "unit", "roi", "channel"
#: trials of a task / rows of an intervals table that is not the trials table
TRIAL, INTERVAL = "trial", "interval"
#: stimulus-response matrices: ``(stimulus, neuroid)``
STIMULUS, NEUROID = "stimulus", "neuroid"
#: one row per spike in a units Dataset (flat, ragged-free layout of spike times)
SPIKE = "spike"

#: M/EEG epochs keep MNE's and braindecode's layout: ``(trial, channel, time)``
EPOCHS_DIMS = (TRIAL, CHANNEL, TIME)

#: element dims: each must carry a coordinate of unique ids
ELEMENT_DIMS = (UNIT, ROI, CHANNEL, NEUROID)
#: dims whose coordinate must hold unique labels
LABELLED_DIMS = (*ELEMENT_DIMS, TRIAL, INTERVAL, STIMULUS)

#: attrs every data variable with a physical meaning carries
UNITS_ATTR = "units"
SAMPLING_RATE_ATTR = "sampling_rate"  # Hz
#: provenance attrs (strings) that loaders set and transforms keep
PROVENANCE_ATTRS = ("source_file", "session_id", "subject_id")

#: canonical unit strings used by neurokit itself
SECONDS = "s"
COUNTS = "count"
SPIKES_PER_SECOND = "spikes/s"
DFF = "dF/F"
ZSCORE = "z-score"
ARBITRARY = "a.u."
