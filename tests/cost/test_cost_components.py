"""Component models: each formula against a hand computation, ranges refused, and the registry's errors."""

from __future__ import annotations

import math

import pytest

from archsim.components import MODELS, ModelContext, ModelInput, ModelRangeError, models_for
from archsim.components.adc import survey_max_rate_hz
from archsim.components.scaling import area_factor, energy_factor
from archsim.errors import ConfigError

CTX = ModelContext(technology_nm=32.0, clock_freq_mhz=1000.0, n_rows=128, n_cols=128, integration_ns=100.0)


def run(name: str, fields: dict | None = None, params: dict | None = None, ctx: ModelContext = CTX) -> dict:
    return MODELS[name](ModelInput(fields=fields or {}, params=params or {}, ctx=ctx))


def test_registry_lists_models_per_part_and_refuses_unknown_names():
    assert {"adc.survey", "adc.from_power"} <= set(models_for("adc"))
    assert set(models_for("link")) == {"link.wire"}
    with pytest.raises(ConfigError, match=r"unknown component model 'adc.survy' \(did you mean 'adc.survey'\?\)"):
        MODELS["adc.survy"]


def test_adc_survey_matches_the_package_and_grows_with_bits():
    from hwcomponents_adc import ADC

    out = run("adc.survey", {"bits": 8, "latency_ns": 0.78125})
    ref = ADC(n_bits=8, tech_node=32e-9, throughput=1.28e9)
    assert out["energy_pj"] == pytest.approx(0.8 * ref.get_energy() * 1e12)
    assert out["area_um2"] == pytest.approx(ref.area * 1e12)
    assert out["leakage_mw"] == pytest.approx(0.2 * ref.get_energy() * 1e12 * 1.28)
    assert out["power_mw"] == pytest.approx(out["energy_pj"] * 1.28 + out["leakage_mw"])
    e = [run("adc.survey", {"bits": b, "latency_ns": 1.0})["energy_pj"] for b in (4, 6, 8, 10)]
    assert e == sorted(e) and e[-1] > 5 * e[0]
    # SAR timing: bits x ns_per_bit
    assert run("adc.survey", {"bits": 8, "ns_per_bit": 12.5})["latency_ns"] == 100.0


def test_adc_survey_refuses_what_no_surveyed_adc_does():
    with pytest.raises(ModelRangeError, match=r"bits: got 20; valid: 4 <= bits <= 17"):
        run("adc.survey", {"bits": 20, "latency_ns": 0.1})
    top = survey_max_rate_hz(12)
    assert 1e8 < top <= 1e10
    with pytest.raises(ModelRangeError, match=r"latency_ns: got 0.1; valid: sample rate <= .* GS/s .* at 12 bits"):
        run("adc.survey", {"bits": 12, "latency_ns": 0.1})
    with pytest.raises(ModelRangeError, match=r"latency_ns: missing"):
        run("adc.survey", {"bits": 8})


def test_from_power_models_charge_dynamic_power_per_action():
    assert run("adc.from_power", {"power_mw": 2.0, "leakage_mw": 0.2, "latency_ns": 0.78125})["energy_pj"] == \
        pytest.approx(1.8 * 0.78125)
    assert run("dac.from_power", {"power_mw": 0.0039})["energy_pj"] == pytest.approx(0.39)
    assert run("crossbar.from_power", {"power_mw": 0.3, "integration_ns": 100.0})["read_energy_pj"] == \
        pytest.approx(30.0)
    assert run("digital.from_power", {"power_mw": 0.05, "throughput_ops_per_ns": 1.2})["energy_pj"] == \
        pytest.approx(0.05 / 1.2)
    assert run("buffer.from_power", {"power_mw": 20.0, "bandwidth_gbps": 400.0})["read_energy_pj_per_bit"] == \
        pytest.approx(0.05)
    assert run("router.from_power", {"power_mw": 42.0, "leakage_mw": 1.0, "ports": 8, "flit_bits": 32},
               ctx=ModelContext(technology_nm=32, clock_freq_mhz=1200, n_rows=1, n_cols=1))["energy_pj_per_bit"] == \
        pytest.approx(41.0 / (8 * 32 * 1.2))
    assert run("offchip.from_power", {"power_mw": 10400, "bandwidth_gbps": 204.8})["energy_pj_per_bit"] == \
        pytest.approx(50.78125)
    with pytest.raises(ModelRangeError, match=r"leakage_mw: got 3; valid: leakage_mw <= power_mw"):
        run("adc.from_power", {"power_mw": 2.0, "leakage_mw": 3.0, "latency_ns": 1.0})


