"""How well latents recover ground truth, and how well rates predict spikes.

* :func:`aligned_r2` — R² of a cross-validated linear map from estimated to true latents
  (latent models are identifiable only up to an invertible linear map)
* :func:`block_r2` — the same for every (estimated block, true block) pair: a shared block must
  explain the shared truth and *not* the private ones
* :func:`decode_accuracy` — cross-validated logistic-regression accuracy of labels from latents
* :func:`poisson_log_likelihood`, :func:`bits_per_spike` — the Neural Latents Benchmark's
  co-smoothing metric (Pei et al. 2021)
* :func:`co_smoothing_bits_per_spike` — the whole co-smoothing protocol for any latent model:
  a Poisson regression from latents (inferred from held-in neurons) to held-out neurons, fitted
  on training trials and scored in bits/spike on test trials
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr
from scipy.special import gammaln

from neurokit.errors import ConfigError, InvalidValueError, SchemaError

__all__ = ["aligned_r2", "block_r2", "decode_accuracy", "poisson_log_likelihood",
           "bits_per_spike", "co_smoothing_bits_per_spike"]


def _as_samples(x: np.ndarray | xr.DataArray, name: str) -> np.ndarray:
    """``(..., d)`` -> float64 ``(n, d)``: every dim but the last one is a sample dim."""
    arr = np.asarray(x.values if isinstance(x, xr.DataArray) else x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim < 2 or arr.shape[-1] == 0 or arr.size == 0:
        raise SchemaError("latents must have a trailing feature dim", field=name,
                          expected="shape (..., d) with d >= 1", found=str(arr.shape))
    arr = arr.reshape(-1, arr.shape[-1])
    if not np.isfinite(arr).all():
        raise InvalidValueError("non-finite values", field=name, expected="finite numbers",
                                found=f"{int((~np.isfinite(arr)).sum())} NaN/inf")
    return arr


def aligned_r2(estimate: np.ndarray | xr.DataArray, truth: np.ndarray | xr.DataArray, *,
               n_splits: int = 5, alpha: float = 1e-6) -> float:
    """R² of the best linear map ``estimate -> truth``, cross-validated over contiguous folds.

    Parameters
    ----------
    estimate : array or DataArray, shape (..., d_est)
        Estimated latents; all dims but the last are samples (e.g. ``(trial, time, latent)``).
    truth : array or DataArray, shape (..., d_true)
        True latents with the same sample dims.
    n_splits : int, default 5
        Contiguous folds (no shuffling, so neighbouring time bins rarely straddle train/test).
    alpha : float, default 1e-6
        Ridge penalty of the map (only for numerical stability).

    Returns
    -------
    float
        ``1 - Σ (truth - pred)² / Σ (truth - mean)²`` pooled over the true dims (variance-
        weighted R²), with ``pred`` the held-out prediction of an affine map fitted on the other
        folds. 1 is perfect; 0 is no better than the mean; it can be negative.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(200, 2))
    >>> round(aligned_r2(z @ [[2.0, 1.0], [0.0, 1.0]] + 3, z), 6)
    1.0
    >>> aligned_r2(rng.normal(size=(200, 2)), z) < 0.1
    True
    """
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold, cross_val_predict

    x, y = _as_samples(estimate, "estimate"), _as_samples(truth, "truth")
    if len(x) != len(y):
        raise SchemaError("estimate and truth have different numbers of samples",
                          field="truth", expected=f"{len(x)} samples", found=str(len(y)))
    if int(n_splits) < 2 or int(n_splits) > len(x):
        raise ConfigError("bad number of folds", field="n_splits",
                          expected=f"2 <= n_splits <= {len(x)}", found=repr(n_splits))
    pred = cross_val_predict(Ridge(alpha=alpha), x, y, cv=KFold(int(n_splits))).reshape(y.shape)
    ss_res = ((y - pred) ** 2).sum()
    ss_tot = ((y - y.mean(0)) ** 2).sum()
    if ss_tot == 0:
        raise InvalidValueError("the true latents are constant", field="truth",
                                expected="non-constant latents", found="zero variance")
    return float(1.0 - ss_res / ss_tot)


def block_r2(estimates: Mapping[str, np.ndarray | xr.DataArray],
             truths: Mapping[str, np.ndarray | xr.DataArray], *, n_splits: int = 5) -> pd.DataFrame:
    """:func:`aligned_r2` of every estimated latent block against every true block.

    Parameters
    ----------
    estimates : mapping of str to array, each shape (..., d_block)
        Estimated blocks by name (e.g. ``{"shared": ..., "spikes": ..., "images": ...}``).
    truths : mapping of str to array, each shape (..., d_block)
        True blocks by name, same sample dims.
    n_splits : int, default 5

    Returns
    -------
    pandas.DataFrame
        Rows: estimated block; columns: true block. The diagonal (same names) is recovery; the
        off-diagonal entries are leakage.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> a, b = rng.normal(size=(300, 1)), rng.normal(size=(300, 1))
    >>> t = block_r2({"a": 2 * a, "b": -b}, {"a": a, "b": b})
    >>> bool(t.loc["a", "a"] > 0.99 and abs(t.loc["a", "b"]) < 0.05)
    True
    """
    table = {
        true_name: {est_name: aligned_r2(est, true, n_splits=n_splits)
                    for est_name, est in estimates.items()}
        for true_name, true in truths.items()
    }
    return pd.DataFrame(table).rename_axis(index="estimated", columns="true")


def decode_accuracy(latents: np.ndarray | xr.DataArray, labels: np.ndarray, *,
                    n_splits: int = 5, groups: np.ndarray | None = None, seed: int = 0) -> float:
    """Cross-validated accuracy of a logistic regression predicting ``labels`` from latents.

    Parameters
    ----------
    latents : array or DataArray, shape (..., d)
        All dims but the last are samples.
    labels : array, shape (n_samples,) or the latents' sample shape
        Class of each sample.
    n_splits : int, default 5
        Stratified folds; with ``groups``, grouped folds (samples of one group, e.g. the time
        bins of one trial, never straddle train and test).
    groups : array, optional
        Group of each sample (same shape as ``labels``).
    seed : int, default 0

    Returns
    -------
    float
        Fraction of held-out samples classified correctly (features standardised on the
        training folds).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(100) % 2
    >>> decode_accuracy(rng.normal(size=(100, 2)) + 3 * y[:, None], y) > 0.95
    True
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = _as_samples(latents, "latents")
    y = np.asarray(labels).reshape(-1)
    if len(y) != len(x):
        raise SchemaError("labels and latents have different numbers of samples",
                          field="labels", expected=f"{len(x)} labels", found=str(len(y)))
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    if groups is None:
        cv = StratifiedKFold(int(n_splits), shuffle=True, random_state=seed)
        scores = cross_val_score(clf, x, y, cv=cv)
    else:
        g = np.asarray(groups).reshape(-1)
        cv = StratifiedGroupKFold(int(n_splits), shuffle=True, random_state=seed)
        scores = cross_val_score(clf, x, y, cv=cv, groups=g)
    return float(np.mean(scores))


