"""RDM comparators: parity with rsatoolbox 0.3.2 and scipy, both tau-a backends, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy.stats import kendalltau, pearsonr, spearmanr

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity import _rank_kernel
from neurokit.similarity.compare import METHODS, compare_rdm_sets, compare_rdms
from neurokit.similarity.rdm import compute_rdm, rdm_vector

rsa_rdm = pytest.importorskip("rsatoolbox.rdm")

PEER_NAME = {"pearson": "corr", "spearman": "spearman", "rho_a": "rho-a", "tau_a": "tau-a",
             "cosine": "cosine", "whitened_pearson": "corr_cov",
             "whitened_cosine": "cosine_cov"}
NATIVE = _rank_kernel.native_available()
BACKENDS = ["numpy"] + (["native"] if NATIVE else [])


@pytest.fixture
def rng():
    return np.random.default_rng(4)


def _vectors(rng, m, n=12, ties=False):
    d = n * (n - 1) // 2
    base = rng.normal(size=d)
    V = base + rng.normal(size=(m, d)) * np.linspace(0.3, 2.0, m)[:, None]
    if ties:  # coarse values: many ties, different in every RDM
        V = np.round(V * 1.5) + 3.0
    return V


def _peer(A, B, method):
    return rsa_rdm.compare(rsa_rdm.RDMs(A), rsa_rdm.RDMs(B), method=PEER_NAME[method])


# ----------------------------------------------------------------------------- peer parity
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("ties", [False, True])
def test_sets_match_rsatoolbox(rng, method, ties):
    A, B = _vectors(rng, 4, ties=ties), _vectors(rng, 3, ties=ties)
    ours = compare_rdm_sets(A, B, method=method)
    assert ours.dims == ("rdm_a", "rdm_b") and ours.shape == (4, 3)
    np.testing.assert_allclose(ours.values, _peer(A, B, method), atol=1e-8, rtol=0)
    self_ = compare_rdm_sets(A, method=method).values
    np.testing.assert_allclose(self_, _peer(A, A, method), atol=1e-8, rtol=0)
    assert np.array_equal(self_, self_.T)


@pytest.mark.parametrize("backend", BACKENDS)
def test_tau_a_mixed_ties_both_backends_match_rsatoolbox(rng, backend):
    tied, free = _vectors(rng, 3, n=30, ties=True), _vectors(rng, 3, n=30)
    V = np.vstack([tied, free, np.full((1, free.shape[1]), 2.0)])  # also one constant RDM
    ours = compare_rdm_sets(V, method="tau_a", backend=backend).values
    np.testing.assert_allclose(ours, _peer(V, V, "tau_a"), atol=1e-12, rtol=0)


@pytest.mark.skipif(not NATIVE, reason="no C++ compiler")
def test_native_and_numpy_kernels_agree_on_large_rdms(rng):
    V = _vectors(rng, 3, n=300)  # 44,850 entries: several L2 blocks, odd and even merges
    V[2] = np.round(V[2], 1)
    native = compare_rdm_sets(V, method="tau_a", backend="native").values
    numpy_ = compare_rdm_sets(V, method="tau_a", backend="numpy").values
    np.testing.assert_array_equal(native, numpy_)
    for n in (2, 3, 5, 33, 1000, 40001):
        y = rng.integers(1, max(2, n // 3), n).astype(np.int32)
        perm = rng.permutation(n).astype(np.int32)
        assert (_rank_kernel.count_discordant(perm, y, "native")
                == _rank_kernel.count_discordant(perm, y, "numpy"))


@pytest.mark.skipif(not NATIVE, reason="no C++ compiler")
@pytest.mark.parametrize("n", [1, 2, 3, 31, 32, 33, 1025, 40001, 70000])
def test_radix_count_of_permutations_equals_the_merge_and_fenwick_counts(rng, n):
    perm = rng.permutation(n).astype(np.int32)
    y = (rng.permutation(n) + 1).astype(np.int32)
    fenwick = _rank_kernel.count_discordant(perm, y, "numpy")
    assert _rank_kernel.count_discordant(perm, y, "native", permutation=True) == fenwick
    assert _rank_kernel.count_discordant(perm, y, "native") == fenwick  # merge sort
    if n > 2:  # not a permutation (a repeated rank): detected, counted by the merge sort
        y[1] = y[0]
        assert (_rank_kernel.count_discordant(perm, y, "native", permutation=True)
                == _rank_kernel.count_discordant(perm, y, "numpy"))


def test_fallback_without_compiler(rng, monkeypatch):
    V = _vectors(rng, 3, n=20)

    def no_compiler(*args, **kwargs):
        raise ConfigError("no compiler", field="backend")

    expected = compare_rdm_sets(V, method="tau_a").values
    _rank_kernel._library.cache_clear()
    monkeypatch.setattr(_rank_kernel, "build_library", no_compiler)
    try:
        assert _rank_kernel.resolve_backend("auto") == "numpy"
        np.testing.assert_array_equal(compare_rdm_sets(V, method="tau_a").values, expected)
        with pytest.raises(ConfigError):
            compare_rdm_sets(V, method="tau_a", backend="native")
    finally:
        _rank_kernel._library.cache_clear()


# ----------------------------------------------------------------------------- closed forms
def test_scipy_and_closed_forms(rng):
    a, b = _vectors(rng, 2, n=15)
    assert compare_rdms(a, b, "tau_a") == pytest.approx(kendalltau(a, b).statistic, abs=1e-12)
    assert compare_rdms(a, b, "pearson") == pytest.approx(pearsonr(a, b).statistic, abs=1e-12)
    assert compare_rdms(a, b, "spearman") == pytest.approx(spearmanr(a, b).statistic, abs=1e-12)
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    d = a.size
    closed = 1 - 6 * np.sum((ra - rb) ** 2) / (d**3 - d)
    assert compare_rdms(a, b, "rho_a") == pytest.approx(closed, abs=1e-12)
    assert compare_rdms(a, b, "cosine") == pytest.approx(a @ b / np.linalg.norm(a)
                                                         / np.linalg.norm(b), abs=1e-12)
    ta, tb = _vectors(rng, 2, n=15, ties=True)  # scipy's spearman averages ties too
    assert compare_rdms(ta, tb, "spearman") == pytest.approx(spearmanr(ta, tb).statistic,
                                                             abs=1e-12)


def test_tau_a_counts_ties_as_neither(rng):
    a = np.array([1.0, 1.0, 2.0, 3.0, 3.0, 4.0])
    b = np.array([1.0, 2.0, 2.0, 1.0, 5.0, 6.0])
    conc = dis = 0
    for i in range(6):
        for j in range(i + 1, 6):
            s = np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])
            conc += s > 0
            dis += s < 0
    assert compare_rdms(a, b, "tau_a") == pytest.approx((conc - dis) / 15, abs=1e-15)


@pytest.mark.parametrize("method", ["whitened_cosine", "whitened_pearson"])
def test_whitened_equals_solve_with_rdm_covariance(rng, method):
    n = 7
    a, b = _vectors(rng, 2, n=n)
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)])
    C = np.zeros((len(pairs), n))
    C[np.arange(len(pairs)), pairs[:, 0]] = 1.0
    C[np.arange(len(pairs)), pairs[:, 1]] = -1.0
    V = (C @ C.T) ** 2  # covariance of RDM entries under i.i.d. pattern noise
    if method == "whitened_pearson":
        a, b = a - a.mean(), b - b.mean()
    wa, wb = np.linalg.solve(V, a), np.linalg.solve(V, b)
    expected = a @ wb / np.sqrt((a @ wa) * (b @ wb))
    assert compare_rdms(a, b, method) == pytest.approx(expected, abs=1e-10)


# ----------------------------------------------------------------------------- labels
def test_label_alignment(rng):
    X = xr.DataArray(rng.normal(size=(8, 20)), dims=("stimulus", "neuroid"),
                     coords={"stimulus": list("abcdefgh")})
    Y = X + rng.normal(size=X.shape)
    a = compute_rdm(X, "correlation")
    b = compute_rdm(Y, "euclidean")
    b_shuffled = compute_rdm(Y.isel(stimulus=rng.permutation(8)), "euclidean")
    for method in METHODS:
        assert compare_rdms(a, b_shuffled, method) == pytest.approx(
            compare_rdms(a, b, method), abs=1e-12)
    assert compare_rdms(a, b, "pearson") == pytest.approx(
        pearsonr(rdm_vector(a), rdm_vector(b)).statistic, abs=1e-12)
    sets = compare_rdm_sets({"x": a, "y": b}, {"y_shuffled": b_shuffled}, method="tau_a")
    assert list(sets["rdm_a"].values) == ["x", "y"]
    assert sets.sel(rdm_a="y", rdm_b="y_shuffled") == pytest.approx(1.0)
    other = compute_rdm(Y.assign_coords(stimulus=list("abcdefgz")), "euclidean")
    with pytest.raises(SchemaError, match="different stimulus sets.*'h'.*'z'"):
        compare_rdms(a, other)
    with pytest.raises(SchemaError, match="different stimulus sets"):
        compare_rdm_sets({"x": a}, {"o": other})


def test_subsets_of_pairs_are_compared_like_scipy(rng):
    # a bootstrap resample without self-pairs: not a condensed length
    a, b = _vectors(rng, 2, n=6)
    keep = np.arange(a.size) != 4
    assert compare_rdms(a[keep], b[keep], "spearman") == pytest.approx(
        spearmanr(a[keep], b[keep]).statistic, abs=1e-12)
    assert compare_rdms(a[keep], b[keep], "tau_a") == pytest.approx(
        kendalltau(a[keep], b[keep]).statistic, abs=1e-12)  # tie-free: tau-a = tau-b


# ----------------------------------------------------------------------------- bad input
def test_bad_input(rng):
    a, b = _vectors(rng, 2, n=6)
    with pytest.raises(ConfigError, match="unknown RDM comparison method"):
        compare_rdms(a, b, "kendall")
    with pytest.raises(ConfigError):
        compare_rdm_sets(np.vstack([a, b]), method="tau-a")
    with pytest.raises(SchemaError, match="too few stimuli"):
        compare_rdms(np.array([1.0]), np.array([2.0]))
    with pytest.raises(SchemaError, match="not a condensed RDM"):
        compare_rdms(a[:-1], b[:-1], "whitened_pearson")  # the whitening needs n
    with pytest.raises(SchemaError, match="different sizes"):
        compare_rdms(a, b[:10])
    nan = a.copy()
    nan[3] = np.nan
    with pytest.raises(InvalidValueError, match="NaN"):
        compare_rdms(nan, b, "spearman")
    flat = np.full_like(a, 0.5)
    for method in ("pearson", "spearman", "whitened_pearson"):
        with pytest.raises(InvalidValueError, match="constant"):
            compare_rdms(flat, b, method)
    with pytest.raises(InvalidValueError, match="all zero"):
        compare_rdms(np.zeros_like(a), b, "cosine")
    square = np.zeros((6, 6))
    square[np.triu_indices(6, 1)] = a
    square += square.T
    assert compare_rdms(square, b, "tau_a") == pytest.approx(compare_rdms(a, b, "tau_a"))
