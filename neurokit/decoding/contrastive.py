r"""Contrastive M/EEG -> embedding decoder (Défossez et al. 2023): the "brain module" and CLIP loss.

Défossez, Caucheteux, Rapin, Kabeli & King (2023), *Decoding speech perception from
non-invasive brain recordings*, Nature Machine Intelligence 5, 1097-1107, train a convolutional
network :math:`f` so that the representation :math:`Z = f(X, s)` of an M/EEG segment
:math:`X` of subject :math:`s` is closest, among the segments of a batch, to the embedding
:math:`Y` of the stimulus that was perceived (wav2vec 2.0 speech features in the paper; CLIP
image features in the image follow-up of Benchetrit, Banville & King 2024, ICLR). At test time
a segment is decoded by **retrieval**: the candidates (e.g. the embeddings of all test segments,
none seen in training) are ranked by similarity with :math:`Z`, and top-1 / top-10 accuracy
say how often the true one comes first / among the first ten.

The brain module (:class:`BrainEncoder`), in the paper's order:

1. :class:`SpatialAttention`: ``D1`` (270) virtual channels, each a softmax-weighted sum of
   the sensors whose weights are a learned smooth function of the sensors' 2-D positions
   (a 2-D Fourier series with ``K = 32`` harmonics per axis), with spatial dropout;
2. a 1x1 convolution ``D1 -> D1`` (no activation);
3. :class:`SubjectLayers`: a learned ``D1 x D1`` matrix per subject;
4. ``n_blocks`` (5) :class:`ResidualDilatedBlock` s of three kernel-3 convolutions (``D2`` =
   320 channels): two residual convolutions with dilations :math:`2^{2k \bmod 5}` and
   :math:`2^{(2k+1) \bmod 5}` (block :math:`k = 0, 1, \dots`) each followed by batch norm
   and GELU, then a convolution to ``2 D2`` channels with dilation 2 and a GLU back to ``D2``;
5. two 1x1 convolutions ``D2 -> 2 D2 -> F`` with a GELU between them.

The output keeps time (``[B, F, T]``), as in the paper where the targets are time-resolved
speech features. For one embedding per segment (images, sentence embeddings) the time axis is
reduced by a **temporal aggregation** layer (``temporal_pooling``): ``"affine"`` a learned
affine map :math:`\mathbb{R}^T \to \mathbb{R}` shared by all features, the aggregation that
worked best in Benchetrit et al. (2024); ``"mean"`` global average pooling.

The loss (:func:`clip_loss`) is the CLIP contrastive loss in the paper's form: the score of
prediction :math:`i` and candidate :math:`j` is the inner product over features (and time)
of :math:`Z_i` with the **L2-normalised** target :math:`Y_j / \lVert Y_j \rVert`; the
prediction is **not** normalised and **no temperature** is learned, because the norm of
:math:`Z_i` acts as a learned, per-segment inverse temperature (the paper's choice); the loss
is the cross-entropy of the softmax over the batch's candidates with the true one as label.
Targets are fixed (the speech/image model is not trained).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from neurokit.core.estimator import LightningEstimator
from neurokit.core.module import NeurokitModule
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError

__all__ = [
    "SpatialAttention",
    "SubjectLayers",
    "ResidualDilatedBlock",
    "BrainEncoder",
    "ContrastiveModule",
    "ContrastiveDecoder",
    "clip_loss",
    "retrieval_topk",
    "TEMPORAL_POOLING",
]

#: how :class:`BrainEncoder` reduces time: keep it, learned affine map over time, or mean
TEMPORAL_POOLING: tuple[str, ...] = ("none", "affine", "mean")
#: values of the robustly scaled input are clamped to +-this (the paper's preprocessing)
CLAMP = 20.0


# -- the brain module --------------------------------------------------------------------
class SpatialAttention(nn.Module):
    r"""Sensor positions -> softmax weights: ``n_outputs`` virtual channels from any montage.

    Each output channel :math:`j` has a smooth score function over the normalised 2-D sensor
    position :math:`(x, y) \in [0, 1]^2` (Défossez et al. 2023, eq. 1),

    .. math::

        z_j(x, y) = \sum_{k=0}^{K-1} \sum_{l=0}^{K-1}
            \mathrm{Re}(a_j^{(k,l)}) \cos\!\big(2\pi(k\tilde x + l\tilde y)\big)
          + \mathrm{Im}(a_j^{(k,l)}) \sin\!\big(2\pi(k\tilde x + l\tilde y)\big),
        \qquad \tilde x = \frac{x + m}{1 + 2m},

    with learned complex coefficients :math:`a_j \in \mathbb{C}^{K \times K}`, and the output
    is the softmax-weighted average of the sensors,

    .. math::

        \mathrm{SA}(X)^{(j)} = \sum_i \frac{e^{z_j(x_i, y_i)}}{\sum_{i'} e^{z_j(x_{i'},
        y_{i'})}} X^{(i)}.

    The margin :math:`m` (0.2, as in the authors' code) maps positions into
    :math:`[m/(1+2m), (1+m)/(1+2m)]` so that the periodic Fourier basis does not tie opposite
    edges of the helmet together; harmonics start at 0 so that functions of one coordinate
    only are representable (the paper writes the sums from 1). ``margin=0`` gives the paper's
    formula exactly.

    **Spatial dropout** (training only): for each sample a centre is drawn uniformly in
    :math:`[0, 1]^2` and every sensor within ``dropout_radius`` of it (0.2 in the paper) is
    removed from the softmax (score :math:`-\infty`); nothing is removed when the disc would
    cover every sensor.

    Parameters
    ----------
    n_outputs : int, default 270
        Output (virtual) channels ``D1``.
    n_harmonics : int, default 32
        ``K``, harmonics per axis (``K**2`` complex coefficients per output).
    dropout_radius : float, default 0.2
        Radius of the spatial dropout, in normalised position units; 0 disables it.
    margin : float, default 0.2
        :math:`m` above.

    Notes
    -----
    Shapes: ``x`` ``[B, C, T]``, ``positions`` ``[C, 2]`` (or ``[B, C, 2]``), in [0, 1]
    -> ``[B, n_outputs, T]``. Any number of sensors ``C``.

    Examples
    --------
    >>> sa = SpatialAttention(n_outputs=4, n_harmonics=3)
    >>> pos = torch.rand(6, 2)
    >>> sa(torch.randn(2, 6, 10), pos).shape
    torch.Size([2, 4, 10])
    >>> torch.allclose(sa.attention(pos).sum(-1), torch.ones(4))
    True
    """

    def __init__(self, n_outputs: int = 270, n_harmonics: int = 32, dropout_radius: float = 0.2,
                 margin: float = 0.2) -> None:
        super().__init__()
        n_outputs = _positive_int(n_outputs, "n_outputs")
        k = _positive_int(n_harmonics, "n_harmonics")
        if not (math.isfinite(float(dropout_radius)) and float(dropout_radius) >= 0):
            raise ConfigError("bad spatial dropout radius", field="dropout_radius",
                              expected="a number >= 0", found=repr(dropout_radius))
        if not (math.isfinite(float(margin)) and float(margin) >= 0):
            raise ConfigError("bad margin", field="margin", expected="a number >= 0",
                              found=repr(margin))
        self.n_outputs, self.n_harmonics = n_outputs, k
        self.dropout_radius, self.margin = float(dropout_radius), float(margin)
        freqs = torch.arange(k, dtype=torch.get_default_dtype())
        self.register_buffer("freq_x", freqs.repeat_interleave(k), persistent=False)
        self.register_buffer("freq_y", freqs.repeat(k), persistent=False)
        scale = 1.0 / math.sqrt(2 * k * k)
        self.coef_re = nn.Parameter(torch.randn(n_outputs, k * k) * scale)
        self.coef_im = nn.Parameter(torch.randn(n_outputs, k * k) * scale)

    def scores(self, positions: torch.Tensor) -> torch.Tensor:
        """Scores :math:`z_j(x_i, y_i)`: ``[..., C, 2]`` positions -> ``[..., n_outputs, C]``."""
        p = (positions + self.margin) / (1.0 + 2.0 * self.margin)
        phase = 2.0 * math.pi * (p[..., 0:1] * self.freq_x + p[..., 1:2] * self.freq_y)
        z = torch.cos(phase) @ self.coef_re.T + torch.sin(phase) @ self.coef_im.T
        return z.transpose(-1, -2)

    def attention(self, positions: torch.Tensor, banned: torch.Tensor | None = None
                  ) -> torch.Tensor:
        """Softmax weights over sensors ``[..., n_outputs, C]`` (rows sum to 1).

        ``banned`` (bool ``[..., C]``) removes sensors from the softmax."""
        z = self.scores(positions)
        if banned is not None:
            z = z.masked_fill(banned.unsqueeze(-2), float("-inf"))
        return torch.softmax(z, dim=-1)

    def forward(self, x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        positions = positions.to(x.dtype)
        z = self.scores(positions)                    # [n_outputs, C] or [B, n_outputs, C]
        if self.training and self.dropout_radius > 0:
            batch = x.shape[0]
            pos = positions if positions.dim() == 3 else positions.expand(batch, -1, -1)
            centre = torch.rand(batch, 1, 2, device=x.device, dtype=x.dtype)
            banned = (pos - centre).norm(dim=-1) <= self.dropout_radius  # [B, C]
            banned = banned & ~banned.all(dim=-1, keepdim=True)
            z = z.expand(batch, -1, -1).masked_fill(banned.unsqueeze(1), float("-inf"))
        weights = torch.softmax(z, dim=-1)
        if weights.dim() == 2:
            return torch.einsum("oc,bct->bot", weights, x)
        return torch.einsum("boc,bct->bot", weights, x)


class SubjectLayers(nn.Module):
    r"""One learned linear map per subject, chosen by subject index: :math:`Y = M_s^\top X`.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out (``D1``, ``D1`` in the paper).
    n_subjects : int
        Number of subjects (one ``in x out`` matrix each).
    init_identity : bool, default False
        Start every matrix at the identity (needs ``in == out``); default random
        :math:`N(0, 1/\mathrm{in})` as in the authors' code.

    Notes
    -----
    Shapes: ``x`` ``[B, in, T]``, ``subjects`` int64 ``[B]`` in ``0..n_subjects-1``
    -> ``[B, out, T]``.

    Examples
    --------
    >>> layer = SubjectLayers(3, 2, n_subjects=2)
    >>> x = torch.randn(4, 3, 5)
    >>> y = layer(x, torch.tensor([0, 1, 1, 0]))
    >>> torch.allclose(y[1], layer.weights[1].T @ x[1])
    True
    """

    def __init__(self, in_channels: int, out_channels: int, n_subjects: int,
                 init_identity: bool = False) -> None:
        super().__init__()
        c_in = _positive_int(in_channels, "in_channels")
        c_out = _positive_int(out_channels, "out_channels")
        n = _positive_int(n_subjects, "n_subjects")
        if init_identity:
            if c_in != c_out:
                raise ConfigError("identity initialisation needs a square matrix",
                                  field="init_identity", expected="in_channels == out_channels",
                                  found=f"{c_in} != {c_out}")
            weights = torch.eye(c_in).repeat(n, 1, 1)
        else:
            weights = torch.randn(n, c_in, c_out) / math.sqrt(c_in)
        self.weights = nn.Parameter(weights)

    def forward(self, x: torch.Tensor, subjects: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bct,bcd->bdt", x, self.weights[subjects])


class ResidualDilatedBlock(nn.Module):
    r"""Block :math:`k` of the brain module: two residual dilated convolutions and a GLU one.

    .. math::

        h_1 &= [x] + \mathrm{GELU}(\mathrm{BN}(\mathrm{Conv}_{3, d=2^{2k \bmod 5}}(x))), \\
        h_2 &= h_1 + \mathrm{GELU}(\mathrm{BN}(\mathrm{Conv}_{3, d=2^{(2k+1) \bmod 5}}(h_1))),
        \\
        y &= \mathrm{GLU}(\mathrm{Conv}_{3, d=2}(h_2)) \quad (D_2 \to 2 D_2 \to D_2),

    where the first residual :math:`[x]` is skipped when the channel numbers differ (the first
    block, ``D1 != D2``). Padding keeps the number of time samples.

    Parameters
    ----------
    in_channels : int
    channels : int
        ``D2``.
    index : int
        ``k``, the block's position in the stack (sets the dilations).

    Examples
    --------
    >>> blk = ResidualDilatedBlock(4, 6, index=1)
    >>> blk.dilations, blk(torch.randn(2, 4, 20)).shape
    ((4, 8, 2), torch.Size([2, 6, 20]))
    """

    def __init__(self, in_channels: int, channels: int, index: int) -> None:
        super().__init__()
        c_in, c = _positive_int(in_channels, "in_channels"), _positive_int(channels, "channels")
        d1, d2 = 2 ** ((2 * index) % 5), 2 ** ((2 * index + 1) % 5)
        self.dilations = (d1, d2, 2)
        self.conv1 = nn.Conv1d(c_in, c, 3, dilation=d1, padding=d1)
        self.bn1 = nn.BatchNorm1d(c)
        self.conv2 = nn.Conv1d(c, c, 3, dilation=d2, padding=d2)
        self.bn2 = nn.BatchNorm1d(c)
        self.conv3 = nn.Conv1d(c, 2 * c, 3, dilation=2, padding=2)
        self.residual_first = c_in == c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.gelu(self.bn1(self.conv1(x)))
        h = h + x if self.residual_first else h
        h = h + F.gelu(self.bn2(self.conv2(h)))
        return F.glu(self.conv3(h), dim=1)


class BrainEncoder(nn.Module):
    """The brain module of Défossez et al. (2023): M/EEG segment -> embedding (module docstring).

    Parameters
    ----------
    n_outputs : int
        Embedding dimension ``F``.
    n_subjects : int, default 1
    n_spatial : int, default 270
        ``D1``: outputs of the spatial attention (and of the 1x1 conv and subject layers).
    hidden : int, default 320
        ``D2``: channels of the residual dilated blocks.
    n_blocks : int, default 5
    n_harmonics : int, default 32
        ``K`` of the spatial attention.
    dropout_radius : float, default 0.2
        Spatial dropout radius.
    margin : float, default 0.2
        Margin of the spatial attention's Fourier basis.
    temporal_pooling : {"none", "affine", "mean"}, default "none"
        Keep time (``[B, F, T]``) or reduce it (``[B, F]``) with a learned affine map over
        time (Benchetrit et al. 2024) or the mean.
    n_times : int, optional
        Samples per segment; required by ``"affine"``.

    Notes
    -----
    Shapes: ``x`` ``[B, C, T]``, ``positions`` ``[C, 2]`` in [0, 1], ``subjects`` int64
    ``[B]`` (or None: subject 0) -> ``[B, F, T]`` or ``[B, F]``.

    Examples
    --------
    >>> net = BrainEncoder(n_outputs=3, n_subjects=2, n_spatial=8, hidden=8, n_blocks=2,
    ...                    n_harmonics=4, temporal_pooling="affine", n_times=16)
    >>> net(torch.randn(5, 7, 16), torch.rand(7, 2), torch.tensor([0, 1, 0, 1, 1])).shape
    torch.Size([5, 3])
    """

    def __init__(self, n_outputs: int, n_subjects: int = 1, n_spatial: int = 270,
                 hidden: int = 320, n_blocks: int = 5, n_harmonics: int = 32,
                 dropout_radius: float = 0.2, margin: float = 0.2,
                 temporal_pooling: str = "none", n_times: int | None = None) -> None:
        super().__init__()
        n_outputs = _positive_int(n_outputs, "n_outputs")
        n_spatial = _positive_int(n_spatial, "n_spatial")
        hidden = _positive_int(hidden, "hidden")
        n_blocks = _positive_int(n_blocks, "n_blocks")
        if temporal_pooling not in TEMPORAL_POOLING:
            raise ConfigError("unknown temporal pooling", field="temporal_pooling",
                              expected="one of " + ", ".join(TEMPORAL_POOLING),
                              found=repr(temporal_pooling))
        self.spatial_attention = SpatialAttention(n_spatial, n_harmonics, dropout_radius, margin)
        self.spatial_conv = nn.Conv1d(n_spatial, n_spatial, 1)
        self.subject_layers = SubjectLayers(n_spatial, n_spatial, n_subjects)
        self.blocks = nn.Sequential(*[
            ResidualDilatedBlock(n_spatial if k == 0 else hidden, hidden, k)
            for k in range(n_blocks)
        ])
        self.head = nn.Sequential(nn.Conv1d(hidden, 2 * hidden, 1), nn.GELU(),
                                  nn.Conv1d(2 * hidden, n_outputs, 1))
        self.temporal_pooling = temporal_pooling
        self.pool: nn.Module | None = None
        if temporal_pooling == "affine":
            self.pool = nn.Linear(_positive_int(n_times, "n_times"), 1)

    def forward(self, x: torch.Tensor, positions: torch.Tensor,
                subjects: torch.Tensor | None = None) -> torch.Tensor:
        if subjects is None:
            subjects = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
        h = self.spatial_conv(self.spatial_attention(x, positions))
        h = self.subject_layers(h, subjects)
        h = self.head(self.blocks(h))
        if self.temporal_pooling == "affine":
            return self.pool(h).squeeze(-1)
        if self.temporal_pooling == "mean":
            return h.mean(-1)
        return h


# -- loss and metrics ---------------------------------------------------------------------
def clip_loss(pred: torch.Tensor, target: torch.Tensor, temperature: float = 1.0
              ) -> torch.Tensor:
    r"""CLIP loss of Défossez et al. (2023): InfoNCE of predictions against normalised targets.

    With :math:`\hat y_i` the prediction and :math:`y_j` the target of sample :math:`j` of the
    batch (flattened over features and time),

    .. math::

        s_{ij} = \frac{1}{\tau} \Big\langle \hat y_i, \frac{y_j}{\lVert y_j \rVert} \Big\rangle,
        \qquad
        \mathcal{L} = -\frac{1}{B} \sum_i \log \frac{\sum_{j \in P(i)} e^{s_{ij}}}
                                                  {\sum_{j=1}^{B} e^{s_{ij}}},

    where :math:`P(i)` holds :math:`i` and every :math:`j` whose target equals
    :math:`y_i` exactly (the same segment seen by another subject is not a negative). Without
    repeated targets this is the cross-entropy of the softmax over the batch with label
    :math:`i`. Predictions are not normalised and :math:`\tau` = 1 (the paper learns no
    temperature: the norm of :math:`\hat y_i` plays its role).

    Parameters
    ----------
    pred : torch.Tensor
        ``[B, F]`` or ``[B, F, T]``.
    target : torch.Tensor
        Same shape as ``pred``.
    temperature : float, default 1.0
        :math:`\tau` > 0.

    Returns
    -------
    torch.Tensor
        Scalar loss (nats).

    Examples
    --------
    >>> pred = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    >>> target = torch.tensor([[3.0, 0.0], [0.0, 1.0]])     # normalised to the identity
    >>> expected = -torch.log_softmax(torch.tensor([[1.0, 0.0], [0.0, 2.0]]), 1).diag().mean()
    >>> bool(torch.isclose(clip_loss(pred, target), expected))
    True
    """
    if pred.shape != target.shape:
        raise SchemaError("predictions and targets differ in shape", field="target",
                          expected=f"shape {tuple(pred.shape)}", found=f"{tuple(target.shape)}")
    flat_pred = pred.reshape(pred.shape[0], -1)
    flat_target = target.reshape(target.shape[0], -1).to(flat_pred.dtype)
    normed = flat_target / (flat_target.norm(dim=1, keepdim=True) + 1e-8)
    scores = flat_pred @ normed.T / float(temperature)
    log_p = torch.log_softmax(scores, dim=1)
    same = (flat_target[:, None, :] == flat_target[None, :, :]).all(-1)
    return -torch.logsumexp(log_p.masked_fill(~same, float("-inf")), dim=1).mean()


def _scores(pred: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
    flat_c = candidates.reshape(candidates.shape[0], -1).to(pred.dtype)
    normed = flat_c / (flat_c.norm(dim=1, keepdim=True) + 1e-8)
    return pred.reshape(pred.shape[0], -1) @ normed.T


def retrieval_topk(pred: Any, targets: Any, k: int | Sequence[int] = (1, 10), *,
                   true_index: Any = None) -> dict[int, float]:
    r"""Segment-retrieval top-k accuracy: how often the true candidate ranks among the first k.

    Each prediction :math:`\hat y_i` scores every candidate :math:`c_j` by
    :math:`\langle \hat y_i, c_j / \lVert c_j \rVert \rangle` (the CLIP score); the rank of
    the true candidate is the number of candidates scoring strictly higher, and top-k accuracy
    is the fraction of predictions whose true candidate has rank < k. Chance is
    ``k / n_candidates``.

    Parameters
    ----------
    pred : array-like
        Predictions ``(n, F)`` or ``(n, F, T)``.
    targets : array-like
        Candidates ``(m, F)`` or ``(m, F, T)``.
    k : int or sequence of int, default (1, 10)
    true_index : array-like of int, optional
        ``(n,)``: the true candidate of each prediction; default ``i`` (then ``m == n``).

    Returns
    -------
    dict of int to float
        ``{k: accuracy}`` for every requested ``k``.

    Examples
    --------
    >>> pred = np.array([[1.0, 0.1], [0.0, 1.0], [1.0, 0.0]])
    >>> cand = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
    >>> acc = retrieval_topk(pred, cand, k=(1, 2))   # the third ranks its own second
    >>> {k: round(v, 3) for k, v in acc.items()}
    {1: 0.667, 2: 1.0}
    """
    p = torch.as_tensor(np.asarray(pred), dtype=torch.float64)
    c = torch.as_tensor(np.asarray(targets), dtype=torch.float64)
    ks = [k] if isinstance(k, (int, np.integer)) else list(k)
    if not ks or any(isinstance(v, bool) or int(v) < 1 for v in ks):
        raise ConfigError("bad k", field="k", expected="positive integers", found=repr(k))
    if p.dim() < 2 or c.dim() != p.dim() or p.shape[1:] != c.shape[1:]:
        raise SchemaError("predictions and candidates differ in shape", field="targets",
                          expected=f"(m, {', '.join(map(str, p.shape[1:]))})",
                          found=f"shape {tuple(c.shape)}")
    if true_index is None:
        if len(c) != len(p):
            raise SchemaError("one candidate per prediction expected without true_index",
                              field="targets", expected=f"{len(p)} rows", found=f"{len(c)}")
        truth = torch.arange(len(p))
    else:
        truth = torch.as_tensor(np.asarray(true_index), dtype=torch.long)
        if truth.shape != (len(p),) or (len(truth) and (truth.min() < 0
                                                        or truth.max() >= len(c))):
            raise SchemaError("bad true_index", field="true_index",
                              expected=f"{len(p)} indices in [0, {len(c)})",
                              found=f"shape {tuple(truth.shape)}")
    scores = _scores(p, c)
    true_score = scores.gather(1, truth[:, None])
    rank = (scores > true_score).sum(1)
    return {int(v): float((rank < int(v)).double().mean()) for v in ks}


# -- the Lightning module -----------------------------------------------------------------
class ContrastiveModule(NeurokitModule):
    """:class:`BrainEncoder` trained with :func:`clip_loss` on batches ``(x, subject, y)``.

    Parameters
    ----------
    positions : list of [x, y]
        Normalised sensor positions (in [0, 1]), one per input channel; kept as a buffer.
    n_outputs, n_subjects, n_spatial, hidden, n_blocks, n_harmonics, dropout_radius,
    temporal_pooling, n_times
        See :class:`BrainEncoder`.
    optimizer, lr, weight_decay, scheduler
        See :class:`~neurokit.core.module.NeurokitModule`.

    Notes
    -----
    Logs ``loss`` and ``top1`` (retrieval within the batch).

    Examples
    --------
    >>> m = ContrastiveModule([[0.0, 0.0], [1.0, 1.0], [0.5, 0.2]], n_outputs=2, n_spatial=4,
    ...                       hidden=4, n_blocks=1, n_harmonics=2, temporal_pooling="mean")
    >>> batch = (torch.randn(3, 3, 8), torch.zeros(3, dtype=torch.long), torch.randn(3, 2))
    >>> sorted(m.compute(batch, "val"))
    ['loss', 'top1']
    """

    def __init__(self, positions: list, n_outputs: int, n_subjects: int = 1,
                 n_spatial: int = 270, hidden: int = 320, n_blocks: int = 5,
                 n_harmonics: int = 32, dropout_radius: float = 0.2,
                 temporal_pooling: str = "none", n_times: int | None = None,
                 optimizer: str = "adam", lr: float = 3e-4, weight_decay: float = 0.0,
                 scheduler: str | None = None) -> None:
        super().__init__(optimizer=optimizer, lr=lr, weight_decay=weight_decay,
                         scheduler=scheduler)
        self.save_hyperparameters()
        self.encoder = BrainEncoder(n_outputs, n_subjects, n_spatial, hidden, n_blocks,
                                    n_harmonics, dropout_radius, 0.2, temporal_pooling, n_times)
        self.register_buffer("positions", torch.as_tensor(np.asarray(positions, dtype=np.float32)))

    def forward(self, x: torch.Tensor, subjects: torch.Tensor | None = None) -> torch.Tensor:
        return self.encoder(x, self.positions, subjects)

    def compute(self, batch: Any, stage: str) -> dict[str, torch.Tensor]:
        if not (isinstance(batch, (tuple, list)) and len(batch) == 3):
            raise SchemaError("a contrastive batch is a triple", field="batch",
                              expected="(x [B, C, T], subject [B], target [B, F(, T)])",
                              found=type(batch).__name__)
        x, subjects, target = batch
        pred = self(x, subjects)
        loss = clip_loss(pred, target)
        with torch.no_grad():  # a repeated target (same segment, other subject) also counts
            flat = target.reshape(len(target), -1)
            best = _scores(pred.detach(), target).argmax(1)
            top1 = (flat[best] == flat).all(-1).float().mean()
        return {"loss": loss, "top1": top1}


# -- the scikit-learn estimator -----------------------------------------------------------
class ContrastiveDecoder(LightningEstimator):
    r"""Decode stimulus embeddings from M/EEG epochs by contrastive learning (Défossez et al.).

    ``fit(X, embeddings)`` trains a :class:`BrainEncoder` with the CLIP loss
    (:func:`clip_loss`) so that each epoch's prediction retrieves its own stimulus embedding
    among the batch; ``transform`` gives the predictions, ``retrieve`` ranks candidate
    embeddings, ``score`` is the top-k retrieval accuracy (see the module docstring).

    Preprocessing (learned in ``fit``, applied to every input): per channel robust scaling
    (median and inter-quartile range over the training trials and samples), values clamped
    to :math:`\pm 20` (the paper's preprocessing, here on the whole training set rather than
    per recording). Sensor positions are min-max normalised to :math:`[0, 1]^2` over the
    training montage.

    Parameters
    ----------
    n_spatial : int, default 270
        ``D1``, virtual channels of the spatial attention.
    hidden : int, default 320
        ``D2``, channels of the residual dilated blocks.
    n_blocks : int, default 5
        Residual dilated blocks.
    n_harmonics : int, default 32
        ``K``, Fourier harmonics per axis of the spatial attention.
    dropout_radius : float, default 0.2
        Spatial dropout radius (normalised position units).
    temporal_pooling : {"auto", "none", "affine", "mean"}, default "auto"
        ``"auto"``: ``"affine"`` for per-segment embeddings ``(trial, feature)`` and ``"none"``
        for time-resolved ones ``(trial, feature, time)`` (same number of samples as ``X``).
    max_epochs : int, default 40
    batch_size : int, default 64
        The contrastive negatives are the other segments of the batch (256 in the paper).
    lr : float, default 3e-4
        Adam learning rate (the paper's).
    weight_decay : float, default 0.0
    seed : int, default 0
    run_dir, resume, enable_progress_bar
        See :class:`~neurokit.core.estimator.LightningEstimator`.

    Attributes
    ----------
    ch_names_ : numpy.ndarray of str
        Training channels (the order every input must have).
    positions_ : numpy.ndarray, shape (n_channels, 2)
        Normalised sensor positions.
    subjects_ : numpy.ndarray
        Subject labels; row ``i`` of the subject layers belongs to ``subjects_[i]``.
    center_, scale_ : numpy.ndarray, shape (n_channels,)
        Robust scaling of each channel.
    n_outputs_, n_times_ : int
        Embedding dimension and samples per epoch.
    target_ndim_ : int
        2 (per-segment embeddings) or 3 (time-resolved).
    pooling_ : str
        The temporal pooling used.
    module_ : ContrastiveModule

    Examples
    --------
    >>> from neurokit.datasets.meg_embedding import simulate_meg_embedding
    >>> ds = simulate_meg_embedding(n_segments=40, n_sensors=16, n_subjects=1, embed_dim=4,
    ...                             n_times=20, snr=4.0, seed=0)
    >>> dec = ContrastiveDecoder(n_spatial=8, hidden=8, n_blocks=1, n_harmonics=4,
    ...                          max_epochs=2, batch_size=20).fit(ds["meg"], ds["embedding"])
    >>> dec.transform(ds["meg"]).shape
    (40, 4)
    >>> 0.0 <= dec.score(ds["meg"], ds["embedding"], k=10) <= 1.0
    True
    """

    _fitted_attrs: ClassVar[tuple[str, ...]] = (
        "ch_names_", "positions_", "subjects_", "center_", "scale_", "n_outputs_", "n_times_",
        "target_ndim_", "pooling_")

    def __init__(self, n_spatial: int = 270, hidden: int = 320, n_blocks: int = 5,
                 n_harmonics: int = 32, dropout_radius: float = 0.2,
                 temporal_pooling: str = "auto", max_epochs: int = 40, batch_size: int = 64,
                 lr: float = 3e-4, weight_decay: float = 0.0, seed: int = 0,
                 run_dir: Any = None, resume: bool = False,
                 enable_progress_bar: bool | None = None) -> None:
        self.n_spatial = n_spatial
        self.hidden = hidden
        self.n_blocks = n_blocks
        self.n_harmonics = n_harmonics
        self.dropout_radius = dropout_radius
        self.temporal_pooling = temporal_pooling
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.seed = seed
        self.run_dir = run_dir
        self.resume = resume
        self.enable_progress_bar = enable_progress_bar

    def _build_module(self) -> ContrastiveModule:
        return ContrastiveModule(
            positions=np.asarray(self.positions_, dtype=float).tolist(),
            n_outputs=int(self.n_outputs_), n_subjects=len(self.subjects_),
            n_spatial=self.n_spatial, hidden=self.hidden, n_blocks=self.n_blocks,
            n_harmonics=self.n_harmonics, dropout_radius=self.dropout_radius,
            temporal_pooling=str(self.pooling_), n_times=int(self.n_times_), lr=self.lr,
            weight_decay=self.weight_decay)

    # -- fit / transform ------------------------------------------------------------------
    def fit(self, X: Any, embeddings: Any, *, positions: Any = None, subjects: Any = None,
            ch_names: Sequence[str] | None = None) -> ContrastiveDecoder:
        """Train on epochs ``X`` and the embeddings of their stimuli.

        Parameters
        ----------
        X : xarray.DataArray or numpy.ndarray
            Epochs ``(trial, channel, time)`` (any dim order for a DataArray). A DataArray
            carries the sensor positions as coordinates ``x`` and ``y`` on ``channel`` and,
            optionally, the subject of each trial as a ``subject`` coordinate on ``trial``.
        embeddings : xarray.DataArray or numpy.ndarray
            ``(trial, feature)`` per-segment embeddings, or ``(trial, feature, time)``
            time-resolved ones with ``X``'s number of samples. Fixed targets.
        positions : array-like, shape (n_channels, 2), optional
            Sensor positions, for a numpy ``X`` (or to override the coordinates).
        subjects : array-like, shape (n_trials,), optional
            Subject of each trial, for a numpy ``X`` (default: one subject).
        ch_names : sequence of str, optional
            Channel names, for a numpy ``X``.

        Returns
        -------
        self

        Raises
        ------
        neurokit.errors.MissingDataError
            No sensor positions, or channels without a position (named).
        neurokit.errors.InvalidValueError
            NaN/inf in ``X`` or the embeddings, or flat channels (named).
        neurokit.errors.SchemaError
            Wrong dims, or trial counts / samples that do not match.
        neurokit.errors.ConfigError
            Bad parameters.
        """
        data, names, pos, subj = _read_epochs(X, positions, subjects, ch_names)
        target = _read_embeddings(embeddings, data.shape[0])
        pooling = self.temporal_pooling
        if pooling not in ("auto", *TEMPORAL_POOLING):
            raise ConfigError("unknown temporal pooling", field="temporal_pooling",
                              expected="'auto' or one of " + ", ".join(TEMPORAL_POOLING),
                              found=repr(pooling))
        if pooling == "auto":
            pooling = "none" if target.ndim == 3 else "affine"
        if (pooling == "none") != (target.ndim == 3):
            raise SchemaError("temporal pooling does not fit the targets", field="embeddings",
                              expected="(trial, feature, time) targets with pooling 'none', "
                              "(trial, feature) otherwise",
                              found=f"{target.ndim}-d targets with pooling {pooling!r}")
        if target.ndim == 3 and target.shape[2] != data.shape[2]:
            raise SchemaError("time-resolved targets need the epochs' samples",
                              field="embeddings", expected=f"{data.shape[2]} samples",
                              found=f"{target.shape[2]}")
        _check_flat(data, names)
        lo, hi = pos.min(0), pos.max(0)
        self.ch_names_ = np.asarray(names, dtype=str)
        self.positions_ = (pos - lo) / np.where(hi > lo, hi - lo, 1.0)
        self.subjects_, subject_index = np.unique(np.asarray(subj), return_inverse=True)
        q25, q50, q75 = np.percentile(data, [25, 50, 75], axis=(0, 2))
        iqr = q75 - q25
        self.center_ = q50
        self.scale_ = np.where(iqr > 0, iqr, data.std(axis=(0, 2)))
        self.n_outputs_ = int(target.shape[1])
        self.n_times_ = int(data.shape[2])
        self.target_ndim_ = int(target.ndim)
        self.pooling_ = str(pooling)
        x = self._scale(data)
        return self._train([x, torch.as_tensor(subject_index, dtype=torch.long),
                            torch.as_tensor(target, dtype=torch.float32)])

    def _scale(self, data: np.ndarray) -> torch.Tensor:
        z = (data - self.center_[None, :, None]) / self.scale_[None, :, None]
        return torch.as_tensor(np.clip(z, -CLAMP, CLAMP), dtype=torch.float32)

    def _inputs(self, X: Any, positions: Any, subjects: Any,
                ch_names: Sequence[str] | None) -> tuple[torch.Tensor, torch.Tensor]:
        self._check_fitted()
        data, names, _, subj = _read_epochs(X, positions, subjects, ch_names,
                                            need_positions=False,
                                            default_names=list(self.ch_names_))
        if list(names) != list(self.ch_names_):
            raise SchemaError("channels differ from the training channels", field="channel",
                              expected=f"{len(self.ch_names_)} channels "
                              f"{list(self.ch_names_)[:5]}...",
                              found=f"{len(names)} channels {list(names)[:5]}...")
        if data.shape[2] != int(self.n_times_):
            raise SchemaError("epochs of another length", field="time",
                              expected=f"{self.n_times_} samples", found=f"{data.shape[2]}")
        subj = np.asarray(subj)
        if subjects is None and not _has_subject_coord(X) and len(self.subjects_) == 1:
            subj = np.full(len(data), self.subjects_[0])
        known = {s: i for i, s in enumerate(self.subjects_.tolist())}
        unknown = sorted({str(s) for s in subj.tolist() if s not in known})
        if unknown:
            raise MissingDataError("subjects unseen in training (no subject layer)",
                                   field="subject",
                                   expected="one of " + ", ".join(map(str, self.subjects_)),
                                   found=", ".join(unknown[:10]))
        index = torch.as_tensor([known[s] for s in subj.tolist()], dtype=torch.long)
        return self._scale(data), index

    @torch.no_grad()
    def transform(self, X: Any, *, positions: Any = None, subjects: Any = None,
                  ch_names: Sequence[str] | None = None) -> np.ndarray:
        """Predicted embeddings of epochs ``X`` (arguments as :meth:`fit`).

        Returns
        -------
        numpy.ndarray
            ``(n_trials, n_features)``, or ``(n_trials, n_features, n_times)`` for
            time-resolved targets. Not normalised (the CLIP scores normalise the candidates
            only).
        """
        x, index = self._inputs(X, positions, subjects, ch_names)
        module = self.module_.eval()
        outs = [module(x[i:i + 256], index[i:i + 256]) for i in range(0, len(x), 256)]
        return torch.cat(outs).numpy() if outs else np.empty((0, int(self.n_outputs_)))

    def retrieve(self, X: Any, candidates: Any, **kwargs: Any) -> np.ndarray:
        """Rank candidate embeddings for every epoch, best first.

        Parameters
        ----------
        X : xarray.DataArray or numpy.ndarray
            Epochs (as :meth:`fit`; ``positions``/``subjects``/``ch_names`` as keywords).
        candidates : array-like
            ``(n_candidates, n_features)`` (or with time).

        Returns
        -------
        numpy.ndarray of int, shape (n_trials, n_candidates)
            Row ``i``: candidate indices sorted by decreasing CLIP score
            :math:`\\langle \\hat y_i, c_j / \\lVert c_j \\rVert \\rangle`.
        """
        pred = torch.as_tensor(self.transform(X, **kwargs), dtype=torch.float64)
        cand = torch.as_tensor(_read_embeddings(candidates, None), dtype=torch.float64)
        if cand.shape[1:] != pred.shape[1:]:
            raise SchemaError("candidates of another shape", field="candidates",
                              expected=f"(n, {', '.join(map(str, pred.shape[1:]))})",
                              found=f"{tuple(cand.shape)}")
        return torch.argsort(_scores(pred, cand), dim=1, descending=True, stable=True).numpy()

    def score(self, X: Any, embeddings: Any, k: int = 1, **kwargs: Any) -> float:
        """Top-``k`` segment-retrieval accuracy among the distinct embeddings of ``embeddings``.

        The candidates are the distinct rows of ``embeddings`` (a segment seen by several
        subjects, or repeated, is one candidate); each epoch must rank its own among the first
        ``k``. Chance is ``k / n_distinct``. For several ``k`` at once use
        :meth:`score_topk`.

        Returns
        -------
        float
        """
        return self.score_topk(X, embeddings, k=(int(k),), **kwargs)[int(k)]

    def score_topk(self, X: Any, embeddings: Any, k: Sequence[int] = (1, 10),
                   **kwargs: Any) -> dict[int, float]:
        """Top-k retrieval accuracies ``{k: accuracy}`` (see :meth:`score`)."""
        pred = self.transform(X, **kwargs)
        target = _read_embeddings(embeddings, len(pred))
        flat = target.reshape(len(target), -1)
        unique, inverse = np.unique(flat, axis=0, return_inverse=True)
        unique = unique.reshape(len(unique), *target.shape[1:])
        return retrieval_topk(pred, unique, k=k, true_index=np.ravel(inverse))


# -- input checks -------------------------------------------------------------------------
def _positive_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError("bad value", field=field, expected="an integer >= 1",
                          found=repr(value))
    return int(value)


def _is_dataarray(obj: Any) -> bool:
    import sys

    xr = sys.modules.get("xarray")
    return xr is not None and isinstance(obj, xr.DataArray)


def _has_subject_coord(X: Any) -> bool:
    return _is_dataarray(X) and "subject" in X.coords and X["subject"].dims == ("trial",)


def _read_epochs(X: Any, positions: Any, subjects: Any, ch_names: Sequence[str] | None, *,
                 need_positions: bool = True, default_names: list[str] | None = None
                 ) -> tuple[np.ndarray, list[str], np.ndarray | None, np.ndarray]:
    """(data (trial, channel, time) float64, channel names, positions (C, 2), subjects)."""
    pos = None
    if _is_dataarray(X):
        if set(X.dims) != {"trial", "channel", "time"}:
            raise SchemaError("epochs need dims trial, channel and time", field="X",
                              expected="dims ('trial', 'channel', 'time')",
                              found=f"dims {X.dims}")
        da = X.transpose("trial", "channel", "time")
        data = np.asarray(da.values, dtype=float)
        names = [str(c) for c in da["channel"].values] if "channel" in da.coords \
            else [f"ch{i}" for i in range(data.shape[1])]
        if positions is None and ("x" in da.coords or "y" in da.coords):
            if not ("x" in da.coords and "y" in da.coords):
                missing = "y" if "x" in da.coords else "x"
                raise MissingDataError("sensor positions incomplete", field=missing,
                                       expected="coordinates 'x' and 'y' on channel",
                                       found=f"only {'x' if missing == 'y' else 'y'}")
            pos = np.stack([np.asarray(da["x"].values, dtype=float),
                            np.asarray(da["y"].values, dtype=float)], axis=1)
        if subjects is None and _has_subject_coord(da):
            subjects = da["subject"].values
    else:
        data = np.asarray(X, dtype=float)
        if data.ndim != 3:
            raise SchemaError("epochs need 3 dims", field="X",
                              expected="(trial, channel, time)", found=f"shape {data.shape}")
        names = list(ch_names) if ch_names is not None else (
            default_names if default_names is not None
            else [f"ch{i}" for i in range(data.shape[1])])
    if len(names) != data.shape[1]:
        raise SchemaError("one name per channel", field="ch_names",
                          expected=f"{data.shape[1]} names", found=f"{len(names)}")
    if positions is not None:
        pos = np.asarray(positions, dtype=float)
    if need_positions:
        if pos is None:
            raise MissingDataError(
                "no sensor positions: the spatial attention needs each channel's 2-D position",
                field="x/y", expected="coordinates 'x' and 'y' on channel (e.g. from a "
                "montage), or positions=(n_channels, 2)", found="none")
        if pos.shape != (data.shape[1], 2):
            raise SchemaError("one 2-D position per channel", field="positions",
                              expected=f"shape ({data.shape[1]}, 2)", found=f"{pos.shape}")
        bad = ~np.isfinite(pos).all(axis=1)
        if bad.any():
            which = [names[i] for i in np.flatnonzero(bad)]
            raise MissingDataError(
                f"{len(which)} channel(s) without a sensor position", field="x/y",
                expected="a finite 2-D position for every channel (set a montage)",
                found=", ".join(which[:20]) + (" ..." if len(which) > 20 else ""))
    if not np.isfinite(data).all():
        bad = np.flatnonzero(~np.isfinite(data).all(axis=(0, 2)))
        raise InvalidValueError("non-finite values in the epochs", field="X",
                                expected="finite numbers",
                                found="NaN/inf in channel(s) "
                                + ", ".join(names[i] for i in bad[:20]))
    if subjects is None:
        subjects = np.zeros(data.shape[0], dtype=int)
    subjects = np.asarray(subjects)
    if subjects.shape != (data.shape[0],):
        raise SchemaError("one subject per trial", field="subject",
                          expected=f"{data.shape[0]} values", found=f"shape {subjects.shape}")
    return data, names, pos, subjects


def _check_flat(data: np.ndarray, names: list[str]) -> None:
    flat = np.flatnonzero(data.std(axis=(0, 2)) == 0)
    if flat.size:
        raise InvalidValueError("flat channel(s): constant over all trials and samples",
                                field="X", expected="channels with some variance",
                                found=", ".join(names[i] for i in flat[:20]))


def _read_embeddings(embeddings: Any, n_trials: int | None) -> np.ndarray:
    if _is_dataarray(embeddings):
        dims = [d for d in ("trial", "feature", "time") if d in embeddings.dims]
        if len(dims) == embeddings.ndim:
            embeddings = embeddings.transpose(*dims)
        values = embeddings.values
    elif isinstance(embeddings, torch.Tensor):
        values = embeddings.detach().cpu().numpy()
    else:
        values = embeddings
    target = np.asarray(values, dtype=float)
    if target.ndim not in (2, 3):
        raise SchemaError("embeddings need 2 or 3 dims", field="embeddings",
                          expected="(trial, feature) or (trial, feature, time)",
                          found=f"shape {target.shape}")
    if n_trials is not None and target.shape[0] != n_trials:
        raise SchemaError("one embedding per trial", field="embeddings",
                          expected=f"{n_trials} rows", found=f"{target.shape[0]}")
    if not np.isfinite(target).all():
        raise InvalidValueError("non-finite embeddings", field="embeddings",
                                expected="finite numbers", found="NaN/inf")
    return target
