"""The main job's SNN step: a spiking network decodes the stimulus from recorded spike trains.

Spike counts of the simulated ecephys session, cut into trials after stimulus onset
(``("trial", "time", "unit")``, 20 ms bins), are fed time step by time step to a spiking
network (two LIF layers with learnable synaptic delays and a leaky readout, the registry's
``delay_snn``) trained through the Lightning core with a trial-wise split; the validation
accuracy is compared with chance.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from neurokit.plotting._figure import pyplot

#: bin width of the decoder's input (s) and the window after stimulus onset (s)
DECODER_BIN = 0.02
DECODER_WINDOW = (0.0, 1.0)


def decode_condition_with_snn(
    trials: xr.DataArray, run_dir: str | os.PathLike, *, max_epochs: int = 20, seed: int = 0,
) -> tuple[dict[str, Any], Any]:
    """Train a spiking decoder of the trial condition; return its summary and figure.

    Parameters
    ----------
    trials : xarray.DataArray
        Spike counts ``("trial", "time", "unit")`` with a ``condition`` coordinate on trial.
    run_dir : str or os.PathLike
        Folder of the training run (config, CSV log, checkpoints).
    max_epochs : int
        Training epochs.
    seed : int
        Seed of the split, the initialisation and the training order.

    Returns
    -------
    summary : dict
        Validation accuracy, chance level, epochs, the run folder.
    figure : matplotlib.figure.Figure
        Validation accuracy per epoch and the validation confusion matrix.

    Examples
    --------
    >>> summary, fig = decode_condition_with_snn(trials, "results/runs")  # doctest: +SKIP
    """
    import torch

    from neurokit.core import SpikingClassifier, XarrayDataModule, fit

    data_array = trials.transpose("trial", "time", "unit").astype(np.float32)
    data = XarrayDataModule.from_dataarray(data_array, label="condition", batch_size=16,
                                           val_fraction=0.25, seed=seed)
    n_classes = int(np.unique(data_array["condition"].values).size)
    model = SpikingClassifier(
        network="delay_snn",
        network_kwargs={"n_inputs": data_array.sizes["unit"], "n_hidden": 64,
                        "n_outputs": n_classes, "n_layers": 1, "max_delay": 5, "tau": 2.0,
                        "dropout": 0.1},
        encoder="sequence", lr=0.005,
    )
    result = fit(model, data, run_dir=run_dir, name="snn_decoder", max_epochs=max_epochs,
                 seed=seed)

    model.eval()
    truth, predicted = [], []
    with torch.no_grad():
        for x, y in data.val_dataloader():
            predicted.append(model.scores(model(x)).argmax(-1))
            truth.append(y)
    y_true, y_pred = torch.cat(truth).numpy(), torch.cat(predicted).numpy()
    confusion = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(confusion, (y_true, y_pred), 1)

    log = _epoch_log(Path(result.run_dir) / "metrics.csv")
    fig, (ax_curve, ax_conf) = pyplot().subplots(1, 2, figsize=(9, 3.5), layout="constrained")
    ax_curve.plot(log.index, log["val/accuracy"], marker="o", label="validation")
    ax_curve.axhline(1.0 / n_classes, color="grey", ls="--", label="chance")
    ax_curve.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.05),
                 title="spiking decoder of the stimulus condition")
    ax_curve.legend(loc="lower right")
    image = ax_conf.imshow(confusion, cmap="Blues")
    ax_conf.set(xlabel="decoded condition", ylabel="true condition",
                title="validation trials", xticks=range(n_classes), yticks=range(n_classes))
    fig.colorbar(image, ax=ax_conf, label="trials")

    summary = {
        "network": "delay_snn (1 LIF layer of 64 with learnable delays, leaky readout)",
        "input": f"spike counts in {DECODER_BIN * 1e3:.0f} ms bins, "
                 f"{DECODER_WINDOW[0]}-{DECODER_WINDOW[1]} s after stimulus onset",
        "n_trials_train": len(data.split_indices_["train"]),
        "n_trials_val": len(data.split_indices_["val"]),
        "val_accuracy": float(np.mean(y_true == y_pred)),
        "chance": 1.0 / n_classes,
        "epochs": max_epochs,
        "run_dir": str(result.run_dir),
    }
    return summary, fig


def _epoch_log(path: Path) -> Any:
    import pandas as pd

    return pd.read_csv(path).groupby("epoch").mean(numeric_only=True)
