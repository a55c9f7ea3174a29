# %% [markdown]
# # Learning synaptic delays: a task only delays can solve
#
# Two input neurons each fire once per trial; the class says which fires first and by how
# many steps (2, 4, 6 or 8). Spike counts are identical in every class, so a feed-forward SNN
# with short membrane memory and no delays is at chance. The delay SNN of Hammouamri et al.
# (ICLR 2024) learns one delay per synapse (DCLS: a Gaussian-interpolated kernel whose
# position is learned, its width narrowed during training); a hidden neuron whose two input
# delays differ by the true lag turns the lag into a coincidence. We train both networks
# with plain torch loops, compare accuracies, and compare the learned delay differences with
# the true lags.

# %% parameters
import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import torch
from _output import output_folder

from neurokit.datasets.delay_task import simulate_delay_task
from neurokit.snn import reset_states
from neurokit.snn.layers.delay import sigma_schedule
from neurokit.snn.models.delay import DelaySNN

torch.set_num_threads(1)
OUT = output_folder("05_delay_learning")
TRUE_LAGS = (2, 4, 6, 8)  # time steps (1 ms each)
N_STEPS, MAX_DELAY, N_HIDDEN = 24, 10, 32
EPOCHS, BATCH, LR = 40, 64, 1e-2
SEED = 0

# %% the task: trials x time x channel, labels and true lags as coordinates
train = simulate_delay_task(512, TRUE_LAGS, n_steps=N_STEPS, noise=0.0, seed=SEED)
test = simulate_delay_task(512, TRUE_LAGS, n_steps=N_STEPS, noise=0.0, seed=SEED + 1)
print(train)


def to_tensors(data):
    """(trial, time, channel) DataArray -> time-major spikes [T, B, C] and labels [B]."""
    x = torch.tensor(data.transpose("time", "trial", "channel").values, dtype=torch.float32)
    return x, torch.tensor(data["label"].values)


x_train, y_train = to_tensors(train)
x_test, y_test = to_tensors(test)


# %% train the same network with and without delays
def accuracy(net, x, y):
    net.eval()
    reset_states(net)
    with torch.no_grad():
        return float((DelaySNN.scores(net(x)).argmax(1) == y).float().mean())


def fit(delays: bool):
    torch.manual_seed(SEED)
    net = DelaySNN(n_inputs=2, n_hidden=N_HIDDEN, n_outputs=2 * len(TRUE_LAGS), n_layers=1,
                   max_delay=MAX_DELAY, dropout=0.0, delays=delays, readout_delays=False)
    initial = net.delay_layers()[0].delays if delays else None
    opt = torch.optim.Adam(net.parameter_groups(LR, delay_lr_factor=10.0))
    history = []
    for epoch in range(EPOCHS):
        net.set_sigma(sigma_schedule(epoch, EPOCHS, MAX_DELAY / 2, 0.5, decay_fraction=0.5))
        net.train()
        order = torch.randperm(len(y_train))
        for start in range(0, len(order), BATCH):
            batch = order[start:start + BATCH]
            reset_states(net)
            loss = DelaySNN.loss(net(x_train[:, batch]), y_train[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        history.append(accuracy(net, x_test, y_test))
    return net, initial, history


delay_net, initial_delays, delay_history = fit(delays=True)
plain_net, _, plain_history = fit(delays=False)
print(f"test accuracy: with delays {delay_history[-1]:.3f}, without {plain_history[-1]:.3f} "
      f"(chance {1 / (2 * len(TRUE_LAGS)):.3f})")

# %% learned delays: per hidden neuron, delay(input 0) - delay(input 1) vs the true lags
learned = delay_net.delay_layers()[0].delays.numpy()
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
axes[1].set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1.05), title="delay task")
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
