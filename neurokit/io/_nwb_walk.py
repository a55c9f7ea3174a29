"""Walk an open ``NWBFile`` and convert what it holds into ``{tree path: xarray.Dataset}``.

Layout (``docs/conventions.md``): ``acquisition/<name>``, ``processing/<module>/<interface>/
<series>`` (or ``processing/<module>/<series>``), ``stimulus/<name>``, ``units``,
``intervals/<table>``, ``general/electrodes``. A container of several series (Fluorescence,
Position, BehavioralEvents…) becomes a node whose children are its series. Everything else is
recorded in ``ctx.skipped``.

Imported only by :func:`neurokit.io.read_nwb`, after ``soft_import("pynwb")`` succeeded.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import xarray as xr
from pynwb import NWBFile
from pynwb.base import TimeSeries

from neurokit.io._nwb_context import ReadContext, Unrepresentable
from neurokit.io._nwb_tables import electrodes_dataset, intervals_dataset, units_dataset
from neurokit.io._nwb_timeseries import timeseries_dataset

#: top-level names ``read_nwb(modules=...)`` accepts besides processing-module names
TOP_LEVEL = ("acquisition", "processing", "stimulus", "units", "intervals", "general")


def available_modules(nwbfile: NWBFile) -> list[str]:
    """Top-level groups with content, then the processing modules, as ``modules=`` accepts."""
    present = {
        "acquisition": bool(nwbfile.acquisition),
        "processing": bool(nwbfile.processing),
        "stimulus": bool(nwbfile.stimulus),
        "units": nwbfile.units is not None,
        "intervals": bool(nwbfile.intervals),
        "general": nwbfile.electrodes is not None,
    }
    return [name for name in TOP_LEVEL if present[name]] + list(nwbfile.processing)


def walk(
    nwbfile: NWBFile, ctx: ReadContext, modules: Collection[str] | None = None
) -> dict[str, xr.Dataset]:
    """Convert the selected parts of ``nwbfile``.

    Parameters
    ----------
    nwbfile : pynwb.NWBFile
        Read by pynwb; its file must stay open during the walk.
    ctx : ReadContext
        Shared read state; receives the skip records.
    modules : collection of str, optional
        Names from :func:`available_modules` to read; None reads everything.

    Returns
    -------
    dict of str to xarray.Dataset
        Tree paths (no leading ``/``) to node datasets.
    """
    nodes: dict[str, xr.Dataset] = {}

    def wanted(name: str) -> bool:
        return modules is None or name in modules

    if wanted("acquisition"):
        _interfaces(nwbfile.acquisition, "acquisition", ctx, nodes)
    for name, module in nwbfile.processing.items():
        if wanted("processing") or wanted(name):
            nodes[f"processing/{name}"] = _group_node(module, ctx)
            _interfaces(module.data_interfaces, f"processing/{name}", ctx, nodes)
    if wanted("stimulus"):
        _interfaces(nwbfile.stimulus, "stimulus", ctx, nodes)
        for name in nwbfile.stimulus_template:
            ctx.skip(f"stimulus/templates/{name}", "stimulus templates are not read")
    if wanted("units") and nwbfile.units is not None:
        _convert(nwbfile.units, "units", units_dataset, ctx, nodes)
    if wanted("intervals"):
        for name, table in nwbfile.intervals.items():
            _convert(table, f"intervals/{name}", intervals_dataset, ctx, nodes)
    if wanted("general") and nwbfile.electrodes is not None:
        _convert(nwbfile.electrodes, "general/electrodes", electrodes_dataset, ctx, nodes)
    if modules is None:
        for group in ("analysis", "scratch"):
            for name in getattr(nwbfile, group):
                ctx.skip(f"{group}/{name}", f"{group} objects are not read")
    return nodes


def _interfaces(
    objects: Mapping[str, Any], prefix: str, ctx: ReadContext, nodes: dict[str, xr.Dataset]
) -> None:
    """Series directly under ``prefix``, and containers of series one level down."""
    for name, obj in objects.items():
        if isinstance(obj, TimeSeries):
            _convert(obj, f"{prefix}/{name}", timeseries_dataset, ctx, nodes)
            continue
        children = list(getattr(obj, "children", ()))
        series = [c for c in children if isinstance(c, TimeSeries)]
        if not series:
            ctx.skip(ctx.nwb_path(obj), f"{obj.neurodata_type}: {_why_not_read(obj)}")
            continue
        nodes[f"{prefix}/{name}"] = _group_node(obj, ctx)
        for child in children:
            if isinstance(child, TimeSeries):
                _convert(child, f"{prefix}/{name}/{child.name}", timeseries_dataset, ctx, nodes)
            else:
                ctx.skip(ctx.nwb_path(child), f"{child.neurodata_type}: not a TimeSeries")


def _convert(
    obj: Any,
    path: str,
    convert: Callable[[Any, ReadContext], xr.Dataset],
    ctx: ReadContext,
    nodes: dict[str, xr.Dataset],
) -> None:
    ctx.current = ctx.nwb_path(obj)
    try:
        nodes[path] = convert(obj, ctx)
    except Unrepresentable as why:
        ctx.skip(ctx.current, f"{obj.neurodata_type}: {why}")


def _group_node(obj: Any, ctx: ReadContext) -> xr.Dataset:
    attrs = {
        "neurodata_type": obj.neurodata_type,
        "description": getattr(obj, "description", None),
        "nwb_path": ctx.nwb_path(obj),
    }
    return xr.Dataset(attrs={k: v for k, v in attrs.items() if isinstance(v, str)})


def _why_not_read(obj: Any) -> str:
    if obj.neurodata_type == "ImageSegmentation":
        return (
            "ROI tables are read as roi coords (columns, centroids, npix) of the series using them"
        )
    return "not a TimeSeries"
