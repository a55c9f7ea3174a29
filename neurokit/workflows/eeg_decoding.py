"""The main job's M/EEG step: decode imagined left vs right hand movements from EEG files.

A simulated motor-imagery subject (contralateral mu/beta desynchronisation over C3/C4, three
runs written as real FIF files) goes through the same calls a lab makes on its own recordings:
:func:`neurokit.io.read_eeg` → :func:`neurokit.preprocess.filter_signal` (8–30 Hz) →
:func:`neurokit.preprocess.epoch` (0.5–3.5 s after each cue) →
:func:`neurokit.decoding.cross_validate` with leave-one-run-out folds, for an OAS covariance +
tangent-space + logistic-regression decoder and a minimum-distance-to-mean decoder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.plotting._figure import pyplot

#: band-pass (Hz) and epoch window after the cue (s)
MI_BAND = (8.0, 30.0)
MI_WINDOW = (0.5, 3.5)


def decode_motor_imagery(out: str | os.PathLike, *, n_trials_per_class: int = 20,
                         seed: int = 0) -> tuple[dict[str, Any], Any]:
    """Simulate, read, epoch and decode motor imagery; return the summary and a figure.

    Parameters
    ----------
    out : str or os.PathLike
        Folder of the simulated EEG files (created).
    n_trials_per_class : int, default 20
        Imagery trials per class over the three runs.
    seed : int, default 0
        Seed of the simulation and of the folds.

    Returns
    -------
    summary : dict
        Accuracy per decoder (mean over the held-out runs), chance, trials, files.
    figure : matplotlib.figure.Figure
        Held-out accuracy per run and decoder, and the tangent-space decoder's confusion matrix.

    Examples
    --------
    >>> summary, fig = decode_motor_imagery("results/data/eeg")  # doctest: +SKIP
    >>> summary["accuracy"]["tangent_space"] > summary["chance"]  # doctest: +SKIP
    True
    """
    from neurokit import datasets, io, preprocess
    from neurokit.decoding import MDMClassifier, TangentSpaceClassifier, cross_validate

    paths, _ = datasets.simulate_motor_imagery(
        out, n_trials_per_class=n_trials_per_class, n_runs=3, seed=seed)
    recordings = [preprocess.filter_signal(io.read_eeg(p), *MI_BAND) for p in paths]
    epochs = preprocess.epoch(recordings, tmin=MI_WINDOW[0], tmax=MI_WINDOW[1],
                              labels={"T1": "left", "T2": "right"})
    epochs = epochs.assign_coords(session=epochs["run"])  # runs are the held-out unit
    result = cross_validate(
        {"tangent_space": TangentSpaceClassifier(), "mdm": MDMClassifier()},
        epochs, scheme="cross_session", seed=seed)
    summary_table = result.summary()
    labels = np.unique(epochs["label"].values)
    summary = {
        "task": "left vs right hand motor imagery (simulated EEG, 3 runs)",
        "n_trials": int(epochs.sizes["trial"]),
        "n_channels": int(epochs.sizes["channel"]),
        "band_hz": list(MI_BAND),
        "window_s": list(MI_WINDOW),
        "scheme": "leave one run out",
        "chance": round(1.0 / len(labels), 3),
        "accuracy": {name: round(float(row["accuracy_mean"]), 3)
                     for name, row in summary_table.iterrows()},
        "files": [str(Path(p).name) for p in paths],
    }
    return summary, _figure(result, labels)


def _figure(result: Any, labels: np.ndarray) -> Any:
    plt = pyplot()
    fig, (ax_acc, ax_cm) = plt.subplots(1, 2, figsize=(8.5, 3.4))
    scores = result.scores
    for name, rows in scores.groupby("pipeline", sort=False):
        ax_acc.plot(rows["session"].astype(str), rows["accuracy"], "o-", label=name)
    ax_acc.axhline(1.0 / len(labels), color="0.5", ls="--", lw=1, label="chance")
    ax_acc.set(xlabel="held-out run", ylabel="accuracy", ylim=(0, 1.05),
               title="motor imagery, leave one run out")
    ax_acc.legend(frameon=False, fontsize=8)
    cm = result.confusion_matrices().sel(pipeline="tangent_space")
    ax_cm.imshow(cm.values, cmap="Blues")
    for (i, j), v in np.ndenumerate(cm.values):
        ax_cm.text(j, i, int(v), ha="center", va="center")
    ax_cm.set(xticks=range(len(labels)), yticks=range(len(labels)), xticklabels=labels,
              yticklabels=labels, xlabel="predicted", ylabel="true",
              title="tangent space: confusion")
    fig.tight_layout()
    return fig
