"""epoch / filter_signal / resample_signal on simulated motor-imagery files and EEGMMIDB S001."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import neurokit as nk
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError
from neurokit.preprocess.epochs import epoch, filter_signal, resample_signal

pytest.importorskip("mne")

from neurokit.datasets.motor_imagery import simulate_motor_imagery  # noqa: E402
from neurokit.io.mne_reader import read_eeg  # noqa: E402

LR = {"T1": "left", "T2": "right"}


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    """Three small simulated runs (6 trials per class in all), read back. Do not modify."""
    paths, truth = simulate_motor_imagery(
        tmp_path_factory.mktemp("mi"), n_trials_per_class=6, n_runs=3, seed=5
    )
    return [read_eeg(p) for p in paths], truth


def _recording(
    values,
    fs=100.0,
    channels=("C3", "Cz", "C4"),
    onsets=(1.0, 3.0, 5.0),
    labels=("T1", "T2", "T1"),
    name="/data/r1.edf",
):
    return xr.Dataset(
        {
            "data": (
                ("channel", "time"),
                values,
                {"units": "V", "sampling_rate": fs, "source_file": name},
            ),
            "start_time": ("interval", np.asarray(onsets, float), {"units": "s"}),
            "description": ("interval", list(labels)),
        },
        coords={
            "channel": list(channels),
            "time": np.arange(values.shape[1]) / fs,
            "interval": np.arange(len(onsets)),
        },
        attrs={"sampling_rate": fs, "source_file": name, "subject_id": "s1"},
    )


def test_epochs_of_simulated_runs(sim):
    raws, truth = sim
    ep = epoch(raws, tmin=-0.5, tmax=3.0, labels=LR)
    nk.validate(ep)
    assert ep.dims == ("trial", "channel", "time")
    assert ep.sizes == {"trial": 12, "channel": 22, "time": 560}
    np.testing.assert_allclose(ep["time"].values, np.arange(-80, 480) / 160.0)
    assert ep.attrs["sampling_rate"] == 160.0 and ep.attrs["units"] == "V"
    assert ep.attrs["classes"] == ["left", "right"]
    assert np.unique(ep["trial_id"]).size == 12
    assert sorted(set(ep["run"].values)) == ["01", "02", "03"]
    assert set(ep["subject"].values) == {"01"} and set(ep["session"].values) == {"01"}
    # labels follow the ground truth, event by event
    imagery = truth.where(truth["description"] != "T0", drop=True)
    assert ep["label"].values.tolist() == imagery["label"].values.tolist()
    np.testing.assert_allclose(ep["onset"].values, imagery["start_time"].values)
    # the samples are the recording's, onset at time 0
    k = 7
    rec = raws[int(ep["recording"][k])]["data"]
    start = int(round(float(ep["onset"][k]) * 160.0))
    np.testing.assert_array_equal(ep.isel(trial=k).values, rec.values[:, start - 80 : start + 480])
    assert np.isfinite(ep["x"]).all() and ep["x"].attrs["units"] == "m"


def test_labels_sequence_none_and_baseline(sim):
    raws, _ = sim
    every = epoch(raws[0], tmin=0.0, tmax=1.0)
    assert set(every["label"].values) == {"T0", "T1", "T2"}
    kept = epoch(raws, tmin=0.0, tmax=1.0, labels=["T1"])
    assert set(kept["label"].values) == {"T1"} and kept.sizes["trial"] == 6
    based = epoch(raws, tmin=-0.5, tmax=1.0, labels=LR, baseline=(None, 0.0))
    pre = based.sel(time=slice(None, 0.0)).mean("time")
    np.testing.assert_allclose(pre.values, 0.0, atol=1e-18)
    np.testing.assert_allclose(based.attrs["baseline"], [-0.5, 0.0])


def test_channels_in_another_order_are_reordered():
    rng = np.random.default_rng(0)
    a = _recording(rng.normal(0, 1e-5, (3, 800)), name="/data/a.edf")
    vals = rng.normal(0, 1e-5, (3, 800))
    b = _recording(vals, channels=("C4", "C3", "Cz"), name="/data/b.edf")
    ep = epoch([a, b], tmin=0.0, tmax=0.5, labels=LR)
    assert ep["channel"].values.tolist() == ["C3", "Cz", "C4"]
    np.testing.assert_array_equal(ep.isel(trial=3).sel(channel="C4").values, vals[0, 100:150])
    assert ep.attrs["source_files"] == ["/data/a.edf", "/data/b.edf"]
    assert ep.attrs["subject_id"] == "s1"


def test_mismatched_channels_and_rates_name_both_files():
    rng = np.random.default_rng(1)
    a = _recording(rng.normal(0, 1e-5, (3, 800)), name="/data/a.edf")
    b = _recording(rng.normal(0, 1e-5, (3, 800)), channels=("C3", "Cz", "Pz"), name="/data/b.edf")
    with pytest.raises(SchemaError, match="a.edf.*b.edf") as err:
        epoch([a, b], tmin=0.0, tmax=0.5)
    assert "C4" in str(err.value) and "Pz" in str(err.value)
    c = _recording(rng.normal(0, 1e-5, (3, 1000)), fs=125.0, name="/data/c.edf")
    with pytest.raises(SchemaError, match="sampling rates") as err:
        epoch([a, c], tmin=0.0, tmax=0.5)
    assert "c.edf" in str(err.value) and "100 Hz" in str(err.value) and "125 Hz" in str(err.value)
    # resampling first makes them compatible
    ep = epoch([a, resample_signal(c, 100.0)], tmin=0.0, tmax=0.5)
    assert ep.sizes["trial"] == 6


def test_missing_label_names_label_and_file():
    rng = np.random.default_rng(2)
    a = _recording(rng.normal(0, 1e-5, (3, 800)), name="/data/a.edf")
    b = _recording(rng.normal(0, 1e-5, (3, 800)), labels=("T1", "T1", "T1"), name="/data/b.edf")
    with pytest.raises(MissingDataError, match="T2") as err:
        epoch([a, b], tmin=0.0, tmax=0.5, labels=LR)
    assert "b.edf" in str(err.value)
    ep = epoch([a, b], tmin=0.0, tmax=0.5, labels=LR, missing_label="ignore")
    assert ep.sizes["trial"] == 6
    with pytest.raises(MissingDataError, match="T9"):
        epoch([a, b], tmin=0.0, tmax=0.5, labels={"T9": "x"}, missing_label="ignore")


def test_nan_and_flat_channels():
    rng = np.random.default_rng(3)
    vals = rng.normal(0, 1e-5, (3, 800))
    vals[1, 320:330] = np.nan  # inside the epoch of the event at 3 s
    with pytest.raises(InvalidValueError, match="'Cz'") as err:
        epoch(_recording(vals), tmin=0.0, tmax=0.5)
    assert "r1.edf" in str(err.value)

    flat = rng.normal(0, 1e-5, (3, 800))
    flat[2] = 1e-3  # a dead electrode with an offset
    with pytest.raises(InvalidValueError, match="'C4'.*flat") as err:
        epoch(_recording(flat, name="/data/flat.edf"), tmin=0.0, tmax=0.5)
    assert "flat.edf" in str(err.value)
    dropped = epoch(_recording(flat), tmin=0.0, tmax=0.5, flat_policy="drop")
    assert dropped["channel"].values.tolist() == ["C3", "Cz"]
    assert dropped.attrs["dropped_channels"] == ["C4"]
    kept = epoch(_recording(flat), tmin=0.0, tmax=0.5, reject_flat=False)
    assert kept.sizes["channel"] == 3
    with pytest.raises(InvalidValueError, match="flat"):
        epoch(
            _recording(flat * 0 + rng.normal(0, 1e-8, flat.shape)),
            tmin=0.0,
            tmax=0.5,
            flat_threshold={"V": 1e-6},
        )


def test_bad_window_bounds_and_options():
    rec = _recording(np.random.default_rng(4).normal(0, 1e-5, (3, 800)))
    with pytest.raises(InvalidValueError, match="tmin"):
        epoch(rec, tmin=1.0, tmax=0.5)
    with pytest.raises(InvalidValueError, match="leave the recording"):
        epoch(rec, tmin=-2.0, tmax=0.5)
    assert epoch(rec, tmin=-2.0, tmax=0.5, out_of_bounds="drop").sizes["trial"] == 2
    with pytest.raises(InvalidValueError, match="baseline"):
        epoch(rec, tmin=0.0, tmax=0.5, baseline=(-1.0, 0.0))
    with pytest.raises(ConfigError, match="flat_policy"):
        epoch(rec, tmin=0.0, tmax=0.5, flat_policy="maybe")
    with pytest.raises(MissingDataError, match="events"):
        epoch(rec["data"], tmin=0.0, tmax=0.5)
    with pytest.raises(MissingDataError, match="'trial_type'"):
        epoch(rec, tmin=0.0, tmax=0.5, event_column="trial_type")
    # a bare DataArray with its events beside it
    events = rec.drop_dims(("channel", "time"))
    assert epoch(rec["data"], events, tmin=0.0, tmax=0.5).sizes["trial"] == 3


def test_filter_signal_band_pass_2d_3d_and_dataset():
    fs = 200.0
    t = np.arange(4000) / fs
    x = np.stack([np.sin(2 * np.pi * 10 * t), np.sin(2 * np.pi * 50 * t)]) * 1e-5
    rec = _recording(x[[0, 1, 0]], fs=fs, onsets=(4.0, 8.0, 12.0))
    for method in ("iir", "fir"):
        out = filter_signal(rec, 8.0, 13.0, method=method)
        middle = out["data"].isel(time=slice(1000, 3000))
        amp = np.abs(middle).max("time").values / 1e-5
        assert amp[0] == pytest.approx(1.0, abs=0.1) and amp[1] < 0.02, method
        assert out["description"].values.tolist() == ["T1", "T2", "T1"]  # events kept
        assert out.attrs["highpass"] == 8.0 and out["data"].attrs["lowpass"] == 13.0
        nk.validate(out)
    ep = epoch(rec, tmin=0.0, tmax=2.0)
    low = filter_signal(ep, None, 20.0)
    assert low.dims == ("trial", "channel", "time")
    assert float(np.abs(low.sel(channel="Cz").isel(time=slice(100, 300))).max()) < 2e-7
    with pytest.raises(InvalidValueError, match="cut-off"):
        filter_signal(ep, 30.0, 20.0)
    with pytest.raises(InvalidValueError, match="cut-off"):
        filter_signal(ep, 1.0, 150.0)
    with pytest.raises(ConfigError, match="method"):
        filter_signal(ep, 1.0, 20.0, method="fft")


def test_resample_signal_dataset_and_epochs(sim):
    raws, _ = sim
    down = resample_signal(raws[0], 80.0)
    assert down.attrs["sampling_rate"] == 80.0 and down["data"].attrs["sampling_rate"] == 80.0
    assert down.sizes["time"] == raws[0].sizes["time"] // 2
    xr.testing.assert_equal(down["start_time"], raws[0]["start_time"])
    ep = epoch(raws, tmin=0.0, tmax=1.0, labels=LR)
    small = resample_signal(ep, 80.0)
    assert small.dims == ("trial", "channel", "time") and small.sizes["time"] == 80
    assert small["label"].values.tolist() == ep["label"].values.tolist()


@pytest.mark.shared_data
def test_eegmmidb_s001_runs_4_8_12(shared_data):
    folder = shared_data / "eeg_physionet_eegmmidb"
    raws = [read_eeg(folder / f"S001R{run:02d}.edf") for run in (4, 8, 12)]
    ep = epoch(raws, tmin=0.0, tmax=4.0, labels=LR)
    nk.validate(ep)
    assert ep.sizes == {"trial": 45, "channel": 64, "time": 640}
    labels, counts = np.unique(ep["label"].values, return_counts=True)
    assert dict(zip(labels.tolist(), counts.tolist(), strict=True)) == {"left": 23, "right": 22}
    assert np.unique(ep["trial_id"]).size == 45
    assert [int((ep["run"] == r).sum()) for r in ("R04", "R08", "R12")] == [15, 15, 15]
    assert set(ep["subject"].values) == {"S001"} and ep.attrs["subject_id"] == "S001"
