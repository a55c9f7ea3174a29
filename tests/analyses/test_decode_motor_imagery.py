"""Plumbing of ``analyses/decode_motor_imagery.py`` on simulated EDF-like runs, and its
real-data claims (EEGMMIDB S001, EEGLAB tutorial) with a reduced set of pipelines."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "analyses" / "decode_motor_imagery.py"
COLUMNS = ["evaluation", "pipeline", "input", "subject", "session", "fold", "accuracy",
           "balanced_accuracy", "n_train", "n_test", "fit_time_s", "predict_time_s"]


@pytest.fixture(scope="module")
def mod():
    spec = importlib.util.spec_from_file_location("decode_motor_imagery", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["decode_motor_imagery"] = module
    spec.loader.exec_module(module)
    torch.set_num_threads(1)
    return module


def _fast_pipelines():
    from pyriemann.classification import MDM
    from pyriemann.estimation import Covariances
    from sklearn.pipeline import make_pipeline

    from neurokit.decoding.cnn import EEGClassifier
    from neurokit.decoding.riemannian import TangentSpaceClassifier

    return {
        "neurokit TS+LR": ("riemann", TangentSpaceClassifier()),
        "pyRiemann MDM": ("riemann", make_pipeline(Covariances("oas"), MDM())),
        "neurokit EEGNet": ("cnn", EEGClassifier("eegnet", max_epochs=2, batch_size=8,
                                                 enable_progress_bar=False)),
    }


def _same_folds(result: dict) -> None:
    """Every pipeline was tested on the same trials in the same folds."""
    p = result["predictions"]
    per_pipe = {name: sorted(zip(g["fold"], g["trial"], strict=True))
                for name, g in p.groupby("pipeline")}
    first = next(iter(per_pipe.values()))
    assert all(v == first for v in per_pipe.values())
    s = result["scores"]
    sizes = s.groupby("pipeline")[["n_train", "n_test"]].apply(lambda d: d.values.tolist())
    assert all(v == sizes.iloc[0] for v in sizes)


def test_binomial_threshold(mod):
    assert mod.binomial_threshold(45) == (29, 29 / 45)  # P(X >= 29) = 0.036, P(X >= 28) = 0.068
    assert mod.binomial_p(29, 45) < 0.05 < mod.binomial_p(28, 45)
    lo, hi = mod.wilson_ci(34, 45)
    assert 0.6 < lo < 34 / 45 < hi < 0.87


def test_plumbing_on_simulated_runs(mod, tmp_path):
    from neurokit.datasets.motor_imagery import simulate_motor_imagery
    from neurokit.io.mne_reader import read_eeg

    paths, _ = simulate_motor_imagery(tmp_path / "raw", n_trials_per_class=9, n_runs=3,
                                      sfreq=100.0, seed=0)
    inputs = mod.make_inputs([read_eeg(p) for p in paths], mod.MI_LABELS)
    assert set(inputs) == {"riemann", "cnn", "sensorimotor"}
    assert inputs["riemann"].sizes["time"] == 300  # 0.5-3.5 s at 100 Hz
    assert inputs["cnn"].attrs["band_hz"] == [4.0, 38.0]
    assert inputs["riemann"].attrs["band_hz"] == [8.0, 30.0]
    assert {mod._std_name(c) for c in inputs["sensorimotor"]["channel"].values} <= set(
        mod.SENSORIMOTOR)

    results = mod.run_decoding(inputs, _fast_pipelines(), n_splits=3, verbose=False)
    assert list(results) == ["within_session", "cross_run"]
    for result in results.values():
        _same_folds(result)
    within, cross = results["within_session"], results["cross_run"]
    assert len(within["splits"]) == 3 and len(cross["splits"]) == 3
    # leave one run out: each fold tests exactly one run, every run once
    run = inputs["riemann"]["run"].values
    tested = [set(run[s.test]) for s in cross["splits"]]
    assert all(len(t) == 1 for t in tested) and set().union(*tested) == set(run)
    assert all(not set(run[s.train]) & set(run[s.test]) for s in cross["splits"])

    table = mod.results_table(results)
    assert list(table.columns) == COLUMNS
    assert len(table) == 3 * 3 + 3 * 3
    n = inputs["riemann"].sizes["trial"]
    summary = mod.summarise(within, n)
    assert set(summary) == set(_fast_pipelines())
    for s in summary.values():
        assert s["pooled_n"] == n and len(s["fold_accuracy"]) == 3
        assert np.isclose(s["accuracy_mean"], np.mean(s["fold_accuracy"]))
    assert within["confusion"].sizes == {"pipeline": 3, "true": 2, "predicted": 2}
    assert int(within["confusion"].sum()) == 3 * n

    out = tmp_path / "out"
    back = pd.read_csv(mod.write_table(table, out / "scores.csv"))
    assert list(back.columns) == COLUMNS and len(back) == len(table)
    figs = {
        "folds.png": mod.plot_per_fold(results, 0.5, {k: 0.7 for k in results}, "test"),
        "confusion.png": mod.plot_confusions(within["confusion"], "test"),
        "patterns.png": mod.plot_patterns(inputs["riemann"], n_csp=2)[0],
    }
    for name, fig in figs.items():
        from neurokit.plotting._figure import save_figure

        assert save_figure(fig, out / name).read_bytes()[:4] == b"\x89PNG"


def test_main_without_data_says_so(mod, tmp_path, capsys):
    code = mod.main(["--data", str(tmp_path / "absent"), "--out", str(tmp_path)])
    assert code == 2
    assert "not available" in capsys.readouterr().err
    assert not (tmp_path / mod.NAME).exists()


@pytest.mark.slow
@pytest.mark.shared_data
def test_real_data_riemannian_above_chance(mod, shared_data):
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from neurokit.decoding.riemannian import TangentSpaceClassifier

    inputs = mod.load_physionet(shared_data / "eeg_physionet_eegmmidb")
    ep = inputs["riemann"]
    assert ep.sizes == {"trial": 45, "channel": 64, "time": 480}
    assert sorted(np.unique(ep["label"].values, return_counts=True)[1]) == [22, 23]
    pipes = {
        "neurokit TS+LR": ("riemann", TangentSpaceClassifier("oas")),
        "pyRiemann TS+LR": ("riemann", make_pipeline(Covariances("oas"), TangentSpace(),
                                                     LogisticRegression(max_iter=1000))),
    }
    results = mod.run_decoding(inputs, pipes, verbose=False)
    k, _ = mod.binomial_threshold(45)
    for scheme, result in results.items():
        _same_folds(result)
        summary = mod.summarise(result, 45)
        nk = summary["neurokit TS+LR"]
        assert nk["pooled_n"] == 45
        assert nk["pooled_correct"] >= k, (scheme, nk)  # above the binomial threshold
        assert nk["above_chance"]
        p = result["predictions"].sort_values(["pipeline", "trial"])
        a = p[p["pipeline"] == "neurokit TS+LR"]["y_pred"].to_numpy()
        b = p[p["pipeline"] == "pyRiemann TS+LR"]["y_pred"].to_numpy()
        np.testing.assert_array_equal(a, b)  # the same predictions as pyRiemann's pipeline


@pytest.mark.slow
@pytest.mark.shared_data
def test_real_data_eeglab_position(mod, shared_data):
    res = mod.decode_eeglab_position(shared_data / "eeg_eeglab_tutorial", quick=True,
                                     verbose=False)
    assert res["n_trials"] == 80 and res["class_counts"] == {"position 1": 40, "position 2": 40}
    assert res["n_channels"] == 32 and not res["has_positions"]
    xdawn = res["summary"]["neurokit Xdawn+TS+LR"]
    assert xdawn["pooled_correct"] >= res["threshold"]["k"], xdawn
    json.dumps(res["summary"])  # the numbers are JSON-ready
