import numpy as np
import pytest
import xarray as xr

import neurokit
from neurokit.datasets import simulate_ecephys_session

pynwb = pytest.importorskip("pynwb")


def _read(path):
    """Everything the tests need from the file, as plain numpy / pandas (file closed on return)."""
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        units = nwb.units
        behavior = nwb.processing["behavior"]
        position = behavior["Position"]["position"]
        speed = behavior["BehavioralTimeSeries"]["running_speed"]
        return {
            "spike_times": [np.asarray(units["spike_times"][i]) for i in range(len(units))],
            "unit_ids": units.id[:],
            "unit_electrode": units["electrodes"].target.data[:],  # one electrode per unit
            "unit_location": units["location"][:],
            "unit_quality": units["quality"][:],
            "firing_rate": units["firing_rate"][:],
            "electrodes": nwb.electrodes.to_dataframe(),
            "trials": nwb.trials.to_dataframe(),
            "position": position.data[:],
            "position_rate": position.rate,
            "position_unit": position.unit,
            "speed": speed.data[:],
            "speed_rate": speed.rate,
        }


def test_file_is_valid_nwb(ecephys_session):
    path, _ = ecephys_session
    assert pynwb.validate(path=str(path)) == []


def test_truth_follows_conventions(ecephys_session):
    path, truth = ecephys_session
    neurokit.validate(truth)
    assert truth["rates"].dims == ("time", "unit")
    assert truth["latents"].dims == ("time", "latent")
    assert truth.sizes["unit"] == 40 and truth.sizes["trial"] == 60 and truth.sizes["latent"] == 2
    assert truth["time"].dtype == np.float64 and truth.attrs["sampling_rate"] == 100.0
    assert truth["spike_times"].attrs["units"] == "s"
    # flat units layout: sorted by unit, then time
    order = np.lexsort((truth["spike_times"].values, truth["spike_unit"].values))
    np.testing.assert_array_equal(order, np.arange(truth.sizes["spike"]))
    np.testing.assert_array_equal(np.bincount(truth["spike_unit"], minlength=40), truth["n_spikes"])
    assert truth.attrs["source_file"] == str(path)


def test_deterministic_for_a_seed(tmp_path):
    kwargs = {"n_units": 5, "n_trials": 8}
    _, a = simulate_ecephys_session(tmp_path / "a" / "e.nwb", seed=7, **kwargs)
    _, b = simulate_ecephys_session(tmp_path / "b" / "e.nwb", seed=7, **kwargs)
    _, c = simulate_ecephys_session(tmp_path / "c" / "e.nwb", seed=8, **kwargs)
    xr.testing.assert_identical(a.assign_attrs(source_file=""), b.assign_attrs(source_file=""))
    assert not np.array_equal(a["latents"], c["latents"])
    assert not np.array_equal(a["loading"], c["loading"])


def test_file_units_match_truth(ecephys_session):
    path, truth = ecephys_session
    got = _read(path)
    np.testing.assert_array_equal(got["unit_ids"], truth["unit"])
    spike_unit = truth["spike_unit"].values
    for u, times in enumerate(got["spike_times"]):
        np.testing.assert_array_equal(times, truth["spike_times"].values[spike_unit == u])
    np.testing.assert_array_equal(got["unit_electrode"], truth["electrodes"])
    np.testing.assert_array_equal(got["unit_location"], truth["location"])
    np.testing.assert_array_equal(got["unit_quality"], truth["quality"])
    np.testing.assert_allclose(got["firing_rate"], truth["firing_rate"])
    electrodes = got["electrodes"]
    assert len(electrodes) == 64
    assert set(electrodes["location"]) == {"VISp", "CA1"}
    np.testing.assert_array_equal(
        electrodes["location"].to_numpy()[truth["electrodes"].values], truth["location"].values
    )


