"""CNN half of ``bench_decoding.py``: neurokit's ShallowConvNet/EEGNet against braindecode's.

Interface (what ``benchmarks/bench_decoding.py`` calls)::

    bench_cnn(X, y, folds, sfreq, max_epochs=30, batch_size=32, seed=0,
              *, models=("shallow", "eegnet"), verbose=True) -> list[dict]

    X      : np.ndarray (trial, channel, time), float32 (any unit; standardised inside)
    y      : np.ndarray (trial,) int class indices (or any labels)
    folds  : list of (train_idx, test_idx) integer arrays, the same for both libraries
    sfreq  : sampling rate in Hz
    rows   : one dict per (library, model, fold):
             {"library": "neurokit" | "braindecode", "model": "shallow" | "eegnet",
              "fold": int, "accuracy": float, "train_time_s": float}

    run_section(datasets, *, quick=False, repeats=1) -> list[dict]
        datasets: {name: epochs DataArray (trial, channel, time) with a ``label`` coord and
        ``attrs["sampling_rate"]``}; builds 5 stratified folds per dataset with
        ``neurokit.decoding.evaluation.make_splits(ep, n_splits=5, seed=0)`` (the folds of the
        Riemannian section), checks the architectures, runs ``bench_cnn`` and prints the table
        and the ratios (rows get a ``"dataset"`` key).

What is compared, per fold and model, on one torch thread:

* **neurokit**: ``neurokit.decoding.cnn.EEGClassifier(model, standardize="channel", ...)``
  (training through neurokit's Lightning core: run folder in a temporary directory, CSV log,
  one checkpoint per epoch, seeded).
* **braindecode 1.8.1**: ``braindecode.EEGClassifier`` (skorch) around
  ``ShallowFBCSPNet`` / ``EEGNet(final_layer_with_constraint=True)`` (the paper's max-norm
  0.25 dense classifier, as neurokit's), ``train_split=None``, on the same inputs
  standardised the same way (per-channel mean/std of the training fold, float32).
* Same for both: architecture (checked: braindecode's initial weights copied into neurokit's
  nets give the same outputs, eval and train mode, to float rounding), AdamW, learning rate and
  weight decay (neurokit's per-model defaults: braindecode's example values), cosine
  annealing stepped per epoch with ``T_max = max_epochs``, ``max_epochs``, ``batch_size``,
  shuffled batches, cross-entropy, ``seed`` (neurokit's ``seed``; ``torch.manual_seed(seed)``
  before braindecode builds and trains). Initial weights are each library's own draw.
* ``train_time_s``: wall time of ``fit`` (library set-up included); the two libraries
  alternate which goes first from fold to fold. Accuracy: on the fold's test trials.

braindecode without torchaudio
------------------------------
braindecode 1.8.1 imports ``torchaudio`` at module level (``braindecode.modules.filter`` and a
few models) although ShallowFBCSPNet and EEGNet never call it, and the only torchaudio on the
registry for torch 2.13 is a CUDA build that will not load against the CPU torch. Nothing is
installed for it: :func:`import_braindecode` puts a stub package ``torchaudio`` (with
``functional`` and ``transforms`` submodules whose every attribute is a placeholder class that
raises ``RuntimeError`` when instantiated or called) into ``sys.modules`` *only when
``import torchaudio`` fails*, then imports braindecode. Models that really need torchaudio
would fail loudly; the two benchmarked here do not touch it.

Install (benchmark only, never a test dependency; ``--no-deps`` so the CPU torch stays)::

    pip install -c constraints.txt --no-deps -r requirements-peers-bench.txt

with, for braindecode, ``braindecode==1.8.1 skorch tabulate einops docstring_inheritance
torchinfo mne_bids wfdb pydantic pydantic-core annotated-types typing-inspection
linear_attention_transformer axial_positional_embedding linformer local_attention
product_key_memory hyper_connections colt5_attention`` (pure Python except pydantic-core's
wheel; the last seven only because ``braindecode.models`` imports every model at import time;
mne, scikit-learn, pandas, h5py, requests come with neurokit's ``eeg``/``train`` extras).

Run on its own (simulated motor imagery; the real recording when ``../shared/data`` exists)::

    python benchmarks/_decoding_cnn.py [--quick]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import contextlib  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Iterator, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MODELS = ("shallow", "eegnet")


# -- braindecode import ---------------------------------------------------------------------
class _Unavailable(types.ModuleType):
    """A stand-in module: every public attribute is a class that raises when used."""

    def __getattr__(self, name: str) -> type:
        if name.startswith("__"):
            raise AttributeError(name)

        def _fail(*_args: Any, **_kwargs: Any) -> None:
            raise RuntimeError(f"{self.__name__}.{name} is a stub: torchaudio is not installed "
                               "(see benchmarks/_decoding_cnn.py)")

        cls = type(name, (), {"__init__": _fail, "__call__": _fail})
        setattr(self, name, cls)
        return cls


def import_braindecode() -> types.ModuleType:
    """``import braindecode``, with a torchaudio stub when torchaudio cannot be imported."""
    try:
        importlib.import_module("torchaudio")
    except Exception:  # noqa: BLE001 - absent, or a CUDA build failing to load: stub it
        root = _Unavailable("torchaudio")
        root.__path__ = []  # a package, so "from torchaudio.functional import x" works
        for sub in ("functional", "transforms"):
            mod = _Unavailable(f"torchaudio.{sub}")
            setattr(root, sub, mod)
            sys.modules[f"torchaudio.{sub}"] = mod
        sys.modules["torchaudio"] = root
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import braindecode
        import braindecode.models  # noqa: F401
    return braindecode


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# -- the two trainings ------------------------------------------------------------------------
def _standardise(x_train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Per-channel z-scoring with the training trials' statistics (neurokit's "channel")."""
    x64 = x_train.astype(np.float64)
    mean = x64.mean(axis=(0, 2))[None, :, None]
    std = x64.std(axis=(0, 2))[None, :, None]
    return [((a.astype(np.float64) - mean) / std).astype(np.float32) for a in (x_train, *others)]


