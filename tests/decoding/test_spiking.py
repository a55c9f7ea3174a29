"""Spiking decoder: delta-encoded M/EEG epochs into an SNN from the engine."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import xarray as xr
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_score

from neurokit.decoding.spiking import SpikingDecoder, reconstruct_delta
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError
from neurokit.snn.encoding import delta_encode

torch.set_num_threads(1)


def two_class_epochs(n: int = 200, n_channels: int = 8, n_times: int = 60,
                     sfreq: float = 100.0, amplitude: float = 1.2, seed: int = 0
                     ) -> xr.DataArray:
    """Evoked responses (Gaussian bump at 300 ms) with one topography per class, in slow AR(1)
    background noise of unit variance, volts; labels as a ``label`` coordinate."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 2)
    t = np.arange(n_times) / sfreq
    erp = np.exp(-0.5 * ((t - 0.3) / 0.06) ** 2)
    topo = rng.normal(size=(2, n_channels))
    drive = rng.normal(size=(n, n_channels, n_times))
    noise = np.empty_like(drive)
    noise[..., 0] = drive[..., 0]
    for k in range(1, n_times):
        noise[..., k] = 0.9 * noise[..., k - 1] + np.sqrt(1 - 0.81) * drive[..., k]
    x = (noise + amplitude * topo[y][:, :, None] * erp) * 1e-5
    return xr.DataArray(
        x, dims=("trial", "channel", "time"),
        coords={"trial": np.arange(n), "label": ("trial", np.where(y == 1, "right", "left")),
                "channel": [f"EEG{i:02d}" for i in range(n_channels)], "time": t},
        attrs={"units": "V", "sampling_rate": sfreq})


@pytest.fixture(scope="module")
def epochs() -> xr.DataArray:
    return two_class_epochs()


@pytest.fixture(scope="module")
def fitted(epochs) -> SpikingDecoder:
    return SpikingDecoder(max_epochs=30, batch_size=32, seed=0).fit(epochs[:150])


def test_decodes_held_out_trials_above_chance(fitted, epochs):
    acc = fitted.score(epochs[150:], epochs["label"].values[150:])
    assert acc >= 0.7, acc  # chance 0.5; 50 held-out trials (measured 0.80)
    assert set(fitted.predict(epochs[150:])) <= {"left", "right"}
    proba = fitted.predict_proba(epochs[150:153])
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)


def test_energy_estimate_present_and_positive(fitted, epochs):
    energy = fitted.energy_
    attrs = energy.attrs
    assert attrs["energy_snn_total"] > 0 and attrs["energy_ann_total"] > 0
    assert attrs["sops_total"] > 0 and 0 < attrs["input_spike_rate"] < 1
    assert bool(energy["binary_input"].values[0])  # binary spikes: event-driven first layer
    assert attrs["time_steps"] == fitted.n_steps_ == 60
    assert np.isclose(attrs["energy_ann_sequence_total"], 60 * attrs["energy_ann_total"])
    assert attrs["energy_ratio_sequence"] < 1  # cheaper than an ANN reading every step
    again = fitted.estimate_energy(epochs[:10])
    assert again.attrs["energy_snn_total"] > 0


def test_delta_encoding_is_lossless_within_one_threshold(epochs):
    dec = SpikingDecoder(threshold=0.3, decimate=2, binary=False)
    dec.mean_ = epochs.values.mean(axis=(0, 2))
    dec.std_ = epochs.values.std(axis=(0, 2))
    dec.ch_names_ = np.asarray(epochs["channel"].values, dtype=str)
    spikes = dec.encode(epochs[:20])                     # [B, T, 2C]
    n_ch = epochs.sizes["channel"]
    assert spikes.shape == (20, 30, 2 * n_ch)
    z = (epochs.values[:20] - dec.mean_[:, None]) / dec.std_[:, None]
    z = z.reshape(20, n_ch, 30, 2).mean(-1)               # decimated signal
    seq = spikes.transpose(0, 1).reshape(30, 20, 2, n_ch)  # [T, B, 2, C]
    rec = reconstruct_delta(seq, 0.3, torch.as_tensor(z[:, :, 0], dtype=torch.float32))
    err = np.abs(rec.numpy() - z.transpose(2, 0, 1))
    assert err.max() < 0.3 + 1e-5
    # the engine's encoder itself, on a plain signal
    x = torch.cumsum(torch.randn(100, 3) * 0.2, 0)
    rec = reconstruct_delta(delta_encode(x, 0.1), 0.1, x[0])
    assert float((x - rec).abs().max()) < 0.1 + 1e-6


def test_works_with_sklearn_clone_and_cross_validation(epochs):
    dec = SpikingDecoder(max_epochs=2, batch_size=32)
    twin = clone(dec)
    assert twin.get_params() == dec.get_params() and not hasattr(twin, "module_")
    X, y = epochs.values[:80], epochs["label"].values[:80]
    scores = cross_val_score(dec, X, y, cv=StratifiedKFold(2, shuffle=True, random_state=0))
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_save_load_round_trip(fitted, epochs, tmp_path):
    loaded = SpikingDecoder.load(fitted.save(tmp_path / "snn.pt"))
    np.testing.assert_allclose(loaded.decision_function(epochs[150:]),
                               fitted.decision_function(epochs[150:]), atol=1e-5)


def test_bad_input_is_named(epochs):
    with pytest.raises(MissingDataError, match="label"):
        SpikingDecoder(max_epochs=1).fit(epochs.drop_vars("label"))
    bad = epochs[:20].copy()
    bad[:, 2, 5] = np.nan
    with pytest.raises(InvalidValueError, match="EEG02"):
        SpikingDecoder(max_epochs=1).fit(bad)
    flat = epochs[:20].copy()
    flat[:, 4] = 0.0
    with pytest.raises(InvalidValueError, match="EEG04"):
        SpikingDecoder(max_epochs=1).fit(flat)
    with pytest.raises(ConfigError, match="architecture"):
        SpikingDecoder(network="no_such_net", max_epochs=1).fit(epochs[:20])
    with pytest.raises(ConfigError):
        SpikingDecoder(threshold=0.0, max_epochs=1).fit(epochs[:20])
    with pytest.raises(InvalidValueError, match="two classes"):
        SpikingDecoder(max_epochs=1).fit(epochs[:20].values, np.zeros(20))


def test_runs_in_neurokits_cross_validation(epochs):
    from neurokit.decoding.evaluation import cross_validate

    res = cross_validate({"snn": SpikingDecoder(max_epochs=2, batch_size=32)}, epochs[:60],
                         n_splits=2, seed=0)
    assert len(res.scores) == 2
    assert res.scores["accuracy"].between(0, 1).all()
