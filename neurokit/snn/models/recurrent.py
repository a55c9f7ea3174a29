r"""A deep recurrent SNN for movies: SEW-ResNet stages with long-range feedback across time.

Design follows LoRaFB-SNet, the long-range feedback spiking network that Huang, Ma, Yu, Zhou &
Tian (2024, *Long-Range Feedback Spiking Network Captures Dynamic and Static Representations of
the Visual Cortex under Movie Stimuli*, NeurIPS 37) compared with mouse visual cortex
(Allen Brain Observatory, natural movies) by time-series RSA. Each movie frame is one time step.
Each stage (a "cortical area": a stack of SEW residual blocks, Fang et al. 2021) receives
top-down feedback from its **own output at the previous frame**, a connection that spans the
whole stage; the feedback is up-sampled by a depth-wise transposed convolution when the stage
down-samples, concatenated with the feed-forward input and mixed back by a 1x1 convolution:

.. math::

    F^i_t &= \mathrm{SN}\big(\mathrm{BN}(\mathrm{DWConvT}_{s_i}(Y^i_{t-1}))\big)
            \ \ (s_i > 1), \qquad F^i_t = Y^i_{t-1}\ \ (s_i = 1), \qquad F^i_0 = 0,

    Z^i_t &= \mathrm{SN}\big(\mathrm{BN}(\mathrm{Conv}_{1\times1}[X^i_t;\ F^i_t])\big),
    \qquad Y^i_t = \mathrm{SEWBlocks}^i(Z^i_t), \qquad X^{i+1}_t = Y^i_t,

    O_t &= W\,\mathrm{GAP}(Y^L_t) + b,

with :math:`X^0_t` the stem's spikes for frame :math:`t` and :math:`s_i` the stride of stage
:math:`i`. Feedback, like the membrane potentials, is state: it persists across frames and
across calls until :func:`~neurokit.snn.base.reset_states`, so a movie can be fed whole
(multi-step, ``[T, B, C, H, W]``) or frame by frame (single-step, ``[B, C, H, W]``) with the same
result. Normalisation statistics are per frame in both modes.
"""

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
from neurokit.snn.models.sew_resnet import SEWBasicBlock, _check_connect

__all__ = ["RecurrentSNN", "FeedbackStage"]

#: neurons that need the whole sequence at once (no frame-by-frame form)
_PARALLEL_NEURONS = ("psn", "masked_psn")


