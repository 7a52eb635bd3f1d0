"""The gpu section: batch size and precision stated on both sides, launch-bound note, basis of each figure."""

from __future__ import annotations

from pathlib import Path

from archsim.gpu.compare import analog_precision_text, compare
from archsim.gpu.load import load_gpu
from archsim.gpu.model import predict
from archsim.hwconfig.load import load_hardware

ROOT = Path(__file__).resolve().parents[2]
TIMING = {"batch": 4, "throughput_samples_per_s": 1e6, "layers": []}


def test_gpu_comparison_states_both_sides(mlp, resnet50):
    r = predict(load_gpu("a100"), resnet50, mode="training", precision="amp", batch_size=256)
    sec = compare(r, timing=TIMING, energy={"total_pj": 4e6}, macs_per_sample=1e6,
                  analog_precision="analog MVM, 7-bit DAC inputs, 9-bit ADC outputs")
    c = sec["comparison"]
    assert c["gpu"] == {"batch_size": 256, "precision": "amp", "stack": "pytorch", "mode": "training"}
    assert c["analog"] == {"batch_size": 4, "precision": "analog MVM, 7-bit DAC inputs, 9-bit ADC outputs"}
    assert sec["analog"]["batch_size"] == 4 and not c["launch_bound"]
    lines = c["comparison_lines"]
    assert lines[0] == ("compared: GPU a100 training at batch 256, amp (pytorch) vs analog chip at batch 4, "
                        "analog MVM, 7-bit DAC inputs, 9-bit ADC outputs")
    assert "GPU time is modelled" in lines[1] and "measured power (node wall power per GPU, measured" in lines[1]
    assert len(lines) == 2
    without = compare(r, timing=TIMING, energy=None, macs_per_sample=1e6)
    assert without["comparison"]["analog"]["precision"] == "precision not stated"


def test_gpu_batch1_comparison_says_launch_overhead_dominates(mlp):
    r = predict(load_gpu("v100"), mlp, mode="inference", precision="fp32", batch_size=1)
    sec = compare(r, timing=TIMING, energy=None, macs_per_sample=1e6)
    assert sec["comparison"]["launch_bound"] and sec["baseline"]["launch_bound"]
    note = sec["comparison"]["comparison_lines"][-1]
    assert note.startswith("launch overhead dominates the GPU side: ")
    assert "3 kernels at batch 1" in note and "waiting for the host" in note


def test_gpu_measured_times_appear_per_layer(mlp):
    from dataclasses import replace

    r = predict(load_gpu("v100"), mlp, mode="inference", precision="fp32", batch_size=2)
    r = replace(r, measured_time_ns_per_batch=5000.0,
                measurement={"device": "fake", "layers": {"fc1": {"measured_ns": 3000.0}}})
    sec = compare(r, timing=TIMING, energy=None, macs_per_sample=1e6)
    rows = {row["layer"]: row for row in sec["layers"]}
    assert rows["fc1"]["gpu_measured_time_ns_per_sample"] == 1500.0
    assert rows["sig1"]["gpu_measured_time_ns_per_sample"] is None
    assert any(line.startswith("GPU time measured on fake: 2500 ns per sample") for line in
               sec["comparison"]["comparison_lines"])
    assert sec["baseline"]["basis"]["measured_time"] == "measured on this machine (--measure)"


def test_gpu_analog_precision_text_from_hardware():
    hw = load_hardware(ROOT / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml")
    assert analog_precision_text(hw) == f"analog MVM, {hw.tile.dac.bits}-bit DAC inputs, {hw.tile.adc.bits}-bit ADC outputs"
    isaac = load_hardware(ROOT / "hwconfigs" / "isaac-2016.yaml")
    assert analog_precision_text(isaac).endswith(f", {isaac.crossbar.weight_bits}-bit weights")
