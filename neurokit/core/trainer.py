"""Train any neurokit model the same way from Python or the CLI: :func:`fit`.

Every run gets its own folder ``run_dir/name/version_k``::

    config.yaml          resolved configuration (model, data, trainer, seed)
    metrics.csv          every logged metric ("train/loss", "val/accuracy", ...)
    hparams.yaml         hyper-parameters as the CSV logger records them
    events.out.tfevents  TensorBoard log (when tensorboard is installed)
    checkpoints/         last.ckpt and one checkpoint per epoch

Runs are reproducible (``seed_everything(seed, workers=True)``, deterministic algorithms,
batch order a function of seed and epoch) and resumable: ``fit(..., resume="last")`` continues
the latest run from its ``last.ckpt`` and ends with the weights an uninterrupted run would have.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import logging
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning as L
from lightning.fabric.loggers.logger import rank_zero_experiment
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter
from lightning.pytorch.utilities.rank_zero import rank_zero_only

from neurokit.core.callbacks import RNGState
from neurokit.core.checkpoint import check_state_dict, load_checkpoint
from neurokit.core.module import class_path
from neurokit.errors import CheckpointError, ConfigError

__all__ = ["fit", "FitResult", "find_last_checkpoint"]

_RUN_DIR_ENV = "NEUROKIT_RUN_DIR"  # hands the run folder to DDP worker processes
_QUIET_LOGGERS = ("lightning.pytorch", "lightning.fabric", "lightning")


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    run_dir : pathlib.Path
        The run folder (``config.yaml``, ``metrics.csv``, ``checkpoints/``).
    last_checkpoint, best_checkpoint : pathlib.Path or None
        ``checkpoints/last.ckpt`` and the epoch checkpoint with the lowest ``val/loss``
        (None without validation data).
    metrics : dict of str to float
        The last value of every logged metric.
    trainer : lightning.Trainer
    model : lightning.LightningModule
        The trained model (the same object that was passed in).
    """

    run_dir: Path
    last_checkpoint: Path | None
    best_checkpoint: Path | None
    metrics: dict[str, float]
    trainer: L.Trainer
    model: L.LightningModule


