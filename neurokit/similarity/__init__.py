"""Brain <-> model representational comparison: RDMs, RSA, CKA, SVCCA, encoding models,
time-series RSA, noise ceilings and the layer x region study.

Responses are ``(stimulus, feature)`` DataArrays (``(stimulus, neuroid)`` with an ``area``
coordinate for recordings; ``(time, feature)`` for movie frames); two inputs are aligned by their
stimulus labels, never by position alone. NaN raise unless ``nan_policy="omit"`` is asked for.

======================  =================================================================
module                  what it holds
======================  =================================================================
``similarity.rdm``         :func:`compute_rdm` (correlation, cosine, euclidean, crossnobis)
``similarity.compare``     :func:`compare_rdms`, :func:`compare_rdm_sets` (Pearson, Spearman,
                           rho-a, tau-a, cosine, whitened)
``similarity.cka``         :func:`cka` (linear, RBF, debiased)
``similarity.cca``         :func:`svcca`, :func:`pwcca`
``similarity.procrustes``  :func:`procrustes_distance` (shape metric)
``similarity.encoding``    :func:`encoding_score` (cross-validated ridge / PLS)
``similarity.activations`` :func:`extract_activations` from any ``torch.nn.Module`` (SNNs too)
``similarity.ceilings``    split-half and leave-one-subject-out noise ceilings
``similarity.inference``   bootstrap confidence intervals, permutation tests
``similarity.tsrsa``       time-series RSA for movies
``similarity.study``       :func:`layer_region_scores`: the layer x region score matrix
======================  =================================================================

Examples
--------
>>> import numpy as np
>>> from neurokit import similarity
>>> rng = np.random.default_rng(0)
>>> layer, neural = rng.normal(size=(10, 50)), rng.normal(size=(10, 30))
>>> a = similarity.compute_rdm(layer)
>>> b = similarity.compute_rdm(neural)
>>> -1.0 <= similarity.compare_rdms(a, b, method="spearman") <= 1.0
True
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> module defining it (imported on first access)
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["compute_rdm", "rdm_vector", "stack_rdms"], "neurokit.similarity.rdm"),
    **dict.fromkeys(["compare_rdms", "compare_rdm_sets"], "neurokit.similarity.compare"),
    **dict.fromkeys(["cka", "hsic"], "neurokit.similarity.cka"),
    **dict.fromkeys(["cca_correlations", "svcca", "pwcca"], "neurokit.similarity.cca"),
    **dict.fromkeys(["procrustes_distance", "procrustes_similarity"],
                    "neurokit.similarity.procrustes"),
    **dict.fromkeys(["encoding_score"], "neurokit.similarity.encoding"),
    **dict.fromkeys(["extract_activations", "layer_names"], "neurokit.similarity.activations"),
    **dict.fromkeys(
        ["spearman_brown", "split_half_reliability", "neuron_split_ceiling",
         "rdm_noise_ceiling", "normalize_by_ceiling"],
        "neurokit.similarity.ceilings",
    ),
    **dict.fromkeys(["bootstrap", "permutation_test"], "neurokit.similarity.inference"),
    **dict.fromkeys(["tsrsa"], "neurokit.similarity.tsrsa"),
    **dict.fromkeys(["layer_region_scores", "LayerRegionStudy"], "neurokit.similarity.study"),
}
_SUBMODULES = {"rdm", "compare", "cka", "cca", "procrustes", "encoding", "activations",
               "ceilings", "inference", "tsrsa", "study"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"neurokit.similarity.{name}")
    else:
        raise AttributeError(f"module 'neurokit.similarity' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)
