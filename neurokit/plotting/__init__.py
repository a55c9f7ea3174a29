"""Figures from xarray objects: one function per figure type, each returns its ``Figure``.

matplotlib is imported when a function is called (``pip install 'neurokit[viz]'``).
"""

from neurokit.plotting.raster import plot_raster
from neurokit.plotting.recovery import plot_recovery
from neurokit.plotting.similarity import (
    plot_layer_region_heatmap,
    plot_rdm,
    plot_rdm_mds,
    plot_score_vs_depth,
    plot_tsrsa,
)
from neurokit.plotting.traces import plot_traces
from neurokit.plotting.trials import plot_trial_average

__all__ = [
    "plot_traces",
    "plot_trial_average",
    "plot_raster",
    "plot_recovery",
    "plot_rdm",
    "plot_rdm_mds",
    "plot_layer_region_heatmap",
    "plot_score_vs_depth",
    "plot_tsrsa",
]
