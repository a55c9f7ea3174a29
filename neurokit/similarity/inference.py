"""Inference for similarity scores: bootstrap confidence intervals and permutation tests.

* :func:`bootstrap` — resample stimuli (or neuroids) with replacement, percentile CIs.
* :func:`permutation_test` — permute the stimulus labels of one side, one-sided p-value.

Both take a ``score_fn`` and the arrays it scores, and are reproducible by ``seed``. When the
arrays are RDMs and the score is an RDM comparison, pass the comparator's name
(``"pearson"``/``"spearman"``) instead of a function: every resample is then scored at once
with matrix products (no Python loop over resamples).

Repeated stimuli in a bootstrap resample
----------------------------------------
When a stimulus is drawn twice, the resampled RDM holds a zero "self-dissimilarity" between
the two copies, which is not a measurement and would inflate RDM correlations. For **RDM
inputs** those entries are dropped: ``score_fn`` receives the condensed vectors of the
resampled RDMs restricted to pairs of *different* original stimuli (a pair drawn ``c_p c_q``
times appears that many times), as in rsatoolbox's bootstrap. Pass RDMs (not response
matrices) for RDM-based scores; with response matrices the rows are simply duplicated, which
suits scores without a pairwise structure (CKA, regression weights on rows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import xarray as xr

from neurokit.errors import ConfigError, SchemaError
from neurokit.similarity._checks import align_samples

__all__ = ["bootstrap", "permutation_test"]

Kind = Literal["auto", "responses", "rdm"]
#: comparators scored for every resample at once (weighted forms over the original pairs)
_FAST = ("pearson", "spearman", "rho_a", "cosine", "tau_a")
#: comparators whose permutation null is one matrix product (permuted ranks = ranks permuted)
_PERM_FAST = ("pearson", "spearman", "rho_a", "cosine")
_BLOCK_ITEMS = 2_000_000


# ----------------------------------------------------------------------------------------
# helpers


def _is_rdm(x: Any, sample_dim: str, kind: Kind) -> bool:
    if kind == "rdm":
        return True
    if kind == "responses":
        return False
    return isinstance(x, xr.DataArray) and set(x.dims) == {f"{sample_dim}_i", f"{sample_dim}_j"}


def _prepare(arrays: tuple, sample_dim: str, kind: Kind) -> tuple[list, bool]:
    """Check the arrays, align them on the first one's stimulus labels; True when RDMs."""
    if kind not in ("auto", "responses", "rdm"):
        raise ConfigError("unknown array kind", field="kind",
                          expected="'auto', 'responses' or 'rdm'", found=repr(kind))
    if not arrays:
        raise SchemaError("no arrays to score", field="arrays", expected="at least one array",
                          found="none")
    flags = [_is_rdm(a, sample_dim, kind) for a in arrays]
    if len(set(flags)) != 1:
        raise SchemaError("mix of RDMs and response matrices", field="arrays",
                          expected="all RDMs or all (stimulus, feature) responses",
                          found=f"RDM flags {flags}")
    rdm = flags[0]
    out: list = []
    n_ref = None
    ref = None
    for k, a in enumerate(arrays):
        if rdm:
            di, dj = f"{sample_dim}_i", f"{sample_dim}_j"
            if isinstance(a, xr.DataArray):
                a = a.transpose(di, dj) if set(a.dims) == {di, dj} else a
            shape = np.shape(a)
            if len(shape) != 2 or shape[0] != shape[1]:
                raise SchemaError("an RDM must be square", field=f"arrays[{k}]",
                                  expected="shape (n, n)", found=f"shape {shape}")
            if isinstance(a, xr.DataArray) and di in a.coords:
                if ref is None:
                    ref = a
                else:
                    a = _align_rdm(ref[di].values, a, di, dj, sample_dim, k)
        else:
            if isinstance(a, xr.DataArray):
                if sample_dim not in a.dims:
                    raise SchemaError(f"arrays[{k}] has no {sample_dim} dim",
                                      field=f"arrays[{k}]", expected=f"a {sample_dim!r} dim",
                                      found=f"dims {a.dims}")
                if sample_dim in a.coords:
                    if ref is None:
                        ref = a
                    else:
                        _, a = align_samples(ref, a, sample_dim=sample_dim,
                                             names=("arrays[0]", f"arrays[{k}]"))
                n = a.sizes[sample_dim]
            else:
                a = np.asarray(a)
                n = a.shape[0] if a.ndim else 0
        n_here = np.shape(a)[0] if rdm else n
        if n_ref is None:
            n_ref = n_here
        elif n_here != n_ref:
            raise SchemaError("arrays have different numbers of stimuli", field=sample_dim,
                              expected=f"{n_ref} in every array", found=f"{n_here} in "
                              f"arrays[{k}]")
        out.append(a)
    if n_ref is None or n_ref < 3:
        raise SchemaError("too few stimuli to resample", field=sample_dim,
                          expected="at least 3", found=str(n_ref))
    return out, rdm


