"""State-less functional kernels: whole sequences in, spikes and final state out."""

from neurokit.snn.functional.lif import lif_coefficients, multistep_lif

__all__ = ["multistep_lif", "lif_coefficients"]
