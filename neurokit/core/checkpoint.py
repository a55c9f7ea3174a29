"""Safe checkpoint loading: tensors and plain containers only, never arbitrary pickles."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import torch
from torch import nn

from neurokit.core.module import CLASS_KEY, class_path
from neurokit.errors import CheckpointError, PathNotFoundError

__all__ = ["load_checkpoint", "check_state_dict"]


def load_checkpoint(
    path: str | os.PathLike, expected_cls: type | None = None
) -> dict[str, Any]:
    """Read a Lightning checkpoint with ``torch.load(weights_only=True)`` and check it.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.ckpt`` file.
    expected_cls : type, optional
        The model class the checkpoint must come from (compared with the ``"module:Class"``
        neurokit stores in every checkpoint).

    Returns
    -------
    dict
        The checkpoint (``state_dict``, ``hyper_parameters``, ``epoch``, ``global_step``...).

    Raises
    ------
    neurokit.errors.PathNotFoundError
        No such file.
    neurokit.errors.CheckpointError
        Not a checkpoint, one holding pickled objects other than tensors and plain containers,
        or one from another model class.

    Examples
    --------
    >>> import tempfile, torch
    >>> f = tempfile.NamedTemporaryFile(suffix=".ckpt", delete=False).name
    >>> torch.save({"state_dict": {"w": torch.ones(1)}}, f)
    >>> sorted(load_checkpoint(f))
    ['state_dict']
    """
    path = Path(path)
    if not path.is_file():
        raise PathNotFoundError("no such checkpoint", path=path)
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            "refusing to load a checkpoint holding arbitrary Python objects", path=path,
            expected="tensors and plain containers only (torch.load weights_only=True)",
            found=str(err).splitlines()[0][:200]) from err
    except (RuntimeError, EOFError, OSError, ValueError) as err:
        raise CheckpointError(f"not a readable checkpoint: {err}", path=path,
                              expected="a file written by torch.save / Lightning") from err
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get("state_dict"), dict):
        raise CheckpointError("not a model checkpoint", path=path, field="state_dict",
                              expected="a dict with a 'state_dict'",
                              found=type(ckpt).__name__ if not isinstance(ckpt, dict)
                              else f"keys {sorted(map(str, ckpt))}")
    if expected_cls is not None:
        found = ckpt.get(CLASS_KEY)
        if found != class_path(expected_cls):
            raise CheckpointError(
                "checkpoint of another model", path=path, field=CLASS_KEY,
                expected=class_path(expected_cls),
                found=repr(found) if found is not None else "no neurokit model class")
    return ckpt


def check_state_dict(model: nn.Module, ckpt: dict[str, Any], path: str | None = None) -> None:
    """Raise CheckpointError unless ``ckpt["state_dict"]`` has exactly the keys and shapes of
    ``model.state_dict()``.

    Examples
    --------
    >>> net = torch.nn.Linear(2, 1)
    >>> check_state_dict(net, {"state_dict": net.state_dict()})
    """
    own = model.state_dict()
    theirs = ckpt["state_dict"]
    missing = sorted(set(own) - set(theirs))
    extra = sorted(set(theirs) - set(own))
    shapes = [k for k in set(own) & set(theirs)
              if tuple(getattr(theirs[k], "shape", ())) != tuple(own[k].shape)]
    if missing or extra or shapes:
        parts = []
        if missing:
            parts.append(f"missing {missing[:5]}")
        if extra:
            parts.append(f"unexpected {extra[:5]}")
        if shapes:
            k = sorted(shapes)[0]
            parts.append(f"{len(shapes)} shape mismatch(es), e.g. {k}: "
                         f"{tuple(theirs[k].shape)} vs {tuple(own[k].shape)}")
        raise CheckpointError("checkpoint weights do not fit this model", path=path,
                              field="state_dict",
                              expected=f"the parameters of {type(model).__name__}",
                              found="; ".join(parts))
