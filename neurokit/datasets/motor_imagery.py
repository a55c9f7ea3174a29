"""A ground-truth simulator of left/right-hand motor-imagery EEG, written as real MNE files."""

from __future__ import annotations

import datetime
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr
from scipy import fft as sfft

from neurokit import conventions as cv
from neurokit._atomic import atomic_path
from neurokit._optional import soft_import
from neurokit.errors import ConfigError
from neurokit.validation import validate

__all__ = ["simulate_motor_imagery", "MOTOR_IMAGERY_CHANNELS"]

#: the 22 electrodes of BCI Competition IV 2a (10-10 names), over the sensorimotor cortex
MOTOR_IMAGERY_CHANNELS = (
    "Fz", "FC3", "FC1", "FCz", "FC2", "FC4",
    "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
    "CP3", "CP1", "CPz", "CP2", "CP4",
    "P1", "Pz", "P2", "POz",
)  # fmt: skip
#: EEGMMIDB's event codes: T0 rest, T1 left-hand imagery, T2 right-hand imagery
EVENT_LABELS = {"T0": "rest", "T1": "left", "T2": "right"}
_REST_S, _TASK_S = 4.2, 4.1  # EEGMMIDB block lengths
_LEAD_S = 2.0  # quiet time before the first and after the last block


