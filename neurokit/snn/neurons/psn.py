r"""Parallel spiking neurons: PSN, masked PSN and sliding PSN (Fang et al., NeurIPS 2023).

Removing the reset from a charge-fire neuron makes its hidden state a linear function of the
inputs, :math:`H_t = \sum_i W_{t,i} X_i`; the parallel spiking neuron learns that map directly,
so a whole sequence is one matrix product over the time axis instead of a serial loop:

.. math::

    H = W X, \qquad S = \Theta(H - B),

with :math:`X, H, S \in \mathbb{R}^{T \times N}` (every neuron of the layer is a column),
learnable :math:`W \in \mathbb{R}^{T \times T}` and threshold :math:`B \in \mathbb{R}^{T}`.
The masked and sliding variants restrict :math:`W` so the neuron needs no future inputs
(step-by-step inference) and, for the sliding one, works for any sequence length.

Parameters follow the paper's initialisation (as in SpikingJelly's ``neuron.PSN``):
:math:`W` Kaiming-uniform (:math:`a=\sqrt 5`, the ``nn.Linear`` default) and :math:`B = 1`.
SpikingJelly stores a bias equal to :math:`-B`; copy ``-bias`` into ``threshold`` to compare.

Reference: W. Fang, Z. Yu, Z. Zhou, D. Chen, Y. Chen, Z. Ma, T. Masquelier, Y. Tian (2023).
"Parallel Spiking Neurons with High Efficiency and Ability to Learn Long-term Dependencies".
NeurIPS 36.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import StatefulModule, StepMode, check_sequence, check_step_mode
from neurokit.snn.surrogate import SurrogateLike, get_surrogate

__all__ = ["PSN", "MaskedPSN", "SlidingPSN"]


def _check_positive_int(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError("must be a positive integer", field=field, expected="an int >= 1",
                          found=repr(value))
    return value


def _kaiming_uniform(shape: tuple[int, ...]) -> torch.Tensor:
    """``nn.Linear``'s default weight initialisation (Kaiming uniform, a = sqrt(5))."""
    weight = torch.empty(shape)
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5))
    return weight


def _parallel_charge(weight: torch.Tensor, x_seq: torch.Tensor) -> torch.Tensor:
    """``H = W X`` over the time axis: ``[T, T] x [T, B, ...] -> [T, B, ...]``."""
    return (weight @ x_seq.flatten(1)).view(x_seq.shape)


class PSN(StatefulModule):
    r"""Parallel spiking neuron: fully connected weights over the time steps.

    .. math::

        H_t = \sum_{i=0}^{T-1} W_{t,i} X_i, \qquad S_t = \Theta(H_t - B_t),
        \qquad W \in \mathbb{R}^{T\times T},\ B \in \mathbb{R}^{T}

    :math:`W` and :math:`B` are learned; each output step sees every input step (future ones
    included), so the PSN works in multi-step mode only and on sequences of exactly ``T`` steps.

    Parameters
    ----------
    T : int
        Number of time steps of the sequences.
    surrogate : str, Surrogate or callable
        Surrogate gradient of :math:`\Theta` (default ``"atan"``, SpikingJelly's ``ATan``).
    alpha : float, optional
        Sharpness of a named surrogate (its default when omitted).

    Attributes
    ----------
    weight : torch.nn.Parameter
        :math:`W`, shape ``[T, T]`` (output step, input step).
    threshold : torch.nn.Parameter
        :math:`B`, shape ``[T]``, initialised to 1.

    Examples
    --------
    >>> neuron = PSN(T=4)
    >>> spikes = neuron(torch.rand(4, 2, 3))     # [T, B, N] -> [T, B, N]
    >>> spikes.shape, bool(((spikes == 0) | (spikes == 1)).all())
    (torch.Size([4, 2, 3]), True)
    """

    emits_spikes = True

    def __init__(self, T: int, surrogate: SurrogateLike = "atan",
                 alpha: float | None = None) -> None:
        super().__init__(step_mode="multi")
        self.T = _check_positive_int(T, "T")
        self.surrogate = get_surrogate(surrogate, alpha)
        self.weight = nn.Parameter(_kaiming_uniform((self.T, self.T)))
        self.threshold = nn.Parameter(torch.ones(self.T))

    def effective_weight(self) -> torch.Tensor:
        """The ``[T, T]`` matrix :math:`W` applied to the inputs."""
        return self.weight

    def _check_length(self, x_seq: torch.Tensor) -> None:
        check_sequence(x_seq, min_ndim=2, name=type(self).__name__)
        if x_seq.shape[0] != self.T:
            raise SchemaError("sequence length differs from the neuron's T",
                              field=type(self).__name__, expected=f"T = {self.T} steps",
                              found=f"{x_seq.shape[0]} (shape {tuple(x_seq.shape)})")

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """Spikes ``[T, B, ...]`` of a whole sequence ``[T, B, ...]`` (one matrix product)."""
        self._check_length(x_seq)
        h_seq = _parallel_charge(self.effective_weight().to(x_seq.dtype), x_seq)
        thr = self.threshold.to(x_seq.dtype).view(-1, *([1] * (x_seq.dim() - 1)))
        return self.surrogate(h_seq - thr)

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        raise ConfigError("the PSN needs the whole sequence (future steps too)",
                          field="step_mode", expected="'multi'", found=repr(self.step_mode))

    def extra_repr(self) -> str:
        return f"T={self.T}, surrogate={self.surrogate!r}, step_mode={self.step_mode!r}"