class FeedbackStage(nn.Module):
    r"""One stage with its long-range feedback: :math:`Y_t = \mathrm{Blocks}(\mathrm{SN}(
    \mathrm{BN}(\mathrm{Conv}_{1\times1}[X_t; F(Y_{t-1})])))` (see the module docstring).

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the feed-forward input and of the stage output.
    n_blocks : int
        SEW basic blocks in the stage.
    stride : int
        Stride of the first block (the feedback is up-sampled by the same factor).
    connect, neuron, neuron_kwargs, norm
        As :class:`~neurokit.snn.models.sew_resnet.SEWBasicBlock`.

    Notes
    -----
    Shapes: ``x`` ``[T, B, in_channels, H, W]`` and ``feedback``
    ``[T, B, out_channels, H', W']`` (or ``None``) -> ``[T, B, out_channels, H', W']`` with
    ``H' = ceil(H / stride)``; the model calls it one frame at a time (``T = 1``).

    Examples
    --------
    >>> stage = FeedbackStage(2, 4, n_blocks=1, stride=2)
    >>> y = stage(torch.rand(1, 3, 2, 7, 7), None)
    >>> stage(torch.rand(1, 3, 2, 7, 7), y).shape
    torch.Size([1, 3, 4, 4, 4])
    """

    def __init__(
        self, in_channels: int, out_channels: int, n_blocks: int = 1, stride: int = 1,
        connect: str = "ADD", neuron: NeuronSpec = "lif",
        neuron_kwargs: Mapping[str, Any] | None = None, norm: str | None = "bn",
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.stride = stride
        if stride > 1:
            up = nn.ConvTranspose2d(out_channels, out_channels, 3, stride=stride, padding=1,
                                    output_padding=stride - 1, groups=out_channels,
                                    bias=norm is None)
            self.feedback_path: nn.Module = nn.Sequential(
                TimeDistributed(up), make_norm(norm, out_channels),
                make_neuron(neuron, neuron_kwargs),
            )
        else:
            self.feedback_path = nn.Identity()
        self.mix = nn.Sequential(
            TimeDistributed(nn.Conv2d(in_channels + out_channels, in_channels, 1,
                                      bias=norm is None)),
            make_norm(norm, in_channels),
            make_neuron(neuron, neuron_kwargs),
        )
        self.blocks = nn.Sequential(*[
            SEWBasicBlock(in_channels if j == 0 else out_channels, out_channels,
                          stride if j == 0 else 1, connect, neuron, neuron_kwargs, norm)
            for j in range(n_blocks)
        ])

    def forward(self, x: torch.Tensor, feedback: torch.Tensor | None) -> torch.Tensor:
        height, width = x.shape[-2:]
        if feedback is None:
            fb = x.new_zeros(*x.shape[:2], self.out_channels, height, width)
        else:
            fb = self.feedback_path(feedback)[..., :height, :width]
        return self.blocks(self.mix(torch.cat([x, fb], dim=2)))


class RecurrentSNN(TimeMajorNet):
    r"""Deep recurrent spiking network for movies (LoRaFB-SNet design; see the module docstring).

    A spiking stem, ``len(layers)`` :class:`FeedbackStage` s (stage ``i > 0`` down-samples by 2)
    with long-range feedback from each stage's output at frame ``t - 1`` to its input at frame
    ``t``, and a linear readout of the globally pooled last stage at every frame. Neurons need
    an iterative form: ``if``, ``lif``, ``plif``, ``alif``, ``sliding_psn`` (not ``psn``,
    ``masked_psn``, which see the whole sequence at once).

    Parameters
    ----------
    in_channels : int
        Channels of a frame (1 grey, 3 colour, 2 event polarities).
    n_outputs : int
        Output units.
    layers : sequence of int
        SEW basic blocks per stage (``(2, 2, 2, 2)``: a SEW-ResNet-18 backbone).
    widths : sequence of int
        Channels of each stage.
    connect : {"ADD", "AND", "IAND"}
        SEW connect function of the blocks.
    neuron : str or type
        Neuron by config name or class.
    neuron_kwargs : dict, optional
        Keyword arguments of every neuron.
    norm : {"bn", "tdbn", None}
        Normalisation after each convolution (statistics per frame).
    stem : {"imagenet", "small"}
        ``"imagenet"``: 7x7 stride-2 conv + 3x3 stride-2 max-pool; ``"small"``: 3x3 stride-1.
    dropout : float
        Dropout before the readout.
    step_mode : {"multi", "single"}
        ``"multi"``: a movie ``[T, B, C, H, W]``; ``"single"``: one frame ``[B, C, H, W]``.

    Notes
    -----
    Shapes: input ``[T, B, C, H, W]`` (one frame per step) -> output ``[T, B, n_outputs]``.

    Examples
    --------
    >>> net = RecurrentSNN(1, 3, layers=(1, 1), widths=(4, 8), stem="small")
    >>> net(torch.rand(5, 2, 1, 9, 9)).shape
    torch.Size([5, 2, 3])
    >>> net.feedback_1.shape          # carried to the next call until reset_states(net)
    torch.Size([1, 2, 8, 5, 5])
    """

    def __init__(
        self,
        in_channels: int,
        n_outputs: int,
        layers: Sequence[int] = (2, 2, 2, 2),
        widths: Sequence[int] = (64, 128, 256, 512),
        connect: str = "ADD",
        neuron: NeuronSpec = "lif",
        neuron_kwargs: Mapping[str, Any] | None = None,
        norm: str | None = "bn",
        stem: str = "imagenet",
        dropout: float = 0.0,
        step_mode: StepMode = "multi",
    ) -> None:
        super().__init__(step_mode=step_mode)
        in_channels, n_outputs = check_positive_ints((in_channels, n_outputs),
                                                     "in_channels/n_outputs")
        layers = check_positive_ints(layers, "layers")
        widths = check_positive_ints(widths, "widths")
        if len(layers) != len(widths):
            raise ConfigError("one width per stage", field="widths",
                              expected=f"{len(layers)} values like layers", found=repr(widths))
        _check_connect(connect)
        check_norm(norm)
        if isinstance(neuron, str) and neuron.lower() in _PARALLEL_NEURONS:
            raise ConfigError("the recurrent network runs frame by frame", field="neuron",
                              expected="a neuron with an iterative form (if, lif, plif, alif, "
                              "sliding_psn)", found=repr(neuron))
        if stem not in ("imagenet", "small"):
            raise ConfigError("unknown stem", field="stem", expected="'imagenet' or 'small'",
                              found=repr(stem))
        if not 0.0 <= dropout < 1.0:
            raise ConfigError("bad dropout", field="dropout", expected="0 <= p < 1",
                              found=repr(dropout))
        c = widths[0]
        kernel, stride = (7, 2) if stem == "imagenet" else (3, 1)
        stem_layers: list[nn.Module] = [
            TimeDistributed(nn.Conv2d(in_channels, c, kernel, stride=stride,
                                      padding=kernel // 2, bias=norm is None)),
            make_norm(norm, c),
            make_neuron(neuron, neuron_kwargs),
        ]
        if stem == "imagenet":
            stem_layers.append(TimeDistributed(nn.MaxPool2d(3, stride=2, padding=1)))
        self.stem = nn.Sequential(*stem_layers)
        stages = []
        for i, (n_blocks, width) in enumerate(zip(layers, widths, strict=True)):
            stages.append(FeedbackStage(c, width, n_blocks, 1 if i == 0 else 2, connect,
                                        neuron, neuron_kwargs, norm))
            c = width
        self.stages = nn.ModuleList(stages)
        for i in range(len(stages)):
            self.register_memory(f"feedback_{i}", None)
        self.head = nn.Sequential(
            TimeDistributed(nn.AdaptiveAvgPool2d(1), nn.Flatten(1)),
            nn.Dropout(dropout),
            nn.Linear(c, n_outputs),
        )

    def _frame(self, x: torch.Tensor) -> torch.Tensor:
        """One frame ``[1, B, C, H, W]`` -> ``[1, B, n_outputs]``, updating the feedback."""
        z = self.stem(x)
        for i, stage in enumerate(self.stages):
            feedback = getattr(self, f"feedback_{i}")
            if self.detach_state and feedback is not None:
                feedback = feedback.detach()
            z = stage(z, feedback)
            setattr(self, f"feedback_{i}", z)
        return self.head(z)

    def sequence_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return torch.cat([self._frame(x_seq[t:t + 1]) for t in range(x_seq.shape[0])])

    @classmethod
    def example(cls) -> tuple[nn.Module, torch.Tensor]:
        """A tiny instance and a matching movie ``[T=4, B=2, 1, 8, 8]``.

        Examples
        --------
        >>> net, x = RecurrentSNN.example()
        >>> net(x).shape
        torch.Size([4, 2, 10])
        """
        net = cls(1, 10, layers=(1, 1), widths=(4, 8), stem="small")
        return net, torch.rand(4, 2, 1, 8, 8)
