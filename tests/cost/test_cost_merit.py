"""Peak figures of merit by hand, per-layer pricing, and the pricing rules of components and router scopes."""

from __future__ import annotations

import pytest

from archsim.cost import merit_section, peak_figures, price, price_layers
from archsim.cost.merit import pass_interval_ns
from archsim.hwconfig import load_hardware
from archsim.results.timing import ActionCounts


def test_isaac_peak_by_hand():
    hw = load_hardware("isaac-2016")
    p = peak_figures(hw)
    # 168 x 96 crossbars x 128 x 128 cells, 16 input cycles x 8 slices of one 100 ns (ADC-bound = read) pass
    assert p.pass_ns == pytest.approx(max(100.0, 128 * 0.78125, 0.8333))
    assert p.ops_per_s == pytest.approx(2 * 16128 * 128 * 128 / (16 * 8 * 100e-9))
    assert p.tops_per_w == pytest.approx(p.tops / (hw.peak_power_mw() / 1e3))
    assert p.gops_per_s_per_mm2 == pytest.approx(p.ops_per_s / 1e9 / (hw.area_um2() / 1e6))


def test_pass_interval_rows_per_read_pools_and_overlap():
    tiny = load_hardware("tiny-test")
    # no overlap: DAC 1 conversion x 1 ns + 10 ns integration + 8 columns x 1 ns
    assert pass_interval_ns(tiny) == pytest.approx(1 + 10 + 8)
    half = load_hardware("tiny-test", ["crossbar.rows_per_read=4"])
    assert pass_interval_ns(half) == pytest.approx(2 * (1 + 10 + 8))
    assert peak_figures(half).ops_per_s == pytest.approx(peak_figures(tiny).ops_per_s / 2)
    puma = load_hardware("puma")
    # 8 crossbars per pool of 2 ADCs: 8 x ceil(128 / 2) conversions of 100/512 ns = 100 ns, the integration time
    assert pass_interval_ns(puma) == pytest.approx(8 * 64 * 100 / 512)
    assert pass_interval_ns(load_hardware("puma", ["crossbar.overlap_stages=false"])) == pytest.approx(1 + 100 + 100)
    slow = load_hardware("puma", ["tile.adc.latency_ns=0.25"])
    assert pass_interval_ns(slow) == pytest.approx(8 * 64 * 0.25)  # the pool, not the integration, sets the pass


def test_merit_section_with_achieved_figures():
    hw = load_hardware("tiny-test")
    sec = merit_section(hw, ops=2e6, makespan_ns=1e6, energy_pj=1e6)
    assert sec["peak"]["tops"] == pytest.approx(peak_figures(hw).tops)
    assert sec["achieved"]["tops"] == pytest.approx(2e-3)
    assert sec["achieved"]["tops_per_w"] == pytest.approx(2.0)
    assert sec["achieved"]["fraction_of_peak"] == pytest.approx(2e9 / peak_figures(hw).ops_per_s)
    assert "achieved" not in merit_section(hw)


def test_components_are_priced_through_the_counts_they_follow():
    hw = load_hardware("isaac-2016")
    counts = ActionCounts(counts={("chip.tile3.adc", "convert"): 100, ("chip.tile3.dac", "convert"): 50,
                                  ("chip.tile3.buffer", "write_bytes"): 10, ("chip.tile3.buffer", "read_bytes"): 20})
    e = price(counts, hw, makespan_ns=0.0)
    c = hw.tile.components
    assert e.dynamic_pj[("chip.tile3.sample_hold", "sample")] == pytest.approx(100 * c["sample_hold"].energy_pj)
    assert e.dynamic_pj[("chip.tile3.output_register", "write")] == pytest.approx(100 * c["output_register"].energy_pj)
    assert e.dynamic_pj[("chip.tile3.input_register", "read")] == pytest.approx(50 * c["input_register"].energy_pj)
    assert e.dynamic_pj[("chip.tile3.edram_bus", "transfer_byte")] == pytest.approx(30 * c["edram_bus"].energy_pj)
    assert e.dynamic_pj[("chip.tile3.tile_output_register", "write")] == pytest.approx(
        10 * c["tile_output_register"].energy_pj)
    puma = load_hardware("puma")
    ctrl = puma.tile.components["edram_controller"]
    e = price(ActionCounts(counts={("chip.tile0.buffer", "read_bytes"): 64}), puma, 0.0)
    assert e.dynamic_pj[("chip.tile0.edram_controller", "access")] == pytest.approx(64 / 32 * ctrl.energy_pj)


def test_offchip_port_and_bus_are_not_priced_as_routers():
    hw = load_hardware("isaac-2016")
    counts = ActionCounts(counts={("chip.noc.router_offchip0", "bytes"): 100, ("chip.noc.router_router0", "bytes"): 100,
                                  ("chip.offchip", "read_bytes"): 100})
    e = price(counts, hw, 0.0)
    assert ("chip.noc.router_offchip0", "bytes") not in e.dynamic_pj
    assert e.dynamic_pj[("chip.noc.router_router0", "bytes")] == pytest.approx(800 * hw.interconnect.router.energy_pj_per_bit)
    assert e.dynamic_pj[("chip.offchip", "read_bytes")] == pytest.approx(800 * 10400 / 204.8)


def test_energy_per_layer():
    hw = load_hardware("tiny-test")
    per = price_layers({"fc1": ActionCounts(counts={("chip.tile0.adc", "convert"): 8}),
                        "fc2": ActionCounts(counts={("chip.tile1.dac", "convert"): 8})}, hw)
    assert per == pytest.approx({"fc1": 8.0, "fc2": 0.8})
