# %% [markdown]
# # Spike-sorted units: binning, rasters and PSTHs by trial condition
#
# Units from an NWB file come in a flat layout (`spike_times` with a `spike_unit` coordinate),
# with the units table's columns as coordinates. Bin them, plot a raster, and cut trials around
# stimulus onset to get per-condition PSTHs.

# %% parameters
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from _output import output_folder

import neurokit as nk

OUT = output_folder("03_units_psth")
NWB_FILE: Path | None = None  # your own ecephys NWB; None simulates one
BIN_SIZE = 0.02  # s

# %% a session and its units
if NWB_FILE is None:
    NWB_FILE, truth = nk.datasets.simulate_ecephys_session(OUT / "ecephys_session.nwb", seed=3)
tree = nk.io.read_nwb(NWB_FILE)
units = tree["units"].dataset
trials_table = tree["intervals/trials"].dataset
print(units)

# %% whole-session counts (time, unit) and a raster
counts = nk.preprocess.bin_spikes(units, bin_size=BIN_SIZE)
print(f"{int(counts.sum())} spikes in {counts.sizes['time']} bins of {BIN_SIZE * 1e3:.0f} ms")
fig = nk.plotting.plot_raster(units, start=0, stop=20, color_by="location")
fig.savefig(OUT / "raster.png", dpi=120)

# %% PSTH by condition: bin spikes around each stimulus onset
psth = nk.preprocess.align_to_events(
    units, trials_table, window=(-0.5, 1.5), event="stimulus_onset", bin_size=BIN_SIZE
)
fig = nk.plotting.plot_trial_average(psth, by="condition", scale=1 / BIN_SIZE, ylabel="spikes/s")
fig.savefig(OUT / "psth_by_condition.png", dpi=120)
print(f"wrote figures to {OUT}")
