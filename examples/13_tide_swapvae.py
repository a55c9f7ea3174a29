# %% [markdown]
# # TiDe-SwapVAE: separating what is shown (content) from a slow internal state (style)
#
# TiDe-SwapVAE (Huang et al. 2024) splits the latent of every time bin into a *content* block
# (driven by the stimulus) and a *style* block (driven by the animal's state), gives each block
# a recurrent state variable so its prior depends on the past, and learns without labels:
# two views of the data are swapped, aligned and contrasted.
#
# Here the answer is known: `simulate_content_style` drives 40 Poisson neurons with a stimulus
# identity (12 stimuli, 20-bin segments, 4 stimulus orders repeated over trials) and a slow
# AR(1) state that drifts across the whole session. The model is trained on 24 trials
# (`groups` = which stimulus order a trial shows, so the views pair repeats; no stimulus
# label is used), then all 30 trials are mapped to latents. We check that the stimulus is
# decodable from the content latent (much better than from the style latent and from PCA)
# and that the style latent tracks the true state. Settings are those of
# `tests/latent/test_tide_swapvae_groundtruth.py`, shrunk (30 trials, 40 neurons, 60 epochs)
# to about 20 s of one CPU core.

# %% parameters
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import torch
from _output import output_folder
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression

from neurokit.datasets.content_style import simulate_content_style
from neurokit.latent.metrics import aligned_r2, decode_accuracy
from neurokit.latent.tide_swapvae import TiDeSwapVAE

OUT = output_folder("13_tide_swapvae")
torch.set_num_threads(1)
SIM = dict(n_trials=30, n_time=60, n_neurons=40, n_stimuli=12, stimulus_gain=0.6,
           segment_length=20, n_sequences=4, seed=0)
N_TRAIN = 24
MODEL = dict(n_content=4, n_style=2, max_epochs=60, lr=0.01, seed=0, enable_progress_bar=False)

# %% simulate and fit (no stimulus labels; groups only say which trials repeat one movie)
ds = simulate_content_style(**SIM)
train = ds.isel(trial=slice(0, N_TRAIN))
model = TiDeSwapVAE(**MODEL).fit(train["counts"], groups=train["sequence"].values)
lat = model.transform(ds["counts"])  # content, style: (trial, time, latent dim)
content, style = lat["content"].values, lat["style"].values

# %% decode the stimulus per bin (5 folds grouped by trial) and map style to the state
stim = ds["stimulus"].values.reshape(-1)
trial_of_bin = np.repeat(np.arange(SIM["n_trials"]), SIM["n_time"])
state = ds["state"].values  # (trial, time, 1)
pcs = PCA(n_components=MODEL["n_content"], random_state=0).fit_transform(
    np.log1p(ds["counts"].values).reshape(-1, SIM["n_neurons"]))
acc = {name: decode_accuracy(z, stim, groups=trial_of_bin)
       for name, z in (("content", content), ("style", style), ("PCA (4 PCs)", pcs))}
r2 = {"style": aligned_r2(style, state), "content": aligned_r2(content, state)}
print(f"stimulus decoding (chance {1 / SIM['n_stimuli']:.3f}): "
      + ", ".join(f"{k} {v:.3f}" for k, v in acc.items()))
print(f"state R^2 (cross-validated linear map): style {r2['style']:.3f}, "
      f"content {r2['content']:.3f}")

# %% figure: latents coloured by stimulus, and the style latent against the true state
fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")
colours = plt.get_cmap("Paired", SIM["n_stimuli"])(stim)  # 12 distinct colours
for ax, z, name in ((axes[0], content, "content"), (axes[1], style, "style")):
    flat = z.reshape(-1, z.shape[-1])
    xy = PCA(n_components=2).fit_transform(flat) if flat.shape[1] > 2 else flat
    ax.scatter(xy[:, 0], xy[:, 1], c=colours, s=3, alpha=0.5, linewidths=0)
    ax.set_title(f"{name} latent, coloured by stimulus\n(stimulus decoding {acc[name]:.2f})",
                 fontsize="medium")
    ax.set_xlabel(f"{name} {'PC' if flat.shape[1] > 2 else 'dim'} 1")
    ax.set_ylabel(f"{name} {'PC' if flat.shape[1] > 2 else 'dim'} 2")
mapped = LinearRegression().fit(style.reshape(-1, 2), state.reshape(-1)).predict(
    style.reshape(-1, 2))
session_time = np.arange(len(mapped)) / ds.attrs["sampling_rate"]
axes[2].plot(session_time, state.reshape(-1), color="k", lw=1, label="true state")
axes[2].plot(session_time, mapped, color="C3", lw=0.8, alpha=0.8, label="style (linear map)")
axes[2].axvline(N_TRAIN * SIM["n_time"] / ds.attrs["sampling_rate"], color="0.5", ls="--",
                lw=0.8, label="held-out trials ->")
axes[2].set_xlabel("session time (s), trials back to back")
axes[2].set_ylabel("internal state")
axes[2].set_title(f"style tracks the slow state (R² {r2['style']:.2f})", fontsize="medium")
axes[2].legend(frameon=False, fontsize="small")
fig.savefig(OUT / "content_style_latents.png", dpi=120)
print(f"wrote {OUT / 'content_style_latents.png'}")
