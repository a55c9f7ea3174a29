r"""Layer activations of any torch network as labelled ``(stimulus, feature)`` arrays.

:func:`extract_activations` puts a forward hook on each named layer, runs the stimuli through
the network in batches (under :func:`torch.no_grad` and in eval mode, the training flags
restored afterwards) and returns one DataArray per layer:

* **non-spiking networks**: one forward pass per batch; row ``s`` is the layer output for
  stimulus ``s`` flattened in C order (``feature`` index ``= np.ravel_multi_index`` of the
  per-stimulus output shape, kept in ``attrs["layer_shape"]``);
* **spiking networks, static images** (``mode="static"``): each image is encoded over ``T``
  time steps (``encoder="direct"``: repeated unchanged), fed time-major ``[T, B, ...]`` with the
  state reset before every batch (so every image starts from the reset state: no image sees
  another's), and the layer output ``[T, B, ...]`` is reduced over time,

  .. math:: a_{s,f} = \frac{1}{T}\sum_{t=0}^{T-1} o_{t,s,f} \quad (\texttt{reduce="mean"}),

  i.e. the firing rate in spikes per time step for a spiking layer (``reduce="sum"``: the spike
  count);
* **movies** (``mode="movie"``): one frame per time step, the state reset once at the start and
  kept across frames (the frames run in chunks of ``batch_size`` steps, the state carried from
  one chunk to the next): one row per frame, dims ``(time, feature)``.

A network counts as spiking when its module tree holds a
:class:`neurokit.snn.base.StatefulModule` (every neurokit neuron and architecture) or when
``time_steps`` is given (a network from another library: then pass ``reset=`` to reset its
state).
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Literal

import numpy as np
import xarray as xr

from neurokit._optional import soft_import
from neurokit.errors import ConfigError, InvalidValueError, MissingDataError, SchemaError

torch = soft_import("torch", "extracting layer activations from a network")

from torch import nn  # noqa: E402

from neurokit.snn.base import StatefulModule, reset_states  # noqa: E402
from neurokit.snn.encoding import direct_encode, latency_encode, poisson_encode  # noqa: E402

__all__ = ["extract_activations", "layer_names", "LAYER_KINDS"]

Mode = Literal["static", "movie"]
Encoder = Literal["direct", "poisson", "latency"] | Callable[[Any, int], Any]

#: ``kind`` values of :func:`layer_names`
LAYER_KINDS = ("spiking", "stateful", "conv", "linear", "weighted", "leaf")
_REDUCTIONS = ("mean", "sum")
_ENCODERS = ("direct", "poisson", "latency")


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------

def extract_activations(
    model: nn.Module,
    stimuli: xr.DataArray | np.ndarray | Any,
    layers: str | Iterable[str],
    *,
    batch_size: int = 64,
    time_steps: int | None = None,
    mode: Mode = "static",
    encoder: Encoder = "direct",
    reduce: Literal["mean", "sum"] = "mean",
    progress: bool | None = None,
    device: str | Any | None = None,
    frame_rate: float | None = None,
    seed: int = 0,
    reset: Callable[[nn.Module], None] | None = None,
) -> dict[str, xr.DataArray]:
    r"""Representations of ``stimuli`` at named layers of ``model``, one DataArray per layer.

    Parameters
    ----------
    model : torch.nn.Module
        Any network. Non-spiking: takes ``[B, *sample]`` (e.g. ``[B, C, H, W]``). Spiking
        (neurokit architectures): takes time-major ``[T, B, *sample]`` in multi-step mode, or
        one step ``[B, *sample]`` when the network (or every neuron in it) is in single-step
        mode; then it is called once per time step.
    stimuli : xarray.DataArray, numpy.ndarray or torch.Tensor
        ``mode="static"``: images with a ``stimulus`` dim (moved first; the other dims are the
        per-sample layout the network expects, e.g. ``(stimulus, channel, y, x)``), or an array
        ``(n_stimuli, *sample)`` (stimulus labels ``0..n-1``). ``mode="movie"``: one movie with
        a ``time`` or ``frame`` dim (moved first), or an array ``(n_frames, *sample)``.
    layers : str or iterable of str
        Layer names as in ``model.named_modules()`` (e.g. ``"stages.1.0.sn2"``).
    batch_size : int
        Stimuli per forward pass (static), or frames per chunk (movie). Results do not depend
        on it.
    time_steps : int, optional
        Static mode: steps ``T`` each image is presented for (required for a spiking network;
        giving it treats any network as spiking and feeds ``[T, B, ...]``). Movie mode: steps
        per frame (default 1); the per-frame row is reduced over them.
    mode : {"static", "movie"}
        See the module docstring. A non-spiking network in movie mode treats each frame as an
        independent stimulus.
    encoder : {"direct", "poisson", "latency"} or callable
        How an image becomes a ``[T, B, ...]`` sequence: ``"direct"`` repeats the analog image
        at every step; ``"poisson"`` draws Bernoulli(pixel) spikes (pixels must lie in [0, 1];
        the draws of stimulus/frame ``i`` are seeded by ``(seed, i)``, so they do not depend on
        ``batch_size``); ``"latency"``: time-to-first-spike code (see
        :mod:`neurokit.snn.encoding`); a callable ``f(x [B, ...], T) -> [T, B, ...]``.
    reduce : {"mean", "sum"}
        Reduction over the time steps of one image (or one frame): mean (firing rate in
        spikes/step for a spiking layer) or sum (spike count).
    progress : bool, optional
        Show a tqdm progress bar; default: only when stderr is a terminal (and tqdm is
        installed).
    device : str or torch.device, optional
        Where the inputs go; default the device of the model's first parameter (the model is
        not moved).
    frame_rate : float, optional
        Movie mode, array input (or a DataArray without a ``time`` coordinate): frames per
        second, giving the ``time`` coordinate in seconds. Without it ``time`` holds the frame
        index (``attrs["units"] = "frame"`` on the coordinate).
    seed : int
        Seed of the ``"poisson"`` encoder.
    reset : callable, optional
        ``reset(model)`` puts the network back to its initial state; default
        :func:`neurokit.snn.base.reset_states`. Called before every batch (static), once before
        the movie, and once at the end (so the network is left reset).

    Returns
    -------
    dict of str to xarray.DataArray
        In the order of ``layers``. Each float64 DataArray has dims ``("stimulus", "feature")``
        (movie: ``("time", "feature")``), the stimulus (frame) labels and every other
        coordinate on that dim, ``feature`` = ``0..n_features-1``, and attrs ``layer``,
        ``layer_shape`` (per-sample output shape, without time and batch), ``mode``,
        ``time_steps`` (steps per stimulus or frame; 1 for a non-spiking network),
        ``reduction`` (in words), ``model`` (class name) and ``units`` (``"spikes/step"`` for
        the mean of a spiking layer, ``"spikes"`` for its sum, else ``"a.u."``).

    Raises
    ------
    MissingDataError
        A layer name that is not in ``model.named_modules()`` (the message lists close matches),
        or a layer the forward pass never calls.
    ConfigError
        Bad ``batch_size``/``time_steps``/``mode``/``encoder``/``reduce``; a spiking network in
        static mode without ``time_steps``.
    SchemaError
        Stimuli without the ``stimulus`` (movie: ``time``/``frame``) dim or empty; a layer
        output whose leading dims are neither ``[T, B]``, ``[T*B]`` nor ``[B]``.
    InvalidValueError
        NaN/inf in the stimuli.

    Notes
    -----
    A layer whose module is called several times in one forward pass of a spiking network (a
    model that loops over time inside, calling the layer with ``[B, ...]`` or ``[1, B, ...]``
    per step) contributes one time step per call. Layers inside
    :class:`~neurokit.snn.layers.TimeDistributed` see ``[T*B, ...]``; their output is unfolded
    back to ``[T, B, ...]``. A tuple output (e.g. an attention module) contributes its first
    tensor.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten())
    >>> acts = extract_activations(net, np.random.rand(5, 1, 6, 6), ["1"], progress=False)
    >>> acts["1"].dims, acts["1"].shape, acts["1"].attrs["layer_shape"].tolist()
    (('stimulus', 'feature'), (5, 32), [2, 4, 4])

    A spiking network, images repeated over 4 steps, firing rates per image:

    >>> from neurokit.snn.models.vgg import SpikingVGG
    >>> snn, _ = SpikingVGG.example()
    >>> rates = extract_activations(snn, np.random.rand(3, 1, 8, 8), "features.2",
    ...                             time_steps=4, progress=False)["features.2"]
    >>> rates.shape, rates.attrs["units"], bool(((rates >= 0) & (rates <= 1)).all())
    ((3, 256), 'spikes/step', True)
    """
    if not isinstance(model, nn.Module):
        raise SchemaError("model must be a torch.nn.Module", field="model",
                          expected="a torch.nn.Module", found=type(model).__name__)
    modules = _resolve_layers(model, layers)
    batch_size = _positive_int(batch_size, "batch_size")
    if mode not in ("static", "movie"):
        raise ConfigError("unknown mode", field="mode", expected="'static' or 'movie'",
                          found=repr(mode))
    if reduce not in _REDUCTIONS:
        raise ConfigError("unknown time reduction", field="reduce",
                          expected="'mean' or 'sum'", found=repr(reduce))
    if time_steps is not None:
        time_steps = _positive_int(time_steps, "time_steps")
    if not (callable(encoder) or encoder in _ENCODERS):
        raise ConfigError("unknown encoder", field="encoder",
                          expected="'direct', 'poisson', 'latency' or a callable",
                          found=repr(encoder))
    spiking = time_steps is not None or any(isinstance(m, StatefulModule)
                                            for m in model.modules())
    if spiking and mode == "static" and time_steps is None:
        raise ConfigError("a spiking network needs the number of time steps per image",
                          field="time_steps", expected="an int >= 1 (e.g. the T it was "
                          "trained with)", found="None")
    steps = 1 if not spiking else (time_steps or 1)
    reset_fn = reset if reset is not None else reset_states

    sample_dim = "stimulus" if mode == "static" else "time"
    values, coords = _stimulus_array(stimuli, mode, frame_rate)
    device = _model_device(model) if device is None else torch.device(device)
    dtype = _model_dtype(model)
    runner = _Runner(model, modules, spiking=spiking, steps=steps, single=_is_single_step(model),
                     encoder=encoder, seed=seed, reset=reset_fn, reduce=reduce)
    n = values.shape[0]
    starts = range(0, n, batch_size)
    bar = _progress_bar(progress, len(starts), "movie chunks" if mode == "movie" else "batches")
    parts: dict[str, list[np.ndarray]] = {name: [] for name in modules}
    flags = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with torch.no_grad():
            if spiking and mode == "movie":
                reset_fn(model)
            for start in starts:
                x = torch.as_tensor(values[start:start + batch_size]).to(device=device,
                                                                        dtype=dtype)
                if not spiking:
                    out = runner.run_ann(x)
                elif mode == "static":
                    out = runner.run_static(x, start)
                else:
                    out = runner.run_movie_chunk(x, start)
                for name, rows in out.items():
                    parts[name].append(rows)
                if bar is not None:
                    bar.update(1)
    finally:
        runner.remove()
        for module, flag in flags:
            module.training = flag
        if spiking:
            reset_fn(model)
        if bar is not None:
            bar.close()
    return {name: _to_dataarray(name, modules[name], parts[name], runner.shapes[name], coords,
                                sample_dim=sample_dim, mode=mode, spiking=spiking,
                                steps=steps, reduce=reduce, encoder=encoder,
                                model=model)
            for name in modules}


def layer_names(
    model: nn.Module,
    kind: str | Callable[[nn.Module], bool] | None = None,
    *,
    example_input: Any = None,
) -> list[str]:
    """Names of the candidate layers of ``model`` (for a score-versus-depth analysis).

    Parameters
    ----------
    model : torch.nn.Module
        Any network.
    kind : str or callable, optional
        Which modules: ``"spiking"`` (modules that emit spikes: neurokit neurons),
        ``"stateful"`` (innermost :class:`~neurokit.snn.base.StatefulModule`\\ s),
        ``"conv"`` (convolutions), ``"linear"`` (``nn.Linear``), ``"weighted"`` (conv or
        linear), ``"leaf"`` (modules without children), or a predicate ``f(module) -> bool``.
        Default: ``"spiking"`` when the network has spiking modules, else ``"weighted"``.
    example_input : optional
        An input of ``model``: when given, the names are ordered by when the forward pass first
        calls each module (modules it never calls are left out); otherwise by definition order
        (``named_modules``), which is the forward order for sequential architectures.

    Returns
    -------
    list of str
        Module names usable as ``layers`` in :func:`extract_activations`.

    Raises
    ------
    ConfigError
        Unknown ``kind``.

    Examples
    --------
    >>> import torch
    >>> from neurokit.snn.models.sew_resnet import SEWResNet
    >>> net, x = SEWResNet.example()
    >>> layer_names(net)[:2]
    ['stem.2', 'stages.0.0.residual.2']
    >>> layer_names(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(),
    ...                                 torch.nn.Flatten(), torch.nn.Linear(8, 3)))
    ['0', '3']
    """
    if kind is None:
        kind = "spiking" if any(getattr(m, "emits_spikes", False)
                                for m in model.modules()) else "weighted"
    if callable(kind):
        keep = kind
    elif kind in LAYER_KINDS:
        keep = _KIND_PREDICATES[kind]
    else:
        raise ConfigError("unknown layer kind", field="kind",
                          expected="one of " + ", ".join(LAYER_KINDS) + " or a callable",
                          found=repr(kind))
    names = [name for name, module in model.named_modules() if name and keep(module)]
    if example_input is None:
        return names
    order: list[str] = []
    modules = dict(model.named_modules())

    def _hook(name: str) -> Callable:
        def fn(module: nn.Module, inputs: Any) -> None:
            if name not in order:
                order.append(name)
        return fn

    handles = [modules[name].register_forward_pre_hook(_hook(name)) for name in names]
    flags = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        reset_states(model)
        with torch.no_grad():
            model(example_input)
    finally:
        for handle in handles:
            handle.remove()
        for module, flag in flags:
            module.training = flag
        reset_states(model)
    return order


# --------------------------------------------------------------------------------------------
# running the network
# --------------------------------------------------------------------------------------------

class _Runner:
    """Hooks on the requested layers and the three ways of feeding a batch."""

    def __init__(self, model: nn.Module, modules: Mapping[str, nn.Module], *, spiking: bool,
                 steps: int, single: bool, encoder: Encoder, seed: int,
                 reset: Callable[[nn.Module], None], reduce: str) -> None:
        self.model, self.spiking, self.steps, self.single = model, spiking, steps, single
        self.encoder, self.seed, self.reset, self.reduce = encoder, seed, reset, reduce

        self.calls: dict[str, list[Any]] = {name: [] for name in modules}
        self.shapes: dict[str, tuple[int, ...] | None] = {name: None for name in modules}
        self.handles = [module.register_forward_hook(self._hook(name))
                        for name, module in modules.items()]

    def _hook(self, name: str) -> Callable:
        def fn(module: nn.Module, inputs: Any, output: Any) -> None:
            self.calls[name].append(_first_tensor(output, name).detach())
        return fn

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()

    def _collect(self, steps: int, batch: int) -> dict[str, Any]:
        """The outputs of one model call as ``[k, B, F]`` per layer (``k`` time steps)."""
        out = {}
        for name, calls in self.calls.items():
            if not calls:
                raise MissingDataError(
                    f"layer {name!r} was not called by the forward pass", field="layers",
                    expected="a module the network's forward uses", found=repr(name))
            if not self.spiking:
                seq, shape = _batch_rows(calls, name, batch)
            elif len(calls) == 1:
                seq, shape = _time_batch(calls[0], steps, batch, name)
            else:  # a model looping over time inside: one step per call
                pieces = [_time_batch(c, 1, batch, name) for c in calls]
                seq, shape = torch.cat([p[0] for p in pieces]), pieces[0][1]
            self.shapes[name] = self.shapes[name] or shape
            calls.clear()
            out[name] = seq
        return out

    def _forward_sequence(self, x_seq: Any) -> dict[str, Any]:
        """Feed ``x_seq`` ``[T, B, ...]`` (multi-step, or step by step) -> ``[T', B, F]``."""
        steps, batch = x_seq.shape[:2]
        if not self.single:
            self.model(x_seq)
            return self._collect(steps, batch)
        per_step = []
        for t in range(steps):
            self.model(x_seq[t])
            per_step.append(self._collect(1, batch))
        return {name: torch.cat([p[name] for p in per_step]) for name in per_step[0]}

    def _encode(self, x: Any, start: int) -> Any:
        """Images ``[B, ...]`` -> ``[T, B, ...]`` with the chosen encoder."""
        if callable(self.encoder):
            seq = self.encoder(x, self.steps)
            if not isinstance(seq, torch.Tensor) or tuple(seq.shape[:2]) != (self.steps,
                                                                              x.shape[0]):
                raise SchemaError("the encoder must return [T, B, ...]", field="encoder",
                                  expected=f"a tensor with leading dims ({self.steps}, "
                                           f"{x.shape[0]})",
                                  found=f"shape {tuple(getattr(seq, 'shape', ()))}")
            return seq
        if self.encoder == "direct":
            return direct_encode(x, self.steps)
        if self.encoder == "latency":
            return latency_encode(x, self.steps)
        spikes = []
        for i in range(x.shape[0]):  # one generator per stimulus: draws independent of batching
            state = np.random.SeedSequence([int(self.seed), start + i]).generate_state(2)
            generator = torch.Generator(device=x.device)
            generator.manual_seed(int(state[0]) << 32 | int(state[1]))
            spikes.append(poisson_encode(x[i], self.steps, generator=generator))
        return torch.stack(spikes, dim=1)

    def run_ann(self, x: Any) -> dict[str, np.ndarray]:
        self.model(x)
        return {name: seq[0].double().cpu().numpy()
                for name, seq in self._collect(1, x.shape[0]).items()}

    def _reduce(self, seq: Any) -> np.ndarray:
        """``[T', B, F]`` -> ``[B, F]`` float64 (mean or sum over time)."""
        seq = seq.double()
        return (seq.mean(0) if self.reduce == "mean" else seq.sum(0)).cpu().numpy()

    def run_static(self, x: Any, start: int) -> dict[str, np.ndarray]:
        """Reset, feed the images over T steps; per layer ``[B, F]`` reduced over time."""
        self.reset(self.model)
        seqs = self._forward_sequence(self._encode(x, start))
        return {name: self._reduce(seq) for name, seq in seqs.items()}

    def run_movie_chunk(self, frames: Any, start: int) -> dict[str, np.ndarray]:
        """Frames ``[k, ...]`` as ``k * steps`` time steps of one sequence (state kept)."""
        k = frames.shape[0]
        seq = self._encode(frames, start)  # [steps, k, ...]
        seq = seq.transpose(0, 1).reshape(k * self.steps, 1, *frames.shape[1:])
        out = self._forward_sequence(seq)
        rows = {}
        for name, values in out.items():
            if values.shape[0] != k * self.steps:
                raise SchemaError(
                    f"layer {name!r} has no time axis in movie mode", field="layers",
                    expected=f"{k * self.steps} time steps for {k} frames",
                    found=f"{values.shape[0]}")
            rows[name] = self._reduce(values.reshape(k, self.steps, -1).transpose(0, 1))
        return rows


def _first_tensor(output: Any, name: str) -> Any:
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)):
        for item in output:
            if isinstance(item, torch.Tensor):
                return item
    raise SchemaError(f"layer {name!r} does not return a tensor", field="layers",
                      expected="a module returning a tensor (or a tuple starting with one)",
                      found=type(output).__name__)