def _braindecode_net(model: str, n_chans: int, n_outputs: int, n_times: int, sfreq: float):
    from braindecode.models import EEGNet, ShallowFBCSPNet

    kw = {"n_chans": n_chans, "n_outputs": n_outputs, "n_times": n_times, "sfreq": sfreq}
    if model == "shallow":
        return ShallowFBCSPNet(**kw)
    if model == "eegnet":
        return EEGNet(**kw, final_layer_with_constraint=True)
    raise ValueError(f"no braindecode counterpart for {model!r}")


def _hyper(model: str) -> tuple[float, float]:
    from neurokit.decoding.cnn import _TRAINING_DEFAULTS

    return _TRAINING_DEFAULTS[model]


def _fit_neurokit(model: str, x_tr, y_tr, x_te, y_te, sfreq, max_epochs, batch_size, seed):
    import xarray as xr

    from neurokit.decoding.cnn import EEGClassifier

    lr, wd = _hyper(model)
    da = xr.DataArray(x_tr, dims=("trial", "channel", "time"),
                      attrs={"sampling_rate": float(sfreq)})
    clf = EEGClassifier(model, max_epochs=max_epochs, batch_size=batch_size, lr=lr,
                        weight_decay=wd, seed=seed, standardize="channel",
                        enable_progress_bar=False)
    t0 = time.perf_counter()
    clf.fit(da, y_tr)
    elapsed = time.perf_counter() - t0
    return float(clf.score(x_te, y_te)), elapsed


def _fit_braindecode(model: str, x_tr, y_tr, x_te, y_te, sfreq, max_epochs, batch_size, seed):
    import torch
    from skorch.callbacks import LRScheduler

    bd = import_braindecode()
    lr, wd = _hyper(model)
    x_tr, x_te = _standardise(x_tr, x_te)
    classes = np.unique(y_tr)
    y_tr_i = np.searchsorted(classes, y_tr).astype(np.int64)
    y_te_i = np.searchsorted(classes, y_te).astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        torch.manual_seed(seed)
        np.random.seed(seed)
        net = bd.EEGClassifier(
            _braindecode_net(model, x_tr.shape[1], len(classes), x_tr.shape[2], sfreq),
            criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.AdamW,
            optimizer__lr=lr, optimizer__weight_decay=wd, train_split=None,
            batch_size=batch_size, max_epochs=max_epochs, iterator_train__shuffle=True,
            callbacks=[("lr_scheduler", LRScheduler("CosineAnnealingLR", T_max=max_epochs))],
            classes=list(range(len(classes))), device="cpu", verbose=0,
        )
        net.fit(x_tr, y_tr_i)
        elapsed = time.perf_counter() - t0
        acc = float(np.mean(net.predict(x_te) == y_te_i))
    return acc, elapsed


