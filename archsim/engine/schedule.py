"""Schedules: inference and training of a mapped network as coarse SimPy processes.

The unit of work is a **chunk**: all vectors of one sample that one replica (a *group* of blocks
working in lockstep on the same input vectors) processes in one cycle (forward, backward or update).
A chunk holds its crossbars for the analytic time of :meth:`CrossbarSpec.mvm_ns` /
:meth:`CrossbarSpec.update_ns` of its slowest block, so a ResNet-50 image costs a few thousand events
instead of millions, and a chunk equals the pass-by-pass fine model when nothing contends.

Per analog layer and sample (forward)::

    inbox (one per producer edge, finite: back-pressure) -> read from the home tile's buffer -> chunks of
    all groups in parallel, overlapped with the scatter of the inputs from the home tile to the layer's
    other tiles (inputs stream in while earlier vectors compute) -> [stage queue, 1 entry] -> digital
    jobs on each
    tile of the layer (accumulate partial sums, NM/BM scaling, activation, pooling, the non-analog layers
    that follow it) -> send outputs from each tile to each consumer's home tile -> consumer inbox

The analog and digital halves are separate processes, so a layer is a two-stage pipeline. Training adds,
per layer in reverse order, the backward chunk (input gradient; skipped for the first layers, which
need none), the update chunk (``bl`` pulses per vector plus the algorithm's transfer reads/writes) and
digital pulse-probability work. Gradients are sent to the producers' home tiles.

``pipeline=False`` admits one sample at a time (the next enters when the previous has finished every
cycle), so per-sample time is the sum of the layer times; ``pipeline=True`` admits all samples and lets
finite buffers and shared crossbars throttle them, so the steady-state interval is that of the slowest
stage. Assumptions (documented approximations): inputs shared by several blocks of a tile travel once
(multicast); partial-sum reduction across tiles is charged to the digital units, not the network;
groups that share any crossbar share one lock (conservative, deadlock-free); weights stay put (no
reprogramming).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import simpy

from archsim.engine.buffer import TileBuffer
from archsim.engine.component import Component
from archsim.engine.digital import DigitalUnit
from archsim.engine.env import SimEnvironment
from archsim.engine.interconnect import Network
from archsim.engine.memory import OffChipMemory
from archsim.engine.spec import LinkSpec, OffchipSpec, TileSpec
from archsim.errors import SimulationError


# --------------------------------------------------------------------------------------------------
# plans (engine-side, built from the Mapping by engine.build, or by hand in tests)
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class BlockPlan:
    """One weight block on one crossbar."""

    tile: int
    """Tile index."""
    crossbar: int = 0
    """Crossbar index within the tile."""
    rows: int
    """Rows used (inputs)."""
    cols: int
    """Columns used (outputs)."""


@dataclass(frozen=True, kw_only=True)
class GroupPlan:
    """One replica of a layer: blocks that process the same vectors in lockstep."""

    replica: int = 0
    """Replica index."""
    blocks: tuple[BlockPlan, ...]
    """The blocks (row blocks x column blocks x slices) of this replica."""
    vectors_per_sample: float
    """Vectors this replica processes per sample."""


@dataclass(frozen=True, kw_only=True)
class LayerPlan:
    """Everything the engine needs about one analog layer."""

    name: str
    """Layer name."""
    groups: tuple[GroupPlan, ...]
    """Replicas."""
    preds: tuple[str, ...] = ()
    """Earlier analog layers whose outputs feed its MVMs (empty: reads the network input from off-chip)."""
    post_preds: tuple[str, ...] = ()
    """Analog layers whose outputs only its digital layers need (the residual operand of an add it owns);
    they may come later in topological order. Waited for before the digital stage, not the MVMs."""
    bytes_in_per_sample: float = 0.0
    """Input activation bytes per sample."""
    bytes_out_per_sample: float = 0.0
    """Output activation bytes per sample (after the digital layers it owns)."""
    edge_bytes: Mapping[str, float] = field(default_factory=dict)
    """Bytes per sample each producer in ``preds`` sends (default: ``bytes_in_per_sample / len(preds)``)."""
    digital_forward: Mapping[str, float] = field(default_factory=dict)
    """Digital ops per sample in the forward cycle ``{action: ops}``."""
    digital_backward: Mapping[str, float] = field(default_factory=dict)
    """Digital ops per sample in the backward cycle."""
    digital_update: Mapping[str, float] = field(default_factory=dict)
    """Digital ops per sample for the update (pulse probabilities, transfer bookkeeping)."""
    bm_passes_forward: float = 1.0
    """Mean forward passes per vector (bound management re-runs)."""
    bm_passes_backward: float = 1.0
    """Mean backward passes per vector."""
    bl: float = 31.0
    """Mean pulse-train length per update."""
    transfer_reads_per_sample: float = 0.0
    """Extra forward reads per sample (Tiki-Taka transfers)."""
    transfer_writes_per_sample: float = 0.0
    """Extra pulsed row/column updates per sample (Tiki-Taka transfers)."""
    transfer_bl: float = 1.0
    """Pulse-train length of a transfer write."""
    pulses_per_device_per_update: float = 0.0
    """Mean coincidences (pulses applied) per device per vector update (energy only)."""
    backward: bool = True
    """Whether the backward cycle computes an input gradient (False for the first layers)."""

    def bytes_from(self, pred: str) -> float:
        """Bytes per sample that producer ``pred`` sends to this layer."""
        if pred in self.edge_bytes:
            return float(self.edge_bytes[pred])
        return self.bytes_in_per_sample / max(1, len(self.preds) + len(self.post_preds))


@dataclass(frozen=True, kw_only=True)
class ChipPlan:
    """The hardware the plan runs on."""

    tile: TileSpec
    """Every tile's spec (tiles are identical)."""
    graph: nx.Graph
    """Interconnect topology, nodes include ``("tile", i)``."""
    link: LinkSpec
    """Default link spec."""
    offchip: OffchipSpec
    """Off-chip memory interface."""
    offchip_node: tuple[str, int] | None = None
    """Graph node where off-chip traffic enters (None: straight into the home tiles, no NoC hop)."""


