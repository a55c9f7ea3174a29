# %% [markdown]
# # Spiking versus non-spiking networks against macaque and human IT (92 object images)
#
# The classic RSA benchmark of Kriegeskorte et al. (2008): 92 photographs of objects (human
# and non-human faces and bodies, natural and artificial inanimate objects) with the
# representational dissimilarity matrix (RDM, 1 - Pearson r between response patterns) of
# macaque inferior temporal cortex (674 neurons, Kiani et al. 2007) and of human IT (fMRI,
# 316 voxels). Only the RDMs are published with the images — no response matrices — so
# **CKA and encoding models are impossible on this set**; the comparison is RDM to RDM.
#
# Networks: a small SEW-ResNet from the SNN engine (LIF neurons, T time steps per image) and
# its matched non-spiking twin (`neurokit.snn.ann_twin`: the same layers, ReLU instead of
# spiking neurons), **trained briefly on CPU through the training core on scikit-learn's 8x8
# handwritten digits** (upsampled; the only image set available offline), or untrained with
# `TRAIN_EPOCHS = 0`. The 92 images are shown to them in grey levels, resized to the input
# size they were trained at. What the networks were trained on is written into the figure
# titles and `numbers.json`: digit-trained networks are not object recognisers, so this
# demonstrates the pipeline on real data rather than ranks network families.
#
# Per layer, network and species: Spearman r and Kendall tau-a between the layer RDM
# (correlation distance of the time-averaged activations) and the IT RDM, a 95 % percentile
# bootstrap CI over stimuli (pairs of a stimulus with its own copy dropped) and a one-sided
# permutation p-value (stimulus labels shuffled). **No noise ceiling** can be computed here
# (one RDM per species, no repeats or subjects): the monkey-vs-human IT agreement is shown as
# a reference instead.
#
# Outputs: `results/analyses/rsa_kriegeskorte92_it/{score_vs_depth.png, it_rdms.png,
# rdm_mds.png, numbers.json}`.

# %% parameters
import os
import tempfile
import time
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")

import torch  # noqa: E402
import xarray as xr  # noqa: E402
from _visual_networks import (  # noqa: E402
    ARCHITECTURE,
    INPUT_SIDE,
    LAYERS,
    TIME_STEPS,
    build_networks,
    to_network_input,
)

from neurokit._atomic import write_json  # noqa: E402
from neurokit.datasets.visual_benchmarks import load_kriegeskorte92  # noqa: E402
from neurokit.plotting._figure import pyplot, save_figure  # noqa: E402
from neurokit.plotting.similarity import (  # noqa: E402
    plot_rdm,
    plot_rdm_mds,
    plot_score_vs_depth,
)
from neurokit.similarity.activations import extract_activations  # noqa: E402
from neurokit.similarity.compare import compare_rdms  # noqa: E402
from neurokit.similarity.inference import bootstrap, permutation_test  # noqa: E402
from neurokit.similarity.rdm import compute_rdm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1] if "__file__" in globals() else Path.cwd()
OUT = Path(os.environ.get("NEUROKIT_ANALYSES_OUT", "results/analyses")) / "rsa_kriegeskorte92_it"
DATA = Path(os.environ.get("NEUROKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
QUICK = os.environ.get("NEUROKIT_ANALYSES_QUICK", "") == "1"  # smaller run for the tests

TRAIN_EPOCHS = 3  # 0: untrained (random weights)
METHODS = ["spearman", "tau_a"]
N_BOOT = 50 if QUICK else 200
N_PERM = 50 if QUICK else 200
SEED = 0
torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "2"))))

# %% data
ds = load_kriegeskorte92(DATA / "rsa_kriegeskorte92_monkey_it")
IT = {"monkey IT": ds["rdm_monkey_it"], "human IT": ds["rdm_human_it"]}


grey = ds["images"].values.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255.0
objects = xr.DataArray(
    to_network_input(grey, INPUT_SIDE), dims=("stimulus", "channel", "y", "x"),
    coords={"stimulus": ds["stimulus"].values, "category": ("stimulus", ds["category"].values)})
