"""extract_activations: equal to manual forward passes, independent of batching, SNN state reset
per image (static) and kept across frames (movie); layer_names."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import xarray as xr

torch = pytest.importorskip("torch")

from neurokit.errors import (  # noqa: E402
    ConfigError,
    InvalidValueError,
    MissingDataError,
    SchemaError,
)
from neurokit.similarity.activations import extract_activations, layer_names  # noqa: E402
from neurokit.snn.base import reset_states, set_step_mode  # noqa: E402
from neurokit.snn.models.recurrent import RecurrentSNN  # noqa: E402
from neurokit.snn.models.sew_resnet import SEWResNet  # noqa: E402
from neurokit.snn.models.vgg import SpikingVGG  # noqa: E402

T = 4


def _cnn() -> torch.nn.Module:
    gen = torch.Generator().manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 6, 3), torch.nn.ReLU(), torch.nn.Flatten(),
        torch.nn.Linear(24, 5),
    )
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        net[1].running_mean.copy_(torch.randn(4, generator=gen))
        net[1].running_var.copy_(torch.rand(4, generator=gen) + 0.5)
    return net


def _images(rng: np.random.Generator, n: int = 10, c: int = 2, size: int = 8) -> xr.DataArray:
    labels = [f"img{i:02d}" for i in range(n)]
    return xr.DataArray(rng.random((n, c, size, size)), dims=("stimulus", "channel", "y", "x"),
                        coords={"stimulus": labels, "category": ("stimulus", np.arange(n) % 3)})


def _active(net: torch.nn.Module) -> torch.nn.Module:
    """Float64 (no spike flips from float32 rounding between batch sizes) and batch norms that
    drive every layer to spike on random images (untrained nets are nearly silent)."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.weight.fill_(4.0)
                m.bias.fill_(0.9)
    return net.double()


def _snn() -> torch.nn.Module:
    torch.manual_seed(0)
    return _active(SEWResNet.example()[0])


def _manual_rates(net: torch.nn.Module, images: np.ndarray, layer: str) -> np.ndarray:
    """Reset, image repeated over T steps, layer output [T, 1, ...] averaged over T."""
    module = dict(net.named_modules())[layer]
    seen = []
    handle = module.register_forward_hook(lambda m, i, o: seen.append(o))
    rows = []
    net.eval()
    with torch.no_grad():
        for img in images:
            reset_states(net)
            x = torch.as_tensor(img, dtype=torch.float64)[None, None].repeat(T, 1, 1, 1, 1)
            net(x)
            out = seen.pop()
            rows.append(out.reshape(T, -1).double().mean(0).numpy())
    handle.remove()
    return np.stack(rows)


# ---------------------------------------------------------------------------- non-spiking


def test_cnn_matches_manual_forward(rng):
    net, stim = _cnn(), _images(rng, n=9)
    acts = extract_activations(net, stim, ["2", "5", "7"], batch_size=4, progress=False)
    x = torch.as_tensor(stim.values, dtype=torch.float32)
    net.eval()
    with torch.no_grad():
        for name, depth in (("2", 3), ("5", 6), ("7", 8)):
            expected = net[:depth](x).flatten(1).double()
            torch.testing.assert_close(torch.as_tensor(acts[name].values), expected,
                                       rtol=1e-5, atol=1e-6)
    a = acts["5"]
    assert a.dims == ("stimulus", "feature") and a.dtype == np.float64
    assert a["stimulus"].values.tolist() == stim["stimulus"].values.tolist()
    assert a["category"].values.tolist() == stim["category"].values.tolist()
    assert a.attrs["layer_shape"].tolist() == [6, 2, 2] and a.attrs["layer"] == "5"
    assert a.attrs["units"] == "a.u." and a.attrs["mode"] == "static"
    assert list(acts) == ["2", "5", "7"]


def test_cnn_batching_invariance_and_array_input(rng):
    net, stim = _cnn(), _images(rng, n=10)
    one = extract_activations(net, stim, "5", batch_size=1, progress=False)["5"]
    seven = extract_activations(net, stim.values, "5", batch_size=7, progress=False)["5"]
    np.testing.assert_allclose(one.values, seven.values, rtol=1e-5, atol=1e-6)  # float32
    assert seven["stimulus"].values.tolist() == list(range(10))  # array input: integer labels


def test_training_mode_restored_and_eval_used(rng):
    net, stim = _cnn(), _images(rng, n=6)
    net.train()
    net[1].eval()  # a frozen BN inside a training model must stay frozen, the rest training
    flags = [m.training for m in net.modules()]
    acts = extract_activations(net, stim, "2", progress=False)
    assert [m.training for m in net.modules()] == flags
    net.eval()
    with torch.no_grad():
        expected = net[:3](torch.as_tensor(stim.values, dtype=torch.float32)).flatten(1)
    torch.testing.assert_close(torch.as_tensor(acts["2"].values), expected.double(),
                               rtol=1e-5, atol=1e-6)
    assert all(p.grad is None for p in net.parameters())


