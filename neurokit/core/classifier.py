"""Classifiers on the :class:`~neurokit.core.module.NeurokitModule` convention.

* :class:`SpikingClassifier`: an SNN from the architecture registry
  (:func:`neurokit.snn.models.build_model`), an input encoder, and BPTT or SLTT training.
* :class:`Classifier`: any ``torch.nn.Module`` mapping ``[B, ...]`` to logits ``[B, C]``.
* :class:`MLP`: a small multilayer perceptron (a "boring" network for tests and baselines).

Both classifiers take batches ``(x, y)`` with ``y`` int64 class indices ``[B]`` and log
``loss`` (cross-entropy) and ``accuracy``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from neurokit.core.module import NeurokitModule
from neurokit.errors import ConfigError, SchemaError

__all__ = ["SpikingClassifier", "Classifier", "MLP", "ENCODERS", "TRAINING_METHODS"]

#: input encoders of :class:`SpikingClassifier`
ENCODERS: tuple[str, ...] = ("direct", "poisson", "latency", "sequence")
#: training methods of :class:`SpikingClassifier`
TRAINING_METHODS: tuple[str, ...] = ("bptt", "sltt", "sltt_k")


def _metrics(logits: torch.Tensor, y: torch.Tensor, loss: torch.Tensor) -> dict[str, torch.Tensor]:
    accuracy = (logits.detach().argmax(-1) == y).float().mean()
    return {"loss": loss, "accuracy": accuracy}


def _unpack(batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
    if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
        raise SchemaError("a classifier batch is a pair", field="batch",
                          expected="(x [B, ...], y [B] int64)", found=type(batch).__name__)
    return batch[0], batch[1]


class MLP(nn.Module):
    """A multilayer perceptron on flattened input: ``[B, ...] -> [B, n_outputs]``.

    Parameters
    ----------
    in_features : int
        Number of input features after flattening all but the batch axis.
    n_outputs : int
        Number of classes.
    hidden : sequence of int, default (32,)
        Widths of the hidden layers (ReLU between layers).

    Examples
    --------
    >>> MLP(in_features=6, n_outputs=3)(torch.zeros(4, 2, 3)).shape
    torch.Size([4, 3])
    """

    def __init__(self, in_features: int, n_outputs: int, hidden: Sequence[int] = (32,)) -> None:
        super().__init__()
        widths = [int(in_features), *map(int, hidden)]
        layers: list[nn.Module] = [nn.Flatten()]
        for a, b in zip(widths[:-1], widths[1:], strict=True):
            layers += [nn.Linear(a, b), nn.ReLU()]
        layers.append(nn.Linear(widths[-1], int(n_outputs)))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class Classifier(NeurokitModule):
    """Cross-entropy classifier over any network giving logits ``[B, n_classes]``.

    Parameters
    ----------
    net : torch.nn.Module
        Maps a batch ``x`` ``[B, ...]`` to logits ``[B, C]``. Its weights are saved in the
        checkpoint; its constructor arguments are not hyper-parameters (give them in the config
        as ``class_path``/``init_args`` to rebuild it).
    optimizer, lr, weight_decay, scheduler
        See :class:`~neurokit.core.module.NeurokitModule`.

    Examples
    --------
    >>> clf = Classifier(MLP(in_features=4, n_outputs=2))
    >>> x, y = torch.zeros(3, 4), torch.tensor([0, 1, 1])
    >>> sorted(clf.compute((x, y), "val"))
    ['accuracy', 'loss']
    """

    def __init__(
        self,
        net: nn.Module,
        optimizer: str = "adam",
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        scheduler: str | None = None,
    ) -> None:
        super().__init__(optimizer=optimizer, lr=lr, weight_decay=weight_decay,
                         scheduler=scheduler)
        self.save_hyperparameters(ignore=["net"])
        if not isinstance(net, nn.Module):
            raise ConfigError("the network is not a torch module", field="net",
                              expected="a torch.nn.Module", found=type(net).__name__)
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``[B, C]`` of a batch ``x`` ``[B, ...]``."""
        return self.net(x)

    def compute(self, batch: Any, stage: str) -> dict[str, torch.Tensor]:
        x, y = _unpack(batch)
        logits = self(x)
        return _metrics(logits, y, F.cross_entropy(logits, y))


