# %% [markdown]
# # Spiking versus non-spiking networks against mouse V1 (Allen natural scenes)
#
# Deep spiking networks have been reported to resemble mouse and macaque visual cortex more
# than matched CNNs on several similarity metrics. This analysis runs that comparison on real
# data shipped beside the repository: the mean two-photon responses (percent dF/F, ~50
# presentations averaged) of 211 putative cells of mouse primary visual cortex (VISp, Allen
# Brain Observatory, Cux2 layer 2/3, 275 um) to the 118 Allen natural scenes, with the scenes
# themselves (31x31 grey images). The last of the file's 212 columns is dropped: it may be
# allensdk's running-speed column (see the data's PROVENANCE.md).
#
# Networks: a small SEW-ResNet from the SNN engine (LIF neurons, ADD connections, T time
# steps per image) and its matched non-spiking twin (`neurokit.snn.ann_twin`: the same layers
# with every spiking neuron replaced by a ReLU). Both are trained **briefly, on CPU, through
# the training core, on scikit-learn's 8x8 handwritten digits** (upsampled) — the only image
# set available offline — or left untrained with `TRAIN_EPOCHS = 0`. What they were trained on
# is written into the figure titles and `numbers.json`. Digits are not natural images:
# this is a demonstration of the pipeline on real neural data, not a claim about which
# network family models mouse V1 better.
#
# Per layer (stem, the three SEW stages, the pooled head) and per network:
#
# * **RSA**: correlation-distance RDMs of layer and cells, compared by Spearman r;
# * **linear CKA** between the layer and the cells;
# * **encoding**: cross-validated ridge regression from the layer to each cell, median over
#   cells of the Pearson r between held-out predictions and responses (not squared);
#
# each with a 95 % percentile bootstrap CI: RSA over stimuli (pairs of a scene with its own
# copy dropped); encoding over cells (refitting on resampled stimuli would put copies of a
# scene in both training and test folds); CKA over cells too, because resampling stimuli with
# replacement duplicates rows, which inflates CKA (on these data the stimulus-bootstrap
# interval of linear CKA lies entirely above the estimate). Resampling cells biases CKA too
# (downwards: duplicated cells weigh more), so the CKA intervals are the percentile intervals
# shifted by the bootstrap bias (mean of the resamples minus the estimate). Intervals over
# cells describe the sampling of neurons, not of scenes. Linear CKA is biased upwards for few
# stimuli and many features (shuffled scenes give about the same linear CKA here), hence the
# debiased CKA beside it.
# The RSA score also gets a one-sided permutation p-value (scene labels shuffled).
# **Noise ceiling**: this set has no single-trial repeats, so no trial-split ceiling exists;
# the ceiling is the split-half-over-neurons consistency (random halves of the cells,
# Spearman-Brown corrected for RSA; the metric between half populations, uncorrected, for CKA
# and encoding). RSA is also shown normalised by its ceiling (score / ceiling, not squared).
#
# Outputs: `results/analyses/rsa_allen_visp/{score_vs_depth.png, neural_rdm.png,
# numbers.json}`.

# %% parameters
import os
import tempfile
import time
from pathlib import Path

import matplotlib

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
from neurokit.datasets.visual_benchmarks import load_allen_natural_scenes  # noqa: E402
from neurokit.plotting._figure import pyplot, save_figure  # noqa: E402
from neurokit.plotting.similarity import plot_rdm, plot_score_vs_depth  # noqa: E402
from neurokit.similarity.activations import extract_activations  # noqa: E402
from neurokit.similarity.cka import cka  # noqa: E402
from neurokit.similarity.inference import bootstrap, permutation_test  # noqa: E402
from neurokit.similarity.rdm import compute_rdm  # noqa: E402
from neurokit.similarity.study import layer_region_scores  # noqa: E402

