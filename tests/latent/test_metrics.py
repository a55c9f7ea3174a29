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
