"""Shared figure plumbing: the pyplot import, new-or-given axes, atomic saving."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from neurokit._atomic import atomic_path
from neurokit._optional import soft_import


def pyplot() -> Any:
    """Return ``matplotlib.pyplot`` (optional dependency)."""
    return soft_import("matplotlib.pyplot", "plotting")


def figure_and_axes(ax: Any | None, *, figsize: tuple[float, float]) -> tuple[Any, Any]:
    """Use the given axes (and its figure) or make a new figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig, new_ax = pyplot().subplots(figsize=figsize, layout="constrained")
    return fig, new_ax


def save_figure(fig: Any, path: str | os.PathLike, *, dpi: int = 150) -> Path:
    """Save a figure atomically (format from the suffix) and return the path.

    Examples
    --------
    >>> import tempfile, pathlib, matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, _ = figure_and_axes(None, figsize=(2, 2))
    >>> save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "a.png").suffix
    '.png'
    """
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi)
    return Path(path)
