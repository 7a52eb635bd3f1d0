"""result.json has a schema: a version, required sections, typed values; a damaged file is one line naming the key."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from archsim.cli import main
from archsim.errors import DataError
from archsim.results.run import RunResult
from archsim.results.schema import RESULT_SCHEMA_VERSION, read_result_file, validate_result

GOLD = Path(__file__).resolve().parents[1] / "gold"


def _gold(name: str = "quickstart") -> dict[str, Any]:
    data = json.loads((GOLD / f"{name}.result.json").read_text(encoding="utf-8"))
    data["meta"] = {"schema_version": RESULT_SCHEMA_VERSION, "seed": 0, "command": "archsim run ..."}
    return data


@pytest.mark.parametrize("name", ["quickstart", "isaac-resnet18", "rpu-rapa"])
def test_gold_results_fit_the_schema(name: str) -> None:
    validate_result(_gold(name), name)
    assert RunResult.from_dict(_gold(name)).to_dict()["meta"]["schema_version"] == RESULT_SCHEMA_VERSION


def _set(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node: Any = out
    parts = dotted.split("/") if "/" in dotted else dotted.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is KeyError:
        del node[parts[-1]]
    else:
        node[int(parts[-1]) if isinstance(node, list) else parts[-1]] = value
    return out


@pytest.mark.parametrize("dotted, value, message", [
    ("energy.leakage_pj", True, r"energy.leakage_pj: expected a number >= 0, got true \(a boolean\)"),
    ("energy.total_pj", -1.0, "energy.total_pj: expected a number >= 0, got -1.0"),
    ("energy.by_part_pj.adc", "1 pJ", r"energy.by_part_pj.adc: expected a number >= 0, got '1 pJ' \(a string\)"),
    ("timing", [], "timing: expected an object, got a list"),
    ("timing.layers", {"fc1": {}}, "timing.layers: expected a list, got an object"),
    ("timing.layers.0.forward_ns_per_sample", None,
     r"timing.layers\[0\].forward_ns_per_sample: expected a number >= 0, got null"),
    ("timing.batch", 0, "timing.batch: expected an integer >= 1, got 0"),
    ("mapping.layers", "fc1", "mapping.layers: expected a list, got 'fc1' \\(a string\\)"),
    ("mapping.floorplan.0.blocks", 3, r"mapping.floorplan\[0\].blocks: expected a list, got 3"),
    ("area.items.0.area_um2", KeyError, r"area.items\[0\].area_um2: missing \(the key is required\)"),
    ("counts/chip.offchip/read_bytes", 1.5, "counts.chip.offchip.read_bytes: expected an integer >= 0, got 1.5"),
    ("accuracy.analog.test_accuracy", "high", "accuracy.analog.test_accuracy: expected a list"),
    ("accuracy.layer_stats.fc1.mean_bm_passes_forward", 0.5,
     "accuracy.layer_stats.fc1.mean_bm_passes_forward: expected a number >= 1, got 0.5"),
    ("gpu.speedup", "fast", "gpu.speedup: expected a number >= 0 or null, got 'fast'"),
    ("hardware", "isaac", "hardware: expected an object, got 'isaac'"),
    ("workload.layers.0.name", 7, r"workload.layers\[0\].name: expected a string, got 7"),
    ("meta.schema_version", 2, "meta.schema_version: this archsim reads result schema version 1, got 2"),
    ("meta.schema_version", KeyError, r"meta.schema_version: missing \(the key is required\)"),
    ("meta.schema_version", "1", "meta.schema_version: expected an integer >= 1, got '1'"),
    ("energy", KeyError, "missing section 'energy' \\(a run result has hardware, workload, mapping"),
])
def test_damaged_values_name_the_key(dotted: str, value: Any, message: str) -> None:
    data = _set(_gold(), dotted, value)
    with pytest.raises(DataError, match=r"^r\.json: " + message):
        validate_result(data, "r.json")


@pytest.mark.parametrize("data, message", [
    ({}, r"r\.json: missing section 'meta'"),
    ([], r"r\.json: expected a JSON object \(a result.json written by archsim\), got a list"),
    ({"meta": {"schema_version": 1}}, r"r\.json: no results: expected the sections of a run"),
    ({"meta": [], "accuracy": {"skipped": "x"}}, r"r\.json: meta: expected an object, got a list"),
])
def test_missing_sections(data: Any, message: str) -> None:
    with pytest.raises(DataError, match=message):
        validate_result(data, "r.json")


def test_a_training_result_needs_only_meta_and_accuracy() -> None:
    data = _gold()
    validate_result({"meta": data["meta"], "accuracy": data["accuracy"]}, "train.json")
    validate_result({"meta": data["meta"], "accuracy": {"skipped": "budget"}}, "skipped.json")


def test_unknown_keys_are_allowed() -> None:
    validate_result(_set(_gold(), "sweep", {"points": 3}), "r.json")
    validate_result(_set(_gold(), "timing.new_field_ns", "anything"), "r.json")


@pytest.mark.parametrize("text, message", [
    ('{"meta": {"schema_version": 1}, "energy": {"total_pj": NaN}}', r"not strict JSON \(NaN is not a JSON number\)"),
    ('{"meta": {"schema_version": 1}, "x": Infinity}', r"not strict JSON \(Infinity is not a JSON number\)"),
    ("[" * 100_000 + "]" * 100_000, r"values nested too deeply"),
    ('{"meta": ', r":1: not a readable JSON file \(Expecting value\)"),
])
def test_not_strict_json(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "result.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_result_file(path)


def test_overflowing_number_is_not_finite(tmp_path: Path) -> None:
    data = _gold()
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data).replace('"leakage_pj": ', '"leakage_pj": 1e999, "x": ', 1), encoding="utf-8")
    with pytest.raises(DataError, match=r"energy\.leakage_pj: expected a number >= 0, got inf"):
        read_result_file(path)


@pytest.mark.parametrize("dotted, value, message", [
    ("energy.leakage_pj", True, "energy.leakage_pj: expected a number >= 0, got true"),
    ("timing.layers", "x", "timing.layers: expected a list, got 'x'"),
])
def test_archsim_report_refuses_a_damaged_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], dotted: str,
                                               value: Any, message: str) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(_set(_gold(), dotted, value)), encoding="utf-8")
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"archsim: error: {path}: {message}")
    assert not (tmp_path / "report.html").exists()


def test_run_result_read_validates(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    RunResult.from_dict(_gold()).write(path)
    assert RunResult.read(path).timing is not None
    path.write_text(json.dumps(_set(_gold(), "area", 5)), encoding="utf-8")
    with pytest.raises(DataError, match=r"result\.json: area: expected an object, got 5"):
        RunResult.read(path)
