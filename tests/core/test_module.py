import csv

import pytest
import torch

from neurokit.core import Classifier, NeurokitModule, XarrayDataModule, fit
from neurokit.errors import ConfigError, TrainingError
from neurokit.snn.base import StatefulModule
from tests.core.conftest import make_model

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_metrics_are_logged_as_stage_slash_name(blobs, tmp_path):
    dm = XarrayDataModule.from_dataarray(blobs, batch_size=8, val_fraction=0.25)
    res = fit(make_model(), dm, run_dir=tmp_path, max_epochs=2)
    with open(res.run_dir / "metrics.csv", newline="") as f:
        header = next(csv.reader(f))
    for name in ("train/loss", "train/accuracy", "val/loss", "val/accuracy"):
        assert name in header
    assert not [h for h in header if h.endswith(("_step", "_epoch"))]
    assert set(res.metrics) >= {"train/loss", "val/loss", "val/accuracy"}


class _NaNAt(Classifier):
    """Gives a NaN loss at one global step."""

    def __init__(self, net, bad_step: int = 2):
        super().__init__(net)
        self.bad_step = bad_step

    def compute(self, batch, stage):
        out = super().compute(batch, stage)
        if stage == "train" and self.global_step == self.bad_step:
            out["loss"] = out["loss"] * float("nan")
        return out


def test_nan_loss_stops_with_the_step_named(blobs, tmp_path):
    from neurokit.core import MLP

    dm = XarrayDataModule.from_dataarray(blobs, batch_size=8, val_fraction=0.25)
    model = _NaNAt(MLP(in_features=6, n_outputs=2), bad_step=2)
    with pytest.raises(TrainingError) as err:
        fit(model, dm, run_dir=tmp_path, max_epochs=3)
    msg = str(err.value)
    assert "stage 'train'" in msg and "epoch 0" in msg
    assert "global step 2" in msg and "batch 2" in msg
    assert err.value.field == "train/loss"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"optimizer": "adagrad"}, "optimizer"), ({"scheduler": "onecycle"}, "scheduler"),
    ({"lr": -1.0}, "lr"), ({"weight_decay": float("nan")}, "weight_decay"),
])
def test_bad_optimiser_settings_raise_config_error(kwargs, field):
    with pytest.raises(ConfigError) as err:
        make_model(**kwargs)
    assert err.value.field == field and "expected" in str(err.value)


@pytest.mark.parametrize(("name", "cls"), [("adamw", torch.optim.AdamW),
                                           ("sgd", torch.optim.SGD)])
def test_optimiser_from_hyperparameters(name, cls):
    model = make_model(optimizer=name, lr=0.01, weight_decay=1e-4)
    opt = model.configure_optimizers()
    assert isinstance(opt, cls)
    assert opt.defaults["lr"] == 0.01 and opt.defaults["weight_decay"] == 1e-4
    assert model.hparams.optimizer == name  # saved for checkpoints and config.yaml


@pytest.mark.parametrize(("name", "cls"), [
    ("cosine", torch.optim.lr_scheduler.CosineAnnealingLR),
    ("step", torch.optim.lr_scheduler.StepLR),
])
def test_scheduler_from_hyperparameters(name, cls):
    conf = make_model(scheduler=name).configure_optimizers()
    assert isinstance(conf["lr_scheduler"]["scheduler"], cls)


class _Counter(StatefulModule):
    """Counts calls since its last reset and records the count it saw on entry."""

    def __init__(self):
        super().__init__()
        self.register_memory("n", 0)
        self.seen: list[int] = []

    def multi_step_forward(self, x):
        self.seen.append(self.n)
        self.n = self.n + 1
        return x


def test_states_are_reset_before_every_batch():
    from neurokit.core import MLP

    counter = _Counter()
    model = Classifier(torch.nn.Sequential(counter, MLP(in_features=3, n_outputs=2)))
    batch = (torch.zeros(4, 3), torch.zeros(4, dtype=torch.long))
    for i, step in enumerate([model.training_step, model.validation_step, model.test_step]):
        loss = step(batch, i)
        assert loss.ndim == 0 and torch.isfinite(loss)
    assert counter.seen == [0, 0, 0]


def test_compute_is_required():
    class Bare(NeurokitModule):
        pass

    with pytest.raises(NotImplementedError, match="compute"):
        Bare().compute(None, "train")