def fit(
    model: L.LightningModule,
    datamodule: L.LightningDataModule,
    *,
    run_dir: str | os.PathLike = "runs",
    name: str | None = None,
    max_epochs: int = 10,
    seed: int = 0,
    resume: bool | str | os.PathLike = False,
    deterministic: bool = True,
    accelerator: str = "cpu",
    devices: int | str | Sequence[int] = 1,
    strategy: str | Any = "auto",
    callbacks: Sequence[L.Callback] = (),
    enable_progress_bar: bool | None = None,
    limit_train_batches: int | float | None = None,
    limit_val_batches: int | float | None = None,
    log_every_n_steps: int = 1,
    config: dict[str, Any] | None = None,
    checkpoints: bool = True,
    **trainer_kwargs: Any,
) -> FitResult:
    """Train ``model`` on ``datamodule`` into a fresh (or resumed) run folder.

    Parameters
    ----------
    model : lightning.LightningModule
        Usually a :class:`~neurokit.core.module.NeurokitModule`. Build it after
        ``lightning.seed_everything(seed)`` for identical initial weights across runs (the CLI
        does this).
    datamodule : lightning.LightningDataModule
        Usually an :class:`~neurokit.core.data.XarrayDataModule`.
    run_dir : path, default "runs"
        Parent of the run folders.
    name : str, optional
        Experiment name (default: the model class name in lower case); runs go to
        ``run_dir/name/version_k``.
    max_epochs : int, default 10
    seed : int, default 0
        Seed of torch, numpy, Python and data-loader workers.
    resume : bool, "last" or path, default False
        ``True``/``"last"``: continue the latest run of ``run_dir/name`` from its
        ``checkpoints/last.ckpt``; a path: continue from that checkpoint (in its run folder
        when it lies in one). The checkpoint must come from the same model class.
    deterministic : bool, default True
        Use deterministic algorithms (``torch.use_deterministic_algorithms``).
    accelerator, devices, strategy
        As in :class:`lightning.Trainer` (e.g. ``strategy="ddp", devices=2`` on CPU with gloo).
    callbacks : sequence of lightning.Callback
        Extra callbacks (e.g. :class:`~neurokit.core.callbacks.SpikeStatistics`).
    enable_progress_bar : bool, optional
        Default: on only when standard output is a terminal (then also the model summary);
        otherwise Lightning's info messages are silenced too.
    limit_train_batches, limit_val_batches : int or float, optional
        As in :class:`lightning.Trainer` (quick runs).
    log_every_n_steps : int, default 1
        Training metrics are written to ``metrics.csv`` every that many steps.
    config : dict, optional
        Configuration written as ``config.yaml`` (the CLI passes its parsed config); default:
        built from the hyper-parameters of model and data, the trainer arguments, the seed and
        ``run_dir``/``name``/``resume``, in the layout ``neurokit fit --config`` reads.
    checkpoints : bool, default True
        Write ``checkpoints/last.ckpt`` and one checkpoint per epoch. ``False`` (throw-away
        runs, e.g. scikit-learn estimators fitted without a run folder) writes none, so
        nothing can be resumed.
    **trainer_kwargs
        Any other :class:`lightning.Trainer` argument.

    Returns
    -------
    FitResult

    Raises
    ------
    neurokit.errors.CheckpointError
        Nothing to resume, or a checkpoint from another model or with other weights' shapes.
    neurokit.errors.TrainingError
        A NaN/inf loss (raised by the model's shared step, naming the step).

    Examples
    --------
    >>> import numpy as np, xarray as xr, tempfile, lightning as L
    >>> from neurokit.core import Classifier, MLP, XarrayDataModule
    >>> rng = np.random.default_rng(0)
    >>> da = xr.DataArray(rng.random((40, 4)), dims=("trial", "feature"),
    ...                   coords={"label": ("trial", np.arange(40) % 2)})
    >>> _ = L.seed_everything(0, verbose=False)
    >>> model = Classifier(MLP(in_features=4, n_outputs=2), lr=0.01)
    >>> dm = XarrayDataModule.from_dataarray(da, batch_size=8)
    >>> res = fit(model, dm, run_dir=tempfile.mkdtemp(), max_epochs=2)
    >>> res.last_checkpoint.name, "val/loss" in res.metrics
    ('last.ckpt', True)
    """
    if not isinstance(model, L.LightningModule):
        raise ConfigError("not a LightningModule", field="model",
                          expected="a neurokit.core.NeurokitModule", found=type(model).__name__)
    name = name or type(model).__name__.lower()
    base = Path(run_dir) / name
    ckpt_path = _resolve_resume(resume, base)
    if ckpt_path is not None:
        ckpt = load_checkpoint(ckpt_path, expected_cls=type(model))
        check_state_dict(model, ckpt, path=str(ckpt_path))
        del ckpt
    folder = _run_folder(base, ckpt_path)
    L.seed_everything(seed, workers=True, verbose=False)
    if enable_progress_bar is None:
        enable_progress_bar = sys.stdout.isatty()

    ckpt_cb = None if not checkpoints else ModelCheckpoint(
        dirpath=folder / "checkpoints", filename="epoch{epoch:03d}",
        auto_insert_metric_name=False, save_last=True, save_top_k=-1, every_n_epochs=1,
        monitor="val/loss" if _has_validation(datamodule) else None, mode="min",
    )
    loggers: list[Any] = [_RunCSVLogger(folder)]
    if (importlib.util.find_spec("tensorboard") is not None
            or importlib.util.find_spec("tensorboardX") is not None):
        loggers.append(TensorBoardLogger(save_dir=str(folder.parent), name="",
                                         version=folder.name, default_hp_metric=False))
    trainer_args: dict[str, Any] = {
        "max_epochs": max_epochs, "deterministic": deterministic, "accelerator": accelerator,
        "devices": devices, "strategy": strategy, "limit_train_batches": limit_train_batches,
        "limit_val_batches": limit_val_batches, "log_every_n_steps": log_every_n_steps,
        "enable_progress_bar": enable_progress_bar, **trainer_kwargs,
    }
    trainer_args.setdefault("enable_model_summary", enable_progress_bar)
    with _quiet(not enable_progress_bar):
        trainer = L.Trainer(
            callbacks=[RNGState(), *callbacks, *([ckpt_cb] if ckpt_cb else [])],
            enable_checkpointing=checkpoints, logger=loggers,
            default_root_dir=str(folder), **trainer_args,
        )
    if rank_zero_only.rank == 0:
        resolved = config if config is not None else _resolved_config(
            model, datamodule, trainer_args, seed,
            {"run_dir": os.fspath(run_dir), "name": name,
             "resume": str(ckpt_path) if ckpt_path is not None else False})
        _write_yaml(folder / "config.yaml", resolved)
    with _env(_RUN_DIR_ENV, str(folder)), _quiet(not enable_progress_bar):
        trainer.fit(model, datamodule=datamodule, ckpt_path=ckpt_path, weights_only=True)
    last = Path(ckpt_cb.last_model_path) if ckpt_cb and ckpt_cb.last_model_path else None
    best = Path(ckpt_cb.best_model_path) if ckpt_cb and ckpt_cb.best_model_path else None
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if v.numel() == 1}
    return FitResult(folder, last, best, metrics, trainer, model)


