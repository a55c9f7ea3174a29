"""The one LightningModule convention every trainable neurokit model follows.

A model subclasses :class:`NeurokitModule` and implements one method,
``compute(batch, stage) -> dict[str, Tensor]`` returning at least ``"loss"``. The base class
turns it into ``training_step``/``validation_step``/``test_step`` through one shared step that

1. resets the state of every stateful (spiking) layer before the batch
   (:func:`neurokit.snn.reset_states`),
2. calls ``compute``,
3. stops with :class:`~neurokit.errors.TrainingError` on a NaN/inf loss, naming the stage,
   epoch, global step and batch,
4. logs every scalar it returned as ``"{stage}/{name}"`` (``train`` per step; ``val``/``test``
   averaged over the epoch and synchronised across processes),
5. returns the loss.

Optimiser and learning-rate schedule come from the hyper-parameters (``optimizer``, ``lr``,
``weight_decay``, ``scheduler``), which subclasses save with ``self.save_hyperparameters()``.
Side effects (figures, dumps, spike statistics) live in callbacks
(:mod:`neurokit.core.callbacks`), not in the model.
"""

from __future__ import annotations

import math
from typing import Any

import lightning as L
import torch

from neurokit.errors import CheckpointError, ConfigError, TrainingError

__all__ = ["NeurokitModule", "OPTIMIZERS", "SCHEDULERS", "CLASS_KEY", "class_path"]

#: optimiser name -> torch.optim class name
OPTIMIZERS: dict[str, str] = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD"}
#: learning-rate schedules by name (``None`` keeps the rate constant)
SCHEDULERS: tuple[str, ...] = ("cosine", "step")
#: checkpoint key holding ``"module:Class"`` of the model that wrote it
CLASS_KEY = "neurokit_class"

_STAGES = ("train", "val", "test")


def class_path(cls: type) -> str:
    """``"module:QualName"`` of a class, as stored in neurokit checkpoints.

    Examples
    --------
    >>> class_path(NeurokitModule)
    'neurokit.core.module:NeurokitModule'
    """
    return f"{cls.__module__}:{cls.__qualname__}"