def simulate_motor_imagery(
    path: str | os.PathLike | None = None,
    *,
    n_trials_per_class: int = 40,
    n_runs: int = 3,
    sfreq: float = 160.0,
    subject: str = "01",
    session: str = "01",
    erd_depth: float = 0.6,
    snr: float = 1.0,
    fmt: Literal["fif", "edf"] = "fif",
    seed: int = 0,
) -> tuple[list[Path], xr.Dataset]:
    """Simulate left/right-hand motor imagery EEG with known ERD and write one file per run.

    The generative model (all sources are points inside a spherical head; positions in m):

    * **montage**: the 22 sensorimotor electrodes of BCI Competition IV 2a
      (:data:`MOTOR_IMAGERY_CHANNELS`) at their MNE template 10-05 positions (head frame);
    * **forward model**: source ``s`` at ``r_s`` reaches electrode ``e`` at ``r_e`` with gain
      ``g_es = 1 / (|r_e - r_s|^2 + d0^2)``, ``d0 = 2 cm`` (a smooth volume-conduction fall-off;
      not a BEM), each source's gains scaled to unit maximum;
    * **sensorimotor rhythms**: one source under C3 (left hand knob, drives the right hand) and
      one under C4, each the sum of a mu rhythm (narrow-band Gaussian noise around
      ``f_mu ~ U(9.5, 12)`` Hz, s.d. 1 Hz) and a beta rhythm (around ``f_beta ~ U(18, 24)`` Hz,
      s.d. 2 Hz, 0.5 x the mu amplitude), times a slow log-normal amplitude fluctuation
      (s.d. 0.3 in log units, < 0.5 Hz) so that rhythm power varies from trial to trial;
    * **event-related desynchronisation (ERD)**: during imagery of one hand the rhythm of the
      *contralateral* source is multiplied by ``1 - d_trial`` from 0.5 s after the cue to the
      end of the block (0.3 s smooth ramps): left-hand imagery (T1) lowers the source under C4,
      right-hand imagery (T2) the source under C3; ``d_trial ~ erd_depth * U(0.4, 1.6)``
      clipped to [0, 0.95], and 15 % of imagery trials have no ERD (lapses);
    * **confounds**: an occipito-parietal alpha source (under POz, 9–11 Hz, amplitude 1.5, not
      modulated), 10 background sources at random positions with 1/f (pink) noise, and
      independent pink sensor noise; the rhythms are scaled by ``snr``;
    * **timing** (EEGMMIDB runs 4/8/12): blocks alternate rest ``T0`` (4.2 s) and imagery
      ``T1``/``T2`` (4.1 s), 2 s of rest before and after; classes balanced over the runs and
      shuffled within each run.

    The default strength makes the classes separable but not trivially: on 8–30 Hz epochs
    0.5–3.5 s after the cue, 40 trials per class, 5-fold CV, seeds 0–5, OAS covariances +
    tangent space + logistic regression reach 84–93 % (mean 88 %) and CSP (4 filters) + LDA
    75–90 % (mean 83 %); the lapses cap accuracy near 92 %.

    Parameters
    ----------
    path : str or os.PathLike, optional
        Folder to write into (created if needed). None: a new temporary folder (the caller
        deletes it). Files are named ``sub-<subject>_ses-<session>_task-motorimagery_
        run-<k>_eeg.fif`` (``.edf`` for ``fmt="edf"``), written atomically, so
        :func:`neurokit.io.read_eeg` finds subject, session and run in the name.
    n_trials_per_class : int, default 40
        Imagery trials per class (left, right) over all runs; as many rest blocks as imagery
        blocks.
    n_runs : int, default 3
        Runs (files).
    sfreq : float, default 160.0
        Sampling rate (Hz), >= 64.
    subject, session : str
        BIDS labels (alphanumeric) written in the file names and ``his_id``.
    erd_depth : float, default 0.6
        Mean fractional drop of the contralateral rhythm amplitude during imagery, in [0, 1).
    snr : float, default 1.0
        Scale of the sensorimotor and alpha rhythms relative to the background (> 0).
    fmt : {"fif", "edf"}, default "fif"
        File format: FIF (``raw.save``) or EDF (``mne.export.export_raw``, needs ``edfio``).
    seed : int, default 0
        Seed of the random generator.

    Returns
    -------
    paths : list of pathlib.Path
        One file per run, in run order. Signal in volts (about 10–30 µV), channel positions
        stored in the file, events as annotations ``T0``/``T1``/``T2``.
    truth : xarray.Dataset
        The ground truth: on dim ``interval`` (every block of every run, in order)
        ``run`` (1…n_runs), ``event_index`` (row in its file's events), ``start_time``,
        ``duration`` (s, in its file), ``description`` (T0/T1/T2), ``label``
        (rest/left/right) and ``erd`` (the drop ``d_trial`` applied, 0 for rest and lapses,
        ``"a.u."``); on dim ``channel`` ``gain_left``/``gain_right`` (forward gains of the
        sources under C3/C4, ``"a.u."``). Attrs: ``sampling_rate``, ``mu_frequency``,
        ``beta_frequency`` (Hz), ``erd_channel_left`` ("C4": where left-hand imagery lowers
        mu power), ``erd_channel_right`` ("C3"), ``subject_id``, ``session_id``, ``paths``.

    Raises
    ------
    neurokit.errors.ConfigError
        A parameter out of range.
    neurokit.errors.OptionalDependencyError
        ``fmt="edf"`` without ``edfio``, or MNE absent.

    Examples
    --------
    >>> import tempfile
    >>> paths, truth = simulate_motor_imagery(tempfile.mkdtemp(), n_trials_per_class=4,
    ...                                       n_runs=2, seed=1)
    >>> paths[1].name
    'sub-01_ses-01_task-motorimagery_run-02_eeg.fif'
    >>> sorted(set(truth["label"].values.tolist())), truth.attrs["erd_channel_right"]
    (['left', 'rest', 'right'], 'C3')
    """
    mne = soft_import("mne", "simulating motor-imagery EEG files")
    _check(n_trials_per_class, n_runs, sfreq, subject, session, erd_depth, snr, fmt)
    if fmt == "edf":
        soft_import("edfio", "writing EDF files (mne.export)")
    rng = np.random.default_rng(seed)
    folder = Path(tempfile.mkdtemp(prefix="neurokit_mi_")) if path is None else Path(path)
    folder.mkdir(parents=True, exist_ok=True)

    info, pos = _montage_info(mne, sfreq)
    head = _Head(pos, rng)
    mu_f, beta_f = float(rng.uniform(9.5, 12.0)), float(rng.uniform(18.0, 24.0))
    classes = _run_classes(n_trials_per_class, n_runs, rng)

    paths: list[Path] = []
    rows: dict[str, list] = {k: [] for k in ("run", "event_index", "start", "dur", "code", "erd")}
    for run, run_classes in enumerate(classes, start=1):
        onsets, durs, codes = _timeline(run_classes)
        n = int(round((onsets[-1] + durs[-1] + _LEAD_S) * sfreq))
        depth = np.where(
            codes == "T0",
            0.0,
            np.clip(erd_depth * rng.uniform(0.4, 1.6, codes.size), 0.0, 0.95)
            * (rng.random(codes.size) >= 0.15),
        )
        data = head.signal(n, sfreq, onsets, durs, codes, depth, mu_f, beta_f, snr, rng)
        raw = mne.io.RawArray(data, info.copy(), verbose="error")
        raw.set_meas_date(
            datetime.datetime(2026, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(minutes=10 * run)
        )
        raw.set_annotations(mne.Annotations(onsets, durs, codes.tolist()))
        name = f"sub-{subject}_ses-{session}_task-motorimagery_run-{run:02d}_eeg.{fmt}"
        paths.append(_write(mne, raw, folder / name, fmt))
        rows["run"] += [run] * codes.size
        rows["event_index"] += list(range(codes.size))
        rows["start"] += onsets.tolist()
        rows["dur"] += durs.tolist()
        rows["code"] += codes.tolist()
        rows["erd"] += depth.tolist()

    codes = np.asarray(rows["code"], dtype=str)
    truth = xr.Dataset(
        {
            "run": (cv.INTERVAL, np.asarray(rows["run"]), {"units": cv.ARBITRARY}),
            "event_index": (cv.INTERVAL, np.asarray(rows["event_index"]), {"units": cv.ARBITRARY}),
            "start_time": (cv.INTERVAL, np.asarray(rows["start"]), {"units": cv.SECONDS}),
            "duration": (cv.INTERVAL, np.asarray(rows["dur"]), {"units": cv.SECONDS}),
            "description": (cv.INTERVAL, codes),
            "label": (cv.INTERVAL, np.asarray([EVENT_LABELS[c] for c in codes], dtype=str)),
            "erd": (cv.INTERVAL, np.asarray(rows["erd"]), {"units": cv.ARBITRARY}),
            "gain_left": (cv.CHANNEL, head.gain[:, 0], {"units": cv.ARBITRARY}),
            "gain_right": (cv.CHANNEL, head.gain[:, 1], {"units": cv.ARBITRARY}),
        },
        coords={
            cv.INTERVAL: np.arange(codes.size),
            cv.CHANNEL: list(MOTOR_IMAGERY_CHANNELS),
        },
        attrs={
            cv.SAMPLING_RATE_ATTR: float(sfreq),
            "mu_frequency": mu_f,
            "beta_frequency": beta_f,
            "erd_channel_left": "C4",
            "erd_channel_right": "C3",
            "subject_id": subject,
            "session_id": session,
            "paths": [str(p) for p in paths],
            "description": "left/right-hand motor imagery: contralateral mu/beta ERD "
            "(neurokit.datasets.simulate_motor_imagery)",
        },
    )
    return paths, validate(truth)


def _check(
    n_trials: Any,
    n_runs: Any,
    sfreq: Any,
    subject: Any,
    session: Any,
    erd: Any,
    snr: Any,
    fmt: Any,
) -> None:
    def real(x: Any) -> bool:
        return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)

    def integer(x: Any) -> bool:
        return isinstance(x, (int, np.integer)) and not isinstance(x, bool)

    checks = [
        ("n_trials_per_class", lambda: integer(n_trials) and n_trials >= 1, "an int >= 1"),
        (
            "n_runs",
            lambda: integer(n_runs) and 1 <= n_runs <= 2 * n_trials,
            "an int in [1, 2 * n_trials_per_class] (every run needs an imagery trial)",
        ),
        ("sfreq", lambda: real(sfreq) and 64 <= sfreq <= 5000, "a rate in [64, 5000] Hz"),
        ("subject", lambda: isinstance(subject, str) and subject.isalnum(), "alphanumeric str"),
        ("session", lambda: isinstance(session, str) and session.isalnum(), "alphanumeric str"),
        ("erd_depth", lambda: real(erd) and 0 <= erd < 1, "a number in [0, 1)"),
        ("snr", lambda: real(snr) and snr > 0, "a number > 0"),
        ("fmt", lambda: fmt in ("fif", "edf"), "'fif' or 'edf'"),
    ]
    values = {
        "n_trials_per_class": n_trials,
        "n_runs": n_runs,
        "sfreq": sfreq,
        "subject": subject,
        "session": session,
        "erd_depth": erd,
        "snr": snr,
        "fmt": fmt,
    }
    for field, ok, expected in checks:
        if not ok():
            raise ConfigError(
                "bad simulator parameter",
                field=field,
                expected=expected,
                found=repr(values[field]),
            )


