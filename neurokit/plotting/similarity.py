"""Figures of representational similarity: RDMs, MDS of RDMs, layer x region scores, TSRSA.

Inputs follow :mod:`neurokit.similarity`'s layouts, built here from xarray only (no import of
the similarity package), so any object with the same dims and variables can be plotted:

- an RDM: a square ``xarray.DataArray`` with dims ``(S_i, S_j)`` (``S`` the sample dim, e.g.
  ``stimulus``), stimulus labels and other per-stimulus coords suffixed ``_i``/``_j``, and
  ``attrs["metric"]`` (what :func:`neurokit.similarity.compute_rdm` returns);
- a layer x region score table: an ``xarray.Dataset`` with dims ``(layer, region)``, variable
  ``score`` and optionally ``ci_low``, ``ci_high`` (``(layer, region)``), ``ceiling``
  (``(region,)``) and ``normalized``, ``attrs["metric"]`` (what the study call returns);
- a time-series RSA result: see :func:`plot_tsrsa`.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr
from scipy import stats

from neurokit._optional import soft_import
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError
from neurokit.plotting._figure import figure_and_axes, pyplot

__all__ = [
    "plot_rdm",
    "plot_rdm_mds",
    "plot_layer_region_heatmap",
    "plot_score_vs_depth",
    "plot_tsrsa",
]

_RDM_METHODS = ("spearman", "pearson")


# --------------------------------------------------------------------------------------- RDMs
def _as_rdm(rdm: xr.DataArray | np.ndarray, name: str = "rdm") -> xr.DataArray:
    """A square RDM as a DataArray with dims ``(S_i, S_j)``; SchemaError otherwise."""
    if not isinstance(rdm, xr.DataArray):
        array = np.asarray(rdm)
        if array.ndim != 2 or array.shape[0] != array.shape[1]:
            raise SchemaError(f"{name} must be a square matrix", field=name,
                              expected="shape (n, n)", found=f"shape {array.shape}")
        n = array.shape[0]
        rdm = xr.DataArray(array, dims=("stimulus_i", "stimulus_j"),
                           coords={"stimulus_i": np.arange(n), "stimulus_j": np.arange(n)})
    dims = tuple(str(d) for d in rdm.dims)
    if (len(dims) != 2 or not dims[0].endswith("_i") or dims[1] != dims[0][:-2] + "_j"
            or rdm.shape[0] != rdm.shape[1]):
        raise SchemaError(f"{name} is not a square RDM", field=name,
                          expected="a square DataArray with dims (S_i, S_j), e.g. "
                                   "('stimulus_i', 'stimulus_j')",
                          found=f"dims {rdm.dims}, shape {rdm.shape}")
    if not np.issubdtype(rdm.dtype, np.number):
        raise SchemaError(f"{name} must hold numbers", field=name,
                          expected="a real numeric dtype", found=str(rdm.dtype))
    return rdm


def _category_values(rdm: xr.DataArray, categories: str | Sequence | np.ndarray) -> np.ndarray:
    dim_i = str(rdm.dims[0])
    n = rdm.shape[0]
    if isinstance(categories, str):
        for key in (f"{categories}_i", categories):
            if key in rdm.coords and rdm[key].dims == (dim_i,):
                return np.asarray(rdm[key].values)
        available = sorted(str(c)[:-2] for c, v in rdm.coords.items()
                           if v.dims == (dim_i,) and str(c).endswith("_i"))
        raise MissingDataError(f"no stimulus coordinate '{categories}' on the RDM",
                               field=categories, expected=f"one of {available} "
                               f"(present as '<name>_i' on {dim_i})", found="absent")
    values = np.asarray(categories)
    if values.shape != (n,):
        raise SchemaError("categories must give one label per stimulus", field="categories",
                          expected=f"shape ({n},)", found=f"shape {values.shape}")
    return values


def _blocks(values: np.ndarray) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """Stable order grouping equal labels (categories in order of first appearance)."""
    uniques, first, codes = np.unique(values, return_index=True, return_inverse=True)
    rank_of_code = np.empty(len(uniques), dtype=int)
    rank_of_code[np.argsort(first)] = np.arange(len(uniques))
    block = rank_of_code[codes.ravel()]
    order = np.argsort(block, kind="stable")
    names = [uniques[c] for c in np.argsort(first)]
    counts = np.bincount(block, minlength=len(uniques))
    return order, names, counts


def plot_rdm(
    rdm: xr.DataArray | np.ndarray,
    *,
    categories: str | Sequence | np.ndarray | None = None,
    ax: Any | None = None,
    cmap: str = "viridis",
    title: str | None = None,
    rank_transform: bool = False,
) -> Any:
    """Heatmap of a representational dissimilarity matrix, optionally grouped by category.

    Row ``i`` / column ``j`` is the dissimilarity between stimuli ``i`` and ``j`` (rows top to
    bottom and columns left to right in the same stimulus order); the colour bar is labelled
    with ``attrs["metric"]``.

    Parameters
    ----------
    rdm : xarray.DataArray, dims ``(S_i, S_j)``, shape (n, n)
        A square RDM as returned by :func:`neurokit.similarity.compute_rdm` (a plain square
        array is taken as ``(stimulus_i, stimulus_j)``).
    categories : str or array_like of shape (n,), optional
        A stimulus coordinate (``"category"`` finds ``category_i``) or one label per stimulus.
        Stimuli are then reordered so each category forms a contiguous block (categories in
        order of first appearance, stimuli within a category in their original order — a
        stable sort), ``n_categories - 1`` separator lines are drawn on each axis between
        blocks and the category names label the block centres.
    ax : matplotlib.axes.Axes, optional
    cmap : str
        Matplotlib colour map.
    title : str, optional
        Default: the RDM's name, if any.
    rank_transform : bool
        Show the off-diagonal values as percentile ranks ``100 (rank - 1) / (m - 1)`` over the
        ``m`` stimulus pairs (each pair once for a symmetric RDM; ties averaged; diagonal 0)
        instead of raw dissimilarities, as is common when comparing RDMs of different scales.

    Returns
    -------
    matplotlib.figure.Figure
        The heatmap axes and its colour bar axes.

    Raises
    ------
    SchemaError
        Not a square ``(S_i, S_j)`` RDM; categories of the wrong length.
    MissingDataError
        ``categories`` names a coordinate the RDM does not have.

    Examples
    --------
    >>> import numpy as np, xarray as xr, matplotlib
    >>> matplotlib.use("Agg")
    >>> d = np.abs(np.subtract.outer(np.arange(4.0), np.arange(4.0)))
    >>> rdm = xr.DataArray(d, dims=("stimulus_i", "stimulus_j"),
    ...                    coords={"stimulus_i": list("abcd"), "stimulus_j": list("abcd"),
    ...                            "category_i": ("stimulus_i", ["x", "y", "x", "y"]),
    ...                            "category_j": ("stimulus_j", ["x", "y", "x", "y"])},
    ...                    attrs={"metric": "euclidean"})
    >>> fig = plot_rdm(rdm, categories="category")
    >>> len(fig.axes[0].lines)  # one separator per axis between the two blocks
    2
    """
    rdm = _as_rdm(rdm)
    dim_i, dim_j = (str(d) for d in rdm.dims)
    n = rdm.shape[0]
    names: list[Any] = []
    counts = np.zeros(0, dtype=int)
    if categories is not None:
        order, names, counts = _blocks(_category_values(rdm, categories))
        rdm = rdm.isel({dim_i: order, dim_j: order})
    values = np.asarray(rdm.values, dtype=np.float64)
    metric = str(rdm.attrs.get("metric", "dissimilarity"))
    label = metric
    if rank_transform:
        # rank each stimulus pair once: the upper triangle of a symmetric RDM, mirrored
        symmetric = np.array_equal(values, values.T, equal_nan=True)
        pairs = np.triu(np.ones((n, n), dtype=bool), 1) if symmetric else ~np.eye(n, dtype=bool)
        finite = pairs & np.isfinite(values)
        ranked = np.where(np.isfinite(values), 0.0, np.nan)
        m = int(finite.sum())
        if m:
            ranks = stats.rankdata(values[finite])
            ranked[finite] = 100.0 * (ranks - 1.0) / max(m - 1, 1)
        if symmetric:
            upper = np.triu(np.ones((n, n), dtype=bool), 1)
            ranked.T[upper] = ranked[upper]
        values = ranked
        label = f"{metric} (percentile rank)"
    fig, ax = figure_and_axes(ax, figsize=(4.6, 4.0))
    image = ax.imshow(values, cmap=cmap, interpolation="nearest")
    fig.colorbar(image, ax=ax, label=label, shrink=0.85)
    if categories is not None:
        edges = np.cumsum(counts)[:-1] - 0.5
        for edge in edges:
            ax.axhline(edge, color="w", lw=1.0)
            ax.axvline(edge, color="w", lw=1.0)
        centres = np.cumsum(counts) - counts / 2.0 - 0.5
        ax.set_xticks(centres, [str(c) for c in names], rotation=90)
        ax.set_yticks(centres, [str(c) for c in names])
        ax.tick_params(length=0)
    elif n <= 30 and dim_i in rdm.coords:
        ax.set_xticks(np.arange(n), [str(v) for v in rdm[dim_i].values], rotation=90,
                      fontsize="small")
        ax.set_yticks(np.arange(n), [str(v) for v in rdm[dim_j].values], fontsize="small")
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    base = dim_i[:-2]
    ax.set_xlabel(base)
    ax.set_ylabel(base)
    title = title if title is not None else (str(rdm.name) if rdm.name is not None else None)
    if title:
        ax.set_title(title)
    return fig


# ------------------------------------------------------------------------------ MDS of RDMs
def _rdm_stack(
    rdms: xr.DataArray | Mapping[str, xr.DataArray | np.ndarray],
) -> tuple[list[str], np.ndarray]:
    """Names and condensed upper triangles ``(n_rdms, n*(n-1)/2)`` on one stimulus order."""
    if isinstance(rdms, xr.DataArray):
        if rdms.ndim != 3 or rdms.dims[0] != "rdm":
            raise SchemaError("not a stack of RDMs", field="rdms",
                              expected="dims ('rdm', S_i, S_j)", found=f"dims {rdms.dims}")
        _as_rdm(rdms.isel(rdm=0, drop=True), name="rdms")
        names = ([str(v) for v in rdms["rdm"].values] if "rdm" in rdms.coords
                 else [str(k) for k in range(rdms.sizes["rdm"])])
        mats = np.asarray(rdms.values, dtype=np.float64)
    elif isinstance(rdms, Mapping):
        names, mats_list = [], []
        ref: xr.DataArray | None = None
        for key, item in rdms.items():
            rdm = _as_rdm(item, name=f"rdms[{key!r}]")
            if ref is None:
                ref = rdm
            elif rdm.shape != ref.shape or rdm.dims != ref.dims:
                raise SchemaError(f"RDM {key!r} does not match the first RDM",
                                  field=str(key), expected=f"dims {ref.dims}, shape {ref.shape}",
                                  found=f"dims {rdm.dims}, shape {rdm.shape}")
            else:
                di, dj = ref.dims
                la, lb = ref[di].values, rdm[di].values
                if not np.array_equal(la, lb):
                    if set(la.tolist()) != set(lb.tolist()) or len(set(lb.tolist())) != len(lb):
                        raise SchemaError(f"RDM {key!r} is on a different stimulus set",
                                          field=str(di), expected="the labels of the first RDM",
                                          found=f"{len(set(lb.tolist()) - set(la.tolist()))} "
                                                "labels not in the first RDM")
                    rdm = rdm.sel({di: la, dj: la})
            names.append(str(key))
            mats_list.append(np.asarray(rdm.values, dtype=np.float64))
        mats = np.stack(mats_list) if mats_list else np.zeros((0, 0, 0))
    else:
        raise SchemaError("rdms must be a stacked DataArray or a dict of RDMs", field="rdms",
                          expected="xr.DataArray ('rdm', S_i, S_j) or dict name -> RDM",
                          found=type(rdms).__name__)
    if len(names) < 2:
        raise SchemaError("MDS needs at least two RDMs", field="rdm",
                          expected="at least 2", found=str(len(names)))
    n = mats.shape[1]
    iu = np.triu_indices(n, 1)
    vectors = mats[:, iu[0], iu[1]]
    if not np.isfinite(vectors).all():
        raise InvalidValueError("an RDM holds NaN or inf", field="rdms",
                                expected="finite dissimilarities",
                                found=f"{int((~np.isfinite(vectors)).sum())} non-finite values")
    return names, vectors


def _mds_kwargs(mds_cls: Any) -> dict[str, Any]:
    """Precomputed metric MDS kwargs: scikit-learn >= 1.8 (``metric=``) or older."""
    params = inspect.signature(mds_cls).parameters
    if "metric_mds" in params:
        return {"metric": "precomputed", "metric_mds": True, "init": "classical_mds"}
    return {"dissimilarity": "precomputed", "metric": True, "n_init": 4,
            "normalized_stress": "auto"}


def plot_rdm_mds(
    rdms: xr.DataArray | Mapping[str, xr.DataArray | np.ndarray],
    *,
    ax: Any | None = None,
    labels: Sequence[str] | None = None,
    method: str = "spearman",
    seed: int = 0,
) -> Any:
    """2-D metric MDS of a set of RDMs (second-order similarity), one labelled point per RDM.

    The distance between RDMs ``a`` and ``b`` is ``1 - r(a, b)``, with ``r`` the Spearman
    (ranks, ties averaged) or Pearson correlation of their condensed upper triangles
    (diagonal excluded); the 2-D embedding is :class:`sklearn.manifold.MDS` on that
    precomputed matrix (metric MDS). The axes (``MDS 1``, ``MDS 2``) are in the same units as
    ``1 - r`` and only relative positions are meaningful.

    Parameters
    ----------
    rdms : xarray.DataArray ``(rdm, S_i, S_j)`` or dict of name -> RDM
        RDMs on the same stimuli (dict entries given as DataArrays are aligned by stimulus
        labels; arrays must share one order).
    ax : matplotlib.axes.Axes, optional
    labels : sequence of str, optional
        Point labels; default the ``rdm`` coordinate or the dict keys.
    method : {"spearman", "pearson"}
        Correlation between RDMs.
    seed : int
        ``random_state`` of the MDS fit.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    SchemaError
        Wrong dims, fewer than two RDMs, different stimulus sets, wrong number of labels.
    InvalidValueError
        Non-finite values or a constant RDM (correlation undefined).
    ConfigError
        Unknown ``method``.

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> matplotlib.use("Agg")
    >>> rng = np.random.default_rng(0)
    >>> base = np.abs(np.subtract.outer(np.arange(6.0), np.arange(6.0)))
    >>> rdms = {f"layer{k}": base + k * rng.random((6, 6)) for k in range(4)}
    >>> fig = plot_rdm_mds({k: (v + v.T) / 2 for k, v in rdms.items()})
    >>> len(fig.axes[0].texts)
    4
    """
    if method not in _RDM_METHODS:
        raise ConfigError("unknown RDM correlation method", field="method",
                          expected=f"one of {_RDM_METHODS}", found=repr(method))
    names, vectors = _rdm_stack(rdms)
    if labels is not None:
        if len(labels) != len(names):
            raise SchemaError("labels must name every RDM", field="labels",
                              expected=f"{len(names)} labels", found=str(len(labels)))
        names = [str(v) for v in labels]
    constant = np.ptp(vectors, axis=1) == 0
    if constant.any():
        raise InvalidValueError("a constant RDM has no correlation with the others",
                                field=names[int(np.argmax(constant))],
                                expected="RDMs whose dissimilarities vary",
                                found="all pairs equal")
    if method == "spearman":
        vectors = stats.rankdata(vectors, axis=1)
    r = np.corrcoef(vectors)
    distance = np.clip(1.0 - r, 0.0, None)
    distance = (distance + distance.T) / 2.0
    np.fill_diagonal(distance, 0.0)
    manifold = soft_import("sklearn.manifold", "MDS of RDMs")
    mds = manifold.MDS(n_components=2, random_state=seed, **_mds_kwargs(manifold.MDS))
    xy = mds.fit_transform(distance)
    fig, ax = figure_and_axes(ax, figsize=(4.2, 4.0))
    colors = [f"C{k % 10}" for k in range(len(names))]
    ax.scatter(xy[:, 0], xy[:, 1], c=colors, s=30, zorder=3)
    for (x, y), name in zip(xy, names, strict=True):
        ax.annotate(name, (x, y), xytext=(4, 4), textcoords="offset points", fontsize="small")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("MDS 1")
    ax.set_ylabel("MDS 2")
    symbol = "Spearman ρ" if method == "spearman" else "Pearson r"
    ax.set_title(f"MDS of RDMs (1 − {symbol})")
    return fig


# ------------------------------------------------------------------- layer x region scores
def _layer_region(ds: xr.Dataset, value: str, what: str = "scores") -> xr.DataArray:
    if not isinstance(ds, xr.Dataset):
        raise SchemaError(f"{what} must be an xarray.Dataset", field=what,
                          expected="xr.Dataset with dims (layer, region)",
                          found=type(ds).__name__)
    if value not in ds.data_vars:
        raise MissingDataError(f"no variable '{value}' in {what}", field=value,
                               expected=f"one of {sorted(str(v) for v in ds.data_vars)}",
                               found="absent")
    da = ds[value]
    if set(da.dims) != {"layer", "region"}:
        raise SchemaError(f"{what}['{value}'] is not a layer x region table", field=value,
                          expected="dims ('layer', 'region')", found=f"dims {da.dims}")
    return da.transpose("layer", "region")


def _labels(da: xr.DataArray, dim: str) -> list[str]:
    if dim in da.coords:
        return [str(v) for v in da[dim].values]
    return [str(k) for k in range(da.sizes[dim])]


def _axis_label(ds: xr.Dataset, value: str) -> str:
    metric = ds.attrs.get("metric", ds[value].attrs.get("metric"))
    return f"{value} ({metric})" if metric else value


def plot_layer_region_heatmap(
    scores: xr.Dataset,
    *,
    ax: Any | None = None,
    value: str = "score",
    mark_best: bool = True,
) -> Any:
    """Layer x region heatmap of similarity scores, each cell annotated, best layer outlined.

    Rows are the model layers in dataset order (input side at the top), columns the neural
    regions; the colour (and the number printed in each cell, 2 decimals) is
    ``scores[value]``; the colour bar is labelled with ``value`` and ``attrs["metric"]``. With
    ``mark_best`` the cell of the highest value in each region column (the best layer for that
    region, NaN ignored) is outlined with a black rectangle.

    Parameters
    ----------
    scores : xarray.Dataset, dims ``(layer, region)``
        Variable ``value`` over ``(layer, region)``; other variables (``ci_low``, ``ci_high``,
        ``ceiling``, ``normalized``) are allowed and unused here.
    ax : matplotlib.axes.Axes, optional
    value : str
        Variable to show, e.g. ``"score"`` or ``"normalized"`` (score / ceiling).
    mark_best : bool
        Outline the best layer per region.

    Returns
    -------
    matplotlib.figure.Figure
        The heatmap axes and its colour bar axes.

    Raises
    ------
    MissingDataError
        ``value`` is not a variable of ``scores``.
    SchemaError
        Not a Dataset, or the variable's dims are not ``(layer, region)``.

    Examples
    --------
    >>> import numpy as np, xarray as xr, matplotlib
    >>> matplotlib.use("Agg")
    >>> ds = xr.Dataset({"score": (("layer", "region"), [[0.1, 0.3], [0.4, 0.2], [0.2, 0.1]])},
    ...                 coords={"layer": ["conv1", "conv2", "fc"], "region": ["V1", "IT"]},
    ...                 attrs={"metric": "rsa_spearman"})
    >>> fig = plot_layer_region_heatmap(ds)
    >>> len(fig.axes[0].texts), len(fig.axes[0].patches)  # 6 cells, 2 best-layer outlines
    (6, 2)
    """
    da = _layer_region(scores, value)
    values = np.asarray(da.values, dtype=np.float64)
    n_layers, n_regions = values.shape
    layers, regions = _labels(da, "layer"), _labels(da, "region")
    fig, ax = figure_and_axes(ax, figsize=(1.6 + 0.9 * n_regions, 1.2 + 0.45 * n_layers))
    image = ax.imshow(values, cmap="viridis", aspect="auto", interpolation="nearest")
    fig.colorbar(image, ax=ax, label=_axis_label(scores, value))
    finite = values[np.isfinite(values)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    middle = (lo + hi) / 2.0
    for i in range(n_layers):
        for j in range(n_regions):
            v = values[i, j]
            if not np.isfinite(v):
                continue
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize="small",
                    color="k" if v > middle else "w")
    if mark_best:
        rect = soft_import("matplotlib.patches", "plotting").Rectangle
        for j in range(n_regions):
            column = values[:, j]
            if not np.isfinite(column).any():
                continue
            best = int(np.nanargmax(column))
            ax.add_patch(rect((j - 0.5, best - 0.5), 1.0, 1.0, fill=False, edgecolor="k",
                              lw=2.0, label="_best_layer"))
    ax.set_xticks(np.arange(n_regions), regions)
    ax.set_yticks(np.arange(n_layers), layers)
    ax.set_xlabel("region")
    ax.set_ylabel("layer")
    return fig


def _band_vars(ds: xr.Dataset, value: str) -> tuple[str, str] | None:
    for low, high in ((f"{value}_ci_low", f"{value}_ci_high"), ("ci_low", "ci_high")):
        if low == "ci_low" and value not in ("score", "similarity"):
            continue
        if low in ds.data_vars and high in ds.data_vars:
            return low, high
    return None


def _ceiling(ds: xr.Dataset, name: str = "ceiling") -> xr.DataArray | None:
    if name not in ds.data_vars:
        return None
    ceil = ds[name]
    if ceil.dims != ("region",):
        raise SchemaError(f"'{name}' must be one value per region", field=name,
                          expected="dims ('region',)", found=f"dims {ceil.dims}")
    return ceil


def _depth_curves(ax: Any, ds: xr.Dataset, value: str, ceiling: bool) -> None:
    """One curve per region over layer order, CI bands, dashed ceilings, legend."""
    lines2d = soft_import("matplotlib.lines", "plotting")
    da = _layer_region(ds, value)
    layers = _labels(da, "layer")
    x = np.arange(len(layers))
    band = _band_vars(ds, value)
    if band is not None:  # same Dataset: same layer/region coords as ``da``
        low, high = _layer_region(ds, band[0]), _layer_region(ds, band[1])
    ceil = _ceiling(ds) if ceiling and value in ("score", "similarity") else None
    handles = []
    for j, region in enumerate(_labels(da, "region")):
        color = f"C{j % 10}"
        (line,) = ax.plot(x, da.values[:, j], color=color, marker="o", ms=3, lw=1.4,
                          label=region)
        handles.append(line)
        if band is not None:
            ax.fill_between(x, low.values[:, j], high.values[:, j], color=color, alpha=0.2,
                            lw=0)
        if ceil is not None:
            c = float(ceil.values[j])
            if np.isfinite(c):
                ax.axhline(c, color=color, ls="--", lw=1.0)
    if ceil is not None:
        handles.append(lines2d.Line2D([], [], color="0.4", ls="--", lw=1.0,
                                      label="noise ceiling"))
    ax.set_xticks(x, layers, rotation=45, ha="right")
    ax.set_xlabel("layer (input → output)")
    ax.set_ylabel(_axis_label(ds, value))
    ax.legend(handles=handles, fontsize="small", frameon=False)


def plot_score_vs_depth(
    scores: xr.Dataset,
    *,
    ax: Any | None = None,
    value: str = "score",
    ceiling: bool = True,
) -> Any:
    """Similarity score against layer depth, one curve per region, with CI bands and ceilings.

    The x axis is the layer order of ``scores`` (dataset order, input to output; tick labels
    are the layer names), the y axis ``scores[value]`` (label from ``value`` and
    ``attrs["metric"]``). Each region gets one solid line with markers; a shaded band from
    ``{value}_ci_low``/``{value}_ci_high`` — or ``ci_low``/``ci_high`` when ``value`` is
    ``"score"`` — when those variables are present; and, with ``ceiling`` and a ``ceiling``
    variable over ``region`` present (raw scores only, i.e. ``value="score"``), a dashed
    horizontal line at its noise ceiling in the same colour.

    Parameters
    ----------
    scores : xarray.Dataset, dims ``(layer, region)``
        Variable ``value`` and optionally the CI and ``ceiling`` variables above.
    ax : matplotlib.axes.Axes, optional
    value : str
        Variable to plot (``"score"`` or ``"normalized"``).
    ceiling : bool
        Draw the noise ceilings when present.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    MissingDataError
        ``value`` is not a variable of ``scores``.
    SchemaError
        Dims are not ``(layer, region)`` (CI variables included) or ``ceiling`` is not
        ``(region,)``.

    Examples
    --------
    >>> import numpy as np, xarray as xr, matplotlib
    >>> matplotlib.use("Agg")
    >>> s = np.array([[0.1, 0.3], [0.4, 0.2], [0.2, 0.1]])
    >>> ds = xr.Dataset({"score": (("layer", "region"), s),
    ...                  "ci_low": (("layer", "region"), s - 0.05),
    ...                  "ci_high": (("layer", "region"), s + 0.05),
    ...                  "ceiling": ("region", [0.6, 0.5])},
    ...                 coords={"layer": ["conv1", "conv2", "fc"], "region": ["V1", "IT"]},
    ...                 attrs={"metric": "rsa_spearman"})
    >>> fig = plot_score_vs_depth(ds)
    >>> len(fig.axes[0].lines)  # 2 region curves + 2 dashed ceilings
    4
    """
    _layer_region(scores, value)
    fig, ax = figure_and_axes(ax, figsize=(5.0, 3.5))
    _depth_curves(ax, scores, value, ceiling)
    return fig


# --------------------------------------------------------------------------------- TSRSA
def _tsrsa_dataset(result: xr.Dataset | xr.DataArray) -> xr.Dataset:
    if isinstance(result, xr.DataArray):
        if set(result.dims) == {"layer", "region"}:
            return result.to_dataset(name="similarity")
        if set(result.dims) == {"window", "layer", "region"}:
            return result.to_dataset(name="timecourse")
        raise SchemaError("not a time-series RSA result", field=str(result.name),
                          expected="dims ('layer', 'region') or ('window', 'layer', 'region')",
                          found=f"dims {result.dims}")
    if not isinstance(result, xr.Dataset):
        raise SchemaError("result must be an xarray Dataset or DataArray", field="result",
                          expected="xr.Dataset", found=type(result).__name__)
    if "similarity" not in result.data_vars and "timecourse" not in result.data_vars:
        raise MissingDataError("nothing to plot in the TSRSA result", field="similarity",
                               expected="a 'similarity' (layer, region) and/or 'timecourse' "
                                        "(window, layer, region) variable",
                               found=f"variables {sorted(str(v) for v in result.data_vars)}")
    return result


def plot_tsrsa(
    result: xr.Dataset | xr.DataArray,
    *,
    ax: Any | None = None,
    layer: str | None = None,
) -> Any:
    """Time-series RSA curves: layer-wise similarity per region and/or its sliding-window course.

    Schema of ``result`` (an ``xarray.Dataset``; every variable optional except that one of
    ``similarity``/``timecourse`` must be present):

    - ``similarity (layer, region)``: comparison of each layer's RDM over the movie's time
      points/frames with each region's (e.g. Spearman rho); panel 1 plots it against layer
      depth, one curve per region (like :func:`plot_score_vs_depth`);
    - ``ci_low``, ``ci_high (layer, region)``: confidence band on ``similarity``;
    - ``ceiling (region,)``: split-half-over-neurons noise ceiling of each region, dashed line
      on panel 1;
    - ``timecourse (window, layer, region)`` with a ``time`` coordinate on ``window`` (window
      centre, seconds; window index when absent): sliding-window TSRSA; panel 2 plots it
      against time, one line per region for ``layer`` (default: each region's best layer —
      argmax of ``similarity`` when present, else of the time-mean of ``timecourse``);
    - ``timecourse_ceiling (window, region)``: per-window ceilings, dashed on panel 2.

    A ``DataArray`` with dims ``(layer, region)`` is taken as ``similarity``, one with dims
    ``(window, layer, region)`` as ``timecourse``. ``attrs["metric"]`` labels the y axes.

    Parameters
    ----------
    result : xarray.Dataset or xarray.DataArray
        See above.
    ax : matplotlib.axes.Axes or sequence of Axes, optional
        One axes per panel drawn (1 or 2); a new figure by default.
    layer : str, optional
        Layer whose time course is drawn on panel 2.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    MissingDataError
        Neither ``similarity`` nor ``timecourse``; ``layer`` unknown.
    SchemaError
        Variables with other dims.
    ConfigError
        ``ax`` does not give one axes per panel.

    Examples
    --------
    >>> import numpy as np, xarray as xr, matplotlib
    >>> matplotlib.use("Agg")
    >>> sim = np.array([[0.2, 0.1], [0.5, 0.3], [0.3, 0.4]])
    >>> ds = xr.Dataset(
    ...     {"similarity": (("layer", "region"), sim),
    ...      "ceiling": ("region", [0.7, 0.6]),
    ...      "timecourse": (("window", "layer", "region"), np.tile(sim, (5, 1, 1)))},
    ...     coords={"layer": ["l1", "l2", "l3"], "region": ["VISp", "VISl"],
    ...             "time": ("window", np.arange(5) * 2.0)}, attrs={"metric": "spearman"})
    >>> fig = plot_tsrsa(ds)
    >>> len(fig.axes)
    2
    """
    ds = _tsrsa_dataset(result)
    has_sim = "similarity" in ds.data_vars
    has_tc = "timecourse" in ds.data_vars
    n_panels = int(has_sim) + int(has_tc)
    if ax is None:
        fig, axes = pyplot().subplots(1, n_panels, figsize=(4.8 * n_panels, 3.6),
                                      layout="constrained", squeeze=False)
        axes = list(axes[0])
    else:
        axes = list(ax) if isinstance(ax, (Sequence, np.ndarray)) else [ax]
        if len(axes) != n_panels:
            raise ConfigError("ax must give one axes per panel", field="ax",
                              expected=f"{n_panels} axes (similarity: {has_sim}, "
                                       f"timecourse: {has_tc})", found=f"{len(axes)} axes")
        fig = axes[0].figure
    panel = iter(axes)
    if has_sim:
        sim_ax = next(panel)
        _depth_curves(sim_ax, ds, "similarity", ceiling=True)
        sim_ax.set_title("time-series RSA")
    if has_tc:
        tc = ds["timecourse"]
        if set(tc.dims) != {"window", "layer", "region"}:
            raise SchemaError("'timecourse' is not a window x layer x region array",
                              field="timecourse", expected="dims ('window', 'layer', 'region')",
                              found=f"dims {tc.dims}")
        tc = tc.transpose("window", "layer", "region")
        layers = _labels(tc, "layer")
        if layer is not None:
            if layer not in layers:
                raise MissingDataError(f"no layer '{layer}' in the TSRSA result", field=layer,
                                       expected=f"one of {layers}", found="absent")
            best = np.full(tc.sizes["region"], layers.index(layer))
        else:
            table = (_layer_region(ds, "similarity").values if has_sim
                     else np.nanmean(tc.values, axis=0))
            table = np.where(np.isfinite(table), table, -np.inf)
            best = np.argmax(table, axis=0)
        t_ax = next(panel)
        coord = tc.coords.get("time")
        if coord is not None and coord.dims != ("window",):
            coord = None
        t = (np.asarray(coord.values, dtype=float) if coord is not None
             else np.arange(tc.sizes["window"], dtype=float))
        tc_ceiling = ds.get("timecourse_ceiling")
        if tc_ceiling is not None:
            if set(tc_ceiling.dims) != {"window", "region"}:
                raise SchemaError("'timecourse_ceiling' must be window x region",
                                  field="timecourse_ceiling",
                                  expected="dims ('window', 'region')",
                                  found=f"dims {tc_ceiling.dims}")
            tc_ceiling = tc_ceiling.transpose("window", "region")
        for j, region in enumerate(_labels(tc, "region")):
            color = f"C{j % 10}"
            t_ax.plot(t, tc.values[:, best[j], j], color=color, lw=1.4,
                      label=f"{region} ({layers[best[j]]})")
            if tc_ceiling is not None:
                t_ax.plot(t, tc_ceiling.values[:, j], color=color, ls="--", lw=1.0)
        t_ax.set_xlabel("window centre (s)" if coord is not None else "window")
        t_ax.set_ylabel(_axis_label(ds, "timecourse").replace("timecourse", "similarity"))
        t_ax.set_title("sliding-window TSRSA")
        t_ax.legend(fontsize="small", frameon=False)
    return fig