def test_file_trials_and_behaviour_match_truth(ecephys_session):
    path, truth = ecephys_session
    got = _read(path)
    trials = got["trials"]
    for column in ("start_time", "stop_time", "stimulus_onset", "condition"):
        np.testing.assert_array_equal(trials[column], truth[column])
    np.testing.assert_array_equal(trials["correct"].astype(int), truth["correct"])
    np.testing.assert_allclose(trials["stimulus_onset"] - trials["start_time"], 0.5)
    assert np.bincount(trials["condition"]).tolist() == [15, 15, 15, 15]  # balanced
    assert got["position_rate"] == got["speed_rate"] == 50.0 and got["position_unit"] == "meters"
    np.testing.assert_array_equal(got["position"], truth["position"].values[::2])
    np.testing.assert_array_equal(got["speed"], truth["running_speed"].values[::2])


def test_behaviour_is_a_readout_of_the_latents(ecephys_session):
    _, truth = ecephys_session
    position = truth["latents"].values @ truth["position_readout"].values.T
    np.testing.assert_allclose(truth["position"], position)
    assert truth["position"].std() > 0.01  # metres: a few cm of movement
    np.testing.assert_allclose(
        truth["running_speed"],
        10 * np.logaddexp(0, truth["latents"].values @ truth["speed_readout"].values + 1),
    )


def test_rates_are_log_linear_in_the_latents_and_realistic(ecephys_session):
    _, truth = ecephys_session
    log_rate = (
        truth["baseline_log_rate"].values + truth["latents"].values @ truth["loading"].values.T
    )
    np.testing.assert_allclose(np.log(truth["rates"]), log_rate)
    low, high = np.quantile(truth["rates"], [0.05, 0.95])
    assert 0.5 < low and high < 40.0
    # spike counts are Poisson with the ground-truth intensity (rates piecewise constant, 10 ms)
    expected = truth["rates"].sum("time").values * 0.01
    z = (truth["n_spikes"].values - expected) / np.sqrt(expected)
    assert np.abs(z).max() < 5


def test_stimulus_input_only_after_onset_within_trials(ecephys_session):
    _, truth = ecephys_session
    drive = np.linalg.norm(truth["stimulus_input"].values, axis=1)
    time = truth["time"].values
    on = np.zeros(time.size, dtype=bool)
    for onset, stop in zip(truth["stimulus_onset"].values, truth["stop_time"].values, strict=True):
        on |= (time >= onset - 1e-9) & (time < stop - 1e-9)
    np.testing.assert_allclose(drive[on], truth.attrs["input_gain"])
    assert np.all(drive[~on] == 0)


def test_condition_effects_follow_loading_times_direction(ecephys_session):
    _, truth = ecephys_session
    times, units = truth["spike_times"].values, truth["spike_unit"].values
    n_units, n_cond = truth.sizes["unit"], truth.sizes["condition_id"]
    counts = np.zeros((truth.sizes["trial"], n_units))
    for i, onset in enumerate(truth["stimulus_onset"].values):
        in_window = (times >= onset + 0.2) & (times < onset + 1.5)
        counts[i] = np.bincount(units[in_window], minlength=n_units)
    condition = truth["condition"].values
    observed = np.log(np.stack([counts[condition == c].mean(0) for c in range(n_cond)]) + 1e-3)
    predicted = truth["condition_direction"].values @ truth["loading"].values.T  # (cond, unit)
    observed -= observed.mean(0)
    predicted -= predicted.mean(0)
    assert np.corrcoef(observed.ravel(), predicted.ravel())[0, 1] > 0.8


@pytest.mark.parametrize(("n_latents", "n_conditions"), [(1, 3), (3, 2), (2, 1)])
def test_other_sizes(tmp_path, n_latents, n_conditions):
    path, truth = simulate_ecephys_session(
        tmp_path / "e.nwb", n_units=4, n_trials=6, n_latents=n_latents, n_conditions=n_conditions
    )
    neurokit.validate(truth)
    assert truth["condition_direction"].shape == (n_conditions, n_latents)
    assert len(_read(path)["spike_times"]) == 4
