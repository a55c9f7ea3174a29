r"""Spiking self-attention: Spikformer SSA, spike-driven SDSA (V1, V2) and QKFormer Q-K attention.

Layout
------
Every attention layer here takes **time-major tokens** ``[T, B, N, D]``: ``T`` time steps,
``B`` samples, ``N`` tokens (``N = H * W`` patches for images, row-major) and ``D`` channels,
and returns the same shape. Heads split the channel axis: ``D = num_heads * d``.
Linear projections and their BatchNorm run on all ``T * B`` steps at once
(:class:`~neurokit.snn.layers.TimeDistributed`), so BatchNorm statistics are taken over time,
batch and tokens per channel (tdBN-style). Spiking neurons are multi-step
:class:`~neurokit.snn.LIF` (``SN``), hard reset to 0, reset detached, ``tau = 2``.

- :class:`SpikingSelfAttention` (Spikformer): ``SN_0.5(Q K^T V * s)``, cost O(N d^2);
- :class:`SpikeDrivenSelfAttention` V1: ``SN_0.5(SUM_N(Q * K)) * V`` (Hadamard), O(N d);
- :class:`SpikeDrivenSelfAttention` V2: ``SN_0.5(Q K^T V * s)`` with RepConv q/k/v, O(N d^2);
- :class:`QKTokenAttention` (QKFormer): ``SN_0.5(SUM_d Q) * K``, a token mask, O(N d);
- :class:`QKChannelAttention` (QKFormer): ``SN_0.5(SUM_N Q) * K``, a channel mask, O(N d).

``SN_0.5`` is a LIF with threshold 0.5. Every product above has a binary spike matrix on at
least one side, so it is a mask or a sum of selected integers (addition only, spike-driven);
``Q K^T V`` is computed as ``Q (K^T V)`` so no ``N x N`` matrix is ever formed. The scale ``s``
multiplies the integer result before the neuron; with a hard reset to 0 that equals a neuron of
threshold ``0.5 / s`` on the unscaled integers, which is how a chip would run it.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import check_sequence
from neurokit.snn.layers.container import TimeDistributed
from neurokit.snn.neurons.lif import LIF
from neurokit.snn.surrogate import SurrogateLike

__all__ = [
    "SpikingSelfAttention",
    "SpikeDrivenSelfAttention",
    "QKTokenAttention",
    "QKChannelAttention",
    "RepConv",
    "TokenBatchNorm",
    "spiking_attention",
    "sdsa_v1",
    "qk_token_attention",
    "qk_channel_attention",
    "split_heads",
    "merge_heads",
]


# --------------------------------------------------------------------------- helpers
class TokenBatchNorm(nn.BatchNorm1d):
    """BatchNorm over the last (channel) axis of tokens ``[M, N, D]`` (``M = T * B``).

    Statistics per channel over ``M`` and ``N``. Use inside ``TimeDistributed`` so they also
    run over time.

    Examples
    --------
    >>> bn = TokenBatchNorm(4)
    >>> bn(torch.randn(6, 5, 4)).shape
    torch.Size([6, 5, 4])
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.transpose(1, -1)).transpose(1, -1)


def _linear_bn(d_in: int, d_out: int) -> TimeDistributed:
    """``BN(X W)`` on tokens ``[T, B, N, d_in] -> [T, B, N, d_out]``."""
    return TimeDistributed(nn.Linear(d_in, d_out, bias=False), TokenBatchNorm(d_out))


def _check_heads(num_heads: int, dim: int) -> None:
    if dim < 1 or num_heads < 1 or dim % num_heads:
        raise ConfigError("channels must split evenly into heads", field="num_heads",
                          expected=f"a divisor of dim={dim}", found=repr(num_heads))


