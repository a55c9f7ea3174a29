r"""Time-to-first-spike network with an exact ReLU mapping (Stanojevic et al., 2024).

Stanojevic, Woźniak, Bellec, Cherubini, Pantazi & Gerstner, "High-performance deep spiking
neural networks with 0.3 spikes per neuron", Nature Communications 15, 6793 (2024). Times are
in units of the neuron time constant :math:`\tau_c = 1`.

**Neuron model.** Layer :math:`n` receives the spikes :math:`t^{(n-1)}_j` of layer
:math:`n-1`, which all fall in the window :math:`[t^{(n-1)}_{min}, t^{(n-1)}_{max}]`, and
fires in its own window :math:`[t^{(n)}_{min}, t^{(n)}_{max}]` with
:math:`t^{(n)}_{min} = t^{(n-1)}_{max}` and :math:`t^{(n)}_{max} = t^{(n)}_{min} + B^{(n)}`.
Each input spike starts a linear post-synaptic ramp of slope :math:`J_{ij}` during the
integration phase; in the firing phase the membrane rises with the constant slope 1 (the
paper's choice of a fixed slope at threshold, which makes SNN and ReLU training equivalent):

.. math::

    \frac{dV_i}{dt} = \begin{cases}
        \sum_j J^{(n)}_{ij}\, H(t - t^{(n-1)}_j), & t^{(n-1)}_{min} \le t < t^{(n)}_{min}
            \ \text{(integration, no firing)}\\
        1, & t \ge t^{(n)}_{min} \ \text{(firing phase)}
    \end{cases}

with :math:`V_i(t^{(n-1)}_{min}) = 0`. Neuron :math:`i` fires once, when :math:`V_i` first
reaches :math:`\vartheta^{(n)}_i = t^{(n)}_{max} - t^{(n)}_{min} - b^{(n)}_i` in the firing
window, and is silent afterwards; no crossing before :math:`t^{(n)}_{max}` means no spike
(written :math:`t_i = t^{(n)}_{max}`, which contributes nothing downstream). Solving:

.. math::

    t^{(n)}_i = t^{(n)}_{max} - \min\!\Big(B^{(n)},\,
        \big[\textstyle\sum_j J^{(n)}_{ij} x^{(n-1)}_j + b^{(n)}_i\big]_+\Big), \qquad
    x^{(n-1)}_j = t^{(n-1)}_{max} - t^{(n-1)}_j,

so :math:`x^{(n)} = t^{(n)}_{max} - t^{(n)}` is exactly the ReLU activation of the network with
weights :math:`J` and biases :math:`b` (capped at :math:`B^{(n)}`).

**Decoding (temporal weighting).** The output neurons do not spike; their potential at the
end of the last hidden window, :math:`t_{read} = t^{(L)}_{max}`, weighs each input spike by
the time left until the readout:

.. math::

    z_k = \sum_j J^{(out)}_{kj}\,(t_{read} - t^{(L)}_j) + b^{(out)}_k,

the logits of the ReLU network. **Initialisation.** As in the paper, the SNN is initialised
as the image of a ReLU network: Glorot-uniform :math:`J` and zero biases, or the weights of a
trained ReLU network (:meth:`TTFSNet.from_relu`); the windows are
:math:`B^{(n)} = (1 + \zeta) X^{(n)}` with :math:`X^{(n)}` the largest activation of layer
:math:`n` (:meth:`TTFSNet.calibrate`, :math:`\zeta = 0.5`).

**Input.** A latency-coded raster ``[T, B, n_inputs]``: the first spike of channel ``j`` at
step ``k`` is the time :math:`t^{(0)}_j = k / (T - 1)` in the input window
:math:`[t^{(0)}_{min}, t^{(0)}_{max}] = [0, 1]`, i.e. the value :math:`x_j = 1 - k/(T-1)`; a
silent channel is :math:`x_j = 0`. **Output** ``[1, B, n_outputs]``: the logits :math:`z`
(one readout time, ``T' = 1``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from neurokit.errors import ConfigError, SchemaError
from neurokit.snn.base import check_sequence

__all__ = ["TTFSNet", "latency_values"]


def latency_values(x_seq: torch.Tensor) -> torch.Tensor:
    """Values ``[B, n]`` in [0, 1] coded by the first spike of each channel of ``x_seq``
    ``[T, B, n]``: ``1 - k / (T - 1)`` for a first spike at step ``k``, 0 for no spike.

    Examples
    --------
    >>> x = torch.zeros(5, 1, 3); x[0, 0, 0] = 1; x[2, 0, 1] = 1
    >>> latency_values(x).tolist()
    [[1.0, 0.5, 0.0]]
    """
    steps = x_seq.shape[0]
    fired = x_seq > 0
    any_spike = fired.any(0)
    first = fired.float().argmax(0).to(x_seq.dtype)  # first step with a spike
    value = 1.0 - first / max(steps - 1, 1)
    return torch.where(any_spike, value, torch.zeros_like(value))


class TTFSNet(nn.Module):
    """Single-spike TTFS network of Stanojevic et al. (2024); see the module docstring.

    Parameters
    ----------
    n_inputs : int
        Input channels.
    n_hidden : sequence of int
        Sizes of the hidden spiking layers.
    n_outputs : int
        Classes (non-spiking readout neurons).
    x_max : float or sequence of float
        :math:`X^{(n)}`, the largest activation expected per hidden layer (one value for all);
        set it from data with :meth:`calibrate`.
    zeta : float
        Margin of the windows: :math:`B^{(n)} = (1 + \\zeta) X^{(n)}`.

    Attributes
    ----------
    layers : torch.nn.ModuleList
        ``nn.Linear`` per layer: ``weight`` is :math:`J` ``[out, in]``, ``bias`` is :math:`b`.
    window : torch.Tensor
        Buffer, :math:`B^{(n)}` of each hidden layer (time, units of :math:`\\tau_c`).

    Examples
    --------
    >>> net, x = TTFSNet.example()
    >>> net(x).shape                               # logits [1, B, n_outputs]
    torch.Size([1, 2, 3])
    >>> times = net.spike_times(x)                 # one time per neuron and layer
    >>> [tuple(t.shape) for t in times]
    [(2, 8)]
    """

    def __init__(
        self,
        n_inputs: int,
        n_hidden: Sequence[int] = (340,),
        n_outputs: int = 10,
        x_max: float | Sequence[float] = 4.0,
        zeta: float = 0.5,
    ) -> None:
        super().__init__()
        sizes = [int(n_inputs), *[int(h) for h in n_hidden], int(n_outputs)]
        if min(sizes) < 1:
            raise ConfigError("layer sizes must be positive", field="n_hidden",
                              expected=">= 1 each", found=repr(sizes))
        if zeta < 0:
            raise ConfigError("negative window margin", field="zeta", expected=">= 0",
                              found=repr(zeta))
        self.n_inputs, self.n_outputs, self.zeta = sizes[0], sizes[-1], float(zeta)
        self.layers = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )
        for layer in self.layers:  # the ReLU network's initialisation
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
        n_spiking = len(sizes) - 2
        x_max_seq = [float(x_max)] * n_spiking if isinstance(x_max, (int, float)) \
            else [float(v) for v in x_max]
        if len(x_max_seq) != n_spiking or min(x_max_seq, default=1.0) <= 0:
            raise ConfigError("one positive x_max per hidden layer", field="x_max",
                              expected=f"{n_spiking} values > 0", found=repr(x_max))
        self.register_buffer("window", (1.0 + self.zeta) * torch.tensor(x_max_seq))

    # ------------------------------------------------------------------ time windows
    def windows(self) -> list[tuple[float, float]]:
        """``(t_min, t_max)`` of the input window and of every hidden layer's firing window."""
        bounds = [(0.0, 1.0)]
        for size in self.window.tolist():
            start = bounds[-1][1]
            bounds.append((start, start + size))
        return bounds

    @torch.no_grad()
    def calibrate(self, x_seq: torch.Tensor) -> TTFSNet:
        """Set the windows from data: :math:`X^{(n)}` = the largest ReLU activation of layer
        :math:`n` on ``x_seq`` ``[T, B, n_inputs]``, :math:`B^{(n)} = (1 + \\zeta) X^{(n)}`.
        Returns ``self``."""
        x = latency_values(self._check(x_seq))
        for n, layer in enumerate(self.layers[:-1]):
            x = torch.relu(layer(x))
            self.window[n] = (1.0 + self.zeta) * max(float(x.max()), 1e-6)
        return self

    # ------------------------------------------------------------------ forward
    def _check(self, x_seq: torch.Tensor) -> torch.Tensor:
        check_sequence(x_seq, ndim=3, name="TTFSNet", layout="[T, B, n_inputs]", finite=True)
        if x_seq.shape[-1] != self.n_inputs:
            raise SchemaError("wrong number of input channels", field="TTFSNet",
                              expected=f"{self.n_inputs} channels (last dim)",
                              found=f"shape {tuple(x_seq.shape)}")
        return x_seq

    def _propagate(self, x_seq: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        x = latency_values(self._check(x_seq))  # x = t_max^(0) - t^(0)
        times = []
        for (_, t_max), layer, size in zip(self.windows()[1:], self.layers[:-1], self.window,
                                          strict=True):
            # spike time in [t_min, t_max]; t_max = silent
            x = torch.clamp(layer(x), min=0.0, max=float(size))
            times.append(t_max - x)
        return times, self.layers[-1](x)  # temporal-weighting readout at t_read

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """Latency-coded input ``[T, B, n_inputs]`` -> logits ``[1, B, n_outputs]``."""
        return self._propagate(x_seq)[1].unsqueeze(0)

    def spike_times(self, x_seq: torch.Tensor) -> list[torch.Tensor]:
        """First-spike times ``[B, n]`` of every hidden layer (``t_max`` of the layer's window
        means no spike)."""
        return self._propagate(x_seq)[0]

    def spikes_per_neuron(self, x_seq: torch.Tensor) -> float:
        """Mean number of spikes per hidden neuron (at most 1; the paper reports < 0.3)."""
        times = self.spike_times(x_seq)
        fired = sum(float((t < t_max).sum())
                    for t, (_, t_max) in zip(times, self.windows()[1:], strict=True))
        return fired / max(sum(t.numel() for t in times), 1)

    @torch.no_grad()
    def simulate(self, x_seq: torch.Tensor, dt: float = 1e-3) -> tuple[list[torch.Tensor],
                                                                        torch.Tensor]:
        """Run the neuron dynamics on a time grid of step ``dt`` instead of the closed form.

        The membrane potential of each layer is evaluated on the grid of its firing window
        from the integration-phase ramps and the unit slope; a neuron spikes at the first
        grid time where it reaches threshold and never again.

        Returns
        -------
        rasters : list of torch.Tensor
            Per hidden layer, spikes ``[K, B, n]`` on the grid ``t_min + k dt`` of the window.
        logits : torch.Tensor
            Readout potentials at :math:`t_{read}` ``[B, n_outputs]``.
        """
        t_in = 1.0 - latency_values(self._check(x_seq))  # input spike times (1 = none)
        rasters = []
        for (t_min, t_max), layer in zip(self.windows()[1:], self.layers[:-1], strict=True):
            grid = torch.arange(t_min, t_max, dt, dtype=t_in.dtype)
            # V(t) = sum_j J_ij (t_min - t_j)^+ + (t - t_min) for t >= t_min; silent inputs
            # (t_j = previous t_max = t_min) add nothing
            v_start = (t_min - t_in).clamp_min(0.0) @ layer.weight.T
            theta = (t_max - t_min) - layer.bias
            v = v_start.unsqueeze(0) + (grid - t_min).view(-1, 1, 1)
            above = v >= theta
            first = above.float().argmax(0)
            fired = above.any(0)
            raster = torch.zeros_like(v)
            raster.scatter_(0, first.unsqueeze(0), fired.unsqueeze(0).to(v.dtype))
            rasters.append(raster)
            t_in = torch.where(fired, grid[first], torch.full_like(v_start, t_max))
        t_read = self.windows()[-1][1]
        logits = (t_read - t_in) @ self.layers[-1].weight.T + self.layers[-1].bias
        return rasters, logits

    # ------------------------------------------------------------------ the ReLU image
    @classmethod
    def from_relu(cls, relu_net: nn.Sequential, zeta: float = 0.5,
                  x_max: float | Sequence[float] = 4.0) -> TTFSNet:
        """The TTFS network equal to a ReLU MLP ``Linear, ReLU, ..., Linear`` (the paper's
        exact mapping: :math:`J = W`, thresholds from the biases). Call :meth:`calibrate`
        on data to size the windows.

        Examples
        --------
        >>> relu = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
        >>> TTFSNet.from_relu(relu).layers[0].weight.shape
        torch.Size([6, 4])
        """
        linears = [m for m in relu_net if isinstance(m, nn.Linear)]
        others = [m for m in relu_net if not isinstance(m, (nn.Linear, nn.ReLU))]
        if len(linears) < 2 or others:
            raise ConfigError("not a ReLU MLP", field="relu_net",
                              expected="nn.Sequential of Linear and ReLU, >= 2 Linear",
                              found=repr(relu_net))
        sizes = [linears[0].in_features] + [m.out_features for m in linears]
        net = cls(sizes[0], sizes[1:-1], sizes[-1], x_max=x_max, zeta=zeta)
        with torch.no_grad():
            for mine, theirs in zip(net.layers, linears, strict=True):
                mine.weight.copy_(theirs.weight)
                if theirs.bias is None:
                    mine.bias.zero_()
                else:
                    mine.bias.copy_(theirs.bias)
        return net

    def to_relu(self) -> nn.Sequential:
        """The equivalent ReLU MLP (a copy of the weights), acting on the latency values."""
        modules: list[nn.Module] = []
        for n, layer in enumerate(self.layers):
            copy = nn.Linear(layer.in_features, layer.out_features)
            copy.load_state_dict(layer.state_dict())
            modules.append(copy)
            if n < len(self.layers) - 1:
                modules.append(nn.ReLU())
        return nn.Sequential(*modules)

    @classmethod
    def example(cls) -> tuple[TTFSNet, torch.Tensor]:
        """A tiny network and a latency-coded input ``[T=6, B=2, 5]``."""
        gen = torch.Generator().manual_seed(0)
        net = cls(n_inputs=5, n_hidden=(8,), n_outputs=3)
        steps = torch.randint(0, 6, (2, 5), generator=gen)
        x = torch.zeros(6, 2, 5).scatter_(0, steps.unsqueeze(0), 1.0)
        return net, x
