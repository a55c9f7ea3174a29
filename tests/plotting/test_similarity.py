import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from scipy import stats  # noqa: E402

from neurokit.errors import (  # noqa: E402
    ConfigError,
    InvalidValueError,
    MissingDataError,
    SchemaError,
)
from neurokit.plotting.similarity import (  # noqa: E402
    plot_layer_region_heatmap,
    plot_rdm,
    plot_rdm_mds,
    plot_score_vs_depth,
    plot_tsrsa,
)


def _rdm(rng, n=9, categories=None, metric="correlation"):
    x = rng.normal(size=(n, 5))
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    labels = [f"s{k}" for k in range(n)]
    coords = {"stimulus_i": labels, "stimulus_j": labels}
    if categories is not None:
        coords["category_i"] = ("stimulus_i", categories)
        coords["category_j"] = ("stimulus_j", categories)
    return xr.DataArray(d, dims=("stimulus_i", "stimulus_j"), coords=coords,
                        attrs={"metric": metric})


def _scores(rng, n_layers=4, n_regions=3, ci=True, ceiling=True):
    score = rng.uniform(0.0, 0.5, size=(n_layers, n_regions))
    ds = xr.Dataset({"score": (("layer", "region"), score)},
                    coords={"layer": [f"L{k}" for k in range(n_layers)],
                            "region": [f"R{k}" for k in range(n_regions)]},
                    attrs={"metric": "rsa_spearman"})
    if ci:
        ds["ci_low"] = ds["score"] - 0.05
        ds["ci_high"] = ds["score"] + 0.05
    if ceiling:
        ds["ceiling"] = ("region", rng.uniform(0.6, 0.9, size=n_regions))
    return ds


def _solid(ax):
    return [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]


def _dashed(ax):
    return [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]


# ------------------------------------------------------------------------------- plot_rdm
def test_rdm_sorted_by_category_with_separators_and_labels(rng):
    cats = ["b", "a", "c", "a", "b", "c", "c", "a", "b"]
    rdm = _rdm(rng, categories=cats)
    fig = plot_rdm(rdm, categories="category")
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # heatmap + colour bar
    assert fig.axes[1].get_ylabel() == "correlation"
    order = np.argsort([["b", "a", "c"].index(c) for c in cats], kind="stable")
    np.testing.assert_array_equal(ax.images[0].get_array(), rdm.values[np.ix_(order, order)])
    # n_categories - 1 = 2 separators per axis, at the block edges
    assert len(ax.lines) == 4
    vertical = sorted(float(ln.get_xdata()[0]) for ln in ax.lines
                      if ln.get_xdata()[0] == ln.get_xdata()[1])
    horizontal = sorted(float(ln.get_ydata()[0]) for ln in ax.lines
                        if ln.get_ydata()[0] == ln.get_ydata()[1])
    assert vertical == horizontal == [2.5, 5.5]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "a", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "a", "c"]
    np.testing.assert_allclose(ax.get_xticks(), [1.0, 4.0, 7.0])


def test_rdm_categories_as_array_and_without(rng):
    rdm = _rdm(rng, n=6)
    fig = plot_rdm(rdm, categories=np.array([1, 1, 2, 2, 2, 3]), title="demo")
    assert len(fig.axes[0].lines) == 4
    assert fig.axes[0].get_title() == "demo"
    fig = plot_rdm(rdm)
    assert len(fig.axes[0].lines) == 0
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == list(rdm["stimulus_i"].values)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), rdm.values)


def test_rdm_rank_transform_is_a_percentile_rank(rng):
    rdm = _rdm(rng, n=7)
    fig = plot_rdm(rdm, rank_transform=True)
    shown = np.asarray(fig.axes[0].images[0].get_array())
    iu = np.triu_indices(7, 1)
    assert stats.spearmanr(shown[iu], rdm.values[iu])[0] == pytest.approx(1.0)
    assert shown[iu].min() == 0.0 and shown[iu].max() == pytest.approx(100.0)
    np.testing.assert_array_equal(np.diag(shown), 0.0)
    np.testing.assert_allclose(shown, shown.T)
    assert "percentile" in fig.axes[1].get_ylabel()


