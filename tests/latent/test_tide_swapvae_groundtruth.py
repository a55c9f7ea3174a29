"""TiDe-SwapVAE's claims on simulated data (issue 5), beside PCA, Swap-VAE and the ablation.

Data: :func:`~neurokit.datasets.content_style.simulate_content_style` — 12 stimuli shown in
segments of 20 bins, four stimulus orders ("movies") each repeated over trials, a slow AR(1)
internal state (time constant 100 bins) drifting across the session, 50 Poisson neurons at 0.5
spikes per bin. 40 trials train every model; 10 later
trials are held out for the ELBO. The views of both Swap-VAE and TiDe-SwapVAE pair trials that
show the same movie (``groups`` = the movie; no stimulus or behaviour labels per bin).

All fits share one module fixture (one core, about a minute of CPU).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

from neurokit.datasets.content_style import simulate_content_style
from neurokit.latent.metrics import aligned_r2, decode_accuracy
from neurokit.latent.swapvae import SwapVAE
from neurokit.latent.tide_swapvae import TiDeSwapVAE

pytestmark = pytest.mark.slow

SIM = {"n_trials": 50, "n_time": 60, "n_neurons": 50, "n_stimuli": 12, "stimulus_gain": 0.6,
       "segment_length": 20, "n_sequences": 4, "seed": 0}
N_TRAIN = 40
LATENT = {"n_content": 4, "n_style": 2}
TRAIN = {"max_epochs": 100, "lr": 0.01, "seed": 0}


@pytest.fixture(scope="module")
def results() -> dict[str, float]:
    torch.set_num_threads(1)
    ds = simulate_content_style(**SIM)
    train, test = ds.isel(trial=slice(0, N_TRAIN)), ds.isel(trial=slice(N_TRAIN, None))
    groups = train["sequence"].values
    stim = ds["stimulus"].values.reshape(-1)
    trial_of_bin = np.repeat(np.arange(SIM["n_trials"]), SIM["n_time"])
    state = ds["state"].values

    def acc(latent: np.ndarray) -> float:  # trial-grouped 5-fold logistic regression
        return decode_accuracy(latent, stim, groups=trial_of_bin)

    out: dict[str, float] = {}
    x = np.log1p(ds["counts"].values).reshape(-1, SIM["n_neurons"])
    pcs = PCA(n_components=LATENT["n_content"], random_state=0).fit_transform(x)
    out["acc_pca"] = acc(pcs)
    out["r2_state_pca"] = aligned_r2(pcs, state.reshape(-1, 1))
    models = {
        "tide": TiDeSwapVAE(**LATENT, **TRAIN),
        "nostate": TiDeSwapVAE(use_state=False, **LATENT, **TRAIN),
        "swap": SwapVAE(**LATENT, **TRAIN),
    }
    for name, model in models.items():
        model.fit(train["counts"], groups=groups)
        lat = model.transform(ds["counts"])
        out[f"acc_content_{name}"] = acc(lat["content"].values)
        out[f"acc_style_{name}"] = acc(lat["style"].values)
        out[f"r2_state_{name}"] = aligned_r2(lat["style"].values, state)
        if name != "swap":  # the same ELBO (both latent blocks stochastic)
            out[f"elbo_{name}"] = model.score(test["counts"])
    print("\n" + "\n".join(f"{k:>22}: {v:.3f}" for k, v in out.items()))
    return out


def test_content_decodes_the_stimulus(results):
    chance = 1 / SIM["n_stimuli"]
    acc = results["acc_content_tide"]
    assert acc >= 0.85
    # far better than the style latent of the same model ...
    assert acc - results["acc_style_tide"] >= 0.3
    assert results["acc_style_tide"] < 0.6 and acc > 8 * chance
    # ... better than PCA with as many components and than Swap-VAE's content
    assert acc - results["acc_pca"] >= 0.1
    assert acc - results["acc_content_swap"] >= 0.03


def test_style_tracks_the_internal_state(results):
    assert results["r2_state_tide"] >= 0.7


def test_removing_the_state_variables_hurts(results):
    # the ablation tracks the state worse and explains held-out trials worse (nats per bin)
    assert results["r2_state_tide"] - results["r2_state_nostate"] >= 0.02
    assert results["elbo_tide"] - results["elbo_nostate"] >= 1.0
    assert results["acc_content_tide"] > results["acc_content_nostate"]
