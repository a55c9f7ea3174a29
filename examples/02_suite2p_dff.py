# %% [markdown]
# # A suite2p folder: load, keep cells, compute dF/F
#
# `read_suite2p` turns suite2p's `F.npy`, `Fneu.npy`, `spks.npy`, `iscell.npy`, `stat.npy` and
# `ops.npy` into one xarray Dataset on `(time, roi)`, with `iscell` and ROI centroids as
# coordinates. (`stat.npy`/`ops.npy` are pickles: neurokit reads them with a restricted
# unpickler, so a crafted file cannot run code.) Point `SUITE2P_FOLDER` at your own output;
# by default this uses the real example in `../shared/data` when present, else writes a
# simulated folder.

# %% parameters
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from _output import output_folder

import neurokit as nk

OUT = output_folder("02_suite2p")
SUITE2P_FOLDER: Path | None = None
SHARED = Path(__file__).resolve().parents[2] / "shared/data/suite2p_fissa_example/suite2p"

# %% pick a folder
if SUITE2P_FOLDER is None and SHARED.is_dir():
    SUITE2P_FOLDER = SHARED
elif SUITE2P_FOLDER is None:
    _, truth = nk.datasets.simulate_ophys_session(OUT / "sim.nwb", seed=2)
    SUITE2P_FOLDER = nk.datasets.write_suite2p_folder(
        OUT / "suite2p" / "plane0",
        truth["F"].values.T,
        truth["Fneu"].values.T,
        truth["spikes"].values.T.astype(float),
        fs=truth.attrs["frame_rate"],
        centroids=truth[["centroid_y", "centroid_x"]].to_array().values.T,
        iscell_prob=0.2 + 0.6 * truth["is_cell"].values,
    ).parent

# %% load and keep the ROIs suite2p classified as cells
s2p = nk.io.read_suite2p(SUITE2P_FOLDER)
cells = s2p.sel(roi=s2p["iscell"] == 1)
print(cells)

# %% dF/F with suite2p's maximin baseline (window in seconds)
fs = s2p.attrs["sampling_rate"]
dff = nk.preprocess.dff(
    cells["F"],
    cells["Fneu"],
    neuropil_coef=0.7,
    baseline="maximin",
    window=min(60.0, cells.sizes["time"] / fs / 4),
)
fig = nk.plotting.plot_traces(dff)
fig.savefig(OUT / "dff_traces.png", dpi=120)
print(f"{cells.sizes['roi']} cells of {s2p.sizes['roi']} ROIs; wrote {OUT / 'dff_traces.png'}")
