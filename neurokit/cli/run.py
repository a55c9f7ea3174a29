"""``neurokit run``: the main job on simulated data (see :mod:`neurokit.workflows`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="run the main job: simulate sessions, write NWB, read back, preprocess, figures",
        description="Simulate an ophys and an ecephys session with known ground truth, write "
        "them as NWB files, read them back through neurokit, preprocess, and write figures and "
        "summary.json under OUT.",
    )
    p.add_argument("--out", type=Path, default=Path("results"), help="output folder")
    p.add_argument("--seed", type=int, default=0, help="simulation seed")
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply session sizes (ROIs, units, duration, trials); <1 for a quick run",
    )


def main(args: argparse.Namespace) -> int:
    from neurokit.workflows import run_main_job

    summary = run_main_job(args.out, seed=args.seed, scale=args.scale)
    print(f"done: {len(summary['figures'])} figures and summary.json in {args.out}")
    return 0
