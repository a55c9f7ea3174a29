"""The layer x region study: ground truth on the layer-readout simulator, schema, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError
from neurokit.similarity.study import LayerRegionStudy, layer_region_scores

pytest.importorskip("torch")

LAYERS = ["layer1", "layer2", "layer3", "layer4"]
AREAS = {"V1": "layer1", "V4": "layer2", "IT": "layer3"}


def _simulate(noise, seed=0, n_stimuli=80, n_neuroids=40, n_repetitions=4):
    from neurokit.datasets.layer_readout import simulate_layer_readout
    from neurokit.similarity.activations import extract_activations

    data, net = simulate_layer_readout(n_stimuli=n_stimuli, n_neuroids=n_neuroids,
                                       n_repetitions=n_repetitions, noise=noise, areas=AREAS,
                                       seed=seed)
    acts = extract_activations(net, data["images"], LAYERS, progress=False)
    return data, net, acts


@pytest.fixture(scope="module")
def simulated():
    """Three noise levels of the same network, images and readout weights."""
    return {noise: _simulate(noise) for noise in (0.5, 1.5, 4.0)}


@pytest.mark.parametrize("metric", ["rsa", "cka", "encoding"])
def test_ground_truth_best_layer(simulated, metric):
    data, _, acts = simulated[0.5]
    res = layer_region_scores(acts, data["responses"], metric=metric, n_boot=10, n_splits=5)
    assert res["score"].dims == ("layer", "region")
    assert res["layer"].values.tolist() == LAYERS  # depth order kept
    best = dict(zip(res["region"].values.tolist(), res["best_layer"].values.tolist(),
                    strict=True))
    assert best == AREAS, res["score"].to_pandas()


def test_ground_truth_encoding_on_learnable_readouts(rng):
    # Readouts of few features: the CIs over neuroids bracket the score.
    n_stim, n_feat = 60, 10
    acts = {f"layer{k}": xr.DataArray(rng.normal(size=(n_stim, n_feat)),
                                      dims=("stimulus", "feature")) for k in range(1, 5)}
    parts, areas = [], []
    for area, layer in AREAS.items():
        signal = acts[layer].values @ rng.normal(size=(n_feat, 15))
        parts.append(signal / signal.std(0) + 0.7 * rng.normal(size=(4, n_stim, 15)))
        areas += [area] * 15
    neural = xr.DataArray(np.concatenate(parts, axis=2),
                          dims=("repetition", "stimulus", "neuroid"),
                          coords={"area": ("neuroid", areas)})
    res = layer_region_scores(acts, neural, metric="encoding", n_boot=50, n_splits=5)
    best = dict(zip(res["region"].values.tolist(), res["best_layer"].values.tolist(),
                    strict=True))
    assert best == AREAS, res["score"].to_pandas()
    assert res.attrs["ci_method"].endswith("neuroids")
    assert np.all(res["ci_low"] <= res["score"]) and np.all(res["score"] <= res["ci_high"])


@pytest.mark.parametrize("metric", ["rsa", "encoding"])
def test_ceilings_track_injected_noise(simulated, metric):
    ceilings = []
    for noise in (0.5, 1.5, 4.0):
        data, _, acts = simulated[noise]
        res = layer_region_scores(acts, data["responses"], metric=metric, n_boot=0,
                                  n_splits=10, layers=["layer1"])
        assert "repetitions" in res.attrs["ceiling"]
        ceilings.append(res["ceiling"].values)
    ceilings = np.array(ceilings)  # (noise, region)
    assert np.all(np.diff(ceilings, axis=0) < 0), ceilings
    if metric == "encoding":  # per-neuroid reliability: 1 / (1 + sigma^2 / R), R = 4
        theory = 1 / (1 + np.array([0.5, 1.5, 4.0]) ** 2 / 4)
        np.testing.assert_allclose(ceilings.mean(axis=1), theory, atol=0.1)


def test_schema_normalization_and_cis(simulated):
    data, _, acts = simulated[1.5]
    res = layer_region_scores(acts, data["responses"], metric="rsa", n_boot=30, n_splits=5,
                              normalize="sqrt")
    for name in ("score", "ci_low", "ci_high", "normalized", "normalized_ci_low"):
        assert res[name].dims == ("layer", "region")
    assert res["ceiling"].dims == ("region",) and res["best_layer"].dims == ("region",)
    np.testing.assert_allclose(res["normalized"], res["score"] / np.sqrt(res["ceiling"]))
    assert np.all(res["ci_low"] <= res["score"] + 1e-12)
    assert np.all(res["score"] <= res["ci_high"] + 1e-12)
    assert res["depth"].values.tolist() == [0, 1, 2, 3]
    attrs = res.attrs
    assert attrs["metric"] == "rsa" and attrs["n_boot"] == 30
    assert attrs["normalization"].startswith("sqrt") and "Spearman-Brown" in attrs["ceiling"]
    again = layer_region_scores(acts, data["responses"], metric="rsa", n_boot=30, n_splits=5,
                                normalize="sqrt")
    xr.testing.assert_identical(res, again)


def test_trial_averaged_data_use_neuron_split(simulated):
    data, _, acts = simulated[0.5]
    mean = data["responses"].mean("repetition")
    res = layer_region_scores(acts, mean, metric="rsa", n_boot=0, n_splits=5)
    assert "neurons" in res.attrs["ceiling"]
    assert np.all(res["ceiling"] > 0) and np.all(res["ceiling"] <= 1)
    np.testing.assert_allclose(res["normalized"], res["score"] / res["ceiling"])


def test_model_and_stimuli_path_equals_activations(simulated):
    data, net, acts = simulated[0.5]
    a = layer_region_scores(acts, data["responses"], n_boot=0, n_splits=3,
                            layers=["layer1", "layer3"])
    b = layer_region_scores(model=net, stimuli=data["images"], neural=data["responses"],
                            layers=["layer1", "layer3"], n_boot=0, n_splits=3,
                            extract_kwargs={"progress": False})
    xr.testing.assert_allclose(a, b)


def test_stimuli_aligned_by_label(simulated):
    data, _, acts = simulated[0.5]
    shuffled = data["responses"].isel(stimulus=np.random.default_rng(1).permutation(80))
    a = layer_region_scores(acts, data["responses"], n_boot=0, n_splits=3, ceiling="none")
    b = layer_region_scores(acts, shuffled, n_boot=0, n_splits=3, ceiling="none")
    np.testing.assert_allclose(a["score"], b["score"])
    assert np.isnan(a["normalized"]).all()


def test_estimator_face(simulated):
    data, _, acts = simulated[0.5]
    est = LayerRegionStudy(metric="rsa", n_boot=0, n_splits=3).fit(acts, data["responses"])
    assert est.best_layer_ == AREAS
    assert est.scores_.dims == ("layer", "region")


def test_bad_input(simulated):
    data, _, acts = simulated[0.5]
    neural = data["responses"]
    with pytest.raises(ConfigError):
        layer_region_scores(acts, neural, metric="magic")
    with pytest.raises(ConfigError):
        layer_region_scores(acts, neural, normalize="cubed")
    with pytest.raises(MissingDataError):
        layer_region_scores(acts, neural, layers=["layer9"])
    bad = neural.copy()
    bad[0, 1, 2] = np.nan
    with pytest.raises(InvalidValueError):
        layer_region_scores(acts, bad, n_boot=0)
    with pytest.raises(SchemaError, match="only in"):
        layer_region_scores(acts, neural.isel(stimulus=slice(0, 70)), n_boot=0)
    few = {k: v.isel(stimulus=slice(0, 2)) for k, v in acts.items()}
    with pytest.raises(SchemaError):
        layer_region_scores(few, neural.isel(stimulus=slice(0, 2)), n_boot=0)
    with pytest.raises(ConfigError):
        layer_region_scores(None, neural)
    with pytest.raises(SchemaError):
        layer_region_scores(acts, neural.mean("repetition"), ceiling="repetition")


def test_bootstrap_over_neuroids(simulated):
    data, _, acts = simulated[1.5]
    res = layer_region_scores(acts, data["responses"], metric="rsa", n_boot=15, n_splits=3,
                              boot_over="neuroid", layers=["layer1", "layer3"])
    assert res.attrs["ci_method"].endswith("neuroids")
    assert np.all(res["ci_low"] < res["ci_high"])
    with pytest.raises(ConfigError):
        layer_region_scores(acts, data["responses"], metric="encoding", boot_over="stimulus")


def test_cka_interval_over_stimuli_brackets_the_estimate(simulated):
    # a stimulus bootstrap would duplicate rows and push resampled CKA above the estimate
    data, _, acts = simulated[1.5]
    res = layer_region_scores(acts, data["responses"], metric="cka", n_boot=10, n_splits=3)
    assert res.attrs["ci_method"].startswith("jackknife")
    assert np.all(res["ci_low"] < res["score"]) and np.all(res["score"] < res["ci_high"])
