"""Tangent space of SPD matrices at their Riemannian mean, the mean found by Newton's method.

The tangent-space step of the Riemannian decoders (:mod:`neurokit.decoding.riemannian`), in
place of pyRiemann's ``TangentSpace(metric="riemann")``: the same reference matrix (pyRiemann's
mean is only defined to its stopping tolerance; both agree to ~3e-10 of the matrix scale on EEG
covariances) and the same tangent vectors (to ~1e-9), the vectors computed by pyRiemann's own
tangent map, the reference found with 3 batched eigendecompositions instead of ~10.

**What is computed.** For SPD matrices ``C_i`` (``n_matrices x p x p``) with weights ``w_i``
(summing to 1), the reference ``M`` is the affine-invariant Riemannian (Karcher) mean, the
minimiser of ``sum_i w_i ||log(M^{-1/2} C_i M^{-1/2})||_F^2`` (Moakher, 2005, SIAM J. Matrix
Anal. Appl. 26(3); Fletcher et al., 2004, IEEE TMI 23(8)), characterised by a vanishing
Riemannian gradient

    J(M) = sum_i w_i log(M^{-1/2} C_i M^{-1/2}) = 0.

Each matrix maps to ``upper(log(M^{-1/2} C M^{-1/2}))``: the upper triangle (row-major, as
:func:`numpy.triu_indices`) with off-diagonal entries weighted by ``sqrt(2)``, so that the
Euclidean norm of the vector is the Frobenius norm of the matrix logarithm (Barachant et al.,
2012, Neurocomputing 112; Tuzel et al., 2008, IEEE TPAMI 30(10)) — pyRiemann's
:func:`pyriemann.geometry.tangentspace.tangent_space`, which computes every map here.

**Why not pyRiemann's mean as is.** :func:`pyriemann.geometry.mean.mean_riemann` starts from the
Euclidean mean and takes gradient steps ``M <- M^{1/2} exp(nu J) M^{1/2}`` (``nu`` from 1, x0.95
per step) until ``||J||_F <= 1e-8``, and returns the point after that last step. Each step costs
one batched eigendecomposition of all whitened matrices ``M^{-1/2} C_i M^{-1/2}``, and the
convergence is linear (``||J||`` x ~0.05 per step on EEG covariances), so 8-11 steps whatever
the start: a log-Euclidean start (itself one eigendecomposition) saves two. Once the
covariances are vectorised (:mod:`neurokit.decoding.covariance`), that mean is most of a
covariance + tangent-space fit.

**Newton's method.** The eigendecompositions ``M^{-1/2} C_i M^{-1/2} = V_i diag(l_i) V_i^T``
that give ``J`` also give the Hessian of the Karcher cost in closed form. Writing the update as
``M' = M^{1/2} exp(S) M^{1/2}`` (``S`` symmetric, in the frame whitened by ``M``), the
Daleckii-Krein formula for the derivative of the matrix logarithm gives

    J(M') = J(M) - H(S) + O(||S||^2),   H(S) = sum_i w_i V_i ((V_i^T S V_i) o K_i) V_i^T,
    K_i[j, k] = (l_ij + l_ik) / 2 * (log l_ij - log l_ik) / (l_ij - l_ik) = y / tanh(y),

with ``y = log(l_ij / l_ik) / 2`` (``K = 1`` on ties; ``o``: elementwise product): a symmetric
positive-definite operator (``K >= 1``) close to the identity (``K = 1 + y^2 / 3 + ...``).
pyRiemann's step is ``S = J``, ``H`` replaced by the identity, hence its linear rate. Newton's
step solves ``H(S) = J`` by conjugate gradients (products of batched matrices, no further
eigendecomposition; the small ``K - 1`` part in float32, whose rounding is ~1e-8 of ``S``) and
converges quadratically: on 64-channel EEG covariances ``||J||`` goes 0.8 -> 7e-5 -> 1e-11 in
two steps from the Euclidean mean. ``K`` only sets the speed of convergence, never the point
converged to (``J = 0``). A step is the last when ``c ||J||^2 <= tol`` with ``c`` 10x the last
observed ratio ``||J_new|| / ||J_old||^2`` and at least 1e-2 (measured 3e-4 to 1.5e-2 near the
mean, the larger for dispersed matrices, e.g. 8 channels from 10 samples).

**Acceptance, with pyRiemann's functions.** The Newton point is accepted as the reference when
the gradient norm there, computed from pyRiemann's tangent vectors of all matrices
(``||sum_i w_i t_i||_2 = ||J||_F`` thanks to the ``sqrt(2)`` weighting), is at most ``tol``
(default ``1e-9``; pyRiemann's own returned means have ``||J||`` ~2e-10 to 3e-9); those tangent
vectors are what :meth:`TangentSpace.fit_transform` returns, so the check is free there.
Otherwise (matrices so ill-conditioned that rounding keeps ``||J||`` above ``tol``, or a Newton
step that did not decrease ``||J||``) the reference is
``pyriemann.geometry.mean.mean_riemann(C, init=<best Newton point>)``: pyRiemann's mean,
started close to its fixed point.

**Cost.** Batched ``p x p`` eigendecompositions of all matrices dominate: pyRiemann's
``TangentSpace`` ``fit`` 8-11, ``fit_transform`` one more; here ``fit`` and ``fit_transform``
3 (two Newton steps and the accepting tangent map; 4 for very dispersed matrices), plus
conjugate-gradient products worth ~1 more; ``transform`` 1 on both sides. At least two are
needed by any method that verifies its answer (one close to the mean for the final step, one at
the accepted point), which bounds the speed-up of the tangent-space fit near 3x. NumPy's batched
``eigh`` (LAPACK ``syevd``) is used: on one thread, scipy's per-matrix drivers were 1.2-1.6x
slower and torch's batched ``eigh`` 1.2-1.5x faster (float64) at 22-64 channels, not worth a
torch dependency; NumPy's float32 ``eigh`` was not faster.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurokit._optional import soft_import
from neurokit.errors import ConfigError, InvalidValueError, SchemaError

_skbase = soft_import("sklearn.base", "the scikit-learn face of the tangent space")
_pyr = soft_import("pyriemann", "the Riemannian geometry of the tangent space")

from pyriemann.geometry.mean import gmean, mean_riemann  # noqa: E402
from pyriemann.geometry.tangentspace import tangent_space, untangent_space  # noqa: E402

__all__ = ["TangentSpace", "riemannian_mean"]

#: Newton steps at most before handing over to pyRiemann's mean
_MAX_NEWTON = 6
#: conjugate-gradient iterations at most per Newton step
_MAX_CG = 50
#: smallest constant assumed in the quadratic convergence ||J_next|| <= c ||J||^2
_QUAD_MIN = 1e-2


# --------------------------------------------------------------------------------------------
# Newton's method for the Riemannian mean
# --------------------------------------------------------------------------------------------


def _sym_fn(M: np.ndarray, fn: Any) -> np.ndarray:
    """``fn`` applied to the eigenvalues of one symmetric matrix."""
    ev, U = np.linalg.eigh(M)
    return (U * fn(ev)) @ U.T


def _daleckii_krein_excess(log_lam: np.ndarray) -> np.ndarray:
    """``K - 1`` with ``K[j, k] = (l_j + l_k) / 2 * (log l_j - log l_k) / (l_j - l_k)``.

    With ``y = (log l_j - log l_k) / 2``, ``(l_j + l_k) / (l_j - l_k) = coth(y)``, so
    ``K = y / tanh(y)`` (1 at ``y = 0``): no cancellation between close eigenvalues.
    """
    y = log_lam[:, :, None] - log_lam[:, None, :]
    y *= 0.5
    t = np.tanh(y)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(y, t, out=y)  # NaN where y = 0
    y -= 1.0
    y[t == 0] = 0.0
    return y


def _newton_start(C: np.ndarray, w: np.ndarray, tol: float) -> tuple[np.ndarray, bool]:
    """Newton iterations for the Riemannian mean from the weighted Euclidean mean.

    Returns the last point and whether it is expected to be converged (the step into it was
    predicted to land below ``tol / 10``); False means: hand it to pyRiemann's mean as a start.

    Raises :class:`InvalidValueError` naming the first matrix that is not positive definite
    (congruence preserves the signs of eigenvalues, so the whitened eigenvalues tell).
    """
    M = np.tensordot(w, C, axes=1)  # pyRiemann's default start
    prev: tuple[np.ndarray, float] | None = None
    quad = None  # estimate of c in ||J_next|| ~ c ||J||^2
    w32 = w.astype(np.float32)
    for step in range(_MAX_NEWTON):
        ev, U = np.linalg.eigh(M)
        if not ev[0] > 0:  # pragma: no cover - a mean of SPD matrices is SPD
            return (M, False) if prev is None else (prev[0], False)
        R = (U * np.sqrt(ev)) @ U.T
        Rinv = (U / np.sqrt(ev)) @ U.T
        lam, V = np.linalg.eigh(Rinv @ C @ Rinv)
        if step == 0 and not np.all(lam[:, 0] > 0):
            bad = int(np.flatnonzero(~(lam[:, 0] > 0))[0])
            raise InvalidValueError(
                f"matrix {bad} is not positive definite (no matrix logarithm)",
                field="X", expected="SPD matrices (regularise the covariance estimator)",
                found=f"smallest eigenvalue {float(np.linalg.eigvalsh(C[bad])[0]):.3g}",
            )
        log_lam = np.log(lam)
        Vt = V.transpose(0, 2, 1)
        J = np.tensordot(w, (V * log_lam[:, None, :]) @ Vt, axes=1)
        J = 0.5 * (J + J.T)
        crit = float(np.linalg.norm(J))
        if crit <= 0.1 * tol:
            return M, True
        if prev is not None:
            if not crit < prev[1]:
                return prev[0], False  # no decrease: pyRiemann goes on from the better point
            quad = crit / prev[1] ** 2
        # the last step if it is predicted to land below tol: ||J'|| ~ c ||J||^2, with c taken
        # as 10x the last observed ratio and at least 1e-2 (measured: c ~ 1e-4 for the first
        # step from far, 3e-4 to 1.5e-2 close to the mean, the larger for dispersed matrices)
        last = quad is not None and max(10.0 * quad, _QUAD_MIN) * crit**2 <= tol
        # H(S) = S + sum_i w_i V_i ((V_i^T S V_i) o (K_i - 1)) V_i^T; the correction (a few %
        # of S) in float32: its rounding (~1e-8 of S) is far below what the step needs
        E = _daleckii_krein_excess(log_lam).astype(np.float32)
        V32 = V.astype(np.float32)
        Vt32 = V32.transpose(0, 2, 1)

        def hess(S: np.ndarray, V32: np.ndarray = V32, Vt32: np.ndarray = Vt32,
                 E: np.ndarray = E) -> np.ndarray:
            S32 = S.astype(np.float32)
            corr = np.tensordot(w32, V32 @ ((Vt32 @ S32 @ V32) * E) @ Vt32, axes=1)
            out = S + corr.astype(np.float64)
            return 0.5 * (out + out.T)

        # conjugate gradients on H(S) = J from S = 0, to a residual below what the step needs
        target = 0.05 * tol if last else max(0.05 * tol, 1e-4 * crit**2)
        S = np.zeros_like(J)
        r, p = J.copy(), J.copy()
        rr = float(np.vdot(r, r))
        for _ in range(_MAX_CG):
            Hp = hess(p)
            a = rr / float(np.vdot(p, Hp))
            S += a * p
            r -= a * Hp
            rr_new = float(np.vdot(r, r))
            if np.sqrt(rr_new) <= target:
                break
            p = r + (rr_new / rr) * p
            rr = rr_new
        prev = (M, crit)
        M = R @ _sym_fn(0.5 * (S + S.T), np.exp) @ R
        M = 0.5 * (M + M.T)
        if last:
            return M, True
    return M, False


def _weights(sample_weight: Any, n: int) -> np.ndarray:
    if sample_weight is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
        raise InvalidValueError("sample_weight must be one non-negative weight per matrix",
                                field="sample_weight", expected=f"shape ({n},), >= 0, sum > 0",
                                found=f"shape {w.shape}")
    return w / w.sum()


def _check_spd_stack(X: Any, name: str = "X") -> np.ndarray:
    C = np.asarray(X)
    if C.ndim != 3 or C.shape[1] != C.shape[2] or C.shape[0] < 1:
        raise SchemaError(f"{name} must be a stack of square matrices", field=name,
                          expected="shape (n_matrices, p, p)", found=f"shape {C.shape}")
    if C.dtype.kind not in "biuf":
        raise SchemaError(f"{name} must hold real numbers", field=name,
                          expected="a real floating dtype", found=f"dtype {C.dtype}")
    C = np.ascontiguousarray(C, dtype=np.float64)
    if not np.all(np.isfinite(C)):
        bad = int(np.flatnonzero(~np.isfinite(C).all(axis=(1, 2)))[0])
        raise InvalidValueError(f"matrix {bad} has NaN or infinite entries", field=name,
                                expected="finite SPD matrices", found="NaN/inf")
    return C


def _riemann_reference(C: np.ndarray, w: np.ndarray, tol: float, *, vectors: bool
                       ) -> tuple[np.ndarray, np.ndarray | None, float, str]:
    """Reference matrix, tangent vectors there (or None), gradient norm (NaN if not
    evaluated), and which path gave the reference ("newton" or "pyriemann")."""
    M, expect = _newton_start(C, w, tol)
    if expect:
        T = tangent_space(C, M, metric="riemann")
        crit = float(np.linalg.norm(w @ T))
        if crit <= tol:
            return M, T, crit, "newton"
    M = mean_riemann(C, init=M, sample_weight=w)
    if not vectors:
        return M, None, float("nan"), "pyriemann"
    T = tangent_space(C, M, metric="riemann")
    return M, T, float(np.linalg.norm(w @ T)), "pyriemann"


def riemannian_mean(X: np.ndarray, sample_weight: Any = None, *, tol: float = 1e-9
                    ) -> np.ndarray:
    """Affine-invariant Riemannian (Karcher) mean of SPD matrices, by Newton's method.

    The matrix ``M`` with ``||sum_i w_i log(M^{-1/2} X_i M^{-1/2})||_F <= tol``: the mean of
    :func:`pyriemann.geometry.mean.mean_riemann` (which stops at ``1e-8``), found in 3 batched
    eigendecompositions instead of 8-11 (two Newton steps, one check by pyRiemann's tangent
    map); see the module docstring for the method and for the fallback to pyRiemann's
    iteration.

    Parameters
    ----------
    X : numpy.ndarray, shape (n_matrices, p, p)
        SPD matrices (e.g. covariances, in any unit; the mean has the same unit).
    sample_weight : array-like, shape (n_matrices,), optional
        Non-negative weights (normalised to sum 1); default equal.
    tol : float, default 1e-9
        Largest accepted Frobenius norm of the Riemannian gradient (dimensionless).

    Returns
    -------
    numpy.ndarray, shape (p, p)

    Raises
    ------
    neurokit.errors.SchemaError
        ``X`` is not a stack of square matrices.
    neurokit.errors.InvalidValueError
        NaN/inf entries, or a matrix that is not positive definite (named by index).

    Examples
    --------
    >>> from pyriemann.geometry.mean import mean_riemann
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(20, 4, 40))
    >>> C = A @ A.transpose(0, 2, 1) / 40
    >>> bool(np.allclose(riemannian_mean(C), mean_riemann(C), rtol=1e-8))
    True
    """
    C = _check_spd_stack(X)
    w = _weights(sample_weight, C.shape[0])
    M, _, _, _ = _riemann_reference(C, w, float(tol), vectors=False)
    return M


# --------------------------------------------------------------------------------------------
# scikit-learn transformer
# --------------------------------------------------------------------------------------------


def _metrics(metric: Any) -> tuple[str, str]:
    if isinstance(metric, str):
        return metric, metric
    if isinstance(metric, dict) and "mean" in metric and "map" in metric:
        return metric["mean"], metric["map"]
    raise ConfigError("metric must be a pyRiemann metric name or a dict with keys 'mean' and "
                      "'map'", field="metric", expected="e.g. 'riemann'", found=repr(metric))


class TangentSpace(_skbase.TransformerMixin, _skbase.BaseEstimator):
    """SPD matrices -> tangent vectors at their Riemannian mean (pyRiemann's map, fast mean).

    A drop-in for ``pyriemann.tangentspace.TangentSpace(metric)`` (without ``tsupdate``):
    ``fit`` sets ``reference_`` to the mean of the training matrices, ``transform`` returns
    ``tangent_space(X, reference_, metric)`` (pyRiemann's function): for ``metric="riemann"``
    the vectors ``upper(log(reference_^{-1/2} C reference_^{-1/2}))``, ``p (p + 1) / 2``
    entries, off-diagonal ones weighted by ``sqrt(2)``. With the ``"riemann"`` mean, the
    reference is found by Newton's method and accepted when the Riemannian gradient norm there
    is at most ``tol`` (pyRiemann's mean stops at ``1e-8``), otherwise refined by pyRiemann's
    ``mean_riemann`` (module docstring); other metrics call pyRiemann's ``gmean`` directly.
    Same reference (to ~1e-9 of its scale, pyRiemann's own accuracy) and tangent vectors (to
    ~1e-9) as pyRiemann's class, with 3 batched eigendecompositions for ``fit`` or
    ``fit_transform`` instead of 8-11 (2-3x faster at 22-64 channels).

    Parameters
    ----------
    metric : str or dict, default "riemann"
        pyRiemann metric of the mean and of the map (``"riemann"``, ``"logeuclid"``,
        ``"euclid"``...), or ``{"mean": ..., "map": ...}``.
    tol : float, default 1e-9
        Accepted Frobenius norm of the Riemannian gradient at the Newton point (``"riemann"``
        mean only; dimensionless).

    Attributes
    ----------
    reference_ : numpy.ndarray, shape (p, p)
        Reference (mean) matrix, in the unit of the input matrices.
    gradient_norm_ : float
        ``||sum_i w_i log(reference_^{-1/2} C_i reference_^{-1/2})||_F`` over the training
        matrices (NaN when not evaluated: other metrics, or ``fit`` after the pyRiemann
        fallback).
    mean_path_ : str
        ``"newton"`` (Newton point accepted), ``"pyriemann"`` (pyRiemann's ``mean_riemann``
        from the Newton point) or ``"gmean"`` (another metric).
    n_channels_ : int
        ``p``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(30, 3, 60))
    >>> C = A @ A.transpose(0, 2, 1) / 60
    >>> ts = TangentSpace()
    >>> T = ts.fit_transform(C)
    >>> T.shape, ts.mean_path_
    ((30, 6), 'newton')
    >>> bool(np.allclose(T, ts.transform(C), atol=1e-12))
    True
    """

    def __init__(self, metric: str | dict = "riemann", tol: float = 1e-9) -> None:
        self.metric = metric
        self.tol = tol

    def _fit(self, X: Any, sample_weight: Any, vectors: bool) -> np.ndarray | None:
        mean_metric, map_metric = _metrics(self.metric)
        if not (np.isfinite(self.tol) and self.tol > 0):
            raise ConfigError("tol must be a positive number", field="tol",
                              expected="a float > 0", found=repr(self.tol))
        C = _check_spd_stack(X)
        w = _weights(sample_weight, C.shape[0])
        self.n_channels_ = C.shape[1]
        if mean_metric == "riemann":
            M, T, crit, path = _riemann_reference(C, w, float(self.tol),
                                                  vectors=vectors and map_metric == "riemann")
            if map_metric != "riemann":
                T = None
        else:
            M, T, crit, path = gmean(C, metric=mean_metric, sample_weight=w), None, np.nan, "gmean"
        self.reference_ = M
        self.gradient_norm_ = crit
        self.mean_path_ = path
        if vectors and T is None:
            T = tangent_space(C, M, metric=map_metric)
        return T

    def fit(self, X: np.ndarray, y: Any = None, sample_weight: Any = None) -> TangentSpace:
        """Estimate the reference matrix.

        Parameters
        ----------
        X : numpy.ndarray, shape (n_matrices, p, p)
            SPD matrices.
        y : ignored
        sample_weight : array-like, shape (n_matrices,), optional
            Weights of the mean (normalised); default equal.

        Returns
        -------
        self
        """
        self._fit(X, sample_weight, vectors=False)
        return self

    def fit_transform(self, X: np.ndarray, y: Any = None, sample_weight: Any = None,
                      **fit_params: Any) -> np.ndarray:
        """``fit(X).transform(X)``, reusing the tangent vectors of the acceptance check.

        Returns
        -------
        numpy.ndarray, shape (n_matrices, p (p + 1) / 2)
        """
        return self._fit(X, sample_weight, vectors=True)

    def _checked(self, X: Any, n: int) -> np.ndarray:
        if not hasattr(self, "reference_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this TangentSpace is not fitted yet; call fit first")
        C = _check_spd_stack(X)
        if C.shape[1] != n:
            raise SchemaError("matrices differ in size from the training matrices", field="X",
                              expected=f"({n}, {n}) matrices", found=f"{C.shape[1:]}")
        return C

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Tangent vectors at ``reference_``.

        Parameters
        ----------
        X : numpy.ndarray, shape (n_matrices, p, p)

        Returns
        -------
        numpy.ndarray, shape (n_matrices, p (p + 1) / 2)
        """
        C = self._checked(X, getattr(self, "n_channels_", -1))
        return tangent_space(C, self.reference_, metric=_metrics(self.metric)[1])

    def inverse_transform(self, T: np.ndarray) -> np.ndarray:
        """Matrices of tangent vectors (pyRiemann's ``untangent_space`` at ``reference_``).

        Parameters
        ----------
        T : numpy.ndarray, shape (n_matrices, p (p + 1) / 2)

        Returns
        -------
        numpy.ndarray, shape (n_matrices, p, p)
        """
        if not hasattr(self, "reference_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this TangentSpace is not fitted yet; call fit first")
        T = np.asarray(T, dtype=np.float64)
        p = self.n_channels_
        if T.ndim != 2 or T.shape[1] != p * (p + 1) // 2:
            raise SchemaError("tangent vectors of another size than the reference's",
                              field="T", expected=f"shape (n, {p * (p + 1) // 2})",
                              found=f"shape {T.shape}")
        return untangent_space(T, self.reference_, metric=_metrics(self.metric)[1])
