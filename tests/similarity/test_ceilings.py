"""Noise ceilings: Spearman–Brown, split-half over trials and neurons, LOSO bounds, normalising."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity.ceilings import (
    neuron_split_ceiling,
    normalize_by_ceiling,
    rdm_noise_ceiling,
    spearman_brown,
    split_half_reliability,
)


def _repeated(rng, sigma, *, n_rep=4, n_stim=200, n_neu=60, latent=None):
    """Signal (variance 1 over stimuli) + Gaussian trial noise of SD sigma."""
    if latent is None:
        signal = rng.normal(size=(n_stim, n_neu))
    else:  # low-dimensional signal: structured RDMs
        signal = rng.normal(size=(n_stim, latent)) @ rng.normal(size=(latent, n_neu))
        signal /= signal.std(axis=0)
    trials = signal + sigma * rng.normal(size=(n_rep, n_stim, n_neu))
    return xr.DataArray(trials, dims=("repetition", "stimulus", "neuroid"),
                        coords={"stimulus": np.arange(n_stim) + 100})


# ---------------------------------------------------------------- Spearman–Brown

@pytest.mark.parametrize(("r", "k", "expected"), [
    (0.5, 2, 2 / 3), (0.0, 2, 0.0), (1.0, 2, 1.0), (0.5, 3, 0.75), (0.25, 4, 4 / 7),
    (-0.2, 2, -0.4 / 0.8)])
def test_spearman_brown_known_values(r, k, expected):
    assert spearman_brown(r, factor=k) == pytest.approx(expected, abs=1e-12)


def test_spearman_brown_inverse_and_bad_factor():
    r = np.linspace(-0.5, 0.95, 7)
    assert np.allclose(spearman_brown(spearman_brown(r, 2.0), 0.5), r)
    with pytest.raises(ConfigError):
        spearman_brown(0.3, factor=0)


# ---------------------------------------------------------------- split-half over trials

def test_split_half_matches_gaussian_theory_and_decreases_with_noise(rng):
    # two disjoint halves of R trials: rho_half = 1/(1 + 2 s^2/R); SB -> 1/(1 + s^2/R)
    n_rep = 4
    values = []
    for sigma in (0.5, 1.0, 2.0):
        rel = split_half_reliability(_repeated(rng, sigma, n_rep=n_rep), n_splits=20, seed=1)
        theory_half = 1 / (1 + 2 * sigma**2 / n_rep)
        theory = 1 / (1 + sigma**2 / n_rep)
        assert float(rel["raw"].mean()) == pytest.approx(theory_half, abs=0.03)
        assert float(rel["reliability"].mean()) == pytest.approx(theory, abs=0.03)
        values.append(float(rel["reliability"].mean()))
        assert rel.attrs["spearman_brown"] and rel.attrs["n_repetitions"] == n_rep
    assert values[0] > values[1] > values[2]


def test_split_half_rdm_level_decreases_with_noise(rng):
    base = np.random.default_rng(5)
    signal = base.normal(size=(30, 4)) @ base.normal(size=(4, 40))
    values = []
    for sigma in (0.5, 2.0, 6.0):
        trials = signal + sigma * rng.normal(size=(6, 30, 40))
        rel = split_half_reliability(trials, per="rdm", n_splits=10)
        values.append(float(rel["reliability"]))
        assert rel["splits"].dims == ("split",)
    assert values[0] > values[1] > values[2]
    assert values[0] <= 1.0


def test_split_half_seed_and_correction_flag(rng):
    data = _repeated(rng, 1.0, n_rep=5, n_stim=20, n_neu=6)
    a = split_half_reliability(data, n_splits=8, seed=3)
    b = split_half_reliability(data, n_splits=8, seed=3)
    c = split_half_reliability(data, n_splits=8, seed=4)
    xr.testing.assert_identical(a, b)
    assert not np.allclose(a["splits"], c["splits"])
    raw = split_half_reliability(data, n_splits=8, seed=3, spearman_brown=False)
    assert np.allclose(raw["reliability"], a["raw"])
    assert np.allclose(a["splits"], 2 * raw["splits"] / (1 + raw["splits"]))
    # neuroid labels and dims are kept, repetition dim may come in any order
    b2 = split_half_reliability(data.transpose("neuroid", "stimulus", "repetition"),
                                n_splits=8, seed=3)
    np.testing.assert_allclose(a["reliability"], b2["reliability"])


def test_split_half_bad_input(rng):
    data = _repeated(rng, 1.0, n_rep=3, n_stim=10, n_neu=4)
    bad = data.copy()
    bad[1, 2, 3] = np.nan
    with pytest.raises(InvalidValueError):
        split_half_reliability(bad)
    omitted = split_half_reliability(bad, nan_policy="omit", n_splits=3)
    assert omitted.sizes["neuroid"] == 3
    with pytest.raises(SchemaError):
        split_half_reliability(data.isel(repetition=[0]))
    with pytest.raises(SchemaError):
        split_half_reliability(data.isel(stimulus=[0, 1]))
    with pytest.raises(SchemaError):
        split_half_reliability(data.isel(repetition=0))
    with pytest.raises(ConfigError):
        split_half_reliability(data, per="voxel")
    with pytest.raises(ConfigError):
        split_half_reliability(data, n_splits=0)
    const = data.copy()
    const[:, :, 0] = 1.0
    with pytest.raises(InvalidValueError):
        split_half_reliability(const)


# ---------------------------------------------------------------- split-half over neurons

def test_neuron_split_ceiling_decreases_with_noise(rng):
    latent = rng.normal(size=(25, 3))
    loadings = rng.normal(size=(3, 80))
    values = []
    for sigma in (0.3, 1.5, 5.0):
        x = latent @ loadings + sigma * rng.normal(size=(25, 80))
        c = neuron_split_ceiling(x, n_splits=10, seed=0)
        values.append(float(c["ceiling"]))
        assert float(c["ceiling"]) >= float(c["raw"])
        assert "full population" in c.attrs["kind"]
    assert values[0] > values[1] > values[2]


def test_neuron_split_callable_metric_and_errors(rng):
    x = rng.normal(size=(10, 6))

    def mean_corr(a, b):
        return float(np.corrcoef(a.mean("feature"), b.mean("feature"))[0, 1])

    c = neuron_split_ceiling(x, metric=mean_corr, n_splits=4, spearman_brown=False)
    assert c.attrs["metric"] == "mean_corr" and c["splits"].shape == (4,)
    assert float(c["ceiling"]) == pytest.approx(float(c["raw"]))
    with pytest.raises(SchemaError):
        neuron_split_ceiling(x[:, :1])
    with pytest.raises(ConfigError):
        neuron_split_ceiling(x, metric="magic")
    x[0, 0] = np.nan
    with pytest.raises(InvalidValueError):
        neuron_split_ceiling(x)


# ---------------------------------------------------------------- LOSO bounds

def _subject_rdms(rng, n_sub=6, n=12, noise=0.5):
    truth = rng.random(n * (n - 1) // 2)
    return truth + noise * rng.random((n_sub, truth.size))


def test_loso_lower_below_upper_and_tracks_noise(rng):
    uppers, lowers = [], []
    for noise in (0.2, 1.0, 4.0):
        nc = rdm_noise_ceiling(_subject_rdms(rng, noise=noise))
        assert float(nc["lower"]) <= float(nc["upper"])
        assert np.all(nc["lower_per_subject"] <= nc["upper_per_subject"] + 1e-12)
        lowers.append(float(nc["lower"]))
        uppers.append(float(nc["upper"]))
    assert lowers[0] > lowers[1] > lowers[2]
    assert uppers[0] > uppers[2]


@pytest.mark.parametrize(("method", "rsa_method"),
                         [("spearman", "spearman"), ("pearson", "corr"), ("cosine", "cosine"),
                          ("rho_a", "rho-a"), ("tau_a", "tau-a")])
@pytest.mark.filterwarnings("ignore:Noise ceiling for tau")
def test_loso_parity_with_rsatoolbox(rng, method, rsa_method):
    rsa = pytest.importorskip("rsatoolbox")
    from rsatoolbox.inference.noise_ceiling import boot_noise_ceiling

    vectors = _subject_rdms(rng, n_sub=5, n=10, noise=0.8)
    ours = rdm_noise_ceiling(vectors, method=method)
    theirs = boot_noise_ceiling(rsa.rdm.RDMs(vectors), method=rsa_method)
    assert float(ours["lower"]) == pytest.approx(theirs[0], abs=1e-8)
    assert float(ours["upper"]) == pytest.approx(theirs[1], abs=1e-8)


def test_loso_square_input_and_errors(rng):
    vectors = _subject_rdms(rng, n_sub=3, n=6)
    square = np.zeros((3, 6, 6))
    iu = np.triu_indices(6, 1)
    for s in range(3):
        square[s][iu] = vectors[s]
        square[s] += square[s].T
    da = xr.DataArray(square, dims=("subject", "stimulus_i", "stimulus_j"),
                      coords={"subject": ["a", "b", "c"]})
    a = rdm_noise_ceiling(da)
    b = rdm_noise_ceiling(vectors)
    assert float(a["lower"]) == pytest.approx(float(b["lower"]))
    assert a["lower_per_subject"]["subject"].values.tolist() == ["a", "b", "c"]
    with pytest.raises(SchemaError):
        rdm_noise_ceiling(vectors[:1])
    with pytest.raises(SchemaError):
        rdm_noise_ceiling(vectors[:, :7])
    bad = vectors.copy()
    bad[1, 2] = np.nan
    with pytest.raises(InvalidValueError):
        rdm_noise_ceiling(bad)


# ---------------------------------------------------------------- normalising

def test_normalize_modes():
    assert float(normalize_by_ceiling(0.3, 0.6)) == pytest.approx(0.5)
    out = normalize_by_ceiling(0.3, 0.36, mode="sqrt")
    assert float(out) == pytest.approx(0.5) and out.attrs["normalization"] == "sqrt"
    out = normalize_by_ceiling(0.3, 0.36, mode="squared")
    assert float(out) == pytest.approx(0.25) and "**2" in out.attrs["formula"]
    scores = xr.DataArray([[0.1, 0.2], [0.3, 0.4]], dims=("layer", "region"),
                          coords={"region": ["V1", "IT"]})
    ceil = xr.DataArray([0.5, 0.8], dims=("region",), coords={"region": ["V1", "IT"]})
    out = normalize_by_ceiling(scores, ceil)
    np.testing.assert_allclose(out.values, [[0.2, 0.25], [0.6, 0.5]])
    assert out.attrs["normalization"] == "ratio"


@pytest.mark.parametrize("ceiling", [0.0, -0.1, np.nan, np.inf])
def test_normalize_rejects_bad_ceilings(ceiling):
    with pytest.raises(InvalidValueError):
        normalize_by_ceiling(0.3, ceiling)


def test_normalize_unknown_mode():
    with pytest.raises(ConfigError):
        normalize_by_ceiling(0.3, 0.5, mode="cubed")
