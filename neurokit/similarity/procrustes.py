"""Procrustes shape distance between representations (Williams et al. 2021, *Generalized shape
metrics on neural representations*, NeurIPS).

Each representation ``X`` (n stimuli x p features) is mapped to ``phi_alpha(X)``: centred over
stimuli, then partially whitened with ``((1 - alpha) S + alpha I)^(-1/2)``, where ``S`` is its
feature covariance ``X_c^T X_c`` rescaled to a mean non-zero eigenvalue of 1 (so that the two
terms are on the same scale and the map does not depend on the overall scale of ``X``). The
angular shape distance is the angle between the two mapped representations after the best
orthogonal alignment::

    d_alpha(X, Y) = arccos( ||phi(X)^T phi(Y)||_* / (||phi(X)||_F ||phi(Y)||_F) )

(``||.||_*`` the nuclear norm; a representation with fewer features is implicitly padded with
zero columns, which does not change the nuclear norm). ``alpha = 1`` is orthogonal Procrustes
on centred, unit-Frobenius-norm representations; ``alpha = 0`` whitens fully, giving a
CCA-like metric (the nuclear norm is then the sum of the canonical correlations, divided by
``sqrt(rank X rank Y)``). For every ``alpha`` the distance is a metric (symmetric, triangle
inequality) on representations modulo translation, isotropic scaling and rotation (for
``alpha = 0``: modulo any invertible linear map). Radians, in [0, pi/2].

For ``0 < alpha < 1`` this partial whitening follows the ridge-regularised CCA form; netrep's
``LinearMetric`` interpolates the whitening matrix instead (``alpha I + (1 - alpha)
S^(-1/2)``), so its values differ there (they agree at ``alpha = 1``).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from neurokit.errors import ConfigError
from neurokit.similarity.cka import _paired

__all__ = ["procrustes_distance", "procrustes_similarity"]


def _shape_embedding(Zc: np.ndarray, alpha: float) -> np.ndarray:
    """``phi_alpha(Z)`` up to a right rotation: ``U diag(s / sqrt((1-alpha) s^2/m + alpha))``
    with ``Z_c = U diag(s) V^T`` and ``m`` the mean non-zero eigenvalue ``s^2``; unit
    Frobenius norm."""
    U, s, _ = np.linalg.svd(Zc, full_matrices=False)
    keep = s > max(Zc.shape) * np.finfo(np.float64).eps * s[0]
    U, s = U[:, keep], s[keep]
    lam = s**2 / np.mean(s**2)
    d = np.sqrt(lam / ((1.0 - alpha) * lam + alpha))  # singular values after whitening
    phi = U * d[None, :]
    return phi / np.linalg.norm(d)


def procrustes_similarity(
    X: xr.DataArray | np.ndarray, Y: xr.DataArray | np.ndarray, alpha: float = 1.0
) -> float:
    """Cosine of the Procrustes shape angle: ``||phi(X)^T phi(Y)||_*`` for unit-norm
    ``phi``.

    Parameters
    ----------
    X : xarray.DataArray or numpy.ndarray, shape (n_stimuli, p)
        First representation ``(stimulus, feature)``.
    Y : xarray.DataArray or numpy.ndarray, shape (n_stimuli, q)
        Second representation; DataArrays are aligned to ``X`` by ``stimulus`` label.
    alpha : float
        Whitening regularisation in [0, 1] (1: no whitening; 0: full whitening).

    Returns
    -------
    float
        In [0, 1]; 1 when ``Y`` is a translated, scaled and rotated copy of ``X``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(30, 4))
    >>> Q = np.linalg.qr(rng.normal(size=(4, 4)))[0]
    >>> round(procrustes_similarity(X, 2 * X @ Q + 5), 8)
    1.0
    """
    if not (np.isscalar(alpha) and 0.0 <= float(alpha) <= 1.0):
        raise ConfigError("alpha must lie in [0, 1]", field="alpha",
                          expected="0 <= alpha <= 1 (1: Procrustes, 0: CCA-like)",
                          found=repr(alpha))
    Xc, Yc = _paired(X, Y)
    px, py = _shape_embedding(Xc, float(alpha)), _shape_embedding(Yc, float(alpha))
    nuc = np.linalg.svd(px.T @ py, compute_uv=False).sum()
    return float(np.clip(nuc, 0.0, 1.0))


def procrustes_distance(
    X: xr.DataArray | np.ndarray, Y: xr.DataArray | np.ndarray, alpha: float = 1.0
) -> float:
    """Angular generalised shape distance of Williams et al. (2021).

    ``d = arccos(||phi(X)^T phi(Y)||_*)`` with ``phi`` the centred, partially whitened
    (``alpha``), unit-Frobenius-norm representation (see the module docstring).
    ``alpha = 1``: ``arccos`` of the nuclear norm of ``X_c^T Y_c / (||X_c||_F ||Y_c||_F)``,
    the angle left after the best rotation/reflection of ``Y`` onto ``X``.

    Parameters
    ----------
    X : xarray.DataArray or numpy.ndarray, shape (n_stimuli, p)
        First representation ``(stimulus, feature)``.
    Y : xarray.DataArray or numpy.ndarray, shape (n_stimuli, q)
        Second representation; ``p != q`` is fine (zero padding). DataArrays are aligned to
        ``X`` by ``stimulus`` label.
    alpha : float
        Whitening regularisation in [0, 1].

    Returns
    -------
    float
        Distance in radians, in [0, pi/2]; a metric (symmetric, triangle inequality).

    Raises
    ------
    SchemaError, InvalidValueError
        Bad input (wrong shape, NaN, constant representation, different stimuli).
    ConfigError
        ``alpha`` outside [0, 1].

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(30, 4))
    >>> procrustes_distance(X, 3 * X[:, ::-1] - 1) < 1e-6
    True
    >>> 0 < procrustes_distance(X, rng.normal(size=(30, 6))) <= np.pi / 2
    True
    """
    return float(np.arccos(procrustes_similarity(X, Y, alpha)))
