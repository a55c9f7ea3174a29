r"""Feed-forward SNN with learnable synaptic delays (Hammouamri et al., ICLR 2024).

"Learning Delays in Spiking Neural Networks using Dilated Convolutions with Learnable
Spacings": ``n_layers`` fully connected hidden layers, each

.. math::

    I^{(l)} = \mathrm{BN}\big(\mathrm{DelayLinear}(s^{(l-1)})\big), \qquad
    s^{(l)} = \mathrm{Dropout}\big(\mathrm{LIF}(I^{(l)})\big),

with LIF neurons (:math:`H_t = (1 - 1/\tau) V_{t-1} + I_t`, i.e. ``decay_input=False``; hard
reset to 0, threshold 1, arctan surrogate with :math:`\alpha = 5`, detached reset) and dropout
whose mask is shared by all time steps; then a readout ``DelayLinear`` into non-spiking leaky
integrators (an LIF neuron with an infinite threshold)

.. math::

    u_t = (1 - 1/\tau)\, u_{t-1} + I^{(L+1)}_t,

whose membrane potentials :math:`u_t` ``[T, B, n_outputs]`` are the output. The paper's loss
sums the per-step softmax over time, :math:`\hat y = \sum_t \mathrm{softmax}(u_t)`, and applies
the cross-entropy to :math:`\hat y` (:meth:`DelaySNN.loss`, :meth:`DelaySNN.scores`).

Every synapse has its own delay in ``[0, max_delay]`` steps (see
:class:`~neurokit.snn.layers.delay.DelayLinear`); ``delays=False`` gives the same network with
plain linear synapses (no delays), the paper's baseline. The paper trains the delays with a
learning rate 100x that of the weights (:meth:`DelaySNN.parameter_groups`) and narrows the
Gaussian width over the first quarter of training (:meth:`DelaySNN.set_sigma` with
:func:`~neurokit.snn.layers.delay.sigma_schedule`). Defaults are the paper's SHD setting
(700 inputs, 2 x 256 hidden, 20 classes, 10 ms steps, delays up to 250 ms = 25 steps,
:math:`\tau = 10.05` ms = 1.005 steps, dropout 0.4).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import StatefulModule, check_sequence
from neurokit.snn.layers.container import TimeDistributed
from neurokit.snn.layers.delay import DelayLinear
from neurokit.snn.neurons.lif import LIF

__all__ = ["DelaySNN", "LeakyIntegrator", "TimeSharedDropout"]


class TimeSharedDropout(nn.Module):
    """Dropout whose mask is drawn once per sequence and shared by every time step.

    Parameters
    ----------
    p : float
        Drop probability in [0, 1).

    Examples
    --------
    >>> drop = TimeSharedDropout(0.5)
    >>> y = drop(torch.ones(4, 2, 8))
    >>> bool((y == y[0]).all())          # same mask at every step
    True
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ConfigError("dropout probability out of range", field="dropout",
                              expected="0 <= p < 1", found=repr(p))
        self.p = float(p)

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x_seq
        keep = torch.empty_like(x_seq[0]).bernoulli_(1.0 - self.p) / (1.0 - self.p)
        return x_seq * keep

    def extra_repr(self) -> str:
        return f"p={self.p}"


class LeakyIntegrator(StatefulModule):
    r"""Non-spiking leaky integrator readout: :math:`u_t = (1 - 1/\tau) u_{t-1} + x_t`.

    An LIF neuron that never fires (infinite threshold, input not decayed). Returns the
    membrane potential at every step.

    Parameters
    ----------
    tau : float
        Time constant in time steps (> 1).
    step_mode : {"single", "multi"}
        ``[B, ...]`` per call, or sequences ``[T, B, ...]``.

    Examples
    --------
    >>> LeakyIntegrator(tau=2.0)(torch.ones(3, 1)).flatten().tolist()
    [1.0, 1.5, 1.75]
    """

    def __init__(self, tau: float = 2.0, step_mode: str = "multi") -> None:
        super().__init__(step_mode=step_mode)
        if not tau > 1.0:
            raise ConfigError("time constant must exceed one time step", field="tau",
                              expected="tau > 1", found=repr(tau))
        self.tau = float(tau)
        self.register_memory("v", 0.0)

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.detach_state and isinstance(self.v, torch.Tensor):
            self.v = self.v.detach()
        self.v = (1.0 - 1.0 / self.tau) * self.v + x
        return self.v

    def extra_repr(self) -> str:
        return f"tau={self.tau}, " + super().extra_repr()


