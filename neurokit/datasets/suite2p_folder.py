"""Write traces in suite2p's output layout, for tests, examples and format conversion."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from neurokit._atomic import atomic_path
from neurokit.errors import SchemaError


def write_suite2p_folder(
    folder: str | os.PathLike,
    F: np.ndarray,
    Fneu: np.ndarray,
    spks: np.ndarray,
    *,
    fs: float,
    centroids: np.ndarray,
    iscell_prob: np.ndarray,
    npix: np.ndarray | None = None,
    image_shape: tuple[int, int] = (512, 512),
) -> Path:
    """Write a suite2p ``planeN`` folder (``F.npy``, ``Fneu.npy``, ``spks.npy``, ``iscell.npy``,
    ``stat.npy``, ``ops.npy``) the way suite2p itself saves them.

    Parameters
    ----------
    folder : str or os.PathLike
        The plane folder to create, e.g. ``"out/suite2p/plane0"``.
    F, Fneu, spks : numpy.ndarray, shape (n_rois, n_frames)
        Fluorescence, neuropil and deconvolved traces (suite2p's ROI-major layout).
    fs : float
        Frame rate (Hz), stored as ``ops["fs"]``.
    centroids : numpy.ndarray, shape (n_rois, 2)
        ROI centres ``(y, x)`` in pixels, stored as ``stat[i]["med"]``.
    iscell_prob : numpy.ndarray, shape (n_rois,)
        Classifier probability; ``iscell`` is ``prob > 0.5``.
    npix : numpy.ndarray, shape (n_rois,), optional
        Pixels per ROI (default 50).
    image_shape : (int, int)
        ``(Ly, Lx)`` of the imaging field.

    Returns
    -------
    pathlib.Path
        The folder written.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> F = np.ones((2, 5)); folder = tempfile.mkdtemp() + "/plane0"
    >>> p = write_suite2p_folder(folder, F, 0.5 * F, 0 * F, fs=30.0,
    ...                          centroids=np.array([[10, 12], [30, 40]]),
    ...                          iscell_prob=np.array([0.9, 0.1]))
    >>> sorted(f.name for f in p.iterdir())
    ['F.npy', 'Fneu.npy', 'iscell.npy', 'ops.npy', 'spks.npy', 'stat.npy']
    """
    F, Fneu, spks = (np.asarray(a, dtype=np.float32) for a in (F, Fneu, spks))
    n_rois = F.shape[0]
    for name, arr in (("Fneu", Fneu), ("spks", spks)):
        if arr.shape != F.shape:
            raise SchemaError(
                "trace shapes differ",
                field=name,
                expected=f"shape {F.shape} like F",
                found=str(arr.shape),
            )
    npix = np.full(n_rois, 50) if npix is None else np.asarray(npix)
    centroids = np.asarray(centroids)
    stat = np.array(
        [
            {
                "med": np.asarray(centroids[i], dtype=np.float64),
                "npix": int(npix[i]),
                "radius": float(np.sqrt(npix[i] / np.pi)),
                "iplane": 0,
            }
            for i in range(n_rois)
        ],
        dtype=object,
    )
    ops = np.array(
        {
            "fs": float(fs),
            "Ly": int(image_shape[0]),
            "Lx": int(image_shape[1]),
            "nplanes": 1,
            "nframes": int(F.shape[1]),
            "tau": 1.0,
        },
        dtype=object,
    )
    iscell = np.stack([(iscell_prob > 0.5).astype(np.float64), iscell_prob], axis=1)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"F": F, "Fneu": Fneu, "spks": spks, "iscell": iscell, "stat": stat, "ops": ops}
    for name, arr in arrays.items():
        with atomic_path(out / f"{name}.npy") as tmp:
            np.save(tmp, arr, allow_pickle=arr.dtype == object)
    return out
