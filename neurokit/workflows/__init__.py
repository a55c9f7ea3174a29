"""End-to-end jobs built from neurokit's parts; ``neurokit run`` calls :func:`run_main_job`."""

from neurokit.workflows.main_job import run_main_job

__all__ = ["run_main_job"]
