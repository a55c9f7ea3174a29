import csv
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
import yaml

from neurokit.core import Classifier, XarrayDataModule, fit, load_checkpoint
from neurokit.core.classifier import MLP
from neurokit.errors import CheckpointError
from tests.core.conftest import make_blobs, make_model

pytestmark = [pytest.mark.filterwarnings("ignore::UserWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

REPO = Path(__file__).resolve().parents[2]


def _dm(**kwargs):
    kwargs = {"batch_size": 8, "val_fraction": 0.25, "split_by": "trial", **kwargs}
    return XarrayDataModule.from_dataarray(make_blobs(), **kwargs)


def _weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_same_seed_same_weights(tmp_path):
    runs = [fit(make_model(seed=s), _dm(), run_dir=tmp_path, seed=s, max_epochs=2)
            for s in (0, 0, 1)]
    w = [_weights(r.model) for r in runs]
    assert _equal(w[0], w[1])
    assert not _equal(w[0], w[2])
    assert [r.run_dir.name for r in runs] == ["version_0", "version_1", "version_2"]


def test_run_folder_contents(tmp_path):
    res = fit(make_model(), _dm(), run_dir=tmp_path, name="blobs", max_epochs=2)
    assert res.run_dir == tmp_path / "blobs" / "version_0"
    names = {p.name for p in (res.run_dir / "checkpoints").iterdir()}
    assert names == {"last.ckpt", "epoch000.ckpt", "epoch001.ckpt"}
    assert res.last_checkpoint == res.run_dir / "checkpoints" / "last.ckpt"
    assert res.best_checkpoint is not None and res.best_checkpoint.parent.name == "checkpoints"
    config = yaml.safe_load((res.run_dir / "config.yaml").read_text())
    assert config["model"]["class_path"] == "neurokit.core.classifier.Classifier"
    assert config["model"]["init_args"]["lr"] == 0.05
    assert config["data"]["val_fraction"] == 0.25
    assert config["trainer"]["max_epochs"] == 2 and config["seed_everything"] == 0
    assert config["name"] == "blobs" and config["resume"] is False
    with open(res.run_dir / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    epochs = {int(r["epoch"]) for r in rows if r.get("val/loss")}
    assert epochs == {0, 1}
    assert res.trainer.progress_bar_callback is None  # stdout is not a terminal under pytest
    # the model learnt the separable blobs
    assert res.metrics["val/accuracy"] > 0.9


_KILLED_RUN = """
import os, sys
sys.path.insert(0, {repo!r})
import lightning as L
from neurokit.core import XarrayDataModule, fit
from tests.core.conftest import make_blobs, make_model

class Kill(L.Callback):
    def on_train_epoch_start(self, trainer, pl_module):  # epoch {k}'s checkpoint is on disk
        if trainer.current_epoch == {k} + 1:
            os._exit(17)  # no clean-up at all, like SIGKILL

dm = XarrayDataModule.from_dataarray(make_blobs(), batch_size=8, val_fraction=0.25)
fit(make_model(), dm, run_dir={run_dir!r}, name="r", max_epochs={n}, callbacks=[Kill()])
"""


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    k, n = 1, 4
    script = tmp_path / "killed.py"
    script.write_text(textwrap.dedent(_KILLED_RUN.format(repo=str(REPO), k=k, n=n,
                                                         run_dir=str(tmp_path / "runs"))))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 17, proc.stderr[-2000:]
    last = tmp_path / "runs" / "r" / "version_0" / "checkpoints" / "last.ckpt"
    assert load_checkpoint(last)["epoch"] == k

    resumed = fit(make_model(seed=123), _dm(), run_dir=tmp_path / "runs", name="r",
                  max_epochs=n, resume="last")
    whole = fit(make_model(), _dm(), run_dir=tmp_path / "runs", name="whole", max_epochs=n)
    assert resumed.run_dir == last.parent.parent  # continues the killed run's folder
    assert _equal(_weights(resumed.model), _weights(whole.model))
    assert resumed.trainer.current_epoch == n
    with open(resumed.run_dir / "metrics.csv", newline="") as f:
        epochs = sorted({int(r["epoch"]) for r in csv.DictReader(f) if r.get("val/loss")})
    assert epochs == list(range(n))  # the log continues the killed run's log


class OtherClassifier(Classifier):
    pass


def test_checkpoint_of_another_model_is_refused(tmp_path):
    res = fit(make_model(), _dm(), run_dir=tmp_path, max_epochs=1)
    other = OtherClassifier(MLP(in_features=6, n_outputs=2, hidden=(8,)))
    with pytest.raises(CheckpointError) as err:
        fit(other, _dm(), run_dir=tmp_path, resume=res.last_checkpoint, max_epochs=2)
    assert "Classifier" in str(err.value) and "OtherClassifier" in str(err.value)
    wider = Classifier(MLP(in_features=6, n_outputs=2, hidden=(16,)))
    with pytest.raises(CheckpointError, match="shape"):
        fit(wider, _dm(), run_dir=tmp_path, resume=res.last_checkpoint, max_epochs=2)
    with pytest.raises(CheckpointError, match="nothing to resume"):
        fit(make_model(), _dm(), run_dir=tmp_path, name="empty", resume="last")
    # Lightning's own loading path checks the class too
    ckpt = torch.load(res.last_checkpoint, weights_only=True)
    with pytest.raises(CheckpointError):
        other.on_load_checkpoint(ckpt)


class Payload:
    """Stands for any object a crafted checkpoint would unpickle (and run code from)."""

    def __reduce__(self):
        return (os.getcwd, ())


def test_checkpoint_with_pickled_objects_is_refused(tmp_path):
    res = fit(make_model(), _dm(), run_dir=tmp_path, max_epochs=1)
    ckpt = torch.load(res.last_checkpoint, weights_only=True)
    ckpt["extra"] = Payload()
    evil = tmp_path / "evil.ckpt"
    torch.save(ckpt, evil)
    with pytest.raises(CheckpointError, match="arbitrary Python objects"):
        load_checkpoint(evil)
    with pytest.raises(CheckpointError):
        fit(make_model(), _dm(), run_dir=tmp_path, resume=evil, max_epochs=2)
    with pytest.raises(CheckpointError, match="not a model checkpoint"):
        torch.save([1, 2], tmp_path / "list.ckpt")
        load_checkpoint(tmp_path / "list.ckpt")
