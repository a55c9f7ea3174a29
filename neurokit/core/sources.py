"""Named data sources of :class:`~neurokit.core.data.XarrayDataModule`.

A source is a function returning an :class:`xarray.DataArray` with a sample dim (``trial``)
and a label coordinate on it. Built-ins:

* ``"digits"``: scikit-learn's bundled 8x8 handwritten digits, dims ``("trial", "y", "x")``,
  values scaled to [0, 1], ``label`` coordinate 0-9 (no download);
* ``"delay_task"``: :func:`neurokit.datasets.delay_task.simulate_delay_task` (imported on use).

Other modules add theirs with :func:`register_source`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

from neurokit.errors import ConfigError

__all__ = ["register_source", "get_source", "list_sources", "load_digits"]

SourceFn = Callable[..., xr.DataArray]

#: source name -> function or "module:function" (imported on first use)
_SOURCES: dict[str, SourceFn | str] = {
    "digits": "neurokit.core.sources:load_digits",
    "delay_task": "neurokit.datasets.delay_task:simulate_delay_task",
}


def register_source(name: str, fn: SourceFn | str, *, overwrite: bool = False) -> None:
    """Make ``name`` usable as ``XarrayDataModule(source=name)``.

    Parameters
    ----------
    name : str
        The source name (not a path: it must not contain a path separator or a dot).
    fn : callable or str
        ``fn(**source_kwargs) -> xarray.DataArray``, or ``"module:function"`` imported on use.
    overwrite : bool, default False
        Replace an existing source of that name.

    Examples
    --------
    >>> register_source("zeros_demo", lambda: None, overwrite=True)
    >>> "zeros_demo" in list_sources()
    True
    """
    if not name or "/" in name or "." in name:
        raise ConfigError("bad source name", field="source",
                          expected="a plain name without '/' or '.'", found=repr(name))
    if name in _SOURCES and not overwrite:
        raise ConfigError("source name already registered", field="source",
                          expected="a new name, or overwrite=True", found=repr(name))
    if not (callable(fn) or (isinstance(fn, str) and ":" in fn)):
        raise ConfigError("bad source function", field="fn",
                          expected="a callable or 'module:function'", found=repr(fn))
    _SOURCES[name] = fn


def list_sources() -> list[str]:
    """Names of the registered sources.

    Examples
    --------
    >>> "digits" in list_sources()
    True
    """
    return sorted(_SOURCES)


def get_source(name: str) -> SourceFn:
    """The function of source ``name`` (ConfigError for an unknown name)."""
    if name not in _SOURCES:
        raise ConfigError("unknown data source", field="source",
                          expected="a netCDF/zarr file or one of " + ", ".join(list_sources()),
                          found=repr(name))
    fn = _SOURCES[name]
    if isinstance(fn, str):
        module, attr = fn.split(":")
        fn = getattr(importlib.import_module(module), attr)
    return fn


def load_digits(channel_axis: bool = False, **kwargs: Any) -> xr.DataArray:
    """scikit-learn's bundled digits as a DataArray ``("trial", "y", "x")`` in [0, 1].

    Parameters
    ----------
    channel_axis : bool
        Add a ``channel`` dim of length 1 (``("trial", "channel", "y", "x")``), the layout of
        convolutional networks; in a config: ``source_kwargs: {channel_axis: true}``.
    **kwargs
        Passed to :func:`sklearn.datasets.load_digits` (e.g. ``n_class``).

    Returns
    -------
    xarray.DataArray
        1797 images of 8x8 pixels (grey level / 16), ``label`` coordinate (int 0-9) on ``trial``.

    Examples
    --------
    >>> da = load_digits()
    >>> da.dims, da.shape, int(da.label.max())
    (('trial', 'y', 'x'), (1797, 8, 8), 9)
    """
    from neurokit._optional import soft_import

    soft_import("sklearn", "the 'digits' data source")
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits(**kwargs)
    n = digits.images.shape[0]
    images = xr.DataArray(
        (digits.images / 16.0).astype(np.float32),
        dims=("trial", "y", "x"),
        coords={"trial": np.arange(n), "label": ("trial", digits.target.astype(np.int64))},
        name="digits",
        attrs={"units": "a.u.", "source": "sklearn.datasets.load_digits"},
    )
    return images.expand_dims("channel", axis=1) if channel_axis else images
