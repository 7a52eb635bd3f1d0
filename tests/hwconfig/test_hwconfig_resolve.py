"""Resolution: nothing silent, models fill what a file leaves out, provenance, converters as one source of truth,
every action priced, the mode check, and one-line errors for bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hwtext import tiny_raw, tiny_yaml

from archsim.cli import main
from archsim.errors import ConfigError
from archsim.hwconfig.checks import check_mode
from archsim.hwconfig.load import load_hardware, load_hardware_text
from archsim.hwconfig.resolve import dump_resolved, resolution_of_bits
from archsim.loader import bundled_files
from archsim.workload import load_workload


def test_a_two_line_file_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^t\.yaml:\d+: chip: missing 'n_tiles': a hardware file states every"):
        load_hardware_text("version: 1\nname: x\nchip: {}\n", name="t.yaml")
    with pytest.raises(ConfigError, match=r"^t\.yaml:\d+: \(top level\)|chip"):
        load_hardware_text("version: 1\nname: x\n", name="t.yaml")


def test_missing_quantity_names_the_path_and_the_models() -> None:
    raw = tiny_raw()
    del raw["tile"]["adc"]["energy_pj"]
    with pytest.raises(ConfigError) as err:
        load_hardware_text(yaml.safe_dump(raw), name="t.yaml")
    message = str(err.value)
    assert re.search(r"^t\.yaml:\d+: tile\.adc: missing 'energy_pj'", message)
    assert "adc.survey" in message and "adc.from_power" in message


def test_provenance_of_isaac() -> None:
    hw = load_hardware("isaac-2016")
    p = hw.provenance
    assert p["tile.dac.energy_pj"] == "model dac.scaled" and hw.tile.dac.energy_pj == pytest.approx(0.39)
    assert p["tile.adc.bits"] == "explicit"
    assert p["tile.digital.shift_add.throughput_ops_per_ns"] == "derived: lanes x chip.clock_freq_mhz"
    assert p["crossbar.rpu.forward.out_res"] == "derived: 1 / (2^tile.adc.bits - 2)"
    assert hw.crossbar.rpu.forward.out_res == resolution_of_bits(8)
    assert hw.crossbar.rpu.forward.inp_res == resolution_of_bits(16)
    assert hw.tile.components["sample_hold"].energy_pj == pytest.approx(9.765625e-4)
    over = load_hardware("isaac-2016", ["tile.dac.energy_pj=0.5"])
    assert over.tile.dac.energy_pj == 0.5
    assert over.provenance["tile.dac.energy_pj"] == "explicit (model dac.scaled gives 0.39)"


def test_adc_change_moves_numerics_energy_and_time_together() -> None:
    base = load_hardware("aihwkit-default")
    six = load_hardware("aihwkit-default", ["tile.adc.bits=6"])
    assert six.crossbar.rpu.forward.out_res == resolution_of_bits(6) != base.crossbar.rpu.forward.out_res
    assert six.crossbar.rpu.backward.out_res == resolution_of_bits(6)
    assert six.tile.adc.energy_pj < base.tile.adc.energy_pj and six.tile.adc.area_um2 < base.tile.adc.area_um2
    sar = load_hardware("aihwkit-default", ["tile.adc.latency_ns=null", "tile.adc.ns_per_bit=0.2"])
    sar6 = load_hardware("aihwkit-default", ["tile.adc.latency_ns=null", "tile.adc.ns_per_bit=0.2", "tile.adc.bits=6"])
    assert sar.tile.adc.latency_ns == pytest.approx(1.8) and sar6.tile.adc.latency_ns == pytest.approx(1.2)


@pytest.mark.parametrize("path", bundled_files("hwconfigs"), ids=[p.stem for p in bundled_files("hwconfigs")])
def test_resolved_dump_names_the_models_and_round_trips(path: Path) -> None:
    hw = load_hardware(path)
    text = dump_resolved(hw)
    assert load_hardware_text(text, name="resolved.yaml") == hw
    if hw.tile.adc.model:
        assert re.search(r"energy_pj: \S+  # model adc\.", text)


BAD = [
    ("unknown-model", ["tile.adc.model=adc.survy"],
     r"tile\.adc\.model: unknown component model 'adc.survy' \(did you mean 'adc.survey'\?\) \(hint: valid "),
    ("model-of-other-part", ["tile.adc.model=dac.scaled"], r"tile\.adc\.model: model 'dac.scaled' computes a dac, not "
     r"a adc \(hint: models for a adc: adc.survey, adc.from_power\)"),
    ("adc-20-bit-10-gsps", ["tile.adc.bits=20", "tile.adc.latency_ns=0.1", "tile.adc.model=adc.survey",
                            "tile.adc.energy_pj=null"],
     r"tile\.adc\.bits: model adc\.survey: bits: got 20; valid: 4 <= bits <= 17"),
    ("adc-too-fast", ["tile.adc.bits=12", "tile.adc.latency_ns=0.1", "tile.adc.model=adc.survey",
                      "tile.adc.energy_pj=null"],
     r"tile\.adc\.latency_ns: model adc\.survey: latency_ns: got 0\.1; valid: sample rate <= [\d.]+ GS/s"),
    ("node-outside-scaling", ["chip.technology_nm=3", "tile.digital.alu.model=digital.scaled",
                              "tile.digital.alu.energy_pj=null", "tile.digital.alu.params={ref_energy_pj: 0.1, "
                                                                 "ref_node_nm: 45}"],
     r"tile\.digital\.alu: model digital\.scaled: chip\.technology_nm: got 3; valid: 7 <= technology_nm <= 130 nm"),
    ("param-out-of-range", ["crossbar.model=crossbar.ohmic", "crossbar.read_energy_pj=null",
                            "crossbar.params={read_voltage_v: 50, mean_conductance_us: 1, input_activity: 0.5}"],
     r"crossbar\.params\.read_voltage_v: model crossbar\.ohmic: params\.read_voltage_v: got 50; valid: 0\.01 <= "),
    ("params-without-model", ["tile.adc.params={x: 1}"], r"tile\.adc\.params: params given without a model"),
    ("zero-area", ["tile.adc.area_um2=0"], r"tile\.adc\.area_um2: expected a value > 0 on a used part, got 0"),
    ("zero-energy", ["tile.dac.energy_pj=0"], r"tile\.dac\.energy_pj: expected a value > 0 on a used part"),
    ("tile-bound", ["chip.n_tiles=1000000"], r"chip\.n_tiles: expected an integer in \[1, 65536\], got 1000000"),
    ("area-bound", ["tile.adc.area_um2=4e294"], r"tile\.adc\.area_um2: expected a number <= 1e\+09, got 4e\+294"),
    ("op-not-served", ["tile.digital.alu.ops=[accumulate, shift_add]"],
     r"tile\.digital: no unit serves op 'activation', needed for the non-linearity of every network"),
    ("unpriced-component", ["tile.components={reg: {count: 1, energy_pj: 1, power_mw: 1, area_um2: 1, "
                            "leakage_mw: 0}}"],
     r"tile\.components\.reg\.energy_pj: an energy without 'follows': this action would never be charged"),
    ("component-follows-nothing", ["tile.components={reg: {count: 1, energy_pj: 1, follows: [adc.convrt], "
                                   "actions_per_count: 1, power_mw: 1, area_um2: 1, leakage_mw: 0}}"],
     r"tile\.components\.reg\.follows: 'adc\.convrt' is not an action the engine counts"),
    ("columns-per-adc-too-many", ["tile.adc.columns_per_adc=9"],
     r"tile\.adc\.columns_per_adc: expected at most tile\.n_cols \(8\), got 9"),
]


@pytest.mark.parametrize(("overrides", "pattern"), [(o, p) for _, o, p in BAD], ids=[i for i, _, _ in BAD])
def test_bad_hardware_is_one_clear_error(overrides: list[str], pattern: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_hardware("tiny-test", overrides)
    message = str(err.value)
    assert "\n" not in message and "tiny-test.yaml" in message
    assert re.search(pattern, message), message


def test_cli_validate_bad_model_exits_1_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hw.yaml"
    path.write_text(tiny_yaml("tile: {adc: {model: adc.survy}}"), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and re.search(rf"{re.escape(str(path))}:\d+: tile\.adc\.model: unknown component model", err[0])


def test_check_mode() -> None:
    isaac = load_hardware("isaac-2016")
    check_mode(isaac, "inference")
    with pytest.raises(ConfigError, match=r"isaac-2016: crossbar\.rpu\.update\.pulse_type is 'none': this chip has "
                                          r"no update path and cannot train"):
        check_mode(isaac, "training")
    with pytest.raises(ConfigError, match=r"--mode: expected one of inference, training"):
        check_mode(isaac, "fly")
    tiny = load_hardware("tiny-test")
    check_mode(tiny, "training")
    no_pool = load_hardware("tiny-test", ["tile.digital.alu.ops=[accumulate, activation, shift_add, nm_scale, "
                                          "pulse_prob, transfer]"])
    wl = load_workload("lenet-gokmen-2017")
    with pytest.raises(ConfigError, match=r"no unit serves op 'pooling', which layer '\w+' \(\w+pool\) of workload"):
        check_mode(no_pool, "inference", wl)
    with pytest.raises(ConfigError, match=r"no unit serves op 'pulse_prob', needed for the pulsed update"):
        check_mode(load_hardware("tiny-test", ["tile.digital.alu.ops=[accumulate, activation, nm_scale]"]),
                   "training")


def test_provenance_summary_for_validate() -> None:
    from archsim.hwconfig.resolve import provenance_summary

    s = provenance_summary(load_hardware("isaac-2016", ["tile.dac.energy_pj=0.5"]))
    assert "tile.adc.energy_pj" in s["models"]["adc.from_power"]
    assert s["explicit_over_model"]["tile.dac.energy_pj"] == "model dac.scaled gives 0.39"
    assert s["derived"]["tile.buffer.bandwidth_gbps"] == "width_bits x ports x clock"


def test_router_ports_are_an_input_of_the_router_model_only() -> None:
    # the tiny chip states its router's energy per bit: no ports needed (the engine models no port contention)
    assert load_hardware("tiny-test").interconnect.router.ports is None
    raw = yaml.safe_load(Path("hwconfigs/isaac-2016.yaml").read_text(encoding="utf-8"))
    del raw["interconnect"]["router"]["ports"]
    with pytest.raises(ConfigError) as err:
        load_hardware_text(yaml.safe_dump(raw), name="t.yaml")
    assert re.search(r"^t\.yaml:\d+: interconnect\.router\.ports: model router\.from_power: ports: missing", str(err.value))


def test_component_parts_take_no_capacity() -> None:
    # a register's cost is stated (ISAAC Table I), so a capacity would change nothing: the schema has none
    raw = yaml.safe_load(Path("hwconfigs/isaac-2016.yaml").read_text(encoding="utf-8"))
    raw["tile"]["components"]["input_register"]["capacity_bytes"] = 2048
    with pytest.raises(ConfigError, match=r"capacity_bytes"):
        load_hardware_text(yaml.safe_dump(raw), name="t.yaml")


def test_a_derived_value_out_of_range_names_its_file_path_and_derivation(capsys: pytest.CaptureFixture[str]) -> None:
    """A 1 Hz clock is a valid clock, but the ALU's 4 cycles then take 4 s, beyond the schema's 1 s per action: the
    error names the part whose value was derived and how (the fuzz campaign found it without file or path)."""
    path = Path(__file__).resolve().parents[2] / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml"
    with pytest.raises(ConfigError) as info:
        load_hardware(path, overrides=["chip.clock_freq_mhz=1e-6"])
    assert re.match(r"^.*rpu-gokmen-vlasov-2016\.yaml:\d+: tile\.digital\.alu\.latency_ns: expected a number <= 1e\+09, "
                    r"got 4000000000\.\d+ \(derived: latency_cycles / chip\.clock_freq_mhz\)$", info.value.message)
    assert main(["validate", str(path), "--set", "chip.clock_freq_mhz=1e-6"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "tile.digital.alu.latency_ns" in err[0] and "rpu-gokmen-vlasov-2016.yaml:" in err[0]