def _batch_rows(calls: list, name: str, batch: int) -> tuple[Any, tuple[int, ...]]:
    """Non-spiking network: the one output ``[B, ...]`` -> ``[1, B, F]``."""
    if len(calls) > 1:
        raise SchemaError(f"layer {name!r} is called {len(calls)} times per forward pass",
                          field="layers", expected="a module called once per forward pass",
                          found=f"{len(calls)} calls")
    out = calls[0]
    if out.dim() < 1 or out.shape[0] != batch:
        raise SchemaError(f"output of layer {name!r} is not batch-first", field="layers",
                          expected=f"leading dim {batch} (the batch)",
                          found=f"shape {tuple(out.shape)}")
    return out.reshape(1, batch, -1), tuple(out.shape[1:])


def _time_batch(out: Any, steps: int, batch: int, name: str) -> tuple[Any, tuple[int, ...]]:
    """A spiking layer's output -> ``[T, B, F]`` and the per-sample shape."""
    shape = tuple(out.shape)
    if len(shape) >= 2 and shape[:2] == (steps, batch):
        return out.reshape(steps, batch, -1), shape[2:]
    if len(shape) >= 1 and shape[0] == steps * batch:  # inside TimeDistributed: [T*B, ...]
        return out.reshape(steps, batch, -1), shape[1:]
    if len(shape) >= 1 and shape[0] == batch:  # no time axis (e.g. after a mean over time)
        return out.reshape(1, batch, -1), shape[1:]
    raise SchemaError(f"cannot find the time and batch axes of layer {name!r}", field="layers",
                      expected=f"leading dims [T={steps}, B={batch}], [T*B={steps * batch}] "
                               f"or [B={batch}]", found=f"shape {shape}")


