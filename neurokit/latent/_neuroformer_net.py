"""Neuroformer's network: attention blocks, the LightningModule and its read-out helpers.

Private implementation of :mod:`neurokit.latent.neuroformer` (the maths is documented there).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from neurokit.core.module import NeurokitModule
from neurokit.errors import ConfigError
from neurokit.latent.neuroformer_tokens import special_tokens

__all__ = ["NeuroformerModule"]


# --------------------------------------------------------------------------------------------
# transformer parts
# --------------------------------------------------------------------------------------------
class _Attention(nn.Module):
    """Multi-head (self- or cross-) attention that also returns its weights."""

    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.attn_drop = nn.Dropout(dropout)
        self.resid_drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, kv: torch.Tensor,
                mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        b, tq, d = x.shape
        tk = kv.shape[1]
        h = self.n_heads
        q = self.query(x).view(b, tq, h, d // h).transpose(1, 2)
        k = self.key(kv).view(b, tk, h, d // h).transpose(1, 2)
        v = self.value(kv).view(b, tk, h, d // h).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // h)
        if mask is not None:  # mask: (B or 1, Tq or 1, Tk), True where attending is allowed
            att = att.masked_fill(~mask[:, None], float("-inf"))
        att = torch.softmax(att, dim=-1)
        y = self.attn_drop(att) @ v
        y = y.transpose(1, 2).reshape(b, tq, d)
        return self.resid_drop(self.proj(y)), att


class _Block(nn.Module):
    """Pre-norm transformer block (self- or cross-attention, GELU MLP), final LayerNorm."""

    def __init__(self, d_model: int, n_heads: int, dropout: float, cross: bool) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.ln_kv = nn.LayerNorm(d_model) if cross else None
        self.attn = _Attention(d_model, n_heads, dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(),
                                 nn.Linear(4 * d_model, d_model), nn.Dropout(dropout))
        self.ln_out = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, kv: torch.Tensor | None,
                mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        q = self.ln1(x)
        k = q if self.ln_kv is None else self.ln_kv(kv)
        y, att = self.attn(q, k, mask)
        x = x + y
        x = x + self.mlp(self.ln2(x))
        return self.ln_out(x), att


# --------------------------------------------------------------------------------------------
# the LightningModule
# --------------------------------------------------------------------------------------------
class NeuroformerModule(NeurokitModule):
    """Neuroformer's network and losses (the maths: :mod:`neurokit.latent.neuroformer`).

    Batches are tuples ``(id_in, dt_in, id_target, dt_target, id_past, dt_past, stimulus,
    behaviour_in, behaviour_target)`` of shapes ``(B, max_tokens)`` x4, ``(B,
    max_context_tokens)`` x2, ``(B, context + window, n_stimulus_features)``, ``(B, context +
    window, n_behaviour_features)`` and ``(B, behaviour_dim)`` (the last three may have zero
    features).

    Parameters
    ----------
    n_units, window, context, max_tokens, max_context_tokens : int
        Neurons, bins of the current and past windows, sequence lengths (SOS included).
    n_stimulus_features, n_behaviour_features : int, default 0
        Features of the stimulus and behaviour input modalities (0: absent).
    behaviour_dim : int, default 0
        Outputs of the behaviour head (0: no head; classes for classification).
    behaviour_task : {"regression", "classification"}
    stimulus_patch : int, default 1
        Bins per stimulus (and behaviour) token: ``patch`` consecutive bins' features are
        concatenated, as the research code's video encoder patches frames in time.
    time_head : {"conditional", "independent"}, default "conditional"
        ``"independent"``: the paper's heads, ``p(id | h) p(dt | h)``. ``"conditional"``:
        ``p(id | h) p(dt | h + E[id])``, the time head told which neuron it times; this lets
        the canonical order be enforced exactly (see :meth:`token_log_probs`).
    d_model, n_heads : int
        Width and heads of every attention block.
    n_state_layers, n_history_layers, n_cross_layers, n_stimulus_layers, n_decoder_layers : int
        Blocks of each stage (see :mod:`neurokit.latent.neuroformer`).
    dropout : float
    contrastive_weight : float
        ``c`` of the loss (used only with a stimulus).
    clip_temperature : float
        Temperature of the InfoNCE logits.
    id_weight, dt_weight : float
        Weights of the two cross-entropies (research code: 3/5 and 2/5).
    optimizer, lr, weight_decay, scheduler
        See :class:`~neurokit.core.module.NeurokitModule`.
    """

    def __init__(
        self,
        n_units: int,
        window: int,
        context: int,
        max_tokens: int,
        max_context_tokens: int,
        n_stimulus_features: int = 0,
        n_behaviour_features: int = 0,
        behaviour_dim: int = 0,
        behaviour_task: str = "regression",
        stimulus_patch: int = 1,
        time_head: str = "conditional",
        d_model: int = 64,
        n_heads: int = 4,
        n_state_layers: int = 1,
        n_history_layers: int = 0,
        n_cross_layers: int = 1,
        n_stimulus_layers: int = 1,
        n_decoder_layers: int = 1,
        dropout: float = 0.1,
        contrastive_weight: float = 0.25,
        clip_temperature: float = 0.1,
        id_weight: float = 0.6,
        dt_weight: float = 0.4,
        optimizer: str = "adamw",
        lr: float = 1e-3,
        weight_decay: float = 0.01,
        scheduler: str | None = None,
    ) -> None:
        super().__init__(optimizer=optimizer, lr=lr, weight_decay=weight_decay,
                         scheduler=scheduler)
        self.save_hyperparameters()
        if d_model % n_heads:
            raise ConfigError("d_model must be a multiple of n_heads", field="d_model",
                              expected=f"a multiple of {n_heads}", found=repr(d_model))
        self.sp = special_tokens(n_units)
        self.window, self.context = int(window), int(context)
        d = int(d_model)
        self.tok_emb = nn.Embedding(n_units + 3, d)
        self.time_emb = nn.Embedding(context + window + 2, d)  # offsets -context-1 .. window
        self.pos_emb = nn.Parameter(torch.zeros(1, max_tokens, d))
        self.pos_emb_past = nn.Parameter(torch.zeros(1, max_context_tokens, d))
        self.drop = nn.Dropout(dropout)

        def blocks(n: int, cross: bool) -> nn.ModuleList:
            return nn.ModuleList(_Block(d, n_heads, dropout, cross) for _ in range(int(n)))

        self.state_blocks = blocks(n_state_layers, False)
        self.history_blocks = blocks(n_history_layers, False)
        self.cross_blocks = blocks(n_cross_layers, True)
        self.decoder_blocks = blocks(n_decoder_layers, False)
        self.stimulus_proj = self.stimulus_blocks = self.stimulus_cross = None
        self.patch = int(stimulus_patch)
        n_patches = (context + window) // self.patch
        if n_stimulus_features > 0:
            self.stimulus_proj = nn.Linear(n_stimulus_features * self.patch, d)
            self.stimulus_time = nn.Parameter(torch.zeros(1, n_patches, d))
            self.stimulus_blocks = blocks(n_stimulus_layers, False)
            self.stimulus_cross = _Block(d, n_heads, dropout, True)
            self.clip_neural = nn.Linear(d, d, bias=False)
            self.clip_stimulus = nn.Linear(d, d, bias=False)
        self.behaviour_proj = self.behaviour_cross = None
        if n_behaviour_features > 0:
            self.behaviour_proj = nn.Linear(n_behaviour_features * self.patch, d)
            self.behaviour_time = nn.Parameter(torch.zeros(1, n_patches, d))
            self.behaviour_cross = _Block(d, n_heads, dropout, True)
        self.ln_f = nn.LayerNorm(d)
        self.head_id = nn.Linear(d, n_units + 3, bias=False)
        if time_head not in ("conditional", "independent"):
            raise ConfigError("unknown time head", field="time_head",
                              expected="'conditional' or 'independent'", found=repr(time_head))
        self.conditional_time = time_head == "conditional"
        self.head_dt = nn.Linear(d, window, bias=False)
        self.dt_id_emb = nn.Embedding(n_units + 3, d) if self.conditional_time else None
        self.behaviour_head = nn.Linear(d, behaviour_dim) if behaviour_dim > 0 else None
        self.apply(_init_weights)
        # training stage (not a hyper-parameter: set by the estimator before a fine-tuning run)
        self.objective = "pretrain"
        self.backbone_lr_scale = 1.0

    # -- forward ----------------------------------------------------------------------------
    def encode(self, id_in: torch.Tensor, dt_in: torch.Tensor, id_past: torch.Tensor,
               dt_past: torch.Tensor, stimulus: torch.Tensor | None = None,
               behaviour: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, dict[str, Any]]:
        """Final hidden states ``(B, T, d)`` and extras (cross-attention weights, encodings)."""
        ctx = self.context
        t, tp = id_in.shape[1], id_past.shape[1]
        pad = self.sp["PAD"]
        x = self.tok_emb(id_in) + self.time_emb(dt_in + ctx + 1) + self.pos_emb[:, :t]
        p = (self.tok_emb(id_past) + self.time_emb(dt_past + ctx + 1)
             + self.pos_emb_past[:, :tp])
        x, p = self.drop(x), self.drop(p)
        causal = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()[None]
        past_keys = (id_past != pad)[:, None, :]
        for blk in self.state_blocks:
            x, _ = blk(x, None, causal)
        for blk in self.history_blocks:
            p, _ = blk(p, None, past_keys)
        cross_att = []
        for blk in self.cross_blocks:
            x, att = blk(x, p, past_keys)
            cross_att.append(att)
        extras: dict[str, Any] = {"cross_attention": cross_att, "past_state": x}
        if self.stimulus_proj is not None and stimulus is not None:
            s = self.drop(self.stimulus_proj(self._patches(stimulus)) + self.stimulus_time)
            for blk in self.stimulus_blocks:
                s, _ = blk(s, None, None)
            x, _ = self.stimulus_cross(x, s, None)
            extras["stimulus"] = s
        if self.behaviour_proj is not None and behaviour is not None:
            bh = self.drop(self.behaviour_proj(self._patches(behaviour)) + self.behaviour_time)
            x, _ = self.behaviour_cross(x, bh, None)
        for blk in self.decoder_blocks:
            x, _ = blk(x, None, causal)
        return self.ln_f(x), extras

    def _patches(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, context + window, F)`` -> ``(B, n_patches, patch * F)`` (time-major inside)."""
        b, t, f = x.shape
        return x.reshape(b, t // self.patch, self.patch * f)

    def pooled(self, h: torch.Tensor, id_in: torch.Tensor) -> torch.Tensor:
        """Mean of the hidden states over the non-padding input positions, ``(B, d)``."""
        valid = (id_in != self.sp["PAD"]).unsqueeze(-1).to(h.dtype)
        return (h * valid).sum(1) / valid.sum(1).clamp_min(1.0)

    def token_log_probs(self, h: torch.Tensor, id_in: torch.Tensor, dt_in: torch.Tensor,
                        id_next: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-probabilities of the next id ``(B, T, n_units + 3)`` and of its offset
        ``(B, T, window)`` given that the next id is ``id_next`` ``(B, T)``.

        Canonical order (offsets never decrease; inside a bin, ids increase) sets the support:
        with ``time_head="conditional"`` the offset of a next neuron ``j`` is at least the
        current offset, plus one when ``j`` is below the current id, and ids that can no longer
        follow (below the current id in the last bin) get probability 0, so the window
        log-likelihood is exactly that of its binned counts. With ``"independent"`` (the
        paper's heads) only the offset order is enforced. PAD and SOS are never predicted.
        """
        n = self.hparams.n_units
        id_logits = self.head_id(h)
        never = torch.zeros(id_logits.shape[-1], dtype=torch.bool, device=h.device)
        never[self.sp["PAD"]] = never[self.sp["SOS"]] = True
        id_logits = id_logits.masked_fill(never, float("-inf"))
        cur_id = torch.where(id_in < n, id_in, torch.full_like(id_in, -1)).unsqueeze(-1)
        cur_dt = dt_in.clamp(0, self.window - 1).unsqueeze(-1)
        offsets = torch.arange(self.window, device=h.device)
        if self.conditional_time:
            ids = torch.arange(id_logits.shape[-1], device=h.device)
            dead = (ids < n) & (ids < cur_id) & (cur_dt == self.window - 1)
            id_logits = id_logits.masked_fill(dead, float("-inf"))
            dt_logits = self.head_dt(h + self.dt_id_emb(id_next.clamp(0, n + 2)))
            # an id below the current one in the last bin is already impossible (probability
            # 0 above); the clamp only keeps its (unused) offset distribution finite
            floor = (cur_dt + (id_next.unsqueeze(-1) < cur_id).long()).clamp_max(self.window - 1)
        else:
            dt_logits = self.head_dt(h)
            floor = cur_dt
        dt_logits = dt_logits.masked_fill(offsets < floor, float("-inf"))
        return F.log_softmax(id_logits, -1), F.log_softmax(dt_logits, -1)

    def window_log_likelihood(self, h: torch.Tensor, batch: tuple[torch.Tensor, ...]
                              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-window log-likelihood (nats), and the summed id and time terms, each ``(B,)``."""
        id_in, dt_in, id_tg, dt_tg = batch[:4]
        lp_id, lp_dt = self.token_log_probs(h, id_in, dt_in, id_tg)
        valid = id_tg != self.sp["PAD"]
        spike = valid & (id_tg != self.sp["EOS"])
        ll_id = lp_id.gather(-1, id_tg.clamp_max(lp_id.shape[-1] - 1).unsqueeze(-1)).squeeze(-1)
        ll_dt = lp_dt.gather(-1, dt_tg.clamp(0, self.window - 1).unsqueeze(-1)).squeeze(-1)
        ll_id = torch.where(valid, ll_id, torch.zeros_like(ll_id)).sum(1)
        ll_dt = torch.where(spike, ll_dt, torch.zeros_like(ll_dt)).sum(1)
        return ll_id + ll_dt, ll_id, ll_dt

    def forward(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Per-window log-likelihood ``(B,)`` in nats."""
        batch = self.trim(batch)
        h, _ = self._encode_batch(batch)
        return self.window_log_likelihood(h, batch)[0]

    def trim(self, batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        """Drop the padding columns every window of the batch has (same result, less work)."""
        pad = self.sp["PAD"]
        t = int((batch[2] != pad).sum(1).max())
        tp = int((batch[4] != pad).sum(1).max())
        return (*(x[:, :t] for x in batch[:4]), batch[4][:, :tp], batch[5][:, :tp], *batch[6:])

    def _encode_batch(self, batch: tuple[torch.Tensor, ...]
                      ) -> tuple[torch.Tensor, dict[str, Any]]:
        id_in, dt_in, _, _, id_past, dt_past, stim, beh = batch[:8]
        stim = stim if stim.shape[-1] > 0 else None
        beh = beh if beh.shape[-1] > 0 else None
        return self.encode(id_in, dt_in, id_past, dt_past, stim, beh)

    # -- losses -----------------------------------------------------------------------------
    def compute(self, batch: tuple[torch.Tensor, ...], stage: str) -> dict[str, torch.Tensor]:
        batch = self.trim(batch)
        h, extras = self._encode_batch(batch)
        if self.objective == "behaviour":
            return self._behaviour_loss(h, batch)
        hp = self.hparams
        _, ll_id, ll_dt = self.window_log_likelihood(h, batch)
        id_tg = batch[2]
        n_tok = (id_tg != self.sp["PAD"]).sum().clamp_min(1)
        n_spk = ((id_tg != self.sp["PAD"]) & (id_tg != self.sp["EOS"])).sum().clamp_min(1)
        ce_id = -ll_id.sum() / n_tok
        ce_dt = -ll_dt.sum() / n_spk
        out = {"id_loss": ce_id.detach(), "time_loss": ce_dt.detach(),
               "nll_per_spike": (-(ll_id.sum() + ll_dt.sum()) / n_spk).detach()}
        neural = hp.id_weight * ce_id + hp.dt_weight * ce_dt
        c = float(hp.contrastive_weight)
        if "stimulus" in extras and c > 0 and h.shape[0] > 1:
            clip = self._clip_loss(self.pooled(h, batch[0]), extras["stimulus"].mean(1))
            out["clip_loss"] = clip.detach()
            out["loss"] = (1 - c) * neural + c * clip
        else:
            out["loss"] = neural
        return out

    def _clip_loss(self, neural: torch.Tensor, stimulus: torch.Tensor) -> torch.Tensor:
        zn = F.normalize(self.clip_neural(neural), dim=-1)
        zs = F.normalize(self.clip_stimulus(stimulus), dim=-1)
        logits = zn @ zs.t() / float(self.hparams.clip_temperature)
        labels = torch.arange(len(zn), device=zn.device)
        return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels))

    def _behaviour_loss(self, h: torch.Tensor, batch: tuple[torch.Tensor, ...]
                        ) -> dict[str, torch.Tensor]:
        pred = self.behaviour_head(self.pooled(h, batch[0]))
        y = batch[8]
        if self.hparams.behaviour_task == "classification":
            target = y[:, 0].long()
            loss = F.cross_entropy(pred, target)
            acc = (pred.argmax(1) == target).float().mean()
            return {"loss": loss, "accuracy": acc.detach()}
        return {"loss": F.mse_loss(pred, y)}

    def parameter_groups(self) -> Any:
        if self.objective != "behaviour" or self.backbone_lr_scale == 1.0:
            return [p for p in self.parameters() if p.requires_grad]
        head = list(self.behaviour_head.parameters())
        ids = {id(p) for p in head}
        rest = [p for p in self.parameters() if id(p) not in ids and p.requires_grad]
        lr = self._optim_config["lr"]
        return [{"params": head}, {"params": rest, "lr": lr * self.backbone_lr_scale}]


def _init_weights(module: nn.Module) -> None:
    """GPT-style initialisation (N(0, 0.02²) weights, zero biases), as in the research code."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


def _sample(log_probs: torch.Tensor, temperature: float, top_p: float,
            gen: torch.Generator) -> int:
    """One draw from ``softmax(log_probs / temperature)`` restricted to its top-p nucleus."""
    probs = torch.softmax(log_probs.double() / temperature, -1)
    if top_p < 1.0:
        sorted_p, order = probs.sort(descending=True)
        keep = (sorted_p.cumsum(0) - sorted_p) < top_p  # the first id always stays
        probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_p[keep])
    return int(torch.multinomial(probs / probs.sum(), 1, generator=gen))


def _target_token_log_prob(module: NeuroformerModule, h: torch.Tensor,
                           b: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """``log p(id) + log p(dt | id)`` of every target token, ``(B, T)`` (0 where no spike)."""
    id_in, dt_in, id_tg, dt_tg = b[:4]
    lp_id, lp_dt = module.token_log_probs(h, id_in, dt_in, id_tg)
    n = module.hparams.n_units
    spike = id_tg < n
    ll = (lp_id.gather(-1, id_tg.clamp_max(lp_id.shape[-1] - 1).unsqueeze(-1)).squeeze(-1)
          + lp_dt.gather(-1, dt_tg.clamp(0, lp_dt.shape[-1] - 1).unsqueeze(-1)).squeeze(-1))
    return torch.where(spike, ll, torch.zeros_like(ll))


@torch.no_grad()
def _knockout_pairs(module: NeuroformerModule, b: tuple[torch.Tensor, ...], n: int,
                    batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(pair index ``j * (n + 3) + i``, log-prob drop) for every spike target ``j`` of every
    window and every neuron ``i`` with spikes in its past window."""
    h, _ = module._encode_batch(b)
    full = _target_token_log_prob(module, h, b)  # (B, T)
    id_past = b[4]
    rows, knocked = [], []
    for w in range(id_past.shape[0]):
        for i in torch.unique(id_past[w][id_past[w] < n]).tolist():
            rows.append(w)
            knocked.append(i)
    if not rows:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.float64)
    rows_t, knocked_t = torch.tensor(rows), torch.tensor(knocked)
    pad_dt = -(module.context + 1)
    flats, scores = [], []
    for a in range(0, len(rows), batch_size):
        r, k = rows_t[a:a + batch_size], knocked_t[a:a + batch_size]
        sub = tuple(t[r] for t in b)
        gone = sub[4] == k[:, None]
        past = sub[4].masked_fill(gone, module.sp["PAD"])
        past_dt = sub[5].masked_fill(gone, pad_dt)
        sub = (*sub[:4], past, past_dt, *sub[6:])
        h_ko, _ = module._encode_batch(sub)
        drop = full[r] - _target_token_log_prob(module, h_ko, sub)  # (R, T)
        tgt = sub[2]
        ok = tgt < n
        flats.append((tgt * (n + 3) + k[:, None])[ok])
        scores.append(drop[ok].double())
    return torch.cat(flats), torch.cat(scores)


def _attention_pairs(module: NeuroformerModule, b: tuple[torch.Tensor, ...], n: int,
                     method: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(pair index, cross-attention weight or gradient-weighted attention) for every (spike
    target query, past spike key) pair of the batch."""
    with torch.set_grad_enabled(method == "grad_attention"):
        h, extras = module._encode_batch(b)
        atts = extras["cross_attention"]
        if method == "grad_attention":
            for att in atts:
                att.retain_grad()
            _target_token_log_prob(module, h, b).sum().backward()
            weight = torch.stack([(att * att.grad.clamp_min(0)).mean(1) for att in atts]).mean(0)
            module.zero_grad(set_to_none=True)
        else:
            weight = torch.stack([att.mean(1) for att in atts]).mean(0)
    weight = weight.detach().double()  # (B, Tq, Tk)
    tgt, past = b[2], b[4]
    pair = (tgt < n)[:, :, None] & (past < n)[:, None, :]
    flat = tgt[:, :, None] * (n + 3) + past[:, None, :]
    return flat[pair], weight[pair]
