r"""Gaussian-process factor analysis (GPFA; Yu, Cunningham, Santhanam, Ryu, Shenoy & Sahani,
J. Neurophysiol. 2009), fitted by EM with the exact GP posterior.

Model, per trial of ``T`` bins, ``q`` latents and ``p`` units:

.. math::

    x_{j,:} \sim \mathcal N(0, K_j), \quad
    K_j(t, t') = (1 - \epsilon_j)\, e^{-\gamma_j (t - t')^2 / 2} + \epsilon_j\, \delta_{tt'},
    \qquad y_t \mid x_t \sim \mathcal N(C x_t + d,\; R),

with ``R`` diagonal, ``gamma_j = (bin_size / tau_j)^2`` (``tau_j`` the GP timescale) and the GP
noise ``eps_j`` fixed. EM:

* **E-step** (exact): stacking a trial's latents latent-major, ``x = vec(x_{1,:}, ..., x_{q,:})``,
  the posterior is Gaussian with precision ``M = blockdiag(K_j^{-1}) + (C^T R^{-1} C) \otimes I_T``
  and mean ``M^{-1} ((C^T R^{-1}) \otimes I_T) vec(y - d)``; the data log-likelihood follows from
  the matrix determinant lemma, ``log|C K C^T + R| = log|R| + log|K| + log|M|``.
* **M-step**: ``[C d]`` by least squares on the posterior moments, ``R`` the diagonal of the
  expected residual covariance (floored at ``min_var_frac`` times each unit's variance), and
  each ``gamma_j`` by L-BFGS on the expected GP log-density
  ``sum_trials -log|K_j|/2 - tr(K_j^{-1} E[x_j x_j^T])/2`` (in ``log gamma``).

Latents are reported orthonormalised (Yu et al.): with ``C = U S V^T``, ``x_orth = S V^T x``,
ordered by the variance they explain. Counts are square-rooted first by default (as in the paper
and in elephant). The implementation is independent of elephant's and is checked against
``elephant.gpfa`` numerically in the tests (same initialisation -> same log-likelihoods,
parameters and latents).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr
from scipy import linalg, optimize
from sklearn.base import BaseEstimator, TransformerMixin

from neurokit.errors import ConfigError, InvalidValueError, SchemaError

__all__ = ["GPFA", "gpfa_e_step"]


def _se_cov(gamma: float, eps: float, n_time: int) -> np.ndarray:
    dt = np.arange(n_time, dtype=np.float64)
    diff2 = (dt[:, None] - dt[None, :]) ** 2
    return (1.0 - eps) * np.exp(-0.5 * gamma * diff2) + eps * np.eye(n_time)


def gpfa_e_step(y: np.ndarray, C: np.ndarray, d: np.ndarray, R: np.ndarray, gamma: np.ndarray,
                eps: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    r"""Exact GPFA posterior of trials of equal length, and their data log-likelihood.

    Parameters
    ----------
    y : numpy.ndarray, shape (n_trials, T, p)
        Observations (e.g. square-rooted counts).
    C : numpy.ndarray, shape (p, q)
        Loadings.
    d : numpy.ndarray, shape (p,)
        Offsets.
    R : numpy.ndarray, shape (p,)
        Diagonal observation noise variances.
    gamma, eps : numpy.ndarray, shape (q,)
        GP parameters: ``K_j(t, t') = (1 - eps_j) exp(-gamma_j (t - t')^2 / 2) + eps_j [t = t']``
        with ``t`` in bins.

    Returns
    -------
    mean : numpy.ndarray, shape (n_trials, T, q)
        Posterior means.
    cov : numpy.ndarray, shape (q T, q T)
        Posterior covariance (the same for all trials of a length), latent-major.
    loglik : float
        Total data log-likelihood ``sum_trials log N(vec y; vec d, C K C^T + R)`` (nats).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=(2, 5, 4))
    >>> mean, cov, ll = gpfa_e_step(y, rng.normal(size=(4, 2)), np.zeros(4), np.ones(4),
    ...                             np.array([0.5, 0.1]), np.array([1e-3, 1e-3]))
    >>> mean.shape, cov.shape, bool(np.isfinite(ll))
    ((2, 5, 2), (10, 10), True)
    """
    n_trials, n_time, p = y.shape
    q = C.shape[1]
    rinv = 1.0 / R
    c_rinv = C.T * rinv  # (q, p)
    crc = c_rinv @ C  # (q, q)
    kinv = np.zeros((q * n_time, q * n_time))
    logdet_k = 0.0
    for j in range(q):
        k = _se_cov(float(gamma[j]), float(eps[j]), n_time)
        chol = linalg.cho_factor(k, lower=True)
        sl = slice(j * n_time, (j + 1) * n_time)
        kinv[sl, sl] = linalg.cho_solve(chol, np.eye(n_time))
        logdet_k += 2.0 * np.log(np.diag(chol[0])).sum()
    M = kinv + np.kron(crc, np.eye(n_time))
    M = 0.5 * (M + M.T)
    chol_m = linalg.cho_factor(M, lower=True)
    logdet_m = 2.0 * np.log(np.diag(chol_m[0])).sum()
    cov = linalg.cho_solve(chol_m, np.eye(q * n_time))
    resid = y - d  # (n, T, p)
    proj = np.einsum("qp,ntp->nqt", c_rinv, resid).reshape(n_trials, q * n_time)  # latent-major
    mean_vec = linalg.cho_solve(chol_m, proj.T).T  # (n, qT)
    mean = mean_vec.reshape(n_trials, q, n_time).transpose(0, 2, 1)
    logdet_r = np.log(R).sum()
    quad = (resid ** 2 * rinv).sum() - (proj * mean_vec).sum()
    ll = -0.5 * (n_trials * (n_time * logdet_r + logdet_k + logdet_m
                             + n_time * p * math.log(2 * math.pi)) + quad)
    return mean, cov, float(ll)


def _gamma_objective(log_gamma: np.ndarray, eps: float, stats: list[tuple[int, int, np.ndarray]]
                     ) -> tuple[float, np.ndarray]:
    """Negative expected GP log-density of one latent and its gradient in ``log gamma``."""
    gamma = float(np.exp(log_gamma[0]))
    f, grad = 0.0, 0.0
    for n_time, n_trials, second in stats:
        dt = np.arange(n_time, dtype=np.float64)
        diff2 = (dt[:, None] - dt[None, :]) ** 2
        base = (1.0 - eps) * np.exp(-0.5 * gamma * diff2)
        k = base + eps * np.eye(n_time)
        chol = linalg.cho_factor(k, lower=True)
        kinv = linalg.cho_solve(chol, np.eye(n_time))
        logdet = 2.0 * np.log(np.diag(chol[0])).sum()
        f += 0.5 * n_trials * logdet + 0.5 * (kinv * second).sum()
        dk = -0.5 * diff2 * base  # dK/dgamma
        a = kinv @ second @ kinv
        grad += 0.5 * ((n_trials * kinv - a) * dk).sum()
    return f, np.array([grad * gamma])


class GPFA(TransformerMixin, BaseEstimator):
    """Gaussian-process factor analysis (Yu et al. 2009) with a scikit-learn front.

    Parameters
    ----------
    n_latents : int, default 3
        Latent dimensionality ``q``.
    bin_size : float, default 0.02
        Seconds per time bin (only converts timescales between seconds and bins).
    tau_init : float, default 0.1
        Initial GP timescale in seconds (``gamma = (bin_size / tau)^2``).
    eps : float, default 1e-3
        GP noise variance (fixed).
    min_var_frac : float, default 0.01
        Floor of each unit's private variance, as a fraction of its variance.
    max_iter : int, default 500
        EM iterations.
    tol : float, default 1e-8
        Stop when an iteration raises the log-likelihood by less than ``tol`` times the total
        rise since the first iteration.
    sqrt : bool, default True
        Square-root the counts first (variance stabilisation, as in the paper).
    orthonormalize : bool, default True
        :meth:`transform` returns orthonormalised latents (ordered by explained variance).

    Attributes
    ----------
    C_ : numpy.ndarray, shape (n_units, n_latents)
    d_ : numpy.ndarray, shape (n_units,)
    R_ : numpy.ndarray, shape (n_units,)
        Private (diagonal) noise variances.
    gamma_ : numpy.ndarray, shape (n_latents,)
    timescales_ : numpy.ndarray, shape (n_latents,)
        GP timescales in seconds, ``bin_size / sqrt(gamma)``.
    log_likelihoods_ : list of float
        Data log-likelihood at each E-step (nats).
    n_iter_ : int
    orth_transform_ : numpy.ndarray, shape (n_latents, n_latents)
        ``x_orth = orth_transform_ @ x``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(30)
    >>> x = np.stack([np.sin(t / 4 + ph) for ph in rng.uniform(0, 6, 20)])
    >>> counts = rng.poisson(np.exp(0.5 + np.outer(x.ravel(), rng.normal(size=8)))).reshape(
    ...     20, 30, 8)
    >>> model = GPFA(n_latents=1, max_iter=20).fit(counts)
    >>> model.transform(counts).dims
    ('trial', 'time', 'latent')
    """

    def __init__(self, n_latents: int = 3, bin_size: float = 0.02, tau_init: float = 0.1,
                 eps: float = 1e-3, min_var_frac: float = 0.01, max_iter: int = 500,
                 tol: float = 1e-8, sqrt: bool = True, orthonormalize: bool = True) -> None:
        self.n_latents = n_latents
        self.bin_size = bin_size
        self.tau_init = tau_init
        self.eps = eps
        self.min_var_frac = min_var_frac
        self.max_iter = max_iter
        self.tol = tol
        self.sqrt = sqrt
        self.orthonormalize = orthonormalize

    # -- data --------------------------------------------------------------------------------
    def _prepare(self, X: Any) -> np.ndarray:
        if isinstance(X, xr.DataArray):
            if X.ndim != 3 or X.dims[:2] != ("trial", "time"):
                raise SchemaError("GPFA takes (trial, time, unit) data", field="X",
                                  expected="dims (trial, time, unit)", found=str(X.dims))
            X = X.values
        y = np.asarray(X, dtype=np.float64)
        if y.ndim != 3 or min(y.shape) < 1:
            raise SchemaError("GPFA takes (trial, time, unit) data", field="X",
                              expected="a 3-D array", found=f"shape {y.shape}")
        if not np.isfinite(y).all():
            raise InvalidValueError("NaN or inf in the data", field="X",
                                    expected="finite values",
                                    found=f"{int((~np.isfinite(y)).sum())} NaN/inf")
        if self.sqrt:
            if (y < 0).any():
                raise InvalidValueError("negative counts cannot be square-rooted", field="X",
                                        expected="counts >= 0 (or sqrt=False)",
                                        found=f"{int((y < 0).sum())} negative values")
            y = np.sqrt(y)
        return y

    def _check_params(self) -> None:
        if int(self.n_latents) < 1:
            raise ConfigError("need at least one latent", field="n_latents", expected=">= 1",
                              found=repr(self.n_latents))
        for name in ("bin_size", "tau_init"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ConfigError("must be positive", field=name, expected="> 0", found=repr(v))
        if not 0 < self.eps < 1:
            raise ConfigError("GP noise out of range", field="eps", expected="0 < eps < 1",
                              found=repr(self.eps))

    # -- fitting -----------------------------------------------------------------------------
    def init_params(self, y: np.ndarray) -> dict[str, np.ndarray]:
        """Factor-analysis initialisation (as in Yu et al. and elephant) of ``(trial, time, p)``
        data (already square-rooted)."""
        from sklearn.decomposition import FactorAnalysis

        flat = y.reshape(-1, y.shape[2])
        fa = FactorAnalysis(n_components=int(self.n_latents),
                            noise_variance_init=flat.var(0)).fit(flat)
        q = int(self.n_latents)
        return {"C": fa.components_.T.copy(), "d": flat.mean(0), "R": fa.noise_variance_.copy(),
                "gamma": np.full(q, (self.bin_size / self.tau_init) ** 2),
                "eps": np.full(q, float(self.eps))}

    def fit(self, X: Any, y: Any = None, init: dict[str, np.ndarray] | None = None) -> GPFA:
        """Fit by EM on ``(trial, time, unit)`` counts (or any data with ``sqrt=False``).

        Parameters
        ----------
        X : array or DataArray, shape (trial, time, unit)
        y : ignored
        init : dict, optional
            Initial ``C`` (p, q), ``d`` (p,), ``R`` (p,), ``gamma`` (q,), ``eps`` (q,); default
            :meth:`init_params`.

        Returns
        -------
        self
        """
        self._check_params()
        data = self._prepare(X)
        params = {k: np.array(v, dtype=np.float64, copy=True)
                  for k, v in (init or self.init_params(data)).items()}
        n_trials, n_time, p = data.shape
        q = params["C"].shape[1]
        n_bins = n_trials * n_time
        flat = data.reshape(-1, p)
        var_floor = self.min_var_frac * flat.var(0, ddof=1)
        sum_y, sum_yy = flat.sum(0), (flat ** 2).sum(0)
        lls: list[float] = []
        for it in range(int(self.max_iter)):
            mean, cov, ll = gpfa_e_step(data, params["C"], params["d"], params["R"],
                                        params["gamma"], params["eps"])
            lls.append(ll)
            if it >= 2 and (lls[-1] - lls[-2]) < self.tol * (lls[-1] - lls[0]):
                break
            # sufficient statistics
            diag_blocks = np.array([[np.trace(cov[i * n_time:(i + 1) * n_time,
                                                  j * n_time:(j + 1) * n_time])
                                     for j in range(q)] for i in range(q)])
            xs = mean.reshape(-1, q)
            sum_xx = n_trials * diag_blocks + xs.T @ xs
            sum_x = xs.sum(0)
            sum_yx = flat.T @ xs  # (p, q)
            lhs = np.block([[sum_xx, sum_x[:, None]], [sum_x[None, :], np.array([[n_bins]])]])
            rhs = np.hstack([sum_yx, sum_y[:, None]])
            cd = linalg.solve(lhs, rhs.T, assume_a="pos").T
            C, d = cd[:, :q], cd[:, q]
            r = (sum_yy - 2 * d * sum_y + n_bins * d ** 2
                 - ((sum_yx - np.outer(d, sum_x)) * C).sum(1)) / n_bins
            params["C"], params["d"], params["R"] = C, d, np.maximum(r, var_floor)
            for j in range(q):
                sl = slice(j * n_time, (j + 1) * n_time)
                xj = mean[:, :, j]
                second = n_trials * cov[sl, sl] + xj.T @ xj
                res = optimize.minimize(_gamma_objective, np.log([params["gamma"][j]]),
                                        args=(float(params["eps"][j]),
                                              [(n_time, n_trials, second)]),
                                        jac=True, method="L-BFGS-B")
                params["gamma"][j] = float(np.exp(res.x[0]))
        self.C_, self.d_, self.R_ = params["C"], params["d"], params["R"]
        self.gamma_, self.eps_ = params["gamma"], params["eps"]
        self.timescales_ = self.bin_size / np.sqrt(self.gamma_)
        self.log_likelihoods_ = lls
        self.n_iter_ = len(lls)
        self.n_units_ = p
        _, s, vt = np.linalg.svd(self.C_, full_matrices=False)
        self.orth_transform_ = np.diag(s) @ vt
        return self

    # -- outputs -----------------------------------------------------------------------------
    def _posterior(self, X: Any) -> tuple[np.ndarray, float]:
        if not hasattr(self, "C_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this GPFA is not fitted yet; call fit first")
        data = self._prepare(X)
        if data.shape[2] != self.n_units_:
            raise SchemaError("wrong number of units", field="X",
                              expected=f"{self.n_units_} units as in fit",
                              found=str(data.shape[2]))
        mean, _, ll = gpfa_e_step(data, self.C_, self.d_, self.R_, self.gamma_, self.eps_)
        return mean, ll

    def transform(self, X: Any) -> xr.DataArray:
        """Posterior mean latents ``(trial, time, latent)`` (orthonormalised by default)."""
        mean, _ = self._posterior(X)
        if self.orthonormalize:
            mean = mean @ self.orth_transform_.T
        coords: dict[str, Any] = {"latent": [f"gpfa_{j}" for j in range(mean.shape[2])]}
        if isinstance(X, xr.DataArray):
            coords.update({dim: X[dim].values for dim in ("trial", "time") if dim in X.coords})
        return xr.DataArray(mean, dims=("trial", "time", "latent"), coords=coords,
                            attrs={"units": "a.u.", "model": "GPFA"})

    def predict(self, X: Any) -> np.ndarray:
        """Smoothed observations ``C E[x_t] + d`` (square-root space when ``sqrt``)."""
        mean, _ = self._posterior(X)
        return mean @ self.C_.T + self.d_

    def score(self, X: Any, y: Any = None) -> float:
        """Data log-likelihood per trial (nats, of the square-rooted counts when ``sqrt``)."""
        data_trials = np.shape(X.values if isinstance(X, xr.DataArray) else X)[0]
        return self._posterior(X)[1] / data_trials
