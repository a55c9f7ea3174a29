"""ROI centroids and sizes from the masks of an NWB ``PlaneSegmentation``.

Image masks ``(roi, rows, cols)`` are read as ``(roi, y, x)`` — rows are ``y`` and columns
``x``, as image stacks are read ``(time, y, x)`` — and pixel/voxel masks by their ``x``/``y``
fields. Centroids are the mask-weighted mean pixel coordinates; ``npix`` counts the pixels with a
non-zero weight (image masks) or the listed pixels (pixel/voxel masks).

Imported only by :func:`neurokit.io.read_nwb`, after ``soft_import("pynwb")`` succeeded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurokit.io._nwb_context import Unrepresentable

#: PlaneSegmentation columns holding masks, in order of preference
MASK_COLUMNS = ("image_mask", "pixel_mask", "voxel_mask")
#: ROIs of an image mask read at a time (bounds memory on large fields of view)
_BLOCK = 128


def mask_coords(table: Any) -> dict[str, np.ndarray]:
    """``centroid_x``, ``centroid_y`` (pixels, float64) and ``npix`` (int64), one per row.

    Parameters
    ----------
    table : pynwb.ophys.PlaneSegmentation
        Table with one of ``image_mask``, ``pixel_mask`` or ``voxel_mask``.

    Returns
    -------
    dict of str to numpy.ndarray
        Each ``(n_rows,)``; NaN centroids for empty masks.

    Raises
    ------
    Unrepresentable
        When the table has no mask column or its masks are not 2-D images/pixel lists.
    """
    present = [name for name in MASK_COLUMNS if name in table.colnames]
    if not present:
        raise Unrepresentable("no image_mask, pixel_mask or voxel_mask column")
    if present[0] == "image_mask":
        return image_mask_coords(table["image_mask"].data)
    index = table[present[0]]
    ends = np.asarray(index.data[:], dtype=np.int64)
    return pixel_mask_coords(index.target.data[:], ends)


def image_mask_coords(masks: Any) -> dict[str, np.ndarray]:
    """Centroids and sizes of image masks ``(roi, y, x)`` (an array or h5py dataset)."""
    if len(masks.shape) != 3:
        raise Unrepresentable(f"image masks of shape {masks.shape}, expected (roi, y, x)")
    n, height, width = masks.shape
    cx, cy = np.full(n, np.nan), np.full(n, np.nan)
    npix = np.zeros(n, dtype=np.int64)
    for start in range(0, n, _BLOCK):
        m = np.asarray(masks[start : start + _BLOCK], dtype=np.float64)
        total = m.sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            cy[start : start + len(m)] = m.sum(axis=2) @ np.arange(height) / total
            cx[start : start + len(m)] = m.sum(axis=1) @ np.arange(width) / total
        npix[start : start + len(m)] = np.count_nonzero(m, axis=(1, 2))
    return _coords(cx, cy, npix)


def pixel_mask_coords(flat: Any, ends: np.ndarray) -> dict[str, np.ndarray]:
    """Centroids and sizes of ragged pixel/voxel masks.

    Parameters
    ----------
    flat : numpy structured array or sequence of tuples
        Every ROI's pixels one after the other, fields ``x``, ``y`` (``z``) and ``weight``.
    ends : numpy.ndarray
        ``(n_roi,)`` end offset of each ROI's pixels in ``flat`` (the ``VectorIndex``).
    """
    if isinstance(flat, np.ndarray) and flat.dtype.names:
        names = flat.dtype.names
        fields = (
            ("x", "y", "weight") if {"x", "y", "weight"} <= set(names) else names[:2] + names[-1:]
        )
        x, y, w = (np.asarray(flat[f], dtype=np.float64) for f in fields)
    else:
        rows = [tuple(p) for p in flat]
        table = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(rows[0]) if rows else 3)
        x, y, w = table[:, 0], table[:, 1], table[:, -1]
    counts = np.diff(np.concatenate([[0], ends])).astype(np.int64)
    labels = np.repeat(np.arange(len(ends)), counts)
    total = np.bincount(labels, weights=w, minlength=len(ends))
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = np.bincount(labels, weights=w * x, minlength=len(ends)) / total
        cy = np.bincount(labels, weights=w * y, minlength=len(ends)) / total
    return _coords(cx, cy, counts)


def _coords(cx: np.ndarray, cy: np.ndarray, npix: np.ndarray) -> dict[str, np.ndarray]:
    return {"centroid_x": cx, "centroid_y": cy, "npix": npix}
