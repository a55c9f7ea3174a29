"""read_nwb on bad input: each failure is a neurokit error naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from neurokit.errors import (
    FileFormatError,
    InvalidValueError,
    MissingDataError,
    NotAFileError,
    PathNotFoundError,
)
from neurokit.io.nwb import read_nwb
from neurokit.testing import assert_files_unchanged

pynwb = pytest.importorskip("pynwb")

from pynwb.testing.mock.base import mock_TimeSeries  # noqa: E402
from pynwb.testing.mock.file import mock_NWBFile  # noqa: E402


@pytest.fixture(scope="module")
def small_nwb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    nwb = mock_NWBFile()
    nwb.add_acquisition(mock_TimeSeries(name="ts", data=np.arange(2000.0), rate=100.0))
    nwb.add_trial(start_time=0.0, stop_time=1.0)
    path = tmp_path_factory.mktemp("nwb") / "small.nwb"
    with pynwb.NWBHDF5IO(path, "w") as io:
        io.write(nwb)
    return path


def test_missing_path(tmp_path):
    with pytest.raises(PathNotFoundError, match="no such file") as err:
        read_nwb(tmp_path / "absent.nwb")
    assert "absent.nwb" in str(err.value)


def test_directory(tmp_path):
    with pytest.raises(NotAFileError) as err:
        read_nwb(tmp_path)
    assert str(tmp_path) in str(err.value)


def test_not_hdf5(tmp_path):
    path = tmp_path / "text.nwb"
    path.write_bytes(b"this is not an HDF5 file\n" * 40)
    with pytest.raises(FileFormatError, match="not an HDF5 file") as err:
        read_nwb(path)
    assert "text.nwb" in str(err.value)


def test_truncated_nwb(small_nwb, tmp_path):
    data = small_nwb.read_bytes()
    path = tmp_path / "cut.nwb"
    path.write_bytes(data[: len(data) // 2])
    with assert_files_unchanged(path), pytest.raises(FileFormatError) as err:
        read_nwb(path)
    assert "cut.nwb" in str(err.value)
    assert err.value.__cause__ is not None


def test_hdf5_but_not_nwb(tmp_path):
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as fh:
        fh["random"] = np.random.default_rng(0).normal(size=10)
    with pytest.raises(FileFormatError, match="HDF5 file but not NWB") as err:
        read_nwb(path)
    assert err.value.field == "/.attrs['nwb_version']"
    assert "plain.h5" in str(err.value)


def test_pynwb_failure_is_chained(tmp_path):
    path = tmp_path / "fake.nwb"
    with h5py.File(path, "w") as fh:  # claims to be NWB, has none of its groups
        fh.attrs["nwb_version"] = "2.7.0"
        fh.attrs["neurodata_type"] = "NWBFile"
        fh.attrs["namespace"] = "core"
    with pytest.raises(FileFormatError, match="pynwb could not read the file") as err:
        read_nwb(path)
    assert err.value.__cause__ is not None
    assert "fake.nwb" in str(err.value)


def test_unknown_module(small_nwb):
    with pytest.raises(MissingDataError) as err:
        read_nwb(small_nwb, modules=["nope"])
    message = str(err.value)
    assert "nope" in message and "small.nwb" in message
    assert "acquisition" in message and "intervals" in message  # what the file has


@pytest.mark.parametrize("options", [{"lazy": "sometimes"}, {"lazy_threshold_mb": -1.0}])
def test_bad_options(small_nwb, options):
    with pytest.raises(InvalidValueError):
        read_nwb(small_nwb, **options)
