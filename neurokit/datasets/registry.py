"""The dataset registry: what data neurokit knows about, where it lives, how to load it.

The registry is a JSON list in ``data/registry.json`` at the repository root (or the file named by
the environment variable ``NEUROKIT_REGISTRY``). Each entry has

* ``name`` — unique key;
* ``kind`` — ``"simulator"`` (a neurokit function writes it), ``"shared"`` (real recordings in the
  shared data folder beside the repo) or ``"remote"`` (to be downloaded);
* ``modality``, ``description``, ``citation`` — text;
* ``loader`` — dotted name of the neurokit function that reads it (e.g. ``neurokit.io.read_nwb``);
* ``location`` — for ``"shared"``, a path relative to the repository root (the parent of the folder
  holding ``registry.json``), e.g. ``../shared/data/…``, never absolute; for ``"simulator"``, the
  dotted name of the simulator; for ``"remote"``, a URL.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from neurokit.errors import FileFormatError, MissingDataError, SchemaError

__all__ = ["list_datasets", "dataset_info", "resolve", "registry_path"]

#: environment variable naming another registry file
REGISTRY_ENV = "NEUROKIT_REGISTRY"
FIELDS = ("name", "kind", "modality", "description", "loader", "citation", "location")
KINDS = ("simulator", "shared", "remote")


def registry_path() -> Path:
    """Path of the registry file: ``$NEUROKIT_REGISTRY`` or ``<repo>/data/registry.json``.

    Returns
    -------
    path : pathlib.Path
        Whether or not it exists.

    Examples
    --------
    >>> registry_path().name
    'registry.json'
    """
    override = os.environ.get(REGISTRY_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "data" / "registry.json"


def list_datasets() -> pd.DataFrame:
    """Every dataset in the registry, one row each.

    Returns
    -------
    table : pandas.DataFrame
        Indexed by ``name``; columns ``kind``, ``modality``, ``description``, ``loader``,
        ``citation``, ``location``.

    Raises
    ------
    neurokit.errors.MissingDataError
        When the registry file is absent.
    neurokit.errors.FileFormatError
        When it is not JSON.
    neurokit.errors.SchemaError
        When an entry misses a field, has an unknown kind, a duplicate name or an absolute location.

    Examples
    --------
    >>> table = list_datasets()
    >>> "sim_ophys_gratings" in table.index
    True
    """
    entries = _load()
    return pd.DataFrame(entries, columns=list(FIELDS)).set_index("name")


def dataset_info(name: str) -> dict[str, str]:
    """The registry entry of one dataset.

    Parameters
    ----------
    name : str
        Dataset name (see :func:`list_datasets`).

    Returns
    -------
    info : dict of str to str
        ``name``, ``kind``, ``modality``, ``description``, ``loader``, ``citation``, ``location``.

    Raises
    ------
    neurokit.errors.MissingDataError
        When no dataset has that name (or the registry file is absent).

    Examples
    --------
    >>> dataset_info("sim_ecephys_latents")["kind"]
    'simulator'
    """
    return dict(_entry(name))


def resolve(name: str) -> Path:
    """Local path of a ``"shared"`` dataset (a file or a folder, as its loader expects).

    Parameters
    ----------
    name : str
        Dataset name.

    Returns
    -------
    path : pathlib.Path
        Absolute path, ``<repo root>/<location>`` normalised.

    Raises
    ------
    neurokit.errors.MissingDataError
        When the name is unknown, the data are not on this machine, or the dataset has no local
        path (a simulator: call the function named in ``location``; a remote dataset: download
        it first).

    Examples
    --------
    >>> resolve("suite2p_fissa_example").name  # doctest: +SKIP
    'plane0'
    """
    entry = _entry(name)
    if entry["kind"] == "simulator":
        raise MissingDataError(
            "simulated dataset: no file until you simulate it",
            field=name,
            expected=f"a call to {entry['location']}(path) to write one",
        )
    if entry["kind"] == "remote":
        raise MissingDataError(
            "remote dataset: not on this machine",
            field=name,
            expected=f"a download of {entry['location']}",
        )
    path = Path(os.path.normpath(registry_path().resolve().parents[1] / entry["location"]))
    if not path.exists():
        raise MissingDataError(
            "shared data not found on this machine",
            path=path,
            field=name,
            expected="the shared data folder beside the repository",
        )
    return path


def _entry(name: str) -> dict[str, str]:
    entries = _load()
    for entry in entries:
        if entry["name"] == name:
            return entry
    raise MissingDataError(
        "no such dataset in the registry",
        path=registry_path(),
        field=name,
        expected="one of " + ", ".join(e["name"] for e in entries),
    )


def _load() -> list[dict[str, str]]:
    path = registry_path()
    if not path.is_file():
        raise MissingDataError(
            "dataset registry not found",
            path=path,
            expected=f"data/registry.json in the repository or a file named by ${REGISTRY_ENV}",
        )
    try:
        entries: Any = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise FileFormatError(
            "not a JSON file", path=path, expected="a JSON list", found=str(err)
        ) from err
    if not isinstance(entries, list):
        raise SchemaError(
            "bad registry",
            path=path,
            expected="a JSON list of entries",
            found=type(entries).__name__,
        )
    names: set[str] = set()
    for i, entry in enumerate(entries):
        _check_entry(entry, i, path)
        if entry["name"] in names:
            raise SchemaError(
                "duplicate dataset name", path=path, field=f"[{i}].name", found=entry["name"]
            )
        names.add(entry["name"])
    return entries


def _check_entry(entry: Any, i: int, path: Path) -> None:
    if not isinstance(entry, dict):
        raise SchemaError("bad registry entry", path=path, field=f"[{i}]", expected="a JSON object")
    for key in FIELDS:
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise SchemaError(
                "registry entry misses a field",
                path=path,
                field=f"[{i}].{key}",
                expected="a non-empty string",
            )
    if entry["kind"] not in KINDS:
        raise SchemaError(
            "unknown dataset kind",
            path=path,
            field=f"[{i}].kind",
            expected=" or ".join(KINDS),
            found=entry["kind"],
        )
    if entry["kind"] == "shared" and Path(entry["location"]).is_absolute():
        raise SchemaError(
            "absolute location",
            path=path,
            field=f"[{i}].location",
            expected="a path relative to the repository root",
            found=entry["location"],
        )
