"""The multi-modal GP simulator: layout, statistics of the latents, image geometry, errors."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit.datasets.multimodal_gp import sample_se_gp, simulate_multimodal_gp
from neurokit.errors import ConfigError
from neurokit.validation import validate


@pytest.fixture(scope="module")
def ds():
    return simulate_multimodal_gp(n_trials=40, n_time=30, n_neurons=15, image_size=12,
                                  n_neural=2, seed=4)


def test_layout(ds):
    validate(ds)
    assert ds.spikes.dims == ("trial", "time", "unit") and ds.spikes.dtype == np.int64
    assert ds.images.shape == (40, 30, 144) and ds.images.attrs["likelihood"] == "gaussian"
    assert ds.spikes.attrs["likelihood"] == "poisson"
    assert ds.latents.block.values.tolist() == ["shared", "spikes", "spikes", "images"]
    np.testing.assert_allclose(np.diff(ds.time), 0.02)
    assert ds.attrs["sampling_rate"] == 50.0


def test_generative_structure(ds):
    shared = ds.latents.sel(latent="shared_0").values
    image = ds.latents.sel(latent="images_0").values
    np.testing.assert_allclose(ds.rotation, 0.5 * shared)
    np.testing.assert_allclose(ds.scale, np.exp(0.15 * image))
    drive = ds.latents.sel(latent=ds.drive.values).values
    log_rate = np.log(ds.rates.values) - drive @ ds.loadings.values.T
    np.testing.assert_allclose(log_rate, np.broadcast_to(log_rate[:1, :1], log_rate.shape))
    assert abs(ds.spikes.values.mean() / ds.rates.values.mean() - 1) < 0.1
    # latents: unit variance, mutually independent
    lat = ds.latents.values.reshape(-1, 4)
    assert np.all(np.abs(lat.var(0) - 1) < 0.35)
    corr = np.corrcoef(lat.T)
    assert np.abs(corr[~np.eye(4, dtype=bool)]).max() < 0.2


def test_images_turn_with_the_shared_latent(ds):
    frames = ds.images.values.reshape(-1, 12, 12)
    angle = ds.rotation.values.ravel()
    lo, hi = frames[angle < np.quantile(angle, 0.1)], frames[angle > np.quantile(angle, 0.9)]
    assert np.abs(lo.mean(0) - hi.mean(0)).max() > 0.2  # rotation moves the digit's pixels


def test_se_gp_covariance():
    x = sample_se_gp(20_000, 6, 2.0, np.random.default_rng(0))
    t = np.arange(6)
    k = np.exp(-0.5 * (t[:, None] - t[None, :]) ** 2 / 4.0)
    np.testing.assert_allclose(np.cov(x.T), k, atol=0.05)


def test_reproducible_and_errors():
    a = simulate_multimodal_gp(n_trials=2, n_time=8, n_neurons=3, image_size=8, seed=1)
    b = simulate_multimodal_gp(n_trials=2, n_time=8, n_neurons=3, image_size=8, seed=1)
    c = simulate_multimodal_gp(n_trials=2, n_time=8, n_neurons=3, image_size=8, seed=2)
    assert a.identical(b) and not np.array_equal(a.latents, c.latents)
    with pytest.raises(ConfigError, match="lengthscales"):
        simulate_multimodal_gp(lengthscales=(1.0, 2.0))
    with pytest.raises(ConfigError, match="digit"):
        simulate_multimodal_gp(n_trials=1, n_time=4, n_neurons=2, digit=11)
    with pytest.raises(ConfigError, match="n_time"):
        simulate_multimodal_gp(n_time=1)
    with pytest.raises(ConfigError, match="lengthscale"):
        sample_se_gp(2, 3, -1.0, np.random.default_rng(0))
