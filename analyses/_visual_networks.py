"""The two networks both visual-cortex analyses compare: a spiking SEW-ResNet from the SNN
engine and its matched non-spiking twin, trained briefly through the core on the bundled
digits (the only image set available offline), or left untrained."""

from pathlib import Path

import lightning as L
import numpy as np
import torch
import xarray as xr

from neurokit.core import Classifier, SpikingClassifier, XarrayDataModule, fit
from neurokit.core.sources import load_digits
from neurokit.snn.ann_twin import ann_twin

INPUT_SIDE = 16  # images (digits and stimuli) are presented at INPUT_SIDE x INPUT_SIDE
TIME_STEPS = 4  # T of the spiking network; the stateless twin needs only one step
LEARNING_RATE = 1e-2
ARCHITECTURE = {"layers": (1, 1, 1), "widths": (8, 16, 32), "stem": "small", "connect": "ADD"}
LAYERS = ["stem", "stages.0", "stages.1", "stages.2", "head.0"]  # input -> output


def to_network_input(images: np.ndarray, side: int = INPUT_SIDE) -> np.ndarray:
    """(n, y, x) grey images in [0, 1] -> (n, 1, side, side), area-averaged resize."""
    x = torch.as_tensor(images, dtype=torch.float32)[:, None]
    return torch.nn.functional.interpolate(x, size=(side, side), mode="bilinear",
                                           antialias=True, align_corners=False).numpy()


class _StaticInput(torch.nn.Module):
    """Classifier wrapper of the twin: ``[B, C, H, W]`` -> one step ``[1, B, ...]`` ->
    logits ``[B, classes]`` (a stateless network needs one step)."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.unsqueeze(0)).mean(0)


def build_networks(epochs: int, seed: int, run_dir: Path) -> tuple[dict, str, dict]:
    """The SNN and its twin, trained ``epochs`` epochs on the digits (0: untrained).

    Returns ``{"SNN": (net, time_steps), "CNN": (net, 1)}``, a sentence saying what they were
    trained on, and their validation accuracies.
    """
    kwargs = {"in_channels": 1, "n_outputs": 10, **ARCHITECTURE}
    L.seed_everything(seed, verbose=False)
    snn_module = SpikingClassifier("sew_resnet", kwargs, time_steps=TIME_STEPS,
                                   lr=LEARNING_RATE)
    twin = ann_twin(snn_module.net, reinitialize=epochs > 0, seed=seed)
    accuracy = {"SNN": None, "CNN": None}
    if epochs > 0:
        digits = load_digits(channel_axis=True)
        images = to_network_input(digits.values[:, 0])
        data = xr.DataArray(images, dims=("trial", "channel", "y", "x"),
                            coords={"label": ("trial", digits["label"].values)})
        for name, module in (("SNN", snn_module), ("CNN", Classifier(_StaticInput(twin),
                                                                     lr=LEARNING_RATE))):
            dm = XarrayDataModule.from_dataarray(data, batch_size=64, val_fraction=0.2,
                                                 seed=seed)
            res = fit(module, dm, run_dir=run_dir, name=name.lower(), max_epochs=epochs,
                      seed=seed, deterministic=False, enable_progress_bar=False)
            accuracy[name] = round(res.metrics["val/accuracy"], 4)
        text = (f"trained {epochs} epoch(s) on scikit-learn 8x8 digits (upsampled to "
                f"{INPUT_SIDE}x{INPUT_SIDE}; val acc SNN {accuracy['SNN']:.2f}, "
                f"CNN {accuracy['CNN']:.2f}), seed {seed}")
    else:
        text = f"untrained (random weights, seed {seed}; the CNN shares the SNN's weights)"
    nets = {"SNN": (snn_module.net.eval(), TIME_STEPS), "CNN": (twin.eval(), 1)}
    return nets, text, accuracy
