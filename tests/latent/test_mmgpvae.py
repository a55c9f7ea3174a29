"""MM-GPVAE: Fourier GP prior, exact KL, posterior solve, estimator, bad input, ground truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import xarray as xr
from sklearn.base import clone

from neurokit.datasets.multimodal_gp import simulate_multimodal_gp
from neurokit.errors import (
    ConfigError,
    InvalidValueError,
    MissingDataError,
    SchemaError,
    TrainingError,
)
from neurokit.latent._fourier_gp import (
    FourierBasis,
    circular_size,
    gaussian_kl,
    max_frequency,
    se_spectral_density,
)
from neurokit.latent.metrics import block_r2
from neurokit.latent.mmgpvae import MMGPVAE, MMGPVAEModule, latent_blocks

torch.set_num_threads(1)


# -- the Fourier-domain GP prior ----------------------------------------------------------------
@pytest.mark.parametrize(("n_time", "n_circ", "kmax"), [(20, 31, 15), (20, 41, 7), (7, 9, 4)])
def test_fft_transforms_equal_dense_basis(n_time, n_circ, kmax):
    fb = FourierBasis(n_time, n_circ, kmax)
    B = fb.matrix()
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(3, fb.n_coef, 2, dtype=torch.float64, generator=gen)
    x = torch.randn(3, n_time, 2, dtype=torch.float64, generator=gen)
    v = torch.rand(3, fb.n_coef, 2, dtype=torch.float64, generator=gen)
    torch.testing.assert_close(fb.to_time(z), torch.einsum("kt,bkd->btd", B, z))
    torch.testing.assert_close(fb.from_time(x), torch.einsum("kt,btd->bkd", B, x))
    torch.testing.assert_close(fb.var_to_time(v), torch.einsum("kt,bkd->btd", B ** 2, v))
    torch.testing.assert_close(fb.weights_to_fourier(x), torch.einsum("kt,btd->bkd", B ** 2, x))


def test_unpruned_basis_is_orthonormal_on_the_circle():
    B = FourierBasis(31, 31, 15).matrix()
    torch.testing.assert_close(B @ B.T, torch.eye(31, dtype=torch.float64))


def test_prior_variance_is_the_se_spectral_density():
    m = MMGPVAEModule(["a"], ["gaussian"], [2], 0, [2], init_lengthscale=4.0, padding=1.0)
    fb = m.basis(40)
    ls = m.lengthscale.detach().double()
    omega = fb.omega
    expected = math.sqrt(2 * math.pi) * ls * torch.exp(-0.5 * omega[:, None] ** 2 * ls ** 2)
    torch.testing.assert_close(m.prior_variance(fb).detach().double(), expected + 1e-4,
                               rtol=1e-5, atol=1e-6)
    # and B^T diag(S) B is the SE kernel on the T bins (circular embedding, padded)
    S = se_spectral_density(omega, torch.tensor([4.0], dtype=torch.float64))[:, 0]
    B = fb.matrix()
    t = torch.arange(40, dtype=torch.float64)
    K = torch.exp(-0.5 * (t[:, None] - t[None, :]) ** 2 / 16.0)
    assert float((B.T @ torch.diag(S) @ B - K).abs().max()) < 1e-6


def test_frequency_cutoff_keeps_prior_above_threshold():
    n = circular_size(60, 0.5)
    kmax = max_frequency(n, 5.0, 1e8)
    w = 2 * math.pi * torch.arange(kmax + 2, dtype=torch.float64) / n
    ratio = se_spectral_density(w, torch.tensor([5.0], dtype=torch.float64))[:, 0] / (
        math.sqrt(2 * math.pi) * 5.0)
    assert float(ratio[kmax]) >= 1e-8 > float(ratio[kmax + 1])
    assert kmax < (n - 1) // 2  # pruning actually happened


# -- the KL term --------------------------------------------------------------------------------
def test_kl_matches_closed_form_and_monte_carlo():
    mean = torch.tensor([0.7, -1.2, 0.0], dtype=torch.float64)
    var = torch.tensor([0.3, 0.05, 2.0], dtype=torch.float64)
    prior = torch.tensor([1.5, 0.2, 1.0], dtype=torch.float64)
    kl = gaussian_kl(mean, var, prior)
    ref = torch.distributions.kl_divergence(torch.distributions.Normal(mean, var.sqrt()),
                                            torch.distributions.Normal(0.0, prior.sqrt()))
    torch.testing.assert_close(kl, ref)
    gen = torch.Generator().manual_seed(0)
    z = mean + var.sqrt() * torch.randn(400_000, 3, dtype=torch.float64, generator=gen)
    q = torch.distributions.Normal(mean, var.sqrt()).log_prob(z)
    p = torch.distributions.Normal(0.0, prior.sqrt()).log_prob(z)
    torch.testing.assert_close((q - p).mean(0), kl, rtol=0.02, atol=5e-3)
    # the public code's (mean + std)^2 form is a different (wrong) number
    wrong = 0.5 * (prior.log() - var.log() + (mean + var.sqrt()) ** 2 / prior - 1)
    assert not torch.allclose(wrong, kl, rtol=0.01)


def test_module_kl_is_the_sum_of_coefficient_kls():
    m = MMGPVAEModule(["spikes", "images"], ["poisson", "gaussian"], [5, 4], 1, [1, 1])
    gen = torch.Generator().manual_seed(1)
    y = (torch.poisson(torch.ones(2, 12, 5), generator=gen), torch.randn(2, 12, 4, generator=gen))
    with torch.no_grad():
        mean, var, basis = m.posterior(y)
        terms = m.elbo_terms(y, generator=gen)
        ref = torch.distributions.kl_divergence(
            torch.distributions.Normal(mean, var.sqrt()),
            torch.distributions.Normal(0.0, m.prior_variance(basis).sqrt())).sum((1, 2))
    torch.testing.assert_close(terms["kl"], ref)


# -- inference and likelihood -----------------------------------------------------------------
def test_posterior_mean_is_the_exact_solve():
    m = MMGPVAEModule(["a"], ["gaussian"], [3], 0, [2], cg_iters=40).double()
    fb = m.basis(30)
    B = fb.matrix()
    prior_prec = 1.0 / m.prior_variance(fb).detach()
    gen = torch.Generator().manual_seed(2)
    prec = 5 * torch.rand(2, 30, 2, dtype=torch.float64, generator=gen)
    prec_u = torch.randn(2, 30, 2, dtype=torch.float64, generator=gen)
    mean, var = m._solve(fb, prior_prec, prec, prec_u)
    for b in range(2):
        for d in range(2):
            P = torch.diag(prior_prec[:, d]) + B @ torch.diag(prec[b, :, d]) @ B.T
            torch.testing.assert_close(mean[b, :, d], torch.linalg.solve(P, B @ prec_u[b, :, d]))
            torch.testing.assert_close(var[b, :, d], 1.0 / torch.diagonal(P))


def test_closed_form_poisson_term_matches_monte_carlo():
    m = MMGPVAEModule(["spikes"], ["poisson"], [4], 0, [2]).double()
    gen = torch.Generator().manual_seed(3)
    y = torch.poisson(2 * torch.ones(1, 15, 4, dtype=torch.float64), generator=gen)
    with torch.no_grad():
        mean, var, basis = m.posterior([y])
        exact = m._poisson_terms(0, y, basis.to_time(mean), basis.var_to_time(var), None)
        eps = torch.randn(40_000, *mean.shape, dtype=torch.float64, generator=gen)
        z = basis.to_time((mean + var.sqrt() * eps).reshape(-1, *mean.shape[1:]))
        eta = m.decoders[0](z)
        mc = (y * eta - eta.exp() - torch.lgamma(y + 1)).sum((1, 2)).mean()
    assert abs(float(exact[0]) - float(mc)) < 0.02 * abs(float(mc))


# -- estimator front ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    return simulate_multimodal_gp(n_trials=8, n_time=16, n_neurons=6, image_size=8, seed=0)


@pytest.fixture(scope="module")
def fitted(small):
    return MMGPVAE(max_epochs=2, batch_size=4, shared_warmup=1, enable_progress_bar=False).fit(
        small)


def test_transform_reconstruct_score(fitted, small):
    z = fitted.transform(small)
    assert dict(z.latents.sizes) == {"trial": 8, "time": 16, "latent": 3}
    assert z.block.values.tolist() == ["shared", "spikes", "images"]
    assert (z.latents_sd > 0).all() and np.allclose(z.time, small.time)
    assert set(latent_blocks(z)) == {"shared", "spikes", "images"}
    rec = fitted.reconstruct(small, from_modalities=["spikes"])
    assert rec.spikes.shape == small.spikes.shape and rec.images.shape == small.images.shape
    assert (rec.spikes > 0).all() and rec.attrs["from_modalities"] == ["spikes"]
    assert np.isfinite(fitted.score(small))
    # other trial lengths, and one modality alone
    z2 = fitted.transform({"images": small.images.values[:, :10]})
    assert z2.latents.shape == (8, 10, 3)
    assert fitted.lengthscales_.shape == (3,) and (fitted.lengthscales_ > 2.0).all()


def test_unobserved_bins_carry_no_evidence(fitted, small):
    hidden = np.zeros((8, 16), dtype=bool)
    a = fitted.reconstruct(small, observed={"images": hidden})
    b = fitted.reconstruct(small, from_modalities=["spikes"])
    xr.testing.assert_allclose(a.drop_attrs(), b.drop_attrs(), rtol=1e-4, atol=1e-5)
    some = np.ones((8, 16), dtype=bool)
    some[:, 5:9] = False
    z = fitted.transform(small, observed={"images": some})
    assert (z.latents_sd.sel(latent="images_0")[:, 5:9].mean()
            > z.latents_sd.sel(latent="images_0")[:, :3].mean())
    with pytest.raises(SchemaError, match="images"):
        fitted.transform(small, observed={"images": hidden[:, :3]})
    with pytest.raises(MissingDataError, match="lfp"):
        fitted.transform(small, observed={"lfp": hidden})


def test_save_load_roundtrip_and_clone(fitted, small, tmp_path):
    path = fitted.save(tmp_path / "mm.pt")
    again = MMGPVAE.load(path)
    xr.testing.assert_allclose(again.transform(small), fitted.transform(small))
    assert clone(fitted).get_params() == fitted.get_params()


def test_reproducible(small):
    kw = {"max_epochs": 2, "batch_size": 4, "seed": 3, "enable_progress_bar": False}
    a, b = MMGPVAE(**kw).fit(small), MMGPVAE(**kw).fit(small)
    xr.testing.assert_equal(a.transform(small), b.transform(small))


@pytest.mark.parametrize("kw", [{"decoder": "linear"}, {"combine": "average"},
                                {"link": "softplus", "n_samples": 2}, {"kl_warmup": 3},
                                {"n_shared": 0, "n_private": {"spikes": 2, "images": 1}}])
def test_variants_run(small, kw):
    m = MMGPVAE(max_epochs=1, batch_size=4, enable_progress_bar=False, **kw).fit(small)
    assert np.isfinite(m.transform(small).latents).all()


def test_single_modality_gpvae(small):
    m = MMGPVAE(n_shared=0, n_private=2, modalities=["spikes"], max_epochs=1, batch_size=4,
                enable_progress_bar=False).fit(small)
    z = m.transform(small)
    assert z.block.values.tolist() == ["spikes", "spikes"]


def test_kl_warmup_weights_only_the_training_kl():
    from types import SimpleNamespace

    m = MMGPVAEModule(["spikes"], ["poisson"], [4], 0, [2], kl_warmup=3)
    y = (torch.poisson(torch.ones(2, 10, 4), generator=torch.Generator().manual_seed(0)),)
    assert m.kl_scale() == 1.0  # no trainer: no warm-up
    m._trainer = SimpleNamespace(current_epoch=1)
    assert m.kl_scale() == pytest.approx(0.5)
    with torch.no_grad():
        torch.manual_seed(0)
        tr = m.compute(y, "train")
        torch.manual_seed(0)
        va = m.compute(y, "val")
    recon = tr["recon_spikes"]
    torch.testing.assert_close(tr["loss"], -(recon - 0.5 * tr["kl"]) / 10)
    torch.testing.assert_close(va["loss"], -va["elbo"] / 10)
    m._trainer = SimpleNamespace(current_epoch=7)
    assert m.kl_scale() == 1.0
    m._trainer = None
    with pytest.raises(ConfigError, match="warm-up"):
        MMGPVAEModule(["spikes"], ["poisson"], [4], 0, [2], kl_warmup=-1)


# -- bad input ----------------------------------------------------------------------------------
def _data(small, **changes):
    data = {"spikes": small.spikes.values.copy(), "images": small.images.values.copy()}
    data.update(changes)
    return data


@pytest.mark.parametrize(("change", "error", "field"), [
    ("negative", InvalidValueError, "spikes"),
    ("fraction", InvalidValueError, "spikes"),
    ("nan", InvalidValueError, "images"),
    ("trials", SchemaError, "images"),
    ("time", SchemaError, "images"),
    ("dims", SchemaError, "spikes"),
])
def test_bad_input_names_the_modality(small, change, error, field):
    spikes, images = small.spikes.values.copy(), small.images.values.copy()
    if change == "negative":
        spikes[0, 0, 0] = -1
    elif change == "fraction":
        spikes = spikes + 0.5
    elif change == "nan":
        images[1, 2, 3] = np.nan
    elif change == "trials":
        images = images[:-1]
    elif change == "time":
        images = images[:, :-2]
    elif change == "dims":
        spikes = spikes[0]
    with pytest.raises(error) as err:
        MMGPVAE(max_epochs=1).fit({"spikes": spikes, "images": images})
    assert err.value.field == field and field in str(err.value)


def test_bad_input_at_transform_and_config(fitted, small):
    with pytest.raises(SchemaError, match="images"):
        fitted.transform({"images": small.images.values[..., :5]})
    with pytest.raises(MissingDataError):
        fitted.transform({"behaviour": small.images.values})
    with pytest.raises(MissingDataError, match="images"):
        fitted.reconstruct({"spikes": small.spikes.values}, from_modalities=["images"])
    with pytest.raises(ConfigError, match="likelihood"):
        MMGPVAE(likelihoods={"spikes": "bernoulli"}).fit(_data(small))
    with pytest.raises(MissingDataError, match="lfp"):
        MMGPVAE(modalities=["spikes", "lfp"]).fit(small)
    with pytest.raises(ConfigError, match="held-out"):
        MMGPVAE(heldout_features={"spikes": [0, 99]}, max_epochs=1).fit(small)


def test_divergence_raises_training_error(small):
    with pytest.raises(TrainingError, match="non-finite loss"):
        MMGPVAE(lr=1e12, max_epochs=3, batch_size=4, enable_progress_bar=False).fit(small)


# -- ground truth ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_ground_truth_blocks_and_heldout_reconstruction():
    """The issue's claims on simulated spikes + rotating/zooming digits, on held-out trials.

    Blocks: shared and neural-only R² >= 0.85, image-only >= 0.6, leakage <= 0.15.
    Reconstruction: with the camera off for 16 of the 40 bins of each held-out trial, MM-GPVAE
    (which also sees the spikes) predicts the missing frames far better than the image-only
    GP-VAE, which can only interpolate with its GP prior.
    """
    ds = simulate_multimodal_gp(n_trials=80, n_time=40, n_neurons=40, seed=0)
    train, test = ds.isel(trial=slice(16, None)), ds.isel(trial=slice(0, 16))
    kw = {"max_epochs": 80, "batch_size": 20, "seed": 0, "enable_progress_bar": False,
          "heldout_features": {"spikes": list(range(30, 40))}}
    mm = MMGPVAE(**kw).fit(train)
    table = block_r2(latent_blocks(mm.transform(test)), latent_blocks(test.latents))
    assert table.loc["shared", "shared"] >= 0.85
    assert table.loc["spikes", "spikes"] >= 0.85
    assert table.loc["images", "images"] >= 0.6
    leak = table.values[~np.eye(3, dtype=bool)]
    assert leak.max() <= 0.15, table

    gp = MMGPVAE(n_shared=0, n_private=2, modalities=["images"], **kw).fit(train)
    observed = np.ones((16, 40), dtype=bool)
    observed[:, 12:28] = False
    target = test.images.values[:, 12:28]

    def gap_mse(model):
        rec = model.reconstruct(test, observed={"images": observed})
        return float(((rec.images.values[:, 12:28] - target) ** 2).mean())

    assert gap_mse(mm) < 0.75 * gap_mse(gp)
