"""Numbered progress lines on stdout, flushed at once (readable in CI logs and terminals)."""

from __future__ import annotations

import time


class Progress:
    """Print ``[k/n] message (elapsed)`` lines for a job of ``n`` steps.

    Examples
    --------
    >>> p = Progress(2)
    >>> p.step("simulating")  # doctest: +ELLIPSIS
    [1/2] simulating (0.0 s)
    """

    def __init__(self, n_steps: int) -> None:
        self.n_steps = n_steps
        self.done = 0
        self.t0 = time.perf_counter()

    def step(self, message: str) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.t0
        print(f"[{self.done}/{self.n_steps}] {message} ({elapsed:.1f} s)", flush=True)
