"""GPU descriptions: shipped files load, carry sources, and bad files give located errors."""

from __future__ import annotations

import pytest

from archsim.errors import ConfigError
from archsim.gpu.load import GPU_DIR, available_gpus, load_gpu


def test_gpu_shipped_files_load_with_sources():
    assert available_gpus() == ("a100", "h100", "h200", "v100")
    for name in available_gpus():
        gpu = load_gpu(name)
        assert gpu.name == name
        assert gpu.sources["peak"] and gpu.sources["power"] and gpu.calibration
        assert gpu.power.scope
        text = (GPU_DIR / f"{name}.yaml").read_text()
        for key in ("tensor:", "memory:", "host_dispatch_us:", "kernel_us:", "busy_w:", "idle_w:"):
            line = next(line for line in text.splitlines() if line.strip().startswith(key))
            assert "#" in line and ("[F]" in line or "[D]" in line or "[A]" in line), line
    assert load_gpu("a100").compute_tops("fp32") == 156  # TF32 on Ampere
    assert load_gpu("v100").compute_tops("fp32") == 15.7  # no TF32 on Volta
    assert load_gpu("v100").compute_efficiency("fp32") == load_gpu("v100").efficiency.fp32
    assert load_gpu("a100").compute_efficiency("fp32") == load_gpu("a100").efficiency.tensor
    # the H200 is the H100's die: same compute peaks, faster memory
    h100, h200 = load_gpu("h100"), load_gpu("h200")
    assert h200.peak.fp16_tensor_tflops == h100.peak.fp16_tensor_tflops
    assert h200.efficiency.tensor == h100.efficiency.tensor
    assert h200.peak.memory_bandwidth_gbps / h100.peak.memory_bandwidth_gbps == pytest.approx(4800 / 3350)


def test_gpu_measured_power_is_not_the_tdp():
    a100, h100 = load_gpu("a100"), load_gpu("h100")
    assert a100.power.busy_w == pytest.approx(3085 / 8, rel=1e-3) and a100.power.idle_w == pytest.approx(1536 / 8)
    assert h100.power.busy_w == pytest.approx(4120 / 8, rel=1e-3) and h100.power.idle_w == pytest.approx(2213.4 / 8,
                                                                                                          rel=1e-3)
    assert "measured" in h100.power.scope and "ASSUMED" in load_gpu("v100").power.scope
    assert "ASSUMED" in load_gpu("h200").power.scope


def test_gpu_unknown_name_lists_choices():
    with pytest.raises(ConfigError, match=r"--gpu: unknown GPU 'p100'; expected one of a100, h100, h200, v100"):
        load_gpu("p100")


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("tdp_w: 300", "tdp_watts: 300", r"bad\.yaml.*peak.*tdp_watts"),
        ("tensor: 0.5081", "tensor: fast", r"bad\.yaml.*efficiency\.tensor"),
        ("tensor: 0.5081", "tensor: 1.5", r"bad\.yaml.*efficiency.*tensor: expected a fraction in \(0, 1\]"),
        ("kernel_us: 7.243", "kernel_us: -1", r"bad\.yaml.*overheads.*kernel_us: expected a number >= 0"),
        ("idle_w: 40 ", "idle_w: 400 ", r"bad\.yaml.*power.*idle_w \(400.*exceeds busy_w"),
        ("memory_bandwidth_gbps: 900", "memory_bandwidth_gbps: 0", r"bad\.yaml.*memory_bandwidth_gbps: expected a positive"),
        ("default_batch: 256", "default_batch: 0", r"bad\.yaml.*default_batch: expected a positive integer"),
    ],
)
def test_gpu_bad_yaml_is_located(tmp_path, old, new, match):
    text = (GPU_DIR / "v100.yaml").read_text()
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new))
    with pytest.raises(ConfigError, match=match):
        load_gpu(bad)


def test_gpu_overrides():
    gpu = load_gpu("v100", ["efficiency.tensor=0.5", "overheads.host_dispatch_us=2"])
    assert gpu.efficiency.tensor == 0.5 and gpu.overheads.host_dispatch_us == 2
