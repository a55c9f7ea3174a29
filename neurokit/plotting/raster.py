"""Spike rasters from a units Dataset."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from neurokit.errors import SchemaError
from neurokit.plotting._figure import figure_and_axes


def plot_raster(
    units: xr.Dataset,
    *,
    start: float | None = None,
    stop: float | None = None,
    color_by: str | None = None,
    ax: Any | None = None,
) -> Any:
    """Plot spike times of every unit as a raster.

    Parameters
    ----------
    units : xarray.Dataset
        Units in neurokit's flat layout: ``spike_times (spike,)`` in seconds with coord
        ``spike_unit``, and dim ``unit`` (see ``docs/conventions.md``).
    start, stop : float, optional
        Time window to draw (s); the whole recording by default.
    color_by : str, optional
        A coordinate on ``unit`` (e.g. ``"location"``) that colours the rows.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, xarray as xr, matplotlib
    >>> matplotlib.use("Agg")
    >>> units = xr.Dataset(
    ...     {"spike_times": ("spike", [0.1, 0.5, 0.2], {"units": "s"})},
    ...     coords={"spike_unit": ("spike", [0, 0, 1]), "unit": [0, 1]})
    >>> fig = plot_raster(units)
    """
    if "spike_times" not in units or "spike_unit" not in units.coords:
        raise SchemaError(
            "not a units Dataset",
            field="spike_times",
            expected="variables spike_times(spike) with coord spike_unit",
        )
    times = units["spike_times"].values
    owner = units["spike_unit"].values
    lo = times.min(initial=0.0) if start is None else start
    hi = times.max(initial=0.0) if stop is None else stop
    keep = (times >= lo) & (times <= hi)
    ids = units["unit"].values
    row_of = {uid: row for row, uid in enumerate(ids)}
    rows = np.fromiter((row_of[u] for u in owner[keep]), dtype=int, count=int(keep.sum()))
    if color_by is None:
        colors: Any = "k"
    else:
        categories, codes = np.unique(units[color_by].values, return_inverse=True)
        colors = [f"C{codes[r] % 10}" for r in rows]
    fig, ax = figure_and_axes(ax, figsize=(8, 0.8 + 0.06 * len(ids)))
    ax.scatter(times[keep], rows, s=2, c=colors, marker="|", linewidths=0.6)
    if color_by is not None:
        for code, name in enumerate(categories):
            ax.scatter([], [], c=f"C{code % 10}", marker="s", label=str(name))
        ax.legend(title=color_by, fontsize="small", frameon=False, loc="upper right")
    ax.set_xlim(lo, hi)
    ax.set_ylim(-1, len(ids))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("unit")
    return fig
