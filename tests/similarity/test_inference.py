"""Bootstrap CIs and permutation tests: coverage, reproducibility, RDM pair handling, fast paths."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurokit.errors import ConfigError, SchemaError
from neurokit.similarity.inference import bootstrap, permutation_test


def _corr0(a, b):
    return float(np.corrcoef(np.asarray(a)[:, 0], np.asarray(b)[:, 0])[0, 1])


def _rdm(x, labels):
    """Euclidean RDM DataArray (written out here so the test does not depend on rdm.py)."""
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    return xr.DataArray(d, dims=("stimulus_i", "stimulus_j"),
                        coords={"stimulus_i": labels, "stimulus_j": labels})


def _pair_rdms(rng, n=15, noise=1.0):
    x = rng.normal(size=(n, 5))
    labels = np.arange(n) * 10
    return _rdm(x, labels), _rdm(x + noise * rng.normal(size=x.shape), labels)


def _spearman(a, b):
    from scipy.stats import spearmanr

    return float(spearmanr(a, b)[0])


def _pearson(a, b):
    return float(np.corrcoef(a, b)[0, 1])


def _cosine(a, b):
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def _rho_a(a, b):
    from scipy.stats import rankdata

    d = a.size
    ra, rb = rankdata(a) - (d + 1) / 2, rankdata(b) - (d + 1) / 2
    return float(12 * (ra * rb).sum() / (d**3 - d))


def _tau_a(a, b):
    s = np.sign(a[:, None] - a[None, :]) * np.sign(b[:, None] - b[None, :])
    return float(s.sum() / (a.size * (a.size - 1)))


REFERENCES = [("pearson", _pearson), ("spearman", _spearman), ("cosine", _cosine),
              ("rho_a", _rho_a), ("tau_a", _tau_a)]


# ---------------------------------------------------------------- bootstrap

def test_bootstrap_ci_covers_true_value(rng):
    # correlation rho = 0.5 between two Gaussian variables; 95% percentile CI
    rho, n, covered = 0.5, 60, 0
    cov = [[1, rho], [rho, 1]]
    n_sim = 60
    for k in range(n_sim):
        xy = rng.multivariate_normal([0, 0], cov, size=n)
        res = bootstrap(_corr0, xy[:, :1], xy[:, 1:], n_boot=200, seed=k)
        covered += float(res["ci_low"]) <= rho <= float(res["ci_high"])
    assert covered / n_sim >= 0.85


def test_bootstrap_reproducible_by_seed(rng):
    x = rng.normal(size=(20, 3))
    y = x + rng.normal(size=(20, 3))
    a = bootstrap(_corr0, x, y, n_boot=50, seed=7)
    b = bootstrap(_corr0, x, y, n_boot=50, seed=7)
    c = bootstrap(_corr0, x, y, n_boot=50, seed=8)
    xr.testing.assert_identical(a, b)
    assert not np.allclose(a["samples"], c["samples"])
    assert a["ci_low"] <= a["ci_high"]
    assert a.attrs["ci_method"] == "percentile" and a.attrs["n_boot"] == 50
    assert float(a["estimate"]) == pytest.approx(_corr0(x, y))


def test_bootstrap_aligns_by_label(rng):
    x = xr.DataArray(rng.normal(size=(12, 2)), dims=("stimulus", "feature"),
                     coords={"stimulus": list("abcdefghijkl")})
    y = x + 0.5 * rng.normal(size=(12, 2))
    shuffled = y.isel(stimulus=rng.permutation(12))
    a = bootstrap(_corr0, x, y, n_boot=30, seed=0)
    b = bootstrap(_corr0, x, shuffled, n_boot=30, seed=0)
    np.testing.assert_allclose(a["samples"], b["samples"])
    other = y.assign_coords(stimulus=list("abcdefghijkz"))
    with pytest.raises(SchemaError, match="only in"):
        bootstrap(_corr0, x, other, n_boot=5)


def test_bootstrap_rdm_drops_identical_stimulus_pairs(rng):
    a, b = _pair_rdms(rng, n=8)
    seen = []

    def score(u, v):
        seen.append(u.size)
        assert np.all(u > 0) and np.all(v > 0)  # no zero "self-dissimilarities"
        return _spearman(u, v)

    res = bootstrap(score, a, b, n_boot=40, seed=2)
    assert res.attrs["rdm_pairs"].startswith("pairs of identical")
    assert min(seen[1:]) < 28  # some resamples drew a stimulus twice (fewer distinct pairs)


@pytest.mark.parametrize(("name", "fn"), REFERENCES)
def test_bootstrap_rdm_fast_path_equals_loop(rng, name, fn):
    a, b = _pair_rdms(rng, n=12)
    a = a.round(1)  # ties: the weighted ranks must average them like the loop does
    fast = bootstrap(name, a, b, n_boot=60, seed=3)
    loop = bootstrap(fn, a, b, n_boot=60, seed=3)  # explicit expanded vectors, one by one
    np.testing.assert_allclose(fast["samples"], loop["samples"], atol=1e-12)
    assert float(fast["estimate"]) == pytest.approx(float(loop["estimate"]), abs=1e-12)


def test_bootstrap_refuses_whitened_by_name(rng):
    a, b = _pair_rdms(rng, n=6)
    with pytest.raises(ConfigError):
        bootstrap("whitened_pearson", a, b, n_boot=5)


def test_bootstrap_over_neuroids(rng):
    x = rng.normal(size=(10, 3))
    y = xr.DataArray(rng.normal(size=(10, 25)), dims=("stimulus", "neuroid"),
                     coords={"area": ("neuroid", ["V1"] * 25)})

    def score(a, b):
        assert np.shape(a) == (10, 3)
        return float(np.asarray(b).mean())

    res = bootstrap(score, x, y, over="neuroid", n_boot=100, seed=0)
    assert float(res["estimate"]) == pytest.approx(float(y.mean()))
    assert res["samples"].std() > 0
    # standard error of a mean over neuroids ~ sd / sqrt(n)
    expected_se = y.mean("stimulus").std().item() / 5
    assert float(res["std"]) == pytest.approx(expected_se, rel=0.35)


def test_bootstrap_bad_input(rng):
    x = rng.normal(size=(10, 3))
    with pytest.raises(ConfigError):
        bootstrap(_corr0, x, x, n_boot=0)
    with pytest.raises(ConfigError):
        bootstrap(_corr0, x, x, ci=1.5)
    with pytest.raises(ConfigError):
        bootstrap(lambda a, b: np.ones(3), x, x, n_boot=3)
    with pytest.raises(SchemaError):
        bootstrap(_corr0, x[:2], x[:2])
    with pytest.raises(SchemaError):
        bootstrap(_corr0, x, x[:9])
    a, _ = _pair_rdms(rng, n=5)
    with pytest.raises(SchemaError):
        bootstrap(_corr0, a, x[:5])
    with pytest.raises(ConfigError):
        bootstrap(_corr0, a, a, over="neuroid")


# ---------------------------------------------------------------- permutation test

def test_permutation_real_effect_has_small_p(rng):
    a, b = _pair_rdms(rng, n=15, noise=0.3)
    res = permutation_test(_spearman, a, b, n_perm=199, seed=0)
    assert float(res["p_value"]) == pytest.approx(1 / 200)
    assert res["null"].shape == (199,)


def test_permutation_null_is_roughly_uniform(rng):
    ps = []
    for k in range(40):
        x = rng.normal(size=(12, 4))
        y = rng.normal(size=(12, 4))
        ps.append(float(permutation_test("spearman", _rdm(x, np.arange(12)),
                                         _rdm(y, np.arange(12)), n_perm=99, seed=k)["p_value"]))
    ps = np.array(ps)
    assert 0.3 < ps.mean() < 0.7
    assert (ps < 0.05).mean() <= 0.15
    assert np.all(ps > 0)


@pytest.mark.parametrize(("name", "fn"), REFERENCES)
def test_permutation_fast_path_equals_loop(rng, name, fn):
    a, b = _pair_rdms(rng, n=10, noise=2.0)
    fast = permutation_test(name, a, b, n_perm=50, seed=4)
    loop = permutation_test(fn, a, b, n_perm=50, seed=4)
    np.testing.assert_allclose(fast["null"], loop["null"], atol=1e-12)
    assert float(fast["p_value"]) == float(loop["p_value"])


def test_permutation_responses_permute_values_not_labels(rng):
    x = xr.DataArray(rng.normal(size=(20, 2)), dims=("stimulus", "f"),
                     coords={"stimulus": np.arange(20) + 5})
    y = x + 0.05 * rng.normal(size=(20, 2))

    def aligned_corr(a, b):  # a score that aligns by label must still see a shuffle
        b = b.sel(stimulus=a["stimulus"])
        return _corr0(a.values, b.values)

    res = permutation_test(aligned_corr, x, y, n_perm=99, seed=1)
    assert float(res["p_value"]) == pytest.approx(0.01)
    assert np.abs(res["null"]).max() < 0.8
    again = permutation_test(aligned_corr, x, y, n_perm=99, seed=1)
    xr.testing.assert_identical(res, again)
    with pytest.raises(ConfigError):
        permutation_test(aligned_corr, x, y, alternative="sideways")
    with pytest.raises(ConfigError):
        permutation_test(aligned_corr, x, y, n_perm=0)
