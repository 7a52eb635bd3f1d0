"""Run a :class:`RunPlan` on a fresh :class:`SimEnvironment` and collect timing and action counts.

:func:`simulate_plan` is the engine's core entry point (tests call it with hand-built plans);
:func:`archsim.engine.simulate` lowers a Mapping + HardwareConfig to a plan first
(:mod:`archsim.engine.build`). After the event queue is empty every sample must have finished; otherwise a
:class:`SimulationError` names the layers still waiting (deadlock detection).

Steady state. The interval per sample is measured over the window where the pipeline is full: from the
first sample's completion until the last sample's first MVM (after that no sample enters and the pipeline
drains, faster in training where only updates are left). With fewer than two completions in that window
it is the mean gap of all completions; with one sample it is the makespan.

Garbage collection. The run allocates millions of short-lived objects (events, tuples) that reference counting
frees; Python's cycle collector would meanwhile traverse the long-lived plan, chip and caller objects again and
again (about a tenth of the run time on ResNet-50, more in a process holding a large model). It is paused for
the elaboration and the run and restored afterwards; the few reference cycles a run leaves (the chip's own
structure, a few objects per sample) are collected at the next collection after it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from archsim.engine.chip import Chip
from archsim.engine.env import SimEnvironment
from archsim.engine.plan import RunPlan
from archsim.errors import SimulationError
from archsim.results.timing import ActionCounts, LayerTiming, TimelineEntry, TimingResult


def steady_interval(ends: list[float], window_end: float | None = None) -> float:
    """Mean gap between consecutive ``ends`` inside ``[first end, window_end]`` (see the module docstring)."""
    ends = sorted(ends)
    if not ends:
        return 0.0
    if len(ends) == 1:
        return ends[0]
    inside = ends if window_end is None else [e for e in ends if e <= window_end]
    if len(inside) < 2:
        inside = ends
    return (inside[-1] - inside[0]) / (len(inside) - 1)


def _ops_per_sample(plan: RunPlan) -> float:
    """2 ops per MAC per cycle run: forward; in training also backward (where computed) and update."""
    total = 0.0
    for lp in plan.layers:
        cycles = 1.0
        if plan.mode == "training":
            cycles += 1.0 + (1.0 if lp.backward else 0.0)
        total += 2.0 * lp.macs_per_sample * cycles
    return total


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector inside the block (see the module docstring); restores its state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def simulate_plan(plan: RunPlan, *, seed: int = 0, tick_ps: int = 1, trace: bool = False,
                  timeline_limit: int = 5000) -> tuple[TimingResult, ActionCounts, SimEnvironment]:
    """Simulate ``plan``; return ``(timing, counts, env)`` (env for traces and inspection)."""
    env = SimEnvironment(tick_ps=tick_ps, seed=seed, trace=trace, timeline_limit=timeline_limit)
    with cycle_collector_paused():
        chip = Chip(env, plan)
        chip.start()
        env.run_all()
        env.close_timeline()
        chip.finish()
    missing = [s for s in range(plan.batch) if s not in chip.completed or s not in chip.admitted]
    stuck = [layer.name for layer in chip.layers if len(layer.digital_end) < plan.batch]
    if missing or (stuck and plan.n_passes == 1):
        raise SimulationError(
            f"engine: deadlock at t = {env.to_ns(env.now):.1f} ns: samples {missing[:5]} never finished; "
            f"layers with unfinished forward work: {stuck[:10]}",
            hint="check buffer capacities (tile.buffer) and the layer graph")
    to_ns = env.to_ns
    makespan = int(max(max(chip.completed.values()), chip.update_end))
    makespan_ns = to_ns(makespan)
    batch = plan.batch
    starts = {s: min(layer.fwd_start[s] for layer in chip.layers if s in layer.fwd_start)
              for s in range(batch)}
    lat = [to_ns(chip.completed[s] - starts[s]) for s in range(batch)]
    window_end = to_ns(max(starts.values()))
    layers = []
    reprogram_ns = sum(to_ns(ready - t0) for t0, ready, _ in chip.pass_times) if plan.n_passes > 1 else 0.0
    for layer in chip.layers:
        lp, st = layer.plan, layer.stats
        seq = max((g.vectors_per_sample for g in lp.groups), default=0.0) * lp.bm_passes_forward
        spans = [to_ns(layer.replica_span[s]) for s in layer.replica_span]
        lats = [to_ns(layer.digital_end[s] - layer.fwd_start[s]) for s in layer.fwd_start if s in layer.digital_end]
        ends = [to_ns(layer.digital_end[s]) for s in layer.digital_end]
        unit_busy = max(st.unit_digital_ticks.values(), default=0)
        layers.append(LayerTiming(
            layer=layer.name,
            forward_ns_per_sample=to_ns(max(st.group_forward_ticks.values(), default=0)) / batch,
            backward_ns_per_sample=to_ns(st.backward_ticks) / batch / max(1, len(layer.groups)),
            update_ns_per_sample=to_ns(st.update_ticks) / batch / max(1, len(layer.groups)),
            digital_ns_per_sample=to_ns(unit_busy) / batch,
            latency_ns=sum(lats) / len(lats) if lats else 0.0,
            first_start_ns=to_ns(min(layer.fwd_start.values())) if layer.fwd_start else 0.0,
            last_end_ns=to_ns(max(layer.digital_end.values())) if layer.digital_end else 0.0,
            interval_ns=steady_interval(ends, window_end),
            sequential_mvms_per_sample=float(seq),
            forward_span_ns=sum(spans) / len(spans) if spans else 0.0,
            stall_ns=to_ns(st.stall_ticks) / batch,
            steps_per_sample=lp.steps,
            bytes_in=st.bytes_in, bytes_out=st.bytes_out, bytes_spilled=st.bytes_spilled,
            bytes_offchip=st.bytes_offchip, pass_index=lp.pass_index,
            reprogram_ns=to_ns(st.reprogram_ticks), reprogram_cells=st.reprogram_cells,
        ))
    busy_ns = {scope: to_ns(t) for scope, t in sorted(env.busy_ticks.items())}
    util = {scope: (t / (makespan * env.units.get(scope, 1)) if makespan > 0 else 0.0)
            for scope, t in sorted(env.busy_ticks.items())}
    timeline = tuple(TimelineEntry(layer=name, phase=p, sample=s, start_ns=to_ns(a), end_ns=to_ns(b),
                                   busy_ns=to_ns(busy))
                     for name, p, s, a, b, busy in env.timeline)
    interval = steady_interval([to_ns(t) for t in chip.completed.values()], window_end)
    ops_sample = _ops_per_sample(plan)
    timing = TimingResult(
        mode=plan.mode, batch=batch, pipeline=plan.pipeline, makespan_ns=makespan_ns, tick_ps=tick_ps,
        latency_ns_per_sample=sum(lat) / len(lat),
        throughput_samples_per_s=batch / (makespan_ns * 1e-9) if makespan_ns > 0 else 0.0,
        interval_ns_per_sample=interval,
        layers=tuple(layers), busy_ns=busy_ns, utilisation=util, n_events=env.n_events,
        n_transactions=chip.transactions(),
        timeline=timeline, timeline_truncated=env.timeline_dropped > 0,
        links=chip.network.link_report(makespan), routers=chip.network.router_report(),
        ops=ops_sample * batch,
        achieved_tops=ops_sample * batch / makespan_ns / 1000.0 if makespan_ns > 0 else 0.0,
        achieved_tops_steady=ops_sample / interval / 1000.0 if interval > 0 else 0.0,
        samples_in_flight=chip.in_flight, n_passes=plan.n_passes, reprogram_ns=reprogram_ns,
    )
    by_layer: dict[str, dict[tuple[str, str], int]] = {}
    for (name, scope, action), n in sorted(env.layer_counts.items()):
        if round(n) != 0:
            by_layer.setdefault(name, {})[(scope, action)] = int(round(n))
    counts = ActionCounts(counts={key: int(round(n)) for key, n in sorted(env.counts.items()) if round(n) != 0},
                          by_layer=by_layer)
    return timing, counts, env
