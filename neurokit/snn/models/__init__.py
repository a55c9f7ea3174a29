"""SNN architectures from the deep-SNN literature, each buildable by name.

See :data:`MODELS` for the names; ``build_model("sew_resnet", ...)`` builds one. Every model
takes time-major input ``[T, B, ...]``, returns ``[T', B, n_outputs]`` and has a classmethod
``example()`` giving a tiny instance and a matching input (used by the registry test).
"""

from neurokit.snn.models._registry import MODELS, build_model, get_model_class, list_models

__all__ = ["MODELS", "build_model", "get_model_class", "list_models"]