class DelaySNN(nn.Module):
    """Delay-learning SNN of Hammouamri et al. (2024); see the module docstring.

    Parameters
    ----------
    n_inputs : int
        Input channels (700 for SHD).
    n_hidden : int
        Neurons per hidden layer.
    n_outputs : int
        Classes (readout integrators).
    n_layers : int
        Number of hidden spiking layers (the paper: 2 or 3).
    max_delay : int
        Largest synaptic delay in time steps.
    tau : float
        Membrane time constant of the LIF neurons and the readout, in time steps (> 1).
    dropout : float
        Drop probability after each hidden layer (mask shared over time).
    delays : bool
        ``True``: learnable delays on every synapse (``DelayLinear``); ``False``: plain
        ``Linear`` synapses, otherwise the same network.
    batch_norm : bool
        Batch normalisation (over features) after each hidden projection, as in the paper.
    sigma_init : float, optional
        Initial Gaussian width of the delay kernels (default ``max_delay / 2``).
    surrogate : str
        Surrogate gradient of the LIF neurons; ``alpha`` its sharpness.
    v_threshold : float
        Firing threshold of the hidden LIF neurons.
    readout_delays : bool
        Whether the readout synapses have delays too (the paper: yes). ``False`` keeps the
        delays in the hidden layers only, so coincidences must be detected there.
    delay_lr_factor : float
        Learning rate of the delays relative to the weights in :meth:`parameter_groups`
        (the paper: 100).

    Examples
    --------
    >>> net, x = DelaySNN.example()
    >>> net(x).shape                       # [T, B, n_outputs]
    torch.Size([12, 2, 4])
    """

    def __init__(
        self,
        n_inputs: int = 700,
        n_hidden: int = 256,
        n_outputs: int = 20,
        n_layers: int = 2,
        max_delay: int = 25,
        tau: float = 1.005,
        dropout: float = 0.4,
        delays: bool = True,
        batch_norm: bool = True,
        sigma_init: float | None = None,
        surrogate: str = "arctan",
        alpha: float = 5.0,
        v_threshold: float = 1.0,
        readout_delays: bool = True,
        delay_lr_factor: float = 100.0,
    ) -> None:
        super().__init__()
        self.delay_lr_factor = float(delay_lr_factor)
        if int(n_layers) < 1:
            raise ConfigError("need at least one hidden layer", field="n_layers",
                              expected=">= 1", found=repr(n_layers))
        self.n_inputs, self.n_outputs = int(n_inputs), int(n_outputs)
        self.use_delays = bool(delays)
        self.max_delay = int(max_delay)
        sizes = [self.n_inputs] + [int(n_hidden)] * int(n_layers)
        blocks = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            parts: list[nn.Module] = [self._synapses(n_in, n_out, sigma_init, self.use_delays)]
            if batch_norm:
                parts.append(TimeDistributed(nn.BatchNorm1d(n_out)))
            parts += [
                LIF(tau=tau, v_threshold=v_threshold, v_reset=0.0, decay_input=False,
                    surrogate=surrogate, alpha=alpha, detach_reset=True),
                TimeSharedDropout(dropout),
            ]
            blocks.append(nn.Sequential(*parts))
        self.hidden = nn.Sequential(*blocks)
        self.readout = self._synapses(sizes[-1], self.n_outputs, sigma_init,
                                      delays=self.use_delays and readout_delays)
        self.integrator = LeakyIntegrator(tau=tau)

    def _synapses(self, n_in: int, n_out: int, sigma_init: float | None,
                  delays: bool) -> nn.Module:
        if delays:
            return DelayLinear(n_in, n_out, self.max_delay, sigma_init=sigma_init)
        linear = nn.Linear(n_in, n_out, bias=False)
        nn.init.kaiming_uniform_(linear.weight, nonlinearity="relu")
        return TimeDistributed(linear)

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """Input ``[T, B, n_inputs]`` (spikes or currents) -> readout potentials
        ``[T, B, n_outputs]``."""
        check_sequence(x_seq, ndim=3, name="DelaySNN", layout="[T, B, n_inputs]", finite=True)
        if x_seq.shape[-1] != self.n_inputs:
            raise SchemaError("wrong number of input channels", field="DelaySNN",
                              expected=f"{self.n_inputs} channels (last dim)",
                              found=f"shape {tuple(x_seq.shape)}")
        return self.integrator(self.readout(self.hidden(x_seq)))

    # ----------------------------------------------------------------- training helpers
    @staticmethod
    def scores(output: torch.Tensor) -> torch.Tensor:
        r"""Class scores :math:`\hat y = \sum_t \mathrm{softmax}(u_t)` ``[B, n_outputs]``."""
        return F.softmax(output, dim=-1).sum(0)

    @staticmethod
    def loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The paper's loss: cross-entropy of :meth:`scores` (used as logits) and ``target``
        ``[B]`` (class indices)."""
        return F.cross_entropy(DelaySNN.scores(output), target)

    def delay_layers(self) -> list[DelayLinear]:
        """Every :class:`DelayLinear` of the network, input side first (empty without
        delays)."""
        return [m for m in self.modules() if isinstance(m, DelayLinear)]

    def set_sigma(self, sigma: float) -> None:
        """Set the Gaussian width of every delay kernel (time steps)."""
        for layer in self.delay_layers():
            layer.set_sigma(sigma)

    def round_delays(self) -> None:
        """Round every delay to whole steps (end of training, with a small sigma)."""
        for layer in self.delay_layers():
            layer.round_delays()

    def parameter_groups(self, lr: float, delay_lr_factor: float | None = None,
                         weight_decay: float = 0.0) -> list[dict]:
        """Optimizer groups: weights at ``lr``, delays at ``delay_lr_factor * lr`` (no weight
        decay), as in the paper; ``delay_lr_factor`` defaults to the network's own.

        Examples
        --------
        >>> net, _ = DelaySNN.example()
        >>> opt = torch.optim.Adam(net.parameter_groups(1e-3))
        >>> [g["lr"] for g in opt.param_groups]
        [0.001, 0.1]
        """
        if delay_lr_factor is None:
            delay_lr_factor = self.delay_lr_factor
        delay_ids = {id(layer.delay) for layer in self.delay_layers()}
        weights = [p for p in self.parameters() if id(p) not in delay_ids]
        groups = [{"params": weights, "lr": lr, "weight_decay": weight_decay}]
        if delay_ids:
            groups.append({"params": [layer.delay for layer in self.delay_layers()],
                           "lr": lr * delay_lr_factor, "weight_decay": 0.0})
        return groups

    @classmethod
    def example(cls) -> tuple[DelaySNN, torch.Tensor]:
        """A tiny network and a matching input ``[T=12, B=2, 6]``."""
        net = cls(n_inputs=6, n_hidden=8, n_outputs=4, n_layers=2, max_delay=3, dropout=0.0)
        x = (torch.rand(12, 2, 6, generator=torch.Generator().manual_seed(0)) < 0.3).float()
        return net, x
