"""The main job's similarity step: which layer of a network does each simulated area read out?

:func:`neurokit.datasets.simulate_layer_readout` builds areas whose neuroids are noisy linear
readouts of one chosen layer each of a fixed random CNN (repeated presentations with trial
noise). The layers' activations are extracted with
:func:`~neurokit.similarity.extract_activations` and scored against every area with
:func:`~neurokit.similarity.layer_region_scores` (RSA: correlation-distance RDMs compared by
Spearman, bootstrap CIs over stimuli, split-half-over-repetitions noise ceilings with
Spearman-Brown). The summary says whether the best layer of each area is the one it reads.
"""

from __future__ import annotations

from typing import Any

from neurokit import plotting
from neurokit.datasets import simulate_layer_readout
from neurokit.plotting._figure import pyplot
from neurokit.similarity import compute_rdm, extract_activations, layer_region_scores

#: simulated areas and the layer each reads out
AREAS = {"V1": "layer1", "V4": "layer2", "IT": "layer3"}
LAYERS = ("layer1", "layer2", "layer3", "layer4")


def rsa_layer_region_study(
    *, seed: int = 0, n_stimuli: int = 80, n_neuroids: int = 60, noise: float = 1.0,
    n_boot: int = 200,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the layer x area RSA study on simulated areas with known source layers.

    Parameters
    ----------
    seed : int
        Seed of the network, the images, the readouts, the noise and the bootstrap.
    n_stimuli, n_neuroids : int
        Stimuli, and neuroids per area.
    noise : float
        Trial-noise SD relative to the signal SD (per repetition; 4 repetitions).
    n_boot : int
        Bootstrap resamples of the stimuli for the CIs.

    Returns
    -------
    summary : dict
        Per area: the true layer, the best layer, its score with 95% CI, the noise ceiling and
        the ceiling-normalised score; ``"all_recovered"``.
    figures : dict of str to matplotlib.figure.Figure
        ``rsa_layer_by_area`` (heatmap and score-vs-depth) and ``rsa_rdms`` (the IT RDM of the
        data and of its best layer).

    Examples
    --------
    >>> summary, figures = rsa_layer_region_study(n_stimuli=40, n_boot=20)  # doctest: +SKIP
    >>> summary["all_recovered"]  # doctest: +SKIP
    True
    """
    data, network = simulate_layer_readout(
        n_stimuli=n_stimuli, n_neuroids=n_neuroids, areas=AREAS, noise=noise, seed=seed)
    images = data["images"]
    activations = extract_activations(network, images, list(LAYERS), progress=False)
    scores = layer_region_scores(activations, data["responses"], metric="rsa", n_boot=n_boot,
                                 seed=seed)
    best = {str(r): str(b) for r, b in zip(scores["region"].values,
                                           scores["best_layer"].values, strict=True)}
    per_area = {}
    for area, layer in AREAS.items():
        row = scores.sel(region=area, layer=best[area])
        per_area[area] = {
            "true_layer": layer,
            "best_layer": best[area],
            "rsa_spearman": float(row["score"]),
            "ci95": [float(row["ci_low"]), float(row["ci_high"])],
            "noise_ceiling": float(scores["ceiling"].sel(region=area)),
            "normalized": float(row["normalized"]),
        }
    summary = {
        "what": "simulated areas = noisy linear readouts of one layer of a fixed random CNN",
        "n_stimuli": n_stimuli, "n_neuroids_per_area": n_neuroids, "trial_noise_sd": noise,
        "metric": "RSA: 1 - Pearson RDMs, Spearman", "areas": per_area,
        "all_recovered": all(v["true_layer"] == v["best_layer"] for v in per_area.values()),
    }

    plt = pyplot()
    fig, (ax_heat, ax_depth) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    plotting.plot_layer_region_heatmap(scores, ax=ax_heat)
    ax_heat.set_title("RSA (Spearman) per layer and area; box = best layer")
    plotting.plot_score_vs_depth(scores, ax=ax_depth)
    ax_depth.set_title("score vs depth, 95% bootstrap CI; dashed: noise ceiling")
    truth = ", ".join(f"{a} reads {layer}" for a, layer in AREAS.items())
    fig.suptitle(f"Simulated areas ({truth})")

    it = data["responses"].where(data["neuroid"].area == "IT", drop=True).mean("repetition")
    fig_rdm, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    plotting.plot_rdm(compute_rdm(it), ax=ax_a, title="IT (simulated), trial-averaged")
    plotting.plot_rdm(compute_rdm(activations[best["IT"]]), ax=ax_b,
                      title=f"network {best['IT']} (best layer for IT)")
    return summary, {"rsa_layer_by_area": fig, "rsa_rdms": fig_rdm}
