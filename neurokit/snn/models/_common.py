"""Helpers the architectures share: neuron and norm factories, size checks, and the time-major
base class that gives every model a single-step mode."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from neurokit.errors import ConfigError
from neurokit.snn.base import StatefulModule, check_sequence
from neurokit.snn.layers.container import TimeDistributed

__all__ = ["NeuronSpec", "make_neuron", "make_norm", "check_norm", "check_positive_ints",
           "TimeMajorNet"]

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
