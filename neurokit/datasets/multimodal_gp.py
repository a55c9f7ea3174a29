r"""Ground truth for multi-modal latent models: spikes and images driven by shared and private
Gaussian-process latents (the MM-GPVAE setting of Gondur et al., ICLR 2024).

Per trial, three independent blocks of latents are drawn over ``T`` time bins from GP priors
with squared-exponential kernels of distinct length-scales:

* ``shared`` (1 latent) drives both modalities,
* ``spikes`` (``n_neural`` latents) drives only the neurons,
* ``images`` (1 latent) drives only the images.

Neurons are Poisson with log-linear rates, ``log lambda_t = log r + C_s s_t + C_n n_t``.
Images are one scikit-learn ``load_digits`` digit (8x8) drawn on a larger canvas, rotated by an
angle proportional to the shared latent and scaled by ``exp(gain * image latent)``, plus
Gaussian pixel noise, so the image sequence turns and zooms smoothly over the trial.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import ConfigError
from neurokit.validation import validate

__all__ = ["simulate_multimodal_gp", "sample_se_gp"]


def sample_se_gp(n_samples: int, n_time: int, lengthscale: float,
                 rng: np.random.Generator, jitter: float = 1e-6) -> np.ndarray:
    r"""Draws of a unit-variance GP with the SE kernel ``exp(-(t - t')^2 / (2 l^2))``.

    Parameters
    ----------
    n_samples : int
        Independent draws (e.g. trials).
    n_time : int
        Time bins ``T``.
    lengthscale : float
        Length-scale ``l`` in bins, > 0.
    rng : numpy.random.Generator
    jitter : float, default 1e-6
        Added to the diagonal before the Cholesky factorisation.

    Returns
    -------
    numpy.ndarray, shape (n_samples, n_time)

    Examples
    --------
    >>> x = sample_se_gp(2000, 5, 3.0, np.random.default_rng(0))
    >>> bool(abs(x.var() - 1) < 0.05 and np.corrcoef(x[:, 0], x[:, 1])[0, 1] > 0.9)
    True
    """
    if not (math.isfinite(lengthscale) and lengthscale > 0):
        raise ConfigError("bad GP length-scale", field="lengthscale", expected="a number > 0",
                          found=repr(lengthscale))
    t = np.arange(int(n_time), dtype=np.float64)
    k = np.exp(-0.5 * (t[:, None] - t[None, :]) ** 2 / lengthscale ** 2)
    chol = np.linalg.cholesky(k + jitter * np.eye(int(n_time)))
    return rng.standard_normal((int(n_samples), int(n_time))) @ chol.T


def _digit_template(digit: int) -> np.ndarray:
    from sklearn.datasets import load_digits

    data = load_digits()
    idx = np.flatnonzero(data.target == int(digit))
    if idx.size == 0:
        raise ConfigError("no such digit", field="digit", expected="0..9", found=repr(digit))
    return data.images[idx[0]].astype(np.float64) / 16.0


def _render(template: np.ndarray, angle: np.ndarray, scale: np.ndarray,
            image_size: int, digit_fraction: float) -> np.ndarray:
    """Frames ``(n, H, W)`` of ``template`` rotated by ``angle`` (rad) and scaled by ``scale``."""
    from scipy.ndimage import map_coordinates

    n_in = template.shape[0]
    c_out = (image_size - 1) / 2.0
    c_in = (n_in - 1) / 2.0
    # output pixel -> template coordinate: inverse rotation, inverse scaling, resampling
    factor = n_in / (digit_fraction * image_size)
    rows, cols = np.meshgrid(np.arange(image_size) - c_out, np.arange(image_size) - c_out,
                             indexing="ij")
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    s = (factor / scale)[:, None, None]
    r_in = (cos * rows + sin * cols) * s + c_in
    c_in_ = (-sin * rows + cos * cols) * s + c_in
    coords = np.stack([r_in.ravel(), c_in_.ravel()])
    frames = map_coordinates(template, coords, order=1, mode="constant", cval=0.0)
    return frames.reshape(len(angle), image_size, image_size)


def simulate_multimodal_gp(
    n_trials: int = 100,
    n_time: int = 50,
    n_neurons: int = 50,
    *,
    n_neural: int = 1,
    lengthscales: Sequence[float] = (3.0, 6.0, 10.0),
    mean_rate: float = 0.5,
    loading_scale: float = 0.5,
    image_size: int = 16,
    digit: int = 2,
    rotation_gain: float = 0.5,
    scale_gain: float = 0.15,
    pixel_noise: float = 0.1,
    bin_size: float = 0.02,
    seed: int = 0,
) -> xr.Dataset:
    r"""Poisson spike counts and images generated from known shared and private GP latents.

    Parameters
    ----------
    n_trials, n_time, n_neurons : int
        Trials, time bins per trial and neurons.
    n_neural : int, default 1
        Latents of the neural-only block.
    lengthscales : (float, float, float), default (3, 6, 10)
        SE length-scales in bins of the shared, neural-only and image-only latents (distinct
        values make the blocks identifiable through the GP prior).
    mean_rate : float, default 0.5
        Median baseline expected count per bin (spikes/bin); each neuron's baseline is
        log-normal around it (sd 0.3 in log units).
    loading_scale : float, default 0.5
        Standard deviation of the log-rate loadings ``C`` (each entry ~ N(0, scale^2)).
    image_size : int, default 16
        Side of the square frames (pixels).
    digit : int, default 2
        Which ``load_digits`` digit is drawn (its first example).
    rotation_gain : float, default 0.5
        Rotation angle in radians per unit of shared latent (``angle = gain * s_t``).
    scale_gain : float, default 0.15
        Zoom ``exp(gain * i_t)`` per unit of image-only latent.
    pixel_noise : float, default 0.1
        Standard deviation of the Gaussian pixel noise (images are in [0, 1] before noise).
    bin_size : float, default 0.02
        Seconds per time bin (sets the ``time`` coordinate and ``sampling_rate``).
    seed : int, default 0

    Returns
    -------
    xarray.Dataset
        ``spikes`` (trial, time, unit) int64 counts (``attrs["likelihood"] = "poisson"``);
        ``images`` (trial, time, pixel) float64 (``"gaussian"``, ``attrs["image_shape"]``);
        ``rates`` (trial, time, unit) true expected counts per bin; ``latents``
        (trial, time, latent) the true latents with a ``block`` coordinate on ``latent``
        (``"shared"``, ``"spikes"``, ``"images"``); ``rotation`` (rad) and ``scale``
        (trial, time); ``loadings`` (unit, latent) of the neural block and shared latent.

    Notes
    -----
    Every latent is a unit-variance GP draw, independent across latents and trials. The image
    depends on the shared latent only through the rotation angle and on the image-only latent
    only through the zoom, so a model that recovers the blocks must put rotation in its shared
    block and zoom in its image block; a single-modality model on the spikes (e.g. GPFA)
    recovers both neural latents but cannot tell which one is shared.

    Examples
    --------
    >>> ds = simulate_multimodal_gp(n_trials=3, n_time=20, n_neurons=8, image_size=12, seed=1)
    >>> dict(ds.spikes.sizes), dict(ds.images.sizes)["pixel"]
    ({'trial': 3, 'time': 20, 'unit': 8}, 144)
    >>> ds.latents.block.values.tolist()
    ['shared', 'spikes', 'images']
    """
    n_trials, n_time, n_neurons = int(n_trials), int(n_time), int(n_neurons)
    for name, value, low in (("n_trials", n_trials, 1), ("n_time", n_time, 2),
                             ("n_neurons", n_neurons, 1), ("n_neural", n_neural, 1),
                             ("image_size", image_size, 8)):
        if int(value) < low:
            raise ConfigError("too small", field=name, expected=f">= {low}", found=repr(value))
    lengthscales = tuple(float(v) for v in lengthscales)
    if len(lengthscales) != 3:
        raise ConfigError("one length-scale per block", field="lengthscales",
                          expected="(shared, neural-only, image-only)", found=repr(lengthscales))
    for name, value in (("mean_rate", mean_rate), ("bin_size", bin_size)):
        if not (math.isfinite(value) and value > 0):
            raise ConfigError("must be positive", field=name, expected="> 0", found=repr(value))
    if not (math.isfinite(pixel_noise) and pixel_noise >= 0):
        raise ConfigError("bad pixel noise", field="pixel_noise", expected=">= 0",
                          found=repr(pixel_noise))
    rng = np.random.default_rng(seed)

    shared = sample_se_gp(n_trials, n_time, lengthscales[0], rng)[..., None]
    neural = np.stack([sample_se_gp(n_trials, n_time, lengthscales[1], rng)
                       for _ in range(int(n_neural))], axis=-1)
    image = sample_se_gp(n_trials, n_time, lengthscales[2], rng)[..., None]

    # spikes: log-linear Poisson on [shared, neural-only]
    drive = np.concatenate([shared, neural], axis=-1)
    loadings = loading_scale * rng.standard_normal((n_neurons, drive.shape[-1]))
    log_base = np.log(mean_rate) + 0.3 * rng.standard_normal(n_neurons)
    rates = np.exp(log_base + drive @ loadings.T)
    spikes = rng.poisson(rates).astype(np.int64)

    # images: a digit rotated by the shared latent and zoomed by the image-only latent
    angle = rotation_gain * shared[..., 0]
    scale = np.exp(scale_gain * image[..., 0])
    frames = _render(_digit_template(digit), angle.ravel(), scale.ravel(), int(image_size),
                     digit_fraction=0.7)
    frames = frames + pixel_noise * rng.standard_normal(frames.shape)
    images = frames.reshape(n_trials, n_time, -1)

    names = (["shared_0"] + [f"spikes_{i}" for i in range(int(n_neural))] + ["images_0"])
    blocks = ["shared"] + ["spikes"] * int(n_neural) + ["images"]
    time = (np.arange(n_time) + 0.5) * float(bin_size)
    coords = {
        "trial": np.arange(n_trials), "time": time, "unit": np.arange(n_neurons),
        "pixel": np.arange(images.shape[-1]), "latent": names, "block": ("latent", blocks),
    }
    tt = (cv.TRIAL, cv.TIME)
    ds = xr.Dataset(
        {
            "spikes": (tt + ("unit",), spikes, {"units": cv.COUNTS, "likelihood": "poisson"}),
            "images": (tt + ("pixel",), images,
                       {"units": cv.ARBITRARY, "likelihood": "gaussian",
                        "image_shape": np.array([int(image_size), int(image_size)])}),
            "rates": (tt + ("unit",), rates, {"units": "spikes/bin"}),
            "latents": (tt + ("latent",), np.concatenate([shared, neural, image], -1),
                        {"units": cv.ARBITRARY}),
            "rotation": (tt, angle, {"units": "rad"}),
            "scale": (tt, scale, {"units": cv.ARBITRARY}),
            "loadings": (("unit", "drive"), loadings, {"units": "log(spikes/bin) per latent"}),
        },
        coords={**coords, "drive": names[:-1]},
        attrs={"sampling_rate": 1.0 / float(bin_size),
               "lengthscales_bins": np.array(lengthscales),
               "digit": int(digit), "seed": int(seed),
               "description": "MM-GPVAE ground truth: shared/private SE-GP latents -> Poisson "
                              "spikes and rotating/zooming digit images"},
    )
    ds["time"].attrs["units"] = cv.SECONDS
    return validate(ds)
