"""Spike counts and firing rates per layer, recorded with forward hooks (no code in layers).

:class:`SpikeMonitor` hooks every module of a network whose class sets ``emits_spikes = True``
(all neurons do) and accumulates, per layer and across calls, the number of spikes, the number
of neurons, time steps and samples seen; :meth:`SpikeMonitor.summary` returns them as an
``xarray.Dataset`` over a ``layer`` dimension.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from neurokit.snn.base import StatefulModule

__all__ = ["SpikeMonitor"]


def _step_mode(module: nn.Module) -> str:
    return getattr(module, "step_mode", "multi")


def _at_sequence_start(module: nn.Module) -> bool:
    """Whether a stateful module has not stepped since its reset (a new sequence)."""
    return not isinstance(module, StatefulModule) or module.is_reset()


class _LayerRecord:
    __slots__ = ("spike_count", "elements", "n_neurons", "time_steps", "samples", "calls")

    def __init__(self) -> None:
        self.spike_count: torch.Tensor | float = 0.0
        self.elements = 0
        self.n_neurons = 0
        self.time_steps = 0
        self.samples = 0
        self.calls = 0


class SpikeMonitor:
    r"""Record spike counts and firing rates of every spiking layer of a network.

    Forward hooks are put on each module with ``emits_spikes = True`` when the monitor is
    created (or entered again after :meth:`remove`); they are taken off on leaving the
    ``with`` block or with :meth:`remove`. Counts persist until :meth:`reset`.

    Per call of a layer with output ``S``:

    - multi-step (``[T, B, ...]``): ``T`` time steps, ``B`` samples, ``prod(...)`` neurons;
    - single-step (``[B, ...]``): one time step, ``prod(...)`` neurons; the ``B`` samples are
      counted once per sequence, i.e. when the layer's state is at its reset value (after
      :func:`~neurokit.snn.base.reset_states`).

    The spike count is the sum of ``|S|`` (the number of spikes for binary spikes), and

    .. math:: \text{firing rate} = \frac{\sum \text{spikes}}{\sum_{\text{calls}}
              n_{neurons} \cdot T \cdot B} \quad \text{(spikes per neuron per time step)}.

    Parameters
    ----------
    net : torch.nn.Module
        The network (itself included if it emits spikes).

    Examples
    --------
    >>> from neurokit.snn import LIF, TimeDistributed
    >>> net = torch.nn.Sequential(TimeDistributed(torch.nn.Linear(4, 3)), LIF())
    >>> with SpikeMonitor(net) as mon:
    ...     _ = net(torch.ones(8, 2, 4))
    >>> ds = mon.summary()
    >>> ds.sizes["layer"], ds.layer.values.tolist(), int(ds.n_neurons[0]), int(ds.time_steps[0])
    (1, ['1'], 3, 8)
    """

    def __init__(self, net: nn.Module) -> None:
        self.net = net
        self._records: dict[str, _LayerRecord] = {}
        self._handles: list[Any] = []
        #: per layer: whether the current single-step call starts a new sequence
        self._new_sequence: dict[str, bool] = {}
        self._attach()

    def _layers(self) -> list[tuple[str, nn.Module]]:
        return [(name or type(module).__name__, module) for name, module in
                self.net.named_modules() if getattr(module, "emits_spikes", False)]

    def _attach(self) -> None:
        if self._handles:
            return
        for name, module in self._layers():
            self._records.setdefault(name, _LayerRecord())
            self._handles.append(module.register_forward_pre_hook(self._make_pre_hook(name)))
            self._handles.append(module.register_forward_hook(self._make_hook(name)))

    def _make_pre_hook(self, name: str):
        def pre_hook(module: nn.Module, args: Any) -> None:
            self._new_sequence[name] = (_step_mode(module) == "single"
                                        and _at_sequence_start(module))
        return pre_hook

    def _make_hook(self, name: str):
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            if not isinstance(output, torch.Tensor) or output.dim() == 0:
                return
            record = self._records[name]
            out = output.detach()
            multi = _step_mode(module) == "multi"
            if multi and out.dim() >= 2:
                steps, batch, neurons = out.shape[0], out.shape[1], math.prod(out.shape[2:])
                record.samples += batch
            else:
                steps, batch, neurons = 1, out.shape[0], math.prod(out.shape[1:])
                if self._new_sequence.get(name, True):
                    record.samples += batch
            record.spike_count = record.spike_count + out.abs().sum(dtype=torch.float64)
            record.elements += out.numel()
            record.n_neurons = neurons
            record.time_steps += steps
            record.calls += 1
        return hook

    def remove(self) -> None:
        """Take the hooks off the network (the counts are kept)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def reset(self) -> None:
        """Forget every count (hooks stay)."""
        self._records = {name: _LayerRecord() for name in self._records}

    def __enter__(self) -> SpikeMonitor:
        self._attach()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def summary(self) -> Any:
        """Counts and rates per layer as an ``xarray.Dataset``.

        Returns
        -------
        xarray.Dataset
            Dim ``layer`` (names from ``net.named_modules()``, the network itself by its class
            name) with variables ``spike_count`` (spikes), ``n_neurons`` (neurons per sample),
            ``time_steps`` (steps seen, summed over calls), ``samples`` (samples seen),
            ``calls`` and ``firing_rate`` (spikes per neuron per time step; NaN for a layer
            never called). Each has ``attrs["units"]``.
        """
        import xarray as xr

        names = list(self._records)
        recs = [self._records[n] for n in names]
        counts = [float(r.spike_count) for r in recs]
        rates = [c / r.elements if r.elements else float("nan")
                 for c, r in zip(counts, recs, strict=True)]
        layer = {"layer": names}
        data = {
            "spike_count": (("layer",), counts, {"units": "spikes"}),
            "n_neurons": (("layer",), [r.n_neurons for r in recs], {"units": "neurons"}),
            "time_steps": (("layer",), [r.time_steps for r in recs], {"units": "steps"}),
            "samples": (("layer",), [r.samples for r in recs], {"units": "samples"}),
            "calls": (("layer",), [r.calls for r in recs], {"units": "calls"}),
            "firing_rate": (("layer",), rates,
                            {"units": "spikes/neuron/step",
                             "long_name": "spikes per neuron per time step"}),
        }
        return xr.Dataset(data, coords=layer,
                          attrs={"description": "spike statistics per spiking layer"})
