"""xarray-backed LightningDataModule: a labelled DataArray in, ``(x, y)`` batches out.

The data are one :class:`xarray.DataArray` with a sample dim (``trial`` by default) and a
label coordinate on it, e.g. ``(trial, time, unit)`` from :mod:`neurokit.preprocess`. Samples
are split into train/val/test **by group**: each trial alone (``split_by="trial"``) or whole
sessions/subjects (``split_by="session"``...): a group's samples all go to one split, so nothing
leaks between them. The file is read in :meth:`XarrayDataModule.setup` only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
import xarray as xr
from torch.utils.data import DataLoader, Sampler, TensorDataset

from neurokit.core.sources import get_source
from neurokit.errors import (
    ConfigError,
    FileFormatError,
    InvalidValueError,
    PathNotFoundError,
    SchemaError,
)

__all__ = ["XarrayDataModule", "EpochShuffleSampler", "split_groups"]

_STAGES = ("train", "val", "test")


class EpochShuffleSampler(Sampler[int]):
    """A shuffling sampler whose order is a function of ``(seed, epoch)`` only.

    Lightning calls :meth:`set_epoch` at the start of each epoch, so a run resumed from a
    checkpoint sees the same batches as an uninterrupted run.

    Examples
    --------
    >>> s = EpochShuffleSampler(5, seed=1)
    >>> first = list(s); s.set_epoch(1); second = list(s); s.set_epoch(0)
    >>> sorted(first) == [0, 1, 2, 3, 4] and list(s) == first
    True
    """

    def __init__(self, n: int, seed: int = 0) -> None:
        self.n, self.seed, self.epoch = int(n), int(seed), 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.epoch])
        return iter(rng.permutation(self.n).tolist())

    def __len__(self) -> int:
        return self.n


def split_groups(
    groups: np.ndarray, val_fraction: float, test_fraction: float, seed: int = 0
) -> dict[str, np.ndarray]:
    """Positions of the train/val/test samples, every group wholly in one split.

    ``round(fraction * n_groups)`` random groups (at least one when the fraction is > 0) go to
    the test split, as many to validation, the rest to training (at least one group).

    Parameters
    ----------
    groups : numpy.ndarray, shape (n_samples,)
        Group label of each sample (trial id, session, subject...).
    val_fraction, test_fraction : float
        Fractions of the groups, ``>= 0`` with a sum ``< 1``.
    seed : int
        Seed of the random assignment.

    Returns
    -------
    dict
        ``{"train", "val", "test"}`` -> sorted int positions.

    Examples
    --------
    >>> s = split_groups(np.array(["a", "a", "b", "b", "c", "c"]), 0.34, 0.0)
    >>> len(s["train"]) + len(s["val"]), len(s["test"])
    (6, 0)
    """
    for name, frac in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not (math.isfinite(frac) and 0.0 <= frac < 1.0):
            raise InvalidValueError("fraction out of range", field=name,
                                    expected="0 <= fraction < 1", found=repr(frac))
    if val_fraction + test_fraction >= 1.0:
        raise InvalidValueError("no samples left for training", field="val_fraction",
                                expected="val_fraction + test_fraction < 1",
                                found=repr(val_fraction + test_fraction))
    labels, group_of = np.unique(np.asarray(groups), return_inverse=True)
    n_groups = labels.size

    def count(frac: float) -> int:
        return 0 if frac == 0 else max(1, round(frac * n_groups))

    n_test, n_val = count(test_fraction), count(val_fraction)
    if n_test + n_val >= n_groups:
        raise InvalidValueError(
            "too few groups for the requested splits", field="split_by",
            expected=f"more than {n_test + n_val} groups (train needs one)", found=str(n_groups))
    order = np.random.default_rng(seed).permutation(n_groups)
    split_of_group = np.zeros(n_groups, dtype=np.int8)  # 0 train, 1 val, 2 test
    split_of_group[order[:n_test]] = 2
    split_of_group[order[n_test:n_test + n_val]] = 1
    split = split_of_group[group_of.reshape(-1)]
    return {stage: np.flatnonzero(split == i) for i, stage in enumerate(_STAGES)}


class XarrayDataModule(L.LightningDataModule):
    """Batches ``(x, y)`` from a labelled DataArray, split by trial, session or subject.

    Parameters
    ----------
    source : str
        A netCDF (``.nc``, ``.h5``) or zarr (``.zarr``) file holding one DataArray, or the name of
        a registered source (:mod:`neurokit.core.sources`: ``"digits"``, ``"delay_task"``...).
    label : str, default "label"
        Coordinate on ``sample_dim`` holding the class of each sample (ints or strings).
    sample_dim : str, default "trial"
        The dim along which samples are drawn.
    split_by : str, default "trial"
        ``sample_dim`` (or ``"trial"``) to split sample by sample, or a coordinate on
        ``sample_dim`` (``"session"``, ``"subject"``) whose groups stay together.
    val_fraction, test_fraction : float, default 0.2, 0.0
        Fractions of the groups held out for validation and test.
    batch_size : int, default 32
    seed : int, default 0
        Seed of the split and of the training-set shuffling (the order depends on seed and
        epoch only, so resumed runs see the same batches).
    num_workers : int, default 0
        DataLoader worker processes.
    source_kwargs : dict, optional
        Keyword arguments of a registered source function.

    Attributes
    ----------
    data_ : xarray.DataArray
        The data after :meth:`setup`, sample dim first.
    classes_ : numpy.ndarray
        Sorted class labels; ``y`` holds positions in it.
    split_indices_ : dict
        ``{"train", "val", "test"}`` -> positions along ``sample_dim``.
    input_shape_ : tuple of int
        Shape of one sample ``x`` (the other dims, in order).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.random.rand(10, 3, 2), dims=("trial", "time", "unit"),
    ...                   coords={"label": ("trial", list("ab") * 5)})
    >>> dm = XarrayDataModule.from_dataarray(da, batch_size=4, val_fraction=0.2)
    >>> dm.setup("fit")
    >>> x, y = next(iter(dm.train_dataloader()))
    >>> tuple(x.shape), x.dtype, y.dtype, dm.classes_.tolist()
    ((4, 3, 2), torch.float32, torch.int64, ['a', 'b'])
    """

    def __init__(
        self,
        source: str,
        label: str = "label",
        sample_dim: str = "trial",
        split_by: str = "trial",
        val_fraction: float = 0.2,
        test_fraction: float = 0.0,
        batch_size: int = 32,
        seed: int = 0,
        num_workers: int = 0,
        source_kwargs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        if int(batch_size) < 1:
            raise ConfigError("bad batch size", field="batch_size", expected="an integer >= 1",
                              found=repr(batch_size))
        self._given: xr.DataArray | None = None
        self.data_: xr.DataArray | None = None

    @classmethod
    def from_dataarray(cls, da: xr.DataArray, **kwargs: Any) -> XarrayDataModule:
        """A data module over an in-memory DataArray (other arguments as in the class)."""
        if not isinstance(da, xr.DataArray):
            raise SchemaError("not a DataArray", field="da", expected="xarray.DataArray",
                              found=type(da).__name__)
        dm = cls(source=f"<DataArray {da.name or ''}>".replace(" >", ">"), **kwargs)
        dm._given = da
        return dm

    # -- I/O -------------------------------------------------------------------------------
    def _load(self) -> xr.DataArray:
        if self._given is not None:
            return self._given
        source = self.hparams.source
        path = Path(source)
        if path.suffix in (".nc", ".h5", ".nc4", ".zarr") or path.exists():
            if not path.exists():
                raise PathNotFoundError("no such data file", path=path)
            engine = "zarr" if path.suffix == ".zarr" or path.is_dir() else "h5netcdf"
            try:
                with xr.open_dataarray(path, engine=engine) as da:
                    return da.load()
            except ValueError as err:
                raise FileFormatError(f"cannot read one DataArray: {err}", path=path,
                                      expected="a netCDF/zarr file holding one variable") from err
        da = get_source(source)(**dict(self.hparams.source_kwargs or {}))
        if not isinstance(da, xr.DataArray):
            raise SchemaError("data source returned no DataArray", field="source",
                              expected="xarray.DataArray", found=type(da).__name__)
        return da

    def prepare_data(self) -> None:
        """Nothing to download: sources are local files or generated in :meth:`setup`."""

    def setup(self, stage: str | None = None) -> None:
        """Read the data, check them, encode labels and split (once)."""
        if self.data_ is not None:
            return
        hp = self.hparams
        da = self._load()
        name = str(da.name or "data")
        if hp.sample_dim not in da.dims:
            raise SchemaError("no sample dim", field=hp.sample_dim,
                              expected=f"a dim '{hp.sample_dim}'", found=f"dims {da.dims}")
        if hp.label not in da.coords or da.coords[hp.label].dims != (hp.sample_dim,):
            raise SchemaError("no label coordinate", field=hp.label,
                              expected=f"a coordinate '{hp.label}' on dim '{hp.sample_dim}'",
                              found=f"coordinates {sorted(map(str, da.coords))}")
        da = da.transpose(hp.sample_dim, ...)
        values = np.array(da.values, dtype=np.float32)  # a writable copy
        if not np.isfinite(values).all():
            raise InvalidValueError("non-finite values", field=name, expected="finite numbers",
                                    found=f"{int((~np.isfinite(values)).sum())} NaN/inf")
        labels = np.asarray(da.coords[hp.label].values)
        if labels.dtype.kind == "f" and not np.isfinite(labels).all():
            raise InvalidValueError("missing labels", field=hp.label,
                                    expected="a label for every sample", found="NaN")
        self.classes_, y = np.unique(labels, return_inverse=True)
        on_samples = hp.split_by in da.coords and da.coords[hp.split_by].dims == (hp.sample_dim,)
        if hp.split_by == hp.sample_dim or (hp.split_by == "trial" and not on_samples):
            groups = np.arange(da.sizes[hp.sample_dim])  # every sample its own group
        elif on_samples:
            groups = np.asarray(da.coords[hp.split_by].values)
        else:
            raise SchemaError("no coordinate to split by", field=hp.split_by,
                              expected=f"'{hp.sample_dim}' or a coordinate on '{hp.sample_dim}'",
                              found=f"coordinates {sorted(map(str, da.coords))}")
        self.split_indices_ = split_groups(groups, float(hp.val_fraction),
                                           float(hp.test_fraction), int(hp.seed))
        self.groups_ = groups
        self.input_shape_ = tuple(values.shape[1:])
        x_all = torch.from_numpy(values)
        y_all = torch.from_numpy(y.reshape(-1).astype(np.int64))
        self._datasets = {
            stage: TensorDataset(x_all[idx], y_all[idx])
            for stage, idx in self.split_indices_.items()
        }
        self.data_ = da

    # -- loaders ---------------------------------------------------------------------------
    def _loader(self, stage: str) -> DataLoader:
        if self.data_ is None:
            self.setup(stage)
        ds = self._datasets[stage]
        hp = self.hparams
        sampler = EpochShuffleSampler(len(ds), seed=hp.seed) if stage == "train" else None
        return DataLoader(ds, batch_size=int(hp.batch_size), sampler=sampler,
                          num_workers=int(hp.num_workers),
                          persistent_workers=int(hp.num_workers) > 0)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train")

    def val_dataloader(self) -> DataLoader | list:
        return self._loader("val") if float(self.hparams.val_fraction) > 0 else []

    def test_dataloader(self) -> DataLoader | list:
        return self._loader("test") if float(self.hparams.test_fraction) > 0 else []

    @property
    def n_classes_(self) -> int:
        """Number of classes (after :meth:`setup`)."""
        return len(self.classes_)