def poisson_log_likelihood(rates: np.ndarray, counts: np.ndarray) -> float:
    """Total Poisson log-likelihood ``Σ k log λ − λ − log k!`` of counts under rates.

    Parameters
    ----------
    rates : array, any shape
        Expected counts per bin (spikes/bin, > 0 where counts > 0).
    counts : array, same shape
        Observed spike counts (non-negative integers).

    Returns
    -------
    float
        In nats.

    Examples
    --------
    >>> round(poisson_log_likelihood(np.array([1.0]), np.array([0])), 6)
    -1.0
    """
    lam = np.asarray(rates, dtype=np.float64)
    k = _check_counts(counts, lam.shape)
    if (lam < 0).any() or not np.isfinite(lam).all():
        raise InvalidValueError("rates must be finite and non-negative", field="rates",
                                expected="rates >= 0", found=f"min {np.nanmin(lam):.3g}")
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(k > 0, k * np.log(lam), 0.0)
    return float(term.sum() - lam.sum() - gammaln(k + 1).sum())


def bits_per_spike(rates: np.ndarray, counts: np.ndarray,
                   baseline_rates: np.ndarray | None = None) -> float:
    """Co-smoothing bits/spike (Pei et al. 2021, Neural Latents Benchmark).

    ``(LL(rates) − LL(baseline)) / (n_spikes · ln 2)`` where the baseline is, by default, each
    neuron's mean count per bin over all given bins (the NLB definition).

    Parameters
    ----------
    rates : array, shape (..., unit)
        Predicted expected counts per bin.
    counts : array, same shape
        Observed held-out counts.
    baseline_rates : array, optional
        Baseline expected counts (broadcastable to ``counts``).

    Returns
    -------
    float
        Bits per spike; > 0 means better than the baseline.

    Examples
    --------
    >>> k = np.array([[0, 2], [1, 0], [0, 3]])
    >>> round(bits_per_spike(k.mean(0, keepdims=True) + 0 * k, k), 12)
    0.0
    >>> bits_per_spike(k + 1e-3, k) > 0
    True
    """
    k = _check_counts(counts, np.shape(rates))
    flat = k.reshape(-1, k.shape[-1])
    base = (np.broadcast_to(flat.mean(0), flat.shape) if baseline_rates is None
            else np.broadcast_to(np.asarray(baseline_rates, dtype=np.float64).reshape(
                -1, k.shape[-1]), flat.shape))
    n_spikes = flat.sum()
    if n_spikes == 0:
        raise InvalidValueError("no spikes to score", field="counts", expected="some spikes",
                                found="all counts are zero")
    ll = poisson_log_likelihood(np.asarray(rates, dtype=np.float64).reshape(flat.shape), flat)
    ll0 = poisson_log_likelihood(base, flat)
    return float((ll - ll0) / (n_spikes * np.log(2)))


