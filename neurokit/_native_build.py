"""Build small C++ kernels on first use and load them with ctypes (no torch headers, no pybind).

One ``g++ -O3`` call per kernel (about a second); the shared library is cached in
``$NEUROKIT_CACHE`` (default ``~/.cache/neurokit``) under a name hashing the source, the flags,
the compiler and the CPU (``-march=native``), and written atomically, so concurrent builders
(DDP workers, pytest-xdist) end with one good file. Used by the SNN engine's LIF kernel and the
similarity package's rank kernels; each caller keeps a pure-numpy/torch fallback for machines
without a compiler.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

from neurokit.errors import ConfigError

__all__ = ["DEFAULT_FLAGS", "build_library", "compiler"]

DEFAULT_FLAGS = ("-O3", "-march=native", "-ffp-contract=off", "-std=c++17", "-shared", "-fPIC")


def compiler() -> str | None:
    """The C++ compiler to use: ``$CXX``, else ``g++`` or ``c++`` on ``PATH`` (None if none)."""
    return os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++")


def _cpu_signature() -> str:
    """The CPU the library is built for (``-march=native``): model and feature flags."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        wanted = [ln for ln in lines if ln.startswith(("model name", "flags"))][:2]
        return "\n".join(wanted)
    except OSError:
        return platform.processor() or platform.machine()


def cache_dir() -> Path:
    """Folder of the built libraries: ``$NEUROKIT_CACHE`` or ``~/.cache/neurokit``."""
    return Path(os.environ.get("NEUROKIT_CACHE", Path.home() / ".cache" / "neurokit"))


def build_library(name: str, source: str, flags: tuple[str, ...] = DEFAULT_FLAGS,
                  *, field: str = "backend") -> ctypes.CDLL:
    """Compile ``source`` (first call for this source/flags/CPU) or load the cached library.

    Parameters
    ----------
    name : str
        Stem of the library file (``{name}_{hash}.so``).
    source : str
        C++ source exporting ``extern "C"`` functions.
    flags : tuple of str
        Compiler flags (must make a shared library).
    field : str
        Configuration field named by the error when no compiler works.

    Returns
    -------
    ctypes.CDLL
        The loaded library; callers set ``argtypes``/``restype`` of its functions.

    Raises
    ------
    neurokit.errors.ConfigError
        No C++ compiler is found, or the build fails (the compiler's message is included).

    Examples
    --------
    >>> lib = build_library("nk_doc_example", 'extern "C" int nk_two() { return 2; }')
    >>> lib.nk_two()
    2
    """
    cxx = compiler()
    if cxx is None:
        raise ConfigError(f"building the C++ kernel {name!r} needs a C++ compiler", field=field,
                          expected="g++ or c++ on PATH, or $CXX", found="no compiler")
    key = hashlib.sha256("\0".join([source, *flags, cxx, _cpu_signature()]).encode())
    folder = cache_dir()
    library = folder / f"{name}_{key.hexdigest()[:16]}.so"
    if not library.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            source_file = Path(tmp) / f"{name}.cpp"
            source_file.write_text(source)
            built = Path(tmp) / library.name
            done = subprocess.run([cxx, *flags, str(source_file), "-o", str(built)],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise ConfigError(f"building the C++ kernel {name!r} failed", field=field,
                                  expected="a working C++17 compiler",
                                  found=done.stderr.strip()[-500:])
            os.replace(built, library)  # atomic: concurrent builders end with one good file
    return ctypes.CDLL(str(library))
