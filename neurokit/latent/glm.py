r"""Baselines for spike-train models: a coupled Poisson GLM and a PSTH (rate) model.

* :class:`PoissonGLM` — every neuron's count in bin ``t`` is Poisson with
  ``log λ_j(t) = b_j + Σ_{l=1..L} Σ_i W^{(l)}_{ji} n_i(t-l) + Σ_{s=0..S-1} k^{(s)}_j · x(t-s)``
  (spike-history coupling over ``L = n_lags`` bins, own history included, plus a stimulus
  filter over ``S = n_stimulus_lags`` bins; Pillow et al. 2008), fitted neuron by neuron by
  penalised maximum likelihood (scikit-learn's ``PoissonRegressor``, L-BFGS, L2 penalty
  ``alpha``). Its couplings ``Σ_l W^{(l)}_{ji}`` are a connectivity estimate.
  ``coupling=False`` keeps only each neuron's own history; ``n_lags=0`` gives a
  stimulus-only GLM.
* :class:`PSTH` — the rate of each neuron as a function of the phase of a repeated stimulus
  (peri-stimulus time histogram, smoothed), or its mean rate when there is no period.

Both return expected counts per bin, so their Poisson log-likelihoods
(:func:`neurokit.latent.metrics.poisson_log_likelihood`) compare with any model's
log-probability of the same binned counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import ConfigError, SchemaError
from neurokit.latent.neuroformer_tokens import as_covariate_segments, as_segments

__all__ = ["PoissonGLM", "PSTH"]


class PoissonGLM:
    """Poisson GLM with spike-history coupling and a stimulus filter (a baseline).

    Parameters
    ----------
    n_lags : int, default 1
        Bins of spike history (0: none).
    coupling : bool, default True
        Use the history of every neuron (True) or only the neuron's own (False).
    n_stimulus_lags : int, default 1
        Bins of the stimulus filter (lag 0 is the current bin; the stimulus is exogenous).
    alpha : float, default 1e-4
        L2 penalty of ``PoissonRegressor`` (on the mean deviance).
    max_iter : int, default 300
        L-BFGS iterations per neuron.

    Attributes
    ----------
    coef_ : numpy.ndarray, shape (n_units, n_lags, n_units)
        History weights ``W[j, l-1, i]`` (zero off the diagonal when ``coupling=False``).
    stimulus_coef_ : numpy.ndarray, shape (n_units, n_stimulus_lags, n_features)
    intercept_ : numpy.ndarray, shape (n_units,)

    Examples
    --------
    >>> from neurokit.datasets.spiking_circuit import simulate_spiking_circuit
    >>> ds = simulate_spiking_circuit(n_neurons=6, n_hubs=1, duration_s=30.0, seed=0)
    >>> glm = PoissonGLM(n_lags=1).fit(ds["spikes"], ds["stimulus"])
    >>> w = glm.connectivity()
    >>> w.dims
    ('target_unit', 'source_unit')
    >>> ll = glm.log_likelihood(ds["spikes"], ds["stimulus"])[0]
    >>> ll.shape, bool(np.isnan(ll[0]).all())
    ((6000, 6), True)
    """

    def __init__(self, n_lags: int = 1, coupling: bool = True, n_stimulus_lags: int = 1,
                 alpha: float = 1e-4, max_iter: int = 300) -> None:
        self.n_lags = n_lags
        self.coupling = coupling
        self.n_stimulus_lags = n_stimulus_lags
        self.alpha = alpha
        self.max_iter = max_iter

    def _first(self) -> int:
        has_stim = getattr(self, "n_features_", 0) > 0
        return max(int(self.n_lags), (int(self.n_stimulus_lags) - 1) if has_stim else 0)

    def _design(self, seg: np.ndarray, stim: np.ndarray | None) -> np.ndarray:
        """Rows for bins ``first .. T-1``: lagged counts then lagged stimulus."""
        first, t = self._first(), seg.shape[0]
        cols = [seg[first - lag:t - lag].astype(np.float64)
                for lag in range(1, int(self.n_lags) + 1)]
        if stim is not None:
            cols += [stim[first - lag:t - lag] for lag in range(int(self.n_stimulus_lags))]
        return np.concatenate(cols, axis=1) if cols else np.zeros((t - first, 0))

    def _columns(self, j: int) -> np.ndarray:
        n, lags = self.n_units_, int(self.n_lags)
        hist = np.arange(n * lags) if self.coupling else j + n * np.arange(lags)
        stim = n * lags + np.arange(int(self.n_stimulus_lags) * self.n_features_)
        return np.concatenate([hist, stim]).astype(np.int64)

    def fit(self, spikes: Any, stimulus: Any = None) -> PoissonGLM:
        """Fit every neuron's GLM on all bins with full history, segment by segment.

        Parameters
        ----------
        spikes : array/DataArray ``(time, unit)``, ``(trial, time, unit)`` or list of segments
        stimulus : same layout ``(time, feature)``, optional

        Returns
        -------
        self
        """
        from sklearn.linear_model import PoissonRegressor

        if int(self.n_lags) < 0 or int(self.n_stimulus_lags) < 1:
            raise ConfigError("bad lags", field="n_lags",
                              expected="n_lags >= 0 and n_stimulus_lags >= 1",
                              found=f"{self.n_lags}, {self.n_stimulus_lags}")
        segs = as_segments(spikes)
        stim = None if stimulus is None else as_covariate_segments(stimulus, segs,
                                                                   field="stimulus")
        self.n_units_ = int(segs[0].shape[1])
        self.n_features_ = 0 if stim is None else int(stim[0].shape[1])
        self.unit_ids_ = _unit_ids(spikes, self.n_units_)
        first = self._first()
        xs, ys = [], []
        for k, seg in enumerate(segs):
            if seg.shape[0] > first:
                xs.append(self._design(seg, None if stim is None else stim[k]))
                ys.append(seg[first:])
        if not xs:
            raise SchemaError("segments too short for the history", field="spikes",
                              expected=f"more than {first} bins", found="shorter segments")
        X, Y = np.concatenate(xs), np.concatenate(ys).astype(np.float64)
        n, lags = self.n_units_, int(self.n_lags)
        self.coef_ = np.zeros((n, lags, n))
        self.stimulus_coef_ = np.zeros((n, int(self.n_stimulus_lags), self.n_features_))
        self.intercept_ = np.zeros(n)
        self._weights = []
        for j in range(n):
            cols = self._columns(j)
            full = np.zeros(X.shape[1])
            if cols.size == 0:  # no covariates: the maximum-likelihood rate is the mean
                self._weights.append(full)
                self.intercept_[j] = np.log(max(Y[:, j].mean(), 1e-12))
                continue
            reg = PoissonRegressor(alpha=float(self.alpha), max_iter=int(self.max_iter))
            reg.fit(X[:, cols], Y[:, j])
            full[cols] = reg.coef_
            self._weights.append(full)
            self.coef_[j] = full[:n * lags].reshape(lags, n)
            self.stimulus_coef_[j] = full[n * lags:].reshape(int(self.n_stimulus_lags),
                                                             self.n_features_)
            self.intercept_[j] = reg.intercept_
        self._weights = np.stack(self._weights)
        return self

    def predict_rate(self, spikes: Any, stimulus: Any = None) -> list[np.ndarray]:
        """Expected counts per bin ``λ_j(t)`` given the observed history.

        Returns
        -------
        list of numpy.ndarray, one ``(time, unit)`` array per segment
            NaN in the first bins of a segment, which lack the history.
        """
        if not hasattr(self, "coef_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this PoissonGLM is not fitted yet; call fit first")
        segs = as_segments(spikes)
        if segs[0].shape[1] != self.n_units_:
            raise SchemaError("spikes have another number of units than the fitted model",
                              field="spikes", expected=f"{self.n_units_} units",
                              found=str(segs[0].shape[1]))
        if (stimulus is None) != (self.n_features_ == 0):
            raise SchemaError("stimulus does not match the fitted model", field="stimulus",
                              expected=f"{self.n_features_} features" if self.n_features_
                              else "no stimulus", found="none" if stimulus is None else "one")
        stim = None if stimulus is None else as_covariate_segments(stimulus, segs,
                                                                   field="stimulus")
        first = self._first()
        out = []
        for k, seg in enumerate(segs):
            rate = np.full(seg.shape, np.nan)
            if seg.shape[0] > first:
                X = self._design(seg, None if stim is None else stim[k])
                rate[first:] = np.exp(X @ self._weights.T + self.intercept_)
            out.append(rate)
        return out

    def log_likelihood(self, spikes: Any, stimulus: Any = None) -> list[np.ndarray]:
        """Per-bin Poisson log-probabilities ``log Poisson(n_j(t) | λ_j(t))`` (nats).

        Returns
        -------
        list of numpy.ndarray, one ``(time, unit)`` array per segment (NaN without history)
        """
        return [_poisson_logpmf(s, r)
                for s, r in zip(as_segments(spikes), self.predict_rate(spikes, stimulus),
                                strict=True)]

    def connectivity(self) -> xr.DataArray:
        """Coupling weights summed over lags, ``(target_unit, source_unit)``.

        The diagonal holds each neuron's own-history weight.
        """
        ids = self.unit_ids_
        return xr.DataArray(self.coef_.sum(1), dims=("target_unit", "source_unit"),
                            coords={"target_unit": ids, "source_unit": ids},
                            name="coupling", attrs={cv.UNITS_ATTR: "log-rate per spike"})


class PSTH:
    """Peri-stimulus time histogram: each neuron's rate at each phase of a repeated stimulus.

    Parameters
    ----------
    period : int, optional
        Bins of the stimulus cycle. None: one constant rate per neuron (its mean).
    smooth_bins : float, default 2.0
        Standard deviation (bins) of the circular Gaussian smoothing of the histogram.
    floor : float, default 0.01
        Rates are at least ``floor`` times the neuron's mean rate (no zero rates).

    Notes
    -----
    The phase of bin ``t`` of a segment is ``(offset + t) mod period``, with the segment's
    ``offset`` (its first bin in the recording) taken from the ``time`` coordinate of a
    DataArray (``round(time[0] · sampling_rate)``, the rate from ``attrs["sampling_rate"]`` or
    the time step) or given in ``offsets``.

    Examples
    --------
    >>> counts = np.tile([[0], [4]], (50, 1))                # period 2: 0, 4, 0, 4, ...
    >>> psth = PSTH(period=2, smooth_bins=0).fit(counts)
    >>> np.round(psth.predict_rate(counts)[0][:2, 0], 2).tolist()
    [0.02, 4.0]
    """

    def __init__(self, period: int | None = None, smooth_bins: float = 2.0,
                 floor: float = 0.01) -> None:
        self.period = period
        self.smooth_bins = smooth_bins
        self.floor = floor

    def _phases(self, spikes: Any, segs: list[np.ndarray], offsets: Any) -> list[np.ndarray]:
        items = list(spikes) if isinstance(spikes, (list, tuple)) else [spikes]
        if offsets is None:
            offsets = []
            for item in items:
                rate = None
                if isinstance(item, xr.DataArray) and cv.TIME in item.coords:
                    rate = item.attrs.get(cv.SAMPLING_RATE_ATTR)
                    if rate is None and item.sizes[cv.TIME] > 1:
                        rate = 1.0 / float(np.median(np.diff(item[cv.TIME].values)))
                if rate is None:
                    offsets.append(0)
                else:
                    offsets.append(int(round(float(item[cv.TIME].values[0]) * float(rate))))
            if len(offsets) != len(segs):  # trials of one array: each starts at phase 0
                offsets = [0] * len(segs)
        if len(offsets) != len(segs):
            raise SchemaError("one offset per segment", field="offsets",
                              expected=f"{len(segs)} offsets", found=str(len(offsets)))
        period = int(self.period) if self.period else 1
        return [(int(o) + np.arange(s.shape[0])) % period
                for o, s in zip(offsets, segs, strict=True)]

    def fit(self, spikes: Any, offsets: Any = None) -> PSTH:
        """Average counts per phase over all training bins.

        Parameters
        ----------
        spikes : array/DataArray ``(time, unit)``, ``(trial, time, unit)`` or list of segments
        offsets : sequence of int, optional
            First bin of each segment in the recording (see Notes).
        """
        from scipy.ndimage import gaussian_filter1d

        if self.period is not None and int(self.period) < 1:
            raise ConfigError("bad period", field="period", expected="None or >= 1 bins",
                              found=repr(self.period))
        segs = as_segments(spikes)
        phases = self._phases(spikes, segs, offsets)
        period = int(self.period) if self.period else 1
        n = segs[0].shape[1]
        total = np.zeros((period, n))
        count = np.zeros(period)
        for s, ph in zip(segs, phases, strict=True):
            np.add.at(total, ph, s)
            count += np.bincount(ph, minlength=period)
        mean = total.sum(0) / max(count.sum(), 1)
        rate = np.where(count[:, None] > 0, total / np.maximum(count, 1)[:, None], mean)
        if self.smooth_bins and period > 1:
            rate = gaussian_filter1d(rate, float(self.smooth_bins), axis=0, mode="wrap")
        self.rate_ = np.maximum(rate, float(self.floor) * np.maximum(mean, 1e-12))
        self.n_units_ = n
        return self

    def predict_rate(self, spikes: Any, offsets: Any = None) -> list[np.ndarray]:
        """Expected counts per bin: the PSTH at each bin's phase, one array per segment."""
        if not hasattr(self, "rate_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this PSTH is not fitted yet; call fit first")
        segs = as_segments(spikes)
        return [self.rate_[ph] for ph in self._phases(spikes, segs, offsets)]

    def log_likelihood(self, spikes: Any, offsets: Any = None) -> list[np.ndarray]:
        """Per-bin Poisson log-probabilities (nats), one ``(time, unit)`` array per segment."""
        return [_poisson_logpmf(s, r)
                for s, r in zip(as_segments(spikes), self.predict_rate(spikes, offsets),
                                strict=True)]


def _poisson_logpmf(counts: np.ndarray, rate: np.ndarray) -> np.ndarray:
    from scipy.special import gammaln

    k = counts.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(k > 0, k * np.log(rate), 0.0) - rate - gammaln(k + 1)


def _unit_ids(spikes: Any, n: int) -> np.ndarray:
    first = spikes[0] if isinstance(spikes, (list, tuple)) else spikes
    if isinstance(first, xr.DataArray) and cv.UNIT in first.coords:
        return np.asarray(first[cv.UNIT].values)
    return np.arange(n)
