"""Spiking attention layers: shapes, binary spikes, gradients, formulas, SpikingJelly as a peer."""

from __future__ import annotations

import pytest
import torch

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn import LIF, reset_states
from neurokit.snn.layers.attention import (
    QKChannelAttention,
    QKTokenAttention,
    RepConv,
    SpikeDrivenSelfAttention,
    SpikingSelfAttention,
    qk_channel_attention,
    qk_token_attention,
    sdsa_v1,
    spiking_attention,
)

T, B, N, D, H = 4, 2, 9, 16, 2
#: scale 1 instead of the paper's 0.125: at these tiny sizes Q K^T V is too small to fire

LAYERS = {
    "ssa": lambda: SpikingSelfAttention(D, num_heads=H, scale=1.0),
    "sdsa_v1": lambda: SpikeDrivenSelfAttention(D, num_heads=H, version=1),
    "sdsa_v2": lambda: SpikeDrivenSelfAttention(D, num_heads=H, version=2, scale=1.0),
    "sdsa_v2_linear": lambda: SpikeDrivenSelfAttention(D, num_heads=H, version=2, scale=1.0,
                                                       rep_conv=False),
    "qk_token": lambda: QKTokenAttention(D, num_heads=H),
    "qk_channel": lambda: QKChannelAttention(D, num_heads=H),
}
#: layers whose output is a spike train (the SDSA returns a membrane potential)
SPIKING_OUTPUT = {"ssa", "qk_token", "qk_channel"}


