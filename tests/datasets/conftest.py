"""Simulated sessions written once per test session (each simulator call writes a real NWB file)."""

from __future__ import annotations

from pathlib import Path

import pytest
import xarray as xr

from neurokit.datasets import simulate_ecephys_session, simulate_ophys_session


@pytest.fixture(scope="session")
def ophys_session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, xr.Dataset]:
    """Default-sized ophys session (30 ROIs, 120 s at 30 Hz), seed 3. Do not modify."""
    return simulate_ophys_session(tmp_path_factory.mktemp("ophys") / "ophys.nwb", seed=3)


@pytest.fixture(scope="session")
def ecephys_session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, xr.Dataset]:
    """Default-sized ecephys session (40 units, 60 trials, 4 conditions), seed 3. Do not modify."""
    return simulate_ecephys_session(tmp_path_factory.mktemp("ecephys") / "ecephys.nwb", seed=3)
