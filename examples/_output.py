"""Where examples write their figures: $NEUROKIT_EXAMPLES_OUT or results/examples."""

import os
from pathlib import Path


def output_folder(name: str) -> Path:
    """Folder for one example's outputs (created)."""
    root = Path(os.environ.get("NEUROKIT_EXAMPLES_OUT", "results/examples"))
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
