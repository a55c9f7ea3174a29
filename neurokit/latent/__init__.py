"""Latent variable models of neural population activity, each the method of its paper.

Every model is a scikit-learn-style estimator (``fit(data)``, ``transform(data)`` -> latents as
xarray, ``score``, ``save``/``load``) over a :class:`~neurokit.core.module.NeurokitModule`
trained by the Lightning core.

===========================  ================================================================
module                       what it holds
===========================  ================================================================
``latent.mmgpvae``           :class:`MMGPVAE` (Gondur et al., ICLR 2024): shared and
                             per-modality GP latents in the Fourier domain, Poisson and
                             Gaussian decoders, exact KL; single-modality GP-VAE ablation
``latent.gpfa``              :class:`GPFA` (Yu et al. 2009), EM with the exact GP posterior
``latent.swapvae``           :class:`SwapVAE` (Liu et al., NeurIPS 2021): content/style split,
                             BlockSwap between augmented views, alignment loss
``latent.tide_swapvae``      :class:`TiDeSwapVAE` (Huang et al. 2024): Swap-VAE along
                             sequences with state-conditioned priors and a contrastive loss
``latent.neuroformer``       :class:`Neuroformer` (Antoniades et al., ICLR 2024): spike tokens,
                             GPT decoder with cross-attention to the past and to stimuli,
                             contrastive alignment, generation, attention connectivity
``latent.glm``               :class:`PoissonGLM` (coupled, lagged) and :class:`PSTH` baselines
``latent.metrics``           :func:`aligned_r2`, :func:`block_r2`, :func:`decode_accuracy`,
                             :func:`bits_per_spike`,
                             :func:`co_smoothing_bits_per_spike`
===========================  ================================================================

Submodules are imported on first access, so ``import neurokit.latent`` does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> module defining it (imported on first access)
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["aligned_r2", "block_r2", "decode_accuracy", "poisson_log_likelihood",
                     "bits_per_spike", "co_smoothing_bits_per_spike"],
                    "neurokit.latent.metrics"),
    **dict.fromkeys(["MMGPVAE", "MMGPVAEModule", "latent_blocks"], "neurokit.latent.mmgpvae"),
    **dict.fromkeys(["GPFA", "gpfa_e_step"], "neurokit.latent.gpfa"),
    **dict.fromkeys(["SwapVAE", "SwapVAEModule"], "neurokit.latent.swapvae"),
    **dict.fromkeys(["TiDeSwapVAE", "TiDeSwapVAEModule"], "neurokit.latent.tide_swapvae"),
    **dict.fromkeys(["Neuroformer", "NeuroformerModule"], "neurokit.latent.neuroformer"),
    **dict.fromkeys(["interval_split", "IntervalSplit"], "neurokit.latent.neuroformer_tokens"),
    **dict.fromkeys(["PoissonGLM", "PSTH"], "neurokit.latent.glm"),
}
_SUBMODULES = {"metrics", "mmgpvae", "gpfa", "swapvae", "tide_swapvae", "neuroformer",
               "neuroformer_tokens", "glm"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"neurokit.latent.{name}")
    else:
        raise AttributeError(f"module 'neurokit.latent' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)