def _align_rdm(ref_labels: np.ndarray, a: xr.DataArray, di: str, dj: str, sample_dim: str,
               k: int) -> xr.DataArray:
    """RDM ``a`` with rows and columns in the order of ``ref_labels`` (error on mismatch)."""
    labels = a[di].values
    if np.array_equal(labels, ref_labels):
        return a
    ref = xr.DataArray(np.zeros(len(ref_labels)), dims=(sample_dim,),
                       coords={sample_dim: ref_labels})
    pos = xr.DataArray(np.arange(len(labels)), dims=(sample_dim,), coords={sample_dim: labels})
    _, pos = align_samples(ref, pos, sample_dim=sample_dim, names=("arrays[0]", f"arrays[{k}]"))
    order = pos.values.astype(int)
    return a.isel({di: order, dj: order})


def _scalar(value: Any) -> float:
    arr = np.asarray(value.values if isinstance(value, xr.DataArray) else value,
                     dtype=np.float64)
    if arr.size != 1:
        raise ConfigError("score_fn must return one number", field="score_fn",
                          expected="a scalar (reduce per-neuroid scores first, e.g. median)",
                          found=f"shape {arr.shape}")
    return float(arr.reshape(()))


def _rdm_values(a: Any) -> np.ndarray:
    return np.asarray(a.values if isinstance(a, xr.DataArray) else a, dtype=np.float64)


