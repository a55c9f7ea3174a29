# %% [markdown]
# # Firing rates and energy of a trained spiking network
#
# Train a small spiking CNN on the bundled digits through the training core, then report,
# per layer: the firing rate (spikes per neuron per time step, recorded by forward hooks with
# `SpikeMonitor`) and the energy estimate from synaptic operations (accumulates, 0.9 pJ each
# at 45 nm) against the same network run as an ANN (multiply-accumulates, 4.6 pJ each).

# %% parameters
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import torch
from _output import output_folder

from neurokit.core import SpikingClassifier, XarrayDataModule, fit
from neurokit.core.sources import load_digits
from neurokit.snn import SpikeMonitor, estimate_energy, reset_states

OUT = output_folder("06_firing_rate_energy_report")
TIME_STEPS = 4
EPOCHS = 4

# %% train
digits = load_digits(channel_axis=True)  # (trial, channel, y, x)
data = XarrayDataModule.from_dataarray(digits, batch_size=64, val_fraction=0.2, seed=0)
model = SpikingClassifier(
    network="spiking_vgg",
    network_kwargs={"in_channels": 1, "n_outputs": 10, "widths": [16, 32]},
    time_steps=TIME_STEPS, lr=0.005,
)
result = fit(model, data, run_dir=OUT / "runs", max_epochs=EPOCHS, seed=0)
print(f"validation accuracy: {result.metrics['val/accuracy']:.3f}")

# %% firing rates over the validation set
model.eval()
with torch.no_grad(), SpikeMonitor(model.net) as monitor:
    for x, _ in data.val_dataloader():
        reset_states(model.net)
        model(x)
rates = monitor.summary()
print(rates[["firing_rate", "n_neurons"]].to_dataframe().round(3))

# %% energy: synaptic operations of the SNN versus MACs of the equal ANN
x, _ = next(iter(data.val_dataloader()))
energy = estimate_energy(model.net, model.encode(x))
table = energy.to_dataframe()
table[["energy_snn", "energy_ann"]] *= 1e9  # J -> nJ
print(table.rename(columns={"energy_snn": "snn_nJ", "energy_ann": "ann_nJ"}).round(3).to_string())
print(f"SNN / ANN energy: {energy.attrs['energy_ratio']:.3f}")

# %% figure
fig, (ax_rate, ax_energy) = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
layers = [str(name) for name in rates.layer.values]
ax_rate.barh(layers, rates.firing_rate.values, color="C0")
ax_rate.set(xlabel="spikes / neuron / time step", title="firing rate per spiking layer")
ax_rate.invert_yaxis()
synaptic = [str(name) for name in energy.layer.values]
y = range(len(synaptic))
ax_energy.barh([i - 0.2 for i in y], energy.energy_snn.values * 1e9, height=0.4, label="SNN")
ax_energy.barh([i + 0.2 for i in y], energy.energy_ann.values * 1e9, height=0.4, label="ANN")
ax_energy.set_yticks(list(y), synaptic)
ax_energy.invert_yaxis()
ax_energy.set(xlabel="energy per sample (nJ)", title="synaptic energy (45 nm)")
ax_energy.legend()
fig.savefig(OUT / "firing_rate_energy.png", dpi=120)
assert 0 < energy.attrs["energy_ratio"] < 1  # spiking layers are sparse: cheaper than the ANN
