"""Comparing RDMs: correlation, rank correlation, Kendall's tau-a, cosine, whitened measures.

Every method works on the condensed upper triangles (``d = n (n - 1) / 2`` entries, ``n``
stimuli) of the RDMs; square RDM DataArrays are first aligned by their stimulus labels.

Definitions (``a``, ``b``: condensed RDMs of ``d`` entries; ``r``: average ranks; rsatoolbox's
name of the same measure in brackets):

- ``pearson``: Pearson r of ``a`` and ``b`` (``corr``).
- ``spearman``: Pearson r of the average ranks; ties share their mean rank (``spearman``).
- ``rho_a``: ``12 sum (r_a - rbar)(r_b - rbar) / (d^3 - d)``; without ties this is the closed
  form ``1 - 6 sum (r_a - r_b)^2 / (d^3 - d)``, with ties the expected Spearman rho under
  random tie breaking (``rho-a``).
- ``tau_a``: Kendall tau-a ``(n_concordant - n_discordant) / (d (d - 1) / 2)``; pairs tied in
  either RDM count as neither (``tau-a``).
- ``cosine``: ``a.b / (||a|| ||b||)`` (``cosine``).
- ``whitened_cosine``: ``a^T V^-1 b / sqrt(a^T V^-1 a b^T V^-1 b)`` with ``V = (C C^T) o
  (C C^T)`` the covariance of RDM entries under i.i.d. pattern noise, ``C`` the pairwise
  contrasts (``cosine_cov`` with ``sigma_k=None``).
- ``whitened_pearson``: the same after subtracting each RDM's mean entry (``corr_cov``).

The whitened measures are computed without ``V``: ``a^T V^-1 b`` is proportional to the
Frobenius inner product of the double-centred matrices ``G = -D/2`` (Diedrichsen et al. 2021),
``<J G_a J, J G_b J> = a.b / 2 - (2/n) rho_a.rho_b + sigma_a sigma_b / n^2`` with ``rho`` the row
sums of ``G`` and ``sigma`` its total: three matrix products for any number of RDMs.

:func:`compare_rdm_sets` compares many RDMs at once: ranks are computed once per RDM; pearson,
spearman, rho_a, cosine and the whitened measures are one matrix product of normalised
vectors; tau-a counts discordant pairs as the inversions of one RDM's dense ranks read in the
other's sort order (a C++ merge sort, or scipy's Fenwick count without a compiler; see
:mod:`neurokit.similarity._rank_kernel`). Memory stays ``O(m d)`` for ``m`` RDMs (the ranks),
never ``O(d)`` per pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from neurokit.errors import ConfigError, InvalidValueError, SchemaError
from neurokit.similarity._rank_kernel import count_discordant, resolve_backend
from neurokit.similarity.rdm import _square_dims, align_rdm, rdm_vector, stack_rdms

__all__ = ["METHODS", "compare_rdms", "compare_rdm_sets"]

#: the comparators :func:`compare_rdms` knows
METHODS = ("pearson", "spearman", "rho_a", "tau_a", "cosine", "whitened_pearson",
           "whitened_cosine")

_DEFINITIONS = {
    "pearson": "Pearson correlation of the condensed RDMs",
    "spearman": "Spearman correlation (Pearson r of average ranks; ties share their mean rank)",
    "rho_a": "12 sum (r_a - mean)(r_b - mean) / (d^3 - d), r average ranks "
             "(= 1 - 6 sum (r_a - r_b)^2 / (d^3 - d) without ties)",
    "tau_a": "Kendall tau-a: (concordant - discordant) / (d (d - 1) / 2), ties count as neither",
    "cosine": "cosine similarity of the condensed RDMs",
    "whitened_pearson": "cosine after mean removal and whitening by the RDM-entry covariance "
                        "under i.i.d. pattern noise (rsatoolbox corr_cov)",
    "whitened_cosine": "cosine after whitening by the RDM-entry covariance under i.i.d. "
                       "pattern noise (rsatoolbox cosine_cov)",
}


@dataclass
class _VectorSet:
    V: np.ndarray                 # (m, d) condensed RDMs
    names: list[str]
    labels: np.ndarray | None     # stimulus labels (labelled input only)
    stack: xr.DataArray | None    # stacked square RDMs (labelled input only)


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ConfigError("unknown RDM comparison method", field="method",
                          expected=" or ".join(repr(m) for m in METHODS), found=repr(method))


def _n_stimuli(d: int, name: str) -> int:
    n = int(round((1 + np.sqrt(1 + 8 * d)) / 2))
    if n * (n - 1) // 2 != d:
        raise SchemaError(f"{name} is not a condensed RDM", field=name,
                          expected="length n (n - 1) / 2 for some n", found=f"length {d}")
    if n < 3:
        raise SchemaError(f"{name} has too few stimuli to compare RDMs", field=name,
                          expected="at least 3 stimuli", found=f"{n} stimuli")
    return n


def _array_vectors(x: np.ndarray, name: str, *, many: bool) -> np.ndarray:
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number):
        raise SchemaError(f"{name} must hold numbers", field=name, expected="a numeric array",
                          found=str(x.dtype))
    x = x.astype(np.float64)
    square = x.ndim == (3 if many else 2)
    if square:
        if x.shape[-1] != x.shape[-2]:
            raise SchemaError(f"{name} is not a square RDM", field=name,
                              expected="shape (..., n, n)", found=f"shape {x.shape}")
        iu = np.triu_indices(x.shape[-1], 1)
        return np.atleast_2d(x[..., iu[0], iu[1]])
    if x.ndim != (2 if many else 1):
        raise SchemaError(f"{name} has the wrong number of dims", field=name,
                          expected=("(m, d) condensed or (m, n, n) square RDMs" if many
                                    else "a square (n, n) RDM or a condensed (d,) vector"),
                          found=f"shape {x.shape}")
    return np.atleast_2d(x)


def _vector_set(x, name: str, *, many: bool) -> _VectorSet:
    """Condensed vectors of one RDM (``many=False``) or of a set of RDMs."""
    if isinstance(x, xr.DataArray) and x.ndim == 2 and not many:
        di, _ = _square_dims(x)
        return _VectorSet(rdm_vector(x)[None, :], [name], x[di].values, x.expand_dims(rdm=[name]))
    if isinstance(x, xr.DataArray) and x.ndim == 3:
        stack = x
    elif isinstance(x, Mapping) or (isinstance(x, Sequence) and x
                                    and all(isinstance(r, xr.DataArray) for r in x)):
        stack = stack_rdms(x)
    elif isinstance(x, xr.DataArray):
        raise SchemaError(f"{name} is not an RDM set", field=name,
                          expected="dims (rdm, <sample>_i, <sample>_j)", found=f"dims {x.dims}")
    else:
        V = _array_vectors(x, name, many=many)
        names = [name] if not many else [str(i) for i in range(V.shape[0])]
        return _VectorSet(V, names, None, None)
    rdim = stack.dims[0]
    di = stack.dims[1]
    _square_dims(stack.isel({rdim: 0}))
    iu = np.triu_indices(stack.sizes[di], 1)
    V = np.asarray(stack.values, dtype=np.float64)[:, iu[0], iu[1]]
    names = ([str(v) for v in stack[rdim].values] if rdim in stack.coords
             else [str(i) for i in range(stack.sizes[rdim])])
    return _VectorSet(V, names, stack[di].values, stack)


def _align_sets(a: _VectorSet, b: _VectorSet, names: tuple[str, str]) -> _VectorSet:
    """``b`` reordered to ``a``'s stimulus labels (both labelled), else checked by length."""
    if a.labels is not None and b.labels is not None and b.stack is not None:
        rdim = b.stack.dims[0]
        parts = [align_rdm(b.stack.isel({rdim: k}), a.labels, names=(names[0], nm))
                 for k, nm in enumerate(b.names)]
        iu = np.triu_indices(len(a.labels), 1)
        V = np.stack([p.values[iu] for p in parts])
        return _VectorSet(V, b.names, a.labels, None)
    if a.V.shape[1] != b.V.shape[1]:
        raise SchemaError(f"{names[0]} and {names[1]} are RDMs of different sizes",
                          field=names[1], expected=f"{a.V.shape[1]} entries like {names[0]}",
                          found=f"{b.V.shape[1]} entries")
    return b


