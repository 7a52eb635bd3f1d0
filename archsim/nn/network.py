"""Network execution: a workload graph of analog and digital layers with manual backpropagation.

:func:`build_network` turns a :class:`~archsim.workload.Workload` into a :class:`Network`: every layer's kind
(:mod:`archsim.layers`) builds its module; analog kinds get :class:`~archsim.nn.analog_layers.AnalogMatrix`
units on crossbar tiles, split as the Mapping says (``row_splits``/``col_splits``, bias row, ``n_replicas``)
or, without a Mapping, near-equally by the crossbar size; replicated conv layers become
:class:`~archsim.nn.rapa.RapaConv2d`. The bias placement is the Mapping's (``LayerMapping.analog_bias``);
without a Mapping it is the ``analog_bias`` argument. A ``softmax`` output is the identity during execution:
the loss (:func:`~archsim.nn.loss.softmax_cross_entropy`) applies the softmax.

The graph runs in topological order; gradients flow back in reverse order and are summed where a
node feeds several others (residual connections). Nodes whose output does not depend on any trained
parameter are skipped in the backward pass, and an analog layer fed only by such nodes (e.g. the
first layer) skips its backward MVM, as a training chip would.

Training and evaluation mode: :meth:`Network.forward` puts every tile that has the two modes (a
:class:`~archsim.nn.tile_array.ModalTile`, e.g. an :class:`~archsim.crossbar.inference_noise.InferenceTile`) into the
mode of the pass, as a PyTorch module's ``train()``/``eval()`` does its tiles: ``train=False`` (:meth:`Network.logits`,
every evaluation and deployment) calls the tiles' ``eval()``, so hardware-aware-training weight modifiers are off
in evaluation (aihwkit's ``is_test``), and the next training pass turns them back on.

The same builder makes the floating-point baseline (``fp=True``: :class:`FloatingPointTile` instead of
``AnalogTile``, the same splits, the same initial weights for the same seed).
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from archsim.errors import WorkloadError
from archsim.layers import AnalogModule, BuildContext, Module
from archsim.nn.analog_layers import AnalogMatrix, matrix_factory
from archsim.nn.loss import softmax_cross_entropy
from archsim.nn.rapa import RapaConv2d
from archsim.nn.tile_array import FloatingPointTile, MappingOptions, ModalTile, TileFactory

if TYPE_CHECKING:
    from archsim.mapping import Mapping
    from archsim.workload import Workload


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
        self._training: bool | None = None
        """The mode the modal tiles are in (None: not set by a pass yet)."""
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

    def tiles(self) -> list[Any]:
        """Every tile of every analog layer, in execution order."""
        return [t for m in self.analog_layers() for t in m.tiles()]

    def set_training(self, mode: bool) -> None:
        """Training (True) or evaluation mode of every tile that has the two modes (module docstring)."""
        for tile in self.tiles():
            if isinstance(tile, ModalTile):
                tile.train(mode)
        self._training = bool(mode)

    # -- execution -------------------------------------------------------------------------------
    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """Run the graph on a batch; returns the logits of the last node. The tiles run in the pass's mode
        (:meth:`set_training`)."""
        if self._training is None or self._training != bool(train):
            self.set_training(bool(train))
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

    def bias_placement(self) -> dict[str, str]:
        """``{layer: "analog" | "digital"}`` for every analog layer with a bias, as built (the truth recorded in
        ``accuracy.settings``)."""
        out: dict[str, str] = {}
        for module in self.analog_layers():
            units = [u for u in module.units if isinstance(u, AnalogMatrix) and u.has_bias]
            if units:
                out[module.name] = "analog" if units[0].analog_bias else "digital"
        return out


# ----------------------------------------------------------------------------------------------
# building from a workload


def analog_tile_factory(rpu_config: Any) -> TileFactory:
    """``make_tile`` for :class:`archsim.crossbar.AnalogTile` with one RPU config."""
    from archsim.crossbar import AnalogTile

    def make(out_size: int, in_size: int, seed: int) -> Any:
        return AnalogTile(out_size, in_size, rpu_config, seed=seed)

    return make


def inference_tile_factory(rpu_config: Any, inference: Any, modifier: Any = None) -> TileFactory:
    """``make_tile`` for :class:`~archsim.crossbar.inference_noise.InferenceTile` with one RPU config, the noise
    model and drift compensation of an :class:`~archsim.hwconfig.algorithms.InferenceConfig` and, for
    hardware-aware training, a :class:`~archsim.hwconfig.algorithms.WeightModifierConfig` (None: no modifier)."""
    from archsim.crossbar.inference_noise import InferenceTile

    def make(out_size: int, in_size: int, seed: int) -> Any:
        return InferenceTile(out_size, in_size, rpu_config, seed=seed, noise_model=inference.noise_model,
                             drift_compensation=inference.drift_compensation, modifier=modifier)

    return make


def fp_tile_factory(out_size: int, in_size: int, seed: int) -> FloatingPointTile:
    """``make_tile`` for the floating-point baseline."""
    return FloatingPointTile(out_size, in_size, seed=seed)


def build_network(
    workload: Workload,
    *,
    make_tile: TileFactory,
    seed: int = 0,
    tile_rows: int = 512,
    tile_cols: int = 512,
    mapping: Mapping | None = None,
    analog_bias: bool = False,
    options: MappingOptions | None = None,
    replicas: MappingABC[str, int] | None = None,
    rapa_scheme: str = "random",
    identical_replicas: bool = False,
) -> Network:
    """Build an executable network from a workload.

    Args:
        workload: a :class:`archsim.workload.Workload` (layers in topological order).
        make_tile: tile constructor (:func:`analog_tile_factory` or :func:`fp_tile_factory`).
        seed: seed of the generator that draws the initial weights, tile seeds and RAPA assignments.
        tile_rows, tile_cols: crossbar size used to split layers when ``mapping`` is None.
        mapping: an :class:`archsim.mapping.Mapping`; its per-layer splits, bias placement and replica counts
            are used (``tile_rows``/``tile_cols``/``analog_bias``/``replicas`` then do not apply).
        analog_bias: without a mapping, put biases on a crossbar row (True) or add them digitally (False,
            aihwkit's default ``digital_bias=True``).
        options: digital periphery (weight/output scaling).
        replicas: RAPA replicas per conv layer name when there is no mapping.
        rapa_scheme: tiling scheme of replicated conv layers (:data:`archsim.nn.rapa.SCHEMES`).
        identical_replicas: start all replicas of a layer from the same weights.
    """
    options = options or MappingOptions()
    rng = np.random.default_rng(seed)
    layers = list(workload.layers)
    if len(layers) < 2:
        raise WorkloadError(f"workload {workload.name}: no layers besides the input")
    lmap = {lm.layer: lm for lm in mapping.layers} if mapping is not None else {}
    nodes: list[Node] = []
    last = layers[-1].name
    for layer in layers[1:]:
        lm = lmap.get(layer.name)
        if lm is not None:
            factory = matrix_factory(rng=rng, make_tile=make_tile, bias=layer.bias, analog_bias=lm.analog_bias,
                                     max_rows=tile_rows, max_cols=tile_cols, row_splits=tuple(lm.row_splits),
                                     col_splits=tuple(lm.col_splits), options=options)
            n_replicas = lm.n_replicas
        else:
            factory = matrix_factory(rng=rng, make_tile=make_tile, bias=layer.bias,
                                     analog_bias=analog_bias and layer.bias, max_rows=tile_rows, max_cols=tile_cols,
                                     options=options)
            n_replicas = (replicas or {}).get(layer.name, 1)

        def replicated(*args: Any, n_replicas: int, _factory: Any = factory) -> Module:
            return RapaConv2d(*args, matrix=_factory, rng=rng, n_replicas=n_replicas, scheme=rapa_scheme,
                              identical_init=identical_replicas)

        ctx = BuildContext(rng=rng, matrix=factory, is_output=layer.name == last, n_replicas=n_replicas,
                           replicated=replicated)
        nodes.append(Node(layer.name, layer.spec.build(layer, ctx), tuple(layer.inputs)))
    return Network(nodes, input_name=layers[0].name, task=workload.task, n_classes=workload.n_classes)
