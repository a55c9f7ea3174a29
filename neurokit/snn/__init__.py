"""The SNN engine: neurons, surrogate gradients, fused kernels, encoders, layers, models.

Tensors are time-major ``[T, B, ...]``. Neurons keep their state on the instance and are reset
between sequences by :func:`reset_states` (the training core calls it before every batch).

=====================  ==================================================================
module                 what it holds
=====================  ==================================================================
``snn.base``           :class:`StatefulModule`, :func:`reset_states`, :func:`set_step_mode`
``snn.surrogate``      surrogate gradients by name or callable
``snn.functional``     fused multi-step kernels (``multistep_lif``)
``snn.neurons``        IF, LIF, ParametricLIF, AdaptiveLIF, PSN, MaskedPSN, SlidingPSN
``snn.encoding``       Poisson, latency, direct, delta encoders; events -> frames
``snn.layers``         TimeDistributed, tdBN, learnable delays, spiking attention
``snn.models``         architectures by name (``build_model``)
``snn.training``       BPTT and SLTT/SLTT-K training steps
``snn.monitor``        firing rates / spike counts per layer (hooks)
``snn.energy``         synaptic-operation energy versus an equal ANN
``snn.ann_twin``       the matched non-spiking network (neurons -> ReLU over time)
=====================  ==================================================================

Examples
--------
>>> import torch
>>> from neurokit import snn
>>> net = torch.nn.Sequential(snn.TimeDistributed(torch.nn.Linear(8, 4)), snn.LIF(tau=2.0))
>>> spikes = net(torch.rand(10, 3, 8))       # [T=10, B=3, 8] -> [10, 3, 4]
>>> spikes.shape
torch.Size([10, 3, 4])
>>> snn.reset_states(net)
"""

from __future__ import annotations

import importlib
from typing import Any

from neurokit._optional import soft_import

soft_import("torch", "the SNN engine")

#: public name -> module defining it (imported on first access)
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ["StatefulModule", "reset_states", "set_step_mode", "check_sequence", "check_finite"],
        "neurokit.snn.base",
    ),
    **dict.fromkeys(["Surrogate", "SURROGATES", "get_surrogate"], "neurokit.snn.surrogate"),
    **dict.fromkeys(["multistep_lif"], "neurokit.snn.functional"),
    **dict.fromkeys(
        ["BaseNeuron", "IF", "LIF", "ParametricLIF", "AdaptiveLIF", "PSN", "MaskedPSN",
         "SlidingPSN"],
        "neurokit.snn.neurons",
    ),
    **dict.fromkeys(
        ["poisson_encode", "latency_encode", "direct_encode", "delta_encode",
         "events_to_frames"],
        "neurokit.snn.encoding",
    ),
    **dict.fromkeys(
        ["TimeDistributed", "TemporalBatchNorm", "DelayLinear", "SpikingSelfAttention",
         "SpikeDrivenSelfAttention", "QKTokenAttention", "QKChannelAttention"],
        "neurokit.snn.layers",
    ),
    **dict.fromkeys(["build_model", "list_models", "MODELS"], "neurokit.snn.models"),
    **dict.fromkeys(["SpikeMonitor"], "neurokit.snn.monitor"),
    **dict.fromkeys(["estimate_energy", "E_AC", "E_MAC"], "neurokit.snn.energy"),
    **dict.fromkeys(["bptt_step", "sltt_step"], "neurokit.snn.training"),
    **dict.fromkeys(["ann_twin", "TimeReLU"], "neurokit.snn.ann_twin"),
}
_SUBMODULES = {"base", "surrogate", "functional", "neurons", "encoding", "layers", "models",
               "monitor", "energy", "training", "ann_twin"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"neurokit.snn.{name}")
    else:
        raise AttributeError(f"module 'neurokit.snn' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)
