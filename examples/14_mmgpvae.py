# %% [markdown]
# # MM-GPVAE: which latents are shared between spikes and video?
#
# Gondur et al. (ICLR 2024) model simultaneously recorded modalities with Gaussian-process
# latents split into a **shared** block (driving every modality) and one **private** block per
# modality. Here the truth is known: `simulate_multimodal_gp` draws three GP latents per trial,
# a shared one (it drives the neurons *and* rotates a digit in the video), a neural-only one
# and an image-only one (it zooms the digit), then Poisson spike counts and noisy 12 x 12
# frames. We fit `MMGPVAE` (Poisson decoder for spikes, deep Gaussian decoder for frames) on
# 64 trials and check on 16 held-out trials that each latent block found its own ground truth
# and nothing else (block R² after a linear alignment: latents are identifiable only up to a
# linear map). The settings are the ground-truth test's (tests/latent/test_mmgpvae.py), shrunk
# to run in well under a minute on one core.

# %% parameters
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import torch
from _output import output_folder

from neurokit.datasets.multimodal_gp import simulate_multimodal_gp
from neurokit.latent.metrics import block_r2
from neurokit.latent.mmgpvae import MMGPVAE, latent_blocks

OUT = output_folder("14_mmgpvae")
torch.set_num_threads(1)
N_TEST = 16
MODEL = dict(n_shared=1, n_private=1, max_epochs=80, batch_size=20, seed=0,
             enable_progress_bar=False)

# %% simulate spikes + rotating/zooming digits from known latents, split by trial
ds = simulate_multimodal_gp(n_trials=80, n_time=40, n_neurons=40, image_size=12, seed=0)
train, test = ds.isel(trial=slice(N_TEST, None)), ds.isel(trial=slice(0, N_TEST))

# %% fit and infer the latents of the held-out trials from both modalities
model = MMGPVAE(**MODEL).fit(train)  # the Dataset's "likelihood" attrs pick the decoders
z = model.transform(test)
table = block_r2(latent_blocks(z), latent_blocks(test.latents))
print("block R² on held-out trials (rows: estimated block, columns: true block)")
print(table.round(3).to_string())
print("learned GP length-scales (bins):", np.round(model.lengthscales_, 1),
      "true:", ds.attrs["lengthscales_bins"])

# %% figure 1: each estimated block, linearly aligned to its true block, on 3 held-out trials
# (the plotted alignment is a least-squares fit on the test trials; the R² values are
# block_r2's cross-validated ones)
est, true = latent_blocks(z), latent_blocks(test.latents)
fig, axes = plt.subplots(1, 4, figsize=(15, 3.4), layout="constrained",
                         gridspec_kw={"width_ratios": [1, 1, 1, 0.8]})
time = test["time"].values
for ax, block in zip(axes[:3], ["shared", "spikes", "images"], strict=True):
    x = est[block].values.reshape(-1, est[block].sizes["latent"])
    y = true[block].values.reshape(-1)
    coef, *_ = np.linalg.lstsq(np.c_[x, np.ones(len(x))], y, rcond=None)  # alignment
    aligned = (np.c_[x, np.ones(len(x))] @ coef).reshape(N_TEST, -1)
    for i, color in zip(range(3), ["tab:blue", "tab:orange", "tab:green"], strict=True):
        ax.plot(time, true[block].values[i, :, 0], color=color, lw=2, alpha=0.4)
        ax.plot(time, aligned[i], color=color, ls="--")
    ax.set_title(f"{block} block: R² {table.loc[block, block]:.2f} (thick: truth, "
                 "dashed: aligned estimate)", fontsize="small")
    ax.set_xlabel("time (s)")
im = axes[3].imshow(table.values, vmin=0, vmax=1, cmap="viridis")
axes[3].set_xticks(range(3), table.columns, rotation=30)
axes[3].set_yticks(range(3), table.index)
axes[3].set_xlabel("true block")
axes[3].set_ylabel("estimated block")
for (r, c), v in np.ndenumerate(table.values):
    axes[3].text(c, r, f"{v:.2f}", ha="center", va="center", color="w" if v < 0.5 else "k")
fig.colorbar(im, ax=axes[3], shrink=0.8)
fig.savefig(OUT / "latents_vs_truth.png", dpi=120)

# %% figure 2: frames of one held-out trial, true and reconstructed from the spikes alone
# From the spikes alone the model knows the rotation (shared latent) but not the zoom (the
# image-only latent, which no neuron carries): that part of the frame comes from the GP prior.
from_spikes = model.reconstruct(test, from_modalities=["spikes"]).images.values
from_both = model.reconstruct(test).images.values
side = int(ds.images.attrs["image_shape"][0])
frames = np.linspace(0, len(time) - 1, 6).astype(int)
fig, axes = plt.subplots(3, len(frames), figsize=(1.6 * len(frames), 5), layout="constrained")
for col, t in enumerate(frames):
    for row, (name, movie) in enumerate([("true", test.images.values),
                                         ("from spikes + video", from_both),
                                         ("from spikes only", from_spikes)]):
        axes[row, col].imshow(movie[0, t].reshape(side, side), cmap="gray", vmin=0, vmax=1)
        axes[row, col].set_xticks([])
        axes[row, col].set_yticks([])
        if col == 0:
            axes[row, col].set_ylabel(name, fontsize="small")
    axes[0, col].set_title(f"t = {time[t]:.2f} s", fontsize="small")
mse = {name: float(((movie - test.images.values) ** 2).mean())
       for name, movie in [("spikes + video", from_both), ("spikes only", from_spikes)]}
fig.suptitle(f"held-out trial 0; frame MSE over the {N_TEST} held-out trials: from spikes + "
             f"video {mse['spikes + video']:.4f}, from spikes only {mse['spikes only']:.4f} "
             f"(pixel noise variance 0.01)", fontsize="small")
fig.savefig(OUT / "reconstructed_frames.png", dpi=120)
print("held-out frame MSE:", {k: round(v, 4) for k, v in mse.items()})
