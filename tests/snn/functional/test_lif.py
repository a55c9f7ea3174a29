"""Fused multi-step LIF / PLIF kernels: plain-autograd reference, SpikingJelly, backends."""

from __future__ import annotations

import functools
import itertools
import shutil

import pytest
import torch

import neurokit.snn.functional.lif as lif_mod
from neurokit.errors import ConfigError
from neurokit.snn.functional.lif import (
    _multistep_lif_autograd,
    lif_coefficients,
    multistep_lif,
    multistep_plif,
)
from neurokit.snn.surrogate import get_surrogate

GEN = torch.Generator().manual_seed(2026)


def _inputs(shape=(10, 3, 5), dtype=torch.float64):
    x = torch.randn(shape, generator=GEN, dtype=dtype) * 1.2 + 0.9
    v0 = torch.randn(shape[1:], generator=GEN, dtype=dtype) * 0.3
    w_s = torch.randn(shape, generator=GEN, dtype=dtype)
    w_v = torch.randn(shape[1:], generator=GEN, dtype=dtype)
    return x, v0, w_s, w_v


def _run(fn, x, v0, w_s, w_v):
    """Spikes, final v and gradients of a loss touching both outputs."""
    x = x.clone().requires_grad_()
    v0 = v0.clone().requires_grad_()
    spikes, v = fn(x, v0)
    ((spikes * w_s).sum() + (v * w_v).sum()).backward()
    return spikes.detach(), v.detach(), x.grad, v0.grad


def _assert_same(ours, ref, rtol=1e-7, atol=1e-9):
    assert torch.equal(ours[0], ref[0]), "spikes differ"
    for got, want in zip(ours[1:], ref[1:], strict=True):
        torch.testing.assert_close(got, want, rtol=rtol, atol=atol)


HAS_COMPILER = shutil.which("g++") is not None or shutil.which("c++") is not None
#: the kernels every numerics test runs on: pure torch, and the C++ kernel where it builds
KERNELS = ["torch", pytest.param("cpp", marks=pytest.mark.skipif(not HAS_COMPILER,
                                                                   reason="no C++ compiler"))]

CONFIGS = list(itertools.product([2.0, 3.5, None], [0.0, None, -0.3], [True, False],
                                 [True, False]))


@pytest.mark.parametrize("backend", KERNELS)
@pytest.mark.parametrize("surrogate", ["sigmoid", "arctan"])
def test_fused_equals_autograd_reference(surrogate: str, backend: str) -> None:
    sg = get_surrogate(surrogate)
    for tau, v_reset, decay_input, detach in CONFIGS:
        kw = dict(tau=tau, v_reset=v_reset, decay_input=decay_input, detach_reset=detach,
                  backend=backend)
        data = _inputs()
        ours = _run(functools.partial(multistep_lif, surrogate=surrogate, **kw), *data)
        a, b, c = lif_coefficients(tau, v_reset, decay_input)
        ref = _run(functools.partial(_multistep_lif_autograd, a=a, b=b, c=c, v_threshold=1.0,
                                     v_reset=v_reset, surrogate=sg, detach_reset=detach), *data)
        _assert_same(ours, ref)
        assert 0 < float(ours[0].mean()) < 1  # spikes and silences both present


def test_time_blocks_in_backward_give_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _inputs((9, 2, 4))
    kw = dict(tau=3.0, v_reset=None, detach_reset=False, surrogate="arctan", backend="torch")
    whole = _run(lambda x, v: multistep_lif(x, v, **kw), *data)
    monkeypatch.setattr(lif_mod, "_BLOCK_ELEMENTS", 16)  # two steps per block, ragged end
    blocked = _run(lambda x, v: multistep_lif(x, v, **kw), *data)
    _assert_same(blocked, whole, rtol=0, atol=0)


def test_callable_surrogate_falls_back_to_autograd() -> None:
    data = _inputs()
    sg = get_surrogate("sigmoid")
    fused = _run(lambda x, v: multistep_lif(x, v, surrogate=sg), *data)
    plain = _run(lambda x, v: multistep_lif(x, v, surrogate=lambda u: sg(u)), *data)
    _assert_same(fused, plain)


