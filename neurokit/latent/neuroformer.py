r"""Neuroformer: a multimodal generative pretrained transformer for spike trains.

Antoniades, Yu, Canzano, Wang, Smith, "Neuroformer: Multimodal and Multitask Generative
Pretraining for Brain Data", ICLR 2024. The maths follows the paper and its research code; the
plumbing is neurokit's (:mod:`neurokit.core`). Tokens, windows and splits live in
:mod:`neurokit.latent.neuroformer_tokens`.

The model, for one current window of ``window`` bins and its past window of ``context`` bins:

1. **Embeddings.** Every spike token ``(id, dt)`` becomes ``E_id[id] + E_t[dt] + P[position]``
   (neuron embedding, learned embedding of the bin offset, learned position); past tokens use
   the same neuron and time tables (offsets ``-context .. -1``, so queries and keys share one
   clock) and their own position table. Stimulus bins (features over the past and current
   windows) are projected linearly and get a learned time embedding; behaviour given as an
   input modality likewise.
2. **Encoders.** Current tokens pass ``n_state_layers`` causal self-attention blocks (the
   research code's ``neural_state_blocks`` of the feature encoder); stimulus tokens
   ``n_stimulus_layers`` self-attention blocks. The past window's tokens are the neural state
   the decoder cross-attends to; as in the research code they enter the cross-attention as
   embeddings (``n_history_layers=0``, the default), or after ``n_history_layers``
   self-attention blocks. Self-attention over the past mixes the identities of its spikes,
   which blurs the connectivity read-out (on the simulated circuit it lowers the edge AUROC
   from about 0.92 to 0.74 for the same training).
3. **Multimodal decoder.** ``n_cross_layers`` blocks of cross-attention from the current tokens
   to the past window's state, then one cross-attention block per extra modality (stimulus,
   behaviour), then ``n_decoder_layers`` causal self-attention blocks. Every block is pre-norm
   (``x + Attn(LN(x), kv)``, ``x + MLP(LN(x))``, GELU MLP of width ``4 d``) and ends with a
   LayerNorm, as in the research code.
4. **Heads.** Two linear heads on each position predict the *next* token's neuron id
   (``n_units`` neurons + EOS) and its time offset. The paper's heads are independent given
   the hidden state, ``p(id, dt | h) = p(id | h) p(dt | h)`` (``time_head="independent"``).
   The default (``"conditional"``) gives the time head the embedding of the neuron it times,
   ``p(id | h) p(dt | h + E_dt[id])``: tokens are in canonical order (offsets never
   decrease; inside a bin, ids increase), and only a time head that knows the id can put zero
   probability on the out-of-order pairs. Offsets and ids that cannot follow are masked, so a
   window's log-likelihood is exactly the log-probability of its binned counts given its past
   (the distribution over counts only misses the mass of windows longer than ``max_tokens``;
   with independent heads, mass also leaks to out-of-order sequences: a lower bound).
   No time is predicted for EOS.
5. **Losses.** ``L = (1 - c) (0.6 CE_id + 0.4 CE_dt) + c L_clip`` with the research code's
   weights (``c = 1/4`` when a stimulus is given, else 0), and ``L_clip`` the symmetric
   InfoNCE (CLIP) loss between the mean-pooled final neural representation and the mean-pooled
   stimulus encoding of the same window, cosine similarities over a temperature, the other
   windows of the batch as negatives.
6. **Fine-tuning.** A linear head on the mean-pooled final representation (the research code's
   pooling) predicts behaviour: a linear probe of the frozen backbone fitted in closed form
   (``"frozen"``; ridge, or logistic regression for classes), or gradient training (MSE on
   z-scored targets, or cross-entropy) of the head with the backbone at a tenth of its learning
   rate (``"low_lr"``), at the same rate (``"full"``), or from a random initialisation
   (``"scratch"``, the baseline of the few-shot claim).
7. **Generation.** Autoregressive sampling token by token (temperature, nucleus/top-p), window
   after window, each generated window becoming the past of the next.
8. **Connectivity.** Read out of the cross-attention to the past window into a
   ``(target, source)`` neuron matrix: the query at position ``k`` predicts spike ``k + 1``
   (its *target* neuron), the keys are past spikes (their *source* neurons). The research
   code accumulates the attention weights themselves; these are computed before the target is
   known, so they can rank informative sources but not say which neuron a source drives. The
   default read-out knocks the source's keys out of the attention and accumulates the drop in
   the target's log-probability (see :meth:`Neuroformer.connectivity`).

Bad input: NaN, negative or fractional counts and NaN covariates raise
:class:`~neurokit.errors.InvalidValueError`; covariates with another number of bins or
segments than the spikes, segments shorter than one window and its history, and windows with
more spikes than the sequence length (``on_overflow="error"``, the default) raise
:class:`~neurokit.errors.SchemaError` naming the field and window.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import torch
import xarray as xr

from neurokit import conventions as cv
from neurokit.core.estimator import LightningEstimator
from neurokit.errors import ConfigError, SchemaError
from neurokit.latent._neuroformer_net import (
    NeuroformerModule,
    _attention_pairs,
    _knockout_pairs,
    _sample,
)
from neurokit.latent.neuroformer_tokens import (
    as_covariate_segments,
    as_segments,
    detokenize,
    encode_windows,
    special_tokens,
    window_starts,
)

__all__ = ["Neuroformer", "NeuroformerModule"]

_FINETUNE_MODES = ("frozen", "low_lr", "full", "scratch")
_TASKS = ("regression", "classification")
_CONNECTIVITY = ("knockout", "attention", "grad_attention")


# --------------------------------------------------------------------------------------------
# the scikit-learn front
# --------------------------------------------------------------------------------------------
class Neuroformer(LightningEstimator):
    r"""Neuroformer (Antoniades et al., ICLR 2024) with a scikit-learn front.

    Generative pretraining on spike tokens (next spike's neuron and time offset) with
    cross-attention to the past window and to a stimulus, CLIP-style contrastive alignment of
    neural and stimulus embeddings, few-shot behaviour heads, generation of spike trains and
    attention-derived connectivity. The maths is in the module docstring
    (:mod:`neurokit.latent.neuroformer`).

    Parameters
    ----------
    window : int, default 4
        Bins of the current window (the tokens predicted).
    context : int, default 8
        Bins of the past window (the neural state cross-attended to).
    stride : int, optional
        Bins between training windows (default ``window``: non-overlapping current windows).
    max_tokens, max_context_tokens : int, optional
        Sequence lengths, SOS included (default: from the training data, 25% above its
        busiest window, at least 2 more).
    on_overflow : {"error", "truncate"}, default "error"
        A window with more spikes than fit raises :class:`~neurokit.errors.SchemaError`
        naming it, or (``"truncate"``) keeps its first (current) and latest (past) spikes; the
        windows affected are flagged in :meth:`log_likelihood`'s ``truncated``.
    bin_size : float, optional
        Bin width (s) used to bin spike times given as a units Dataset.
    stimulus_patch : int, default 1
        Bins per stimulus/behaviour token (divides ``window`` and ``context``).
    time_head : {"conditional", "independent"}, default "conditional"
        Time head told the neuron it times (exact likelihood of the counts) or the paper's
        independent heads (see :class:`NeuroformerModule`).
    d_model, n_heads, n_state_layers, n_history_layers, n_cross_layers, n_stimulus_layers,
    n_decoder_layers, dropout, contrastive_weight, clip_temperature, id_weight, dt_weight
        Architecture and loss (see :class:`NeuroformerModule`).
    weight_decay : float, default 0.01
        AdamW weight decay.
    scheduler : {"cosine", "step", None}, default "cosine"
        Learning-rate schedule over ``max_epochs`` (see
        :class:`~neurokit.core.module.NeurokitModule`).
    max_epochs, batch_size, lr, seed, run_dir, resume, enable_progress_bar
        Training (see :class:`~neurokit.core.estimator.LightningEstimator`).

    Attributes
    ----------
    n_units_ : int
    unit_ids_ : numpy.ndarray
        Unit labels (from the ``unit`` coordinate when given).
    max_tokens_, max_context_tokens_ : int
        Sequence lengths in use.
    n_stimulus_features_, n_behaviour_features_ : int
        Input modalities seen in ``fit`` (0: none).
    sampling_rate_ : float
        Bins per second (from ``attrs["sampling_rate"]``, the time step or ``bin_size``; 1.0
        when the input carried none).
    behaviour_dim_, behaviour_task_ : int, str
        The behaviour head (0 outputs until :meth:`fine_tune_behaviour`).

    Notes
    -----
    Held-out evaluation: split the recording with
    :func:`~neurokit.latent.neuroformer_tokens.interval_split` and give the intervals as a list
    of segments; windows (and their history) never cross a segment boundary.

    On the simulated 20-neuron circuit with 3 hubs of
    :func:`~neurokit.datasets.spiking_circuit.simulate_spiking_circuit` (200 s, 5 ms bins,
    160 s to train, ``window=4, context=8, d_model=32``, 12 epochs, about 70 s on one CPU
    core), over seeds 0/1/2: held-out log-likelihood -3.89/-3.88/-4.06 nats per spike against
    -3.94/-3.94/-4.09 for a stimulus-only Poisson GLM, -3.96/-3.95/-4.10 for the PSTH and
    -3.80/-3.81/-3.97 for the lag-1 coupled GLM (the generative model class of the data);
    knock-out connectivity AUROC 0.96/0.99/0.95, direction 0.97/0.97/1.00, hubs ranked top 3
    every time (lag-1 GLM couplings: 1.0/1.0/hubs). Few-shot behaviour (30 labelled windows
    from 10 trials, mean R² of 3 draws on the held-out intervals): linear probe of the
    pretrained model 0.26/0.25/0.48, the same architecture trained from scratch
    -0.01/0.03/0.05; with 50 windows or more, training from scratch catches up.

    Examples
    --------
    >>> from neurokit.datasets.spiking_circuit import simulate_spiking_circuit
    >>> ds = simulate_spiking_circuit(n_neurons=6, n_hubs=1, duration_s=8.0, seed=0)
    >>> nf = Neuroformer(window=4, context=4, d_model=16, n_heads=2, max_epochs=1,
    ...                  enable_progress_bar=False).fit(ds["spikes"], stimulus=ds["stimulus"])
    >>> ll = nf.log_likelihood(ds["spikes"], stimulus=ds["stimulus"])
    >>> ll["log_likelihood"].dims, bool(ll["log_likelihood"].max() <= 0)
    (('window',), True)
    >>> nf.connectivity(ds["spikes"], stimulus=ds["stimulus"]).dims
    ('target_unit', 'source_unit')
    """

    _fitted_attrs: ClassVar[tuple[str, ...]] = (
        "n_units_", "unit_ids_", "max_tokens_", "max_context_tokens_", "n_stimulus_features_",
        "n_behaviour_features_", "sampling_rate_", "behaviour_dim_", "behaviour_task_",
        "behaviour_mean_", "behaviour_std_", "behaviour_classes_",
    )

    def __init__(
        self,
        window: int = 4,
        context: int = 8,
        stride: int | None = None,
        max_tokens: int | None = None,
        max_context_tokens: int | None = None,
        on_overflow: str = "error",
        bin_size: float | None = None,
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
        weight_decay: float = 0.01,
        scheduler: str | None = "cosine",
        max_epochs: int = 20,
        batch_size: int = 64,
        lr: float = 1e-3,
        seed: int = 0,
        run_dir: str | None = None,
        resume: bool = False,
        enable_progress_bar: bool | None = None,
    ) -> None:
        self.window = window
        self.context = context
        self.stride = stride
        self.max_tokens = max_tokens
        self.max_context_tokens = max_context_tokens
        self.on_overflow = on_overflow
        self.bin_size = bin_size
        self.stimulus_patch = stimulus_patch
        self.time_head = time_head
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_state_layers = n_state_layers
        self.n_history_layers = n_history_layers
        self.n_cross_layers = n_cross_layers
        self.n_stimulus_layers = n_stimulus_layers
        self.n_decoder_layers = n_decoder_layers
        self.dropout = dropout
        self.contrastive_weight = contrastive_weight
        self.clip_temperature = clip_temperature
        self.id_weight = id_weight
        self.dt_weight = dt_weight
        self.weight_decay = weight_decay
        self.scheduler = scheduler
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.seed = seed
        self.run_dir = run_dir
        self.resume = resume
        self.enable_progress_bar = enable_progress_bar

    # -- building ---------------------------------------------------------------------------
    def _build_module(self, lr: float | None = None) -> NeuroformerModule:
        return NeuroformerModule(
            n_units=int(self.n_units_), window=int(self.window), context=int(self.context),
            max_tokens=int(self.max_tokens_), max_context_tokens=int(self.max_context_tokens_),
            n_stimulus_features=int(self.n_stimulus_features_),
            n_behaviour_features=int(self.n_behaviour_features_),
            behaviour_dim=int(self.behaviour_dim_), behaviour_task=str(self.behaviour_task_),
            stimulus_patch=int(self.stimulus_patch), time_head=str(self.time_head),
            d_model=int(self.d_model), n_heads=int(self.n_heads),
            n_state_layers=int(self.n_state_layers), n_history_layers=int(self.n_history_layers),
            n_cross_layers=int(self.n_cross_layers),
            n_stimulus_layers=int(self.n_stimulus_layers),
            n_decoder_layers=int(self.n_decoder_layers), dropout=float(self.dropout),
            contrastive_weight=float(self.contrastive_weight),
            clip_temperature=float(self.clip_temperature), id_weight=float(self.id_weight),
            dt_weight=float(self.dt_weight), optimizer="adamw",
            lr=float(self.lr if lr is None else lr), weight_decay=float(self.weight_decay),
            scheduler=self.scheduler)

    def _check_params(self) -> None:
        for name in ("window", "context"):
            value = getattr(self, name)
            if not (isinstance(value, (int, np.integer)) and value >= 1):
                raise ConfigError("must be a positive number of bins", field=name,
                                  expected="an integer >= 1", found=repr(value))
        if self.stride is not None and not (isinstance(self.stride, (int, np.integer))
                                            and self.stride >= 1):
            raise ConfigError("bad stride", field="stride", expected="None or an integer >= 1",
                              found=repr(self.stride))
        patch = self.stimulus_patch
        if not (isinstance(patch, (int, np.integer)) and patch >= 1
                and self.window % patch == 0 and self.context % patch == 0):
            raise ConfigError("stimulus patches must tile the past and current windows",
                              field="stimulus_patch",
                              expected=f"an integer >= 1 dividing window={self.window} and "
                                       f"context={self.context}", found=repr(patch))
        if self.on_overflow not in ("error", "truncate"):
            raise ConfigError("unknown overflow rule", field="on_overflow",
                              expected="'error' or 'truncate'", found=repr(self.on_overflow))
        for name in ("max_tokens", "max_context_tokens"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, np.integer)) and value >= 2):
                raise ConfigError("sequence length too short", field=name,
                                  expected="None or an integer >= 2 (SOS and one token)",
                                  found=repr(value))

    # -- data -------------------------------------------------------------------------------
    def _segments(self, spikes: Any, stimulus: Any, behaviour: Any, *, fitting: bool
                  ) -> tuple[list[np.ndarray], list[np.ndarray] | None, list[np.ndarray] | None]:
        segs = as_segments(spikes, bin_size=self.bin_size)
        if not fitting and segs[0].shape[1] != self.n_units_:
            raise SchemaError("spikes have another number of units than the fitted model",
                              field="spikes", expected=f"{self.n_units_} units",
                              found=str(segs[0].shape[1]))
        stim = beh = None
        if stimulus is not None:
            stim = as_covariate_segments(stimulus, segs, field="stimulus")
        if behaviour is not None:
            beh = as_covariate_segments(behaviour, segs, field="behaviour")
        if not fitting:
            for name, given, n_feat in (("stimulus", stim, self.n_stimulus_features_),
                                        ("behaviour", beh, self.n_behaviour_features_)):
                width = 0 if given is None else given[0].shape[1]
                if width != n_feat:
                    raise SchemaError(f"{name} does not match the fitted model", field=name,
                                      expected=f"{n_feat} features" if n_feat else "no "
                                      f"{name} (the model was fitted without it)",
                                      found=f"{width} features" if width else "none")
        return segs, stim, beh

    def _starts(self, segs: list[np.ndarray], stride: int | None = None) -> list[np.ndarray]:
        starts = [window_starts(s.shape[0], self.window, self.context,
                                self.stride if stride is None else stride) for s in segs]
        if sum(s.size for s in starts) == 0:
            raise SchemaError("segments too short for one window and its history",
                              field="spikes",
                              expected=f"at least context + window = "
                                       f"{self.context + self.window} bins",
                              found=f"longest segment {max(s.shape[0] for s in segs)} bins")
        return starts

    def _tensors(self, segs, stim, beh, starts, target=None) -> tuple[tuple[torch.Tensor, ...],
                                                                     dict[str, np.ndarray]]:
        cols: list[list[np.ndarray]] = [[] for _ in range(8)]
        info = {"segment": [], "start": [], "n_spikes": [], "truncated": []}
        span = self.context + self.window
        for k, (seg, st) in enumerate(zip(segs, starts, strict=True)):
            if st.size == 0:
                continue
            tok = encode_windows(seg, st, window=self.window, context=self.context,
                                 max_tokens=int(self.max_tokens_),
                                 max_context_tokens=int(self.max_context_tokens_),
                                 on_overflow=self.on_overflow,
                                 field="spikes" if len(segs) == 1 else f"spikes[{k}]")
            for c, arr in enumerate((tok.id_in, tok.dt_in, tok.id_target, tok.dt_target,
                                     tok.id_past, tok.dt_past)):
                cols[c].append(arr)
            idx = st[:, None] - self.context + np.arange(span)[None, :]
            cols[6].append(stim[k][idx] if stim is not None else np.zeros((st.size, span, 0)))
            cols[7].append(beh[k][idx] if beh is not None else np.zeros((st.size, span, 0)))
            info["segment"].append(np.full(st.size, k))
            info["start"].append(st)
            info["n_spikes"].append(tok.n_spikes)
            info["truncated"].append(tok.truncated)
        tensors = [torch.from_numpy(np.concatenate(c)) for c in cols[:6]]
        tensors += [torch.from_numpy(np.concatenate(c)).float() for c in cols[6:8]]
        n = len(tensors[0])
        y = torch.zeros(n, 0) if target is None else torch.as_tensor(target, dtype=torch.float32)
        tensors.append(y)
        return tuple(tensors), {k: np.concatenate(v) for k, v in info.items()}

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, spikes: Any, stimulus: Any = None, behaviour: Any = None) -> Neuroformer:
        """Pretrain on spike tokens (plus stimulus/behaviour as input modalities).

        Parameters
        ----------
        spikes : array or DataArray ``(time, unit)`` / ``(trial, time, unit)``, a units
            Dataset of spike times (needs ``bin_size``), or a list of segments
            Non-negative integer counts; segments (trials, intervals of a split) are read
            separately, windows never cross them.
        stimulus : array or DataArray ``(time, feature)``, same layout, optional
            Stimulus features per bin (e.g. principal components of video frames).
        behaviour : array ``(time,)`` / ``(time, feature)``, same layout, optional
            Behaviour as an input modality (do not give it when the model will later be
            fine-tuned to predict it).

        Returns
        -------
        self

        Raises
        ------
        neurokit.errors.InvalidValueError
            NaN, negative or non-integer counts; NaN covariates.
        neurokit.errors.SchemaError
            Covariates with other numbers of bins or segments than the spikes; segments too
            short; too many spikes in a window for ``max_tokens`` (``on_overflow="error"``).
        """
        self._check_params()
        segs, stim, beh = self._segments(spikes, stimulus, behaviour, fitting=True)
        self._set_data_attrs(spikes, segs, stim, beh)
        starts = self._starts(segs)
        self._set_lengths(segs, starts)
        tensors, _ = self._tensors(segs, stim, beh, starts)
        self.behaviour_dim_, self.behaviour_task_ = 0, "regression"
        self.behaviour_mean_ = self.behaviour_std_ = self.behaviour_classes_ = None
        return self._train(tensors)

    def _set_data_attrs(self, spikes, segs, stim, beh) -> None:
        self.n_units_ = int(segs[0].shape[1])
        ids = None
        first = spikes[0] if isinstance(spikes, (list, tuple)) else spikes
        if isinstance(first, xr.DataArray) and cv.UNIT in first.coords:
            ids = np.asarray(first[cv.UNIT].values)
        self.unit_ids_ = ids if ids is not None else np.arange(self.n_units_)
        rate = first.attrs.get(cv.SAMPLING_RATE_ATTR) if isinstance(first, xr.DataArray) else None
        if (rate is None and isinstance(first, xr.DataArray) and cv.TIME in first.coords
                and first.sizes[cv.TIME] > 1):
            rate = 1.0 / float(np.median(np.diff(first[cv.TIME].values)))
        if rate is None and self.bin_size is not None:
            rate = 1.0 / float(self.bin_size)
        self.sampling_rate_ = float(rate) if rate is not None else 1.0
        self.n_stimulus_features_ = 0 if stim is None else int(stim[0].shape[1])
        self.n_behaviour_features_ = 0 if beh is None else int(beh[0].shape[1])

    def _set_lengths(self, segs, starts) -> None:
        cur, past = 0, 0
        for seg, st in zip(segs, starts, strict=True):
            if st.size == 0:
                continue
            c = np.concatenate([[0], np.cumsum(seg.sum(1))])
            cur = max(cur, int((c[st + self.window] - c[st]).max()))
            past = max(past, int((c[st] - c[st - self.context]).max()))

        def margin(n: int) -> int:
            return n + 1 + max(2, int(math.ceil(0.25 * n)))

        self.max_tokens_ = int(self.max_tokens) if self.max_tokens else margin(cur)
        self.max_context_tokens_ = (int(self.max_context_tokens) if self.max_context_tokens
                                    else margin(past))

    # -- likelihood -------------------------------------------------------------------------
    def log_likelihood(self, spikes: Any, stimulus: Any = None, behaviour: Any = None,
                       *, batch_size: int = 256) -> xr.Dataset:
        """Log-probability of every window's spike tokens given its past (nats).

        Windows are non-overlapping (stride ``window``), starting ``context`` bins into each
        segment, so they are the bins :meth:`scored_bins` lists.

        Returns
        -------
        xarray.Dataset
            Dims ``("window",)``: ``log_likelihood`` (nats; id and time terms in
            ``log_likelihood_id``/``log_likelihood_time``), ``n_spikes``, ``segment``,
            ``start`` (first bin in its segment), ``truncated``.
        """
        self._check_fitted()
        segs, stim, beh = self._segments(spikes, stimulus, behaviour, fitting=False)
        starts = self._starts(segs, stride=self.window)
        tensors, info = self._tensors(segs, stim, beh, starts)
        module = self.module_.eval()
        out = []
        with torch.no_grad():
            for a in range(0, len(tensors[0]), batch_size):
                b = module.trim(tuple(t[a:a + batch_size] for t in tensors))
                h, _ = module._encode_batch(b)
                out.append(torch.stack(module.window_log_likelihood(h, b), 1))
        ll = torch.cat(out).double().numpy()
        ds = xr.Dataset(
            {"log_likelihood": ("window", ll[:, 0]), "log_likelihood_id": ("window", ll[:, 1]),
             "log_likelihood_time": ("window", ll[:, 2]),
             **{k: ("window", v) for k, v in info.items()}},
            coords={"window": np.arange(len(ll))})
        for name in ("log_likelihood", "log_likelihood_id", "log_likelihood_time"):
            ds[name].attrs[cv.UNITS_ATTR] = "nats"
        ds["n_spikes"].attrs[cv.UNITS_ATTR] = cv.COUNTS
        ds["start"].attrs[cv.UNITS_ATTR] = "bins"
        return ds

    def scored_bins(self, n_time: int) -> np.ndarray:
        """Bins of a segment of ``n_time`` bins that :meth:`log_likelihood` scores (bool)."""
        mask = np.zeros(int(n_time), dtype=bool)
        for s in window_starts(n_time, self.window, self.context, self.window):
            mask[s:s + self.window] = True
        return mask

    def score(self, spikes: Any, stimulus: Any = None, behaviour: Any = None) -> float:
        """Mean log-likelihood per spike (nats/spike; higher is better).

        The total log-probability of the windows' token sequences (EOS terms included) over
        their number of spikes.
        """
        ll = self.log_likelihood(spikes, stimulus, behaviour)
        return float(ll["log_likelihood"].sum() / max(int(ll["n_spikes"].sum()), 1))

    def bits_per_spike(self, spikes: Any, stimulus: Any = None, behaviour: Any = None, *,
                       baseline_rates: Any = None) -> float:
        """Gain over a Poisson baseline in bits per spike on the scored bins.

        ``(LL_model − LL_baseline) / (n_spikes · ln 2)`` where both are log-probabilities of the
        same binned counts (the windows of :meth:`scored_bins`), the model's as the
        log-probability of their canonical token sequences (equal to that of the counts with
        the conditional time head, a lower bound with independent heads) and the baseline's as
        ``Σ log Poisson(n | λ)``.

        Parameters
        ----------
        baseline_rates : array ``(time, unit)`` or list per segment, optional
            Expected counts per bin of the baseline (e.g. a PSTH or a GLM). Default: each unit's
            mean count per bin over the scored bins (the Neural Latents Benchmark baseline).
        """
        from neurokit.latent.metrics import poisson_log_likelihood

        segs = as_segments(spikes, bin_size=self.bin_size)
        ll = self.log_likelihood(spikes, stimulus, behaviour)
        masks = [self.scored_bins(s.shape[0]) for s in segs]
        counts = np.concatenate([s[m] for s, m in zip(segs, masks, strict=True)])
        if baseline_rates is None:
            rates = np.broadcast_to(counts.mean(0), counts.shape)
        else:
            given = (list(baseline_rates) if isinstance(baseline_rates, (list, tuple))
                     else [baseline_rates])
            if len(given) != len(segs) or any(
                    np.shape(r) != s.shape for r, s in zip(given, segs, strict=True)):
                raise SchemaError("baseline rates do not match the spikes", field="baseline_rates",
                                  expected=str([s.shape for s in segs]),
                                  found=str([np.shape(r) for r in given]))
            rates = np.concatenate([np.asarray(r, dtype=np.float64)[m]
                                    for r, m in zip(given, masks, strict=True)])
        n_spikes = counts.sum()
        base = poisson_log_likelihood(rates, counts)
        return float((float(ll["log_likelihood"].sum()) - base) / (n_spikes * math.log(2)))

    # -- connectivity -----------------------------------------------------------------------
    def connectivity(self, spikes: Any, stimulus: Any = None, behaviour: Any = None, *,
                     method: str = "knockout", normalize: str = "mean",
                     max_windows: int | None = 4000, batch_size: int = 256) -> xr.DataArray:
        r"""Neuron x neuron connectivity read out of the attention to the past window.

        Pairs are (target ``j``, source ``i``): a query at position ``k`` of a window predicts
        spike ``k + 1``, of neuron ``j`` (its *target*); a key is a past spike, of neuron ``i``.
        For every window and every such pair, ``method`` adds a score to ``A[j, i]`` and one to
        the count ``N[j, i]``:

        * ``"knockout"`` (default): the drop in the log-probability of the target token when
          the past spikes of ``i`` are knocked out of the past window (their keys masked from
          every attention, the history encoder's included): the model's own answer to "how
          much does a recent spike of ``i`` make ``j`` the next spike". One extra forward pass
          per distinct past neuron of a window.
        * ``"attention"``: the cross-attention weight (mean over heads and cross-attention
          layers), the research code's accumulation. Attention weights are computed before the
          target is known, so they rank *informative* sources (hubs) but are not specific to a
          target; on the simulated circuit they do not recover individual edges.
        * ``"grad_attention"``: attention times the positive part of the gradient of the
          target's log-probability with respect to it (the research code's gradient-weighted
          attention); target-specific but noisy.

        ``normalize``: ``"mean"`` (default) returns ``A / N``, the mean score per (target,
        source) pair, e.g. for ``"knockout"`` the mean drop in nats of ``log p(j)`` per
        past spike of ``i``: positive for an excitatory edge ``i → j``, slightly negative for
        an unconnected pair (removing ``i`` lowers the predicted rates of its targets, so the
        others' share of the next spike grows); ``"none"`` returns ``A`` (grows with how
        often the pair occurs).

        Parameters
        ----------
        spikes, stimulus, behaviour
            As in :meth:`log_likelihood`.
        method : {"knockout", "attention", "grad_attention"}
        normalize : {"mean", "none"}
        max_windows : int or None, default 4000
            Use the first windows only (evenly spread over the data); None: all.
        batch_size : int, default 256

        Returns
        -------
        xarray.DataArray
            Dims ``("target_unit", "source_unit")``, score of ``i → j`` at ``[j, i]``; attrs
            ``method``, ``normalize``, ``n_windows``. Pairs never seen give NaN.
        """
        if method not in _CONNECTIVITY:
            raise ConfigError("unknown connectivity method", field="method",
                              expected=" or ".join(map(repr, _CONNECTIVITY)), found=repr(method))
        if normalize not in ("mean", "none"):
            raise ConfigError("unknown normalisation", field="normalize",
                              expected="'mean' or 'none'", found=repr(normalize))
        self._check_fitted()
        segs, stim, beh = self._segments(spikes, stimulus, behaviour, fitting=False)
        starts = self._starts(segs, stride=self.window)
        tensors, _ = self._tensors(segs, stim, beh, starts)
        n_win = len(tensors[0])
        if max_windows is not None and n_win > int(max_windows):
            keep = torch.from_numpy(np.round(np.linspace(0, n_win - 1, int(max_windows)))
                                    .astype(np.int64))
            tensors = tuple(t[keep] for t in tensors)
        module = self.module_.eval()
        n = self.n_units_
        acc = torch.zeros((n + 3) ** 2, dtype=torch.float64)
        cnt = torch.zeros((n + 3) ** 2, dtype=torch.float64)
        for a in range(0, len(tensors[0]), batch_size):
            b = module.trim(tuple(t[a:a + batch_size] for t in tensors))
            if method == "knockout":
                flat, score = _knockout_pairs(module, b, n, batch_size)
            else:
                flat, score = _attention_pairs(module, b, n, method)
            acc.index_add_(0, flat, score)
            cnt.index_add_(0, flat, torch.ones_like(score))
        A = acc.view(n + 3, n + 3)[:n, :n].numpy()
        N = cnt.view(n + 3, n + 3)[:n, :n].numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(N > 0, A if normalize == "none" else A / np.maximum(N, 1), np.nan)
        ids = self.unit_ids_
        return xr.DataArray(score, dims=("target_unit", "source_unit"),
                            coords={"target_unit": ids, "source_unit": ids},
                            name="connectivity",
                            attrs={"method": method, "normalize": normalize,
                                   "n_windows": int(len(tensors[0])),
                                   cv.UNITS_ATTR: "nats" if method == "knockout"
                                   else "attention"})

    # -- behaviour --------------------------------------------------------------------------
    def fine_tune_behaviour(self, spikes: Any, behaviour: Any, stimulus: Any = None, *,
                            mode: str = "frozen", task: str = "regression",
                            max_epochs: int = 100, lr: float = 5e-3,
                            alpha: float = 1.0) -> Neuroformer:
        """Train a behaviour head on the pooled representation (few-shot fine-tuning).

        The target of a window is the mean of ``behaviour`` over its bins (regression,
        z-scored, MSE) or its most frequent label (classification, cross-entropy). The head is
        linear on the mean over the window's tokens of the final hidden states (the research
        code's pooling).

        Parameters
        ----------
        spikes, stimulus
            As in :meth:`fit` (the few trials/intervals to learn from).
        behaviour : array ``(time,)`` or ``(time, k)``, same layout as ``spikes``
            The variable to predict (not an input here).
        mode : {"frozen", "low_lr", "full", "scratch"}, default "frozen"
            ``"frozen"``: the pretrained backbone is fixed and the head is a linear probe
            fitted in closed form on its pooled features (ridge regression, or L2 logistic
            regression for classes, penalty ``alpha``);
            ``"low_lr"``: the backbone learns at ``lr / 10``; ``"full"``: everything learns at
            ``lr`` from the pretrained weights; ``"scratch"``: the same from a fresh
            initialisation (the baseline of the few-shot claim; the estimator need not be
            fitted, and a fitted one keeps its sequence lengths and inputs).
        task : {"regression", "classification"}, default "regression"
        max_epochs : int, default 100
            Epochs of gradient training (not ``"frozen"``).
        lr : float, default 5e-3
            Learning rate of the head (and of the backbone for ``"full"``/``"scratch"``).
        alpha : float, default 1.0
            Penalty of the linear probe (``"frozen"``).

        Returns
        -------
        self
            With ``module_`` replaced by the fine-tuned model.
        """
        import lightning as L

        if mode not in _FINETUNE_MODES:
            raise ConfigError("unknown fine-tuning mode", field="mode",
                              expected=" or ".join(map(repr, _FINETUNE_MODES)), found=repr(mode))
        if task not in _TASKS:
            raise ConfigError("unknown task", field="task",
                              expected=" or ".join(map(repr, _TASKS)), found=repr(task))
        pretrained = hasattr(self, "module_")
        if mode != "scratch" and not pretrained:
            self._check_fitted()
        if pretrained and self.n_behaviour_features_:
            raise ConfigError("this model takes behaviour as an input modality; predicting it "
                              "would read the answer", field="behaviour",
                              expected="a model fitted without behaviour", found="one with it")
        self._check_params()
        if pretrained:
            segs, stim, _ = self._segments(spikes, stimulus, None, fitting=False)
        else:
            segs, stim, _ = self._segments(spikes, stimulus, None, fitting=True)
            self._set_data_attrs(spikes, segs, stim, None)
        beh = as_covariate_segments(behaviour, segs, field="behaviour")
        starts = self._starts(segs)
        if not pretrained:
            self._set_lengths(segs, starts)
        y = self._window_targets(beh, starts, task, fitting=True)
        tensors, _ = self._tensors(segs, stim, None, starts, target=y)
        old = self.module_.state_dict() if pretrained and mode != "scratch" else None
        L.seed_everything(int(self.seed), workers=True, verbose=False)
        module = self._build_module(lr=lr)
        if old is not None:
            module.load_state_dict({k: v for k, v in old.items()
                                    if not k.startswith("behaviour_head.")}, strict=False)
        module.objective = "behaviour"
        if mode == "frozen":
            self._linear_probe(module, tensors, task, float(alpha))
            return self
        if mode == "low_lr":
            module.backbone_lr_scale = 0.1
        return self._train(tensors, module=module, max_epochs=int(max_epochs), name="behaviour")

    def _linear_probe(self, module: NeuroformerModule, tensors: tuple[torch.Tensor, ...],
                      task: str, alpha: float) -> None:
        """Fit the head on the frozen pooled features in closed form (ridge / logistic)."""
        from sklearn.linear_model import LogisticRegression, Ridge

        module.eval()
        feats = []
        with torch.no_grad():
            for a in range(0, len(tensors[0]), 256):
                b = module.trim(tuple(t[a:a + 256] for t in tensors))
                h, _ = module._encode_batch(b)
                feats.append(module.pooled(h, b[0]))
        x = torch.cat(feats).double().numpy()
        y = tensors[8].double().numpy()
        head = module.behaviour_head
        if task == "regression":
            reg = Ridge(alpha=alpha).fit(x, y)
            weight, bias = reg.coef_.reshape(y.shape[1], -1), np.ravel(reg.intercept_)
        else:
            labels = y[:, 0].astype(np.int64)
            if np.unique(labels).size < 2:
                raise SchemaError("a classifier needs two classes among the windows",
                                  field="behaviour", expected=">= 2 classes", found="one")
            clf = LogisticRegression(C=1.0 / alpha, max_iter=2000).fit(x, labels)
            weight = np.zeros((head.out_features, x.shape[1]))
            bias = np.full(head.out_features, -1e4)  # classes absent from the few windows
            if clf.classes_.size == 2:
                weight[clf.classes_[1]], bias[clf.classes_[1]] = clf.coef_[0], clf.intercept_[0]
                bias[clf.classes_[0]] = 0.0
                weight[clf.classes_[0]] = 0.0
            else:
                weight[clf.classes_], bias[clf.classes_] = clf.coef_, clf.intercept_
        with torch.no_grad():
            head.weight.copy_(torch.as_tensor(weight, dtype=head.weight.dtype))
            head.bias.copy_(torch.as_tensor(bias, dtype=head.bias.dtype))
        self.module_ = module.eval()
        self.fit_metrics_ = {}

    def _window_targets(self, beh: list[np.ndarray], starts: list[np.ndarray], task: str,
                        fitting: bool) -> np.ndarray:
        rows = [np.stack([b[s:s + self.window] for s in st])
                for b, st in zip(beh, starts, strict=True) if st.size]
        win = np.concatenate(rows)  # (n, window, k)
        if task == "regression":
            y = win.mean(1)
            if fitting:
                self.behaviour_task_ = "regression"
                self.behaviour_dim_ = int(y.shape[1])
                self.behaviour_mean_ = y.mean(0)
                self.behaviour_std_ = y.std(0) + 1e-8
                self.behaviour_classes_ = None
            return (y - self.behaviour_mean_) / self.behaviour_std_
        if win.shape[2] != 1:
            raise SchemaError("classification needs one label per bin", field="behaviour",
                              expected="shape (time,)", found=f"{win.shape[2]} columns")
        labels = win[:, :, 0]
        if (labels != np.round(labels)).any():
            raise SchemaError("class labels must be integers", field="behaviour",
                              expected="integer labels", found="fractional values")
        majority = np.array([np.bincount(r.astype(np.int64) - int(labels.min())).argmax()
                             + int(labels.min()) for r in labels])
        if fitting:
            self.behaviour_task_ = "classification"
            self.behaviour_classes_ = np.unique(majority)
            self.behaviour_dim_ = int(self.behaviour_classes_.size)
            self.behaviour_mean_ = self.behaviour_std_ = None
        return np.searchsorted(self.behaviour_classes_, majority).astype(np.float64)[:, None]

    def predict_behaviour(self, spikes: Any, stimulus: Any = None) -> xr.DataArray:
        """Behaviour of every window (after :meth:`fine_tune_behaviour`).

        Returns
        -------
        xarray.DataArray
            Regression: ``(window, output)`` in the units of the behaviour; classification:
            ``(window,)`` labels. Coordinates ``segment`` and ``start`` (bins) on ``window``.
        """
        self._check_fitted()
        if not self.behaviour_dim_:
            raise ConfigError("no behaviour head; call fine_tune_behaviour first",
                              field="behaviour_dim_", expected=">= 1 output", found="0")
        segs, stim, _ = self._segments(spikes, stimulus, None, fitting=False)
        starts = self._starts(segs, stride=self.window)
        tensors, info = self._tensors(segs, stim, None, starts)
        module = self.module_.eval()
        outs = []
        with torch.no_grad():
            for a in range(0, len(tensors[0]), 256):
                b = module.trim(tuple(t[a:a + 256] for t in tensors))
                h, _ = module._encode_batch(b)
                outs.append(module.behaviour_head(module.pooled(h, b[0])))
        pred = torch.cat(outs).double().numpy()
        coords = {"window": np.arange(len(pred)), "segment": ("window", info["segment"]),
                  "start": ("window", info["start"])}
        if self.behaviour_task_ == "classification":
            return xr.DataArray(self.behaviour_classes_[pred.argmax(1)], dims=("window",),
                                coords=coords, name="behaviour")
        pred = pred * self.behaviour_std_ + self.behaviour_mean_
        return xr.DataArray(pred, dims=("window", "output"), coords=coords, name="behaviour",
                            attrs={cv.UNITS_ATTR: cv.ARBITRARY})

    def window_behaviour(self, behaviour: Any, spikes: Any) -> np.ndarray:
        """Mean behaviour over each scored window, ``(n_windows, k)`` (the regression target).

        Windows as in :meth:`predict_behaviour`, so the two line up.
        """
        segs = as_segments(spikes, bin_size=self.bin_size)
        beh = as_covariate_segments(behaviour, segs, field="behaviour")
        starts = self._starts(segs, stride=self.window)
        return np.concatenate([np.stack([b[s:s + self.window].mean(0) for s in st])
                               for b, st in zip(beh, starts, strict=True) if st.size])

    # -- generation -------------------------------------------------------------------------
    def generate(self, spikes: Any, n_windows: int, stimulus: Any = None, *,
                 temperature: float = 1.0, top_p: float = 1.0, seed: int = 0) -> xr.DataArray:
        """Sample spike trains window by window, token by token.

        The last ``context`` bins of ``spikes`` are the first past window; each generated
        window becomes part of the past of the next. At each step the next id is drawn from
        ``softmax(logits / temperature)`` restricted to its nucleus (the smallest set of ids
        whose probability reaches ``top_p``); EOS ends the window; the time offset is drawn
        the same way among the offsets not before the previous token's.

        Parameters
        ----------
        spikes : array/DataArray ``(time, unit)``
            One segment of at least ``context`` bins.
        n_windows : int
            Windows to generate (``n_windows · window`` bins).
        stimulus : array ``(time, feature)``, optional
            Required when the model has a stimulus: ``len(spikes) + n_windows · window``
            bins, covering the context and the generated bins.
        temperature : float, default 1.0
        top_p : float, default 1.0
        seed : int, default 0

        Returns
        -------
        xarray.DataArray
            ``(time, unit)`` generated counts; attrs ``sampling_rate``, ``n_capped_windows``
            (windows that reached ``max_tokens`` before sampling EOS).
        """
        self._check_fitted()
        if not (temperature > 0 and 0 < top_p <= 1):
            raise ConfigError("bad sampling settings", field="temperature",
                              expected="temperature > 0 and 0 < top_p <= 1",
                              found=f"temperature={temperature}, top_p={top_p}")
        segs = as_segments(spikes, bin_size=self.bin_size)
        if len(segs) != 1 or segs[0].shape[0] < self.context:
            raise SchemaError("generation needs one segment with a full past window",
                              field="spikes", expected=f"one segment of >= {self.context} bins",
                              found=f"{len(segs)} segment(s) of {segs[0].shape[0]} bins")
        seg = segs[0]
        if seg.shape[1] != self.n_units_:
            raise SchemaError("spikes have another number of units than the fitted model",
                              field="spikes", expected=f"{self.n_units_} units",
                              found=str(seg.shape[1]))
        n_new = int(n_windows) * self.window
        stim = None
        if self.n_stimulus_features_:
            if stimulus is None:
                raise SchemaError("the model was fitted with a stimulus", field="stimulus",
                                  expected=f"{seg.shape[0] + n_new} bins", found="none")
            stim = np.asarray(stimulus.values if isinstance(stimulus, xr.DataArray)
                              else stimulus, dtype=np.float64)
            stim = stim[:, None] if stim.ndim == 1 else stim
            if stim.shape != (seg.shape[0] + n_new, self.n_stimulus_features_):
                raise SchemaError("stimulus must cover the context and the generated bins",
                                  field="stimulus",
                                  expected=f"shape ({seg.shape[0] + n_new}, "
                                           f"{self.n_stimulus_features_})",
                                  found=str(stim.shape))
            stim = stim[seg.shape[0] - self.context:]
        module = self.module_.eval()
        gen = torch.Generator().manual_seed(int(seed))
        sp = special_tokens(self.n_units_)
        buf = np.concatenate([seg[-self.context:], np.zeros((n_new, self.n_units_), np.int64)])
        capped = 0
        with torch.no_grad():
            for w in range(int(n_windows)):
                start = self.context + w * self.window
                tok = encode_windows(buf[:start + self.window], np.array([start]),
                                     window=self.window, context=self.context,
                                     max_tokens=int(self.max_tokens_),
                                     max_context_tokens=int(self.max_context_tokens_),
                                     on_overflow="truncate")
                id_past = torch.from_numpy(tok.id_past)
                dt_past = torch.from_numpy(tok.dt_past)
                s_t = (torch.from_numpy(stim[start - self.context:start + self.window]).float()
                       [None] if stim is not None else None)
                ids, dts = [sp["SOS"]], [0]
                for _ in range(int(self.max_tokens_) - 1):
                    id_in, dt_in = torch.tensor([ids]), torch.tensor([dts])
                    h, _ = module.encode(id_in, dt_in, id_past, dt_past, s_t, None)
                    last = (h[:, -1:], id_in[:, -1:], dt_in[:, -1:])
                    lp_id, _ = module.token_log_probs(*last, torch.tensor([[sp["EOS"]]]))
                    nxt = _sample(lp_id[0, 0], temperature, top_p, gen)
                    if nxt == sp["EOS"]:
                        break
                    _, lp_dt = module.token_log_probs(*last, torch.tensor([[nxt]]))
                    ids.append(nxt)
                    dts.append(_sample(lp_dt[0, 0], temperature, top_p, gen))
                else:
                    capped += 1
                buf[start:start + self.window] = detokenize(
                    np.array(ids[1:]), np.array(dts[1:]), self.n_units_, self.window)
        out = buf[self.context:]
        rate = float(self.sampling_rate_)
        t0 = seg.shape[0]
        if isinstance(spikes, xr.DataArray) and cv.TIME in spikes.coords:
            t_first = float(spikes[cv.TIME].values[-1]) + 1.0 / rate
        else:
            t_first = t0 / rate
        da = xr.DataArray(out, dims=(cv.TIME, cv.UNIT),
                          coords={cv.TIME: t_first + np.arange(n_new) / rate,
                                  cv.UNIT: self.unit_ids_},
                          name="spikes",
                          attrs={cv.UNITS_ATTR: cv.COUNTS, cv.SAMPLING_RATE_ATTR: rate,
                                 "n_capped_windows": int(capped)})
        da[cv.TIME].attrs[cv.UNITS_ATTR] = cv.SECONDS
        return da
