# %% [markdown]
# # Motor imagery from EDF files in a few lines
#
# Left- versus right-hand motor imagery, decoded from EDF files the way a lab would decode
# its own recordings:
#
# 1. three EDF runs of simulated motor-imagery EEG (`simulate_motor_imagery(fmt="edf")`: 22
#    sensorimotor channels at 160 Hz, events `T1` = left hand, `T2` = right hand as in
#    PhysioNet EEGMMIDB; the imagined hand lowers the mu/beta rhythm over the opposite
#    hemisphere, C4 for the left hand and C3 for the right);
# 2. `read_eeg` (EDF stores no positions: the 10-05 template montage supplies them),
#    `filter_signal` (8-30 Hz, zero-phase Butterworth) and `epoch` (0.5-3.5 s after the cue);
# 3. two decoders on the *same* folds through `cross_validate`: Riemannian tangent space +
#    logistic regression, and EEGNet trained through neurokit's training core; within the
#    session (5-fold CV) and across runs (leave one run out);
# 4. a table of accuracies, per-fold bars and the confusion matrices.

# %% parameters
import matplotlib

matplotlib.use("Agg")

import tempfile

import matplotlib.pyplot as plt
import numpy as np
import torch
from _output import output_folder

from neurokit.datasets.motor_imagery import simulate_motor_imagery
from neurokit.decoding.cnn import EEGClassifier
from neurokit.decoding.evaluation import cross_validate
from neurokit.decoding.riemannian import TangentSpaceClassifier
from neurokit.io.mne_reader import read_eeg
from neurokit.preprocess.epochs import epoch, filter_signal

OUT = output_folder("09_motor_imagery_edf")
torch.set_num_threads(1)

# %% 1. EDF files (one per run) and 2. read, filter, epoch
with tempfile.TemporaryDirectory(prefix="neurokit_mi_edf_") as folder:
    paths, truth = simulate_motor_imagery(folder, n_trials_per_class=30, n_runs=3, fmt="edf",
                                          seed=0)
    raws = [read_eeg(p, montage="standard_1005") for p in paths]  # read into memory
recordings = [filter_signal(raw, 8.0, 30.0) for raw in raws]
epochs = epoch(recordings, tmin=0.5, tmax=3.5, labels={"T1": "left", "T2": "right"})
print(f"{[p.name for p in paths]}\n-> epochs {dict(epochs.sizes)}, runs "
      f"{sorted(set(epochs['run'].values.tolist()))}")

# %% 3. two decoders, the same folds
decoders = {
    "tangent space + LR": TangentSpaceClassifier("oas"),
    # EEGNet-8,2; lr 1e-2 (not braindecode's 1e-3): ~50 training trials give few steps
    "EEGNet": EEGClassifier("eegnet", max_epochs=30, batch_size=16, lr=1e-2, seed=0,
                            enable_progress_bar=False),
}
within = cross_validate(decoders, epochs, scheme="within_session", n_splits=5, seed=0)
by_run = epochs.assign_coords(session=("trial", epochs["run"].values))  # run = session here
cross_run = cross_validate(decoders, by_run, scheme="cross_session")

# %% 4. the table
for name, res in (("within session, 5-fold", within), ("leave one run out", cross_run)):
    print(f"\n{name}")
    print(res.summary()[["accuracy_mean", "accuracy_std", "n_folds", "fit_time_s_mean"]]
          .round(3).to_string())

# %% figure: per-fold accuracy and confusion matrices (within session)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
for k, (name, res) in enumerate((("within session", within), ("leave one run out", cross_run))):
    sc = res.scores
    for i, dec in enumerate(decoders):
        acc = sc.loc[sc["pipeline"] == dec, "accuracy"].to_numpy()
        axes[0].bar(i + 0.4 * k, acc.mean(), width=0.38, color=f"C{k}", alpha=0.5,
                    label=name if i == 0 else None)
        axes[0].plot(np.full(acc.size, i + 0.4 * k), acc, "o", color=f"C{k}", ms=3)
axes[0].axhline(0.5, color="0.4", ls="--", lw=1)
axes[0].set_xticks([0.2, 1.2], list(decoders))
axes[0].set_ylim(0, 1.05)
axes[0].set_ylabel("test accuracy (dots: folds)")
axes[0].legend(frameon=False, fontsize="small", loc="lower right")
cms = within.confusion_matrices()
for ax, dec in zip(axes[1:], decoders, strict=True):
    cm = cms.sel(pipeline=dec).values
    ax.imshow(cm, cmap="Blues", vmin=0)
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, int(v), ha="center", va="center")
    classes = [str(c) for c in cms["true"].values]
    ax.set_xticks(range(2), classes)
    ax.set_yticks(range(2), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{dec} (within session)")
fig.savefig(OUT / "motor_imagery_decoding.png", dpi=120)
