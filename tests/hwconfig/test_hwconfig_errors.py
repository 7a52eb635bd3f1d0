"""Every error class of the strict loader, as a table of bad YAML snippets (the message is part of the API)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hwtext import tiny_raw, tiny_yaml

from archsim.errors import ConfigError
from archsim.hwconfig.load import load_hardware, load_hardware_text
from archsim.loader import parse_yaml

BASE = "version: 1\nname: t\n"

# (id, YAML after BASE, regex the message must match)
BAD = [
    ("unknown-key-typo", "tile:\n  adc:\n    bitz: 4\n",
     r"^t\.yaml:5: tile\.adc: unknown key 'bitz' \(did you mean 'bits'\?\); valid keys: area_um2, bits, "),
    ("unknown-top-key", "chipp: {n_tiles: 2}\n", r"^t\.yaml:3: \(top level\): unknown key 'chipp' \(did you mean 'chip'\?\)"),
    ("duplicate-key", "chip:\n  n_tiles: 2\n  n_tiles: 3\n",
     r"^t\.yaml:5: chip: duplicate key 'n_tiles' \(first given on line 4\)"),
    ("duplicate-top-key", "name: u\n", r"^t\.yaml:3: \(top level\): duplicate key 'name' \(first given on line 2\)"),
    ("wrong-type-int", "chip: {n_tiles: two}\n", r"^t\.yaml:3: chip\.n_tiles: expected an integer, got 'two' \(a string\)"),
    ("wrong-type-float-int", "chip: {n_tiles: 2.5}\n", r"chip\.n_tiles: expected an integer, got 2\.5 \(float\)"),
    ("wrong-type-bool", "crossbar: {overlap_stages: 1}\n", r"crossbar\.overlap_stages: expected true or false, got 1 \(int\)"),
    ("wrong-type-str", "description: 3\n", r"^t\.yaml:3: description: expected a string, got 3 \(int\)"),
    ("duplicate-name", "name: u\n", r"duplicate key 'name'"),
    ("wrong-type-mapping", "tile: 5\n", r"^t\.yaml:3: tile: expected a mapping \(TileConfig\), got 5 \(int\)"),
    ("wrong-type-list", "interconnect: {dims: 4}\n", r"interconnect\.dims: expected a list, got 4 \(int\)"),
    ("wrong-list-length", "interconnect: {dims: [1, 2, 3]}\n", r"interconnect\.dims: expected a list of 2 items, got 3"),
    ("zero-rows", "tile: {n_rows: 0}\n", r"^t\.yaml:3: tile\.n_rows: expected an integer in \[1, 65536\], got 0"),
    ("negative-latency", "tile:\n  adc: {latency_ns: -1}\n", r"^t\.yaml:4: tile\.adc\.latency_ns: expected a number >= 0, got -1"),
    ("negative-energy", "tile:\n  dac: {energy_pj: -0.5}\n", r"tile\.dac\.energy_pj: expected a number >= 0, got -0\.5"),
    ("adc-bits-too-high", "tile:\n  adc: {bits: 33}\n", r"tile\.adc\.bits: expected an integer in \[1, 32\], got 33"),
    ("zero-bandwidth", "offchip: {bandwidth_gbps: 0}\n",
     r"offchip\.bandwidth_gbps: expected a number >= 1e-09, got 0(\.0)? \(hint: the schema's lower bound for "
     r"bandwidth_gbps is 1e-09\)"),
    ("clock-too-slow", "chip: {clock_freq_mhz: 1.0e-278}\n",
     r"^t\.yaml:3: chip\.clock_freq_mhz: expected a number >= 1e-06, got 1e-278"),
    ("link-too-slow", "interconnect: {link_freq_mhz: 1.0e-300}\n",
     r"^t\.yaml:3: interconnect\.link_freq_mhz: expected a number >= 1e-06, got 1e-300"),
    ("unit-too-slow", "tile:\n  digital:\n    alu: {ops: [accumulate], throughput_ops_per_ns: 1.0e-12}\n",
     r"tile\.digital\.alu\.throughput_ops_per_ns: expected a number >= 1e-09, got 1e-12"),
    ("invalid-enum", "interconnect: {topology: ring}\n",
     r"^t\.yaml:3: interconnect\.topology: invalid value 'ring'; expected one of: mesh, cmesh, bus, edges"),
    ("invalid-enum-close", "interconnect: {topology: meshh}\n", r"invalid value 'meshh' \(did you mean 'mesh'\?\)"),
    ("invalid-rpu-enum", "crossbar:\n  rpu:\n    forward: {noise_management: absmax}\n",
     r"crossbar\.rpu\.forward\.noise_management: invalid value 'absmax' \(did you mean 'abs_max'\?\); expected one of: none, abs_max"),
    ("unit-wrong-dimension", "crossbar: {integration_ns: 2 mW}\n",
     r"crossbar\.integration_ns: expected a time in ns, got '2 mW' \(a power\)"),
    ("unit-unknown", "crossbar: {integration_ns: 80 parsecs}\n", r"crossbar\.integration_ns: cannot parse unit 'parsecs'"),
    ("unit-on-unitless", "chip: {n_tiles: 4 ns}\n",
     r"chip\.n_tiles: expected an integer, got '4 ns' \(a string\) \(hint: 'n_tiles' has no unit suffix"),
    ("unit-non-integral", "tile:\n  buffer: {capacity_bytes: 1.5 bit}\n", r"tile\.buffer\.capacity_bytes: expected an integer"),
    ("unknown-kind", "crossbar:\n  rpu:\n    device: {kind: softbounds}\n",
     r"^t\.yaml:5: crossbar\.rpu\.device\.kind: unknown kind 'softbounds' \(did you mean 'soft_bounds'\?\); valid kinds: constant_step"),
    ("missing-kind-uses-default", "crossbar:\n  rpu:\n    device: {gamma_up: 0.01}\n",
     r"crossbar\.rpu\.device: unknown key 'gamma_up'"),
    ("device-key-of-other-kind", "crossbar:\n  rpu:\n    device: {kind: constant_step, gamma_up: 0.1}\n",
     r"crossbar\.rpu\.device: unknown key 'gamma_up'"),
    ("unknown-preset", "crossbar:\n  rpu: {preset: ReRamSB}\n",
     r"crossbar\.rpu\.preset: unknown preset 'ReRamSB' \(did you mean 'ReRamSBPreset'\?\); valid presets:"),
    ("preset-not-available", "tile: {preset: foo}\n", r"tile\.preset: presets are not available here \(TileConfig has no presets\)"),
    ("missing-required", "tile:\n  digital:\n    alu: {count: 1}\n", r"tile\.digital\.alu: missing required key 'ops'"),
    ("digital-op-unknown", "tile:\n  digital:\n    alu: {ops: [accumulat]}\n",
     r"tile\.digital\.alu\.ops\[0\]: invalid value 'accumulat' \(did you mean 'accumulate'\?\)"),
    ("digital-op-twice", "tile:\n  digital:\n    a: {ops: [accumulate]}\n    b: {ops: [accumulate]}\n",
     r"tile\.digital\.b\.ops: expected op kinds not already served by digital\.a, got 'accumulate'"),
    ("version-unsupported", "", r"version: expected one of 1, got 2"),
    ("rpu-range", "crossbar:\n  rpu:\n    device: {kind: constant_step, dw_min: -0.1}\n",
     r"crossbar\.rpu\.device\.dw_min: expected > 0, got -0\.1"),
    ("edges-unknown-tile", "chip: {n_tiles: 2}\ninterconnect: {topology: edges, edges: [[0, 5]]}\n",
     r"interconnect\.edges: edge \[0, 5\] names tile 5, but the chip has tiles 0\.\.1"),
    ("not-connected", "chip: {n_tiles: 3}\ninterconnect: {topology: edges, edges: [[0, 1]]}\n",
     r"interconnect: the network is not connected; tiles \[2\] cannot reach the rest"),
    ("grid-too-small", "chip: {n_tiles: 9}\ninterconnect: {dims: [2, 2]}\n",
     r"interconnect\.dims: a 2x2 router grid with 1 tile\(s\) per router holds 4 tiles, chip\.n_tiles is 9"),
    ("yaml-syntax", "tile: {n_rows: 4\n", r"^t\.yaml:4: invalid YAML"),
    ("top-not-mapping", None, r"^t\.yaml:1: expected a mapping at the top level, got a list"),
]


@pytest.mark.parametrize(("snippet", "pattern"), [(s, p) for _, s, p in BAD], ids=[i for i, _, _ in BAD])
def test_bad_yaml_gives_one_clear_error(snippet: str | None, pattern: str) -> None:
    if snippet is None:
        text = "- a\n- b\n"
    elif pattern.startswith("interconnect"):  # whole-config checks run on a complete file
        raw = tiny_raw(snippet)
        raw["interconnect"].setdefault("dims", None) if "dims" in snippet else raw["interconnect"].update(dims=None)
        text = yaml.safe_dump(raw, sort_keys=False)
    elif pattern.startswith("version"):
        text = "version: 2\nname: t\n"
    else:
        text = BASE + snippet
    with pytest.raises(ConfigError) as info:
        load_hardware_text(text, name="t.yaml")
    message = str(info.value)
    assert "\n" not in message
    assert re.search(pattern, message), message


def test_missing_version_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"^t\.yaml:1: missing key 'version'"):
        load_hardware_text("name: t\n", name="t.yaml")


def test_missing_file_names_the_file_and_suggests(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"hwconfigs/isac-2016\.yaml: file not found.*did you mean hwconfigs/isaac-2016\.yaml"):
        load_hardware("hwconfigs/isac-2016.yaml")
    with pytest.raises(ConfigError, match=r"nothing\.yaml: file not found"):
        load_hardware(tmp_path / "nothing.yaml")


def test_error_line_points_into_a_real_file(tmp_path: Path) -> None:
    path = tmp_path / "hw.yaml"
    path.write_text(BASE + "crossbar:\n  integration_ns: 80\n  pulse_ns: -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}:5: crossbar.pulse_ns: expected a number >= 0, got -1")):
        load_hardware(path)


def test_error_inside_a_preset_points_at_the_preset_line() -> None:
    text = BASE + "crossbar:\n  rpu:\n    preset: GokmenVlasovPreset\n    device: {dw_min: -1}\n"
    with pytest.raises(ConfigError, match=r"t\.yaml:6: crossbar\.rpu\.device\.dw_min: expected > 0"):
        load_hardware_text(text, name="t.yaml")


def test_merge_keys_are_not_duplicates() -> None:
    data, _ = parse_yaml("a: &x {n: 1, m: 2}\nb:\n  <<: *x\n  n: 3\n", "m.yaml")
    assert data == {"a": {"n": 1, "m": 2}, "b": {"n": 3, "m": 2}}


def test_adc_resolution_contradiction_is_an_error() -> None:
    text = tiny_yaml("tile: {adc: {bits: 6}}\ncrossbar: {rpu: {forward: {out_res: 0.0714285714285714}}}\n")
    with pytest.raises(ConfigError, match=r"crossbar\.rpu\.forward\.out_res: out_res 0\.0714286 \(4 bits\) "
                                          r"contradicts tile\.adc\.bits = 6"):
        load_hardware_text(text, name="t.yaml")