@dataclass(frozen=True, kw_only=True)
class RunPlan:
    """A complete engine input: layers, chip, mode."""

    layers: tuple[LayerPlan, ...]
    """Analog layers in topological order."""
    chip: ChipPlan
    """Hardware."""
    mode: str = "inference"
    """``inference`` or ``training``."""
    batch: int = 1
    """Samples."""
    pipeline: bool = True
    """Pipeline samples across layers."""
    update_every: int = 1
    """Training: samples per weight update. 1 = every sample's rank-one pulse trains right after its
    backward cycle; N = one update step per mini-batch of N samples (all their vectors, applied after the
    last sample's backward cycle; samples count as finished when their gradients are through)."""
    fine: bool = False
    """Fine mode: one crossbar event per vector (exact interleaving of groups sharing crossbars) instead
    of one per sample; the same result when nothing contends, for small networks only."""
    input_bytes_per_sample: float = 0.0
    """Network input read from off-chip per sample."""
    output_bytes_per_sample: float = 0.0
    """Network output written off-chip per sample."""


# --------------------------------------------------------------------------------------------------
# components
# --------------------------------------------------------------------------------------------------
class Tile(Component):
    """A tile: counting scopes for its crossbars and converters, a digital unit and a buffer."""

    def __init__(self, env: SimEnvironment, index: int, parent: Component, spec: TileSpec) -> None:
        super().__init__(env, f"tile{index}", parent)
        self.index = index
        self.spec = spec
        self.xbar = Component(env, "xbar", self, units=spec.n_crossbars)
        self.dac = Component(env, "dac", self, units=spec.n_crossbars)
        self.adc = Component(env, "adc", self, units=spec.n_crossbars)
        self.digital = {name: DigitalUnit(env, name, self, unit) for name, unit in spec.units().items()}
        self.unit_of = {op: spec.unit_of(op) for op in spec.op_unit}
        self.buffer = TileBuffer(env, "buffer", self, spec.buffer, entries=1)


@dataclass
class _Chunk:
    """Precomputed per-sample cost of one group in one cycle (``sub_ticks``: per-vector slices, fine mode)."""

    ticks: int
    counts: list[tuple[Component, str, float]]
    busy: list[tuple[Component, int]]
    sub_ticks: list[int] | None = None


class _Group:
    """A replica at run time: its lock and precomputed chunk costs."""

    def __init__(self, plan: GroupPlan, lock: simpy.Resource) -> None:
        self.plan = plan
        self.lock = lock
        self.chunks: dict[str, _Chunk] = {}


