# %% [markdown]
# # Learning synaptic delays: a task only delays can solve
#
# Two input neurons each fire once per trial; the class says which fires first and by how
# many steps (2, 4, 6 or 8). Spike counts are identical in every class, so a feed-forward SNN
# with short membrane memory and no delays is at chance. The delay SNN of Hammouamri et al.
# (ICLR 2024) learns one delay per synapse (DCLS: a Gaussian-interpolated kernel whose
# position is learned, its width narrowed during training); a hidden neuron whose two input
# delays differ by the true lag turns the lag into a coincidence. We train both networks
# through the Lightning core, compare held-out accuracies, and compare the learned delay
# differences with the true lags.

# %% parameters
import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from _output import output_folder

from neurokit.core import DelaySigmaSchedule, SpikingClassifier, XarrayDataModule, fit
from neurokit.datasets import simulate_delay_task

OUT = output_folder("05_delay_learning")
TRUE_LAGS = (2, 4, 6, 8)  # time steps (1 ms each)
N_STEPS, MAX_DELAY, N_HIDDEN = 24, 10, 32
EPOCHS, BATCH, LR = 40, 64, 1e-2
SEED = 0

# %% the task: trials x time x channel, labels and true lags as coordinates
trials = xr.concat([simulate_delay_task(512, TRUE_LAGS, n_steps=N_STEPS, seed=SEED),
                    simulate_delay_task(512, TRUE_LAGS, n_steps=N_STEPS, seed=SEED + 1)],
                   dim="trial")
trials["trial"] = np.arange(trials.sizes["trial"])
print(trials)


# %% train the same network with and without delays, through the training core
def train(delays: bool):
    # batches are [B, time, channel]; the "sequence" encoder makes them time-major
    data = XarrayDataModule.from_dataarray(trials, batch_size=BATCH, val_fraction=0.5,
                                           seed=SEED)
    model = SpikingClassifier(
        network="delay_snn",
        network_kwargs={"n_inputs": 2, "n_hidden": N_HIDDEN, "n_outputs": 2 * len(TRUE_LAGS),
                        "n_layers": 1, "max_delay": MAX_DELAY, "dropout": 0.0,
                        "delays": delays, "readout_delays": False, "delay_lr_factor": 10.0},
        encoder="sequence", lr=LR,
    )
    initial = model.net.delay_layers()[0].delays.clone() if delays else None
    # the kernel width shrinks from MAX_DELAY / 2 to 0.5 over the first half of training
    schedule = DelaySigmaSchedule(sigma_init=MAX_DELAY / 2, sigma_final=0.5,
                                  decay_fraction=0.5)
    result = fit(model, data, run_dir=OUT / "runs", name=f"delays_{delays}",
                 max_epochs=EPOCHS, seed=SEED, callbacks=[schedule])
    log = pd.read_csv(result.run_dir / "metrics.csv").groupby("epoch").mean(numeric_only=True)
    return model.net, initial, log["val/accuracy"].to_numpy()


delay_net, initial_delays, delay_history = train(delays=True)
plain_net, _, plain_history = train(delays=False)
print(f"held-out accuracy: with delays {delay_history[-1]:.3f}, without {plain_history[-1]:.3f} "
      f"(chance {1 / (2 * len(TRUE_LAGS)):.3f})")

# %% learned delays: per hidden neuron, delay(input 0) - delay(input 1) vs the true lags
learned = delay_net.delay_layers()[0].delays.detach().numpy()
before = initial_delays.numpy()
diff_after = learned[:, 0] - learned[:, 1]
diff_before = before[:, 0] - before[:, 1]
signed = np.array([*TRUE_LAGS, *(-lag for lag in TRUE_LAGS)], dtype=float)


def near_true(diff):
    return float((np.abs(diff[:, None] - signed[None, :]).min(1) <= 0.25).mean())


fig, axes = plt.subplots(1, 2, figsize=(11, 4))
bins = np.arange(-MAX_DELAY - 0.25, MAX_DELAY + 0.5, 0.5)
axes[0].hist(diff_before, bins=bins, alpha=0.5, label="initial (uniform delays)")
axes[0].hist(diff_after, bins=bins, alpha=0.8, label="learned")
for lag in signed:
    axes[0].axvline(lag, color="k", ls="--", lw=0.8)
axes[0].set(xlabel="delay(input 0) - delay(input 1)  [steps]", ylabel="hidden neurons",
            title="learned delay differences vs true lags (dashed)")
axes[0].legend()
axes[1].plot(np.arange(1, EPOCHS + 1), delay_history, label="with learned delays")
axes[1].plot(np.arange(1, EPOCHS + 1), plain_history, label="without delays")
axes[1].axhline(1 / (2 * len(TRUE_LAGS)), color="grey", ls=":", label="chance")
axes[1].set(xlabel="epoch", ylabel="held-out accuracy", ylim=(0, 1.05), title="delay task")
axes[1].legend()
fig.tight_layout()
fig.savefig(OUT / "delay_learning.png", dpi=120)

numbers = {
    "accuracy_with_delays": delay_history[-1],
    "accuracy_without_delays": plain_history[-1],
    "fraction_near_true_lag_before": near_true(diff_before),
    "fraction_near_true_lag_after": near_true(diff_after),
    "true_lags_steps": list(TRUE_LAGS),
}
(OUT / "numbers.json").write_text(json.dumps(numbers, indent=2))
print(json.dumps(numbers, indent=2))
print(f"wrote figures to {OUT}")
