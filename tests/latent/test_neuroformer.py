"""Neuroformer: a proper likelihood, generation, connectivity, fine-tuning, persistence, errors,
and (slow) the paper's claims on a simulated circuit with hubs."""

from __future__ import annotations

import copy
import itertools
import time

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from neurokit.datasets.spiking_circuit import simulate_spiking_circuit
from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.latent.glm import PSTH, PoissonGLM
from neurokit.latent.neuroformer import Neuroformer
from neurokit.latent.neuroformer_tokens import interval_split

TINY = dict(window=4, context=4, d_model=16, n_heads=2, max_epochs=2, batch_size=32,
            lr=3e-3, enable_progress_bar=False)


@pytest.fixture(scope="module")
def circuit():
    return simulate_spiking_circuit(n_neurons=6, n_hubs=1, duration_s=8.0, seed=2)


@pytest.fixture(scope="module")
def fitted(circuit):
    return Neuroformer(**TINY).fit(circuit["spikes"], stimulus=circuit["stimulus"])


def test_window_log_likelihood_is_a_normalised_distribution():
    """Summed over every token sequence a window can hold, the probabilities add up to 1."""
    torch.manual_seed(0)
    nf = Neuroformer(window=2, context=2, d_model=8, n_heads=2, max_tokens=4,
                     max_context_tokens=3)
    nf.n_units_, nf.max_tokens_, nf.max_context_tokens_ = 2, 4, 3
    nf.n_stimulus_features_ = nf.n_behaviour_features_ = nf.behaviour_dim_ = 0
    nf.behaviour_task_ = "regression"
    module = nf._build_module().eval()
    sos, eos, pad = 3, 4, 2
    past_id, past_dt = torch.tensor([[sos, 0, 1]]), torch.tensor([[0, -2, -1]])
    tokens = [(i, d) for i in range(2) for d in range(2)]
    total = 0.0
    with torch.no_grad():
        for n in range(4):  # sequences of 0..3 spikes: EOS after n < 3, or the cap reached at 3
            for seq in itertools.product(tokens, repeat=n):
                ids = [sos] + [i for i, _ in seq]
                dts = [0] + [d for _, d in seq]
                id_in, dt_in = torch.tensor([ids]), torch.tensor([dts])
                h, _ = module.encode(id_in, dt_in, past_id, past_dt)
                nxt = torch.tensor([[*ids[1:], eos]])
                lp_id, lp_dt = module.token_log_probs(h, id_in, dt_in, nxt)
                logp = sum(float(lp_id[0, k, ids[k + 1]] + lp_dt[0, k, dts[k + 1]])
                           for k in range(n))
                if n < 3:
                    logp += float(lp_id[0, n, eos])
                total += np.exp(logp)  # impossible (time-reversed) sequences contribute exp(-inf)
                if n < 3 and np.isfinite(logp):  # the module's own window log-likelihood agrees
                    batch = (id_in, dt_in, torch.tensor([[*ids[1:], eos]]),
                             torch.tensor([[*dts[1:], 2]]), past_id, past_dt)
                    ll = module.window_log_likelihood(h, batch)[0]
                    assert float(ll) == pytest.approx(logp, abs=1e-5)
    assert total == pytest.approx(1.0, abs=1e-5)
    assert pad not in (sos, eos)


def test_fit_and_log_likelihood(fitted, circuit):
    ll = fitted.log_likelihood(circuit["spikes"], stimulus=circuit["stimulus"])
    n_windows = (circuit.sizes["time"] - 4) // 4
    assert ll.sizes["window"] == n_windows
    assert (ll["log_likelihood"] <= 0).all()
    np.testing.assert_allclose(ll["log_likelihood"],
                               ll["log_likelihood_id"] + ll["log_likelihood_time"])
    scored = fitted.scored_bins(circuit.sizes["time"])
    assert int(ll["n_spikes"].sum()) == int(circuit["spikes"].values[scored].sum())
    assert fitted.score(circuit["spikes"], stimulus=circuit["stimulus"]) < 0
    bps = fitted.bits_per_spike(circuit["spikes"], stimulus=circuit["stimulus"])
    assert np.isfinite(bps)
    assert fitted.max_tokens_ >= int(ll["n_spikes"].max()) + 1


