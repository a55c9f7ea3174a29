"""Every registered architecture builds by name and does a forward + backward pass."""

import pytest
import torch

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.snn import reset_states
from neurokit.snn.models import MODELS, build_model, get_model_class, list_models


@pytest.mark.parametrize("name", sorted(MODELS))
def test_forward_and_backward_at_tiny_size(name):
    torch.manual_seed(0)
    model, x = get_model_class(name).example()
    reset_states(model)
    out = model(x)
    assert out.dim() == 3 and out.shape[1] == x.shape[1], "output must be [T', B, n_outputs]"
    assert torch.isfinite(out).all()
    out.float().pow(2).mean().backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert grads and all(g is not None for g in grads[:1])
    assert sum(float(g.abs().sum()) for g in grads if g is not None) > 0


@pytest.mark.parametrize("name", sorted(MODELS))
def test_input_without_time_axis_is_refused(name):
    model, x = get_model_class(name).example()
    with pytest.raises(SchemaError, match="time-major"):
        model(x[0])  # one step [B, ...] where the whole sequence [T, B, ...] is expected


@pytest.mark.parametrize("name", sorted(MODELS))
def test_nan_input_is_refused(name):
    model, x = get_model_class(name).example()
    x = x.clone()
    x.view(-1)[0] = float("nan")
    with pytest.raises(InvalidValueError, match="NaN"):
        model(x)


def test_unknown_architecture_names_the_known_ones():
    with pytest.raises(ConfigError, match="spiking_vgg"):
        build_model("resnet9000")


def test_bad_keyword_is_a_config_error():
    with pytest.raises(ConfigError, match="network_kwargs"):
        build_model("spiking_vgg", no_such_argument=1)


def test_list_models_matches_registry():
    assert list_models() == sorted(MODELS)
