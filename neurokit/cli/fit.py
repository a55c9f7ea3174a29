"""``neurokit fit --config CONFIG.yaml [--model.lr 0.01 ...]``: train a model from a config.

The config is read by Lightning's ``LightningCLI`` over the typed classes of
:mod:`neurokit.core`::

    seed_everything: 0
    model:
      class_path: neurokit.core.SpikingClassifier   # any NeurokitModule subclass
      init_args: {network: spiking_vgg, network_kwargs: {in_channels: 1, n_outputs: 10}}
    data:                                           # an XarrayDataModule
      source: digits
      batch_size: 64
    trainer: {max_epochs: 5}
    run_dir: runs
    name: digits_vgg

and the run goes through :func:`neurokit.core.fit`, exactly as from Python: a run folder
``run_dir/name/version_k`` with ``config.yaml``, ``metrics.csv`` and ``checkpoints/``.
``neurokit fit --help`` lists every option; ``--print_config`` shows the resolved config.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import sys
from collections.abc import Iterator
from typing import Any

#: Trainer arguments the run folder owns (fit sets them itself)
_OWNED = ("logger", "enable_checkpointing", "default_root_dir", "callbacks")
#: fit's own trainer-like arguments, always forwarded
_FORWARD = ("max_epochs", "accelerator", "devices", "strategy", "deterministic",
            "enable_progress_bar", "limit_train_batches", "limit_val_batches",
            "log_every_n_steps")

PASSES_THROUGH = True  # the dispatcher hands every argument after "fit" to LightningCLI


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    subparsers.add_parser(
        "fit", add_help=False,
        help="train a model from a YAML config (LightningCLI); `neurokit fit --help` for options",
        description="Train a neurokit model from a config into a run folder.",
    )


def main(args: argparse.Namespace) -> int:
    return run_fit(list(getattr(args, "extra", [])))


def run_fit(argv: list[str]) -> int:
    """Parse ``argv`` with LightningCLI, build model and data, train with
    :func:`neurokit.core.fit`; return the exit status."""
    from neurokit._optional import soft_import

    soft_import("lightning", "neurokit fit")
    soft_import("jsonargparse", "neurokit fit")
    import lightning as L
    import yaml
    from lightning.pytorch.cli import LightningCLI

    from neurokit.core import fit
    from neurokit.core.trainer import _quiet

    class FitCLI(LightningCLI):
        def add_arguments_to_parser(self, parser: Any) -> None:
            parser.add_argument("--run_dir", type=str, default="runs",
                                help="parent folder of the run folders")
            parser.add_argument("--name", type=str | None, default=None,
                                help="experiment name (default: model class name)")
            parser.add_argument("--resume", type=bool | str, default=False,
                                help="true/'last' to continue the latest run, or a checkpoint")

    with _quiet(not sys.stdout.isatty()):  # Lightning's info messages only on a terminal
        cli = _build_cli(FitCLI, argv)
    config = cli.config
    trainer_cfg = dict(config["trainer"])
    defaults = {k: p.default for k, p in inspect.signature(L.Trainer.__init__).parameters.items()}
    trainer_kwargs = {
        k: v for k, v in trainer_cfg.items()
        if k not in _OWNED and ((k in _FORWARD and v is not None)
                                or (k not in _FORWARD and k in defaults and v != defaults[k]))
    }
    callbacks = cli.config_init["trainer"].get("callbacks") or []
    resolved = yaml.safe_load(cli.parser.dump(config, skip_none=False))
    resume = config["resume"]
    result = fit(
        cli.model, cli.datamodule, run_dir=config["run_dir"], name=config["name"],
        seed=int(config["seed_everything"] or 0),
        resume="last" if resume is True or resume == "true" else resume,
        callbacks=list(callbacks), config=resolved, **trainer_kwargs,
    )
    summary = ", ".join(f"{k}={v:.4g}" for k, v in sorted(result.metrics.items())
                        if not k.startswith("train/"))
    print(f"run folder: {result.run_dir}")
    if summary:
        print(summary)
    return 0


def _build_cli(cli_class: type, argv: list[str]) -> Any:
    import warnings

    from neurokit.core import NeurokitModule, XarrayDataModule

    with warnings.catch_warnings(), _neurokit_errors_unwrapped():
        warnings.filterwarnings("ignore", message=".*args parameter is intended to run")
        return cli_class(
            NeurokitModule, XarrayDataModule, subclass_mode_model=True, run=False, args=argv,
            save_config_callback=None, auto_configure_optimizers=False,
            seed_everything_default=0,
            trainer_defaults={"logger": False, "enable_checkpointing": False, "max_epochs": 10,
                              "accelerator": "cpu", "deterministic": True},
            parser_kwargs={"prog": "neurokit fit",
                           "description": "Train a neurokit model from a config into a run "
                           "folder (config.yaml, metrics.csv, checkpoints/)."},
        )



@contextlib.contextmanager
def _neurokit_errors_unwrapped() -> Iterator[None]:
    """jsonargparse wraps errors raised while building classes (an unknown network, neuron,
    surrogate...): re-raise the NeurokitError inside, whose message says what was expected."""
    from neurokit.errors import NeurokitError

    try:
        yield
    except (ValueError, TypeError) as err:
        seen, cause = set(), err
        while cause is not None and id(cause) not in seen:
            if isinstance(cause, NeurokitError):
                raise cause from err
            seen.add(id(cause))
            cause = cause.__cause__ or cause.__context__
        raise
