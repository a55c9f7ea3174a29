"""Figures from xarray objects: one function per figure type, each returns its ``Figure``.

matplotlib is imported when a function is called (``pip install 'neurokit[viz]'``).
"""

from neurokit.plotting.raster import plot_raster
from neurokit.plotting.recovery import plot_recovery
from neurokit.plotting.traces import plot_traces
from neurokit.plotting.trials import plot_trial_average

__all__ = ["plot_traces", "plot_trial_average", "plot_raster", "plot_recovery"]
