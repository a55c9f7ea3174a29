"""M/EEG files through MNE -> a validated ``xarray.Dataset``: :func:`read_mne`, :func:`read_eeg`,
:func:`read_meg`.

Any continuous format MNE reads (EDF/EDF+/BDF/GDF, FIF, EEGLAB ``.set``, BrainVision ``.vhdr``,
CNT…) becomes one Dataset holding the signal and its events side by side::

    data         (channel, time)   signal in SI units (V, T, T/m), as MNE returns it
    start_time   (interval)        event onsets (s, on the ``time`` axis of ``data``)
    stop_time    (interval)        start_time + duration (s)
    duration     (interval)        s
    description  (interval)        event label as written in the file ("T1", "square"…)
    <field>      (interval)        EEGLAB event fields MNE drops (``position``, ``urevent``…)

The events follow the layout of an NWB intervals table read by :func:`neurokit.io.read_nwb`
(dim ``interval`` labelled by row ids, one variable per column, times in seconds), so
``ds.drop_dims(("channel", "time"))`` is an intervals Dataset that
:func:`neurokit.preprocess.align_to_events` and :func:`neurokit.preprocess.epochs.epoch` accept.
A Dataset rather than a DataTree: one recording has one signal and one events table, and
``ds["data"]`` is the ``(channel, time)`` DataArray the transforms take.

Evoked FIF files (``*-ave.fif``) read with :func:`read_meg` give ``data (condition, channel,
time)`` instead, ``time`` relative to the event and no events.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from neurokit import conventions as cv
from neurokit._optional import soft_import
from neurokit.errors import (
    ConfigError,
    FileFormatError,
    InvalidValueError,
    MissingDataError,
    PathNotFoundError,
    SchemaError,
)
from neurokit.io._nan import NanPolicy, check_nan_policy
from neurokit.io._paths import HDF5_SIGNATURE, require_file
from neurokit.validation import validate

__all__ = ["read_mne", "read_eeg", "read_meg"]

Picks = str | Sequence[str] | None

_EXPECTED = "a recording MNE reads (EDF/BDF/GDF, FIF, EEGLAB .set, BrainVision .vhdr…)"
_EVOKED_SUFFIXES = ("-ave.fif", "_ave.fif", "-ave.fif.gz", "_ave.fif.gz")
_EPOCHS_SUFFIXES = ("-epo.fif", "_epo.fif", "-epo.fif.gz", "_epo.fif.gz")
#: FIFF unit codes -> unit strings (MNE returns data in these SI units)
_UNIT_NAMES = {
    107: "V",
    112: "T",
    201: "T/m",
    202: "Am",
    1: "m",
    114: "degC",
    10: "mol/m^3",
    -1: cv.ARBITRARY,
    0: cv.ARBITRARY,
}
_MIXED_UNITS = "mixed (per channel: coord 'ch_unit')"
#: EEGLAB event fields already in the table under another name
_EEGLAB_SKIP_FIELDS = ("type", "latency", "duration")
_BIDS_ENTITY = re.compile(r"(?:^|_)(sub|ses|run)-([A-Za-z0-9]+)")
_EEGMMIDB_NAME = re.compile(r"^S(\d{3})R(\d{2})$")
#: MNE's own "unknown" placeholders in EDF patient fields
_UNKNOWN_SUBJECT = ("", "X", "x", "0", "unknown")


def read_mne(
    source: str | os.PathLike | Any,
    *,
    picks: Picks = "data",
    montage: str | Any | None = None,
    preload: bool = True,
    nan_policy: NanPolicy = "raise",
    subject_id: str | None = None,
    session_id: str | None = None,
    run_id: str | None = None,
) -> xr.Dataset:
    """Read a continuous M/EEG recording (any format MNE reads) into a validated Dataset.

    The file is opened read-only with ``mne.io.read_raw`` (format chosen from the extension)
    and never modified. Values are what ``raw.get_data()`` returns: SI units (V for EEG, EOG,
    EMG, ECG, sEEG, ECoG; T for magnetometers; T/m for gradiometers), MNE having applied the
    file's calibration (EDF physical range, µV -> V, …).

    Parameters
    ----------
    source : str, os.PathLike or mne.io.BaseRaw
        The recording, or a Raw already in memory (copied where needed, never changed).
    picks : str, sequence of str or None, default "data"
        Channels to keep, in MNE's vocabulary: a channel type (``"eeg"``, ``"meg"``, ``"mag"``,
        ``"grad"``…), ``"data"`` (every data channel: M/EEG, sEEG, ECoG, fNIRS — not EOG, ECG,
        stim or misc), ``"all"``, or a list of names or types. Bad channels are kept (see the
        ``bad`` coordinate). None means ``"data"``.
    montage : str, mne.channels.DigMontage or None
        Positions for the EEG channels, replacing the file's: a built-in montage name
        (``"standard_1005"``, ``"biosemi64"``…) or a DigMontage. Channel names are matched
        ignoring case, dots, spaces, an ``EEG`` prefix and a ``-Ref``/``-LE``/``-AR`` suffix (so
        EEGMMIDB's ``"Fc5."`` finds ``"FC5"``); EEG channels without a match get NaN. None
        keeps the positions stored in the file (EEGLAB chanlocs, FIF digitisation…).
    preload : bool, default True
        True: read the signal now (numpy). False: ``data`` is a dask array whose chunks (60 s
        each) reopen the file read-only and read their samples when computed; NaNs are then
        not checked. Needs dask. Ignored for a Raw in memory.
    nan_policy : {"raise", "keep"}, default "raise"
        NaN/inf samples: raise naming the channel, or keep them.
    subject_id, session_id, run_id : str, optional
        Provenance to record. When not given they are taken from BIDS entities in the file
        name (``sub-01_ses-02_task-mi_run-03_eeg.edf``), EEGMMIDB names (``S001R04.edf`` ->
        subject ``"S001"``, run ``"R04"``), or the file's subject id (``his_id``) when it is not
        a placeholder such as EDF's ``"X"``.

    Returns
    -------
    xarray.Dataset
        Variables:

        * ``data`` ``(channel, time)`` float64, ``attrs["units"]`` the one unit of all channels
          (``"V"``…) or ``"mixed (per channel: coord 'ch_unit')"``;
        * the events on dim ``interval`` (ids 0…n-1, sorted by onset): ``start_time``,
          ``stop_time``, ``duration`` (s) and ``description`` (str) from the annotations; when
          the file has none but a stim channel, from ``mne.find_events`` (description = the
          event code). ``start_time`` is on the ``time`` axis of ``data`` (0 = first sample),
          whatever the annotations' origin. EEGLAB ``.set`` files add the event fields MNE drops
          (``position``, ``urevent``…), numbers in ``"a.u."`` (NaN where empty), strings as
          text.

        Coordinates: ``time`` (s, ``raw.times``, 0 at the first sample); on ``channel`` (names
        as in the file): ``ch_type`` (MNE type), ``ch_unit``, ``x``, ``y``, ``z`` (m, MNE head
        frame — MEG sensors moved there with ``dev_head_t`` when present; NaN where the file and
        the montage give no position), ``bad`` (bool, ``info["bads"]``).

        Attrs (also on ``data``): ``sampling_rate`` (Hz), ``source_file`` (absolute path),
        ``subject_id``/``session_id``/``run_id`` when known; on the Dataset also
        ``reader`` (the MNE class), ``first_samp``, ``highpass``/``lowpass`` (Hz, the file's),
        ``meas_date`` (ISO 8601) when set, ``has_positions`` (1 when every channel has a
        position, else 0) and ``position_frame``.

    Raises
    ------
    neurokit.errors.PathNotFoundError
        The file, or a companion file it names (``.fdt``, ``.eeg``/``.vmrk``), is missing.
    neurokit.errors.FileFormatError
        Unknown extension, or MNE cannot read the file (the message names it; MATLAB v7.3
        ``.set`` files need ``pymatreader``); an epochs or evoked FIF passed to a raw reader.
    neurokit.errors.MissingDataError
        ``picks`` selects no channel, or no EEG channel name matches ``montage``.
    neurokit.errors.InvalidValueError
        NaN/inf samples with ``nan_policy="raise"`` (naming the channel and the first time).
    neurokit.errors.ConfigError
        A bad ``montage`` or ``picks``.

    Examples
    --------
    >>> import numpy as np, mne
    >>> info = mne.create_info(["C3", "Cz", "C4"], 100.0, "eeg")
    >>> raw = mne.io.RawArray(np.zeros((3, 500)) + 1e-6, info, verbose=False)
    >>> raw.set_annotations(mne.Annotations([1.0, 3.0], [0.5, 0.5], ["T1", "T2"]))
    <RawArray | 3 x 500 (5.0 s), ~...>
    >>> ds = read_mne(raw, montage="standard_1005")
    >>> ds["data"].dims, ds["data"].attrs["units"], ds.attrs["has_positions"]
    (('channel', 'time'), 'V', 1)
    >>> ds["description"].values.tolist(), ds["start_time"].values.tolist()
    (['T1', 'T2'], [1.0, 3.0])
    """
    mne = soft_import("mne", "reading M/EEG recordings")
    check_nan_policy(nan_policy)
    if isinstance(source, mne.io.BaseRaw):
        raw, path = source, _raw_path(source)
    else:
        path = require_file(source, expected=_EXPECTED).resolve()
        _refuse_non_raw(path)
        raw = _open_raw(mne, path, preload=preload)
    idx = _pick(mne, raw.info, picks, path)
    lazy = path is not None and not preload and not isinstance(source, mne.io.BaseRaw)
    if lazy:
        values = _lazy_data(path, idx, raw.n_times, float(raw.info["sfreq"]))
    else:
        values = _get_data(raw, idx, path)
    names = [raw.ch_names[i] for i in idx]
    time = np.asarray(raw.times, dtype=np.float64)
    if not lazy and nan_policy == "raise":
        _check_finite(values, names, time, path)

    prov = _provenance(raw.info, path, subject_id, session_id, run_id)
    rate = float(raw.info["sfreq"])
    chan = _channel_coords(mne, raw.info, idx, montage, path)
    units = sorted(set(chan["ch_unit"][1].tolist()))
    data_attrs = {
        cv.UNITS_ATTR: units[0] if len(units) == 1 else _MIXED_UNITS,
        cv.SAMPLING_RATE_ATTR: rate,
        **prov,
    }
    ds = xr.Dataset(
        {"data": ((cv.CHANNEL, cv.TIME), values, data_attrs)},
        coords={cv.CHANNEL: names, cv.TIME: time, **chan},
    )
    events = _events(mne, raw, path)
    for name, column in events.items():
        ds[name] = column
    ds = ds.assign_coords({cv.INTERVAL: np.arange(ds.sizes.get(cv.INTERVAL, 0))})
    ds.attrs = {
        cv.SAMPLING_RATE_ATTR: rate,
        **prov,
        **_recording_attrs(raw),
        "has_positions": int(bool(np.isfinite(np.stack([chan[k][1] for k in "xyz"])).all())),
        "position_frame": chan["x"][2].get("coord_frame", "head"),
    }
    return validate(ds, source=None if path is None else str(path))


def read_eeg(
    path: str | os.PathLike | Any,
    *,
    picks: Picks = "eeg",
    montage: str | Any | None = None,
    preload: bool = True,
    nan_policy: NanPolicy = "raise",
    subject_id: str | None = None,
    session_id: str | None = None,
    run_id: str | None = None,
) -> xr.Dataset:
    """Read an EEG recording: :func:`read_mne` keeping the EEG channels by default.

    Parameters
    ----------
    path : str, os.PathLike or mne.io.BaseRaw
        EDF/BDF/GDF, FIF, EEGLAB ``.set`` (MATLAB v5; v7.3 needs ``pymatreader``), BrainVision
        ``.vhdr``… or a Raw in memory.
    picks : str, sequence of str or None, default "eeg"
        As in :func:`read_mne`; ``"all"`` keeps EOG/EMG/stim channels too.
    montage, preload, nan_policy, subject_id, session_id, run_id
        As in :func:`read_mne`.

    Returns
    -------
    xarray.Dataset
        As :func:`read_mne`: ``data (channel, time)`` in volts plus the events table.

    Raises
    ------
    neurokit.errors.MissingDataError
        The file has no channel of the picked kind (e.g. no EEG channel).
    neurokit.errors.NeurokitError
        Everything :func:`read_mne` raises.

    Examples
    --------
    >>> ds = read_eeg("S001R04.edf", montage="standard_1005")  # doctest: +SKIP
    >>> ds["data"].sizes, ds.attrs["sampling_rate"]  # doctest: +SKIP
    (Frozen({'channel': 64, 'time': 20000}), 160.0)
    """
    return read_mne(
        path,
        picks=picks,
        montage=montage,
        preload=preload,
        nan_policy=nan_policy,
        subject_id=subject_id,
        session_id=session_id,
        run_id=run_id,
    )


def read_meg(
    path: str | os.PathLike | Any,
    *,
    picks: Picks = "data",
    preload: bool = True,
    nan_policy: NanPolicy = "raise",
    subject_id: str | None = None,
    session_id: str | None = None,
    run_id: str | None = None,
) -> xr.Dataset:
    """Read a MEG recording (continuous, or evoked ``-ave.fif``) into a validated Dataset.

    Continuous files go through :func:`read_mne` (magnetometers in T, gradiometers in T/m,
    simultaneous EEG in V; sensor positions in the head frame). Evoked FIF files
    (``*-ave.fif[.gz]``, read with ``mne.read_evokeds``) give every evoked response in one
    array: ``data (condition, channel, time)`` with ``condition`` the evoked comments (made
    unique with ``" #k"`` when repeated), ``nave`` (averaged epochs) and ``baseline_tmin``/
    ``baseline_tmax`` (s, NaN when none) on ``condition``, ``time`` relative to the event
    (float64 s) and no events table. The evoked responses must share channels and times.

    Parameters
    ----------
    path : str, os.PathLike or mne.io.BaseRaw
        FIF (raw or evoked), CTF ``.ds``, KIT ``.sqd``/``.con``, BTi… or a Raw in memory.
    picks : str, sequence of str or None, default "data"
        As in :func:`read_mne`: MEG and EEG channels, not stim/EOG.
    preload, nan_policy, subject_id, session_id, run_id
        As in :func:`read_mne` (``preload`` is ignored for evoked files).

    Returns
    -------
    xarray.Dataset
        As :func:`read_mne`, or the evoked layout above.

    Raises
    ------
    neurokit.errors.MissingDataError
        No MEG channel among the picked ones.
    neurokit.errors.SchemaError
        Evoked responses with different channels or times.
    neurokit.errors.NeurokitError
        Everything :func:`read_mne` raises.

    Examples
    --------
    >>> ev = read_meg("test-ave.fif.gz")  # doctest: +SKIP
    >>> ev["data"].dims, ev.sizes["condition"]  # doctest: +SKIP
    (('condition', 'channel', 'time'), 4)
    """
    mne = soft_import("mne", "reading MEG recordings")
    if not isinstance(path, mne.io.BaseRaw):
        p = require_file(path, expected=_EXPECTED).resolve()
        if p.name.endswith(_EVOKED_SUFFIXES):
            ds = _read_evoked(mne, p, picks, nan_policy, subject_id, session_id, run_id)
            _require_meg(ds, p)
            return ds
    ds = read_mne(
        path,
        picks=picks,
        preload=preload,
        nan_policy=nan_policy,
        subject_id=subject_id,
        session_id=session_id,
        run_id=run_id,
    )
    _require_meg(ds, ds.attrs.get("source_file"))
    return ds


# --------------------------------------------------------------------------- opening files


def _refuse_non_raw(path: Path) -> None:
    name = path.name
    if name.endswith(_EVOKED_SUFFIXES):
        raise FileFormatError(
            "an evoked FIF file, not a continuous recording",
            path=path,
            expected="a continuous recording; read evoked files with read_meg",
        )
    if name.endswith(_EPOCHS_SUFFIXES):
        raise FileFormatError(
            "an epochs FIF file, not a continuous recording",
            path=path,
            expected="a continuous recording (read epochs with mne.read_epochs)",
        )


def _open_raw(mne: Any, path: Path, *, preload: bool) -> Any:
    """``mne.io.read_raw`` with every failure turned into a neurokit error naming the file."""
    try:
        with warnings.catch_warnings():
            # naming-convention and "no montage" chatter; real problems still raise
            warnings.filterwarnings("ignore", message=".*does not conform to MNE naming.*")
            return mne.io.read_raw(path, preload=preload, verbose="error")
    except FileNotFoundError as err:  # a companion file (.fdt, .eeg, .vmrk) is missing
        missing = getattr(err, "filename", None) or str(err)
        raise PathNotFoundError(
            "a file this recording refers to is missing",
            path=path,
            expected="its companion data/marker files beside it",
            found=f"missing {missing}",
        ) from err
    except Exception as err:  # MNE raises ValueError/RuntimeError/OSError/KeyError on bad files
        found = f"{type(err).__name__}: {err}"
        expected = _EXPECTED
        if path.suffix.lower() == ".set" and _is_hdf5(path):
            expected = "a MATLAB v5 .set, or `pip install pymatreader` for v7.3 (HDF5) .set files"
        raise FileFormatError(
            "MNE could not read the file", path=path, expected=expected, found=found
        ) from err


def _is_hdf5(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(520)
    return HDF5_SIGNATURE in (head[:8], head[512:520])


def _raw_path(raw: Any) -> Path | None:
    names = [f for f in (getattr(raw, "filenames", None) or ()) if f is not None]
    return Path(names[0]).resolve() if names else None


def _pick(mne: Any, info: Any, picks: Picks, path: Path | None) -> np.ndarray:
    if picks is None:
        picks = "data"
    try:
        idx = _picks_to_idx()(info, picks, none="data", exclude=(), allow_empty=True)
    except ValueError as err:
        raise ConfigError(
            "bad channel selection",
            path=path,
            field="picks",
            expected="channel types ('eeg', 'meg', 'data', 'all'…) or channel names in the file",
            found=f"{picks!r} ({err})",
        ) from err
    idx = np.asarray(idx, dtype=int)
    if idx.size == 0:
        types = sorted(set(info.get_channel_types()))
        raise MissingDataError(
            f"no channel matches picks={picks!r}",
            path=path,
            field="picks",
            expected=f"channels of a type the file has: {types}",
            found="none",
        )
    return idx


def _picks_to_idx() -> Any:
    """MNE's own resolver of ``picks`` (types, names, "data", "all"); private but stable."""
    try:
        from mne._fiff.pick import _picks_to_idx
    except ImportError:  # MNE < 1.6
        from mne.io.pick import _picks_to_idx
    return _picks_to_idx


def _get_data(raw: Any, idx: np.ndarray, path: Path | None) -> np.ndarray:
    try:
        return np.asarray(raw.get_data(picks=idx, verbose="error"), dtype=np.float64)
    except Exception as err:  # truncated data part, unreadable companion file…
        raise FileFormatError(
            "MNE could not read the signal",
            path=path,
            expected=_EXPECTED,
            found=f"{type(err).__name__}: {err}",
        ) from err


def _lazy_data(path: Path, idx: np.ndarray, n_times: int, rate: float) -> Any:
    """A dask array whose 60 s chunks reopen ``path`` read-only and read their samples."""
    dask = soft_import("dask", "reading M/EEG recordings lazily (preload=False)")
    darray = soft_import("dask.array", "reading M/EEG recordings lazily (preload=False)")
    step = max(1, int(round(60.0 * rate)))
    blocks = [
        darray.from_delayed(
            dask.delayed(_read_block)(str(path), idx, start, min(start + step, n_times)),
            shape=(idx.size, min(start + step, n_times) - start),
            dtype=np.float64,
        )
        for start in range(0, n_times, step)
    ]
    return darray.concatenate(blocks, axis=1)


def _read_block(path: str, idx: np.ndarray, start: int, stop: int) -> np.ndarray:
    mne = soft_import("mne", "reading M/EEG recordings")
    raw = _open_raw(mne, Path(path), preload=False)
    return _get_data_range(raw, idx, start, stop, Path(path))


def _get_data_range(raw: Any, idx: np.ndarray, start: int, stop: int, path: Path) -> np.ndarray:
    try:
        data = raw.get_data(picks=idx, start=start, stop=stop, verbose="error")
    except Exception as err:
        raise FileFormatError(
            "MNE could not read the signal",
            path=path,
            expected=_EXPECTED,
            found=f"{type(err).__name__}: {err}",
        ) from err
    return np.asarray(data, dtype=np.float64)


def _check_finite(values: np.ndarray, names: list[str], time: np.ndarray, path: Any) -> None:
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    rows = np.flatnonzero(bad.any(axis=1))
    first = int(rows[0])
    sample = int(np.argmax(bad[first]))
    others = f"; also channels {[names[i] for i in rows[1:6]]}" if rows.size > 1 else ""
    raise InvalidValueError(
        f"channel {names[first]!r} has {int(bad[first].sum())} NaN/inf sample(s), the first at "
        f"t = {time[sample]:.4g} s{others}; pass nan_policy='keep' to load them as they are",
        path=path,
        field=f"data[channel={names[first]!r}]",
        expected="finite values",
        found=f"{int(bad.sum())} NaN/inf samples in {rows.size} channel(s)",
    )


# --------------------------------------------------------------------------- metadata


def _provenance(
    info: Any,
    path: Path | None,
    subject_id: str | None,
    session_id: str | None,
    run_id: str | None,
) -> dict[str, str]:
    found: dict[str, str] = {}
    if path is not None:
        stem = path.name.split(".")[0]
        found.update({key: value for key, value in _BIDS_ENTITY.findall(stem)})
        match = _EEGMMIDB_NAME.match(stem)
        if match:
            found.setdefault("sub", f"S{match.group(1)}")
            found.setdefault("run", f"R{match.group(2)}")
    his_id = (info.get("subject_info") or {}).get("his_id")
    if "sub" not in found and isinstance(his_id, str) and his_id.strip() not in _UNKNOWN_SUBJECT:
        found["sub"] = his_id.strip()
    prov = {
        "subject_id": subject_id if subject_id is not None else found.get("sub"),
        "session_id": session_id if session_id is not None else found.get("ses"),
        "run_id": run_id if run_id is not None else found.get("run"),
    }
    out = {key: str(value) for key, value in prov.items() if value is not None}
    if path is not None:
        out["source_file"] = str(path)
    return out


def _recording_attrs(raw: Any) -> dict[str, Any]:
    info = raw.info
    attrs: dict[str, Any] = {
        "reader": type(raw).__name__,
        "first_samp": int(raw.first_samp),
    }
    for key in ("highpass", "lowpass", "line_freq"):
        value = info.get(key)
        if value is not None and np.isfinite(value):
            attrs[key] = float(value)
    if info.get("meas_date") is not None:
        attrs["meas_date"] = info["meas_date"].isoformat()
    return attrs


def _unit_name(code: Any) -> str:
    return _UNIT_NAMES.get(int(code), cv.ARBITRARY)


def _channel_coords(
    mne: Any, info: Any, idx: np.ndarray, montage: Any, path: Path | None
) -> dict[str, tuple]:
    """``ch_type``, ``ch_unit``, ``x``/``y``/``z`` (m, head frame) and ``bad`` on ``channel``."""
    if montage is not None:
        info = _with_montage(mne, info, montage, path)
    types = info.get_channel_types(picks=idx)
    pos = np.full((idx.size, 3), np.nan)
    dev_head = info.get("dev_head_t")
    frames = set()
    for k, i in enumerate(idx):
        ch = info["chs"][i]
        loc = np.asarray(ch["loc"][:3], dtype=np.float64)
        if not np.all(np.isfinite(loc)) or not np.any(loc):
            continue
        if int(ch["coord_frame"]) == int(mne.io.constants.FIFF.FIFFV_COORD_DEVICE):
            if dev_head is None:
                frames.add("device")
            else:
                loc = mne.transforms.apply_trans(dev_head["trans"], loc)
                frames.add("head")
        else:
            frames.add("head")
        pos[k] = loc
    frame = "head" if frames <= {"head"} else "device" if frames == {"device"} else "mixed"
    bads = set(info["bads"])
    names = [info["ch_names"][i] for i in idx]
    pos_attrs = {"units": "m", "coord_frame": frame}
    return {
        "ch_type": (cv.CHANNEL, np.asarray(types, dtype=str)),
        "ch_unit": (cv.CHANNEL, np.asarray([_unit_name(info["chs"][i]["unit"]) for i in idx])),
        "x": (cv.CHANNEL, pos[:, 0], pos_attrs),
        "y": (cv.CHANNEL, pos[:, 1], dict(pos_attrs)),
        "z": (cv.CHANNEL, pos[:, 2], dict(pos_attrs)),
        "bad": (cv.CHANNEL, np.asarray([n in bads for n in names], dtype=bool)),
    }


def _norm_name(name: str) -> str:
    key = name.strip().lower()
    key = re.sub(r"^eeg[\s_-]+", "", key)
    key = re.sub(r"[\s_-]+(ref|le|ar|avg|a1|a2|m1|m2)$", "", key)
    return re.sub(r"[^0-9a-z]", "", key)


def _with_montage(mne: Any, info: Any, montage: Any, path: Path | None) -> Any:
    """A copy of ``info`` with montage positions on the EEG channels whose names match."""
    if isinstance(montage, str):
        try:
            montage = mne.channels.make_standard_montage(_montage_name(mne, montage))
        except ValueError as err:
            raise ConfigError(
                "unknown montage",
                path=path,
                field="montage",
                expected=f"one of {mne.channels.get_builtin_montages()} or a DigMontage",
                found=repr(montage),
            ) from err
    if not isinstance(montage, mne.channels.DigMontage):
        raise ConfigError(
            "bad montage",
            path=path,
            field="montage",
            expected="a built-in montage name or an mne.channels.DigMontage",
            found=type(montage).__name__,
        )
    targets: dict[str, str] = {}
    for name in montage.ch_names:
        targets.setdefault(_norm_name(name), name)
    eeg_like = set(mne.pick_types(info, meg=False, eeg=True, seeg=True, ecog=True, exclude=[]))
    present = set(info["ch_names"])
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for i, name in enumerate(info["ch_names"]):
        target = targets.get(_norm_name(name))
        if i not in eeg_like or target is None or target in used:
            continue
        if target != name and target in present:
            continue
        used.add(target)
        mapping[name] = target
    info = info.copy()
    with info._unlock():  # positions only: a private copy, the caller's info is untouched
        for ch in info["chs"]:
            if ch["ch_name"] in mapping:
                ch["ch_name"] = mapping[ch["ch_name"]]
        info._update_redundant()
    if not used:
        raise MissingDataError(
            "no EEG channel name matches the montage",
            path=path,
            field="montage",
            expected=f"EEG channel names like {montage.ch_names[:4]}",
            found=f"{info['ch_names'][:4]}…",
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        info.set_montage(montage, on_missing="ignore", match_case=True, verbose="error")
    return info


def _montage_name(mne: Any, name: str) -> str:
    """MNE 1.13 renamed ``standard_10xx`` to ``colin27_10xx``; accept both on every version."""
    new = name.replace("standard_", "colin27_")
    builtin = mne.channels.get_builtin_montages()
    return new if name.startswith("standard_10") and new in builtin else name


def _require_meg(ds: xr.Dataset, path: Any) -> None:
    types = set(ds["ch_type"].values.tolist())
    if not types & {"mag", "grad", "ref_meg"}:
        raise MissingDataError(
            "no MEG channel",
            path=path,
            field="ch_type",
            expected="magnetometers or gradiometers (read EEG-only files with read_eeg)",
            found=f"channel types {sorted(types)}",
        )


# --------------------------------------------------------------------------- events


def _events(mne: Any, raw: Any, path: Path | None) -> dict[str, tuple]:
    """The intervals columns: annotations (or stim-channel events), plus EEGLAB fields."""
    ann = raw.annotations
    rate = float(raw.info["sfreq"])
    if len(ann):
        onset = np.asarray(ann.onset, dtype=np.float64) + _annotation_shift(raw, ann)
        duration = np.asarray(ann.duration, dtype=np.float64)
        description = np.asarray([str(d) for d in ann.description], dtype=str)
    else:
        onset, duration, description = _stim_events(mne, raw)
    duration = np.where(np.isfinite(duration), duration, 0.0)
    columns: dict[str, tuple] = {
        "start_time": (cv.INTERVAL, onset, {"units": cv.SECONDS, "description": "event onset"}),
        "stop_time": (
            cv.INTERVAL,
            onset + duration,
            {"units": cv.SECONDS, "description": "onset + duration"},
        ),
        "duration": (cv.INTERVAL, duration, {"units": cv.SECONDS, "description": "duration"}),
        "description": (
            cv.INTERVAL,
            description,
            {"description": "event label as written in the file"},
        ),
    }
    if path is not None and path.suffix.lower() == ".set" and len(ann):
        extra = _eeglab_event_fields(path, description, onset, rate)
        for name, (values, attrs) in extra.items():
            key = name if name not in columns else f"event_{name}"
            columns[key] = (cv.INTERVAL, values, attrs)
    return columns


def _annotation_shift(raw: Any, ann: Any) -> float:
    """Seconds to add to annotation onsets to put them on ``raw.times`` (0 = first sample).

    MNE keeps the annotations of a Raw relative to ``orig_time`` (= ``meas_date``), or, with no
    date, to the acquisition's sample 0 — both before ``first_samp``: the shift removes
    ``raw.first_time`` (plus any gap between ``orig_time`` and ``meas_date``).
    """
    shift = -float(raw.first_time)
    meas_date = raw.info["meas_date"]
    if ann.orig_time is not None and meas_date is not None:
        shift += (ann.orig_time - meas_date).total_seconds()
    return shift


def _stim_events(mne: Any, raw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    empty = (np.zeros(0), np.zeros(0), np.zeros(0, dtype=str))
    if "stim" not in raw.get_channel_types():
        return empty
    try:
        found = mne.find_events(raw, shortest_event=1, verbose="error")
    except Exception:  # no usable stim channel: no events
        return empty
    onset = (found[:, 0] - raw.first_samp) / float(raw.info["sfreq"])
    return (
        onset.astype(np.float64),
        np.zeros(len(found)),
        np.asarray([str(c) for c in found[:, 2]], dtype=str),
    )


def _eeglab_event_fields(
    path: Path, description: np.ndarray, onset: np.ndarray, rate: float
) -> dict[str, tuple[np.ndarray, dict]]:
    """Per-event fields of an EEGLAB ``.set`` that MNE's annotations drop (MATLAB v5 files).

    MNE keeps ``type`` (description), ``latency`` (onset) and ``duration``; the rest
    (``position``, ``urevent``…) are read here with scipy and matched to the annotations by
    order, after dropping events whose latency is NaN as MNE does. A file whose events do not
    line up with the annotations gives no extra columns.
    """
    from scipy import io as sio

    if _is_hdf5(path):
        return {}  # v7.3: MNE itself needs pymatreader, which read the file already
    try:
        mat = sio.loadmat(path, squeeze_me=True, struct_as_record=False)
    except Exception as err:
        raise FileFormatError(
            "scipy could not read the EEGLAB events",
            path=path,
            field="EEG.event",
            expected="a MATLAB v5 .set file",
            found=f"{type(err).__name__}: {err}",
        ) from err
    eeg = mat.get("EEG")
    events = getattr(eeg, "event", None) if eeg is not None else mat.get("event")
    if events is None:
        return {}
    events = np.atleast_1d(events)
    rows = [e for e in events if hasattr(e, "_fieldnames")]
    latency = np.array([_number(getattr(e, "latency", np.nan)) for e in rows])
    rows = [e for e, lat in zip(rows, latency, strict=True) if np.isfinite(lat)]
    latency = latency[np.isfinite(latency)]
    types = [str(getattr(e, "type", "")) for e in rows]
    if len(rows) != description.size or types != description.tolist():
        return {}
    if not np.allclose((latency - 1) / rate, onset, atol=0.5 / rate):
        return {}
    fields = [f for f in rows[0]._fieldnames if f not in _EEGLAB_SKIP_FIELDS] if rows else []
    out: dict[str, tuple[np.ndarray, dict]] = {}
    for field in fields:
        raw_values = [getattr(e, field, None) for e in rows]
        numbers = [_number(v) for v in raw_values]
        note = f"EEGLAB EEG.event.{field}"
        if all(isinstance(v, (int, float, np.number)) or _empty(v) for v in raw_values):
            out[field] = (
                np.asarray(numbers, dtype=np.float64),
                {"units": cv.ARBITRARY, "description": note},
            )
        else:
            text = ["" if _empty(v) else str(v) for v in raw_values]
            out[field] = (np.asarray(text, dtype=str), {"description": note})
    return out


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, np.ndarray) and value.size == 0)


def _number(value: Any) -> float:
    if _empty(value):
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


# --------------------------------------------------------------------------- evoked


def _read_evoked(
    mne: Any,
    path: Path,
    picks: Picks,
    nan_policy: NanPolicy,
    subject_id: str | None,
    session_id: str | None,
    run_id: str | None,
) -> xr.Dataset:
    check_nan_policy(nan_policy)
    try:
        evokeds = mne.read_evokeds(path, verbose="error")
    except Exception as err:
        raise FileFormatError(
            "MNE could not read the evoked file",
            path=path,
            expected="an evoked FIF file (*-ave.fif)",
            found=f"{type(err).__name__}: {err}",
        ) from err
    first = evokeds[0]
    for ev in evokeds[1:]:
        if ev.ch_names != first.ch_names or not np.allclose(ev.times, first.times):
            raise SchemaError(
                "evoked responses differ in channels or times",
                path=path,
                field=ev.comment,
                expected=f"the channels and times of {first.comment!r}",
                found=f"{len(ev.ch_names)} channels, {ev.times.size} times",
            )
    idx = _pick(mne, first.info, picks, path)
    names = [first.ch_names[i] for i in idx]
    values = np.stack([np.asarray(ev.data[idx], dtype=np.float64) for ev in evokeds])
    time = np.asarray(first.times, dtype=np.float64)
    if nan_policy == "raise":
        for cond in values:
            _check_finite(cond, names, time, path)
    comments = [str(ev.comment) for ev in evokeds]
    labels = [c if comments.count(c) == 1 else f"{c} #{k}" for k, c in enumerate(comments)]
    base = np.array(
        [ev.baseline if ev.baseline is not None else (np.nan, np.nan) for ev in evokeds],
        dtype=np.float64,
    )
    prov = _provenance(first.info, path, subject_id, session_id, run_id)
    rate = float(first.info["sfreq"])
    chan = _channel_coords(mne, first.info, idx, None, path)
    units = sorted(set(chan["ch_unit"][1].tolist()))
    ds = xr.Dataset(
        {
            "data": (
                ("condition", cv.CHANNEL, cv.TIME),
                values,
                {
                    cv.UNITS_ATTR: units[0] if len(units) == 1 else _MIXED_UNITS,
                    cv.SAMPLING_RATE_ATTR: rate,
                    **prov,
                },
            )
        },
        coords={
            "condition": labels,
            "nave": ("condition", np.asarray([ev.nave for ev in evokeds], dtype=np.int64)),
            "baseline_tmin": ("condition", base[:, 0], {"units": cv.SECONDS}),
            "baseline_tmax": ("condition", base[:, 1], {"units": cv.SECONDS}),
            cv.CHANNEL: names,
            cv.TIME: time,
            **chan,
        },
        attrs={
            cv.SAMPLING_RATE_ATTR: rate,
            **prov,
            "reader": "Evoked",
            "has_positions": int(bool(np.isfinite(np.stack([chan[k][1] for k in "xyz"])).all())),
            "position_frame": chan["x"][2]["coord_frame"],
        },
    )
    return validate(ds, source=str(path))
