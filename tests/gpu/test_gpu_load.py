"""GPU descriptions: shipped files load, bad files give located errors."""

from __future__ import annotations

import pytest

from archsim.errors import ConfigError
from archsim.gpu.load import GPU_DIR, available_gpus, load_gpu


def test_gpu_shipped_files_load_with_sources():
    assert set(available_gpus()) >= {"v100", "a100", "h100"}
    for name in available_gpus():
        gpu = load_gpu(name)
        assert gpu.name == name
        assert gpu.peak.tdp_w > 0 and gpu.peak.memory_bandwidth_gbps > 0
        assert gpu.sources and gpu.calibration
        assert 0 < gpu.efficiency.amp <= 1 and 0 < gpu.efficiency.fp32 <= 1
    assert load_gpu("a100").compute_tflops("fp32") == 156  # TF32 on Ampere
    assert load_gpu("v100").compute_tflops("fp32") == 15.7  # no TF32 on Volta


def test_gpu_unknown_name_lists_choices():
    with pytest.raises(ConfigError, match=r"--gpu: unknown GPU 'p100'; expected one of a100, h100, v100"):
        load_gpu("p100")


def test_gpu_bad_yaml_is_located(tmp_path):
    text = (GPU_DIR / "v100.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("tdp_w: 300", "tdp_watts: 300"))
    with pytest.raises(ConfigError, match=r"bad\.yaml.*peak.*tdp_watts"):
        load_gpu(bad)
    bad.write_text(text.replace("amp: 0.34", "amp: fast"))
    with pytest.raises(ConfigError, match=r"bad\.yaml.*efficiency\.amp"):
        load_gpu(bad)


def test_gpu_overrides():
    gpu = load_gpu("v100", ["efficiency.amp=0.5", "launch_overhead_us=2"])
    assert gpu.efficiency.amp == 0.5 and gpu.launch_overhead_us == 2
