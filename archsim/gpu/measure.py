"""Measured mode: time the workload's layers on a local GPU and record them next to the model.

Never required: without PyTorch or without a CUDA device, :func:`measure` returns a
:class:`Measurement` with no times and the reason. What is timed, layer by layer, at the model's batch
size and precision (FP16 tensors for ``amp``; FP32 with TF32 allowed for ``fp32``):

* **convolutions** with a known geometry: the same ``conv2d`` (channels, kernel, stride, padding, input
  size) forward and, in training, its backward (input and weight gradients);
* **other weight layers** (linear, convolutions without a geometry, LSTM steps as one product): the
  equivalent matrix product ``(B·m × k) · (k × n)`` and, in training, its two gradient products;
* **activation products** (``matmul``): the batched product, per head;
* **every other kind**: one element-wise kernel over its output (forward and, in training, backward);
  views cost nothing.

INT8 (TensorRT) is not measured: it needs an engine build. Timing uses the backend's clock (CUDA events
for :class:`TorchBackend`); each layer is run ``warmup`` times, then the minimum of ``repeats`` runs is
kept. A backend is anything with the :class:`TimingBackend` methods, so the mode is tested on CPU with
a fake backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from archsim.gpu.kinds import cost_of
from archsim.gpu.timing import PhaseTimes, TimingBackend
from archsim.gpu.work import LayerWork
from archsim.layers.base import ConvShape


@dataclass(frozen=True, kw_only=True)
class Measurement:
    """Measured per-layer and total batch times, or why there are none."""

    time_ns_per_batch: float | None
    """Sum of the measured layer times for one batch (None when not measured)."""
    device: str = ""
    """The device the backend reports."""
    reason: str = ""
    """Why nothing was measured (empty when measured)."""
    layers: Mapping[str, PhaseTimes] = field(default_factory=dict)
    """Per-layer measured times."""

    def to_dict(self, model_layer_ns: Mapping[str, float] | None = None) -> dict[str, Any]:
        """JSON-ready record; ``model_layer_ns`` adds the model's per-layer batch time next to each row."""
        rows = {}
        for name, t in self.layers.items():
            row: dict[str, Any] = {"forward_ns": t.forward_ns, "backward_ns": t.backward_ns,
                                   "measured_ns": t.forward_ns + t.backward_ns}
            if model_layer_ns is not None and name in model_layer_ns:
                row["model_ns"] = model_layer_ns[name]
            rows[name] = row
        return {"time_ns_per_batch": self.time_ns_per_batch, "device": self.device, "reason": self.reason,
                "layers": rows}


def _dtype_and_flags(torch: Any, precision: str) -> Any:
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    return torch.float16 if precision == "amp" else torch.float32


