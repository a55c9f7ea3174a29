"""ITR against hand-computed values and a published one; top-k accuracy with ties."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurokit.decoding.metrics import itr, top_k_accuracy
from neurokit.errors import ConfigError, InvalidValueError, SchemaError


def test_itr_hand_computed_40_targets():
    # N = 40, P = 0.9, T = 1.5 s (e.g. 1 s of flicker + 0.5 s gaze shift):
    #   log2(40)               =  5.321928094887363
    #   0.9 * log2(0.9)        = -0.136802784100545
    #   0.1 * log2(0.1 / 39)   = -0.860733031374961
    #   B = 5.321928094887363 - 0.136802784100545 - 0.860733031374961 = 4.324392279411857 bits
    #   ITR = B * 60 / 1.5 = 40 * B = 172.97569117647428 bits/min
    assert itr(0.9, 40, 1.5) == pytest.approx(172.97569117647428, abs=1e-9)


def test_itr_hand_computed_binary():
    # N = 2, P = 0.9, T = 4 s: B = 1 + 0.9 log2 0.9 + 0.1 log2 0.1
    #   = 1 - 0.136802784100545 - 0.332192809488736 = 0.531004406410719 bits
    #   ITR = 0.531004406410719 * 15 = 7.965066096160785 bits/min
    assert itr(0.9, 2, 4.0) == pytest.approx(7.965066096160785, abs=1e-9)


def test_itr_published_chen_2015():
    # Chen et al. (2015, PNAS) speller: 40 targets, 0.5 s flicker + 0.5 s gaze shift, "ITRs up
    # to 5.32 bits per second" = a flawless session: log2(40) bits per 1-s selection.
    assert itr(1.0, 40, 1.0) / 60.0 == pytest.approx(5.32, abs=0.005)
    assert itr(1.0, 40, 1.0) == pytest.approx(60 * math.log2(40), abs=1e-12)


def test_itr_published_guney_bound():
    # Guney et al. (2021): 265.23 bits/min with 0.4 s stimulation + 0.5 s gaze shift on the
    # 40-target benchmark. It is a mean of per-subject ITRs, so no single accuracy reproduces
    # it exactly; it must lie below the 100 % ceiling at T = 0.9 s, log2(40) * 60 / 0.9.
    ceiling = itr(1.0, 40, 0.9)
    assert 265.23 < ceiling == pytest.approx(354.7952063258242, abs=1e-9)


def test_itr_edges_and_monotone():
    assert itr(1 / 40, 40, 1.0) == 0.0            # chance: B = 0 exactly
    assert itr(0.0, 40, 1.0) == 0.0               # below chance: 0 by convention
    assert itr(0.5, 2, 1.0) == 0.0
    acc = np.linspace(1 / 40 + 1e-6, 1.0, 50)
    rates = [itr(p, 40, 1.0) for p in acc]
    assert np.all(np.diff(rates) > 0)
    assert itr(0.9, 40, 1.0) == pytest.approx(1.5 * itr(0.9, 40, 1.5), rel=1e-12)


@pytest.mark.parametrize(("args", "error"), [
    ((1.1, 40, 1.0), InvalidValueError), ((float("nan"), 40, 1.0), InvalidValueError),
    ((0.9, 1, 1.0), ConfigError), ((0.9, 40, 0.0), ConfigError), ((0.9, 2.5, 1.0), ConfigError),
])
def test_itr_bad_input(args, error):
    with pytest.raises(error):
        itr(*args)


def test_top_k_accuracy_matches_argsort_without_ties(rng):
    scores = rng.normal(size=(200, 10))
    y = rng.integers(0, 10, 200)
    order = np.argsort(-scores, axis=1)
    for k in (1, 3, 10):
        expected = np.mean([y[i] in order[i, :k] for i in range(200)])
        assert top_k_accuracy(scores, y, k) == pytest.approx(expected, abs=1e-12)
    assert top_k_accuracy(scores, y, 10) == 1.0


def test_top_k_accuracy_ties_are_chance():
    scores = np.zeros((6, 4))
    y = np.array([0, 1, 2, 3, 0, 1])
    assert top_k_accuracy(scores, y, 1) == pytest.approx(0.25)
    assert top_k_accuracy(scores, y, 3) == pytest.approx(0.75)


def test_top_k_accuracy_bad_input():
    with pytest.raises(SchemaError):
        top_k_accuracy(np.zeros(4), [0, 1, 0, 1])
    with pytest.raises(SchemaError):
        top_k_accuracy(np.zeros((4, 3)), [0, 1])
    with pytest.raises(InvalidValueError):
        top_k_accuracy(np.zeros((2, 3)), [0, 3])
    with pytest.raises(InvalidValueError):
        top_k_accuracy(np.full((2, 3), np.nan), [0, 1])
    with pytest.raises(ConfigError):
        top_k_accuracy(np.zeros((2, 3)), [0, 1], k=4)
