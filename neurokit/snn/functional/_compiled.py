"""Optional compiled LIF loops: ``torch.compile`` and a just-in-time C++ extension.

Both compute exactly the recursion of :mod:`neurokit.snn.functional.lif` (same inputs and
outputs as ``_forward_torch`` / ``_backward_torch``), one pass over the sequence per direction.

- ``"compile"``: the forward and backward loops traced by :func:`torch.compile` (inductor fuses
  the unrolled time loop into one kernel); compiled per shape and configuration on first use.
- ``"cpp"``: a small C++ extension built with :func:`torch.utils.cpp_extension.load_inline` on
  first use (about a minute; cached by torch in ``~/.cache/torch_extensions``). CPU tensors of
  float32/float64 and the named surrogates of :mod:`neurokit.snn.surrogate`; elements are
  processed in cache-sized blocks, each block run through all time steps.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from typing import Any

import torch

from neurokit.errors import ConfigError
from neurokit.snn.surrogate import (
    ArcTan,
    FastSigmoid,
    Rectangular,
    Sigmoid,
    Surrogate,
    Triangle,
)

__all__ = ["forward", "backward", "load_cpp_extension"]

# --------------------------------------------------------------------------------------------
# torch.compile
# --------------------------------------------------------------------------------------------


def _fwd_loop(x_seq: torch.Tensor, v: torch.Tensor, coef: torch.Tensor, v_th: float,
              v_reset: float | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    a, b, c = coef[0], coef[1], coef[2]
    hs = []
    for t in range(x_seq.shape[0]):
        h = (c + b * x_seq[t]) + a * v
        if v_reset is None:
            v = h - (h >= v_th).to(h.dtype) * v_th
        else:
            v = torch.where(h >= v_th, v_reset, h)
        hs.append(h)
    h_seq = torch.stack(hs)
    return h_seq, (h_seq >= v_th).to(h_seq.dtype), v


def _bwd_loop(h_seq: torch.Tensor, grad_spike_seq: torch.Tensor, grad_v: torch.Tensor,
              a: torch.Tensor, v_th: float, v_reset: float | None, surrogate: Surrogate,
              detach_reset: bool) -> tuple[torch.Tensor, torch.Tensor]:
    gs = []
    for t in range(h_seq.shape[0] - 1, -1, -1):
        h = h_seq[t]
        sg = surrogate.derivative(h - v_th)
        if v_reset is None:
            dv_dh = None if detach_reset else 1.0 - v_th * sg
        else:
            dv_dh = (h < v_th).to(h.dtype)
            if not detach_reset:
                dv_dh = dv_dh + (v_reset - h) * sg
        g = grad_spike_seq[t] * sg + (grad_v if dv_dh is None else grad_v * dv_dh)
        gs.append(g)
        grad_v = g * a
    gs.reverse()
    return torch.stack(gs), grad_v


@functools.cache
def _compiled(name: str) -> Callable:
    fn = {"forward": _fwd_loop, "backward": _bwd_loop}[name]
    return torch.compile(fn, dynamic=False, fullgraph=True)


def _forward_compile(x_seq: torch.Tensor, v: torch.Tensor, a: float, b: float, c: float,
                     v_th: float, v_reset: float | None):
    coef = torch.tensor([a, b, c], dtype=x_seq.dtype, device=x_seq.device)
    return _compiled("forward")(x_seq, v.contiguous(), coef, v_th, v_reset)


def _backward_compile(h_seq: torch.Tensor, grad_spike_seq: torch.Tensor | None,
                      grad_v_last: torch.Tensor | None, a: float, v_th: float,
                      v_reset: float | None, surrogate: Surrogate, detach_reset: bool):
    if grad_spike_seq is None:
        grad_spike_seq = torch.zeros_like(h_seq)
    grad_v = torch.zeros_like(h_seq[0]) if grad_v_last is None else grad_v_last
    a_t = torch.tensor(a, dtype=h_seq.dtype, device=h_seq.device)
    return _compiled("backward")(h_seq, grad_spike_seq, grad_v, a_t, v_th, v_reset, surrogate,
                                 detach_reset)


# --------------------------------------------------------------------------------------------
# C++ extension
# --------------------------------------------------------------------------------------------
_CPP_SOURCE = r"""
#include <torch/extension.h>
#include <algorithm>
#include <cmath>
#include <vector>

constexpr int64_t BLOCK = 1024;

template <typename T, int K>
static inline T sg_derivative(T x, T alpha, T k1) {
  if constexpr (K == 0) {            // sigmoid
    T s = T(1) / (T(1) + std::exp(-alpha * x));
    return alpha * s * (T(1) - s);
  } else if constexpr (K == 1) {     // arctan
    T y = k1 * x;
    return (alpha / T(2)) / (T(1) + y * y);
  } else if constexpr (K == 2) {     // fast sigmoid (SuperSpike)
    T d = T(1) + alpha * std::abs(x);
    return T(1) / (d * d);
  } else if constexpr (K == 3) {     // triangle
    T y = alpha - k1 * std::abs(x);
    return y > T(0) ? y : T(0);
  } else {                           // rectangular
    return std::abs(x) < k1 ? alpha : T(0);
  }
}