print(f"92 images, presented grey at {INPUT_SIDE}x{INPUT_SIDE}")


# %% networks: a spiking SEW-ResNet and its non-spiking twin, trained through the core
t0 = time.time()
with tempfile.TemporaryDirectory() as runs:
    networks, TRAINED_ON, val_accuracy = build_networks(TRAIN_EPOCHS, SEED, Path(runs))
print(f"networks: {TRAINED_ON} ({time.time() - t0:.0f} s)")


# %% layer RDMs compared with the IT RDMs: estimate, bootstrap CI, permutation p
def rdm_score(a: xr.DataArray, b: xr.DataArray, method: str) -> dict[str, float]:
    # comparator names select neurokit's vectorised resampling paths
    boot = bootstrap(method, a, b, n_boot=N_BOOT, seed=SEED, kind="rdm")
    perm = permutation_test(method, a, b, n_perm=N_PERM, seed=SEED, kind="rdm")
    reference = compare_rdms(a, b, method=method)  # neurokit's comparator on the full RDMs
    if not np.isclose(float(boot["estimate"]), reference, rtol=1e-9, atol=1e-12):
        raise AssertionError(f"{method}: bootstrap estimate {float(boot['estimate'])} != "
                             f"compare_rdms {reference}")
    return {"score": float(boot["estimate"]), "ci_low": float(boot["ci_low"]),
            "ci_high": float(boot["ci_high"]), "p_perm": float(perm["p_value"])}


layer_rdms: dict[str, dict[str, xr.DataArray]] = {}
excluded: dict[str, dict[str, int]] = {}  # layers left out: number of silent stimuli
scores: dict = {}
for net_name, (net, steps) in networks.items():
    acts = extract_activations(net, objects, LAYERS, time_steps=steps, progress=False)
    # a stimulus that leaves a whole layer silent has no correlation distance: drop the layer
    silent = {layer: int((acts[layer].std("feature") == 0).sum()) for layer in LAYERS}
    excluded[net_name] = {layer: n for layer, n in silent.items() if n}
    usable = [layer for layer in LAYERS if not silent[layer]]
    if not usable:
        raise RuntimeError(f"{net_name}: every layer leaves some stimulus silent ({silent}); "
                           "train longer or use more time steps")
    if excluded[net_name]:
        print(f"{net_name}: layers left out (stimuli with a constant pattern): "
              f"{excluded[net_name]}")
    layer_rdms[net_name] = {layer: compute_rdm(acts[layer], "correlation") for layer in usable}
    scores[net_name] = {
        species: {method: {layer: rdm_score(layer_rdms[net_name][layer], it, method)
                           for layer in usable} for method in METHODS}
        for species, it in IT.items()}
    print(net_name, "; ".join(
        f"{species} {method} best {max(per, key=lambda k: per[k]['score'])} "
        f"{max(v['score'] for v in per.values()):.3f}"
        for species, per_method in scores[net_name].items()
        for method, per in per_method.items()))
between_species = {method: rdm_score(IT["monkey IT"], IT["human IT"], method)
                   for method in METHODS}
print("monkey IT vs human IT:", between_species)
print(f"scores done ({time.time() - t0:.0f} s)")

# %% figures
plt = pyplot()
fig, axes = plt.subplots(len(METHODS), len(IT), figsize=(10, 3.6 * len(METHODS)),
                         layout="constrained", squeeze=False)
for row, method in enumerate(METHODS):
    for col, species in enumerate(IT):
        values = {k: np.array([[scores[n][species][method].get(layer, {}).get(k, np.nan)
                                for n in networks] for layer in LAYERS])
                  for k in ("score", "ci_low", "ci_high")}
        curves = xr.Dataset({k: (("layer", "region"), v) for k, v in values.items()},
                            coords={"layer": LAYERS, "region": list(networks)},
                            attrs={"metric": f"rsa_{method}"})
        ax = axes[row, col]
        plot_score_vs_depth(curves, ax=ax, ceiling=False)
        ref = between_species[method]["score"]
        ax.axhline(ref, color="0.4", ls="--", lw=1, label=f"monkey vs human IT {ref:.2f}")
        ax.axhline(0, color="0.8", lw=0.8)
        ax.set_title(f"{species} ({'Spearman r' if method == 'spearman' else 'Kendall tau-a'})")
        ax.set_ylabel("RDM correlation")
        ax.tick_params(axis="x", labelrotation=30)
        ax.legend(frameon=False, fontsize="small")