ROOT = Path(__file__).resolve().parents[1] if "__file__" in globals() else Path.cwd()
OUT = Path(os.environ.get("NEUROKIT_ANALYSES_OUT", "results/analyses")) / "rsa_allen_visp"
DATA = Path(os.environ.get("NEUROKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
QUICK = os.environ.get("NEUROKIT_ANALYSES_QUICK", "") == "1"  # smaller run for the tests

TRAIN_EPOCHS = 3  # 0: untrained (random weights)
#: metric name -> (layer_region_scores metric, its metric_kwargs)
METRICS = {"rsa": ("rsa", {}), "cka": ("cka", {}), "cka_debiased": ("cka", {"debiased": True}),
           "encoding": ("encoding", {})}
N_BOOT = 50 if QUICK else 200
N_PERM = 50 if QUICK else 200  # permutations of the stimulus labels (RSA p-value)
N_SPLITS = 5 if QUICK else 20  # random halves of the cells for the ceiling
SEED = 0
torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "2"))))

# %% data
folder = DATA / "rsa_allen_natural_scenes_visp"
ds = load_allen_natural_scenes(folder)  # drops the possibly-not-a-cell last column
neural = ds["responses"]  # (stimulus, neuroid), percent dF/F, area = VISp


scenes = xr.DataArray(
    to_network_input(ds["images"].values / 255.0, INPUT_SIDE),
    dims=("stimulus", "channel", "y", "x"), coords={"stimulus": ds["stimulus"].values})
print(f"{neural.sizes['stimulus']} scenes x {neural.sizes['neuroid']} cells; "
      f"images presented at {INPUT_SIDE}x{INPUT_SIDE}")


# %% networks: a spiking SEW-ResNet and its non-spiking twin, trained through the core
t0 = time.time()
with tempfile.TemporaryDirectory() as runs:
    networks, TRAINED_ON, val_accuracy = build_networks(TRAIN_EPOCHS, SEED, Path(runs))
print(f"networks: {TRAINED_ON} ({time.time() - t0:.0f} s)")

# %% layer activations and the three metrics, with CIs and the neuron-split ceiling
results: dict[str, dict[str, xr.Dataset]] = {}
excluded: dict[str, dict[str, int]] = {}  # layers left out: number of silent stimuli
p_rsa: dict[str, dict[str, float]] = {}  # one-sided permutation p of the RSA score
for net_name, (net, steps) in networks.items():
    acts = extract_activations(net, scenes, LAYERS, time_steps=steps, progress=False)
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
    results[net_name] = {}
    for key, (metric, kwargs) in METRICS.items():
        res = layer_region_scores(
            acts, neural, layers=usable, metric=metric, metric_kwargs=kwargs,
            n_boot=0 if metric == "cka" else N_BOOT, n_splits=N_SPLITS, ceiling="neuron",
            normalize="ratio", seed=SEED)
        if metric == "cka":  # CI over cells: see the note in the markdown header
            ceil = float(res["ceiling"].values[0])
            for i, layer in enumerate(usable):
                boot = bootstrap(lambda x, y, kw=kwargs: cka(x, y, **kw), acts[layer], neural,
                                 over="neuroid", n_boot=N_BOOT, seed=SEED)
                bias = float(boot["samples"].mean() - boot["estimate"])
                for var in ("ci_low", "ci_high"):
                    value = float(boot[var]) - bias
                    res[var][i, 0] = value
                    res[f"normalized_{var}"][i, 0] = value / ceil
            res.attrs["ci_method"] = ("percentile bootstrap over neuroids, shifted by the "
                                      "bootstrap bias (mean of resamples - estimate)")
        results[net_name][key] = res
    neural_rdm = compute_rdm(neural, "correlation")
    p_rsa[net_name] = {layer: float(permutation_test(
        "spearman", compute_rdm(acts[layer], "correlation"), neural_rdm, n_perm=N_PERM,
        seed=SEED)["p_value"]) for layer in usable}
    print(net_name, ", ".join(
        f"{m}: best {str(r['best_layer'].values[0])} "
        f"{float(r['best_score'].values[0]):.3f}" for m, r in results[net_name].items()))
print(f"scores done ({time.time() - t0:.0f} s)")