template <typename T>
static void fwd_impl(const T* x, const T* v0, T* h, T* s, T* vl, int64_t steps, int64_t n,
                     T a, T b, T c, T vth, T vreset, bool soft) {
  for (int64_t i0 = 0; i0 < n; i0 += BLOCK) {
    const int64_t m = std::min(BLOCK, n - i0);
    T v[BLOCK];
    for (int64_t j = 0; j < m; ++j) v[j] = v0[i0 + j];
    for (int64_t t = 0; t < steps; ++t) {
      const T* xt = x + t * n + i0;
      T* ht = h + t * n + i0;
      T* st = s + t * n + i0;
      if (soft) {
        for (int64_t j = 0; j < m; ++j) {
          T hj = (c + b * xt[j]) + a * v[j];
          T sj = hj >= vth ? T(1) : T(0);
          ht[j] = hj; st[j] = sj; v[j] = hj - sj * vth;
        }
      } else {
        for (int64_t j = 0; j < m; ++j) {
          T hj = (c + b * xt[j]) + a * v[j];
          bool f = hj >= vth;
          ht[j] = hj; st[j] = f ? T(1) : T(0); v[j] = f ? vreset : hj;
        }
      }
    }
    for (int64_t j = 0; j < m; ++j) vl[i0 + j] = v[j];
  }
}

template <typename T, int K>
static void bwd_impl(const T* h, const T* gs, const T* gvl, T* g, T* gv0, int64_t steps,
                     int64_t n, T a, T vth, T vreset, bool soft, bool detach, T alpha, T k1) {
  for (int64_t i0 = 0; i0 < n; i0 += BLOCK) {
    const int64_t m = std::min(BLOCK, n - i0);
    T gv[BLOCK];
    for (int64_t j = 0; j < m; ++j) gv[j] = gvl ? gvl[i0 + j] : T(0);
    for (int64_t t = steps - 1; t >= 0; --t) {
      const T* ht = h + t * n + i0;
      const T* gst = gs + t * n + i0;
      T* gt = g + t * n + i0;
      for (int64_t j = 0; j < m; ++j) {
        T hj = ht[j];
        T sg = sg_derivative<T, K>(hj - vth, alpha, k1);
        T d;
        if (soft) d = detach ? T(1) : T(1) - vth * sg;
        else {
          d = hj < vth ? T(1) : T(0);
          if (!detach) d = d + (vreset - hj) * sg;
        }
        T gj = gst[j] * sg + gv[j] * d;
        gt[j] = gj;
        gv[j] = gj * a;
      }
    }
    for (int64_t j = 0; j < m; ++j) gv0[i0 + j] = gv[j];
  }
}

std::vector<torch::Tensor> lif_forward(torch::Tensor x, torch::Tensor v0, double a, double b,
                                       double c, double vth, double vreset, bool soft) {
  auto h = torch::empty_like(x);
  auto s = torch::empty_like(x);
  auto vl = torch::empty_like(v0);
  const int64_t steps = x.size(0), n = v0.numel();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lif_forward", [&] {
    fwd_impl<scalar_t>(x.data_ptr<scalar_t>(), v0.data_ptr<scalar_t>(), h.data_ptr<scalar_t>(),
                       s.data_ptr<scalar_t>(), vl.data_ptr<scalar_t>(), steps, n, a, b, c, vth,
                       vreset, soft);
  });
  return {h, s, vl};
}

std::vector<torch::Tensor> lif_backward(torch::Tensor h, torch::Tensor gs,
                                        c10::optional<torch::Tensor> gvl, double a, double vth,
                                        double vreset, bool soft, bool detach, int64_t kind,
                                        double alpha, double k1) {
  auto g = torch::empty_like(h);
  auto gv0 = torch::empty_like(h[0]);
  const int64_t steps = h.size(0), n = gv0.numel();
  AT_DISPATCH_FLOATING_TYPES(h.scalar_type(), "lif_backward", [&] {
    const scalar_t* gvp = gvl.has_value() ? gvl->data_ptr<scalar_t>() : nullptr;
    auto run = [&](auto kc) {
      constexpr int K = decltype(kc)::value;
      bwd_impl<scalar_t, K>(h.data_ptr<scalar_t>(), gs.data_ptr<scalar_t>(), gvp,
                            g.data_ptr<scalar_t>(), gv0.data_ptr<scalar_t>(), steps, n, a, vth,
                            vreset, soft, detach, alpha, k1);
    };
    switch (kind) {
      case 0: run(std::integral_constant<int, 0>{}); break;
      case 1: run(std::integral_constant<int, 1>{}); break;
      case 2: run(std::integral_constant<int, 2>{}); break;
      case 3: run(std::integral_constant<int, 3>{}); break;
      default: run(std::integral_constant<int, 4>{}); break;
    }
  });
  return {g, gv0};
}
"""

_CPP_DECL = r"""
std::vector<torch::Tensor> lif_forward(torch::Tensor x, torch::Tensor v0, double a, double b,
                                       double c, double vth, double vreset, bool soft);
