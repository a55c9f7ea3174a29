"""The registry of SNN architectures: build any of them by name (configs, CLI, tests)."""

from __future__ import annotations

import importlib
from typing import Any

import torch  # noqa: F401  (doctest namespace)
from torch import nn

from neurokit.errors import ConfigError

__all__ = ["MODELS", "list_models", "get_model_class", "build_model"]

#: architecture name -> "module:Class" (imported on first use)
MODELS: dict[str, str] = {
    "spiking_mlp": "neurokit.snn.models.mlp:SpikingMLP",
    "spiking_vgg": "neurokit.snn.models.vgg:SpikingVGG",
    "sew_resnet": "neurokit.snn.models.sew_resnet:SEWResNet",
    "spikformer": "neurokit.snn.models.spikformer:Spikformer",
    "spike_driven_transformer": "neurokit.snn.models.spike_driven:SpikeDrivenTransformer",
    "recurrent_snn": "neurokit.snn.models.recurrent:RecurrentSNN",
    "delay_snn": "neurokit.snn.models.delay:DelaySNN",
    "ttfs": "neurokit.snn.models.ttfs:TTFSNet",
}


def list_models() -> list[str]:
    """Names of every registered architecture.

    Examples
    --------
    >>> "sew_resnet" in list_models()
    True
    """
    return sorted(MODELS)


def get_model_class(name: str) -> type[nn.Module]:
    """The class registered under ``name``.

    Raises
    ------
    neurokit.errors.ConfigError
        For an unknown name (the message lists the known ones).
    """
    if name not in MODELS:
        raise ConfigError("unknown SNN architecture", field="network",
                          expected="one of " + ", ".join(list_models()), found=repr(name))
    module_name, class_name = MODELS[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)


def build_model(name: str, **kwargs: Any) -> nn.Module:
    """Build the architecture ``name`` with keyword arguments ``kwargs``.

    Every architecture takes time-major input ``[T, B, ...]`` and returns ``[T', B, n_outputs]``
    (a classifier averages over the first axis).

    Examples
    --------
    >>> net = build_model("spiking_vgg", in_channels=1, n_outputs=10, widths=(4, 8))
    >>> net(torch.zeros(2, 3, 1, 8, 8)).shape
    torch.Size([2, 3, 10])
    """
    cls = get_model_class(name)
    try:
        return cls(**kwargs)
    except TypeError as err:
        raise ConfigError(f"bad arguments for {name}: {err}", field="network_kwargs",
                          expected=f"keyword arguments of {cls.__name__}") from err
