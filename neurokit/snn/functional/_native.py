"""The ``"cpp"`` LIF kernel: a few dozen lines of C++ built on first use, called via ctypes.

The source has no torch headers, so one ``g++ -O3`` call builds it in about a second; the shared
library is cached and written atomically by :func:`neurokit._native_build.build_library` (safe
with several processes, e.g. DDP).
Tensors are allocated by torch; the kernel runs over contiguous CPU float32/float64 buffers,
cache-sized blocks of neurons at a time, each block through all time steps. It computes exactly
the recursion of :mod:`neurokit.snn.functional.lif` (spikes identical; gradients equal up to
float rounding).
"""

from __future__ import annotations

import ctypes
import functools

import torch

from neurokit._native_build import build_library
from neurokit.errors import ConfigError
from neurokit.snn.surrogate import (
    ArcTan,
    FastSigmoid,
    Rectangular,
    Sigmoid,
    Surrogate,
    Triangle,
)

__all__ = ["forward", "backward", "load_kernel", "kernel_available", "supports"]

_SOURCE = r"""
#include <algorithm>
#include <cmath>
#include <cstdint>

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
static void fwd(const T* x, const T* v0, T* h, T* s, T* vl, int64_t steps, int64_t n,
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
static void bwd(const T* h, const T* gs, const T* gvl, T* g, T* gv0, int64_t steps, int64_t n,
                T a, T vth, T vreset, bool soft, bool detach, T alpha, T k1, T scale) {
  for (int64_t i0 = 0; i0 < n; i0 += BLOCK) {
    const int64_t m = std::min(BLOCK, n - i0);
    T gv[BLOCK];
    for (int64_t j = 0; j < m; ++j) gv[j] = gvl ? gvl[i0 + j] : T(0);
    for (int64_t t = steps - 1; t >= 0; --t) {
      const T* ht = h + t * n + i0;
      const T* gst = gs ? gs + t * n + i0 : nullptr;
      T* gt = g + t * n + i0;
      for (int64_t j = 0; j < m; ++j) {
        T hj = ht[j];
        T sg = sg_derivative<T, K>(hj - vth, alpha, k1);
        T d;
        if (soft) {
          d = detach ? T(1) : T(1) - vth * sg;
        } else {
          d = hj < vth ? T(1) : T(0);
          if (!detach) d = d + (vreset - hj) * sg;
        }
        T gj = (gst ? gst[j] * sg : T(0)) + gv[j] * d;
        gt[j] = scale == T(1) ? gj : gj * scale;
        gv[j] = gj * a;
      }
    }
    for (int64_t j = 0; j < m; ++j) gv0[i0 + j] = gv[j];
  }
}

template <typename T>
static void bwd_kind(int kind, const T* h, const T* gs, const T* gvl, T* g, T* gv0,
                     int64_t steps, int64_t n, T a, T vth, T vr, bool soft, bool det,
                     T alpha, T k1, T sc) {
  switch (kind) {
    case 0: bwd<T, 0>(h, gs, gvl, g, gv0, steps, n, a, vth, vr, soft, det, alpha, k1, sc); break;
    case 1: bwd<T, 1>(h, gs, gvl, g, gv0, steps, n, a, vth, vr, soft, det, alpha, k1, sc); break;
    case 2: bwd<T, 2>(h, gs, gvl, g, gv0, steps, n, a, vth, vr, soft, det, alpha, k1, sc); break;
    case 3: bwd<T, 3>(h, gs, gvl, g, gv0, steps, n, a, vth, vr, soft, det, alpha, k1, sc); break;
    default: bwd<T, 4>(h, gs, gvl, g, gv0, steps, n, a, vth, vr, soft, det, alpha, k1, sc);
  }
}

#define NK_EXPORT(T, SUFFIX)                                                                 \
  extern "C" void lif_forward_##SUFFIX(const T* x, const T* v0, T* h, T* s, T* vl,          \
                                       int64_t steps, int64_t n, double a, double b,          \
                                       double c, double vth, double vreset, int soft) {       \
    fwd<T>(x, v0, h, s, vl, steps, n, T(a), T(b), T(c), T(vth), T(vreset), soft != 0);        \
  }                                                                                           \
  extern "C" void lif_backward_##SUFFIX(const T* h, const T* gs, const T* gvl, T* g, T* gv0, \
                                        int64_t steps, int64_t n, double a, double vth,       \
                                        double vreset, int soft, int detach, int kind,        \
                                        double alpha, double k1, double scale) {              \
    bwd_kind<T>(kind, h, gs, gvl, g, gv0, steps, n, T(a), T(vth), T(vreset), soft != 0,       \
                detach != 0, T(alpha), T(k1), T(scale));                                      \
  }

NK_EXPORT(float, f32)
NK_EXPORT(double, f64)
"""

#: surrogate class -> index of ``sg_derivative`` in the C++ source
_KINDS: dict[type, int] = {Sigmoid: 0, ArcTan: 1, FastSigmoid: 2, Triangle: 3, Rectangular: 4}
_DTYPES = {torch.float32: "f32", torch.float64: "f64"}