def _check_finite(s: _VectorSet) -> None:
    bad = ~np.isfinite(s.V)
    if bad.any():
        k, e = np.argwhere(bad)[0]
        raise InvalidValueError(
            f"RDM {s.names[k]!r} holds NaN/inf", field=s.names[k],
            expected="finite dissimilarities (compute the RDM with nan_policy='omit' "
                     "to drop features with NaN)",
            found=f"{int(bad[k].sum())} non-finite entries, first at condensed index {e}")


def _unit_rows(V: np.ndarray, names: list[str], what: str) -> np.ndarray:
    norms = np.sqrt(np.einsum("ij,ij->i", V, V))
    zero = np.flatnonzero(norms <= 1e-300)
    if zero.size:
        raise InvalidValueError(f"RDM {names[zero[0]]!r} is {what}: the measure is undefined",
                                field=names[zero[0]], expected="an RDM with varying entries",
                                found=what)
    return V / norms[:, None]


@dataclass
class _Ranks:
    perm: np.ndarray | None      # int32 sort order (tau-a only)
    dense: np.ndarray | None     # int32 dense ranks, 1-based (tau-a only)
    average: np.ndarray | None   # float64 average ranks, 1-based (spearman, rho_a only)
    tie_pairs: int        # pairs of entries tied with each other
    tie_free: bool