class MaskedPSN(PSN):
    r"""Masked parallel spiking neuron of order ``k``: each step sees its last ``k`` inputs.

    .. math::

        H = \left(W \odot M_k(\lambda)\right) X, \qquad S = \Theta(H - B),

        M_k[i, j] = \begin{cases} 1 & j \le i \le j + k - 1 \\ 0 & \text{otherwise}
                    \end{cases}, \qquad
        M_k(\lambda) = \lambda M_k + (1 - \lambda) J,

    where :math:`J` is the all-ones matrix. The mask is applied progressively: training
    starts at :math:`\lambda = 0` (a full PSN) and raises :math:`\lambda` linearly to 1 (the
    paper uses :math:`\lambda = e / (E - 1)` at epoch :math:`e` of :math:`E`, see
    :meth:`lambda_schedule`). Once :math:`\lambda = 1` the neuron uses no future inputs and also
    runs step by step (single-step mode keeps the last ``k`` inputs and the step index).

    Parameters
    ----------
    k : int
        Order: number of past inputs (the current one included) each step uses.
    T : int
        Number of time steps of the sequences.
    lambda_init : float
        Initial :math:`\lambda \in [0, 1]`; set it during training with ``neuron.lambda_ = v``.
    surrogate, alpha
        See :class:`PSN`.
    step_mode : {"multi", "single"}
        Single-step mode needs :math:`\lambda = 1` and at most ``T`` steps between resets.

    Examples
    --------
    >>> neuron = MaskedPSN(k=2, T=4, lambda_init=1.0)
    >>> bool((neuron.effective_weight().triu(1) == 0).all())   # causal once lambda = 1
    True
    >>> neuron(torch.rand(4, 2, 3)).shape
    torch.Size([4, 2, 3])
    """

    def __init__(self, k: int, T: int, lambda_init: float = 0.0,
                 surrogate: SurrogateLike = "atan", alpha: float | None = None,
                 step_mode: StepMode = "multi") -> None:
        super().__init__(T, surrogate, alpha)
        self.step_mode = check_step_mode(step_mode)
        self.k = _check_positive_int(k, "k")
        ones = torch.ones(self.T, self.T)
        self.register_buffer("mask", torch.tril(ones) * torch.triu(ones, -(self.k - 1)))
        self.register_buffer("_lambda", torch.tensor(0.0))
        self.lambda_ = lambda_init
        self.register_memory("time_step", 0)
        self.register_memory("queue", [])

    @property
    def lambda_(self) -> float:
        r"""The masking progress :math:`\lambda \in [0, 1]` (0: full PSN, 1: order-k mask)."""
        return float(self._lambda)

    @lambda_.setter
    def lambda_(self, value: float) -> None:
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ConfigError("masking progress out of range", field="lambda_",
                              expected="0 <= lambda <= 1", found=repr(value))
        self._lambda.fill_(value)

    @staticmethod
    def lambda_schedule(epoch: int, epochs: int) -> float:
        r"""The paper's linear schedule :math:`\lambda = e / (E - 1)` (clipped to [0, 1]).

        Examples
        --------
        >>> [MaskedPSN.lambda_schedule(e, 5) for e in range(5)]
        [0.0, 0.25, 0.5, 0.75, 1.0]
        """
        if epochs <= 1:
            return 1.0
        return min(1.0, max(0.0, epoch / (epochs - 1)))

    def effective_weight(self) -> torch.Tensor:
        """:math:`W \\odot M_k(\\lambda)`, shape ``[T, T]``."""
        lam = self._lambda.to(self.weight.dtype)
        return self.weight * (lam * self.mask + (1.0 - lam))

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        """One step ``[B, ...]``: :math:`H_t = \\sum_{j=t-k+1}^{t} W_{t,j} X_j`."""
        if self.lambda_ < 1.0:
            raise ConfigError("the masked PSN runs step by step only once fully masked",
                              field="lambda_", expected="lambda_ = 1 in single-step mode",
                              found=repr(self.lambda_))
        t = self.time_step
        if t >= self.T:
            raise SchemaError("more steps than the neuron's T since the last reset",
                              field=type(self).__name__, expected=f"at most {self.T} steps",
                              found=f"step {t + 1}")
        queue = [q.detach() for q in self.queue] if self.detach_state else list(self.queue)
        queue = [*queue, x][-self.k:]
        w = self.effective_weight()[t, t + 1 - len(queue): t + 1].to(x.dtype)
        h = torch.tensordot(w, torch.stack(queue), dims=1)
        self.queue = queue
        self.time_step = t + 1
        return self.surrogate(h - self.threshold[t].to(x.dtype))

    def extra_repr(self) -> str:
        return f"k={self.k}, lambda_={self.lambda_}, " + super().extra_repr()


