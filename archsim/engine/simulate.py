"""Run a :class:`RunPlan` on a fresh :class:`SimEnvironment` and collect timing and action counts.

:func:`simulate_plan` is the engine's core entry point (tests call it with hand-built plans);
:func:`archsim.engine.simulate` lowers a Mapping + HardwareConfig to a plan first
(:mod:`archsim.engine.build`). After ``env.run()`` empties the event queue, every sample must have
finished; otherwise a :class:`SimulationError` names the layers still waiting (deadlock detection).
"""

from __future__ import annotations

from archsim.engine.env import SimEnvironment
from archsim.engine.schedule import Chip, RunPlan
from archsim.errors import SimulationError
from archsim.results.timing import ActionCounts, LayerTiming, TimelineEntry, TimingResult


def steady_interval(ends: list[float]) -> float:
    """Mean gap between consecutive ends over the second half of ``ends`` (sorted); the only end if one."""
    ends = sorted(ends)
    if not ends:
        return 0.0
    if len(ends) == 1:
        return ends[0]
    half = ends[(len(ends) - 1) // 2:]
    return (half[-1] - half[0]) / (len(half) - 1)


def _digital_ns(chip: Chip, layer) -> float:
    """Forward digital time of one sample on the layer's busiest tile (per-unit jobs run in parallel)."""
    best = 0.0
    for t, share in layer.out_share.items():
        tile = chip.tiles[t]
        per_unit: dict[str, float] = {}
        for action, n in layer.plan.digital_forward.items():
            name = tile.spec.unit_of(action)
            per_unit[name] = per_unit.get(name, 0.0) + n * share
        for name, ops in per_unit.items():
            best = max(best, tile.digital[name].spec.job_ns(ops))
    return best


def simulate_plan(plan: RunPlan, *, seed: int = 0, tick_ps: int = 1, trace: bool = False,
                  timeline_limit: int = 5000) -> tuple[TimingResult, ActionCounts, SimEnvironment]:
    """Simulate ``plan``; return ``(timing, counts, env)`` (env for traces and inspection)."""
    env = SimEnvironment(tick_ps=tick_ps, seed=seed, trace=trace, timeline_limit=timeline_limit)
    chip = Chip(env, plan)
    chip.start()
    env.run()
    missing = [s for s in range(plan.batch) if s not in chip.completed]
    if missing:
        stuck = [layer.name for layer in chip.layers if len(layer.fwd_span) < plan.batch]
        raise SimulationError(
            f"engine: deadlock at t = {env.to_ns(env.now):.1f} ns: samples {missing[:5]} never finished; "
            f"layers with unfinished forward work: {stuck[:10]}",
            hint="check buffer capacities and the layer graph")
    makespan = int(max(max(chip.completed.values()), chip.update_end))
    makespan_ns = env.to_ns(makespan)
    lat = [env.to_ns(chip.completed[s] - chip.started.get(s, chip.admitted[s])) for s in range(plan.batch)]
    layers = []
    for layer in chip.layers:
        spans = layer.fwd_span
        lp = layer.plan
        seq = max((g.vectors_per_sample for g in lp.groups), default=0.0) * lp.bm_passes_forward
        layers.append(LayerTiming(
            layer=layer.name,
            forward_ns_per_sample=layer.times["forward"],
            backward_ns_per_sample=layer.times["backward"],
            update_ns_per_sample=layer.times["update"],
            digital_ns_per_sample=_digital_ns(chip, layer),
            latency_ns=sum(env.to_ns(e - s) for s, e in spans) / len(spans) if spans else 0.0,
            first_start_ns=env.to_ns(min(s for s, _ in spans)) if spans else 0.0,
            last_end_ns=env.to_ns(max(e for _, e in spans)) if spans else 0.0,
            interval_ns=steady_interval([env.to_ns(e) for _, e in spans]),
            sequential_mvms_per_sample=float(seq),
        ))
    busy_ns = {scope: env.to_ns(t) for scope, t in sorted(env.busy_ticks.items())}
    util = {scope: (t / (makespan * env.units.get(scope, 1)) if makespan > 0 else 0.0)
            for scope, t in sorted(env.busy_ticks.items())}
    timeline = tuple(TimelineEntry(layer=l, phase=p, sample=s, start_ns=env.to_ns(a), end_ns=env.to_ns(b))
                     for l, p, s, a, b in env.timeline)
    timing = TimingResult(
        mode=plan.mode, batch=plan.batch, pipeline=plan.pipeline, makespan_ns=makespan_ns, tick_ps=tick_ps,
        latency_ns_per_sample=sum(lat) / len(lat),
        throughput_samples_per_s=plan.batch / (makespan_ns * 1e-9) if makespan_ns > 0 else 0.0,
        interval_ns_per_sample=steady_interval([env.to_ns(t) for t in chip.completed.values()]),
        layers=tuple(layers), busy_ns=busy_ns, utilisation=util, n_events=env.n_events,
        timeline=timeline, timeline_truncated=env.timeline_dropped > 0,
    )
    counts = ActionCounts(counts={key: int(round(n)) for key, n in sorted(env.counts.items())
                                  if round(n) != 0})
    return timing, counts, env
