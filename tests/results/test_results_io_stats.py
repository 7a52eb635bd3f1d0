"""result I/O (atomic, strict JSON) and the layer-statistics file that crosses the functional/engine seam."""

from __future__ import annotations

import json
import os
import stat

import pytest

from archsim.errors import DataError
from archsim.results.io import dumps, read_json, write_json_atomic
from archsim.results.stats import LayerStats, load_layer_stats


def test_write_json_atomic_is_sorted_strict_and_readable(tmp_path):
    target = write_json_atomic(tmp_path / "sub" / "r.json", {"b": 1, "a": float("nan"), "c": (1, 2)})
    assert target.read_text() == '{\n  "a": null,\n  "b": 1,\n  "c": [\n    1,\n    2\n  ]\n}\n'
    assert [p.name for p in target.parent.iterdir()] == ["r.json"]  # no temporary file left behind
    mode = stat.S_IMODE(os.stat(target).st_mode)
    assert mode & stat.S_IRGRP and mode & stat.S_IROTH  # readable like any file the user writes


def test_dumps_is_deterministic():
    assert dumps({"x": {"b": 2, "a": 1}}) == dumps({"x": {"a": 1, "b": 2}})


def test_read_json_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match="missing.json: file not found"):
        read_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="bad.json:1: not a readable JSON file"):
        read_json(bad)


def test_layer_stats_round_trip():
    s = LayerStats(layer="fc1", mean_bm_passes_forward=1.5, mean_bl=3.0, bl_histogram={3: 10, 1: 2})
    d = s.to_dict()
    assert d["bl_histogram"] == {"1": 2, "3": 10}
    assert LayerStats.from_dict(json.loads(json.dumps(d))) == s


def test_layer_stats_defaults_and_range_checks():
    d = LayerStats.default("conv1")
    assert (d.mean_bm_passes_forward, d.mean_bl, d.transfer_reads_per_sample) == (1.0, None, None)
    with pytest.raises(DataError, match="mean_bm_passes_forward: expected >= 1"):
        LayerStats(layer="x", mean_bm_passes_forward=0.5)
    with pytest.raises(DataError, match="unexpected keys \\['bogus'\\]"):
        LayerStats.from_dict({"layer": "x", "bogus": 1})


def test_load_layer_stats_errors_name_file_and_path(tmp_path):
    p = tmp_path / "result.json"
    p.write_text(json.dumps({"accuracy": {"layer_stats": {"fc1": {"mean_bl": -1}}}}))
    with pytest.raises(DataError, match=r"result.json: accuracy.layer_stats.fc1.mean_bl: expected a number >= 0 or "
                                         r"null, got -1"):
        load_layer_stats(p)
    p.write_text(json.dumps({"accuracy": {"layer_stats": {"fc1": {"mean_bm_passes_forward": True}}}}))
    with pytest.raises(DataError, match=r"accuracy.layer_stats.fc1.mean_bm_passes_forward: expected a number >= 1, "
                                        r"got true \(a boolean\)"):
        load_layer_stats(p)
    p.write_text(json.dumps({"timing": {}}))
    with pytest.raises(DataError, match="no accuracy.layer_stats section"):
        load_layer_stats(p)
    p.write_text(json.dumps({"accuracy": {"layer_stats": {"fc1": {"mean_bl": 2.5, "bl_histogram": {"2": 1}}}}}))
    assert load_layer_stats(p)["fc1"].mean_bl == 2.5