def test_generate_is_reproducible_and_well_formed(fitted, circuit):
    ctx = circuit["spikes"].isel(time=slice(0, 40))
    stim = circuit["stimulus"].values[:40 + 5 * 4]
    a = fitted.generate(ctx, 5, stimulus=stim, seed=1)
    b = fitted.generate(ctx, 5, stimulus=stim, seed=1)
    assert a.dims == ("time", "unit") and a.shape == (20, 6)
    np.testing.assert_array_equal(a.values, b.values)
    assert a["time"].values[0] == pytest.approx(float(ctx["time"][-1]) + 0.005)
    assert (a.values >= 0).all() and a.attrs["n_capped_windows"] >= 0
    greedy = fitted.generate(ctx, 5, stimulus=stim, top_p=1e-6, seed=2)
    assert np.array_equal(greedy.values, fitted.generate(ctx, 5, stimulus=stim, top_p=1e-6,
                                                         seed=3).values)  # nucleus of one id
    with pytest.raises(SchemaError, match="stimulus"):
        fitted.generate(ctx, 5, stimulus=stim[:-1])


def test_connectivity_layout(fitted, circuit):
    for method in ("knockout", "attention", "grad_attention"):
        c = fitted.connectivity(circuit["spikes"], stimulus=circuit["stimulus"], method=method)
        assert c.dims == ("target_unit", "source_unit") and c.shape == (6, 6)
        assert c.attrs["method"] == method
    raw = fitted.connectivity(circuit["spikes"], stimulus=circuit["stimulus"],
                              method="attention", normalize="none")
    assert np.nanmin(raw.values) >= 0  # accumulated attention weights
    with pytest.raises(ConfigError):
        fitted.connectivity(circuit["spikes"], stimulus=circuit["stimulus"], method="rollout")


def test_fine_tune_save_and_load(fitted, circuit, tmp_path):
    est = copy.deepcopy(fitted)
    before = {k: v.clone() for k, v in est.module_.state_dict().items()}
    est.fine_tune_behaviour(circuit["spikes"], circuit["behaviour"],
                            stimulus=circuit["stimulus"], mode="frozen")
    after = est.module_.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # backbone untouched
    pred = est.predict_behaviour(circuit["spikes"], stimulus=circuit["stimulus"])
    assert pred.dims == ("window", "output") and pred.shape[1] == 1
    target = est.window_behaviour(circuit["behaviour"], circuit["spikes"])
    assert target.shape == pred.shape
    path = est.save(tmp_path / "nf.pt")
    back = Neuroformer.load(path)
    np.testing.assert_allclose(back.predict_behaviour(circuit["spikes"],
                                                      stimulus=circuit["stimulus"]), pred)
    ll0 = fitted.log_likelihood(circuit["spikes"], stimulus=circuit["stimulus"])
    ll1 = back.log_likelihood(circuit["spikes"], stimulus=circuit["stimulus"])
    np.testing.assert_allclose(ll1["log_likelihood"], ll0["log_likelihood"], rtol=1e-5)
    tuned = copy.deepcopy(fitted).fine_tune_behaviour(
        circuit["spikes"], circuit["behaviour"], stimulus=circuit["stimulus"], mode="low_lr",
        max_epochs=1)
    changed = tuned.module_.state_dict()
    assert not torch.equal(changed["tok_emb.weight"], before["tok_emb.weight"])


def test_classification_head(circuit):
    labels = (circuit["behaviour"].values > 0).astype(int)
    est = Neuroformer(**TINY).fine_tune_behaviour(circuit["spikes"], labels, mode="scratch",
                                                  task="classification", max_epochs=1,
                                                  stimulus=circuit["stimulus"])
    pred = est.predict_behaviour(circuit["spikes"], stimulus=circuit["stimulus"])
    assert pred.dims == ("window",) and set(np.unique(pred.values)) <= {0, 1}


