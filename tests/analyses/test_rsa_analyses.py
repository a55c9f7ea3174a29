"""The two real-data RSA analyses run end to end (quick settings) and write sound numbers.

Each script runs in a subprocess like ``tests/test_scripts.py`` (output folder in ``tmp_path``,
Agg backend) with ``NEUROKIT_ANALYSES_QUICK=1`` (one training epoch, fewer bootstrap
resamples and permutations). Skipped when ``../shared/data`` is absent.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.shared_data,
    pytest.mark.skipif(not SHARED_DATA.is_dir(),
                       reason=f"real recordings not available ({SHARED_DATA} is absent)"),
]
LAYERS = ["stem", "stages.0", "stages.1", "stages.2", "head.0"]


def _run(script: str, out: Path) -> dict:
    env = {**os.environ, "NEUROKIT_ANALYSES_OUT": str(out), "MPLBACKEND": "Agg",
           "NEUROKIT_ANALYSES_QUICK": "1", "NEUROKIT_SHARED_DATA": str(SHARED_DATA),
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(ROOT / "analyses" / script)], cwd=out, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    folder = out / Path(script).stem
    figures = sorted(folder.glob("*.png"))
    assert figures and all(f.read_bytes()[:4] == b"\x89PNG" for f in figures)
    return json.loads((folder / "numbers.json").read_text())


def _check_score(entry: dict, *, low: float = -1.0, high: float = 1.0) -> None:
    s, lo, hi = entry["score"], entry["ci_low"], entry["ci_high"]
    assert all(math.isfinite(v) for v in (s, lo, hi)), entry
    assert low <= lo <= s <= hi <= high, entry
    assert hi > lo  # a real interval, not a degenerate one


def test_allen_visp_analysis(tmp_path):
    numbers = _run("rsa_allen_visp.py", tmp_path)
    assert numbers["quick"] is True
    assert numbers["n_stimuli"] == 118 and numbers["n_neuroids"] == 211
    assert "digits" in numbers["trained_on"]  # what the networks saw is stated
    assert numbers["layers"] == LAYERS
    assert "no single-trial repeats" in numbers["ceiling_note"]
    for metric, ceiling in numbers["ceiling"].items():
        assert 0 < ceiling <= 1, (metric, ceiling)
    assert "neurons" in numbers["ceiling_kind"]["rsa"]
    for net in ("SNN", "CNN"):
        for metric in ("rsa", "cka", "cka_debiased", "encoding"):
            result = numbers["scores"][net][metric]
            kept = [k for k in LAYERS if k not in numbers["excluded_layers"][net]]
            assert kept and sorted(result["layers"]) == sorted(kept)
            assert result["best_layer"] in LAYERS
            assert result["best_score"] == max(v["score"] for v in result["layers"].values())
            for entry in result["layers"].values():
                _check_score(entry, low=0.0 if metric == "cka" else -1.0)
        for layer, entry in numbers["scores"][net]["rsa"]["layers"].items():
            assert 0 < entry["p_perm"] <= 1
            # ceiling-normalised RSA is the ratio score / ceiling (not squared)
            assert math.isclose(entry["normalized"], entry["score"] / numbers["ceiling"]["rsa"],
                                rel_tol=1e-9), layer


def test_kriegeskorte92_it_analysis(tmp_path):
    numbers = _run("rsa_kriegeskorte92_it.py", tmp_path)
    assert numbers["n_stimuli"] == 92 and "digits" in numbers["trained_on"]
    assert numbers["ceiling"] is None and "no noise ceiling" in numbers["ceiling_note"]
    for net in ("SNN", "CNN"):
        for species in ("monkey IT", "human IT"):
            for method in ("spearman", "tau_a"):
                result = numbers["scores"][net][species][method]
                kept = [k for k in LAYERS if k not in numbers["excluded_layers"][net]]
                assert kept and sorted(result["layers"]) == sorted(kept)
                assert result["best_layer"] in kept
                for entry in result["layers"].values():
                    _check_score(entry)
                    assert 0 < entry["p_perm"] <= 1
    # the scientific sanity check: monkey and human IT agree, far beyond chance
    between = numbers["monkey_vs_human"]
    for method in ("spearman", "tau_a"):
        _check_score(between[method])
        assert between[method]["ci_low"] > 0
        assert between[method]["p_perm"] <= 1.0 / 25  # the smallest p at n_perm = 50 is 1/51
    assert between["spearman"]["score"] > 0.2
