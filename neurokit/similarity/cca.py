"""Canonical correlation analysis (CCA) based similarity: SVCCA and PWCCA.

Canonical correlations between two column-centred representations ``X_c`` (n x p) and ``Y_c``
(n x q) are the cosines of the principal angles between their column spaces: with orthonormal
bases ``Q_x``, ``Q_y`` (thin SVD), they are the singular values of ``Q_x^T Q_y``
(Bjorck & Golub 1973). This route never forms or inverts a covariance matrix, so it stays
accurate when the representations are ill-conditioned.

Regularisation: directions whose singular value is below ``rtol`` times the largest one are
dropped before CCA (rank truncation, i.e. a pseudo-inverse of the covariance; the default
``rtol`` is NumPy's ``matrix_rank`` tolerance ``max(n, p) * eps``). No ridge term is added.

Degenerate case: centred data live in an ``(n - 1)``-dimensional space, so when
``rank(X) + rank(Y) > n - 1`` at least ``rank(X) + rank(Y) - (n - 1)`` canonical correlations
are 1 whatever the data; these functions raise :class:`~neurokit.errors.InvalidValueError`
then (reduce the dimensions with ``n_components``/``variance`` or use more stimuli).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError
from neurokit.similarity.cka import _paired

__all__ = ["cca_correlations", "svcca", "pwcca"]


def _svd(Zc: np.ndarray, rtol: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thin SVD of ``Zc`` keeping the singular values above ``rtol * s_max``."""
    U, s, Vt = np.linalg.svd(Zc, full_matrices=False)
    tol = (max(Zc.shape) * np.finfo(np.float64).eps) if rtol is None else rtol
    keep = s > tol * s[0]
    return U[:, keep], s[keep], Vt[keep]


def _n_kept(s: np.ndarray, n_components: int | None, variance: float | None, name: str) -> int:
    """How many leading SVD directions to keep: ``n_components``, else the fewest explaining
    at least ``variance`` of the variance, else all (non-degenerate) ones."""
    if n_components is not None:
        if isinstance(n_components, (bool, np.bool_)) or not isinstance(
                n_components, (int, np.integer)) or n_components < 1:
            raise ConfigError("n_components must be a positive integer", field="n_components",
                              expected="int >= 1", found=repr(n_components))
        if n_components > s.size:
            raise ConfigError(f"{name} has fewer non-degenerate directions than n_components",
                              field="n_components", expected=f"at most {s.size} for {name}",
                              found=str(n_components))
        return int(n_components)
    if variance is None:
        return s.size
    if not (0 < variance <= 1):
        raise ConfigError("variance is a fraction of the total variance", field="variance",
                          expected="0 < variance <= 1", found=repr(variance))
    frac = np.cumsum(s**2) / np.sum(s**2)
    return int(min(np.searchsorted(frac, variance - 1e-12) + 1, s.size))


def _split(n_components: int | tuple[int, int] | None) -> tuple[int | None, int | None]:
    if isinstance(n_components, tuple):
        if len(n_components) != 2:
            raise ConfigError("n_components tuple must be (for X, for Y)",
                              field="n_components", expected="int or (int, int)",
                              found=repr(n_components))
        return n_components
    return n_components, n_components


