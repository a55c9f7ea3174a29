"""The main job's latent-model step: MM-GPVAE on the spikes and behaviour of an NWB session.

The simulated ecephys session (:func:`neurokit.datasets.simulate_ecephys_session`) drives its
units *and* its behaviour (position, running speed) from one latent process, so the two are
simultaneously recorded modalities with a shared latent cause, the setting of the multi-modal
GP-VAE (Gondur et al., ICLR 2024). The step reads both from the NWB file, cuts them into
trials (:func:`neurokit.preprocess.align_to_events`), fits :class:`~neurokit.latent.MMGPVAE`
(Poisson counts + Gaussian behaviour, 2 shared latents) on three quarters of the trials and, on
the held-out quarter, scores how well its shared latents recover the simulated ones
(:func:`~neurokit.latent.aligned_r2`), from both modalities and from the spikes alone, beside
PCA of the smoothed counts, and predicts running speed from the spikes alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from scipy.ndimage import gaussian_filter1d

from neurokit import preprocess
from neurokit.plotting._figure import pyplot

#: trial window after trial start (s) and bin width (s): 25 Hz, every 2nd behaviour sample
LATENT_WINDOW = (0.0, 2.0)
LATENT_BIN = 0.04


def fit_session_latents(tree: xr.DataTree, truth: xr.Dataset, *, seed: int = 0,
                        max_epochs: int = 80) -> tuple[dict[str, Any], Any]:
    """Fit MM-GPVAE to a session's spikes and behaviour; score its latents on held-out trials.

    Parameters
    ----------
    tree : xarray.DataTree
        The session read by :func:`neurokit.io.read_nwb`, with ``units``,
        ``intervals/trials`` and ``processing/behavior`` (``Position/position``, 2-D in m, and
        ``BehavioralTimeSeries/running_speed`` in cm/s, both at 50 Hz).
    truth : xarray.Dataset
        Ground truth of :func:`~neurokit.datasets.simulate_ecephys_session`: ``latents``
        ``(time, latent)`` on its ``sampling_rate`` grid.
    seed : int, default 0
        Seed of the train/test split and of the model.
    max_epochs : int, default 80
        Training epochs.

    Returns
    -------
    summary : dict
        Held-out R² of the true latents from the shared latents (both modalities; spikes
        alone), from PCA, the R² of running speed predicted from spikes alone, sizes.
    figure : matplotlib.figure.Figure
        Condition-averaged held-out trajectories, true vs recovered; R² bars; one held-out
        trial's running speed, true vs predicted from spikes.

    Examples
    --------
    >>> from neurokit import datasets, io
    >>> path, truth = datasets.simulate_ecephys_session("s.nwb")  # doctest: +SKIP
    >>> summary, fig = fit_session_latents(io.read_nwb(path), truth)  # doctest: +SKIP
    >>> summary["r2_shared_from_spikes_and_behaviour"] > 0.8  # doctest: +SKIP
    True
    """
    from neurokit.latent import MMGPVAE, aligned_r2

    trials = tree["intervals/trials"].dataset
    spikes = preprocess.align_to_events(tree["units"].dataset, trials, window=LATENT_WINDOW,
                                        bin_size=LATENT_BIN)                # (trial, time, unit)
    behaviour = np.concatenate([
        _binned(tree["processing/behavior/Position/position"]["data"], trials),
        _binned(tree["processing/behavior/BehavioralTimeSeries/running_speed"]["data"],
                trials)[..., None],
    ], axis=-1)                                                    # (trial, time, x/y/speed)
    true_latents = _binned(truth["latents"].assign_attrs(
        sampling_rate=truth.attrs["sampling_rate"]), trials)       # (trial, time, latent)

    n_trials = spikes.sizes["trial"]
    order = np.random.default_rng(seed).permutation(n_trials)
    test, train = np.sort(order[: n_trials // 4]), np.sort(order[n_trials // 4:])
    data = {"spikes": spikes.values, "behaviour": behaviour}
    model = MMGPVAE(n_shared=true_latents.shape[-1], n_private=1, max_epochs=max_epochs,
                    batch_size=10, seed=seed, enable_progress_bar=False)
    model.fit({name: values[train] for name, values in data.items()})

    def shared(trial_ids: np.ndarray, modalities: tuple[str, ...]) -> np.ndarray:
        z = model.transform({m: data[m][trial_ids] for m in modalities})
        return z.latents.sel(latent=z.block == "shared").values

    z_both, z_spikes = shared(test, ("spikes", "behaviour")), shared(test, ("spikes",))
    pcs = _pca_latents(spikes.values, train, test, true_latents.shape[-1])
    speed = model.reconstruct({"spikes": data["spikes"][test]}).behaviour.values[..., 2]
    true_speed = behaviour[test, :, 2]
    r2 = {
        "r2_shared_from_spikes_and_behaviour": aligned_r2(z_both, true_latents[test]),
        "r2_shared_from_spikes_only": aligned_r2(z_spikes, true_latents[test]),
        "r2_pca_of_smoothed_counts": aligned_r2(pcs, true_latents[test]),
    }
    speed_r2 = 1.0 - ((speed - true_speed) ** 2).sum() / ((true_speed - true_speed.mean()) ** 2
                                                        ).sum()
    summary = {
        "model": "MMGPVAE (spikes: Poisson, behaviour: Gaussian; 2 shared + 1 private each)",
        "n_train_trials": int(train.size),
        "n_test_trials": int(test.size),
        "bin_s": LATENT_BIN,
        **{name: round(float(value), 3) for name, value in r2.items()},
        "r2_running_speed_from_spikes_only": round(float(speed_r2), 3),
        "lengthscales_s": [round(float(v) * LATENT_BIN, 3) for v in model.lengthscales_],
    }
    # the alignment map of the plot is fitted on training trials only
    aligned = _affine_map(shared(train, ("spikes", "behaviour")), true_latents[train])(z_both)
    conditions = spikes["condition"].values[test]
    figure = _figure(aligned, true_latents[test], conditions, r2, speed[0], true_speed[0])
    return summary, figure


def _binned(series: xr.DataArray, trials: xr.Dataset) -> np.ndarray:
    """Trial-aligned ``(trial, time, ...)`` values averaged into ``LATENT_BIN`` bins."""
    per_bin = round(LATENT_BIN * series.attrs["sampling_rate"])
    cut = preprocess.align_to_events(series, trials, window=LATENT_WINDOW)
    return cut.coarsen(time=per_bin, boundary="trim").mean().values


def _pca_latents(counts: np.ndarray, train: np.ndarray, test: np.ndarray, n: int) -> np.ndarray:
    """Leading PCs (fitted on training trials) of Gaussian-smoothed square-root counts."""
    rates = gaussian_filter1d(np.sqrt(counts.astype(float)), 2.0, axis=1)
    flat = rates[train].reshape(-1, rates.shape[-1])
    mean = flat.mean(0)
    _, _, vt = np.linalg.svd(flat - mean, full_matrices=False)
    return (rates[test] - mean) @ vt[:n].T


def _affine_map(source: np.ndarray, target: np.ndarray) -> Any:
    x = source.reshape(-1, source.shape[-1])
    design = np.column_stack([x, np.ones(len(x))])
    coef, *_ = np.linalg.lstsq(design, target.reshape(-1, target.shape[-1]), rcond=None)
    return lambda z: np.concatenate([z, np.ones(z.shape[:-1] + (1,))], axis=-1) @ coef


def _figure(aligned: np.ndarray, true: np.ndarray, conditions: np.ndarray,
            r2: dict[str, float], speed: np.ndarray, true_speed: np.ndarray) -> Any:
    plt = pyplot()
    fig, (ax_traj, ax_r2, ax_speed) = plt.subplots(1, 3, figsize=(12, 3.6))
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(np.unique(conditions))))
    for colour, condition in zip(colours, np.unique(conditions), strict=True):
        rows = conditions == condition
        ax_traj.plot(*true[rows].mean(0)[:, :2].T, "--", color=colour, lw=1)
        ax_traj.plot(*aligned[rows].mean(0)[:, :2].T, color=colour, lw=2,
                     label=f"condition {condition}")
    ax_traj.set(xlabel="latent 1", ylabel="latent 2",
                title="held-out trials: true (dashed)\nvs MM-GPVAE shared (aligned)")
    ax_traj.legend(frameon=False, fontsize=7)
    labels = ["shared\n(spikes+behav.)", "shared\n(spikes only)", "PCA\n(spikes)"]
    ax_r2.bar(labels, list(r2.values()), color=["C0", "C1", "0.6"])
    ax_r2.set(ylim=(0, 1), ylabel="held-out R² of true latents", title="latent recovery")
    time = np.arange(len(speed)) * LATENT_BIN
    ax_speed.plot(time, true_speed, color="k", label="recorded")
    ax_speed.plot(time, speed, color="C1", label="predicted from spikes")
    ax_speed.set(xlabel="time in trial (s)", ylabel="running speed (cm/s)",
                 title="cross-modal prediction, one held-out trial")
    ax_speed.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
