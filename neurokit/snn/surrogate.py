r"""Surrogate gradients: a Heaviside step forward, a smooth pseudo-derivative backward.

Every surrogate is an instance (its own sharpness ``alpha``; no shared default instance)
with two methods used by the engine:

- ``surrogate(x)`` returns :math:`\Theta(x)` (1 where ``x >= 0``) whose backward pass uses
  ``surrogate.derivative(x)``;
- ``surrogate.derivative(x)`` returns :math:`g'(x)`, used directly by the fused multi-step
  kernels in :mod:`neurokit.snn.functional`.

``x`` is the membrane potential minus the threshold. The forms follow SpikingJelly's
``surrogate`` module where it has them (same ``alpha`` meaning), so spikes and gradients can be
compared with it.

=====================  ==========================================================  =========
name                   :math:`g'(x)`                                               alpha
=====================  ==========================================================  =========
``"sigmoid"``          :math:`\alpha\,\sigma(\alpha x)(1-\sigma(\alpha x))`        4.0
``"arctan"``           :math:`\frac{\alpha/2}{1 + (\frac{\pi}{2}\alpha x)^2}`      2.0
``"fast_sigmoid"``     :math:`\frac{1}{(1 + \alpha|x|)^2}` (SuperSpike)            10.0
``"triangle"``         :math:`\max(0,\ \alpha - \alpha^2 |x|)`                     1.0
``"rectangular"``      :math:`\alpha\ \mathbb{1}[|x| < \frac{1}{2\alpha}]`           1.0
=====================  ==========================================================  =========

Examples
--------
>>> import torch
>>> sg = get_surrogate("arctan", alpha=2.0)
>>> x = torch.tensor([-0.5, 0.0, 0.5], requires_grad=True)
>>> spikes = sg(x); spikes.tolist()
[0.0, 1.0, 1.0]
>>> spikes.sum().backward(); torch.allclose(x.grad, sg.derivative(x.detach()))
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from neurokit.errors import ConfigError

__all__ = [
    "Surrogate",
    "Sigmoid",
    "ArcTan",
    "FastSigmoid",
    "Triangle",
    "Rectangular",
    "SURROGATES",
    "SurrogateLike",
    "get_surrogate",
    "heaviside",
]


def heaviside(x: torch.Tensor) -> torch.Tensor:
    """Spike where ``x >= 0``: the forward pass of every surrogate (same dtype as ``x``)."""
    return (x >= 0).to(x.dtype)


class _SurrogateSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, surrogate: Surrogate) -> torch.Tensor:
        if x.requires_grad:
            ctx.save_for_backward(x)
            ctx.surrogate = surrogate
        return heaviside(x)

    @staticmethod
    def backward(ctx: Any, grad_spike: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad_spike * ctx.surrogate.derivative(x), None


class Surrogate:
    """Base class: Heaviside forward, ``derivative`` backward, sharpness ``alpha``.

    Parameters
    ----------
    alpha : float, optional
        Sharpness (larger: closer to the true step); the class default when omitted.
    """

    name: str = ""
    default_alpha: float = 1.0

    def __init__(self, alpha: float | None = None) -> None:
        alpha = self.default_alpha if alpha is None else float(alpha)
        if not math.isfinite(alpha) or alpha <= 0:
            raise ConfigError("surrogate sharpness must be positive", field="alpha",
                              expected="a finite number > 0", found=repr(alpha))
        self.alpha = alpha

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Spikes ``(x >= 0)`` with this surrogate's gradient."""
        return _SurrogateSpike.apply(x, self)

    def derivative(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        """Pseudo-derivative :math:`g'(x)` of the spike with respect to ``x``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self.alpha})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.alpha == self.alpha  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.alpha))


class Sigmoid(Surrogate):
    r""":math:`g(x) = \sigma(\alpha x)` (SpikingJelly ``surrogate.Sigmoid``)."""

    name = "sigmoid"
    default_alpha = 4.0

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        s = torch.sigmoid(self.alpha * x)
        return self.alpha * s * (1.0 - s)


class ArcTan(Surrogate):
    r""":math:`g(x) = \frac{1}{\pi}\arctan(\frac{\pi}{2}\alpha x) + \frac12`
    (SpikingJelly ``surrogate.ATan``)."""

    name = "arctan"
    default_alpha = 2.0

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        return (self.alpha / 2) / (1 + (math.pi / 2 * self.alpha * x).square())


class FastSigmoid(Surrogate):
    r"""SuperSpike (Zenke & Ganguli 2018): :math:`g'(x) = 1 / (1 + \alpha|x|)^2`."""

    name = "fast_sigmoid"
    default_alpha = 10.0

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        return 1.0 / (1.0 + self.alpha * x.abs()).square()


class Triangle(Surrogate):
    r"""Piecewise linear (Bellec et al. 2018; SpikingJelly ``PiecewiseQuadratic``):
    :math:`g'(x) = \max(0, \alpha - \alpha^2|x|)`."""

    name = "triangle"
    default_alpha = 1.0

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        return (self.alpha - self.alpha**2 * x.abs()).clamp_min(0.0)


class Rectangular(Surrogate):
    r"""Box (Wu et al. 2018): :math:`g'(x) = \alpha` for :math:`|x| < 1/(2\alpha)`, else 0."""

    name = "rectangular"
    default_alpha = 1.0

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        return (x.abs() < 0.5 / self.alpha).to(x.dtype) * self.alpha


#: surrogate classes by name (``"superspike"`` is an alias of ``"fast_sigmoid"``)
SURROGATES: dict[str, type[Surrogate]] = {
    cls.name: cls for cls in (Sigmoid, ArcTan, FastSigmoid, Triangle, Rectangular)
}
SURROGATES["superspike"] = FastSigmoid
SURROGATES["atan"] = ArcTan

SurrogateLike = str | Surrogate | Callable[[torch.Tensor], torch.Tensor]


def get_surrogate(spec: SurrogateLike, alpha: float | None = None) -> Surrogate | Callable:
    """A new surrogate instance from a name, or ``spec`` itself when it is already callable.

    Parameters
    ----------
    spec : str or callable
        A name from :data:`SURROGATES`, a :class:`Surrogate`, or any callable mapping
        ``v - v_threshold`` to spikes with its own backward (kernels then fall back to autograd).
    alpha : float, optional
        Sharpness for a named surrogate; the class default when omitted.

    Raises
    ------
    neurokit.errors.ConfigError
        For an unknown name.

    Examples
    --------
    >>> get_surrogate("sigmoid")
    Sigmoid(alpha=4.0)
    >>> get_surrogate("triangle", alpha=2.0).derivative(torch.tensor([0.0, 0.25, 1.0])).tolist()
    [2.0, 1.0, 0.0]
    """
    if isinstance(spec, str):
        key = spec.lower().replace("-", "_")
        if key not in SURROGATES:
            raise ConfigError("unknown surrogate gradient", field="surrogate",
                              expected="one of " + ", ".join(sorted(SURROGATES)),
                              found=repr(spec))
        return SURROGATES[key](alpha)
    if callable(spec):
        return spec
    raise ConfigError("surrogate must be a name or a callable", field="surrogate",
                      expected="str or callable", found=type(spec).__name__)
