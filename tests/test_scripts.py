"""Every example and analysis script runs end to end on small data and writes its figures."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("[0-9]*.py"))
ANALYSES = sorted((ROOT / "analyses").glob("*.py"))


def _run(script: Path, out: Path) -> None:
    env = {
        **os.environ,
        "NEUROKIT_EXAMPLES_OUT": str(out),
        "NEUROKIT_ANALYSES_OUT": str(out),
        "MPLBACKEND": "Agg",
    }
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = list(out.rglob("*.png"))
    assert figures, f"{script.name} saved no figure"
    assert all(fig.read_bytes()[:4] == b"\x89PNG" for fig in figures)


def test_there_are_examples_and_analyses():
    assert len(EXAMPLES) >= 3 and len(ANALYSES) >= 1


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_and_saves_figures(script, tmp_path):
    _run(script, tmp_path)


def test_neuropil_analysis_finds_the_true_coefficient(tmp_path):
    _run(ROOT / "analyses" / "neuropil_correction.py", tmp_path)
    numbers = json.loads((tmp_path / "neuropil_correction" / "numbers.json").read_text())
    sweep = numbers["sweep"]
    best_r = max(sweep, key=lambda row: row["median_r_dff_vs_true_calcium"])
    best_gain = min(sweep, key=lambda row: abs(row["median_dff_gain"] - 1.0))
    assert best_r["neuropil_coef"] == numbers["true_neuropil_coef"]
    assert best_gain["neuropil_coef"] == numbers["true_neuropil_coef"]
    gains = [row["median_dff_gain"] for row in sweep]
    assert gains == sorted(gains)  # over-correction inflates dF/F, under-correction shrinks it
