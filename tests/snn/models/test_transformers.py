"""Spikformer and the spike-driven transformer (Meta-SpikeFormer): build, run, train, reset."""

from __future__ import annotations

import pytest
import torch

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn import LIF, reset_states
from neurokit.snn.models import build_model
from neurokit.snn.models.spike_driven import SpikeDrivenTransformer
from neurokit.snn.models.spikformer import Spikformer, SpikingPatchSplitting

MODELS = {"spikformer": Spikformer, "spike_driven_transformer": SpikeDrivenTransformer}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_forward_backward_and_output_shape(name):
    torch.manual_seed(0)
    model, x = MODELS[name].example()
    out = model(x)
    assert out.shape == (x.shape[0], x.shape[1], model.n_outputs)
    assert torch.isfinite(out).all()
    out.pow(2).mean().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing
    # the surrogate gradient reaches the very first layer through every block
    first = next(p for p in model.parameters())
    assert float(first.grad.abs().sum()) > 0


@pytest.mark.parametrize("name", sorted(MODELS))
def test_neurons_emit_binary_spikes(name):
    torch.manual_seed(1)
    model, x = MODELS[name].example()
    outputs = []
    for module in model.modules():
        if isinstance(module, LIF):
            module.register_forward_hook(lambda m, i, o: outputs.append(o.detach()))
    model(x)
    assert len(outputs) >= 10
    for spikes in outputs:
        assert set(spikes.unique().tolist()) <= {0.0, 1.0}
    assert sum(float(s.sum()) for s in outputs) > 0


@pytest.mark.parametrize("name", sorted(MODELS))
def test_schema_errors_on_non_time_major_input(name):
    model, x = MODELS[name].example()
    with pytest.raises(SchemaError, match="time-major"):
        model(x[0])                                      # 4-D [B, C, H, W]
    with pytest.raises(SchemaError, match="image shape"):
        model(x[:, :, :1])                               # wrong channel count


@pytest.mark.parametrize("name", sorted(MODELS))
def test_reset_between_calls_gives_identical_outputs(name):
    torch.manual_seed(2)
    model, x = MODELS[name].example()
    model.eval()
    neurons = [m for m in model.modules() if isinstance(m, LIF)]
    with torch.no_grad():
        reset_states(model)
        first = model(x)
        assert any(isinstance(n.v, torch.Tensor) and bool(n.v.ne(0).any()) for n in neurons)
        reset_states(model)
        assert all(n.v == 0.0 for n in neurons if not isinstance(n.v, torch.Tensor))
        assert all(not isinstance(n.v, torch.Tensor) for n in neurons)
        second = model(x)
    assert torch.equal(first, second)


def test_spikformer_patch_splitting_token_counts():
    x = torch.rand(2, 1, 3, 16, 16)
    for patch, n_tokens in [(1, 256), (4, 16), (16, 1)]:
        sps = SpikingPatchSplitting(3, 16, patch_size=patch)
        assert sps(x).shape == (2, 1, n_tokens, 16)
    with pytest.raises(ConfigError, match="patch_size"):
        SpikingPatchSplitting(3, 16, patch_size=3)


def test_built_by_name_and_v1_attention_variant():
    net = build_model("spikformer", in_channels=1, n_outputs=4, img_size=8, embed_dim=8,
                      depth=1, num_heads=2, patch_size=2)
    assert net(torch.rand(2, 1, 1, 8, 8)).shape == (2, 1, 4)
    sdt = build_model("spike_driven_transformer", in_channels=1, n_outputs=4, img_size=16,
                      embed_dims=(4, 8, 8, 8), depths=(1, 1, 1, 1), num_heads=2,
                      mlp_ratio=1.0, attention_version=1)
    assert sdt(torch.rand(2, 1, 1, 16, 16)).shape == (2, 1, 4)


def test_config_errors():
    with pytest.raises(ConfigError, match="num_heads"):
        Spikformer(embed_dim=16, num_heads=3, img_size=8)
    with pytest.raises(ConfigError, match="img_size"):
        Spikformer(img_size=10, patch_size=4)
    with pytest.raises(ConfigError, match="embed_dims"):
        SpikeDrivenTransformer(embed_dims=(8, 8, 8))
