# %% [markdown]
# # An NWB ophys session: ROI traces aligned to stimuli
#
# Read a two-photon session from NWB into xarray, compute dF/F with neuropil subtraction, cut
# the traces around each stimulus presentation and plot the average response per orientation.
# With no file of your own, the simulator writes a session with known tuning.

# %% parameters
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from _output import output_folder

import neurokit as nk

OUT = output_folder("01_nwb_ophys")
NWB_FILE: Path | None = None  # your own file here; None simulates one
WINDOW = (-0.5, 1.5)  # seconds around stimulus onset

# %% a session (simulated with ground truth when no file is given)
if NWB_FILE is None:
    NWB_FILE, truth = nk.datasets.simulate_ophys_session(OUT / "ophys_session.nwb", seed=1)

# %% read it: an xarray.DataTree mirroring the NWB file
tree = nk.io.read_nwb(NWB_FILE)
print(tree)

# %% dF/F from fluorescence and neuropil (time, roi)
F = tree["processing/ophys/Fluorescence/RoiResponseSeries"]["data"]
Fneu = tree["processing/ophys/Fluorescence/Neuropil"]["data"]
dff = nk.preprocess.dff(F, Fneu, neuropil_coef=0.7, baseline="maximin", window=30.0)
stimuli = tree["intervals/stimulus_presentations"].dataset

fig = nk.plotting.plot_traces(dff.sel(time=slice(0, 60)), events=stimuli)
fig.savefig(OUT / "traces.png", dpi=120)

# %% align to stimulus onsets: (trial, time, roi) with stimulus columns as trial coords
trials = nk.preprocess.align_to_events(dff, stimuli, window=WINDOW)
response = trials.sel(time=slice(0.0, 1.0)).mean("time")
best_roi = int(response.groupby("orientation").mean().var("orientation").argmax())
fig = nk.plotting.plot_trial_average(
    trials, by="orientation", element=trials["roi"].values[best_roi]
)
fig.savefig(OUT / "trial_average_by_orientation.png", dpi=120)
print(f"wrote figures to {OUT}")
