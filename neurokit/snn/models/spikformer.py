r"""Spikformer (Zhou et al., ICLR 2023): a spiking vision transformer with softmax-free SSA.

``[T, B, C, H, W]`` images -> spiking patch splitting (SPS) -> ``L`` encoder blocks
(spiking self-attention + spiking MLP, residual) -> global average pooling over tokens ->
linear head, per time step: ``[T, B, n_outputs]``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import check_sequence
from neurokit.snn.layers.attention import SpikingSelfAttention, TokenBatchNorm
from neurokit.snn.layers.container import TimeDistributed
from neurokit.snn.neurons.lif import LIF
from neurokit.snn.surrogate import SurrogateLike

__all__ = ["Spikformer", "SpikingPatchSplitting", "SpikingMLP", "SpikformerBlock"]


def _lif(tau: float, surrogate: SurrogateLike, alpha: float | None, detach_reset: bool) -> LIF:
    return LIF(tau=tau, surrogate=surrogate, alpha=alpha, detach_reset=detach_reset)


class SpikingPatchSplitting(nn.Module):
    r"""Spiking patch splitting (SPS) with the relative position embedding (RPE) conv.

    Four ``Conv3x3 -> BN -> SN`` stages with ``D/8, D/4, D/2, D`` channels; the last
    ``log2(patch_size)`` stages end with ``MaxPool(3, 2, 1)`` (CIFAR: patch 4 = two pools,
    ImageNet: patch 16 = four pools). Then

    .. math:: X = X_{sps} + \mathrm{SN}(\mathrm{BN}(\mathrm{Conv3x3}(X_{sps})))\quad(\text{RPE})

    and the ``H/P x W/P`` map becomes ``N`` row-major tokens.

    Parameters
    ----------
    in_channels : int
        Input channels ``C``.
    embed_dim : int
        ``D`` (a multiple of 8).
    patch_size : int
        Total down-sampling ``P``: 1, 2, 4, 8 or 16.
    tau, surrogate, alpha, detach_reset
        Of every LIF neuron.

    Notes
    -----
    Shapes: ``[T, B, C, H, W] -> [T, B, N, D]`` with ``N = (H/P)(W/P)``; values in ``{0, 1, 2}``.

    Examples
    --------
    >>> sps = SpikingPatchSplitting(in_channels=2, embed_dim=16, patch_size=4)
    >>> sps(torch.rand(3, 2, 2, 8, 8)).shape
    torch.Size([3, 2, 4, 16])
    """

    def __init__(self, in_channels: int, embed_dim: int, patch_size: int = 4, tau: float = 2.0,
                 surrogate: SurrogateLike = "sigmoid", alpha: float | None = None,
                 detach_reset: bool = True) -> None:
        super().__init__()
        if patch_size not in (1, 2, 4, 8, 16):
            raise ConfigError("patch size must be a power of two up to 16", field="patch_size",
                              expected="1, 2, 4, 8 or 16", found=repr(patch_size))
        if embed_dim < 8 or embed_dim % 8:
            raise ConfigError("embedding width must be a multiple of 8", field="embed_dim",
                              expected="8, 16, 24, ...", found=repr(embed_dim))
        n_pools = int(math.log2(patch_size))
        widths = [embed_dim // 8, embed_dim // 4, embed_dim // 2, embed_dim]
        stages: list[nn.Module] = []
        c_in = in_channels
        for i, c_out in enumerate(widths):
            layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                                       nn.BatchNorm2d(c_out)]
            pool = i >= len(widths) - n_pools
            stage = [TimeDistributed(*layers), _lif(tau, surrogate, alpha, detach_reset)]
            if pool:
                stage.append(TimeDistributed(nn.MaxPool2d(3, stride=2, padding=1)))
            stages.append(nn.Sequential(*stage))
            c_in = c_out
        self.stages = nn.Sequential(*stages)
        self.rpe = nn.Sequential(
            TimeDistributed(nn.Conv2d(embed_dim, embed_dim, 3, padding=1, bias=False),
                            nn.BatchNorm2d(embed_dim)),
            _lif(tau, surrogate, alpha, detach_reset),
        )
        self.patch_size = patch_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> ``[T, B, N, D]``."""
        feat = self.stages(x)
        feat = feat + self.rpe(feat)
        return feat.flatten(-2).transpose(-1, -2)


