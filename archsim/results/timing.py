"""Results of the event engine: action counts and timing.

:class:`ActionCounts` maps ``(scope, action)`` to an integer (how many times a component did something:
``("chip.tile3.adc", "convert")``); the cost model prices them. :class:`TimingResult` holds the makespan,
per-layer latency, throughput, per-component busy time and utilisation, and a compact event timeline
(one entry per layer, phase and sample) for the report's Gantt chart. Both are frozen and round-trip
through ``to_dict``/``from_dict``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from archsim.errors import DataError


@dataclass(frozen=True, kw_only=True)
class ActionCounts:
    """How many times each component scope performed each action."""

    counts: Mapping[tuple[str, str], int] = field(default_factory=dict)
    """``(scope, action) -> n``; scopes are dotted (``chip.tile3.adc``)."""

    def __getitem__(self, key: tuple[str, str]) -> int:
        return int(self.counts.get(key, 0))

    def total(self, action: str, scope_suffix: str | None = None) -> int:
        """Sum of ``action`` over all scopes (optionally only scopes ending in ``scope_suffix``)."""
        return int(sum(n for (scope, act), n in self.counts.items()
                       if act == action and (scope_suffix is None or scope.endswith(scope_suffix))))

    def items(self) -> Iterable[tuple[tuple[str, str], int]]:
        """``((scope, action), n)`` pairs in sorted order."""
        return sorted(self.counts.items())

    def __add__(self, other: ActionCounts) -> ActionCounts:
        merged = dict(self.counts)
        for key, n in other.counts.items():
            merged[key] = merged.get(key, 0) + n
        return ActionCounts(counts=merged)

    def to_dict(self) -> dict[str, dict[str, int]]:
        """``{scope: {action: n}}`` with sorted keys."""
        out: dict[str, dict[str, int]] = {}
        for (scope, action), n in sorted(self.counts.items()):
            out.setdefault(scope, {})[action] = int(n)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, int]]) -> ActionCounts:
        """Inverse of :meth:`to_dict`."""
        try:
            return cls(counts={(s, a): int(n) for s, acts in data.items() for a, n in acts.items()})
        except (AttributeError, TypeError, ValueError) as exc:
            raise DataError("counts: expected {scope: {action: int}}, "
                            f"got {type(data).__name__}") from exc


@dataclass(frozen=True, kw_only=True)
class TimelineEntry:
    """One bar of the Gantt chart: a layer's phase for one sample."""

    layer: str
    """Analog layer name (or ``input``/``output`` for off-chip transfers)."""
    phase: str
    """``forward``, ``backward``, ``update``, ``digital``, ``transfer``."""
    sample: int
    """Sample index within the batch."""
    start_ns: float
    """Start time in ns."""
    end_ns: float
    """End time in ns."""

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "phase": self.phase, "sample": self.sample,
                "start_ns": self.start_ns, "end_ns": self.end_ns}


@dataclass(frozen=True, kw_only=True)
class LayerTiming:
    """Timing of one analog layer over the whole run."""

    layer: str
    """Layer name."""
    forward_ns_per_sample: float
    """Analog forward-cycle time of one sample (MVM chunks of the slowest replica, excl. waiting)."""
    backward_ns_per_sample: float = 0.0
    """Backward-cycle time of one sample (training only)."""
    update_ns_per_sample: float = 0.0
    """Update-cycle time of one sample incl. transfers (training only)."""
    digital_ns_per_sample: float = 0.0
    """Digital post-processing time of one sample (accumulate, activation, pooling, ...)."""
    latency_ns: float = 0.0
    """Mean wall-clock time from start of the layer's forward work on a sample to its end."""
    first_start_ns: float = 0.0
    """Time the layer first started work."""
    last_end_ns: float = 0.0
    """Time the layer last finished work."""
    interval_ns: float = 0.0
    """Steady-state time between the ends of consecutive samples' forward work (mean over the second
    half of the batch; the pipelined time per sample of this layer)."""
    sequential_mvms_per_sample: float = 0.0
    """Sequential forward MVMs per sample on the busiest crossbar (vectors x input cycles x BM passes)."""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True)
class TimingResult:
    """Makespan, throughput and utilisation of one simulated run."""

    mode: str
    """``inference`` or ``training``."""
    batch: int
    """Number of samples simulated."""
    pipeline: bool
    """Whether samples were pipelined across layers."""
    makespan_ns: float
    """Time from the first event to the last."""
    tick_ps: int
    """Simulation time base in picoseconds."""
    latency_ns_per_sample: float
    """Mean time from the start of a sample's first forward MVM to its completion (queueing before the
    first layer excluded; off-chip read of the input excluded)."""
    throughput_samples_per_s: float
    """batch / makespan."""
    interval_ns_per_sample: float = 0.0
    """Steady-state time between consecutive sample completions (mean over the second half of the batch;
    the makespan for a batch of 1)."""
    layers: tuple[LayerTiming, ...] = ()
    """Per-analog-layer timing, in topological order."""
    busy_ns: Mapping[str, float] = field(default_factory=dict)
    """Busy time per component scope."""
    utilisation: Mapping[str, float] = field(default_factory=dict)
    """busy / (makespan x units) per component scope."""
    n_events: int = 0
    """SimPy events processed (a measure of engine cost)."""
    timeline: tuple[TimelineEntry, ...] = ()
    """Compact event timeline for a Gantt chart (possibly truncated, see ``timeline_truncated``)."""
    timeline_truncated: bool = False
    """True when the run produced more timeline entries than were kept."""

    def layer(self, name: str) -> LayerTiming:
        """The :class:`LayerTiming` of layer ``name``."""
        for entry in self.layers:
            if entry.layer == name:
                return entry
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode, "batch": self.batch, "pipeline": self.pipeline,
            "makespan_ns": self.makespan_ns, "tick_ps": self.tick_ps,
            "latency_ns_per_sample": self.latency_ns_per_sample,
            "throughput_samples_per_s": self.throughput_samples_per_s,
            "interval_ns_per_sample": self.interval_ns_per_sample,
            "layers": [entry.to_dict() for entry in self.layers],
            "busy_ns": dict(sorted(self.busy_ns.items())),
            "utilisation": dict(sorted(self.utilisation.items())),
            "n_events": self.n_events,
            "timeline": [entry.to_dict() for entry in self.timeline],
            "timeline_truncated": self.timeline_truncated,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimingResult:
        """Inverse of :meth:`to_dict`."""
        try:
            values = dict(data)
            values["layers"] = tuple(LayerTiming(**entry) for entry in values.get("layers", ()))
            values["timeline"] = tuple(TimelineEntry(**entry) for entry in values.get("timeline", ()))
            return cls(**values)
        except TypeError as exc:
            raise DataError(f"timing: cannot read section ({exc})") from exc