@functools.cache
def load_kernel() -> ctypes.CDLL:
    """Build (first call, about a second) or load the cached kernel library.

    Raises
    ------
    neurokit.errors.ConfigError
        When no C++ compiler is found or the build fails.
    """
    lib = build_library("lif_kernel", _SOURCE, field="backend")
    pointer, i64, f64, i32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double, ctypes.c_int
    for suffix in _DTYPES.values():
        fwd = getattr(lib, f"lif_forward_{suffix}")
        fwd.argtypes = [pointer] * 5 + [i64, i64] + [f64] * 5 + [i32]
        fwd.restype = None
        bwd = getattr(lib, f"lif_backward_{suffix}")
        bwd.argtypes = [pointer] * 5 + [i64, i64] + [f64] * 3 + [i32] * 3 + [f64] * 3
        bwd.restype = None
    return lib


@functools.cache
def kernel_available() -> bool:
    """Whether the ``"cpp"`` kernel builds/loads on this machine (tried once per process)."""
    try:
        load_kernel()
    except (ConfigError, OSError):
        return False
    return True


def supports(x: torch.Tensor, surrogate: object) -> bool:
    """Whether the ``"cpp"`` kernel handles this input and surrogate."""
    return x.device.type == "cpu" and x.dtype in _DTYPES and type(surrogate) in _KINDS


def _check(x: torch.Tensor, surrogate: Surrogate | None = None) -> None:
    if x.device.type != "cpu" or x.dtype not in _DTYPES:
        raise ConfigError("the 'cpp' backend runs on CPU float tensors", field="backend",
                          expected="CPU float32/float64 input (or backend='torch')",
                          found=f"{x.device.type} {x.dtype}")
    if surrogate is not None and type(surrogate) not in _KINDS:
        raise ConfigError("the 'cpp' backend knows only the named surrogates",
                          field="surrogate", expected=", ".join(c.name for c in _KINDS),
                          found=type(surrogate).__name__)


def _second_constant(surrogate: Surrogate) -> float:
    """The precomputed constant of the C++ surrogate (as the torch path computes it)."""
    import math

    alpha = surrogate.alpha
    return {ArcTan: math.pi / 2 * alpha, Triangle: alpha**2,
            Rectangular: 0.5 / alpha}.get(type(surrogate), 0.0)


def _ptr(t: torch.Tensor | None) -> int | None:
    return None if t is None else t.data_ptr()


def _dense_steps(x_seq: torch.Tensor) -> torch.Tensor:
    """``x_seq`` itself when each time step is one dense block of memory (row-major, or
    channels-last images as convolutions leave them), else a row-major copy. The kernel is
    element-wise, so any dense layout works as long as every buffer shares it."""
    step = x_seq[0]
    dense = step.is_contiguous() or (
        step.dim() == 4 and step.is_contiguous(memory_format=torch.channels_last))
    return x_seq if dense and x_seq.stride(0) == step.numel() else x_seq.contiguous()


def _like(reference: torch.Tensor, t: torch.Tensor | None) -> torch.Tensor | None:
    """``t`` in the memory layout of ``reference`` (a copy only when the strides differ)."""
    if t is None or t.stride() == reference.stride():
        return t
    return torch.empty_like(reference).copy_(t)


def forward(x_seq: torch.Tensor, v: torch.Tensor, a: float, b: float, c: float,
            v_th: float, v_reset: float | None
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(h_seq, spike_seq, v_last)`` of the LIF recursion, like the torch forward."""
    _check(x_seq)
    lib = load_kernel()
    x = _dense_steps(x_seq)
    v0 = torch.empty_like(x[0]).copy_(v.expand_as(x[0]))  # the layout of one input step
    h, s, v_last = torch.empty_like(x), torch.empty_like(x), torch.empty_like(v0)
    run = getattr(lib, f"lif_forward_{_DTYPES[x.dtype]}")
    run(_ptr(x), _ptr(v0), _ptr(h), _ptr(s), _ptr(v_last), x.shape[0], v0.numel(), a, b, c,
        v_th, v_reset or 0.0, int(v_reset is None))
    return h, s, v_last


def backward(h_seq: torch.Tensor, grad_spike_seq: torch.Tensor | None,
             grad_v_last: torch.Tensor | None, a: float, v_th: float, v_reset: float | None,
             surrogate: Surrogate, detach_reset: bool, scale: float = 1.0,
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """``(scale * g_seq, grad_v_init)`` with ``g_t = dL/dH_t``, like the torch backward
    (``scale = b`` gives the input gradient directly, saving a pass over the sequence)."""
    _check(h_seq, surrogate)
    lib = load_kernel()
    h = h_seq  # made by forward: dense steps
    gs = _like(h, grad_spike_seq)
    gvl = _like(h[0], grad_v_last)
    g, gv0 = torch.empty_like(h), torch.empty_like(h[0])
    run = getattr(lib, f"lif_backward_{_DTYPES[h.dtype]}")
    run(_ptr(h), _ptr(gs), _ptr(gvl), _ptr(g), _ptr(gv0), h.shape[0], gv0.numel(), a, v_th,
        v_reset or 0.0, int(v_reset is None), int(detach_reset), _KINDS[type(surrogate)],
        surrogate.alpha, _second_constant(surrogate), scale)
    return g, gv0
