"""Shared plumbing of the latent-model benchmarks: one configuration per fresh subprocess.

Each benchmark module defines ``_one(cfg) -> dict`` (train one configuration, time it, read
its peak RSS) and calls :func:`run_isolated` once per row, so every row's peak memory is its
own; :func:`main` is their common command line (``--quick``, ``--json``, and the hidden
``--one CFG`` a subprocess runs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any


def run_isolated(script: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """Run ``script --one <cfg as JSON>`` in a fresh interpreter; return its last JSON line."""
    out = subprocess.run([sys.executable, script, "--one", json.dumps(cfg)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(doc: str | None, one: Callable[[dict], dict], full: Callable[[], list],
         quick: Callable[[], list], quick_help: str) -> int:
    """Command line of a benchmark module: full or ``--quick`` rows, optionally to ``--json``."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help=quick_help)
    ap.add_argument("--json", help="write the rows to this file")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(json.loads(args.one))))
        return 0
    rows = quick() if args.quick else full()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0
