"""The scikit-learn front of every trainable neurokit model: ``fit`` / ``predict`` over the core.

Decoders (:mod:`neurokit.decoding`) and latent variable models (:mod:`neurokit.latent`) are
scikit-learn estimators on the outside (``clone``-able, usable in pipelines and in
cross-validation) and :class:`~neurokit.core.module.NeurokitModule` s trained by
:func:`neurokit.core.fit` on the inside, so they get the same run folders, CSV logs,
checkpoints, resumption, seeding and divergence checks as everything else.

A subclass

1. takes explicit keyword parameters in ``__init__`` and stores them unchanged (the scikit-learn
   rule), including the training ones ``max_epochs``, ``batch_size``, ``lr``, ``seed``,
   ``run_dir``, ``resume`` and ``enable_progress_bar``;
2. lists in ``_fitted_attrs`` the attributes its ``fit`` learns from the data that
   ``_build_module`` needs (numbers of channels, classes...);
3. implements ``_build_module()`` and calls ``self._train(tensors)`` from its ``fit``.

:meth:`LightningEstimator.save` writes parameters, fitted attributes and weights to one file
(atomically); :meth:`LightningEstimator.load` reads it back with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import lightning as L
import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch.utils.data import DataLoader, TensorDataset

from neurokit._atomic import atomic_path
from neurokit.core.data import EpochShuffleSampler
from neurokit.core.module import class_path
from neurokit.core.trainer import FitResult, fit
from neurokit.errors import CheckpointError, ConfigError, PathNotFoundError, SchemaError

__all__ = ["TensorDataModule", "LightningEstimator"]

_FORMAT = "neurokit-estimator-1"


class TensorDataModule(L.LightningDataModule):
    """Batches of in-memory tensors, shuffled reproducibly (order depends on seed and epoch).

    Parameters
    ----------
    train : sequence of torch.Tensor
        Training tensors sharing their first dim (samples); batches are tuples of them.
    val : sequence of torch.Tensor, optional
        Validation tensors (same structure). Without them there is no validation loop.
    batch_size : int, default 32
    seed : int, default 0
        Seed of the training-set order.

    Examples
    --------
    >>> import torch
    >>> dm = TensorDataModule([torch.arange(10.0), torch.arange(10)], batch_size=4)
    >>> x, y = next(iter(dm.train_dataloader()))
    >>> tuple(x.shape), bool((x.long() == y).all())
    ((4,), True)
    """

    def __init__(self, train: Sequence[torch.Tensor], val: Sequence[torch.Tensor] | None = None,
                 batch_size: int = 32, seed: int = 0) -> None:
        super().__init__()
        self.train_set = _dataset(train, "train")
        self.val_set = _dataset(val, "val") if val is not None else None
        if int(batch_size) < 1:
            raise ConfigError("bad batch size", field="batch_size", expected="an integer >= 1",
                              found=repr(batch_size))
        self.batch_size, self.seed = int(batch_size), int(seed)
        n_val = len(self.val_set) if self.val_set is not None else 0
        # what the core reads to decide whether to monitor val/loss; also goes to config.yaml
        self.save_hyperparameters({
            "batch_size": self.batch_size, "seed": self.seed, "n_train": len(self.train_set),
            "n_val": n_val, "val_fraction": n_val / (n_val + len(self.train_set))})

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self.train_set, batch_size=self.batch_size,
                          sampler=EpochShuffleSampler(len(self.train_set), self.seed))

    def val_dataloader(self) -> DataLoader | list:
        if self.val_set is None:
            return []
        return DataLoader(self.val_set, batch_size=self.batch_size, shuffle=False)


def _dataset(tensors: Sequence[torch.Tensor], field: str) -> TensorDataset:
    tensors = tuple(torch.as_tensor(t) for t in tensors)
    if not tensors or len({len(t) for t in tensors}) != 1 or len(tensors[0]) == 0:
        raise SchemaError("tensors of a data split must share a non-empty first dim",
                          field=field, expected="equal sample counts > 0",
                          found=str([tuple(t.shape) for t in tensors]))
    return TensorDataset(*tensors)


class LightningEstimator(BaseEstimator):
    """Base class of neurokit's scikit-learn estimators trained through :func:`neurokit.core.fit`.

    Subclasses define ``__init__`` (keyword parameters stored unchanged, including
    ``max_epochs``, ``batch_size``, ``lr``, ``seed``, ``run_dir``, ``resume``,
    ``enable_progress_bar``), the class attribute ``_fitted_attrs`` and ``_build_module``.

    Attributes (after fitting)
    --------------------------
    module_ : lightning.LightningModule
        The trained model, in eval mode.
    fit_metrics_ : dict of str to float
        Last value of every logged metric.
    run_dir_ : pathlib.Path or None
        The run folder (None when ``run_dir`` was None: training then used a temporary folder,
        deleted afterwards).

    Notes
    -----
    ``run_dir=None`` keeps nothing on disk. Give a folder to keep ``config.yaml``,
    ``metrics.csv`` and per-epoch checkpoints; ``resume=True`` then continues its latest run
    from ``last.ckpt`` (a diverging run stops with :class:`~neurokit.errors.TrainingError`
    and leaves its last good checkpoint there).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from neurokit.core import Classifier, MLP
    >>> class TinyMLP(LightningEstimator):
    ...     _fitted_attrs = ("n_features_in_", "n_classes_")
    ...     def __init__(self, max_epochs=5, batch_size=16, lr=0.05, seed=0, run_dir=None,
    ...                  resume=False, enable_progress_bar=None):
    ...         self.max_epochs, self.batch_size = max_epochs, batch_size
    ...         self.lr, self.seed = lr, seed
    ...         self.run_dir, self.resume = run_dir, resume
    ...         self.enable_progress_bar = enable_progress_bar
    ...     def _build_module(self):
    ...         return Classifier(MLP(self.n_features_in_, self.n_classes_), lr=self.lr)
    ...     def fit(self, X, y):
    ...         self.n_features_in_, self.n_classes_ = X.shape[1], int(y.max()) + 1
    ...         return self._train([torch.tensor(X, dtype=torch.float32), torch.tensor(y)])
    ...     def predict(self, X):
    ...         x = torch.tensor(X, dtype=torch.float32)
    ...         return self._forward_batches(x).argmax(1).numpy()
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(64) % 2
    >>> X = rng.normal(size=(64, 3)) + 2.0 * y[:, None]
    >>> est = TinyMLP().fit(X, y)
    >>> bool((est.predict(X) == y).mean() > 0.9)
    True
    """

    _fitted_attrs: ClassVar[tuple[str, ...]] = ()

    # -- what subclasses write --------------------------------------------------------------
    def _build_module(self) -> L.LightningModule:
        """A fresh (untrained) module built from the parameters and the fitted attributes."""
        raise NotImplementedError(f"{type(self).__name__} must implement _build_module()")

    # -- training ---------------------------------------------------------------------------
    def _train(self, train: Sequence[torch.Tensor], val: Sequence[torch.Tensor] | None = None,
               *, callbacks: Sequence[L.Callback] = (), module: L.LightningModule | None = None,
               max_epochs: int | None = None, batch_size: int | None = None,
               name: str | None = None) -> LightningEstimator:
        """Build ``module_`` (or take ``module``) and train it on ``train`` through the core.

        Parameters
        ----------
        train, val : sequence of torch.Tensor
            Tensors handed to the module's ``compute`` as one tuple per batch.
        callbacks : sequence of lightning.Callback
        module : lightning.LightningModule, optional
            Train this module instead of a fresh ``_build_module()`` (e.g. fine-tuning).
        max_epochs, batch_size : int, optional
            Override the ``max_epochs`` / ``batch_size`` parameters (e.g. a second training
            stage).
        name : str, optional
            Experiment name inside ``run_dir`` (default: the module class name).

        Returns
        -------
        self
        """
        seed = int(getattr(self, "seed", 0))
        if module is None:
            L.seed_everything(seed, workers=True, verbose=False)
            module = self._build_module()
        size = batch_size if batch_size is not None else getattr(self, "batch_size", 32)
        dm = TensorDataModule(train, val, batch_size=int(size), seed=seed)
        epochs = int(max_epochs if max_epochs is not None else getattr(self, "max_epochs", 10))
        run_dir = getattr(self, "run_dir", None)
        kwargs: dict[str, Any] = {
            "max_epochs": epochs, "seed": seed, "callbacks": callbacks, "name": name,
            "enable_progress_bar": getattr(self, "enable_progress_bar", None),
            "num_sanity_val_steps": 0,
        }
        if val is None:
            kwargs["limit_val_batches"] = 0
        if run_dir is None:
            with tempfile.TemporaryDirectory(prefix="neurokit-fit-") as tmp:
                result = fit(module, dm, run_dir=tmp, checkpoints=False, **kwargs)
            self.run_dir_ = None
        else:
            result = fit(module, dm, run_dir=run_dir, resume=getattr(self, "resume", False),
                         **kwargs)
            self.run_dir_ = result.run_dir
        self._finish(result)
        return self

    def _finish(self, result: FitResult) -> None:
        self.module_ = result.model.eval()
        self.fit_metrics_ = dict(result.metrics)

    def _check_fitted(self) -> None:
        if not hasattr(self, "module_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    @torch.no_grad()
    def _forward_batches(
        self, x: torch.Tensor, batch_size: int = 256,
        fn: Callable[[L.LightningModule, torch.Tensor], torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Eval-mode forward of ``x`` in batches (spiking states reset per batch), concatenated.

        Parameters
        ----------
        x : torch.Tensor, shape (n_samples, ...)
        batch_size : int, default 256
        fn : callable, optional
            ``fn(module, xb) -> Tensor`` instead of ``module(xb)``.
        """
        from neurokit.snn.base import reset_states

        self._check_fitted()
        module = self.module_.eval()
        outs = []
        for start in range(0, len(x), int(batch_size)):
            xb = x[start:start + int(batch_size)]
            reset_states(module)
            outs.append(fn(module, xb) if fn is not None else module(xb))
        return torch.cat(outs) if outs else torch.empty(0)

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write parameters, fitted attributes and weights to ``path`` (atomically).

        Returns
        -------
        pathlib.Path
        """
        self._check_fitted()
        params = {k: v for k, v in self.get_params(deep=False).items()
                  if k not in ("run_dir",)}
        payload = {
            "format": _FORMAT,
            "class": class_path(type(self)),
            "params": _encode(params, "params"),
            "fitted": _encode({a: getattr(self, a) for a in self._fitted_attrs}, "fitted"),
            "state_dict": self.module_.state_dict(),
        }
        with atomic_path(path) as tmp:
            torch.save(payload, tmp)
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> LightningEstimator:
        """Read an estimator written by :meth:`save` (tensors and plain containers only).

        Raises
        ------
        neurokit.errors.PathNotFoundError
        neurokit.errors.CheckpointError
            Not an estimator file, or one written by another class.
        """
        path = Path(path)
        if not path.is_file():
            raise PathNotFoundError("no such estimator file", path=path)
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # noqa: BLE001 - any unreadable file is reported the same way
            raise CheckpointError(f"not a readable estimator file: {err}"[:300], path=path,
                                  expected="a file written by LightningEstimator.save") from err
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise CheckpointError("not a neurokit estimator file", path=path, field="format",
                                  expected=_FORMAT, found=repr(payload.get("format"))
                                  if isinstance(payload, dict) else type(payload).__name__)
        if payload.get("class") != class_path(cls):
            raise CheckpointError("estimator file of another class", path=path, field="class",
                                  expected=class_path(cls), found=repr(payload.get("class")))
        est = cls(**_decode(payload["params"]))
        for name, value in _decode(payload["fitted"]).items():
            setattr(est, name, value)
        module = est._build_module()
        module.load_state_dict(payload["state_dict"])
        est.module_ = module.eval()
        est.fit_metrics_ = {}
        est.run_dir_ = None
        return est


# -- plain-container encoding of numpy values (weights_only loading forbids numpy objects) ---
def _encode(value: Any, field: str) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return {"__ndarray__": torch.from_numpy(np.ascontiguousarray(value))}
        return {"__ndarray_list__": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _encode(v, f"{field}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_encode(v, field) for v in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if value is None or isinstance(value, (bool, int, float, str, torch.Tensor)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise ConfigError("cannot store this value in an estimator file", field=field,
                      expected="numbers, strings, lists, dicts, numpy arrays or tensors",
                      found=type(value).__name__)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return value["__ndarray__"].numpy()
        if "__ndarray_list__" in value:
            return np.asarray(value["__ndarray_list__"], dtype=np.dtype(value["dtype"]))
        if "__tuple__" in value:
            return tuple(_decode(v) for v in value["__tuple__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value