class SpikingMLP(nn.Module):
    r"""Spiking MLP of Spikformer: :math:`\mathrm{SN}(\mathrm{BN}(S W_2))`.

    .. math:: S = \mathrm{SN}(\mathrm{BN}(X W_1))

    Parameters
    ----------
    dim, hidden : int
        Token width ``D`` and hidden width.
    tau, surrogate, alpha, detach_reset
        Of the LIF neurons.

    Notes
    -----
    Shapes: ``[T, B, N, D] -> [T, B, N, D]`` spikes.

    Examples
    --------
    >>> SpikingMLP(8, 16)(torch.rand(2, 3, 4, 8)).shape
    torch.Size([2, 3, 4, 8])
    """

    def __init__(self, dim: int, hidden: int, tau: float = 2.0,
                 surrogate: SurrogateLike = "sigmoid", alpha: float | None = None,
                 detach_reset: bool = True) -> None:
        super().__init__()
        self.net = nn.Sequential(
            TimeDistributed(nn.Linear(dim, hidden, bias=False), TokenBatchNorm(hidden)),
            _lif(tau, surrogate, alpha, detach_reset),
            TimeDistributed(nn.Linear(hidden, dim, bias=False), TokenBatchNorm(dim)),
            _lif(tau, surrogate, alpha, detach_reset),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SpikformerBlock(nn.Module):
    r"""Spikformer encoder block (residual SSA, then residual MLP).

    .. math:: X' = X + \mathrm{SSA}(X), \qquad X'' = X' + \mathrm{MLP}(X')


    Examples
    --------
    >>> SpikformerBlock(dim=8, num_heads=2)(torch.rand(2, 3, 4, 8).round()).shape
    torch.Size([2, 3, 4, 8])
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0, tau: float = 2.0,
                 surrogate: SurrogateLike = "sigmoid", alpha: float | None = None,
                 detach_reset: bool = True) -> None:
        super().__init__()
        kw = {"tau": tau, "surrogate": surrogate, "alpha": alpha, "detach_reset": detach_reset}
        self.attn = SpikingSelfAttention(dim, num_heads=num_heads, **kw)
        self.mlp = SpikingMLP(dim, max(1, int(dim * mlp_ratio)), **kw)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(x)
        return x + self.mlp(x)


class Spikformer(nn.Module):
    r"""Spikformer, a spiking vision transformer with SSA (Zhou et al., ICLR 2023).

    .. math::

        X_0 = \mathrm{SPS}(I) + \mathrm{RPE},\qquad
        X'_l = \mathrm{SSA}(X_{l-1}) + X_{l-1},\qquad
        X_l = \mathrm{MLP}(X'_l) + X'_l,\qquad
        Y_t = \mathrm{Linear}\big(\mathrm{GAP}_N(X_L)\big)_t

    with :class:`~neurokit.snn.layers.attention.SpikingSelfAttention`
    (``SN_0.5(Q K^T V s)``, ``s = 0.125``) and LIF neurons (``tau = 2``, hard reset).
    The defaults are Spikformer-4-384 for CIFAR-10 (9.31M parameters, paper 9.32M);
    ``img_size=224, patch_size=16, depth=8, n_outputs=1000`` is Spikformer-8-384 for ImageNet
    (16.80M, paper 16.81M).

    Parameters
    ----------
    in_channels : int
        Image channels ``C``.
    n_outputs : int
        Classes.
    img_size : int
        Height and width ``H = W`` of the input.
    embed_dim : int
        Token width ``D`` (multiple of 8 and of ``num_heads``).
    depth : int
        Encoder blocks ``L``.
    num_heads : int
        Attention heads.
    mlp_ratio : float
        Hidden width of the MLP over ``D``.
    tau : float
        LIF time constant (steps).
    patch_size : int
        Down-sampling of SPS (4 for 32 x 32 CIFAR, 16 for 224 x 224 ImageNet).
    surrogate, alpha, detach_reset
        Of every LIF neuron.

    Raises
    ------
    neurokit.errors.SchemaError
        For input that is not ``[T, B, in_channels, img_size, img_size]``.

    Notes
    -----
    Shapes: Input ``[T, B, C, H, W]`` (static images repeated over ``T`` or event frames); output
    ``[T, B, n_outputs]`` per-step logits (the training core averages over ``T``).

    Examples
    --------
    >>> net = Spikformer(in_channels=2, n_outputs=3, img_size=8, embed_dim=16, depth=1,
    ...                  num_heads=2)
    >>> net(torch.rand(4, 2, 2, 8, 8)).shape               # [T=4, B=2, C=2, 8, 8]
    torch.Size([4, 2, 3])
    """

    def __init__(self, in_channels: int = 3, n_outputs: int = 10, img_size: int = 32,
                 embed_dim: int = 384, depth: int = 4, num_heads: int = 12,
                 mlp_ratio: float = 4.0, tau: float = 2.0, patch_size: int = 4,
                 surrogate: SurrogateLike = "sigmoid", alpha: float | None = None,
                 detach_reset: bool = True) -> None:
        super().__init__()
        if img_size % patch_size:
            raise ConfigError("image size must be a multiple of the patch size",
                              field="img_size", expected=f"a multiple of {patch_size}",
                              found=repr(img_size))
        if depth < 1:
            raise ConfigError("need at least one encoder block", field="depth",
                              expected=">= 1", found=repr(depth))
        kw = {"tau": tau, "surrogate": surrogate, "alpha": alpha, "detach_reset": detach_reset}
        self.in_channels, self.img_size, self.n_outputs = in_channels, img_size, n_outputs
        self.patch_embed = SpikingPatchSplitting(in_channels, embed_dim, patch_size, **kw)
        self.blocks = nn.Sequential(*(SpikformerBlock(embed_dim, num_heads, mlp_ratio, **kw)
                                      for _ in range(depth)))
        self.head = nn.Linear(embed_dim, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> ``[T, B, n_outputs]``."""
        want = (self.in_channels, self.img_size, self.img_size)
        check_sequence(x, ndim=5, name="Spikformer input", layout="[T, B, C, H, W]", finite=True)
        if tuple(x.shape[2:]) != want:
            raise SchemaError("wrong image shape", field="Spikformer input",
                              expected=f"[T, B, {want[0]}, {want[1]}, {want[2]}]",
                              found=f"shape {tuple(x.shape)}")
        tokens = self.blocks(self.patch_embed(x))
        return self.head(tokens.mean(dim=2))

    @classmethod
    def example(cls) -> tuple[nn.Module, torch.Tensor]:
        """A tiny Spikformer and a matching input ``[T=2, B=2, 2, 8, 8]``."""
        net = cls(in_channels=2, n_outputs=3, img_size=8, embed_dim=16, depth=1, num_heads=2,
                  mlp_ratio=2.0)
        return net, torch.rand(2, 2, 2, 8, 8)