def _montage_info(mne: Any, sfreq: float) -> tuple[Any, np.ndarray]:
    """MNE info of the 22 channels with template positions; positions (22, 3) in m."""
    from neurokit.io.mne_reader import _montage_name

    info = mne.create_info(list(MOTOR_IMAGERY_CHANNELS), float(sfreq), "eeg")
    montage = mne.channels.make_standard_montage(_montage_name(mne, "standard_1005"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        info.set_montage(montage, verbose="error")
    pos = np.array([ch["loc"][:3] for ch in info["chs"]], dtype=np.float64)
    return info, pos


class _Head:
    """Source positions and gains (fixed per simulation)."""

    def __init__(self, pos: np.ndarray, rng: np.random.Generator) -> None:
        names = list(MOTOR_IMAGERY_CHANNELS)
        centre = pos.mean(axis=0) - np.array([0.0, 0.0, 0.04])  # below the electrode cap

        def under(ch: str, depth: float = 0.025) -> np.ndarray:
            p = pos[names.index(ch)]
            return p - depth * (p - centre) / np.linalg.norm(p - centre)

        motor = np.stack([under("C3"), under("C4")])
        alpha = under("POz", 0.03)[None]
        direction = rng.normal(size=(10, 3))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        direction[:, 2] = np.abs(direction[:, 2])  # upper half of the head
        radius = np.median(np.linalg.norm(pos - centre, axis=1))
        background = centre + direction * radius * rng.uniform(0.5, 0.85, (10, 1))
        self.gain = self._gains(pos, motor)  # (22, 2)
        self.alpha_gain = self._gains(pos, alpha)  # (22, 1)
        self.background_gain = self._gains(pos, background)  # (22, 10)

    @staticmethod
    def _gains(pos: np.ndarray, sources: np.ndarray, d0: float = 0.02) -> np.ndarray:
        dist2 = ((pos[:, None, :] - sources[None, :, :]) ** 2).sum(axis=2)
        gain = 1.0 / (dist2 + d0**2)
        return gain / gain.max(axis=0, keepdims=True)

    def signal(
        self,
        n: int,
        sfreq: float,
        onsets: np.ndarray,
        durs: np.ndarray,
        codes: np.ndarray,
        depth: np.ndarray,
        mu_f: float,
        beta_f: float,
        snr: float,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """EEG of one run, shape (22, n), in volts."""
        uv = 1e-6
        rhythm = np.stack(
            [
                _narrowband(n, sfreq, mu_f, 1.0, rng)
                + 0.5 * _narrowband(n, sfreq, beta_f, 2.0, rng)
                for _ in range(2)
            ]
        )
        rhythm *= np.exp(0.3 * _lowpass_noise(n, sfreq, 0.5, rng))
        envelope = np.ones((2, n))
        t = np.arange(n) / sfreq
        for onset, dur, code, d in zip(onsets, durs, codes, depth, strict=True):
            if code == "T0" or d == 0:
                continue
            side = 1 if code == "T1" else 0  # left hand -> right hemisphere (C4) source
            i0, i1 = int(onset * sfreq), min(n, int(np.ceil((onset + dur) * sfreq)) + 1)
            envelope[side, i0:i1] -= d * _ramp(t[i0:i1], onset + 0.5, onset + dur, 0.3)
        motor = self.gain @ (rhythm * envelope)  # (22, n)
        alpha = self.alpha_gain @ (1.5 * _narrowband(n, sfreq, rng.uniform(9, 11), 1.0, rng))[None]
        background = self.background_gain @ _pink((10, n), rng)
        sensor = 0.5 * _pink((self.gain.shape[0], n), rng)
        return uv * (10.0 * snr * (motor + alpha) + 6.0 * (background / 3.0 + sensor))


def _narrowband(n: int, sfreq: float, f0: float, sd: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance Gaussian noise with a Gaussian spectral peak at ``f0`` (s.d. ``sd`` Hz)."""
    m = sfft.next_fast_len(n, real=True)
    spec = sfft.rfft(rng.standard_normal(m))
    f = sfft.rfftfreq(m, 1.0 / sfreq)
    x = sfft.irfft(spec * np.exp(-0.5 * ((f - f0) / sd) ** 2), m)[:n]
    return x / x.std()


def _pink(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Rows of unit-variance 1/f noise (power ~ 1/f above the lowest frequencies)."""
    n = shape[1]
    m = sfft.next_fast_len(n, real=True)
    spec = sfft.rfft(rng.standard_normal((shape[0], m)), axis=1)
    k = np.maximum(np.arange(spec.shape[1], dtype=np.float64), m / 1000.0)
    x = sfft.irfft(spec / np.sqrt(k), m, axis=1)[:, :n]
    return x / x.std(axis=1, keepdims=True)


def _lowpass_noise(n: int, sfreq: float, cutoff: float, rng: np.random.Generator) -> np.ndarray:
    m = sfft.next_fast_len(n, real=True)
    spec = sfft.rfft(rng.standard_normal((2, m)), axis=1)
    f = sfft.rfftfreq(m, 1.0 / sfreq)
    x = sfft.irfft(spec * (f < cutoff), m, axis=1)[:, :n]
    return x / x.std(axis=1, keepdims=True)


def _ramp(t: np.ndarray, start: float, stop: float, rise: float) -> np.ndarray:
    """1 on [start + rise, stop - rise], 0 outside [start, stop], raised-cosine edges."""
    up = np.clip((t - start) / rise, 0.0, 1.0)
    down = np.clip((stop - t) / rise, 0.0, 1.0)
    return 0.5 * (1 - np.cos(np.pi * np.minimum(up, down)))


def _run_classes(n_per_class: int, n_runs: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Imagery classes (T1/T2) of each run: balanced overall, shuffled within runs."""
    left = np.array([len(part) for part in np.array_split(np.arange(n_per_class), n_runs)])
    right = left[::-1]  # runs with one left trial fewer get the extra right trial
    runs = []
    for n_left, n_right in zip(left, right, strict=True):
        arr = np.array(["T1"] * int(n_left) + ["T2"] * int(n_right))
        rng.shuffle(arr)
        runs.append(arr)
    return runs


def _timeline(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Onsets, durations and codes of one run: T0, task, T0, task, …, T0."""
    codes, durs = [], []
    for c in classes:
        codes += ["T0", str(c)]
        durs += [_REST_S, _TASK_S]
    codes.append("T0")
    durs.append(_REST_S)
    durs_arr = np.asarray(durs)
    onsets = _LEAD_S + np.concatenate([[0.0], np.cumsum(durs_arr[:-1])])
    return onsets, durs_arr, np.asarray(codes, dtype=str)


def _write(mne: Any, raw: Any, path: Path, fmt: str) -> Path:
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MNE's file-naming advice about the temporary name
        if fmt == "fif":
            raw.save(tmp, overwrite=True, verbose="error")
        else:
            mne.export.export_raw(tmp, raw, fmt="edf", overwrite=True, verbose="error")
    return path
