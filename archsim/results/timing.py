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
    by_layer: Mapping[str, Mapping[tuple[str, str], int]] = field(default_factory=dict, compare=False)
    """The same counts split by the layer they were done for (``layer -> (scope, action) -> n``); their
    sum is ``counts``. Not written to ``to_dict`` (price each with :func:`layer`)."""

    def layer(self, name: str) -> ActionCounts:
        """The counts done for layer ``name``."""
        return ActionCounts(counts=dict(self.by_layer.get(name, {})))

    def layers(self) -> dict[str, ActionCounts]:
        """The counts of every layer (``archsim.cost.price_layers`` prices them)."""
        return {name: self.layer(name) for name in sorted(self.by_layer)}

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
    busy_ns: float | None = None
    """Time within the bar the phase was busy (the rest waited for data or for crossbars); None = all of it."""

    def to_dict(self) -> dict[str, Any]:
        out = {"layer": self.layer, "phase": self.phase, "sample": self.sample,
               "start_ns": self.start_ns, "end_ns": self.end_ns}
        if self.busy_ns is not None:
            out["busy_ns"] = self.busy_ns
        return out


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
    forward_span_ns: float = 0.0
    """The layer's forward cycle per sample: mean over samples of the longest time one replica took from its
    first to its last forward MVM of the sample (waits for input rows and for its crossbars included; replicas
    work in parallel, so one starting the next sample early does not count)."""
    stall_ns: float = 0.0
    """Mean time per sample the layer waited for space in its consumers' buffers (back-pressure)."""
    steps_per_sample: int = 1
    """Row handover steps per sample (conv: output rows)."""
    bytes_in: float = 0.0
    """Bytes delivered into the layer's tiles over the run (inputs and residual operands)."""
    bytes_out: float = 0.0
    """Bytes the layer sent to its consumers and to off-chip memory over the run."""
    bytes_spilled: float = 0.0
    """Bytes of its inputs that did not fit the tile buffers and went off-chip."""
    bytes_offchip: float = 0.0
    """Off-chip bytes moved for the layer (input, output, spills, weights for reprogramming)."""
    pass_index: int = 0
    """Reprogramming pass the layer ran in."""
    reprogram_ns: float = 0.0
    """Time from the start of its pass until its crossbars were programmed (0 without passes)."""
    reprogram_cells: int = 0
    """Cells written to program the layer's crossbars."""

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
    n_transactions: int = 0
    """Resource grants the engine modelled (link hops, crossbar, digital-unit, buffer-port and off-chip holds);
    several are settled in one SimPy event when the holder knows its hold time."""
    timeline: tuple[TimelineEntry, ...] = ()
    """Compact event timeline for a Gantt chart (possibly truncated, see ``timeline_truncated``)."""
    timeline_truncated: bool = False
    """True when the run produced more timeline entries than were kept."""
    links: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """Per link with traffic: ``busy_ns``, ``utilisation``, ``packets``, ``mean_wait_ns``, ``max_wait_ns``."""
    routers: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """Per router with traffic: ``packets``, ``mean_wait_ns``, ``max_wait_ns`` (waits at its output links)."""
    ops: float = 0.0
    """Arithmetic operations done (2 per multiply-accumulate; forward, backward and update cycles)."""
    achieved_tops: float = 0.0
    """ops / makespan (TOPS)."""
    achieved_tops_steady: float = 0.0
    """Ops of one sample / steady-state interval (TOPS)."""
    samples_in_flight: int = 0
    """Most samples admitted at once (training: bounded by the buffer space their activations need)."""
    n_passes: int = 1
    """Reprogramming passes."""
    reprogram_ns: float = 0.0
    """Total time spent programming crossbars between passes."""

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
            "n_events": self.n_events, "n_transactions": self.n_transactions,
            "timeline": [entry.to_dict() for entry in self.timeline],
            "timeline_truncated": self.timeline_truncated,
            "links": {k: dict(v) for k, v in sorted(self.links.items())},
            "routers": {k: dict(v) for k, v in sorted(self.routers.items())},
            "ops": self.ops, "achieved_tops": self.achieved_tops,
            "achieved_tops_steady": self.achieved_tops_steady,
            "samples_in_flight": self.samples_in_flight, "n_passes": self.n_passes,
            "reprogram_ns": self.reprogram_ns,
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
