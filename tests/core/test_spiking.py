"""SpikingClassifier and SpikeStatistics over the SNN engine (skipped until it is there)."""

import numpy as np
import pytest
import torch

from neurokit.core import SpikeStatistics, SpikingClassifier, XarrayDataModule, fit
from neurokit.core.sources import load_digits
from neurokit.errors import ConfigError

pytest.importorskip("neurokit.snn.models.vgg")
pytest.importorskip("neurokit.snn.encoding")

pytestmark = [pytest.mark.filterwarnings("ignore::UserWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

VGG = {"in_channels": 1, "n_outputs": 10, "widths": [4, 8]}


def _digits_dm():
    da = load_digits().isel(trial=slice(0, 48)).expand_dims("channel", axis=1)
    return XarrayDataModule.from_dataarray(da, batch_size=16, val_fraction=0.25)


def test_bptt_with_spike_statistics(tmp_path):
    pytest.importorskip("neurokit.snn.monitor")
    model = SpikingClassifier(network="spiking_vgg", network_kwargs=VGG, time_steps=2, lr=0.01)
    stats = SpikeStatistics()
    res = fit(model, _digits_dm(), run_dir=tmp_path, max_epochs=1, callbacks=[stats])
    rates = {k: v for k, v in res.metrics.items() if k.startswith("val/firing_rate/")}
    assert rates and all(0.0 <= v <= 1.0 for v in rates.values())
    assert set(rates) == {f"val/firing_rate/{n}" for n in stats.summary_.layer.values}
    assert np.isfinite(res.metrics["train/loss"])


@pytest.mark.parametrize("method", ["sltt", "sltt_k"])
def test_sltt_updates_the_weights(method):
    pytest.importorskip("neurokit.snn.training")
    model = SpikingClassifier(network="spiking_vgg", network_kwargs=VGG, encoder="poisson",
                              time_steps=3, training_method=method, sltt_k=1, lr=0.05)
    assert model.automatic_optimization is False
    before = {k: v.clone() for k, v in model.state_dict().items()}

    class _Opt:  # stands in for the trainer's optimiser wrapper
        def __init__(self, opt):
            self.opt = opt

        def zero_grad(self):
            self.opt.zero_grad()

        def step(self):
            self.opt.step()

    opt = _Opt(model.configure_optimizers())
    model.optimizers = lambda: opt
    x = torch.rand(4, 1, 8, 8)
    out = model.compute((x, torch.tensor([0, 1, 2, 3])), "train")
    assert out["loss"].ndim == 0 and not out["loss"].requires_grad
    changed = [k for k, v in model.state_dict().items() if not torch.equal(v, before[k])]
    assert changed


def test_bad_spiking_settings():
    with pytest.raises(ConfigError) as err:
        SpikingClassifier(network="no_such_net")
    assert err.value.field == "network" and "spiking_vgg" in str(err.value)
    for kwargs, field in (({"encoder": "rate"}, "encoder"),
                          ({"training_method": "eprop"}, "training_method")):
        with pytest.raises(ConfigError) as err:
            SpikingClassifier(network="spiking_vgg", network_kwargs=VGG, **kwargs)
        assert err.value.field == field


def test_sequence_encoder_makes_time_major():
    model = SpikingClassifier(network="spiking_vgg", network_kwargs=VGG, encoder="sequence")
    x = torch.rand(5, 3, 1, 8, 8)  # [B, T, C, H, W]
    assert model.encode(x).shape == (3, 5, 1, 8, 8)
    assert model(x).shape == (3, 5, 10)


def test_delay_task_source():
    pytest.importorskip("neurokit.datasets.delay_task")
    dm = XarrayDataModule(source="delay_task", source_kwargs={"n_samples": 32},
                          val_fraction=0.25, batch_size=8)
    dm.setup("fit")
    x, y = next(iter(dm.train_dataloader()))
    assert x.shape == (8, *dm.input_shape_) and y.dtype == torch.int64


def test_sltt_k_through_the_trainer(tmp_path):
    pytest.importorskip("neurokit.snn.training")
    model = SpikingClassifier(network="spiking_vgg", network_kwargs=VGG, time_steps=2,
                              training_method="sltt_k", sltt_k=1, scheduler="cosine", lr=0.01)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    res = fit(model, _digits_dm(), run_dir=tmp_path, max_epochs=2, limit_train_batches=1)
    assert res.trainer.global_step == 2  # one optimiser step per batch, manual optimisation
    assert any(not torch.equal(v, before[k]) for k, v in model.state_dict().items())
    lr = res.trainer.optimizers[0].param_groups[0]["lr"]
    assert lr < 0.01  # the cosine schedule was stepped at epoch ends


def test_sltt_refuses_several_processes():
    from types import SimpleNamespace

    model = SpikingClassifier(network="spiking_vgg", network_kwargs=VGG, training_method="sltt")
    model._trainer = SimpleNamespace(world_size=2)
    with pytest.raises(ConfigError, match="bptt"):
        model.on_fit_start()
    model._trainer = SimpleNamespace(world_size=1)
    model.on_fit_start()  # one process: fine
