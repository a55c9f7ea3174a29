r"""Spike-element-wise (SEW) residual networks (Fang et al., NeurIPS 2021).

Fang, W., Yu, Z., Chen, Y., Huang, T., Masquelier, T. & Tian, Y. (2021). *Deep Residual Learning
in Spiking Neural Networks.* NeurIPS 34. A SEW block adds its residual **after** the spiking
neuron, so that identity mapping is possible and gradients do not vanish or explode:

.. math::

    O^l = g\big(A^l, S^l\big), \qquad A^l = \mathrm{SN}\big(F^l(S^l)\big),

with :math:`S^l` the input spikes (or the spiking down-sample path
:math:`\mathrm{SN}(\mathrm{BN}(\mathrm{Conv}_{1\times1}(S^l)))` when the shape changes) and the
element-wise connect function :math:`g`:

=========  ==============================================  =================================
connect    :math:`g(A, S)`                                 identity when
=========  ==============================================  =================================
``ADD``    :math:`A + S` (spike counts, may exceed 1)      :math:`A \equiv 0`
``AND``    :math:`A \wedge S = A \cdot S`                   :math:`A \equiv 1`
``IAND``   :math:`(\neg A) \wedge S = (1 - A) \cdot S`      :math:`A \equiv 0`
=========  ==============================================  =================================
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

__all__ = ["SEWResNet", "SEWBasicBlock", "sew_connect", "CONNECT_FUNCTIONS",
           "sew_resnet18", "sew_resnet34"]

#: the connect functions of the paper
CONNECT_FUNCTIONS = ("ADD", "AND", "IAND")


def sew_connect(a: torch.Tensor, s: torch.Tensor, connect: str) -> torch.Tensor:
    r"""Spike-element-wise connect function :math:`g(A, S)`.

    Parameters
    ----------
    a : torch.Tensor
        Spikes of the residual branch :math:`A = \mathrm{SN}(F(S))`, any shape.
    s : torch.Tensor
        Spikes of the shortcut :math:`S`, same shape.
    connect : {"ADD", "AND", "IAND"}
        :math:`A + S`, :math:`A \cdot S` or :math:`(1 - A) \cdot S`.

    Returns
    -------
    torch.Tensor
        Same shape as the inputs.

    Examples
    --------
    >>> a, s = torch.tensor([0., 0., 1., 1.]), torch.tensor([0., 1., 0., 1.])
    >>> sew_connect(a, s, "IAND").tolist()
    [0.0, 1.0, 0.0, 0.0]
    """
    if connect == "ADD":
        return a + s
    if connect == "AND":
        return a * s
    if connect == "IAND":
        return (1.0 - a) * s
    raise ConfigError("unknown SEW connect function", field="connect",
                      expected="one of " + ", ".join(CONNECT_FUNCTIONS), found=repr(connect))


def _check_connect(connect: str) -> str:
    if connect not in CONNECT_FUNCTIONS:
        raise ConfigError("unknown SEW connect function", field="connect",
                          expected="one of " + ", ".join(CONNECT_FUNCTIONS),
                          found=repr(connect))
    return connect


def _conv_norm(c_in: int, c_out: int, kernel: int, stride: int, norm: str | None) -> list:
    conv = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2,
                     bias=norm is None)
    return [TimeDistributed(conv), make_norm(norm, c_out)]


class SEWBasicBlock(nn.Module):
    r"""SEW basic block: :math:`O = g(\mathrm{SN}(\mathrm{BN}(\mathrm{Conv}(\mathrm{SN}(
    \mathrm{BN}(\mathrm{Conv}(S)))))), S')` with :math:`S'` the (down-sampled) shortcut.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out.
    stride : int
        Stride of the first 3x3 convolution (and of the 1x1 down-sample path).
    connect : {"ADD", "AND", "IAND"}
        Connect function (see :func:`sew_connect`).
    neuron, neuron_kwargs
        Spiking neuron by name or class, and its keyword arguments.
    norm : {"bn", "tdbn", None}
        Normalisation after each convolution.

    Notes
    -----
    Shapes: ``[T, B, in_channels, H, W]`` -> ``[T, B, out_channels, H/stride, W/stride]``.

    Examples
    --------
    >>> block = SEWBasicBlock(2, 4, stride=2)
    >>> block(torch.rand(3, 1, 2, 8, 8)).shape
    torch.Size([3, 1, 4, 4, 4])
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int = 1, connect: str = "ADD",
        neuron: NeuronSpec = "lif", neuron_kwargs: Mapping[str, Any] | None = None,
        norm: str | None = "bn",
    ) -> None:
        super().__init__()
        self.connect = _check_connect(connect)
        self.residual = nn.Sequential(
            *_conv_norm(in_channels, out_channels, 3, stride, norm),
            make_neuron(neuron, neuron_kwargs),
            *_conv_norm(out_channels, out_channels, 3, 1, norm),
            make_neuron(neuron, neuron_kwargs),
        )
        if stride != 1 or in_channels != out_channels:
            self.shortcut: nn.Module = nn.Sequential(
                *_conv_norm(in_channels, out_channels, 1, stride, norm),
                make_neuron(neuron, neuron_kwargs),
            )
        else:
            self.shortcut = nn.Identity()

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return sew_connect(self.residual(x_seq), self.shortcut(x_seq), self.connect)

    def extra_repr(self) -> str:
        return f"connect={self.connect!r}"


