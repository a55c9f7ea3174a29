"""TiDe-SwapVAE: state variables, conditional priors, swap, estimator and errors.

The ground-truth claims of the paper on simulated data are in
``test_tide_swapvae_groundtruth.py`` (slow).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from neurokit.datasets.content_style import simulate_content_style
from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.latent.swapvae import gaussian_kl
from neurokit.latent.tide_swapvae import TiDeSwapVAE, TiDeSwapVAEModule


def tiny(use_state: bool = True, **kwargs) -> TiDeSwapVAEModule:
    torch.manual_seed(0)
    return TiDeSwapVAEModule(n_units=3, n_content=2, n_style=1, hidden=4, state_size=3,
                             use_state=use_state, **kwargs)


def test_kl_closed_form_tiny_case():
    # KL(N(1, 0.5) || N(0.5, 2)) = ½ (log 2 − log 0.5 + (0.5 + 0.25) / 2 − 1)
    kl = gaussian_kl(torch.tensor([[1.0]]), torch.tensor([[math.log(0.5)]]),
                     torch.tensor([[0.5]]), torch.tensor([[math.log(2.0)]]))
    assert float(kl) == pytest.approx(0.5 * (math.log(4.0) + 0.375 - 1.0), rel=1e-6)


@pytest.mark.parametrize("posterior", ["mlp", "poe"])
def test_conditional_prior_follows_the_state_and_kl_is_closed_form(posterior):
    m = tiny(posterior=posterior)
    x = torch.tensor([[[0.0, 2.0, 1.0], [3.0, 0.0, 0.0], [1.0, 1.0, 4.0], [0.0, 0.0, 0.0]]])
    post = m.infer(x)  # posterior means fed to the state update
    # reference recurrence with torch's own GRUCell holding the same (masked) weights
    gru = nn.GRUCell(m.gru_z.in_features, m.gru_h.in_features)
    with torch.no_grad():
        gru.weight_ih.copy_(m.gru_z.masked_weight())
        gru.bias_ih.copy_(m.gru_z.bias)
        gru.weight_hh.copy_(m.gru_h.masked_weight())
        gru.bias_hh.copy_(m.gru_h.bias)
    f = m.feature(torch.log1p(x))
    h = torch.zeros(1, m.gru_h.in_features)
    d, two_h = m.n_latent, m.post_x.out_features
    for t in range(x.shape[1]):
        hs = m.from_state(h)
        raw = m.prior_head(torch.relu(hs if posterior == "poe" else hs[:, two_h:]))
        pmu = raw[:, :d]
        plogvar = 8 * torch.tanh(raw[:, d:] / 8)
        plogvar = torch.cat([torch.zeros(1, 2), plogvar[:, 2:]], -1)  # content: unit variance
        got_mu = torch.cat([post["content_prior_mu"][:, t], post["style_prior_mu"][:, t]], -1)
        got_lv = torch.cat([post["content_prior_logvar"][:, t],
                            post["style_prior_logvar"][:, t]], -1)
        torch.testing.assert_close(got_mu, pmu)
        torch.testing.assert_close(got_lv, plogvar)
        if posterior == "poe":  # precision-weighted product of prior and evidence from x_t
            ev = m.post_head(torch.relu(m.post_x(f[:, t])))
            e_mu, e_prec = ev[:, :d], torch.exp(-8 * torch.tanh(ev[:, d:] / 8))
            prec = torch.exp(-plogvar) + e_prec
            mu = (pmu * torch.exp(-plogvar) + e_mu * e_prec) / prec
            logvar = -torch.log(prec)
        else:  # an MLP of [x_t, h_{t-1}]
            q = m.post_head(torch.relu(m.post_x(f[:, t]) + hs[:, :two_h]))
            mu, logvar = q[:, :d], 8 * torch.tanh(q[:, d:] / 8)
        torch.testing.assert_close(post["content_mu"][:, t], mu[:, :2])
        torch.testing.assert_close(post["style_logvar"][:, t], logvar[:, 2:])
        # KL of the content block in closed form from these numbers
        mq, lq, mp, lp = (v[0, :2].detach().double().numpy()
                          for v in (mu, logvar, pmu, plogvar))
        kl = 0.5 * np.sum(lp - lq + (np.exp(lq) + (mq - mp) ** 2) / np.exp(lp) - 1)
        assert float(m.kl(post, "content")[0, t].detach()) == pytest.approx(kl, rel=1e-5)
        h = gru(torch.relu(m.embed(mu)), h)
    # the prior moves with the state: not the same at every step
    assert not torch.allclose(post["content_prior_mu"][:, 0], post["content_prior_mu"][:, 1])


def test_model_variants_run():
    for kwargs in ({"posterior": "poe"}, {"state_reads_x": True},
                   {"learn_content_prior_var": True}, {"posterior": "poe", "use_state": False}):
        m = tiny(**kwargs)
        x = torch.poisson(torch.ones(2, 6, 3))
        out = m.compute((x, torch.zeros(2, dtype=torch.long)), "train")
        out["loss"].backward()
        assert m.generate(7, 2)["counts"].shape == (2, 7, 3)


def test_content_and_style_blocks_are_separate_networks():
    m = tiny()
    x = torch.poisson(torch.ones(2, 6, 3) * 2)
    before = m.infer(x)
    other = copy.deepcopy(m)
    with torch.no_grad():
        for mod in other.modules():
            if hasattr(mod, "out_block"):          # perturb every style-only output row
                rows = mod.out_block == 1
                mod.weight[rows] += torch.randn_like(mod.weight[rows])
    after = other.infer(x)
    torch.testing.assert_close(after["content_mu"], before["content_mu"])
    torch.testing.assert_close(after["content_prior_mu"], before["content_prior_mu"])
    assert not torch.allclose(after["style_mu"], before["style_mu"])


def test_recurrence_is_causal_and_carries_memory():
    m = tiny()
    x = torch.poisson(torch.ones(1, 8, 3) * 2)
    ref = m(x)
    late = x.clone()
    late[0, 5] += 3
    out = m(late)
    torch.testing.assert_close(out[:, :5], ref[:, :5])      # the past ignores the future
    assert not torch.allclose(out[:, 5:], ref[:, 5:])
    early = x.clone()
    early[0, 0] += 3
    assert not torch.allclose(m(early)[:, 3], ref[:, 3])   # ... and remembers the past


def test_ablation_has_no_state_and_standard_priors():
    m = tiny(use_state=False)
    assert not hasattr(m, "gru_h") and not hasattr(m, "prior_head")
    x = torch.poisson(torch.ones(2, 6, 3) * 2)
    post = m.infer(x)
    assert torch.equal(post["style_prior_mu"], torch.zeros_like(post["style_mu"]))
    perm = torch.randperm(6)
    torch.testing.assert_close(m(x[:, perm]), m(x)[:, perm])   # every bin on its own
    # KL against N(0, I)
    torch.testing.assert_close(m.kl(post, "style"),
                               gaussian_kl(post["style_mu"], post["style_logvar"]))


def test_swap_decodes_from_the_other_views_content_at_the_same_time():
    m = tiny(dropout=0.0)
    x = torch.poisson(torch.rand(2, 6, 3) * 3)
    # fixed windows: pair 0 = trial 0 at bins 0-3 and trial 1 at bins 1-4; pair 1 the reverse
    m.windows = lambda n, length, device="cpu": (torch.tensor([0, 1]), torch.tensor([1, 0]), 4)
    captured, calls = {}, []
    infer, decode = m.infer, m.decode

    def spy_infer(xx, *args, **kwargs):
        captured["x"] = xx.detach().clone()
        captured.update(infer(xx, *args, **kwargs))
        return captured

    def spy_decode(c, s):
        calls.append((c.detach().clone(), s.detach().clone()))
        return decode(c, s)

    m.infer, m.decode = spy_infer, spy_decode
    m.compute((x, torch.zeros(2, dtype=torch.long)), "train")
    seen = captured["x"]
    torch.testing.assert_close(seen[0], x[0, 0:4])          # view 1 of pair 0
    torch.testing.assert_close(seen[2], x[1, 1:5])          # view 2 of pair 0 (the partner)
    torch.testing.assert_close(seen[3], x[0, 0:4])          # view 2 of pair 1
    c, s = captured["content"].detach(), captured["style"].detach()
    c1, c2, s1, s2 = c[:2], c[2:], s[:2], s[2:]
    (co1, so1), (cs1, ss1), (co2, so2), (cs2, ss2) = calls
    torch.testing.assert_close(co1, c1)
    torch.testing.assert_close(co2, c2)
    torch.testing.assert_close(so1, s1)
    torch.testing.assert_close(ss1, s1)                     # own style in the swap
    torch.testing.assert_close(ss2, s2)
    # pair 0: view 1's bin i (absolute time i) is decoded with view 2's content of the same
    # absolute time, view 2's bin i - 1; pair 1 the other way round
    torch.testing.assert_close(cs1[0, 1:], c2[0, :3])
    torch.testing.assert_close(cs1[1, :3], c2[1, 1:])
    torch.testing.assert_close(cs2[0, :3], c1[0, 1:])
    torch.testing.assert_close(cs2[1, 1:], c1[1, :3])
    assert not torch.allclose(c1[0, 1:], c2[0, :3])


def test_windows_overlap_by_at_least_half():
    m = tiny(crop_len=8)
    for length in (5, 8, 9, 40):
        s1, s2, w = m.windows(200, length)
        assert w == (min(8, length) if length > 8 else length - length // 4)
        assert bool(((s1 >= 0) & (s2 >= 0) & (s1 + w <= length) & (s2 + w <= length)).all())
        assert bool(((s2 - s1).abs() <= w // 2).all())
    s1, s2, _ = m.windows(500, 40)
    assert bool((s1 != s2).float().mean() > 0.8)            # the views rarely start together


def test_loss_terms_and_gradients():
    m = tiny(beta=0.5, align_weight=2.0, nce_weight=0.3)
    x = torch.poisson(torch.ones(4, 5, 3))
    out = m.compute((x, torch.tensor([0, 0, 1, 1])), "val")
    expected = (out["recon"] + out["swap_recon"] + 0.5 * (out["kl_content"] + out["kl_style"])
                + 2.0 * out["align"] + 0.3 * out["nce"])
    torch.testing.assert_close(out["loss"], expected)
    # training warms the KL weight up: (epoch + 1) / (kl_warmup + 1) at epoch 0
    assert m.kl_scale() == pytest.approx(1 / 11)
    assert tiny(kl_warmup=0).kl_scale() == 1.0
    out = m.compute((x, torch.tensor([0, 0, 1, 1])), "train")
    out["loss"].backward()
    missing = [n for n, p in m.named_parameters() if p.grad is None]
    assert not missing


def test_generation_is_progressive_and_seeded():
    m = tiny()
    g = torch.Generator().manual_seed(3)
    out = m.generate(50, n_samples=4, generator=g)
    assert out["counts"].shape == (4, 50, 3) and out["content"].shape == (4, 50, 2)
    assert torch.equal(out["counts"], out["counts"].round()) and bool((out["counts"] >= 0).all())
    again = m.generate(50, n_samples=4, generator=torch.Generator().manual_seed(3))
    assert torch.equal(out["counts"], again["counts"])


@pytest.mark.parametrize("kwargs, field", [
    ({"pairing": "random"}, "pairing"), ({"temperature": 0.0}, "temperature"),
    ({"n_contrast": 1}, "n_contrast"), ({"dropout": -0.1}, "dropout"),
    ({"nce_weight": -1.0}, "nce_weight"), ({"state_size": 0}, "state_size"),
    ({"posterior": "flow"}, "posterior"), ({"crop_len": 0}, "crop_len"),
])
def test_module_bad_config(kwargs, field):
    with pytest.raises(ConfigError) as err:
        TiDeSwapVAEModule(n_units=3, **kwargs)
    assert err.value.field == field


# -- the estimator -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    return simulate_content_style(n_trials=6, n_time=10, n_neurons=8, segment_length=5, seed=0)


@pytest.fixture(scope="module")
def fitted(small):
    return TiDeSwapVAE(n_content=2, n_style=1, hidden=8, state_size=4, max_epochs=2,
                       batch_size=3, max_len=16).fit(small["counts"])


def test_fit_transform_score_generate(fitted, small):
    out = fitted.transform(small["counts"])
    assert out["content"].dims == ("trial", "time", "content_dim")
    assert out["style"].shape == (6, 10, 1) and out["rates"].shape == (6, 10, 8)
    np.testing.assert_allclose(out["time"].values, small["time"].values)
    assert out.attrs["sampling_rate"] == pytest.approx(20.0)
    score = fitted.score(small["counts"])
    assert np.isfinite(score) and score == fitted.score(small["counts"])
    gen = fitted.generate(n_steps=16, n_samples=3, seed=1)
    assert gen["counts"].shape == (3, 16, 8)
    assert gen["time"].values[1] == pytest.approx(0.05)
    np.testing.assert_array_equal(gen["counts"].values,
                                  fitted.generate(n_steps=16, n_samples=3, seed=1)["counts"])
    # shorter sequences than in training are fine: any length up to max_len
    assert fitted.transform(small["counts"].isel(time=slice(0, 4)))["content"].shape[1] == 4


def test_save_load_roundtrip(fitted, small, tmp_path):
    back = TiDeSwapVAE.load(fitted.save(tmp_path / "tide.pt"))
    a, b = fitted.transform(small["counts"]), back.transform(small["counts"])
    np.testing.assert_array_equal(a["style"].values, b["style"].values)
    assert back.sampling_rate_ == fitted.sampling_rate_
    assert back.score(small["counts"]) == fitted.score(small["counts"])


def test_bad_input(fitted, small):
    x = small["counts"].values.astype(float)
    for value in (-2.0, 1.5, np.nan, np.inf):
        bad = x.copy()
        bad[1, 2, 3] = value
        with pytest.raises(InvalidValueError):
            fitted.transform(bad)
    with pytest.raises(SchemaError) as err:                  # longer than max_len
        fitted.transform(np.zeros((2, 17, 8)))
    assert err.value.field == "time" and "16" in str(err.value)
    with pytest.raises(SchemaError):
        TiDeSwapVAE(max_len=5).fit(x)
    with pytest.raises(SchemaError):
        fitted.score(x[..., :7])
    with pytest.raises(ConfigError):
        fitted.generate(n_steps=17)
    with pytest.raises(ConfigError):
        fitted.generate(n_steps=0)
    with pytest.raises(ConfigError):
        TiDeSwapVAE(max_len=0).fit(x)
