# %% [markdown]
# # RSA from scratch: two layers of a spiking network against a neural RDM
#
# Representational similarity analysis in five steps, on simulated data with a known answer:
#
# 1. stimuli and "neural" responses: 60 smooth random images and an area whose 80 neuroids
#    are noisy linear readouts of one layer of a fixed CNN (`simulate_layer_readout`), shown 4
#    times each (trial noise);
# 2. representations of two layers of a spiking CNN from the engine (`SpikingVGG`, untrained:
#    random weights, batch-norm statistics calibrated on the images so every layer fires):
#    each image repeated over T=4 steps, firing rates averaged over time, state reset per
#    image (`extract_activations`);
# 3. RDMs (1 - Pearson r between stimulus patterns; `compute_rdm`);
# 4. RDM comparisons (Spearman, Kendall tau-a, whitened Pearson; `compare_rdms`), with a
#    bootstrap CI over stimuli and a permutation test of stimulus labels;
# 5. the neural RDM's noise ceiling from split halves of the repetitions (Spearman-Brown).

# %% parameters
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import torch
from _output import output_folder

from neurokit import plotting
from neurokit.datasets import simulate_layer_readout
from neurokit.similarity import (
    bootstrap,
    compare_rdms,
    compute_rdm,
    extract_activations,
    layer_names,
    permutation_test,
    split_half_reliability,
)
from neurokit.snn import reset_states
from neurokit.snn.models.vgg import SpikingVGG

OUT = output_folder("07_rsa_from_scratch")
torch.manual_seed(0)

# %% 1. stimuli and neural responses (repetition, stimulus, neuroid)
data, _ = simulate_layer_readout(n_stimuli=60, n_neuroids=80, areas={"IT": "layer3"},
                                 noise=1.0, seed=0)
responses = data["responses"]
neural = responses.mean("repetition")  # (stimulus, neuroid), trial-averaged

# %% 2. two layers of a spiking CNN: time-averaged firing rates per image
snn = SpikingVGG(in_channels=3, n_outputs=10, widths=(16, 32, 64), fc_hidden=0)
images = torch.as_tensor(data["images"].values, dtype=torch.float32)
for norm in snn.modules():  # calibrate batch-norm statistics: one pass, cumulative average
    if isinstance(norm, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
        norm.reset_running_stats()
        norm.momentum = None
with torch.no_grad():
    reset_states(snn)
    snn.train()(images.expand(4, *images.shape))
spiking_layers = layer_names(snn)  # spiking layers, input to output
layers = [spiking_layers[0], spiking_layers[2]]  # the first and the last spiking conv layers
rates = extract_activations(snn, data["images"], layers, time_steps=4, progress=False)
for name, r in rates.items():
    print(f"{name}: {r.sizes['feature']} features, mean rate {float(r.mean()):.3f} spikes/step")

# %% 3. RDMs
neural_rdm = compute_rdm(neural, metric="correlation")
layer_rdms = {name: compute_rdm(r, metric="correlation") for name, r in rates.items()}

# %% 4. comparisons, CI, permutation test
for name, rdm in layer_rdms.items():
    scores = {m: compare_rdms(rdm, neural_rdm, method=m)
              for m in ("spearman", "tau_a", "whitened_pearson")}
    ci = bootstrap("spearman", rdm, neural_rdm, n_boot=300, seed=0)
    perm = permutation_test("spearman", rdm, neural_rdm, n_perm=300, seed=0)
    print(f"{name}: " + ", ".join(f"{m} {v:.3f}" for m, v in scores.items())
          + f"; Spearman 95% CI [{float(ci['ci_low']):.3f}, {float(ci['ci_high']):.3f}]"
          + f", permutation p = {float(perm['p_value']):.4f}")

# %% 5. noise ceiling of the neural RDM (split halves of the 4 repetitions)
ceiling = split_half_reliability(responses, per="rdm", method="spearman", seed=0)
print(f"neural RDM split-half reliability (Spearman-Brown): {float(ceiling['reliability']):.3f}")

# %% figure
fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
plotting.plot_rdm(neural_rdm, ax=axes[0], title="simulated IT (trial-averaged)")
for ax, (name, rdm) in zip(axes[1:], layer_rdms.items(), strict=True):
    rho = compare_rdms(rdm, neural_rdm, method="spearman")
    plotting.plot_rdm(rdm, ax=ax, title=f"SNN {name} (Spearman with IT {rho:.2f})")
fig.savefig(OUT / "rdms.png", dpi=120)
