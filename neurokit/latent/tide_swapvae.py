"""TiDe-SwapVAE (Huang, Ma, Yu, Zhou & Tian, arXiv 2408.07908 v1; later TiDeSPL-VAE / TE-ViDS).

A sequential Swap-VAE: the latent of every time bin is split into **content** (the part of the
population response driven by the current stimulus) and **style** (the part driven by the
animal's internal state), and each block gets a *state variable* — a recurrent hidden state
``h_t`` — that makes its prior depend on the past, so latents are generated progressively along
sequences of any length (a VRNN-style model, Chung et al. 2015, one recurrence per block).
Swap-VAE's view swap and content alignment are kept, and a self-supervised contrastive loss
(InfoNCE) shapes the content space. No behaviour labels are used.

Model (per block ``b ∈ {content c, style s}``, ``f_t = φ_x(log(1 + x_t))``):

* state:      ``h^b_t = GRU_b(φ_b(z^b_t), h^b_{t-1})``, ``h^b_0 = 0``
* prior:      ``p(z^b_t | h^b_{t-1}) = N(μ^b_p(h^b_{t-1}), diag σ^b_p(h^b_{t-1})²)``, with
  ``σ^c_p = 1`` for the content block (see below)
* posterior:  ``q(z^b_t | x_t, h^b_{t-1}) = N(μ^b_q(f_t, h^b_{t-1}), diag σ^b_q(f_t, h^b_{t-1})²)``
  (an MLP, ``posterior="mlp"``), or the precision-weighted product of the prior and a
  Gaussian evidence term ``N(e_μ(f_t), e_σ²(f_t))`` (``posterior="poe"``, a Kalman-like filter)
* likelihood: ``p(x_t | c_t, s_t) = Π_n Poisson(x_{t,n}; λ_{t,n})``,
  ``λ_t = softplus(MLP([c_t, s_t]))`` expected counts per bin

ELBO per sequence: ``Σ_t E_q[log p(x_t | c_t, s_t)] − KL(q(c_t|·) ‖ p(c_t|h^c_{t-1}))
− KL(q(s_t|·) ‖ p(s_t|h^s_{t-1}))``. ``use_state=False`` (the ablation) removes the state
variables: no recurrence, ``q(z_t | x_t)`` and ``N(0, I)`` priors — a per-bin Swap-VAE with the
contrastive loss.

Choices a reviewer will ask about (each one fixed a failure we measured on
:func:`~neurokit.datasets.content_style.simulate_content_style`; ablations stay available):

* the state update reads the latents only (``state_reads_x=False``); with ``x_t`` in the
  update (VRNN) information about ``x`` reaches the next prior deterministically and the content
  block's KL went to 0;
* the content prior has unit variance (``learn_content_prior_var=False``): with a learned
  variance the content prior became nearly deterministic, the posterior copied it and the
  content ignored the neural activity (content KL ≈ 0, stimulus decoding at chance);
* training windows start at random times and the two views' windows are offset
  (:meth:`TiDeSwapVAEModule.windows`): on trials aligned to one stimulus sequence the state
  variables otherwise learn a clock that aligns the views perfectly without reading the data
  (content decoding fell to chance on trials with another stimulus order);
* the KL weight warms up over ``kl_warmup`` epochs; log-variances are bounded smoothly
  (``8 tanh(·/8)``), not clamped, so a collapsed block keeps a gradient.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
import xarray as xr
from torch import nn

from neurokit import conventions as cv
from neurokit.core.estimator import LightningEstimator
from neurokit.core.module import NeurokitModule
from neurokit.errors import ConfigError
from neurokit.latent.swapvae import (
    PAIRINGS,
    _check_choice,
    _check_groups,
    _check_number,
    _latent_dataset,
    alignment_loss,
    check_counts,
    gaussian_kl,
    info_nce,
    pair_partners,
    poisson_nll,
    randomized_dropout,
)

__all__ = ["TiDeSwapVAE", "TiDeSwapVAEModule", "POSTERIORS"]

_LOGVAR_BOUND = 8.0


def _logvar(raw: torch.Tensor) -> torch.Tensor:
    """Log-variance bounded to ±8 smoothly (``8 tanh(raw / 8)``): a hard clamp would stop the
    gradient of a precision that hit the bound, and a collapsed block could never recover."""
    return _LOGVAR_BOUND * torch.tanh(raw / _LOGVAR_BOUND)
#: posterior parameterisations: an MLP of ``[x_t, h_{t-1}]`` (``"mlp"``), or the
#: precision-weighted product of the conditional prior and a Gaussian evidence term from ``x_t``
#: (``"poe"``)
POSTERIORS: tuple[str, ...] = ("mlp", "poe")


def _window(x: torch.Tensor, start: torch.Tensor, length: int) -> torch.Tensor:
    """``x[b, start[b]:start[b] + length]`` for every sequence ``b`` of ``x`` ``(B, T, N)``."""
    idx = start[:, None] + torch.arange(length, device=x.device)
    return x.gather(1, idx[..., None].expand(-1, -1, x.shape[2]))


def _take(z: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``z[b, index[b, t]]`` (indices clamped into range) for ``z`` ``(B, T, d)``."""
    idx = index.clamp(0, z.shape[1] - 1)
    return z.gather(1, idx[..., None].expand(-1, -1, z.shape[2]))


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (values * mask).sum() / mask.sum().clamp_min(1)