def test_dac_scaled_doubles_per_bit_and_follows_the_node():
    one = run("dac.scaled", {"bits": 1})
    assert one["power_mw"] == pytest.approx(0.0039) and one["area_um2"] == pytest.approx(0.166)
    assert one["energy_pj"] == pytest.approx(0.39)
    seven = run("dac.scaled", {"bits": 7})
    assert seven["area_um2"] == pytest.approx(0.166 * 64)
    at22 = run("dac.scaled", {"bits": 7}, ctx=ModelContext(technology_nm=22, clock_freq_mhz=1000, n_rows=1, n_cols=1,
                                                           integration_ns=100.0))
    assert at22["power_mw"] == pytest.approx(seven["power_mw"] * energy_factor(22, 32))
    with pytest.raises(ModelRangeError, match=r"bits: got 9; valid: 1 <= bits <= 8"):
        run("dac.scaled", {"bits": 9})


def test_crossbar_ohmic_by_hand():
    out = run("crossbar.ohmic", {"integration_ns": 80.0, "pulse_ns": 1.0},
              {"read_voltage_v": 1.0, "mean_conductance_us": 1 / 24, "input_activity": 0.5, "cell_area_f2": 40,
               "update_voltage_v": 1.0, "line_capacitance_ff_per_cell": 0.1})
    cells = 128 * 128
    assert out["read_energy_pj"] == pytest.approx(cells * 1.0 * (1 / 24) * 80 * 0.5 * 1e-3)
    assert out["power_mw"] == pytest.approx(out["read_energy_pj"] / 80)
    assert out["area_um2"] == pytest.approx(cells * 40 * 0.032**2)
    assert out["update_energy_pj"] == pytest.approx((1 / 24) * 1e-3)
    assert out["update_line_energy_pj"] == pytest.approx(128 * 0.1 * 1e-3)
    with pytest.raises(ModelRangeError, match=r"params.read_voltage_v: got 50; valid: 0.01 <= read_voltage_v <= 5"):
        run("crossbar.ohmic", {"integration_ns": 80.0}, {"read_voltage_v": 50, "mean_conductance_us": 1,
                                                          "input_activity": 0.5})
    with pytest.raises(ModelRangeError, match=r"params.bogus: got 1; valid: model crossbar.ohmic takes params"):
        run("crossbar.ohmic", {"integration_ns": 80.0}, {"bogus": 1})


def test_digital_scaled_and_the_node_range():
    out = run("digital.scaled", {"throughput_ops_per_ns": 16.0},
              {"ref_energy_pj": 0.15, "ref_area_um2": 5670, "ref_leakage_mw": 0.27, "ref_node_nm": 45})
    assert out["energy_pj"] == pytest.approx(0.15 * energy_factor(32, 45))
    assert out["area_um2"] == pytest.approx(5670 * area_factor(32, 45))
    assert out["power_mw"] == pytest.approx(out["energy_pj"] * 16 + out["leakage_mw"])
    assert energy_factor(32, 45) < 1 and area_factor(22, 32) < 1  # newer nodes are cheaper
    low = ModelContext(technology_nm=3, clock_freq_mhz=1000, n_rows=1, n_cols=1)
    with pytest.raises(ModelRangeError, match=r"chip.technology_nm: got 3; valid: 7 <= technology_nm <= 130 nm"):
        run("digital.scaled", {}, {"ref_energy_pj": 0.1, "ref_node_nm": 45}, ctx=low)


def test_memory_horowitz_square_root_law():
    small = run("memory.horowitz", {"capacity_bytes": 8192}, ctx=dataclass_ctx(45))
    assert small["read_energy_pj_per_bit"] == pytest.approx(10 / 64)
    big = run("memory.horowitz", {"capacity_bytes": 4 * 8192}, ctx=dataclass_ctx(45))
    assert big["read_energy_pj_per_bit"] == pytest.approx(2 * 10 / 64)
    out = run("memory.horowitz", {"capacity_bytes": 65536},
              {"cell_area_f2": 200, "array_efficiency": 0.5, "access_cycles": 2}, ctx=dataclass_ctx(22))
    assert out["area_um2"] == pytest.approx(65536 * 8 * 200 * 0.022**2 / 0.5)
    assert out["latency_ns"] == 2.0


def dataclass_ctx(node: float) -> ModelContext:
    return ModelContext(technology_nm=node, clock_freq_mhz=1000, n_rows=1, n_cols=1)


def test_link_wire_spans_the_router_pitch():
    ctx = ModelContext(technology_nm=32, clock_freq_mhz=1000, n_rows=1, n_cols=1, tile_area_um2=250000.0,
                       tiles_per_router=4)
    out = run("link.wire", {}, {"wire_energy_pj_per_bit_mm": 0.1}, ctx=ctx)
    assert out["energy_pj_per_bit_hop"] == pytest.approx(0.1 * math.sqrt(4 * 250000.0) / 1000)


def test_offchip_memories():
    assert run("offchip.hbm2")["energy_pj_per_bit"] == 3.9
    assert run("offchip.gddr5")["energy_pj_per_bit"] == 14.0
    assert run("offchip.lpddr4")["energy_pj_per_bit"] == 8.0


def test_the_component_library_leaves_the_root_logger_alone():
    import logging
    import subprocess
    import sys

    code = ("import logging; import archsim.components.library; r = logging.getLogger(); "
            "print(r.level, len(r.handlers))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(logging.WARNING), "0"]