def test_rdm_on_given_axes(rng):
    fig, ax = plt.subplots()
    assert plot_rdm(_rdm(rng), ax=ax) is fig


def test_rdm_errors(rng):
    rdm = _rdm(rng, n=5, categories=list("aabbb"))
    with pytest.raises(SchemaError, match="square RDM"):
        plot_rdm(rdm.rename(stimulus_i="stimulus", stimulus_j="feature"))
    with pytest.raises(SchemaError, match="square RDM"):
        plot_rdm(rdm.isel(stimulus_j=slice(0, 4)))
    with pytest.raises(SchemaError, match="square"):
        plot_rdm(np.zeros((3, 4)))
    with pytest.raises(MissingDataError, match="animacy") as err:
        plot_rdm(rdm, categories="animacy")
    assert "category" in str(err.value)  # lists what is available
    with pytest.raises(SchemaError, match="one label per stimulus"):
        plot_rdm(rdm, categories=["a", "b"])


# --------------------------------------------------------------------------- plot_rdm_mds
def _rdm_stack(rng, n=8):
    base = _rdm(rng, n=n).values
    near = base + 0.01 * rng.random((n, n))
    others = [_rdm(rng, n=n).values for _ in range(2)]
    mats = np.stack([base, (near + near.T) / 2, *others])
    labels = [f"s{k}" for k in range(n)]
    return xr.DataArray(mats, dims=("rdm", "stimulus_i", "stimulus_j"),
                        coords={"rdm": ["A", "A_noisy", "B", "C"], "stimulus_i": labels,
                                "stimulus_j": labels})


def test_rdm_mds_places_similar_rdms_together(rng):
    stack = _rdm_stack(rng)
    fig = plot_rdm_mds(stack)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["A", "A_noisy", "B", "C"]
    xy = ax.collections[0].get_offsets()
    dist = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    pairs = dist[np.triu_indices(4, 1)]
    assert dist[0, 1] == pytest.approx(pairs.min())
    # the embedding preserves the order of 1 - Spearman between RDMs
    iu = np.triu_indices(8, 1)
    vec = stack.values[:, iu[0], iu[1]]
    target = 1.0 - stats.spearmanr(vec.T)[0]
    assert stats.spearmanr(pairs, target[np.triu_indices(4, 1)])[0] > 0.7


def test_rdm_mds_dict_is_aligned_by_stimulus_and_labelled(rng):
    stack = _rdm_stack(rng)
    perm = rng.permutation(8)
    as_dict = {str(name): stack.sel(rdm=name, drop=True) for name in stack["rdm"].values}
    as_dict["C"] = as_dict["C"].isel(stimulus_i=perm, stimulus_j=perm)
    a = plot_rdm_mds(stack, method="pearson").axes[0].collections[0].get_offsets()
    b = plot_rdm_mds(as_dict, method="pearson", labels=list("wxyz")).axes[0]
    np.testing.assert_allclose(b.collections[0].get_offsets(), a, atol=1e-8)
    assert [t.get_text() for t in b.texts] == list("wxyz")


def test_rdm_mds_errors(rng):
    stack = _rdm_stack(rng)
    with pytest.raises(SchemaError, match="at least two"):
        plot_rdm_mds(stack.isel(rdm=[0]))
    with pytest.raises(SchemaError, match="stack of RDMs"):
        plot_rdm_mds(stack.transpose("stimulus_i", "rdm", "stimulus_j"))
    other = stack.isel(rdm=1, drop=True).assign_coords(stimulus_i=list("abcdefgh"),
                                                       stimulus_j=list("abcdefgh"))
    with pytest.raises(SchemaError, match="different stimulus set"):
        plot_rdm_mds({"a": stack.isel(rdm=0, drop=True), "b": other})
    with pytest.raises(ConfigError, match="method"):
        plot_rdm_mds(stack, method="kendall")
    with pytest.raises(SchemaError, match="labels"):
        plot_rdm_mds(stack, labels=["x"])
    flat = stack.copy()
    flat[2] = 1.0
    with pytest.raises(InvalidValueError, match="constant"):
        plot_rdm_mds(flat)