def test_unknown_layer_names_close_matches(rng):
    net = _snn()
    with pytest.raises(MissingDataError, match="stages.0.0.residual.2") as err:
        extract_activations(net, _images(rng, n=4), ["stages.0.0.residual.22"], time_steps=2,
                            progress=False)
    assert err.value.field == "layers" and "residual.22" in err.value.found
    with pytest.raises(MissingDataError):
        extract_activations(_cnn(), _images(rng, n=4), ["conv1"], progress=False)


def test_bad_inputs(rng):
    net, stim = _cnn(), _images(rng, n=5)
    bad = stim.copy()
    bad[2, 0, 0, 0] = np.nan
    with pytest.raises(InvalidValueError, match="img02"):
        extract_activations(net, bad, "2", progress=False)
    with pytest.raises(SchemaError):
        extract_activations(net, stim.rename(stimulus="image"), "2", progress=False)
    with pytest.raises(ConfigError):
        extract_activations(net, stim, "2", batch_size=0, progress=False)
    with pytest.raises(ConfigError):
        extract_activations(net, stim, "2", mode="video", progress=False)
    with pytest.raises(ConfigError):  # a spiking network needs T
        extract_activations(_snn(), stim, "stem.2", progress=False)
    with pytest.raises(ConfigError):
        extract_activations(net, stim, ["2", "2"], progress=False)


# ---------------------------------------------------------------------------- SNN, static


def test_snn_static_matches_manual_loop(rng):
    net, stim = _snn(), _images(rng, n=7)
    layers = ["stem.2", "stages.1.0.residual.5", "stages.0.0.residual.0.0"]
    acts = extract_activations(net, stim, layers, time_steps=T, batch_size=3, progress=False)
    for layer in layers:
        expected = _manual_rates(net, stim.values, layer)
        np.testing.assert_allclose(acts[layer].values, expected, rtol=1e-5, atol=1e-6)
    rates = acts["stem.2"]
    assert 0.02 < float(rates.mean()) < 0.98 and float(rates.std()) > 0  # it does spike
    assert rates.attrs["units"] == "spikes/step" and rates.attrs["time_steps"] == T
    assert rates.attrs["layer_shape"].tolist() == [4, 8, 8]
    conv = acts["stages.0.0.residual.0.0"]  # inside TimeDistributed: [T*B, ...] unfolded
    assert conv.attrs["units"] == "a.u." and conv.attrs["layer_shape"].tolist() == [4, 8, 8]
    counts = extract_activations(net, stim, "stem.2", time_steps=T, reduce="sum",
                                 progress=False)["stem.2"]
    np.testing.assert_allclose(counts.values, rates.values * T, atol=1e-9)


def test_snn_static_state_reset_per_batch(rng):
    net, stim = _snn(), _images(rng, n=8)
    layer = "stages.1.0.residual.5"
    ref = extract_activations(net, stim, layer, time_steps=T, batch_size=8,
                              progress=False)[layer]
    assert all(m.is_reset() for m in net.modules() if hasattr(m, "is_reset"))  # left reset
    order = rng.permutation(8)
    shuffled = extract_activations(net, stim.isel(stimulus=order), layer, time_steps=T,
                                   batch_size=3, progress=False)[layer]
    realigned = shuffled.sel(stimulus=ref["stimulus"].values)
    np.testing.assert_allclose(realigned.values, ref.values, rtol=1e-5, atol=1e-6)
    # without the reset the state leaks from batch to batch: results change
    leaky = extract_activations(net, stim, layer, time_steps=T, batch_size=1,
                                reset=lambda m: None, progress=False)[layer]
    assert not np.allclose(leaky.values, ref.values)


def test_snn_single_step_model_equals_multi_step(rng):
    net, stim = _snn(), _images(rng, n=5)
    single = copy.deepcopy(net)
    set_step_mode(single, "single")
    layer = "stages.0.0.residual.5"
    multi = extract_activations(net, stim, layer, time_steps=T, progress=False)[layer]
    stepped = extract_activations(single, stim, layer, time_steps=T, progress=False)[layer]
    np.testing.assert_allclose(stepped.values, multi.values, rtol=1e-5, atol=1e-6)


