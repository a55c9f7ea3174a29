"""Every example script runs end to end on small data and writes its figures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("[0-9]*.py"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_and_saves_figures(script, tmp_path):
    env = {**os.environ, "NEUROKIT_EXAMPLES_OUT": str(tmp_path), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = list(tmp_path.rglob("*.png"))
    assert figures, f"{script.name} saved no figure"
    for fig in figures:
        assert fig.read_bytes()[:4] == b"\x89PNG"