def find_last_checkpoint(base: str | os.PathLike) -> Path | None:
    """``checkpoints/last.ckpt`` of the highest ``version_k`` under ``base`` having one.

    Examples
    --------
    >>> import tempfile
    >>> find_last_checkpoint(tempfile.mkdtemp()) is None
    True
    """
    for version in sorted(_versions(Path(base)), reverse=True):
        last = Path(base) / f"version_{version}" / "checkpoints" / "last.ckpt"
        if last.is_file():
            return last
    return None


# -- helpers -------------------------------------------------------------------------------
def _versions(base: Path) -> list[int]:
    if not base.is_dir():
        return []
    found = (re.fullmatch(r"version_(\d+)", p.name) for p in base.iterdir() if p.is_dir())
    return [int(m.group(1)) for m in found if m]


def _resolve_resume(resume: bool | str | os.PathLike, base: Path) -> Path | None:
    if resume is False or resume is None:
        return None
    if resume is True or resume == "last":
        last = find_last_checkpoint(base)
        if last is None:
            raise CheckpointError("nothing to resume", path=base,
                                  expected="a run folder version_k/checkpoints/last.ckpt")
        return last
    return Path(resume)


def _run_folder(base: Path, ckpt_path: Path | None) -> Path:
    given = os.environ.get(_RUN_DIR_ENV)
    if given and os.environ.get("LOCAL_RANK", "0") != "0":
        return Path(given)  # a DDP worker joins the folder its launcher made
    if ckpt_path is not None and ckpt_path.parent.name == "checkpoints":
        return ckpt_path.parent.parent
    base.mkdir(parents=True, exist_ok=True)
    version = max(_versions(base), default=-1) + 1
    while True:
        folder = base / f"version_{version}"
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            version += 1


def _has_validation(datamodule: L.LightningDataModule) -> bool:
    frac = getattr(datamodule, "hparams", {}).get("val_fraction")
    if frac is not None:
        return float(frac) > 0
    from lightning.pytorch.utilities.model_helpers import is_overridden

    return is_overridden("val_dataloader", datamodule, L.LightningDataModule)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, type):
        return class_path(value)
    return f"{class_path(type(value))}()"


def _resolved_config(model: L.LightningModule, datamodule: L.LightningDataModule,
                     trainer_args: dict[str, Any], seed: int,
                     run: dict[str, Any]) -> dict[str, Any]:
    """The run as a ``neurokit fit`` config (the layout LightningCLI reads)."""
    from neurokit.core.data import XarrayDataModule

    data = dict(getattr(datamodule, "hparams", {}))
    if type(datamodule) is not XarrayDataModule:
        data = {"class_path": class_path(type(datamodule)).replace(":", "."), "init_args": data}
    return {
        "seed_everything": seed,
        "model": {"class_path": class_path(type(model)).replace(":", "."),
                  "init_args": dict(model.hparams)},
        "data": data,
        "trainer": trainer_args,
        **run,
    }


def _write_yaml(path: Path, data: dict[str, Any]) -> None:
    import yaml

    path.write_text(yaml.safe_dump(_plain(data), sort_keys=False))


@contextlib.contextmanager
def _env(key: str, value: str) -> Iterator[None]:
    old = os.environ.get(key)
    os.environ[key] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old


@contextlib.contextmanager
def _quiet(quiet: bool) -> Iterator[None]:
    if not quiet:
        yield
        return
    loggers = [logging.getLogger(n) for n in _QUIET_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


class _AppendingWriter(ExperimentWriter):
    """CSV writer that continues an existing ``metrics.csv`` (a resumed run) instead of
    deleting it (the run folder is ours: nothing else to warn about)."""

    def __init__(self, log_dir: str) -> None:
        super().__init__(log_dir)
        if os.path.isfile(self.metrics_file_path):
            with open(self.metrics_file_path, newline="") as f:
                self.metrics_keys = list(next(csv.reader(f), []))

    def _check_log_dir_exists(self) -> None:
        pass


class _RunCSVLogger(CSVLogger):
    """CSVLogger writing ``metrics.csv`` straight into the run folder."""

    def __init__(self, folder: Path) -> None:
        super().__init__(save_dir=str(folder.parent), name="", version=folder.name)

    @property
    @rank_zero_experiment
    def experiment(self) -> ExperimentWriter:  # type: ignore[override]
        if self._experiment is None:
            os.makedirs(self.log_dir, exist_ok=True)
            self._experiment = _AppendingWriter(self.log_dir)
        return self._experiment