@pytest.mark.parametrize("backend", KERNELS)
def test_plif_matches_autograd_reference_including_decay_grad(backend: str) -> None:
    sg = get_surrogate("arctan")
    for v_reset, decay_input, detach in itertools.product([0.0, None, 0.2], [True, False],
                                                          [True, False]):
        x, v0, w_s, w_v = _inputs()
        grads = []
        for fused in (True, False):
            k = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
            xx, vv = x.clone().requires_grad_(), v0.clone().requires_grad_()
            if fused:
                s, v = multistep_plif(xx, vv, k, v_reset=v_reset, decay_input=decay_input,
                                      surrogate=sg, detach_reset=detach, backend=backend)
            else:
                b = k if decay_input else 1.0
                s, v = _multistep_lif_autograd(xx, vv, 1.0 - k, b, (v_reset or 0.0) * k, 1.0,
                                               v_reset, sg, detach)
            ((s * w_s).sum() + (v * w_v).sum()).backward()
            grads.append((s.detach(), v.detach(), xx.grad, vv.grad, k.grad))
        _assert_same(grads[0], grads[1], rtol=1e-6, atol=1e-9)


def test_unknown_backend_and_surrogate_raise() -> None:
    x = torch.zeros(3, 2)
    with pytest.raises(ConfigError, match="backend"):
        multistep_lif(x, backend="cuda-magic")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="surrogate"):
        multistep_lif(x, surrogate="nope")


# ---- SpikingJelly peer ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def sj():
    pytest.importorskip("spikingjelly.activation_based")
    from spikingjelly.activation_based import neuron, surrogate

    return neuron, surrogate


def _sj_surrogate(sj_surrogate, name: str):
    return sj_surrogate.Sigmoid() if name == "sigmoid" else sj_surrogate.ATan()


def _peer(node, ours_fn, shape=(16, 4, 32), scale=1.5, offset=0.8):
    """Spikes and input gradients of SJ ``node`` and ``ours_fn`` on the same random input."""
    g = torch.Generator().manual_seed(7)
    x = torch.randn(shape, generator=g) * scale + offset
    w = torch.randn(shape, generator=g)
    out = []
    for fn in (node, ours_fn):
        xx = x.clone().requires_grad_()
        s = fn(xx)
        (s * w).sum().backward()
        out.append((s.detach(), xx.grad))
    return out


