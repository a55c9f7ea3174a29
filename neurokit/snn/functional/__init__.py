"""State-less functional kernels: whole sequences in, spikes and final state out."""

from neurokit.snn.functional.lif import (
    BACKENDS,
    check_backend,
    lif_coefficients,
    multistep_lif,
    multistep_plif,
)

__all__ = ["multistep_lif", "multistep_plif", "lif_coefficients", "BACKENDS", "check_backend"]
