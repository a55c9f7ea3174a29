"""Trial-averaged responses (PSTHs, stimulus-aligned traces) by condition."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from neurokit.errors import MissingDataError, SchemaError
from neurokit.plotting._figure import figure_and_axes


def plot_trial_average(
    trials: xr.DataArray,
    *,
    by: str | None = None,
    element: Any | None = None,
    scale: float = 1.0,
    ylabel: str | None = None,
    ax: Any | None = None,
) -> Any:
    """Mean ± s.e.m. across trials of trial-aligned data, one line per condition.

    Parameters
    ----------
    trials : xarray.DataArray, dims ``("trial", "time", E)``
        Trial-aligned data (``time`` relative to the event, seconds), e.g. from
        :func:`neurokit.preprocess.align_to_events`.
    by : str, optional
        A coordinate on ``trial`` (e.g. ``"stimulus_id"``, ``"condition"``) to split trials by.
    element : label, optional
        One label on ``E`` to plot; by default the mean over all elements (population PSTH).
    scale : float
        Multiply values before plotting (e.g. ``1 / bin_size`` to turn counts into spikes/s).
    ylabel : str, optional
        Axis label; default from ``attrs["units"]``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, xarray as xr, matplotlib
    >>> matplotlib.use("Agg")
    >>> da = xr.DataArray(np.ones((4, 5, 2)), dims=("trial", "time", "unit"),
    ...                   coords={"trial": range(4), "time": np.linspace(-0.2, 0.2, 5),
    ...                           "unit": [0, 1], "condition": ("trial", [0, 1, 0, 1])},
    ...                   attrs={"units": "count"})
    >>> fig = plot_trial_average(da, by="condition")
    """
    if trials.dims[:2] != ("trial", "time") or trials.ndim != 3:
        raise SchemaError(
            "cannot plot a trial average",
            field=str(trials.name),
            expected="dims ('trial', 'time', element)",
            found=str(trials.dims),
        )
    element_dim = trials.dims[2]
    per_trial = (
        trials.mean(element_dim) if element is None else trials.sel({element_dim: element})
    ) * scale
    if by is None:
        groups = [("all trials", per_trial)]
    elif by not in trials.coords:
        raise MissingDataError(
            f"no coordinate '{by}' on trial",
            field=by,
            expected=f"one of {sorted(str(c) for c in trials['trial'].coords)}",
        )
    else:
        groups = [(f"{by}={key}", group) for key, group in per_trial.groupby(by)]
    fig, ax = figure_and_axes(ax, figsize=(5, 3.5))
    t = trials["time"].values
    for i, (label, group) in enumerate(groups):
        mean = group.mean("trial").values
        sem = group.std("trial").values / np.sqrt(max(group.sizes["trial"], 1))
        ax.plot(t, mean, color=f"C{i % 10}", label=label, lw=1.2)
        ax.fill_between(t, mean - sem, mean + sem, color=f"C{i % 10}", alpha=0.2, lw=0)
    ax.axvline(0.0, color="0.4", lw=0.8, ls="--")
    ax.set_xlabel("time from event (s)")
    ax.set_ylabel(ylabel or str(trials.attrs.get("units", "")))
    title = "population mean" if element is None else f"{element_dim} {element}"
    ax.set_title(title)
    if by is not None:
        ax.legend(fontsize="small", frameon=False, ncol=2)
    return fig
