"""Latent recovery and spike-prediction metrics against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import poisson

from neurokit.errors import InvalidValueError, SchemaError
from neurokit.latent.metrics import (
    aligned_r2,
    bits_per_spike,
    block_r2,
    decode_accuracy,
    poisson_log_likelihood,
)


def test_aligned_r2_invariant_to_invertible_maps_and_noise_lowers_it():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(3, 100, 2))  # (trial, time, latent)
    mixed = z @ np.array([[1.0, 2.0], [-1.0, 0.5]]) + 4.0
    assert aligned_r2(mixed, z) == pytest.approx(1.0, abs=1e-9)
    noisy = mixed + rng.normal(scale=2.0, size=mixed.shape)
    r2 = aligned_r2(noisy, z)
    assert 0.2 < r2 < 0.95


def test_block_r2_shows_leakage():
    rng = np.random.default_rng(2)
    s, p = rng.normal(size=(400, 1)), rng.normal(size=(400, 1))
    t = block_r2({"shared": np.hstack([s, p])}, {"shared": s, "private": p})
    assert t.loc["shared", "shared"] > 0.99 and t.loc["shared", "private"] > 0.99
    t = block_r2({"shared": s + 0.01 * p}, {"shared": s, "private": p})
    assert t.loc["shared", "private"] < 0.05


def test_poisson_log_likelihood_matches_scipy():
    rng = np.random.default_rng(0)
    lam = rng.uniform(0.1, 3, size=(20, 4))
    k = rng.poisson(lam)
    assert poisson_log_likelihood(lam, k) == pytest.approx(poisson.logpmf(k, lam).sum(), rel=1e-12)


def test_bits_per_spike_definition():
    rng = np.random.default_rng(1)
    lam = rng.uniform(0.2, 2, size=(500, 3))
    k = rng.poisson(lam)
    baseline = np.broadcast_to(k.mean(0), k.shape)
    expected = ((poisson.logpmf(k, lam).sum() - poisson.logpmf(k, baseline).sum())
                / (k.sum() * np.log(2)))
    assert bits_per_spike(lam, k) == pytest.approx(expected, rel=1e-12)
    assert bits_per_spike(lam, k) > 0


def test_decode_accuracy_grouped_and_chance():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(20) % 2, 10)
    groups = np.repeat(np.arange(20), 10)
    assert decode_accuracy(rng.normal(size=(200, 3)) + y[:, None], y, groups=groups) > 0.7
    assert decode_accuracy(rng.normal(size=(200, 3)), y, groups=groups) < 0.7


def test_bad_inputs():
    with pytest.raises(InvalidValueError, match="non-negative integers"):
        bits_per_spike(np.ones((2, 2)), np.array([[0, 1.5], [1, 1]]))
    with pytest.raises(SchemaError):
        aligned_r2(np.zeros((10, 2)), np.zeros((9, 2)))
    with pytest.raises(InvalidValueError, match="non-finite"):
        aligned_r2(np.full((10, 2), np.nan), np.zeros((10, 2)))


def test_co_smoothing_matches_a_direct_poisson_readout_and_orders_latents():
    from sklearn.linear_model import PoissonRegressor

    from neurokit.latent.metrics import co_smoothing_bits_per_spike

    rng = np.random.default_rng(3)
    z = rng.normal(size=(30, 20, 2))  # (trial, time, latent)
    k = rng.poisson(np.exp(-0.5 + z @ np.array([[0.7, 0.0, -0.5], [0.2, 0.9, 0.4]])))
    tr, te = slice(0, 20), slice(20, 30)
    got = co_smoothing_bits_per_spike(z[tr], z[te], k[tr], k[te], alpha=0.0)
    # the same read-out by hand: affine Poisson regressions are invariant to standardising
    rates = np.stack([PoissonRegressor(alpha=0.0, max_iter=1000)
                      .fit(z[tr].reshape(-1, 2), k[tr, :, n].ravel()).predict(z[te].reshape(-1, 2))
                      for n in range(3)], axis=1)
    assert got == pytest.approx(bits_per_spike(rates, k[te].reshape(-1, 3)), rel=1e-4)
    noisy = z + rng.normal(scale=1.0, size=z.shape)
    assert got > co_smoothing_bits_per_spike(noisy[tr], noisy[te], k[tr], k[te]) > 0
    with pytest.raises(SchemaError, match="numbers of bins"):
        co_smoothing_bits_per_spike(z[tr], z[te], k[tr, :10], k[te])
