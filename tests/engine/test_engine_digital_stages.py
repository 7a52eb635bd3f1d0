"""A step's digital work runs in stages (shift-and-add and accumulation, then the owned layers' activation):
a later stage waits for the earlier one, and the stages of consecutive samples overlap (a pipeline)."""

from __future__ import annotations

import pytest
import yaml
from hwtext import tiny_raw

from archsim.engine import simulate
from archsim.engine.layer import FORWARD_STAGES
from archsim.hwconfig import load_hardware_text
from archsim.mapping import map_workload
from archsim.workload import load_workload_text

WORKLOAD = """version: 1
name: lin-sigmoid
input_shape: [7]
n_classes: 8
layers:
  - {name: fc, kind: linear, out_features: 8}
  - {name: act, kind: sigmoid}
"""


def _hw(act_cycles: int, alu_cycles: int = 100):
    raw = tiny_raw(name="stages")
    alu = raw["tile"]["digital"]["alu"]
    alu["ops"] = [op for op in alu["ops"] if op != "activation"]
    alu["latency_cycles"] = alu_cycles
    raw["tile"]["digital"]["act"] = dict(alu, ops=["activation"], latency_cycles=act_cycles)
    return load_hardware_text(yaml.safe_dump(raw, sort_keys=False), name="stages.yaml")


def _makespan_ns(act_cycles: int, batch: int) -> float:
    hw = _hw(act_cycles)
    mapping = map_workload(hw, load_workload_text(WORKLOAD, "lin-sigmoid.yaml"))
    assert set(mapping.layer("fc").digital_ops["forward"]) >= {"activation"}
    timing, _ = simulate(mapping, hw, batch=batch)
    return timing.makespan_ns


def test_activation_waits_for_the_alu_stage() -> None:
    # one sample: the activation unit's 50 extra cycles (1 GHz) add to the latency although the ALU's job of the
    # step (100 cycles) is longer: the activation consumes its results
    assert _makespan_ns(50, 1) - _makespan_ns(0, 1) == pytest.approx(50.0, abs=1e-6)


def test_stages_of_consecutive_samples_overlap() -> None:
    # eight samples: the ALU stage (100 cycles a step) is the bottleneck, so the activation's 50 cycles are
    # paid once, by the last sample, not once per sample as a stage-by-stage wait would
    assert _makespan_ns(50, 8) - _makespan_ns(0, 8) == pytest.approx(50.0, abs=1e-6)


def test_stage_order_follows_the_data() -> None:
    order = sorted(FORWARD_STAGES, key=FORWARD_STAGES.__getitem__)
    assert order[:3] == ["shift_add", "accumulate", "nm_scale"] and order[-2:] == ["activation", "pooling"]
