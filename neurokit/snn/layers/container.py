"""Apply state-less layers (Linear, Conv, pooling, BatchNorm…) to every time step at once."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from neurokit.errors import ConfigError
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
    channels_last : bool, default False
        Run image stacks (``[T*B, C, H, W]``) in the channels-last memory layout, and store the
        4-D weights of ``modules`` that way. On CPU, oneDNN's convolutions are about twice as
        fast in this layout (training step of the benchmark conv SNN: see the README's speed
        table). Gradients flowing back into an image-shaped intermediate output are put in the
        same layout (one small copy after a ``Flatten`` instead of pooling backward converting
        its larger input). Outputs equal the default layout's up to float rounding; the
        neurons' kernels take either layout without a copy.

    Raises
    ------
    ConfigError
        ``channels_last=True`` with a strided 1x1 convolution in ``modules``: torch 2.13's CPU
        oneDNN backward of that convolution in channels-last corrupts the heap (reproduced with
        ``Conv2d(4, 8, 1, stride=2)`` on ``[6, 4, 8, 8]``).

    Examples
    --------
    >>> layer = TimeDistributed(nn.Conv2d(2, 4, 3, padding=1), nn.MaxPool2d(2))
    >>> layer(torch.zeros(5, 3, 2, 8, 8)).shape
    torch.Size([5, 3, 4, 4, 4])
    >>> fast = TimeDistributed(nn.Conv2d(2, 4, 3, padding=1), channels_last=True)
    >>> fast(torch.zeros(5, 3, 2, 8, 8)).shape
    torch.Size([5, 3, 4, 8, 8])
    """

    def __init__(self, *modules: nn.Module, channels_last: bool = False) -> None:
        super().__init__(*modules)
        self.channels_last = bool(channels_last)
        if self.channels_last:
            _check_channels_last_safe(self)
            self.to(memory_format=torch.channels_last)

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        check_sequence(x_seq, min_ndim=3, name=type(self).__name__, layout="[T, B, ...]")
        steps, batch = x_seq.shape[:2]
        x = x_seq.flatten(0, 1)
        if not self.channels_last:
            return super().forward(x).unflatten(0, (steps, batch))
        if x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        for module in self:
            x = module(x)
            if x.dim() == 4 and x.requires_grad:
                x = _ChannelsLastGrad.apply(x)
        return x.unflatten(0, (steps, batch))

    def extra_repr(self) -> str:
        return "channels_last=True" if self.channels_last else ""


class _ChannelsLastGrad(torch.autograd.Function):
    """Identity whose backward hands the gradient on in channels-last layout."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        return grad.contiguous(memory_format=torch.channels_last)


def _check_channels_last_safe(block: nn.Module) -> None:
    """Refuse the convolutions whose channels-last CPU backward is broken in torch (see
    :class:`TimeDistributed`)."""
    for name, module in block.named_modules():
        if (isinstance(module, nn.Conv2d) and module.kernel_size == (1, 1)
                and module.stride != (1, 1)):
            raise ConfigError(
                "channels_last=True cannot hold a strided 1x1 convolution (its oneDNN backward "
                "in channels-last corrupts memory on CPU)", field=f"TimeDistributed.{name}",
                expected="channels_last=False for this block, or a 1x1 convolution of stride 1",
                found=repr(module))
