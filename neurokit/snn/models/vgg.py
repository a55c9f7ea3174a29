"""Spiking VGG: stacked 3x3 convolutions, batch norm over time and spiking neurons.

Also holds the small helpers the convolutional architectures share (neuron and norm factories,
the time-major base class that gives every model a single-step mode).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from neurokit.errors import ConfigError
from neurokit.snn.base import StatefulModule, StepMode, check_sequence
from neurokit.snn.layers.container import TimeDistributed

__all__ = ["SpikingVGG"]

NeuronSpec = str | type
_NORMS = ("bn", "tdbn", None)


def make_neuron(neuron: NeuronSpec, neuron_kwargs: Mapping[str, Any] | None) -> nn.Module:
    """A new spiking neuron from a config name (``"lif"``, ``"plif"``…) or a class.

    Every call builds a fresh instance (no neuron is shared between layers).

    Examples
    --------
    >>> type(make_neuron("lif", {"tau": 2.0})).__name__
    'LIF'
    """
    from neurokit.snn.neurons import get_neuron_class

    cls = get_neuron_class(neuron) if isinstance(neuron, str) else neuron
    if not callable(cls):
        raise ConfigError("bad neuron", field="neuron", expected="a neuron name or class",
                          found=repr(neuron))
    return cls(**dict(neuron_kwargs or {}))


def check_norm(norm: str | None) -> str | None:
    """Return ``norm`` if it is ``"bn"``, ``"tdbn"`` or ``None``; else raise ConfigError."""
    if norm not in _NORMS:
        raise ConfigError("unknown normalisation", field="norm",
                          expected="'bn', 'tdbn' or None", found=repr(norm))
    return norm


def make_norm(norm: str | None, channels: int) -> nn.Module:
    """Normalisation over ``[T, B, C, H, W]`` for ``channels`` feature maps.

    ``"bn"``: ``TimeDistributed(BatchNorm2d)`` (statistics over time, batch and space);
    ``"tdbn"``: threshold-dependent batch norm (:class:`neurokit.snn.layers.TemporalBatchNorm`,
    imported when asked for); ``None``: identity.
    """
    if check_norm(norm) is None:
        return nn.Identity()
    if norm == "tdbn":
        layers = importlib.import_module("neurokit.snn.layers")
        return layers.TemporalBatchNorm(channels)
    return TimeDistributed(nn.BatchNorm2d(channels))


def check_positive_ints(values: Any, field: str, allow_empty: bool = False) -> tuple[int, ...]:
    """``values`` as a tuple of positive ints, or ConfigError."""
    try:
        out = tuple(int(v) for v in values)
    except (TypeError, ValueError) as err:
        raise ConfigError("not a sequence of integers", field=field,
                          expected="positive integers", found=repr(values)) from err
    if (not out and not allow_empty) or any(v < 1 for v in out):
        raise ConfigError("bad sizes", field=field, expected="positive integers",
                          found=repr(values))
    return out


class TimeMajorNet(StatefulModule):
    """Base of the architectures: time-major ``[T, B, ...]`` in multi-step mode, one step
    ``[B, ...]`` in single-step mode (run as a sequence of length one; the neurons keep their
    state between calls until :func:`~neurokit.snn.base.reset_states`).

    Subclasses set ``sample_layout`` (e.g. ``"C, H, W"``) and implement :meth:`sequence_forward`.
    """

    sample_layout: str = "C, H, W"

    def sequence_forward(self, x_seq: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        n = len(self.sample_layout.split(","))
        check_sequence(x_seq, ndim=n + 2, name=type(self).__name__,
                       layout=f"[T, B, {self.sample_layout}]", finite=True)
        return self.sequence_forward(x_seq)

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        n = len(self.sample_layout.split(","))
        check_sequence(x, ndim=n + 1, name=type(self).__name__,
                       layout=f"[B, {self.sample_layout}] (single-step mode)", finite=True)
        return self.sequence_forward(x.unsqueeze(0)).squeeze(0)


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
                nn.Conv2d(c_prev, width, 3, padding=1, bias=norm_kind is None)))
            features.append(make_norm(norm_kind, width))
            features.append(make_neuron(neuron, neuron_kwargs))
            if i in pool_after:
                features.append(TimeDistributed(pool_cls(2)))
            c_prev = width
        self.features = nn.Sequential(*features)
        n_flat = c_prev * head_size * head_size
        head: list[nn.Module] = [
            TimeDistributed(nn.AdaptiveAvgPool2d(head_size), nn.Flatten(1)),
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
