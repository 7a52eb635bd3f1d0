"""Every bundled hwconfig loads cleanly, carries sources, round-trips, and ISAAC's Table I rolls up."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
import yaml
from hwtext import tiny_raw, tiny_yaml

from archsim.hwconfig.load import load_hardware, load_hardware_text
from archsim.hwconfig.rpu import PRESETS, RPUConfig
from archsim.hwconfig.schema import DigitalOp, HardwareConfig, Topology
from archsim.loader import bundled_files, dump_yaml, non_default

HWCONFIGS = bundled_files("hwconfigs")
#: aihwkit's preset IO (7-bit inputs, 9-bit outputs) as converters of the tiny chip
PRESET_CONVERTERS = "tile: {adc: {bits: 9}, dac: {bits: 7}}\n"
#: aihwkit's StandardHWATrainingPreset converts with 254 steps (8 bits) both ways
HWA_CONVERTERS = "tile: {adc: {bits: 8}, dac: {bits: 8}}\n"
REQUIRED = {"rpu-gokmen-vlasov-2016", "aihwkit-default", "isaac-2016", "tiny-test"}


def test_required_presets_are_bundled() -> None:
    assert REQUIRED <= {p.stem for p in HWCONFIGS}


@pytest.mark.parametrize("path", HWCONFIGS, ids=[p.stem for p in HWCONFIGS])
def test_bundled_hwconfig_loads_without_warnings(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hw = load_hardware(path)
    assert hw.name == path.stem
    assert hw.description.strip()
    graph = hw.build_graph()
    assert {("tile", i) for i in range(hw.chip.n_tiles)} <= set(graph.nodes)


@pytest.mark.parametrize("path", HWCONFIGS, ids=[p.stem for p in HWCONFIGS])
def test_every_number_has_a_source_comment(path: Path) -> None:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.match(r"^\s+[a-z_]+: [-+.\d]", line) and not line.lstrip().startswith("#"):
            assert "#" in line, f"{path.name}:{n}: number without a '# source' comment: {line.strip()}"


@pytest.mark.parametrize("path", HWCONFIGS, ids=[p.stem for p in HWCONFIGS])
def test_resolved_dump_round_trips(path: Path) -> None:
    hw = load_hardware(path)
    again = load_hardware_text(dump_yaml(hw), name="resolved.yaml")
    assert again == hw


def test_isaac_table_one_roll_up() -> None:
    hw = load_hardware("hwconfigs/isaac-2016.yaml")
    assert hw.peak_power_mw("tile") == pytest.approx(330.0, rel=0.01)
    assert hw.area_um2("tile") / 1e6 == pytest.approx(0.372, rel=0.01)
    assert hw.peak_power_mw() / 1e3 == pytest.approx(65.8, rel=0.01)
    assert hw.area_um2() / 1e6 == pytest.approx(85.4, rel=0.01)
    items = {i.name: i for i in hw.inventory() if i.scope == "tile"}
    assert items["adc"].count == 96 and items["dac"].count == 12288
    assert items["router"].count == pytest.approx(0.25)
    adc_share = items["adc"].total_power_mw / hw.peak_power_mw("tile")
    assert adc_share == pytest.approx(0.58, abs=0.01)  # "ADCs ~58 % of tile power" (Shafiee et al. 2016)
    assert hw.crossbar.input_bits == 16 and hw.tile.bits_per_cell == 2 and hw.crossbar.weight_bits == 16
    assert hw.input_cycles == 16 and hw.weight_slices == 8
    assert hw.interconnect.topology is Topology.CMESH and hw.interconnect.n_routers(168) == 42


def test_rpu_and_aihwkit_presets() -> None:
    rpu = load_hardware("hwconfigs/rpu-gokmen-vlasov-2016.yaml")
    assert (rpu.tile.n_rows, rpu.tile.n_cols) == (4096, 4096)
    assert rpu.crossbar.integration_ns == 80 and rpu.tile.dac.bits == 7 and rpu.tile.adc.bits == 9
    assert rpu.crossbar.rpu.update.desired_bl == 10
    default = load_hardware("hwconfigs/aihwkit-default.yaml")
    assert (default.tile.n_rows, default.tile.n_cols) == (512, 512)
    assert default.crossbar.rpu == RPUConfig()  # exactly aihwkit's defaults


def test_tiny_fixture(tiny_hw: HardwareConfig) -> None:
    assert tiny_hw.chip.n_tiles == 4 and (tiny_hw.tile.n_rows, tiny_hw.tile.n_cols) == (8, 8)
    assert tiny_hw.tile.adcs_per_crossbar == 1 and tiny_hw.tile.dacs_per_crossbar == 8
    for op in DigitalOp:
        assert tiny_hw.tile.unit_for(op) is not None
    assert tiny_hw.tile.buffer.capacity_bytes == 1024


def test_preset_merges_user_keys() -> None:
    raw = tiny_raw(PRESET_CONVERTERS, name="p")
    raw["crossbar"]["rpu"] = {"preset": "ReRamSBPreset", "forward": {"out_noise": 0.0}, "device": {"dw_min": 0.004}}
    hw = load_hardware_text(yaml.safe_dump(raw), name="p.yaml")
    rpu = hw.crossbar.rpu
    assert rpu.device.kind == "soft_bounds_reference"
    assert rpu.device.dw_min == 0.004 and rpu.device.write_noise_std == 56.0
    assert rpu.forward.out_noise == 0.0 and rpu.forward.out_bound == 20.0
    assert rpu == RPUConfig.from_preset("ReRamSBPreset", forward={"out_noise": 0.0}, device={"dw_min": 0.004})


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_rpu_preset_loads(name: str) -> None:
    # the preset's IO resolutions are aihwkit's 7-bit inputs and 9-bit outputs (8 and 8 for the HWA preset): the
    # converters reproduce them
    raw = tiny_raw(HWA_CONVERTERS if name == "StandardHWATrainingPreset" else PRESET_CONVERTERS, name="p")
    raw["crossbar"]["rpu"] = {"preset": name}
    hw = load_hardware_text(yaml.safe_dump(raw), name="p.yaml")
    assert hw.crossbar.rpu == RPUConfig.from_preset(name)


def test_non_default_lists_only_changes() -> None:
    hw = load_hardware_text(tiny_yaml("tile: {n_rows: 64}", name="p"), name="p.yaml")
    changed = non_default(hw)
    assert changed["name"] == "p" and changed["tile.n_rows"] == 64 and "crossbar.overlap_stages" not in changed
