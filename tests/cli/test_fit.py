"""``neurokit fit --config CONFIG.yaml``: LightningCLI over the training core."""

import csv

import pytest
import yaml

pytest.importorskip("lightning")
pytest.importorskip("jsonargparse")

from neurokit.cli import main  # noqa: E402
from tests.core.conftest import make_blobs  # noqa: E402

pytestmark = [pytest.mark.filterwarnings("ignore::UserWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture
def tiny_config(tmp_path):
    data = tmp_path / "blobs.nc"
    make_blobs().to_netcdf(data, engine="h5netcdf")
    config = {
        "seed_everything": 3,
        "model": {"class_path": "neurokit.core.Classifier", "init_args": {
            "net": {"class_path": "neurokit.core.MLP",
                    "init_args": {"in_features": 6, "n_outputs": 2, "hidden": [8]}},
            "lr": 0.05}},
        "data": {"source": str(data), "split_by": "session", "batch_size": 8},
        "trainer": {"max_epochs": 2},
        "run_dir": str(tmp_path / "runs"),
        "name": "tiny",
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_fit_writes_a_run_folder(tiny_config, tmp_path, capsys):
    assert main(["fit", "--config", str(tiny_config), "--model.init_args.lr", "0.02"]) == 0
    run = tmp_path / "runs" / "tiny" / "version_0"
    assert "run folder:" in capsys.readouterr().out
    assert {p.name for p in (run / "checkpoints").iterdir()} >= {"last.ckpt", "epoch001.ckpt"}
    with open(run / "metrics.csv", newline="") as f:
        header = next(csv.reader(f))
    assert {"train/loss", "val/loss", "val/accuracy"} <= set(header)
    resolved = yaml.safe_load((run / "config.yaml").read_text())
    assert resolved["model"]["init_args"]["lr"] == 0.02  # the override is recorded
    assert resolved["data"]["split_by"] == "session" and resolved["seed_everything"] == 3
    # the resolved config runs again as it is
    assert main(["fit", "--config", str(run / "config.yaml"), "--name", "again"]) == 0
    assert (tmp_path / "runs" / "again" / "version_0" / "checkpoints" / "last.ckpt").is_file()


@pytest.mark.parametrize(("override", "field"), [
    (["--model", "neurokit.core.SpikingClassifier", "--model.network", "no_such_net"],
     "network"),
    (["--model.init_args.optimizer", "adagrad"], "optimizer"),
    (["--data.source", "no_such_source"], "source"),
])
def test_bad_config_gives_a_clear_error(tiny_config, override, field, capsys):
    assert main(["fit", "--config", str(tiny_config), *override]) == 2
    err = capsys.readouterr().err
    assert err.startswith("neurokit fit: error:")
    assert f"field '{field}'" in err and "expected" in err


def test_help_lists_the_config_options(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["fit", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "--config" in out and "--model" in out and "--run_dir" in out
