r"""Energy of the synaptic operations of an SNN versus the same network run as an ANN.

The estimate used throughout the SNN literature (e.g. Spikformer, Spike-driven Transformer):
an ANN layer costs one multiply-accumulate (MAC) per synapse per sample; an SNN layer fed
with binary spikes costs one accumulate (AC) per synapse *per input spike*, so over ``T``
steps with input spike rate :math:`r`

.. math::

    \mathrm{SOPs} = \mathrm{MACs} \times T \times r, \qquad
    E_{SNN} = E_{AC} \cdot \mathrm{SOPs}, \qquad E_{ANN} = E_{MAC} \cdot \mathrm{MACs},

with the 45 nm CMOS energies of Horowitz (ISSCC 2014) for 32-bit floating point:
:data:`E_AC` = 0.9 pJ and :data:`E_MAC` = 4.6 pJ. A layer whose input is not binary
(typically the first layer under direct encoding) really multiplies: it is counted as
:math:`\mathrm{MACs} \times T` operations at :math:`E_{MAC}`.

Only synaptic layers count (neurons, normalisation and pooling are left out, as in the
literature): ``nn.Linear``, ``nn.Conv1d/2d/3d`` (also inside
:class:`~neurokit.snn.layers.TimeDistributed`) and any module with a
``synaptic_macs(input) -> int`` method (then its sub-modules are not counted again).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from neurokit.snn.base import StatefulModule, check_finite, check_sequence, reset_states

__all__ = ["E_AC", "E_MAC", "estimate_energy", "layer_macs"]

#: energy of one 32-bit floating-point accumulate, joules (45 nm; Horowitz 2014)
E_AC: float = 0.9e-12
#: energy of one 32-bit floating-point multiply-accumulate, joules (45 nm; Horowitz 2014)
E_MAC: float = 4.6e-12

_SYNAPTIC = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def layer_macs(module: nn.Module, inputs: torch.Tensor, output: torch.Tensor) -> int:
    """Multiply-accumulates of one call of a synaptic layer (all rows of the call).

    ``nn.Linear``: rows x in x out; ``nn.ConvNd``: output elements x (in/groups) x kernel
    size; otherwise ``module.synaptic_macs(inputs)``. Biases are not counted.

    Examples
    --------
    >>> lin = torch.nn.Linear(3, 2)
    >>> x = torch.zeros(5, 3)
    >>> layer_macs(lin, x, lin(x))
    30
    """
    if hasattr(module, "synaptic_macs"):
        return int(module.synaptic_macs(inputs))
    if isinstance(module, nn.Linear):
        rows = inputs.numel() // module.in_features
        return rows * module.in_features * module.out_features
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        per_output = (module.in_channels // module.groups) * math.prod(module.kernel_size)
        return output.numel() * per_output
    raise TypeError(f"not a synaptic layer: {type(module).__name__}")  # pragma: no cover


def _synaptic_layers(net: nn.Module) -> list[tuple[str, nn.Module]]:
    layers, covered = [], []
    for name, module in net.named_modules():
        if any(name.startswith(prefix) for prefix in covered):
            continue
        if hasattr(module, "synaptic_macs"):
            layers.append((name or type(module).__name__, module))
            covered.append(f"{name}." if name else "")
        elif isinstance(module, _SYNAPTIC):
            layers.append((name or type(module).__name__, module))
    return layers


class _Tally:
    __slots__ = ("macs", "nonzero", "elements", "binary")

    def __init__(self) -> None:
        self.macs = 0
        self.nonzero = 0
        self.elements = 0
        self.binary = True


def estimate_energy(net: nn.Module, x_seq: torch.Tensor) -> Any:
    r"""Synaptic operations and energy per sample of ``net`` on ``x_seq``, per layer.

    The network is run once on ``x_seq`` ``[T, B, ...]`` (without gradients, in eval mode,
    states reset before and after; a network in single-step mode is fed step by step).
    For every synaptic layer:

    - ``macs``: MACs per sample of the equal ANN, which runs once (one step):
      total MACs of the run / (T B);
    - ``input_rate``: fraction of non-zero input elements (spikes per input per time step);
    - ``sops``: synaptic operations per sample, :math:`\mathrm{MACs} \times T \times r` for
      binary input, :math:`\mathrm{MACs} \times T` (multiplications) otherwise;
    - ``energy_snn`` = ``sops`` x :data:`E_AC` (binary input) or x :data:`E_MAC`
      (``binary_input`` False), ``energy_ann`` = ``macs`` x :data:`E_MAC`, in joules.

    Parameters
    ----------
    net : torch.nn.Module
        A time-major SNN mapping ``[T, B, ...]`` to ``[T, B, ...]``.
    x_seq : torch.Tensor
        Input ``[T, B, ...]`` (encoded spikes, or analog values under direct encoding).

    Returns
    -------
    xarray.Dataset
        Dim ``layer`` (names from ``net.named_modules()``) with ``macs``, ``input_rate``,
        ``sops``, ``binary_input``, ``energy_snn`` and ``energy_ann`` (units in attrs); the
        totals in ``attrs``: ``energy_snn_total``, ``energy_ann_total`` (J per sample),
        ``energy_ratio`` (SNN / ANN; NaN without synaptic layers), ``sops_total``,
        ``macs_total``, ``time_steps``, ``batch_size``, ``E_AC``, ``E_MAC``.

    Raises
    ------
    neurokit.errors.SchemaError
        ``x_seq`` not time-major ``[T, B, ...]``.
    neurokit.errors.InvalidValueError
        NaN/inf in ``x_seq``.

    Examples
    --------
    >>> from neurokit.snn import LIF, TimeDistributed
    >>> net = torch.nn.Sequential(TimeDistributed(torch.nn.Linear(4, 2)), LIF())
    >>> x = torch.zeros(5, 1, 4); x[:, :, 0] = 1.0           # one of 4 inputs spikes always
    >>> ds = estimate_energy(net, x)
    >>> int(ds.macs[0]), float(ds.input_rate[0]), float(ds.sops[0])
    (8, 0.25, 10.0)
    """
    import xarray as xr

    check_sequence(x_seq, min_ndim=2, name="x_seq")
    check_finite(x_seq, "x_seq")
    steps, batch = int(x_seq.shape[0]), int(x_seq.shape[1])
    layers = _synaptic_layers(net)
    tallies = {name: _Tally() for name, _ in layers}

    def make_hook(name: str):
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            inputs = args[0] if args else None
            if not isinstance(inputs, torch.Tensor):
                return
            tally = tallies[name]
            inputs = inputs.detach()
            tally.macs += layer_macs(module, inputs, output)
            tally.nonzero += int(torch.count_nonzero(inputs))
            tally.elements += inputs.numel()
            if tally.binary:
                tally.binary = bool(((inputs == 0) | (inputs == 1)).all())
        return hook

    single = any(isinstance(m, StatefulModule) and m.step_mode == "single"
                 for m in net.modules())
    modes = {m: m.training for m in net.modules()}
    handles = [module.register_forward_hook(make_hook(name)) for name, module in layers]
    try:
        net.eval()
        reset_states(net)
        with torch.no_grad():
            if single:
                for x in x_seq:
                    net(x)
            else:
                net(x_seq)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes.items():
            module.training = training
        reset_states(net)

    names = [name for name, _ in layers]
    macs, rates, sops, binary, e_snn, e_ann = [], [], [], [], [], []
    for name in names:
        tally = tallies[name]
        ann = tally.macs / (steps * batch)
        rate = tally.nonzero / tally.elements if tally.elements else 0.0
        ops = ann * steps * rate if tally.binary else ann * steps
        macs.append(ann)
        rates.append(rate)
        sops.append(ops)
        binary.append(tally.binary)
        e_snn.append(ops * (E_AC if tally.binary else E_MAC))
        e_ann.append(ann * E_MAC)
    total_snn, total_ann = float(sum(e_snn)), float(sum(e_ann))
    dim = ("layer",)
    data = {
        "macs": (dim, macs, {"units": "MAC/sample", "long_name": "ANN multiply-accumulates"}),
        "input_rate": (dim, rates, {"units": "spikes/input/step",
                                    "long_name": "fraction of non-zero inputs"}),
        "sops": (dim, sops, {"units": "operations/sample",
                             "long_name": "SNN synaptic operations"}),
        "binary_input": (dim, binary, {"long_name": "input is binary (AC) or analog (MAC)"}),
        "energy_snn": (dim, e_snn, {"units": "J", "long_name": "SNN energy per sample"}),
        "energy_ann": (dim, e_ann, {"units": "J", "long_name": "ANN energy per sample"}),
    }
    attrs = {
        "energy_snn_total": total_snn,
        "energy_ann_total": total_ann,
        "energy_ratio": total_snn / total_ann if total_ann > 0 else float("nan"),
        "sops_total": float(sum(sops)),
        "macs_total": float(sum(macs)),
        "time_steps": steps,
        "batch_size": batch,
        "E_AC": E_AC,
        "E_MAC": E_MAC,
        "units": "J per sample",
        "reference": "Horowitz (2014) ISSCC, 45 nm, 32-bit float",
    }
    return xr.Dataset(data, coords={"layer": names}, attrs=attrs)
