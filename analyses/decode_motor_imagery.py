"""Decoding real EEG with every neurokit decoder and its peers, on the same folds.

**Part 1: motor imagery (PhysioNet EEGMMIDB, subject S001, runs 4, 8, 12).** Left-fist (T1)
versus right-fist (T2) imagery: 45 trials (23 left, 22 right), 64 EEG channels at 160 Hz
(EDF, read with :func:`neurokit.io.read_eeg`, 10-05 template positions). Preprocessing:
zero-phase 4th-order Butterworth band-pass of the continuous runs (:func:`filter_signal`),
8-30 Hz for the Riemannian, CSP and spiking decoders (mu + beta), 4-38 Hz for the CNNs (the
band of braindecode's motor-imagery examples); epochs **0.5-3.5 s after the cue** (480
samples; the first 0.5 s holds the visual cue response) with :func:`epoch`.

Decoders, all run through :func:`neurokit.decoding.evaluation.cross_validate`:

* neurokit: ``TangentSpaceClassifier`` (OAS covariances -> tangent space -> logistic
  regression), ``MDMClassifier``, ``AugmentedCovarianceClassifier`` (delay embedding + tangent
  space + RBF SVM; order and lag chosen inside every training fold by a nested 3-fold grid
  search over orders {1, 2, 3, 4} x lags {1, 2, 4} on the 21 sensorimotor channels FC/C/CP 5-6
  — on all 64 channels a 4 x 5 sub-grid already took ~8 min per outer fold on one core
  (matrices up to 256 x 256; the paper's 10 x 10 grid reaches 640 x 640), ``EEGClassifier``
  with ShallowConvNet, EEGNet-8,2 and Deep4Net, and the ``SpikingDecoder`` (send-on-delta
  spikes -> LIF network; with its energy estimate);
* peers in the same script: pyRiemann ``Covariances("oas") -> TangentSpace ->
  LogisticRegression`` and ``Covariances("oas") -> MDM``; MNE ``CSP`` (4 components, log
  variance) + LDA; braindecode's ``ShallowFBCSPNet`` and ``EEGNet`` trained by
  ``braindecode.EEGClassifier`` with the neurokit nets' settings (``import_braindecode`` of
  ``benchmarks/_decoding_cnn.py`` stubs the torchaudio import braindecode 1.8 needs; skipped
  with the reason printed when that fails). By default they run in the within-session scheme
  only: their skorch training is 5-10x slower on CPU than neurokit's (``--braindecode all``).

CNN training (all nets): 40 epochs, batch 16, AdamW + cosine annealing, inputs z-scored per
channel with training-fold statistics; learning rates braindecode's example values, except
EEGNet's 1e-2 (1e-3 stays near chance with ~36 training trials). These settings were chosen
on *simulated* 45-trial motor imagery (``simulate_motor_imagery``), never on these recordings.

Evaluation schemes (identical folds for every decoder, checked):

* ``within_session``: 5-fold stratified cross-validation over the 45 trials, seed 0. The three
  runs were recorded minutes apart in one sitting (same ``meas_date``), so they are one
  session;
* ``cross_run``: leave one run out (train on 30 trials of two runs, test on the 15 of the
  third). EEGMMIDB has no second session per subject: the run is the session-like unit here,
  so this scheme is ``cross_session`` with ``session`` = run.

**What the data can and cannot show.** One subject, 45 trials: a test fold holds 9 (or 15)
trials, so one trial moves a fold's accuracy by 11 (or 7) points, and the 95 % binomial
interval of an accuracy pooled over all 45 trials is about +-14 points wide. Chance is 0.5
(majority class 23/45 = 0.511); pooled accuracy is significantly above chance (one-sided
binomial test, alpha = 0.05, Combrisson & Jerbi 2015) from 29/45 = 0.644 on. The binomial test
treats the 45 test predictions as independent, which cross-validation only approximates. The
numbers rank nothing across decoders: differences of a few trials are noise, and deep networks
are known to need far more than 36 training trials (their papers used 288+ trials per
subject).

**Part 2: EEGLAB tutorial data (``eeg_eeglab_tutorial/test_raw.set``).** 32 channels at 128
Hz; the 80 ``square`` events (visual targets) carry the stimulus ``position`` (1 or 2, 40 each),
an EEGLAB event field MNE drops and :func:`neurokit.io.read_eeg` keeps. Decoding position
from 1-30 Hz epochs -0.2..0.8 s (baseline -0.2..0 s) with the ERP decoder
``XdawnTangentSpaceClassifier`` and EEGNet, 5-fold CV. This copy has no channel locations
(channels ``EEG 000``...), so no topomaps are drawn for it.

Outputs (``<out>/decode_motor_imagery/``): ``scores.csv`` (pipeline x scheme x fold),
``numbers.json``, ``per_fold_accuracy.png``, ``confusion_within_session.png``,
``confusion_cross_run.png``, ``spatial_patterns.png``, ``eeglab_position.png``.

Usage::

    python analyses/decode_motor_imagery.py [--out results/analyses] [--data ../shared/data]
                                            [--quick] [--braindecode within|all|none]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
import xarray as xr  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402

from neurokit._atomic import atomic_path, write_json  # noqa: E402
from neurokit.decoding.evaluation import cross_validate  # noqa: E402
from neurokit.plotting._figure import pyplot, save_figure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAME = "decode_motor_imagery"
SEED = 0
N_SPLITS = 5
RUNS = (4, 8, 12)
MI_LABELS = {"T1": "left", "T2": "right"}
WINDOW = (0.5, 3.5)  # s after the cue
BAND_RIEMANN = (8.0, 30.0)
BAND_CNN = (4.0, 38.0)
#: channels of the augmented covariance method: the FC/C/CP rows, 5 to 6 (10-10 names,
#: matched ignoring case and EEGMMIDB's trailing dots)
SENSORIMOTOR = [f"{row}{col}" for row in ("FC", "C", "CP")
                for col in ("5", "3", "1", "Z", "2", "4", "6")]
ACM_ORDERS, ACM_LAGS, ACM_INNER = (1, 2, 3, 4), (1, 2, 4), 3
#: CNN training per net: braindecode's example lr/weight decay, except EEGNet's lr (1e-2, not
#: 1e-3); chosen on simulated 45-trial motor imagery (simulate_motor_imagery, seeds 1-2: 5-fold
#: accuracy EEGNet 0.91 (0.56-0.59 at lr 1e-3), ShallowConvNet 0.89, Deep4Net 0.80-0.84),
#: never on the recordings analysed here
CNN_SETTINGS = {"shallow": {"max_epochs": 40, "batch_size": 16},
                "eegnet": {"max_epochs": 40, "batch_size": 16, "lr": 1e-2},
                "deep4": {"max_epochs": 40, "batch_size": 16}}
SNN_SETTINGS = {"threshold": 0.5, "decimate": 2, "max_epochs": 40, "batch_size": 16}
EEGLAB_WINDOW, EEGLAB_BASELINE, EEGLAB_BAND = (-0.2, 0.8), (None, 0.0), (1.0, 30.0)
SCHEMES = {"within_session": "within_session", "cross_run": "cross_session"}
ALPHA = 0.05

#: pipeline name -> (input key, estimator)
Pipelines = Mapping[str, tuple[str, Any]]


# --------------------------------------------------------------------------- statistics
def binomial_threshold(n: int, p: float = 0.5, alpha: float = ALPHA) -> tuple[int, float]:
    """Smallest number of correct trials ``k`` with ``P(X >= k) <= alpha``, ``X ~ B(n, p)``.

    Returns ``(k, k / n)``: the accuracy a classifier must reach on ``n`` independent test
    trials to be above chance at level ``alpha`` (one-sided; Combrisson & Jerbi 2015).
    """
    from scipy.stats import binom

    k = next(k for k in range(n + 1) if binom.sf(k - 1, n, p) <= alpha)
    return k, k / n


def binomial_p(k: int, n: int, p: float = 0.5) -> float:
    """One-sided binomial p-value of ``k`` or more correct out of ``n``."""
    from scipy.stats import binom

    return float(binom.sf(k - 1, n, p))


def wilson_ci(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion ``k / n``."""
    phat = k / n
    centre = (phat + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


# --------------------------------------------------------------------------- data
def load_physionet(folder: Path) -> dict[str, xr.DataArray]:
    """The three S001 runs -> epochs per input key (``riemann``, ``cnn``, ``sensorimotor``)."""
    from neurokit.io.mne_reader import read_eeg

    paths = [folder / f"S001R{r:02d}.edf" for r in RUNS]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(", ".join(missing))
    recordings = [read_eeg(p, montage="standard_1005") for p in paths]
    return make_inputs(recordings, MI_LABELS)


def _std_name(name: Any) -> str:
    """``"Fc5."`` -> ``"FC5"``: EEGMMIDB channel names in upper-case 10-10 spelling."""
    return str(name).strip().strip(".").upper()


def make_inputs(recordings: Sequence[xr.Dataset], labels: Mapping[str, str],
                window: tuple[float, float] = WINDOW) -> dict[str, xr.DataArray]:
    """Band-pass each continuous run, cut epochs; one session, the run kept as a coordinate.

    Returns the epochs per input key: ``riemann`` (8-30 Hz), ``cnn`` (4-38 Hz) and
    ``sensorimotor`` (8-30 Hz, the :data:`SENSORIMOTOR` channels present).
    """
    from neurokit.preprocess.epochs import epoch, filter_signal

    def cut(band: tuple[float, float]) -> xr.DataArray:
        ep = epoch([filter_signal(r, *band) for r in recordings], tmin=window[0],
                   tmax=window[1], labels=dict(labels))
        ep = ep.assign_coords(session=("trial", np.full(ep.sizes["trial"], "session 1")))
        return ep.assign_attrs(band_hz=list(band))

    riemann = cut(BAND_RIEMANN)
    picks = [c for c in riemann["channel"].values if _std_name(c) in SENSORIMOTOR]
    return {"riemann": riemann, "cnn": cut(BAND_CNN),
            "sensorimotor": riemann.sel(channel=picks) if picks else riemann}


# --------------------------------------------------------------------------- pipelines
def _load_cnn_plugin() -> Any:
    """``benchmarks/_decoding_cnn.py`` as a module (its ``import_braindecode`` helper)."""
    plugin = ROOT / "benchmarks" / "_decoding_cnn.py"
    if "_decoding_cnn" in sys.modules:
        return sys.modules["_decoding_cnn"]
    spec = importlib.util.spec_from_file_location("_decoding_cnn", plugin)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules["_decoding_cnn"] = module
    return module


class BraindecodeClassifier(ClassifierMixin, BaseEstimator):
    """braindecode's own ShallowFBCSPNet / EEGNet, trained by ``braindecode.EEGClassifier``.

    The protocol of ``benchmarks/_decoding_cnn.py``: inputs z-scored per channel with the
    training trials' statistics (as neurokit's ``standardize="channel"``), float32;
    ``EEGNet(final_layer_with_constraint=True)`` (the paper's max-norm dense layer); AdamW,
    cosine annealing over ``max_epochs``, shuffled batches, cross-entropy, no internal
    validation split, ``torch.manual_seed(seed)`` before building. Learning rate and weight
    decay default to neurokit's per-model values (braindecode's example settings).
    """

    def __init__(self, model: str = "shallow", sfreq: float = 160.0, max_epochs: int = 40,
                 batch_size: int = 16, lr: float | None = None,
                 weight_decay: float | None = None, seed: int = 0) -> None:
        self.model = model
        self.sfreq = sfreq
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.seed = seed

    def _scaled(self, X: Any) -> np.ndarray:
        x = np.asarray(X, dtype=np.float64)
        return ((x - self.mean_[None, :, None]) / self.scale_[None, :, None]).astype(np.float32)

    def fit(self, X: Any, y: Any) -> BraindecodeClassifier:
        """Train on epochs ``X`` ``(trial, channel, time)`` and labels ``y``."""
        from skorch.callbacks import LRScheduler

        from neurokit.decoding.cnn import _TRAINING_DEFAULTS

        bd = _load_cnn_plugin().import_braindecode()
        from braindecode.models import EEGNet, ShallowFBCSPNet

        x = np.asarray(X, dtype=np.float64)
        self.mean_, self.scale_ = x.mean(axis=(0, 2)), x.std(axis=(0, 2))
        self.classes_, y_idx = np.unique(np.asarray(y), return_inverse=True)
        lr, wd = _TRAINING_DEFAULTS[self.model]
        lr = lr if self.lr is None else self.lr
        wd = wd if self.weight_decay is None else self.weight_decay
        kw = {"n_chans": x.shape[1], "n_outputs": len(self.classes_), "n_times": x.shape[2],
              "sfreq": float(self.sfreq)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.manual_seed(self.seed)
            np.random.seed(self.seed)
            net = (ShallowFBCSPNet(**kw) if self.model == "shallow"
                   else EEGNet(**kw, final_layer_with_constraint=True))
            self.net_ = bd.EEGClassifier(
                net, criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.AdamW,
                optimizer__lr=lr, optimizer__weight_decay=wd, train_split=None,
                batch_size=self.batch_size, max_epochs=self.max_epochs,
                iterator_train__shuffle=True,
                callbacks=[("lr_scheduler", LRScheduler("CosineAnnealingLR",
                                                        T_max=self.max_epochs))],
                classes=list(range(len(self.classes_))), device="cpu", verbose=0)
            self.net_.fit(self._scaled(x), y_idx.astype(np.int64))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels ``(trial,)``."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.classes_[np.asarray(self.net_.predict(self._scaled(X)))]


def braindecode_pipelines(cnn: Mapping[str, Mapping[str, Any]], sfreq: float, seed: int
                          ) -> tuple[dict[str, Any], str | None]:
    """braindecode's ShallowFBCSPNet and EEGNet (the neurokit nets' settings), or why not.

    braindecode 1.8 imports torchaudio at module level; ``import_braindecode`` of
    ``benchmarks/_decoding_cnn.py`` stubs it when it cannot be imported (the two nets never
    call it). Returns ``({name: estimator}, None)`` or ``({}, reason)``.
    """
    try:
        _load_cnn_plugin().import_braindecode()
        import skorch  # noqa: F401
    except Exception as err:  # noqa: BLE001 - any failure means: skip, saying why
        return {}, f"braindecode does not import: {type(err).__name__}: {err}"
    return {f"braindecode {label}": BraindecodeClassifier(name, sfreq=sfreq, seed=seed,
                                                          **cnn[name])
            for name, label in (("shallow", "ShallowFBCSPNet"), ("eegnet", "EEGNet"))}, None


def _cnn_settings(quick: bool) -> dict[str, dict[str, Any]]:
    return {k: dict(v, max_epochs=5) if quick else dict(v) for k, v in CNN_SETTINGS.items()}


def default_pipelines(*, quick: bool = False, braindecode: bool = True,
                      deep4: bool = True, sfreq: float = 160.0, seed: int = SEED
                      ) -> tuple[dict, dict[str, str]]:
    """Every decoder of the analysis: ``({name: (input key, estimator)}, {name: skip reason})``."""
    from mne.decoding import CSP
    from pyriemann.classification import MDM
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from neurokit.decoding.cnn import EEGClassifier
    from neurokit.decoding.riemannian import (
        AugmentedCovarianceClassifier,
        MDMClassifier,
        TangentSpaceClassifier,
    )
    from neurokit.decoding.spiking import SpikingDecoder

    cnn = _cnn_settings(quick)
    snn = dict(SNN_SETTINGS, max_epochs=5 if quick else SNN_SETTINGS["max_epochs"])
    quiet = {"enable_progress_bar": False, "seed": seed}
    pipes: dict[str, tuple[str, Any]] = {
        "neurokit TS+LR": ("riemann", TangentSpaceClassifier("oas", C=1.0, max_iter=1000)),
        "neurokit MDM": ("riemann", MDMClassifier("oas")),
        "neurokit ACM (TS+SVM)": ("sensorimotor", AugmentedCovarianceClassifier(
            orders=ACM_ORDERS[:2] if quick else ACM_ORDERS,
            lags=ACM_LAGS[:2] if quick else ACM_LAGS, n_inner_splits=ACM_INNER, seed=seed)),
        "neurokit ShallowConvNet": ("cnn", EEGClassifier("shallow", **cnn["shallow"], **quiet)),
        "neurokit EEGNet": ("cnn", EEGClassifier("eegnet", **cnn["eegnet"], **quiet)),
        "neurokit Deep4Net": ("cnn", EEGClassifier("deep4", **cnn["deep4"], **quiet)),
        "neurokit SpikingDecoder": ("riemann", SpikingDecoder(**snn, **quiet)),
        "pyRiemann TS+LR": ("riemann", make_pipeline(
            Covariances("oas"), TangentSpace(metric="riemann"),
            LogisticRegression(C=1.0, max_iter=1000))),
        "pyRiemann MDM": ("riemann", make_pipeline(Covariances("oas"), MDM(metric="riemann"))),
        "MNE CSP+LDA": ("riemann", make_pipeline(
            CSP(n_components=4, reg=None, log=True, norm_trace=False),
            LinearDiscriminantAnalysis())),
    }
    skipped: dict[str, str] = {}
    if not deep4:
        del pipes["neurokit Deep4Net"]
        skipped["neurokit Deep4Net"] = "left out (--no-deep4)"
    if braindecode:
        found, reason = braindecode_pipelines(cnn, sfreq, seed)
        for name, est in found.items():
            pipes[name] = ("cnn", est)
        if reason:
            skipped["braindecode ShallowFBCSPNet / EEGNet"] = reason
    else:
        skipped["braindecode ShallowFBCSPNet / EEGNet"] = "left out (--no-braindecode)"
    return pipes, skipped


# --------------------------------------------------------------------------- evaluation
def _fold_key(splits: Sequence[Any]) -> list[tuple]:
    return [(str(s.subject), str(s.session), s.fold, tuple(s.train), tuple(s.test))
            for s in splits]


def evaluate(inputs: Mapping[str, xr.DataArray], pipelines: Pipelines, *,
             scheme: str = "within_session", n_splits: int = N_SPLITS, seed: int = SEED,
             verbose: bool = True) -> dict[str, Any]:
    """Cross-validate every pipeline on its input, all on the same folds.

    ``cross_validate`` is called once per input key (the folds depend only on the trials'
    labels, ids, sessions and the seed, identical across inputs cut from the same events),
    then the folds are checked identical and the tables concatenated.

    Parameters
    ----------
    inputs : mapping of str to xarray.DataArray
        Epochs ``(trial, channel, time)`` per input key, the same trials in the same order.
    pipelines : mapping of str to (input key, estimator)
    scheme : {"within_session", "cross_run"} or a cross_validate scheme
        ``"cross_run"``: leave one run out (``cross_session`` with ``session`` = ``run``).

    Returns
    -------
    dict
        ``scores`` (DataFrame, one row per pipeline x fold, column ``evaluation`` = scheme),
        ``predictions`` (DataFrame), ``confusion`` (DataArray ``(pipeline, true,
        predicted)``), ``splits`` (list of Split), ``runtime_s`` per pipeline.
    """
    cv_scheme = SCHEMES.get(scheme, scheme)
    labels = {k: np.asarray(ep["label"].values) for k, ep in inputs.items()}
    first = next(iter(labels.values()))
    for k, lab in labels.items():
        if not np.array_equal(lab, first):
            raise ValueError(f"input {k!r} holds other trials than the first input")
    scores, preds, splits, runtime = [], [], None, {}
    for name, (key, est) in pipelines.items():
        ep = inputs[key]
        if scheme == "cross_run":
            ep = ep.assign_coords(session=("trial", np.asarray(ep["run"].values)))
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = cross_validate({name: est}, ep, scheme=cv_scheme, n_splits=n_splits,
                                 seed=seed)
        runtime[name] = time.perf_counter() - t0
        if splits is None:
            splits = res.splits
        elif _fold_key(res.splits) != _fold_key(splits):
            raise RuntimeError(f"{name}: folds differ from the other pipelines'")
        scores.append(res.scores.assign(evaluation=scheme, input=key))
        preds.append(res.predictions.assign(evaluation=scheme))
        if verbose:
            acc = res.scores["accuracy"]
            print(f"  {scheme:15s} {name:30s} {acc.mean():.3f} +- {acc.std(ddof=1):.3f} "
                  f"({runtime[name]:.0f} s)", flush=True)
    predictions = pd.concat(preds, ignore_index=True)
    from neurokit.decoding.evaluation import CrossValidationResult

    confusion = CrossValidationResult(pd.concat(scores, ignore_index=True), predictions,
                                      list(splits)).confusion_matrices()
    return {"scores": pd.concat(scores, ignore_index=True), "predictions": predictions,
            "confusion": confusion, "splits": list(splits), "runtime_s": runtime}


def summarise(result: Mapping[str, Any], n_trials: int) -> dict[str, dict[str, Any]]:
    """Per pipeline: fold accuracies, mean +- sd, pooled accuracy with its CI and p-value."""
    out = {}
    k_thr, _ = binomial_threshold(n_trials)
    preds = result["predictions"]
    for name, g in result["scores"].groupby("pipeline", sort=False):
        p = preds[preds["pipeline"] == name]
        correct, n = int((p["y_true"] == p["y_pred"]).sum()), len(p)
        lo, hi = wilson_ci(correct, n)
        out[str(name)] = {
            "fold_accuracy": [float(a) for a in g["accuracy"]],
            "fold_session": [str(s) for s in g["session"]],
            "accuracy_mean": float(g["accuracy"].mean()),
            "accuracy_sd": float(g["accuracy"].std(ddof=1)),
            "balanced_accuracy_mean": float(g["balanced_accuracy"].mean()),
            "pooled_correct": correct, "pooled_n": n, "pooled_accuracy": correct / n,
            "pooled_ci95": [lo, hi],
            "p_binomial": binomial_p(correct, n),
            "above_chance": bool(n == n_trials and correct >= k_thr),
            "fit_time_s_mean": float(g["fit_time_s"].mean()),
            "runtime_s": float(result["runtime_s"][name]),
        }
    return out


def run_decoding(inputs: Mapping[str, xr.DataArray], pipelines: Pipelines, *,
                 schemes: Sequence[str] = ("within_session", "cross_run"),
                 n_splits: int = N_SPLITS, seed: int = SEED, verbose: bool = True,
                 skip: Mapping[str, Sequence[str]] | None = None
                 ) -> dict[str, dict[str, Any]]:
    """:func:`evaluate` under every scheme: ``{scheme: result}``.

    ``skip`` maps a scheme to the pipeline names left out of it (e.g. slow peers).
    """
    skip = skip or {}
    return {s: evaluate(inputs, {k: v for k, v in pipelines.items() if k not in skip.get(s, ())},
                        scheme=s, n_splits=n_splits, seed=seed, verbose=verbose)
            for s in schemes}


def results_table(results: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The tidy table of every scheme: pipeline x scheme x fold."""
    cols = ["evaluation", "pipeline", "input", "subject", "session", "fold", "accuracy",
            "balanced_accuracy", "n_train", "n_test", "fit_time_s", "predict_time_s"]
    return pd.concat([r["scores"][cols] for r in results.values()], ignore_index=True)


def write_table(table: pd.DataFrame, path: Path) -> Path:
    """Write the table as CSV, atomically."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
    return path


# --------------------------------------------------------------------------- figures
def plot_per_fold(results: Mapping[str, Mapping[str, Any]], chance: float,
                  thresholds: Mapping[str, float], title: str) -> Any:
    """One panel per scheme: fold accuracies (dots), mean +- sd (bar), chance lines."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(6.5 * len(results), 5.0),
                             layout="constrained", squeeze=False)
    rng = np.random.default_rng(0)
    for ax, (scheme, res) in zip(axes[0], results.items(), strict=True):
        sc = res["scores"]
        names = list(dict.fromkeys(sc["pipeline"]))
        for i, name in enumerate(names):
            acc = sc.loc[sc["pipeline"] == name, "accuracy"].to_numpy()
            colour = "C0" if name.startswith("neurokit") else "C1"
            ax.bar(i, acc.mean(), yerr=acc.std(ddof=1) if acc.size > 1 else 0, color=colour,
                   alpha=0.35, capsize=3)
            ax.plot(i + rng.uniform(-0.15, 0.15, acc.size), acc, "o", color=colour, ms=4)
        ax.axhline(chance, color="0.3", ls="--", lw=1, label=f"chance {chance:.2f}")
        ax.axhline(thresholds[scheme], color="C3", ls=":", lw=1.2,
                   label=f"p<0.05 (pooled, binomial) {thresholds[scheme]:.3f}")
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize="small")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("test accuracy per fold")
        n_folds = sc.groupby("pipeline")["fold"].nunique().max()
        ax.set_title(f"{scheme} ({n_folds} folds; blue neurokit, orange peers)")
        ax.legend(frameon=False, fontsize="small", loc="lower right")
    fig.suptitle(title, fontsize="medium")
    return fig


def plot_confusions(confusion: xr.DataArray, title: str, ncols: int = 6) -> Any:
    """Confusion counts (summed over folds), one small matrix per pipeline."""
    plt = pyplot()
    names = [str(n) for n in confusion["pipeline"].values]
    nrows = math.ceil(len(names) / ncols)
    ncols = min(ncols, len(names))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, 2.7 * nrows),
                             layout="constrained", squeeze=False)
    classes = [str(c) for c in confusion["true"].values]
    for ax, name in zip(axes.flat, names, strict=False):
        cm = confusion.sel(pipeline=name).values
        ax.imshow(cm, cmap="Blues", vmin=0, vmax=max(1, cm.sum(1).max()))
        for (i, j), v in np.ndenumerate(cm):
            ax.text(j, i, int(v), ha="center", va="center")
        ax.set_xticks(range(len(classes)), classes, fontsize="small")
        ax.set_yticks(range(len(classes)), classes, fontsize="small")
        ax.set_title(name, fontsize="small")
        ax.set_xlabel("predicted", fontsize="small")
        ax.set_ylabel("true", fontsize="small")
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(title, fontsize="medium")
    return fig


def _info_with_positions(ep: xr.DataArray) -> Any:
    import mne

    names = [str(c) for c in ep["channel"].values]
    pos = np.stack([ep[k].values for k in "xyz"], axis=1)
    info = mne.create_info(names, float(ep.attrs["sampling_rate"]), "eeg")
    montage = mne.channels.make_dig_montage(ch_pos=dict(zip(names, pos, strict=True)),
                                            coord_frame="head")
    info.set_montage(montage)
    return info


def tangent_space_pattern(ep: xr.DataArray) -> tuple[np.ndarray, Any]:
    """Channel pattern of neurokit's TS+LR fitted on all trials (for display only).

    Haufe et al. (2014) activation pattern of the logistic regression in the tangent space,
    ``a = Cov(t) w``, un-vectorised into a symmetric matrix ``A`` (pyRiemann's ``unupper``)
    and moved from the identity to the reference mean ``C_ref`` (``C_ref^1/2 A C_ref^1/2``,
    the tangent vector at ``C_ref``); its diagonal is the change of each channel's variance
    along the discriminant direction (positive: more power for ``classes_[1]``).
    """
    from scipy.linalg import sqrtm

    try:
        from pyriemann.geometry.tangentspace import unupper
    except ImportError:  # pyRiemann < 0.12
        from pyriemann.utils.tangentspace import unupper

    from neurokit.decoding.riemannian import TangentSpaceClassifier

    clf = TangentSpaceClassifier("oas").fit(ep)
    t = clf.transform(ep)
    w = clf.pipeline_["logreg"].coef_[0]
    a = np.cov(t, rowvar=False) @ w
    ref = np.real(sqrtm(clf.pipeline_["tangent_space"].reference_))
    pattern = np.diag(ref @ unupper(a) @ ref)
    return pattern / np.abs(pattern).max(), clf.classes_


def plot_patterns(ep: xr.DataArray, n_csp: int = 4) -> tuple[Any, dict[str, Any]]:
    """Topomaps: the TS+LR variance pattern and the first CSP patterns (all 45 trials)."""
    import mne
    from mne.decoding import CSP

    plt = pyplot()
    info = _info_with_positions(ep)
    ts_pattern, classes = tangent_space_pattern(ep)
    X, y = np.asarray(ep.values), np.asarray(ep["label"].values)
    csp = CSP(n_components=n_csp, reg=None, log=True, norm_trace=False).fit(X, y)
    fig, axes = plt.subplots(1, 1 + n_csp, figsize=(3.0 * (1 + n_csp), 3.4),
                             layout="constrained")
    names = [str(c) for c in ep["channel"].values]
    mask = np.isin([_std_name(n) for n in names], ["C3", "C4", "CZ"])
    style = {"marker": "o", "markerfacecolor": "w", "markeredgecolor": "k", "markersize": 5}
    mne.viz.plot_topomap(ts_pattern, info, axes=axes[0], show=False, cmap="RdBu_r",
                         mask=mask, mask_params=style, vlim=(-1, 1))
    axes[0].set_title(f"TS+LR pattern (variance,\n+ = more in '{classes[1]}'); C3/Cz/C4",
                      fontsize="small")
    for i in range(n_csp):
        pat = csp.patterns_[i]
        mne.viz.plot_topomap(pat / np.abs(pat).max(), info, axes=axes[1 + i], show=False,
                             cmap="RdBu_r", mask=mask, mask_params=style, vlim=(-1, 1))
        axes[1 + i].set_title(f"CSP pattern {i + 1}", fontsize="small")
    fig.suptitle("Spatial patterns of the 8-30 Hz decoders, fitted on all 45 trials "
                 "(display only; accuracy comes from the folds)", fontsize="medium")
    xs = np.array([ch["loc"][0] for ch in info["chs"]])
    hemis = {"mean_left_hemisphere": float(ts_pattern[xs < -0.01].mean()),
             "mean_right_hemisphere": float(ts_pattern[xs > 0.01].mean())}
    for ch in ("C3", "C4"):
        idx = [i for i, n in enumerate(names) if _std_name(n) == ch]
        if idx:
            hemis[ch] = float(ts_pattern[idx[0]])
    return fig, {"ts_pattern_sign": f"+ = more variance in '{classes[1]}'", **hemis}


# --------------------------------------------------------------------------- EEGLAB part
def decode_eeglab_position(folder: Path, *, quick: bool = False, seed: int = SEED,
                           verbose: bool = True) -> dict[str, Any]:
    """Decode the stimulus ``position`` (1 vs 2) of the ``square`` events, 5-fold CV."""
    from neurokit.decoding.cnn import EEGClassifier
    from neurokit.decoding.riemannian import XdawnTangentSpaceClassifier
    from neurokit.io.mne_reader import read_eeg
    from neurokit.preprocess.epochs import epoch, filter_signal

    path = folder / "test_raw.set"
    if not path.is_file():
        raise FileNotFoundError(str(path))
    raw = read_eeg(path)
    if "position" not in raw:
        raise RuntimeError("read_eeg did not keep the EEGLAB 'position' event field")
    ep = epoch(filter_signal(raw, *EEGLAB_BAND), tmin=EEGLAB_WINDOW[0], tmax=EEGLAB_WINDOW[1],
               baseline=EEGLAB_BASELINE, labels=["square"], out_of_bounds="drop")
    pos = np.asarray(ep["position"].values)
    ep = ep.assign_coords(label=("trial", np.asarray([f"position {int(p)}" for p in pos])))
    pipes = {
        "neurokit Xdawn+TS+LR": ("erp", XdawnTangentSpaceClassifier(nfilter=4)),
        "neurokit EEGNet": ("erp", EEGClassifier("eegnet", **_cnn_settings(quick)["eegnet"],
                                                 seed=seed, enable_progress_bar=False)),
    }
    res = evaluate({"erp": ep}, pipes, scheme="within_session", seed=seed, verbose=verbose)
    n = ep.sizes["trial"]
    k, acc = binomial_threshold(n)
    counts = {str(c): int(v) for c, v in zip(*np.unique(ep["label"].values,
                                                        return_counts=True), strict=True)}
    return {
        "result": res, "n_trials": n, "class_counts": counts,
        "n_channels": int(ep.sizes["channel"]), "sampling_rate": ep.attrs["sampling_rate"],
        "threshold": {"k": k, "accuracy": acc},
        "has_positions": bool(raw.attrs.get("has_positions", 0)),
        "summary": summarise(res, n),
    }


# --------------------------------------------------------------------------- main
def _print_table(summary: Mapping[str, Mapping[str, Any]], header: str) -> None:
    print(f"\n{header}")
    print(f"{'pipeline':32s} {'folds':>28s} {'mean':>6s} {'sd':>6s} {'pooled':>7s} "
          f"{'95% CI':>13s} {'p':>7s}")
    for name, s in summary.items():
        folds = " ".join(f"{a:.2f}" for a in s["fold_accuracy"])
        lo, hi = s["pooled_ci95"]
        print(f"{name:32s} {folds:>28s} {s['accuracy_mean']:6.3f} {s['accuracy_sd']:6.3f} "
              f"{s['pooled_accuracy']:7.3f} [{lo:.2f}, {hi:.2f}] {s['p_binomial']:7.4f}"
              f"{' *' if s['above_chance'] else ''}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options (defaults from ``NEUROKIT_*`` environment variables)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(os.environ.get("NEUROKIT_ANALYSES_OUT", "results/analyses")),
                        help="output root (a folder decode_motor_imagery/ is made in it)")
    parser.add_argument("--data", type=Path,
                        default=Path(os.environ.get("NEUROKIT_SHARED_DATA",
                                                    ROOT.parent / "shared" / "data")),
                        help="the shared data folder (read only)")
    parser.add_argument("--quick", action="store_true",
                        default=os.environ.get("NEUROKIT_ANALYSES_QUICK", "") == "1",
                        help="5 training epochs for the networks, a 2 x 2 ACM grid (smoke test)")
    parser.add_argument("--braindecode", choices=("within", "all", "none"), default="within",
                        help="schemes braindecode's nets run in (default: within-session only; "
                             "they train 5-10x slower than neurokit's on CPU)")
    parser.add_argument("--no-deep4", dest="deep4", action="store_false")
    parser.add_argument("--no-eeglab", dest="eeglab", action="store_false")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run both parts and write the table, figures and numbers."""
    args = parse_args(argv)
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "2"))))
    import mne

    mne.set_log_level("ERROR")  # CSP's rank messages
    out = args.out / NAME
    mi_folder = args.data / "eeg_physionet_eegmmidb"
    eeglab_folder = args.data / "eeg_eeglab_tutorial"
    t_start, cpu_start = time.time(), time.process_time()
    try:
        inputs = load_physionet(mi_folder)
    except FileNotFoundError as err:
        print(f"{NAME}: the EEGMMIDB recordings are not available ({err}); nothing to do. "
              f"Point --data (or NEUROKIT_SHARED_DATA) at the shared data folder.",
              file=sys.stderr)
        return 2
    ep = inputs["riemann"]
    n = ep.sizes["trial"]
    counts = {str(c): int(v) for c, v in zip(*np.unique(ep["label"].values,
                                                        return_counts=True), strict=True)}
    print(f"EEGMMIDB S001 runs {RUNS}: {n} trials {counts}, {ep.sizes['channel']} channels, "
          f"{ep.sizes['time']} samples at {ep.attrs['sampling_rate']:g} Hz "
          f"({WINDOW[0]}-{WINDOW[1]} s after the cue)")
    pipelines, skipped = default_pipelines(quick=args.quick,
                                           braindecode=args.braindecode != "none",
                                           deep4=args.deep4,
                                           sfreq=float(ep.attrs["sampling_rate"]))
    bd_names = [k for k in pipelines if k.startswith("braindecode")]
    skip = {"cross_run": bd_names} if args.braindecode == "within" else {}
    if skip.get("cross_run"):
        skipped["braindecode (cross_run)"] = (
            "braindecode's nets run in the within-session scheme only (--braindecode within, "
            "the default): skorch training is 5-10x slower than neurokit's on CPU "
            "(benchmarks/_decoding_cnn.py) and would double the runtime")
    for name, why in skipped.items():
        print(f"skipped {name}: {why}")
    results = run_decoding(inputs, pipelines, skip=skip)

    k, thr = binomial_threshold(n)
    per_run = {str(r): int((ep["run"].values == r).sum()) for r in np.unique(ep["run"].values)}
    k_run = {r: binomial_threshold(m)[0] for r, m in per_run.items()}
    summaries = {s: summarise(r, n) for s, r in results.items()}
    for scheme, summary in summaries.items():
        _print_table(summary, f"== {scheme}: accuracy per fold, mean, sd, pooled over the "
                              f"{n} test trials (* = above the binomial threshold {k}/{n})")
    table = results_table(results)
    write_table(table, out / "scores.csv")

    # agreement of neurokit's and pyRiemann's TS+LR predictions (same folds)
    agreement = {}
    for scheme, res in results.items():
        p = res["predictions"]
        a = p[p["pipeline"] == "neurokit TS+LR"].sort_values("trial")["y_pred"].to_numpy()
        b = p[p["pipeline"] == "pyRiemann TS+LR"].sort_values("trial")["y_pred"].to_numpy()
        if a.size and a.size == b.size:
            agreement[scheme] = float(np.mean(a == b))

    # spiking decoder energy: one decoder fitted on all trials (energy depends on spike counts)
    energy = None
    if "neurokit SpikingDecoder" in pipelines:
        from sklearn.base import clone

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            snn = clone(pipelines["neurokit SpikingDecoder"][1]).fit(ep)
            e = snn.estimate_energy(ep).attrs
        energy = {k_: float(e[k_]) for k_ in (
            "energy_snn_total", "energy_ann_total", "energy_ann_sequence_total",
            "energy_ratio", "energy_ratio_sequence", "sops_total", "input_spike_rate")
            if k_ in e}
        energy.update(units="J per epoch", time_steps=int(snn.n_steps_),
                      reference=str(e.get("reference", "")),
                      note="SpikingDecoder fitted on all 45 trials; energy of one 3 s epoch")
        print(f"\nSpikingDecoder energy per epoch: SNN {energy['energy_snn_total']:.3g} J, "
              f"same network as an ANN at every step {energy['energy_ann_sequence_total']:.3g}"
              f" J (ratio {energy['energy_ratio_sequence']:.3f}); input spike rate "
              f"{energy['input_spike_rate']:.3f}")

    plt = pyplot()
    chance = 0.5
    fig = plot_per_fold(results, chance, {s: thr for s in results},
                        f"EEGMMIDB S001, left vs right fist imagery, {n} trials; "
                        f"dots: folds, bars: mean +- sd")
    save_figure(fig, out / "per_fold_accuracy.png")
    plt.close(fig)
    for scheme, res in results.items():
        fig = plot_confusions(res["confusion"], f"{scheme}: confusion counts summed over "
                                                f"folds (EEGMMIDB S001, {n} trials)")
        save_figure(fig, out / f"confusion_{scheme}.png")
        plt.close(fig)
    fig, pattern_numbers = plot_patterns(ep)
    save_figure(fig, out / "spatial_patterns.png")
    plt.close(fig)

    eeglab = None
    if args.eeglab:
        try:
            print("\nEEGLAB tutorial: stimulus position (1 vs 2) of the 'square' events")
            eeglab = decode_eeglab_position(eeglab_folder, quick=args.quick)
        except FileNotFoundError as err:
            print(f"EEGLAB part skipped: {err} not found")
    if eeglab is not None:
        _print_table(eeglab["summary"], f"== EEGLAB position, 5-fold CV, {eeglab['n_trials']} "
                                        f"trials (* = above {eeglab['threshold']['k']}/"
                                        f"{eeglab['n_trials']})")
        res = eeglab["result"]
        fig = plot_per_fold({"within_session": res}, 0.5,
                            {"within_session": eeglab["threshold"]["accuracy"]},
                            f"EEGLAB tutorial: stimulus position from 'square' ERPs, "
                            f"{eeglab['n_trials']} trials")
        save_figure(fig, out / "eeglab_position.png")
        plt.close(fig)
        fig = plot_confusions(res["confusion"], "EEGLAB position: confusion counts")
        save_figure(fig, out / "eeglab_confusion.png")
        plt.close(fig)

    runtime = time.time() - t_start
    numbers = {
        "dataset": "PhysioNet EEGMMIDB v1.0.0, subject S001, runs 4/8/12 (motor imagery, "
                   "left vs right fist: T1/T2)",
        "n_trials": n, "class_counts": counts, "trials_per_run": per_run,
        "n_channels": int(ep.sizes["channel"]), "sampling_rate": float(ep.attrs["sampling_rate"]),
        "window_s": list(WINDOW), "window_note": "relative to the cue onset",
        "bands_hz": {"riemann_csp_snn": list(BAND_RIEMANN), "cnn": list(BAND_CNN)},
        "filter": "IIR Butterworth order 4, zero-phase (neurokit filter_signal), continuous runs",
        "acm": {"channels": list(inputs["sensorimotor"]["channel"].values),
                "orders": list(ACM_ORDERS), "lags": list(ACM_LAGS), "inner_splits": ACM_INNER,
                "selection": "nested grid search, inner stratified CV accuracy of TS+SVM",
                "why_not_paper_grid": "on all 64 channels a 4 x 5 (order x lag) grid took "
                                      "~8 min per outer fold on one core (measured); the "
                                      "paper's 1..10 x 1..10 grid reaches 640 x 640 matrices"},
        "cnn_settings": {**_cnn_settings(args.quick), "optimizer": "AdamW + cosine",
                         "standardize": "per channel (training-fold statistics)",
                         "lr": "braindecode's example values (shallow 6.25e-4, deep4 1e-2) "
                               "except EEGNet 1e-2",
                         "chosen_on": "simulated 45-trial motor imagery (seeds 1-2), not on "
                                      "these recordings",
                         "braindecode": "same settings and folds, --braindecode "
                                        f"{args.braindecode}"},
        "snn_settings": SNN_SETTINGS,
        "schemes": {
            "within_session": f"{N_SPLITS}-fold stratified CV over the {n} trials (seed "
                              f"{SEED}); the three runs are one session",
            "cross_run": "leave one run out (cross_session with session = run): EEGMMIDB "
                         "has one session per subject, the run is the session-like unit",
        },
        "chance_level": chance, "majority_class_rate": max(counts.values()) / n,
        "binomial_threshold": {"alpha": ALPHA, "k": k, "n": n, "accuracy": thr,
                               "per_run_k": k_run,
                               "note": "one-sided binomial test of the accuracy pooled over "
                                       "all test trials (each tested once); treats them as "
                                       "independent"},
        "limits": ("One subject and 45 trials: a fold holds 9 (within) or 15 (cross-run) test "
                   "trials, one trial moves its accuracy by 11 or 7 points, and the 95% CI of "
                   "a pooled accuracy is about +-14 points. The table shows whether each "
                   "decoder is above chance on this subject; it cannot rank decoders (gaps of "
                   "a few trials are noise) nor predict other subjects. CNNs were designed "
                   "for hundreds of trials per subject; their settings were not tuned here."),
        "results": summaries,
        "neurokit_vs_pyriemann_ts_agreement": agreement,
        "spiking_energy": energy,
        "spatial_patterns": pattern_numbers,
        "skipped": skipped,
        "eeglab": None if eeglab is None else {
            "dataset": "EEGLAB tutorial dataset (Delorme & Makeig 2004), test_raw.set",
            "task": "stimulus position 1 vs 2 of the 'square' events (EEGLAB field MNE drops)",
            "n_trials": eeglab["n_trials"], "class_counts": eeglab["class_counts"],
            "n_channels": eeglab["n_channels"], "sampling_rate": eeglab["sampling_rate"],
            "window_s": list(EEGLAB_WINDOW), "baseline_s": [-0.2, 0.0],
            "band_hz": list(EEGLAB_BAND), "scheme": f"{N_SPLITS}-fold stratified CV",
            "binomial_threshold": eeglab["threshold"],
            "has_positions": eeglab["has_positions"],
            "limits": f"{eeglab['n_trials']} trials of one subject; no channel locations in "
                      "this copy (channels 'EEG 000'...), so no topomaps",
            "results": eeglab["summary"],
        },
        "seed": SEED, "quick": bool(args.quick), "torch_threads": torch.get_num_threads(),
        "runtime_s": round(runtime, 1),
        "cpu_time_s": round(time.process_time() - cpu_start, 1),
        "runtime_note": "wall time depends on the machine's load; cpu_time_s is the process's "
                        "CPU time (all threads)",
    }
    write_json(out / "numbers.json", numbers)
    print(f"\nwrote {out} ({runtime:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
