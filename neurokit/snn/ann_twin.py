r"""The matched non-spiking network of an SNN: same layers, spiking neurons swapped for ReLUs.

Comparisons of spiking networks with brains (RSA, CKA, encoding scores) need a control: the
*same* architecture without spikes. :func:`ann_twin` deep-copies a neurokit SNN and replaces
every module that emits spikes (:attr:`neurokit.snn.base.StatefulModule.emits_spikes`: LIF, IF,
PLIF, PSN…) by a stateless :class:`TimeReLU`, applied element-wise at every time step of the
time-major ``[T, B, ...]`` tensors. Convolutions, normalisation, pooling, residual connections
and readout are kept (the same objects' copies, with the same weights unless
``reinitialize=True``), so the twin's layers have the *same names* as the SNN's and
:func:`neurokit.similarity.extract_activations` can read both at the same places.
"""

from __future__ import annotations

import copy
from typing import Literal

import torch
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import StatefulModule

__all__ = ["ann_twin", "TimeReLU", "ACTIVATIONS"]

#: activations a spiking neuron can be replaced with
ACTIVATIONS = ("relu", "rate")


class TimeReLU(nn.Module):
    r"""Stateless activation standing in for a spiking neuron, element-wise at every step.

    ``activation="relu"``: :math:`y = \max(x, 0)`; ``activation="rate"``:
    :math:`y = \min(\max(x / V_{th}, 0), 1)`, the steady-state firing rate (spikes per step) of
    an integrate-and-fire neuron with threshold :math:`V_{th}` and reset by subtraction under a
    constant input :math:`x`.

    Parameters
    ----------
    activation : {"relu", "rate"}
        Which function.
    v_threshold : float
        :math:`V_{th}` of the neuron replaced (used by ``"rate"`` only).
    replaces : str
        Class name of the neuron replaced (shown in the repr).

    Notes
    -----
    Any shape in, same shape out (``[T, B, ...]`` or one step ``[B, ...]``); no state, so it
    is not a :class:`~neurokit.snn.base.StatefulModule` and does not emit spikes.

    Examples
    --------
    >>> TimeReLU()(torch.tensor([[-1.0, 0.5, 2.0]])).tolist()
    [[0.0, 0.5, 2.0]]
    >>> TimeReLU("rate", v_threshold=0.5)(torch.tensor([-1.0, 0.25, 2.0])).tolist()
    [0.0, 0.5, 1.0]
    """

    emits_spikes = False

    def __init__(self, activation: Literal["relu", "rate"] = "relu", v_threshold: float = 1.0,
                 replaces: str = "") -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ConfigError("unknown activation", field="activation",
                              expected="one of " + ", ".join(ACTIVATIONS),
                              found=repr(activation))
        if not float(v_threshold) > 0:
            raise ConfigError("threshold must be positive", field="v_threshold",
                              expected="a number > 0", found=repr(v_threshold))
        self.activation = activation
        self.v_threshold = float(v_threshold)
        self.replaces = replaces

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.activation == "relu":
            return torch.relu(x)
        return torch.clamp(x / self.v_threshold, 0.0, 1.0)

    def extra_repr(self) -> str:
        text = f"activation={self.activation!r}"
        if self.activation == "rate":
            text += f", v_threshold={self.v_threshold}"
        return text + (f", replaces={self.replaces}" if self.replaces else "")