def bench_cnn(
    X: np.ndarray,
    y: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    sfreq: float,
    max_epochs: int = 30,
    batch_size: int = 32,
    seed: int = 0,
    *,
    models: Sequence[str] = MODELS,
    verbose: bool = True,
) -> list[dict]:
    """Train neurokit's and braindecode's nets on the same folds; one row per fit.

    See the module docstring for the protocol. Runs on one torch thread (restored after).
    """
    X = np.ascontiguousarray(X, dtype=np.float32)
    y = np.asarray(y)
    rows: list[dict] = []
    runners = {"neurokit": _fit_neurokit, "braindecode": _fit_braindecode}
    with _one_thread():
        import_braindecode()
        for fold, (tr, te) in enumerate(folds):
            order = list(runners) if fold % 2 == 0 else list(runners)[::-1]
            for model in models:
                for lib in order:
                    acc, secs = runners[lib](model, X[tr], y[tr], X[te], y[te], sfreq,
                                             max_epochs, batch_size, seed)
                    rows.append({"library": lib, "model": model, "fold": fold,
                                 "accuracy": acc, "train_time_s": secs})
                    if verbose:
                        print(f"  fold {fold} {model:8s} {lib:12s} acc {acc:.3f}  "
                              f"train {secs:7.2f} s", flush=True)
    return rows


# -- architecture check -----------------------------------------------------------------------
def _effective_state(bd_net) -> dict:
    """braindecode's parameters and buffers, max-norm parametrisations resolved."""
    state = {}
    for name, mod in bd_net.named_modules():
        if "parametrizations" in name:
            continue
        for pn, p in [*mod.named_parameters(recurse=False), *mod.named_buffers(recurse=False)]:
            state[f"{name}.{pn}" if name else pn] = p.detach()
        for pn in getattr(mod, "parametrizations", {}):
            state[f"{name}.{pn}"] = getattr(mod, pn).detach()
    return state


def _to_neurokit(state: dict, model: str) -> dict:
    out = {}
    for key, v in state.items():
        k = key.replace("final_layer.conv_classifier.", "classifier.")
        k = k.replace("final_layer.linearconstraint.", "classifier.")
        if model == "shallow":
            k = (k.replace("conv_time_spat.conv_time.weight", "conv_time_spat.temporal")
                  .replace("conv_time_spat.conv_time.bias", "conv_time_spat.temporal_bias")
                  .replace("conv_time_spat.conv_spat.weight", "conv_time_spat.spatial"))
            if k == "conv_time_spat.spatial":
                v = v[:, :, 0, :]
            elif v.dim() == 4:
                v = v[..., 0]
        elif k in ("conv_separable_depth.weight", "conv_separable_point.weight"):
            v = v[:, :, 0, :]
        out[k] = v
    return out


def check_architectures(n_chans: int, n_times: int, n_outputs: int = 2, seed: int = 0,
                        ) -> dict[str, float]:
    """Max |logit difference| between braindecode's nets and neurokit's after copying
    braindecode's (randomised) weights and BN statistics into neurokit's, in eval and train
    mode (dropout off), on a random batch."""
    import torch

    from neurokit.decoding.cnn import EEGNet, ShallowConvNet

    import_braindecode()
    out = {}
    with _one_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(seed)
        x = torch.randn(8, n_chans, n_times)
        for model, ours in (("shallow", ShallowConvNet), ("eegnet", EEGNet)):
            bd = _braindecode_net(model, n_chans, n_outputs, n_times, 100.0)
            nk = ours(n_chans, n_outputs, n_times)
            with torch.no_grad():
                for mod in bd.modules():
                    if isinstance(mod, torch.nn.BatchNorm2d):
                        mod.running_mean.uniform_(-0.5, 0.5)
                        mod.running_var.uniform_(0.5, 2.0)
                        mod.weight.uniform_(0.5, 1.5)
                        mod.bias.uniform_(-0.5, 0.5)
            state = _effective_state(bd)
            if model == "eegnet":
                n_out_time = nk.final_conv_length
                w = state["final_layer.linearconstraint.weight"]
                state["final_layer.linearconstraint.weight"] = w.reshape(
                    w.shape[0], -1, n_out_time)
            nk.load_state_dict(_to_neurokit(state, model), strict=True)
            for m in (*bd.modules(), *nk.modules()):
                if isinstance(m, torch.nn.Dropout):
                    m.p = 0.0
            bd.eval()
            nk.eval()
            diff_eval = float((bd(x) - nk(x)).abs().max())
            bd.train()
            nk.train()
            diff_train = float((bd(x) - nk(x)).abs().max())
            out[model] = max(diff_eval, diff_train)
    return out


