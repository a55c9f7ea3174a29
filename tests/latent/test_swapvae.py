"""Swap-VAE: its losses against hand-computed values, the BlockSwap wiring, the estimator."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import xarray as xr
from scipy.stats import poisson
from sklearn.base import clone

from neurokit.datasets.content_style import simulate_content_style
from neurokit.errors import CheckpointError, ConfigError, InvalidValueError, SchemaError
from neurokit.latent.swapvae import (
    SwapVAE,
    SwapVAEModule,
    alignment_loss,
    check_counts,
    gaussian_kl,
    info_nce,
    pair_partners,
    poisson_nll,
    randomized_dropout,
)


# -- losses ------------------------------------------------------------------------------------
def test_gaussian_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mq, lq, mp, lp = (torch.randn(5, 3, generator=g) for _ in range(4))
    q = torch.distributions.Normal(mq, torch.exp(0.5 * lq))
    p = torch.distributions.Normal(mp, torch.exp(0.5 * lp))
    expected = torch.distributions.kl_divergence(q, p).sum(-1)
    torch.testing.assert_close(gaussian_kl(mq, lq, mp, lp), expected)
    # standard-normal prior by default
    std = torch.distributions.Normal(torch.zeros(3), torch.ones(3))
    torch.testing.assert_close(gaussian_kl(mq, lq),
                               torch.distributions.kl_divergence(q, std).sum(-1))


def test_poisson_nll_is_the_negative_log_pmf():
    rates = torch.tensor([[0.3, 2.0, 5.0]], dtype=torch.float64)
    counts = torch.tensor([[0.0, 3.0, 4.0]], dtype=torch.float64)
    expected = -poisson.logpmf(counts.numpy(), rates.numpy()).sum()
    assert float(poisson_nll(rates, counts)) == pytest.approx(expected, rel=1e-12)
    partial = poisson_nll(rates, counts, full=False)
    assert float(partial) == pytest.approx(expected - math.lgamma(4) - math.lgamma(5))


def test_alignment_loss_is_the_normalised_l2():
    a = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
    b = torch.tensor([[4.0, 3.0], [-2.0, 0.0]])
    # rows: cos = 24/25 -> 2 - 48/25 = 0.08; opposite directions -> 4
    assert float(alignment_loss(a, b)) == pytest.approx((0.08 + 4.0) / 2)


def test_info_nce_equals_hand_computed_value():
    a = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    b = torch.tensor([[1.0, 1.0], [0.0, 1.0]])
    tau = 0.5
    c = 1 / math.sqrt(2)                        # cosines: [[c, 0], [c, 1]]
    s = np.array([[c, 0.0], [c, 1.0]]) / tau
    row = np.mean([-s[0, 0] + np.log(np.exp(s[0]).sum()),
                   -s[1, 1] + np.log(np.exp(s[1]).sum())])
    col = np.mean([-s[0, 0] + np.log(np.exp(s[:, 0]).sum()),
                   -s[1, 1] + np.log(np.exp(s[:, 1]).sum())])
    assert float(info_nce(a, b, tau)) == pytest.approx((row + col) / 2, rel=1e-6)
    # excluded pairs leave the denominators: with every off-diagonal pair excluded the loss
    # is 0 (each positive is alone)
    assert float(info_nce(a, b, tau, exclude=torch.ones(2, 2, dtype=torch.bool))) == 0.0


def test_info_nce_is_log_n_at_chance():
    a = torch.ones(6, 3)
    assert float(info_nce(a, a)) == pytest.approx(math.log(6))


# -- augmentation and pairing --------------------------------------------------------------------
def test_randomized_dropout_masks_whole_neurons():
    g = torch.Generator().manual_seed(1)
    x = torch.ones(200, 5, 40)
    y = randomized_dropout(x, 0.6, g)
    assert set(torch.unique(y).tolist()) <= {0.0, 1.0}
    assert torch.equal(y, y[:, :1].expand_as(y))           # constant along time
    frac = 1 - y[:, 0].mean(1)                               # per-sample dropout rate
    assert 0.2 < float(frac.mean()) < 0.4                    # E[p] = 0.3
    assert float(frac.max()) < 0.85
    assert torch.equal(randomized_dropout(x, 0.0), x)
    bins = randomized_dropout(torch.ones(50, 30), 0.5, g)   # (B, N): one mask per bin
    assert not torch.equal(bins[0], bins[1])


def test_pair_partners_same_group_other_trial():
    g = torch.Generator().manual_seed(0)
    groups = torch.tensor([0, 1, 0, 1, 0, 2])
    for _ in range(20):
        j = pair_partners(groups, generator=g)
        assert torch.equal(groups[j], groups)
        alone = torch.tensor([False, False, False, False, False, True])
        assert torch.equal(j == torch.arange(6), alone)
    assert torch.equal(pair_partners(groups, self_pairs=True), torch.arange(6))


# -- the module ----------------------------------------------------------------------------------
def test_swap_decodes_from_the_other_views_content():
    torch.manual_seed(0)
    m = SwapVAEModule(n_units=6, n_content=2, n_style=1, hidden=(8,), dropout=0.0)
    x = torch.poisson(torch.rand(2, 3, 6) * 3)
    groups = torch.zeros(2, dtype=torch.long)                # trials 0 and 1 pair up
    calls = []
    decode = m.decode

    def spy(c, s):
        calls.append((c.detach().clone(), s.detach().clone()))
        return decode(c, s)

    m.decode = spy
    m.compute((x, groups), "train")
    c1 = m.encode(x.reshape(-1, 6))[0]
    c2 = m.encode(x[[1, 0]].reshape(-1, 6))[0]
    assert not torch.allclose(c1, c2)
    # per view: own reconstruction (own content), then the swap (the other view's content);
    # the style of both calls is the same sample of this view's style
    (c_own1, s_own1), (c_swap1, s_swap1), (c_own2, s_own2), (c_swap2, s_swap2) = calls
    torch.testing.assert_close(c_own1, c1.detach())
    torch.testing.assert_close(c_swap1, c2.detach())
    torch.testing.assert_close(c_own2, c2.detach())
    torch.testing.assert_close(c_swap2, c1.detach())
    assert torch.equal(s_own1, s_swap1) and torch.equal(s_own2, s_swap2)


def test_module_loss_terms():
    torch.manual_seed(1)
    m = SwapVAEModule(n_units=5, n_content=2, n_style=2, hidden=(8,), beta=0.5, alpha=2.0)
    x = torch.poisson(torch.ones(4, 3, 5))
    out = m.compute((x, torch.zeros(4, dtype=torch.long)), "train")
    expected = out["recon"] + out["swap_recon"] + 0.5 * out["kl"] + 2.0 * out["align"]
    torch.testing.assert_close(out["loss"], expected)
    out["loss"].backward()
    assert all(p.grad is not None for p in m.parameters())


@pytest.mark.parametrize("kwargs, field", [
    ({"pairing": "shuffle"}, "pairing"), ({"dropout": 1.5}, "dropout"),
    ({"beta": -1.0}, "beta"), ({"n_style": 0}, "n_style"), ({"max_jitter": -1}, "max_jitter"),
])
def test_module_bad_config(kwargs, field):
    with pytest.raises(ConfigError) as err:
        SwapVAEModule(n_units=4, **kwargs)
    assert err.value.field == field


# -- the estimator -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    return simulate_content_style(n_trials=8, n_time=12, n_neurons=10, segment_length=4, seed=0)


@pytest.fixture(scope="module")
def fitted(small):
    return SwapVAE(n_content=2, n_style=1, hidden=(16,), max_epochs=3, batch_size=4,
                   max_jitter=1).fit(small["counts"])


def test_fit_transform_score(fitted, small):
    out = fitted.transform(small["counts"])
    assert isinstance(out, xr.Dataset)
    assert out["content"].shape == (8, 12, 2) and out["style"].shape == (8, 12, 1)
    assert out["rates"].dims == ("trial", "time", "unit")
    assert bool((out["rates"] > 0).all())
    np.testing.assert_array_equal(out["time"].values, small["time"].values)
    score = fitted.score(small["counts"])
    assert np.isfinite(score) and score < 0
    assert score == fitted.score(small["counts"])            # seeded sample
    # plain arrays work as well
    arr = fitted.transform(small["counts"].values)
    np.testing.assert_allclose(arr["content"].values, out["content"].values, rtol=1e-6)


def test_save_load_roundtrip(fitted, small, tmp_path):
    path = fitted.save(tmp_path / "swap.pt")
    back = SwapVAE.load(path)
    a, b = fitted.transform(small["counts"]), back.transform(small["counts"])
    np.testing.assert_array_equal(a["content"].values, b["content"].values)
    assert back.get_params() == fitted.get_params() | {"run_dir": None}
    with pytest.raises(CheckpointError):
        from neurokit.latent.tide_swapvae import TiDeSwapVAE

        TiDeSwapVAE.load(path)


def test_clone_keeps_parameters(fitted):
    twin = clone(fitted)
    assert twin.get_params() == fitted.get_params() and not hasattr(twin, "module_")


def test_bad_counts(fitted, small):
    x = small["counts"].values.astype(float)
    bad_neg, bad_frac, bad_nan = x.copy(), x.copy(), x.copy()
    bad_neg[0, 0, 0], bad_frac[0, 0, 0], bad_nan[0, 0, 0] = -1, 0.5, np.nan
    for bad in (bad_neg, bad_frac, bad_nan):
        with pytest.raises(InvalidValueError) as err:
            fitted.transform(bad)
        assert err.value.field == "counts"
    with pytest.raises(SchemaError):
        fitted.transform(x[..., :5])                        # other number of units
    with pytest.raises(SchemaError):
        fitted.transform(x[0])                               # not (trial, time, unit)
    with pytest.raises(SchemaError):
        fitted.fit(small["counts"].transpose("time", "trial", "unit"))
    with pytest.raises(SchemaError):
        SwapVAE().fit(x, groups=[0, 1])


def test_check_counts_reads_dataarray_coords(small):
    x, meta = check_counts(small["counts"])
    assert x.dtype == np.float32
    assert meta["sampling_rate"] == small.attrs["sampling_rate"]
    np.testing.assert_array_equal(meta["unit"], small["unit"].values)