# ---------------------------------------------------------------- plot_layer_region_heatmap
def test_heatmap_annotates_cells_and_outlines_the_best_layer(rng):
    ds = _scores(rng)
    ds["score"][1, 2] = np.nan  # NaN cells stay blank and are ignored by the argmax
    fig = plot_layer_region_heatmap(ds)
    ax = fig.axes[0]
    assert len(fig.axes) == 2 and "rsa_spearman" in fig.axes[1].get_ylabel()
    assert len(ax.texts) == 4 * 3 - 1
    shown = {(t.get_position(), t.get_text()) for t in ax.texts}
    assert ((0, 1), f"{ds['score'].values[1, 0]:.2f}") in shown
    assert len(ax.patches) == 3
    best = np.nanargmax(ds["score"].values, axis=0)
    for j, patch in enumerate(ax.patches):
        assert patch.get_xy() == pytest.approx((j - 0.5, best[j] - 0.5))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["L0", "L1", "L2", "L3"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["R0", "R1", "R2"]
    assert len(plot_layer_region_heatmap(ds, mark_best=False).axes[0].patches) == 0


def test_heatmap_takes_region_layer_order_and_other_values(rng):
    ds = _scores(rng)
    ds["normalized"] = ds["score"] / ds["ceiling"]
    fig = plot_layer_region_heatmap(ds.transpose("region", "layer"), value="normalized")
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), ds["normalized"].values)
    assert fig.axes[1].get_ylabel().startswith("normalized")


def test_heatmap_errors(rng):
    ds = _scores(rng)
    with pytest.raises(MissingDataError, match="normalized"):
        plot_layer_region_heatmap(ds, value="normalized")
    with pytest.raises(SchemaError, match="layer x region"):
        plot_layer_region_heatmap(ds.rename(region="area"))
    with pytest.raises(SchemaError, match="Dataset"):
        plot_layer_region_heatmap(ds["score"])


