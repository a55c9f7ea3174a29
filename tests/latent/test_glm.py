"""Baselines: the coupled Poisson GLM recovers the simulated graph; the PSTH follows the
stimulus."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from neurokit.datasets.spiking_circuit import simulate_spiking_circuit
from neurokit.errors import SchemaError
from neurokit.latent.glm import PSTH, PoissonGLM
from neurokit.latent.metrics import poisson_log_likelihood
from neurokit.latent.neuroformer_tokens import interval_split


@pytest.fixture(scope="module")
def circuit():
    ds = simulate_spiking_circuit(n_neurons=10, n_hubs=2, duration_s=80.0, seed=5)
    split = interval_split(ds.sizes["time"], n_intervals=5, test_fraction=0.2, seed=0)
    return ds, split


def test_lag1_glm_recovers_edges_direction_and_hubs(circuit):
    ds, split = circuit
    glm = PoissonGLM(n_lags=1).fit(split.take(ds["spikes"], "train"),
                                   split.take(ds["stimulus"], "train"))
    w_hat = glm.connectivity()
    assert w_hat.dims == ("target_unit", "source_unit")
    w = ds["weights"].values
    off = ~np.eye(10, dtype=bool)
    assert roc_auc_score((w > 0)[off], w_hat.values[off]) > 0.95
    j, i = np.nonzero(w > 0)
    assert (w_hat.values[j, i] > w_hat.values[i, j]).mean() > 0.9
    out = np.where(off, w_hat.values, 0).sum(0)
    assert set(np.argsort(-out)[:2]) == set(ds.attrs["hubs"])
    assert (np.diag(w_hat.values) < 0).all()  # refractoriness lands on the diagonal


def test_coupled_glm_beats_stimulus_glm_and_psth_on_held_out_intervals(circuit):
    ds, split = circuit
    tr, te = split.take(ds["spikes"], "train"), split.take(ds["spikes"], "test")
    s_tr, s_te = split.take(ds["stimulus"], "train"), split.take(ds["stimulus"], "test")

    def total(lls):  # first bin of each interval has no history: leave it out everywhere
        return sum(float(ll[1:].sum()) for ll in lls)

    coupled = total(PoissonGLM(n_lags=1).fit(tr, s_tr).log_likelihood(te, s_te))
    stim_only = total(PoissonGLM(n_lags=0).fit(tr, s_tr).log_likelihood(te, s_te))
    psth = total(PSTH(period=ds.attrs["stimulus_period_bins"]).fit(tr).log_likelihood(te))
    flat = total(PSTH().fit(tr).log_likelihood(te))
    assert coupled > stim_only > flat and psth > flat
    # the per-bin log-probabilities are Poisson log-likelihoods of the counts
    rate = PSTH().fit(tr).predict_rate(te)[0]
    counts = te[0].values
    assert total([PSTH().fit(tr).log_likelihood(te)[0]]) == pytest.approx(
        poisson_log_likelihood(rate[1:], counts[1:]))


def test_own_history_only_and_no_history_variants(circuit):
    ds, split = circuit
    tr = split.take(ds["spikes"], "train")
    own = PoissonGLM(n_lags=2, coupling=False).fit(tr)
    assert own.coef_.shape == (10, 2, 10)
    off = ~np.eye(10, dtype=bool)
    assert (own.coef_[:, :, :][np.broadcast_to(off[:, None, :], own.coef_.shape)] == 0).all()
    assert (own.coef_[:, 0, :][~off] < 0).all()  # refractoriness
    none = PoissonGLM(n_lags=0).fit(tr)  # no covariates at all: the mean rate
    pooled = np.concatenate([s.values for s in tr]).mean(0)
    np.testing.assert_allclose(none.predict_rate(tr)[0][0], pooled, rtol=1e-9)


def test_psth_phase_follows_time_coordinate(circuit):
    ds, split = circuit
    period = ds.attrs["stimulus_period_bins"]
    psth = PSTH(period=period, smooth_bins=0).fit(ds["spikes"])
    late = ds["spikes"].isel(time=slice(period + 7, 2 * period + 7))
    np.testing.assert_allclose(psth.predict_rate(late)[0], np.roll(psth.rate_, -7, axis=0))


def test_mismatched_inputs(circuit):
    ds, _ = circuit
    spikes = ds["spikes"].values[:500]
    with pytest.raises(SchemaError, match="time bins"):
        PoissonGLM().fit(spikes, ds["stimulus"].values[:499])
    glm = PoissonGLM().fit(spikes, ds["stimulus"].values[:500])
    with pytest.raises(SchemaError, match="stimulus"):
        glm.predict_rate(spikes)
    with pytest.raises(SchemaError, match="units"):
        glm.predict_rate(spikes[:, :5], ds["stimulus"].values[:500])