class NeurokitModule(L.LightningModule):
    """Base class of every trainable neurokit model (one shared step, metrics ``stage/name``).

    Parameters
    ----------
    optimizer : {"adam", "adamw", "sgd"}, default "adam"
        Optimiser (SGD with momentum 0.9).
    lr : float, default 1e-3
        Learning rate, > 0.
    weight_decay : float, default 0.0
        L2 penalty (decoupled for AdamW), >= 0.
    scheduler : {None, "cosine", "step"}, default None
        Learning-rate schedule stepped once per epoch: cosine annealing to 0 over
        ``trainer.max_epochs``, or a tenfold decay every ``max(1, max_epochs // 3)`` epochs.

    Notes
    -----
    Subclasses implement :meth:`compute` and call ``self.save_hyperparameters()`` in their
    ``__init__`` (after ``super().__init__(...)``) so checkpoints and ``config.yaml`` hold every
    argument.

    Examples
    --------
    >>> import torch
    >>> class Mean(NeurokitModule):
    ...     def __init__(self, lr: float = 0.1):
    ...         super().__init__(lr=lr)
    ...         self.save_hyperparameters()
    ...         self.w = torch.nn.Parameter(torch.zeros(1))
    ...     def compute(self, batch, stage):
    ...         return {"loss": ((batch - self.w) ** 2).mean()}
    >>> m = Mean()
    >>> m.hparams.lr, m.compute(torch.ones(3), "train")["loss"].item()
    (0.1, 1.0)
    >>> type(m.configure_optimizers()).__name__
    'Adam'
    """

    def __init__(
        self,
        optimizer: str = "adam",
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        scheduler: str | None = None,
    ) -> None:
        super().__init__()
        if optimizer not in OPTIMIZERS:
            raise ConfigError("unknown optimiser", field="optimizer",
                              expected="one of " + ", ".join(OPTIMIZERS), found=repr(optimizer))
        if scheduler is not None and scheduler not in SCHEDULERS:
            raise ConfigError("unknown learning-rate scheduler", field="scheduler",
                              expected="None or one of " + ", ".join(SCHEDULERS),
                              found=repr(scheduler))
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ConfigError("bad learning rate", field="lr", expected="a finite number > 0",
                              found=repr(lr))
        if not (isinstance(weight_decay, (int, float)) and math.isfinite(weight_decay)
                and weight_decay >= 0):
            raise ConfigError("bad weight decay", field="weight_decay",
                              expected="a finite number >= 0", found=repr(weight_decay))
        self._optim_config = {"optimizer": optimizer, "lr": float(lr),
                              "weight_decay": float(weight_decay), "scheduler": scheduler}
        self._batch_idx = 0

    # -- the one method subclasses write ---------------------------------------------------
    def compute(self, batch: Any, stage: str) -> dict[str, torch.Tensor]:
        """Loss and metrics of one batch: ``{"loss": scalar tensor, name: scalar, ...}``.

        ``stage`` is ``"train"``, ``"val"`` or ``"test"``. Only the ``"loss"`` needs a graph.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement compute(batch, stage)")

    # -- the shared step -------------------------------------------------------------------
    def _shared_step(self, batch: Any, batch_idx: int, stage: str) -> torch.Tensor:
        from neurokit.snn.base import reset_states

        self._batch_idx = batch_idx
        reset_states(self)
        out = self.compute(batch, stage)
        if not isinstance(out, dict) or "loss" not in out:
            raise TrainingError(f"{type(self).__name__}.compute returned no loss", field="loss",
                                expected="a dict with a 'loss' tensor",
                                found=type(out).__name__ if not isinstance(out, dict)
                                else f"keys {sorted(out)}")
        loss = out["loss"]
        self.check_loss(loss, stage)
        batch_size = _batch_size(batch)
        for name, value in out.items():
            if isinstance(value, torch.Tensor):
                if value.numel() != 1:
                    continue
                value = value.detach().float().reshape(())
            elif not isinstance(value, (int, float)):
                continue
            self.log(f"{stage}/{name}", value, prog_bar=name in ("loss", "accuracy"),
                     on_step=stage == "train", on_epoch=stage != "train",
                     sync_dist=stage != "train", batch_size=batch_size)
        return loss

    def check_loss(self, loss: torch.Tensor, stage: str) -> None:
        """Raise :class:`~neurokit.errors.TrainingError` when ``loss`` is NaN or inf."""
        if not isinstance(loss, torch.Tensor):
            raise TrainingError("loss is not a tensor", field=f"{stage}/loss",
                                expected="a scalar torch.Tensor", found=type(loss).__name__)
        if not bool(torch.isfinite(loss.detach()).all()):
            where = (f"stage '{stage}', epoch {self.current_epoch}, "
                     f"global step {self.global_step}, batch {self._batch_idx}")
            raise TrainingError(f"non-finite loss at {where}; training stopped",
                                field=f"{stage}/loss", expected="a finite loss",
                                found=str(loss.detach().cpu().tolist()))

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self._shared_step(batch, batch_idx, "train")

    def validation_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self._shared_step(batch, batch_idx, "val")

    def test_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self._shared_step(batch, batch_idx, "test")

    # -- optimisation ----------------------------------------------------------------------
    def configure_optimizers(self) -> Any:
        cfg = self._optim_config
        cls = getattr(torch.optim, OPTIMIZERS[cfg["optimizer"]])
        kwargs: dict[str, Any] = {"lr": cfg["lr"], "weight_decay": cfg["weight_decay"]}
        if cfg["optimizer"] == "sgd":
            kwargs["momentum"] = 0.9
        opt = cls(self.parameter_groups(), **kwargs)
        if cfg["scheduler"] is None:
            return opt
        max_epochs = _max_epochs(self)
        if cfg["scheduler"] == "cosine":
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max_epochs)
        else:
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, max_epochs // 3),
                                                    gamma=0.1)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "epoch"}}

    def parameter_groups(self) -> Any:
        """What the optimiser trains: all parameters by default; subclasses may return
        per-group settings (e.g. a larger learning rate for synaptic delays)."""
        return self.parameters()

    def on_train_epoch_end(self) -> None:
        # automatic optimisation steps schedulers itself; manual optimisation does it here
        if not self.automatic_optimization:
            sched = self.lr_schedulers()
            if sched is not None:
                sched.step()

    # -- checkpoints -----------------------------------------------------------------------
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint[CLASS_KEY] = class_path(type(self))

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        found = checkpoint.get(CLASS_KEY)
        expected = class_path(type(self))
        if found != expected:
            raise CheckpointError(
                "checkpoint of another model", field=CLASS_KEY, expected=expected,
                found=repr(found) if found is not None else "no neurokit model class")


def _batch_size(batch: Any) -> int | None:
    first = batch[0] if isinstance(batch, (tuple, list)) and batch else batch
    if isinstance(first, torch.Tensor) and first.dim() > 0:
        return int(first.shape[0])
    return None


def _max_epochs(module: L.LightningModule) -> int:
    trainer = module._trainer
    max_epochs = getattr(trainer, "max_epochs", None) if trainer is not None else None
    return int(max_epochs) if max_epochs is not None and max_epochs > 0 else 100
