"""Surrogate gradients: derivative vs autograd of the smooth primitive, lookup, SpikingJelly."""

from __future__ import annotations

import math

import pytest
import torch

from neurokit.errors import ConfigError
from neurokit.snn.surrogate import (
    SURROGATES,
    ArcTan,
    FastSigmoid,
    Rectangular,
    Sigmoid,
    Surrogate,
    Triangle,
    get_surrogate,
)

X = torch.linspace(-2.0, 2.0, 401, dtype=torch.float64)

#: smooth primitives g with g' = derivative (Heaviside is their step limit)
PRIMITIVES = {
    Sigmoid: lambda x, a: torch.sigmoid(a * x),
    ArcTan: lambda x, a: torch.atan(math.pi / 2 * a * x) / math.pi + 0.5,
}


@pytest.mark.parametrize("cls", [Sigmoid, ArcTan])
@pytest.mark.parametrize("alpha", [0.5, 2.0, 5.0])
def test_derivative_is_autograd_of_primitive(cls: type[Surrogate], alpha: float) -> None:
    x = X.clone().requires_grad_()
    PRIMITIVES[cls](x, alpha).sum().backward()
    torch.testing.assert_close(cls(alpha).derivative(X), x.grad)


@pytest.mark.parametrize("alpha", [1.0, 10.0])
def test_fast_sigmoid_is_derivative_of_softsign_form(alpha: float) -> None:
    # x / (1 + a|x|) has derivative 1 / (1 + a|x|)^2
    x = X.clone().requires_grad_()
    (x / (1 + alpha * x.abs())).sum().backward()
    torch.testing.assert_close(FastSigmoid(alpha).derivative(X), x.grad)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.0])
def test_triangle_and_rectangular_integrate_to_one(alpha: float) -> None:
    fine = torch.linspace(-4.0, 4.0, 80001, dtype=torch.float64)
    for cls in (Triangle, Rectangular):
        area = torch.trapezoid(cls(alpha).derivative(fine), fine)
        assert abs(float(area) - 1.0) < 1e-3


@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_forward_is_heaviside_backward_is_derivative(name: str) -> None:
    sg = get_surrogate(name, alpha=1.5)
    x = X.clone().requires_grad_()
    out = sg(x)
    assert torch.equal(out, (X >= 0).to(X.dtype))
    out.backward(torch.full_like(X, 2.0))
    torch.testing.assert_close(x.grad, 2.0 * sg.derivative(X))


def test_get_surrogate_by_name_alias_callable() -> None:
    assert isinstance(get_surrogate("sigmoid"), Sigmoid)
    assert get_surrogate("sigmoid").alpha == Sigmoid.default_alpha
    assert isinstance(get_surrogate("atan", alpha=3.0), ArcTan)
    assert get_surrogate("ATan", alpha=3.0).alpha == 3.0
    assert isinstance(get_surrogate("superspike"), FastSigmoid)
    assert isinstance(get_surrogate("fast-sigmoid"), FastSigmoid)
    fn = torch.sigmoid
    assert get_surrogate(fn) is fn
    a, b = get_surrogate("arctan"), get_surrogate("arctan")
    assert a is not b and a == b  # a new instance each time, equal by value


@pytest.mark.parametrize("bad", ["nope", "relu"])
def test_unknown_name_raises_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="unknown surrogate"):
        get_surrogate(bad)


def test_bad_spec_and_alpha_raise_config_error() -> None:
    with pytest.raises(ConfigError):
        get_surrogate(3.0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        get_surrogate("sigmoid", alpha=-1.0)


# ---- SpikingJelly peer ---------------------------------------------------------------------
def _sj_pairs():
    pytest.importorskip("spikingjelly.activation_based")
    from spikingjelly.activation_based import surrogate as s
    return [
        ("sigmoid", lambda a: s.Sigmoid(alpha=a)),
        ("arctan", lambda a: s.ATan(alpha=a)),
        ("triangle", lambda a: s.PiecewiseQuadratic(alpha=a)),
        ("rectangular", lambda a: s.Rect(alpha=a)),
    ]


@pytest.mark.parametrize("index", range(4))
@pytest.mark.parametrize("alpha", [1.0, 2.5])
def test_matches_spikingjelly(index: int, alpha: float) -> None:
    name, make_sj = _sj_pairs()[index]
    x = torch.randn(2000, generator=torch.Generator().manual_seed(index)) * 1.5
    x[:3] = torch.tensor([0.0, 1e-7, -1e-7])
    grad_out = torch.rand(2000, generator=torch.Generator().manual_seed(9))
    ours = x.clone().requires_grad_()
    theirs = x.clone().requires_grad_()
    s_ours = get_surrogate(name, alpha)(ours)
    s_theirs = make_sj(alpha)(theirs)
    assert torch.equal(s_ours, s_theirs)
    s_ours.backward(grad_out)
    s_theirs.backward(grad_out)
    torch.testing.assert_close(ours.grad, theirs.grad, rtol=1e-5, atol=1e-6)
