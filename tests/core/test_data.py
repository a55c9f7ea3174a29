import numpy as np
import pytest
import torch

from neurokit.core import XarrayDataModule, list_sources, register_source
from neurokit.core.data import EpochShuffleSampler, split_groups
from neurokit.errors import (
    ConfigError,
    InvalidValueError,
    PathNotFoundError,
    SchemaError,
)
from tests.core.conftest import make_blobs


def _setup(da, **kwargs):
    dm = XarrayDataModule.from_dataarray(da, **kwargs)
    dm.setup("fit")
    return dm


def _groups_of(dm, coord):
    da = dm.data_
    return {s: set(da[coord].values[idx]) for s, idx in dm.split_indices_.items()}


@pytest.mark.parametrize("by", ["trial", "session", "subject"])
def test_splits_share_no_group(by):
    da = make_blobs(n=64)
    kwargs = {"val_fraction": 0.25, "test_fraction": 0.25}
    if by == "subject":  # only two subjects: one for training, one held out
        kwargs = {"val_fraction": 0.5, "test_fraction": 0.0}
    dm = _setup(da, split_by=by, **kwargs)
    idx = dm.split_indices_
    assert sorted(np.concatenate(list(idx.values())).tolist()) == list(range(64))
    groups = _groups_of(dm, by)
    assert groups["train"].isdisjoint(groups["val"])
    assert groups["train"].isdisjoint(groups["test"])
    assert groups["val"].isdisjoint(groups["test"])
    assert len(groups["val"]) >= 1 and len(groups["train"]) >= 1
    # the loaders serve exactly these samples
    n_val = sum(len(y) for _, y in dm.val_dataloader())
    assert n_val == len(idx["val"])


def test_split_is_seeded():
    a = _setup(make_blobs(), split_by="session", seed=3).split_indices_
    b = _setup(make_blobs(), split_by="session", seed=3).split_indices_
    assert all(np.array_equal(a[s], b[s]) for s in a)


def test_batches_shapes_and_dtypes():
    da = make_blobs(n=40).expand_dims(time=np.arange(5) * 0.1).transpose("time", "trial", ...)
    dm = _setup(da, batch_size=8, val_fraction=0.2)  # trial is moved to the front
    x, y = next(iter(dm.train_dataloader()))
    assert x.shape == (8, 5, 6) and x.dtype == torch.float32
    assert y.shape == (8,) and y.dtype == torch.int64
    assert dm.input_shape_ == (5, 6) and dm.n_classes_ == 2
    # x keeps the sample's values: the first val sample equals the data
    xv, yv = next(iter(dm.val_dataloader()))
    first = dm.split_indices_["val"][0]
    np.testing.assert_array_equal(xv[0].numpy(), da.isel(trial=first).values)


def test_string_labels_are_encoded():
    da = make_blobs(n=12)
    names = np.array(["go", "nogo", "catch"])[np.arange(12) % 3]
    da = da.assign_coords(label=("trial", names))
    dm = _setup(da, val_fraction=0.0, batch_size=12)
    assert dm.classes_.tolist() == ["catch", "go", "nogo"]
    x, y = next(iter(dm.train_dataloader()))
    got = dm.classes_[y.numpy()]
    expected = names[dm.split_indices_["train"]]
    assert sorted(got.tolist()) == sorted(expected.tolist())
    assert dm.val_dataloader() == [] and dm.test_dataloader() == []


def test_training_order_depends_on_seed_and_epoch_only():
    s = EpochShuffleSampler(20, seed=4)
    e0 = list(s)
    s.set_epoch(1)
    e1 = list(s)
    assert e0 != e1 and sorted(e1) == list(range(20))
    assert list(EpochShuffleSampler(20, seed=4)) == e0


def test_reads_netcdf_and_zarr_files_in_setup(tmp_path):
    da = make_blobs(n=16)
    nc, zr = tmp_path / "blobs.nc", tmp_path / "blobs.zarr"
    da.to_netcdf(nc, engine="h5netcdf")
    da.to_zarr(zr) if hasattr(da, "to_zarr") else da.to_dataset().to_zarr(zr)
    for path in (nc, zr):
        dm = XarrayDataModule(source=str(path), split_by="session")
        assert dm.data_ is None  # nothing read in __init__
        dm.setup("fit")
        np.testing.assert_array_equal(dm.data_.values, da.values)


def test_digits_and_registered_sources():
    dm = XarrayDataModule(source="digits", batch_size=16)
    dm.setup("fit")
    x, y = next(iter(dm.train_dataloader()))
    assert x.shape == (16, 8, 8) and 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert dm.n_classes_ == 10
    assert "delay_task" in list_sources()  # registered by name only

    register_source("tiny_blobs_test", make_blobs, overwrite=True)
    dm = XarrayDataModule(source="tiny_blobs_test", source_kwargs={"n": 8}, val_fraction=0.25)
    dm.setup("fit")
    assert dm.data_.sizes["trial"] == 8
    with pytest.raises(ConfigError):
        register_source("tiny_blobs_test", make_blobs)


def test_bad_inputs_name_the_field(tmp_path):
    da = make_blobs(n=16)
    with pytest.raises(SchemaError) as err:
        _setup(da.drop_vars("label"))
    assert err.value.field == "label"
    with pytest.raises(SchemaError) as err:
        _setup(da, split_by="animal")
    assert err.value.field == "animal"
    with pytest.raises(SchemaError) as err:
        _setup(da, sample_dim="stimulus")
    assert err.value.field == "stimulus"
    bad = da.copy()
    bad[3, 2] = np.nan
    with pytest.raises(InvalidValueError) as err:
        _setup(bad)
    assert err.value.field == "blobs"
    with pytest.raises(InvalidValueError):
        _setup(da, val_fraction=0.6, test_fraction=0.5)
    with pytest.raises(InvalidValueError):  # 2 subjects cannot fill three splits
        _setup(da, split_by="subject", val_fraction=0.3, test_fraction=0.3)
    with pytest.raises(ConfigError) as err:
        XarrayDataModule(source="no_such_source").setup("fit")
    assert "digits" in str(err.value)
    with pytest.raises(PathNotFoundError):
        XarrayDataModule(source=str(tmp_path / "missing.nc")).setup("fit")
    with pytest.raises(SchemaError):
        XarrayDataModule.from_dataarray(da.to_dataset())


def test_split_groups_counts():
    groups = np.repeat(np.arange(10), 3)
    s = split_groups(groups, 0.2, 0.1, seed=0)
    assert [len(set(groups[s[k]])) for k in ("train", "val", "test")] == [7, 2, 1]