def _is_single_step(model: nn.Module) -> bool:
    if isinstance(model, StatefulModule):
        return model.step_mode == "single"
    modes = {m.step_mode for m in model.modules() if isinstance(m, StatefulModule)}
    return modes == {"single"}


# --------------------------------------------------------------------------------------------
# inputs and outputs
# --------------------------------------------------------------------------------------------

def _positive_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{field} must be a positive integer", field=field,
                          expected="an int >= 1", found=repr(value))
    return int(value)


def _resolve_layers(model: nn.Module, layers: str | Iterable[str]) -> dict[str, nn.Module]:
    names = [layers] if isinstance(layers, str) else list(layers)
    if not names:
        raise ConfigError("no layer asked for", field="layers", expected="at least one name",
                          found="[]")
    if len(set(names)) != len(names):
        raise ConfigError("layer asked for twice", field="layers", expected="distinct names",
                          found=repr(names))
    available = dict(model.named_modules())
    for name in names:
        if not isinstance(name, str) or name not in available:
            known = [n for n in available if n]
            close = difflib.get_close_matches(str(name), known, n=5, cutoff=0.5)
            hint = (f"close matches: {', '.join(close)}" if close else
                    f"available: {', '.join(known[:12])}" + (" ..." if len(known) > 12 else ""))
            raise MissingDataError(f"no layer named {name!r} in {type(model).__name__}",
                                   field="layers",
                                   expected=f"a name from model.named_modules(); {hint}",
                                   found=repr(name))
    return {name: available[name] for name in names}


