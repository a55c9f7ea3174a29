"""Tiny separable data and a 'boring' MLP classifier for the training-core tests."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("lightning")


def make_blobs(n: int = 48, n_features: int = 6, seed: int = 0) -> xr.DataArray:
    """Two well-separated Gaussian classes, dims ("trial", "feature"), with session and
    subject coordinates (4 sessions, 2 subjects) on trial."""
    rng = np.random.default_rng(seed)
    label = np.arange(n) % 2
    centres = np.where(label[:, None] == 1, 1.5, -1.5)
    x = centres + rng.normal(size=(n, n_features))
    session = np.repeat(np.arange(4), n // 4)
    return xr.DataArray(
        x.astype(np.float32), dims=("trial", "feature"), name="blobs",
        coords={"trial": np.arange(n), "label": ("trial", label),
                "session": ("trial", [f"s{s}" for s in session]),
                "subject": ("trial", [f"m{s // 2}" for s in session])},
        attrs={"units": "a.u."},
    )


def make_model(seed: int = 0, n_features: int = 6, lr: float = 0.05, **kwargs):
    import lightning as L

    from neurokit.core import MLP, Classifier

    L.seed_everything(seed, verbose=False)
    return Classifier(MLP(in_features=n_features, n_outputs=2, hidden=(8,)), lr=lr, **kwargs)


@pytest.fixture
def blobs() -> xr.DataArray:
    return make_blobs()
