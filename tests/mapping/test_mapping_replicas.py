"""Replica selection: RAPA auto rule, budget, explicit counts and CLI parsing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archsim.errors import MappingError
from archsim.mapping.replicas import (
    ReplicaCandidate,
    auto_replicas,
    check_explicit_replicas,
    crossbars_needed,
    parse_replicas,
)

RAPA = [
    ReplicaCandidate(name="conv1", vectors_per_sample=1024, crossbars_per_replica=1, replicable=True),
    ReplicaCandidate(name="conv2", vectors_per_sample=256, crossbars_per_replica=1, replicable=True),
    ReplicaCandidate(name="conv3", vectors_per_sample=64, crossbars_per_replica=1, replicable=True),
    ReplicaCandidate(name="fc", vectors_per_sample=1, crossbars_per_replica=2, replicable=False),
]


def test_auto_rapa_gives_16_4_1():
    n_t = auto_replicas(RAPA, budget_crossbars=1000)
    assert n_t == {"conv1": 16, "conv2": 4, "conv3": 1, "fc": 1}


def test_auto_under_budget_balances_earlier_layers():
    # 16+4+1+2 = 23 needed for full balance; with 13 crossbars the target rises to 128 patches: (8, 2, 1)
    n_t = auto_replicas(RAPA, budget_crossbars=13)
    assert n_t == {"conv1": 8, "conv2": 2, "conv3": 1, "fc": 1}
    assert auto_replicas(RAPA, budget_crossbars=4) == {"conv1": 1, "conv2": 1, "conv3": 1, "fc": 1}


@settings(max_examples=60, deadline=None)
@given(budget=st.integers(5, 40))
def test_auto_fits_and_is_monotone(budget):
    n_t = auto_replicas(RAPA, budget)
    assert crossbars_needed(RAPA, n_t) <= budget
    more = auto_replicas(RAPA, budget + 1)
    assert all(more[k] >= n_t[k] for k in n_t)
    # bottleneck never worse than a layer without replication could be
    assert max(-(-c.vectors_per_sample // n_t[c.name]) for c in RAPA) <= 1024


def test_explicit_replicas_validated():
    assert check_explicit_replicas(RAPA, {"conv1": 4}) == {"conv1": 4, "conv2": 1, "conv3": 1, "fc": 1}
    with pytest.raises(MappingError, match="only conv2d layers"):
        check_explicit_replicas(RAPA, {"fc": 2})
    with pytest.raises(MappingError, match="is a digital layer"):
        check_explicit_replicas(RAPA, {"pool1": 2}, ["conv1", "pool1"])
    with pytest.raises(MappingError, match="not a layer of the workload"):
        check_explicit_replicas(RAPA, {"convX": 2})
    with pytest.raises(MappingError, match="only 64 patches"):
        check_explicit_replicas(RAPA, {"conv3": 65})
    with pytest.raises(MappingError, match="integer >= 1"):
        check_explicit_replicas(RAPA, {"conv3": 0})


def test_parse_replicas():
    assert parse_replicas(None) is None
    assert parse_replicas("auto") == "auto"
    assert parse_replicas("none") is None
    assert parse_replicas("conv1=16, conv2=4") == {"conv1": 16, "conv2": 4}
    with pytest.raises(MappingError, match="LAYER=N"):
        parse_replicas("conv1:16")
    with pytest.raises(MappingError, match="given twice"):
        parse_replicas("a=1,a=2")
