"""The NaN policy shared by the calcium-imaging loaders: count NaNs in a trace, raise or keep."""

from __future__ import annotations

import os
from typing import Literal

import numpy as np

from neurokit.errors import InvalidValueError

NanPolicy = Literal["raise", "keep"]
NAN_POLICIES: tuple[str, ...] = ("raise", "keep")


def check_nan_policy(policy: str) -> None:
    """Raise :class:`~neurokit.errors.InvalidValueError` unless ``policy`` is "raise" or "keep".

    Examples
    --------
    >>> check_nan_policy("keep")
    """
    if policy not in NAN_POLICIES:
        raise InvalidValueError(
            "unknown NaN policy",
            field="nan_policy",
            expected=" or ".join(repr(p) for p in NAN_POLICIES),
            found=repr(policy),
        )


def check_nan(array: np.ndarray, *, path: str | os.PathLike, field: str, policy: NanPolicy) -> int:
    """Count the NaNs in a trace array as stored on disk; raise on them if the policy says so.

    Parameters
    ----------
    array : numpy.ndarray, shape (n_rois, n_frames)
        Traces in the file's own orientation (suite2p and CaImAn both store ROI-major).
    path : str or os.PathLike
        File the array was read from, named in the error.
    field : str
        Variable name (``"F"``, ``"C"``…), named in the error.
    policy : {"raise", "keep"}
        ``"raise"``: any NaN is an error. ``"keep"``: NaNs are only counted.

    Returns
    -------
    n_nan : int
        Number of NaN samples (0 when ``policy="raise"`` returns at all).

    Raises
    ------
    neurokit.errors.InvalidValueError
        With ``policy="raise"`` when there is a NaN; the message gives the count and the first
        ``(roi, frame)`` index in row-major order.

    Examples
    --------
    >>> import numpy as np
    >>> check_nan(np.array([[1.0, np.nan]]), path="F.npy", field="F", policy="keep")
    1
    """
    check_nan_policy(policy)
    mask = np.isnan(array)
    n_nan = int(np.count_nonzero(mask))
    if n_nan and policy == "raise":
        roi, frame = np.unravel_index(int(np.flatnonzero(mask)[0]), mask.shape)
        raise InvalidValueError(
            f"{n_nan} NaN value(s) in the traces, the first at (roi={roi}, frame={frame}); "
            "pass nan_policy='keep' to load them as they are",
            path=path,
            field=field,
            expected="finite values",
            found=f"{n_nan} NaN",
        )
    return n_nan
