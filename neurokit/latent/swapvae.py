"""Swap-VAE (Liu, Azabou, Dabagia, Lin, Azar, Hengen, Valko & Dyer, NeurIPS 2021).

"Drop, Swap, and Generate: A Self-Supervised Approach for Generating Neural Activity": a VAE
over population spike-count vectors whose latent is split into a **content** block, made
invariant across two augmented views of the same brain state by an alignment loss, and a
**style** block, a Gaussian latent with a standard-normal prior. The *BlockSwap* decodes each
view from the *other* view's content and its own style, so whatever the views share must live
in the content block.

This module also holds the pieces :mod:`neurokit.latent.tide_swapvae` reuses: the losses
(:func:`gaussian_kl`, :func:`poisson_nll`, :func:`alignment_loss`, :func:`info_nce`), the
augmentation (:func:`randomized_dropout`), view pairing (:func:`pair_partners`) and input checks
(:func:`check_counts`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
import xarray as xr
from torch import nn

from neurokit import conventions as cv
from neurokit.core.estimator import LightningEstimator
from neurokit.core.module import NeurokitModule
from neurokit.errors import ConfigError, InvalidValueError, SchemaError

__all__ = [
    "SwapVAE", "SwapVAEModule", "gaussian_kl", "poisson_nll", "alignment_loss", "info_nce",
    "randomized_dropout", "pair_partners", "check_counts", "PAIRINGS",
]

#: how the second view of a trial is chosen: another trial of its group at the same time bins
#: (``"repeat"``), or the trial itself (``"self"``: the views differ by augmentation only)
PAIRINGS: tuple[str, ...] = ("repeat", "self")


# -- losses ----------------------------------------------------------------------------------
def gaussian_kl(mu_q: torch.Tensor, logvar_q: torch.Tensor, mu_p: torch.Tensor | None = None,
                logvar_p: torch.Tensor | None = None) -> torch.Tensor:
    """KL divergence between diagonal Gaussians, summed over the last dim.

    ``KL(N(μq, diag σq²) ‖ N(μp, diag σp²)) = ½ Σ_i [log σp² − log σq² + (σq² + (μq − μp)²) / σp²
    − 1]``; without ``mu_p``/``logvar_p`` the prior is ``N(0, I)``.

    Parameters
    ----------
    mu_q, logvar_q : torch.Tensor, shape (..., d)
        Posterior mean and log-variance.
    mu_p, logvar_p : torch.Tensor, shape (..., d), optional
        Prior mean and log-variance (broadcastable).

    Returns
    -------
    torch.Tensor, shape (...)
        In nats.

    Examples
    --------
    >>> z = torch.zeros(1, 2)
    >>> float(gaussian_kl(z, z))
    0.0
    >>> round(float(gaussian_kl(torch.ones(1, 1), z[:, :1])), 6)   # ½ μ²
    0.5
    """
    if mu_p is None:
        mu_p = torch.zeros_like(mu_q)
    if logvar_p is None:
        logvar_p = torch.zeros_like(logvar_q)
    return 0.5 * (logvar_p - logvar_q + (logvar_q.exp() + (mu_q - mu_p) ** 2)
                  * torch.exp(-logvar_p) - 1.0).sum(-1)


def poisson_nll(rates: torch.Tensor, counts: torch.Tensor, full: bool = True) -> torch.Tensor:
    """Poisson negative log-likelihood ``Σ_n λ_n − k_n log λ_n + log k_n!`` over the last dim.

    Parameters
    ----------
    rates : torch.Tensor, shape (..., n_units)
        Expected counts per bin (> 0; clamped at 1e-8 inside the log).
    counts : torch.Tensor, same shape
        Observed counts.
    full : bool, default True
        Include ``log k!`` (needed for a true log-likelihood / ELBO; a constant for training).

    Returns
    -------
    torch.Tensor, shape (...)
        In nats.

    Examples
    --------
    >>> round(float(poisson_nll(torch.tensor([1.0]), torch.tensor([0.0]))), 6)
    1.0
    """
    nll = rates - counts * torch.log(rates.clamp_min(1e-8))
    if full:
        nll = nll + torch.lgamma(counts + 1.0)
    return nll.sum(-1)


def alignment_loss(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Swap-VAE's alignment loss ``‖a/‖a‖ − b/‖b‖‖² = 2 − 2 cos(a, b)``, averaged over samples.

    Parameters
    ----------
    a, b : torch.Tensor, shape (..., d)
        Content latents of the two views.

    Returns
    -------
    torch.Tensor
        Scalar in [0, 4].

    Examples
    --------
    >>> float(alignment_loss(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 2.0]])))
    2.0
    """
    return (2.0 - 2.0 * F.cosine_similarity(a, b, dim=-1, eps=1e-8)).mean()