std::vector<torch::Tensor> lif_backward(torch::Tensor h, torch::Tensor gs,
                                        c10::optional<torch::Tensor> gvl, double a, double vth,
                                        double vreset, bool soft, bool detach, int64_t kind,
                                        double alpha, double k1);
"""

#: surrogate class -> kind index of the C++ ``sg_derivative``
_CPP_KINDS: dict[type, int] = {Sigmoid: 0, ArcTan: 1, FastSigmoid: 2, Triangle: 3,
                               Rectangular: 4}


@functools.cache
def load_cpp_extension() -> Any:
    """Build (first call, about a minute) and return the C++ LIF extension module.

    Raises
    ------
    neurokit.errors.ConfigError
        When no C++ compiler is found.
    """
    if shutil.which("c++") is None and shutil.which("g++") is None:
        raise ConfigError("the 'cpp' backend needs a C++ compiler", field="backend",
                          expected="g++ or c++ on PATH (or backend='torch')",
                          found="no compiler")
    from torch.utils.cpp_extension import load_inline

    return load_inline(
        name="neurokit_lif_cpu_v1", cpp_sources=[_CPP_DECL, _CPP_SOURCE],
        functions=["lif_forward", "lif_backward"],
        extra_cflags=["-O3", "-march=native", "-ffp-contract=off", "-std=c++17"],
        verbose=False,
    )


def _cpp_constant(surrogate: Surrogate) -> float:
    """The second constant of the C++ surrogate, rounded like the torch path rounds it."""
    import math

    alpha = surrogate.alpha
    return {ArcTan: math.pi / 2 * alpha, Triangle: alpha**2,
            Rectangular: 0.5 / alpha}.get(type(surrogate), 0.0)


def _check_cpp(x: torch.Tensor, surrogate: Surrogate | None = None) -> None:
    if x.device.type != "cpu" or x.dtype not in (torch.float32, torch.float64):
        raise ConfigError("the 'cpp' backend runs on CPU float tensors", field="backend",
                          expected="CPU float32/float64 input (or backend='torch')",
                          found=f"{x.device.type} {x.dtype}")
    if surrogate is not None and type(surrogate) not in _CPP_KINDS:
        raise ConfigError("the 'cpp' backend knows only the named surrogates",
                          field="surrogate", expected=", ".join(c.name for c in _CPP_KINDS),
                          found=type(surrogate).__name__)


def _forward_cpp(x_seq: torch.Tensor, v: torch.Tensor, a: float, b: float, c: float,
                 v_th: float, v_reset: float | None):
    _check_cpp(x_seq)
    ext = load_cpp_extension()
    x = x_seq.contiguous()
    v0 = v.expand_as(x[0]).contiguous()
    h, s, v_last = ext.lif_forward(x, v0, a, b, c, v_th, v_reset or 0.0, v_reset is None)
    return h, s, v_last


def _backward_cpp(h_seq: torch.Tensor, grad_spike_seq: torch.Tensor | None,
                  grad_v_last: torch.Tensor | None, a: float, v_th: float,
                  v_reset: float | None, surrogate: Surrogate, detach_reset: bool):
    _check_cpp(h_seq, surrogate)
    ext = load_cpp_extension()
    gs = torch.zeros_like(h_seq) if grad_spike_seq is None else grad_spike_seq.contiguous()
    gvl = None if grad_v_last is None else grad_v_last.contiguous()
    g, gv0 = ext.lif_backward(h_seq.contiguous(), gs, gvl, a, v_th, v_reset or 0.0,
                              v_reset is None, detach_reset, _CPP_KINDS[type(surrogate)],
                              surrogate.alpha, _cpp_constant(surrogate))
    return g, gv0


def forward(backend: str, *args: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Forward loop of ``backend`` (``"compile"`` or ``"cpp"``): ``(h_seq, spikes, v_last)``."""
    return (_forward_compile if backend == "compile" else _forward_cpp)(*args)


def backward(backend: str, *args: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Backward loop of ``backend``: ``(g_seq, grad_v_init)`` with ``g_t = dL/dH_t``."""
    return (_backward_compile if backend == "compile" else _backward_cpp)(*args)
