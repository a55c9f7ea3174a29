import numpy as np
import pytest
import xarray as xr

import neurokit
from neurokit.datasets import simulate_ophys_session, spikes_to_calcium

pynwb = pytest.importorskip("pynwb")


def _read(path):
    """Everything the tests need from the file, as plain numpy (the file is closed on return)."""
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        ophys = nwb.processing["ophys"]
        f = ophys["Fluorescence"]["RoiResponseSeries"]
        neu = ophys["Fluorescence"]["Neuropil"]
        planes = ophys["ImageSegmentation"]["PlaneSegmentation"]
        plane = planes.imaging_plane
        run = nwb.acquisition["running_speed"]
        return {
            "raw": f.data[:],
            "conversion": f.conversion,
            "offset": f.offset,
            "F_in_units": f.get_data_in_units(),
            "F_rate": f.rate,
            "F_start": f.starting_time,
            "F_rois": f.rois.data[:],
            "Fneu": neu.data[:],
            "Fneu_rate": neu.rate,
            "masks": planes["image_mask"].data[:],
            "is_cell": planes["is_cell"].data[:],
            "plane": (plane.indicator, plane.location, plane.imaging_rate),
            "stim": nwb.intervals["stimulus_presentations"].to_dataframe(),
            "epochs": nwb.epochs.to_dataframe(),
            "run_t": run.timestamps[:],
            "run": run.data[:],
            "run_unit": run.unit,
            "subject_id": nwb.subject.subject_id,
            "session_id": nwb.session_id,
        }


def test_file_is_valid_nwb(ophys_session):
    path, _ = ophys_session
    assert pynwb.validate(path=str(path)) == []


def test_truth_follows_conventions(ophys_session):
    path, truth = ophys_session
    neurokit.validate(truth)
    assert truth["F"].dims == ("time", "roi")
    assert truth.sizes["time"] == 3600 and truth.sizes["roi"] == 30
    assert truth["time"].dtype == np.float64
    np.testing.assert_allclose(np.diff(truth["time"]), 1 / 30.0)
    assert truth["spikes"].attrs["units"] == "count"
    assert truth["calcium"].attrs["units"] == "dF/F"
    assert truth.attrs["source_file"] == str(path)
    assert set(np.unique(truth["is_cell"])) == {0, 1}


def test_deterministic_for_a_seed(tmp_path):
    kwargs = {"n_rois": 6, "duration": 20.0, "frame_rate": 10.0}
    _, a = simulate_ophys_session(tmp_path / "a" / "s.nwb", seed=7, **kwargs)
    _, b = simulate_ophys_session(tmp_path / "b" / "s.nwb", seed=7, **kwargs)
    _, c = simulate_ophys_session(tmp_path / "c" / "s.nwb", seed=8, **kwargs)
    xr.testing.assert_identical(a.assign_attrs(source_file=""), b.assign_attrs(source_file=""))
    np.testing.assert_array_equal(
        _read(tmp_path / "a" / "s.nwb")["raw"], _read(tmp_path / "b" / "s.nwb")["raw"]
    )
    assert not np.array_equal(a["F"], c["F"])
    assert not np.array_equal(a["centroid_x"], c["centroid_x"])


def test_file_fluorescence_is_quantised_truth(ophys_session):
    path, truth = ophys_session
    got = _read(path)
    assert got["raw"].dtype == np.uint16
    assert got["conversion"] == truth.attrs["F_conversion"] != 1.0
    assert got["offset"] == truth.attrs["F_offset"] != 0.0
    f = got["raw"] * got["conversion"] + got["offset"]
    step = got["conversion"]
    assert np.abs(f - truth["F"].values).max() <= step / 2 + 1e-3
    np.testing.assert_allclose(got["F_in_units"], f)  # pynwb agrees on the formula
    assert np.abs(got["raw"].astype(float) * 1.0 - truth["F"].values).max() > 10  # raw is not a.u.
    np.testing.assert_array_equal(got["Fneu"], truth["Fneu"].values)
    assert got["F_rate"] == got["Fneu_rate"] == 30.0 and got["F_start"] == 0.0
    np.testing.assert_array_equal(got["F_rois"], np.arange(30))


def test_file_rois_and_metadata_match_truth(ophys_session):
    path, truth = ophys_session
    got = _read(path)
    masks = got["masks"]  # (roi, y, x)
    assert masks.shape == (30, 64, 64)
    yy, xx = np.mgrid[0:64, 0:64]
    cx = (masks * xx).sum((1, 2)) / masks.sum((1, 2))
    cy = (masks * yy).sum((1, 2)) / masks.sum((1, 2))
    np.testing.assert_allclose(cx, truth["centroid_x"], atol=0.05)
    np.testing.assert_allclose(cy, truth["centroid_y"], atol=0.05)
    np.testing.assert_array_equal(got["is_cell"], truth["is_cell"].values.astype(bool))
    assert got["plane"] == ("GCaMP6f", "VISp", 30.0)
    assert got["subject_id"] == truth.attrs["subject_id"]
    assert got["session_id"] == truth.attrs["session_id"]


