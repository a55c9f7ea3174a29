"""Spiking multilayer perceptron for sequences: one input vector per time step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from neurokit.snn.layers.container import TimeDistributed
from neurokit.snn.models._common import (
    NeuronSpec,
    TimeMajorNet,
    check_positive_ints,
    make_neuron,
)

__all__ = ["SpikingMLP"]


class SpikingMLP(TimeMajorNet):
    r"""Fully connected spiking network over time-major sequences ``[T, B, n_inputs]``.

    .. math::

        S^l_t = \mathrm{SN}\big(\mathrm{BN}(W^l S^{l-1}_t)\big), \quad S^0_t = X_t, \qquad
        O_t = W_o S^L_t + b_o,

    with any neuron of :mod:`neurokit.snn.neurons` (batch norm over ``T*B``). With the
    parallel spiking neurons (PSN) each layer mixes all time steps, which is what sequential
    tasks (one row of an image per step, Fang et al. 2023) need.

    Parameters
    ----------
    n_inputs : int
        Features per time step.
    n_outputs : int
        Output units (classes).
    hidden : sequence of int
        Neurons per hidden layer.
    neuron : str or type
        Neuron by config name (``"lif"``, ``"plif"``, ``"psn"``…) or class.
    neuron_kwargs : mapping, optional
        Keyword arguments of every neuron (``{"T": 8}`` for a PSN).
    batch_norm : bool
        Batch norm after each hidden projection.

    Examples
    --------
    >>> net = SpikingMLP(n_inputs=8, n_outputs=3, hidden=(16,))
    >>> net(torch.rand(5, 2, 8)).shape           # [T, B, n_outputs]
    torch.Size([5, 2, 3])
    """

    sample_layout = "n_inputs"

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        hidden: Sequence[int] = (128,),
        neuron: NeuronSpec = "lif",
        neuron_kwargs: Mapping[str, Any] | None = None,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        sizes = [*check_positive_ints([n_inputs], "n_inputs"),
                 *check_positive_ints(hidden, "hidden")]
        layers: list[nn.Module] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            stateless = [nn.Linear(n_in, n_out, bias=not batch_norm)]
            if batch_norm:
                stateless.append(nn.BatchNorm1d(n_out))
            layers += [TimeDistributed(*stateless), make_neuron(neuron, neuron_kwargs)]
        self.features = nn.Sequential(*layers)
        self.readout = TimeDistributed(nn.Linear(sizes[-1], int(n_outputs)))

    def sequence_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(x_seq))

    @classmethod
    def example(cls) -> tuple[nn.Module, torch.Tensor]:
        """A tiny instance and a matching input ``[T=4, B=3, 6]``."""
        return cls(n_inputs=6, n_outputs=10, hidden=(8,)), torch.rand(4, 3, 6) * 2
