"""Kernel replicas per layer: RAPA-ConvNets' n_t and ISAAC-style pipeline balancing.

Model (RAPA-ConvNets, Rasch et al., Front. Neurosci. 2019): a conv layer's kernel matrix is copied onto
``n_t`` crossbar sets and each sample's ``n_p`` patches are divided among them, so the sequential MVMs of
the layer fall from ``n_p`` to ``ceil(n_p / n_t)``. Only conv layers are replicated: a linear layer has one
vector per sample, and an LSTM's time steps depend on each other, so copies would not shorten either.

``auto`` balances the pipeline on each layer's whole *stage time* per sample (:class:`StageTime`): in the
event engine the analog half, the digital half and the data movement of a layer overlap (rows pipeline), so
a layer's time per sample is ``max(ceil(n_p / n) * t_vector, t_digital / tiles(n), t_move)`` -- analog
work shrinks with the replicas, digital work with the tiles they spread over, movement (the layer's input
and output bytes through its home tile's link) not at all. The target time ``tau`` starts at the fastest
conv layer's unreplicated stage time (never below a layer that cannot be sped up), every conv layer gets
the fewest replicas that bring it to ``tau`` (as many as help when its floor is above ``tau``), and ``tau``
rises to the smallest value whose replicas fit the chip (binary search over the achievable stage times;
the crossbars needed never grow with ``tau``). Without stage times every vector costs the same, which is
RAPA's rule "n_p / n_t constant": for ``rapa-cnn3``, n_p = (1024, 256, 64) gives n_t = (16, 4, 1). This is
ISAAC's balanced pipeline under a tile budget.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from archsim.errors import MappingError


@dataclass(frozen=True, kw_only=True, slots=True)
class StageTime:
    """A layer's time per sample, by part (an estimate for balancing; the engine measures the real one)."""

    analog_ns_per_vector: float
    """Crossbar time of one vector in every cycle the mode runs (forward; + backward and update)."""
    digital_ns_per_sample: float = 0.0
    """Digital work of one sample on one tile's units."""
    movement_ns_per_sample: float = 0.0
    """Input and output bytes of one sample through the home tile's link."""
    crossbars_per_tile: int = 1
    """Crossbars of one tile (replicas on the same tile share its digital units)."""


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
    stage: StageTime | None = None
    """Stage-time model; None = every vector costs the same and nothing else counts."""

    def stage_ns(self, n: int) -> float:
        """Time per sample with ``n`` replicas (see the module docstring)."""
        vectors = math.ceil(self.vectors_per_sample / n)
        if self.stage is None:
            return float(vectors)
        st = self.stage
        tiles = max(1, math.ceil(n * self.crossbars_per_replica / st.crossbars_per_tile))
        tiles_one = max(1, math.ceil(self.crossbars_per_replica / st.crossbars_per_tile))
        return max(vectors * st.analog_ns_per_vector, st.digital_ns_per_sample * tiles_one / tiles,
                   st.movement_ns_per_sample)


def crossbars_needed(layers: Sequence[ReplicaCandidate], n_t: Mapping[str, int]) -> int:
    """Total crossbars for the given replica counts (layers absent from ``n_t`` count once)."""
    return sum(c.crossbars_per_replica * n_t.get(c.name, 1) for c in layers)


def replicas_for_time(layers: Sequence[ReplicaCandidate], tau: float) -> dict[str, int]:
    """The fewest replicas bringing each replicable layer to a stage time ``<= tau`` (as many as still help
    when it cannot get there), 1 for the others."""
    out = {}
    for c in layers:
        if not c.replicable:
            out[c.name] = 1
            continue
        lo, hi = 1, c.vectors_per_sample
        floor = c.stage_ns(hi)
        if floor > tau:  # cannot reach tau: the fewest replicas that reach its floor
            target = floor
        else:
            target = tau
        while lo < hi:
            mid = (lo + hi) // 2
            if c.stage_ns(mid) <= target:
                hi = mid
            else:
                lo = mid + 1
        out[c.name] = lo
    return out


def replicas_for_target(layers: Sequence[ReplicaCandidate], target: int) -> dict[str, int]:
    """n_t = ceil(n_p / target) for replicable layers, 1 for the others (equal cost per vector)."""
    return {
        c.name: (max(1, math.ceil(c.vectors_per_sample / target)) if c.replicable else 1) for c in layers
    }


def auto_replicas(layers: Sequence[ReplicaCandidate], budget_crossbars: int) -> dict[str, int]:
    """Pipeline balancing on stage time under a crossbar budget (see the module docstring).

    Returns replica counts for every layer; all 1 when no layer is replicable or when even one copy
    of each layer exceeds the budget (the capacity check reports that case).
    """
    conv = [c for c in layers if c.replicable]
    ones = {c.name: 1 for c in layers}
    if not conv or crossbars_needed(layers, ones) > budget_crossbars:
        return ones
    fixed = max((c.stage_ns(1) for c in layers if not c.replicable), default=0.0)
    start = max(fixed, min(c.stage_ns(1) for c in conv))
    candidates = sorted({t for c in conv for n in _useful_counts(c) for t in (c.stage_ns(n),) if t >= start}
                        | {start, max(c.stage_ns(1) for c in conv)})
    lo, hi = 0, len(candidates) - 1
    if crossbars_needed(layers, replicas_for_time(layers, candidates[hi])) > budget_crossbars:
        return ones
    while lo < hi:
        mid = (lo + hi) // 2
        if crossbars_needed(layers, replicas_for_time(layers, candidates[mid])) <= budget_crossbars:
            hi = mid
        else:
            lo = mid + 1
    return replicas_for_time(layers, candidates[lo])


def _useful_counts(c: ReplicaCandidate) -> list[int]:
    """The smallest replica count for every distinct ``ceil(n_p / n)`` (every distinct analog stage time)."""
    n_p = c.vectors_per_sample
    return sorted({math.ceil(n_p / math.ceil(n_p / n)) for n in range(1, n_p + 1)})


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
