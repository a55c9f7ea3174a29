"""Callbacks: the side effects of training (spike statistics, RNG state for exact resumes)."""

from __future__ import annotations

import random
from typing import Any

import lightning as L
import numpy as np
import torch

__all__ = ["SpikeStatistics", "RNGState", "MaskedPSNSchedule", "DelaySigmaSchedule"]


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


class MaskedPSNSchedule(L.Callback):
    r"""Progressive masking of every :class:`~neurokit.snn.neurons.MaskedPSN` in the model:
    :math:`\lambda = e / (E - 1)` at the start of epoch :math:`e` of :math:`E` (Fang et al. 2023).

    Examples
    --------
    >>> MaskedPSNSchedule().schedule(epoch=2, max_epochs=5)
    0.5
    """

    @staticmethod
    def schedule(epoch: int, max_epochs: int) -> float:
        r"""The masking progress :math:`\lambda` for ``epoch`` of ``max_epochs``."""
        from neurokit.snn.neurons.psn import MaskedPSN

        return MaskedPSN.lambda_schedule(epoch, max_epochs)

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        from neurokit.snn.neurons.psn import MaskedPSN

        value = self.schedule(trainer.current_epoch, int(trainer.max_epochs or 1))
        for module in pl_module.modules():
            if isinstance(module, MaskedPSN):
                module.lambda_ = value
        pl_module.log("train/psn_mask_lambda", value)


class DelaySigmaSchedule(L.Callback):
    """Shrink the Gaussian width of every learnable-delay kernel over training (Hammouamri et
    al. 2024): ``sigma_schedule(epoch, max_epochs, sigma_init, sigma_final, decay_fraction)``
    at the start of each epoch; at the end of training the delays are rounded to whole steps.

    Parameters
    ----------
    sigma_init : float, optional
        Width at epoch 0 (time steps); default half of each layer's ``max_delay``.
    sigma_final : float
        Width reached after ``decay_fraction`` of the epochs.
    decay_fraction : float
        Fraction of training over which the width decays.
    round_at_end : bool
        Round the delays to integers when training ends.

    Examples
    --------
    >>> DelaySigmaSchedule(sigma_init=4.0).sigma(epoch=0, max_epochs=10, max_delay=8)
    4.0
    """

    def __init__(self, sigma_init: float | None = None, sigma_final: float = 0.5,
                 decay_fraction: float = 0.25, round_at_end: bool = False) -> None:
        self.sigma_init = sigma_init
        self.sigma_final = sigma_final
        self.decay_fraction = decay_fraction
        self.round_at_end = round_at_end

    def sigma(self, epoch: int, max_epochs: int, max_delay: int) -> float:
        """The kernel width at ``epoch`` for a layer with ``max_delay``."""
        from neurokit.snn.layers.delay import sigma_schedule

        init = self.sigma_init if self.sigma_init is not None else max_delay / 2
        return sigma_schedule(epoch, max_epochs, init, self.sigma_final, self.decay_fraction)

    def _delay_layers(self, pl_module: L.LightningModule) -> list[Any]:
        from neurokit.snn.layers.delay import DelayLinear

        return [m for m in pl_module.modules() if isinstance(m, DelayLinear)]

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        for layer in self._delay_layers(pl_module):
            layer.set_sigma(self.sigma(trainer.current_epoch, int(trainer.max_epochs or 1),
                                       layer.max_delay))

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.round_at_end:
            for layer in self._delay_layers(pl_module):
                layer.round_delays()
