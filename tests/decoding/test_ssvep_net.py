"""Guney et al.'s SSVEP network: architecture, two-stage training on simulated subjects."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neurokit.datasets.ssvep import simulate_ssvep
from neurokit.decoding.metrics import itr
from neurokit.decoding.ssvep_net import GuneySSVEPModule, GuneySSVEPNet, SSVEPNetClassifier
from neurokit.errors import ConfigError, SchemaError

# Test budget (CPU, one thread): a narrow network (16 instead of 120 filters), lr 1e-3 and tens
# of epochs instead of the paper's lr 1e-4 and 1000 epochs; architecture, dropout schedule,
# L2, initialisation and the two stages are the paper's.
FAST = dict(n_filters=16, lr=1e-3, max_epochs=40, batch_size=30, fine_tune_epochs=30,
            enable_progress_bar=False)


def test_architecture_matches_paper():
    net = GuneySSVEPNet(n_chans=9, n_outputs=40, n_times=100)
    assert net.subband.bias is None and torch.all(net.subband.weight == 1)
    assert tuple(net.channel.weight.shape) == (120, 1, 9, 1)
    assert tuple(net.downsample.weight.shape) == (120, 120, 1, 2)
    assert net.downsample.stride == (1, 2)
    assert tuple(net.temporal.weight.shape) == (120, 120, 1, 10)
    assert net.dense.in_features == 120 * 50
    assert [d.p for d in (net.drop1, net.drop2, net.drop3)] == [0.1, 0.1, 0.95]
    assert abs(float(net.channel.weight.detach().std()) - 0.01) < 0.002
    assert float(net.channel.bias.abs().max()) == 0.0
    # "same" padding of the 10-sample kernel: 4 left, 5 right (MATLAB's convention)
    assert net.pad.padding == (4, 5, 0, 0)
    net.eval()
    x = torch.randn(2, 3, 9, 100)
    h = net.downsample(net.channel(net.subband(x)))
    assert tuple(net.temporal(net.pad(h)).shape) == (2, 120, 1, 50)
    net.set_dropout((0.6, 0.6, 0.95))
    assert [d.p for d in (net.drop1, net.drop2, net.drop3)] == [0.6, 0.6, 0.95]
    with pytest.raises(ConfigError):
        net.set_dropout((0.6, 1.0, 0.95))
    with pytest.raises(SchemaError):
        net(torch.zeros(2, 3, 8, 100))


def test_module_weight_decay_spares_biases():
    m = GuneySSVEPModule(n_chans=4, n_outputs=3, n_times=20, n_filters=8)
    opt = m.configure_optimizers()
    decayed, plain = opt.param_groups
    assert decayed["weight_decay"] == 1e-3 and plain["weight_decay"] == 0.0
    assert type(opt).__name__ == "Adam" and decayed["lr"] == 1e-4
    assert all(p.ndim > 1 for p in decayed["params"]) and all(p.ndim == 1 for p in plain["params"])


@pytest.fixture(scope="module")
def two_stage():
    """Global model on subjects 0-2 (blocks 0-4), fine-tuned on subject 3 (blocks 0-2)."""
    data = simulate_ssvep(n_targets=4, n_subjects=4, n_blocks=6, n_chans=6, duration=0.4,
                          snr_db=-5.0, seed=0)
    subject, block, y = data.subject.values, data.block.values, data.label.values
    train = (subject < 3) & (block < 5)
    held_out = (subject < 3) & (block == 5)
    new_train = (subject == 3) & (block < 3)
    new_test = (subject == 3) & (block >= 3)
    glob = SSVEPNetClassifier(**FAST).fit(data[train], y[train])
    before = {k: v.clone() for k, v in glob.module_.state_dict().items()}
    tuned = glob.fine_tune(data[new_train], y[new_train])
    return dict(data=data, y=y, glob=glob, tuned=tuned, before=before, held_out=held_out,
                new_train=new_train, new_test=new_test)


def test_global_model_identifies_targets(two_stage):
    s = two_stage
    acc = s["glob"].score(s["data"][s["held_out"]], s["y"][s["held_out"]])
    print("global model, held-out block of training subjects:", acc,
          "ITR (0.4 s + 0.5 s):", itr(acc, 4, 0.9))
    assert acc >= 0.9                                       # chance 0.25
    assert s["glob"].stage_ == "global" and s["glob"].subjects_.tolist() == [0, 1, 2]
    assert s["glob"].predict_proba(s["data"][:3]).sum(1) == pytest.approx(1.0)


def test_fine_tuning_on_new_subject(two_stage):
    s = two_stage
    x_te, y_te = s["data"][s["new_test"]], s["y"][s["new_test"]]
    acc_global = s["glob"].score(x_te, y_te)
    acc_tuned = s["tuned"].score(x_te, y_te)
    # the paper's argument for stage 1: the same per-subject budget from a random start
    scratch = SSVEPNetClassifier(**{**FAST, "max_epochs": FAST["fine_tune_epochs"],
                                    "batch_size": 12, "dropout": (0.6, 0.6, 0.95)})
    scratch.fit(s["data"][s["new_train"]], s["y"][s["new_train"]])
    acc_scratch = scratch.score(x_te, y_te)
    print(f"new subject: global {acc_global:.3f}, fine-tuned {acc_tuned:.3f}, "
          f"same budget from scratch {acc_scratch:.3f}; ITR fine-tuned "
          f"{itr(acc_tuned, 4, 0.9):.1f} bits/min")
    assert acc_tuned >= 0.9
    assert acc_tuned >= acc_global
    assert acc_tuned >= acc_scratch


def test_fine_tune_returns_a_copy(two_stage):
    s = two_stage
    glob, tuned = s["glob"], s["tuned"]
    for k, v in glob.module_.state_dict().items():          # global model untouched
        assert torch.equal(v, s["before"][k])
    assert tuned is not glob and tuned.stage_ == "subject"
    assert [d.p for d in (tuned.module_.net.drop1, tuned.module_.net.drop2,
                          tuned.module_.net.drop3)] == [0.6, 0.6, 0.95]
    assert tuned.batch_size == glob.batch_size == 30        # parameters unchanged
    assert tuned.scale_ == glob.scale_
    with pytest.raises(SchemaError, match="not trained on"):
        glob.fine_tune(s["data"][:4], [0, 1, 2, 9])
    with pytest.raises(SchemaError):
        glob.fine_tune(s["data"][:4, :5], s["y"][:4])


def test_save_load_roundtrip(two_stage, tmp_path):
    tuned = two_stage["tuned"]
    x = two_stage["data"][:8]
    path = tuned.save(tmp_path / "tuned.pt")
    again = SSVEPNetClassifier.load(path)
    assert again.stage_ == "subject"
    np.testing.assert_allclose(again.decision_function(x), tuned.decision_function(x),
                               rtol=1e-6, atol=1e-6)


def test_bad_input():
    data = simulate_ssvep(n_targets=3, n_subjects=1, n_blocks=1, n_chans=3, duration=0.2,
                          seed=0)
    with pytest.raises(SchemaError, match="one class"):
        SSVEPNetClassifier(**FAST).fit(data, np.zeros(3, int))
    with pytest.raises(ConfigError, match="dropout"):
        SSVEPNetClassifier(**{**FAST, "dropout": (0.1, 0.1)}).fit(data, data.label.values)
    with pytest.raises(ConfigError, match="sampling rate"):
        SSVEPNetClassifier(**FAST).fit(data.values, data.label.values)
    with pytest.raises(SchemaError):
        SSVEPNetClassifier(**FAST).fit(data, data.label.values[:2])
