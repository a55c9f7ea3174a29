"""The one Lightning training core: model convention, xarray data, callbacks, :func:`fit`.

=========================  ===============================================================
name                       what it is
=========================  ===============================================================
``NeurokitModule``         base LightningModule: one shared step, metrics ``"stage/name"``
``SpikingClassifier``      an SNN from the registry + encoder, BPTT or SLTT training
``Classifier``, ``MLP``    cross-entropy classifier over any torch module; a small MLP
``XarrayDataModule``       labelled DataArray -> ``(x, y)`` batches, leak-free splits
``register_source``        add a named data source (``"digits"``, ``"delay_task"`` built in)
``fit``, ``FitResult``     train into a run folder (config, CSV log, checkpoints), resume
``load_checkpoint``        safe (``weights_only``) checkpoint loading with a class check
``SpikeStatistics``        callback logging firing rates per layer at validation
``MaskedPSNSchedule``      callback: progressive masking of masked PSNs
``DelaySigmaSchedule``     callback: shrinking Gaussian width of learnable delays
=========================  ===============================================================

The same run from the command line: ``neurokit fit --config CONFIG.yaml``.
"""

from __future__ import annotations

import warnings

from neurokit._optional import soft_import

soft_import("torch", "the training core")
# lightning 2.6 trips over its own deprecated torch pytree API on every fit; not ours to fix
warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")
soft_import("lightning", "the training core")

from neurokit.core.callbacks import (  # noqa: E402
    DelaySigmaSchedule,
    MaskedPSNSchedule,
    RNGState,
    SpikeStatistics,
)
from neurokit.core.checkpoint import check_state_dict, load_checkpoint  # noqa: E402
from neurokit.core.classifier import MLP, Classifier, SpikingClassifier  # noqa: E402
from neurokit.core.data import XarrayDataModule  # noqa: E402
from neurokit.core.module import NeurokitModule  # noqa: E402
from neurokit.core.sources import list_sources, register_source  # noqa: E402
from neurokit.core.trainer import FitResult, find_last_checkpoint, fit  # noqa: E402

__all__ = [
    "NeurokitModule", "SpikingClassifier", "Classifier", "MLP", "XarrayDataModule", "fit",
    "FitResult", "find_last_checkpoint", "load_checkpoint", "check_state_dict",
    "register_source", "list_sources", "SpikeStatistics", "RNGState", "MaskedPSNSchedule",
    "DelaySigmaSchedule",
]