class _BlockLinear(nn.Linear):
    """Linear map that keeps latent blocks apart: an output feature of block ``b`` reads only
    input features of block ``b`` or of the shared block ``-1`` (block-diagonal weight).

    ``in_blocks``/``out_blocks`` list ``(size, block)`` segments of the input/output features.
    Both blocks (content, style) then run through one set of matrix products per time step —
    two independent state variables, half the kernel launches of two separate networks.
    """

    def __init__(self, in_blocks: list[tuple[int, int]], out_blocks: list[tuple[int, int]],
                 bias: bool = True) -> None:
        n_in, n_out = sum(n for n, _ in in_blocks), sum(n for n, _ in out_blocks)
        super().__init__(n_in, n_out, bias=bias)
        bi = torch.cat([torch.full((n,), b) for n, b in in_blocks])
        bo = torch.cat([torch.full((n,), b) for n, b in out_blocks])
        mask = (bo[:, None] == bi[None, :]) | (bi[None, :] < 0)
        self.register_buffer("mask", mask.float(), persistent=False)
        self.register_buffer("out_block", bo, persistent=False)
        with torch.no_grad():  # PyTorch's default init, with each row's own fan-in
            bound = 1.0 / mask.sum(1, keepdim=True).clamp_min(1).float().sqrt()
            self.weight.uniform_(-1.0, 1.0).mul_(bound * self.mask)
            if self.bias is not None:
                self.bias.uniform_(-1.0, 1.0).mul_(bound[:, 0])

    def masked_weight(self) -> torch.Tensor:
        return self.weight * self.mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.masked_weight(), self.bias)


