"""neurokit builders for the peer harness ``../shared/bench/snn_bench.py``.

Used as ``--plugin neurokit=snn_plugin:build_model`` (with ``benchmarks/`` on the path).

Same layers as the harness' reference (``torch_ref``) and SpikingJelly builders: LIF with
``tau=2``, ``v_threshold=1``, hard reset to 0, input decayed by ``1/tau``, ArcTan surrogate
(``alpha=2``), reset detached from the graph; stateless layers run on ``[T*B, ...]`` through
:class:`~neurokit.snn.layers.container.TimeDistributed`. ``build_model`` uses the default
kernel (``backend="auto"``: C++ where a compiler is found), ``build_model_torch`` the pure-torch
fallback, ``build_model_compile`` the ``torch.compile`` one; ``build_dense_floor`` the same layers
with identity neurons (the dense floor built from neurokit's blocks).
"""

from __future__ import annotations

import torch
from torch import nn

from neurokit.snn.base import reset_states
from neurokit.snn.layers.container import TimeDistributed
from neurokit.snn.neurons.lif import LIF


def _stateless(spec: tuple) -> nn.Module:
    kind = spec[0]
    if kind == "linear":
        return nn.Linear(spec[1], spec[2])
    if kind == "conv":
        return nn.Conv2d(spec[1], spec[2], 3, padding=1)
    if kind == "pool":
        return nn.MaxPool2d(2)
    if kind == "flatten":
        return nn.Flatten()
    raise ValueError(f"unknown layer kind {kind!r}")


class _Net(nn.Module):
    def __init__(self, net: nn.Sequential) -> None:
        super().__init__()
        self.net = net

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        reset_states(self.net)
        return self.net(x_seq)


def build_model(workload: str, cfg: dict, backend: str = "auto") -> nn.Module:
    """The harness network for ``workload`` (``"mlp"`` or ``"conv"``) built from neurokit parts.

    Consecutive stateless layers share one :class:`TimeDistributed` (one reshape per block);
    blocks on images (convolution or pooling) run channels-last
    (``TimeDistributed(channels_last=True)``).
    """
    mods: list[nn.Module] = []
    block: list[nn.Module] = []

    def close_block() -> None:
        on_images = any(isinstance(m, (nn.Conv2d, nn.MaxPool2d)) for m in block)
        mods.append(TimeDistributed(*block, channels_last=on_images))
        block.clear()

    for spec in cfg["layers"]:
        if spec[0] == "lif":
            if block:
                close_block()
            mods.append(LIF(tau=cfg["tau"], v_threshold=cfg["v_th"], v_reset=0.0,
                            decay_input=True, surrogate="arctan", alpha=cfg["alpha"],
                            detach_reset=True, backend=backend))
        else:
            block.append(_stateless(spec))
    if block:
        close_block()
    return _Net(nn.Sequential(*mods))


def build_dense_floor(workload: str, cfg: dict) -> nn.Module:
    """The dense-op floor built from neurokit's parts: the same :class:`TimeDistributed` blocks
    as :func:`build_model` with identity neurons."""
    model = build_model(workload, cfg)
    for i, module in enumerate(model.net):
        if isinstance(module, LIF):
            model.net[i] = nn.Identity()
    return model


def build_model_torch(workload: str, cfg: dict) -> nn.Module:
    """:func:`build_model` with the pure-torch LIF kernel (``backend="torch"``, the fallback
    where no C++ compiler is found)."""
    return build_model(workload, cfg, backend="torch")


def build_model_compile(workload: str, cfg: dict) -> nn.Module:
    """:func:`build_model` with the ``torch.compile`` LIF kernel (``backend="compile"``)."""
    return build_model(workload, cfg, backend="compile")