def info_nce(a: torch.Tensor, b: torch.Tensor, temperature: float = 0.1,
             exclude: torch.Tensor | None = None) -> torch.Tensor:
    """Symmetric InfoNCE (NT-Xent across views): ``a[i]`` and ``b[i]`` are positives.

    With unit vectors ``â, b̂`` and ``S_ij = â_i · b̂_j / τ``:
    ``L = ½ [mean_i (−S_ii + log Σ_j exp S_ij) + mean_i (−S_ii + log Σ_j exp S_ji)]``: each
    sample must pick its other view out of the other samples of the batch (the negatives).

    Parameters
    ----------
    a, b : torch.Tensor, shape (n, d)
        Two views of ``n`` samples.
    temperature : float, default 0.1
        ``τ`` (> 0).
    exclude : torch.Tensor of bool, shape (n, n), optional
        Off-diagonal pairs left out of the sums over ``j`` (samples known to share the
        positive's content, e.g. the same time bin of another repeat: not negatives).

    Returns
    -------
    torch.Tensor
        Scalar, in nats; ``log n`` at chance.

    Examples
    --------
    >>> a = torch.eye(3)
    >>> round(float(info_nce(a, a, temperature=1.0)), 4)      # log(e + 2) - 1
    0.5514
    """
    a = F.normalize(a, dim=-1, eps=1e-8)
    b = F.normalize(b, dim=-1, eps=1e-8)
    logits = a @ b.T / float(temperature)
    if exclude is not None:
        eye = torch.eye(len(a), dtype=torch.bool, device=a.device)
        logits = logits.masked_fill(exclude & ~eye, float("-inf"))
    target = torch.arange(len(a), device=a.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


# -- augmentation and pairing ------------------------------------------------------------------
def randomized_dropout(x: torch.Tensor, p_max: float,
                       generator: torch.Generator | None = None) -> torch.Tensor:
    """Swap-VAE's randomized neuron dropout: each sample drops each neuron with probability
    ``p ~ U(0, p_max)`` (one ``p`` per sample), without rescaling.

    The mask is drawn per index of the first dim and shared along the middle dims: for bins
    ``(B, N)`` each bin has its own mask; for sequences ``(B, T, N)`` a neuron is missing for
    the whole sequence (a view is the recording without those neurons).

    Parameters
    ----------
    x : torch.Tensor, shape (B, ..., N)
    p_max : float
        Upper bound of the dropout probability, in [0, 1).
    generator : torch.Generator, optional

    Returns
    -------
    torch.Tensor
        Same shape as ``x``.

    Examples
    --------
    >>> x = torch.ones(4, 10, 6)
    >>> y = randomized_dropout(x, 0.9, torch.Generator().manual_seed(0))
    >>> bool((y == y[:, :1]).all())              # same neurons missing at every time bin
    True
    """
    if p_max <= 0:
        return x
    shape = (x.shape[0],) + (1,) * (x.dim() - 2) + (x.shape[-1],)
    p = torch.rand((x.shape[0],) + (1,) * (x.dim() - 1), generator=generator,
                   device=x.device) * float(p_max)
    keep = torch.rand(shape, generator=generator, device=x.device) >= p
    return x * keep.to(x.dtype)


def pair_partners(groups: torch.Tensor, self_pairs: bool = False,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """For every sample, a random *other* sample of the same group in the batch.

    Parameters
    ----------
    groups : torch.Tensor of int, shape (B,)
        Group of each trial (trials of one group show the same stimulus sequence).
    self_pairs : bool, default False
        Pair every sample with itself (views then differ by augmentation only).
    generator : torch.Generator, optional

    Returns
    -------
    torch.Tensor of int64, shape (B,)
        Partner index; a sample alone in its group in this batch is its own partner.

    Examples
    --------
    >>> j = pair_partners(torch.tensor([0, 0, 1, 1, 2]), generator=torch.Generator().manual_seed(0))
    >>> j.tolist()
    [1, 0, 3, 2, 4]
    """
    n = len(groups)
    idx = torch.arange(n, device=groups.device)
    if self_pairs or n == 1:
        return idx
    ok = (groups[:, None] == groups[None, :]) & (idx[:, None] != idx[None, :])
    scores = torch.rand((n, n), generator=generator, device=groups.device)
    scores = torch.where(ok, scores, torch.full_like(scores, -1.0))
    best = scores.argmax(1)
    return torch.where(ok.any(1), best, idx)


# -- input checks ------------------------------------------------------------------------------
def check_counts(X: Any, *, field: str = "counts", max_len: int | None = None,
                 n_units: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Validate spike counts ``(trial, time, unit)`` for a Poisson model.

    Parameters
    ----------
    X : xarray.DataArray or array-like, shape (trial, time, unit)
        Non-negative integer counts (any numeric dtype holding integers). A DataArray must
        have dims ``("trial", "time", <unit dim>)``.
    field : str
        Name used in error messages.
    max_len : int, optional
        Longest sequence (bins) accepted.
    n_units : int, optional
        Required number of units (the fitted model's).

    Returns
    -------
    counts : numpy.ndarray of float32, shape (trial, time, unit)
    meta : dict
        ``trial``, ``time`` (s), ``unit_dim``, ``unit`` coordinate values and
        ``sampling_rate`` (Hz: the DataArray's attribute, else one over the time step; 1.0
        with bin indices as time for plain arrays).

    Raises
    ------
    neurokit.errors.SchemaError
        Wrong dims, too long, or another number of units.
    neurokit.errors.InvalidValueError
        NaN/inf, negative or non-integer counts.

    Examples
    --------
    >>> x, meta = check_counts(np.zeros((2, 5, 3), dtype=int))
    >>> x.shape, meta["unit_dim"]
    ((2, 5, 3), 'unit')
    """
    if isinstance(X, xr.DataArray):
        if X.ndim != 3 or X.dims[0] != cv.TRIAL or X.dims[1] != cv.TIME:
            raise SchemaError("spike counts must be trial-aligned", field=field,
                              expected="dims ('trial', 'time', unit)", found=str(X.dims))
        arr = np.asarray(X.values)
        meta = {
            "trial": np.asarray(X[cv.TRIAL].values) if cv.TRIAL in X.coords
            else np.arange(X.shape[0]),
            "time": np.asarray(X[cv.TIME].values, dtype=np.float64) if cv.TIME in X.coords
            else np.arange(X.shape[1], dtype=np.float64),
            "unit_dim": str(X.dims[2]),
            "unit": np.asarray(X[X.dims[2]].values) if X.dims[2] in X.coords
            else np.arange(X.shape[2]),
            "sampling_rate": float(X.attrs.get(cv.SAMPLING_RATE_ATTR, 0.0)),
        }
        if meta["sampling_rate"] <= 0:  # not in attrs: from the time coordinate's step
            step = np.diff(meta["time"])
            meta["sampling_rate"] = (1.0 / float(np.median(step))
                                     if step.size and np.median(step) > 0 else 1.0)
    else:
        try:
            arr = np.asarray(X)
        except Exception as err:  # noqa: BLE001 - anything not array-like is reported alike
            raise SchemaError("spike counts are not array-like", field=field,
                              expected="an array (trial, time, unit)",
                              found=type(X).__name__) from err
        if arr.ndim != 3:
            raise SchemaError("spike counts must be 3-D", field=field,
                              expected="shape (trial, time, unit)", found=str(arr.shape))
        meta = {"trial": np.arange(arr.shape[0]),
                "time": np.arange(arr.shape[1], dtype=np.float64), "unit_dim": cv.UNIT,
                "unit": np.arange(arr.shape[2]), "sampling_rate": 1.0}
    if arr.dtype.kind not in "biuf":
        raise SchemaError("spike counts must be numeric", field=field,
                          expected="integer or float counts", found=str(arr.dtype))
    if min(arr.shape) == 0:
        raise SchemaError("empty spike counts", field=field,
                          expected="at least one trial, bin and unit", found=str(arr.shape))
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise InvalidValueError("spike counts hold NaN/inf", field=field,
                                expected="finite counts",
                                found=f"{int((~np.isfinite(arr)).sum())} NaN/inf values")
    if (arr < 0).any():
        raise InvalidValueError("negative spike counts for a Poisson likelihood", field=field,
                                expected="counts >= 0", found=f"min {arr.min():g}")
    if (arr != np.round(arr)).any():
        bad = arr[arr != np.round(arr)]
        raise InvalidValueError("non-integer spike counts for a Poisson likelihood",
                                field=field, expected="integer counts",
                                found=f"{bad.size} fractional values, e.g. {bad.flat[0]:g}")
    if max_len is not None and arr.shape[1] > int(max_len):
        raise SchemaError("sequence longer than the model's maximum length", field=cv.TIME,
                          expected=f"<= {int(max_len)} bins (max_len)",
                          found=f"{arr.shape[1]} bins")
    if n_units is not None and arr.shape[2] != int(n_units):
        raise SchemaError("number of units differs from the fitted model's", field=field,
                          expected=f"{int(n_units)} units", found=f"{arr.shape[2]} units")
    return arr.astype(np.float32), meta


def _check_groups(groups: Any, n_trials: int) -> np.ndarray:
    if groups is None:
        return np.zeros(n_trials, dtype=np.int64)
    g = np.asarray(groups).reshape(-1)
    if len(g) != n_trials:
        raise SchemaError("one group label per trial", field="groups",
                          expected=f"{n_trials} labels", found=f"{len(g)} labels")
    return np.unique(g, return_inverse=True)[1].astype(np.int64)


def _check_choice(value: Any, choices: Sequence[str], field: str) -> None:
    if value not in choices:
        raise ConfigError("unknown option", field=field, expected="one of " + ", ".join(choices),
                          found=repr(value))


def _check_number(value: Any, field: str, lo: float, hi: float = math.inf,
                  lo_open: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > lo if lo_open else value >= lo) and value <= hi
    if not ok:
        bound = f"{'>' if lo_open else '>='} {lo}" + (f" and <= {hi}" if hi < math.inf else "")
        raise ConfigError("bad value", field=field, expected=f"a number {bound}",
                          found=repr(value))


def _mlp(sizes: Sequence[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(int(a), int(b)))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def _latent_dataset(meta: dict[str, Any], arrays: dict[str, tuple[np.ndarray, str, str]],
                    attrs: dict[str, Any]) -> xr.Dataset:
    """Dataset of ``(trial, time, <dim>)`` arrays with the input's coordinates."""
    data_vars = {}
    coords: dict[str, Any] = {cv.TRIAL: meta["trial"],
                              cv.TIME: (cv.TIME, meta["time"], {cv.UNITS_ATTR: cv.SECONDS})}
    for name, (arr, dim, units) in arrays.items():
        data_vars[name] = ((cv.TRIAL, cv.TIME, dim), arr, {cv.UNITS_ATTR: units})
        coords[dim] = meta["unit"] if dim == meta["unit_dim"] else np.arange(arr.shape[-1])
    return xr.Dataset(data_vars, coords=coords,
                      attrs={cv.SAMPLING_RATE_ATTR: meta["sampling_rate"], **attrs})


# -- the LightningModule -------------------------------------------------------------------------
class SwapVAEModule(NeurokitModule):
    """Swap-VAE on single time bins: encoder, BlockSwap decoder, Poisson likelihood.

    For two views ``x¹, x²`` of one brain state, the encoder (an MLP on ``log(1 + x)``) gives
    a deterministic content ``c`` and a Gaussian style ``q(s | x) = N(μ_s, diag σ_s²)``. The loss
    per bin, averaged over the two views ``v`` (``v̄`` the other view):

    ``L = ½ Σ_v [−log p(x^v | c^v, s^v) − log p(x^v | c^v̄, s^v) + β KL(q(s^v|x^v) ‖ N(0, I))]
    + α (2 − 2 cos(c¹, c²))``

    with ``p(x | c, s) = Π_n Poisson(x_n; λ_n)``, ``λ = softplus(MLP([c, s]))`` expected counts
    per bin — the reference code's objective (self + swapped reconstruction, KL on the style
    only, normalised-L2 alignment).

    Views (batches are whole trials ``(B, T, N)`` plus a group id per trial): view 1 is bin
    ``t`` of trial ``i``; view 2 is bin ``t`` (± a temporal jitter up to ``max_jitter`` bins,
    the paper's temporal augmentation) of a partner trial of the same group (``pairing=
    "repeat"``: a repeat of the same stimulus sequence) or of trial ``i`` itself
    (``pairing="self"``). Both views then pass through randomized neuron dropout
    (:func:`randomized_dropout`, ``p ~ U(0, dropout)``).

    Choice a reviewer may care about: with ``denoise=True`` (default) dropout corrupts the
    encoder's input only and the likelihood scores each view's recorded counts; the reference
    code reconstructs the dropped-out view (``denoise=False``), which asks the style to encode
    the dropout mask.

    Parameters
    ----------
    n_units : int
        Neurons.
    n_content, n_style : int
        Sizes of the content and style blocks.
    hidden : sequence of int, default (128,)
        Hidden widths of encoder and (mirrored) decoder.
    dropout : float, default 0.5
        Upper bound of the randomized neuron dropout.
    beta, alpha : float
        Weights of the style KL and of the alignment loss.
    pairing : {"repeat", "self"}
    max_jitter : int, default 0
        Temporal jitter of view 2, in bins.
    denoise : bool, default True
    optimizer, lr, weight_decay, scheduler
        As in :class:`~neurokit.core.module.NeurokitModule`.

    Examples
    --------
    >>> m = SwapVAEModule(n_units=6, n_content=2, n_style=1, hidden=(8,))
    >>> x = torch.poisson(torch.ones(3, 4, 6))
    >>> out = m.compute((x, torch.zeros(3, dtype=torch.long)), "train")
    >>> sorted(out)[:3], m(x[0]).shape
    (['align', 'elbo', 'kl'], torch.Size([4, 3]))
    """

    def __init__(self, n_units: int, n_content: int = 4, n_style: int = 2,
                 hidden: Sequence[int] = (128,), dropout: float = 0.5, beta: float = 1.0,
                 alpha: float = 1.0, pairing: str = "repeat", max_jitter: int = 0,
                 denoise: bool = True, optimizer: str = "adam", lr: float = 1e-3,
                 weight_decay: float = 0.0, scheduler: str | None = None) -> None:
        super().__init__(optimizer=optimizer, lr=lr, weight_decay=weight_decay,
                         scheduler=scheduler)
        _check_choice(pairing, PAIRINGS, "pairing")
        _check_number(dropout, "dropout", 0.0, 0.99)
        _check_number(beta, "beta", 0.0)
        _check_number(alpha, "alpha", 0.0)
        for name, value in (("n_units", n_units), ("n_content", n_content),
                            ("n_style", n_style)):
            if int(value) < 1:
                raise ConfigError("bad size", field=name, expected=">= 1", found=repr(value))
        if int(max_jitter) < 0:
            raise ConfigError("bad jitter", field="max_jitter", expected=">= 0 bins",
                              found=repr(max_jitter))
        self.save_hyperparameters()
        self.n_content, self.n_style = int(n_content), int(n_style)
        widths = [int(h) for h in hidden]
        self.encoder = _mlp([int(n_units), *widths, self.n_content + 2 * self.n_style])
        self.decoder = _mlp([self.n_content + self.n_style, *widths[::-1], int(n_units)])

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Counts ``(..., N)`` -> content ``(..., n_content)``, style mean and log-variance."""
        h = self.encoder(torch.log1p(x))
        c, mu, logvar = h.split([self.n_content, self.n_style, self.n_style], dim=-1)
        return c, mu, logvar.clamp(-10.0, 10.0)

    def decode(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """Latents -> Poisson rates (expected counts per bin), ``(..., N)``."""
        return F.softplus(self.decoder(torch.cat([content, style], dim=-1))) + 1e-6

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Counts ``(..., N)`` -> ``[content, style mean]`` ``(..., n_content + n_style)``."""
        c, mu, _ = self.encode(x)
        return torch.cat([c, mu], dim=-1)

    def _views(self, x: torch.Tensor, groups: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hp = self.hparams
        partner = pair_partners(groups, self_pairs=hp.pairing == "self")
        x2 = x[partner]
        if int(hp.max_jitter) > 0 and x.shape[1] > 1:
            b, t = x.shape[:2]
            shift = torch.randint(-int(hp.max_jitter), int(hp.max_jitter) + 1, (b, t),
                                  device=x.device)
            tt = (torch.arange(t, device=x.device) + shift).clamp(0, t - 1)
            x2 = x2.gather(1, tt[..., None].expand(-1, -1, x.shape[2]))
        n = x.shape[-1]
        return x.reshape(-1, n), x2.reshape(-1, n)

    def compute(self, batch: Any, stage: str) -> dict[str, torch.Tensor]:
        x, groups = batch
        hp = self.hparams
        x1, x2 = self._views(x.float(), groups)
        dropped = [randomized_dropout(v, hp.dropout) for v in (x1, x2)]
        enc = [self.encode(v) for v in dropped]
        targets = (x1, x2) if hp.denoise else dropped
        recon = swap = kl = torch.zeros((), device=x.device)
        for v in range(2):
            c, mu, logvar = enc[v]
            c_other = enc[1 - v][0]
            s = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            recon = recon + poisson_nll(self.decode(c, s), targets[v]).mean() / 2
            swap = swap + poisson_nll(self.decode(c_other, s), targets[v]).mean() / 2
            kl = kl + gaussian_kl(mu, logvar).mean() / 2
        align = alignment_loss(enc[0][0], enc[1][0])
        loss = recon + swap + hp.beta * kl + hp.alpha * align
        return {"loss": loss, "recon": recon, "swap_recon": swap, "kl": kl, "align": align,
                "elbo": -(recon + kl)}


# -- the scikit-learn front ----------------------------------------------------------------------
class SwapVAE(LightningEstimator):
    """Swap-VAE (Liu et al., NeurIPS 2021) with a scikit-learn face: ``fit`` / ``transform``.

    Every time bin is one sample (no time dependence: the baseline of
    :class:`~neurokit.latent.tide_swapvae.TiDeSwapVAE`). See :class:`SwapVAEModule` for the
    model and losses.

    Parameters
    ----------
    n_content, n_style : int
        Latent block sizes.
    hidden : tuple of int
        Hidden widths.
    dropout : float
        Upper bound of the randomized neuron dropout.
    beta, alpha : float
        Weights of the style KL and of the content alignment.
    pairing : {"repeat", "self"}
        Second view: the same bins of another trial of the same group (repeats of one stimulus
        sequence; ``groups`` in :meth:`fit`, all trials one group by default), or of the trial
        itself.
    max_jitter : int
        Temporal jitter of the second view (bins).
    denoise : bool
        Score recorded counts (True) or the dropped-out view (reference code).
    max_epochs, batch_size, lr, seed, run_dir, resume, enable_progress_bar
        Training (see :class:`~neurokit.core.estimator.LightningEstimator`); batches are trials.

    Attributes
    ----------
    n_units_ : int
    module_ : SwapVAEModule

    Examples
    --------
    >>> from neurokit.datasets.content_style import simulate_content_style
    >>> ds = simulate_content_style(n_trials=8, n_time=10, n_neurons=12, segment_length=5)
    >>> est = SwapVAE(n_content=2, n_style=1, hidden=(16,), max_epochs=2).fit(ds["counts"])
    >>> est.transform(ds["counts"])["content"].dims
    ('trial', 'time', 'content_dim')
    """

    _fitted_attrs: ClassVar[tuple[str, ...]] = ("n_units_",)

    def __init__(self, n_content: int = 4, n_style: int = 2, hidden: tuple[int, ...] = (128,),
                 dropout: float = 0.5, beta: float = 1.0, alpha: float = 1.0,
                 pairing: str = "repeat", max_jitter: int = 0, denoise: bool = True,
                 max_epochs: int = 100, batch_size: int = 16, lr: float = 1e-2, seed: int = 0,
                 run_dir: str | None = None, resume: bool = False,
                 enable_progress_bar: bool | None = None) -> None:
        self.n_content, self.n_style, self.hidden = n_content, n_style, hidden
        self.dropout, self.beta, self.alpha = dropout, beta, alpha
        self.pairing, self.max_jitter, self.denoise = pairing, max_jitter, denoise
        self.max_epochs, self.batch_size, self.lr, self.seed = max_epochs, batch_size, lr, seed
        self.run_dir, self.resume = run_dir, resume
        self.enable_progress_bar = enable_progress_bar

    def _build_module(self) -> SwapVAEModule:
        return SwapVAEModule(n_units=int(self.n_units_), n_content=self.n_content,
                             n_style=self.n_style, hidden=tuple(self.hidden),
                             dropout=self.dropout, beta=self.beta, alpha=self.alpha,
                             pairing=self.pairing, max_jitter=self.max_jitter,
                             denoise=self.denoise, lr=self.lr)

    def fit(self, X: Any, y: Any = None, groups: Any = None) -> SwapVAE:
        """Train on spike counts ``(trial, time, unit)``.

        Parameters
        ----------
        X : DataArray or array, shape (trial, time, unit)
            Non-negative integer counts.
        y : ignored
        groups : array, shape (trial,), optional
            Trials with the same label showed the same stimulus sequence (default: all).

        Returns
        -------
        self
        """
        counts, _ = check_counts(X)
        g = _check_groups(groups, counts.shape[0])
        self.n_units_ = int(counts.shape[2])
        return self._train([torch.from_numpy(counts), torch.from_numpy(g)])

    def _encode_all(self, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        self._check_fitted()
        counts, meta = check_counts(X, n_units=self.n_units_)
        x = torch.from_numpy(counts)

        def fn(module: SwapVAEModule, xb: torch.Tensor) -> torch.Tensor:
            c, mu, _ = module.encode(xb)
            return torch.cat([c, mu, module.decode(c, mu)], dim=-1)

        out = self._forward_batches(x, batch_size=64, fn=fn).numpy().astype(np.float64)
        nc, ns = self.n_content, self.n_style
        return out[..., :nc], out[..., nc:nc + ns], out[..., nc + ns:], meta

    def transform(self, X: Any) -> xr.Dataset:
        """Content, style (posterior mean) and rates of every bin.

        Parameters
        ----------
        X : DataArray or array, shape (trial, time, unit)

        Returns
        -------
        xarray.Dataset
            ``content`` (trial, time, content_dim), ``style`` (trial, time, style_dim),
            ``rates`` (trial, time, unit) expected counts per bin decoded from them.
        """
        c, s, r, meta = self._encode_all(X)
        return _latent_dataset(meta, {"content": (c, "content_dim", cv.ARBITRARY),
                                      "style": (s, "style_dim", cv.ARBITRARY),
                                      "rates": (r, meta["unit_dim"], "count/bin")},
                               {"model": "SwapVAE"})

    def score(self, X: Any, y: Any = None) -> float:
        """Mean ELBO per bin (nats) of the style VAE given the content, one seeded sample.

        ``E_q[log p(x | c, s)] − KL(q(s | x) ‖ N(0, I))`` with the content deterministic (as in
        Swap-VAE), averaged over bins; higher is better.
        """
        self._check_fitted()
        counts, _ = check_counts(X, n_units=self.n_units_)
        x = torch.from_numpy(counts)
        gen = torch.Generator().manual_seed(int(self.seed))

        def fn(module: SwapVAEModule, xb: torch.Tensor) -> torch.Tensor:
            c, mu, logvar = module.encode(xb)
            eps = torch.randn(mu.shape, generator=gen)
            s = mu + eps * torch.exp(0.5 * logvar)
            return -(poisson_nll(module.decode(c, s), xb) + gaussian_kl(mu, logvar))

        return float(self._forward_batches(x, batch_size=64, fn=fn).mean())
