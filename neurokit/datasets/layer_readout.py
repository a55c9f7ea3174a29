r"""Ground truth for layer-to-area analyses: simulated "cortical areas" that are noisy linear
readouts of chosen layers of a fixed random network.

A layer x region analysis (RSA, CKA, encoding scores over the layers of a network) run on these
data must pick, for each area, the layer it was built from, and its noise ceilings must follow
the injected trial noise.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit.errors import ConfigError, MissingDataError
from neurokit.validation import validate

__all__ = ["simulate_layer_readout", "readout_network"]

#: default simulated areas: area -> layer of :func:`readout_network` it reads out
DEFAULT_AREAS: dict[str, str] = {"V1": "layer1", "IT": "layer3"}


def readout_network(seed: int = 0, *, in_channels: int = 3, image_size: int = 16,
                    widths: tuple[int, int, int] = (8, 16, 32), n_hidden: int = 64) -> Any:
    """The fixed random CNN of :func:`simulate_layer_readout` (non-spiking, eval mode).

    ``layer1..layer3``: 3x3 convolution (padding 1), ReLU and 2x2 max-pool each; ``layer4``:
    flatten, linear to ``n_hidden`` units and ReLU. Weights are
    drawn from ``numpy.random.default_rng(seed)`` (He-normal, biases N(0, 0.1²)), so the same
    seed gives the same network without touching torch's global generator.

    Parameters
    ----------
    seed : int
        Seed of the weights.
    in_channels : int
        Image channels.
    image_size : int
        Side of the square input images (a multiple of 8).
    widths : tuple of int
        Channels of the three convolutional blocks.
    n_hidden : int
        Units of ``layer4``.

    Returns
    -------
    torch.nn.Sequential
        Modules named ``layer1``, ``layer2``, ``layer3``, ``layer4``; input ``[B, C, H, W]``.

    Examples
    --------
    >>> import torch
    >>> net = readout_network(0)
    >>> net(torch.zeros(2, 3, 16, 16)).shape
    torch.Size([2, 64])
    >>> [name for name, _ in net.named_children()]
    ['layer1', 'layer2', 'layer3', 'layer4']
    """
    from neurokit._optional import soft_import

    torch = soft_import("torch", "the random network of the layer-readout simulator")
    nn = torch.nn
    blocks: OrderedDict[str, Any] = OrderedDict()
    c_prev = int(in_channels)
    for i, width in enumerate(widths, start=1):
        blocks[f"layer{i}"] = nn.Sequential(nn.Conv2d(c_prev, int(width), 3, padding=1,
                                                      device="meta"),
                                            nn.ReLU(), nn.MaxPool2d(2))
        c_prev = int(width)
    if image_size < 8 or image_size % 8:
        raise ConfigError("the network pools three times", field="image_size",
                          expected="a multiple of 8", found=repr(image_size))
    n_flat = c_prev * (image_size // 8) ** 2
    blocks["layer4"] = nn.Sequential(nn.Flatten(1), nn.Linear(n_flat, int(n_hidden), device="meta"),
                                     nn.ReLU())
    # built on the meta device (torch's default init would draw from its global generator),
    # then every parameter is drawn from the seeded numpy generator
    net = nn.Sequential(blocks).to_empty(device="cpu")
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                _he_init(module, rng, torch)
    return net.eval()


def _he_init(module: Any, rng: np.random.Generator, torch: Any) -> None:
    weight = module.weight
    fan_in = int(np.prod(weight.shape[1:]))
    values = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=tuple(weight.shape))
    weight.copy_(torch.as_tensor(values, dtype=weight.dtype))
    if module.bias is not None:
        module.bias.copy_(torch.as_tensor(rng.normal(0.0, 0.1, size=tuple(module.bias.shape)),
                                          dtype=module.bias.dtype))


def _smooth_images(n: int, channels: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Random images in [0, 1]: white noise blurred at a random scale per image (so spatial
    frequency content varies across stimuli), min-max scaled per image."""
    from scipy.ndimage import gaussian_filter

    images = np.empty((n, channels, size, size))
    sigmas = rng.uniform(0.5, max(size / 6.0, 1.0), size=n)
    noise = rng.standard_normal((n, channels, size, size))
    for i in range(n):
        img = gaussian_filter(noise[i], sigma=(0.0, sigmas[i], sigmas[i]), mode="wrap")
        img -= img.min()
        images[i] = img / max(img.max(), 1e-12)
    return images


