"""Stacked continuous traces (fluorescence, dF/F, LFP…) over time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from neurokit.errors import SchemaError
from neurokit.plotting._figure import figure_and_axes


def plot_traces(
    data: xr.DataArray,
    *,
    elements: Sequence[Any] | None = None,
    spacing: float | None = None,
    events: xr.Dataset | None = None,
    ax: Any | None = None,
) -> Any:
    """Plot a few traces of a ``(time, element)`` DataArray stacked vertically.

    Parameters
    ----------
    data : xarray.DataArray, dims ``("time", E)``
        Continuous data; ``E`` is ``roi``, ``unit`` or ``channel``. ``attrs["units"]`` labels the
        scale bar.
    elements : sequence, optional
        Labels on ``E`` to draw (default: the first 10).
    spacing : float, optional
        Vertical distance between traces, in data units (default: 1.2 × the largest range).
    events : xarray.Dataset, optional
        An intervals table (``start_time``, ``stop_time``, seconds) drawn as shaded spans.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, xarray as xr, matplotlib
    >>> matplotlib.use("Agg")
    >>> da = xr.DataArray(np.random.default_rng(0).normal(size=(100, 3)), dims=("time", "roi"),
    ...                   coords={"time": np.arange(100) / 10.0, "roi": [0, 1, 2]},
    ...                   attrs={"units": "dF/F"})
    >>> fig = plot_traces(da)
    """
    if data.ndim != 2 or "time" not in data.dims:
        raise SchemaError(
            "cannot plot traces",
            field=str(data.name),
            expected="dims ('time', element)",
            found=str(data.dims),
        )
    element_dim = next(d for d in data.dims if d != "time")
    labels = list(data[element_dim].values[:10]) if elements is None else list(elements)
    traces = data.sel({element_dim: labels}).transpose("time", element_dim)
    values = np.asarray(traces.values, dtype=float)
    if spacing is None:
        spacing = 1.2 * float(np.nanmax(np.nanmax(values, 0) - np.nanmin(values, 0))) or 1.0
    fig, ax = figure_and_axes(ax, figsize=(8, 0.5 + 0.45 * len(labels)))
    t = traces["time"].values
    for i in range(len(labels)):
        ax.plot(t, values[:, i] - i * spacing, lw=0.7, color=f"C{i % 10}")
    if events is not None:
        for start, stop in zip(
            events["start_time"].values, events["stop_time"].values, strict=True
        ):
            if stop >= t[0] and start <= t[-1]:
                ax.axvspan(start, stop, color="0.85", zorder=0, lw=0)
    ax.set_yticks([-i * spacing for i in range(len(labels))], [str(v) for v in labels])
    ax.set_ylabel(f"{element_dim} (spacing {spacing:.3g} {data.attrs.get('units', '')})")
    ax.set_xlabel("time (s)")
    ax.set_xlim(t[0], t[-1])
    return fig