def ann_twin(
    network: nn.Module,
    *,
    activation: Literal["relu", "rate"] = "relu",
    reinitialize: bool = False,
    seed: int | None = None,
) -> nn.Module:
    r"""A non-spiking copy of ``network``: every spiking neuron replaced by a :class:`TimeReLU`.

    The twin computes, for a layer :math:`l` that is :math:`S^l_t = \mathrm{SN}(F^l(S^{l-1}_t))`
    in the SNN (:math:`F^l` convolution/normalisation/pooling, :math:`\mathrm{SN}` a stateful
    spiking neuron),

    .. math:: A^l_t = \mathrm{ReLU}\big(F^l(A^{l-1}_t)\big),

    the same :math:`F^l` (same weights) and no state, so each time step is processed on its
    own: with an image repeated over :math:`T` steps every step gives the same output, and
    ``T = 1`` suffices.

    Parameters
    ----------
    network : torch.nn.Module
        A neurokit SNN (any module tree whose neurons set ``emits_spikes = True``). It is not
        modified.
    activation : {"relu", "rate"}
        ``"relu"`` (default): the usual matched CNN; ``"rate"``: the clipped rate function
        :math:`\min(\max(x/V_{th}, 0), 1)` of each replaced neuron (see :class:`TimeReLU`).
    reinitialize : bool, default False
        ``False``: the twin keeps the SNN's weights (same function up to the nonlinearity: the
        weights of a trained SNN are *not* those a CNN would learn). ``True``: every layer with
        a ``reset_parameters`` method is re-initialised (PyTorch's default initialisation), to
        train the twin from scratch as its own network.
    seed : int, optional
        Seed of the re-initialisation (the global torch generator is left untouched); ``None``:
        the current global generator state is used (and advanced).

    Returns
    -------
    torch.nn.Module
        The copy, same class and module names as ``network`` (the replaced neurons keep their
        names), same training/eval mode, same input and output layout (``[T, B, ...]`` for
        neurokit architectures). Its non-neuron modules are copies (``copy.deepcopy``): training
        one network does not change the other.

    Raises
    ------
    SchemaError
        ``network`` is not a module, or holds no spiking neuron.
    ConfigError
        Unknown ``activation``.

    Notes
    -----
    The container classes of neurokit architectures (:class:`~neurokit.snn.models._common.
    TimeMajorNet`) are :class:`~neurokit.snn.base.StatefulModule` subclasses only for their
    step-mode plumbing; they hold no state and stay. Non-spiking stateful modules (e.g. the
    leaky-integrator readout of the delay SNN) are kept too. The SEW ``AND``/``IAND`` connect
    functions are designed for binary spikes; with ReLU activations use ``ADD`` (or
    ``activation="rate"``, which keeps values in [0, 1]).

    Examples
    --------
    >>> from neurokit.snn.models.vgg import SpikingVGG
    >>> snn, x = SpikingVGG.example()               # x: [T=3, B=2, 1, 8, 8]
    >>> cnn = ann_twin(snn)
    >>> cnn(x).shape
    torch.Size([3, 2, 10])
    >>> type(snn.features[2]).__name__, type(cnn.features[2]).__name__
    ('LIF', 'TimeReLU')
    >>> bool(torch.equal(snn.features[0][0].weight, cnn.features[0][0].weight))
    True
    """
    if not isinstance(network, nn.Module):
        raise SchemaError("network must be a torch.nn.Module", field="network",
                          expected="a torch.nn.Module (a neurokit SNN)",
                          found=type(network).__name__)
    if activation not in ACTIVATIONS:
        raise ConfigError("unknown activation", field="activation",
                          expected="one of " + ", ".join(ACTIVATIONS), found=repr(activation))
    if getattr(network, "emits_spikes", False):
        raise SchemaError("network is a single neuron", field="network",
                          expected="a network holding spiking neurons",
                          found=type(network).__name__)
    spiking = [name for name, module in network.named_modules()
               if name and getattr(module, "emits_spikes", False)]
    if not spiking:
        raise SchemaError("no spiking neuron in the network", field="network",
                          expected="modules with emits_spikes = True (neurokit neurons)",
                          found=f"{type(network).__name__} without any")
    twin = copy.deepcopy(network)
    modules = dict(twin.named_modules())
    for name in spiking:
        if any(name.startswith(outer + ".") for outer in spiking if outer != name):
            continue  # inside a neuron that is replaced as a whole
        neuron = modules[name]
        parent_name, _, child = name.rpartition(".")
        parent = modules[parent_name] if parent_name else twin
        v_threshold = getattr(neuron, "v_threshold", None)
        parent._modules[child] = TimeReLU(
            activation, v_threshold=float(v_threshold) if _is_number(v_threshold) else 1.0,
            replaces=type(neuron).__name__)
    for module in twin.modules():
        if isinstance(module, StatefulModule):
            module.reset()
    if reinitialize:
        if seed is None:
            _reset_parameters(twin)
        else:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(int(seed))
                _reset_parameters(twin)
    return twin


def _reset_parameters(net: nn.Module) -> None:
    for module in net.modules():
        reset = getattr(module, "reset_parameters", None)
        if callable(reset):
            reset()


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
