"""Spiking layers: time-distributed wrappers, tdBN, learnable delays, spiking attention."""

from __future__ import annotations

import importlib
from typing import Any

from neurokit.snn.layers.container import TimeDistributed

_LAZY = {
    "TemporalBatchNorm": "neurokit.snn.layers.normalization",
    "DelayLinear": "neurokit.snn.layers.delay",
    "SpikingSelfAttention": "neurokit.snn.layers.attention",
    "SpikeDrivenSelfAttention": "neurokit.snn.layers.attention",
    "QKTokenAttention": "neurokit.snn.layers.attention",
    "QKChannelAttention": "neurokit.snn.layers.attention",
}

__all__ = ["TimeDistributed", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'neurokit.snn.layers' has no attribute {name!r}")
