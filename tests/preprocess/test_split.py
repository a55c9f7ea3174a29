from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import neurokit
from neurokit.errors import InvalidValueError, MissingDataError, SchemaError
from neurokit.preprocess import train_test_split

from .conftest import continuous


def trial_data(n_trials: int = 40) -> xr.DataArray:
    sessions = np.repeat(["s1", "s2", "s3", "s4", "s5"], n_trials // 5)
    return xr.DataArray(
        np.arange(n_trials * 3 * 2, dtype=float).reshape(n_trials, 3, 2),
        dims=("trial", "time", "unit"),
        coords={
            "trial": 1000 + np.arange(n_trials),
            "time": [0.0, 0.1, 0.2],
            "unit": [3, 7],
            "session": ("trial", sessions),
            "subject": ("trial", np.where(np.isin(sessions, ["s1", "s2"]), "m1", "m2")),
        },
        attrs={"units": "count", "session_id": "s1"},
    )


def test_by_trial_disjoint_sizes_order_and_seed():
    data = trial_data()
    train, test = train_test_split(data, test_size=0.25, seed=3)
    assert test.sizes["trial"] == 10 and train.sizes["trial"] == 30
    assert set(train.trial.values).isdisjoint(test.trial.values)
    assert sorted([*train.trial.values, *test.trial.values]) == data.trial.values.tolist()
    assert np.all(np.diff(train.trial.values) > 0) and np.all(np.diff(test.trial.values) > 0)
    xr.testing.assert_equal(test, data.sel(trial=test.trial))
    assert train.attrs["split"] == "train" and test.attrs["split"] == "test"
    assert test.attrs["session_id"] == "s1" and test.attrs["units"] == "count"
    again = train_test_split(data, test_size=0.25, seed=3)[1]
    other = train_test_split(data, test_size=0.25, seed=4)[1]
    assert again.trial.values.tolist() == test.trial.values.tolist()
    assert other.trial.values.tolist() != test.trial.values.tolist()
    neurokit.validate(train)
    neurokit.validate(test)


@pytest.mark.parametrize(("by", "n_test_groups"), [("session", 1), ("subject", 1)])
def test_groups_stay_whole(by, n_test_groups):
    data = trial_data()
    for seed in range(5):
        train, test = train_test_split(data, by=by, test_size=0.3, seed=seed)
        train_groups, test_groups = set(train[by].values), set(test[by].values)
        assert train_groups.isdisjoint(test_groups)
        assert len(test_groups) == max(n_test_groups, round(0.3 * len(set(data[by].values))))
        for group in test_groups:  # every trial of a test group is in test
            assert (test[by] == group).sum() == (data[by] == group).sum()
        assert train.sizes["trial"] + test.sizes["trial"] == data.sizes["trial"]


def test_dataset_in_dataset_out():
    ds = trial_data().to_dataset(name="counts")
    train, test = train_test_split(ds, by="session", test_size=0.4)
    assert isinstance(train, xr.Dataset) and isinstance(test, xr.Dataset)
    assert len(set(test.session.values)) == 2


def test_by_time_contiguous_block_and_gap(rng):
    data = continuous(rng.random((1000, 2)), 100.0)
    gap = 0.05
    for seed in range(6):
        train, test = train_test_split(data, by="time", test_size=0.2, gap=gap, seed=seed)
        t_test, t_train = test.time.values, train.time.values
        assert t_test.size == 200
        np.testing.assert_allclose(np.diff(t_test), 0.01)  # one contiguous block
        assert np.isin(t_train, t_test).sum() == 0
        distance = np.minimum(np.abs(t_train - t_test[0]), np.abs(t_train - t_test[-1]))
        assert distance.min() > gap + 1e-12  # no training sample within the gap
        # exactly the 5 samples within 0.05 s on each side are dropped (fewer at the ends)
        n_dropped = 1000 - 200 - t_train.size
        expected = min(5, int(np.flatnonzero(data.time.values == t_test[0])[0])) + min(
            5, int(999 - np.flatnonzero(data.time.values == t_test[-1])[0])
        )
        assert n_dropped == expected
        neurokit.validate(train)
    starts = {float(train_test_split(data, by="time", seed=s)[1].time[0]) for s in range(6)}
    assert len(starts) > 1  # the seed moves the block
    train, test = train_test_split(data, by="time", test_size=0.1, gap=0.0)
    assert train.sizes["time"] + test.sizes["time"] == 1000


def test_errors():
    data = trial_data()
    with pytest.raises(MissingDataError, match="session"):
        train_test_split(data.drop_vars("session"), by="session")
    with pytest.raises(SchemaError, match="by='trial'"):
        train_test_split(data, by="time")
    with pytest.raises(InvalidValueError, match="gap"):
        train_test_split(data, by="trial", gap=1.0)
    with pytest.raises(InvalidValueError, match="test_size"):
        train_test_split(data, test_size=1.5)
    with pytest.raises(InvalidValueError, match="by"):
        train_test_split(data, by="unit")
    with pytest.raises(InvalidValueError, match="two"):
        train_test_split(data.isel(trial=slice(0, 8)), by="session")
    series = continuous(np.zeros((100, 1)), 10.0)
    with pytest.raises(InvalidValueError, match="no training data"):
        train_test_split(series, by="time", test_size=0.5, gap=20.0)
    with pytest.raises(SchemaError, match="trial"):
        train_test_split(series, by="trial")
