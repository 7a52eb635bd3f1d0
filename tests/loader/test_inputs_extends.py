"""Inputs of a known kind: bundled names with did-you-mean, swapped arguments, ``extends:`` and what it inherits."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.errors import ConfigError, WorkloadError
from archsim.hwconfig.load import load_hardware, load_hardware_text
from archsim.loader import HARDWARE, inherited_fields, read_input, resolve_path
from archsim.workload.load import load_workload, load_workload_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from a folder that has no hwconfigs/ or workloads/ (as an installed archsim would be used)."""
    monkeypatch.chdir(tmp_path)


def test_bundled_names_resolve_from_anywhere() -> None:
    assert resolve_path("isaac-2016", "hwconfigs").name == "isaac-2016.yaml"
    assert resolve_path("isaac-2016.yaml", "hwconfigs").name == "isaac-2016.yaml"
    # the README's paths work outside the project folder too: hwconfigs/NAME.yaml is the bundled file
    assert resolve_path("hwconfigs/isaac-2016.yaml", "hwconfigs") == resolve_path("isaac-2016", "hwconfigs")
    assert load_workload("workloads/mlp-digits.yaml").name == "mlp-digits"


def test_misspelt_bundled_name_gets_did_you_mean() -> None:
    with pytest.raises(ConfigError, match=r"^isaac2016: file not found \(hint: did you mean 'isaac-2016'\? "
                                          r"bundled hwconfigs: aihwkit-default, isaac-2016"):
        load_hardware("isaac2016")
    with pytest.raises(WorkloadError, match=r"^resnet-18: workload file not found \(hint: did you mean 'resnet18'\?"):
        load_workload("resnet-18")


@pytest.mark.parametrize("hw, workload, message", [
    ("mlp-digits", "isaac-2016", r"^mlp-digits: a bundled workload, given where a hardware description is expected"),
    ("workloads/mlp-digits.yaml", "hwconfigs/isaac-2016.yaml",
     r"^workloads/mlp-digits\.yaml: a bundled workload, given where a hardware description is expected"),
])
def test_swapped_bundled_names(hw: str, workload: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message + r" \(hint: the workload goes in WORKLOAD\.yaml, the second"):
        load_hardware(hw)
    with pytest.raises(WorkloadError, match=r"a bundled hardware description, given where a workload is expected"):
        load_workload(workload)


def test_swapped_files_are_recognised_by_their_keys() -> None:
    wl, hw = ROOT / "workloads" / "mlp-digits.yaml", ROOT / "hwconfigs" / "isaac-2016.yaml"
    with pytest.raises(ConfigError, match=rf"^{wl}: a workload \(it has 'layers', 'input_shape'\), given where a "
                                          r"hardware description is expected"):
        load_hardware(wl)
    with pytest.raises(WorkloadError, match=rf"^{hw}: a hardware description \(it has 'chip', 'tile'\), given where "
                                            r"a workload is expected"):
        load_workload(hw)
    with pytest.raises(ConfigError, match=r"a workload \(it has 'layers'"):
        load_hardware_text("version: 1\nname: x\nlayers: []\n", "t.yaml")


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_extends_a_bundled_file_and_overrides(tmp_path: Path) -> None:
    path = _write(tmp_path, "slow.yaml", "version: 1\nextends: isaac-2016\nname: isaac-slow\ntile:\n"
                                         "  adc: {latency_ns: 2}\n")
    hw, base = load_hardware(path), load_hardware("isaac-2016")
    assert hw.name == "isaac-slow" and hw.tile.adc.latency_ns == 2.0
    assert hw.tile.adc.bits == base.tile.adc.bits and hw.chip == base.chip
    inherited = inherited_fields(path)
    assert "tile.adc.bits" in inherited and "chip.n_tiles" in inherited
    assert "tile.adc.latency_ns" not in inherited and "name" not in inherited and "version" not in inherited
    assert all(p.endswith("hwconfigs/isaac-2016.yaml") for p in inherited.values())
    assert inherited_fields("isaac-2016") == {}


