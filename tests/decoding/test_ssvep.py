"""FBCCA, references and filter bank: maths checks and ground truth on simulated SSVEP."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.base import clone

from neurokit.datasets.ssvep import simulate_ssvep
from neurokit.decoding.metrics import itr
from neurokit.decoding.ssvep import (
    FBCCA,
    _max_canonical_correlations,
    fbcca_weights,
    filter_bank,
    ssvep_references,
)
from neurokit.errors import ConfigError, InvalidValueError, SchemaError


def _cca_direct(x: np.ndarray, y: np.ndarray) -> float:
    """Largest canonical correlation from the textbook eigenproblem (Hotelling 1936)."""
    x = x - x.mean(1, keepdims=True)
    y = y - y.mean(1, keepdims=True)
    cxx, cyy, cxy = x @ x.T, y @ y.T, x @ y.T
    m = np.linalg.solve(cxx, cxy) @ np.linalg.solve(cyy, cxy.T)
    return float(np.sqrt(np.max(np.real(np.linalg.eigvals(m)))))


def test_references_values():
    ref = ssvep_references([10.0, 12.5], sfreq=200.0, n_times=100, n_harmonics=3,
                           phases=[0.0, 0.5 * np.pi])
    t = np.arange(100) / 200.0
    assert ref.shape == (2, 6, 100)
    np.testing.assert_allclose(ref[0, 2], np.sin(2 * np.pi * 20.0 * t), atol=1e-12)
    np.testing.assert_allclose(ref[1, 5], np.cos(2 * np.pi * 37.5 * t + 1.5 * np.pi),
                               atol=1e-12)
    with pytest.raises(ConfigError):
        ssvep_references([10.0, -1.0], 200.0, 100)
    with pytest.raises(ConfigError):
        ssvep_references([10.0, 12.0], 200.0, 100, phases=[0.0])


def test_filter_bank_subbands():
    sfreq = 250.0
    t = np.arange(500) / sfreq
    x = np.stack([np.sin(2 * np.pi * 10 * t), np.sin(2 * np.pi * 20 * t),
                  np.sin(2 * np.pi * 60 * t)])                             # (3 signals, T)
    sub = filter_bank(x, sfreq, n_subbands=3)                              # (3, M, T)
    amp = 2 * np.abs(np.mean(sub * np.exp(-2j * np.pi * np.array([10, 20, 60])[:, None, None]
                                           * t), axis=-1))
    # sub-band m (m = 1, 2, 3) spans 8m .. 88 Hz: 10 Hz only in band 1, 20 Hz in bands 1-2
    passed = amp > 0.5
    assert passed.tolist() == [[True, False, False], [True, True, False], [True, True, True]]
    assert amp[~passed].max() < 0.05
    with pytest.raises(ConfigError):
        filter_bank(x, 150.0, high_hz=88.0)                                # above Nyquist


def test_weights_follow_formula():
    w = fbcca_weights(5)
    np.testing.assert_allclose(w, np.arange(1, 6) ** -1.25 + 0.25, rtol=0, atol=1e-15)
    clf = FBCCA(frequencies=[8.0, 10.0], sfreq=250.0, n_subbands=4, a=2.0, b=0.1).fit()
    np.testing.assert_allclose(clf.weights_, [1.1, 0.35, 1 / 9 + 0.1, 0.1625])


def test_vectorised_cca_matches_textbook(rng):
    x = rng.normal(size=(3, 2, 4, 120))
    refs = ssvep_references([9.0, 11.0, 13.0], 250.0, 120, 2)
    x[..., 0, :] += 2.0 * refs[1, 0]
    rho = _max_canonical_correlations(x, refs)
    assert rho.shape == (3, 2, 3)
    expected = np.array([[[_cca_direct(x[i, j], refs[k]) for k in range(3)] for j in range(2)]
                         for i in range(3)])
    np.testing.assert_allclose(rho, expected, atol=1e-10)


def test_decision_function_is_weighted_sum_of_squared_correlations():
    data = simulate_ssvep(n_targets=4, n_subjects=1, n_blocks=1, snr_db=-10, seed=3)
    clf = FBCCA(data.attrs["frequencies"], n_subbands=3).fit(data)
    rho = clf.canonical_correlations(data)
    assert rho.shape == (4, 3, 4)
    np.testing.assert_allclose(clf.decision_function(data),
                               (clf.weights_[None, :, None] * rho**2).sum(1), rtol=1e-12)


def test_fbcca_ground_truth_vs_snr_and_itr():
    """Near 100 % at high SNR, degrading towards chance (1/8) as SNR falls; ITR from it."""
    snrs = [-5.0, -15.0, -20.0, -25.0, -35.0]
    n_targets, window_s, gaze_s = 8, 1.0, 0.5
    accs, rates = [], []
    for snr in snrs:
        data = simulate_ssvep(n_targets=n_targets, n_subjects=2, n_blocks=4, duration=window_s,
                              snr_db=snr, seed=0)
        clf = FBCCA(data.attrs["frequencies"]).fit(data, data.label.values)
        acc = clf.score(data, data.label.values)
        accs.append(acc)
        rates.append(itr(acc, n_targets, window_s + gaze_s))
        p = acc                                    # the Wolpaw formula written out again
        bits = 0.0 if p <= 1 / n_targets else (
            math.log2(n_targets) + p * math.log2(p)
            + ((1 - p) * math.log2((1 - p) / (n_targets - 1)) if p < 1 else 0.0))
        assert rates[-1] == pytest.approx(bits * 60 / (window_s + gaze_s), abs=1e-9)
    print("FBCCA accuracy by SNR", dict(zip(snrs, accs, strict=True)), "ITR", rates)
    assert accs[0] >= 0.98
    assert accs[-1] <= 0.3                          # chance 0.125; 64 trials
    assert all(b <= a + 0.05 for a, b in zip(accs[:-1], accs[1:], strict=True))
    assert rates[0] >= 0.9 * math.log2(n_targets) * 60 / 1.5
    assert all(b <= a + 5.0 for a, b in zip(rates[:-1], rates[1:], strict=True))


def test_fbcca_custom_classes_and_clone():
    data = simulate_ssvep(n_targets=3, n_subjects=1, n_blocks=2, snr_db=-5, seed=1)
    letters = np.array(["a", "b", "c"])
    clf = FBCCA(data.attrs["frequencies"], classes=letters, n_subbands=2)
    clf.fit(data, letters[data.label.values])
    assert (clf.predict(data) == letters[data.label.values]).all()
    assert clone(clf).get_params()["classes"] is not None
    x = data.values                                    # plain arrays need sfreq
    with pytest.raises(ConfigError, match="sampling rate"):
        FBCCA(data.attrs["frequencies"]).fit(x)
    plain = FBCCA(data.attrs["frequencies"], sfreq=250.0, n_subbands=2).fit(x)
    np.testing.assert_array_equal(plain.predict(x), data.label.values)
    np.testing.assert_allclose(plain.decision_function(x), clf.decision_function(data))


def test_fbcca_bad_input():
    data = simulate_ssvep(n_targets=3, n_subjects=1, n_blocks=1, n_chans=4, snr_db=-5, seed=1)
    clf = FBCCA(data.attrs["frequencies"], n_subbands=2).fit(data)
    bad = data.copy()
    bad[1, 2, 10] = np.nan
    with pytest.raises(InvalidValueError, match="PO3"):
        clf.predict(bad)
    flat = data.copy()
    flat[0, 3, :] = 0.0
    with pytest.raises(InvalidValueError, match="flat channel.*POz|POz.*flat"):
        clf.predict(flat)
    with pytest.raises(SchemaError, match="window too short"):
        clf.predict(data.isel(time=slice(0, 8)))
    with pytest.raises(SchemaError):
        clf.predict(data.values[0])                     # 2-D
    with pytest.raises(SchemaError, match="sampling rate"):
        clf.predict(data.assign_attrs(sampling_rate=500.0))
    with pytest.raises(SchemaError, match="no target"):
        FBCCA(data.attrs["frequencies"]).fit(data, [0, 1, 7])
    with pytest.raises(ConfigError, match="Nyquist"):
        FBCCA([8.0, 30.0], n_harmonics=5).fit(data)
    with pytest.raises(ConfigError):
        FBCCA([8.0, 8.0]).fit(data)
