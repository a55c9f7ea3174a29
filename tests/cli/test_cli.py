import json
import subprocess
import sys

import numpy as np
import pytest

from neurokit.cli import main
from neurokit.datasets import simulate_ecephys_session, write_suite2p_folder
from neurokit.testing import assert_files_unchanged


@pytest.fixture(scope="module")
def ecephys_nwb(tmp_path_factory):
    path, _ = simulate_ecephys_session(
        tmp_path_factory.mktemp("cli") / "s.nwb", n_units=5, n_trials=6
    )
    return path


def test_info_on_nwb_lists_groups_dims_units_and_tables(ecephys_nwb, capsys):
    with assert_files_unchanged(ecephys_nwb):
        assert main(["info", str(ecephys_nwb)]) == 0
    out = capsys.readouterr().out
    assert "[nwb]" in out
    assert "/units" in out and "spike_times (spike) float64 [s]" in out
    assert "/intervals/trials" in out and "dims: trial=6" in out
    assert "coords on unit:" in out and "location" in out


def test_info_on_suite2p_folder(tmp_path, capsys):
    F = np.ones((3, 8))
    folder = write_suite2p_folder(
        tmp_path / "suite2p" / "plane0",
        F,
        F / 2,
        F * 0,
        fs=10.0,
        centroids=np.zeros((3, 2)),
        iscell_prob=np.array([0.9, 0.2, 0.8]),
    )
    assert main(["info", str(folder.parent)]) == 0
    out = capsys.readouterr().out
    assert (
        "[suite2p]" in out
        and "roi=3" in out
        and "time=8" in out
        and "sampling_rate: 10.0 Hz" in out
    )


def test_info_on_missing_path_is_a_clear_error(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nope.nwb")]) == 2
    err = capsys.readouterr().err
    assert "nope.nwb" in err and "no such path" in err


def test_console_command_is_installed():
    out = subprocess.run(
        [sys.executable, "-m", "neurokit", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().startswith("neurokit ")


@pytest.mark.slow
def test_run_writes_figures_and_summary(tmp_path, capsys):
    assert main(["run", "--out", str(tmp_path / "results"), "--scale", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "[1/" in out  # progress lines
    summary = json.loads((tmp_path / "results" / "summary.json").read_text())
    for fig in summary["figures"]:
        assert (tmp_path / "results" / fig).read_bytes()[:4] == b"\x89PNG"
    # the job recovers the simulated ground truth through NWB -> neurokit -> preprocessing
    assert summary["ophys"]["preferred_orientation_accuracy"] > 0.7
    assert summary["ecephys"]["latent_r2"] > 0.5
    assert summary["similarity"]["all_recovered"]  # each simulated area's source layer wins
    # motor imagery decoded from the simulated EEG files, run by run
    assert summary["decoding"]["accuracy"]["tangent_space"] > 0.65
    # MM-GPVAE's shared latents recover the simulated ones on held-out trials, beyond PCA
    latent = summary["latent"]
    assert latent["r2_shared_from_spikes_and_behaviour"] > 0.7
    assert latent["r2_shared_from_spikes_and_behaviour"] > latent["r2_pca_of_smoothed_counts"]
