"""Paper checks: RAPA-ConvNets replica speed-ups on the RPU chip (seed-papers.md §7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.engine import simulate
from archsim.hwconfig import load_hardware
from archsim.mapping import map_workload

ROOT = Path(__file__).resolve().parents[2]
CONVS = ("conv1", "conv2", "conv3")


def _rapa_workload():
    from archsim.workload import load_workload

    wl = load_workload(ROOT / "workloads" / "rapa-cnn3.yaml")
    assert all(name in {layer.name for layer in wl.layers} for name in CONVS)
    return wl


@pytest.fixture(scope="module")
def rapa_runs():
    hw = load_hardware(ROOT / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml")
    wl = _rapa_workload()
    runs = {}
    for tiled, reps in (("untiled", None), ("tiled", {"conv1": 16, "conv2": 4, "conv3": 1})):
        mapping = map_workload(hw, wl, replicas=reps)
        for pipeline in (True, False):
            runs[(tiled, pipeline)] = simulate(mapping, hw, mode="inference", batch=12, pipeline=pipeline,
                                               workload=wl)[0]
    return runs


def test_rapa_sequential_mvms_1344_to_192(rapa_runs):
    for tiled, expected in (("untiled", 1344), ("tiled", 192)):
        timing = rapa_runs[(tiled, False)]
        assert sum(timing.layer(n).sequential_mvms_per_sample for n in CONVS) == expected


def test_rapa_pipelined_conv_forward_time_drops_16x(rapa_runs):
    # pipelined: the steady-state time per image is that of the slowest conv layer
    untiled = max(rapa_runs[("untiled", True)].layer(n).interval_ns for n in CONVS)
    tiled = max(rapa_runs[("tiled", True)].layer(n).interval_ns for n in CONVS)
    assert untiled / tiled == pytest.approx(16.0, rel=0.05)


def test_rapa_sequential_conv_forward_time_drops_7x(rapa_runs):
    # in sequence: the conv layers' forward times add up (1344 vs 192 sequential MVMs)
    untiled = sum(rapa_runs[("untiled", False)].layer(n).latency_ns for n in CONVS)
    tiled = sum(rapa_runs[("tiled", False)].layer(n).latency_ns for n in CONVS)
    assert untiled / tiled == pytest.approx(1344 / 192, rel=0.05)
