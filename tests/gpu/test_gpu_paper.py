"""Paper checks: the RPU headline and RAPA's n_t-fold acceleration."""

from __future__ import annotations

import dataclasses

import pytest

from archsim.gpu.paper import RPUHeadlineAssumptions, rapa_check, rpu_headline


def test_gpu_rpu_headline_recomputation():
    h = rpu_headline()
    assert h.n_arrays == 60  # 1e9 / 4096²
    assert h.cycle_ns == 170
    # same order of magnitude as the paper's 30 000x and 84 000 GOps/s/W
    assert 0.3 < h.speedup_vs_cpu / 30000 < 3
    # array + converters only: an upper bound on the paper's system efficiency (which adds digital and I/O)
    assert 1 < h.gops_per_w / 84000 < 20
    # the exact recomputation from rpu-gokmen-vlasov-2016 (regression pin; the assumptions are printed by h.lines())
    assert h.speedup_vs_cpu == pytest.approx(22_939.19, rel=1e-4)
    assert h.gops_per_w == pytest.approx(811_760.2, rel=1e-4)
    text = "\n".join(h.lines())
    for needle in ("4096x4096", "80 ns", "10 pulses", "3.125 pJ ADC", "Xeon", "paper 30,000x"):
        assert needle in text


def test_gpu_rpu_headline_scales_with_assumptions():
    base = rpu_headline()
    slower = rpu_headline(
        dataclasses.replace(RPUHeadlineAssumptions(), t_mvm_ns=160.0, t_mvm_backward_ns=160.0)
    )
    assert slower.speedup_vs_cpu == pytest.approx(base.speedup_vs_cpu * 170 / 330)


def test_gpu_rapa_n_t_fold():
    r = rapa_check({"conv1": 1024, "conv2": 256, "conv3": 64}, {"conv1": 16, "conv2": 4, "conv3": 1})
    assert r.pipelined_speedup == 16
    assert r.sequential_speedup == pytest.approx(1344 / 192)
    assert "16.0x" in r.lines()[0] and "7.0x" in r.lines()[0]
    r128 = rapa_check({"a": 1024, "b": 256, "c": 64}, {"a": 128, "b": 32, "c": 8})
    assert r128.pipelined_speedup == 128


def test_gpu_rpu_headline_from_the_shipped_hwconfig():
    from archsim.gpu.load import GPU_DIR
    from archsim.hwconfig.load import load_hardware

    hw = load_hardware(GPU_DIR.parent / "rpu-gokmen-vlasov-2016.yaml")
    a = RPUHeadlineAssumptions.from_hardware(hw)
    assert (a.array_size, a.t_mvm_ns, a.bl, a.t_pulse_ns) == (4096, 80.0, 10, 1.0)
    h = rpu_headline(a)
    assert h.speedup_vs_cpu == pytest.approx(rpu_headline().speedup_vs_cpu)
    assert "hwconfig rpu-gokmen-vlasov-2016" in h.lines()[1]