class SpikingClassifier(NeurokitModule):
    r"""A spiking network from the registry trained as a classifier on rate-decoded output.

    The input ``x`` is encoded into a time-major sequence ``x_seq`` ``[T, B, ...]``, the network
    gives ``o_t`` ``[T, B, C]`` and the prediction is the time-averaged output

    .. math:: \hat{z} = \frac{1}{T} \sum_{t=1}^{T} o_t, \qquad
              \mathcal{L} = \mathrm{CE}(\hat{z}, y).

    With ``training_method="bptt"`` the gradient flows back through time (Lightning's automatic
    optimisation). With ``"sltt"``/``"sltt_k"`` the spatial-learning-through-time step of
    :func:`neurokit.snn.training.sltt_step` computes the gradient itself (on all or on ``k``
    random time steps) and the optimiser is stepped here (manual optimisation).

    Parameters
    ----------
    network : str, default "spiking_vgg"
        Architecture name in :data:`neurokit.snn.models.MODELS`.
    network_kwargs : dict, optional
        Keyword arguments of that architecture (e.g. ``in_channels``, ``n_outputs``, neuron).
    encoder : {"direct", "poisson", "latency", "sequence"}, default "direct"
        How a static batch ``[B, ...]`` becomes ``[T, B, ...]``; ``"sequence"`` means the batch
        already holds time on axis 1 (``[B, T, ...]``) and is only made time-major.
    time_steps : int, default 4
        ``T`` for the direct/poisson/latency encoders.
    training_method : {"bptt", "sltt", "sltt_k"}, default "bptt"
    sltt_k : int, default 2
        Number of time steps that receive gradient with ``"sltt_k"``.
    optimizer, lr, weight_decay, scheduler
        See :class:`~neurokit.core.module.NeurokitModule`.

    Raises
    ------
    neurokit.errors.ConfigError
        An unknown architecture, encoder or training method, or bad architecture arguments.
    """

    def __init__(
        self,
        network: str = "spiking_vgg",
        network_kwargs: dict[str, Any] | None = None,
        encoder: str = "direct",
        time_steps: int = 4,
        training_method: str = "bptt",
        sltt_k: int = 2,
        optimizer: str = "adam",
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        scheduler: str | None = None,
    ) -> None:
        super().__init__(optimizer=optimizer, lr=lr, weight_decay=weight_decay,
                         scheduler=scheduler)
        self.save_hyperparameters()
        if encoder not in ENCODERS:
            raise ConfigError("unknown input encoder", field="encoder",
                              expected="one of " + ", ".join(ENCODERS), found=repr(encoder))
        if training_method not in TRAINING_METHODS:
            raise ConfigError("unknown training method", field="training_method",
                              expected="one of " + ", ".join(TRAINING_METHODS),
                              found=repr(training_method))
        if int(time_steps) < 1:
            raise ConfigError("bad number of time steps", field="time_steps",
                              expected="an integer >= 1", found=repr(time_steps))
        if training_method == "sltt_k" and int(sltt_k) < 1:
            raise ConfigError("bad SLTT-K", field="sltt_k", expected="an integer >= 1",
                              found=repr(sltt_k))
        from neurokit.snn.models import build_model

        self.net = build_model(network, **dict(network_kwargs or {}))
        self.automatic_optimization = training_method == "bptt"

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The time-major network input ``[T, B, ...]`` of a batch ``x``."""
        name, steps = self.hparams.encoder, int(self.hparams.time_steps)
        if name == "sequence":
            if x.dim() < 2:
                raise SchemaError("a sequence batch needs a time axis", field="x",
                                  expected="[B, T, ...]", found=f"shape {tuple(x.shape)}")
            return x.transpose(0, 1)
        from neurokit.snn import encoding

        if name == "direct":
            return encoding.direct_encode(x, steps)
        if name == "poisson":
            return encoding.poisson_encode(x, steps)
        return encoding.latency_encode(x, steps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Output sequence ``[T, B, C]`` of a batch ``x`` (encoded first). Each call is a new
        batch of sequences: the network's state is reset first."""
        from neurokit.snn import reset_states

        reset_states(self.net)
        return self.net(self.encode(x))

    def scores(self, out_seq: torch.Tensor) -> torch.Tensor:
        """Class scores ``[B, C]`` of an output sequence: the network's own ``scores`` when it
        defines one (e.g. the delay SNN's summed softmax), else the mean over time."""
        net_scores = getattr(self.net, "scores", None)
        return net_scores(out_seq) if callable(net_scores) else out_seq.mean(0)

    def loss(self, out_seq: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The network's own ``loss`` when it defines one, else cross-entropy of the scores."""
        net_loss = getattr(self.net, "loss", None)
        if callable(net_loss):
            return net_loss(out_seq, y)
        return F.cross_entropy(self.scores(out_seq), y)

    def parameter_groups(self) -> Any:
        groups = getattr(self.net, "parameter_groups", None)
        if callable(groups):  # e.g. synaptic delays trained at their own learning rate
            return groups(self.hparams.lr, weight_decay=self.hparams.weight_decay)
        return self.parameters()

    def compute(self, batch: Any, stage: str) -> dict[str, torch.Tensor]:
        x, y = _unpack(batch)
        if stage == "train" and not self.automatic_optimization:
            return self._sltt_update(self.encode(x), y)
        out_seq = self(x)
        return _metrics(self.scores(out_seq), y, self.loss(out_seq, y))

    def on_fit_start(self) -> None:
        if not self.automatic_optimization and self.trainer.world_size > 1:
            raise ConfigError(
                "SLTT runs its own per-step backward passes, which the DDP wrapper does not "
                "synchronise", field="training_method",
                expected="'bptt' when training on several processes",
                found=f"{self.hparams.training_method!r} on {self.trainer.world_size} processes",
            )

    def _sltt_update(self, x_seq: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        from neurokit.snn.training import sltt_step

        opt = self.optimizers()
        opt.zero_grad()
        k = int(self.hparams.sltt_k) if self.hparams.training_method == "sltt_k" else None
        loss, out_seq = sltt_step(self.net, x_seq, y, F.cross_entropy, k=k)
        self.check_loss(loss, "train")  # before the weights change
        opt.step()
        return _metrics(out_seq.mean(0), y, loss)
