"""Stateful modules, step modes and the network walkers that reset them.

Every spiking neuron keeps its membrane state on its own instance (never on the class or the
module), registers it with :meth:`StatefulModule.register_memory`, and gets it back to the
initial value with :meth:`StatefulModule.reset`. :func:`reset_states` walks a network and resets
every such module; the training core calls it before each batch.

Tensors are time-major: ``[T, B, ...]`` in multi-step mode, ``[B, ...]`` in single-step mode.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

import torch
from torch import nn

from neurokit.errors import ConfigError, InvalidValueError, SchemaError

__all__ = [
    "StepMode",
    "StatefulModule",
    "reset_states",
    "set_step_mode",
    "check_step_mode",
    "check_sequence",
    "check_finite",
]

StepMode = Literal["single", "multi"]
_STEP_MODES = ("single", "multi")


def check_step_mode(step_mode: str) -> str:
    """Return ``step_mode`` if it is ``"single"`` or ``"multi"``, else raise ConfigError.

    Examples
    --------
    >>> check_step_mode("multi")
    'multi'
    """
    if step_mode not in _STEP_MODES:
        raise ConfigError(
            "unknown step mode", field="step_mode", expected="'single' or 'multi'",
            found=repr(step_mode),
        )
    return step_mode


class StatefulModule(nn.Module):
    """Base class of modules whose state persists across time steps within one sequence.

    Subclasses call :meth:`register_memory` in ``__init__`` for each state variable and
    implement :meth:`single_step_forward` (input ``[B, ...]``); the default
    :meth:`multi_step_forward` loops it over the leading time dimension of ``[T, B, ...]``.

    Parameters
    ----------
    step_mode : {"single", "multi"}
        ``"multi"``: ``forward`` takes the whole sequence ``[T, B, ...]``;
        ``"single"``: ``forward`` takes one time step ``[B, ...]`` and keeps the state.

    Examples
    --------
    >>> class Counter(StatefulModule):
    ...     def __init__(self):
    ...         super().__init__(step_mode="single")
    ...         self.register_memory("count", 0.0)
    ...     def single_step_forward(self, x):
    ...         self.count = self.count + x
    ...         return self.count
    >>> c = Counter()
    >>> float(c(torch.tensor(1.0))), float(c(torch.tensor(2.0)))
    (1.0, 3.0)
    >>> c.reset(); c.count
    0.0
    """

    #: whether the module's output is a spike train (monitors and energy estimates hook these)
    emits_spikes: bool = False

    def __init__(self, step_mode: StepMode = "multi") -> None:
        super().__init__()
        self.step_mode = check_step_mode(step_mode)
        self._memory_reset_values: dict[str, Any] = {}
        #: cut the gradient through the state between steps (SLTT; see neurokit.snn.training)
        self.detach_state = False

    def register_memory(self, name: str, reset_value: Any) -> None:
        """Declare a state variable ``name`` and the value :meth:`reset` gives it back."""
        if hasattr(self, name) and name not in self._memory_reset_values:
            raise ConfigError("state name already used", field=name, expected="a new name")
        self._memory_reset_values[name] = reset_value
        object.__setattr__(self, name, copy.deepcopy(reset_value))

    def memories(self) -> dict[str, Any]:
        """Current value of every registered state variable, by name."""
        return {name: getattr(self, name) for name in self._memory_reset_values}

    def is_reset(self) -> bool:
        """Whether every state variable still holds its reset value (no step since
        :meth:`reset`): the start of a new sequence."""
        for name, reset_value in self._memory_reset_values.items():
            value = getattr(self, name)
            if isinstance(value, torch.Tensor) or isinstance(reset_value, torch.Tensor):
                same = (isinstance(value, torch.Tensor) and isinstance(reset_value, torch.Tensor)
                        and value.shape == reset_value.shape and torch.equal(value, reset_value))
                if not same:
                    return False
            elif value != reset_value:
                return False
        return True

    def reset(self) -> None:
        """Set every registered state variable back to its reset value."""
        for name, value in self._memory_reset_values.items():
            object.__setattr__(self, name, copy.deepcopy(value))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.step_mode == "multi":
            return self.multi_step_forward(x)
        return self.single_step_forward(x)

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """Loop :meth:`single_step_forward` over ``x_seq`` ``[T, B, ...]`` -> ``[T, B, ...]``."""
        check_sequence(x_seq, min_ndim=2, name=type(self).__name__)
        return torch.stack([self.single_step_forward(x) for x in x_seq])

    def extra_repr(self) -> str:
        return f"step_mode={self.step_mode!r}"


def reset_states(net: nn.Module) -> None:
    """Reset the state of every :class:`StatefulModule` inside ``net`` (``net`` included).

    Examples
    --------
    >>> from neurokit.snn import LIF
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 2), LIF(step_mode="single"))
    >>> _ = net(torch.ones(1, 3))
    >>> reset_states(net); net[1].v
    0.0
    """
    for module in net.modules():
        if isinstance(module, StatefulModule):
            module.reset()


def set_step_mode(net: nn.Module, step_mode: StepMode) -> None:
    """Switch every :class:`StatefulModule` inside ``net`` to ``step_mode``.

    Examples
    --------
    >>> from neurokit.snn import LIF
    >>> net = torch.nn.Sequential(LIF(), LIF())
    >>> set_step_mode(net, "single"); net[1].step_mode
    'single'
    """
    check_step_mode(step_mode)
    for module in net.modules():
        if isinstance(module, StatefulModule):
            module.step_mode = step_mode


def check_sequence(
    x: torch.Tensor, *, min_ndim: int = 2, ndim: int | None = None, name: str = "input",
    layout: str = "[T, B, ...]", finite: bool = False,
) -> torch.Tensor:
    """Check that ``x`` is a time-major sequence tensor and return it.

    Parameters
    ----------
    x : torch.Tensor
        The tensor, expected time-major ``[T, B, ...]``.
    min_ndim, ndim : int
        Smallest allowed / exact number of dimensions.
    name : str
        What ``x`` is, for the message.
    layout : str
        The expected layout, for the message (e.g. ``"[T, B, C, H, W]"``).
    finite : bool
        Also require finite values (models check their input once, at the entry).

    Raises
    ------
    neurokit.errors.SchemaError
        When ``x`` is not a tensor or has the wrong number of dimensions.
    neurokit.errors.InvalidValueError
        With ``finite=True``, when ``x`` holds NaN or inf.

    Examples
    --------
    >>> check_sequence(torch.zeros(4, 2, 3), ndim=3, layout="[T, B, F]").shape
    torch.Size([4, 2, 3])
    """
    if not isinstance(x, torch.Tensor):
        raise SchemaError("not a tensor", field=name, expected=f"a torch.Tensor {layout}",
                          found=type(x).__name__)
    bad = x.dim() != ndim if ndim is not None else x.dim() < min_ndim
    if bad:
        want = f"{ndim}" if ndim is not None else f"at least {min_ndim}"
        raise SchemaError(
            "input is not a time-major sequence", field=name,
            expected=f"{want} dims, time-major {layout}", found=f"shape {tuple(x.shape)}",
        )
    return check_finite(x, name) if finite else x


def check_finite(x: torch.Tensor, name: str = "input") -> torch.Tensor:
    """Raise InvalidValueError if ``x`` holds NaN or inf; return ``x``.

    Examples
    --------
    >>> check_finite(torch.ones(2)).sum().item()
    2.0
    """
    if not bool(torch.isfinite(x).all()):
        n_bad = int((~torch.isfinite(x)).sum())
        raise InvalidValueError(
            "non-finite values", field=name, expected="finite numbers",
            found=f"{n_bad} NaN/inf of {x.numel()}",
        )
    return x