def test_bad_inputs(fitted, circuit):
    spikes = circuit["spikes"].values
    stim = circuit["stimulus"].values
    bad = spikes.astype(float)
    bad[3, 2] = np.nan
    with pytest.raises(InvalidValueError, match="NaN"):
        Neuroformer(**TINY).fit(bad)
    bad[3, 2] = -1
    with pytest.raises(InvalidValueError, match="negative"):
        Neuroformer(**TINY).fit(bad)
    with pytest.raises(SchemaError, match="time bins") as err:
        Neuroformer(**TINY).fit(spikes, stimulus=stim[:-3])
    assert err.value.field == "stimulus"
    with pytest.raises(SchemaError, match="stimulus"):
        fitted.log_likelihood(spikes)  # fitted with a stimulus
    with pytest.raises(SchemaError, match="units"):
        fitted.log_likelihood(spikes[:, :4], stimulus=stim)
    with pytest.raises(SchemaError, match="too short"):
        Neuroformer(**TINY).fit(spikes[:6])
    with pytest.raises(ConfigError):
        Neuroformer(**{**TINY, "stimulus_patch": 3}).fit(spikes, stimulus=stim)
    with pytest.raises(ConfigError, match="fine-tuning"):
        fitted.fine_tune_behaviour(spikes, circuit["behaviour"].values, stimulus=stim,
                                   mode="linear_probe")


def test_too_many_spikes_for_the_context(circuit):
    spikes = circuit["spikes"].values.copy()
    spikes[100, :] = 3  # 18 spikes in one bin
    with pytest.raises(SchemaError, match="too many spikes") as err:
        Neuroformer(**{**TINY, "max_tokens": 8}).fit(spikes)
    assert "max_tokens" in err.value.expected
    est = Neuroformer(**{**TINY, "max_tokens": 8, "on_overflow": "truncate", "max_epochs": 1})
    ll = est.fit(spikes).log_likelihood(spikes)
    assert ll["truncated"].sum() >= 1 and ll["n_spikes"].max() <= 7
    # a model sized on quiet data refuses a busier window at scoring time
    quiet = Neuroformer(**{**TINY, "max_epochs": 1}).fit(circuit["spikes"].values)
    with pytest.raises(SchemaError, match="too many spikes"):
        quiet.log_likelihood(spikes)


# ------------------------------------------------------------------------------------------
# ground truth: the paper's claims on a ~20-neuron circuit with hubs
# ------------------------------------------------------------------------------------------
def _connectivity_scores(c: np.ndarray, w: np.ndarray, n_hubs: int) -> dict:
    off = ~np.eye(len(w), dtype=bool)
    edges = w > 0
    j, i = np.nonzero(edges)
    out_mass = np.where(off, c, 0.0).sum(0)
    return {"auroc": roc_auc_score(edges[off], c[off]),
            "direction": float((c[j, i] > c[i, j]).mean()),
            "top_sources": set(np.argsort(-out_mass)[:n_hubs].tolist())}


