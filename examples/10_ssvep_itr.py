# %% [markdown]
# # SSVEP speller: FBCCA and the Guney network, accuracy and ITR versus window length
#
# A cued SSVEP speller on simulated data with a known answer (`simulate_ssvep`): 8 targets
# flickering at 8-15 Hz with distinct phases, 9 parieto-occipital channels at 250 Hz,
# broadband SNR -12 dB, 4 subjects whose latencies, phases and topographies differ.
#
# * **FBCCA** (Chen et al. 2015): training-free; canonical correlations between the
#   filter-bank sub-bands of a trial and sine/cosine references of each target frequency.
# * **Guney et al. (2021) network** with its **two-stage training**: a *global* model trained on
#   the pooled trials of every subject's training blocks, then a per-subject *fine-tuned* copy
#   initialised with the global weights (`fine_tune`). Test: each subject's held-out blocks.
#   Settings are reduced for a CPU example (16 instead of 120 filters, lr 1e-3, tens of epochs
#   instead of the paper's lr 1e-4 and 1000 epochs); architecture, dropout schedule and
#   the two stages are the paper's.
#
# For every window length T (from stimulus onset + latency), accuracy and the information
# transfer rate `itr(P, N, T + 0.5 s)` (Wolpaw; 0.5 s gaze shift per selection, as Chen et
# al. 2015). Short windows carry fewer cycles: accuracy falls, yet ITR peaks at a short window.

# %% parameters
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import torch
from _output import output_folder

from neurokit.datasets.ssvep import simulate_ssvep
from neurokit.decoding.metrics import itr
from neurokit.decoding.ssvep import FBCCA
from neurokit.decoding.ssvep_net import SSVEPNetClassifier

OUT = output_folder("10_ssvep_itr")
torch.set_num_threads(1)
GAZE_SHIFT_S = 0.5
WINDOWS_S = (0.25, 0.5, 0.75, 1.0)
NET = dict(n_filters=16, lr=1e-3, max_epochs=40, batch_size=32, fine_tune_epochs=30,
           seed=0, enable_progress_bar=False)

# %% data: 4 subjects x 6 blocks x 8 targets; blocks 0-3 train, 4-5 test
data = simulate_ssvep(n_targets=8, n_subjects=4, n_blocks=6, n_chans=9, duration=1.0,
                      snr_db=-12.0, seed=0)
fs, n_targets = data.attrs["sampling_rate"], len(data.attrs["frequencies"])
y, subject, block = data["label"].values, data["subject"].values, data["block"].values
train, test = block < 4, block >= 4
print(f"{dict(data.sizes)}; targets at {np.round(data.attrs['frequencies'], 2).tolist()} Hz")

# %% accuracy and ITR per window length
rows = []
for window in WINDOWS_S:
    x = data.isel(time=slice(0, int(round(window * fs))))
    fbcca = FBCCA(frequencies=data.attrs["frequencies"], n_subbands=3).fit(x)
    glob = SSVEPNetClassifier(**NET).fit(x[train], y[train])  # stage 1: all subjects
    acc = {"FBCCA": fbcca.score(x[test], y[test]), "net, global": glob.score(x[test], y[test])}
    correct = 0
    for s in np.unique(subject):  # stage 2: one fine-tuned copy per subject
        tuned = glob.fine_tune(x[train & (subject == s)], y[train & (subject == s)])
        mine = test & (subject == s)
        correct += int((tuned.predict(x[mine]) == y[mine]).sum())
    acc["net, fine-tuned"] = correct / int(test.sum())
    for name, a in acc.items():
        rows.append({"window_s": window, "decoder": name, "accuracy": a,
                     "itr_bits_min": itr(a, n_targets, window + GAZE_SHIFT_S)})
    print(f"T = {window:.2f} s: " + ", ".join(
        f"{name} {a:.3f} ({itr(a, n_targets, window + GAZE_SHIFT_S):.1f} bits/min)"
        for name, a in acc.items()))

# %% figure
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
for name in dict.fromkeys(r["decoder"] for r in rows):
    mine = [r for r in rows if r["decoder"] == name]
    w = [r["window_s"] for r in mine]
    axes[0].plot(w, [r["accuracy"] for r in mine], "o-", label=name)
    axes[1].plot(w, [r["itr_bits_min"] for r in mine], "o-", label=name)
axes[0].axhline(1 / n_targets, color="0.5", ls="--", lw=1, label="chance")
axes[0].set_ylabel("accuracy (held-out blocks)")
axes[1].set_ylabel(f"ITR (bits/min, T + {GAZE_SHIFT_S} s per selection)")
for ax in axes:
    ax.set_xlabel("window length T (s)")
    ax.legend(frameon=False, fontsize="small")
fig.suptitle(f"Simulated {n_targets}-target SSVEP speller, {data.attrs['snr_db']:g} dB",
             fontsize="medium")
fig.savefig(OUT / "ssvep_accuracy_itr.png", dpi=120)