def test_poisson_encoder_seeded_and_batch_invariant(rng):
    net, stim = _snn(), _images(rng, n=6)
    kw = dict(time_steps=T, encoder="poisson", progress=False)
    a = extract_activations(net, stim, "stem.2", batch_size=6, seed=3, **kw)["stem.2"]
    b = extract_activations(net, stim, "stem.2", batch_size=4, seed=3, **kw)["stem.2"]
    c = extract_activations(net, stim, "stem.2", batch_size=6, seed=4, **kw)["stem.2"]
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)


# ---------------------------------------------------------------------------- SNN, movie


def _movie(rng: np.random.Generator, n: int = 9) -> xr.DataArray:
    return xr.DataArray(rng.random((n, 1, 8, 8)) * 2, dims=("frame", "channel", "y", "x"),
                        coords={"frame": np.arange(100, 100 + n)})


@pytest.mark.parametrize("builder", ["recurrent", "vgg"])
def test_movie_state_kept_across_chunks(rng, builder):
    torch.manual_seed(1)
    net, _ = RecurrentSNN.example() if builder == "recurrent" else SpikingVGG.example()
    net = _active(net)
    movie = _movie(rng)
    layers = layer_names(net)[:3]
    chunked = extract_activations(net, movie, layers, mode="movie", batch_size=4,
                                  frame_rate=30.0, progress=False)
    frame_by_frame = extract_activations(net, movie, layers, mode="movie", batch_size=1,
                                         progress=False)
    single = copy.deepcopy(net)
    set_step_mode(single, "single")
    stepped = extract_activations(single, movie, layers, mode="movie", batch_size=4,
                                  progress=False)
    # reference: the whole movie as one sequence [n, 1, ...] through the network
    modules = dict(net.named_modules())
    seen: dict[str, torch.Tensor] = {}
    handles = [modules[name].register_forward_hook(
        lambda m, i, o, name=name: seen.setdefault(name, []).append(o)) for name in layers]
    net.eval()
    reset_states(net)
    with torch.no_grad():
        net(torch.as_tensor(movie.values)[:, None])
    for handle in handles:
        handle.remove()
    reset_states(net)
    # a version that resets the state before every frame (static mode, one frame per batch)
    reset_each = extract_activations(net, movie.rename(frame="stimulus"), layers, time_steps=1,
                                     batch_size=1, progress=False)
    for name in layers:
        whole = torch.cat([o.reshape(o.shape[0] if o.dim() > 2 else 1, -1) for o in seen[name]])
        a = chunked[name]
        assert a.dims == ("time", "feature") and a.sizes["time"] == movie.sizes["frame"]
        np.testing.assert_allclose(a.values, whole.double().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(frame_by_frame[name].values, a.values, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(stepped[name].values, a.values, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(reset_each[name].values[0], a.values[0], rtol=1e-5, atol=1e-6)
    assert any(not np.allclose(reset_each[name].values[1:], chunked[name].values[1:])
               for name in layers)  # state is kept across frames
    a = chunked[layers[0]]
    np.testing.assert_allclose(a["time"].values, np.arange(9) / 30.0)
    assert a["frame"].values.tolist() == list(range(100, 109))
    assert a.attrs["mode"] == "movie"


def test_movie_array_input_and_steps_per_frame(rng):
    torch.manual_seed(2)
    net = _active(SpikingVGG.example()[0])
    frames = rng.random((6, 1, 8, 8)) * 2
    layer = "features.2"
    out = extract_activations(net, frames, layer, mode="movie", time_steps=2, batch_size=4,
                              progress=False)[layer]
    assert out["time"].values.tolist() == list(range(6))
    assert out["time"].attrs["units"] == "frame"
    # each frame held for 2 steps == the movie with every frame doubled, averaged pairwise
    doubled = extract_activations(net, np.repeat(frames, 2, axis=0), layer, mode="movie",
                                  batch_size=5, progress=False)[layer]
    expected = doubled.values.reshape(6, 2, -1).mean(1)
    np.testing.assert_allclose(out.values, expected, rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------------------- layer_names


def test_layer_names_kinds_and_forward_order():
    net, x = SEWResNet.example()
    spiking = layer_names(net)
    assert spiking[0] == "stem.2" and all("residual" in n or "shortcut" in n
                                          for n in spiking[1:])
    assert layer_names(net, "spiking") == layer_names(net, "stateful")
    assert layer_names(net, "conv")[0] == "stem.0.0"
    assert layer_names(net, "linear") == ["head.2"]
    ordered = layer_names(net, "spiking", example_input=x)
    assert sorted(ordered) == sorted(spiking)
    cnn = _cnn()
    assert layer_names(cnn) == ["0", "4", "7"]
    assert layer_names(cnn, lambda m: isinstance(m, torch.nn.ReLU)) == ["2", "5"]
    with pytest.raises(ConfigError):
        layer_names(cnn, "neurons")