def split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """``[T, B, N, D] -> [T, B, h, N, D/h]``.

    Examples
    --------
    >>> split_heads(torch.zeros(2, 3, 5, 8), 4).shape
    torch.Size([2, 3, 4, 5, 2])
    """
    return x.unflatten(-1, (num_heads, x.shape[-1] // num_heads)).transpose(2, 3)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """``[T, B, h, N, d] -> [T, B, N, h*d]`` (inverse of :func:`split_heads`).

    Examples
    --------
    >>> x = torch.randn(2, 3, 5, 8)
    >>> bool((merge_heads(split_heads(x, 4)) == x).all())
    True
    """
    return x.transpose(2, 3).flatten(-2)


def spiking_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                      scale: float = 0.125) -> torch.Tensor:
    r"""Softmax-free attention :math:`(Q K^T V)\,s`, computed as :math:`Q (K^T V)\,s`.

    Parameters
    ----------
    q, k, v : torch.Tensor
        Spikes ``[..., N, d]`` (binary).
    scale : float
        :math:`s`.

    Returns
    -------
    torch.Tensor
        ``[..., N, d]``, integers times ``s``; ``K^T V`` is ``d x d``, so the cost is
        linear in ``N``.

    Examples
    --------
    >>> q = torch.tensor([[1., 0.], [1., 1.]]); k = torch.tensor([[1., 1.], [0., 1.]])
    >>> spiking_attention(q, k, k, scale=1.0).tolist()      # (q k^T) k
    [[1.0, 1.0], [2.0, 3.0]]
    """
    return (q @ (k.transpose(-2, -1) @ v)) * scale


def sdsa_v1(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, neuron: nn.Module) -> torch.Tensor:
    r"""Spike-driven self-attention of Spike-driven Transformer V1 (Yao et al. 2023, eq. 11).

    .. math:: \mathrm{SDSA}(Q, K, V) = \mathrm{SN}\big(\mathrm{SUM}_c(Q \otimes K)\big) \otimes V

    :math:`\otimes` is the Hadamard product (a mask), :math:`\mathrm{SUM}_c` sums each column
    (channel) over the ``N`` tokens, giving one ``1 x d`` vector that ``SN`` turns into a
    binary channel mask applied to every token of ``V``: cost O(N d), addition only.

    Parameters
    ----------
    q, k, v : torch.Tensor
        Spikes ``[T, B, h, N, d]``.
    neuron : torch.nn.Module
        Multi-step spiking neuron applied to ``[T, B, h, 1, d]``.

    Examples
    --------
    >>> from neurokit.snn import LIF
    >>> q = torch.tensor([[1., 0.], [1., 1.]])[None, None, None]     # T=B=h=1, N=2, d=2
    >>> k = torch.tensor([[1., 1.], [1., 0.]])[None, None, None]
    >>> v = torch.tensor([[0., 1.], [1., 1.]])[None, None, None]
    >>> sdsa_v1(q, k, v, LIF(tau=2.0, v_threshold=0.5))[0, 0, 0].tolist()  # column sums [2, 0]
    [[0.0, 0.0], [1.0, 0.0]]
    """
    return neuron((q * k).sum(dim=-2, keepdim=True)) * v


def qk_token_attention(q: torch.Tensor, k: torch.Tensor, neuron: nn.Module) -> torch.Tensor:
    r"""QKFormer token attention :math:`A_t \otimes K`, :math:`A_t = \mathrm{SN}(\sum_c Q)`.

    Each token's query spikes are summed over the head's channels (row sum, ``N x 1``); ``SN``
    makes a binary token mask that selects rows of ``K``. Cost O(N d).

    Parameters
    ----------
    q, k : torch.Tensor
        Spikes ``[T, B, h, N, d]``.
    neuron : torch.nn.Module
        Multi-step spiking neuron applied to ``[T, B, h, N, 1]``.

    Examples
    --------
    >>> from neurokit.snn import LIF
    >>> q = torch.tensor([[1., 0.], [0., 0.]])[None, None, None]     # row sums [1, 0]
    >>> k = torch.ones(1, 1, 1, 2, 2)
    >>> qk_token_attention(q, k, LIF(tau=2.0, v_threshold=0.5))[0, 0, 0].tolist()
    [[1.0, 1.0], [0.0, 0.0]]
    """
    return neuron(q.sum(dim=-1, keepdim=True)) * k


def qk_channel_attention(q: torch.Tensor, k: torch.Tensor, neuron: nn.Module) -> torch.Tensor:
    r"""QKFormer channel attention :math:`A_c \otimes K`, :math:`A_c = \mathrm{SN}(\sum_n Q)`.

    Query spikes are summed over the ``N`` tokens (column sum, ``1 x d``); ``SN`` makes a binary
    channel mask that selects columns of ``K``. Cost O(N d).

    Parameters
    ----------
    q, k : torch.Tensor
        Spikes ``[T, B, h, N, d]``.
    neuron : torch.nn.Module
        Multi-step spiking neuron applied to ``[T, B, h, 1, d]``.

    Examples
    --------
    >>> from neurokit.snn import LIF
    >>> q = torch.tensor([[1., 0.], [0., 0.]])[None, None, None]     # column sums [1, 0]
    >>> k = torch.ones(1, 1, 1, 2, 2)
    >>> qk_channel_attention(q, k, LIF(tau=2.0, v_threshold=0.5))[0, 0, 0].tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    return neuron(q.sum(dim=-2, keepdim=True)) * k


def _check_tokens(x: torch.Tensor, dim: int, name: str) -> torch.Tensor:
    check_sequence(x, ndim=4, name=name, layout="[T, B, N, D]")
    if x.shape[-1] != dim:
        raise SchemaError("wrong number of channels", field=name, expected=f"D = {dim}",
                          found=f"shape {tuple(x.shape)}")
    return x


class _NeuronFactory:
    """Builds the LIF neurons of one layer with shared hyper-parameters (no shared instances)."""

    def __init__(self, tau: float, surrogate: SurrogateLike, alpha: float | None,
                 detach_reset: bool) -> None:
        self.kwargs = {"tau": tau, "surrogate": surrogate, "alpha": alpha,
                       "detach_reset": detach_reset}

    def __call__(self, v_threshold: float = 1.0) -> LIF:
        return LIF(v_threshold=v_threshold, **self.kwargs)


# --------------------------------------------------------------------------- Spikformer
class SpikingSelfAttention(nn.Module):
    r"""Spiking self-attention (SSA) of Spikformer (Zhou et al., ICLR 2023).

    Input ``X`` (spikes or small integer counts) ``[T, B, N, D]``:

    .. math::

        Q = \mathrm{SN}(\mathrm{BN}(X W_Q)),\quad K = \mathrm{SN}(\mathrm{BN}(X W_K)),\quad
        V = \mathrm{SN}(\mathrm{BN}(X W_V))

        \mathrm{SSA}'(Q, K, V) = \mathrm{SN}_{0.5}\big(Q K^{T} V \cdot s\big)
        \quad \text{(per head, no softmax: } Q K^T \text{ is non-negative)}

        \mathrm{SSA}(X) = \mathrm{SN}\big(\mathrm{BN}(\mathrm{Linear}(\mathrm{SSA}'))\big)

    ``SN`` are LIF neurons (threshold 1; the attention neuron ``SN_0.5`` has threshold 0.5 as in
    the paper's code), ``s = 0.125``. The product is evaluated as ``Q (K^T V)``: linear in ``N``.

    Parameters
    ----------
    dim : int
        Channels ``D``.
    num_heads : int
        Heads; must divide ``dim``.
    scale : float
        :math:`s`.
    attn_threshold : float
        Threshold of the attention neuron.
    tau, surrogate, alpha, detach_reset
        Of every LIF neuron (see :class:`~neurokit.snn.LIF`).

    Notes
    -----
    Shapes: ``[T, B, N, D] -> [T, B, N, D]`` spikes.

    Examples
    --------
    >>> ssa = SpikingSelfAttention(dim=8, num_heads=2)
    >>> out = ssa(torch.rand(4, 2, 5, 8).round())          # [T=4, B=2, N=5, D=8]
    >>> out.shape, set(out.unique().tolist()) <= {0.0, 1.0}
    (torch.Size([4, 2, 5, 8]), True)
    """

    def __init__(self, dim: int, num_heads: int = 8, scale: float = 0.125,
                 attn_threshold: float = 0.5, tau: float = 2.0,
                 surrogate: SurrogateLike = "sigmoid", alpha: float | None = None,
                 detach_reset: bool = True) -> None:
        super().__init__()
        _check_heads(num_heads, dim)
        neuron = _NeuronFactory(tau, surrogate, alpha, detach_reset)
        self.dim, self.num_heads, self.scale = int(dim), int(num_heads), float(scale)
        self.q_proj, self.k_proj, self.v_proj = (_linear_bn(dim, dim) for _ in range(3))
        self.q_lif, self.k_lif, self.v_lif = neuron(), neuron(), neuron()
        self.attn_lif = neuron(attn_threshold)
        self.out_proj = _linear_bn(dim, dim)
        self.out_lif = neuron()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, N, D]`` -> ``[T, B, N, D]`` spikes."""
        _check_tokens(x, self.dim, type(self).__name__)
        q = split_heads(self.q_lif(self.q_proj(x)), self.num_heads)
        k = split_heads(self.k_lif(self.k_proj(x)), self.num_heads)
        v = split_heads(self.v_lif(self.v_proj(x)), self.num_heads)
        attn = self.attn_lif(merge_heads(spiking_attention(q, k, v, self.scale)))
        return self.out_lif(self.out_proj(attn))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, num_heads={self.num_heads}, scale={self.scale}"


# --------------------------------------------------------------------------- spike-driven
class RepConv(nn.Module):
    r"""Re-parameterisable 3x3 convolution of Meta-SpikeFormer (state-less, ``[M, C, H, W]``).

    ``Conv1x1(C->C) -> BN (padded by 1 with its zero-input value) -> depthwise Conv3x3 (no pad)
    -> Conv1x1(C->C_out) -> BN``. Padding the BN output with :math:`\beta - \mu\gamma/\sigma`
    (what BN gives a zero input) makes the stack equal to zero-padding the input, so after
    training the linear chain folds into one 3x3 convolution on spikes (addition only).
    Running statistics give the pad value, as in the paper's code.

    Examples
    --------
    >>> RepConv(4, 6)(torch.rand(3, 4, 5, 5).round()).shape
    torch.Size([3, 6, 5, 5])
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, in_channels, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.dwconv = nn.Conv2d(in_channels, in_channels, 3, groups=in_channels, bias=False)
        self.conv2 = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn1(self.conv1(x))
        bn = self.bn1
        pad = (bn.bias - bn.running_mean * bn.weight / torch.sqrt(bn.running_var + bn.eps))
        pad = pad.detach().view(1, -1, 1, 1)
        y = F.pad(y - pad, (1, 1, 1, 1)) + pad          # border = pad value, inside = y
        return self.bn2(self.conv2(self.dwconv(y)))


class SpikeDrivenSelfAttention(nn.Module):
    r"""Spike-driven self-attention (SDSA) of the Spike-driven Transformers V1 and V2.

    Membrane-shortcut design: the input ``U`` ``[T, B, N, D]`` is a membrane potential (the
    residual stream); the layer fires it first, and returns a membrane potential to be added back
    (``U' = U + SDSA(U)``), so only spikes enter every matrix product.

    **V1** (Yao et al., NeurIPS 2023), ``version=1``:

    .. math::

        S = \mathrm{SN}(U),\quad Q, K, V = \mathrm{SN}(\mathrm{BN}(S W_{Q,K,V}))

        \mathrm{SDSA}(Q, K, V) = \mathrm{SN}_{0.5}\big(\mathrm{SUM}_c(Q \otimes K)\big)
        \otimes V, \qquad \text{out} = \mathrm{BN}(\mathrm{Linear}(\mathrm{SDSA}))

    (Hadamard mask, column sum over tokens, binary channel mask on ``V``: O(N d)).

    **V2** (Meta-SpikeFormer, Yao et al., ICLR 2024; the SDSA-3 variant the paper adopts),
    ``version=2``:

    .. math::

        Q, K, V = \mathrm{SN}(\mathrm{BN}(\mathrm{RepConv}(S))),\qquad
        \mathrm{SDSA}(Q, K, V) = \mathrm{SN}_{0.5}\big(Q K^T V \cdot s\big),\qquad
        \text{out} = \mathrm{BN}(\mathrm{RepConv}(\mathrm{SDSA}))

    with :math:`Q K^T V` computed as :math:`Q (K^T V)` (linear in ``N``). ``rep_conv=False``
    replaces the RepConvs by linear maps (1x1 convolutions). ``BN(RepConv)`` is the BN that
    closes :class:`RepConv` (the authors' code stacks a second BN after it, which in training
    mode only cancels the first one's shift; it is left out).

    Parameters
    ----------
    dim : int
        Channels ``D``.
    num_heads : int
        Heads; must divide ``dim`` (V1 is channel-wise, so heads do not change its result).
    version : {1, 2}
        Which SDSA.
    scale : float
        :math:`s` of V2.
    rep_conv : bool, optional
        RepConv projections (needs the token grid, see ``hw``); default ``version == 2``.
    attn_threshold : float
        Threshold of the attention neuron ``SN_0.5``.
    tau, surrogate, alpha, detach_reset
        Of every LIF neuron.

    Notes
    -----
    Shapes: ``forward(u, hw=None)``: ``[T, B, N, D] -> [T, B, N, D]`` (membrane potential). With
    RepConv the ``N`` tokens are a row-major ``H x W`` grid: ``hw=(H, W)``, or a square grid
    when ``hw`` is omitted.

    Examples
    --------
    >>> sdsa = SpikeDrivenSelfAttention(dim=8, num_heads=2, version=2)
    >>> sdsa(torch.randn(4, 2, 9, 8)).shape                  # 9 tokens = a 3 x 3 grid
    torch.Size([4, 2, 9, 8])
    >>> SpikeDrivenSelfAttention(dim=8, version=1, num_heads=2)(torch.randn(4, 2, 5, 8)).shape
    torch.Size([4, 2, 5, 8])
    """

    def __init__(self, dim: int, num_heads: int = 8, version: int = 2, scale: float = 0.125,
                 rep_conv: bool | None = None, attn_threshold: float = 0.5, tau: float = 2.0,
                 surrogate: SurrogateLike = "sigmoid", alpha: float | None = None,
                 detach_reset: bool = True) -> None:
        super().__init__()
        _check_heads(num_heads, dim)
        if version not in (1, 2):
            raise ConfigError("unknown spike-driven self-attention version", field="version",
                              expected="1 or 2", found=repr(version))
        neuron = _NeuronFactory(tau, surrogate, alpha, detach_reset)
        self.dim, self.num_heads, self.version = int(dim), int(num_heads), int(version)
        self.scale = float(scale)
        self.rep_conv = bool(version == 2 if rep_conv is None else rep_conv)

        def proj() -> TimeDistributed:
            if self.rep_conv:                    # RepConv ends with its own BN
                return TimeDistributed(RepConv(dim, dim))
            return _linear_bn(dim, dim)

        self.in_lif = neuron()
        self.q_proj, self.k_proj, self.v_proj = proj(), proj(), proj()
        self.q_lif, self.k_lif, self.v_lif = neuron(), neuron(), neuron()
        self.attn_lif = neuron(attn_threshold)
        self.out_proj = proj()

    def _grid(self, n: int, hw: tuple[int, int] | None) -> tuple[int, int]:
        if hw is None:
            side = math.isqrt(n)
            hw = (side, side)
        if hw[0] * hw[1] != n:
            raise SchemaError("tokens do not form the given grid", field="hw",
                              expected=f"H * W = N = {n}", found=repr(tuple(hw)))
        return int(hw[0]), int(hw[1])

    def _project(self, proj: TimeDistributed, x: torch.Tensor,
                 hw: tuple[int, int]) -> torch.Tensor:
        if not self.rep_conv:
            return proj(x)
        maps = x.transpose(-1, -2).unflatten(-1, hw)             # [T, B, D, H, W]
        return proj(maps).flatten(-2).transpose(-1, -2)

    def forward(self, u: torch.Tensor, hw: tuple[int, int] | None = None) -> torch.Tensor:
        """``[T, B, N, D]`` membrane -> ``[T, B, N, D]`` membrane (see class docstring)."""
        _check_tokens(u, self.dim, type(self).__name__)
        grid = self._grid(u.shape[2], hw) if self.rep_conv else (0, 0)
        s = self.in_lif(u)
        q = split_heads(self.q_lif(self._project(self.q_proj, s, grid)), self.num_heads)
        k = split_heads(self.k_lif(self._project(self.k_proj, s, grid)), self.num_heads)
        v = split_heads(self.v_lif(self._project(self.v_proj, s, grid)), self.num_heads)
        if self.version == 1:
            attn = merge_heads(sdsa_v1(q, k, v, self.attn_lif))
        else:
            attn = self.attn_lif(merge_heads(spiking_attention(q, k, v, self.scale)))
        return self._project(self.out_proj, attn, grid)

    def extra_repr(self) -> str:
        return (f"dim={self.dim}, num_heads={self.num_heads}, version={self.version}, "
                f"rep_conv={self.rep_conv}")


# --------------------------------------------------------------------------- QKFormer
class _QKAttention(nn.Module):
    _mode = "token"

    def __init__(self, dim: int, num_heads: int = 8, attn_threshold: float = 0.5,
                 tau: float = 2.0, surrogate: SurrogateLike = "sigmoid",
                 alpha: float | None = None, detach_reset: bool = True) -> None:
        super().__init__()
        _check_heads(num_heads, dim)
        neuron = _NeuronFactory(tau, surrogate, alpha, detach_reset)
        self.dim, self.num_heads = int(dim), int(num_heads)
        self.q_proj, self.k_proj = _linear_bn(dim, dim), _linear_bn(dim, dim)
        self.q_lif, self.k_lif = neuron(), neuron()
        self.attn_lif = neuron(attn_threshold)
        self.out_proj = _linear_bn(dim, dim)
        self.out_lif = neuron()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, N, D]`` -> ``[T, B, N, D]`` spikes."""
        _check_tokens(x, self.dim, type(self).__name__)
        q = split_heads(self.q_lif(self.q_proj(x)), self.num_heads)
        k = split_heads(self.k_lif(self.k_proj(x)), self.num_heads)
        core = qk_token_attention if self._mode == "token" else qk_channel_attention
        return self.out_lif(self.out_proj(merge_heads(core(q, k, self.attn_lif))))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, num_heads={self.num_heads}"


class QKTokenAttention(_QKAttention):
    r"""Q-K token attention (QKTA) of QKFormer (Zhou et al., NeurIPS 2024).

    .. math::

        Q = \mathrm{SN}(\mathrm{BN}(X W_Q)),\quad K = \mathrm{SN}(\mathrm{BN}(X W_K))

        A_t = \mathrm{SN}_{0.5}\Big(\textstyle\sum_{c} Q_{:, c}\Big) \in \{0,1\}^{N \times 1},
        \qquad X' = A_t \otimes K

        \mathrm{QKTA}(X) = \mathrm{SN}(\mathrm{BN}(\mathrm{Linear}(X')))

    per head (the row sum runs over the head's ``d`` channels). No ``V``, no ``N x N`` matrix:
    cost linear in ``N``.

    Parameters
    ----------
    dim : int
        Channels ``D``.
    num_heads : int
        Heads; must divide ``dim``.
    attn_threshold : float
        Threshold of the attention neuron.
    tau, surrogate, alpha, detach_reset
        Of every LIF neuron.

    Notes
    -----
    Shapes: ``[T, B, N, D] -> [T, B, N, D]`` spikes.

    Examples
    --------
    >>> QKTokenAttention(dim=8, num_heads=2)(torch.rand(4, 2, 5, 8).round()).shape
    torch.Size([4, 2, 5, 8])
    """

    _mode = "token"


class QKChannelAttention(_QKAttention):
    r"""Q-K channel attention (QKCA) of QKFormer (Zhou et al., NeurIPS 2024).

    .. math::

        A_c = \mathrm{SN}_{0.5}\Big(\textstyle\sum_{n} Q_{n, :}\Big) \in \{0,1\}^{1 \times d},
        \qquad X' = A_c \otimes K,\qquad
        \mathrm{QKCA}(X) = \mathrm{SN}(\mathrm{BN}(\mathrm{Linear}(X')))

    per head, with ``Q`` and ``K`` as in :class:`QKTokenAttention` (column sum over tokens).

    Parameters
    ----------
    dim : int
        Channels ``D``.
    num_heads : int
        Heads; must divide ``dim``.
    attn_threshold : float
        Threshold of the attention neuron.
    tau, surrogate, alpha, detach_reset
        Of every LIF neuron.

    Notes
    -----
    Shapes: ``[T, B, N, D] -> [T, B, N, D]`` spikes.

    Examples
    --------
    >>> QKChannelAttention(dim=8, num_heads=2)(torch.rand(4, 2, 5, 8).round()).shape
    torch.Size([4, 2, 5, 8])
    """

    _mode = "channel"