@dataclass(frozen=True, kw_only=True)
class TorchBackend:
    """Times layers with PyTorch on ``device`` (CUDA events on a GPU, wall clock on a CPU)."""

    torch: Any
    """The imported ``torch`` module."""
    device: str = "cuda"
    """``cuda`` (what ``--measure`` uses) or ``cpu`` (tests)."""
    repeats: int = 5
    """Timed runs per layer (the minimum is kept)."""
    warmup: int = 2
    """Untimed runs before them."""

    def device_name(self) -> str:
        """The CUDA device name, or ``cpu``."""
        return str(self.torch.cuda.get_device_name()) if self.device == "cuda" else self.device

    def _time(self, fn: Callable[[], Any]) -> float:
        torch = self.torch
        best = float("inf")
        for i in range(self.warmup + self.repeats):
            if self.device == "cuda":
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                fn()
                end.record()
                torch.cuda.synchronize()
                elapsed = start.elapsed_time(end) * 1e6
            else:
                import time

                t0 = time.perf_counter_ns()
                fn()
                elapsed = float(time.perf_counter_ns() - t0)
            if i >= self.warmup:
                best = min(best, elapsed)
        return best

    def _fwd_bwd(self, forward: Callable[[], Any], inputs: Sequence[Any], training: bool) -> PhaseTimes:
        torch = self.torch
        with torch.no_grad():
            t_fwd = self._time(forward)
        if not training:
            return PhaseTimes(forward_ns=t_fwd)
        out = forward()
        grad = torch.ones_like(out)

        def backward() -> None:
            torch.autograd.grad(out, inputs, grad, retain_graph=True)

        return PhaseTimes(forward_ns=t_fwd, backward_ns=self._time(backward))

    def time_conv(self, geometry: ConvShape, *, batch: int, precision: str, training: bool) -> PhaseTimes:
        """``torch.nn.functional.conv2d`` with the layer's geometry."""
        torch = self.torch
        dtype = _dtype_and_flags(torch, precision)
        g = geometry
        x = torch.randn(batch, g.in_channels, *g.in_hw, device=self.device, dtype=dtype, requires_grad=training)
        w = torch.randn(g.out_channels, g.in_channels // g.groups, *g.kernel, device=self.device, dtype=dtype,
                        requires_grad=training)
        if precision == "amp":  # channels-last, as the fitted FP16 figures ran
            x = x.detach().to(memory_format=torch.channels_last).requires_grad_(training)
            w = w.detach().to(memory_format=torch.channels_last).requires_grad_(training)

        def forward() -> Any:
            return torch.nn.functional.conv2d(x, w, stride=g.stride, padding=g.padding, groups=g.groups)

        return self._fwd_bwd(forward, [x, w], training)

    def time_matmul(self, *, batches: int, m: int, k: int, n: int, precision: str, training: bool,
                    weight_grad: bool) -> PhaseTimes:
        """``torch.bmm`` (or ``torch.matmul`` for one product)."""
        torch = self.torch
        dtype = _dtype_and_flags(torch, precision)
        a = torch.randn(batches, m, k, device=self.device, dtype=dtype, requires_grad=training)
        b = torch.randn(1 if weight_grad else batches, k, n, device=self.device, dtype=dtype, requires_grad=training)

        def forward() -> Any:
            return torch.matmul(a, b)

        return self._fwd_bwd(forward, [a, b], training)

    def time_elementwise(self, *, elems: int, precision: str, training: bool) -> PhaseTimes:
        """``torch.relu`` over the elements (a memory-bound stand-in for normalisation and activation)."""
        torch = self.torch
        dtype = _dtype_and_flags(torch, precision)
        x = torch.randn(max(1, elems), device=self.device, dtype=dtype, requires_grad=training)

        def forward() -> Any:
            return torch.relu(x)

        return self._fwd_bwd(forward, [x], training)


def default_backend(device: str = "cuda") -> tuple[TimingBackend | None, str]:
    """The PyTorch backend on ``device``, or None and why it is not available."""
    try:
        import torch
    except ImportError:
        return None, "PyTorch is not installed"
    if device == "cuda" and not torch.cuda.is_available():
        return None, "no CUDA device visible to PyTorch"
    return TorchBackend(torch=torch, device=device), ""


def measure(
    layers: Sequence[LayerWork],
    *,
    mode: str = "training",
    precision: str = "amp",
    batch_size: int = 256,
    backend: TimingBackend | None = None,
) -> Measurement:
    """Time every layer of ``layers`` (see the module docstring); ``backend`` defaults to PyTorch on CUDA."""
    if precision == "int8":
        return Measurement(time_ns_per_batch=None, reason="INT8 is modelled for TensorRT engines; not measured")
    if backend is None:
        backend, reason = default_backend()
        if backend is None:
            return Measurement(time_ns_per_batch=None, reason=reason)
    rows: dict[str, PhaseTimes] = {}
    for w in layers:
        t = cost_of(w).measure(w, backend, batch=batch_size, precision=precision, training=mode == "training")
        if t is not None:
            rows[w.name] = t
    total = sum(t.forward_ns + t.backward_ns for t in rows.values())
    return Measurement(time_ns_per_batch=total, device=backend.device_name(), layers=rows)
