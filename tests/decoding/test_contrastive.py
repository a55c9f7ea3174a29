"""Contrastive M/EEG -> embedding decoder (Défossez et al. 2023), simulated-MEG ground truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import xarray as xr
from sklearn.base import clone

from neurokit.datasets.meg_embedding import simulate_meg_embedding
from neurokit.decoding.contrastive import (
    BrainEncoder,
    ContrastiveDecoder,
    ResidualDilatedBlock,
    SpatialAttention,
    SubjectLayers,
    clip_loss,
    retrieval_topk,
)
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError

torch.set_num_threads(1)

TINY = dict(n_spatial=8, hidden=8, n_blocks=1, n_harmonics=4, batch_size=16)


@pytest.fixture(scope="module")
def small_meg() -> xr.Dataset:
    return simulate_meg_embedding(n_segments=24, n_sensors=12, n_subjects=2, embed_dim=4,
                                  n_times=16, snr=2.0, seed=3)


# -- the layers --------------------------------------------------------------------------
def test_spatial_attention_weights_sum_to_one_over_sensors():
    torch.manual_seed(0)
    sa = SpatialAttention(n_outputs=5, n_harmonics=4)
    pos = torch.rand(9, 2)
    w = sa.attention(pos)
    assert w.shape == (5, 9)
    assert torch.allclose(w.sum(-1), torch.ones(5), atol=1e-6)
    assert bool((w > 0).all())
    banned = torch.zeros(9, dtype=torch.bool)
    banned[[1, 4]] = True
    wb = sa.attention(pos, banned)
    assert torch.allclose(wb.sum(-1), torch.ones(5), atol=1e-6)
    assert bool((wb[:, [1, 4]] == 0).all())
    # the output is the weighted average of the sensors
    x = torch.randn(2, 9, 7)
    sa.eval()
    assert torch.allclose(sa(x, pos), torch.einsum("oc,bct->bot", w, x), atol=1e-6)


def test_spatial_attention_is_the_papers_fourier_series():
    torch.manual_seed(1)
    k = 3
    sa = SpatialAttention(n_outputs=2, n_harmonics=k, margin=0.0)
    pos = torch.rand(4, 2, dtype=torch.float64)
    re = sa.coef_re.detach().double().reshape(2, k, k)
    im = sa.coef_im.detach().double().reshape(2, k, k)
    expected = torch.zeros(2, 4, dtype=torch.float64)
    for j in range(2):
        for i in range(4):
            x, y = pos[i]
            for kk in range(k):
                for ll in range(k):
                    phase = 2 * math.pi * (kk * x + ll * y)
                    expected[j, i] += re[j, kk, ll] * torch.cos(phase) \
                        + im[j, kk, ll] * torch.sin(phase)
    assert torch.allclose(sa.scores(pos.float()).double(), expected, atol=1e-5)


def test_spatial_dropout_removes_a_disc_of_sensors_in_training_only():
    torch.manual_seed(2)
    sa = SpatialAttention(n_outputs=3, n_harmonics=2, dropout_radius=0.3)
    pos = torch.rand(30, 2)
    x = torch.eye(30).unsqueeze(0).repeat(4, 1, 1)  # output = the weights themselves
    sa.train()
    torch.manual_seed(5)
    out = sa(x, pos)                                 # [B, 3, 30]: weights per sample
    torch.manual_seed(5)
    centre = torch.rand(4, 1, 2)
    inside = (pos - centre).norm(dim=-1) <= 0.3
    assert inside.any()
    assert bool((out.transpose(1, 2)[inside] == 0).all())
    assert torch.allclose(out.sum(-1), torch.ones(4, 3), atol=1e-5)
    sa.eval()
    assert bool((sa(x, pos) > 0).all())


def test_subject_layers_select_the_subjects_matrix():
    torch.manual_seed(0)
    layer = SubjectLayers(4, 3, n_subjects=3)
    x = torch.randn(5, 4, 6)
    subjects = torch.tensor([2, 0, 1, 2, 0])
    y = layer(x, subjects)
    for i, s in enumerate(subjects.tolist()):
        assert torch.allclose(y[i], layer.weights[s].T @ x[i], atol=1e-6)
    y.sum().backward()
    assert layer.weights.grad.abs().sum((1, 2)).gt(0).all()
    layer.weights.grad = None
    layer(x[:2], torch.tensor([0, 0])).sum().backward()
    assert layer.weights.grad[1:].abs().sum() == 0  # unused subjects get no gradient
    with pytest.raises(ConfigError):
        SubjectLayers(4, 3, n_subjects=2, init_identity=True)


def test_residual_blocks_follow_the_papers_dilations():
    dil = [ResidualDilatedBlock(4, 4, k).dilations for k in range(5)]
    assert dil == [(1, 2, 2), (4, 8, 2), (16, 1, 2), (2, 4, 2), (8, 16, 2)]
    assert ResidualDilatedBlock(4, 6, 0).residual_first is False
    assert ResidualDilatedBlock(6, 6, 0).residual_first is True


@pytest.mark.parametrize(("pooling", "shape"), [("none", (3, 5, 20)), ("mean", (3, 5)),
                                                 ("affine", (3, 5))])
def test_brain_encoder_shapes(pooling, shape):
    net = BrainEncoder(5, n_subjects=2, n_spatial=6, hidden=8, n_blocks=2, n_harmonics=3,
                       temporal_pooling=pooling, n_times=20)
    assert net(torch.randn(3, 10, 20), torch.rand(10, 2), torch.tensor([0, 1, 1])).shape == shape
    with pytest.raises(ConfigError):
        BrainEncoder(5, temporal_pooling="max")


# -- loss and metric ---------------------------------------------------------------------
def test_clip_loss_equals_hand_computed_cross_entropy():
    pred = [[1.0, 2.0], [0.5, -1.0], [-2.0, 0.0]]
    target = [[3.0, 4.0], [1.0, 0.0], [0.0, -2.0]]
    normed = [[t / math.hypot(*row) for t in row] for row in target]
    total = 0.0
    for i in range(3):
        scores = [sum(p * t for p, t in zip(pred[i], normed[j], strict=True)) for j in range(3)]
        total += -(scores[i] - math.log(sum(math.exp(s) for s in scores)))
    expected = total / 3
    got = clip_loss(torch.tensor(pred), torch.tensor(target))
    assert abs(float(got) - expected) < 1e-6
    # time-resolved targets: inner product over features and time
    assert torch.isclose(clip_loss(torch.tensor(pred).reshape(3, 1, 2),
                                   torch.tensor(target).reshape(3, 1, 2)), got)


def test_clip_loss_counts_repeated_targets_as_positives():
    pred = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    target = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])  # row 2 repeats row 0
    scores = pred @ torch.nn.functional.normalize(target, dim=1).T
    p = torch.softmax(scores, 1)
    expected = -(torch.log(p[0, 0] + p[0, 2]) + torch.log(p[1, 1])
                 + torch.log(p[2, 0] + p[2, 2])) / 3
    assert torch.isclose(clip_loss(pred, target), expected)


def test_retrieval_topk():
    rng = np.random.default_rng(0)
    cand = rng.normal(size=(50, 8))
    assert retrieval_topk(cand * 3.0, cand, k=(1, 10)) == {1: 1.0, 10: 1.0}
    acc = retrieval_topk(rng.normal(size=(2000, 8)), cand, k=(1, 10),
                         true_index=rng.integers(0, 50, 2000))
    assert abs(acc[1] - 1 / 50) < 0.015 and abs(acc[10] - 10 / 50) < 0.04  # chance
    with pytest.raises(SchemaError):
        retrieval_topk(cand[:3], cand, k=1)
    with pytest.raises(ConfigError):
        retrieval_topk(cand, cand, k=0)


# -- the estimator -----------------------------------------------------------------------
def test_missing_positions_name_the_channels(small_meg):
    meg = small_meg["meg"].copy()
    x = meg["x"].values.copy()
    x[[2, 5]] = np.nan
    meg = meg.assign_coords(x=("channel", x))
    names = [str(meg.channel.values[i]) for i in (2, 5)]
    with pytest.raises(MissingDataError) as err:
        ContrastiveDecoder(**TINY, max_epochs=1).fit(meg, small_meg["embedding"])
    assert all(name in str(err.value) for name in names)
    bare = small_meg["meg"].drop_vars(["x", "y"])
    with pytest.raises(MissingDataError, match="positions"):
        ContrastiveDecoder(**TINY, max_epochs=1).fit(bare, small_meg["embedding"])
    with pytest.raises(MissingDataError, match="positions"):
        ContrastiveDecoder(**TINY, max_epochs=1).fit(bare.values, small_meg["embedding"].values)


def test_bad_epochs_are_named(small_meg):
    meg = small_meg["meg"].copy()
    meg[:, 3] = 0.0
    with pytest.raises(InvalidValueError, match=str(meg.channel.values[3])):
        ContrastiveDecoder(**TINY, max_epochs=1).fit(meg, small_meg["embedding"])
    meg = small_meg["meg"].copy()
    meg[0, 1, 0] = np.nan
    with pytest.raises(InvalidValueError, match=str(meg.channel.values[1])):
        ContrastiveDecoder(**TINY, max_epochs=1).fit(meg, small_meg["embedding"])
    with pytest.raises(SchemaError):
        ContrastiveDecoder(**TINY, max_epochs=1).fit(small_meg["meg"],
                                                     small_meg["embedding"][:5])


def test_estimator_clone_transform_retrieve_save_load(small_meg, tmp_path):
    dec = ContrastiveDecoder(**TINY, max_epochs=2)
    assert clone(dec).get_params() == dec.get_params()
    dec.fit(small_meg["meg"], small_meg["embedding"])
    assert dec.pooling_ == "affine" and list(dec.subjects_) == ["sub-01", "sub-02"]
    pred = dec.transform(small_meg["meg"])
    assert pred.shape == (48, 4) and np.isfinite(pred).all()
    ranking = dec.retrieve(small_meg["meg"], small_meg["embedding"].values[:24])
    assert ranking.shape == (48, 24)
    assert sorted(ranking[0].tolist()) == list(range(24))
    assert 0.0 <= dec.score(small_meg["meg"], small_meg["embedding"], k=10) <= 1.0
    top = dec.score_topk(small_meg["meg"], small_meg["embedding"], k=(1, 24))
    assert top[24] == 1.0  # 24 distinct segments: everything is within the top 24
    loaded = ContrastiveDecoder.load(dec.save(tmp_path / "dec.pt"))
    np.testing.assert_allclose(loaded.transform(small_meg["meg"]), pred, atol=1e-5)
    other = small_meg["meg"].assign_coords(subject=("trial", ["sub-09"] * 48))
    with pytest.raises(MissingDataError, match="sub-09"):
        dec.transform(other)


def test_time_resolved_targets_keep_time(small_meg):
    rng = np.random.default_rng(0)
    target = rng.normal(size=(48, 3, 16))
    dec = ContrastiveDecoder(**TINY, max_epochs=1).fit(small_meg["meg"], target)
    assert dec.pooling_ == "none"
    assert dec.transform(small_meg["meg"]).shape == (48, 3, 16)
    with pytest.raises(SchemaError):
        ContrastiveDecoder(**TINY, max_epochs=1).fit(small_meg["meg"], target[:, :, :10])


# -- ground truth ------------------------------------------------------------------------
def test_simulator_ground_truth_layout():
    ds = simulate_meg_embedding(n_segments=10, n_sensors=20, n_subjects=3, embed_dim=5,
                                n_times=12, snr=0.5, seed=1)
    assert ds["meg"].dims == ("trial", "channel", "time") and ds["meg"].attrs["units"] == "T"
    assert ds.sizes["trial"] == 30
    noise = ds["meg"] - ds["signal"]
    assert np.isclose(float((ds["signal"] ** 2).mean() / (noise**2).mean()), 0.5)
    emb = ds["embedding"].values
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0)
    np.testing.assert_array_equal(emb[:10], emb[10:20])  # every subject sees every segment
    assert not np.allclose(ds["lead_field"][0], ds["lead_field"][1], atol=0)  # subjects differ
    with pytest.raises(ConfigError):
        simulate_meg_embedding(n_segments=10, snr=0.0)
    with pytest.raises(ConfigError):
        simulate_meg_embedding(n_segments=10, n_sensors=500)


@pytest.mark.slow
def test_retrieval_far_above_chance_and_grows_with_snr():
    """Held-out segments (never seen in training, by any subject): top-1 >= 5x chance."""
    top1 = {}
    for snr in (0.2, 2.0):
        ds = simulate_meg_embedding(n_segments=160, n_sensors=24, n_subjects=2, embed_dim=8,
                                    n_times=30, snr=snr, seed=0)
        test = ds["segment"].values >= 120
        train, held_out = ds.isel(trial=~test), ds.isel(trial=test)
        dec = ContrastiveDecoder(n_spatial=16, hidden=16, n_blocks=2, n_harmonics=6,
                                 max_epochs=20, batch_size=32, lr=3e-3, seed=0)
        dec.fit(train["meg"], train["embedding"])
        top1[snr] = dec.score(held_out["meg"], held_out["embedding"], k=1)
    chance = 1 / 40
    assert top1[0.2] >= 5 * chance, top1
    assert top1[2.0] > top1[0.2], top1
