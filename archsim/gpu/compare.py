"""Analog-vs-GPU comparison: the ``gpu`` section of result.json.

Inputs are the event engine's ``timing`` section, the cost model's ``energy`` section (both as the
dicts written to result.json) and a :class:`~archsim.gpu.model.GPUResult` for the same workload.

Definitions (all per sample, so a batch-256 GPU and a batch-1 analog chip compare fairly):

* analog time per sample = 1 / simulated throughput (steady state, pipelining included);
* analog energy per sample = total simulated energy / simulated samples;
* ``speedup`` = GPU time / analog time; ``energy_ratio`` = GPU energy / analog energy;
* operations per sample = 2 · MACs · (1 for inference, 3 for training: forward, backward, update),
  the same useful-work count for both sides, so TOPS and TOPS/W are comparable;
* per layer: the analog time is the sum of the layer's forward, backward, update and digital time per
  sample (busy time, not latency); the GPU time is the model's per-layer prediction.

Section keys: ``baseline`` (:meth:`GPUResult.to_dict`: gpu, mode, precision, batch_size, stack, per-sample
and per-batch time/energy, host-wait and launch fractions, ``launch_bound``, peak-only bound, what is
modelled and what measured (``basis``), the ``--measure`` record, per-layer kernels), ``analog``
(time_ns_per_sample, energy_pj_per_sample, throughput_samples_per_s, tops, tops_per_w, batch_size,
precision), ``comparison`` (batch size and precision on both sides, ``launch_bound``,
``comparison_lines``: the sentences the CLI and the report print), ``ops_per_sample``, ``gpu_tops``,
``gpu_tops_per_w``, ``speedup``, ``energy_ratio``, ``layers`` (per layer: analog and GPU time and energy
per sample, speedup, gpu_bound, and the measured GPU time when ``--measure`` ran), ``paper_checks`` and
``paper_checks_lines``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from archsim.gpu.measure import Measurement
from archsim.gpu.model import GPUResult
from archsim.hwconfig.schema import HardwareConfig
from archsim.results.io import finite_number
from archsim.workload.model import Workload


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def analog_energy_per_sample_pj(energy: Mapping[str, Any] | None, timing: Mapping[str, Any]) -> float | None:
    """Energy per simulated sample from an ``energy`` section (``per_sample_pj`` or ``total_pj`` / batch)."""
    if not isinstance(energy, Mapping):
        return None
    per = finite_number(energy.get("per_sample_pj"))
    if per is not None:
        return per
    total = finite_number(energy.get("total_pj"))
    batch = finite_number(timing.get("batch")) or 1.0
    return None if total is None else total / batch


def analog_precision_text(hw: Any) -> str:
    """How the analog chip computes: DAC and ADC resolution, and weight bits where weights are bit-sliced."""
    text = f"analog MVM, {hw.tile.dac.bits}-bit DAC inputs, {hw.tile.adc.bits}-bit ADC outputs"
    if hw.crossbar.weight_bits is not None:
        text += f", {hw.crossbar.weight_bits}-bit weights"
    return text


def _measured_line(device: str, measured_ns_per_sample: float, model_ns_per_sample: float) -> str:
    return (f"GPU time measured on {device}: {measured_ns_per_sample:.4g} ns per sample "
            f"(model {model_ns_per_sample:.4g} ns; per layer in gpu.baseline.measurement)")


def comparison_lines(gpu_result: GPUResult, *, analog_batch: Any, analog_precision: str) -> list[str]:
    """What the speed-up compares, stated on both sides, and when launch overhead decides it."""
    g = gpu_result
    lines = [
        f"compared: GPU {g.gpu} {g.mode} at batch {g.batch_size}, {g.precision} ({g.stack}) vs analog chip at "
        f"batch {analog_batch}, {analog_precision}",
        f"GPU time is modelled (kernel roofline fitted to published throughputs, docs/validation.md); GPU energy is "
        f"the modelled time x measured power ({g.power_scope})",
    ]
    if g.measured_time_ns_per_batch is not None:
        lines.append(_measured_line(str(g.measurement.get("device", "this machine")),
                                    g.measured_time_ns_per_batch / g.batch_size, g.time_ns_per_sample))
    if g.launch_bound:
        lines.append(
            f"launch overhead dominates the GPU side: {100 * g.launch_fraction:.0f} % of its batch time is kernel-launch "
            f"cost ({100 * g.host_wait_fraction:.0f} % waiting for the host, {g.n_kernels} kernels at batch "
            f"{g.batch_size}); the speed-up measures the GPU's launch overhead more than its arithmetic"
        )
    return lines


def attach_measurement(section: Mapping[str, Any], measurement: Measurement) -> dict[str, Any]:
    """A copy of a ``gpu`` section with a ``--measure`` record (:class:`archsim.gpu.measure.Measurement`):
    the measured batch time and per-layer record (with the model's per-layer batch time next to each
    measured row) in ``baseline``, the measured time per sample in each ``layers`` row, the basis and the
    comparison lines updated."""
    out = copy.deepcopy(dict(section))
    base = out["baseline"]
    batch = base["batch_size"]
    model_ns = {layer["layer"]: layer["time_ns_per_sample"] * batch for layer in base["layers"]}
    record = measurement.to_dict(model_ns)
    base["measured_time_ns_per_batch"] = measurement.time_ns_per_batch
    base["measurement"] = record
    base["basis"]["measured_time"] = (
        f"measured on {record['device']} (--measure)" if measurement.time_ns_per_batch is not None
        else f"not measured: {record['reason']}"
    )
    for row in out["layers"]:
        measured = record["layers"].get(row["layer"])
        row["gpu_measured_time_ns_per_sample"] = measured["measured_ns"] / batch if measured else None
    if measurement.time_ns_per_batch is not None:
        out["comparison"]["comparison_lines"].append(
            _measured_line(record["device"], measurement.time_ns_per_batch / batch, base["time_ns_per_sample"]))
    return out


def compare(
    gpu_result: GPUResult,
    *,
    timing: Mapping[str, Any],
    energy: Mapping[str, Any] | None,
    macs_per_sample: float,
    paper_checks: Sequence[Any] = (),
    analog_precision: str | None = None,
) -> dict[str, Any]:
    """Build the ``gpu`` section of result.json (see the module docstring for the definitions).

    ``analog_precision`` describes the analog side's arithmetic (:func:`analog_precision_text`); the
    section says ``not stated`` without it.
    """
    mode = gpu_result.mode
    ops_per_sample = 2.0 * macs_per_sample * (3 if mode == "training" else 1)
    throughput = finite_number(timing.get("throughput_samples_per_s"))
    analog_t = 1e9 / throughput if throughput else None
    analog_e = analog_energy_per_sample_pj(energy, timing)
    gpu_t, gpu_e = gpu_result.time_ns_per_sample, gpu_result.energy_pj_per_sample
    by_layer_energy = energy.get("by_layer_pj") if isinstance(energy, Mapping) else None
    analog_layers = {}
    for lt in timing.get("layers") or []:
        parts = [
            finite_number(lt.get(k)) or 0.0
            for k in (
                "forward_ns_per_sample",
                "backward_ns_per_sample",
                "update_ns_per_sample",
                "digital_ns_per_sample",
            )
        ]
        analog_layers[str(lt.get("layer"))] = sum(parts)
    measured_layers = gpu_result.measurement.get("layers") or {}
    rows = []
    for layer in gpu_result.layers:
        a_t = analog_layers.get(layer.layer)
        a_e = None
        if isinstance(by_layer_energy, Mapping) and layer.layer in by_layer_energy:
            value = by_layer_energy[layer.layer]
            a_e = finite_number(
                value if not isinstance(value, Mapping) else sum(finite_number(v) or 0.0 for v in value.values())
            )
            batch = finite_number(timing.get("batch")) or 1.0
            a_e = None if a_e is None else a_e / batch
        rows.append(
            {
                "layer": layer.layer,
                "kind": layer.kind,
                "analog_time_ns_per_sample": a_t,
                "gpu_time_ns_per_sample": layer.time_ns_per_sample,
                "speedup": _ratio(layer.time_ns_per_sample, a_t),
                "analog_energy_pj_per_sample": a_e,
                "gpu_energy_pj_per_sample": layer.energy_pj_per_sample,
                "gpu_bound": max(layer.phases, key=lambda ph: ph.time_ns).bound if layer.phases else None,
                "gpu_measured_time_ns_per_sample": (
                    measured_layers[layer.layer]["measured_ns"] / gpu_result.batch_size
                    if layer.layer in measured_layers
                    else None
                ),
            }
        )
    checks = [c.to_dict() if hasattr(c, "to_dict") else c for c in paper_checks]
    lines = [line for c in paper_checks if hasattr(c, "lines") for line in c.lines()]
    analog_batch = timing.get("batch")
    precision_text = analog_precision or "precision not stated"
    return {
        "baseline": gpu_result.to_dict(),
        "comparison": {
            "gpu": {"batch_size": gpu_result.batch_size, "precision": gpu_result.precision, "stack": gpu_result.stack,
                    "mode": gpu_result.mode},
            "analog": {"batch_size": analog_batch, "precision": precision_text},
            "launch_bound": gpu_result.launch_bound,
            "comparison_lines": comparison_lines(gpu_result, analog_batch=analog_batch,
                                                 analog_precision=precision_text),
        },
        "analog": {
            "time_ns_per_sample": analog_t,
            "energy_pj_per_sample": analog_e,
            "throughput_samples_per_s": throughput,
            "tops": ops_per_sample / analog_t / 1e3 if analog_t else None,
            "tops_per_w": _ratio(ops_per_sample, analog_e),
            "batch_size": analog_batch,
            "precision": precision_text,
        },
        "ops_per_sample": ops_per_sample,
        "gpu_tops": ops_per_sample / gpu_t / 1e3 if gpu_t else None,
        "gpu_tops_per_w": _ratio(ops_per_sample, gpu_e),
        "speedup": _ratio(gpu_t, analog_t),
        "energy_ratio": _ratio(gpu_e, analog_e),
        "layers": rows,
        "paper_checks": checks,
        "paper_checks_lines": lines,
    }


def gpu_section_for_run(
    workload: Workload,
    *,
    timing: Mapping[str, Any],
    energy: Mapping[str, Any] | None,
    gpu: str,
    mode: str,
    precision: str = "amp",
    batch_size: int | None = None,
    stack: str = "pytorch",
    hw: HardwareConfig | None = None,
    paper_checks: Sequence[Any] = (),
) -> dict[str, Any]:
    """The ``gpu`` section of ``archsim run``: predict ``workload`` on ``gpu`` (with the software ``stack``) and
    compare.

    ``hw`` (the run's hardware description) states the analog side's precision in the section; ``paper_checks``
    (objects with ``to_dict()`` and ``lines()``, e.g. :func:`archsim.validation.rapa_check`) are listed in it.
    """
    from archsim.gpu.load import load_gpu
    from archsim.gpu.model import layer_work_from_workload, predict

    gpu_result = predict(
        load_gpu(gpu),
        layer_work_from_workload(workload),
        mode=mode,
        precision=precision,
        batch_size=batch_size,
        stack=stack,
    )
    return compare(
        gpu_result,
        timing=timing,
        energy=energy,
        macs_per_sample=float(workload.total_macs_per_sample),
        paper_checks=paper_checks,
        analog_precision=analog_precision_text(hw) if hw is not None else None,
    )
