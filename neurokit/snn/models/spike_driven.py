r"""Spike-driven Transformer V2 / Meta-SpikeFormer (Yao et al., ICLR 2024).

A four-stage meta architecture on time-major images ``[T, B, C, H, W]``: two stages of
Conv-based SNN blocks (separable conv token mixer + channel conv MLP), then two stages of
Transformer-based SNN blocks (spike-driven self-attention + channel MLP). Every block uses the
membrane shortcut: the residual stream ``U`` carries membrane potentials, and each branch
starts with a spiking neuron, so every convolution and matrix product sees spikes only.
"""

from __future__ import annotations

import torch
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import check_sequence
from neurokit.snn.layers.attention import SpikeDrivenSelfAttention, TokenBatchNorm
from neurokit.snn.layers.container import TimeDistributed
from neurokit.snn.neurons.lif import LIF
from neurokit.snn.surrogate import SurrogateLike

__all__ = ["SpikeDrivenTransformer", "SepConv", "ConvBlock", "SDTBlock", "SpikingDownsample"]


def _lif(kw: dict) -> LIF:
    return LIF(**kw)


class SpikingDownsample(nn.Module):
    r"""Down-sampling layer: :math:`U = \mathrm{BN}(\mathrm{Conv}_{k, s}(\mathrm{SN}(U)))`.

    The first layer of the network takes the (analog) image itself, without the neuron.

    Examples
    --------
    >>> SpikingDownsample(2, 4, kernel_size=3, stride=2)(torch.randn(2, 3, 2, 8, 8)).shape
    torch.Size([2, 3, 4, 4, 4])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 2, first: bool = False, neuron_kwargs: dict | None = None
                 ) -> None:
        super().__init__()
        self.lif = nn.Identity() if first else _lif(neuron_kwargs or {})
        self.conv = TimeDistributed(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                      padding=kernel_size // 2, bias=False),
            nn.BatchNorm2d(out_channels))

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return self.conv(self.lif(u))


class SepConv(nn.Module):
    r"""Spiking inverted separable convolution (token mixer of the Conv-based SNN block).

    .. math::

        \mathrm{SepConv}(U) = \mathrm{BN}\big(\mathrm{Conv}_{pw2}(\mathrm{Conv}_{dw}(
        \mathrm{SN}(\mathrm{BN}(\mathrm{Conv}_{pw1}(\mathrm{SN}(U)))))))\big)

    ``pw1``: ``C -> 2C`` 1x1, ``dw``: depthwise ``7x7``, ``pw2``: ``2C -> C`` 1x1.

    Examples
    --------
    >>> SepConv(4)(torch.randn(2, 3, 4, 6, 6)).shape
    torch.Size([2, 3, 4, 6, 6])
    """

    def __init__(self, dim: int, expansion: int = 2, kernel_size: int = 7,
                 neuron_kwargs: dict | None = None) -> None:
        super().__init__()
        hidden = expansion * dim
        kw = neuron_kwargs or {}
        self.lif1 = _lif(kw)
        self.pw1 = TimeDistributed(nn.Conv2d(dim, hidden, 1, bias=False), nn.BatchNorm2d(hidden))
        self.lif2 = _lif(kw)
        self.dw_pw2 = TimeDistributed(
            nn.Conv2d(hidden, hidden, kernel_size, padding=kernel_size // 2, groups=hidden,
                      bias=False),
            nn.Conv2d(hidden, dim, 1, bias=False),
            nn.BatchNorm2d(dim))

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return self.dw_pw2(self.lif2(self.pw1(self.lif1(u))))


class ConvBlock(nn.Module):
    r"""Conv-based SNN block of Meta-SpikeFormer (membrane shortcuts).

    .. math::

        U' = U + \mathrm{SepConv}(U),\qquad
        U'' = U' + \mathrm{BN}(\mathrm{Conv}_{3\times3}(\mathrm{SN}(
        \mathrm{BN}(\mathrm{Conv}_{3\times3}(\mathrm{SN}(U'))))))

    (the channel convs go ``C -> rC -> C``).

    Examples
    --------
    >>> ConvBlock(4, mlp_ratio=2.0)(torch.randn(2, 3, 4, 6, 6)).shape
    torch.Size([2, 3, 4, 6, 6])
    """

    def __init__(self, dim: int, mlp_ratio: float = 4.0, neuron_kwargs: dict | None = None
                 ) -> None:
        super().__init__()
        kw = neuron_kwargs or {}
        hidden = max(1, int(dim * mlp_ratio))
        self.sepconv = SepConv(dim, neuron_kwargs=kw)
        self.channel_mlp = nn.Sequential(
            _lif(kw),
            TimeDistributed(nn.Conv2d(dim, hidden, 3, padding=1, bias=False),
                            nn.BatchNorm2d(hidden)),
            _lif(kw),
            TimeDistributed(nn.Conv2d(hidden, dim, 3, padding=1, bias=False),
                            nn.BatchNorm2d(dim)),
        )

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        u = u + self.sepconv(u)
        return u + self.channel_mlp(u)


class SDTBlock(nn.Module):
    r"""Transformer-based SNN block of Meta-SpikeFormer (membrane shortcuts).

    .. math::

        U' = U + \mathrm{SDSA}(U),\qquad
        U'' = U' + \mathrm{BN}(\mathrm{Linear}(\mathrm{SN}(\mathrm{BN}(
        \mathrm{Linear}(\mathrm{SN}(U'))))))

    with :class:`~neurokit.snn.layers.attention.SpikeDrivenSelfAttention` (it fires ``U`` itself)
    on the ``H x W`` tokens of the map.

    Examples
    --------
    >>> SDTBlock(8, num_heads=2)(torch.randn(2, 3, 8, 3, 3)).shape
    torch.Size([2, 3, 8, 3, 3])
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0, version: int = 2,
                 scale: float = 0.125, neuron_kwargs: dict | None = None) -> None:
        super().__init__()
        kw = neuron_kwargs or {}
        hidden = max(1, int(dim * mlp_ratio))
        self.attn = SpikeDrivenSelfAttention(dim, num_heads=num_heads, version=version,
                                             scale=scale, **kw)
        self.mlp = nn.Sequential(
            _lif(kw),
            TimeDistributed(nn.Linear(dim, hidden, bias=False), TokenBatchNorm(hidden)),
            _lif(kw),
            TimeDistributed(nn.Linear(hidden, dim, bias=False), TokenBatchNorm(dim)),
        )

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> ``[T, B, C, H, W]`` (membrane potentials)."""
        hw = (u.shape[-2], u.shape[-1])
        tokens = u.flatten(-2).transpose(-1, -2)                 # [T, B, N, C]
        tokens = tokens + self.attn(tokens, hw=hw)
        tokens = tokens + self.mlp(tokens)
        return tokens.transpose(-1, -2).unflatten(-1, hw)


class SpikeDrivenTransformer(nn.Module):
    r"""Meta-SpikeFormer, the Spike-driven Transformer V2 (Yao et al., ICLR 2024).

    Stages (``C_i`` = ``embed_dims[i]``, ``d_i`` = ``depths[i]``):

    1. ``Conv7x7/2 -> BN`` to ``C_0/2`` (on the analog input), ``d_0`` :class:`ConvBlock`;
       ``SN -> Conv3x3/2 -> BN`` to ``C_0``, ``d_0`` :class:`ConvBlock`;
    2. ``SN -> Conv3x3/2 -> BN`` to ``C_1``, ``d_1`` :class:`ConvBlock`;
    3. ``SN -> Conv3x3/2 -> BN`` to ``C_2``, ``d_2`` :class:`SDTBlock`;
    4. ``SN -> Conv3x3/1 -> BN`` to ``C_3``, ``d_3`` :class:`SDTBlock`;

    head: :math:`Y_t = \mathrm{Linear}(\mathrm{GAP}_{H,W}(\mathrm{SN}(U_t)))`. Total stride 16.
    The SDSA of the transformer stages is V2 (``SN_0.5(Q K^T V s)``, RepConv q/k/v/proj);
    ``attention_version=1`` swaps in the V1 Hadamard SDSA. Every residual adds membrane
    potentials (membrane shortcut); every product in the network has spikes on one side.

    The head fires before pooling, so it is spike-driven too (the authors' code pools the
    membrane potential instead; same cost in a float simulation).

    Parameters
    ----------
    in_channels : int
        Image channels ``C``.
    n_outputs : int
        Classes.
    img_size : int
        Input height and width (a multiple of 16 keeps every stage's grid exact).
    embed_dims : tuple of 4 int
        Stage widths. With ``depths=(1, 2, 6, 2)``, 1000 classes and 224 x 224 input,
        ``(64, 128, 256, 360)``, ``(96, 192, 384, 480)`` and ``(128, 256, 512, 640)`` give the
        paper's 15M, 31M and 55M models (15.08M, 31.29M, 55.29M parameters here).
    depths : tuple of 4 int
        Blocks per stage (paper: ``(1, 2, 6, 2)``; stage 1 has ``d_0`` after each of its two
        down-samplings).
    num_heads : int
        Attention heads (divides ``embed_dims[2]`` and ``embed_dims[3]``).
    mlp_ratio : float
        Hidden width factor of the channel MLPs.
    tau : float
        LIF time constant (steps).
    attention_version : {1, 2}
        SDSA of the transformer stages.
    surrogate, alpha, detach_reset
        Of every LIF neuron.

    Raises
    ------
    neurokit.errors.SchemaError
        For input that is not ``[T, B, in_channels, img_size, img_size]``.

    Notes
    -----
    Shapes: ``[T, B, C, H, W] -> [T, B, n_outputs]`` per-step logits.

    Examples
    --------
    >>> net = SpikeDrivenTransformer(in_channels=2, n_outputs=3, img_size=16,
    ...                              embed_dims=(8, 8, 16, 16), depths=(1, 1, 1, 1), num_heads=2)
    >>> net(torch.rand(2, 2, 2, 16, 16)).shape
    torch.Size([2, 2, 3])
    """

    def __init__(self, in_channels: int = 3, n_outputs: int = 10, img_size: int = 32,
                 embed_dims: tuple[int, int, int, int] = (96, 192, 384, 480),
                 depths: tuple[int, int, int, int] = (1, 2, 6, 2), num_heads: int = 8,
                 mlp_ratio: float = 4.0, tau: float = 2.0, attention_version: int = 2,
                 surrogate: SurrogateLike = "sigmoid", alpha: float | None = None,
                 detach_reset: bool = True) -> None:
        super().__init__()
        embed_dims, depths = tuple(embed_dims), tuple(depths)
        if len(embed_dims) != 4 or len(depths) != 4:
            raise ConfigError("need four stage widths and depths", field="embed_dims/depths",
                              expected="4 values each", found=f"{embed_dims}, {depths}")
        if embed_dims[0] < 2 or embed_dims[0] % 2:
            raise ConfigError("first stage width must be even", field="embed_dims",
                              expected="embed_dims[0] even", found=repr(embed_dims))
        kw = {"tau": tau, "surrogate": surrogate, "alpha": alpha, "detach_reset": detach_reset}
        self.in_channels, self.img_size, self.n_outputs = in_channels, img_size, n_outputs
        c0, c1, c2, c3 = embed_dims
        d0, d1, d2, d3 = depths

        def convs(dim: int, n: int) -> list[nn.Module]:
            return [ConvBlock(dim, mlp_ratio, neuron_kwargs=kw) for _ in range(n)]

        def attns(dim: int, n: int) -> list[nn.Module]:
            return [SDTBlock(dim, num_heads, mlp_ratio, version=attention_version,
                             neuron_kwargs=kw) for _ in range(n)]

        self.stage1 = nn.Sequential(
            SpikingDownsample(in_channels, c0 // 2, 7, 2, first=True, neuron_kwargs=kw),
            *convs(c0 // 2, d0),
            SpikingDownsample(c0 // 2, c0, 3, 2, neuron_kwargs=kw), *convs(c0, d0))
        self.stage2 = nn.Sequential(SpikingDownsample(c0, c1, 3, 2, neuron_kwargs=kw),
                                    *convs(c1, d1))
        self.stage3 = nn.Sequential(SpikingDownsample(c1, c2, 3, 2, neuron_kwargs=kw),
                                    *attns(c2, d2))
        self.stage4 = nn.Sequential(SpikingDownsample(c2, c3, 3, 1, neuron_kwargs=kw),
                                    *attns(c3, d3))
        self.head_lif = _lif(kw)
        self.head = nn.Linear(c3, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> ``[T, B, n_outputs]``."""
        name = "SpikeDrivenTransformer input"
        want = (self.in_channels, self.img_size, self.img_size)
        check_sequence(x, ndim=5, name=name, layout="[T, B, C, H, W]", finite=True)
        if tuple(x.shape[2:]) != want:
            raise SchemaError("wrong image shape", field=name,
                              expected=f"[T, B, {want[0]}, {want[1]}, {want[2]}]",
                              found=f"shape {tuple(x.shape)}")
        u = self.stage4(self.stage3(self.stage2(self.stage1(x))))
        return self.head(self.head_lif(u).mean(dim=(-2, -1)))

    @classmethod
    def example(cls) -> tuple[nn.Module, torch.Tensor]:
        """A tiny Meta-SpikeFormer and a matching input ``[T=2, B=2, 2, 16, 16]``."""
        net = cls(in_channels=2, n_outputs=3, img_size=16, embed_dims=(8, 8, 16, 16),
                  depths=(1, 1, 1, 1), num_heads=2, mlp_ratio=2.0)
        return net, torch.rand(2, 2, 2, 16, 16)
