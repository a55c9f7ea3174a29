"""read_mne / read_eeg / read_meg: synthetic files in tmp_path, then the shared real files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

import neurokit as nk
from neurokit.errors import (
    ConfigError,
    FileFormatError,
    InvalidValueError,
    MissingDataError,
    NotAFileError,
    PathNotFoundError,
)
from neurokit.io.mne_reader import read_eeg, read_meg, read_mne

mne = pytest.importorskip("mne")

FS = 100.0
NAMES = ["Fp1", "C3", "Cz", "C4", "O1"]


def _raw(rng: np.random.Generator, *, first_samp: int = 0, nan: bool = False, stim: bool = False):
    data = rng.normal(0.0, 2e-5, (len(NAMES), 1000))
    types = ["eeg"] * len(NAMES)
    names = list(NAMES)
    if nan:
        data[2, 300:305] = np.nan
    if stim:
        trig = np.zeros((1, 1000))
        trig[0, [200, 500, 800]] = [1, 2, 1]
        data = np.vstack([data, trig])
        types.append("stim")
        names.append("STI 014")
    info = mne.create_info(names, FS, types)
    raw = mne.io.RawArray(data, info, first_samp=first_samp, verbose="error")
    return raw


def _fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns


def _write_edf(path: Path, data_uv: np.ndarray, names: list[str], fs: int) -> None:
    """A minimal EDF (not EDF+) file: 1 s records, int16 samples, µV physical unit."""
    n_ch, n = data_uv.shape
    n_rec = n // fs
    pmin, pmax, dmin, dmax = -500.0, 500.0, -32768, 32767

    def field(value: object, width: int) -> bytes:
        return str(value).ljust(width)[:width].encode("ascii")

    header = b"".join(
        [
            field(0, 8),
            field("X X X X", 80),
            field("Startdate 01-JAN-2020 X X X", 80),
            field("01.01.20", 8),
            field("10.00.00", 8),
            field(256 * (n_ch + 1), 8),
            field("", 44),
            field(n_rec, 8),
            field(1, 8),
            field(n_ch, 4),
        ]
    )
    per_signal = [
        [field(name, 16) for name in names],
        [field("AgAgCl electrode", 80)] * n_ch,
        [field("uV", 8)] * n_ch,
        [field(pmin, 8)] * n_ch,
        [field(pmax, 8)] * n_ch,
        [field(dmin, 8)] * n_ch,
        [field(dmax, 8)] * n_ch,
        [field("HP:0.1Hz LP:75Hz", 80)] * n_ch,
        [field(fs, 8)] * n_ch,
        [field("", 32)] * n_ch,
    ]
    header += b"".join(b"".join(col) for col in per_signal)
    scale = (dmax - dmin) / (pmax - pmin)
    digital = np.round((data_uv - pmin) * scale + dmin).astype("<i2")
    records = digital[:, : n_rec * fs].reshape(n_ch, n_rec, fs).transpose(1, 0, 2)
    path.write_bytes(header + records.tobytes())


def _write_brainvision(folder: Path, data_uv: np.ndarray, names: list[str], fs: float) -> Path:
    """BrainVision header/marker/data triplet (float32, multiplexed, µV)."""
    stem = "bv"
    vhdr, vmrk, eeg = (folder / f"{stem}{ext}" for ext in (".vhdr", ".vmrk", ".eeg"))
    channels = "\n".join(f"Ch{i + 1}={n},,1,µV" for i, n in enumerate(names))
    vhdr.write_text(
        "Brain Vision Data Exchange Header File Version 1.0\n\n[Common Infos]\nCodepage=UTF-8\n"
        f"DataFile={eeg.name}\nMarkerFile={vmrk.name}\nDataFormat=BINARY\n"
        f"DataOrientation=MULTIPLEXED\nNumberOfChannels={len(names)}\n"
        f"SamplingInterval={1e6 / fs:g}\n\n[Binary Infos]\nBinaryFormat=IEEE_FLOAT_32\n\n"
        f"[Channel Infos]\n{channels}\n",
        encoding="utf-8",
    )
    vmrk.write_text(
        "Brain Vision Data Exchange Marker File Version 1.0\n\n[Common Infos]\nCodepage=UTF-8\n"
        f"DataFile={eeg.name}\n\n[Marker Infos]\nMk1=Stimulus,S  1,101,1,0\n"
        "Mk2=Stimulus,S  2,351,1,0\nMk3=Stimulus,S  1,601,1,0\n",
        encoding="utf-8",
    )
    eeg.write_bytes(data_uv.T.astype("<f4").tobytes())
    return vhdr


# --------------------------------------------------------------------------- FIF round trip


def test_fif_round_trip_values_coords_events_read_only(tmp_path, rng):
    raw = _raw(rng, first_samp=250)
    montage = mne.channels.make_standard_montage("biosemi64")
    raw.set_montage(montage, match_case=False, on_missing="ignore", verbose="error")
    raw.info["bads"] = ["O1"]
    raw.set_annotations(mne.Annotations([1.0, 4.5], [0.5, 1.0], ["left", "right"]))
    path = tmp_path / "sub-07_ses-2_task-mi_run-3_raw.fif"
    raw.save(path, verbose="error")
    before = _fingerprint(path)

    ds = read_eeg(path)

    assert _fingerprint(path) == before  # opened read-only, nothing written
    nk.validate(ds)
    data = ds["data"]
    assert data.dims == ("channel", "time")
    assert data.attrs["units"] == "V" and data.attrs["sampling_rate"] == FS
    np.testing.assert_allclose(data.values, raw.get_data(), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ds["time"].values, np.arange(1000) / FS)
    assert ds["channel"].values.tolist() == NAMES
    assert set(ds["ch_type"].values) == {"eeg"} and set(ds["ch_unit"].values) == {"V"}
    locs = np.array([ch["loc"][:3] for ch in raw.info["chs"]])
    np.testing.assert_allclose(np.c_[ds["x"], ds["y"], ds["z"]], locs, atol=1e-6)
    assert ds["x"].attrs["units"] == "m" and ds.attrs["has_positions"] == 1
    assert ds["bad"].values.tolist() == [False, False, False, False, True]
    # annotations are put on the data's own time axis despite first_samp != 0
    np.testing.assert_allclose(ds["start_time"].values, [1.0, 4.5])
    np.testing.assert_allclose(ds["stop_time"].values, [1.5, 5.5])
    assert ds["description"].values.tolist() == ["left", "right"]
    assert ds["start_time"].attrs["units"] == "s"
    assert ds.attrs["subject_id"] == "07"
    assert ds.attrs["session_id"] == "2" and ds.attrs["run_id"] == "3"
    assert ds.attrs["source_file"] == str(path.resolve())
    assert data.attrs["source_file"] == str(path.resolve())
    assert ds.attrs["first_samp"] == 250


def test_intervals_layout_works_with_align_to_events(tmp_path, rng):
    raw = _raw(rng)
    raw.set_annotations(mne.Annotations([2.0, 6.0], [1.0, 1.0], ["a", "b"]))
    path = tmp_path / "x_raw.fif"
    raw.save(path, verbose="error")
    ds = read_eeg(path)
    events = ds.drop_dims(("channel", "time"))
    assert set(events.dims) == {"interval"}
    trials = nk.preprocess.align_to_events(
        ds["data"].transpose("time", "channel"), events, (-0.5, 0.5)
    )
    assert trials.sizes["trial"] == 2
    np.testing.assert_allclose(
        trials.isel(trial=1).sel(time=0.0).values, ds["data"].sel(time=6.0).values
    )


def test_in_memory_raw_is_not_changed(rng):
    raw = _raw(rng)
    before = raw.info["chs"][1]["loc"].copy()
    ds = read_mne(raw, montage="standard_1005")
    assert ds.attrs["has_positions"] == 1
    np.testing.assert_array_equal(raw.info["chs"][1]["loc"], before)  # still NaN: untouched
    assert "source_file" not in ds.attrs


def test_montage_matches_messy_names(rng):
    raw = _raw(rng)
    raw.rename_channels({"C3": "C3..", "Cz": "EEG Cz-Ref", "O1": "unknown1"})
    ds = read_mne(raw, montage="standard_1005")
    assert np.isfinite(ds["x"].sel(channel=["Fp1", "C3..", "EEG Cz-Ref", "C4"])).all()
    assert np.isnan(ds["x"].sel(channel="unknown1"))
    assert ds.attrs["has_positions"] == 0
    assert ds["x"].sel(channel="C3..") < 0 < ds["x"].sel(channel="C4")  # left is -x


def test_stim_channel_events_when_no_annotations(tmp_path, rng):
    path = tmp_path / "stim_raw.fif"
    _raw(rng, stim=True).save(path, verbose="error")
    ds = read_mne(path, picks="all")
    assert "STI 014" in ds["channel"].values and "stim" in ds["ch_type"].values
    assert ds["description"].values.tolist() == ["1", "2", "1"]
    np.testing.assert_allclose(ds["start_time"].values, [2.0, 5.0, 8.0])
    assert "STI 014" not in read_eeg(path)["channel"].values  # read_eeg keeps EEG only


def test_lazy_reading_matches_eager(tmp_path, rng):
    pytest.importorskip("dask")
    path = tmp_path / "lazy_raw.fif"
    _raw(rng).save(path, verbose="error")
    lazy = read_eeg(path, preload=False)
    assert type(lazy["data"].data).__module__.startswith("dask")
    np.testing.assert_allclose(lazy["data"].values, read_eeg(path)["data"].values)


# --------------------------------------------------------------------------- other formats


def test_handwritten_edf(tmp_path, rng):
    data_uv = np.round(rng.normal(0, 50, (3, 500)), 1)
    path = tmp_path / "S012R03.edf"
    _write_edf(path, data_uv, ["C3", "Cz", "C4"], fs=100)
    before = _fingerprint(path)
    ds = read_eeg(path)
    assert _fingerprint(path) == before
    assert ds["channel"].values.tolist() == ["C3", "Cz", "C4"]
    assert ds.attrs["sampling_rate"] == 100.0
    step = 1000.0 / 65535  # one digital step, µV
    np.testing.assert_allclose(ds["data"].values, data_uv * 1e-6, atol=step * 1e-6)
    assert ds.attrs["subject_id"] == "S012" and ds.attrs["run_id"] == "R03"
    assert ds.sizes["interval"] == 0


def test_edf_export_round_trip(tmp_path, rng):
    pytest.importorskip("edfio")
    raw = _raw(rng)
    raw.set_annotations(mne.Annotations([1.0], [0.5], ["T1"]))
    path = tmp_path / "exported.edf"
    mne.export.export_raw(path, raw, fmt="edf", verbose="error")
    ds = read_eeg(path)
    np.testing.assert_allclose(ds["data"].values, raw.get_data(), atol=1e-7)
    assert ds["description"].values.tolist() == ["T1"]


def test_handwritten_brainvision(tmp_path, rng):
    data_uv = rng.normal(0, 20, (3, 1000)).astype(np.float32)
    vhdr = _write_brainvision(tmp_path, data_uv, ["C3", "Cz", "C4"], fs=250.0)
    ds = read_eeg(vhdr)
    assert ds.attrs["sampling_rate"] == 250.0
    np.testing.assert_allclose(ds["data"].values, data_uv * 1e-6, rtol=1e-6)
    assert ds["description"].values.tolist() == ["Stimulus/S  1", "Stimulus/S  2", "Stimulus/S  1"]
    np.testing.assert_allclose(ds["start_time"].values, [0.4, 1.4, 2.4])


# --------------------------------------------------------------------------- errors


def test_missing_file_folder_and_companion(tmp_path, rng):
    with pytest.raises(PathNotFoundError, match="nope.edf"):
        read_eeg(tmp_path / "nope.edf")
    with pytest.raises(NotAFileError):
        read_eeg(tmp_path)
    vhdr = _write_brainvision(tmp_path, np.zeros((3, 100), np.float32), ["C3", "Cz", "C4"], 250.0)
    (tmp_path / "bv.eeg").unlink()
    with pytest.raises((PathNotFoundError, FileFormatError), match="bv.vhdr"):
        read_eeg(vhdr)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.edf", b"0       this is not an EDF header"),
        ("broken.fif", b"\x00" * 64),
        ("notes.xyz", b"hello"),
    ],
)
def test_malformed_files_raise_file_format_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=name):
        read_eeg(path)


def test_nan_names_the_channel(tmp_path, rng):
    path = tmp_path / "nan_raw.fif"
    _raw(rng, nan=True).save(path, fmt="double", verbose="error")
    with pytest.raises(InvalidValueError, match="'Cz'") as err:
        read_eeg(path)
    assert "nan_raw.fif" in str(err.value)
    ds = read_eeg(path, nan_policy="keep")
    assert int(np.isnan(ds["data"].sel(channel="Cz")).sum()) == 5


def test_bad_picks_montage_and_modality(tmp_path, rng):
    raw = _raw(rng)
    with pytest.raises(MissingDataError, match="picks"):
        read_mne(raw, picks="grad")
    with pytest.raises(ConfigError, match="montage"):
        read_mne(raw, montage="no_such_montage")
    raw.rename_channels({n: f"X{i}" for i, n in enumerate(NAMES)})
    with pytest.raises(MissingDataError, match="montage"):
        read_mne(raw, montage="standard_1005")
    path = tmp_path / "eeg_raw.fif"
    _raw(rng).save(path, verbose="error")
    with pytest.raises(MissingDataError, match="MEG"):
        read_meg(path)


def test_evoked_file_refused_by_raw_reader(tmp_path, rng):
    raw = _raw(rng)
    evoked = mne.EvokedArray(raw.get_data()[:, :50], raw.info, tmin=-0.1, comment="a")
    path = tmp_path / "x-ave.fif"
    evoked.save(path, verbose="error")
    with pytest.raises(FileFormatError, match="evoked"):
        read_eeg(path)


# --------------------------------------------------------------------------- real data


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.shared_data
def test_eegmmidb_edf(shared_data):
    path = shared_data / "eeg_physionet_eegmmidb" / "S001R04.edf"
    mtime = os.stat(path).st_mtime_ns
    ds = read_eeg(path, montage="standard_1005")
    assert os.stat(path).st_mtime_ns == mtime
    assert _sha256(path) == "3d161f88e1c00632585287d2ce584c2bc0f08862438eb255ea8723e00fac693d"
    assert ds.sizes == {"channel": 64, "time": 20000, "interval": 30}
    assert ds.attrs["sampling_rate"] == 160.0
    labels, counts = np.unique(ds["description"].values, return_counts=True)
    assert dict(zip(labels.tolist(), counts.tolist(), strict=True)) == {"T0": 15, "T1": 8, "T2": 7}
    assert ds.attrs["subject_id"] == "S001" and ds.attrs["run_id"] == "R04"
    assert ds.attrs["has_positions"] == 1 and ds["data"].attrs["units"] == "V"
    assert 1e-6 < float(np.abs(ds["data"]).max()) < 1e-2  # volts, not µV
    np.testing.assert_allclose(ds["duration"].values, [4.2, 4.1] * 15, atol=0.06)


@pytest.mark.shared_data
def test_edf_with_overlapping_annotations(shared_data):
    ds = read_eeg(shared_data / "eeg_physionet_eegmmidb" / "test_edf_overlapping_annotations.edf")
    assert ds.attrs["sampling_rate"] == 128.0 and ds.sizes["channel"] == 64
    assert ds.sizes["interval"] == 38


@pytest.mark.shared_data
def test_eeglab_set_with_dropped_event_fields(shared_data):
    path = shared_data / "eeg_eeglab_tutorial" / "test_raw.set"
    before = (_sha256(path), os.stat(path).st_mtime_ns)
    ds = read_eeg(path)
    assert (_sha256(path), os.stat(path).st_mtime_ns) == before
    assert ds.sizes == {"channel": 32, "time": 30504, "interval": 154}
    assert ds.attrs["sampling_rate"] == 128.0 and ds.attrs["has_positions"] == 0
    square = ds["description"] == "square"
    assert int(square.sum()) == 80 and int((ds["description"] == "rt").sum()) == 74
    position = ds["position"].values
    assert sorted(np.unique(position[square.values]).tolist()) == [1.0, 2.0]
    assert int((position == 1).sum()) == 40 and int((position == 2).sum()) == 40
    assert np.isnan(position[~square.values]).all()
    assert ds["urevent"].values.tolist() == list(range(1, 155))


@pytest.mark.shared_data
def test_meg_evoked(shared_data):
    ds = read_meg(shared_data / "meg_mne_sample_evoked" / "test-ave.fif.gz")
    nk.validate(ds)
    assert ds["data"].dims == ("condition", "channel", "time")
    assert ds["condition"].values.tolist() == [
        "Left Auditory",
        "Right Auditory",
        "Left visual",
        "Right visual",
    ]
    assert ds["nave"].values.tolist() == [3, 6, 6, 6]
    types, counts = np.unique(ds["ch_type"].values, return_counts=True)
    assert dict(zip(types.tolist(), counts.tolist(), strict=True)) == {
        "grad": 204,
        "mag": 102,
        "eeg": 60,
    }
    units = dict(zip(ds["ch_type"].values.tolist(), ds["ch_unit"].values.tolist(), strict=False))
    assert units == {"grad": "T/m", "mag": "T", "eeg": "V"}
    mag = np.abs(ds["data"].where(ds["ch_type"] == "mag", drop=True)).max()
    assert 1e-14 < float(mag) < 1e-10  # tesla
    assert ds.sizes["time"] == 421 and float(ds["time"][0]) == pytest.approx(-0.2, abs=2e-3)
    assert ds.attrs["has_positions"] == 1 and ds["x"].attrs["coord_frame"] == "head"


def test_matlab_v73_set_gives_a_clear_error(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "v73.set"
    with h5py.File(path, "w", userblock_size=512) as fh:  # MATLAB v7.3: HDF5 after 512 bytes
        fh["EEG/srate"] = 128.0
    try:
        import pymatreader  # noqa: F401
    except ImportError:
        with pytest.raises(FileFormatError, match="v73.set.*pymatreader"):
            read_eeg(path)
    else:
        with pytest.raises(FileFormatError, match="v73.set"):
            read_eeg(path)


@pytest.mark.shared_data
def test_meg_continuous_units_and_head_frame(shared_data, tmp_path, rng):
    evoked = mne.read_evokeds(
        shared_data / "meg_mne_sample_evoked" / "test-ave.fif.gz", condition=0, verbose="error"
    )
    info = evoked.info
    raw = mne.io.RawArray(rng.normal(0, 1e-12, (info["nchan"], 600)), info, verbose="error")
    path = tmp_path / "meg_raw.fif"
    raw.save(path, verbose="error")
    ds = read_meg(path, picks="meg")
    assert set(ds["ch_type"].values) == {"grad", "mag"}
    assert set(ds["ch_unit"].values) == {"T", "T/m"}
    assert ds["data"].attrs["units"].startswith("mixed")
    i = info["ch_names"].index(str(ds["channel"].values[0]))
    head = mne.transforms.apply_trans(info["dev_head_t"], info["chs"][i]["loc"][:3])
    np.testing.assert_allclose([ds["x"][0], ds["y"][0], ds["z"][0]], head, atol=1e-7)
    assert ds.attrs["position_frame"] == "head"