@pytest.mark.parametrize("backend", KERNELS)
@pytest.mark.parametrize("tau", [2.0, 3.5])
@pytest.mark.parametrize("v_reset", [0.0, None])
@pytest.mark.parametrize("surrogate", ["sigmoid", "atan"])
def test_lif_matches_spikingjelly(sj, tau, v_reset, surrogate, backend) -> None:
    neuron, sj_surrogate = sj
    for decay_input, detach in [(True, False), (False, True)]:
        node = neuron.LIFNode(tau=tau, decay_input=decay_input, v_threshold=1.0,
                              v_reset=v_reset, surrogate_function=_sj_surrogate(sj_surrogate,
                                                                                surrogate),
                              detach_reset=detach, step_mode="m")
        ours = functools.partial(multistep_lif, tau=tau, v_reset=v_reset,
                                 decay_input=decay_input, surrogate=surrogate,
                                 detach_reset=detach, backend=backend)
        (s_sj, g_sj), (s_nk, g_nk) = _peer(node, lambda x, f=ours: f(x)[0])
        assert torch.equal(s_nk, s_sj)
        assert 0.05 < float(s_nk.mean()) < 0.95
        torch.testing.assert_close(g_nk, g_sj, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("v_reset", [0.0, None])
def test_if_matches_spikingjelly(sj, v_reset) -> None:
    neuron, sj_surrogate = sj
    node = neuron.IFNode(v_threshold=1.0, v_reset=v_reset, surrogate_function=sj_surrogate.ATan(),
                         detach_reset=False, step_mode="m")
    (s_sj, g_sj), (s_nk, g_nk) = _peer(
        node, lambda x: multistep_lif(x, tau=None, v_reset=v_reset, surrogate="arctan")[0],
        scale=0.6, offset=0.2)
    assert torch.equal(s_nk, s_sj)
    torch.testing.assert_close(g_nk, g_sj, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("v_reset", [0.0, None])
@pytest.mark.parametrize("decay_input", [True, False])
def test_plif_matches_spikingjelly_including_w_grad(sj, v_reset, decay_input) -> None:
    from neurokit.snn.neurons.parametric import ParametricLIF

    neuron, sj_surrogate = sj
    node = neuron.ParametricLIFNode(init_tau=3.0, decay_input=decay_input, v_reset=v_reset,
                                    surrogate_function=sj_surrogate.ATan(), step_mode="m")
    ours = ParametricLIF(init_tau=3.0, decay_input=decay_input, v_reset=v_reset,
                         surrogate="arctan")
    (s_sj, g_sj), (s_nk, g_nk) = _peer(node, ours)
    assert torch.equal(s_nk, s_sj)
    torch.testing.assert_close(g_nk, g_sj, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(ours.w.grad, node.w.grad, rtol=1e-4, atol=1e-5)
    assert float(ours.w.grad.abs()) > 0


# ---- optional compiled backends ---------------------------------------------------------------
@pytest.mark.skipif(not HAS_COMPILER, reason="no C++ compiler")
@pytest.mark.parametrize("backend", ["cpp", pytest.param("compile", marks=pytest.mark.slow)])
def test_compiled_backends_equal_torch(backend: str) -> None:
    """The C++ kernel builds in about a second; torch.compile compiles each configuration."""
    for (tau, v_reset, detach), surrogate in itertools.product(
            [(2.0, 0.0, True), (3.5, None, False), (None, -0.2, False)], ["arctan", "sigmoid"]):
        kw = dict(tau=tau, v_reset=v_reset, detach_reset=detach, surrogate=surrogate)
        data = _inputs((12, 3, 40), dtype=torch.float32)
        ref = _run(functools.partial(multistep_lif, backend="torch", **kw), *data)
        got = _run(functools.partial(multistep_lif, backend=backend, **kw), *data)
        _assert_same(got, ref, rtol=1e-5, atol=1e-6)
    x, v0, w_s, w_v = _inputs((12, 3, 40), dtype=torch.float32)
    k_grads = []
    for be in ("torch", backend):
        k = torch.tensor(0.4, requires_grad=True)
        s, v = multistep_plif(x, v0, k, surrogate="arctan", backend=be)
        ((s * w_s).sum() + (v * w_v).sum()).backward()
        k_grads.append(k.grad)
    torch.testing.assert_close(k_grads[1], k_grads[0], rtol=1e-5, atol=1e-6)


def test_auto_backend_picks_the_cpp_kernel_where_it_applies() -> None:
    from neurokit.snn.functional.lif import resolve_backend

    sg = get_surrogate("arctan")
    x = torch.zeros(3, 2)
    expected = "cpp" if HAS_COMPILER else "torch"
    assert resolve_backend("auto", x, sg) == expected
    assert resolve_backend("auto", x.to(torch.float16), sg) == "torch"  # C++ kernel: f32/f64
    assert resolve_backend("auto", x, lambda u: u) == "torch"  # callables: autograd path
    assert resolve_backend("torch", x, sg) == "torch"


@pytest.mark.skipif(not HAS_COMPILER, reason="no C++ compiler")
def test_cpp_kernel_keeps_channels_last_images_as_they_are() -> None:
    # convolution outputs may be channels-last; the element-wise kernel must not mix layouts
    frames = torch.randn(4 * 3, 5, 6, 7, dtype=torch.float64)
    x = frames.contiguous(memory_format=torch.channels_last).unflatten(0, (4, 3))
    v0 = torch.randn(3, 5, 6, 7, dtype=torch.float64)
    w_s, w_v = torch.randn(4, 3, 5, 6, 7, dtype=torch.float64), torch.randn_like(v0)
    kw = dict(tau=2.0, v_reset=None, surrogate="arctan")
    ref = _run(functools.partial(multistep_lif, backend="torch", **kw), x.contiguous(), v0,
               w_s, w_v)
    got = _run(functools.partial(multistep_lif, backend="cpp", **kw), x, v0, w_s, w_v)
    assert x[0].is_contiguous(memory_format=torch.channels_last)
    _assert_same(got, ref)