class _Layer:
    """An analog layer at run time."""

    def __init__(self, plan: LayerPlan) -> None:
        self.plan = plan
        self.name = plan.name
        self.groups: list[_Group] = []
        self.tiles: list[int] = []
        self.home = 0
        self.in_share: dict[int, float] = {}
        self.out_share: dict[int, float] = {}
        self.succs: list[_Layer] = []
        self.post_succs: list[_Layer] = []
        self.inbox: dict[str, simpy.Store] = {}
        self.post_inbox: dict[str, simpy.Store] = {}
        self.grad_inbox: dict[str, simpy.Store] = {}
        self.stage: simpy.Store | None = None
        self.fwd_span: list[tuple[int, int]] = []
        self.times: dict[str, float] = {}


class Chip(Component):
    """The simulated chip: tiles, network, off-chip memory, and the layer processes."""

    def __init__(self, env: SimEnvironment, plan: RunPlan) -> None:
        super().__init__(env, "chip")
        self.plan = plan
        self.tiles: dict[int, Tile] = {}
        self.network = Network(env, "noc", self, plan.chip.graph, plan.chip.link)
        self.offchip = OffChipMemory(env, "offchip", self, plan.chip.offchip)
        self.layers: list[_Layer] = []
        self.by_name: dict[str, _Layer] = {}
        self.admitted: dict[int, int] = {}
        self.started: dict[int, int] = {}
        self.update_end = 0
        self.completed: dict[int, int] = {}
        self.pending: dict[int, int] = {}
        self._elaborate()

    # -- elaboration ------------------------------------------------------------------------------
    def tile(self, index: int) -> Tile:
        """The tile component ``index`` (created at first use)."""
        found = self.tiles.get(index)
        if found is None:
            if ("tile", index) not in self.plan.chip.graph:
                raise SimulationError(f"engine: tile {index} is not a node of the interconnect graph",
                                      hint="the mapping placed a block on a tile the topology lacks")
            found = self.tiles[index] = Tile(self.env, index, self, self.plan.chip.tile)
        return found

    def _elaborate(self) -> None:
        plan = self.plan
        if plan.mode not in ("inference", "training"):
            raise SimulationError(f"engine: mode: expected 'inference' or 'training', got {plan.mode!r}")
        if plan.batch < 1:
            raise SimulationError(f"engine: batch: expected >= 1, got {plan.batch}")
        if plan.update_every < 1:
            raise SimulationError(f"engine: update_every: expected >= 1, got {plan.update_every}")
        names = [lp.name for lp in plan.layers]
        if len(set(names)) != len(names):
            raise SimulationError("engine: duplicate layer names in the plan")
        for lp in plan.layers:
            layer = _Layer(lp)
            for pred in lp.preds:
                if pred not in self.by_name:
                    raise SimulationError(f"engine: layer {lp.name}: predecessor {pred!r} is not an earlier "
                                          "analog layer")
                self.by_name[pred].succs.append(layer)
            self.layers.append(layer)
            self.by_name[lp.name] = layer
        for layer in self.layers:
            for pred in layer.plan.post_preds:
                if pred not in self.by_name or pred == layer.name:
                    raise SimulationError(f"engine: layer {layer.name}: post-predecessor {pred!r} is not "
                                          "another analog layer")
                self.by_name[pred].post_succs.append(layer)
        self._make_locks()
        xs = plan.chip.tile.crossbar
        for layer in self.layers:
            lp = layer.plan
            tiles = sorted({b.tile for g in lp.groups for b in g.blocks})
            if not tiles:
                raise SimulationError(f"engine: layer {lp.name}: no blocks")
            for t in tiles:
                self.tile(t)
            layer.tiles = tiles
            layer.home = lp.groups[0].blocks[0].tile
            rows_w = {t: 0.0 for t in tiles}
            cols_w = {t: 0.0 for t in tiles}
            for g in lp.groups:
                for b in g.blocks:
                    rows_w[b.tile] += b.rows * g.vectors_per_sample
                    cols_w[b.tile] += b.cols * g.vectors_per_sample
            tot_r, tot_c = sum(rows_w.values()) or 1.0, sum(cols_w.values()) or 1.0
            layer.in_share = {t: rows_w[t] / tot_r for t in tiles}
            layer.out_share = {t: cols_w[t] / tot_c for t in tiles}
            for g in layer.groups:
                v = g.plan.vectors_per_sample
                g.chunks["forward"] = self._chunk(g.plan, "forward",
                                                  xs.input_cycles * lp.bm_passes_forward * v,
                                                  lambda r, c, n: xs.mvm_ns(r, c, n), v)
                if plan.mode == "training":
                    if lp.backward:
                        g.chunks["backward"] = self._chunk(
                            g.plan, "backward", xs.input_cycles * lp.bm_passes_backward * v,
                            lambda r, c, n: xs.mvm_ns(r, c, n, backward=True), v)
                    g.chunks["update"] = self._update_chunk(g.plan, lp, v)
            layer.times = {
                phase: max((self.env.to_ns(g.chunks[phase].ticks) for g in layer.groups if phase in g.chunks),
                           default=0.0)
                for phase in ("forward", "backward", "update")
            }

    def _make_locks(self) -> None:
        """One lock per set of groups connected by a shared crossbar (union-find)."""
        parent: dict[int, int] = {}

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        owner: dict[tuple[int, int], int] = {}
        flat: list[tuple[_Layer, GroupPlan]] = []
        for layer in self.layers:
            for gp in layer.plan.groups:
                gid = len(flat)
                flat.append((layer, gp))
                parent[gid] = gid
                for b in gp.blocks:
                    key = (b.tile, b.crossbar)
                    if key in owner:
                        parent[find(gid)] = find(owner[key])
                    else:
                        owner[key] = gid
        locks: dict[int, simpy.Resource] = {}
        for gid, (layer, gp) in enumerate(flat):
            root = find(gid)
            if root not in locks:
                locks[root] = simpy.Resource(self.env, capacity=1)
            layer.groups.append(_Group(gp, locks[root]))

    def _fine_slices(self, gp: GroupPlan, passes: float, vectors: float, time_fn: Any) -> list[int] | None:
        """Per-vector slices of a chunk: differences of the cumulative time of 1..n vectors (exact)."""
        if not self.plan.fine or vectors <= 1:
            return None
        n = max(1, int(round(vectors)))
        per = passes / n
        cum = [self.env.to_ticks(max((time_fn(b.rows, b.cols, per * i) for b in gp.blocks), default=0.0))
               for i in range(n + 1)]
        return [b - a for a, b in zip(cum, cum[1:])]

    def _chunk(self, gp: GroupPlan, phase: str, passes: float, time_fn: Any, vectors: float = 1.0) -> _Chunk:
        """Per-sample cost of an MVM chunk: time of the slowest block; passes, cells, conversions per tile."""
        ns = max((time_fn(b.rows, b.cols, passes) for b in gp.blocks), default=0.0)
        ticks = self.env.to_ticks(ns)
        sub = self._fine_slices(gp, passes, vectors, time_fn)
        per_tile: dict[int, list[float]] = {}
        for b in gp.blocks:
            acc = per_tile.setdefault(b.tile, [0.0, 0.0, 0.0, 0.0, 0.0])
            drive, read = (b.cols, b.rows) if phase == "backward" else (b.rows, b.cols)
            acc[0] += passes
            acc[1] += drive * passes
            acc[2] += read * passes
            acc[3] += b.rows * b.cols * passes
            acc[4] += 1
        counts: list[tuple[Component, str, float]] = []
        busy: list[tuple[Component, int]] = []
        for t in sorted(per_tile):
            tile = self.tiles[t]
            n_pass, n_dac, n_adc, cells, n_blocks = per_tile[t]
            counts += [(tile.xbar, f"{phase}_pass", n_pass), (tile.xbar, f"{phase}_cells", cells),
                       (tile.dac, "convert", n_dac), (tile.adc, "convert", n_adc)]
            busy.append((tile.xbar, ticks * int(n_blocks)))
        return _Chunk(ticks=ticks, counts=counts, busy=busy, sub_ticks=sub)

    def _update_chunk(self, gp: GroupPlan, lp: LayerPlan, vectors: float) -> _Chunk:
        """Per-sample cost of the update: BL pulses per vector, plus transfer reads and writes."""
        xs = self.plan.chip.tile.crossbar
        reads = lp.transfer_reads_per_sample / len(lp.groups) * xs.input_cycles
        writes = lp.transfer_writes_per_sample / len(lp.groups)
        ns = (xs.update_ns(vectors, lp.bl) + xs.update_ns(writes, lp.transfer_bl)
              + max((xs.mvm_ns(b.rows, b.cols, reads) for b in gp.blocks), default=0.0))
        ticks = self.env.to_ticks(ns)
        counts: list[tuple[Component, str, float]] = []
        busy: dict[int, int] = {}
        for b in gp.blocks:
            tile = self.tiles[b.tile]
            counts += [(tile.xbar, "update", vectors),
                       (tile.xbar, "update_line_pulse",
                        (vectors * lp.bl + writes * lp.transfer_bl) * (b.rows + b.cols)),
                       (tile.xbar, "update_coincidence",
                        vectors * lp.pulses_per_device_per_update * b.rows * b.cols)]
            if writes:
                counts.append((tile.xbar, "transfer_write", writes))
            if reads:
                counts += [(tile.xbar, "transfer_pass", reads),
                           (tile.xbar, "transfer_cells", reads * b.rows * b.cols),
                           (tile.dac, "convert", reads * b.rows), (tile.adc, "convert", reads * b.cols)]
            busy[b.tile] = busy.get(b.tile, 0) + ticks
        merged: dict[tuple[Component, str], float] = {}
        for comp, action, n in counts:
            if n:
                merged[(comp, action)] = merged.get((comp, action), 0.0) + n
        sub = None
        if self.plan.fine and vectors > 1:
            n = max(1, int(round(vectors)))
            sub = [ticks // n + (1 if i < ticks % n else 0) for i in range(n)]
        return _Chunk(ticks=ticks, counts=[(c, a, n) for (c, a), n in merged.items()],
                      busy=[(self.tiles[t].xbar, v) for t, v in sorted(busy.items())], sub_ticks=sub)

    # -- processes --------------------------------------------------------------------------------
    def start(self) -> None:
        """Create the queues and start every process (sorted order, for determinism)."""
        env, plan = self.env, self.plan
        n_homed: dict[int, int] = {}
        for layer in self.layers:
            n_homed[layer.home] = n_homed.get(layer.home, 0) + 1
        for layer in self.layers:
            lp = layer.plan
            buf = self.tiles[layer.home].buffer
            edge_bytes = max((lp.bytes_from(p) for p in lp.preds), default=lp.bytes_in_per_sample)
            entries = buf.entries_for(edge_bytes, share=n_homed[layer.home] * max(1, len(lp.preds)))
            sources = lp.preds if lp.preds else ("__input__",)
            layer.inbox = {p: simpy.Store(env, capacity=entries) for p in sources}
            layer.post_inbox = {p: simpy.Store(env, capacity=entries) for p in lp.post_preds}
            layer.stage = simpy.Store(env, capacity=1)
            if plan.mode == "training":
                sinks = [s.name for s in layer.succs + layer.post_succs] or ["__loss__"]
                layer.grad_inbox = {s: simpy.Store(env) for s in sinks}
        self.admission = simpy.Resource(env, capacity=plan.batch if plan.pipeline else 1)
        self.done_events = [env.event() for _ in range(plan.batch)]
        per_sample = len(self.layers) if plan.mode == "training" else self._n_sinks()
        for s in range(plan.batch):
            self.pending[s] = per_sample
        env.process(self.feed_inputs())
        for layer in self.layers:
            env.process(self.forward_analog(layer))
            env.process(self.forward_digital(layer))
            if plan.mode == "training":
                env.process(self.backward_layer(layer))

    def _finish(self, sample: int) -> None:
        self.pending[sample] -= 1
        if self.pending[sample] == 0:
            self.completed[sample] = int(self.env.now)
            self.done_events[sample].succeed()

    def feed_inputs(self) -> Generator[Any, Any, None]:
        """Admit samples (one at a time without pipelining), read each input from off-chip, deliver it."""
        env = self.env
        firsts = [layer for layer in self.layers if not layer.plan.preds]
        for s in range(self.plan.batch):
            req = self.admission.request()
            yield req
            self.admitted[s] = int(env.now)
            env.process(self._release_when_done(s, req))
            yield from self.offchip.transfer(self.plan.input_bytes_per_sample, "read_bytes")
            node = self.plan.chip.offchip_node
            for layer in firsts:
                if node is not None:
                    yield from self.network.send(node, ("tile", layer.home), self.plan.input_bytes_per_sample)
                yield layer.inbox["__input__"].put(s)

    def _release_when_done(self, s: int, req: Any) -> Generator[Any, Any, None]:
        yield self.done_events[s]
        self.admission.release(req)

    def _send_many(self, traffic: Mapping[tuple[Any, Any], float]) -> Generator[Any, Any, None]:
        """Send every ``(src, dst) -> bytes`` message in parallel (local and empty ones cost nothing)."""
        procs = [self.env.process(self.network.send(src, dst, n))
                 for (src, dst), n in traffic.items() if src != dst and n > 0]
        if len(procs) == 1:
            yield procs[0]
        elif procs:
            yield self.env.all_of(procs)

    def _scatter(self, layer: _Layer, nbytes: float) -> Generator[Any, Any, None]:
        """Send ``nbytes`` from the layer's home tile to its tiles (shares by rows used)."""
        yield from self._send_many({(("tile", layer.home), ("tile", t)): nbytes * share
                                    for t, share in layer.in_share.items()})

    def _run_chunks(self, layer: _Layer, phase: str, sample: int, *, scatter: float = 0.0,
                    repeat: int = 1) -> Generator[Any, Any, None]:
        """All groups' chunks in parallel (plus, when ``scatter`` > 0, the overlapped input scatter);
        ``repeat`` samples' worth of work at once (mini-batch updates)."""
        procs = [self.env.process(self._chunk_proc(layer, g, phase, repeat)) for g in layer.groups]
        if scatter > 0 and len(layer.tiles) > 1:
            procs.append(self.env.process(self._scatter(layer, scatter)))
        yield procs[0] if len(procs) == 1 else self.env.all_of(procs)

    def _chunk_proc(self, layer: _Layer, group: _Group, phase: str,
                    repeat: int = 1) -> Generator[Any, Any, None]:
        """Hold the group's crossbars for one chunk (or vector by vector in fine mode); waits on its lock."""
        chunk = group.chunks[phase]
        scope = f"{layer.name}.r{group.plan.replica}"
        slices = list(chunk.sub_ticks) * repeat if chunk.sub_ticks else [chunk.ticks * repeat]
        for ticks in slices:
            with group.lock.request() as req:
                yield req
                self.env.trace(scope, f"{phase}_start")
                yield self.env.timeout(ticks)
                self.env.trace(scope, f"{phase}_end")
        for comp, action, n in chunk.counts:
            comp.count(action, n * repeat)
        for comp, ticks in chunk.busy:
            comp.add_busy(ticks * repeat)

    def _digital(self, layer: _Layer, ops: Mapping[str, float],
                 shares: Mapping[int, float]) -> Generator[Any, Any, None]:
        """Digital jobs of ``ops`` split over the layer's tiles by ``shares``, one job per unit and tile."""
        if not ops or sum(ops.values()) <= 0:
            return
        jobs = []
        for t, share in shares.items():
            if share <= 0:
                continue
            tile = self.tiles[t]
            per_unit: dict[str, dict[str, float]] = {}
            for action, n in ops.items():
                if n > 0:
                    name = tile.unit_of.get(action) or tile.spec.unit_of(action)
                    per_unit.setdefault(name, {})[action] = n * share
            for name in sorted(per_unit):
                jobs.append(self.env.process(tile.digital[name].run_job(per_unit[name])))
        if jobs:
            yield self.env.all_of(jobs)

    def forward_analog(self, layer: _Layer) -> Generator[Any, Any, None]:
        """Forward MVMs of each sample; waits on the layer's inboxes (one per producer) and its crossbars."""
        env, lp = self.env, layer.plan
        home_buf = self.tiles[layer.home].buffer
        for s in range(self.plan.batch):
            for store in layer.inbox.values():
                yield store.get()
            start = int(env.now)
            if not lp.preds:
                self.started.setdefault(s, start)
            yield from home_buf.access(lp.bytes_in_per_sample, "read_bytes")
            # inputs stream to the replicas' tiles while they compute (overlapped scatter)
            yield from self._run_chunks(layer, "forward", s, scatter=lp.bytes_in_per_sample)
            end = int(env.now)
            layer.fwd_span.append((start, end))
            env.record(layer.name, "forward", s, start, end)
            yield layer.stage.put(s)

    def forward_digital(self, layer: _Layer) -> Generator[Any, Any, None]:
        """Digital post-processing and output sends; waits on the analog half and on consumers' inboxes."""
        env, lp = self.env, layer.plan
        for s in range(self.plan.batch):
            yield layer.stage.get()
            for store in layer.post_inbox.values():
                yield store.get()
            start = int(env.now)
            yield from self._digital(layer, lp.digital_forward, layer.out_share)
            if int(env.now) > start:
                env.record(layer.name, "digital", s, start, int(env.now))
            traffic: dict[tuple[Any, Any], float] = {}
            for succ in layer.succs + layer.post_succs:
                edge = succ.plan.bytes_from(layer.name)
                for t, share in layer.out_share.items():
                    key = (("tile", t), ("tile", succ.home))
                    traffic[key] = traffic.get(key, 0.0) + edge * share
            yield from self._send_many(traffic)
            for succ in layer.succs:
                edge = succ.plan.bytes_from(layer.name)
                yield succ.inbox[layer.name].put(s)
                yield from self.tiles[succ.home].buffer.access(edge, "write_bytes")
            for succ in layer.post_succs:
                yield succ.post_inbox[layer.name].put(s)
                nbytes = succ.plan.bytes_from(layer.name)
                yield from self.tiles[succ.home].buffer.access(nbytes, "write_bytes")
            if not layer.succs and not layer.post_succs:
                out_bytes = self.plan.output_bytes_per_sample / max(1, self._n_sinks())
                node = self.plan.chip.offchip_node
                if node is not None:
                    yield from self._send_many({(("tile", t), node): out_bytes * share
                                                for t, share in layer.out_share.items()})
                yield from self.offchip.transfer(out_bytes, "write_bytes")
                if self.plan.mode == "training":
                    yield layer.grad_inbox["__loss__"].put(s)
                else:
                    self._finish(s)

    def _n_sinks(self) -> int:
        return sum(1 for layer in self.layers if not layer.succs and not layer.post_succs)

    def backward_layer(self, layer: _Layer) -> Generator[Any, Any, None]:
        """Backward MVMs, gradient sends and the pulsed update of each sample; waits on gradients."""
        env, lp = self.env, layer.plan
        preds = [self.by_name[p] for p in lp.preds]
        post = [self.by_name[p] for p in lp.post_preds]
        for s in range(self.plan.batch):
            for store in layer.grad_inbox.values():
                yield store.get()
            start = int(env.now)
            for pred in post:  # the residual operand's gradient leaves before the backward MVMs
                env.process(self._send_grad(layer, pred, s, lp.bytes_from(pred.name), {layer.home: 1.0}))
            if lp.backward and preds:
                yield from self._run_chunks(layer, "backward", s)
                yield from self._digital(layer, lp.digital_backward, layer.in_share)
                env.record(layer.name, "backward", s, start, int(env.now))
                for pred in preds:
                    nbytes = lp.bytes_from(pred.name)
                    env.process(self._send_grad(layer, pred, s, nbytes, layer.in_share))
            every = self.plan.update_every
            if every == 1:
                ustart = int(env.now)
                yield from self._run_chunks(layer, "update", s)
                yield from self._digital(layer, lp.digital_update, layer.out_share)
                env.record(layer.name, "update", s, ustart, int(env.now))
                self._finish(s)
                continue
            self._finish(s)  # mini-batch updates: the sample is done once its gradients are through
            if (s + 1) % every == 0 or s == self.plan.batch - 1:
                k = s % every + 1
                ustart = int(env.now)
                yield from self._run_chunks(layer, "update", s, repeat=k)
                ops = {a: n * k for a, n in lp.digital_update.items()}
                yield from self._digital(layer, ops, layer.out_share)
                env.record(layer.name, "update", s, ustart, int(env.now))
                self.update_end = max(self.update_end, int(env.now))

    def _send_grad(self, layer: _Layer, pred: _Layer, s: int, nbytes: float,
                   shares: Mapping[int, float]) -> Generator[Any, Any, None]:
        """Send a sample's gradient for ``pred`` from this layer's tiles to ``pred``'s home tile."""
        yield from self._send_many({(("tile", t), ("tile", pred.home)): nbytes * share
                                    for t, share in shares.items()})
        yield pred.grad_inbox[layer.name].put(s)
