"""Noise ceilings: how well could *any* model do, given the noise in the data?

* :func:`spearman_brown` — the Spearman–Brown prophecy formula.
* :func:`split_half_reliability` — split-half over repetitions (trials), per neuroid or at the
  RDM level, Spearman–Brown corrected.
* :func:`neuron_split_ceiling` — split-half over *neurons*: the only ceiling trial-averaged data
  (one response per stimulus and neuroid) allow.
* :func:`rdm_noise_ceiling` — leave-one-subject-out lower and upper bounds of Nili et al. (2014).
* :func:`normalize_by_ceiling` — a score divided by a ceiling, the mode stated.

Every function returns labelled xarray objects whose ``attrs`` say what was computed (kind of
ceiling, whether Spearman–Brown corrected, number of splits, seed), so a figure or a JSON of
numbers can state it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity._checks import NanPolicy, as_responses, check_nonconstant

__all__ = [
    "spearman_brown",
    "split_half_reliability",
    "neuron_split_ceiling",
    "rdm_noise_ceiling",
    "normalize_by_ceiling",
]

NormalizeMode = Literal["ratio", "sqrt", "squared"]
_NORMALIZE_MODES = ("ratio", "sqrt", "squared")
# largest n_splits * n_samples * n_features block of half-means built at once (float64 items)
_BLOCK_ITEMS = 2_000_000


def spearman_brown(r: float | np.ndarray, factor: float = 2.0) -> float | np.ndarray:
    """Spearman–Brown prophecy: reliability of a measurement ``factor`` times as long.

    .. math:: r_{full} = \\frac{k\\,r}{1 + (k - 1)\\,r}

    With ``factor=2`` this turns the correlation between two halves into the reliability of
    the whole (:math:`2r / (1 + r)`).

    Parameters
    ----------
    r : float or numpy.ndarray
        Correlation(s) between halves, in (-1, 1].
    factor : float
        Length ratio :math:`k` (> 0) of the full measurement to the half.

    Returns
    -------
    float or numpy.ndarray
        Corrected value(s), same shape as ``r`` (``r = -1`` with ``k = 2`` gives ``-inf``).

    Examples
    --------
    >>> spearman_brown(0.5)
    0.666...
    >>> float(spearman_brown(0.5, factor=1.0))
    0.5
    """
    if not np.isscalar(factor) or not factor > 0:
        raise ConfigError("the Spearman–Brown factor must be positive", field="factor",
                          expected="a number > 0", found=repr(factor))
    r_arr = np.asarray(r, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = factor * r_arr / (1.0 + (factor - 1.0) * r_arr)
    return float(out) if out.ndim == 0 else out


def _half_assignments(n: int, n_splits: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_splits, n)`` boolean masks of half A (size ``n // 2``); half B is the rest."""
    order = np.argsort(rng.random((n_splits, n)), axis=1)
    masks = np.zeros((n_splits, n), dtype=bool)
    np.put_along_axis(masks, order[:, : n // 2], True, axis=1)
    return masks


def _columnwise_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r between matching columns of ``a`` and ``b`` along axis -2 (samples)."""
    a = a - a.mean(axis=-2, keepdims=True)
    b = b - b.mean(axis=-2, keepdims=True)
    num = (a * b).sum(axis=-2)
    den = np.sqrt((a * a).sum(axis=-2) * (b * b).sum(axis=-2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / den


def _as_repeated(
    responses: xr.DataArray | np.ndarray, *, repetition_dim: str, sample_dim: str,
    nan_policy: NanPolicy, name: str,
) -> xr.DataArray:
    """``(repetition, sample, feature)`` float64 DataArray, checked (NaN, size, constant)."""
    if isinstance(responses, xr.DataArray):
        if responses.ndim != 3 or repetition_dim not in responses.dims \
                or sample_dim not in responses.dims:
            raise SchemaError(f"{name} must be 3-D ({repetition_dim}, {sample_dim}, neuroid)",
                              field=name, expected=f"dims ({repetition_dim!r}, {sample_dim!r}, "
                              "<neuroid dim>)", found=f"dims {responses.dims}")
        feature_dim = next(d for d in responses.dims if d not in (repetition_dim, sample_dim))
        da = responses.transpose(repetition_dim, sample_dim, feature_dim)
    else:
        array = np.asarray(responses)
        if array.ndim != 3:
            raise SchemaError(f"{name} must be 3-D (n_repetitions, n_{sample_dim}s, n_neuroids)",
                              field=name, expected="a 3-D array", found=f"shape {array.shape}")
        da = xr.DataArray(array, dims=(repetition_dim, sample_dim, "neuroid"))
        feature_dim = "neuroid"
    if da.sizes[repetition_dim] < 2:
        raise SchemaError(f"{name} needs at least 2 repetitions for a split-half ceiling",
                          field=repetition_dim, expected="at least 2",
                          found=str(da.sizes[repetition_dim]))
    # NaN/inf in any repetition reach the mean: one check covers every repetition
    mean = as_responses(da.mean(repetition_dim, skipna=False), name=name, sample_dim=sample_dim,
                        nan_policy=nan_policy)
    if "n_features_omitted" in mean.attrs:
        da = da.isel({feature_dim: ~np.isnan(da.values).any(axis=(0, 1))})
    if sample_dim not in da.coords:
        da = da.assign_coords({sample_dim: mean[sample_dim].values})
    return da.astype(np.float64)


def split_half_reliability(
    responses: xr.DataArray | np.ndarray,
    *,
    repetition_dim: str = "repetition",
    sample_dim: str = "stimulus",
    per: Literal["neuroid", "rdm"] = "neuroid",
    method: str = "spearman",
    rdm_metric: str = "correlation",
    n_splits: int = 100,
    seed: int = 0,
    spearman_brown: bool = True,
    nan_policy: NanPolicy = "raise",
) -> xr.Dataset:
    """Split-half reliability over repetitions, Spearman–Brown corrected.

    For each of ``n_splits`` random splits the repetitions are divided into two halves
    (sizes ``R // 2`` and ``R - R // 2``), each half is averaged, and the two half-means are
    compared:

    * ``per="neuroid"``: Pearson r across stimuli, per neuroid;
    * ``per="rdm"``: an RDM (``rdm_metric``) of each half-mean, compared with
      :func:`~neurokit.similarity.compare.compare_rdms` (``method``).

    With ``spearman_brown=True`` each split's value is corrected to the reliability of the
    full average, :math:`r_{full} = 2r / (1 + r)`, and the corrected values are averaged over
    splits. Nothing is squared.

    Parameters
    ----------
    responses : xarray.DataArray or numpy.ndarray
        ``(repetition, stimulus, neuroid)`` (any order for a DataArray; an array is taken in
        that order). Units are irrelevant (correlations).
    repetition_dim, sample_dim : str
        Names of the repetition and stimulus dims.
    per : {"neuroid", "rdm"}
        Reliability of each neuroid's tuning, or of the RDM of the whole population.
    method : str
        RDM comparator for ``per="rdm"`` (see ``compare_rdms``).
    rdm_metric : str
        RDM metric for ``per="rdm"`` (see ``compute_rdm``).
    n_splits : int
        Random splits (>= 1).
    seed : int
        Seed of the split generator: the same seed gives the same splits.
    spearman_brown : bool
        Apply the Spearman–Brown correction (factor 2).
    nan_policy : {"raise", "omit"}
        NaN policy of :func:`~neurokit.similarity._checks.as_responses`.

    Returns
    -------
    xarray.Dataset
        ``reliability`` (``(neuroid,)`` or scalar): mean over splits (corrected when asked);
        ``reliability_std``: its standard deviation over splits; ``raw``: the uncorrected mean
        split-half r; ``splits`` (``(split, ...)``): the per-split (corrected) values.
        ``attrs``: ``kind``, ``per``, ``spearman_brown``, ``n_splits``, ``n_repetitions``,
        ``seed`` (and ``method``/``rdm_metric`` for ``per="rdm"``).

    Raises
    ------
    SchemaError
        Not 3-D, fewer than 2 repetitions or 3 stimuli.
    InvalidValueError
        NaN/inf (``nan_policy="raise"``) or a neuroid constant over stimuli.
    ConfigError
        Unknown ``per`` or ``n_splits < 1``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> signal = rng.normal(size=(20, 5))
    >>> reps = signal + 0.5 * rng.normal(size=(4, 20, 5))
    >>> rel = split_half_reliability(reps, n_splits=10)
    >>> rel["reliability"].dims, bool((rel["reliability"] > rel["raw"]).all())
    (('neuroid',), True)
    """
    if per not in ("neuroid", "rdm"):
        raise ConfigError("unknown split-half level", field="per",
                          expected="'neuroid' or 'rdm'", found=repr(per))
    if not isinstance(n_splits, (int, np.integer)) or n_splits < 1:
        raise ConfigError("n_splits must be a positive integer", field="n_splits",
                          expected="an int >= 1", found=repr(n_splits))
    da = _as_repeated(responses, repetition_dim=repetition_dim, sample_dim=sample_dim,
                      nan_policy=nan_policy, name="responses")
    feature_dim = da.dims[2]
    n_rep = da.sizes[repetition_dim]
    rng = np.random.default_rng(seed)
    masks = _half_assignments(n_rep, n_splits, rng)
    wa = masks / masks.sum(axis=1, keepdims=True)
    wb = ~masks / (~masks).sum(axis=1, keepdims=True)
    values = da.values
    attrs = {"kind": "split-half over repetitions", "per": per,
             "spearman_brown": bool(spearman_brown), "n_splits": int(n_splits),
             "n_repetitions": int(n_rep), "seed": int(seed)}
    if per == "neuroid":
        check_nonconstant(da.mean(repetition_dim), along=sample_dim, name="responses",
                          what="neuroid")
        per_block = max(1, _BLOCK_ITEMS // max(1, values[0].size))
        raw = np.empty((n_splits, values.shape[2]))
        for start in range(0, n_splits, per_block):
            sl = slice(start, start + per_block)
            half_a = np.einsum("sr,rij->sij", wa[sl], values, optimize=True)
            half_b = np.einsum("sr,rij->sij", wb[sl], values, optimize=True)
            raw[sl] = _columnwise_pearson(half_a, half_b)
        dims: tuple[str, ...] = (feature_dim,)
        coords = {k: v for k, v in da.coords.items() if v.dims == (feature_dim,)}
    else:
        from neurokit.similarity.compare import compare_rdms
        from neurokit.similarity.rdm import compute_rdm, rdm_vector

        labels = da[sample_dim].values
        raw = np.empty(n_splits)
        for s in range(n_splits):
            halves = [xr.DataArray(np.tensordot(w[s], values, axes=1),
                                   dims=(sample_dim, feature_dim),
                                   coords={sample_dim: labels}) for w in (wa, wb)]
            rdms = [rdm_vector(compute_rdm(h, rdm_metric, sample_dim=sample_dim))
                    for h in halves]
            raw[s] = compare_rdms(rdms[0], rdms[1], method=method)
        dims, coords = (), {}
        attrs.update(method=method, rdm_metric=rdm_metric)
    corrected = _sb2(raw) if spearman_brown else raw
    out = xr.Dataset(
        {"reliability": (dims, corrected.mean(axis=0)),
         "reliability_std": (dims, corrected.std(axis=0)),
         "raw": (dims, raw.mean(axis=0)),
         "splits": (("split", *dims), corrected)},
        coords={**coords, "split": np.arange(n_splits)}, attrs=attrs)
    return out


def _sb2(r: np.ndarray) -> np.ndarray:
    """Array form of :func:`spearman_brown` with ``factor=2`` (always an array)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 2.0 * r / (1.0 + r)



def neuron_split_ceiling(
    responses: xr.DataArray | np.ndarray,
    *,
    metric: str | Callable[[xr.DataArray, xr.DataArray], float] = "rsa",
    rdm_metric: str = "correlation",
    method: str = "spearman",
    n_splits: int = 100,
    seed: int = 0,
    spearman_brown: bool = True,
    sample_dim: str = "stimulus",
    nan_policy: NanPolicy = "raise",
) -> xr.Dataset:
    """Split-half ceiling over *neurons*, for trial-averaged data.

    For each of ``n_splits`` random splits the neuroids are divided into two halves (sizes
    ``N // 2`` and ``N - N // 2``) and the two sub-populations are compared: with
    ``metric="rsa"`` an RDM (``rdm_metric``) of each half compared with ``compare_rdms``
    (``method``); with a callable, ``metric(half_a, half_b) -> float`` (e.g. a CKA).
    With ``spearman_brown=True`` each split's value ``r`` becomes :math:`2r / (1 + r)`.

    This is an *extrapolation*: it estimates how consistent the population RDM would be
    between two independent samples of the **full** population size, assuming neurons are
    exchangeable samples from one population; it measures sampling of neurons, not trial
    noise (which trial-averaged data cannot show). Correction makes sense for correlation-like
    scores (RSA); pass ``spearman_brown=False`` for other metrics.

    Parameters
    ----------
    responses : xarray.DataArray or numpy.ndarray
        ``(stimulus, neuroid)`` (``(time, neuroid)`` with ``sample_dim="time"``), at least 2
        neuroids.
    metric : "rsa" or callable
        How two halves are compared.
    rdm_metric, method : str
        RDM metric and comparator for ``metric="rsa"``.
    n_splits : int
        Random splits (>= 1).
    seed : int
        Seed of the split generator.
    spearman_brown : bool
        Apply the Spearman–Brown correction (factor 2).
    sample_dim : str
        The stimulus (or frame) dim.
    nan_policy : {"raise", "omit"}
        NaN policy of :func:`~neurokit.similarity._checks.as_responses`.

    Returns
    -------
    xarray.Dataset
        Scalars ``ceiling`` (mean over splits, corrected when asked), ``ceiling_std``,
        ``raw`` (uncorrected mean), and ``splits`` (``(split,)``); ``attrs`` state the kind,
        metric, correction, ``n_splits``, ``n_neuroids`` and ``seed``.

    Raises
    ------
    SchemaError
        Not 2-D, fewer than 3 stimuli or 2 neuroids.
    InvalidValueError
        NaN/inf (``nan_policy="raise"``).
    ConfigError
        Unknown metric or bad ``n_splits``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> latent = rng.normal(size=(12, 3))
    >>> x = latent @ rng.normal(size=(3, 40)) + 0.3 * rng.normal(size=(12, 40))
    >>> c = neuron_split_ceiling(x, n_splits=5)
    >>> 0.5 < float(c["ceiling"]) <= 1.0
    True
    """
    if not (metric == "rsa" or callable(metric)):
        raise ConfigError("unknown neuron-split metric", field="metric",
                          expected="'rsa' or a callable(half_a, half_b) -> float",
                          found=repr(metric))
    if not isinstance(n_splits, (int, np.integer)) or n_splits < 1:
        raise ConfigError("n_splits must be a positive integer", field="n_splits",
                          expected="an int >= 1", found=repr(n_splits))
    da = as_responses(responses, name="responses", sample_dim=sample_dim, nan_policy=nan_policy)
    feature_dim = da.dims[1]
    n = da.sizes[feature_dim]
    if n < 2:
        raise SchemaError("a neuron-split ceiling needs at least 2 neuroids", field=feature_dim,
                          expected="at least 2 (many more for a stable estimate)",
                          found=str(n))
    rng = np.random.default_rng(seed)
    masks = _half_assignments(n, n_splits, rng)
    raw = np.empty(n_splits)
    if metric == "rsa":
        from neurokit.similarity.compare import compare_rdms
        from neurokit.similarity.rdm import compute_rdm, rdm_vector

        for s in range(n_splits):
            va = rdm_vector(compute_rdm(da.isel({feature_dim: masks[s]}), rdm_metric,
                                        sample_dim=sample_dim))
            vb = rdm_vector(compute_rdm(da.isel({feature_dim: ~masks[s]}), rdm_metric,
                                        sample_dim=sample_dim))
            raw[s] = compare_rdms(va, vb, method=method)
        name = f"rsa ({rdm_metric} RDM, {method})"
    else:
        for s in range(n_splits):
            raw[s] = float(metric(da.isel({feature_dim: masks[s]}),
                                  da.isel({feature_dim: ~masks[s]})))
        name = getattr(metric, "__name__", repr(metric))
    corrected = _sb2(raw) if spearman_brown else raw
    return xr.Dataset(
        {"ceiling": ((), corrected.mean()), "ceiling_std": ((), corrected.std()),
         "raw": ((), raw.mean()), "splits": (("split",), corrected)},
        coords={"split": np.arange(n_splits)},
        attrs={"kind": "split-half over neurons (extrapolated to the full population)"
               if spearman_brown else "split-half over neurons (half population)",
               "metric": name, "spearman_brown": bool(spearman_brown),
               "n_splits": int(n_splits), "n_neuroids": int(n), "seed": int(seed)})


# ----------------------------------------------------------------------------------------
# leave-one-subject-out bounds


def _rank_rows(v: np.ndarray) -> np.ndarray:
    """Ranks (ties averaged, 1-based) of each row."""
    from scipy.stats import rankdata

    return rankdata(v, axis=1, method="average")


def _pool_rdms(vectors: np.ndarray, method: str) -> np.ndarray:
    """Mean of condensed RDMs after the transform that makes the mean optimal for ``method``."""
    if method in ("spearman", "rho_a", "tau_a"):
        v = _rank_rows(vectors)
    elif method in ("pearson", "whitened_pearson"):
        v = vectors - vectors.mean(axis=1, keepdims=True)
        v = v / v.std(axis=1, keepdims=True)
    elif method in ("cosine", "whitened_cosine"):
        v = vectors / np.sqrt((vectors ** 2).mean(axis=1, keepdims=True))
    else:
        v = vectors
    return v.mean(axis=0)


def _subject_vectors(subject_rdms: xr.DataArray | np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                        str]:
    """``(n_subjects, n_pairs)`` condensed vectors, subject labels and the subject dim name."""
    if isinstance(subject_rdms, xr.DataArray):
        subject_dim = subject_rdms.dims[0]
        labels = subject_rdms[subject_dim].values if subject_dim in subject_rdms.coords \
            else np.arange(subject_rdms.sizes[subject_dim])
        values = subject_rdms.values
    else:
        values = np.asarray(subject_rdms)
        subject_dim, labels = "subject", np.arange(values.shape[0]) if values.ndim else []
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 3:
        n = values.shape[1]
        if values.shape[2] != n:
            raise SchemaError("subject RDMs must be square", field="subject_rdms",
                              expected="shape (subject, n, n)", found=f"shape {values.shape}")
        iu = np.triu_indices(n, 1)
        vectors = values[:, iu[0], iu[1]]
    elif values.ndim == 2:
        vectors = values
        n = int(round((1 + np.sqrt(1 + 8 * values.shape[1])) / 2))
        if n * (n - 1) // 2 != values.shape[1]:
            raise SchemaError("condensed RDMs have a length that is not n(n-1)/2",
                              field="subject_rdms", expected="n(n-1)/2 entries per subject",
                              found=str(values.shape[1]))
    else:
        raise SchemaError("subject_rdms must be (subject, n, n) or (subject, n_pairs)",
                          field="subject_rdms", expected="3-D or 2-D",
                          found=f"shape {values.shape}")
    if n < 3:
        raise SchemaError("RDMs need at least 3 stimuli", field="subject_rdms",
                          expected="at least 3", found=str(n))
    if vectors.shape[0] < 2:
        raise SchemaError("a leave-one-subject-out ceiling needs at least 2 subjects",
                          field=subject_dim, expected="at least 2",
                          found=str(vectors.shape[0]))
    if not np.isfinite(vectors).all():
        s = int(np.argwhere(~np.isfinite(vectors))[0, 0])
        raise InvalidValueError("subject RDMs hold NaN or inf", field="subject_rdms",
                                expected="finite dissimilarities",
                                found=f"non-finite entries in subject {labels[s]!r}")
    return vectors, np.asarray(labels), subject_dim


def rdm_noise_ceiling(
    subject_rdms: xr.DataArray | np.ndarray, method: str = "spearman",
) -> xr.Dataset:
    """Leave-one-subject-out lower and upper bounds of the noise ceiling (Nili et al. 2014).

    With the subjects' condensed RDMs :math:`d_s`, a pooling transform :math:`T` suited to the
    comparator (ranks for ``"spearman"``/``"rho_a"``/``"tau_a"``, z-scores for ``"pearson"``
    and ``"whitened_pearson"``, division by the root mean square for the cosines, none
    otherwise) and the comparator :math:`c`:

    * lower bound: :math:`\\frac{1}{S}\\sum_s c(\\overline{T d}_{-s}, d_s)` — each subject
      against the mean of the *others* (an underestimate of the true model's score);
    * upper bound: :math:`\\frac{1}{S}\\sum_s c(\\overline{T d}, d_s)` — each subject against
      the mean of *all* (including itself: an overestimate).

    This is the definition of ``rsatoolbox.inference.boot_noise_ceiling`` (its ``pool_rdm``
    transforms), without bootstrap; the two agree to floating point for ``"spearman"``
    (rsatoolbox ``"spearman"``), ``"pearson"`` (``"corr"``), ``"cosine"``, ``"rho_a"``
    (``"rho-a"``) and ``"tau_a"`` (``"tau-a"``, pooled by average ranks as rsatoolbox does).

    Parameters
    ----------
    subject_rdms : xarray.DataArray or numpy.ndarray
        ``(subject, stimulus_i, stimulus_j)`` square RDMs or ``(subject, n_pairs)`` condensed
        upper triangles (row-major ``np.triu_indices(n, 1)`` order); the first dim is the
        subject dim, whatever its name.
    method : str
        Comparator (see ``compare_rdms``).

    Returns
    -------
    xarray.Dataset
        Scalars ``lower`` and ``upper``; ``lower_per_subject`` and ``upper_per_subject``
        along the subject dim. ``attrs``: ``kind``, ``method``, ``pooling``, ``n_subjects``.

    Raises
    ------
    SchemaError
        Fewer than 2 subjects or 3 stimuli, non-square RDMs.
    InvalidValueError
        NaN or inf.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.random(45)
    >>> rdms = truth + 0.3 * rng.random((5, 45))
    >>> nc = rdm_noise_ceiling(rdms)
    >>> bool(nc["lower"] <= nc["upper"])
    True
    """
    from neurokit.similarity.compare import compare_rdms

    vectors, labels, subject_dim = _subject_vectors(subject_rdms)
    s = vectors.shape[0]
    pooled_all = _pool_rdms(vectors, method)
    lower = np.empty(s)
    upper = np.empty(s)
    for k in range(s):
        others = np.delete(vectors, k, axis=0)
        lower[k] = compare_rdms(_pool_rdms(others, method), vectors[k], method=method)
        upper[k] = compare_rdms(pooled_all, vectors[k], method=method)
    pooling = {"spearman": "ranks", "rho_a": "ranks", "tau_a": "ranks",
               "pearson": "z-scores", "whitened_pearson": "z-scores",
               "cosine": "rms-normalised", "whitened_cosine": "rms-normalised"}.get(method,
                                                                                   "none")
    return xr.Dataset(
        {"lower": ((), lower.mean()), "upper": ((), upper.mean()),
         "lower_per_subject": ((subject_dim,), lower),
         "upper_per_subject": ((subject_dim,), upper)},
        coords={subject_dim: labels},
        attrs={"kind": "leave-one-subject-out (Nili et al. 2014)", "method": method,
               "pooling": pooling, "n_subjects": int(s)})


# ----------------------------------------------------------------------------------------
# normalisation


def normalize_by_ceiling(
    score: float | xr.DataArray | np.ndarray,
    ceiling: float | xr.DataArray | np.ndarray,
    mode: NormalizeMode = "ratio",
) -> xr.DataArray:
    """A score divided by a noise ceiling, the normalisation mode stated.

    * ``"ratio"`` (default): :math:`s / c` — for a ceiling on the score's own scale (an RDM
      split-half reliability for an RSA score, a split-half reliability for a correlation
      with the same data). Not squared.
    * ``"sqrt"``: :math:`s / \\sqrt{c}` — when ``c`` is a *reliability* (correlation of the
      data with a replicate) and ``s`` a correlation of a model with the data: the largest
      correlation any model can reach is :math:`\\sqrt{c}`.
    * ``"squared"``: :math:`s^2 / c` — explained variance relative to the reliability; only
      when asked.

    Parameters
    ----------
    score : float, numpy.ndarray or xarray.DataArray
        Score(s).
    ceiling : float, numpy.ndarray or xarray.DataArray
        Ceiling(s), > 0; broadcast against ``score`` (by dim name for DataArrays).
    mode : {"ratio", "sqrt", "squared"}
        Normalisation (see above).

    Returns
    -------
    xarray.DataArray
        The normalised score(s) (0-d for scalars), ``attrs["normalization"]`` the mode and
        formula.

    Raises
    ------
    InvalidValueError
        A ceiling <= 0 or not finite.
    ConfigError
        Unknown mode.

    Examples
    --------
    >>> float(normalize_by_ceiling(0.3, 0.6))
    0.5
    >>> round(float(normalize_by_ceiling(0.3, 0.36, mode="sqrt")), 6)
    0.5
    """
    if mode not in _NORMALIZE_MODES:
        raise ConfigError("unknown normalisation mode", field="mode",
                          expected=" or ".join(repr(m) for m in _NORMALIZE_MODES),
                          found=repr(mode))
    c = ceiling if isinstance(ceiling, xr.DataArray) else xr.DataArray(
        np.asarray(ceiling, dtype=np.float64))
    s = score if isinstance(score, xr.DataArray) else xr.DataArray(
        np.asarray(score, dtype=np.float64))
    cv = np.asarray(c.values, dtype=np.float64)
    bad = ~np.isfinite(cv) | (cv <= 0)
    if bad.any():
        first = cv.ravel()[np.flatnonzero(bad.ravel())[0]]
        raise InvalidValueError("a noise ceiling must be positive and finite to normalise by",
                                field="ceiling", expected="ceiling > 0",
                                found=f"{int(bad.sum())} bad value(s), e.g. {first!r}")
    if mode == "ratio":
        out, formula = s / c, "score / ceiling"
    elif mode == "sqrt":
        out, formula = s / np.sqrt(c), "score / sqrt(ceiling)"
    else:
        out, formula = s ** 2 / c, "score**2 / ceiling"
    out = out.astype(np.float64)
    out.attrs = {"normalization": mode, "formula": formula}
    return out
