"""Paper and acceptance checks: RAPA-ConvNets replica speed-ups on the RPU chip, ResNet-50 on ISAAC (row
pipelining, finite buffers, reprogramming in passes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.cost import price
from archsim.engine import simulate
from archsim.errors import MappingError, SimulationError
from archsim.hwconfig import load_hardware
from archsim.mapping import map_workload
from archsim.workload import load_workload

ROOT = Path(__file__).resolve().parents[2]
CONVS = ("conv1", "conv2", "conv3")


@pytest.fixture(scope="module")
def rapa_cnn3():
    return load_workload(ROOT / "workloads" / "rapa-cnn3.yaml")


@pytest.fixture(scope="module")
def resnet50():
    return load_workload(ROOT / "workloads" / "resnet50.yaml")


@pytest.fixture(scope="module")
def rapa_runs(rapa_cnn3):
    hw = load_hardware(ROOT / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml")
    runs = {}
    for tiled, reps in (("untiled", None), ("tiled", {"conv1": 16, "conv2": 4, "conv3": 1})):
        mapping = map_workload(hw, rapa_cnn3, replicas=reps)
        for pipeline in (True, False):
            runs[(tiled, pipeline)] = simulate(mapping, hw, mode="inference", batch=12, pipeline=pipeline)[0]
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


@pytest.mark.parametrize("n_t", [16, 64, 128])
def test_rapa_forward_cycle_accelerates_with_the_replicas_in_pipelined_training(rapa_cnn3, n_t):
    """RAPA-ConvNets: the forward cycle of a layer is accelerated by its kernel replicas n_t. Measured in a
    pipelined training run of batch 64 (the paper's proportional replicas n_t, n_t/4, n_t/16 on the three
    conv layers), as the first conv layer's forward-cycle time per sample: the longest time one replica takes
    from its first to its last MVM of a sample, waits for input rows and for the crossbars its updates also
    use included (the baseline's forward cycle is stretched by its own updates too). The chip has enough
    tiles for 169 arrays; its 128-bit links carry 128-bit flits (with the bundled 32-bit flits a router
    forwarding one flit per clock cycle would run the links at a quarter of their bandwidth)."""
    hw = load_hardware(ROOT / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml",
                       ["chip.n_tiles=256", "interconnect.dims=[16,16]", "interconnect.flit_bits=128"])
    base = simulate(map_workload(hw, rapa_cnn3), hw, mode="training", batch=64)[0].layer("conv1")
    reps = {"conv1": n_t, "conv2": n_t // 4, "conv3": max(1, n_t // 16)}
    timing = simulate(map_workload(hw, rapa_cnn3, replicas=reps), hw, mode="training", batch=64)[0]
    conv1 = timing.layer("conv1")
    assert base.forward_span_ns / conv1.forward_span_ns >= 0.8 * n_t
    assert base.forward_ns_per_sample / conv1.forward_ns_per_sample == pytest.approx(n_t, rel=1e-3)


@pytest.fixture(scope="module")
def isaac():
    return load_hardware(ROOT / "hwconfigs" / "isaac-2016.yaml")


def test_resnet50_batch1_latency_is_within_3x_of_its_slowest_stage(isaac, resnet50):
    timing = simulate(map_workload(isaac, resnet50), isaac, batch=1)[0]
    slowest = max(max(lt.forward_ns_per_sample, lt.digital_ns_per_sample) for lt in timing.layers)
    assert timing.latency_ns_per_sample <= 3 * slowest
    # rows pipeline: every layer after the first starts long before the first has finished the sample
    conv1 = timing.layer("conv1")
    assert timing.layer("layer1.0.conv1").first_start_ns < conv1.first_start_ns + 0.1 * conv1.forward_ns_per_sample


def test_resnet50_buffer_capacity_changes_time_and_traffic(resnet50):
    runs = {}
    for cap in ("16 KiB", "64 MiB"):
        hw = load_hardware(ROOT / "hwconfigs" / "isaac-2016.yaml", [f"tile.buffer.capacity_bytes={cap}"])
        timing, counts = simulate(map_workload(hw, resnet50), hw, batch=1)
        runs[cap] = (timing, counts.total("write_bytes", "offchip"))
    small, large = runs["16 KiB"], runs["64 MiB"]
    assert sum(lt.bytes_spilled for lt in small[0].layers) > 0 == sum(lt.bytes_spilled for lt in large[0].layers)
    assert small[1] > large[1] and small[0].makespan_ns > large[0].makespan_ns


def test_resnet50_runs_in_reprogramming_passes_on_a_16_tile_chip(resnet50):
    sets = ["chip.n_tiles=16", "interconnect.dims=[2,2]"]
    hw = load_hardware(ROOT / "hwconfigs" / "isaac-2016.yaml", sets)
    with pytest.raises(MappingError, match=r"needs 12672 crossbars but the chip has 1536.*mapping.overflow=reprogram"):
        map_workload(hw, resnet50)
    hw = load_hardware(ROOT / "hwconfigs" / "isaac-2016.yaml",
                       [*sets, "mapping.overflow=reprogram", "crossbar.write_energy_pj=10"])
    mapping = map_workload(hw, resnet50)
    with pytest.raises(SimulationError, match="crossbar.pulse_ns: expected the duration of one write step"):
        simulate(mapping, hw)
    # a 40 ns set pulse per write step (the ISAAC-style cell of CiMLoop's model), 8 rows at a time
    hw = load_hardware(ROOT / "hwconfigs" / "isaac-2016.yaml",
                       [*sets, "mapping.overflow=reprogram", "crossbar.write_energy_pj=10", "crossbar.pulse_ns=40",
                        "crossbar.rows_per_write=8"])
    mapping = map_workload(hw, resnet50)
    assert mapping.n_passes > 1 and max(lm.pass_index for lm in mapping.layers) == mapping.n_passes - 1
    timing, counts = simulate(mapping, hw, batch=1)
    assert timing.n_passes == mapping.n_passes and timing.reprogram_ns > 0
    conv1 = timing.layer("conv1")
    assert conv1.reprogram_ns > 0 and conv1.reprogram_cells == 147 * 64 * 8
    # conv1's 147 rows of 16 crossbars: ceil(147 / 2 row blocks / 8 rows) = 10 write steps of 40 ns after its
    # weights have arrived, so its programming takes at least 400 ns
    assert conv1.reprogram_ns >= 400
    energy = price(counts.layer("conv1"), hw, 0.0)
    assert energy.dynamic_pj[("chip.tile0.xbar", "program_cells")] == pytest.approx(10 * 147 * 64 * 8)
    weights = sum(v for (scope, action), v in energy.dynamic_pj.items() if scope == "chip.offchip")
    assert weights > 0  # the weights were read from off-chip memory
