r"""Gaussian-process priors over time, diagonal in a pruned real Fourier basis.

The maths of the Fourier-domain GP prior of MM-GPVAE (Gondur et al., ICLR 2024), which takes it
from Aoi & Pillow's "automatic smoothness determination" in the Fourier domain:

* the ``T`` time bins of a trial are embedded in a circular grid of ``N >= T`` points (zero
  padding, ``N`` odd here so there is no Nyquist term) so that a stationary kernel becomes a
  circulant matrix, diagonalised by the real discrete Fourier basis;
* the real orthonormal basis ``B`` (``K x T``, rows orthonormal on the ``N`` grid, restricted to
  the first ``T`` points) holds a DC row ``1/sqrt(N)``, cosine rows
  ``sqrt(2/N) cos(w_k t)`` and sine rows ``sqrt(2/N) sin(w_k t)`` with ``w_k = 2 pi k / N``
  for ``k = 1..k_max``; latents are ``x = B^T z`` with independent Fourier coefficients ``z``;
* the prior variance of coefficient ``k`` is the squared-exponential (SE/RBF) kernel's spectral
  density ``S(w) = rho * sqrt(2 pi) * l * exp(-w^2 l^2 / 2)`` (``l`` in bins, ``w`` in radians
  per bin) plus a small white-noise floor ``eps`` (as GPFA's ``eps``), so the time-domain prior
  covariance ``B^T diag(S) B`` is the SE kernel ``rho * exp(-(t-t')^2 / (2 l^2))`` up to the
  circular approximation;
* frequencies with ``S(w_k) / S(0) < 1 / condthresh`` for the *shortest* allowed length-scale
  are pruned: ``k_max = floor(N / (pi l_min) * sqrt(log(condthresh) / 2))``, so ``K`` grows
  like ``T / l_min``.

Every transform below runs through ``torch.fft`` on the ``N`` grid: ``O(N log N)`` per latent
and trial, never a ``T x T`` matrix. :meth:`FourierBasis.matrix` gives the dense ``B`` for
tests.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from neurokit.errors import ConfigError

__all__ = ["FourierBasis", "se_spectral_density", "gaussian_kl", "circular_size", "max_frequency"]


def _smooth_odd(n: int) -> bool:
    for p in (3, 5, 7):
        while n % p == 0:
            n //= p
    return n == 1


def circular_size(n_time: int, padding: float) -> int:
    """Circular grid size: the smallest odd ``N >= n_time * (1 + padding)`` whose prime factors
    are 3, 5 and 7 only (fast FFT lengths; odd, so there is no Nyquist term).

    Examples
    --------
    >>> circular_size(50, 0.5)
    75
    >>> circular_size(10, 0.0)
    15
    >>> circular_size(1000, 0.5)
    1575
    """
    if int(n_time) < 2:
        raise ConfigError("too few time bins for a GP prior", field="n_time",
                          expected=">= 2", found=repr(n_time))
    if not (math.isfinite(padding) and padding >= 0):
        raise ConfigError("bad padding", field="padding", expected="a number >= 0",
                          found=repr(padding))
    n = int(math.ceil(int(n_time) * (1.0 + float(padding))))
    n += 1 - n % 2
    while not _smooth_odd(n):
        n += 2
    return n


def max_frequency(n_circ: int, min_lengthscale: float, condthresh: float = 1e8) -> int:
    """Highest kept frequency index for length-scales ``>= min_lengthscale`` (bins).

    Examples
    --------
    >>> max_frequency(75, 2.0)
    36
    """
    if not (min_lengthscale > 0 and condthresh > 1):
        raise ConfigError("bad frequency cut-off", field="min_lengthscale",
                          expected="min_lengthscale > 0 and condthresh > 1",
                          found=f"{min_lengthscale}, {condthresh}")
    kmax = math.floor(n_circ / (math.pi * min_lengthscale) * math.sqrt(0.5 * math.log(condthresh)))
    return int(max(1, min(kmax, (n_circ - 1) // 2)))


def se_spectral_density(omega: torch.Tensor, lengthscale: torch.Tensor,
                        variance: float = 1.0) -> torch.Tensor:
    r"""Spectral density of the SE kernel ``variance * exp(-tau^2 / (2 l^2))``.

    .. math:: S(\omega) = \sigma^2 \sqrt{2\pi}\, \ell\, e^{-\omega^2 \ell^2 / 2}

    Parameters
    ----------
    omega : Tensor, shape (K,)
        Angular frequencies (radians per bin).
    lengthscale : Tensor, shape (d,)
        Length-scales (bins).
    variance : float, default 1.0

    Returns
    -------
    Tensor, shape (K, d)

    Examples
    --------
    >>> s = se_spectral_density(torch.tensor([0.0]), torch.tensor([2.0]))
    >>> round(float(s), 4)  # sqrt(2 pi) * 2
    5.0133
    """
    lengthscale = lengthscale.reshape(1, -1)
    omega = omega.reshape(-1, 1).to(lengthscale)
    return variance * math.sqrt(2 * math.pi) * lengthscale * torch.exp(
        -0.5 * (omega * lengthscale) ** 2)


def gaussian_kl(mean: torch.Tensor, var: torch.Tensor, prior_var: torch.Tensor) -> torch.Tensor:
    r"""Elementwise ``KL(N(mean, var) || N(0, prior_var))``, exact.

    .. math:: \mathrm{KL} = \tfrac12\Big(\log\frac{c}{s^2} + \frac{m^2 + s^2}{c} - 1\Big)

    This is the correct form. The public MM-GPVAE code evaluates the prior term at
    ``(m + s)`` (``gp_nll(K, z_m + exp(z_s))``), i.e. uses ``(m + s)^2 / c`` where
    ``(m^2 + s^2) / c`` is right; the two differ by ``2 m s / c``.

    Examples
    --------
    >>> float(gaussian_kl(torch.tensor(0.0), torch.tensor(1.0), torch.tensor(1.0)))
    0.0
    >>> round(float(gaussian_kl(torch.tensor(1.0), torch.tensor(1.0), torch.tensor(1.0))), 3)
    0.5
    """
    return 0.5 * (torch.log(prior_var) - torch.log(var) + (mean ** 2 + var) / prior_var - 1.0)


class FourierBasis(nn.Module):
    """The pruned real Fourier basis of ``n_time`` bins on an ``n_circ``-point circle.

    Coefficients are ordered ``[cos_0, cos_1..cos_kmax, sin_1..sin_kmax]`` (``K = 2 kmax + 1``)
    and live on dim 1 of ``(batch, K, d)`` tensors; time-domain tensors are
    ``(batch, n_time, d)``.

    Parameters
    ----------
    n_time : int
        Time bins per trial ``T``.
    n_circ : int
        Odd circular grid size ``N >= T``.
    kmax : int
        Highest kept frequency index, ``1 <= kmax <= (N - 1) / 2``.

    Examples
    --------
    >>> fb = FourierBasis(20, 31, 6)
    >>> B = fb.matrix()
    >>> tuple(B.shape)
    (13, 20)
    >>> z = torch.randn(2, 13, 3, dtype=torch.float64)
    >>> bool(torch.allclose(fb.to_time(z), torch.einsum("kt,bkd->btd", B, z)))
    True
    """

    def __init__(self, n_time: int, n_circ: int, kmax: int) -> None:
        super().__init__()
        if n_circ % 2 == 0 or n_circ < n_time or not 1 <= kmax <= (n_circ - 1) // 2:
            raise ConfigError("bad Fourier grid", field="n_circ",
                              expected="odd n_circ >= n_time and 1 <= kmax <= (n_circ-1)/2",
                              found=f"n_time={n_time}, n_circ={n_circ}, kmax={kmax}")
        self.n_time, self.n_circ, self.kmax = int(n_time), int(n_circ), int(kmax)
        k = torch.arange(1, kmax + 1)
        # index of frequency 2k folded into [0, N/2] (cos(2 pi j t / N) = cos(2 pi (N-j) t / N))
        double = 2 * k
        self.register_buffer("_fold", torch.where(double <= n_circ // 2, double, n_circ - double),
                             persistent=False)
        freq = torch.cat([torch.arange(kmax + 1), k]).double()
        self.register_buffer("omega", 2 * math.pi * freq / n_circ, persistent=False)

    @property
    def n_coef(self) -> int:
        """Number of coefficients ``K = 2 kmax + 1``."""
        return 2 * self.kmax + 1

    # -- dense reference (tests, tiny problems) -------------------------------------------
    def matrix(self, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        """The dense basis ``B``, shape ``(K, T)``."""
        t = torch.arange(self.n_time, dtype=dtype)
        k = torch.arange(1, self.kmax + 1, dtype=dtype)[:, None]
        arg = 2 * math.pi * k * t / self.n_circ
        scale = math.sqrt(2.0 / self.n_circ)
        dc = torch.full((1, self.n_time), 1.0 / math.sqrt(self.n_circ), dtype=dtype)
        return torch.cat([dc, scale * torch.cos(arg), scale * torch.sin(arg)])

    # -- FFT transforms -------------------------------------------------------------------
    # FFTs run over the last, contiguous axis: tensors are transposed to (b, d, ...) first.
    def to_time(self, z: torch.Tensor) -> torch.Tensor:
        """``x = B^T z``: coefficients ``(b, K, d)`` -> time ``(b, T, d)``, by inverse FFT."""
        n, kmax = self.n_circ, self.kmax
        zt = z.transpose(1, 2)
        spec = torch.complex(torch.cat([math.sqrt(2.0) * zt[..., :1], zt[..., 1:kmax + 1]], -1),
                             -F.pad(zt[..., kmax + 1:], (1, 0)))
        # irfft zero-pads the one-sided spectrum from kmax + 1 to n // 2 + 1 entries
        x = torch.fft.irfft(math.sqrt(n / 2) * spec, n=n, dim=-1)[..., :self.n_time]
        return x.transpose(1, 2)

    def from_time(self, x: torch.Tensor) -> torch.Tensor:
        """``z = B x`` (the adjoint of :meth:`to_time`): time ``(b, T, d)`` -> ``(b, K, d)``."""
        n, kmax = self.n_circ, self.kmax
        spec = torch.fft.rfft(x.transpose(1, 2), n=n, dim=-1)[..., :kmax + 1]
        scale = math.sqrt(2.0 / n)
        out = torch.cat([spec[..., :1].real / math.sqrt(n), scale * spec[..., 1:].real,
                         -scale * spec[..., 1:].imag], dim=-1)
        return out.transpose(1, 2)

    def var_to_time(self, v: torch.Tensor) -> torch.Tensor:
        """Marginal time-domain variances ``sum_k B_kt^2 v_k`` of independent coefficients.

        Uses ``cos^2 = (1 + cos 2a) / 2`` and ``sin^2 = (1 - cos 2a) / 2``: a cosine series at
        the doubled (folded) frequencies, summed by one inverse FFT.
        """
        n, kmax = self.n_circ, self.kmax
        vt = v.transpose(1, 2)
        v0, va, vb = vt[..., :1], vt[..., 1:kmax + 1], vt[..., kmax + 1:]
        spec = torch.zeros(*vt.shape[:2], n // 2 + 1, dtype=v.dtype, device=v.device)
        spec = spec.index_add(-1, self._fold, 0.5 * (va - vb))
        spec = torch.cat([v0 + (va + vb).sum(-1, keepdim=True), spec[..., 1:]], dim=-1)
        x = torch.fft.irfft(torch.complex(spec, torch.zeros_like(spec)), n=n, dim=-1)
        return x[..., :self.n_time].transpose(1, 2)

    def weights_to_fourier(self, p: torch.Tensor) -> torch.Tensor:
        """``sum_t B_kt^2 p_t`` (adjoint of :meth:`var_to_time`): ``(b, T, d)`` -> ``(b, K, d)``.

        With ``p_t`` time-domain precisions this is the diagonal of ``B diag(p) B^T``.
        """
        n = self.n_circ
        spec = torch.fft.rfft(p.transpose(1, 2), n=n, dim=-1).real
        total = spec[..., :1]
        folded = spec.index_select(-1, self._fold)
        return (torch.cat([total, total + folded, total - folded], dim=-1) / n).transpose(1, 2)
