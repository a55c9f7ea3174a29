"""``neurokit info FILE_OR_FOLDER``: what a file holds and how it maps to xarray."""

from __future__ import annotations

import argparse

import xarray as xr

from neurokit.io.detect import detect_format, read_any


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "info",
        help="describe an NWB file, suite2p folder or CaImAn file as neurokit reads it",
        description="Print the groups, dims, sizes, units and intervals tables of a recording "
        "as neurokit maps it to xarray. Nothing is loaded into memory beyond metadata.",
    )
    p.add_argument("path", help="NWB file, suite2p folder (or planeN folder), CaImAn .hdf5")


def main(args: argparse.Namespace) -> int:
    fmt = detect_format(args.path)
    obj = read_any(args.path, lazy=True)
    print(f"{args.path}  [{fmt}]")
    print(summarize(obj))
    return 0


def summarize(obj: xr.DataTree | xr.Dataset) -> str:
    """A plain-text summary: one block per node with dims, variables, units and attrs.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"F": (("time", "roi"), np.zeros((3, 2)), {"units": "a.u."})},
    ...                 coords={"time": [0.0, 0.1, 0.2], "roi": [0, 1]},
    ...                 attrs={"sampling_rate": 10.0})
    >>> print(summarize(ds))
    /
      dims: time=3, roi=2
      F (time, roi) float64 [a.u.]
      coords on roi: roi
      sampling_rate: 10.0 Hz
      time: 0.000 .. 0.200 s
    """
    nodes = obj.subtree if isinstance(obj, xr.DataTree) else [xr.DataTree(obj)]
    lines: list[str] = []
    for node in nodes:
        ds = node.dataset
        if not ds.data_vars and not ds.dims and node.path != "/":
            continue
        lines.append(node.path)
        kind = ds.attrs.get("neurodata_type")
        if kind:
            lines.append(f"  type: {kind}")
        if node.path == "/" and isinstance(obj, xr.DataTree):
            for key in ("identifier", "session_id", "subject_id", "species", "session_start_time"):
                if key in ds.attrs:
                    lines.append(f"  {key}: {ds.attrs[key]}")
        if ds.dims:
            lines.append("  dims: " + ", ".join(f"{d}={n}" for d, n in ds.sizes.items()))
        for name, var in ds.data_vars.items():
            lazy = " (lazy)" if var.chunks is not None else ""
            units = var.attrs.get("units")
            unit_text = f" [{units}]" if units else ""
            dims = ", ".join(map(str, var.dims))
            lines.append(f"  {name} ({dims}) {var.dtype}{unit_text}{lazy}")
        for dim in ds.dims:
            on_dim = [str(c) for c, v in ds.coords.items() if v.dims == (dim,) and dim != "time"]
            if on_dim:
                lines.append(f"  coords on {dim}: {', '.join(on_dim)}")
        if "sampling_rate" in ds.attrs:
            lines.append(f"  sampling_rate: {ds.attrs['sampling_rate']} Hz")
        if "time" in ds.coords and ds.sizes.get("time", 0) > 0:
            t = ds["time"].values
            lines.append(f"  time: {t[0]:.3f} .. {t[-1]:.3f} s")
    skipped = obj.attrs.get("skipped") if isinstance(obj, xr.DataTree) else None
    if skipped is not None and len(skipped):
        lines.append("not mapped: " + ", ".join(map(str, skipped)))
    return "\n".join(lines)