# -- the section bench_decoding.py prints --------------------------------------------------
def _summary(rows: list[dict]) -> list[dict]:
    out = []
    for model in dict.fromkeys(r["model"] for r in rows):
        sel = {lib: [r for r in rows if r["model"] == model and r["library"] == lib]
               for lib in ("neurokit", "braindecode")}
        if not all(sel.values()):
            continue
        acc = {lib: float(np.mean([r["accuracy"] for r in v])) for lib, v in sel.items()}
        secs = {lib: float(np.sum([r["train_time_s"] for r in v])) for lib, v in sel.items()}
        out.append({"model": model, "acc_neurokit": acc["neurokit"],
                    "acc_braindecode": acc["braindecode"], "time_neurokit_s": secs["neurokit"],
                    "time_braindecode_s": secs["braindecode"],
                    "speedup": secs["braindecode"] / secs["neurokit"]})
    return out


def run_section(datasets: dict, *, quick: bool = False, repeats: int = 1,
                max_folds: int | dict | None = None, max_epochs: int = 30) -> list[dict]:
    """The CNN section of ``bench_decoding.py``: architecture check, then :func:`bench_cnn`
    on each dataset with the 5 folds of ``make_splits(ep, n_splits=5, seed=0)``.

    ``quick``: 2 folds, 3 epochs. ``repeats`` > 1 repeats every fit and keeps the median
    training time (accuracy of the first run). ``max_folds`` (an int, or a dict by dataset
    name) keeps only the first folds (braindecode takes minutes per fold on one thread).
    """
    from neurokit.decoding.evaluation import make_splits

    bd = import_braindecode()
    print(f"braindecode {bd.__version__} (torchaudio "
          f"{'stubbed' if isinstance(sys.modules.get('torchaudio'), _Unavailable) else 'real'})")
    all_rows: list[dict] = []
    for name, ep in datasets.items():
        ep = ep.transpose("trial", "channel", "time")
        X = np.ascontiguousarray(ep.values, dtype=np.float32)
        y = np.asarray(ep["label"].values)
        sfreq = float(ep.attrs["sampling_rate"])
        n, c, t = X.shape
        print(f"\n## {name}: {n} trials x {c} channels x {t} samples ({sfreq:g} Hz)")
        diffs = check_architectures(c, t, len(np.unique(y)))
        print("same architecture (braindecode's weights copied into neurokit's nets): "
              + ", ".join(f"{m} max|logit diff| {d:.1e}" for m, d in diffs.items()))
        splits = make_splits(ep, n_splits=5, seed=0)
        keep = max_folds.get(name) if isinstance(max_folds, dict) else max_folds
        folds = [(s.train, s.test) for s in splits][: 2 if quick else keep]
        epochs = 3 if quick else max_epochs
        print(f"{len(folds)} folds, {epochs} epochs, batch 32, AdamW + cosine, seed 0, 1 thread")
        runs = [bench_cnn(X, y, folds, sfreq, max_epochs=epochs, batch_size=32, seed=0)
                for _ in range(max(1, repeats))]
        rows = runs[0]
        for i, row in enumerate(rows):
            row["train_time_s"] = float(np.median([r[i]["train_time_s"] for r in runs]))
            row["dataset"] = name
        print(f"\n{'model':9s} {'acc neurokit':>13s} {'acc braindecode':>16s} "
              f"{'train s neurokit':>17s} {'train s braindecode':>20s} {'speed-up':>9s}")
        for s in _summary(rows):
            print(f"{s['model']:9s} {s['acc_neurokit']:13.3f} {s['acc_braindecode']:16.3f} "
                  f"{s['time_neurokit_s']:17.2f} {s['time_braindecode_s']:20.2f} "
                  f"{s['speedup']:8.2f}x  (goal >= 1x: "
                  f"{'MET' if s['speedup'] >= 1 else 'NOT MET'})")
        all_rows += rows
    return all_rows


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--no-real", action="store_true", help="skip the PhysioNet recording")
    ap.add_argument("--no-simulated", action="store_true", help="skip the simulated epochs")
    ap.add_argument("--folds", type=int, default=None, help="keep only the first folds")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--json", type=Path, default=None, help="write the rows there")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(HERE))
    from bench_decoding import physionet_epochs, simulate_epochs

    shape = (40, 16, 320) if args.quick else (200, 64, 640)
    datasets = {} if args.no_simulated else {"simulated": simulate_epochs(*shape)}
    if not args.no_real:
        real = physionet_epochs()
        if real is not None:
            datasets["physionet-S001"] = real
    rows = run_section(datasets, quick=args.quick, max_folds=args.folds,
                       max_epochs=args.epochs)
    if args.json is not None:
        import json

        args.json.write_text(json.dumps(rows, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
