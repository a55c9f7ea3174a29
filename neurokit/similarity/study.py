"""The study-level call: every model layer against every neural region, with CIs and ceilings.

:func:`layer_region_scores` takes a network (or precomputed activations) and a neural dataset
with an ``area`` coordinate and returns the layer x region score matrix of one metric as an
``xr.Dataset``: bootstrap confidence intervals, a noise ceiling per region, ceiling-normalised
scores (mode stated) and the best layer per region. :class:`LayerRegionStudy` is the same as a
scikit-learn-style estimator.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
import xarray as xr

from neurokit.errors import ConfigError, MissingDataError, SchemaError
from neurokit.similarity._checks import NanPolicy, align_samples, as_responses
from neurokit.similarity.ceilings import (
    _NORMALIZE_MODES,
    _half_assignments,
    neuron_split_ceiling,
    normalize_by_ceiling,
    split_half_reliability,
)
from neurokit.similarity.inference import bootstrap
from neurokit.similarity.tsrsa import _regions

__all__ = ["layer_region_scores", "LayerRegionStudy", "METRICS"]

Metric = Literal["rsa", "cka", "svcca", "pwcca", "encoding", "procrustes"]
#: metrics :func:`layer_region_scores` knows
METRICS: tuple[str, ...] = ("rsa", "cka", "svcca", "pwcca", "encoding", "procrustes")
_CEILINGS = ("auto", "repetition", "neuron", "none")


#: metrics computed on duplicated stimulus rows in a stimulus bootstrap (biased by the copies)
_DUPLICATE_SENSITIVE = ("cka", "svcca", "pwcca", "procrustes")


def _jackknife_interval(fn: Callable[[Any, Any], float], x: xr.DataArray, y: xr.DataArray,
                        ci: float) -> tuple[float, float, float]:
    """``(estimate, low, high)``: delete-one-stimulus jackknife normal interval of ``fn``."""
    from scipy.stats import norm

    estimate = fn(x, y)
    labels = x["stimulus"].values
    loo = np.array([fn(x.drop_sel(stimulus=[s]), y.drop_sel(stimulus=[s])) for s in labels])
    n = len(labels)
    se = float(np.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2)))
    half = float(norm.ppf(0.5 + ci / 2.0)) * se
    return estimate, estimate - half, estimate + half


def _pair_metric(metric: str, kwargs: Mapping[str, Any]) -> Callable[[Any, Any], float]:
    """``f(X, Y) -> float`` for the response-matrix metrics."""
    if metric == "cka":
        from neurokit.similarity.cka import cka

        def fn(a, b):
            return cka(a, b, **kwargs)
    elif metric == "svcca":
        from neurokit.similarity.cca import svcca

        def fn(a, b):
            return svcca(a, b, **kwargs)
    elif metric == "pwcca":
        from neurokit.similarity.cca import pwcca

        def fn(a, b):
            return pwcca(a, b, **kwargs)
    elif metric == "procrustes":
        from neurokit.similarity.procrustes import procrustes_distance

        def fn(a, b):
            return procrustes_distance(a, b, **kwargs)
    else:  # encoding: median over neuroids of the cross-validated r
        from neurokit.similarity.encoding import encoding_score

        def fn(a, b):
            return float(np.median(encoding_score(a, b, **kwargs).values))
    fn.__name__ = metric
    return fn


def _neural_parts(neural: Any, repetition_dim: str, nan_policy: NanPolicy
                  ) -> tuple[xr.DataArray, xr.DataArray | None]:
    """Trial-averaged ``(stimulus, neuroid)`` responses and the repeated ones (or None)."""
    if isinstance(neural, np.ndarray):
        if neural.ndim == 3:
            neural = xr.DataArray(neural, dims=(repetition_dim, "stimulus", "neuroid"))
        else:
            neural = xr.DataArray(np.asarray(neural), dims=("stimulus", "neuroid")) \
                if np.ndim(neural) == 2 else neural
    if not isinstance(neural, xr.DataArray):
        raise SchemaError("neural must be a DataArray (stimulus, neuroid) with an area coord",
                          field="neural", expected="xarray.DataArray or numpy array",
                          found=type(neural).__name__)
    if repetition_dim in neural.dims:
        if neural.ndim != 3 or "stimulus" not in neural.dims:
            raise SchemaError("repeated neural responses must be 3-D", field="neural",
                              expected=f"dims ({repetition_dim!r}, 'stimulus', <neuroid dim>)",
                              found=f"dims {neural.dims}")
        feature_dim = next(d for d in neural.dims if d not in (repetition_dim, "stimulus"))
        repeated = neural.transpose(repetition_dim, "stimulus", feature_dim)
        mean = as_responses(repeated.mean(repetition_dim, skipna=False), name="neural",
                            nan_policy=nan_policy)
        if "n_features_omitted" in mean.attrs:
            repeated = repeated.isel({feature_dim: ~np.isnan(repeated.values).any(axis=(0, 1))})
        if "stimulus" not in repeated.coords:
            repeated = repeated.assign_coords(stimulus=mean["stimulus"].values)
        if repeated.sizes[repetition_dim] < 2:
            repeated = None
        return mean, repeated
    return as_responses(neural, name="neural", nan_policy=nan_policy), None


def _layers(activations: Mapping[str, Any], layers: Any) -> dict[str, Any]:
    if not isinstance(activations, Mapping) or not activations:
        raise SchemaError("activations must be a non-empty mapping layer name -> "
                          "(stimulus, feature) array", field="activations",
                          expected="dict[str, DataArray]", found=type(activations).__name__)
    if layers is None:
        return dict(activations)
    names = [layers] if isinstance(layers, str) else list(layers)
    missing = [n for n in names if n not in activations]
    if missing:
        raise MissingDataError("layer(s) not in the activations", field="layers",
                               expected=f"names among {list(activations)[:10]}",
                               found=f"{missing}")
    return {n: activations[n] for n in names}


def _repetition_ceiling(metric: str, fn: Callable | None, region: xr.DataArray, *,
                        repetition_dim: str, compare: str, rdm_metric: str, n_splits: int,
                        seed: int) -> float:
    if metric == "rsa":
        return float(split_half_reliability(
            region, repetition_dim=repetition_dim, per="rdm", method=compare,
            rdm_metric=rdm_metric, n_splits=n_splits, seed=seed)["reliability"])
    if metric == "encoding":
        rel = split_half_reliability(region, repetition_dim=repetition_dim, per="neuroid",
                                     n_splits=n_splits, seed=seed)["reliability"]
        return float(np.median(rel.values))
    rng = np.random.default_rng(seed)
    masks = _half_assignments(region.sizes[repetition_dim], n_splits, rng)
    values = [fn(region.isel({repetition_dim: m}).mean(repetition_dim),
                 region.isel({repetition_dim: ~m}).mean(repetition_dim)) for m in masks]
    return float(np.mean(values))


def layer_region_scores(
    activations: Mapping[str, xr.DataArray | np.ndarray] | None = None,
    neural: xr.DataArray | np.ndarray | None = None,
    *,
    model: Any = None,
    stimuli: Any = None,
    layers: str | list[str] | None = None,
    metric: Metric = "rsa",
    rdm_metric: str = "correlation",
    compare: str = "spearman",
    n_boot: int = 200,
    ci: float = 0.95,
    boot_over: Literal["stimulus", "neuroid"] | None = None,
    ceiling: Literal["auto", "repetition", "neuron", "none"] | None = "auto",
    normalize: Literal["ratio", "sqrt", "squared"] | None = "ratio",
    n_splits: int = 20,
    seed: int = 0,
    region_coord: str = "area",
    repetition_dim: str = "repetition",
    metric_kwargs: Mapping[str, Any] | None = None,
    extract_kwargs: Mapping[str, Any] | None = None,
    nan_policy: NanPolicy = "raise",
) -> xr.Dataset:
    """Layer x region score matrix of one similarity metric, with CIs and noise ceilings.

    Scores (``metric``), for layer activations ``X_l`` and region responses ``Y_r``
    (trial-averaged when repeated), stimuli aligned by label:

    * ``"rsa"``: ``compare_rdms(rdm(X_l), rdm(Y_r), method=compare)``, RDMs by ``rdm_metric``;
    * ``"cka"`` / ``"svcca"`` / ``"pwcca"``: :func:`cka`, :func:`svcca`, :func:`pwcca`;
    * ``"encoding"``: median over the region's neuroids of the cross-validated Pearson r of
      :func:`encoding_score` (not squared);
    * ``"procrustes"``: :func:`procrustes_distance` — a **distance** (lower is better; the
      best layer is the arg-min, ``attrs["higher_is_better"] = False``).

    Confidence intervals: percentile bootstrap (``n_boot`` resamples, the same resamples for
    every layer and region; ``boot_over`` picks the unit). By default RSA: over stimuli, on
    the RDMs, pairs of a stimulus with its own copy dropped (see
    :mod:`neurokit.similarity.inference`); cka/svcca/pwcca/procrustes: over stimuli by the
    delete-one jackknife instead (normal interval ``s ± z SE_jack``): a bootstrap would
    duplicate stimulus rows, which inflates these metrics (CKA of a resample sits above the
    estimate), over neuroids by the percentile bootstrap; encoding: over the region's
    neuroids (the per-neuroid r are resampled, the model is not refitted — resampling stimuli
    would put copies of a stimulus in both training and test folds, so it is refused).

    Ceilings per region (``ceiling="auto"``: ``"repetition"`` when ``neural`` has a
    ``repetition`` dim with >= 2 repetitions, else ``"neuron"``):

    * ``"repetition"``: split-half over repetitions, the two half-means compared by the metric
      itself — RSA: RDM split-half reliability, Spearman–Brown corrected; encoding: median over
      neuroids of the per-neuroid split-half r, Spearman–Brown corrected; other metrics: the
      metric between the half-means, *uncorrected*;
    * ``"neuron"``: split-half over neuroids (:func:`neuron_split_ceiling`): RSA Spearman–Brown
      corrected (extrapolated to the full population); other metrics: the metric between the
      two half-populations, uncorrected;
    * ``"none"``: NaN.

    ``normalized = normalize_by_ceiling(score, ceiling, mode=normalize)`` per region
    (``"ratio"``: score / ceiling, not squared; ``"sqrt"``: score / sqrt(ceiling);
    ``"squared"``: score**2 / ceiling); NaN (with a warning) where a ceiling is not positive.

    Parameters
    ----------
    activations : mapping of str to xarray.DataArray or numpy.ndarray, optional
        Layer name -> ``(stimulus, feature)`` activations; the order is the depth order.
    neural : xarray.DataArray or numpy.ndarray
        ``(stimulus, neuroid)`` or ``(repetition, stimulus, neuroid)`` responses with an
        ``area`` (``region_coord``) coordinate on the neuroid dim (without one: one region).
    model, stimuli : optional
        Instead of ``activations``: a ``torch.nn.Module`` and its stimuli, passed to
        :func:`~neurokit.similarity.activations.extract_activations` with ``layers`` and
        ``extract_kwargs``.
    layers : str or list of str, optional
        Layers to score, in depth order (default: every layer of ``activations``).
    metric : {"rsa", "cka", "svcca", "pwcca", "encoding", "procrustes"}
        The similarity metric.
    rdm_metric, compare : str
        RDM metric and comparator for ``metric="rsa"``.
    n_boot : int
        Bootstrap resamples (0: no CI, NaN bounds).
    ci : float
        Coverage of the percentile interval.
    boot_over : {"stimulus", "neuroid"}, optional
        Bootstrap unit; default ``"neuroid"`` for encoding (the only one allowed), else
        ``"stimulus"``. Over neuroids the region's neuroids are resampled (RSA: its RDM is
        recomputed on each resample).
    ceiling : {"auto", "repetition", "neuron", "none"} or None
        Noise-ceiling kind (see above).
    normalize : {"ratio", "sqrt", "squared"} or None
        Normalisation mode (None: ``normalized`` is NaN).
    n_splits : int
        Random splits of the ceiling.
    seed : int
        Seed of the bootstrap, the ceiling splits and the encoding folds.
    region_coord, repetition_dim : str
        Names of the region coordinate and the repetition dim.
    metric_kwargs : mapping, optional
        Extra keyword arguments of the metric function (``compute_rdm`` for RSA, e.g.
        ``{"normalize": True}``; ``{"debiased": True}`` for CKA; ``{"model": "pls"}`` for
        encoding).
    extract_kwargs : mapping, optional
        Extra keyword arguments of ``extract_activations`` (e.g. ``time_steps``).
    nan_policy : {"raise", "omit"}
        NaN policy for the neural responses.

    Returns
    -------
    xarray.Dataset
        Dims ``(layer, region)``; variables ``score``, ``ci_low``, ``ci_high``,
        ``normalized``, ``normalized_ci_low``, ``normalized_ci_high`` ``(layer, region)``;
        ``ceiling`` ``(region,)``; ``best_layer`` ``(region,)`` (layer name) and
        ``best_score``. Coords: ``layer``, ``depth`` (0..L-1 on ``layer``), ``region``,
        ``n_neuroids`` (on ``region``). ``attrs``: ``metric``, ``method``, ``rdm_metric``,
        ``ceiling``, ``normalization``, ``n_boot``, ``ci``, ``ci_method``, ``seed``,
        ``higher_is_better``, ``n_stimuli``.

    Raises
    ------
    ConfigError
        Unknown metric, ceiling or normalisation mode, neither/both of ``activations`` and
        ``model``.
    SchemaError
        Layers and neural data on different stimulus sets (the mismatch named), fewer than 3
        stimuli, wrong dims.
    MissingDataError
        A requested layer absent from ``activations`` (or from the model).
    InvalidValueError
        NaN/inf (``nan_policy="raise"``), constant features where the metric needs variance.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> acts = {"l1": rng.normal(size=(12, 8)), "l2": rng.normal(size=(12, 8))}
    >>> y = acts["l2"] @ rng.normal(size=(8, 10)) + 0.1 * rng.normal(size=(12, 10))
    >>> neural = xr.DataArray(y, dims=("stimulus", "neuroid"),
    ...                       coords={"area": ("neuroid", ["V1"] * 10)})
    >>> res = layer_region_scores(acts, neural, n_boot=20, n_splits=5)
    >>> res["score"].dims, res["best_layer"].values.tolist()
    (('layer', 'region'), ['l2'])
    """
    if metric not in METRICS:
        raise ConfigError("unknown similarity metric", field="metric",
                          expected=" or ".join(repr(m) for m in METRICS), found=repr(metric))
    if ceiling is None:
        ceiling = "none"
    if ceiling not in _CEILINGS:
        raise ConfigError("unknown ceiling kind", field="ceiling",
                          expected=" or ".join(repr(c) for c in _CEILINGS), found=repr(ceiling))
    if normalize is not None and normalize not in _NORMALIZE_MODES:
        raise ConfigError("unknown normalisation mode", field="normalize",
                          expected=" or ".join(repr(m) for m in _NORMALIZE_MODES) + " or None",
                          found=repr(normalize))
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ConfigError("n_boot must be a non-negative integer", field="n_boot",
                          expected="an int >= 0", found=repr(n_boot))
    if boot_over not in (None, "stimulus", "neuroid"):
        raise ConfigError("unknown bootstrap unit", field="boot_over",
                          expected="'stimulus', 'neuroid' or None", found=repr(boot_over))
    if metric == "encoding" and boot_over == "stimulus":
        raise ConfigError("the encoding score is cross-validated over stimuli: resampling "
                          "stimuli would put copies of one stimulus in training and test "
                          "folds", field="boot_over", expected="'neuroid' (or None)",
                          found="'stimulus'")
    if neural is None:
        raise SchemaError("neural responses are required", field="neural",
                          expected="a (stimulus, neuroid) DataArray", found="None")
    if (activations is None) == (model is None):
        raise ConfigError("give either precomputed activations or a model with stimuli",
                          field="activations", expected="exactly one of activations / model",
                          found="both" if model is not None else "neither")
    if model is not None:
        if stimuli is None or layers is None:
            raise ConfigError("a model needs stimuli and layers", field="stimuli",
                              expected="stimuli and layers given with model",
                              found=f"stimuli={'set' if stimuli is not None else None}, "
                                    f"layers={layers!r}")
        from neurokit.similarity.activations import extract_activations

        activations = extract_activations(model, stimuli, layers, **dict(extract_kwargs or {}))
    kwargs = dict(metric_kwargs or {})
    if metric == "encoding":
        kwargs.setdefault("seed", seed)
    mean, repeated = _neural_parts(neural, repetition_dim, nan_policy)
    feature_dim, region_names, masks = _regions(mean, region_coord)
    chosen = _layers(activations, layers)
    xs: dict[str, xr.DataArray] = {}
    for name, act in chosen.items():
        x = as_responses(act, name=f"model layer {name!r}")
        if isinstance(act, xr.DataArray) or isinstance(neural, xr.DataArray):
            _, x = align_samples(mean, x, names=("neural", f"model layer {name!r}"))
        elif x.sizes["stimulus"] != mean.sizes["stimulus"]:
            raise SchemaError("model layer and neural data have different numbers of stimuli",
                              field="stimulus", expected=f"{mean.sizes['stimulus']} stimuli",
                              found=f"{x.sizes['stimulus']} in layer {name!r}")
        xs[name] = x
    regions = [mean.isel({feature_dim: m}) for m in masks]
    n_layers, n_regions = len(xs), len(regions)
    score = np.full((n_layers, n_regions), np.nan)
    low = np.full_like(score, np.nan)
    high = np.full_like(score, np.nan)
    fn = None if metric == "rsa" else _pair_metric(metric, kwargs)
    over = boot_over or ("neuroid" if metric == "encoding" else "stimulus")
    alpha = (1.0 - ci) / 2.0
    if metric == "rsa":
        from neurokit.similarity.compare import compare_rdms
        from neurokit.similarity.rdm import compute_rdm

        iu = np.triu_indices(mean.sizes["stimulus"], 1)
        layer_rdms = [compute_rdm(x, rdm_metric, **kwargs) for x in xs.values()]
        region_rdms = [compute_rdm(y, rdm_metric, **kwargs) for y in regions]
        layer_vecs = [np.asarray(r.values)[iu] for r in layer_rdms]
        for j, rr in enumerate(region_rdms):
            rv = np.asarray(rr.values)[iu]
            score[:, j] = [compare_rdms(lv, rv, method=compare) for lv in layer_vecs]
            if n_boot and over == "stimulus":
                for i, lr in enumerate(layer_rdms):
                    res = bootstrap(compare, lr, rr, n_boot=n_boot, ci=ci, seed=seed)
                    low[i, j], high[i, j] = float(res["ci_low"]), float(res["ci_high"])
            elif n_boot:  # neuroids: the region's RDM recomputed on each resample
                n_neu = regions[j].sizes[feature_dim]
                draws = np.random.default_rng(seed).integers(0, n_neu, size=(n_boot, n_neu))
                samples = np.empty((len(layer_vecs), n_boot))
                for b, d in enumerate(draws):
                    v = np.asarray(compute_rdm(regions[j].isel({feature_dim: d}), rdm_metric,
                                               **kwargs).values)[iu]
                    samples[:, b] = [compare_rdms(lv, v, method=compare) for lv in layer_vecs]
                low[:, j], high[:, j] = np.nanquantile(samples, [alpha, 1.0 - alpha], axis=1)
    elif metric == "encoding":
        from neurokit.similarity.encoding import encoding_score

        for j, y in enumerate(regions):
            n_neu = y.sizes[feature_dim]
            draws = np.random.default_rng(seed).integers(0, n_neu, size=(n_boot, n_neu))
            for i, x in enumerate(xs.values()):
                r = np.asarray(encoding_score(x, y, **kwargs).values)
                score[i, j] = float(np.median(r))
                if n_boot:
                    samples = np.median(r[draws], axis=1)
                    low[i, j], high[i, j] = np.quantile(samples, [alpha, 1.0 - alpha])
    else:
        for i, x in enumerate(xs.values()):
            for j, y in enumerate(regions):
                if n_boot and over == "stimulus":
                    score[i, j], low[i, j], high[i, j] = _jackknife_interval(fn, x, y, ci)
                elif n_boot:
                    res = bootstrap(fn, x, y, over=feature_dim, n_boot=n_boot, ci=ci,
                                    seed=seed)
                    score[i, j] = float(res["estimate"])
                    low[i, j], high[i, j] = float(res["ci_low"]), float(res["ci_high"])
                else:
                    score[i, j] = fn(x, y)

    # ---- ceilings
    kind = ceiling
    if kind == "auto":
        kind = "repetition" if repeated is not None else "neuron"
    if kind == "repetition" and repeated is None:
        raise SchemaError("a repetition ceiling needs repeated responses", field=repetition_dim,
                          expected=f"neural with a {repetition_dim!r} dim of >= 2 repetitions",
                          found=f"dims {getattr(neural, 'dims', np.shape(neural))}")
    ceil = np.full(n_regions, np.nan)
    corrected = metric in ("rsa", "encoding") if kind == "repetition" else metric == "rsa"
    for j, m in enumerate(masks):
        if kind == "repetition":
            rep_dim_feature = repeated.dims[2]
            region_rep = repeated.isel({rep_dim_feature: m})
            ceil[j] = _repetition_ceiling(metric, fn, region_rep, repetition_dim=repetition_dim,
                                          compare=compare, rdm_metric=rdm_metric,
                                          n_splits=n_splits, seed=seed)
        elif kind == "neuron":
            if m.sum() < 2:
                warnings.warn(f"region {region_names[j]!r} has fewer than 2 neuroids: no "
                              "neuron-split ceiling (NaN)", stacklevel=2)
                continue
            if metric == "rsa":
                ceil[j] = float(neuron_split_ceiling(
                    regions[j], metric="rsa", rdm_metric=rdm_metric, method=compare,
                    n_splits=n_splits, seed=seed)["ceiling"])
            else:
                ceil[j] = float(neuron_split_ceiling(
                    regions[j], metric=fn, n_splits=n_splits, seed=seed,
                    spearman_brown=False)["ceiling"])
    kind_text = {
        "repetition": "split-half over repetitions" + (
            ", Spearman-Brown corrected" if corrected else ", uncorrected"),
        "neuron": "split-half over neurons" + (
            ", Spearman-Brown corrected (extrapolated to the full population)"
            if corrected else ", uncorrected (half populations)"),
        "none": "none"}[kind]

    # ---- normalisation
    norm = np.full_like(score, np.nan)
    norm_low = np.full_like(score, np.nan)
    norm_high = np.full_like(score, np.nan)
    if normalize is not None and kind != "none":
        bad = [region_names[j] for j in range(n_regions)
               if not (np.isfinite(ceil[j]) and ceil[j] > 0)]
        if bad:
            warnings.warn(f"no positive noise ceiling for region(s) {bad}: their normalized "
                          "scores are NaN", stacklevel=2)
        for j in range(n_regions):
            if region_names[j] in bad:
                continue
            norm[:, j] = normalize_by_ceiling(score[:, j], ceil[j], mode=normalize).values
            if normalize != "squared":
                norm_low[:, j] = normalize_by_ceiling(low[:, j], ceil[j], mode=normalize).values
                norm_high[:, j] = normalize_by_ceiling(high[:, j], ceil[j],
                                                       mode=normalize).values
    higher = metric != "procrustes"
    layer_names = list(xs)
    filled = np.where(np.isnan(score), -np.inf if higher else np.inf, score)
    best_idx = (np.argmax if higher else np.argmin)(filled, axis=0)
    method = {"rsa": f"{compare} correlation of {rdm_metric} RDMs",
              "cka": "linear CKA" if kwargs.get("kernel", "linear") == "linear"
              else f"{kwargs['kernel']} CKA",
              "svcca": "SVCCA (mean canonical correlation)",
              "pwcca": "PWCCA (projection-weighted canonical correlation)",
              "encoding": f"median over neuroids of cross-validated Pearson r "
                          f"({kwargs.get('model', 'ridge')} encoding)",
              "procrustes": "Procrustes shape distance (angular, lower is better)"}[metric]
    if metric == "cka" and kwargs.get("debiased"):
        method = "debiased " + method
    formula = {"ratio": "score / ceiling", "sqrt": "score / sqrt(ceiling)",
               "squared": "score**2 / ceiling", None: "none"}[normalize]
    return xr.Dataset(
        {"score": (("layer", "region"), score),
         "ci_low": (("layer", "region"), low), "ci_high": (("layer", "region"), high),
         "ceiling": (("region",), ceil),
         "normalized": (("layer", "region"), norm),
         "normalized_ci_low": (("layer", "region"), norm_low),
         "normalized_ci_high": (("layer", "region"), norm_high),
         "best_layer": (("region",), np.array([layer_names[k] for k in best_idx], dtype=object)),
         "best_score": (("region",), score[best_idx, np.arange(n_regions)])},
        coords={"layer": layer_names, "depth": ("layer", np.arange(n_layers)),
                "region": list(region_names),
                "n_neuroids": ("region", np.array([int(m.sum()) for m in masks]))},
        attrs={"metric": metric, "method": method, "rdm_metric": rdm_metric if metric == "rsa"
               else "n/a", "ceiling": kind_text,
               "normalization": f"{normalize}: {formula}" if normalize else "none",
               "n_boot": int(n_boot), "ci": float(ci),
               "ci_method": ("jackknife (delete-one stimulus) normal interval"
                             if metric in _DUPLICATE_SENSITIVE and over == "stimulus"
                             else "percentile bootstrap over " + (
                                 "neuroids" if over == "neuroid" else "stimuli")),
               "seed": int(seed), "n_splits": int(n_splits), "higher_is_better": int(higher),
               "n_stimuli": int(mean.sizes["stimulus"])})


class LayerRegionStudy:
    """Estimator face of :func:`layer_region_scores`.

    ``__init__`` only stores the keyword arguments of :func:`layer_region_scores`; ``fit``
    runs it and sets ``result_`` (the Dataset), ``scores_`` (``score``), ``ceiling_`` and
    ``best_layer_`` (a dict region -> layer name).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> acts = {"a": rng.normal(size=(10, 6)), "b": rng.normal(size=(10, 6))}
    >>> neural = xr.DataArray(acts["a"] @ rng.normal(size=(6, 8)), dims=("stimulus", "neuroid"),
    ...                       coords={"area": ("neuroid", ["V1"] * 8)})
    >>> LayerRegionStudy(metric="cka", n_boot=10, n_splits=3).fit(acts, neural).best_layer_
    {'V1': 'a'}
    """

    def __init__(self, metric: Metric = "rsa", **kwargs: Any) -> None:
        self.metric = metric
        self.kwargs = kwargs

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Keyword arguments given at construction."""
        return {"metric": self.metric, **self.kwargs}

    def fit(self, activations: Mapping[str, Any] | None, neural: Any,
            **fit_kwargs: Any) -> LayerRegionStudy:
        """Run :func:`layer_region_scores` (``fit_kwargs``: e.g. ``model``/``stimuli``)."""
        self.result_ = layer_region_scores(activations, neural, metric=self.metric,
                                           **{**self.kwargs, **fit_kwargs})
        self.scores_ = self.result_["score"]
        self.ceiling_ = self.result_["ceiling"]
        regions = self.result_["region"].values
        best = self.result_["best_layer"].values
        self.best_layer_ = {str(r): str(b) for r, b in zip(regions, best, strict=True)}
        return self
