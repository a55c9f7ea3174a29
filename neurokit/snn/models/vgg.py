"""Spiking VGG: stacked 3x3 convolutions, batch norm over time and spiking neurons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from neurokit.errors import ConfigError
from neurokit.snn.base import StepMode
from neurokit.snn.layers.container import TimeDistributed
from neurokit.snn.models._common import (
    NeuronSpec,
    TimeMajorNet,
    check_norm,
    check_positive_ints,
    make_neuron,
    make_norm,
)

__all__ = ["SpikingVGG"]

class SpikingVGG(TimeMajorNet):
    r"""VGG-style spiking convolutional network.

    Each feature layer is a 3x3 convolution, batch norm over time and a spiking neuron
    (:math:`S^l_t = \mathrm{SN}(\mathrm{BN}(W^l * S^{l-1}_t))`), with 2x2 pooling after the
    layers listed in ``pool_after``. An adaptive average pool to ``head_size x head_size`` makes
    any input size work; the head is a spiking hidden layer and a non-spiking linear readout
    applied at every time step:

    .. math::

        O_t = W_o\, \mathrm{SN}\big(\mathrm{BN}(W_h\, \mathrm{flatten}(\mathrm{AAP}(S^L_t)))\big)
          + b_o

(the hidden layer's BatchNorm1d over ``T*B`` whenever the features are normalised).

    Parameters
    ----------
    in_channels : int
        Input channels ``C``.
    n_outputs : int
        Output units (classes).
    widths : sequence of int
        Output channels of each conv layer (VGG-11 features: ``(64, 128, 256, 256, 512, 512,
        512, 512)`` with ``pool_after=(0, 1, 3, 5, 7)``).
    pool_after : sequence of int, optional
        Indices of the conv layers followed by a 2x2 pooling; default every layer but the last
        (an input needs at least ``2 ** len(pool_after)`` pixels a side).
    pool : {"max", "avg"}
        Pooling type (max pooling keeps spikes binary).
    neuron : str or type
        Neuron by config name (:data:`neurokit.snn.neurons.NEURONS`) or class.
    neuron_kwargs : dict, optional
        Keyword arguments of every neuron (e.g. ``{"tau": 2.0}``).
    batch_norm : bool
        Normalise after each convolution (``False``: convolutions with bias, no norm).
    norm : {"bn", "tdbn"}
        Which normalisation when ``batch_norm``: BatchNorm2d over ``T*B`` or tdBN.
    dropout : float
        Dropout probability before each head linear layer.
    fc_hidden : int
        Width of the spiking hidden layer of the head (``0``: readout straight from features).
    head_size : int
        Side of the adaptive average pool before the head.
    step_mode : {"multi", "single"}
        ``"multi"``: input ``[T, B, C, H, W]``; ``"single"``: one step ``[B, C, H, W]``.
    channels_last : bool
        Run the convolutions and pooling in channels-last memory layout
        (:class:`~neurokit.snn.layers.container.TimeDistributed`): about twice as fast on CPU,
        same outputs up to float rounding.

    Notes
    -----
    Shapes: input ``[T, B, C, H, W]`` -> output ``[T, B, n_outputs]`` (real-valued, per step).

    Examples
    --------
    >>> net = SpikingVGG(1, 10, widths=(4, 8), fc_hidden=16)
    >>> net(torch.rand(3, 2, 1, 8, 8)).shape
    torch.Size([3, 2, 10])
    """

    def __init__(
        self,
        in_channels: int,
        n_outputs: int,
        widths: Sequence[int] = (64, 128, 256, 256),
        pool_after: Sequence[int] | None = None,
        pool: str = "max",
        neuron: NeuronSpec = "lif",
        neuron_kwargs: Mapping[str, Any] | None = None,
        batch_norm: bool = True,
        norm: str = "bn",
        dropout: float = 0.0,
        fc_hidden: int = 128,
        head_size: int = 1,
        step_mode: StepMode = "multi",
        channels_last: bool = False,
    ) -> None:
        super().__init__(step_mode=step_mode)
        (in_channels, n_outputs, head_size) = check_positive_ints(
            (in_channels, n_outputs, head_size), "in_channels/n_outputs/head_size")
        widths = check_positive_ints(widths, "widths")
        if pool_after is None:
            pool_after = tuple(range(len(widths) - 1))
        pool_after = tuple(int(i) for i in pool_after)
        if any(not 0 <= i < len(widths) for i in pool_after):
            raise ConfigError("pooling index out of range", field="pool_after",
                              expected=f"indices in [0, {len(widths)})", found=repr(pool_after))
        if pool not in ("max", "avg"):
            raise ConfigError("unknown pooling", field="pool", expected="'max' or 'avg'",
                              found=repr(pool))
        if not 0.0 <= dropout < 1.0:
            raise ConfigError("bad dropout", field="dropout", expected="0 <= p < 1",
                              found=repr(dropout))
        if fc_hidden < 0:
            raise ConfigError("bad head width", field="fc_hidden", expected=">= 0",
                              found=repr(fc_hidden))
        norm_kind = check_norm(norm) if batch_norm else None
        pool_cls = nn.MaxPool2d if pool == "max" else nn.AvgPool2d

        features: list[nn.Module] = []
        c_prev = in_channels
        for i, width in enumerate(widths):
            features.append(TimeDistributed(
                nn.Conv2d(c_prev, width, 3, padding=1, bias=norm_kind is None),
                channels_last=channels_last))
            features.append(make_norm(norm_kind, width))
            features.append(make_neuron(neuron, neuron_kwargs))
            if i in pool_after:
                features.append(TimeDistributed(pool_cls(2), channels_last=channels_last))
            c_prev = width
        self.features = nn.Sequential(*features)
        n_flat = c_prev * head_size * head_size
        head: list[nn.Module] = [
            TimeDistributed(nn.AdaptiveAvgPool2d(head_size), nn.Flatten(1),
                            channels_last=channels_last),
        ]
        if fc_hidden:
            head += [nn.Dropout(dropout),
                     nn.Linear(n_flat, fc_hidden, bias=norm_kind is None),
                     TimeDistributed(nn.BatchNorm1d(fc_hidden)) if norm_kind else nn.Identity(),
                     make_neuron(neuron, neuron_kwargs)]
            n_flat = fc_hidden
        head += [nn.Dropout(dropout), nn.Linear(n_flat, n_outputs)]
        self.head = nn.Sequential(*head)

    def sequence_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x_seq))

    @classmethod
    def example(cls) -> tuple[nn.Module, torch.Tensor]:
        """A tiny instance and a matching input ``[T=3, B=2, 1, 8, 8]``.

        Examples
        --------
        >>> net, x = SpikingVGG.example()
        >>> net(x).shape
        torch.Size([3, 2, 10])
        """
        net = cls(1, 10, widths=(4, 8), fc_hidden=16)
        return net, torch.rand(3, 2, 1, 8, 8)
