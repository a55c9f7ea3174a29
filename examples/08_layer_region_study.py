# %% [markdown]
# # The layer x region study: which layer of a network best matches each brain area?
#
# The study-level call of `neurokit.similarity`: a network, images, and recordings with an
# `area` coordinate go in; out comes the full layer x region score matrix of a metric with
# bootstrap CIs, noise ceilings and the ceiling-normalised score, plus the best layer per area.
#
# Data: simulated areas with a known answer (`simulate_layer_readout`): V1, V4 and IT are
# noisy linear readouts (4 repetitions, trial noise) of layers 1, 2 and 3 of a fixed random CNN.
# The same study runs on a lab's own `(repetition, stimulus, neuroid)` responses.
# Three metrics side by side: RSA (Spearman between correlation-distance RDMs), linear CKA,
# and a cross-validated ridge encoding score (median Pearson r over neuroids).

# %% parameters
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from _output import output_folder

from neurokit import plotting
from neurokit.datasets import simulate_layer_readout
from neurokit.similarity import layer_region_scores

OUT = output_folder("08_layer_region_study")
AREAS = {"V1": "layer1", "V4": "layer2", "IT": "layer3"}
LAYERS = ["layer1", "layer2", "layer3", "layer4"]
METRICS = ["rsa", "cka", "encoding"]

# %% data: responses (repetition, stimulus, neuroid) with an `area` coord, images, network
data, network = simulate_layer_readout(n_stimuli=80, n_neuroids=60, areas=AREAS, noise=1.0,
                                       seed=0)
print(data["responses"].sizes, data.attrs["readout"])

# %% the study, once per metric (activations are extracted from the network by layer name)
studies = {
    metric: layer_region_scores(neural=data["responses"], model=network,
                                stimuli=data["images"], layers=LAYERS, metric=metric,
                                n_boot=100, seed=0)
    for metric in METRICS
}
for metric, scores in studies.items():
    best = dict(zip(scores["region"].values.tolist(), scores["best_layer"].values.tolist(),
                    strict=True))
    print(f"{metric:9s} best layer per area: {best}   (truth: {AREAS})")
print(studies["rsa"][["score", "ci_low", "ci_high", "normalized"]].to_dataframe().round(3))

# %% figure: score vs depth per metric, and the RSA heatmap
fig, axes = plt.subplots(1, len(METRICS) + 1, figsize=(18, 4), layout="constrained")
plotting.plot_layer_region_heatmap(studies["rsa"], ax=axes[0])
for ax, (metric, scores) in zip(axes[1:], studies.items(), strict=True):
    plotting.plot_score_vs_depth(scores, ax=ax)
    ax.set_title(f"{metric}: score vs depth (95% CI; dashed: ceiling)")
fig.suptitle("Layer x area study on simulated areas: " +
             ", ".join(f"{a} reads {layer}" for a, layer in AREAS.items()))
fig.savefig(OUT / "layer_region_study.png", dpi=120)
for metric, scores in studies.items():  # each area's source layer is recovered by every metric
    assert dict(zip(scores["region"].values.tolist(), scores["best_layer"].values.tolist(),
                    strict=True)) == AREAS, metric
