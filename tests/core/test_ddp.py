"""Scale-out through Lightning: DDP on CPU with gloo, two processes."""

import csv
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from neurokit.core import Classifier, load_checkpoint

REPO = Path(__file__).resolve().parents[2]

# Lightning's DDP launcher re-runs this script for rank 1, so it must be a standalone file.
_DDP_RUN = """
import json, os, sys
sys.path.insert(0, {repo!r})
import torch
from neurokit.core import XarrayDataModule, fit
from tests.core.conftest import make_blobs, make_model

dm = XarrayDataModule.from_dataarray(make_blobs(n=64), batch_size=8, val_fraction=0.25)
res = fit(make_model(lr=0.02), dm, run_dir={run_dir!r}, name="ddp", max_epochs=3,
          strategy="ddp", accelerator="cpu", devices=2)
t = res.trainer
out = {{"rank": t.global_rank, "world": t.world_size, "run_dir": str(res.run_dir),
       "backend": torch.distributed.get_backend() if torch.distributed.is_initialized()
                  else None,
       "n_train_batches": t.num_training_batches,
       "weights": {{k: v.tolist() for k, v in res.model.state_dict().items()}}}}
with open(os.path.join({run_dir!r}, f"rank{{t.global_rank}}.json"), "w") as f:
    json.dump(out, f)
"""


@pytest.mark.slow
def test_ddp_two_cpu_processes(tmp_path):
    script = tmp_path / "ddp_run.py"
    script.write_text(textwrap.dedent(_DDP_RUN.format(repo=str(REPO), run_dir=str(tmp_path))))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, timeout=240, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["rank"] for r in ranks] == [0, 1] and {r["world"] for r in ranks} == {2}
    assert {r["backend"] for r in ranks} == {"gloo"}
    assert ranks[0]["run_dir"] == ranks[1]["run_dir"]  # one run folder for both processes
    # 48 training samples / 8 per batch / 2 processes: each rank sees half the batches
    assert {r["n_train_batches"] for r in ranks} == {3}
    # gradients were all-reduced: both replicas end with the same weights
    w0, w1 = ranks[0]["weights"], ranks[1]["weights"]
    assert all(torch.equal(torch.tensor(w0[k]), torch.tensor(w1[k])) for k in w0)
    run = Path(ranks[0]["run_dir"])
    with open(run / "metrics.csv", newline="") as f:
        val = [float(r["val/loss"]) for r in csv.DictReader(f) if r.get("val/loss")]
    assert len(val) == 3 and val[-1] < val[0]
    ckpt = load_checkpoint(run / "checkpoints" / "last.ckpt", expected_cls=Classifier)
    assert ckpt["epoch"] == 2
    assert all(torch.equal(ckpt["state_dict"][k], torch.tensor(w0[k])) for k in w0)