def co_smoothing_bits_per_spike(latents_train: np.ndarray | xr.DataArray,
                                latents_test: np.ndarray | xr.DataArray,
                                heldout_train: np.ndarray | xr.DataArray,
                                heldout_test: np.ndarray | xr.DataArray, *,
                                alpha: float = 1e-3, max_iter: int = 1000) -> float:
    r"""Co-smoothing bits/spike of held-out neurons read out of latents (NLB protocol).

    The Neural Latents Benchmark's co-smoothing (Pei et al. 2021) for a latent model that only
    sees the *held-in* neurons: their latents predict the *held-out* neurons through a Poisson
    regression (log link) per held-out neuron,

    .. math:: \hat\lambda_{tn} = \exp(w_n^\top \tilde z_t + b_n), \qquad
              \tilde z_t = (z_t - \bar z) / s_z,

    fitted on the training trials (latents standardised with the training mean and standard
    deviation, ridge penalty ``alpha`` as in :class:`sklearn.linear_model.PoissonRegressor`:
    mean half-deviance ``+ alpha/2 ||w||²``), and scored on the test trials with
    :func:`bits_per_spike` against each held-out neuron's mean test count per bin. This is the
    read-out the NLB applies to its PCA/FA/GPFA baselines (there on smoothed spikes), so any
    model that maps held-in neurons to latents is scored the same way.

    Parameters
    ----------
    latents_train, latents_test : array or DataArray, shape (..., d)
        Latents of the training and test trials inferred from held-in neurons only (e.g.
        ``(trial, time, latent)``); all dims but the last are samples.
    heldout_train, heldout_test : array or DataArray, shape (..., n_heldout)
        Spike counts of the held-out neurons in the same bins (same sample dims as the
        latents).
    alpha : float, default 1e-3
        L2 penalty of the Poisson regression (on standardised latents).
    max_iter : int, default 1000
        L-BFGS iterations of each regression.

    Returns
    -------
    float
        Bits per spike on the test bins, pooled over held-out neurons; > 0 means the latents
        predict the held-out neurons better than their mean rates.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(2, 400, 1))                       # (split, bin, latent)
    >>> k = rng.poisson(np.exp(0.5 + z @ [[0.8, -0.6]]))        # two held-out neurons
    >>> co_smoothing_bits_per_spike(z[0], z[1], k[0], k[1]) > 0.1
    True
    >>> noise = rng.normal(size=(2, 400, 1))                   # latents unrelated to them
    >>> co_smoothing_bits_per_spike(noise[0], noise[1], k[0], k[1]) < 0.01
    True
    """
    from sklearn.linear_model import PoissonRegressor

    z_tr, z_te = _as_samples(latents_train, "latents_train"), _as_samples(latents_test,
                                                                         "latents_test")
    if z_tr.shape[1] != z_te.shape[1]:
        raise SchemaError("train and test latents have different dims", field="latents_test",
                          expected=f"{z_tr.shape[1]} latents", found=str(z_te.shape[1]))
    k_tr = _as_samples(heldout_train, "heldout_train")
    k_te = _as_samples(heldout_test, "heldout_test")
    for name, z, k in (("heldout_train", z_tr, k_tr), ("heldout_test", z_te, k_te)):
        if len(k) != len(z):
            raise SchemaError("held-out counts and latents have different numbers of bins",
                              field=name, expected=f"{len(z)} bins", found=str(len(k)))
    if k_tr.shape[1] != k_te.shape[1]:
        raise SchemaError("train and test have different held-out neurons", field="heldout_test",
                          expected=f"{k_tr.shape[1]} neurons", found=str(k_te.shape[1]))
    _check_counts(k_tr, k_tr.shape)
    if not (np.isfinite(alpha) and alpha >= 0):
        raise ConfigError("bad ridge penalty", field="alpha", expected=">= 0", found=repr(alpha))
    mean, sd = z_tr.mean(0), z_tr.std(0)
    sd = np.where(sd > 0, sd, 1.0)
    z_tr, z_te = (z_tr - mean) / sd, (z_te - mean) / sd
    rates = np.empty_like(k_te)
    for n in range(k_tr.shape[1]):
        reg = PoissonRegressor(alpha=float(alpha), max_iter=int(max_iter))
        rates[:, n] = reg.fit(z_tr, k_tr[:, n]).predict(z_te)
    return bits_per_spike(rates, k_te)


def _check_counts(counts: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    k = np.asarray(counts, dtype=np.float64)
    if k.shape != tuple(shape):
        raise SchemaError("counts and rates have different shapes", field="counts",
                          expected=str(tuple(shape)), found=str(k.shape))
    if not np.isfinite(k).all() or (k < 0).any() or (k != np.round(k)).any():
        raise InvalidValueError("spike counts must be non-negative integers", field="counts",
                                expected="integers >= 0", found="negative, fractional or NaN")
    return k
