"""Callbacks: the side effects of training (spike statistics, RNG state for exact resumes)."""

from __future__ import annotations

import random
from typing import Any

import lightning as L
import numpy as np
import torch

__all__ = ["SpikeStatistics", "RNGState"]


class SpikeStatistics(L.Callback):
    """Log the mean firing rate of every spiking layer over each validation epoch.

    Runs :class:`neurokit.snn.monitor.SpikeMonitor` on the model during validation and logs
    ``"val/firing_rate/<layer>"`` (spikes per neuron per time step) at the end of the epoch.

    Examples
    --------
    >>> cb = SpikeStatistics()
    >>> cb.summary_ is None
    True
    """

    def __init__(self) -> None:
        self._monitor: Any = None
        self.summary_: Any = None

    def on_validation_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        from neurokit.snn.monitor import SpikeMonitor

        self._monitor = SpikeMonitor(pl_module)
        self._monitor.__enter__()

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._monitor is None:
            return
        try:
            summary = self._monitor.summary()
        finally:
            self._monitor.__exit__(None, None, None)
            self._monitor = None
        self.summary_ = summary
        for layer in summary["layer"].values:
            rate = float(summary["firing_rate"].sel(layer=layer))
            pl_module.log(f"val/firing_rate/{layer}", rate, sync_dist=True)


class RNGState(L.Callback):
    """Save the torch/numpy/Python random states in checkpoints and restore them on resume,
    so stochastic models (dropout, Poisson encoding) resume exactly.

    Examples
    --------
    >>> cb = RNGState()
    >>> state = cb.state_dict(); _ = torch.rand(3); cb.load_state_dict(state)
    >>> torch.equal(torch.get_rng_state(), state["torch"])
    True
    """

    def state_dict(self) -> dict[str, Any]:
        version, internal, gauss = random.getstate()
        kind, keys, pos, has_gauss, cached = np.random.get_state()
        return {
            "torch": torch.get_rng_state(),
            "numpy": {"kind": str(kind), "keys": torch.from_numpy(keys.astype(np.int64)),
                      "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)},
            "python": {"version": version, "internal": list(internal), "gauss": gauss},
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        torch.set_rng_state(state_dict["torch"])
        n = state_dict["numpy"]
        np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"],
                             n["has_gauss"], n["cached"]))
        p = state_dict["python"]
        random.setstate((p["version"], tuple(p["internal"]), p["gauss"]))
