"""The network input placeholder: the implicit first node of every workload (not a YAML kind)."""

from __future__ import annotations

from dataclasses import dataclass

from archsim.layers.base import Inferred, LayerSpec, LayerView, Shape, SourceLayerSpec
from archsim.layers.module import BuildContext, Identity, Module


@dataclass(frozen=True, kw_only=True)
class InputSpec(SourceLayerSpec):
    """The ``input`` node: its output is the workload's ``input_shape`` (not registered: not a YAML kind)."""

    kind: str = "input"
    name: str = "input"
    shape: tuple[int, ...] = ()
    """The network's per-sample input shape."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        return Inferred(out_shape=tuple(self.shape))

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Identity(self.name)

    def moved_elements(self, layer: LayerView) -> int:
        return 0


def gpu_kernel_of(kind: str) -> str:
    """The GPU kernel class of a kind name (registered kinds and ``input``)."""
    if kind == InputSpec.kind:
        return InputSpec.GPU_KERNEL
    return LayerSpec.KINDS[kind].GPU_KERNEL
