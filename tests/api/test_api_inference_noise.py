"""Inference noise in the hardware description (``crossbar.rpu.inference``) and in ``archsim run --mode inference``:
loading and strict errors, accuracy vs drift time, drift compensation, determinism, and no change without it.

Runs are tiny (a few hundred digits samples, 1-3 epochs) so the file stays at a few seconds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from hwtext import tiny_raw

from archsim.cli import main
from archsim.crossbar.inference_noise import InferenceTile
from archsim.errors import ConfigError
from archsim.hwconfig import load_hardware
from archsim.hwconfig.algorithms import DriftCompensation, InferenceConfig, PCMNoiseConfig
from archsim.hwconfig.load import load_hardware_text
from archsim.hwconfig.rpu import RPUConfig
from archsim.loader import dump_yaml
from archsim.nn.deploy import evaluate_inference_workload
from archsim.nn.network import build_network, inference_tile_factory
from archsim.pipeline.policy import estimate_accuracy_seconds
from archsim.report.data import build_report_data
from archsim.workload import load_workload

ROOT = Path(__file__).resolve().parents[2]
PCM = str(ROOT / "hwconfigs" / "pcm-inference.yaml")
WL = str(ROOT / "workloads" / "mlp-digits.yaml")
YEAR_S = 31536000.0


def _hw_text(inference: str | None) -> str:
    """A 4-tile chip of 128x128 ideal-device crossbars with an optional ``rpu.inference`` flow mapping."""
    extra = ("chip: {n_tiles: 4}\ntile: {n_rows: 128, n_cols: 128, adc: {bits: 9}, dac: {bits: 7}}\ncrossbar:\n"
             "  rpu:\n    device: {kind: ideal}\n")
    if inference is not None:
        extra += f"    inference: {inference}\n"
    return yaml.safe_dump(tiny_raw(extra, name="p"), sort_keys=False)


def _hw(inference: str | None = None):
    return load_hardware_text(_hw_text(inference), name="p.yaml")


def _evaluate(hw: object, seed: int = 1):
    # digital biases, as when these figures were calibrated (the default is now the run's analog bias row)
    return evaluate_inference_workload(hw, load_workload(WL), epochs=3, limit_train=600, limit_test=300, seed=seed,
                                       lr=0.1, analog_bias=False)


def _drift(result) -> dict[float, float]:
    return {row["t_s"]: row["test_accuracy_mean"] for row in result.settings["drift"]}


# ---------------------------------------------------------------------------------------------- loading


def test_inference_section_loads_from_yaml_and_round_trips():
    hw = _hw("{noise_model: {g_max_us: 20, drift_scale: 0.5}, drift_compensation: per_column, "
             "t_inference_s: [1, 86400], n_repeats: 2}")
    inf = hw.crossbar.rpu.inference
    assert isinstance(inf, InferenceConfig) and isinstance(inf.noise_model, PCMNoiseConfig)
    assert inf.noise_model.g_max_us == 20.0 and inf.noise_model.drift_scale == 0.5
    assert inf.noise_model.prog_coeff_us == PCMNoiseConfig().prog_coeff_us
    assert inf.drift_compensation is DriftCompensation.PER_COLUMN
    assert inf.t_inference_s == (1.0, 86400.0) and inf.n_repeats == 2
    assert load_hardware_text(dump_yaml(hw), name="again.yaml") == hw
    assert _hw("{t_inference_s: 60}").crossbar.rpu.inference.t_inference_s == (60.0,)  # a single time
    assert _hw("{}").crossbar.rpu.inference == InferenceConfig()
    assert _hw("null").crossbar.rpu.inference is None and _hw(None).crossbar.rpu.inference is None
    assert RPUConfig.from_dict({"inference": {"drift_compensation": "none"}}).inference == InferenceConfig(
        drift_compensation=DriftCompensation.NONE)
    pcm = load_hardware(PCM)
    assert pcm.crossbar.rpu.inference.t_inference_s[-1] == YEAR_S
    assert pcm.crossbar.rpu.inference.drift_compensation is DriftCompensation.GLOBAL


@pytest.mark.parametrize("bad, message", [
    ("{t_inference: 5}", "unknown key 't_inference' (did you mean 't_inference_s'?)"),
    ("{noise_model: {g_max: 25}}", "inference.noise_model: unknown key 'g_max'"),
    ("{noise_model: {kind: reram}}", "expected kind 'pcm'"),
    ("{drift_compensation: globl}", "did you mean 'global'?"),
    ("{t_inference_s: [1, -5]}", "t_inference_s: expected a time >= 0 s"),
    ("{t_inference_s: []}", "t_inference_s: expected a time >= 0 s"),
    ("{n_repeats: 0}", "n_repeats: expected an integer >= 1"),
])
def test_bad_inference_fields_are_config_errors(bad, message):
    with pytest.raises(ConfigError) as err:
        _hw(bad)
    assert message in str(err.value) and re.search(r"^p\.yaml:\d+: crossbar\.rpu\.inference", str(err.value))


# ---------------------------------------------------------------------------------------------- tiles


def test_inference_tile_factory_and_drift_statistics():
    """Direct statistical check: after a year the weights shrink by (t/t0)^-nu, nu ~ 0.05-0.1."""
    inf = InferenceConfig(drift_compensation=DriftCompensation.NONE)
    tile = inference_tile_factory(RPUConfig.from_dict({"device": {"kind": "ideal"}}), inf)(32, 16, 7)
    assert isinstance(tile, InferenceTile) and tile.drift_compensation is DriftCompensation.NONE
    w = np.random.default_rng(0).uniform(-0.5, 0.5, (32, 16)).astype(np.float32)
    tile.set_weights(w)
    tile.program()
    tile.drift(1.0)
    w_1s = tile._mvm_weights().copy()
    tile.drift(YEAR_S)
    ratio = np.abs(tile._mvm_weights()).sum() / np.abs(w_1s).sum()
    assert 0.2 < ratio < 0.6
    assert np.corrcoef(w_1s.ravel(), w.ravel())[0, 1] > 0.95  # programming noise is small next to the weights


# ---------------------------------------------------------------------------------------------- deployment


def test_accuracy_drops_with_drift_and_global_compensation_recovers_most_of_it():
    times = "t_inference_s: [1, 31536000], n_repeats: 4"
    none = _drift(_evaluate(_hw(f"{{drift_compensation: none, {times}}}")))
    comp = _drift(_evaluate(_hw(f"{{drift_compensation: global, {times}}}")))
    drop = none[1.0] - none[YEAR_S]
    assert drop > 0.08, none
    assert comp[YEAR_S] - none[YEAR_S] > 0.5 * drop, (none, comp)
    assert comp[1.0] > 0.8


def test_drift_table_section_and_determinism():
    hw = _hw("{t_inference_s: [1, 3600, 31536000], n_repeats: 2}")
    first, again = _evaluate(hw), _evaluate(hw)
    assert first.to_dict() == again.to_dict()  # same seed -> identical section
    assert _evaluate(hw, seed=2).to_dict() != first.to_dict()
    rows = first.settings["drift"]
    assert [r["t_s"] for r in rows] == [1.0, 3600.0, YEAR_S]
    assert all(0.0 <= r["test_accuracy_std"] < 0.2 for r in rows)
    assert first.analog.test_accuracy[-1] == rows[0]["test_accuracy_mean"]  # the curve's final point: t = 1 s
    assert first.extras["drift_t1s_test_accuracy_mean"] == rows[0]["test_accuracy_mean"]
    assert first.extras["drift_t3.1536e07s_test_accuracy_std"] == rows[2]["test_accuracy_std"]
    assert first.settings["inference"] == {"drift_compensation": "global", "t_inference_s": [1.0, 3600.0, YEAR_S],
                                           "n_repeats": 2}
    assert "PCM" in first.settings["deployment"]
    assert len(first.analog.test_accuracy) == 3 and len(first.fp.test_accuracy) == 3


def test_no_inference_section_keeps_exact_programming():
    plain, null = _evaluate(_hw(None)), _evaluate(_hw("null"))
    assert plain.to_dict() == null.to_dict()
    assert plain.extras == {} and "drift" not in plain.settings and "inference" not in plain.settings
    assert "no programming noise or drift" in plain.settings["deployment"]
    net = build_network(load_workload(WL), make_tile=inference_tile_factory(RPUConfig(), InferenceConfig()))
    assert all(isinstance(t, InferenceTile) for m in net.analog_layers() for t in m.tiles())


def test_cost_estimate_counts_the_extra_evaluations():
    wl = load_workload(WL)
    base = estimate_accuracy_seconds(wl, mode="inference", epochs=2, n_train=100, n_test=50)
    assert estimate_accuracy_seconds(wl, mode="inference", epochs=2, n_train=100, n_test=50,
                                     inference=None) == base
    more = estimate_accuracy_seconds(wl, mode="inference", epochs=2, n_train=100, n_test=50,
                                     inference=InferenceConfig(t_inference_s=(1, 10, 100), n_repeats=3))
    assert more > base


def test_cli_run_with_the_bundled_pcm_preset(tmp_path, capsys):
    out = tmp_path / "pcm"
    assert main(["run", PCM, WL, "--mode", "inference", "--epochs", "1", "--limit-train", "200", "--limit-test", "60",
                 "--no-gpu", "--no-progress", "--set", "crossbar.rpu.inference.n_repeats=1", "-o", str(out)]) == 0
    assert "accuracy  analog" in capsys.readouterr().out
    acc = json.loads((out / "result.json").read_text())["accuracy"]
    assert [r["t_s"] for r in acc["settings"]["drift"]] == [1.0, 3600.0, 86400.0, YEAR_S]
    assert acc["analog"]["test_accuracy"][-1] == acc["settings"]["drift"][0]["test_accuracy_mean"]
    section = next(s for s in build_report_data(json.loads((out / "result.json").read_text())).sections
                   if s.id == "accuracy")
    drift_table = next(t for t in section.tables if t.columns[0] == "t after programming (s)")
    assert len(drift_table.rows) == 4
    assert "drift" in (out / "report.html").read_text()
