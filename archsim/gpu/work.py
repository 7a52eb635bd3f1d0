"""Per-layer GPU work records: what one layer asks of a GPU, independent of the workload classes.

:func:`archsim.gpu.model.layer_work_from_workload` builds them from an archsim workload;
:mod:`archsim.gpu.networks` builds them from published architectures (ResNet-50 with batch norm,
BERT) for the fit and the validation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from archsim.layers.base import GpuWork, GpuWorkSize


@dataclass(frozen=True, kw_only=True)
class LayerWork(GpuWorkSize):
    """What one layer asks of a GPU, per sample: the sizes of its work plus its place in the network."""

    name: str
    """Layer name."""
    kind: str
    """Layer kind (``linear``, ``conv2d``, ``relu``, ``batchnorm``, ``matmul``, ...; see
    :func:`archsim.gpu.kinds.known_kinds`)."""
    in_elems_per_sample: int = 0
    """Input activation elements per sample (all inputs together)."""
    out_elems_per_sample: int = 0
    """Output activation elements per sample."""
    needs_input_grad: bool = True
    """False for layers whose input is the network input (no backward-data pass in training)."""
    kernel: str = ""
    """The layer kind's own GPU kernel class (``matmul``, ``elementwise`` or ``view``, from
    :meth:`archsim.layers.LayerSpec.gpu_work`); the cost of a kind without a refined entry in
    :data:`archsim.gpu.kinds.GPU_KINDS` follows it (empty: the kind must be registered there)."""

    @classmethod
    def of_layer(cls, work: GpuWork, *, name: str, kind: str, n_weights: int, in_elems_per_sample: int,
                 out_elems_per_sample: int, needs_input_grad: bool) -> LayerWork:
        """The record of a workload layer: the sizes and kernel class of its kind's ``work`` (with the layer's
        ``n_weights``) plus what the graph says (its name, kind, activation elements, whether it needs an input
        gradient)."""
        sizes = {f.name: getattr(work, f.name) for f in fields(GpuWorkSize)}
        sizes["n_weights"] = n_weights
        return cls(name=name, kind=kind, kernel=work.kernel, in_elems_per_sample=in_elems_per_sample,
                   out_elems_per_sample=out_elems_per_sample, needs_input_grad=needs_input_grad, **sizes)