class SlidingPSN(StatefulModule):
    r"""Sliding parallel spiking neuron: ``k`` weights shared by every step (any length).

    .. math::

        H_t = \sum_{i=0}^{k-1} W_i X_{t-k+1+i} \quad (X_{t'} = 0 \text{ for } t' < 0),
        \qquad S_t = \Theta(H_t - B),

    with learnable :math:`W \in \mathbb{R}^{k}` (the last weight multiplies the current
    input) and a scalar threshold :math:`B`. Multi-step mode builds the banded Toeplitz
    :math:`[T, T]` matrix of these weights and applies it in one product; single-step mode
    keeps the last ``k`` inputs.

    Parameters
    ----------
    k : int
        Order: number of past inputs (the current one included) each step uses.
    exp_init : bool
        Initialise :math:`W = (\dots, 1/4, 1/2, 1)` (the decay of an IF/LIF-like memory);
        otherwise Kaiming uniform like ``nn.Linear``.
    surrogate, alpha
        See :class:`PSN`.
    step_mode : {"multi", "single"}
        Whole sequences ``[T, B, ...]`` or one step ``[B, ...]`` at a time.

    Attributes
    ----------
    weight : torch.nn.Parameter
        :math:`W`, shape ``[k]``.
    threshold : torch.nn.Parameter
        :math:`B`, scalar, initialised to 1.

    Examples
    --------
    >>> neuron = SlidingPSN(k=2)                  # weights (0.5, 1.0), threshold 1
    >>> neuron(torch.tensor([[0.6], [0.6], [0.2]])).flatten().tolist()
    [0.0, 0.0, 0.0]
    >>> neuron(torch.tensor([[0.6], [0.8], [0.2]])).flatten().tolist()
    [0.0, 1.0, 0.0]
    """

    emits_spikes = True

    def __init__(self, k: int, exp_init: bool = True, surrogate: SurrogateLike = "atan",
                 alpha: float | None = None, step_mode: StepMode = "multi") -> None:
        super().__init__(step_mode=step_mode)
        self.k = _check_positive_int(k, "k")
        self.surrogate = get_surrogate(surrogate, alpha)
        if exp_init:
            weight = 0.5 ** torch.arange(self.k - 1, -1, -1, dtype=torch.get_default_dtype())
        else:
            weight = _kaiming_uniform((1, self.k))[0]
        self.weight = nn.Parameter(weight)
        self.threshold = nn.Parameter(torch.tensor(1.0))
        self.register_memory("queue", [])

    def toeplitz_weight(self, T: int) -> torch.Tensor:
        """The ``[T, T]`` matrix with ``M[t, j] = W[k - 1 - (t - j)]`` for ``0 <= t - j < k``.

        Examples
        --------
        >>> SlidingPSN(k=2).toeplitz_weight(3).tolist()
        [[1.0, 0.0, 0.0], [0.5, 1.0, 0.0], [0.0, 0.5, 1.0]]
        """
        steps = torch.arange(T, device=self.weight.device)
        lag = steps[:, None] - steps[None, :]
        inside = (lag >= 0) & (lag < self.k)
        index = (self.k - 1 - lag).clamp(0, self.k - 1)
        return torch.where(inside, self.weight[index], self.weight.new_zeros(()))

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """Spikes ``[T, B, ...]`` of a sequence ``[T, B, ...]`` of any length ``T``."""
        check_sequence(x_seq, min_ndim=2, name=type(self).__name__)
        weight = self.toeplitz_weight(x_seq.shape[0]).to(x_seq.dtype)
        h_seq = _parallel_charge(weight, x_seq)
        return self.surrogate(h_seq - self.threshold.to(x_seq.dtype))

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        """One step ``[B, ...]`` from the buffer of the last ``k`` inputs."""
        queue = [q.detach() for q in self.queue] if self.detach_state else list(self.queue)
        queue = [*queue, x][-self.k:]
        w = self.weight[self.k - len(queue):].to(x.dtype)
        h = torch.tensordot(w, torch.stack(queue), dims=1)
        self.queue = queue
        return self.surrogate(h - self.threshold.to(x.dtype))

    def extra_repr(self) -> str:
        return f"k={self.k}, surrogate={self.surrogate!r}, step_mode={self.step_mode!r}"
