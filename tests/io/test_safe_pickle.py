import datetime
import io
import os
import pickle
import subprocess

import numpy as np
import pytest
from numpy.lib import format as npy_format

from neurokit.errors import FileFormatError, UnsafeFileError
from neurokit.io._safe_pickle import load_npy_numeric, load_npy_pickle, read_npy_header
from neurokit.testing import assert_files_unchanged


class _Evil:
    """Unpickling this runs ``func(*args)``: what a crafted stat.npy would do."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def _assert_same(a, b):
    """Deep equality for the nested dict/list/array values of suite2p pickles."""
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        if a.dtype.hasobject:
            for x, y in zip(a.ravel(), b.ravel(), strict=True):
                _assert_same(x, y)
        else:
            np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def _values():
    return {
        "fs": 30.0,
        "Ly": np.int64(512),
        "tau": np.float32(1.25),
        "flag": np.bool_(True),
        "name": "plane0",
        "none": None,
        "bytes": b"\x00\x01raw",
        "tuple": (1, 2.5, "x"),
        "list": [np.arange(4), np.zeros((2, 3), np.float32)],
        "strings": np.array(["a", "bc"]),
        "complex": 1 + 2j,
        "set": {1, 2},
        "date_proc": datetime.datetime(2021, 7, 26, 17, 37, 31),
        "nested": {"med": [144, 62], "lam": np.linspace(0, 1, 5)},
    }


def test_load_npy_pickle_matches_numpy_on_every_allowed_type(tmp_path):
    f = tmp_path / "ops.npy"
    np.save(f, np.array(_values(), dtype=object), allow_pickle=True)
    with assert_files_unchanged(f):
        got = load_npy_pickle(f)
    assert got.shape == () and got.dtype == object
    _assert_same(got.item(), np.load(f, allow_pickle=True).item())


def test_list_of_dicts_like_stat(tmp_path):
    f = tmp_path / "stat.npy"
    stat = [{"med": [i, 2 * i], "npix": np.int64(10 + i)} for i in range(5)]
    np.save(f, np.array(stat, dtype=object), allow_pickle=True)
    got = load_npy_pickle(f)
    assert got.shape == (5,)
    _assert_same(list(got), stat)


def test_old_numpy_module_names_and_protocol_2(tmp_path):
    """numpy 1.x pickles say ``numpy.core.multiarray``; protocol 2 encodes bytes with _codecs."""
    arr = np.array({"x": np.arange(3), "b": b"ab", "s": np.float64(2.5)}, dtype=object)
    payload = pickle.dumps(arr, protocol=2).replace(
        b"numpy._core.multiarray", b"numpy.core.multiarray"
    )
    assert b"numpy.core.multiarray" in payload and b"_codecs" in payload
    f = tmp_path / "ops.npy"
    with open(f, "wb") as fh:
        npy_format.write_array_header_1_0(fh, npy_format.header_data_from_array_1_0(arr))
        fh.write(payload)
    _assert_same(load_npy_pickle(f).item(), arr.item())


@pytest.mark.parametrize(
    ("func", "args", "name"),
    [
        (os.system, ("echo pwned > marker",), "system"),
        (eval, ("open('marker', 'w').write('pwned')",), "eval"),
        (subprocess.check_call, (["touch", "marker"],), "check_call"),
    ],
)
def test_malicious_pickle_is_refused_before_running(tmp_path, monkeypatch, func, args, name):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "stat.npy"
    np.save(f, np.array([{"med": [1, 2]}, _Evil(func, args)], dtype=object), allow_pickle=True)
    with pytest.raises(UnsafeFileError) as info:
        load_npy_pickle(f)
    assert name in str(info.value) and str(f) in str(info.value)
    assert info.value.found.endswith(name)
    assert not (tmp_path / "marker").exists()


def test_numeric_loader_never_unpickles(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "F.npy"
    np.save(f, np.array([_Evil(os.system, ("echo pwned > marker",))], dtype=object))
    with pytest.raises(FileFormatError, match="numeric"):
        load_npy_numeric(f)
    assert not (tmp_path / "marker").exists()


def test_numeric_loader_reads_into_memory_and_leaves_the_file_alone(tmp_path, rng):
    f = tmp_path / "F.npy"
    data = rng.normal(size=(3, 7)).astype(np.float32)
    np.save(f, data)
    with assert_files_unchanged(f):
        got = load_npy_numeric(f)
        np.testing.assert_array_equal(got, data)
        assert got.dtype == np.float32 and not isinstance(got, np.memmap)
    f.unlink()  # nothing refers to the file any more
    np.testing.assert_array_equal(got, data)


@pytest.mark.parametrize("loader", [load_npy_numeric, load_npy_pickle])
def test_not_npy(tmp_path, loader):
    f = tmp_path / "F.npy"
    f.write_text("F,Fneu\n1,2\n")
    with pytest.raises(FileFormatError, match="npy"):
        loader(f)


def test_truncated_files(tmp_path, rng):
    numeric, pickled = tmp_path / "F.npy", tmp_path / "stat.npy"
    np.save(numeric, rng.normal(size=(10, 100)))
    np.save(pickled, np.array([{"med": [1, 2], "lam": np.ones(50)}] * 3, dtype=object))
    for f in (numeric, pickled):
        f.write_bytes(f.read_bytes()[:-40])
    with pytest.raises(FileFormatError, match="truncated"):
        load_npy_numeric(numeric)
    with pytest.raises(FileFormatError, match="corrupt pickle"):
        load_npy_pickle(pickled)


def test_pickle_loader_wants_an_object_array(tmp_path):
    f = tmp_path / "stat.npy"
    np.save(f, np.zeros(3))
    with pytest.raises(FileFormatError, match="object"):
        load_npy_pickle(f)


def test_read_npy_header():
    buf = io.BytesIO()
    np.save(buf, np.zeros((2, 5), np.int16))
    buf.seek(0)
    assert read_npy_header(buf, path="x.npy") == ((2, 5), False, np.dtype(np.int16))


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["stat.npy", "ops.npy"])
def test_real_suite2p_pickles_match_numpy(shared_data, name):
    f = shared_data / "suite2p_fissa_example" / "suite2p" / "plane0" / name
    with assert_files_unchanged(f):
        got = load_npy_pickle(f)
    trusted = np.load(f, allow_pickle=True)  # trusted real data, allowed in this test only
    assert got.shape == trusted.shape
    for a, b in zip(got.ravel(), trusted.ravel(), strict=True):
        _assert_same(a, b)