def _cca(
    X, Y, *, n_components=None, variance=None, rtol=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    """Canonical correlations (descending) and the data needed for projection weights."""
    Xc, Yc = _paired(X, Y)
    n = Xc.shape[0]
    kx, ky = _split(n_components)
    reduced = []
    for name, Zc, k in (("X", Xc, kx), ("Y", Yc, ky)):
        U, s, Vt = _svd(Zc, rtol)
        m = _n_kept(s, k, variance, name)
        reduced.append((U[:, :m], s[:m], Vt[:m]))
    (Ux, sx, Vxt), (Uy, sy, Vyt) = reduced
    rx, ry = sx.size, sy.size
    if rx + ry > n - 1:
        raise InvalidValueError(
            "CCA is degenerate: the two representations span more dimensions than the "
            "centred stimuli allow, so some canonical correlations are 1 by construction",
            field="n_components", expected=f"dims(X) + dims(Y) <= n_stimuli - 1 = {n - 1} "
            "(reduce with n_components/variance, or use more stimuli)",
            found=f"dims(X) = {rx}, dims(Y) = {ry}")
    A, rho, Bt = np.linalg.svd(Ux.T @ Uy, full_matrices=False)
    rho = np.clip(rho, 0.0, 1.0)
    return rho, A, Bt.T, ((sx, Vxt), (sy, Vyt))


def cca_correlations(
    X: xr.DataArray | np.ndarray, Y: xr.DataArray | np.ndarray, *, rtol: float | None = None
) -> np.ndarray:
    """Canonical correlations between two representations of the same stimuli.

    The singular values of ``Q_x^T Q_y``, with ``Q_x``, ``Q_y`` orthonormal bases of the
    column-centred ``X`` and ``Y`` (equivalently the square roots of the eigenvalues of
    ``S_xx^-1 S_xy S_yy^-1 S_yx``).

    Parameters
    ----------
    X : xarray.DataArray or numpy.ndarray, shape (n_stimuli, p)
        First representation ``(stimulus, feature)``.
    Y : xarray.DataArray or numpy.ndarray, shape (n_stimuli, q)
        Second representation; DataArrays are aligned to ``X`` by ``stimulus`` label.
    rtol : float, optional
        Directions with singular value below ``rtol`` times the largest are dropped (default
        ``max(n, p) * eps``).

    Returns
    -------
    numpy.ndarray, shape (min(rank X, rank Y),)
        Canonical correlations in [0, 1], descending.

    Raises
    ------
    SchemaError, InvalidValueError
        Bad input (see :func:`cka`), or the degenerate case ``rank X + rank Y > n - 1``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3))
    >>> Y = np.c_[X[:, :1] @ [[2.0, -1.0]], rng.normal(size=(50, 1))]
    >>> cca_correlations(X, Y).round(6).tolist()[0]
    1.0
    """
    return _cca(X, Y, rtol=rtol)[0]


def svcca(
    X: xr.DataArray | np.ndarray,
    Y: xr.DataArray | np.ndarray,
    n_components: int | tuple[int, int] | None = None,
    variance: float = 0.99,
) -> float:
    """Singular vector CCA similarity (Raghu et al. 2017): mean canonical correlation.

    Each column-centred representation is reduced by SVD to its leading directions — the first
    ``n_components`` if given, else the fewest explaining at least ``variance`` of its total
    variance (sum of squared singular values) — then CCA is run between the reduced sets and
    the canonical correlations are averaged (unweighted mean over ``min(k_x, k_y)``
    correlations). Invariant to orthogonal transforms and isotropic scaling of either
    representation; invariant to any invertible linear map when all directions are kept.

    Parameters
    ----------
    X : xarray.DataArray or numpy.ndarray, shape (n_stimuli, p)
        First representation ``(stimulus, feature)``.
    Y : xarray.DataArray or numpy.ndarray, shape (n_stimuli, q)
        Second representation; DataArrays are aligned to ``X`` by ``stimulus`` label.
    n_components : int or (int, int), optional
        Directions kept for X and Y (one int for both); overrides ``variance``.
    variance : float
        Fraction of variance the kept directions explain, in (0, 1]; 1 keeps all
        non-degenerate directions.

    Returns
    -------
    float
        Mean canonical correlation, in [0, 1].

    Raises
    ------
    SchemaError, InvalidValueError
        Bad input, or kept dims ``k_x + k_y > n - 1`` (degenerate CCA: lower
        ``n_components``).
    ConfigError
        ``n_components`` larger than a representation's rank, or ``variance`` outside (0, 1].

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 4))
    >>> round(svcca(X, 2 * X @ np.linalg.qr(rng.normal(size=(4, 4)))[0]), 6)
    1.0
    """
    rho = _cca(X, Y, n_components=n_components, variance=variance)[0]
    return float(rho.mean())


def pwcca(
    X: xr.DataArray | np.ndarray,
    Y: xr.DataArray | np.ndarray,
    *,
    n_components: int | tuple[int, int] | None = None,
    variance: float | None = None,
    rtol: float | None = None,
) -> float:
    """Projection-weighted CCA similarity (Morcos et al. 2018).

    ``PWCCA = sum_i a_i rho_i`` with canonical correlations ``rho_i`` and weights
    ``a_i ∝ sum_j |<h_i, z_j>|`` (normalised to sum 1), where ``h_i`` are the unit-norm
    canonical variates and ``z_j`` the centred features (neurons) of the representation with
    fewer non-degenerate directions (``X`` on a tie), as in the authors' reference code. A
    canonical direction that accounts for much of the representation's activity weighs more.
    Because the weights sum absolute projections over that representation's neurons, PWCCA is
    invariant to isotropic scaling of both representations and to orthogonal transforms of
    the other one, but not to rotations of the weighting representation's neuron basis.

    Parameters
    ----------
    X : xarray.DataArray or numpy.ndarray, shape (n_stimuli, p)
        First representation ``(stimulus, feature)``.
    Y : xarray.DataArray or numpy.ndarray, shape (n_stimuli, q)
        Second representation; DataArrays are aligned to ``X`` by ``stimulus`` label.
    n_components, variance : optional
        Optional SVD pre-reduction as in :func:`svcca` (default: none, all non-degenerate
        directions). Weights always use the original features.
    rtol : float, optional
        Rank tolerance (see :func:`cca_correlations`).

    Returns
    -------
    float
        Weighted mean canonical correlation, in [0, 1].

    Raises
    ------
    SchemaError, InvalidValueError, ConfigError
        As :func:`svcca`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 4))
    >>> round(pwcca(X, X @ rng.normal(size=(4, 4))), 6)
    1.0
    """
    rho, A, B, ((sx, Vxt), (sy, Vyt)) = _cca(X, Y, n_components=n_components,
                                             variance=variance, rtol=rtol)
    k = rho.size
    # canonical variates h = Q W (W: singular vectors of Q_x^T Q_y); with Z_c = Q S V^T,
    # h^T Z_c = W^T S V^T, so no n x k product is needed.
    W, s, Vt = (A[:, :k], sx, Vxt) if sx.size <= sy.size else (B[:, :k], sy, Vyt)
    weights = np.abs((W.T * s[None, :]) @ Vt).sum(axis=1)
    weights = weights / weights.sum()
    return float(np.clip(weights @ rho, 0.0, 1.0))
