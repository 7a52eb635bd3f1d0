"""Per-layer GPU work records: what one layer asks of a GPU, independent of the workload classes.

:func:`archsim.gpu.model.layer_work_from_workload` builds them from an archsim workload;
:mod:`archsim.gpu.networks` builds them from published architectures (ResNet-50 with batch norm,
BERT) for the fit and the validation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from archsim.layers.base import ConvShape, GpuWork


@dataclass(frozen=True, kw_only=True)
class LayerWork:
    """What one layer asks of a GPU, per sample."""

    name: str
    """Layer name."""
    kind: str
    """Layer kind (``linear``, ``conv2d``, ``relu``, ``batchnorm``, ``matmul``, ...; see
    :func:`archsim.gpu.kinds.known_kinds`)."""
    macs_per_sample: int = 0
    """Multiply-accumulates per sample (forward)."""
    n_weights: int = 0
    """Trainable parameters (incl. biases)."""
    in_elems_per_sample: int = 0
    """Input activation elements per sample (all inputs together)."""
    out_elems_per_sample: int = 0
    """Output activation elements per sample."""
    sequential_steps: int = 1
    """Kernels that must run one after another per phase (time steps of an LSTM; 1 otherwise)."""
    needs_input_grad: bool = True
    """False for layers whose input is the network input (no backward-data pass in training)."""
    gemm_m_per_sample: int = 0
    """Rows of the equivalent matrix product per sample (conv: output pixels; 0: unknown)."""
    gemm_k: int = 0
    """Inner dimension of the equivalent matrix product (``matrix_in``; 0: unknown)."""
    gemm_n: int = 0
    """Columns of the equivalent matrix product (``matrix_out``; 0: unknown)."""
    conv: ConvShape | None = None
    """Convolution shape (conv2d layers whose geometry is known), used by ``--measure``."""
    matmul_batch_per_sample: int = 0
    """``matmul`` layers: independent products per sample (attention heads); each is
    ``gemm_m_per_sample × gemm_k`` by ``gemm_k × gemm_n``."""
    kernel: str = ""
    """The layer kind's own GPU kernel class (``matmul``, ``elementwise`` or ``view``, from
    :meth:`archsim.layers.LayerSpec.gpu_work`); the cost of a kind without a refined entry in
    :data:`archsim.gpu.kinds.GPU_KINDS` follows it (empty: the kind must be registered there)."""

    @classmethod
    def of_layer(cls, work: GpuWork, *, name: str, kind: str, n_weights: int, in_elems_per_sample: int,
                 out_elems_per_sample: int, needs_input_grad: bool) -> LayerWork:
        """The record of a workload layer: every field of its kind's ``work`` (with the layer's ``n_weights``) plus
        what the graph says (its name, kind, activation elements and whether it needs an input gradient)."""
        kind_work = {f.name: getattr(work, f.name) for f in fields(work)}
        kind_work["n_weights"] = n_weights
        return cls(name=name, kind=kind, in_elems_per_sample=in_elems_per_sample,
                   out_elems_per_sample=out_elems_per_sample, needs_input_grad=needs_input_grad, **kind_work)