def simulate_layer_readout(
    n_stimuli: int = 60,
    image_size: int = 16,
    areas: Mapping[str, str] | None = None,
    n_neuroids: int = 40,
    n_repetitions: int = 4,
    noise: float = 0.5,
    sparsity: float = 0.0,
    n_channels: int = 3,
    seed: int = 0,
    network: Any = None,
    time_steps: int | None = None,
) -> tuple[xr.Dataset, Any]:
    r"""Simulate areas that are noisy linear readouts of chosen layers of a fixed network.

    For each area :math:`a` reading layer :math:`\ell(a)`:

    1. the layer's activations :math:`X` (stimulus x feature, from
       :func:`neurokit.similarity.activations.extract_activations`, flattened, as they are,
       neither centred nor scaled);
    2. each neuroid :math:`n` gets Gaussian weights :math:`w_n \sim N(0, I)` (with
       ``sparsity`` > 0 only a random ``ceil((1 - sparsity) F)`` of them non-zero), and its
       noise-free response is :math:`s_n = c_a X w_n`, one scale :math:`c_a` per area making
       the signal variance over stimuli 1 on average over the area's neuroids. In expectation
       over the weights :math:`E\lVert s(i) - s(j)\rVert^2 \propto \lVert x_i - x_j\rVert^2`
       and :math:`E\langle s(i), s(j)\rangle \propto \langle x_i, x_j\rangle`: the area
       has the layer's representational geometry, up to the random-projection error of
       ``n_neuroids`` readouts;
    3. trial ``r`` adds independent noise: :math:`y_{r,n} = s_n + \sigma\,\varepsilon_{r,n}`,
       :math:`\varepsilon \sim N(0, 1)`, with :math:`\sigma` = ``noise``.

    The single-trial signal-to-noise ratio (variance, averaged over neuroids) is therefore
    :math:`1/\sigma^2`, and the
    expected correlation between the means of two disjoint halves of ``R`` repetitions is
    :math:`\rho_{half} = 1 / (1 + 2\sigma^2/R)` (Spearman-Brown-corrected split-half
    reliability :math:`2\rho_{half}/(1+\rho_{half}) = 1/(1 + \sigma^2/R)`) for a neuroid of
    unit signal variance, up to finite-sample error.

    Parameters
    ----------
    n_stimuli : int
        Number of random images (>= 3).
    image_size : int
        Side of the square images in pixels (a multiple of 8 for the default network).
    areas : mapping of str to str, optional
        Area name -> layer name (``network.named_modules()``) it reads out; default
        :data:`DEFAULT_AREAS` (``{"V1": "layer1", "IT": "layer3"}``).
    n_neuroids : int
        Neuroids per area.
    n_repetitions : int
        Trials per stimulus (>= 2 for split-half reliabilities).
    noise : float
        Trial-noise standard deviation :math:`\sigma` >= 0, in units of the signal's standard
        deviation.
    sparsity : float
        Fraction of zero readout weights per neuroid, in [0, 1).
    n_channels : int
        Image channels.
    seed : int
        Seed of everything random: images, default network, readout weights and noise.
    network : torch.nn.Module, optional
        Network to read out instead of :func:`readout_network` ``(seed)`` (taking
        ``[B, n_channels, image_size, image_size]``, or ``[T, B, ...]`` with ``time_steps``);
        it is not changed.
    time_steps : int, optional
        Passed to ``extract_activations`` (for a spiking ``network``).

    Returns
    -------
    data : xarray.Dataset
        ``responses`` (``repetition``, ``stimulus``, ``neuroid``): the noisy trials;
        ``signal`` (``stimulus``, ``neuroid``): the noise-free responses;
        ``images`` (``stimulus``, ``channel``, ``y``, ``x``): the stimuli, in [0, 1].
        Coordinates ``stimulus`` (0..n-1), ``repetition``, ``neuroid`` (0..), and on
        ``neuroid``: ``area`` and ``layer`` (the layer it reads out). attrs ``noise``
        (:math:`\sigma`), ``snr`` (:math:`1/\sigma^2`, ``inf`` without noise is stored as
        ``-1``), ``sparsity``, ``seed``, ``readout`` (e.g. ``"V1<-layer1; IT<-layer3"``),
        ``description``.
    network : torch.nn.Module
        The network whose layers were read out (in eval mode), for
        :func:`~neurokit.similarity.activations.extract_activations` on ``data["images"]``.

    Raises
    ------
    ConfigError
        Out-of-range sizes, noise or sparsity.
    MissingDataError
        An area naming a layer the network does not have.

    Examples
    --------
    >>> data, net = simulate_layer_readout(n_stimuli=12, n_neuroids=5, seed=1)
    >>> data["responses"].dims, data["responses"].shape
    (('repetition', 'stimulus', 'neuroid'), (4, 12, 10))
    >>> sorted(set(data["area"].values.tolist())), data.attrs["readout"]
    (['IT', 'V1'], 'V1<-layer1; IT<-layer3')
    """
    from neurokit.similarity.activations import extract_activations

    areas = dict(DEFAULT_AREAS if areas is None else areas)
    for field, value, low in (("n_stimuli", n_stimuli, 3), ("image_size", image_size, 1),
                              ("n_neuroids", n_neuroids, 1), ("n_repetitions", n_repetitions, 1),
                              ("n_channels", n_channels, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ConfigError(f"bad {field}", field=field, expected=f"an int >= {low}",
                              found=repr(value))
    if not (np.isfinite(noise) and noise >= 0):
        raise ConfigError("bad noise level", field="noise", expected="a finite number >= 0",
                          found=repr(noise))
    if not 0.0 <= sparsity < 1.0:
        raise ConfigError("bad sparsity", field="sparsity", expected="0 <= sparsity < 1",
                          found=repr(sparsity))
    if not areas:
        raise ConfigError("no area to simulate", field="areas",
                          expected="a mapping area -> layer name", found="{}")
    if network is None and image_size % 8:
        raise ConfigError("the default network pools three times", field="image_size",
                          expected="a multiple of 8", found=repr(image_size))

    rng = np.random.default_rng(seed)
    images = _smooth_images(n_stimuli, n_channels, image_size, rng)
    if network is None:
        network = readout_network(int(rng.integers(2**32)), in_channels=n_channels,
                                  image_size=image_size)
    available = dict(network.named_modules())
    for area, layer in areas.items():
        if layer not in available:
            raise MissingDataError(f"area {area!r} reads a layer the network does not have",
                                   field="areas", expected="names from named_modules(), e.g. "
                                   + ", ".join(n for n in list(available)[1:9]),
                                   found=repr(layer))
    layers = list(dict.fromkeys(areas.values()))
    acts = extract_activations(network, images, layers, time_steps=time_steps, progress=False)

    signal, area_of, layer_of = [], [], []
    for area, layer in areas.items():
        z = acts[layer].values
        n_features = z.shape[1]
        weights = rng.standard_normal((n_features, n_neuroids))
        if sparsity > 0:
            n_keep = int(np.ceil((1.0 - sparsity) * n_features))
            mask = np.zeros_like(weights, dtype=bool)
            for j in range(n_neuroids):
                mask[rng.choice(n_features, n_keep, replace=False), j] = True
            weights = weights * mask
        s = z @ weights
        s = s / max(float(np.sqrt(np.mean(s.var(axis=0)))), 1e-300)
        signal.append(s)
        area_of += [area] * n_neuroids
        layer_of += [layer] * n_neuroids
    signal_arr = np.concatenate(signal, axis=1)
    trials = signal_arr[None] + noise * rng.standard_normal((n_repetitions, *signal_arr.shape))

    n_total = signal_arr.shape[1]
    readout = "; ".join(f"{area}<-{layer}" for area, layer in areas.items())
    data = xr.Dataset(
        {
            "responses": (("repetition", cv.STIMULUS, cv.NEUROID), trials,
                          {cv.UNITS_ATTR: cv.ARBITRARY}),
            "signal": ((cv.STIMULUS, cv.NEUROID), signal_arr, {cv.UNITS_ATTR: cv.ARBITRARY}),
            "images": ((cv.STIMULUS, "channel", "y", "x"), images,
                       {cv.UNITS_ATTR: "intensity in [0, 1]"}),
        },
        coords={
            "repetition": np.arange(n_repetitions),
            cv.STIMULUS: np.arange(n_stimuli),
            cv.NEUROID: np.arange(n_total),
            "channel": np.arange(n_channels),
            "y": np.arange(image_size),
            "x": np.arange(image_size),
            "area": (cv.NEUROID, np.asarray(area_of)),
            "layer": (cv.NEUROID, np.asarray(layer_of)),
        },
        attrs={
            "noise": float(noise),
            "snr": float(1.0 / noise**2) if noise > 0 else -1.0,
            "sparsity": float(sparsity),
            "seed": int(seed),
            "readout": readout,
            "description": "responses = random linear readout of one network layer per area, "
                           "scaled to mean signal variance 1, + N(0, noise^2) trial noise; "
                           "snr = 1/noise^2 per trial (-1: no noise)",
        },
    )
    return validate(data), network