fig.suptitle(f"92 objects: layer RDMs of a SEW-ResNet SNN and its ReLU twin vs IT RDMs "
             f"(95% bootstrap CIs over stimuli; no noise ceiling: RDMs only)\n"
             f"networks {TRAINED_ON}", fontsize="medium")
save_figure(fig, OUT / "score_vs_depth.png")

fig, axes = plt.subplots(1, 2, figsize=(12, 5.4), layout="constrained")
for ax, (species, rdm) in zip(axes, IT.items(), strict=True):
    plot_rdm(rdm, categories="category", ax=ax, rank_transform=True,
             title=f"{species} RDM (percentile of 1 - r)")
save_figure(fig, OUT / "it_rdms.png")

mds_set = {"monkey IT": IT["monkey IT"], "human IT": IT["human IT"]}
for n in networks:
    for layer, rdm in layer_rdms[n].items():
        mds_set[f"{n} {layer}"] = rdm
fig, ax = plt.subplots(figsize=(6.5, 6.0), layout="constrained")
plot_rdm_mds(mds_set, ax=ax, method="spearman", seed=SEED)
ax.set_title(f"MDS of RDMs (distance 1 - Spearman r)\nnetworks {TRAINED_ON.split(' (')[0]}",
             fontsize="medium")
save_figure(fig, OUT / "rdm_mds.png")


# %% numbers
def _best(per_layer: dict) -> dict:
    layer = max(per_layer, key=lambda k: per_layer[k]["score"])
    return {"layers": per_layer, "best_layer": layer, "best_score": per_layer[layer]["score"]}


numbers = {
    "dataset": "Kriegeskorte et al. 2008 92 objects: monkey IT (674 neurons, Kiani et al. "
               "2007) and human IT (fMRI, 316 voxels) RDMs, 1 - Pearson r",
    "n_stimuli": int(ds.sizes["stimulus"]),
    "trained_on": TRAINED_ON,
    "networks": {
        "SNN": {"architecture": "sew_resnet", "kwargs": {k: list(v) if isinstance(v, tuple)
                                                         else v for k, v in
                                                         ARCHITECTURE.items()},
                "neuron": "lif", "time_steps": TIME_STEPS, "val_accuracy": val_accuracy["SNN"]},
        "CNN": {"architecture": "ann_twin(sew_resnet): spiking neurons -> ReLU",
                "time_steps": 1, "val_accuracy": val_accuracy["CNN"]},
    },
    "input_side": INPUT_SIDE,
    "input": "grey levels (0.299 R + 0.587 G + 0.114 B) / 255, area-averaged resize",
    "layers": LAYERS,
    "excluded_layers": excluded,
    "layer_rdm_metric": "correlation (1 - Pearson r of time-averaged activations)",
    "methods": METHODS,
    "ci": {"level": 0.95, "n_boot": N_BOOT, "over": "stimuli (self-pairs dropped)"},
    "permutation": {"n_perm": N_PERM, "alternative": "greater",
                    "p": "(1 + #null >= observed) / (1 + n_perm)"},
    "ceiling": None,
    "ceiling_note": "no noise ceiling: one RDM per species, no repeats or subjects in this set; "
                    "monkey_vs_human is the cross-species reference",
    "not_possible": "CKA and encoding scores: the set holds RDMs only, no response matrices",
    "monkey_vs_human": between_species,
    "scores": {net: {species: {method: _best(per) for method, per in per_method.items()}
                     for species, per_method in per_species.items()}
               for net, per_species in scores.items()},
    "seed": SEED,
    "quick": QUICK,
    "runtime_s": round(time.time() - t0, 1),
}
write_json(OUT / "numbers.json", numbers)
print(f"wrote {OUT} ({numbers['runtime_s']} s)")
