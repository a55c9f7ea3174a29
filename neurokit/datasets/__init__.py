"""Ground-truth simulators that write real NWB files, and the dataset registry.

* :func:`simulate_ophys_session` — orientation-tuned two-photon session -> NWB + ground truth
* :func:`simulate_ecephys_session` — latent-dynamics Poisson units with trials -> NWB + ground truth
* :func:`spikes_to_calcium`, :func:`kernel_peak_time` — the calcium kernel of the ophys simulator
* :func:`write_suite2p_folder` — traces in suite2p's output layout (for tests and examples)
* :func:`simulate_delay_task` — spike-timing task whose classes differ only by an input lag
  (ground truth for learnable synaptic delays)
* :func:`list_datasets`, :func:`dataset_info`, :func:`resolve` — the registry
  (``data/registry.json``)

pynwb is imported inside the simulators, so ``import neurokit.datasets`` stays light.
"""

from neurokit.datasets.calcium import kernel_peak_time, spikes_to_calcium
from neurokit.datasets.delay_task import simulate_delay_task
from neurokit.datasets.ecephys import simulate_ecephys_session
from neurokit.datasets.ophys import simulate_ophys_session
from neurokit.datasets.registry import dataset_info, list_datasets, resolve
from neurokit.datasets.suite2p_folder import write_suite2p_folder

__all__ = [
    "simulate_ophys_session",
    "simulate_ecephys_session",
    "spikes_to_calcium",
    "kernel_peak_time",
    "list_datasets",
    "dataset_info",
    "resolve",
    "write_suite2p_folder",
    "simulate_delay_task",
]
