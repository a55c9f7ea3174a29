"""Spiking neurons: IF, LIF, parametric LIF, adaptive LIF and the parallel spiking neurons."""

from __future__ import annotations

import importlib
from typing import Any

from neurokit.snn.neurons._base import BaseNeuron
from neurokit.snn.neurons.lif import IF, LIF

_LAZY = {
    "ParametricLIF": "neurokit.snn.neurons.parametric",
    "AdaptiveLIF": "neurokit.snn.neurons.adaptive",
    "PSN": "neurokit.snn.neurons.psn",
    "MaskedPSN": "neurokit.snn.neurons.psn",
    "SlidingPSN": "neurokit.snn.neurons.psn",
}
#: neuron classes by the name configs use (``neuron: plif``)
NEURONS: dict[str, str] = {
    "if": "IF", "lif": "LIF", "plif": "ParametricLIF", "alif": "AdaptiveLIF",
    "psn": "PSN", "masked_psn": "MaskedPSN", "sliding_psn": "SlidingPSN",
}

__all__ = ["BaseNeuron", "IF", "LIF", "NEURONS", "get_neuron_class", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'neurokit.snn.neurons' has no attribute {name!r}")


def get_neuron_class(name: str) -> type:
    """The neuron class for a config name (``"lif"``, ``"plif"``, ``"psn"``…) or class name.

    Raises
    ------
    neurokit.errors.ConfigError
        For an unknown name.

    Examples
    --------
    >>> get_neuron_class("lif").__name__
    'LIF'
    """
    from neurokit.errors import ConfigError

    key = NEURONS.get(name.lower(), name) if isinstance(name, str) else None
    if key not in {"IF", "LIF", *_LAZY}:
        raise ConfigError("unknown neuron", field="neuron",
                          expected="one of " + ", ".join(NEURONS), found=repr(name))
    return globals()[key] if key in globals() else __getattr__(key)