def _stimulus_array(stimuli: Any, mode: str,
                    frame_rate: float | None) -> tuple[np.ndarray, dict[Hashable, Any]]:
    """Stimuli -> ``(values (n, *sample), coords on the output sample dim)``."""
    if frame_rate is not None and not (np.isfinite(frame_rate) and frame_rate > 0):
        raise ConfigError("bad frame rate", field="frame_rate", expected="a number > 0 (Hz)",
                          found=repr(frame_rate))
    if isinstance(stimuli, xr.DataArray):
        wanted = ("stimulus",) if mode == "static" else ("time", "frame")
        dim = next((d for d in wanted if d in stimuli.dims), None)
        if dim is None:
            raise SchemaError("stimuli lack the sample dim", field="stimuli",
                              expected=" or ".join(repr(d) for d in wanted) + " dim",
                              found=f"dims {stimuli.dims}")
        da = stimuli.transpose(dim, ...)
        values = np.asarray(da.values)
        n = values.shape[0]
        coords = {name: (coord.values, dict(coord.attrs)) for name, coord in da.coords.items()
                  if coord.dims == (dim,)}
        if dim not in coords:
            coords[dim] = (np.arange(n), {})
    else:
        if isinstance(stimuli, torch.Tensor):
            stimuli = stimuli.detach().cpu().numpy()
        values = np.asarray(stimuli)
        dim = "stimulus" if mode == "static" else "frame"
        n = values.shape[0] if values.ndim else 0
        coords = {dim: (np.arange(n), {})}
    if values.ndim < 2 or values.shape[0] == 0:
        raise SchemaError("stimuli must hold at least one sample", field="stimuli",
                          expected=f"({dim}, ...) with at least one {dim}",
                          found=f"shape {values.shape}")
    if not np.issubdtype(values.dtype, np.number) or np.iscomplexobj(values):
        raise SchemaError("stimuli must hold real numbers", field="stimuli",
                          expected="a real numeric dtype", found=str(values.dtype))
    if not np.isfinite(values).all():
        bad = np.argwhere(~np.isfinite(values.reshape(n, -1)))[0][0]
        raise InvalidValueError("stimuli hold NaN/inf", field="stimuli",
                                expected="finite values",
                                found=f"{int((~np.isfinite(values)).sum())} non-finite, "
                                      f"first in {dim} {coords[dim][0][bad]!r}")
    if mode == "static":
        return values, coords
    # movie: the output dim is "time"; frame labels stay as a "frame" coordinate
    if "time" not in coords:
        if frame_rate is not None:
            coords["time"] = (np.arange(n, dtype=np.float64) / float(frame_rate), {"units": "s"})
        else:
            coords["time"] = (np.arange(n, dtype=np.float64), {"units": "frame"})
    return values, coords


