"""neurokit backend for the peer harness ``../shared/bench/rsa_bench.py``.

Used as ``--plugin benchmarks/similarity_plugin.py``: every callable takes the harness' plain
arrays and returns plain arrays/floats (condensed RDM vectors in ``np.triu_indices`` order,
``(m, m)`` similarity matrices, CKA values).
"""

from __future__ import annotations

import numpy as np

NAME = "neurokit"


def rdm_correlation(X: np.ndarray) -> np.ndarray:
    from neurokit.similarity.rdm import compute_rdm, rdm_vector

    return rdm_vector(compute_rdm(X, "correlation"))


def compare_tau_a(V: np.ndarray) -> np.ndarray:
    from neurokit.similarity.compare import compare_rdm_sets

    return compare_rdm_sets(V, method="tau_a").values


def compare_spearman(V: np.ndarray) -> np.ndarray:
    from neurokit.similarity.compare import compare_rdm_sets

    return compare_rdm_sets(V, method="spearman").values


def linear_cka(X: np.ndarray, Y: np.ndarray) -> float:
    from neurokit.similarity.cka import cka

    return float(cka(X, Y, kernel="linear"))


def linear_cka_debiased(X: np.ndarray, Y: np.ndarray) -> float:
    from neurokit.similarity.cka import cka

    return float(cka(X, Y, kernel="linear", debiased=True))
