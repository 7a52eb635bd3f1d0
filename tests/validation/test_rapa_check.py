"""RAPA's n_t-fold acceleration (Rasch et al. 2019): analytic, with and without layer pipelining."""

from __future__ import annotations

import pytest

from archsim.validation import rapa_check


def test_rapa_n_t_fold():
    r = rapa_check({"conv1": 1024, "conv2": 256, "conv3": 64}, {"conv1": 16, "conv2": 4, "conv3": 1})
    assert r.pipelined_speedup == 16
    assert r.sequential_speedup == pytest.approx(1344 / 192)
    assert "16.0x" in r.lines()[0] and "7.0x" in r.lines()[0]
    r128 = rapa_check({"a": 1024, "b": 256, "c": 64}, {"a": 128, "b": 32, "c": 8})
    assert r128.pipelined_speedup == 128


def test_rapa_without_convolutions_is_one():
    r = rapa_check({}, {})
    assert r.pipelined_speedup == r.sequential_speedup == 1.0
