"""EEG/MEG decoders: Riemannian, convolutional, SSVEP, contrastive and spiking, and how to
evaluate them without leakage.

Every decoder is a scikit-learn estimator (``fit``/``predict``/``score``, ``clone``-able); the
torch ones are :class:`~neurokit.core.estimator.LightningEstimator` s trained through the
Lightning core. Inputs are epochs ``(trial, channel, time)`` (DataArrays from
:func:`neurokit.preprocess.epoch`, with ``label`` on ``trial``) or plain arrays.

=========================  ================================================================
module                     what it holds
=========================  ================================================================
``decoding.covariance``    :func:`covariances` (SCM/OAS/Ledoit-Wolf, vectorised over trials),
                           delay-embedded (augmented) covariances
``decoding.tangent``       :class:`TangentSpace`: pyRiemann's tangent map at the Riemannian
                           mean found by Newton's method (checked, pyRiemann fallback)
``decoding.riemannian``    tangent-space + logistic regression, MDM, xDAWN + tangent space,
                           augmented covariance (Carrara & Papadopoulo); pyRiemann geometry
``decoding.evaluation``    :func:`cross_validate`: within-session, cross-session and
                           leave-one-subject-out folds, shared by all pipelines, grouped by trial
``decoding.cnn``           :class:`ShallowConvNet`, :class:`EEGNet`, :class:`Deep4Net`;
                           :class:`EEGClassifier` (scikit-learn, trained through the core)
``decoding.ssvep``         :class:`FBCCA` (filter-bank CCA), reference signals, filter bank
``decoding.ssvep_net``     :class:`SSVEPNetClassifier`: Guney et al.'s deep SSVEP network,
                           global training then per-subject fine-tuning
``decoding.contrastive``   :class:`ContrastiveDecoder`: Défossez et al.'s brain -> embedding
                           model (spatial attention, subject layers, CLIP loss), retrieval
``decoding.spiking``       :class:`SpikingDecoder`: delta-encoded M/EEG into an SNN, energy
``decoding.metrics``       :func:`itr` (bits/min), :func:`top_k_accuracy`
=========================  ================================================================

Submodules are imported on first access, so ``import neurokit.decoding`` pulls in neither
torch nor pyRiemann.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> module defining it (imported on first access)
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["covariances", "augmented_covariances", "delay_embed", "CovarianceEstimator",
                     "ESTIMATORS"], "neurokit.decoding.covariance"),
    **dict.fromkeys(["TangentSpace", "riemannian_mean"], "neurokit.decoding.tangent"),
    **dict.fromkeys(["TangentSpaceClassifier", "MDMClassifier", "XdawnTangentSpaceClassifier",
                     "XdawnCovarianceEstimator", "AugmentedCovarianceClassifier"],
                    "neurokit.decoding.riemannian"),
    **dict.fromkeys(["cross_validate", "make_splits", "CrossValidationResult", "Split", "SCHEMES"],
                    "neurokit.decoding.evaluation"),
    **dict.fromkeys(["ShallowConvNet", "EEGNet", "Deep4Net", "EEGClassifier",
                     "ConvNetClassifier", "CNN_MODELS"], "neurokit.decoding.cnn"),
    **dict.fromkeys(["itr", "top_k_accuracy"], "neurokit.decoding.metrics"),
    **dict.fromkeys(["FBCCA", "fbcca_weights", "filter_bank", "ssvep_references"],
                    "neurokit.decoding.ssvep"),
    **dict.fromkeys(["GuneySSVEPModule", "GuneySSVEPNet", "SSVEPNetClassifier"],
                    "neurokit.decoding.ssvep_net"),
    **dict.fromkeys(["BrainEncoder", "ContrastiveDecoder", "SpatialAttention", "SubjectLayers",
                     "clip_loss", "retrieval_topk"], "neurokit.decoding.contrastive"),
    **dict.fromkeys(["SpikingDecoder", "reconstruct_delta"], "neurokit.decoding.spiking"),
}
_SUBMODULES = {"covariance", "tangent", "riemannian", "evaluation", "cnn", "metrics", "ssvep",
               "ssvep_net", "contrastive", "spiking"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"neurokit.decoding.{name}")
    else:
        raise AttributeError(f"module 'neurokit.decoding' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)
