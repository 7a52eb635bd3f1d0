"""Network execution: a workload graph of analog and digital layers with manual backpropagation.

:func:`build_network` turns a :class:`~archsim.workload.Workload` into a :class:`Network`: analog
layers (``linear``, ``conv2d``, ``lstm``) become modules on crossbar tiles
(:mod:`archsim.nn.analog_layers`), split as the Mapping says (``row_splits``/``col_splits``,
bias row, ``n_replicas``) or, without a Mapping, near-equally by the crossbar size; conv layers with
more than one replica become :class:`~archsim.nn.rapa.RapaConv2d`. Digital layers come from
:mod:`archsim.nn.layers`. A ``softmax`` node is the identity during execution: the loss
(:func:`~archsim.nn.layers.softmax_cross_entropy`) applies the softmax.

The graph runs in topological order; gradients flow back in reverse order and are summed where a
node feeds several others (residual connections). Nodes whose output does not depend on any trained
parameter are skipped in the backward pass, and an analog layer fed only by such nodes (e.g. the
first layer) skips its backward MVM, as a training chip would.

The same builder makes the floating-point baseline (``fp=True``: :class:`FloatingPointTile` instead of
``AnalogTile``, the same splits, the same initial weights for the same seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from archsim.errors import ConfigError, WorkloadError
from archsim.nn.analog_layers import AnalogConv2d, AnalogLinear, AnalogLSTM, AnalogModule
from archsim.nn.layers import (
    Activation,
    Add,
    AvgPool2d,
    Flatten,
    Identity,
    LocalResponseNorm,
    MaxPool2d,
    MixedPool2d,
    Module,
    softmax_cross_entropy,
)
from archsim.nn.tile_array import FloatingPointTile, MappingOptions, TileFactory


@dataclass(frozen=True)
class Node:
    """One executed node: the layer name, its module and the names of its inputs."""

    name: str
    module: Module
    inputs: tuple[str, ...]


class Network:
    """An executable network (see the module docstring)."""

    def __init__(
        self,
        nodes: list[Node],
        *,
        input_name: str,
        task: str = "classification",
        n_classes: int | None = None,
    ) -> None:
        self.nodes = nodes
        self.input_name = input_name
        self.task = task
        self.n_classes = n_classes
        self.output_name = nodes[-1].name
        params = {n.name: bool(n.module.parameters()) or n.module.analog for n in nodes}
        depends: dict[str, bool] = {input_name: False}
        for n in nodes:
            depends[n.name] = params[n.name] or any(depends.get(p, False) for p in n.inputs)
            if isinstance(n.module, AnalogModule):
                n.module.need_input_grad = any(depends.get(p, False) for p in n.inputs)
        self._depends = depends
        self.samples_trained = 0
        """Training samples seen by :meth:`train_batch` (for per-sample statistics)."""

    # -- structure -------------------------------------------------------------------------------
    def modules(self) -> list[Module]:
        """All modules in execution order."""
        return [n.module for n in self.nodes]

    def analog_layers(self) -> list[AnalogModule]:
        """The analog (tile-backed) layers in execution order."""
        return [n.module for n in self.nodes if isinstance(n.module, AnalogModule)]

    def layer(self, name: str) -> Module:
        """The module of a node by name."""
        for n in self.nodes:
            if n.name == name:
                return n.module
        raise KeyError(name)

    # -- execution -------------------------------------------------------------------------------
    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """Run the graph on a batch; returns the logits of the last node."""
        values: dict[str, np.ndarray] = {self.input_name: x}
        for n in self.nodes:
            values[n.name] = n.module.forward([values[p] for p in n.inputs], train)
        return values[self.output_name]

    def backward(self, grad: np.ndarray) -> None:
        """Backpropagate the gradient of the loss w.r.t. the logits (after :meth:`forward` with train=True)."""
        grads: dict[str, np.ndarray] = {self.output_name: grad}
        for n in reversed(self.nodes):
            g = grads.pop(n.name, None)
            if g is None or not self._depends[n.name]:
                continue
            in_grads = n.module.backward(g)
            for p, gp in zip(n.inputs, in_grads):
                if gp is None or not self._depends.get(p, False):
                    continue
                grads[p] = gp if p not in grads else grads[p] + gp

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        """Apply the mini-batch's updates to every layer."""
        for n in self.nodes:
            n.module.step(lr, weight_decay)

    def train_batch(
        self, x: np.ndarray, y: np.ndarray, lr: float, weight_decay: float = 0.0
    ) -> tuple[float, int]:
        """One SGD step on a mini-batch; returns (mean loss, number of correct predictions)."""
        logits = self.forward(x, train=True)
        loss, grad, pred = softmax_cross_entropy(logits, y)
        self.backward(grad)
        self.step(lr, weight_decay)
        self.samples_trained += int(x.shape[0])
        return loss, int((pred == y).sum())

    def logits(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Inference logits over a whole array, in chunks (training-mode caches are not touched)."""
        outs = [self.forward(x[i : i + batch_size], train=False) for i in range(0, x.shape[0], batch_size)]
        return np.concatenate(outs)

    def state(self) -> dict[str, dict[str, np.ndarray]]:
        """Effective weights of every layer with parameters (copies)."""
        return {n.name: n.module.parameters() for n in self.nodes if n.module.parameters()}


# ----------------------------------------------------------------------------------------------
# building from a workload


def _kind(layer: Any) -> str:
    kind = layer.kind
    return str(getattr(kind, "value", kind)).lower()


def _pair(value: Any, default: int) -> tuple[int, int]:
    if value is None:
        return default, default
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def analog_tile_factory(rpu_config: Any) -> TileFactory:
    """``make_tile`` for :class:`archsim.crossbar.AnalogTile` with one RPU config."""
    from archsim.crossbar import AnalogTile  # the functional core (engineer B)

    def make(out_size: int, in_size: int, seed: int) -> Any:
        return AnalogTile(out_size, in_size, rpu_config, seed=seed)

    return make


def inference_tile_factory(rpu_config: Any, inference: Any) -> TileFactory:
    """``make_tile`` for :class:`~archsim.crossbar.inference_noise.InferenceTile` with one RPU config and
    the noise model and drift compensation of an :class:`~archsim.hwconfig.algorithms.InferenceConfig`."""
    from archsim.crossbar.inference_noise import InferenceTile

    def make(out_size: int, in_size: int, seed: int) -> Any:
        return InferenceTile(out_size, in_size, rpu_config, seed=seed, noise_model=inference.noise_model,
                             drift_compensation=inference.drift_compensation)

    return make


def fp_tile_factory(out_size: int, in_size: int, seed: int) -> FloatingPointTile:
    """``make_tile`` for the floating-point baseline."""
    return FloatingPointTile(out_size, in_size, seed=seed)


def build_network(
    workload: Any,
    *,
    make_tile: TileFactory,
    seed: int = 0,
    tile_rows: int = 512,
    tile_cols: int = 512,
    mapping: Any = None,
    options: MappingOptions | None = None,
    replicas: dict[str, int] | None = None,
    rapa_scheme: str = "random",
    identical_replicas: bool = False,
) -> Network:
    """Build an executable network from a workload.

    Args:
        workload: a :class:`archsim.workload.Workload` (layers in topological order).
        make_tile: tile constructor (:func:`analog_tile_factory` or :func:`fp_tile_factory`).
        seed: seed of the generator that draws the initial weights, tile seeds and RAPA assignments.
        tile_rows, tile_cols: crossbar size used to split layers when ``mapping`` is None.
        mapping: an :class:`archsim.mapping.Mapping`; its per-layer splits, bias placement and
            replica counts win over ``tile_rows``/``tile_cols``/``replicas``/``options.digital_bias``.
        options: digital periphery (bias, weight/output scaling).
        replicas: RAPA replicas per conv layer name when there is no mapping.
        rapa_scheme: tiling scheme of replicated conv layers (:data:`archsim.nn.rapa.SCHEMES`).
        identical_replicas: start all replicas of a layer from the same weights.
    """
    from archsim.nn.rapa import RapaConv2d

    options = options or MappingOptions()
    rng = np.random.default_rng(seed)
    layers = list(workload.layers)
    if not layers:
        raise WorkloadError(f"workload {getattr(workload, 'name', '?')}: no layers")
    lmap = {}
    if mapping is not None:
        lmap = {lm.layer: lm for lm in mapping.layers}
    nodes: list[Node] = []
    input_name: str | None = None
    for layer in layers:
        kind = _kind(layer)
        name = layer.name
        inputs = tuple(getattr(layer, "inputs", ()) or ())
        if kind == "input":
            input_name = name
            continue
        if input_name is None:
            input_name = "<input>"
        if not inputs:
            inputs = (nodes[-1].name if nodes else input_name,)
        module = _build_module(
            layer,
            kind,
            name,
            rng=rng,
            make_tile=make_tile,
            tile_rows=tile_rows,
            tile_cols=tile_cols,
            lm=lmap.get(name),
            options=options,
            replicas=replicas or {},
            rapa_scheme=rapa_scheme,
            identical_replicas=identical_replicas,
            rapa_cls=RapaConv2d,
        )
        nodes.append(Node(name, module, inputs))
    if not nodes:
        raise WorkloadError(f"workload {getattr(workload, 'name', '?')}: no layers besides the input")
    return Network(
        nodes,
        input_name=input_name or "<input>",
        task=str(getattr(workload, "task", "classification")),
        n_classes=getattr(workload, "n_classes", None),
    )


def _layout(
    lm: Any, options: MappingOptions, has_bias: bool, tile_rows: int, tile_cols: int, make_tile: TileFactory
) -> dict:
    layout: dict[str, Any] = {
        "make_tile": make_tile,
        "options": options,
        "max_rows": tile_rows,
        "max_cols": tile_cols,
        "bias": has_bias,
        "analog_bias": not options.digital_bias,
        "row_splits": None,
        "col_splits": None,
    }
    if lm is not None:
        layout["analog_bias"] = bool(getattr(lm, "analog_bias", layout["analog_bias"]))
        layout["row_splits"] = tuple(lm.row_splits)
        layout["col_splits"] = tuple(lm.col_splits)
    return layout


def _build_module(
    layer: Any,
    kind: str,
    name: str,
    *,
    rng: np.random.Generator,
    make_tile: TileFactory,
    tile_rows: int,
    tile_cols: int,
    lm: Any,
    options: MappingOptions,
    replicas: dict[str, int],
    rapa_scheme: str,
    identical_replicas: bool,
    rapa_cls: type,
) -> Module:
    has_bias = bool(getattr(layer, "bias", True))
    if kind == "linear":
        return AnalogLinear(
            name,
            layer.in_features,
            layer.out_features,
            rng=rng,
            layout=_layout(lm, options, has_bias, tile_rows, tile_cols, make_tile),
        )
    if kind == "conv2d":
        n_t = int(getattr(lm, "n_replicas", 0) or replicas.get(name, 1))
        args = (
            name,
            layer.in_channels,
            layer.out_channels,
            _pair(layer.kernel_size, 1),
            _pair(layer.stride, 1),
            _pair(getattr(layer, "padding", 0), 0),
        )
        layout = _layout(lm, options, has_bias, tile_rows, tile_cols, make_tile)
        if n_t > 1:
            return rapa_cls(
                *args,
                layout=layout,
                rng=rng,
                n_replicas=n_t,
                scheme=rapa_scheme,
                identical_init=identical_replicas,
            )
        return AnalogConv2d(*args, layout=layout, rng=rng)
    if kind == "lstm":
        in_features = int(getattr(layer, "in_features", 0) or layer.in_shape[-1])
        ret = getattr(layer, "return_sequences", None)
        if ret is None:
            ret = len(tuple(getattr(layer, "out_shape", ()) or ())) != 1
        return AnalogLSTM(
            name,
            in_features,
            layer.hidden_size,
            rng=rng,
            return_sequences=bool(ret),
            layout=_layout(lm, options, has_bias, tile_rows, tile_cols, make_tile),
        )
    if kind in ("relu", "sigmoid", "tanh"):
        return Activation(name, kind)
    if kind in ("maxpool", "avgpool", "mixedpool"):
        k = _pair(layer.kernel_size, 2)
        stride = (
            _pair(getattr(layer, "stride", None), k[0]) if getattr(layer, "stride", None) is not None else k
        )
        padding = _pair(getattr(layer, "padding", 0), 0)
        if kind == "maxpool":
            return MaxPool2d(name, k, stride, padding)
        if kind == "avgpool":
            return AvgPool2d(name, k, stride, padding)
        return MixedPool2d(name, k, stride, padding, channels=int(layer.in_shape[0]))
    if kind == "lrn":

        def opt(*names: str, default: float) -> float:
            for n in names:
                value = getattr(layer, n, None)
                if value is not None:
                    return value
            return default

        return LocalResponseNorm(
            name,
            size=int(opt("lrn_size", "size", default=5)),
            alpha=float(opt("lrn_alpha", "alpha", default=1e-4)),
            beta=float(opt("lrn_beta", "beta", default=0.75)),
            k=float(opt("lrn_k", "k", default=1.0)),
        )
    if kind == "flatten":
        return Flatten(name)
    if kind == "add":
        return Add(name)
    if kind in ("softmax", "identity", "dropout"):
        return Identity(name)
    raise ConfigError(
        f"layer {name}: kind '{kind}' is not supported by the accuracy engine",
        hint="supported: linear, conv2d, lstm, relu, sigmoid, tanh, maxpool, avgpool, mixedpool, "
        "lrn, flatten, add, softmax",
    )
