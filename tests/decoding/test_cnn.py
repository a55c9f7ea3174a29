"""Tests of neurokit.decoding.cnn: shapes, parameter counts, exactness of the fast paths,
max-norm, ground truth on simulated motor imagery, persistence and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

torch = pytest.importorskip("torch")
pytest.importorskip("lightning")

import torch.nn.functional as F  # noqa: E402
from sklearn.base import clone  # noqa: E402

from neurokit.decoding.cnn import (  # noqa: E402
    CNN_MODELS,
    ConvNetClassifier,
    Deep4Net,
    EEGClassifier,
    EEGNet,
    ShallowConvNet,
    _DepthwiseConv1d,
    _window_moments,
)
from neurokit.errors import (  # noqa: E402
    ConfigError,
    InvalidValueError,
    MissingDataError,
    SchemaError,
)

torch.set_num_threads(1)


def n_params(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


# -- simulated motor imagery ---------------------------------------------------------------
def simulate_mi(n_trials: int, n_chans: int = 4, n_times: int = 256, sfreq: float = 128.0,
                amp: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two classes told apart only by 9-11 Hz power at channels 0 and 1 (random phase and
    frequency per trial, in unit white noise): class 0 has amplitude ``amp`` at channel 0 and
    ``0.3 amp`` at channel 1, class 1 the reverse (a lateralised mu rhythm)."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n_trials) % 2)
    t = np.arange(n_times) / sfreq
    X = rng.normal(size=(n_trials, n_chans, n_times))
    freq = rng.uniform(9.0, 11.0, size=(n_trials, 1))
    phase = rng.uniform(0.0, 2 * np.pi, size=(n_trials, 2))
    gain = np.where(y[:, None] == 0, [1.0, 0.3], [0.3, 1.0]) * amp
    for ch in (0, 1):
        X[:, ch] += gain[:, ch:ch + 1] * np.sin(2 * np.pi * freq * t + phase[:, ch:ch + 1])
    return X.astype(np.float32), y


def as_epochs(X: np.ndarray, y: np.ndarray, sfreq: float = 128.0) -> xr.DataArray:
    n, c, t = X.shape
    return xr.DataArray(
        X, dims=("trial", "channel", "time"),
        coords={"channel": [f"C{i}" for i in range(c)], "time": np.arange(t) / sfreq,
                "label": ("trial", np.array(["left", "right"])[y])},
        attrs={"sampling_rate": sfreq, "units": "V"})


@pytest.fixture(scope="module")
def fitted():
    """A small EEGNet classifier fitted on DataArray epochs (shared; do not mutate)."""
    X, y = simulate_mi(64, n_chans=3, n_times=96, amp=1.0, seed=1)
    da = as_epochs(X, y)
    clf = EEGClassifier("eegnet", max_epochs=2, batch_size=16, lr=1e-2, seed=0).fit(da)
    return clf, da


# -- architecture ----------------------------------------------------------------------------
@pytest.mark.parametrize("n_chans,n_times,n_outputs", [(1, 128, 2), (3, 200, 4), (22, 500, 3)])
@pytest.mark.parametrize("cls", [ShallowConvNet, EEGNet, Deep4Net])
def test_output_shapes(cls, n_chans, n_times, n_outputs):
    if cls is Deep4Net and n_times < 441:
        n_times = 441
    net = cls(n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=250.0)
    for mode in (net.train, net.eval):
        mode()
        assert net(torch.randn(5, n_chans, n_times)).shape == (5, n_outputs)


def shallow_count(C, K, T, Ft=40, k=25, Fs=40, pool=75, stride=15):
    L = (T - k + 1 - pool) // stride + 1
    return Ft * k + Ft + Fs * Ft * C + 2 * Fs + K * (Fs * L + 1)


def eegnet_count(C, K, T, F1=8, D=2, F2=None, k1=64, k2=16, p1=4, p2=8):
    F2 = F1 * D if F2 is None else F2
    L1 = (T + 2 * (k1 // 2) - k1 + 1) // p1
    L = (L1 + 2 * (k2 // 2) - k2 + 1) // p2
    return (k1 * F1 + 2 * F1 + F1 * D * C + 2 * F1 * D + k2 * F1 * D + F1 * D * F2 + 2 * F2
            + K * (F2 * L + 1))


def deep4_count(C, K, T, widths=(25, 25, 50, 100, 200), k=(10, 10, 10, 10), pool=3):
    Ft, Fs, *rest = widths
    n = T
    for kk in k:
        n = (n - kk + 1 - pool) // pool + 1
    total = Ft * k[0] + Ft + Fs * Ft * C + 2 * Fs
    for a, b, kk in zip((Fs, *rest[:-1]), rest, k[1:], strict=True):
        total += a * b * kk + 2 * b
    return total + K * (widths[-1] * n + 1)


# braindecode 1.8.1's counts for the same arguments (ShallowFBCSPNet, EEGNet, Deep4Net)
BRAINDECODE_COUNTS = {
    (3, 200, 2): (6482, 1346, None),
    (22, 1125, 4): (47364, 3700, 284479),
    (8, 500, 3): (17163, 1955, 269128),
    (64, 480, 2): (105602, 2610, 303927),
    (4, 127, 2): (7682, 1298, None),
}


@pytest.mark.parametrize("shape", list(BRAINDECODE_COUNTS))
def test_parameter_counts_match_braindecode(shape):
    C, T, K = shape
    shallow, eegnet, deep4 = BRAINDECODE_COUNTS[shape]
    assert n_params(ShallowConvNet(C, K, T)) == shallow == shallow_count(C, K, T)
    assert n_params(EEGNet(C, K, T)) == eegnet == eegnet_count(C, K, T)
    if deep4 is not None:
        assert n_params(Deep4Net(C, K, T)) == deep4 == deep4_count(C, K, T)


def test_parameter_counts_non_default_arguments():
    assert (n_params(ShallowConvNet(5, 3, 300, n_filters_time=20, filter_time_length=11,
                                    n_filters_spat=30, pool_time_length=50,
                                    pool_time_stride=10))
            == shallow_count(5, 3, 300, Ft=20, k=11, Fs=30, pool=50, stride=10))
    assert (n_params(EEGNet(6, 4, 257, F1=4, D=3, F2=10, kernel_length=33,
                            depthwise_kernel_length=9))
            == eegnet_count(6, 4, 257, F1=4, D=3, F2=10, k1=33, k2=9))
    assert (n_params(Deep4Net(3, 2, 600, n_filters_time=10, n_filters_spat=12,
                              n_filters_2=16, n_filters_3=20, n_filters_4=24))
            == deep4_count(3, 2, 600, widths=(10, 12, 16, 20, 24)))


def test_temporal_spatial_conv_equals_two_convolutions():
    net = ShallowConvNet(5, 2, 120).double()
    x = torch.randn(3, 5, 120, dtype=torch.float64)
    tsc = net.conv_time_spat
    # the paper's two layers: temporal conv on every channel, then a spatial conv
    u = F.conv2d(x.unsqueeze(1), tsc.temporal.unsqueeze(2), tsc.temporal_bias)  # (B, Ft, C, T')
    two = F.conv2d(u, tsc.spatial.unsqueeze(-1))[:, :, 0]  # (B, Fs, T')
    torch.testing.assert_close(tsc(x), two, rtol=1e-10, atol=1e-10)


def test_window_moments_equal_brute_force():
    gen = torch.Generator().manual_seed(0)
    for rows, T, k, pad in [(7, 50, 8, 4), (3, 12, 16, 8), (20, 130, 64, 32), (4, 40, 7, 3)]:
        x = torch.randn(rows, T, generator=gen) + 30.0 * torch.randn(rows, 1, generator=gen)
        n_out = T + 2 * pad - k + 1
        m, cov = _window_moments(x, k, pad, n_out)
        xp = F.pad(x.double(), (pad, pad))
        windows = xp.unfold(1, k, 1)[:, :n_out].reshape(-1, k)
        ref_m = windows.mean(0)
        ref_cov = (windows - ref_m).T @ (windows - ref_m) / len(windows)
        torch.testing.assert_close(m, ref_m, rtol=1e-7, atol=1e-7)
        torch.testing.assert_close(cov, ref_cov, rtol=1e-6, atol=1e-6 * float(ref_cov.abs().max()))


def test_depthwise_conv_gradients():
    s = torch.randn(3, 4, 30, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 1, 7, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(_DepthwiseConv1d.apply, (s, w))


def _eegnet_reference(net: EEGNet, x: torch.Tensor) -> torch.Tensor:
    """EEGNet's forward with block 1 as the paper's plain layers."""
    h = F.elu(net.bnorm_1(net._block1_reference(x)))
    h = net.drop_1(F.avg_pool1d(h, net.pool1_kernel_size))
    h = F.elu(net.bnorm_2(net.conv_separable_point(net.conv_separable_depth(h))))
    h = net.drop_2(F.avg_pool1d(h, net.pool2_kernel_size))
    return net._pool_logits(net.classifier(h))


@pytest.mark.parametrize("kernel_length", [64, 15])
def test_eegnet_fast_block_equals_plain_layers(kernel_length):
    """Spatial-first block 1 with moment-based BN = temporal conv, BN, spatial conv: same
    outputs, gradients and running statistics (train mode), same outputs (eval mode)."""
    torch.manual_seed(0)
    fast = EEGNet(5, 3, 150, kernel_length=kernel_length, drop_prob=0.0).double()
    plain = EEGNet(5, 3, 150, kernel_length=kernel_length, drop_prob=0.0).double()
    plain.load_state_dict(fast.state_dict())
    with torch.no_grad():
        for net in (fast, plain):
            net.bnorm_temporal.weight.copy_(torch.linspace(0.5, 1.5, net.F1))
            net.bnorm_temporal.bias.copy_(torch.linspace(-0.3, 0.3, net.F1))
    x = 3.0 + torch.randn(8, 5, 150, dtype=torch.float64)
    out_fast, out_plain = fast(x), _eegnet_reference(plain, x)
    torch.testing.assert_close(out_fast, out_plain, rtol=1e-8, atol=1e-9)
    g_fast = torch.autograd.grad(out_fast.square().sum(), list(fast.parameters()))
    g_plain = torch.autograd.grad(out_plain.square().sum(), list(plain.parameters()))
    for a, b in zip(g_fast, g_plain, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-7, atol=1e-9)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        torch.testing.assert_close(getattr(fast.bnorm_temporal, name),
                                   getattr(plain.bnorm_temporal, name))
    fast.eval()
    plain.eval()
    torch.testing.assert_close(fast(x), _eegnet_reference(plain, x), rtol=1e-8, atol=1e-9)
    # an input that needs gradients takes the plain path and gives the same logits
    xg = x.clone().requires_grad_()
    torch.testing.assert_close(fast(xg), fast(x))


def test_max_norm_projection():
    net = EEGNet(4, 2, 128)
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(50.0)
    net.apply_max_norm()
    assert float(net.conv_spatial.weight.detach().flatten(1).norm(dim=1).max()) <= 1.0 + 1e-5
    assert float(net.classifier.weight.detach().flatten(1).norm(dim=1).max()) <= 0.25 + 1e-5
    small = EEGNet(4, 2, 128)
    before = small.conv_separable_depth.weight.clone()
    small.apply_max_norm()
    assert torch.equal(before, small.conv_separable_depth.weight)  # unconstrained layers


def test_max_norm_holds_after_training_steps():
    X, y = simulate_mi(48, n_chans=6, n_times=96, amp=1.0, seed=3)
    clf = EEGClassifier("eegnet", max_epochs=3, batch_size=8, lr=0.5, seed=0,
                        scheduler=None).fit(X, y)
    net = clf.module_.net
    spatial = net.conv_spatial.weight.detach().flatten(1).norm(dim=1)
    dense = net.classifier.weight.detach().flatten(1).norm(dim=1)
    assert float(spatial.max()) <= 1.0 + 1e-5 and float(dense.max()) <= 0.25 + 1e-5
    assert float(dense.max()) > 0.2  # the large learning rate did push against the bound


def test_final_conv_length_windows_are_averaged():
    net = ShallowConvNet(2, 2, 200, final_conv_length=3).eval()
    assert net(torch.randn(4, 2, 200)).shape == (4, 2)
    with pytest.raises(ConfigError, match="final_conv_length"):
        ShallowConvNet(2, 2, 200, final_conv_length=99)


def test_bad_network_arguments():
    with pytest.raises(ConfigError, match="n_times"):
        Deep4Net(4, 2, 300)  # shorter than the 441 samples Deep4Net needs
    with pytest.raises(ConfigError, match="n_chans"):
        EEGNet(0, 2, 128)
    with pytest.raises(ConfigError, match="drop_prob"):
        ShallowConvNet(2, 2, 200, drop_prob=1.5)
    net = ShallowConvNet(3, 2, 200)
    with pytest.raises(SchemaError, match="n_chans=3"):
        net(torch.zeros(2, 4, 200))
    with pytest.raises(SchemaError, match="too short"):
        net(torch.zeros(2, 3, 50))


# -- ground truth ----------------------------------------------------------------------------
@pytest.mark.parametrize("model,n_times,kwargs", [
    ("shallow", 256, {"max_epochs": 8, "batch_size": 32, "lr": 1e-2}),
    ("eegnet", 256, {"max_epochs": 10, "batch_size": 16, "lr": 3e-2}),
    pytest.param("deep4", 448, {"max_epochs": 8, "batch_size": 32, "lr": 1e-2},
                 marks=pytest.mark.slow),
])
def test_ground_truth_band_power(model, n_times, kwargs):
    """Held-out accuracy far above chance (0.5) when the classes differ only in mu-band power
    at two of four channels."""
    X, y = simulate_mi(200, n_chans=4, n_times=n_times, amp=0.75, seed=0)
    clf = EEGClassifier(model, seed=0, **kwargs).fit(X[:140], y[:140])
    acc = clf.score(X[140:], y[140:])
    assert acc >= 0.8, acc


# -- the estimator ---------------------------------------------------------------------------
def test_estimator_basics(fitted):
    clf, da = fitted
    assert clf.classes_.tolist() == ["left", "right"]
    assert (clf.n_chans_, clf.n_times_, clf.sfreq_) == (3, 96, 128.0)
    assert clf.ch_names_ == ["C0", "C1", "C2"]
    proba = clf.predict_proba(da)
    assert proba.shape == (64, 2) and np.allclose(proba.sum(1), 1.0, atol=1e-6)
    assert set(clf.predict(da)) <= {"left", "right"}
    assert isinstance(clf.module_, ConvNetClassifier)
    params = clone(clf).get_params()
    assert params["model"] == "eegnet" and params["max_epochs"] == 2
    # a DataArray with channels in another order is reordered to the training order
    shuffled = da.isel(channel=[2, 0, 1])
    np.testing.assert_allclose(clf.predict_proba(shuffled), proba, rtol=1e-6, atol=1e-7)


def test_save_load_round_trip(fitted, tmp_path):
    clf, da = fitted
    path = clf.save(tmp_path / "eegnet.pt")
    again = EEGClassifier.load(path)
    np.testing.assert_array_equal(again.predict_proba(da), clf.predict_proba(da))
    np.testing.assert_array_equal(again.predict(da), clf.predict(da))
    assert again.get_params() == {**clf.get_params(), "run_dir": None}


def test_bad_input_at_predict(fitted):
    clf, da = fitted
    X = da.values
    with pytest.raises(SchemaError, match="channels") as err:
        clf.predict(X[:, :2])
    assert err.value.expected.startswith("3 channels")
    with pytest.raises(SchemaError, match="time samples"):
        clf.predict(X[:, :, :80])
    bad = X.copy()
    bad[3, 1, 10] = np.nan
    with pytest.raises(InvalidValueError, match="trial 3, channel 1"):
        clf.predict(bad)
    with pytest.raises(MissingDataError, match="C2"):
        clf.predict(da.isel(channel=[0, 1, 1]).assign_coords(channel=["C0", "C1", "X"]))
    with pytest.raises(SchemaError, match="sampling rate"):
        clf.predict(da.assign_attrs(sampling_rate=256.0))
    with pytest.raises(SchemaError, match="3-D"):
        clf.predict(X[0])


def test_bad_input_at_fit():
    X, y = simulate_mi(20, n_chans=3, n_times=64, seed=0)
    bad = X.copy()
    bad[5, 2, 0] = np.inf
    with pytest.raises(InvalidValueError, match="trial 5, channel 'C2'"):
        EEGClassifier("eegnet", max_epochs=1).fit(as_epochs(bad, y))
    flat = X.copy()
    flat[:, 1] = 0.0
    with pytest.raises(InvalidValueError, match="channel 'C1'"):
        EEGClassifier("eegnet", max_epochs=1).fit(as_epochs(flat, y))
    with pytest.raises(InvalidValueError, match="trial 0, channel 1"):
        EEGClassifier("eegnet", max_epochs=1, standardize="trial").fit(flat, y)
    with pytest.raises(InvalidValueError, match="two classes"):
        EEGClassifier("eegnet", max_epochs=1).fit(X, np.zeros(20))
    with pytest.raises(SchemaError, match="one label per trial"):
        EEGClassifier("eegnet", max_epochs=1).fit(X, y[:-1])
    with pytest.raises(MissingDataError, match="label"):
        EEGClassifier("eegnet", max_epochs=1).fit(as_epochs(X, y).drop_vars("label"))
    with pytest.raises(SchemaError, match="dims"):
        EEGClassifier("eegnet", max_epochs=1).fit(as_epochs(X, y).rename(time="sample"))
    with pytest.raises(ConfigError, match="unknown network"):
        EEGClassifier("resnet", max_epochs=1).fit(X, y)
    with pytest.raises(ConfigError, match="standardisation"):
        EEGClassifier("eegnet", standardize="robust").fit(X, y)
    with pytest.raises(ConfigError, match="model_kwargs"):
        EEGClassifier("eegnet", model_kwargs={"n_chans": 3}).fit(X, y)
    with pytest.raises(ConfigError, match="model_kwargs"):
        EEGClassifier("eegnet", model_kwargs={"nonsense": 1}).fit(X, y)
    with pytest.raises(ConfigError, match="n_times"):
        EEGClassifier("deep4").fit(X, y)


def test_custom_module_class_trial_standardisation_and_validation_split(tmp_path):
    class Tiny(torch.nn.Module):
        def __init__(self, n_chans, n_outputs, n_times, sfreq=None):
            super().__init__()
            self.lin = torch.nn.Linear(n_chans * n_times, n_outputs)

        def forward(self, x):
            return self.lin(x.flatten(1))

    X, y = simulate_mi(40, n_chans=2, n_times=32, seed=2)
    clf = EEGClassifier(Tiny, max_epochs=2, batch_size=8, standardize="trial",
                        val_fraction=0.25).fit(X, y)
    assert isinstance(clf.module_.net, Tiny) and clf.mean_ is None
    assert "val/accuracy" in clf.fit_metrics_
    assert clf.predict(X).shape == (40,)
    with pytest.raises(ConfigError, match="cannot store"):
        clf.save(tmp_path / "tiny.pt")


def test_registry_names():
    assert set(CNN_MODELS) == {"shallow", "eegnet", "deep4"}