def test_extends_a_chain_of_paths_relative_to_the_file(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    _write(sub, "mid.yaml", "version: 1\nextends: tiny-test\nname: mid\nchip: {n_tiles: 2}\n"
                            "interconnect: {dims: [1, 2]}\n")
    top = _write(sub, "top.yaml", "version: 1\nextends: mid.yaml\nname: top\ntile: {adc: {latency_ns: 3}}\n")
    hw = load_hardware(top)
    assert (hw.name, hw.chip.n_tiles, hw.tile.adc.latency_ns) == ("top", 2, 3.0)
    inherited = inherited_fields(top)
    assert inherited["chip.n_tiles"] == str(sub / "mid.yaml")
    assert inherited["tile.adc.bits"].endswith("hwconfigs/tiny-test.yaml")


def test_overrides_apply_after_the_merge(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.yaml", "version: 1\nextends: tiny-test\nname: x\n")
    assert load_hardware(path, ["tile.adc.latency_ns=7"]).tile.adc.latency_ns == 7.0


def test_an_error_in_an_inherited_value_names_the_base_file(tmp_path: Path) -> None:
    _write(tmp_path, "base.yaml", "version: 1\nextends: tiny-test\nname: b\ntile:\n  adc:\n    bits: 99\n")
    top = _write(tmp_path, "top.yaml", "version: 1\nextends: base.yaml\nname: t\n")
    with pytest.raises(ConfigError, match=r"base\.yaml:6: tile\.adc\.bits: expected an integer in \[1, 32\], got 99"):
        load_hardware(top)
    ok = _write(tmp_path, "fixed.yaml", "version: 1\nextends: base.yaml\nname: t\ntile: {adc: {bits: 4}}\n")
    assert load_hardware(ok).tile.adc.bits == 4


def test_extends_in_yaml_text_resolves_bundled_names() -> None:
    assert load_hardware_text("version: 1\nextends: tiny-test\nname: t\n").chip.n_tiles == 4


@pytest.mark.parametrize("files, message", [
    ({"a.yaml": "version: 1\nextends: [isaac-2016]\n"},
     r"a\.yaml:2: extends: expected the name of a bundled hardware description or a path, got a list"),
    ({"a.yaml": "version: 1\nextends: isaac2016\n"},
     r"a\.yaml:2: extends: isaac2016: file not found \(hint: did you mean 'isaac-2016'\?"),
    ({"a.yaml": "version: 1\nextends: b.yaml\n", "b.yaml": "version: 1\nextends: a.yaml\n"},
     r"b\.yaml:2: extends: the files extend each other in a cycle: \S*/a\.yaml -> \S*/b\.yaml -> \S*/a\.yaml \("),
    ({"a.yaml": "version: 1\nextends: a.yaml\n"}, r"a\.yaml:2: extends: the files extend each other in a cycle"),
    ({"a.yaml": "extends: isaac-2016\n"}, r"a\.yaml:1: missing key 'version'"),
    ({"a.yaml": "version: 1\nextends: b.yaml\n", "b.yaml": "- 1\n"},
     r"b\.yaml:1: expected a mapping at the top level, got a list"),
    ({"a.yaml": "version: 1\nextends: mlp-digits\n"},
     r"a\.yaml:2: extends: mlp-digits: a bundled workload, given where a hardware description is expected"),
])
def test_extends_errors(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        _write(tmp_path, name, text)
    with pytest.raises(ConfigError, match=message):
        load_hardware(tmp_path / "a.yaml")


def test_a_long_chain_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "f0.yaml", "version: 1\nextends: tiny-test\n")
    for i in range(1, 12):
        _write(tmp_path, f"f{i}.yaml", f"version: 1\nextends: f{i - 1}.yaml\n")
    assert load_hardware(tmp_path / "f5.yaml").name == "tiny-test"
    with pytest.raises(ConfigError, match=r"extends: more than 8 files extend each other"):
        load_hardware(tmp_path / "f11.yaml")


def test_workloads_do_not_extend(tmp_path: Path) -> None:
    path = _write(tmp_path, "w.yaml", (ROOT / "workloads" / "mlp-digits.yaml").read_text() + "extends: resnet18\n")
    with pytest.raises(WorkloadError, match=r"w\.yaml:\d+: \(top level\): unknown key 'extends'"):
        load_workload(path)
    raw, _ = read_input("tiny-test", HARDWARE)
    assert "extends" not in raw


@pytest.mark.parametrize("kind", ["[linear]", "{a: 1}"])
def test_unhashable_layer_kind(kind: str) -> None:
    text = ("version: 1\nname: w\ninput_shape: [4]\nn_classes: 2\nlayers:\n"
            f"  - {{name: fc, kind: {kind}, out_features: 2}}\n")
    with pytest.raises(WorkloadError, match=r"^w\.yaml:6: layers\[0\]\.kind: expected a kind name \(a string\), got a"):
        load_workload_text(text, "w.yaml")


def test_unhashable_device_kind() -> None:
    with pytest.raises(ConfigError, match=r"crossbar\.rpu\.device\.kind: expected a kind name \(a string\), got a list"):
        load_hardware("tiny-test", ["crossbar.rpu.device.kind=[a, b]"])
