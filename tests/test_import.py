import subprocess
import sys


def test_import_neurokit_stays_light():
    heavy = ["torch", "lightning", "pynwb", "matplotlib", "dask", "hdmf", "mne", "sklearn"]
    code = (
        "import sys, neurokit, neurokit.io, neurokit.preprocess, neurokit.datasets,"
        " neurokit.plotting, neurokit.similarity, neurokit.cli;"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import neurokit pulled in: {out.stdout.strip()}"