@pytest.mark.slow
def test_ground_truth_circuit_with_hubs():
    """~20-neuron circuit, 3 hubs, 200 s at 5 ms (160 s to train on, 40 s held out)."""
    torch.set_num_threads(1)
    t0 = time.process_time()
    ds = simulate_spiking_circuit(n_neurons=20, n_hubs=3, duration_s=200.0, seed=0)
    split = interval_split(ds.sizes["time"], n_intervals=10, test_fraction=0.2, seed=0)
    tr, te = split.take(ds["spikes"], "train"), split.take(ds["spikes"], "test")
    s_tr, s_te = split.take(ds["stimulus"], "train"), split.take(ds["stimulus"], "test")
    hubs = set(ds.attrs["hubs"].tolist())
    w = ds["weights"].values

    nf = Neuroformer(window=4, context=8, stimulus_patch=4, d_model=32, n_heads=4,
                     dropout=0.0, max_epochs=12, batch_size=64, lr=5e-3, seed=0,
                     enable_progress_bar=False).fit(tr, stimulus=s_tr)

    # 1. next-spike prediction against the baselines, all as log-probabilities of the same
    #    binned counts: the windows Neuroformer scores in the held-out intervals (its
    #    canonical-token log-likelihood equals that of the counts; the baselines' is
    #    sum log Poisson(n | rate) over the same bins), per held-out spike
    masks = [nf.scored_bins(s.sizes["time"]) for s in te]
    n_spikes = sum(int(s.values[m].sum()) for s, m in zip(te, masks, strict=True))

    def per_spike(lls):
        return sum(float(ll[m].sum()) for ll, m in zip(lls, masks, strict=True)) / n_spikes

    ll = {"neuroformer": float(nf.log_likelihood(te, stimulus=s_te)["log_likelihood"].sum())
          / n_spikes,
          "psth": per_spike(PSTH(period=ds.attrs["stimulus_period_bins"]).fit(tr)
                            .log_likelihood(te)),
          "stimulus_glm": per_spike(PoissonGLM(n_lags=0).fit(tr, s_tr).log_likelihood(te, s_te))}
    glm = PoissonGLM(n_lags=1).fit(tr, s_tr)
    ll["coupled_glm_lag1"] = per_spike(glm.log_likelihood(te, s_te))  # beside, not asserted
    assert ll["neuroformer"] > ll["psth"] + 0.02
    assert ll["neuroformer"] > ll["stimulus_glm"] + 0.02

    # 2. connectivity from the attention to the past window (knock-out read-out)
    got = _connectivity_scores(nf.connectivity(tr, stimulus=s_tr).values, w, 3)
    ref = _connectivity_scores(glm.connectivity().values, w, 3)  # lag-1 GLM, beside
    assert got["auroc"] >= 0.85
    assert got["direction"] >= 0.9
    assert got["top_sources"] == hubs

    # 3. few-shot behaviour: three draws of 10 trials x 3 windows (30 labelled windows); a
    #    linear probe on the pretrained model vs the same architecture trained from scratch
    #    on the same windows, both scored on the held-out intervals
    truth = nf.window_behaviour(split.take(ds["behaviour"], "test"), te)

    def r2(est):
        pred = est.predict_behaviour(te, stimulus=s_te).values
        return float(1 - ((pred - truth) ** 2).sum() / ((truth - truth.mean(0)) ** 2).sum())

    rng = np.random.default_rng(0)
    few_shot = {"pretrained_probe": [], "scratch": []}
    for _ in range(3):
        pick = []
        for k in rng.choice(len(tr), 10):
            a = int(rng.integers(0, tr[k].sizes["time"] - 20))
            pick.append(tr[k].isel(time=slice(a, a + 8 + 3 * 4)))
        beh = [ds["behaviour"].sel(time=p["time"]) for p in pick]
        stim = [ds["stimulus"].sel(time=p["time"]) for p in pick]
        probe = copy.deepcopy(nf).fine_tune_behaviour(pick, beh, stimulus=stim, mode="frozen",
                                                      alpha=10.0)
        scratch = clone(nf).set_params(max_tokens=int(nf.max_tokens_),
                                       max_context_tokens=int(nf.max_context_tokens_))
        scratch.fine_tune_behaviour(pick, beh, stimulus=stim, mode="scratch", max_epochs=60)
        few_shot["pretrained_probe"].append(r2(probe))
        few_shot["scratch"].append(r2(scratch))
    print({"log_likelihood_nats_per_spike": ll, "neuroformer": got, "glm_lag1": ref,
           "few_shot_r2": few_shot, "cpu_s": time.process_time() - t0})
    pre, base = np.mean(few_shot["pretrained_probe"]), np.mean(few_shot["scratch"])
    assert pre > 0.1
    assert pre > base + 0.1
