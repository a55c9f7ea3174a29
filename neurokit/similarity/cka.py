"""Centered kernel alignment (CKA) between two representations of the same stimuli.

CKA (Kornblith et al. 2019, *Similarity of neural network representations revisited*, ICML) is
the normalised Hilbert-Schmidt independence criterion (HSIC, Gretton et al. 2005) between the
stimulus × stimulus Gram matrices ``K`` of ``X`` and ``L`` of ``Y``::

    CKA(K, L) = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))

With the linear kernel and column-centred data this is::

    CKA = ||Y_c^T X_c||_F^2 / (||X_c^T X_c||_F ||Y_c^T Y_c||_F)

which :func:`cka` evaluates in whichever of the feature form above (``p x q`` cross products)
or the Gram form (``n x n`` matrices) costs fewer flops. The debiased variant replaces the
biased HSIC by the unbiased estimator of Song et al. (2012, JMLR 13), computed through
U-centring of the Gram matrices, as in Kornblith et al.'s debiased CKA.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity._checks import MIN_SAMPLES, align_samples, as_responses

__all__ = ["cka", "hsic"]

#: default RBF bandwidth, as a fraction of the median pairwise Euclidean distance
DEFAULT_RBF_FRACTION = 0.8


def _centred_responses(x: xr.DataArray | np.ndarray, name: str, min_samples: int
                       ) -> xr.DataArray:
    """:func:`as_responses` followed by column centring, as one pass where possible.

    A 2-D float64 ndarray whose column means are all finite holds no NaN/inf (any non-finite
    entry makes its column mean non-finite), so it is centred straight away; everything else
    goes through :func:`as_responses`, which raises its usual errors. Raises
    :class:`InvalidValueError` when every feature is constant over stimuli.
    """
    da = None
    if (isinstance(x, np.ndarray) and x.dtype == np.float64 and x.ndim == 2
            and x.shape[0] >= min_samples and x.shape[1] >= 1):
        mu = x.mean(axis=0)
        if np.isfinite(mu).all():
            da = xr.DataArray(x - mu, dims=("stimulus", "feature"),
                              coords={"stimulus": np.arange(x.shape[0])})
    if da is None:
        da = as_responses(x, name=name, min_samples=min_samples)
        values = da.values
        mu = values.mean(axis=0)
        raw = x.data if isinstance(x, xr.DataArray) else x
        if (values.flags.writeable and isinstance(raw, np.ndarray)
                and not np.shares_memory(values, raw)):
            values -= mu  # as_responses made a float64 copy: centre it in place
        else:
            da = da.copy(data=values - mu)
    centred = da.values
    n = centred.shape[0]
    # a constant column c leaves residuals of at most ~log2(n) eps |c| after centring
    # (pairwise summation): all features constant <=> total squared residual within that bound
    rounding = n * (8.0 * np.log2(n + 1) * np.finfo(np.float64).eps) ** 2 * float(mu @ mu)
    if float(np.vdot(centred, centred)) <= rounding:
        raise InvalidValueError(
            f"{name} is constant over stimuli (every feature has zero variance): "
            "the similarity is undefined", field=name,
            expected="at least one feature that varies over stimuli",
            found=f"{centred.shape[1]} constant features")
    return da


def _paired(
    X: xr.DataArray | np.ndarray, Y: xr.DataArray | np.ndarray, *, min_samples: int = MIN_SAMPLES,
    names: tuple[str, str] = ("X", "Y"),
) -> tuple[np.ndarray, np.ndarray]:
    """Both inputs checked, column-centred and aligned by stimulus label (float64 arrays).

    Raises :class:`InvalidValueError` when a representation is constant over stimuli (every
    feature with zero variance, up to the rounding of the column means).
    """
    xa = _centred_responses(X, names[0], min_samples)
    ya = _centred_responses(Y, names[1], min_samples)
    xa, ya = align_samples(xa, ya, names=names)
    return xa.values, ya.values


def _check_gram(K: np.ndarray | xr.DataArray, name: str) -> np.ndarray:
    K = np.asarray(K, dtype=np.float64)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise SchemaError(f"{name} must be a square Gram matrix", field=name,
                          expected="shape (n, n)", found=f"shape {K.shape}")
    if not np.isfinite(K).all():
        raise InvalidValueError(f"{name} holds NaN or inf", field=name,
                                expected="finite values", found="non-finite entries")
    return K


def _center_gram(K: np.ndarray) -> np.ndarray:
    """``H K H`` with ``H = I - 11^T/n`` (double centring)."""
    row = K.mean(axis=0)
    return K - row[None, :] - K.mean(axis=1)[:, None] + row.mean()


def _u_center_gram(K: np.ndarray) -> np.ndarray:
    """U-centred Gram matrix (Song et al. 2012; Szekely & Rizzo 2014), zero diagonal.

    ``K~ = K`` with zero diagonal; ``U[i, j] = K~[i, j] - r_i/(n-2) - r_j/(n-2) +
    S/((n-1)(n-2))`` for ``i != j`` (``r = K~ 1``, ``S = 1^T K~ 1``), ``U[i, i] = 0``; then
    ``<U(K), U(L)> / (n (n-3))`` is the unbiased HSIC estimator.
    """
    n = K.shape[0]
    Kt = K.copy()
    np.fill_diagonal(Kt, 0.0)
    r = Kt.sum(axis=1)
    U = Kt - r[:, None] / (n - 2) - r[None, :] / (n - 2) + r.sum() / ((n - 1) * (n - 2))
    np.fill_diagonal(U, 0.0)
    return U


def hsic(K: np.ndarray | xr.DataArray, L: np.ndarray | xr.DataArray, unbiased: bool = False
         ) -> float:
    """Hilbert-Schmidt independence criterion between two ``n x n`` Gram matrices.

    Parameters
    ----------
    K, L : array_like, shape (n, n)
        Symmetric kernel (Gram) matrices over the same ``n`` stimuli, in the same order.
    unbiased : bool
        ``False``: the biased estimator of Gretton et al. (2005),
        ``tr(K H L H) / (n-1)^2`` with ``H = I - 11^T/n``.
        ``True``: the unbiased estimator of Song et al. (2012), with ``K~``, ``L~`` the Gram
        matrices with zeroed diagonal::

            [tr(K~ L~) + (1^T K~ 1)(1^T L~ 1)/((n-1)(n-2)) - 2/(n-2) 1^T K~ L~ 1] / (n (n-3))

        computed as ``<U(K), U(L)>_F / (n (n-3))`` with U-centred matrices (needs ``n >= 4``;
        can be slightly negative).

    Returns
    -------
    float
        HSIC, in the squared units of the kernels.

    Raises
    ------
    SchemaError
        Not square, different sizes, or too few stimuli (3, or 4 when unbiased).
    InvalidValueError
        NaN or inf.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(10, 3))
    >>> K = x @ x.T
    >>> round(hsic(K, K) / hsic(K, 2 * K), 6)
    0.5
    """
    K, L = _check_gram(K, "K"), _check_gram(L, "L")
    if K.shape != L.shape:
        raise SchemaError("K and L must be over the same stimuli", field="L",
                          expected=f"shape {K.shape} like K", found=f"shape {L.shape}")
    n = K.shape[0]
    need = 4 if unbiased else MIN_SAMPLES
    if n < need:
        raise SchemaError("too few stimuli for HSIC", field="K", expected=f"n >= {need}",
                          found=f"n = {n}")
    if unbiased:
        return float(np.vdot(_u_center_gram(K), _u_center_gram(L)) / (n * (n - 3)))
    return float(np.vdot(_center_gram(K), L) / (n - 1) ** 2)


def _linear_terms(Xc: np.ndarray, Yc: np.ndarray) -> tuple[float, float, float]:
    """``tr(KL)``, ``tr(KK)``, ``tr(LL)`` for linear kernels of centred data, cheapest route.

    Gram route: ``n^2 (p + q)`` flops. Feature route: ``n p q`` for the cross product plus, for
    each self term, the cheaper of ``p x p`` (``n p^2``) and ``n x n`` (``n^2 p``) products —
    ``||X^T X||_F = ||X X^T||_F``. (NumPy runs ``Z @ Z.T`` as a symmetric rank-k update.)
    """
    n, p = Xc.shape
    q = Yc.shape[1]
    cost_gram = n * n * (p + q)
    cost_feat = n * p * q + min(n * p * p, n * n * p) + min(n * q * q, n * n * q)
    if cost_gram <= cost_feat:
        K = Xc @ Xc.T
        L = Yc @ Yc.T
        return float(np.vdot(K, L)), float(np.vdot(K, K)), float(np.vdot(L, L))
    cross = Yc.T @ Xc
    self_terms = []
    for Z in (Xc, Yc):
        G = Z.T @ Z if Z.shape[1] <= n else Z @ Z.T
        self_terms.append(float(np.vdot(G, G)))
    return float(np.vdot(cross, cross)), self_terms[0], self_terms[1]


def _rbf_gram(Zc: np.ndarray, fraction: float, name: str) -> np.ndarray:
    G = Zc @ Zc.T
    sq = np.diag(G).copy()
    D2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * G, 0.0)
    np.fill_diagonal(D2, 0.0)
    med = float(np.median(np.sqrt(D2[np.triu_indices(D2.shape[0], 1)])))
    if med <= 0.0:
        raise InvalidValueError(
            f"median pairwise distance of {name} is 0: the RBF bandwidth is undefined",
            field=name, expected="most stimuli with distinct patterns",
            found="more than half of the stimulus pairs identical")
    bandwidth2 = (fraction * med) ** 2  # absolute bandwidth: fraction x median distance
    return np.exp(-D2 / (2.0 * bandwidth2))


def cka(
    X: xr.DataArray | np.ndarray,
    Y: xr.DataArray | np.ndarray,
    kernel: Literal["linear", "rbf"] = "linear",
    debiased: bool = False,
    sigma: float | None = None,
) -> float:
    """Centered kernel alignment between two representations of the same stimuli.

    ``CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))`` (Kornblith et al. 2019), with ``K`` and
    ``L`` the stimulus Gram matrices of ``X`` and ``Y``. For the linear kernel and the biased
    HSIC this is ``||Y_c^T X_c||_F^2 / (||X_c^T X_c||_F ||Y_c^T Y_c||_F)`` (columns centred
    over stimuli; not square-rooted), computed in the feature or the Gram form, whichever is
    cheaper. Linear CKA is invariant to orthogonal transforms and isotropic scaling of either
    representation, not to general invertible linear maps.

    Parameters
    ----------
    X : xarray.DataArray or numpy.ndarray, shape (n_stimuli, n_features_x)
        First representation (e.g. a model layer), ``(stimulus, feature)``.
    Y : xarray.DataArray or numpy.ndarray, shape (n_stimuli, n_features_y)
        Second representation (e.g. neural responses, ``(stimulus, neuroid)``). DataArrays are
        aligned to ``X`` by their ``stimulus`` labels.
    kernel : {"linear", "rbf"}
        ``"rbf"``: ``k(x, x') = exp(-||x - x'||^2 / (2 s^2))`` with bandwidth ``s`` equal to
        ``sigma`` times the median Euclidean distance between distinct stimuli (pairs
        ``i < j``), computed separately for ``X`` and ``Y``. (Kornblith et al.'s reference
        code takes the median of squared distances over all ``n^2`` entries, diagonal zeros
        included, which gives a slightly smaller bandwidth.)
    debiased : bool
        Use the unbiased HSIC estimator of Song et al. (2012) (U-centred Gram matrices;
        Kornblith et al.'s "debiased CKA"). Needs at least 4 stimuli; the value can be
        slightly negative for unrelated representations, where the biased one is positive.
    sigma : float, optional
        RBF bandwidth as a fraction of the median pairwise distance; default 0.8 (the value
        of Kornblith et al. 2019). Only for ``kernel="rbf"``.

    Returns
    -------
    float
        CKA, dimensionless, in [0, 1] for the biased estimator.

    Raises
    ------
    SchemaError
        Not 2-D, too few stimuli, or different stimulus sets.
    InvalidValueError
        NaN/inf, or ``X`` or ``Y`` constant over stimuli (every feature with zero variance).
    ConfigError
        Unknown kernel, ``sigma`` not positive or given for the linear kernel.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20, 5))
    >>> round(cka(X, X), 6), round(cka(X, 3 * X + 1), 6)
    (1.0, 1.0)
    >>> 0 < cka(X, rng.normal(size=(20, 4)), kernel="rbf") < 1
    True
    """
    if kernel not in ("linear", "rbf"):
        raise ConfigError("unknown CKA kernel", field="kernel", expected="'linear' or 'rbf'",
                          found=repr(kernel))
    if kernel == "linear" and sigma is not None:
        raise ConfigError("sigma is the RBF bandwidth; the linear kernel has none",
                          field="sigma", expected="None with kernel='linear'",
                          found=repr(sigma))
    if sigma is None:
        sigma = DEFAULT_RBF_FRACTION
    if not (np.isfinite(sigma) and sigma > 0):
        raise ConfigError("the RBF bandwidth must be positive", field="sigma",
                          expected="a positive fraction of the median distance",
                          found=repr(sigma))
    Xc, Yc = _paired(X, Y, min_samples=4 if debiased else MIN_SAMPLES)
    n = Xc.shape[0]
    if kernel == "linear" and not debiased:
        kl, kk, ll = _linear_terms(Xc, Yc)
        return float(kl / np.sqrt(kk * ll))
    if kernel == "linear":
        # unbiased HSIC of centred linear kernels from tr(KL) and the diagonals alone:
        # 1^T K 1 = 0 for centred data, so 1^T K~ 1 = -sum(dK) and K~ 1 = -dK.
        kl, kk, ll = _linear_terms(Xc, Yc)
        dK = np.einsum("ij,ij->i", Xc, Xc)
        dL = np.einsum("ij,ij->i", Yc, Yc)

        def unbiased(trace: float, a: np.ndarray, b: np.ndarray) -> float:
            return (trace - a @ b + a.sum() * b.sum() / ((n - 1) * (n - 2))
                    - 2.0 * (a @ b) / (n - 2))

        num, den_x, den_y = unbiased(kl, dK, dL), unbiased(kk, dK, dK), unbiased(ll, dL, dL)
    else:
        K = _rbf_gram(Xc, sigma, "X")
        L = _rbf_gram(Yc, sigma, "Y")
        if debiased:
            Kc, Lc = _u_center_gram(K), _u_center_gram(L)
        else:
            Kc, Lc = _center_gram(K), _center_gram(L)
        num, den_x, den_y = np.vdot(Kc, Lc), np.vdot(Kc, Kc), np.vdot(Lc, Lc)
    if den_x <= 0 or den_y <= 0:
        raise InvalidValueError(
            "the unbiased HSIC of a representation with itself is not positive (too few "
            "stimuli for the debiased estimator)", field="X" if den_x <= 0 else "Y",
            expected="HSIC(K, K) > 0", found=f"{min(den_x, den_y):.3g}")
    return float(num / np.sqrt(den_x * den_y))
