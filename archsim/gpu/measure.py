"""Optional measured GPU baseline: time the network's matrix products on a real GPU with PyTorch.

Never required: :func:`measure` returns a :class:`Measurement` whose ``time_ns_per_batch`` is None
and whose ``reason`` says why when PyTorch or a CUDA device is missing. What is timed is the
*GEMM-equivalent* network: every weight layer as the matrix product of its im2col form
(``B·m × k`` by ``k × n``; training adds the two backward products ``dY·Wᵀ`` and ``Xᵀ·dY``) and
every other layer as one elementwise kernel over its output. Convolution algorithms (Winograd,
FFT), fusion and batch norm are therefore not reproduced; the figure checks the roofline model's
order of magnitude on the machine at hand and is recorded next to the prediction.
Timing: CUDA events around ``repeats`` iterations after ``warmup``; the minimum is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archsim.gpu.model import LayerWork


@dataclass(frozen=True, kw_only=True)
class Measurement:
    """A measured batch time, or why there is none."""

    time_ns_per_batch: float | None
    """Best measured time of one batch (None when not measured)."""
    device: str = ""
    """The device name reported by PyTorch."""
    reason: str = ""
    """Why nothing was measured (empty when measured)."""


def measure(
    layers: Sequence[LayerWork],
    *,
    mode: str = "training",
    precision: str = "amp",
    batch_size: int = 256,
    repeats: int = 5,
    warmup: int = 2,
    device: str = "cuda",
) -> Measurement:
    """Time the GEMM-equivalent network (see the module docstring)."""
    try:
        import torch
    except ImportError:
        return Measurement(time_ns_per_batch=None, reason="PyTorch is not installed")
    if device == "cuda" and not torch.cuda.is_available():
        return Measurement(time_ns_per_batch=None, reason="no CUDA device visible to PyTorch")
    dtype = torch.float16 if precision == "amp" else torch.float32
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    tensors = []
    for w in layers:
        if w.kernel == "view":
            continue
        if w.kernel == "matmul":
            m = max(1, w.gemm_m_per_sample) * batch_size
            k = w.gemm_k or max(1, w.in_elems_per_sample // max(1, w.gemm_m_per_sample or 1))
            n = w.gemm_n or max(1, w.out_elems_per_sample // max(1, w.gemm_m_per_sample or 1))
            x = torch.randn(m, k, device=device, dtype=dtype)
            wt = torch.randn(k, n, device=device, dtype=dtype)
            dy = torch.randn(m, n, device=device, dtype=dtype)
            tensors.append(("mm", x, wt, dy, w.needs_input_grad))
        else:
            tensors.append(
                (
                    "ew",
                    torch.randn(max(1, w.out_elems_per_sample) * batch_size, device=device, dtype=dtype),
                    None,
                    None,
                    w.needs_input_grad,
                )
            )

    def step() -> None:
        for kind, a, b, dy, needs_grad in tensors:
            if kind == "mm":
                a @ b
                if mode == "training":
                    if needs_grad:
                        dy @ b.T
                    a.T @ dy
            else:
                torch.relu(a)
                if mode == "training" and needs_grad:
                    torch.relu(a)

    best = float("inf")
    for i in range(warmup + repeats):
        if device == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            step()
            end.record()
            torch.cuda.synchronize()
            elapsed_ns = start.elapsed_time(end) * 1e6
        else:
            import time

            t0 = time.perf_counter_ns()
            step()
            elapsed_ns = float(time.perf_counter_ns() - t0)
        if i >= warmup:
            best = min(best, elapsed_ns)
    name = torch.cuda.get_device_name() if device == "cuda" else device
    return Measurement(time_ns_per_batch=best, device=name)
