# %% [markdown]
# # Contrastive decoding of stimulus embeddings from MEG: retrieval top-k versus SNR
#
# Défossez et al. (2023) decode speech from MEG by training a brain encoder (spatial attention
# over sensor positions, subject layers, residual dilated convolutions) with a CLIP loss
# against pretrained stimulus embeddings, and score it by *segment retrieval*: is the true
# stimulus among the k best-scoring candidates?
#
# Here the answer is known: `simulate_meg_embedding` builds MEG whose cortical sources are
# linear functions of each segment's embedding (8-D, unit norm), seen by 2 subjects through
# different lead fields, plus brain and sensor noise at a chosen signal-to-noise power ratio.
# For each SNR, `ContrastiveDecoder` is trained on 120 segments and tested on 40 segments
# *never seen in training* by any subject; top-k retrieval among those 40 candidates
# (chance k/40). The network is reduced for a CPU example (16 spatial channels, 2 residual
# blocks, 20 epochs); the architecture and loss are the paper's.

# %% parameters
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import torch
from _output import output_folder

from neurokit.datasets.meg_embedding import simulate_meg_embedding
from neurokit.decoding.contrastive import ContrastiveDecoder

OUT = output_folder("11_contrastive_meg")
torch.set_num_threads(1)
SNRS = (0.05, 0.2, 1.0)
KS = tuple(range(1, 11))
N_TRAIN, N_TEST = 120, 40
DECODER = dict(n_spatial=16, hidden=16, n_blocks=2, n_harmonics=6, max_epochs=20,
               batch_size=32, lr=3e-3, seed=0, enable_progress_bar=False)

# %% train and test per SNR
curves = {}
for snr in SNRS:
    ds = simulate_meg_embedding(n_segments=N_TRAIN + N_TEST, n_sensors=24, n_subjects=2,
                                embed_dim=8, n_times=30, snr=snr, seed=0)
    held_out = ds["segment"].values >= N_TRAIN  # segments no subject saw in training
    train, test = ds.isel(trial=~held_out), ds.isel(trial=held_out)
    dec = ContrastiveDecoder(**DECODER).fit(train["meg"], train["embedding"])
    curves[snr] = dec.score_topk(test["meg"], test["embedding"], k=KS)
    print(f"SNR {snr:g}: top-1 {curves[snr][1]:.3f}, top-5 {curves[snr][5]:.3f}, "
          f"top-10 {curves[snr][10]:.3f} (chance {1 / N_TEST:.3f}, {5 / N_TEST:.3f}, "
          f"{10 / N_TEST:.3f})")

# %% figure: top-k curves, and top-1 / top-10 against SNR
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
for snr, acc in curves.items():
    axes[0].plot(KS, [acc[k] for k in KS], "o-", ms=3, label=f"SNR {snr:g}")
axes[0].plot(KS, np.asarray(KS) / N_TEST, "k--", lw=1, label="chance k / 40")
axes[0].set_xlabel("k")
axes[0].set_ylabel("top-k retrieval accuracy")
axes[0].legend(frameon=False, fontsize="small")
for k in (1, 10):
    axes[1].plot(SNRS, [curves[s][k] for s in SNRS], "o-", label=f"top-{k}")
    axes[1].axhline(k / N_TEST, color="0.6", ls="--", lw=1)
axes[1].set_xscale("log")
axes[1].set_xlabel("signal-to-noise power ratio")
axes[1].set_ylabel("retrieval accuracy (40 held-out segments)")
axes[1].legend(frameon=False, fontsize="small")
fig.suptitle("ContrastiveDecoder on simulated MEG with known embeddings", fontsize="medium")
fig.savefig(OUT / "retrieval_topk.png", dpi=120)