def _model_device(model: nn.Module) -> Any:
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def _model_dtype(model: nn.Module) -> Any:
    for tensor in model.parameters():
        if tensor.is_floating_point():
            return tensor.dtype
    return torch.get_default_dtype()


def _progress_bar(progress: bool | None, total: int, unit: str) -> Any:
    if progress is False:
        return None
    if progress is None:
        if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
            return None
        try:
            from tqdm.auto import tqdm
        except ImportError:  # the automatic bar is a nicety: no tqdm, no bar
            return None
    else:
        tqdm = soft_import("tqdm.auto", "the progress bar of extract_activations").tqdm
    return tqdm(total=total, desc="activations", unit=unit.split()[-1])


def _to_dataarray(name: str, module: nn.Module, parts: list, shape: tuple[int, ...] | None,
                  coords: Mapping[Hashable, Any], *, sample_dim: str, mode: str, spiking: bool,
                  steps: int, reduce: str, encoder: Encoder, model: nn.Module) -> xr.DataArray:
    widths = {p.shape[-1] for p in parts}
    if len(widths) != 1:
        raise SchemaError(f"layer {name!r} has a different size for different batches",
                          field="layers", expected="one output size for every stimulus",
                          found=f"sizes {sorted(widths)}")
    values = np.concatenate(parts, axis=0)
    n_steps = steps if spiking else 1
    emits = bool(getattr(module, "emits_spikes", False))
    if not spiking:
        units, reduction = "a.u.", "none (non-spiking network: one forward pass per stimulus)"
    else:
        units = ("spikes/step" if reduce == "mean" else "spikes") if emits else "a.u."
        what = "image" if mode == "static" else "frame"
        enc = encoder if isinstance(encoder, str) else getattr(encoder, "__name__", "callable")
        reduction = (f"{reduce} over the {n_steps} time step(s) of each {what} "
                     f"({enc} encoding)")
        if mode == "movie":
            reduction += "; state kept across frames"
        else:
            reduction += "; state reset before each batch"
    feature = np.arange(values.shape[1])
    da = xr.DataArray(
        values, dims=(sample_dim, "feature"),
        coords={sample_dim: coords[sample_dim][0], "feature": feature},
        name=name,
        attrs={"layer": name, "layer_shape": np.asarray(shape or (values.shape[1],),
                                                        dtype=np.int64),
               "mode": mode, "time_steps": int(steps if spiking else 1),
               "reduction": reduction, "model": type(model).__name__, "units": units},
    )
    for coord_name, (coord_values, coord_attrs) in coords.items():
        if coord_name != sample_dim:
            da = da.assign_coords({coord_name: (sample_dim, coord_values)})
        da[coord_name].attrs.update(coord_attrs)
    return da


_KIND_PREDICATES: dict[str, Callable[[nn.Module], bool]] = {
    "spiking": lambda m: bool(getattr(m, "emits_spikes", False)),
    "stateful": lambda m: isinstance(m, StatefulModule) and not any(
        isinstance(c, StatefulModule) for c in m.modules() if c is not m),
    "conv": lambda m: isinstance(m, nn.modules.conv._ConvNd),
    "linear": lambda m: isinstance(m, nn.Linear),
    "weighted": lambda m: isinstance(m, (nn.modules.conv._ConvNd, nn.Linear)),
    "leaf": lambda m: next(m.children(), None) is None,
}