# %% figures
plt = pyplot()
LABELS = {"rsa": "RSA (Spearman r of RDMs)", "cka": "linear CKA",
          "cka_debiased": "debiased linear CKA", "encoding": "encoding (median r, ridge)",
          "rsa_normalized": "RSA / ceiling"}
PANELS = ["rsa", "rsa_normalized", "cka", "cka_debiased", "encoding"]
fig, axes = plt.subplots(1, len(PANELS), figsize=(4.2 * len(PANELS), 4.0), layout="constrained")
for ax, key in zip(axes, PANELS, strict=True):
    metric, value = ("rsa", "normalized") if key == "rsa_normalized" else (key, "score")
    both = xr.concat([results[n][metric]
                      .drop_vars("depth").reindex(layer=LAYERS).assign_coords(region=[n])
                      for n in networks], dim="region")
    plot_score_vs_depth(both, ax=ax, value=value, ceiling=False)
    if value == "score":
        ceil = float(results["SNN"][metric]["ceiling"].values[0])
        ax.axhline(ceil, color="0.4", ls="--", lw=1,
                   label=f"neuron split-half ceiling {ceil:.2f}")
    ax.axhline(0, color="0.8", lw=0.8)
    ax.set_title(LABELS[key])
    ax.set_ylabel(LABELS[key])
    ax.tick_params(axis="x", labelrotation=30)
    ax.legend(frameon=False, fontsize="small")
fig.suptitle(f"Mouse VISp (Allen natural scenes, {neural.sizes['neuroid']} cells, "
             f"{neural.sizes['stimulus']} scenes) vs a SEW-ResNet SNN and its ReLU twin; "
             f"95% bootstrap CIs (RSA over scenes, CKA and encoding over cells)\n"
             f"networks {TRAINED_ON}", fontsize="medium")
save_figure(fig, OUT / "score_vs_depth.png")

fig = plot_rdm(neural_rdm, rank_transform=True,
               title="VISp RDM (1 - Pearson r, percentile ranks)")
save_figure(fig, OUT / "neural_rdm.png")


# %% numbers
def _layer_numbers(res: xr.Dataset, p_values: dict | None) -> dict:
    out = {}
    for layer in res["layer"].values:
        row = res.sel(layer=layer).isel(region=0)
        out[str(layer)] = {k: float(row[k]) for k in
                           ("score", "ci_low", "ci_high", "normalized")}
        if p_values is not None:
            out[str(layer)]["p_perm"] = p_values[str(layer)]
    return out


numbers = {
    "dataset": "Allen Brain Observatory natural scenes, mouse VISp (container 511510667)",
    "n_stimuli": int(neural.sizes["stimulus"]),
    "n_neuroids": int(neural.sizes["neuroid"]),
    "units": neural.attrs["units"],
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
    "layers": LAYERS,
    "excluded_layers": excluded,
    "metrics": {key: results["SNN"][key].attrs["method"] for key in METRICS},
    "ceiling": {key: float(results["SNN"][key]["ceiling"].values[0]) for key in METRICS},
    "ceiling_kind": {key: results["SNN"][key].attrs["ceiling"] for key in METRICS},
    "ceiling_note": "no single-trial repeats in this set (trial-averaged responses only): "
                    "split-half over neurons, not over trials",
    "normalization": results["SNN"]["rsa"].attrs.get("normalization"),
    "ci": {"level": 0.95, "n_boot": N_BOOT,
           "over": {key: results["SNN"][key].attrs["ci_method"] for key in METRICS}},
    "permutation": {"n_perm": N_PERM, "metric": "rsa", "alternative": "greater"},
    "scores": {
        net: {metric: {"layers": _layer_numbers(res, p_rsa[net] if metric == "rsa" else None),
                       "best_layer": str(res["best_layer"].values[0]),
                       "best_score": float(res["best_score"].values[0])}
              for metric, res in per_metric.items()}
        for net, per_metric in results.items()},
    "seed": SEED,
    "quick": QUICK,
    "runtime_s": round(time.time() - t0, 1),
}
write_json(OUT / "numbers.json", numbers)
print(f"wrote {OUT} ({numbers['runtime_s']} s)")
