"""State shared while one NWB file is converted: the source, the lazy policy, what was skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import xarray as xr


class Unrepresentable(Exception):
    """An NWB object (or column) that the tree cannot hold; the message says why.

    Converters raise it; the walker catches it and records the object in ``attrs["skipped"]``.
    """


@dataclass
class ReadContext:
    """What the converters of one ``read_nwb`` call share.

    Parameters
    ----------
    path : pathlib.Path
        Absolute path of the NWB file being read.
    lazy : bool or "auto"
        True: every TimeSeries ``data`` becomes a dask array; False: all read eagerly; "auto":
        only datasets larger than ``lazy_threshold_bytes``.
    lazy_threshold_bytes : float
        Size above which ``lazy="auto"`` keeps a dataset lazy.
    skipped : list of str
        ``"<nwb path> (<why>)"`` for everything the tree does not (fully) represent.
    element_cache : dict
        Per-row coordinates already computed for a table (PlaneSegmentation, electrodes),
        keyed by the table's ``id()`` and the dim name.
    manager : hdmf.build.BuildManager, optional
        The reader's build manager, to look up where each object lives in the file.
    current : str
        NWB path of the object being converted (named in errors).
    """

    path: Path
    lazy: bool | Literal["auto"] = "auto"
    lazy_threshold_bytes: float = 64e6
    skipped: list[str] = field(default_factory=list)
    element_cache: dict[tuple[int, str], xr.Dataset] = field(default_factory=dict)
    manager: Any = None
    current: str = "/"

    @property
    def source_file(self) -> str:
        """The file path as stored in ``attrs["source_file"]``."""
        return str(self.path)

    def skip(self, where: str, why: str) -> None:
        """Record that ``where`` (an NWB path) is not in the tree, and why."""
        self.skipped.append(f"{where.strip('/')} ({why})")

    def wants_lazy(self, nbytes: int) -> bool:
        """Whether a dataset of ``nbytes`` bytes stays lazy under this policy."""
        if self.lazy == "auto":
            return nbytes > self.lazy_threshold_bytes
        return bool(self.lazy)

    def nwb_path(self, container: Any) -> str:
        """Absolute HDF5 path of a pynwb container, e.g. ``"/processing/ophys/Fluorescence"``."""
        builder = None if self.manager is None else self.manager.get_builder(container)
        if builder is None:
            return f"/{container.name}"
        parts = builder.path.split("/")
        return "/" + "/".join(parts[1:])  # drop the builder root's own name ("root")