class TiDeSwapVAEModule(NeurokitModule):
    """TiDe-SwapVAE on sequences ``(B, T, N)``: state variables, swap, alignment, InfoNCE.

    Training loss per batch (two views ``v``, ``v̄`` the other; all terms averaged over bins):

    ``L = ½ Σ_v [−log p(x^v_t | c^v_t, s^v_t) − log p(x^v_t | c^v̄_t, s^v_t)
    + β (KL^c_v + KL^s_v)] + w_align (2 − 2 cos(μ^c,1_t, μ^c,2_t)) + w_nce InfoNCE(μ^c,1, μ^c,2)``

    * **views**: a trial and a partner trial of the same group at the same time bins
      (``pairing="repeat"``: repeats of one stimulus sequence share the stimulus but not the
      internal state), or the trial itself (``"self"``); both then lose a random subset of
      neurons for the whole sequence (randomized dropout, ``p ~ U(0, dropout)``). Each view runs
      through its own recurrence, from ``h = 0``.
    * **windows**: each view is a window of ``crop_len`` bins at a random start; the partner's
      window is offset by up to half a window (:meth:`windows`), and the swap, alignment and
      InfoNCE compare bins at the same absolute time only.
    * **swap**: view ``v`` is also decoded from the *other* view's content at the same time and
      its own style.
    * **contrastive**: InfoNCE over up to ``n_contrast`` random (trial, time) bins of the batch;
      the positive of a bin is the other view at the same bin, the negatives are the other bins;
      with ``pairing="repeat"`` bins at the same time of other trials of the same group are
      left out of the negatives (they show the same stimulus).
    * **KL**: closed form between the diagonal Gaussian posterior and the conditional prior,
      weighted by ``beta`` times the warm-up factor :meth:`kl_scale` during training.

    ``denoise=True`` scores each view's recorded counts (dropout corrupts the encoder input
    only); ``False`` scores the dropped-out view as in the Swap-VAE reference code.

    Parameters
    ----------
    n_units : int
    n_content, n_style : int
        Latent sizes.
    hidden : int
        Width of the feature, posterior, prior, embedding and decoder layers.
    state_size : int
        Size of each block's state variable ``h``.
    use_state : bool
        False: the ablation without state variables.
    dropout : float
        Upper bound of the randomized neuron dropout.
    beta, align_weight, nce_weight : float
        Loss weights.
    temperature : float
        InfoNCE temperature.
    n_contrast : int
        Bins per batch entering the InfoNCE.
    pairing : {"repeat", "self"}
    crop_len : int or None
        Training window (bins); None: three quarters of the trial.
    posterior : {"mlp", "poe"}
        Posterior network (see the module docstring).
    state_reads_x : bool
        Also feed ``φ_x(x_t)`` to the state update (VRNN).
    kl_warmup : int
        Epochs of linear KL warm-up (0: none).
    learn_content_prior_var : bool
        Learn the content prior's variance from the state (default: unit variance).
    denoise : bool
    optimizer, lr, weight_decay, scheduler
        As in :class:`~neurokit.core.module.NeurokitModule`.

    Examples
    --------
    >>> m = TiDeSwapVAEModule(n_units=5, n_content=2, n_style=1, hidden=8, state_size=4)
    >>> x = torch.poisson(torch.ones(3, 7, 5))
    >>> out = m.compute((x, torch.zeros(3, dtype=torch.long)), "train")
    >>> sorted(out)
    ['align', 'elbo', 'kl_content', 'kl_style', 'loss', 'nce', 'recon', 'swap_recon']
    >>> m(x).shape                                           # [content, style] posterior means
    torch.Size([3, 7, 3])
    """

    def __init__(self, n_units: int, n_content: int = 4, n_style: int = 2, hidden: int = 64,
                 state_size: int = 32, use_state: bool = True, dropout: float = 0.3,
                 beta: float = 1.0, align_weight: float = 1.0, nce_weight: float = 3.0,
                 temperature: float = 0.1, n_contrast: int = 256, pairing: str = "repeat",
                 crop_len: int | None = 32, posterior: str = "mlp",
                 state_reads_x: bool = False, kl_warmup: int = 10,
                 learn_content_prior_var: bool = False, denoise: bool = True,
                 optimizer: str = "adam", lr: float = 1e-3, weight_decay: float = 0.0,
                 scheduler: str | None = None) -> None:
        super().__init__(optimizer=optimizer, lr=lr, weight_decay=weight_decay,
                         scheduler=scheduler)
        _check_choice(pairing, PAIRINGS, "pairing")
        _check_choice(posterior, POSTERIORS, "posterior")
        _check_number(dropout, "dropout", 0.0, 0.99)
        for name, value in (("beta", beta), ("align_weight", align_weight),
                            ("nce_weight", nce_weight)):
            _check_number(value, name, 0.0)
        _check_number(temperature, "temperature", 0.0, lo_open=True)
        for name, value in (("n_units", n_units), ("n_content", n_content),
                            ("n_style", n_style), ("hidden", hidden),
                            ("state_size", state_size), ("n_contrast", n_contrast),
                            ("crop_len", 1 if crop_len is None else crop_len)):
            if isinstance(value, bool) or int(value) < (2 if name == "n_contrast" else 1):
                raise ConfigError("bad size", field=name,
                                  expected=">= 2" if name == "n_contrast" else ">= 1",
                                  found=repr(value))
        self.save_hyperparameters()
        self.sizes = {"content": int(n_content), "style": int(n_style)}
        self.use_state = bool(use_state)
        self.state_size = int(state_size)
        h_, s_, dc, ds = int(hidden), int(state_size), int(n_content), int(n_style)
        self.n_latent = dc + ds
        two_h = [(h_, 0), (h_, 1)]
        two_s = [(s_, 0), (s_, 1)]
        lat = [(dc, 0), (ds, 1)]
        self.poe = posterior == "poe"
        self.register_buffer("style_mask", torch.cat([torch.zeros(dc), torch.ones(ds)]),
                             persistent=False)
        self.feature = nn.Sequential(nn.Linear(int(n_units), h_), nn.ReLU())
        self.post_x = _BlockLinear([(h_, -1)], two_h)
        self.post_head = _BlockLinear(two_h, lat + lat)          # [mu_c, mu_s, lv_c, lv_s]
        if self.use_state:
            # [posterior, prior] hidden layers (the PoE posterior reads the state via the prior)
            self.from_state = _BlockLinear(two_s, two_h if self.poe else two_h + two_h)
            self.prior_head = _BlockLinear(two_h, lat + lat)
            self.embed = _BlockLinear(lat, two_h)                  # φ_c, φ_s
            if state_reads_x:
                self.gru_x = _BlockLinear([(h_, -1)], two_s * 3, bias=False)
            self.gru_z = _BlockLinear(two_h, two_s * 3)            # GRU gates [r, u, n]
            self.gru_h = _BlockLinear(two_s, two_s * 3)
        self.decoder = nn.Sequential(nn.Linear(dc + ds, h_), nn.ReLU(), nn.Linear(h_, int(n_units)))

    # -- the model ------------------------------------------------------------------------------
    def decode(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """Latents ``(..., n_content)``, ``(..., n_style)`` -> rates (counts/bin) ``(..., N)``."""
        return F.softplus(self.decoder(torch.cat([content, style], dim=-1))) + 1e-6

    def infer(self, x: torch.Tensor, sample: bool = False,
              generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Run the posterior (and prior) along sequences ``x`` ``(B, T, N)``.

        Parameters
        ----------
        x : torch.Tensor, shape (B, T, N)
            Counts (float).
        sample : bool, default False
            Feed reparameterised samples ``z = μ + σ ε`` (True) or the posterior means to the
            state update.
        generator : torch.Generator, optional
            Source of ``ε`` (default: torch's global generator).

        Returns
        -------
        dict of str to torch.Tensor, each shape (B, T, d)
            For ``b`` in content/style: ``b`` (the latent fed forward), ``b_mu``, ``b_logvar``
            (posterior), ``b_prior_mu``, ``b_prior_logvar`` (prior; zeros without state).
        """
        b_, t_ = x.shape[:2]
        d = self.n_latent
        f = self.feature(torch.log1p(x))
        px = self.post_x(f)
        if generator is None:
            eps = torch.randn(b_, t_, d, dtype=x.dtype, device=x.device)
        else:
            eps = torch.randn((b_, t_, d), generator=generator, dtype=x.dtype)
        if not self.use_state or self.poe:
            e = self.post_head(F.relu(px))                 # every bin at once
            e_mu, e_logvar = e[..., :d], _logvar(e[..., d:])
        if not self.use_state:
            if self.poe:  # N(0, I) prior x N(e_mu, e_var) evidence
                logvar = -torch.log1p(torch.exp(-e_logvar))
                mu = e_mu * torch.exp(logvar - e_logvar)
            else:
                mu, logvar = e_mu, e_logvar
            z = mu + eps * torch.exp(0.5 * logvar) if sample else mu
            zeros = torch.zeros_like(mu)
            return self._by_block(z, mu, logvar, zeros, zeros)
        # weights masked once per call, then plain matrix products inside the time loop
        w_fs, w_q, w_p = (self.from_state.masked_weight(), self.post_head.masked_weight(),
                          self.prior_head.masked_weight())
        w_e, w_gz, w_gh = (self.embed.masked_weight(), self.gru_z.masked_weight(),
                           self.gru_h.masked_weight())
        gx = self.gru_x(f) if hasattr(self, "gru_x") else None
        two_h = px.shape[-1]
        # unbind once: slicing [:, t] inside the loop would cost a full-size zero gradient
        # tensor per step in the backward pass
        eps_t = eps.unbind(1)
        px_t = px.unbind(1)
        gx_t = gx.unbind(1) if gx is not None else None
        if self.poe:
            em_t, ep_t = e_mu.unbind(1), torch.exp(-e_logvar).unbind(1)  # evidence precision
        h = x.new_zeros(b_, w_gh.shape[1])
        zs, mus, lvs, ps = [], [], [], []
        for t in range(t_):
            hs = F.linear(h, w_fs, self.from_state.bias)
            hp = hs if self.poe else hs[:, two_h:]
            p = self._prior(F.linear(F.relu(hp), w_p, self.prior_head.bias))
            if self.poe:  # q ∝ p(z_t | h_{t-1}) N(z_t; e_mu(x_t), e_var(x_t))
                p_prec = torch.exp(-p[:, d:])
                prec = p_prec + ep_t[t]
                mu = (p[:, :d] * p_prec + em_t[t] * ep_t[t]) / prec
                logvar = -torch.log(prec)
            else:
                q = F.linear(F.relu(px_t[t] + hs[:, :two_h]), w_q, self.post_head.bias)
                mu, logvar = q[:, :d], _logvar(q[:, d:])
            z = mu + eps_t[t] * torch.exp(0.5 * logvar) if sample else mu
            gi = F.linear(F.relu(F.linear(z, w_e, self.embed.bias)), w_gz, self.gru_z.bias)
            h = self._gru(gi if gx_t is None else gi + gx_t[t], h, w_gh)
            zs.append(z)
            mus.append(mu)
            lvs.append(logvar)
            ps.append(p)
        p = torch.stack(ps, dim=1)
        return self._by_block(torch.stack(zs, dim=1), torch.stack(mus, dim=1),
                              torch.stack(lvs, dim=1), p[..., :d], p[..., d:])

    def _prior(self, raw: torch.Tensor) -> torch.Tensor:
        """Prior head output -> ``[mean, log-variance]``; the content block's variance is fixed
        to 1 unless ``learn_content_prior_var``."""
        d = self.n_latent
        logvar = _logvar(raw[..., d:])
        if not self.hparams.learn_content_prior_var:
            logvar = logvar * self.style_mask
        return torch.cat([raw[..., :d], logvar], dim=-1)

    def _gru(self, gi: torch.Tensor, h: torch.Tensor, w_gh: torch.Tensor) -> torch.Tensor:
        """GRU update (PyTorch's convention) from input gates ``gi`` and state ``h``."""
        gh = F.linear(h, w_gh, self.gru_h.bias)
        ir, iu, i_n = gi.chunk(3, dim=-1)
        hr, hu, h_n = gh.chunk(3, dim=-1)
        r = torch.sigmoid(ir + hr)
        u = torch.sigmoid(iu + hu)
        n = torch.tanh(i_n + r * h_n)
        return n + u * (h - n)

    def _by_block(self, z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                  pmu: torch.Tensor, plogvar: torch.Tensor) -> dict[str, torch.Tensor]:
        dc = self.sizes["content"]
        out: dict[str, torch.Tensor] = {}
        for suffix, v in (("", z), ("_mu", mu), ("_logvar", logvar), ("_prior_mu", pmu),
                          ("_prior_logvar", plogvar)):
            out["content" + suffix], out["style" + suffix] = v[..., :dc], v[..., dc:]
        return out

    def kl(self, post: dict[str, torch.Tensor], block: str) -> torch.Tensor:
        """``KL(q(z_t | x_t, h_{t-1}) ‖ p(z_t | h_{t-1}))`` of one block, shape (B, T)."""
        return gaussian_kl(post[f"{block}_mu"], post[f"{block}_logvar"],
                           post[f"{block}_prior_mu"], post[f"{block}_prior_logvar"])

    def elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Single-sample ELBO of every bin, shape (B, T), in nats (includes ``log k!``)."""
        post = self.infer(x, sample=True, generator=generator)
        rates = self.decode(post["content"], post["style"])
        return -(poisson_nll(rates, x) + self.kl(post, "content") + self.kl(post, "style"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Counts ``(B, T, N)`` -> posterior means ``[content, style]`` ``(B, T, dc + ds)``."""
        post = self.infer(x)
        return torch.cat([post["content_mu"], post["style_mu"]], dim=-1)

    @torch.no_grad()
    def generate(self, n_steps: int, n_samples: int = 1,
                 generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Ancestral sampling along time: ``z_t ~ p(z_t | h_{t-1})``, ``x_t ~ Poisson(λ(z_t))``,
        then ``h_t = GRU([φ_x(x_t), φ(z_t)], h_{t-1})``.

        Returns
        -------
        dict with ``counts``, ``rates`` (n_samples, n_steps, N), ``content``, ``style``.
        """
        n, d, dc = int(n_samples), self.n_latent, self.sizes["content"]
        h = torch.zeros(n, self.gru_h.in_features) if self.use_state else None
        seq: dict[str, list[torch.Tensor]] = {k: [] for k in ("counts", "rates", "z")}
        for _ in range(int(n_steps)):
            eps = torch.randn((n, d), generator=generator)
            if self.use_state:
                hs = self.from_state(h)
                hp = hs if self.poe else hs[:, hs.shape[1] // 2:]
                p = self._prior(self.prior_head(F.relu(hp)))
                z = p[:, :d] + eps * torch.exp(0.5 * p[:, d:])
            else:
                z = eps
            rates = self.decode(z[:, :dc], z[:, dc:])
            counts = torch.poisson(rates, generator=generator)
            if self.use_state:
                gi = self.gru_z(F.relu(self.embed(z)))
                if hasattr(self, "gru_x"):
                    gi = gi + self.gru_x(self.feature(torch.log1p(counts)))
                h = self._gru(gi, h, self.gru_h.masked_weight())
            for k, v in (("counts", counts), ("rates", rates), ("z", z)):
                seq[k].append(v)
        out = {k: torch.stack(v, dim=1) for k, v in seq.items()}
        z = out.pop("z")
        return {**out, "content": z[..., :dc], "style": z[..., dc:]}

    # -- training -------------------------------------------------------------------------------
    def windows(self, n: int, length: int, device: torch.device | str = "cpu"
                ) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Random training windows of the two views of ``n`` pairs of sequences.

        The window length is ``min(crop_len, length)``, or ``length - length // 4`` when that
        would be the whole sequence; view 2's window starts up to half a window away from
        view 1's. The two recurrences therefore start at different times, and only bins at
        the same absolute time are swapped, aligned and contrasted: a clock counting from the
        window start (which would align perfectly between views starting together, and is
        what the state variables learn otherwise) does not align.

        Returns
        -------
        start1, start2 : torch.Tensor of int64, shape (n,)
        window : int
        """
        crop = self.hparams.crop_len
        t_ = length if crop is None else min(int(crop), length)
        if t_ == length and length > 1:
            t_ = length - length // 4
        start1 = torch.randint(0, length - t_ + 1, (n,), device=device)
        shift = torch.randint(-(t_ // 2), t_ // 2 + 1, (n,), device=device)
        return start1, (start1 + shift).clamp(0, length - t_), t_

    def kl_scale(self) -> float:
        """KL warm-up factor: ``min(1, (epoch + 1) / (kl_warmup + 1))`` (1 without warm-up).

        Annealing the KL weight from near 0 avoids the posterior collapse of the content block
        (its KL went to 0 and it carried nothing in our runs without warm-up).
        """
        warm = int(self.hparams.kl_warmup)
        return 1.0 if warm <= 0 else min(1.0, (self.current_epoch + 1) / (warm + 1))

    def compute(self, batch: Any, stage: str) -> dict[str, torch.Tensor]:
        x, groups = batch
        x = x.float()
        hp = self.hparams
        repeat = hp.pairing == "repeat"
        partner = pair_partners(groups, self_pairs=not repeat)
        b_, full = x.shape[:2]
        start1, start2, t_ = self.windows(b_, full, x.device)
        ar = torch.arange(t_, device=x.device)
        views = (_window(x, start1, t_), _window(x[partner], start2, t_))
        dropped = [randomized_dropout(v, hp.dropout) for v in views]
        targets = views if hp.denoise else dropped
        # both views through one recurrence call (a batch of 2B): half the kernel launches
        both = self.infer(torch.cat(dropped), sample=True)
        post = [{k: v[:b_] for k, v in both.items()}, {k: v[b_:] for k, v in both.items()}]
        off = start2 - start1
        at = (ar[None] - off[:, None], ar[None] + off[:, None])  # other view's index of each bin
        valid = [(a >= 0) & (a < t_) for a in at]
        zero = x.new_zeros(())
        recon, swap, kl_c, kl_s = zero, zero, zero, zero
        for v in range(2):
            own, other = post[v], post[1 - v]
            recon = recon + poisson_nll(self.decode(own["content"], own["style"]),
                                        targets[v]).mean() / 2
            c_other = _take(other["content"], at[v])
            nll = poisson_nll(self.decode(c_other, own["style"]), targets[v])
            swap = swap + _masked_mean(nll, valid[v]) / 2
            kl_c = kl_c + self.kl(own, "content").mean() / 2
            kl_s = kl_s + self.kl(own, "style").mean() / 2
        mask = valid[0]
        c1 = post[0]["content_mu"][mask]
        c2 = _take(post[1]["content_mu"], at[0])[mask]
        align = alignment_loss(c1, c2)
        idx = torch.randperm(len(c1), device=x.device)[: int(hp.n_contrast)]
        exclude = None
        if repeat:  # the same bin of another repeat shows the same stimulus: not a negative
            time = (start1[:, None] + ar[None]).expand(b_, t_)[mask][idx]
            grp = groups[:, None].expand(b_, t_)[mask][idx]
            exclude = (time[:, None] == time[None, :]) & (grp[:, None] == grp[None, :])
        nce = info_nce(c1[idx], c2[idx], hp.temperature, exclude=exclude)
        beta = hp.beta * self.kl_scale() if stage == "train" else hp.beta
        loss = (recon + swap + beta * (kl_c + kl_s) + hp.align_weight * align
                + hp.nce_weight * nce)
        return {"loss": loss, "recon": recon, "swap_recon": swap, "kl_content": kl_c,
                "kl_style": kl_s, "align": align, "nce": nce, "elbo": -(recon + kl_c + kl_s)}


class TiDeSwapVAE(LightningEstimator):
    """TiDe-SwapVAE (Huang et al. 2024) with a scikit-learn face: ``fit`` / ``transform`` /
    ``score`` / ``generate`` / ``save`` / ``load``.

    See :class:`TiDeSwapVAEModule` for the model and losses. Trials are the samples; every
    trial is a sequence of any length up to ``max_len`` bins.

    Parameters
    ----------
    n_content, n_style : int
        Latent sizes.
    hidden, state_size : int
        Layer width; size of each block's state variable.
    use_state : bool
        False: the ablation without state variables (``N(0, I)`` priors, no recurrence).
    dropout : float
        Upper bound of the randomized neuron dropout.
    beta, align_weight, nce_weight, temperature : float
        KL weight, alignment weight, InfoNCE weight and temperature.
    n_contrast : int
        Bins per batch in the InfoNCE.
    pairing : {"repeat", "self"}
        Second view: the same bins of another trial of the same group (repeats of one stimulus
        sequence; ``groups`` in :meth:`fit`, all trials one group by default) or the trial
        itself (augmentation only).
    crop_len : int or None
        Training window (bins) at a random start, the partner's offset by up to half a window;
        None: three quarters of the trial. Transform, score and generate run on whole
        sequences.
    posterior : {"mlp", "poe"}
    state_reads_x : bool
    kl_warmup : int
    learn_content_prior_var : bool
        Model choices, see :class:`TiDeSwapVAEModule` and the module docstring.
    denoise : bool
        Score recorded counts (True) or the dropped-out view (Swap-VAE reference code).
    max_len : int
        Longest sequence accepted (bins); memory of training grows linearly with it.
    max_epochs, batch_size, lr, seed, run_dir, resume, enable_progress_bar
        Training (see :class:`~neurokit.core.estimator.LightningEstimator`).

    Attributes
    ----------
    n_units_ : int
    sampling_rate_ : float
        Of the training data (Hz; 1.0 for plain arrays), for :meth:`generate`'s time axis.
    module_ : TiDeSwapVAEModule

    Examples
    --------
    >>> from neurokit.datasets.content_style import simulate_content_style
    >>> ds = simulate_content_style(n_trials=6, n_time=12, n_neurons=10, segment_length=4)
    >>> est = TiDeSwapVAE(n_content=2, n_style=1, hidden=16, state_size=8, max_epochs=2)
    >>> lat = est.fit(ds["counts"]).transform(ds["counts"])
    >>> lat["content"].dims, lat["style"].shape
    (('trial', 'time', 'content_dim'), (6, 12, 1))
    >>> est.generate(n_steps=30, n_samples=2)["counts"].shape     # any length
    (2, 30, 10)
    """

    _fitted_attrs: ClassVar[tuple[str, ...]] = ("n_units_", "sampling_rate_")

    def __init__(self, n_content: int = 4, n_style: int = 2, hidden: int = 64,
                 state_size: int = 32, use_state: bool = True, dropout: float = 0.3,
                 beta: float = 1.0, align_weight: float = 1.0, nce_weight: float = 3.0,
                 temperature: float = 0.1, n_contrast: int = 256, pairing: str = "repeat",
                 crop_len: int | None = 32, posterior: str = "mlp", state_reads_x: bool = False,
                 kl_warmup: int = 10, learn_content_prior_var: bool = False,
                 denoise: bool = True, max_len: int = 4096,
                 max_epochs: int = 100,
                 batch_size: int = 16, lr: float = 1e-2, seed: int = 0,
                 run_dir: str | None = None, resume: bool = False,
                 enable_progress_bar: bool | None = None) -> None:
        self.n_content, self.n_style, self.hidden = n_content, n_style, hidden
        self.state_size, self.use_state, self.dropout = state_size, use_state, dropout
        self.beta, self.align_weight, self.nce_weight = beta, align_weight, nce_weight
        self.temperature, self.n_contrast = temperature, n_contrast
        self.pairing, self.crop_len = pairing, crop_len
        self.posterior, self.state_reads_x, self.kl_warmup = posterior, state_reads_x, kl_warmup
        self.learn_content_prior_var = learn_content_prior_var
        self.denoise, self.max_len = denoise, max_len
        self.max_epochs, self.batch_size, self.lr, self.seed = max_epochs, batch_size, lr, seed
        self.run_dir, self.resume = run_dir, resume
        self.enable_progress_bar = enable_progress_bar

    def _build_module(self) -> TiDeSwapVAEModule:
        return TiDeSwapVAEModule(
            n_units=int(self.n_units_), n_content=self.n_content, n_style=self.n_style,
            hidden=self.hidden, state_size=self.state_size, use_state=self.use_state,
            dropout=self.dropout, beta=self.beta, align_weight=self.align_weight,
            nce_weight=self.nce_weight, temperature=self.temperature,
            n_contrast=self.n_contrast, pairing=self.pairing, crop_len=self.crop_len,
            posterior=self.posterior, state_reads_x=self.state_reads_x,
            kl_warmup=self.kl_warmup, learn_content_prior_var=self.learn_content_prior_var,
            denoise=self.denoise, lr=self.lr)

    def _max_len(self) -> int:
        if isinstance(self.max_len, bool) or not isinstance(self.max_len, (int, np.integer)) \
                or self.max_len < 1:
            raise ConfigError("bad maximum sequence length", field="max_len",
                              expected="an integer >= 1 (bins)", found=repr(self.max_len))
        return int(self.max_len)

    def fit(self, X: Any, y: Any = None, groups: Any = None) -> TiDeSwapVAE:
        """Train on spike counts ``(trial, time, unit)``.

        Parameters
        ----------
        X : DataArray or array, shape (trial, time, unit)
            Non-negative integer counts, at most ``max_len`` bins per trial.
        y : ignored
        groups : array, shape (trial,), optional
            Trials with the same label showed the same stimulus sequence (default: all).

        Returns
        -------
        self
        """
        counts, meta = check_counts(X, max_len=self._max_len())
        g = _check_groups(groups, counts.shape[0])
        self.n_units_ = int(counts.shape[2])
        self.sampling_rate_ = float(meta["sampling_rate"])
        return self._train([torch.from_numpy(counts), torch.from_numpy(g)])

    def _check(self, X: Any) -> tuple[torch.Tensor, dict[str, Any]]:
        self._check_fitted()
        counts, meta = check_counts(X, max_len=self._max_len(), n_units=self.n_units_)
        return torch.from_numpy(counts), meta

    def transform(self, X: Any) -> xr.Dataset:
        """Posterior means of content and style along each trial, and the decoded rates.

        Parameters
        ----------
        X : DataArray or array, shape (trial, time, unit)

        Returns
        -------
        xarray.Dataset
            ``content`` (trial, time, content_dim), ``style`` (trial, time, style_dim),
            ``rates`` (trial, time, unit) expected counts per bin.
        """
        x, meta = self._check(X)
        nc, ns = self.n_content, self.n_style

        def fn(module: TiDeSwapVAEModule, xb: torch.Tensor) -> torch.Tensor:
            post = module.infer(xb)
            rates = module.decode(post["content_mu"], post["style_mu"])
            return torch.cat([post["content_mu"], post["style_mu"], rates], dim=-1)

        out = self._forward_batches(x, batch_size=64, fn=fn).numpy().astype(np.float64)
        return _latent_dataset(
            meta, {"content": (out[..., :nc], "content_dim", cv.ARBITRARY),
                   "style": (out[..., nc:nc + ns], "style_dim", cv.ARBITRARY),
                   "rates": (out[..., nc + ns:], meta["unit_dim"], "count/bin")},
            {"model": "TiDeSwapVAE" if self.use_state else "TiDeSwapVAE(use_state=False)"})

    def score(self, X: Any, y: Any = None) -> float:
        """Mean single-sample ELBO per time bin (nats/bin, seeded by ``seed``); higher is better.

        ``(1 / Σ T) Σ_trials Σ_t E_q[log p(x_t | c_t, s_t)] − KL^c_t − KL^s_t``, a lower bound of
        the log-likelihood of held-out trials (``log k!`` included).
        """
        x, _ = self._check(X)
        gen = torch.Generator().manual_seed(int(self.seed))
        return float(self._forward_batches(
            x, batch_size=64, fn=lambda m, xb: m.elbo(xb, generator=gen)).mean())

    def generate(self, n_steps: int, n_samples: int = 1, seed: int = 0) -> xr.Dataset:
        """Generate new sequences progressively from the conditional priors.

        Parameters
        ----------
        n_steps : int
            Bins per sequence (1 .. ``max_len``).
        n_samples : int, default 1
            Sequences (the ``trial`` dim).
        seed : int, default 0

        Returns
        -------
        xarray.Dataset
            ``counts`` and ``rates`` (trial, time, unit), ``content`` and ``style``
            (trial, time, latent dim); ``time`` in s at the training data's sampling rate.
        """
        self._check_fitted()
        for name, value, hi in (("n_steps", n_steps, self._max_len()),
                                ("n_samples", n_samples, None)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or value < 1 or (hi is not None and value > hi):
                raise ConfigError("bad generation size", field=name,
                                  expected=">= 1" + (f" and <= max_len ({hi})" if hi else ""),
                                  found=repr(value))
        gen = torch.Generator().manual_seed(int(seed))
        out = {k: v.numpy().astype(np.float64)
               for k, v in self.module_.eval().generate(n_steps, n_samples, gen).items()}
        meta = {"trial": np.arange(int(n_samples)),
                "time": np.arange(int(n_steps), dtype=np.float64) / self.sampling_rate_,
                "unit_dim": cv.UNIT, "unit": np.arange(self.n_units_),
                "sampling_rate": self.sampling_rate_}
        return _latent_dataset(
            meta, {"counts": (out["counts"], cv.UNIT, cv.COUNTS),
                   "rates": (out["rates"], cv.UNIT, "count/bin"),
                   "content": (out["content"], "content_dim", cv.ARBITRARY),
                   "style": (out["style"], "style_dim", cv.ARBITRARY)},
            {"model": "TiDeSwapVAE", "seed": int(seed)})
