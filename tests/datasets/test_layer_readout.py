"""simulate_layer_readout: layout, ground truth (the read-out layer predicts its area best),
noise level -> reliability, purity and seeding."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from neurokit.datasets.layer_readout import (  # noqa: E402
    readout_network,
    simulate_layer_readout,
)
from neurokit.errors import ConfigError, MissingDataError  # noqa: E402
from neurokit.similarity.activations import extract_activations  # noqa: E402
from neurokit.validation import validate  # noqa: E402

LAYERS = ["layer1", "layer2", "layer3", "layer4"]


def _cv_ridge_r2(X: np.ndarray, Y: np.ndarray, alpha: float, k: int = 5) -> np.ndarray:
    """Per-neuroid R² of k-fold (interleaved folds over stimuli) ridge predictions; the penalty
    is ``alpha`` times the mean eigenvalue of the training Gram matrix (dual form)."""
    n = len(X)
    pred = np.empty_like(Y)
    for fold in range(k):
        test = np.arange(fold, n, k)
        train = np.setdiff1d(np.arange(n), test)
        mx, my = X[train].mean(0), Y[train].mean(0)
        A, B = X[train] - mx, Y[train] - my
        K = A @ A.T
        W = A.T @ np.linalg.solve(K + alpha * np.trace(K) / len(train) * np.eye(len(train)), B)
        pred[test] = (X[test] - mx) @ W + my
    return 1 - ((Y - pred) ** 2).sum(0) / ((Y - Y.mean(0)) ** 2).sum(0)


def _split_half(responses: np.ndarray) -> np.ndarray:
    """Spearman-Brown-corrected correlation of odd vs even repetition means, per neuroid."""
    a, b = responses[0::2].mean(0), responses[1::2].mean(0)
    a, b = a - a.mean(0), b - b.mean(0)
    r = (a * b).sum(0) / np.sqrt((a * a).sum(0) * (b * b).sum(0))
    return 2 * r / (1 + r)


def test_layout_and_coords():
    data, net = simulate_layer_readout(n_stimuli=20, n_neuroids=7, n_repetitions=3,
                                       areas={"V1": "layer1", "V4": "layer2", "IT": "layer3"},
                                       seed=2)
    validate(data)
    assert data["responses"].dims == ("repetition", "stimulus", "neuroid")
    assert data["responses"].shape == (3, 20, 21)
    assert data["signal"].dims == ("stimulus", "neuroid")
    assert data["images"].dims == ("stimulus", "channel", "y", "x")
    assert data["images"].shape == (20, 3, 16, 16)
    assert float(data["images"].min()) >= 0 and float(data["images"].max()) <= 1
    assert data["area"].values.tolist() == ["V1"] * 7 + ["V4"] * 7 + ["IT"] * 7
    assert data["layer"].values.tolist() == ["layer1"] * 7 + ["layer2"] * 7 + ["layer3"] * 7
    assert data["stimulus"].values.tolist() == list(range(20))
    assert data.attrs["readout"] == "V1<-layer1; V4<-layer2; IT<-layer3"
    assert data.attrs["noise"] == 0.5 and data.attrs["snr"] == pytest.approx(4.0)
    # signal scale: mean variance over stimuli is 1 per area; the noise has the stated sd
    for area in ("V1", "V4", "IT"):
        sig = data["signal"].sel(neuroid=data["area"] == area).values
        assert np.mean(sig.var(axis=0)) == pytest.approx(1.0)
    resid = (data["responses"] - data["signal"]).values
    assert resid.std() == pytest.approx(0.5, rel=0.1)
    assert isinstance(net, torch.nn.Module) and not net.training


def test_signal_is_the_stated_readout():
    """The noise-free responses lie in the span of the read-out layer's activations."""
    data, net = simulate_layer_readout(n_stimuli=30, n_neuroids=5, seed=4, noise=0.0)
    acts = extract_activations(net, data["images"], ["layer3", "layer1"], progress=False)
    for area, layer in (("IT", "layer3"), ("V1", "layer1")):
        Y = data["signal"].sel(neuroid=data["area"] == area).values
        X = acts[layer].values
        coef, *_ = np.linalg.lstsq(X, Y, rcond=None)
        np.testing.assert_allclose(X @ coef, Y, atol=1e-8)
    np.testing.assert_array_equal(data["responses"].values[0], data["signal"].values)
    assert data.attrs["snr"] == -1.0


def test_readout_layer_predicts_its_area_best():
    data, net = simulate_layer_readout(n_stimuli=100, n_neuroids=30, noise=0.3, seed=0)
    acts = extract_activations(net, data["images"], LAYERS, progress=False)
    for area, truth in (("V1", "layer1"), ("IT", "layer3")):
        Y = data["responses"].mean("repetition").sel(neuroid=data["area"] == area).values
        score = {layer: max(float(np.median(_cv_ridge_r2(acts[layer].values, Y, alpha)))
                            for alpha in (1e-3, 1e-2, 1e-1, 1.0)) for layer in LAYERS}
        others = max(v for k, v in score.items() if k != truth)
        assert score[truth] > others + 0.1, (area, score)


def test_noise_level_sets_reliability():
    reliab = []
    for noise in (0.2, 1.0, 3.0):
        data, _ = simulate_layer_readout(n_stimuli=60, noise=noise, seed=5)
        r = _split_half(data["responses"].values)
        expected = 1 / (1 + noise**2 / 4)  # R = 4 repetitions, unit signal variance
        assert np.mean(r) == pytest.approx(expected, abs=0.08)
        reliab.append(np.mean(r))
    assert reliab[0] > reliab[1] > reliab[2]


def test_seeded_and_pure():
    a, net_a = simulate_layer_readout(n_stimuli=12, n_neuroids=4, seed=7)
    b, net_b = simulate_layer_readout(n_stimuli=12, n_neuroids=4, seed=7)
    c, _ = simulate_layer_readout(n_stimuli=12, n_neuroids=4, seed=8)
    assert a.identical(b)
    for pa, pb in zip(net_a.parameters(), net_b.parameters(), strict=True):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)
    assert not np.array_equal(a["responses"].values, c["responses"].values)
    # torch's global generator is neither used nor changed
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    simulate_layer_readout(n_stimuli=6, n_neuroids=2, seed=1)
    torch.testing.assert_close(torch.rand(3), expected)


def test_given_network_and_sparsity():
    net = readout_network(3, in_channels=1, image_size=8)
    before = [p.clone() for p in net.parameters()]
    net.train()
    data, same = simulate_layer_readout(n_stimuli=10, image_size=8, n_channels=1, n_neuroids=6,
                                        areas={"A": "layer2.0"}, sparsity=0.9, network=net)
    assert same is net and net.training  # not changed
    for p, q in zip(before, net.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    assert data["layer"].values.tolist() == ["layer2.0"] * 6


def test_bad_arguments():
    with pytest.raises(MissingDataError):
        simulate_layer_readout(areas={"V1": "conv1"})
    with pytest.raises(ConfigError):
        simulate_layer_readout(noise=-1.0)
    with pytest.raises(ConfigError):
        simulate_layer_readout(n_stimuli=2)
    with pytest.raises(ConfigError):
        simulate_layer_readout(image_size=12)
    with pytest.raises(ConfigError):
        simulate_layer_readout(sparsity=1.0)