def _weighted_corr(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Row-wise weighted Pearson r; ``x``, ``y`` are ``(n,)`` or ``(B, n)``, ``w`` ``(B, n)``."""
    sw = w.sum(axis=1)
    mx = (w * x).sum(axis=1) / sw
    my = (w * y).sum(axis=1) / sw
    xc = x - mx[:, None]
    yc = y - my[:, None]
    sxy = (w * xc * yc).sum(axis=1)
    sxx = (w * xc * xc).sum(axis=1)
    syy = (w * yc * yc).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return sxy / np.sqrt(sxx * syy)


def _weighted_ranks(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) of ``x`` repeated ``w[b]`` times, per row ``b`` of ``w``.

    The tied block of value ``v`` with total weight ``G`` after ``E`` smaller elements has
    rank ``E + (G + 1) / 2``: the mean rank of the repeated entries (ties averaged).
    """
    order = np.argsort(x, kind="stable")
    xs = x[order]
    new = np.r_[True, xs[1:] != xs[:-1]]
    gid = np.cumsum(new) - 1
    last = np.r_[np.flatnonzero(new)[1:] - 1, x.size - 1]
    cum = np.cumsum(w[:, order], axis=1)[:, last]
    prev = np.concatenate([np.zeros((w.shape[0], 1)), cum[:, :-1]], axis=1)
    group_rank = prev + (cum - prev + 1.0) / 2.0
    ranks = np.empty_like(w, dtype=np.float64)
    ranks[:, order] = group_rank[:, gid]
    return ranks


def _pair_weight_blocks(draws: np.ndarray, n: int):
    """Yield (slice, W) with ``W[b, k] = c_p c_q`` for the k-th pair (p < q) of resample b."""
    iu = np.triu_indices(n, 1)
    counts = np.zeros((draws.shape[0], n))
    np.add.at(counts, (np.repeat(np.arange(draws.shape[0]), n), draws.ravel()), 1.0)
    per_block = max(1, _BLOCK_ITEMS // max(1, iu[0].size))
    for start in range(0, draws.shape[0], per_block):
        sl = slice(start, start + per_block)
        yield sl, counts[sl][:, iu[0]] * counts[sl][:, iu[1]]


def _weighted_tau_a(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Kendall tau-a of the entries repeated ``w[b]`` times: ``sum_{k<l} w_k w_l s_kl / C(N,2)``.

    ``s_kl = sign(x_k - x_l) sign(y_k - y_l)``; copies of one entry are tied (count as
    neither). Blocks of rows of ``s`` (float32, exact for these integer sums) keep memory
    bounded.
    """
    m = x.size
    wf = w.astype(np.float32)
    num = np.zeros(w.shape[0])
    rows = max(1, _BLOCK_ITEMS // max(1, m))
    for start in range(0, m, rows):
        stop = min(m, start + rows)
        s = (np.sign(x[start:stop, None] - x[None, :])
             * np.sign(y[start:stop, None] - y[None, :])).astype(np.float32)
        num += (w[:, start:stop] * (wf @ s.T).astype(np.float64)).sum(axis=1)
    total = w.sum(axis=1)
    return (num / 2.0) / (total * (total - 1.0) / 2.0)


def _fast_rdm_scores(method: str, vectors: list[np.ndarray], w: np.ndarray) -> np.ndarray:
    """``method`` of the two resampled RDMs, as weighted sums over the original pairs."""
    x, y = vectors
    if method == "tau_a":
        return _weighted_tau_a(x, y, w)
    if method == "cosine":
        with np.errstate(divide="ignore", invalid="ignore"):
            return (w * x * y).sum(1) / np.sqrt((w * x * x).sum(1) * (w * y * y).sum(1))
    if method == "pearson":
        return _weighted_corr(np.broadcast_to(x, w.shape), np.broadcast_to(y, w.shape), w)
    rx, ry = _weighted_ranks(x, w), _weighted_ranks(y, w)
    if method == "spearman":
        return _weighted_corr(rx, ry, w)
    total = w.sum(axis=1, keepdims=True)  # rho_a: 12 sum w (rx - rbar)(ry - rbar) / (N^3 - N)
    rbar = (total + 1.0) / 2.0
    return 12.0 * (w * (rx - rbar) * (ry - rbar)).sum(1) / (total[:, 0] ** 3 - total[:, 0])


def _score_callable(score_fn: Callable | str) -> Callable:
    if callable(score_fn):
        return score_fn
    if isinstance(score_fn, str):
        from neurokit.similarity.compare import compare_rdms

        method = score_fn

        def compare(a, b):
            return compare_rdms(a, b, method=method)

        compare.__name__ = f"compare_rdms(method={method!r})"
        return compare
    raise ConfigError("score_fn must be a callable or an RDM comparator name",
                      field="score_fn", expected="callable or e.g. 'spearman'",
                      found=repr(score_fn))


def _check_common(n: int, name: str, ci: float | None = None) -> None:
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"{name} must be a positive integer", field=name,
                          expected="an int >= 1", found=repr(n))
    if ci is not None and not 0 < ci < 1:
        raise ConfigError("ci is the coverage of the interval", field="ci",
                          expected="a number in (0, 1), e.g. 0.95", found=repr(ci))


# ----------------------------------------------------------------------------------------
# bootstrap


def bootstrap(
    score_fn: Callable[..., float] | str,
    *arrays: xr.DataArray | np.ndarray,
    over: str = "stimulus",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    sample_dim: str = "stimulus",
    kind: Kind = "auto",
) -> xr.Dataset:
    """Bootstrap a similarity score: resample stimuli or neuroids with replacement.

    ``estimate = score_fn(*arrays)`` on the data as given; ``samples[b] = score_fn(*arrays_b)``
    on resample ``b``; the interval is the percentile interval
    ``[q((1 - ci) / 2), q((1 + ci) / 2)]`` of the samples (resamples scoring NaN are left
    out and counted in ``attrs["n_nan"]``).

    * ``over="stimulus"`` (``sample_dim``): the same stimuli drawn for every array (arrays
      are first aligned on the first one's stimulus labels). Response matrices get their rows
      duplicated and relabelled ``0..n-1`` (original labels kept in the ``<sample_dim>_original``
      coord), so label-aligning score functions still work. RDMs: see the module docstring —
      ``score_fn`` then receives condensed vectors without the pairs of identical stimuli.
      With ``score_fn`` one of ``"pearson"``, ``"spearman"``, ``"rho_a"``, ``"cosine"``,
      ``"tau_a"`` and two RDMs, all resamples are scored at once as weighted sums over the
      original pairs (weights ``c_p c_q``; ranks = average ranks of the repeated entries;
      tau-a counts copies of one entry as tied) — the same numbers as scoring the expanded
      vectors one by one. Whitened comparators depend on the whole RDM and are refused here.
    * ``over=<another dim>`` (e.g. ``"neuroid"``): that dim is resampled in every DataArray
      that has it (relabelled ``0..n-1``); a NumPy array is resampled on axis 1 only when it
      is the last argument (the neural side, by the ``score_fn(model, neural)`` convention).

    Parameters
    ----------
    score_fn : callable or str
        ``score_fn(*arrays) -> float`` (for RDMs: of condensed vectors of any length); or a
        comparator name for two RDMs (see above).
    *arrays : xarray.DataArray or numpy.ndarray
        ``(stimulus, feature)`` responses or square ``(stimulus_i, stimulus_j)`` RDMs.
    over : str
        Dim resampled.
    n_boot : int
        Number of resamples.
    ci : float
        Coverage of the percentile interval, in (0, 1).
    seed : int
        Seed: the same seed gives the same resamples and numbers.
    sample_dim : str
        Name of the stimulus dim.
    kind : {"auto", "responses", "rdm"}
        What the arrays are; ``"auto"`` recognises RDM DataArrays by their ``_i``/``_j`` dims
        (pass ``"rdm"`` for NumPy RDMs).

    Returns
    -------
    xarray.Dataset
        Scalars ``estimate``, ``ci_low``, ``ci_high``, ``std`` and ``samples`` (``(boot,)``);
        ``attrs``: ``over``, ``n_boot``, ``ci``, ``seed``, ``ci_method`` ("percentile"),
        ``n_nan``, ``score_fn``.

    Raises
    ------
    SchemaError
        Arrays on different stimulus sets (naming the mismatch), fewer than 3 stimuli,
        mixed RDM/response inputs, a dim to resample that no array has.
    ConfigError
        Bad ``n_boot``/``ci``/``kind``, ``over`` a neuroid dim with RDM inputs, or a
        ``score_fn`` that returns more than one number.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(30, 4))
    >>> y = x + 0.5 * rng.normal(size=(30, 4))
    >>> r = lambda a, b: np.corrcoef(a[:, 0], b[:, 0])[0, 1]
    >>> res = bootstrap(r, x, y, n_boot=200, seed=1)
    >>> bool(res["ci_low"] < res["estimate"] < res["ci_high"])
    True
    """
    _check_common(n_boot, "n_boot", ci)
    arrays_, rdm = _prepare(arrays, sample_dim, kind)
    fast = rdm and isinstance(score_fn, str) and score_fn in _FAST and len(arrays_) == 2 \
        and over == sample_dim
    if rdm and isinstance(score_fn, str) and not fast and over == sample_dim:
        raise ConfigError("this comparator cannot be bootstrapped over stimuli by name",
                          field="score_fn",
                          expected=f"one of {_FAST} for two RDMs (whitened comparators depend "
                                   "on the whole RDM: bootstrap over neuroids instead), or a "
                                   "callable taking the condensed vectors",
                          found=f"{score_fn!r} with {len(arrays_)} RDM(s)")
    fn = _score_callable(score_fn)
    rng = np.random.default_rng(seed)
    if over == sample_dim:
        n = np.shape(arrays_[0])[0] if rdm else (
            arrays_[0].sizes[sample_dim] if isinstance(arrays_[0], xr.DataArray)
            else arrays_[0].shape[0])
        draws = rng.integers(0, n, size=(n_boot, n))
        if rdm:
            mats = [_rdm_values(a) for a in arrays_]
            iu = np.triu_indices(n, 1)
            vecs = [m[iu] for m in mats]
            estimate = _scalar(fn(*vecs))
            samples = np.empty(n_boot)
            if fast:
                for sl, w in _pair_weight_blocks(draws, n):
                    samples[sl] = _fast_rdm_scores(score_fn, vecs, w)
            else:
                for b in range(n_boot):
                    d = draws[b]
                    i, j = d[iu[0]], d[iu[1]]
                    keep = i != j
                    samples[b] = _scalar(fn(*[m[i[keep], j[keep]] for m in mats]))
        else:
            estimate = _scalar(fn(*arrays_))
            samples = np.array([_scalar(fn(*[_take(a, d, sample_dim, 0) for a in arrays_]))
                                for d in draws])
    else:
        if rdm:
            raise ConfigError("RDMs can only be resampled over stimuli", field="over",
                              expected=repr(sample_dim), found=repr(over))
        sizes = {a.sizes[over] for a in arrays_ if isinstance(a, xr.DataArray)
                 and over in a.dims}
        last_np = not isinstance(arrays_[-1], xr.DataArray)
        if last_np:
            sizes.add(arrays_[-1].shape[1])
        if not sizes:
            raise SchemaError(f"no array has a {over!r} dim to resample", field="over",
                              expected=f"a DataArray with dim {over!r}",
                              found=str([getattr(a, "dims", np.shape(a)) for a in arrays_]))
        if len(sizes) != 1:
            raise SchemaError(f"arrays differ in their number of {over}s", field=over,
                              expected="one size", found=str(sorted(sizes)))
        n = sizes.pop()
        draws = rng.integers(0, n, size=(n_boot, n))
        estimate = _scalar(fn(*arrays_))
        samples = np.empty(n_boot)
        for b, d in enumerate(draws):
            resampled = [
                _take(a, d, over, 1) if (isinstance(a, xr.DataArray) and over in a.dims)
                or (k == len(arrays_) - 1 and last_np) else a
                for k, a in enumerate(arrays_)]
            samples[b] = _scalar(fn(*resampled))
    finite = samples[np.isfinite(samples)]
    alpha = (1.0 - ci) / 2.0
    low, high = (np.quantile(finite, [alpha, 1.0 - alpha]) if finite.size
                 else (np.nan, np.nan))
    return xr.Dataset(
        {"estimate": ((), estimate), "ci_low": ((), float(low)), "ci_high": ((), float(high)),
         "std": ((), float(finite.std()) if finite.size else np.nan),
         "samples": (("boot",), samples)},
        attrs={"over": over, "n_boot": int(n_boot), "ci": float(ci), "seed": int(seed),
               "ci_method": "percentile", "n_nan": int(samples.size - finite.size),
               "score_fn": getattr(fn, "__name__", repr(fn)),
               "rdm_pairs": "pairs of identical original stimuli dropped" if rdm else "n/a"})


def _take(a: Any, idx: np.ndarray, dim: str, axis: int) -> Any:
    """``a`` resampled at ``idx`` along ``dim`` (DataArray, relabelled) or ``axis`` (array)."""
    if not isinstance(a, xr.DataArray):
        return np.take(a, idx, axis=axis)
    out = a.isel({dim: idx})
    extra = {}
    if dim in a.coords:
        extra[f"{dim}_original"] = (dim, a[dim].values[idx])
    return out.assign_coords({dim: np.arange(idx.size), **extra})


# ----------------------------------------------------------------------------------------
# permutation test


def permutation_test(
    score_fn: Callable[[Any, Any], float] | str,
    a: xr.DataArray | np.ndarray,
    b: xr.DataArray | np.ndarray,
    *,
    n_perm: int = 1000,
    seed: int = 0,
    alternative: Literal["greater", "less", "two-sided"] = "greater",
    sample_dim: str = "stimulus",
    kind: Kind = "auto",
) -> xr.Dataset:
    """Permutation test of a similarity score: shuffle the stimulus labels of ``b``.

    ``b``'s *values* are permuted over stimuli while its labels stay (rows of a response
    matrix; rows and columns together of an RDM), which breaks the stimulus correspondence
    and keeps everything else. With ``null`` the ``n_perm`` permuted scores and ``s`` the
    observed one,

    .. math:: p = \\frac{1 + \\#\\{\\text{null} \\ge s\\}}{1 + n_{perm}}

    (``"less"``: ``<=``; ``"two-sided"``: ``|null| >= |s|``), never 0. With ``score_fn``
    ``"pearson"``, ``"spearman"``, ``"rho_a"`` or ``"cosine"`` and RDM inputs all permutations
    are scored at once (the ranks of a permuted RDM are the permuted ranks); other comparator
    names are scored one permutation at a time with ``compare_rdms``.

    Parameters
    ----------
    score_fn : callable or str
        ``score_fn(a, b) -> float``, or a ``compare_rdms`` method name for RDMs.
    a, b : xarray.DataArray or numpy.ndarray
        ``(stimulus, feature)`` responses or square RDMs; ``b`` is aligned to ``a``'s labels.
    n_perm : int
        Number of permutations.
    seed : int
        Seed of the permutations.
    alternative : {"greater", "less", "two-sided"}
        Direction of the test.
    sample_dim : str
        Name of the stimulus dim.
    kind : {"auto", "responses", "rdm"}
        As in :func:`bootstrap`.

    Returns
    -------
    xarray.Dataset
        Scalars ``observed`` and ``p_value``, and ``null`` (``(permutation,)``); ``attrs``:
        ``n_perm``, ``seed``, ``alternative``, ``formula``.

    Raises
    ------
    SchemaError
        Different stimulus sets or fewer than 3 stimuli.
    ConfigError
        Bad ``n_perm`` or ``alternative``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(20, 3))
    >>> r = lambda a, b: np.corrcoef(a[:, 0], b[:, 0])[0, 1]
    >>> res = permutation_test(r, x, x + 0.1 * rng.normal(size=(20, 3)), n_perm=99)
    >>> float(res["p_value"])
    0.01
    """
    _check_common(n_perm, "n_perm")
    if alternative not in ("greater", "less", "two-sided"):
        raise ConfigError("unknown alternative", field="alternative",
                          expected="'greater', 'less' or 'two-sided'", found=repr(alternative))
    (a_, b_), rdm = _prepare((a, b), sample_dim, kind)
    fn = _score_callable(score_fn)
    n = np.shape(a_)[0] if rdm or not isinstance(a_, xr.DataArray) else a_.sizes[sample_dim]
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((n_perm, n)), axis=1)
    if rdm:
        ma, mb = _rdm_values(a_), _rdm_values(b_)
        iu = np.triu_indices(n, 1)
        observed = _scalar(fn(ma[iu], mb[iu]))
    else:
        observed = _scalar(fn(a_, b_))
    if rdm and isinstance(score_fn, str) and score_fn in _PERM_FAST:
        from scipy.stats import rankdata

        # every method here is u . v[perm] for fixed transforms u of a and v of b
        va, vb = ma[iu], mb[iu]
        d = va.size
        if score_fn in ("spearman", "rho_a"):
            va, vb = rankdata(va), rankdata(vb)
        if score_fn in ("pearson", "spearman"):
            u = (va - va.mean()) / (va.std() * d)
            v = (vb - vb.mean()) / vb.std()
        elif score_fn == "rho_a":
            u = 12.0 * (va - (d + 1) / 2.0) / (d**3 - d)
            v = vb - (d + 1) / 2.0
        else:  # cosine
            u, v = va / np.linalg.norm(va), vb / np.linalg.norm(vb)
        sq = np.zeros((n, n))
        sq[iu] = v
        sq = sq + sq.T
        null = np.empty(n_perm)
        per_block = max(1, _BLOCK_ITEMS // max(1, d))
        for start in range(0, n_perm, per_block):
            p = perms[start:start + per_block]
            null[start:start + per_block] = sq[p[:, iu[0]], p[:, iu[1]]] @ u
    elif rdm:
        null = np.array([_scalar(fn(ma[iu], mb[np.ix_(p, p)][iu])) for p in perms])
    else:
        def permuted(p):
            if isinstance(b_, xr.DataArray):
                return b_.copy(data=np.take(b_.values, p, axis=b_.dims.index(sample_dim)))
            return np.asarray(b_)[p]

        null = np.array([_scalar(fn(a_, permuted(p))) for p in perms])
    tol = 1e-12 * max(1.0, abs(observed))
    if alternative == "greater":
        hits = null >= observed - tol
    elif alternative == "less":
        hits = null <= observed + tol
    else:
        hits = np.abs(null) >= abs(observed) - tol
    p_value = (1.0 + hits.sum()) / (1.0 + n_perm)
    return xr.Dataset(
        {"observed": ((), observed), "p_value": ((), float(p_value)),
         "null": (("permutation",), null)},
        attrs={"n_perm": int(n_perm), "seed": int(seed), "alternative": alternative,
               "formula": "(1 + #null>=observed) / (1 + n_perm)",
               "score_fn": getattr(fn, "__name__", repr(fn))})
