"""Apply state-less layers (Linear, Conv, pooling, BatchNorm…) to every time step at once."""

from __future__ import annotations

import torch
from torch import nn

from neurokit.snn.base import check_sequence

__all__ = ["TimeDistributed"]


class TimeDistributed(nn.Sequential):
    """Run state-less modules on ``[T, B, ...]`` by merging time into the batch dimension.

    ``[T, B, ...] -> [T*B, ...] -> modules -> [T, B, ...]``: one large call instead of ``T``
    small ones (SpikingJelly's ``SeqToANNContainer``).

    Parameters
    ----------
    *modules : torch.nn.Module
        State-less modules applied in order.

    Examples
    --------
    >>> layer = TimeDistributed(nn.Conv2d(2, 4, 3, padding=1), nn.MaxPool2d(2))
    >>> layer(torch.zeros(5, 3, 2, 8, 8)).shape
    torch.Size([5, 3, 4, 4, 4])
    """

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        check_sequence(x_seq, min_ndim=3, name=type(self).__name__, layout="[T, B, ...]")
        steps, batch = x_seq.shape[:2]
        y = super().forward(x_seq.flatten(0, 1))
        return y.unflatten(0, (steps, batch))