def _input(name: str, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    if name.startswith("sdsa"):                          # membrane potential, real-valued
        return 2.0 * torch.randn(T, B, N, D, generator=g)
    return (torch.rand(T, B, N, D, generator=g) < 0.5).float()   # spikes


def _excite(layer: torch.nn.Module) -> torch.nn.Module:
    """Widen every BatchNorm (gamma = 3) so that freshly built layers fire enough to test."""
    with torch.no_grad():
        for module in layer.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.weight.fill_(3.0)
    return layer


def _capture(layer: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Outputs of every LIF and the input of ``out_proj``, recorded on the next forward."""
    seen: dict[str, torch.Tensor] = {}
    for name, module in layer.named_modules():
        if isinstance(module, LIF):
            module.register_forward_hook(
                lambda m, i, o, name=name: seen.__setitem__(name, o.detach()))
    layer.out_proj.register_forward_pre_hook(
        lambda m, i: seen.__setitem__("out_proj_in", i[0].detach()))
    return seen


def _heads(x: torch.Tensor) -> torch.Tensor:
    """[T, B, N, D] -> [T, B, N, h, d] (explicit, without the module's helper)."""
    return x.reshape(*x.shape[:-1], H, D // H)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_shape_and_spikes_are_binary(name):
    torch.manual_seed(0)
    layer = _excite(LAYERS[name]())
    seen = _capture(layer)
    out = layer(_input(name))
    assert out.shape == (T, B, N, D)
    assert torch.isfinite(out).all()
    neurons = [k for k in seen if k != "out_proj_in"]
    assert len(neurons) >= 4
    for key in neurons:                                  # Q, K, V, attention map, ...
        assert set(seen[key].unique().tolist()) <= {0.0, 1.0}, key
    assert seen["q_lif"].sum() > 0 and seen["k_lif"].sum() > 0, "test input too weak"
    if name in SPIKING_OUTPUT:
        assert set(out.unique().tolist()) <= {0.0, 1.0}
    else:                                                # membrane shortcut: real-valued
        assert not set(out.unique().tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_gradient_reaches_every_parameter(name):
    torch.manual_seed(1)
    layer = _excite(LAYERS[name]())
    x = _input(name, seed=1).requires_grad_(True)
    out = layer(x)
    weights = torch.randn(out.shape, generator=torch.Generator().manual_seed(2))
    (out * weights).sum().backward()                     # not .sum(): BN would cancel it
    for pname, p in layer.named_parameters():
        assert p.grad is not None, pname
        assert float(p.grad.abs().sum()) > 0, pname
    assert float(x.grad.abs().sum()) > 0


def test_sdsa_v1_hand_made_example():
    # one step, one head, N = 3 tokens, d = 3 channels
    q = torch.tensor([[1., 0., 1.], [1., 1., 0.], [0., 0., 1.]])
    k = torch.tensor([[1., 1., 0.], [1., 0., 0.], [0., 0., 1.]])
    v = torch.tensor([[1., 1., 1.], [0., 1., 0.], [1., 0., 1.]])
    # Q ⊙ K column sums: [2, 0, 1]; SN_0.5 after one step fires where sum / tau >= 0.5
    expected = torch.tensor([[1., 0., 1.], [0., 0., 0.], [1., 0., 1.]])
    out = sdsa_v1(q[None, None, None], k[None, None, None], v[None, None, None],
                  LIF(tau=2.0, v_threshold=0.5))
    assert torch.equal(out[0, 0, 0], expected)


def test_spike_driven_product_equals_explicit_quadratic_formula():
    g = torch.Generator().manual_seed(3)
    q, k, v = ((torch.rand(T, B, H, 17, 4, generator=g) < 0.4).float() for _ in range(3))
    explicit = torch.einsum("...nm,...md->...nd", torch.einsum("...nd,...md->...nm", q, k), v)
    assert torch.equal(spiking_attention(q, k, v, scale=0.125), explicit * 0.125)


def test_sdsa_v1_module_matches_formula():
    torch.manual_seed(4)
    layer = _excite(SpikeDrivenSelfAttention(D, num_heads=H, version=1))
    seen = _capture(layer)
    layer(_input("sdsa", seed=4))
    q, k, v = (_heads(seen[f"{c}_lif"]) for c in "qkv")     # [T, B, N, h, d]
    colsum = torch.einsum("tbnhd,tbnhd->tbhd", q, k)         # SUM over tokens of Q ⊙ K
    mask = LIF(tau=2.0, v_threshold=0.5, detach_reset=True)(colsum)
    expected = (mask[:, :, None] * v).flatten(-2)
    assert seen["attn_lif"].shape == (T, B, H, 1, D // H)
    assert torch.equal(seen["out_proj_in"], expected)


def test_sdsa_v2_module_matches_formula():
    torch.manual_seed(5)
    layer = _excite(SpikeDrivenSelfAttention(D, num_heads=H, version=2, scale=0.5))
    seen = _capture(layer)
    layer(_input("sdsa", seed=5))
    q, k, v = (_heads(seen[f"{c}_lif"]) for c in "qkv")
    scores = torch.einsum("tbnhd,tbmhd->tbhnm", q, k)        # Q K^T per head, N x N
    qkv = torch.einsum("tbhnm,tbmhd->tbnhd", scores, v).flatten(-2) * 0.5
    expected = LIF(tau=2.0, v_threshold=0.5, detach_reset=True)(qkv)
    maps = seen["out_proj_in"]                                # RepConv input [T, B, D, 3, 3]
    assert maps.shape == (T, B, D, 3, 3)
    assert torch.equal(maps.flatten(-2).transpose(-1, -2), expected)
    assert expected.sum() > 0


@pytest.mark.parametrize("mode", ["token", "channel"])
def test_qk_attention_module_matches_formula(mode):
    torch.manual_seed(6)
    layer = _excite((QKTokenAttention if mode == "token" else QKChannelAttention)(D, num_heads=H))
    seen = _capture(layer)
    layer(_input("qk", seed=6))
    q, k = _heads(seen["q_lif"]), _heads(seen["k_lif"])      # [T, B, N, h, d]
    neuron = LIF(tau=2.0, v_threshold=0.5, detach_reset=True)
    if mode == "token":
        mask = neuron(q.sum(dim=-1, keepdim=True))           # row sum over the head's channels
    else:
        mask = neuron(q.sum(dim=2, keepdim=True))            # column sum over tokens
    expected = (mask * k).flatten(-2)
    assert torch.equal(seen["out_proj_in"], expected)
    assert 0 < float(mask.mean()) < 1, "test should mask some, not all"


def test_qk_hand_made_examples():
    q = torch.tensor([[1., 1.], [0., 0.], [0., 1.]])[None, None, None]
    k = torch.tensor([[1., 0.], [1., 1.], [0., 1.]])[None, None, None]
    token = qk_token_attention(q, k, LIF(tau=2.0, v_threshold=0.5))[0, 0, 0]
    channel = qk_channel_attention(q, k, LIF(tau=2.0, v_threshold=0.5))[0, 0, 0]
    # row sums [2, 0, 1] -> tokens 0 and 2 kept; column sums [1, 2] -> both channels kept
    assert token.tolist() == [[1., 0.], [0., 0.], [0., 1.]]
    assert torch.equal(channel, k[0, 0, 0])


def test_repconv_equals_one_zero_padded_3x3_conv_in_eval_mode():
    torch.manual_seed(7)
    rep = RepConv(3, 4)
    for bn in (rep.bn1, rep.bn2):                         # non-trivial running statistics
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.data.uniform_(0.5, 2)
        bn.bias.data.uniform_(-1, 1)
    rep.eval()
    # fold conv1x1 -> BN -> dw3x3 -> conv1x1 -> BN into one 3x3 conv with bias
    s1 = rep.bn1.weight / torch.sqrt(rep.bn1.running_var + rep.bn1.eps)
    b1 = rep.bn1.bias - rep.bn1.running_mean * s1
    w1 = rep.conv1.weight[:, :, 0, 0] * s1[:, None]                      # [C, C]
    dw = rep.dwconv.weight[:, 0]                                          # [C, 3, 3]
    w2 = rep.conv2.weight[:, :, 0, 0]                                     # [O, C]
    s2 = rep.bn2.weight / torch.sqrt(rep.bn2.running_var + rep.bn2.eps)
    weight = torch.einsum("oc,ckl,ci->oikl", w2, dw, w1) * s2[:, None, None, None]
    bias = (w2 @ (dw.sum(dim=(1, 2)) * b1) - rep.bn2.running_mean) * s2 + rep.bn2.bias
    x = (torch.rand(2, 3, 6, 5) < 0.5).float()
    folded = torch.nn.functional.conv2d(x, weight, bias, padding=1)
    torch.testing.assert_close(rep(x), folded, atol=1e-5, rtol=1e-5)


def test_sdsa_grid_and_schema_errors():
    layer = SpikeDrivenSelfAttention(D, num_heads=H)
    assert layer(torch.randn(2, 1, 6, D), hw=(2, 3)).shape == (2, 1, 6, D)
    with pytest.raises(SchemaError, match="hw"):
        layer(torch.randn(2, 1, 6, D))                   # 6 tokens are not a square
    with pytest.raises(SchemaError, match="time-major"):
        layer(torch.randn(1, 6, D))
    with pytest.raises(SchemaError, match="channels"):
        SpikingSelfAttention(D, num_heads=H)(torch.rand(2, 1, 4, D + 1))


def test_config_errors():
    with pytest.raises(ConfigError, match="num_heads"):
        SpikingSelfAttention(10, num_heads=4)
    with pytest.raises(ConfigError, match="version"):
        SpikeDrivenSelfAttention(8, num_heads=2, version=3)


def test_state_reset_gives_identical_outputs():
    torch.manual_seed(8)
    layer = _excite(SpikingSelfAttention(D, num_heads=H, scale=1.0))   # train-mode BN
    x = _input("ssa", seed=8)
    first = layer(x)
    second = layer(x)                                    # carries the membrane over
    reset_states(layer)
    third = layer(x)
    assert torch.equal(first, third)
    assert not torch.equal(first, second)


# ----------------------------------------------------------------- peer: SpikingJelly
def test_ssa_matches_spikingjelly():
    attention = pytest.importorskip("spikingjelly.activation_based.layer.attention")
    torch.manual_seed(9)
    ours = _excite(SpikingSelfAttention(D, num_heads=H, scale=1.0))
    peer = _excite(attention.SpikingSelfAttention(D, num_heads=H))
    peer.scale = 1.0
    with torch.no_grad():
        w = torch.cat([ours.q_proj[0].weight, ours.k_proj[0].weight, ours.v_proj[0].weight])
        peer.qkv_conv_bn[0].weight.copy_(w[..., None])
        peer.proj_conv_bn[0].weight.copy_(ours.out_proj[0].weight[..., None])
    x = _input("ssa", seed=9)
    ours_out = ours(x)
    peer_out = peer(x.transpose(-1, -2)).transpose(-1, -2)   # peer layout [T, B, D, N]
    assert ours_out.sum() > 0
    assert torch.equal(ours_out, peer_out)


@pytest.mark.parametrize("mode", ["token", "channel"])
def test_qk_attention_matches_spikingjelly(mode):
    attention = pytest.importorskip("spikingjelly.activation_based.layer.attention")
    torch.manual_seed(10)
    ours = _excite((QKTokenAttention if mode == "token" else QKChannelAttention)(D, num_heads=H))
    peer = _excite(attention.QKAttention(D, num_heads=H, qka_type=mode))
    with torch.no_grad():
        w = torch.cat([ours.q_proj[0].weight, ours.k_proj[0].weight])
        peer.qk_conv_bn[0].weight.copy_(w[..., None])
        peer.proj_conv_bn[0].weight.copy_(ours.out_proj[0].weight[..., None])
    x = _input("qk", seed=10)
    ours_out = ours(x)
    peer_out = peer(x.transpose(-1, -2)).transpose(-1, -2)
    assert ours_out.sum() > 0
    assert torch.equal(ours_out, peer_out)
