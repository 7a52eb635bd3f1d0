"""Kernel replicas per layer: RAPA-ConvNets' n_t and ISAAC-style pipeline balancing.

Model (research/seed-papers.md §0.4 H and §7; seeds/003): a conv layer's kernel matrix is copied onto
``n_t`` crossbar sets and each sample's ``n_p`` patches are divided among them, so the sequential MVMs of
the layer fall from ``n_p`` to ``ceil(n_p / n_t)``. Only conv layers are replicated: a linear layer has one
vector per sample, and an LSTM's time steps depend on each other, so copies would not shorten either.

``auto`` chooses n_t so that every conv layer processes about the same number of patches per replica,
the RAPA rule "n_p / n_t constant": the target ``T`` patches per replica starts at the smallest n_p of the
conv layers (for ``rapa-cnn3``, n_p = (1024, 256, 64) gives T = 64 and n_t = (16, 4, 1)) and
``n_t = ceil(n_p / T)``. When the chip has too few crossbars for that, ``T`` is raised to the smallest value
whose replicas fit (binary search; the crossbars needed never grow with ``T``). This is ISAAC's balanced
pipeline under a tile budget: earlier (larger-n_p) layers get more copies so that all stages produce at
about the rate of the slowest one that cannot be sped up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from archsim.errors import MappingError


@dataclass(frozen=True, kw_only=True, slots=True)
class ReplicaCandidate:
    """What replica selection needs to know about one analog layer."""

    name: str
    """Layer name."""
    vectors_per_sample: int
    """n_p: MVM vectors per sample."""
    crossbars_per_replica: int
    """Crossbars of one copy of the layer."""
    replicable: bool
    """True for conv layers (their patches are independent)."""


def crossbars_needed(layers: Sequence[ReplicaCandidate], n_t: Mapping[str, int]) -> int:
    """Total crossbars for the given replica counts (layers absent from ``n_t`` count once)."""
    return sum(c.crossbars_per_replica * n_t.get(c.name, 1) for c in layers)


def replicas_for_target(layers: Sequence[ReplicaCandidate], target: int) -> dict[str, int]:
    """n_t = ceil(n_p / target) for replicable layers, 1 for the others."""
    return {
        c.name: (max(1, math.ceil(c.vectors_per_sample / target)) if c.replicable else 1) for c in layers
    }


def auto_replicas(layers: Sequence[ReplicaCandidate], budget_crossbars: int) -> dict[str, int]:
    """RAPA load balancing under a crossbar budget (see the module docstring).

    Returns replica counts for every layer; all 1 when no layer is replicable or when even one copy
    of each layer exceeds the budget (the capacity check reports that case).
    """
    conv = [c for c in layers if c.replicable]
    if not conv:
        return {c.name: 1 for c in layers}
    lo = min(c.vectors_per_sample for c in conv)
    hi = max(c.vectors_per_sample for c in conv)
    if crossbars_needed(layers, replicas_for_target(layers, hi)) > budget_crossbars:
        return {c.name: 1 for c in layers}
    while lo < hi:
        mid = (lo + hi) // 2
        if crossbars_needed(layers, replicas_for_target(layers, mid)) <= budget_crossbars:
            hi = mid
        else:
            lo = mid + 1
    return replicas_for_target(layers, lo)


def check_explicit_replicas(
    layers: Sequence[ReplicaCandidate], requested: Mapping[str, int], all_layer_names: Sequence[str] = ()
) -> dict[str, int]:
    """Validate user-given replica counts and complete them with 1 for unnamed layers.

    Raises:
        MappingError: unknown or non-analog layer, a non-conv layer with more than one replica, a count
            below 1, or more replicas than the layer has vectors per sample.
    """
    by_name = {c.name: c for c in layers}
    for name, n in requested.items():
        if name not in by_name:
            what = "a digital layer" if name in all_layer_names else "not a layer of the workload"
            raise MappingError(
                f"replicas: layer {name!r} is {what}; expected one of the analog layers",
                hint=f"analog layers: {', '.join(by_name) or '(none)'}",
            )
        c = by_name[name]
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise MappingError(f"replicas: layer {name!r}: expected an integer >= 1, got {n!r}")
        if n > 1 and not c.replicable:
            raise MappingError(
                f"replicas: layer {name!r}: only conv2d layers can be replicated, got {n} replicas",
                hint="a linear layer has one vector per sample and LSTM steps are sequential; use 1",
            )
        if n > c.vectors_per_sample:
            raise MappingError(
                f"replicas: layer {name!r}: {n} replicas but only {c.vectors_per_sample} patches per sample",
                hint=f"use at most {c.vectors_per_sample} replicas",
            )
    return {c.name: int(requested.get(c.name, 1)) for c in layers}


def parse_replicas(spec: str | None) -> None | str | dict[str, int]:
    """Parse the CLI form: ``None``/``"none"``, ``"auto"``, or ``"LAYER=N,LAYER=N"``.

    Raises:
        MappingError: on a malformed entry.
    """
    if spec is None or spec.strip().lower() in ("", "none"):
        return None
    if spec.strip().lower() == "auto":
        return "auto"
    out: dict[str, int] = {}
    for item in spec.split(","):
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value.isdigit():
            raise MappingError(
                f"--replicas: cannot read {item.strip()!r}; expected LAYER=N with an integer N >= 1",
                hint="e.g. --replicas conv1=16,conv2=4 or --replicas auto",
            )
        if name in out:
            raise MappingError(f"--replicas: layer {name!r} given twice")
        out[name] = int(value)
    return out