def test_file_intervals_match_truth(ophys_session):
    path, truth = ophys_session
    got = _read(path)
    stim = got["stim"]
    np.testing.assert_array_equal(stim["start_time"], truth["start_time"])
    np.testing.assert_array_equal(stim["stop_time"], truth["stop_time"])
    np.testing.assert_array_equal(stim["stimulus_id"], truth["stimulus_id"])
    np.testing.assert_array_equal(stim["orientation"], truth["orientation"])
    # every orientation shown, in shuffled blocks of 8
    assert set(stim["orientation"]) == {22.5 * k for k in range(8)}
    assert sorted(stim["stimulus_id"][:8]) == list(range(8))
    epochs = got["epochs"]
    assert [t[0] for t in epochs["tags"]] == ["spontaneous", "gratings"]
    assert epochs["stop_time"].iloc[0] == stim["start_time"].iloc[0]


def test_running_speed_is_irregular_60hz_around_the_slow_process(ophys_session):
    path, truth = ophys_session
    got = _read(path)
    t = got["run_t"]
    assert got["run_unit"] == "cm/s"
    assert np.all(np.diff(t) > 0)
    dt = np.diff(t)
    assert dt.mean() == pytest.approx(1 / 60, rel=0.01) and dt.std() > 1e-3  # jittered
    slow = np.interp(t, truth["time"], truth["running_speed_slow"])
    inside = t < truth["time"].values[-1]
    residual = got["run"][inside] - slow[inside]
    assert abs(residual.mean()) < 0.1 and residual.std() == pytest.approx(1.0, abs=0.1)


def test_cells_are_tuned_to_their_preferred_orientation(ophys_session):
    _, truth = ophys_session
    spikes = truth["spikes"].values
    time = truth["time"].values
    n_stim = 8
    totals = np.zeros((n_stim, truth.sizes["roi"]))
    shown = np.zeros(n_stim)
    for start, stop, sid in zip(
        truth["start_time"].values,
        truth["stop_time"].values,
        truth["stimulus_id"].values,
        strict=True,
    ):
        frames = (time >= start) & (time < stop)
        totals[sid] += spikes[frames].sum(0)
        shown[sid] += 1
    mean = totals / shown[:, None]
    orientations = np.arange(n_stim) * 180.0 / n_stim
    cells = truth["is_cell"].values == 1
    best = orientations[mean.argmax(0)]
    diff = np.abs((best - truth["preferred_orientation"].values + 90.0) % 180.0 - 90.0)
    assert np.all(diff[cells] < 180.0 / n_stim)  # peak within one orientation step
    # non-cells are untuned and quiet
    modulation = mean.max(0) - mean.min(0)
    assert modulation[cells].min() > 2 * modulation[~cells].max()


def test_fluorescence_follows_the_model(ophys_session):
    _, truth = ophys_session
    np.testing.assert_allclose(
        truth["calcium"],
        spikes_to_calcium(
            truth["spikes"].values,
            truth.attrs["frame_rate"],
            tau_rise=truth.attrs["tau_rise"],
            tau_decay=truth.attrs["tau_decay"],
            amplitude=truth["calcium_amplitude"].values,
        ),
    )
    predicted = truth["F0"] * (1 + truth["calcium"]) + truth.attrs["neuropil_coef"] * truth["Fneu"]
    z = (truth["F"] - predicted) / truth["noise_sd"]
    assert abs(float(z.mean())) < 0.05
    assert float(z.std()) == pytest.approx(1.0, abs=0.05)
    # Fneu = shared slow signal + per-ROI noise: ROI pairs correlate through the shared part
    corr = np.corrcoef(truth["Fneu"].values.T)
    assert corr[np.triu_indices(30, 1)].mean() > 0.5


@pytest.mark.parametrize(
    "kwargs",
    [
        {"frame_rate": 7.5, "inter_stimulus_interval": 0.0, "n_stimuli": 3},
        {"image_shape": (20, 40), "n_rois": 1, "neuropil_coef": 0.0},
    ],
)
def test_other_sizes(tmp_path, kwargs):
    path, truth = simulate_ophys_session(tmp_path / "o.nwb", duration=15.0, **kwargs)
    neurokit.validate(truth)
    got = _read(path)
    assert got["raw"].shape == truth["F"].shape
    assert got["masks"].shape[1:] == kwargs.get("image_shape", (64, 64))