class SEWResNet(TimeMajorNet):
    r"""Spike-element-wise ResNet (Fang et al., NeurIPS 2021) on time-major frames.

    Stem (conv-BN-SN, then max-pool for ``stem="imagenet"``), four (or ``len(layers)``) stages
    of :class:`SEWBasicBlock` (first block of stage ``i > 0`` with stride 2), global average
    pooling and a linear readout at every time step:

    .. math::

        O^l = g\big(\mathrm{SN}(F^l(S^l)), S^l\big), \qquad
        Y_t = W\, \mathrm{GAP}(O^L_t) + b.

    See the module docstring for the connect functions :math:`g`.

    Parameters
    ----------
    in_channels : int
        Input channels ``C``.
    n_outputs : int
        Output units (classes).
    layers : sequence of int
        Blocks per stage: ``(2, 2, 2, 2)`` is SEW-ResNet-18, ``(3, 4, 6, 3)`` SEW-ResNet-34.
    widths : sequence of int
        Channels of each stage (same length as ``layers``).
    connect : {"ADD", "AND", "IAND"}
        Connect function of every block.
    neuron : str or type
        Neuron by config name or class (default LIF; the paper uses IF/PLIF).
    neuron_kwargs : dict, optional
        Keyword arguments of every neuron.
    norm : {"bn", "tdbn", None}
        Normalisation after each convolution (``"bn"``: BatchNorm2d over ``T*B``).
    stem : {"imagenet", "small"}
        ``"imagenet"``: 7x7 stride-2 conv and 3x3 stride-2 max-pool (as the paper, for
        224-pixel images); ``"small"``: one 3x3 stride-1 conv (CIFAR / DVS / digits).
    stem_width : int, optional
        Channels of the stem (default ``widths[0]``).
    dropout : float
        Dropout before the readout.
    step_mode : {"multi", "single"}
        ``"multi"``: input ``[T, B, C, H, W]``; ``"single"``: one step ``[B, C, H, W]``.

    Notes
    -----
    Shapes: input ``[T, B, C, H, W]`` -> output ``[T, B, n_outputs]``.

    Examples
    --------
    >>> net = SEWResNet(2, 5, layers=(1, 1), widths=(4, 8), stem="small", connect="IAND")
    >>> net(torch.rand(4, 2, 2, 8, 8)).shape
    torch.Size([4, 2, 5])
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
        stem_width: int | None = None,
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
                              expected=f"{len(layers)} values like layers",
                              found=repr(widths))
        _check_connect(connect)
        check_norm(norm)
        if stem not in ("imagenet", "small"):
            raise ConfigError("unknown stem", field="stem", expected="'imagenet' or 'small'",
                              found=repr(stem))
        if not 0.0 <= dropout < 1.0:
            raise ConfigError("bad dropout", field="dropout", expected="0 <= p < 1",
                              found=repr(dropout))
        self.connect = connect
        c = int(stem_width) if stem_width else widths[0]
        if stem == "imagenet":
            stem_layers = [*_conv_norm(in_channels, c, 7, 2, norm),
                           make_neuron(neuron, neuron_kwargs),
                           TimeDistributed(nn.MaxPool2d(3, stride=2, padding=1))]
        else:
            stem_layers = [*_conv_norm(in_channels, c, 3, 1, norm),
                           make_neuron(neuron, neuron_kwargs)]
        self.stem = nn.Sequential(*stem_layers)
        stages = []
        for i, (n_blocks, width) in enumerate(zip(layers, widths, strict=True)):
            blocks = []
            for j in range(n_blocks):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(SEWBasicBlock(c, width, stride, connect, neuron, neuron_kwargs,
                                            norm))
                c = width
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.head = nn.Sequential(
            TimeDistributed(nn.AdaptiveAvgPool2d(1), nn.Flatten(1)),
            nn.Dropout(dropout),
            nn.Linear(c, n_outputs),
        )

    def sequence_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return self.head(self.stages(self.stem(x_seq)))

    @classmethod
    def example(cls) -> tuple[nn.Module, torch.Tensor]:
        """A tiny SEW-ResNet and a matching input ``[T=3, B=2, 2, 8, 8]``.

        Examples
        --------
        >>> net, x = SEWResNet.example()
        >>> net(x).shape
        torch.Size([3, 2, 10])
        """
        net = cls(2, 10, layers=(1, 1), widths=(4, 8), stem="small")
        return net, torch.rand(3, 2, 2, 8, 8)


def sew_resnet18(**kwargs: Any) -> SEWResNet:
    """SEW-ResNet-18: :class:`SEWResNet` with ``layers=(2, 2, 2, 2)``.

    Examples
    --------
    >>> net = sew_resnet18(in_channels=1, n_outputs=3, widths=(2, 2, 2, 2), stem="small")
    >>> sum(len(stage) for stage in net.stages)
    8
    """
    return SEWResNet(layers=(2, 2, 2, 2), **kwargs)


def sew_resnet34(**kwargs: Any) -> SEWResNet:
    """SEW-ResNet-34: :class:`SEWResNet` with ``layers=(3, 4, 6, 3)``.

    Examples
    --------
    >>> net = sew_resnet34(in_channels=1, n_outputs=3, widths=(2, 2, 2, 2), stem="small")
    >>> sum(len(stage) for stage in net.stages)
    16
    """
    return SEWResNet(layers=(3, 4, 6, 3), **kwargs)
