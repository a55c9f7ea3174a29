"""Decoding metrics: the information transfer rate of a BCI and top-k accuracy.

* :func:`itr` — Wolpaw's information transfer rate in bits/min
* :func:`top_k_accuracy` — fraction of samples whose true class is among the ``k`` best scores
  (ties shared out exactly, never in the decoder's favour)
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from neurokit.errors import ConfigError, InvalidValueError, SchemaError

__all__ = ["itr", "top_k_accuracy"]


def itr(accuracy: float, n_classes: int, trial_duration_s: float) -> float:
    r"""Information transfer rate (Wolpaw et al. 2002) of an ``n_classes``-way selection, bits/min.

    .. math::

        B = \log_2 N + P \log_2 P + (1 - P) \log_2 \frac{1 - P}{N - 1}
        \quad\text{bits/selection}, \qquad
        \mathrm{ITR} = B \cdot \frac{60}{T} \quad\text{bits/min},

    with :math:`N` the number of targets, :math:`P` the accuracy and :math:`T` the time of one
    selection in seconds. The formula assumes every target equally likely and errors spread
    evenly over the :math:`N - 1` other targets.

    Parameters
    ----------
    accuracy : float
        Classification accuracy :math:`P`, in [0, 1].
    n_classes : int
        Number of targets :math:`N` (>= 2), e.g. 40 for the benchmark speller.
    trial_duration_s : float
        Time of one selection :math:`T` in seconds (> 0). Put everything a selection costs in
        it: SSVEP studies add the gaze-shift time to the stimulation window (e.g.
        0.4 s + 0.5 s in Guney et al. 2021; 0.5 s + 0.5 s in Chen et al. 2015).

    Returns
    -------
    float
        Bits per minute (>= 0).

    Notes
    -----
    * :math:`P = 1` uses the limit :math:`P \log_2 P \to 0` and
      :math:`(1 - P) \log_2 (1 - P) \to 0`: :math:`B = \log_2 N`.
    * :math:`P \le 1/N` returns 0: at chance :math:`B = 0` exactly, and below chance the
      formula rises again (a decoder that is reliably wrong "transfers" information), which
      is not a rate a speller delivers. This is the convention of the SSVEP literature
      (e.g. the code of Guney et al.).

    Raises
    ------
    neurokit.errors.ConfigError
        ``n_classes < 2`` or ``trial_duration_s <= 0``.
    neurokit.errors.InvalidValueError
        ``accuracy`` outside [0, 1] or not finite.

    Examples
    --------
    >>> round(itr(1.0, 40, 1.0) / 60, 2)     # Chen et al. 2015: 5.32 bits/s at 100 %, T = 1 s
    5.32
    >>> itr(1 / 40, 40, 1.0), itr(0.01, 40, 1.0)
    (0.0, 0.0)
    """
    n = int(n_classes)
    if n != n_classes or n < 2:
        raise ConfigError("bad number of classes", field="n_classes",
                          expected="an integer >= 2", found=repr(n_classes))
    t = float(trial_duration_s)
    if not (math.isfinite(t) and t > 0):
        raise ConfigError("bad selection time", field="trial_duration_s",
                          expected="a finite duration > 0 s", found=repr(trial_duration_s))
    p = float(accuracy)
    if not (math.isfinite(p) and 0.0 <= p <= 1.0):
        raise InvalidValueError("accuracy outside [0, 1]", field="accuracy",
                                expected="a number in [0, 1]", found=repr(accuracy))
    if p <= 1.0 / n:
        return 0.0
    bits = math.log2(n) + p * math.log2(p)
    if p < 1.0:
        bits += (1.0 - p) * math.log2((1.0 - p) / (n - 1))
    return bits * 60.0 / t


def top_k_accuracy(scores: ArrayLike, y: ArrayLike, k: int = 1) -> float:
    r"""Fraction of samples whose true class is among the ``k`` highest scores.

    With :math:`g_i` the number of classes scored strictly above the true class of sample
    :math:`i` and :math:`e_i` the number of *other* classes tied with it, the true class lands
    in the top ``k`` with probability

    .. math:: p_i = \mathrm{clip}\!\left(\frac{k - g_i}{e_i + 1}, 0, 1\right)

    when ties are broken uniformly at random; the score is :math:`\frac1n \sum_i p_i`. Ties
    thus never inflate the result (constant scores give exactly ``k / n_classes``, chance).

    Parameters
    ----------
    scores : array-like, shape (n_samples, n_classes)
        Scores, larger is better (logits, probabilities, similarities...). Must be finite.
    y : array-like of int, shape (n_samples,)
        True class of each sample, as a column index of ``scores`` (0 .. n_classes - 1).
    k : int, default 1
        How many of the best classes count as a hit, 1 <= k <= n_classes.

    Returns
    -------
    float
        Accuracy in [0, 1]; ``k=1`` is plain accuracy (with ties shared out).

    Raises
    ------
    neurokit.errors.SchemaError
        ``scores`` not 2-D, or ``y`` not matching its rows.
    neurokit.errors.InvalidValueError
        Non-finite scores, or labels outside 0 .. n_classes - 1.
    neurokit.errors.ConfigError
        ``k`` outside 1 .. n_classes.

    Examples
    --------
    >>> s = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]]
    >>> top_k_accuracy(s, [1, 2, 0]), top_k_accuracy(s, [1, 2, 0], k=2)
    (0.3333333333333333, 0.5)
    """
    s = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(y)
    if s.ndim != 2 or s.shape[0] == 0:
        raise SchemaError("scores must be a non-empty 2-D array", field="scores",
                          expected="shape (n_samples, n_classes)", found=str(s.shape))
    if labels.shape != (s.shape[0],):
        raise SchemaError("labels do not match the rows of scores", field="y",
                          expected=f"shape ({s.shape[0]},)", found=str(labels.shape))
    n_classes = s.shape[1]
    if not np.all(np.isfinite(s)):
        raise InvalidValueError("scores are not finite", field="scores",
                                expected="finite numbers",
                                found=f"{int((~np.isfinite(s)).sum())} NaN/inf")
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= n_classes:
        raise InvalidValueError("labels are not column indices of scores", field="y",
                                expected=f"integers in 0 .. {n_classes - 1}",
                                found=f"dtype {labels.dtype}, range "
                                      f"[{labels.min()}, {labels.max()}]")
    if int(k) != k or not 1 <= int(k) <= n_classes:
        raise ConfigError("bad k", field="k", expected=f"an integer in 1 .. {n_classes}",
                          found=repr(k))
    true = s[np.arange(len(labels)), labels][:, None]
    greater = (s > true).sum(axis=1)
    ties = (s == true).sum(axis=1) - 1
    p = np.clip((int(k) - greater) / (ties + 1.0), 0.0, 1.0)
    return float(p.mean())
