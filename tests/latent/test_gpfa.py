"""GPFA: numerical parity with elephant.gpfa, latent recovery, sklearn front, bad input."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import xarray as xr
from sklearn.base import clone

from neurokit.datasets.multimodal_gp import simulate_multimodal_gp
from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.latent.gpfa import GPFA, gpfa_e_step
from neurokit.latent.metrics import aligned_r2


@pytest.fixture(scope="module")
def sim():
    return simulate_multimodal_gp(n_trials=20, n_time=25, n_neurons=12, image_size=8, seed=0)


def _elephant_inputs(y, init):
    seqs = np.empty(len(y), dtype=[("T", int), ("y", "O")])
    for i in range(len(y)):
        seqs[i] = (y.shape[1], y[i].T.copy())
    params = {"covType": "rbf", "gamma": init["gamma"].copy(), "eps": init["eps"].copy(),
              "d": init["d"].copy(), "C": init["C"].copy(), "R": np.diag(init["R"]),
              "notes": {"learnKernelParams": True, "learnGPNoise": False,
                        "RforceDiagonal": True}}
    return seqs, params


def test_e_step_matches_elephant(sim):
    gpfa_core = pytest.importorskip("elephant.gpfa.gpfa_core")
    model = GPFA(n_latents=2)
    y = model._prepare(sim.spikes.values)
    init = model.init_params(y)
    seqs, params = _elephant_inputs(y, init)
    out, ll_ref = gpfa_core.exact_inference_with_ll(seqs, copy.deepcopy(params))
    mean, cov, ll = gpfa_e_step(y, init["C"], init["d"], init["R"], init["gamma"], init["eps"])
    np.testing.assert_allclose(ll, ll_ref, rtol=1e-12)
    np.testing.assert_allclose(mean, np.stack([s.T for s in out["latent_variable"]]),
                               atol=1e-10)
    for j in range(2):
        sl = slice(j * 25, (j + 1) * 25)
        np.testing.assert_allclose(cov[sl, sl], out[0]["VsmGP"][:, :, j], atol=1e-12)


def test_em_matches_elephant(sim):
    gpfa_core = pytest.importorskip("elephant.gpfa.gpfa_core")
    gpfa_util = pytest.importorskip("elephant.gpfa.gpfa_util")
    model = GPFA(n_latents=2, max_iter=8, tol=0.0)
    y = model._prepare(sim.spikes.values)
    init = model.init_params(y)
    seqs, params = _elephant_inputs(y, init)
    ref, seqs_ref, lls_ref, _ = gpfa_core.em(copy.deepcopy(params), seqs, max_iters=8, tol=0.0,
                                             freq_ll=1)
    model.fit(sim.spikes.values, init=init)
    np.testing.assert_allclose(model.log_likelihoods_, lls_ref, rtol=1e-10)
    np.testing.assert_allclose(model.C_, ref["C"], atol=1e-9)
    np.testing.assert_allclose(model.d_, ref["d"], atol=1e-9)
    np.testing.assert_allclose(model.R_, np.diag(ref["R"]), atol=1e-9)
    np.testing.assert_allclose(model.gamma_, ref["gamma"], rtol=1e-6)
    # orthonormalised latents (same parameters -> same E-step -> same transform)
    seqs_post, _ = gpfa_core.exact_inference_with_ll(seqs, copy.deepcopy(ref))
    x_ref = np.hstack(seqs_post["latent_variable"])
    x_orth, _, _ = gpfa_util.orthonormalize(x_ref, ref["C"])
    ours = model.transform(sim.spikes.values).values.reshape(-1, 2)
    np.testing.assert_allclose(np.abs(ours), np.abs(x_orth.T), atol=1e-8)


def test_gpfa_recovers_both_neural_latents():
    sim = simulate_multimodal_gp(n_trials=40, n_time=40, n_neurons=40, image_size=8, seed=0)
    model = GPFA(n_latents=2, max_iter=100).fit(sim.spikes)
    z = model.transform(sim.spikes)
    assert z.dims == ("trial", "time", "latent") and np.allclose(z.time, sim.time)
    truth = sim.latents.sel(latent=["shared_0", "spikes_0"]).values
    assert aligned_r2(z.values, truth) > 0.85
    assert np.all(np.diff(model.log_likelihoods_) > -1e-6)  # EM never decreases the likelihood
    assert model.timescales_.shape == (2,) and np.isfinite(model.score(sim.spikes))
    assert model.predict(sim.spikes).shape == sim.spikes.shape


def test_sklearn_front_and_bad_input(sim):
    assert clone(GPFA(n_latents=4)).get_params()["n_latents"] == 4
    counts = sim.spikes.values.astype(float)
    with pytest.raises(InvalidValueError, match="negative"):
        GPFA().fit(counts - 1)
    counts[0, 0, 0] = np.nan
    with pytest.raises(InvalidValueError, match="NaN"):
        GPFA().fit(counts)
    with pytest.raises(SchemaError):
        GPFA().fit(sim.spikes.values[0])
    with pytest.raises(SchemaError):
        GPFA().fit(xr.DataArray(sim.spikes.values, dims=("unit", "time", "trial")))
    with pytest.raises(ConfigError):
        GPFA(n_latents=0).fit(sim.spikes.values)
    fitted = GPFA(n_latents=1, max_iter=3).fit(sim.spikes.values)
    with pytest.raises(SchemaError, match="units"):
        fitted.transform(sim.spikes.values[..., :5])
