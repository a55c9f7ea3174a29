"""Time-series RSA: representational similarity over the frames of a movie.

Under a natural movie every frame is a "stimulus": the frame x frame RDM of a model layer
(features at each time point) is compared with the frame x frame RDM of a neural region
(population response at each time point). :func:`tsrsa` returns the layer x region similarity,
a split-half-over-neurons ceiling per region and, with ``window``, a sliding-window timecourse.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import xarray as xr

from neurokit.errors import ConfigError, SchemaError
from neurokit.similarity._checks import NanPolicy, align_samples, as_responses
from neurokit.similarity.ceilings import _half_assignments, _sb2

__all__ = ["tsrsa"]


def _regions(neural: xr.DataArray, region_coord: str) -> tuple[str, list, list[np.ndarray]]:
    """Feature dim, region names (first-appearance order) and boolean masks of each region."""
    feature_dim = neural.dims[1]
    if region_coord in neural.coords and neural[region_coord].dims == (feature_dim,):
        labels = neural[region_coord].values
        _, first = np.unique(labels, return_index=True)
        names = [labels[i] for i in sorted(first)]
        return feature_dim, names, [labels == name for name in names]
    name = neural.name if isinstance(neural.name, str) and neural.name else "all"
    return feature_dim, [name], [np.ones(neural.sizes[feature_dim], dtype=bool)]


def _windows(n: int, window: int | None, step: int | None) -> list[np.ndarray]:
    if window is None:
        if step is not None:
            raise ConfigError("step needs a window", field="step",
                              expected="window set as well", found=f"step={step!r}")
        return []
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) \
            or not 3 <= window <= n:
        raise ConfigError("window is a number of frames per RDM", field="window",
                          expected=f"an int with 3 <= window <= {n} (frames)",
                          found=repr(window))
    step = max(1, int(window) // 2) if step is None else step
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
        raise ConfigError("step is a number of frames", field="step",
                          expected="an int >= 1", found=repr(step))
    return [np.arange(s, s + window) for s in range(0, n - window + 1, int(step))]


def tsrsa(
    model: xr.DataArray | np.ndarray | Mapping[str, xr.DataArray | np.ndarray],
    neural: xr.DataArray | np.ndarray,
    *,
    rdm_metric: str = "correlation",
    method: str = "spearman",
    window: int | None = None,
    step: int | None = None,
    region_coord: str = "area",
    ceiling: bool = True,
    n_splits: int = 20,
    seed: int = 0,
    time_dim: str = "time",
    nan_policy: NanPolicy = "raise",
) -> xr.Dataset:
    """Time-series RSA between model layers and neural regions under a movie.

    For each layer ``l`` and region ``r``: :math:`D_l[t, t'] = d(x_l(t), x_l(t'))` and
    :math:`D_r[t, t'] = d(y_r(t), y_r(t'))` over the ``T`` frames (``d`` = ``rdm_metric``),
    ``similarity[l, r] = compare(D_l, D_r)`` on the upper triangles (``method``). With
    ``window=W`` the same is done on the ``W x W`` diagonal blocks starting every ``step``
    frames (frame-wise dissimilarities do not depend on the other frames, so each window's RDM
    is a block of the full one).

    The ceiling of region ``r`` is split-half over **neurons**: its neuroids are split at
    random into two halves, the two half-population RDMs compared, and the mean over
    ``n_splits`` splits Spearman–Brown corrected (:math:`2\\bar{r}/(1 + \\bar{r})` per split,
    then averaged) — an extrapolation to two independent populations of the full size.

    Parameters
    ----------
    model : xarray.DataArray, numpy.ndarray or mapping of str to those
        ``(time, feature)`` activations of one layer, or a dict layer name -> activations
        (order kept: it is the depth axis), e.g. from ``extract_activations(..., mode="movie")``.
    neural : xarray.DataArray or numpy.ndarray
        ``(time, neuroid)`` responses with a ``region_coord`` (``area``) coordinate on the
        neuroid dim (without one: a single region). DataArrays are aligned by their ``time``
        labels: give model and neural data the same labels (frame index or seconds).
    rdm_metric : str
        RDM metric (see ``compute_rdm``).
    method : str
        RDM comparator (see ``compare_rdms``).
    window, step : int, optional
        Sliding-window length and hop in frames (default hop ``window // 2``).
    region_coord : str
        Coordinate naming each neuroid's region.
    ceiling : bool
        Compute the split-half-over-neurons ceilings.
    n_splits : int
        Neuron splits of the ceiling.
    seed : int
        Seed of the splits.
    time_dim : str
        Name of the frame dim.
    nan_policy : {"raise", "omit"}
        NaN policy for the neural data (model activations always raise on NaN).

    Returns
    -------
    xarray.Dataset
        ``similarity`` ``(layer, region)``; ``ceiling`` and ``ceiling_std`` ``(region,)``
        (NaN for a region with fewer than 2 neuroids, or all NaN with ``ceiling=False``);
        with ``window``: ``timecourse`` ``(window, layer, region)`` and ``ceiling_timecourse``
        ``(window, region)``, coords ``time`` (window centre: mean of its frames' time
        labels), ``start``, ``stop`` (first/last frame label) on ``window``. ``attrs``:
        ``rdm_metric``, ``method``, ``ceiling`` (kind), ``n_splits``, ``seed``, ``n_frames``,
        ``window``, ``step``.

    Raises
    ------
    SchemaError
        Not 2-D, fewer than 3 frames, model and neural data on different frames (named),
        no layers.
    InvalidValueError
        NaN/inf, or a frame pattern that is constant (correlation distance undefined).
    ConfigError
        Bad ``window``/``step``, unknown metric or comparator.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> latent = np.cumsum(rng.normal(size=(40, 3)), axis=0)
    >>> layer = latent @ rng.normal(size=(3, 20))
    >>> neural = xr.DataArray(latent @ rng.normal(size=(3, 30)) + rng.normal(size=(40, 30)),
    ...                       dims=("time", "neuroid"), coords={"area": ("neuroid", ["V1"] * 30)})
    >>> out = tsrsa({"conv1": layer}, neural, window=20, n_splits=5)
    >>> out["similarity"].dims, out["timecourse"].dims
    (('layer', 'region'), ('window', 'layer', 'region'))
    """
    from neurokit.similarity.compare import compare_rdms
    from neurokit.similarity.rdm import compute_rdm

    layers = dict(model) if isinstance(model, Mapping) else {
        (model.name if isinstance(model, xr.DataArray) and isinstance(model.name, str)
         and model.name else "model"): model}
    if not layers:
        raise SchemaError("no model layers given", field="model",
                          expected="at least one (time, feature) array", found="an empty mapping")
    if not isinstance(n_splits, (int, np.integer)) or n_splits < 1:
        raise ConfigError("n_splits must be a positive integer", field="n_splits",
                          expected="an int >= 1", found=repr(n_splits))
    y = as_responses(neural, name="neural", sample_dim=time_dim, nan_policy=nan_policy)
    n = y.sizes[time_dim]
    wins = _windows(n, window, step)
    feature_dim, region_names, masks = _regions(y, region_coord)
    iu = np.triu_indices(n, 1)
    iw = np.triu_indices(len(wins[0]), 1) if wins else None

    def vectors(values: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        return values[iu], [values[np.ix_(w, w)][iw] for w in wins]

    def rdm_of(x: xr.DataArray) -> np.ndarray:
        return np.asarray(compute_rdm(x, rdm_metric, sample_dim=time_dim).values)

    layer_vecs = {}
    for name, act in layers.items():
        x = as_responses(act, name=f"model layer {name!r}", sample_dim=time_dim)
        if isinstance(act, xr.DataArray) or isinstance(neural, xr.DataArray):
            _, x = align_samples(y, x, sample_dim=time_dim,
                                 names=("neural", f"model layer {name!r}"))
        layer_vecs[name] = vectors(rdm_of(x))
    region_vecs = [vectors(rdm_of(y.isel({feature_dim: m}))) for m in masks]

    sim = np.array([[compare_rdms(lv[0], rv[0], method=method) for rv in region_vecs]
                    for lv in layer_vecs.values()])
    data: dict = {"similarity": (("layer", "region"), sim)}
    ceil = np.full(len(masks), np.nan)
    ceil_std = np.full(len(masks), np.nan)
    ceil_tc = np.full((len(wins), len(masks)), np.nan)
    if ceiling:
        rng = np.random.default_rng(seed)
        for k, m in enumerate(masks):
            idx = np.flatnonzero(m)
            if idx.size < 2:
                warnings.warn(f"region {region_names[k]!r} has {idx.size} neuroid(s): no "
                              "neuron-split ceiling (NaN)", stacklevel=2)
                continue
            halves = _half_assignments(idx.size, n_splits, rng)
            full = np.empty(n_splits)
            per_win = np.empty((n_splits, len(wins)))
            for s in range(n_splits):
                va = vectors(rdm_of(y.isel({feature_dim: idx[halves[s]]})))
                vb = vectors(rdm_of(y.isel({feature_dim: idx[~halves[s]]})))
                full[s] = compare_rdms(va[0], vb[0], method=method)
                for w in range(len(wins)):
                    per_win[s, w] = compare_rdms(va[1][w], vb[1][w], method=method)
            ceil[k] = _sb2(full).mean()
            ceil_std[k] = _sb2(full).std()
            if wins:
                ceil_tc[:, k] = _sb2(per_win).mean(axis=0)
    data["ceiling"] = (("region",), ceil)
    data["ceiling_std"] = (("region",), ceil_std)
    coords: dict = {"layer": list(layers), "region": region_names}
    if wins:
        tc = np.array([[[compare_rdms(lv[1][w], rv[1][w], method=method)
                         for rv in region_vecs] for lv in layer_vecs.values()]
                       for w in range(len(wins))])
        data["timecourse"] = (("window", "layer", "region"), tc)
        data["ceiling_timecourse"] = (("window", "region"), ceil_tc)
        labels = y[time_dim].values
        numeric = np.issubdtype(labels.dtype, np.number)
        centre = [labels[w].mean() if numeric else w.mean() for w in wins]
        coords.update(window=np.arange(len(wins)), time=("window", np.asarray(centre, float)),
                      start=("window", labels[[w[0] for w in wins]]),
                      stop=("window", labels[[w[-1] for w in wins]]))
    out = xr.Dataset(data, coords=coords, attrs={
        "rdm_metric": rdm_metric, "method": method,
        "ceiling": "split-half over neurons, Spearman-Brown corrected (extrapolated to the "
                   "full population)" if ceiling else "none",
        "n_splits": int(n_splits), "seed": int(seed), "n_frames": int(n),
        "window": -1 if window is None else int(window),
        "step": -1 if not wins else int(wins[1][0] - wins[0][0]) if len(wins) > 1
        else int(step or max(1, int(window) // 2))})
    if time_dim in y.coords and "units" in y[time_dim].attrs and wins:
        out["time"].attrs["units"] = y[time_dim].attrs["units"]
    return out
