"""Time-series RSA: recovers the layer that drives a region in a simulated movie."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity.tsrsa import tsrsa


def _smooth(rng, n_time, n_dim, width=4):
    """Gaussian-smoothed white noise: a latent with temporal structure."""
    raw = rng.normal(size=(n_time + 4 * width, n_dim))
    kernel = np.exp(-0.5 * (np.arange(-2 * width, 2 * width + 1) / width) ** 2)
    out = np.stack([np.convolve(raw[:, d], kernel, mode="same") for d in range(n_dim)], 1)
    return out[2 * width:2 * width + n_time]


def _movie(rng, n_time=60, noise=(0.5, 2.0)):
    """Three layers with independent latents; V1 reads layer 'l1', LM reads 'l3'."""
    time = np.arange(n_time) / 30.0
    layers = {}
    for name in ("l1", "l2", "l3"):
        latent = _smooth(rng, n_time, 4)
        layers[name] = xr.DataArray(np.tanh(latent @ rng.normal(size=(4, 20))),
                                    dims=("time", "feature"), coords={"time": time})
    parts, areas = [], []
    for (area, layer), sigma in zip((("V1", "l1"), ("LM", "l3")), noise, strict=True):
        signal = layers[layer].values @ rng.normal(size=(20, 30))
        signal /= signal.std(axis=0)
        parts.append(signal + sigma * rng.normal(size=signal.shape))
        areas += [area] * 30
    neural = xr.DataArray(np.concatenate(parts, axis=1), dims=("time", "neuroid"),
                          coords={"time": time, "area": ("neuroid", areas)})
    return layers, neural


def test_tsrsa_recovers_driving_layer_and_ceiling_order(rng):
    layers, neural = _movie(rng)
    out = tsrsa(layers, neural, n_splits=8)
    assert out["similarity"].dims == ("layer", "region")
    assert out["layer"].values.tolist() == ["l1", "l2", "l3"]
    best = out["similarity"].idxmax("layer")
    assert best.sel(region="V1").item() == "l1"
    assert best.sel(region="LM").item() == "l3"
    # the noisier region has the lower ceiling; scores stay below ~ceiling
    assert float(out["ceiling"].sel(region="V1")) > float(out["ceiling"].sel(region="LM"))
    assert "neurons" in out.attrs["ceiling"]


def test_tsrsa_windows_are_blocks_of_the_movie(rng):
    layers, neural = _movie(rng, n_time=40)
    out = tsrsa(layers, neural, window=16, step=8, n_splits=4)
    assert out["timecourse"].dims == ("window", "layer", "region")
    assert out.sizes["window"] == (40 - 16) // 8 + 1
    t = neural["time"].values
    np.testing.assert_allclose(out["time"].values, [t[s:s + 16].mean() for s in (0, 8, 16, 24)])
    assert out["ceiling_timecourse"].dims == ("window", "region")
    # a window's similarity equals tsrsa on the frames of that window alone
    part = tsrsa({k: v.isel(time=slice(8, 24)) for k, v in layers.items()},
                 neural.isel(time=slice(8, 24)), ceiling=False)
    np.testing.assert_allclose(out["timecourse"].isel(window=1).values,
                               part["similarity"].values, atol=1e-12)
    assert np.isnan(part["ceiling"]).all()


def test_tsrsa_single_layer_and_no_area(rng):
    layers, neural = _movie(rng, n_time=30)
    plain = neural.drop_vars("area")
    out = tsrsa(layers["l1"].rename("conv1"), plain, n_splits=3)
    assert out["layer"].values.tolist() == ["conv1"]
    assert out.sizes["region"] == 1


def test_tsrsa_bad_input(rng):
    layers, neural = _movie(rng, n_time=30)
    shifted = neural.assign_coords(time=neural["time"] + 1.0)
    with pytest.raises(SchemaError, match="only in"):
        tsrsa(layers, shifted)
    bad = neural.copy()
    bad[3, 4] = np.nan
    with pytest.raises(InvalidValueError):
        tsrsa(layers, bad)
    with pytest.raises(SchemaError):
        tsrsa({k: v.isel(time=slice(0, 2)) for k, v in layers.items()},
              neural.isel(time=slice(0, 2)))
    with pytest.raises(ConfigError):
        tsrsa(layers, neural, window=2)
    with pytest.raises(ConfigError):
        tsrsa(layers, neural, window=10, step=0)
    with pytest.raises(SchemaError):
        tsrsa({}, neural)
