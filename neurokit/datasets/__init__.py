"""Ground-truth simulators that write real NWB files, and the dataset registry.

* :func:`simulate_ophys_session` — orientation-tuned two-photon session -> NWB + ground truth
* :func:`simulate_ecephys_session` — latent-dynamics Poisson units with trials -> NWB + ground truth
* :func:`spikes_to_calcium`, :func:`kernel_peak_time` — the calcium kernel of the ophys simulator
* :func:`write_suite2p_folder` — traces in suite2p's output layout (for tests and examples)
* :func:`simulate_delay_task` — spike-timing task whose classes differ only by an input lag
  (ground truth for learnable synaptic delays)
* :func:`simulate_layer_readout`, :func:`readout_network` — simulated "cortical areas", each a
  noisy linear readout of one layer of a fixed random CNN (ground truth for layer x region RSA)
* :func:`load_allen_natural_scenes`, :func:`load_kriegeskorte92` — readers of two real visual
  benchmarks (mouse VISp natural scenes; the 92 objects with macaque and human IT RDMs)
* :func:`simulate_motor_imagery` — left/right-hand motor-imagery EEG (contralateral mu/beta
  desynchronisation over C3/C4) written as real FIF/EDF files, events like PhysioNet EEGMMIDB
* :func:`simulate_ssvep` — SSVEP at known frequencies/phases with harmonics, per-subject
  spatial patterns and latencies, in pink + white noise at an exact SNR
* :func:`simulate_meg_embedding` — MEG whose sources are linear functions of known embeddings
  (per-subject lead fields on a real sensor layout)
* :func:`simulate_multimodal_gp` — Poisson spikes and rotating/scaling digit images from known
  shared and modality-specific GP latents (MM-GPVAE ground truth)
* :func:`simulate_content_style` — a population driven by stimulus identity (content) and a
  slow state (style) (TiDe-SwapVAE ground truth)
* :func:`simulate_spiking_circuit` — a coupled Poisson circuit with known directed connectivity,
  hub neurons, stimulus drive and behaviour (Neuroformer ground truth)
* :func:`list_datasets`, :func:`dataset_info`, :func:`resolve` — the registry
  (``data/registry.json``)

pynwb is imported inside the simulators, so ``import neurokit.datasets`` stays light.
"""

from neurokit.datasets.calcium import kernel_peak_time, spikes_to_calcium
from neurokit.datasets.content_style import simulate_content_style
from neurokit.datasets.delay_task import simulate_delay_task
from neurokit.datasets.ecephys import simulate_ecephys_session
from neurokit.datasets.layer_readout import readout_network, simulate_layer_readout
from neurokit.datasets.meg_embedding import sensor_layout, simulate_meg_embedding
from neurokit.datasets.motor_imagery import MOTOR_IMAGERY_CHANNELS, simulate_motor_imagery
from neurokit.datasets.multimodal_gp import simulate_multimodal_gp
from neurokit.datasets.ophys import simulate_ophys_session
from neurokit.datasets.registry import dataset_info, list_datasets, resolve
from neurokit.datasets.spiking_circuit import simulate_spiking_circuit
from neurokit.datasets.ssvep import simulate_ssvep
from neurokit.datasets.suite2p_folder import write_suite2p_folder
from neurokit.datasets.visual_benchmarks import load_allen_natural_scenes, load_kriegeskorte92

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
    "simulate_layer_readout",
    "readout_network",
    "load_allen_natural_scenes",
    "load_kriegeskorte92",
    "simulate_motor_imagery",
    "MOTOR_IMAGERY_CHANNELS",
    "simulate_ssvep",
    "simulate_meg_embedding",
    "sensor_layout",
    "simulate_multimodal_gp",
    "simulate_content_style",
    "simulate_spiking_circuit",
]
