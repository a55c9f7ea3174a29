"""What every simulator shares: atomic writes, argument checks, no heavy imports at import time."""

import subprocess
import sys

import numpy as np
import pytest

from neurokit.datasets import simulate_ecephys_session, simulate_ophys_session
from neurokit.errors import InvalidValueError, NotAFileError
from neurokit.testing import checksum

pynwb = pytest.importorskip("pynwb")

SIMULATORS = [
    (simulate_ophys_session, {"n_rois": 3, "duration": 15.0}),
    (simulate_ecephys_session, {"n_units": 3, "n_trials": 2}),
]


def _fail_after_writing(monkeypatch):
    """Make NWBHDF5IO.write write everything, then fail (as a full disk or a crash would)."""
    original = pynwb.NWBHDF5IO.write

    def write_then_fail(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise OSError("simulated failure after writing")

    monkeypatch.setattr(pynwb.NWBHDF5IO, "write", write_then_fail)


@pytest.mark.parametrize(("simulate", "sizes"), SIMULATORS)
def test_failed_write_leaves_no_file(tmp_path, monkeypatch, simulate, sizes):
    _fail_after_writing(monkeypatch)
    target = tmp_path / "out" / "session.nwb"
    with pytest.raises(OSError, match="simulated failure"):
        simulate(target, **sizes)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no temporary file left either


@pytest.mark.parametrize(("simulate", "sizes"), SIMULATORS)
def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch, simulate, sizes):
    target = tmp_path / "session.nwb"
    simulate(target, seed=1, **sizes)
    before = checksum(target)
    _fail_after_writing(monkeypatch)
    with pytest.raises(OSError):
        simulate(target, seed=2, **sizes)
    assert checksum(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["session.nwb"]


@pytest.mark.parametrize(("simulate", "sizes"), SIMULATORS)
def test_folder_as_path_raises(tmp_path, simulate, sizes):
    with pytest.raises(NotAFileError, match=str(tmp_path)):
        simulate(tmp_path, **sizes)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n_rois", 0),
        ("n_rois", 2.5),
        ("n_rois", True),
        ("duration", -1.0),
        ("frame_rate", float("nan")),
        ("stimulus_duration", 0.0),
        ("inter_stimulus_interval", -0.1),
        ("image_shape", (8, 64)),
        ("image_shape", (64.0, 64)),
        ("image_shape", (64, 64, 3)),
        ("neuropil_coef", float("inf")),
        ("seed", -1),
        ("duration", 1.0),  # too short for one presentation
    ],
)
def test_ophys_bad_arguments_raise(tmp_path, field, value):
    with pytest.raises(InvalidValueError, match=field):
        simulate_ophys_session(tmp_path / "o.nwb", **{field: value})
    assert not (tmp_path / "o.nwb").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n_units", 0),
        ("n_trials", np.float64(3.0)),
        ("n_conditions", -2),
        ("n_latents", 0),
        ("trial_duration", 0.4),  # onset is 0.5 s into the trial
        ("inter_trial_interval", -1.0),
        ("seed", 1.5),
    ],
)
def test_ecephys_bad_arguments_raise(tmp_path, field, value):
    with pytest.raises(InvalidValueError, match=field):
        simulate_ecephys_session(tmp_path / "e.nwb", **{field: value})


def test_importing_datasets_does_not_import_pynwb():
    code = "import sys, neurokit.datasets; print('pynwb' in sys.modules, 'hdmf' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