def _ranks(v: np.ndarray, *, average: bool = True) -> _Ranks:
    """Ranks of one condensed RDM: average ranks, or (``average=False``) order + dense ranks."""
    d = v.shape[0]
    perm = np.argsort(v)  # any order of tied entries will do: ties are grouped below
    sv = v[perm]
    first = np.empty(d, dtype=bool)
    first[0] = True
    np.not_equal(sv[1:], sv[:-1], out=first[1:])
    group = np.cumsum(first, dtype=np.int64)  # 1-based dense rank of the sorted entries
    starts = np.flatnonzero(first)
    sizes = np.diff(np.append(starts, d))
    tie_pairs = int((sizes * (sizes - 1) // 2).sum())
    if average:
        avg = np.empty(d, dtype=np.float64)
        avg[perm] = (starts + (sizes - 1) / 2.0 + 1.0)[group - 1]
        return _Ranks(None, None, avg, tie_pairs, tie_pairs == 0)
    dense = np.empty(d, dtype=np.int32)
    dense[perm] = group
    return _Ranks(perm.astype(np.int32), dense, None, tie_pairs, tie_pairs == 0)


def _tau_a_pair(x: _Ranks, y: _Ranks, backend: str, work: np.ndarray) -> float:
    d = x.dense.shape[0]
    tot = d * (d - 1) // 2
    if x.tie_free or y.tie_free:
        if not x.tie_free:
            x, y = y, x
        # x tie-free: discordant = strict inversions of y's ranks in x's sort order
        dis = count_discordant(x.perm, y.dense, backend, work, permutation=y.tie_free)
        return (tot - y.tie_pairs - 2 * dis) / tot
    # ties in both: Fenwick count over x's tie groups, plus the pairs tied in both
    from scipy.stats._stats import _kendall_dis

    xs = x.dense[x.perm].astype(np.intp)
    ys = y.dense[x.perm].astype(np.intp)
    dis = int(_kendall_dis(xs, ys))
    joint = np.sort(xs.astype(np.int64) * (d + 1) + ys)
    starts = np.flatnonzero(np.r_[True, joint[1:] != joint[:-1]])
    sizes = np.diff(np.append(starts, d))
    both = int((sizes * (sizes - 1) // 2).sum())
    return (tot - x.tie_pairs - y.tie_pairs + both - 2 * dis) / tot


def _whitened_terms(V: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row sums ``rho`` (m, n) and totals ``sigma`` (m,) of ``G = -D/2`` for condensed rows."""
    iu0, iu1 = np.triu_indices(n, 1)
    rows = np.empty((V.shape[0], n))
    for k, v in enumerate(V):
        rows[k] = np.bincount(iu0, v, minlength=n) + np.bincount(iu1, v, minlength=n)
    rho = -0.5 * rows
    return rho, rho.sum(axis=1)


def _whitened_inner(Va, ra, sa, Vb, rb, sb, n) -> np.ndarray:
    return 0.5 * (Va @ Vb.T) - (2.0 / n) * (ra @ rb.T) + np.outer(sa, sb) / n**2


def _whitened(a: _VectorSet, b: _VectorSet | None, method: str, n: int) -> np.ndarray:
    def prep(s: _VectorSet):
        V = s.V - s.V.mean(axis=1, keepdims=True) if method == "whitened_pearson" else s.V
        r, t = _whitened_terms(V, n)
        self_inner = 0.5 * np.einsum("ij,ij->i", V, V) - (2.0 / n) * np.einsum(
            "ij,ij->i", r, r) + t**2 / n**2
        bad = np.flatnonzero(self_inner <= 1e-300 * max(1.0, float(np.abs(V).max())))
        if bad.size:
            raise InvalidValueError(
                f"RDM {s.names[bad[0]]!r} is zero after whitening: the measure is undefined",
                field=s.names[bad[0]], expected="an RDM with varying entries", found="constant")
        return V, r, t, np.sqrt(self_inner)

    Va, ra, ta, na = prep(a)
    Vb, rb, tb, nb = (Va, ra, ta, na) if b is None else prep(b)
    return _whitened_inner(Va, ra, ta, Vb, rb, tb, n) / np.outer(na, nb)


def _compare_vectors(a: _VectorSet, b: _VectorSet | None, method: str,
                     backend: str) -> np.ndarray:
    """``(m_a, m_b)`` similarities; ``b=None`` compares ``a`` with itself (symmetric)."""
    _check_method(method)
    if method in ("whitened_pearson", "whitened_cosine"):
        n = _n_stimuli(a.V.shape[1], a.names[0])  # the whitening needs the stimulus count
    elif a.V.shape[1] < 3:
        raise SchemaError(f"{a.names[0]} has too few stimuli to compare RDMs",
                          field=a.names[0], expected="at least 3 stimuli (3 pairs)",
                          found=f"{a.V.shape[1]} entries")
    _check_finite(a)
    if b is not None:
        _check_finite(b)
    sets = [a] if b is None else [a, b]
    if method in ("whitened_pearson", "whitened_cosine"):
        return _whitened(a, b, method, n)
    if method == "tau_a":
        kind = resolve_backend(backend)
        ranks = [[_ranks(v, average=False) for v in s.V] for s in sets]
        rb = ranks[-1]
        work = np.empty(2 * a.V.shape[1], dtype=np.int32) if kind == "native" else None
        out = np.empty((len(ranks[0]), len(rb)))
        for i, x in enumerate(ranks[0]):
            for j, y in enumerate(rb):
                if b is None and j < i:
                    out[i, j] = out[j, i]
                elif b is None and j == i:
                    d = a.V.shape[1]
                    out[i, i] = 1.0 - x.tie_pairs / (d * (d - 1) // 2)
                else:
                    out[i, j] = _tau_a_pair(x, y, kind, work)
        return out
    mats = []
    for s in sets:
        if method in ("spearman", "rho_a"):
            R = np.empty_like(s.V)
            for k, v in enumerate(s.V):
                R[k] = _ranks(v).average
            R -= R.mean(axis=1, keepdims=True)
            mats.append(R if method == "rho_a" else _unit_rows(R, s.names, "constant"))
        elif method == "pearson":
            mats.append(_unit_rows(s.V - s.V.mean(axis=1, keepdims=True), s.names, "constant"))
        else:  # cosine
            mats.append(_unit_rows(s.V, s.names, "all zero"))
    Ma, Mb = mats[0], mats[-1]
    out = Ma @ Mb.T
    if method == "rho_a":
        d = a.V.shape[1]
        out *= 12.0 / (float(d) ** 3 - d)
    return out


def compare_rdms(
    a: xr.DataArray | np.ndarray,
    b: xr.DataArray | np.ndarray,
    method: str = "spearman",
) -> float:
    """Similarity of two RDMs.

    Parameters
    ----------
    a, b : xarray.DataArray or numpy.ndarray
        Square RDMs ``(<sample>_i, <sample>_j)`` as from
        :func:`~neurokit.similarity.rdm.compute_rdm` (``b`` is aligned to ``a`` by stimulus
        labels), or square ``(n, n)`` arrays, or condensed ``(n (n - 1) / 2,)`` vectors in
        ``np.triu_indices(n, 1)`` order (taken as they are). Except for the whitened methods,
        which need the stimulus count, vectors of any matching length >= 3 are accepted: the
        entries of a subset of pairs, e.g. a bootstrap resample without self-pairs
        (:func:`~neurokit.similarity.inference.bootstrap`).
    method : {"pearson", "spearman", "rho_a", "tau_a", "cosine", "whitened_pearson", \
"whitened_cosine"}
        See the module docstring for each definition (and its rsatoolbox name).

    Returns
    -------
    float
        The similarity (1 for identical rank order / direction).

    Raises
    ------
    ConfigError
        Unknown method.
    SchemaError
        Different stimulus sets (naming the labels), different sizes, fewer than 3 stimuli,
        a vector whose length is not ``n (n - 1) / 2``.
    InvalidValueError
        NaN/inf in an RDM; a constant RDM for pearson/spearman/whitened measures, an all-zero
        RDM for cosine.

    Examples
    --------
    >>> a = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])     # 4 stimuli
    >>> b = np.array([2.0, 1.0, 3.0, 4.0, 6.0, 5.0])
    >>> compare_rdms(a, b, "tau_a")                       # 15 pairs, 2 discordant
    0.7333333333333333
    >>> round(compare_rdms(a, b, "spearman"), 6)
    0.885714
    """
    _check_method(method)
    sa = _vector_set(a, "a", many=False)
    sb = _align_sets(sa, _vector_set(b, "b", many=False), ("a", "b"))
    return float(_compare_vectors(sa, sb, method, "auto")[0, 0])


def compare_rdm_sets(
    A,
    B=None,
    method: str = "spearman",
    *,
    backend: str = "auto",
) -> xr.DataArray:
    """All pairwise similarities between many RDMs, fast.

    Parameters
    ----------
    A, B : RDM sets
        Each one of: a stacked ``(rdm, <sample>_i, <sample>_j)`` DataArray
        (:func:`~neurokit.similarity.rdm.stack_rdms`), a mapping or sequence of square RDM
        DataArrays, an ``(m, d)`` array of condensed RDMs or an ``(m, n, n)`` array. Labelled
        ``B`` is aligned to ``A``'s stimulus labels. ``B=None`` compares ``A`` with itself.
    method : str
        As in :func:`compare_rdms`.
    backend : {"auto", "native", "numpy"}
        Discordant-pair counter for ``tau_a`` (C++ merge sort or scipy; same numbers).

    Returns
    -------
    xarray.DataArray
        ``(rdm_a, rdm_b)`` similarities, coords the RDM names, attrs ``method`` and
        ``definition``. Symmetric when ``B`` is None; its diagonal is 1, except tau-a of an
        RDM with ties, ``1 - ties / (d (d - 1) / 2)``, and rho_a of one with ties.

    Raises
    ------
    ConfigError, SchemaError, InvalidValueError
        As in :func:`compare_rdms`.

    Examples
    --------
    >>> V = np.array([[1.0, 2, 3], [3, 2, 1], [1, 3, 2]])   # three 3-stimulus RDMs
    >>> compare_rdm_sets(V, method="tau_a").values
    array([[ 1.        , -1.        ,  0.33333333],
           [-1.        ,  1.        , -0.33333333],
           [ 0.33333333, -0.33333333,  1.        ]])
    """
    _check_method(method)
    sa = _vector_set(A, "A", many=True)
    sb = None
    names_b = sa.names
    if B is not None:
        sb = _align_sets(sa, _vector_set(B, "B", many=True), ("A", "B"))
        names_b = sb.names
    values = _compare_vectors(sa, sb, method, backend)
    out = xr.DataArray(values, dims=("rdm_a", "rdm_b"),
                       coords={"rdm_a": sa.names, "rdm_b": names_b}, name=method)
    out.attrs.update(method=method, definition=_DEFINITIONS[method])
    return out
