# %% [markdown]
# # Train a spiking CNN from a YAML config with `neurokit fit`
#
# The config `examples/configs/spiking_cnn_digits.yaml` names the model (a spiking VGG-style
# CNN from the architecture registry), the data source (scikit-learn's bundled 8x8 digits,
# no download) and the trainer. `neurokit fit --config` trains it through the Lightning core
# and writes one run folder: the resolved `config.yaml`, `metrics.csv` and checkpoints.
# Any value can be overridden on the command line. The same run from Python is
# `neurokit.core.fit(model, datamodule, ...)`.

# %% parameters
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from _output import output_folder

from neurokit.core import SpikingClassifier, load_checkpoint

OUT = output_folder("04_spiking_cnn_cli")
CONFIG = Path(__file__).resolve().parent / "configs" / "spiking_cnn_digits.yaml"
EPOCHS = 6

# %% train from the command line (here through subprocess; in a shell just run the command)
command = [
    sys.executable, "-m", "neurokit", "fit", "--config", str(CONFIG),
    "--trainer.max_epochs", str(EPOCHS), "--run_dir", str(OUT / "runs"),
]
print(" ".join(command[2:]))
done = subprocess.run(command, capture_output=True, text=True, check=True)
print(done.stdout)
run = OUT / "runs" / "spiking_cnn_digits" / "version_0"
print(sorted(p.name for p in run.iterdir()))

# %% learning curves from the run's CSV log
metrics = pd.read_csv(run / "metrics.csv")
per_epoch = metrics.groupby("epoch").mean(numeric_only=True)
print(per_epoch[["train/loss", "val/loss", "val/accuracy"]].round(3))

import matplotlib.pyplot as plt  # noqa: E402

fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
ax_loss.plot(per_epoch.index, per_epoch["train/loss"], marker="o", label="train")
ax_loss.plot(per_epoch.index, per_epoch["val/loss"], marker="o", label="validation")
ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
ax_loss.legend()
ax_acc.plot(per_epoch.index, per_epoch["val/accuracy"], marker="o", color="C2")
ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1), title="validation accuracy")
fig.savefig(OUT / "learning_curves.png", dpi=120)

# %% the last checkpoint loads safely (weights only, class checked) into the same model class
last = run / "checkpoints" / "last.ckpt"
checkpoint = load_checkpoint(last, expected_cls=SpikingClassifier)
print(f"checkpoint of epoch {checkpoint['epoch']}: {checkpoint['neurokit_class']}")
model = SpikingClassifier.load_from_checkpoint(last, weights_only=True)
final_accuracy = float(per_epoch["val/accuracy"].iloc[-1])
print(f"validation accuracy after {EPOCHS} epochs: {final_accuracy:.3f}")
assert final_accuracy > 0.8
