"""Cost model: counts x energy table, leakage x makespan, area/peak-power roll-ups (ISAAC Table I)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.cost import area_breakdown, energy_table, price
from archsim.errors import SimulationError
from archsim.hwconfig import load_hardware
from archsim.results.energy import AreaBreakdown, EnergyBreakdown
from archsim.results.timing import ActionCounts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny():
    return load_hardware(ROOT / "hwconfigs" / "tiny-test.yaml")


def test_counts_times_table_by_hand(tiny):
    counts = ActionCounts(counts={
        ("chip.tile0.xbar", "forward_cells"): 64,      # one full 8x8 pass: read_energy_pj = 1 pJ
        ("chip.tile0.xbar", "forward_pass"): 1,        # bookkeeping, free
        ("chip.tile0.dac", "convert"): 8,              # 8 x 0.1 pJ
        ("chip.tile0.adc", "convert"): 8,              # 8 x 1 pJ
        ("chip.tile0.alu", "activation"): 10,          # 10 x 0.1 pJ
        ("chip.tile0.buffer", "read_bytes"): 10,       # 80 bit x 0.1 pJ
        ("chip.noc.router_router0", "bytes"): 1,       # 8 bit x 0.1 pJ
        ("chip.noc.link_router0_router1", "bytes"): 1,  # 8 bit x 0.1 pJ (router-router wire)
        ("chip.noc.link_tile0_router0", "bytes"): 1,   # local tile-router edge: free
        ("chip.offchip", "write_bytes"): 2,            # 16 bit x 1 pJ
    })
    e = price(counts, tiny, makespan_ns=0.0)
    assert e.dynamic_pj[("chip.tile0.xbar", "forward_cells")] == pytest.approx(1.0)
    assert e.by_part() == pytest.approx({"adc": 8.0, "alu": 1.0, "buffer": 8.0, "crossbar": 1.0, "dac": 0.8,
                                         "link": 0.8, "offchip": 16.0, "router": 0.8})
    assert e.leakage_total_pj == 0.0


def test_leakage_is_power_times_makespan_on_every_tile(tiny):
    e = price(ActionCounts(), tiny, makespan_ns=100.0)
    # per tile: adc 0.01 + alu 0.001 + buffer 0.01 mW (router leakage 0); 4 tiles; mW x ns = pJ
    assert e.leakage_total_pj == pytest.approx(4 * (0.01 + 0.001 + 0.01) * 100.0)


def test_an_unpriced_count_is_an_error_not_a_silent_zero(tiny):
    with pytest.raises(SimulationError, match=r"counted 3 'op' of chip\.tile0\.mystery, which tiny-test gives no energy"):
        price(ActionCounts(counts={("chip.tile0.mystery", "op"): 3}), tiny, makespan_ns=0.0)


def test_breakdowns_add_and_round_trip(tiny):
    a = EnergyBreakdown(dynamic_pj={("chip.tile0.adc", "convert"): 2.0}, leakage_pj={"adc": 1.0})
    b = EnergyBreakdown(dynamic_pj={("chip.tile0.adc", "convert"): 3.0, ("chip.tile1.dac", "convert"): 1.0})
    total = sum([a, b])
    assert total.total_pj == 7.0 and total.dynamic_pj[("chip.tile0.adc", "convert")] == 5.0
    assert EnergyBreakdown.from_dict(total.to_dict()).to_dict() == total.to_dict()
    area = area_breakdown(tiny)
    assert AreaBreakdown.from_dict(area.to_dict()) == area


def test_table_covers_every_digital_op(tiny):
    table = energy_table(tiny)
    for op in ("accumulate", "activation", "pulse_prob", "nm_scale"):
        assert table[("alu", op)] == 0.1


def test_isaac_table_one_rollup():
    hw = load_hardware(ROOT / "hwconfigs" / "isaac-2016.yaml")
    area = area_breakdown(hw)
    assert area.tile_power_mw == pytest.approx(330.0, rel=0.05)
    assert area.tile_area_um2 / 1e6 == pytest.approx(0.372, rel=0.05)
    assert area.chip_power_mw / 1e3 == pytest.approx(65.8, rel=0.05)
    assert area.chip_area_um2 / 1e6 == pytest.approx(85.4, rel=0.05)
    adc = next(i for i in area.items if i.name == "adc")
    assert adc.power_mw / area.tile_power_mw == pytest.approx(0.58, abs=0.02)  # ADCs ~58 % of tile power


def test_sample_and_hold_follows_adc_conversions():
    hw = load_hardware(ROOT / "hwconfigs" / "isaac-2016.yaml")
    sh = hw.tile.components["sample_hold"]
    e = price(ActionCounts(counts={("chip.tile5.adc", "convert"): 1000}), hw, makespan_ns=0.0)
    assert e.dynamic_pj[("chip.tile5.sample_hold", "sample")] == pytest.approx(1000 * sh.energy_pj)
    assert e.dynamic_pj[("chip.tile5.adc", "convert")] == pytest.approx(1000 * hw.tile.adc.energy_pj)
