"""Ground truth against estimate: the figure every simulation-based check needs."""

from __future__ import annotations

from typing import Any

import numpy as np

from neurokit.plotting._figure import figure_and_axes


def plot_recovery(
    true: np.ndarray,
    estimated: np.ndarray,
    *,
    quantity: str,
    units: str = "",
    ax: Any | None = None,
) -> Any:
    """Scatter estimated against true values with the identity line.

    Parameters
    ----------
    true, estimated : array_like, shape (n,)
        Ground truth and the estimate of the same quantity, same units.
    quantity : str
        What is compared (axis labels and title).
    units : str
        Units of both, shown in the labels.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> matplotlib.use("Agg")
    >>> true = np.arange(5.0)
    >>> fig = plot_recovery(true, true + 0.1, quantity="orientation", units="deg")
    """
    true = np.asarray(true, dtype=float).ravel()
    estimated = np.asarray(estimated, dtype=float).ravel()
    fig, ax = figure_and_axes(ax, figsize=(3.6, 3.4))
    ax.scatter(true, estimated, s=10, alpha=0.6, color="C0", lw=0)
    lo = float(np.nanmin([true.min(initial=0.0), estimated.min(initial=0.0)]))
    hi = float(np.nanmax([true.max(initial=1.0), estimated.max(initial=1.0)]))
    ax.plot([lo, hi], [lo, hi], color="0.4", lw=0.8, ls="--")
    suffix = f" ({units})" if units else ""
    ax.set_xlabel(f"true {quantity}{suffix}")
    ax.set_ylabel(f"estimated {quantity}{suffix}")
    r = np.corrcoef(true, estimated)[0, 1] if true.size > 1 else np.nan
    ax.set_title(f"{quantity}: r = {r:.2f}")
    return fig