# ------------------------------------------------------------------------ plot_score_vs_depth
def test_score_vs_depth_curves_bands_and_ceilings(rng):
    ds = _scores(rng)
    fig = plot_score_vs_depth(ds)
    ax = fig.axes[0]
    solid, dashed = _solid(ax), _dashed(ax)
    assert len(solid) == 3 and len(dashed) == 3
    for j, line in enumerate(solid):
        np.testing.assert_allclose(line.get_ydata(), ds["score"].values[:, j])
        np.testing.assert_allclose(line.get_xdata(), np.arange(4))
        assert line.get_label() == f"R{j}"
        assert dashed[j].get_ydata()[0] == pytest.approx(ds["ceiling"].values[j])
        assert dashed[j].get_color() == line.get_color()
    assert len(ax.collections) == 3  # one CI band per region
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(ds["ci_low"].values[:, 0].min())
    assert band.max() == pytest.approx(ds["ci_high"].values[:, 0].max())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["R0", "R1", "R2", "noise ceiling"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["L0", "L1", "L2", "L3"]


def test_score_vs_depth_without_optional_parts(rng):
    ds = _scores(rng, ci=False, ceiling=False)
    ax = plot_score_vs_depth(ds).axes[0]
    assert len(ax.collections) == 0 and len(_dashed(ax)) == 0 and len(_solid(ax)) == 3
    ds = _scores(rng)
    assert len(_dashed(plot_score_vs_depth(ds, ceiling=False).axes[0])) == 0
    ds["normalized"] = ds["score"] / ds["ceiling"]
    ax = plot_score_vs_depth(ds, value="normalized").axes[0]
    # no ceiling line and no CI band of the raw score on normalised values
    assert len(_dashed(ax)) == 0 and len(ax.collections) == 0


def test_score_vs_depth_errors(rng):
    ds = _scores(rng)
    with pytest.raises(SchemaError, match="one value per region"):
        plot_score_vs_depth(ds.assign(ceiling=ds["score"]))
    with pytest.raises(MissingDataError, match="similarity"):
        plot_score_vs_depth(ds, value="similarity")
    with pytest.raises(SchemaError, match="layer x region"):
        plot_score_vs_depth(ds.assign(ci_low=ds["ceiling"]))


# --------------------------------------------------------------------------------- plot_tsrsa
def _tsrsa(rng, n_windows=6):
    sim = rng.uniform(0.0, 0.5, size=(3, 2))
    tc = sim[None] + 0.05 * rng.normal(size=(n_windows, 3, 2))
    return xr.Dataset(
        {"similarity": (("layer", "region"), sim), "ceiling": ("region", [0.8, 0.7]),
         "timecourse": (("window", "layer", "region"), tc),
         "timecourse_ceiling": (("window", "region"), np.full((n_windows, 2), 0.9))},
        coords={"layer": ["l1", "l2", "l3"], "region": ["VISp", "VISl"],
                "time": ("window", 0.5 + np.arange(n_windows))},
        attrs={"metric": "spearman"})


def test_tsrsa_draws_both_panels(rng):
    ds = _tsrsa(rng)
    fig = plot_tsrsa(ds)
    depth, course = fig.axes
    assert len(_solid(depth)) == 2 and len(_dashed(depth)) == 2
    np.testing.assert_allclose(_solid(depth)[1].get_ydata(), ds["similarity"].values[:, 1])
    best = ds["similarity"].values.argmax(axis=0)
    lines = _solid(course)
    assert len(lines) == 2 and len(_dashed(course)) == 2
    for j, line in enumerate(lines):
        np.testing.assert_allclose(line.get_xdata(), ds["time"].values)
        np.testing.assert_allclose(line.get_ydata(), ds["timecourse"].values[:, best[j], j])
        assert line.get_label() == f"{ds['region'].values[j]} (l{best[j] + 1})"
    assert course.get_xlabel() == "window centre (s)"


def test_tsrsa_plots_what_is_present(rng):
    ds = _tsrsa(rng)
    fig = plot_tsrsa(ds["similarity"])
    assert len(fig.axes) == 1 and len(_solid(fig.axes[0])) == 2
    only_tc = ds.drop_vars(["similarity", "ceiling"])
    fig = plot_tsrsa(only_tc, layer="l3")
    assert len(fig.axes) == 1
    for j, line in enumerate(_solid(fig.axes[0])):
        np.testing.assert_allclose(line.get_ydata(), ds["timecourse"].values[:, 2, j])
    fig = plot_tsrsa(ds["timecourse"].drop_vars("time"))
    assert fig.axes[0].get_xlabel() == "window"
    best = ds["timecourse"].values.mean(axis=0).argmax(axis=0)
    np.testing.assert_allclose(_solid(fig.axes[0])[0].get_ydata(),
                               ds["timecourse"].values[:, best[0], 0])
    fig, axes = plt.subplots(1, 2)
    assert plot_tsrsa(ds, ax=axes) is fig


def test_tsrsa_errors(rng):
    ds = _tsrsa(rng)
    with pytest.raises(MissingDataError, match="nothing to plot"):
        plot_tsrsa(ds[["ceiling"]])
    with pytest.raises(SchemaError, match="time-series RSA"):
        plot_tsrsa(ds["timecourse"].isel(layer=0))
    with pytest.raises(MissingDataError, match="l9"):
        plot_tsrsa(ds, layer="l9")
    with pytest.raises(ConfigError, match="one axes per panel"):
        plot_tsrsa(ds, ax=plt.subplots()[1])
    with pytest.raises(SchemaError, match="timecourse"):
        plot_tsrsa(ds.assign(timecourse=ds["similarity"].expand_dims(time=2)))


def test_mds_kwargs_follow_the_installed_scikit_learn_api():
    from neurokit.plotting.similarity import _mds_kwargs

    class New:
        def __init__(self, n_components=2, *, metric_mds=True, metric="euclidean"): ...

    class Old:
        def __init__(self, n_components=2, *, metric=True, dissimilarity="euclidean"): ...

    assert _mds_kwargs(New)["metric"] == "precomputed"
    assert _mds_kwargs(Old)["dissimilarity"] == "precomputed"
