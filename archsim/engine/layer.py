"""Layer behaviour: the processes of one analog layer and the data it receives and sends.

Forward, per sample and step (an output row of a conv layer; the whole vector of a linear layer)::

    rows needed by the step have arrived on the group's tiles (line buffers; spilled rows read back)
      -> each replica (group) holds its crossbars for the step's vectors (its own process; the analog
         half runs at most WINDOW steps ahead of the digital half)
      -> partial sums of row blocks on other tiles travel to each column block's reduce tile
    all groups done with the step, residual rows there
      -> digital work in stages (FORWARD_STAGES: shift-and-add and accumulation next to the crossbars, then
         NM scaling and the layers it owns on the output tiles), each stage after the previous one; the
         stages of consecutive steps overlap
      -> when the last stage is done: rows no later step needs are freed; the rows now complete are sent to
         every consumer's tiles (space reserved first: flow control), or written off-chip for the network
         output

The analog and digital halves are separate processes, so one sample's rows pipeline through a layer and
across layers (a conv layer starts once the input rows its kernel needs are there). Training adds, per
sample and layer in reverse order, the backward cycle (input gradient; skipped for the first layers) and
the update (``bl`` pulses per vector plus the algorithm's transfer reads and writes), whole-sample, and
keeps the layer's inputs until the update.

Closed-form crossbar time (:meth:`CrossbarSpec.mvm_ns`) is used where nothing can contend: every ADC pool
of a group reads one crossbar. A group whose crossbars share a pool with any other crossbar in use is
simulated read by read (:mod:`archsim.engine.peripherals`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import simpy

from archsim.engine.buffer import LineBuffer, RowCounter
from archsim.engine.env import add_busy
from archsim.engine.interconnect import chain_arrival
from archsim.engine.plan import INPUT, OUTPUT, EdgePlan, GroupPlan, LayerPlan
from archsim.engine.server import Server
from archsim.engine.spec import ConverterSpec
from archsim.errors import SimulationError

Chip = Any
"""The :class:`archsim.engine.chip.Chip` a layer runs on (not imported: the chip imports this module)."""

WINDOW = 4
"""Steps a replica's analog half may run ahead of the layer's digital half. The hardware pipelines the two
halves vector by vector through the output registers and the tile buffer; steps are coarser (a whole output
row), so the window has to cover one step's partial-sum gather and digital latency for the crossbars to idle
only when the digital units or the network are slower on average, not for every row."""

LOCAL_OPS = frozenset({"shift_add", "accumulate"})
"""Digital ops done next to the crossbars that produce their inputs (ISAAC's shift-and-add units in each IMA),
split over a layer's tiles by the crossbar blocks they hold; the other ops run where the outputs are reduced."""

FORWARD_STAGES: Mapping[str, int] = {"shift_add": 0, "accumulate": 1, "nm_scale": 2, "elementwise": 3,
                                     "normalization": 4, "activation": 5, "pooling": 6}
"""Order of a step's digital forward work: each op consumes the results of the ops of earlier stages (the
shift-and-add of bit-serial partial results, their accumulation over row blocks, the output rescale, then the
work of the digital layers the analog layer runs: residual add, normalisation, activation, pooling). A step's
job on a unit starts when the previous stage's jobs of the step are done on every tile; a unit's job holds all
its ops of the step and takes the stage of its earliest op. The stages of consecutive steps overlap (a
pipeline), as ISAAC's and PUMA's do. Ops of other kinds (none in the forward cycle today) come last."""


@dataclass
class LayerStats:
    """What a layer accumulates during the run (ticks and bytes)."""

    backward_ticks: float = 0.0
    update_ticks: float = 0.0
    bytes_in: float = 0.0
    bytes_out: float = 0.0
    bytes_spilled: float = 0.0
    bytes_offchip: float = 0.0
    stall_ticks: float = 0.0
    reprogram_ticks: int = 0
    reprogram_cells: int = 0
    group_forward_ticks: dict[int, int] = field(default_factory=dict)
    unit_digital_ticks: dict[tuple[int, str], int] = field(default_factory=dict)


def _at(env: simpy.Environment, tick: int, fn: Callable[[], None]) -> None:
    """Call ``fn`` at tick ``tick`` (now if it has passed)."""
    delay = tick - int(env.now)
    if delay <= 0:
        fn()
        return
    ev = env.timeout(delay)
    ev.callbacks.append(lambda _: fn())


def line_spill_ok(layer: LayerRun, tile: int) -> bool:
    """Whether rows for ``layer`` on ``tile`` may go off-chip when its share is full (``spill: offchip``)."""
    return layer.chip.tiles[tile].buffer.spec.spill == "offchip"


class GroupRun:
    """A replica at run time: its blocks, tiles, lock, step vectors and chunk costs."""

    def __init__(self, layer: LayerRun, plan: GroupPlan, index: int, n_groups: int, total: float) -> None:
        self.layer = layer
        self.env = layer.env
        self.plan = plan
        self.index = index
        steps = layer.plan.steps
        if steps == 1:
            self.vec = [plan.vectors_per_sample]
        else:
            n_p = int(round(total))
            bounds = [round(i * n_p / steps) for i in range(steps + 1)]
            r = index
            self.vec = [float(_count_mod(bounds[i], bounds[i + 1], r, n_groups)) for i in range(steps)]
        self.tiles = sorted({b.tile for b in plan.blocks})
        self.fine = False
        self.lock: Any = None
        self._ticks: dict[tuple[str, float], int] = {}
        self._pools: dict[tuple[int, int], list[Any]] | None = None
        self._pool_memo: dict[tuple[Any, ...], float] = {}
        self.chunks: dict[str, list[Any]] = {}
        """Per phase ``[vectors, busy ticks]`` of the chunks run (:meth:`count_chunk`)."""
        self.sends: list[tuple[Any, list[float] | None, float, Any, list[float]]] = []
        """Partial sums per vector of each step: ``(route, traffic account, bytes per vector, reduce tile's buffer,
        its write account)`` (:meth:`LayerRun._partial_sums`; set when the layer starts)."""
        chip = layer.chip
        act = chip.plan.activation_bytes
        by_col: dict[tuple[int, int], list[Any]] = {}
        for b in plan.blocks:
            by_col.setdefault((b.group, b.col_block), []).append(b)
        total_cols = sum(max(b.cols for b in blocks) for blocks in by_col.values()) or 1
        vec_share = plan.vectors_per_sample / total if total > 0 else 1.0 / n_groups
        self.reduce: list[tuple[int, float, list[tuple[int, float]]]] = []
        self.pieces: list[tuple[int, tuple[float, float], float]] = []
        """``(reduce tile, channel interval in [0, 1], share of the vectors)`` per column block."""
        lo = 0.0
        for j in sorted(by_col):
            blocks = by_col[j]
            per: dict[int, int] = {}
            row_blocks: dict[int, set[int]] = {}
            for b in blocks:
                per[b.tile] = per.get(b.tile, 0) + 1
                row_blocks.setdefault(b.tile, set()).add(b.row_block)
            red = min(per, key=lambda t: (-per[t], t))
            cols = max(b.cols for b in blocks)
            senders = []
            for t in sorted(per):
                if t != red:
                    senders.append((t, len(row_blocks[t]) * cols * act))
            self.reduce.append((red, vec_share * cols / total_cols, senders))
            hi = lo + cols / total_cols
            self.pieces.append((red, (lo, hi), vec_share))
            lo = hi

    def new_lock(self) -> Server:
        """A fresh lock for this group's crossbars."""
        return Server(1)

    def pool_users(self) -> list[tuple[int, int]]:
        """``(tile, pool id)`` of the ADC pools this group's blocks read through (for sharing detection)."""
        return list(self.pools())

    def _pool(self, crossbar: int) -> ConverterSpec:
        return self.layer.chip.plan.chip.tile.pool_of(crossbar)[1]

    def pools(self) -> dict[tuple[int, int], list[Any]]:
        """This group's blocks by the ADC pool ``(tile, pool id)`` that reads them."""
        if self._pools is None:
            spec = self.layer.chip.plan.chip.tile
            out: dict[tuple[int, int], list[Any]] = {}
            for b in self.plan.blocks:
                out.setdefault((b.tile, spec.pool_of(b.crossbar)[0]), []).append(b)
            self._pools = out
        return self._pools

    def closed_form_ok(self, backward: bool) -> bool:
        """Whether the crossbars of every pool this group shares drive the same number of lines (then the pooled
        closed form of :meth:`_pool_ns` is exact; a simulation read by read otherwise)."""
        for blocks in self.pools().values():
            if len({b.cols if backward else b.rows for b in blocks}) > 1:
                return False
        return True

    def _pool_ns(self, blocks: list[Any], passes: float, backward: bool) -> float:
        """Time of ``passes`` passes over ``blocks`` read through one ADC pool (:meth:`CrossbarSpec.pooled_ns`;
        pools of equal shapes are worked out once)."""
        shapes = tuple((b.rows, b.cols) for b in blocks)
        adc = self._pool(blocks[0].crossbar)
        key = (shapes, adc, passes, backward)
        found = self._pool_memo.get(key)
        if found is None:
            xs = self.layer.chip.plan.chip.tile.crossbar
            found = self._pool_memo[key] = xs.pooled_ns(list(shapes), passes, backward=backward, adc=adc)
        return found

    def chunk_ticks(self, phase: str, n: float) -> int:
        """Closed-form crossbar time of ``n`` vectors in ``phase`` (slowest pool of blocks)."""
        key = (phase, n)
        found = self._ticks.get(key)
        if found is not None:
            return found
        lp = self.layer.plan
        xs = self.layer.chip.plan.chip.tile.crossbar
        pools = self.pools().values()
        if phase == "update":
            writes = lp.transfer_writes_per_sample / len(self.layer.groups) * (n / max(self.plan.vectors_per_sample,
                                                                                         1e-12))
            reads = (lp.transfer_reads_per_sample / len(self.layer.groups) * xs.input_cycles
                     * (n / max(self.plan.vectors_per_sample, 1e-12)))
            ns = (xs.update_ns(n, lp.bl) + xs.update_ns(writes, lp.transfer_bl)
                  + max((self._pool_ns(blocks, reads, False) for blocks in pools), default=0.0))
        else:
            backward = phase == "backward"
            passes = n * xs.input_cycles * (lp.bm_passes_backward if backward else lp.bm_passes_forward)
            ns = max((self._pool_ns(blocks, passes, backward) for blocks in pools), default=0.0)
        ticks = self.env.to_ticks(ns)
        self._ticks[key] = ticks
        return ticks

    def count_chunk(self, phase: str, n: float, ticks: int) -> None:
        """Accumulate one chunk (counts are linear in the vectors; :meth:`flush` expands them)."""
        acc = self.chunk_account(phase)
        acc[0] += n
        acc[1] += ticks

    def chunk_account(self, phase: str) -> list[Any]:
        """The running ``[vectors, busy ticks]`` of ``phase`` (:meth:`count_chunk` without the lookup)."""
        found = self.chunks.get(phase)
        if found is None:
            found = self.chunks[phase] = [0.0, 0]
        return found

    def flush(self) -> None:
        """Count the crossbar and converter actions of every chunk run, on the tiles (end of the run)."""
        lp = self.layer.plan
        xs = self.layer.chip.plan.chip.tile.crossbar
        name = lp.name
        tiles = self.layer.chip.tiles
        per_tile_blocks: dict[int, int] = {}
        for b in self.plan.blocks:
            per_tile_blocks[b.tile] = per_tile_blocks.get(b.tile, 0) + 1
        for phase, (n, ticks) in sorted(self.chunks.items()):
            for t, k in per_tile_blocks.items():
                tiles[t].xbar.add_busy(ticks * k)
            if phase == "update":
                frac = n / max(self.plan.vectors_per_sample, 1e-12)
                writes = lp.transfer_writes_per_sample / len(self.layer.groups) * frac
                reads = lp.transfer_reads_per_sample / len(self.layer.groups) * xs.input_cycles * frac
                for b in self.plan.blocks:
                    tile = tiles[b.tile]
                    tile.xbar.count("update", n, name)
                    tile.xbar.count("update_line_pulse", (n * lp.bl + writes * lp.transfer_bl) * (b.rows + b.cols),
                                    name)
                    tile.xbar.count("update_coincidence", n * lp.pulses_per_device_per_update * b.rows * b.cols, name)
                    tile.xbar.count("transfer_write", writes, name)
                    if reads:
                        tile.xbar.count("transfer_pass", reads, name)
                        tile.xbar.count("transfer_cells", reads * b.rows * b.cols, name)
                        tile.dac.count("convert", reads * b.rows, name)
                        tile.adc.count("convert", reads * b.cols * xs.reads(b.rows), name)
                continue
            backward = phase == "backward"
            passes = n * xs.input_cycles * (lp.bm_passes_backward if backward else lp.bm_passes_forward)
            pass_action, cells_action = f"{phase}_pass", f"{phase}_cells"
            for b in self.plan.blocks:
                tile = tiles[b.tile]
                drive, read = (b.cols, b.rows) if backward else (b.rows, b.cols)
                tile.xbar.count(pass_action, passes, name)
                tile.xbar.count(cells_action, b.rows * b.cols * passes, name)
                tile.dac.count("convert", drive * passes, name)
                tile.adc.count("convert", read * passes * xs.reads(drive), name)

    def run_fine(self, phase: str, n: float) -> Generator[Any, Any, None]:
        """Simulate ``n`` vectors read by read (shared ADC pools)."""
        lp = self.layer.plan
        xs = self.layer.chip.plan.chip.tile.crossbar
        if phase == "update":
            yield self.env.timeout(self.chunk_ticks("update", n))
            return
        backward = phase == "backward"
        passes = int(round(n * xs.input_cycles * (lp.bm_passes_backward if backward else lp.bm_passes_forward)))
        procs = [self.env.process(self.layer.chip.tiles[b.tile].crossbar(b.crossbar).execute(
            passes, b.rows, b.cols, backward=backward)) for b in self.plan.blocks]
        yield self.env.all_of(procs)

    def hold(self, phase: str, n: float, sample: int, at: int | None = None) -> Generator[Any, Any, tuple[int, int]]:
        """Hold the crossbars for ``n`` vectors of ``phase``; return the busy ``(start, end)``."""
        env = self.env
        if self.fine:
            with self.lock.request() as req:
                yield req
                start = int(env.now)
                yield from self.run_fine(phase, n)
                end = int(env.now)
        else:
            ticks = self.chunk_ticks(phase, n)
            now = env._now
            start, end = self.lock.reserve(now if at is None or at < now else at, ticks)
            if end > now:
                yield env.timeout(end - now)
        self.count_chunk(phase, n, end - start)
        env.busy(self.layer.name, phase, sample, start, end)
        if env.tracing:
            env.trace(f"{self.layer.name}.r{self.plan.replica}", f"{phase}_start@{start}")
        return start, end


def _count_mod(a: int, b: int, r: int, n: int) -> int:
    """How many integers ``v`` in ``[a, b)`` have ``v mod n == r``."""
    if b <= a:
        return 0
    return (b - 1 - r) // n - (a - 1 - r) // n


class EdgeRun:
    """The rows one layer receives from one source: where they go, who waits, what they occupy."""

    def __init__(self, layer: LayerRun, plan: EdgePlan) -> None:
        self.layer = layer
        self.plan = plan
        self.source_name = plan.source
        self.source: LayerRun | None = None
        steps = layer.plan.steps
        for name, arr in (("mvm", plan.mvm), ("post", plan.post), ("release", plan.release)):
            if arr and len(arr) != steps:
                raise SimulationError(f"engine: layer {layer.name}: edge from {plan.source}: {name} has {len(arr)} "
                                      f"entries, expected one per step ({steps})")
        self.need_mvm = plan.need_mvm(steps)
        self.need_post = plan.need_post(steps)
        self.release = plan.released(steps)
        self.is_mvm = any(self.need_mvm)
        self.row_bytes = plan.bytes_per_sample / max(1, plan.rows)
        self.counters: dict[int, RowCounter] = {}
        self.tile_frac: dict[int, float] = {}
        self.demands: list[tuple[tuple[int, ...], tuple[tuple[float, float], ...], float]] = []
        self._transfers: dict[Any, list[tuple[Any, tuple[Hashable, ...], tuple[int, ...], float]]] = {}
        self.lines: dict[int, LineBuffer] = {}
        """This edge's share of each destination tile's buffer."""
        self.released: dict[int, int] = {}
        """Per sample: rows the layer no longer needs (rows below arrive and are dropped at once)."""
        self.dests: list[_Dest] = []
        """Per destination tile (in :attr:`tile_frac` order) its run-time state (:meth:`bind`)."""
        self.dest_of: dict[int, _Dest] = {}
        self._deliveries: dict[Any, _Delivery] = {}
        self.n_spilled = 0
        """Samples with spilled rows not read back or forgotten yet, over all destinations."""

    def setup(self) -> None:
        """Where the rows go: every tile of the layer (MVM inputs, by the row blocks it holds; tiles with the
        same row blocks get one multicast), or the output tiles (residual operands, by the channels and
        vectors they reduce)."""
        layer = self.layer
        if self.is_mvm:
            sets: dict[int, set[tuple[int, int]]] = {}
            rows_of: dict[tuple[int, int], int] = {}
            for g in layer.groups:
                for b in g.plan.blocks:
                    key = (b.group, b.row_block)
                    sets.setdefault(b.tile, set()).add(key)
                    rows_of[key] = max(rows_of.get(key, 0), b.rows)
            total = sum(rows_of.values()) or 1
            pos, acc = {}, 0
            for r in sorted(rows_of):
                pos[r] = (acc / total, (acc + rows_of[r]) / total)
                acc += rows_of[r]
            by_set: dict[frozenset[tuple[int, int]], list[int]] = {}
            for t, rbs in sets.items():
                by_set.setdefault(frozenset(rbs), []).append(t)
            for rbs, tiles in sorted(by_set.items(), key=lambda kv: min(kv[1])):
                intervals = tuple(pos[r] for r in sorted(rbs))
                frac = sum(b - a for a, b in intervals)
                self.demands.append((tuple(sorted(tiles)), intervals, 1.0))
                for t in tiles:
                    self.tile_frac[t] = frac
        else:
            for t, intervals, pix in layer.out_pieces_by_tile():
                self.demands.append(((t,), intervals, pix))
                self.tile_frac[t] = self.tile_frac.get(t, 0.0) + sum(b - a for a, b in intervals) * pix
        for t in self.tile_frac:
            self.counters[t] = RowCounter(layer.env)

    def transfers(self, key: Any, pieces: list[tuple[Any, tuple[tuple[float, float], ...], float]]
                  ) -> list[tuple[Any, tuple[Hashable, ...], tuple[int, ...], float]]:
        """Packets of one row from the source's ``pieces`` to the demands: ``(route, destination nodes,
        destination tiles, fraction of the row's bytes)``. A piece goes where its channels are needed
        (channel positions are matched proportionally), so a 1x1 convolution's input row block receives
        exactly the output column block with the same channels."""
        found = self._transfers.get(key)
        if found is not None:
            return found
        chip = self.layer.chip
        out = []
        for tiles, intervals, pix_d in self.demands:
            nodes = tuple(chip.tiles[t].node for t in tiles)
            for src, src_iv, pix_s in pieces:
                node = chip.tiles[src].node if isinstance(src, int) else src
                overlap = sum(max(0.0, min(b, d) - max(a, c)) for a, b in src_iv for c, d in intervals)
                frac = overlap * pix_s * pix_d
                if frac > 1e-12:
                    route = None if node is None else chip.network.tree(node, nodes)
                    out.append((route, nodes, tiles, frac))
        self._transfers[key] = out
        return out

    def bytes_at(self, tile: int) -> float:
        """Bytes per sample this edge puts on ``tile``."""
        return self.plan.bytes_per_sample * self.tile_frac.get(tile, 0.0)

    def working_at(self, tile: int) -> float:
        """Bytes of this edge one step needs on ``tile`` at once (rows needed minus rows released)."""
        frac = self.tile_frac.get(tile, 0.0)
        best, prev = 0, 0
        for i in range(self.layer.plan.steps):
            need = max(self.need_mvm[i], self.need_post[i])
            best = max(best, need - prev)
            prev = self.release[i]
        return best * self.row_bytes * frac

    # -- run-time state (after the chip has divided the tile buffers) ----------------------------------
    def bind(self) -> None:
        """Collect each destination tile's state in a :class:`_Dest` (the line buffers exist now)."""
        self.dests = [_Dest(self, t, frac) for t, frac in self.tile_frac.items()]
        self.dest_of = {d.tile: d for d in self.dests}

    # -- delivery (called by the producer or a feed) ------------------------------------------------
    def deliver(self, sample: int, a: int, b: int, key: Any,
                pieces: list[tuple[Any, tuple[tuple[float, float], ...], float]],
                sender: str) -> Generator[Any, Any, None]:
        """Send rows ``a .. b-1`` of ``sample`` now: :meth:`reserve` space, then :meth:`send`."""
        spill = self.reserve(sample, a, b)
        if spill.__class__ is not list:
            spill = yield from spill
        rest = self.send(sample, a, b, key, pieces, sender, spill)
        if rest is not None:
            yield from rest

    def reserve(self, sample: int, a: int, b: int) -> list[float] | Generator[Any, Any, list[float]]:
        """Reserve space for rows ``a .. b-1`` of ``sample`` on every destination tile, waiting while a share
        that can hold the working set is full; return the bytes per destination (:attr:`dests`) that will not
        fit (spilled). Without a wait that is the list itself (no process step needed); at the first full share
        it is a generator that waits and reserves the rest (``yield from`` it for the list)."""
        if b <= a:
            return []
        rel = self.released.get(sample, 0)
        row_bytes = self.row_bytes
        is_mvm = self.is_mvm
        spill: list[float] = []
        for j, d in enumerate(self.dests):
            kept = b - (a if a > rel else rel)
            if kept < 0:
                kept = 0
            need = kept * row_bytes * d.frac
            line = d.line
            if d.spills or (not is_mvm and line.used + need > line.quota + 1e-9 and d.spill_ok):
                on = d.take_free(need)
            else:
                on = need
                ev = line.reserve(need)
                if ev is not None:
                    return self._reserve_rest(sample, a, b, j, spill, ev, kept, need)
            if on > 1e-9:
                d.keep(sample, b, on)
            spill.append(need - on)
        return spill

    def _reserve_rest(self, sample: int, a: int, b: int, j: int, spill: list[float], ev: simpy.Event, kept: int,
                      need: float) -> Generator[Any, Any, list[float]]:
        """:meth:`reserve` from destination ``j`` on, whose share is full (``ev`` fires when ``need`` bytes are
        granted there)."""
        env = self.layer.env
        released = self.released
        row_bytes = self.row_bytes
        is_mvm = self.is_mvm
        dests = self.dests
        rel = released.get(sample, 0)
        for k in range(j, len(dests)):
            d = dests[k]
            line = d.line
            on = need
            if k > j:
                kept = b - (a if a > rel else rel)
                if kept < 0:
                    kept = 0
                on = need = kept * row_bytes * d.frac
                ev = None
                if d.spills or (not is_mvm and line.used + need > line.quota + 1e-9 and d.spill_ok):
                    on = d.take_free(need)
                else:
                    ev = line.reserve(need)
            if ev is not None:
                t0 = env._now
                yield ev
                self.source_stats_stall(env._now - t0)
                rel = released.get(sample, 0)
                late = max(0, b - max(a, rel))
                if late < kept:  # the consumer moved past these rows while we waited
                    drop = (kept - late) * row_bytes * d.frac
                    line.free(drop)
                    on -= drop
            if on > 1e-9:
                d.keep(sample, b, on)
            spill.append(need - on)
        return spill

    def send(self, sample: int, a: int, b: int, key: Any,
             pieces: list[tuple[Any, tuple[tuple[float, float], ...], float]], sender: str,
             spill: list[float]) -> Generator[Any, Any, None] | None:
        """Inject the packets of rows ``a .. b-1``, each once its first link is free (the sender holds it until
        then), write them into the destination buffers (the part that did not fit goes on to off-chip
        memory) and count the rows as arrived when the last piece is written. ``key`` names the ``pieces`` (and
        ``sender``): their packets are worked out once per row count (:class:`_Shipment`). Returns None when
        every packet went at once, else a generator that waits for the first busy link and sends the rest
        (``yield from`` it)."""
        return self.ship(sample, a, b, self.shipment(key, pieces, sender, b - a), spill)

    def shipment(self, key: Any, pieces: list[tuple[Any, tuple[tuple[float, float], ...], float]], sender: str,
                 rows: int) -> _Shipment:
        """The packets of ``rows`` rows from ``pieces`` (named by ``key``), worked out once."""
        plan = self._deliveries.get(key)
        if plan is None:
            plan = self._deliveries[key] = _Delivery(self, self.transfers(key, pieces), sender)
        ship = plan.shipments.get(rows)
        if ship is None:
            ship = plan.shipments[rows] = _Shipment(self, plan, rows * self.row_bytes)
        return ship

    def ship(self, sample: int, a: int, b: int, ship: _Shipment,
             spill: list[float]) -> Generator[Any, Any, None] | None:
        """:meth:`send` of the packets ``ship`` (:meth:`shipment`) carrying rows ``a .. b-1``."""
        now = self.layer.env._now
        latest = [-1] * len(ship.dests)
        for r, route in enumerate(ship.routes):
            ready = _first_free(route, now, latest)
            if ready < 0:
                continue
            if ready > now:
                return self._send_rest(sample, a, b, ship, r, latest, spill)
            _transmit(route, now, latest)
        self._land(sample, a, b, ship, latest, spill)
        return None

    def _send_rest(self, sample: int, a: int, b: int, ship: _Shipment, r: int, latest: list[int],
                   spill: list[float]) -> Generator[Any, Any, None]:
        """:meth:`send` from route ``r`` on, whose first link is busy."""
        env = self.layer.env
        routes = ship.routes
        for k in range(r, len(routes)):
            route = routes[k]
            ready = _first_free(route, env._now, latest)
            if ready < 0:
                continue
            if ready > env._now:
                yield env.timeout(ready - env._now)
            _transmit(route, env._now, latest)
        self._land(sample, a, b, ship, latest, spill)

    def _land(self, sample: int, a: int, b: int, ship: _Shipment, latest: list[int], spill: list[float]) -> None:
        """Write the rows that arrive at ``latest`` into the destination buffers (spilled parts go on to
        off-chip memory) and count them as arrived."""
        layer = self.layer
        stats = layer.stats
        now = layer.env._now
        for k, (d, j, nbytes, port, ticks, latency) in enumerate(ship.dests):
            arrive = latest[k]
            stats.bytes_in += nbytes
            out = spill[j] if spill else 0.0
            if out:
                done = d.buffer.move(nbytes - out, d.writes, arrive)
            elif nbytes > 0:  # TileBuffer.move with the port time worked out once
                done = port.reserve(arrive, ticks, now)[1] + latency
                d.writes[0] += nbytes
                d.buffer.add_busy(ticks)
            else:
                done = arrive
            if out > 0:
                path = d.spill_path
                if path is None:
                    path = d.spill_path = layer.chip.spill_path(d.tile_run, layer)
                ready = layer.chip.spill_out(d.tile_run, out, layer, arrive, path)
                pieces_of = d.spilled.get(sample)
                if pieces_of is None:
                    pieces_of = d.spilled[sample] = [0]
                    self.n_spilled += 1
                pieces_of.append((a, out, ready))
            d.counter.add(sample, b, done)

    def source_stats_stall(self, ticks: int) -> None:
        if self.source is not None:
            self.source.stats.stall_ticks += ticks

    def fetch_spilled(self, sample: int, tile: int, rows: int) -> int:
        """Read back the spilled parts of rows below ``rows`` on ``tile``; return the tick they are there."""
        d = self.dest_of.get(tile)
        return self.layer.env._now if d is None else self.fetch(d, sample, rows)

    def fetch(self, d: _Dest, sample: int, rows: int) -> int:
        """:meth:`fetch_spilled` for destination ``d``. A sample's rows arrive in order, so its spilled pieces
        are read back in order: ``[next piece to read, (first row, bytes, tick stored), ...]``."""
        ready = self.layer.env._now
        pieces = d.spilled.get(sample)
        if not pieces:
            return ready
        k = pieces[0]
        n = len(pieces)
        if k + 1 >= n:
            return ready
        chip = self.layer.chip
        while k + 1 < n:
            a, nbytes, stored = pieces[k + 1]
            if a >= rows:
                break
            k += 1
            path = d.spill_path
            if path is None:
                path = d.spill_path = chip.spill_path(d.tile_run, self.layer)
            there = chip.spill_in(d.tile_run, nbytes, self.layer, stored, path)
            if there > ready:
                ready = there
        pieces[0] = k
        return ready

    def free_upto(self, sample: int, rows: int) -> None:
        """Free the on-chip bytes of rows below ``rows`` of ``sample`` on every tile."""
        released = self.released
        if rows > released.get(sample, 0):
            released[sample] = rows
        for d in self.dests:
            queue = d.onchip.get(sample)
            if not queue:
                continue
            freed = 0.0
            while queue and queue[0][0] <= rows:
                freed += queue.popleft()[1]
            if freed:
                d.line.free(freed)

    def forget(self, sample: int) -> None:
        """Drop the bookkeeping of ``sample``."""
        self.released[sample] = self.plan.rows  # rows that still arrive (not needed) are dropped at once
        for d in self.dests:
            d.counter.forget(sample)
            if d.spilled.pop(sample, None) is not None:
                self.n_spilled -= 1
            d.onchip.pop(sample, None)


class _Dest:
    """One destination tile of an edge at run time: its share of each row, line buffer, row counter and buffer
    port, and per sample the bytes kept on chip (freed as the consumer moves on) and the pieces spilled."""

    __slots__ = ("tile", "tile_run", "frac", "line", "spills", "spill_ok", "counter", "buffer", "writes", "onchip",
                 "spilled", "spill_path")

    def __init__(self, edge: EdgeRun, tile: int, frac: float) -> None:
        chip = edge.layer.chip
        self.tile = tile
        self.tile_run = chip.tiles[tile]
        self.frac = frac
        self.line: LineBuffer = edge.lines[tile]
        self.spills = self.line.spills
        self.buffer = self.tile_run.buffer
        self.spill_ok = line_spill_ok(edge.layer, tile)
        self.counter: RowCounter = edge.counters[tile]
        self.writes = self.buffer.account("write_bytes", edge.layer.name)
        self.onchip: dict[int, deque[tuple[int, float]]] = {}
        self.spilled: dict[int, list[Any]] = {}
        self.spill_path: tuple[Any, ...] | None = None
        """:meth:`Chip.spill_path` of this tile and layer (at the first spill)."""

    def take_free(self, need: float) -> float:
        """Take what is free of ``need`` bytes in the line buffer without waiting; return the bytes taken (the
        rest spills)."""
        line = self.line
        on = min(need, max(0.0, line.quota - line.used))
        line.used += on
        line.peak = max(line.peak, line.used)
        return on

    def keep(self, sample: int, rows: int, nbytes: float) -> None:
        """Record ``nbytes`` of ``sample`` kept on chip until the consumer has read the rows below ``rows``."""
        queue = self.onchip.get(sample)
        if queue is None:
            queue = self.onchip[sample] = deque()
        queue.append((rows, nbytes))


class _Delivery:
    """The packets of one row from one producer's pieces, worked out once: per packet ``(route, its only first
    link or None, fraction of the row, traffic accumulator, positions of its destinations in order)``, and the
    destinations in the order they are written ``(dest, index in EdgeRun.dests)``."""

    __slots__ = ("order", "routes", "shipments")

    def __init__(self, edge: EdgeRun, transfers: list[tuple[Any, tuple[Hashable, ...], tuple[int, ...], float]],
                 sender: str) -> None:
        net = edge.layer.chip.network
        index = {d.tile: j for j, d in enumerate(edge.dests)}
        position: dict[int, int] = {}
        self.order: list[tuple[_Dest, int]] = []
        self.routes: list[tuple[Any, Any, float, list[float] | None, tuple[int, ...]]] = []
        self.shipments: dict[int, _Shipment] = {}
        """Per number of rows sent at once, the packets with their sizes (:class:`_Shipment`)."""
        for tree, _, tiles, frac in transfers:
            for t in tiles:
                if t not in position:
                    position[t] = len(self.order)
                    self.order.append((edge.dests[index[t]], index[t]))
            slots = tuple(position[t] for t in tiles)
            if tree is None:
                self.routes.append((None, None, frac, None, slots))
            else:
                root = tree.roots[0] if len(tree.roots) == 1 else None
                self.routes.append((tree, root, frac, net.traffic(tree, sender), slots))


_LOCAL, _CHAIN, _TREE = 0, 1, 2
"""Kinds of packet in a :class:`_Shipment`: stays on its tile; one path of uniform links; any other route."""


class _Shipment:
    """A :class:`_Delivery` for a given number of rows, its sizes worked out once. ``routes``: per packet
    ``(tree, its only first link or None, kind, traffic accumulator, bytes, (serialisation ticks, flits),
    destination positions, network)``; ``dests``: per destination in write order ``(dest, index in EdgeRun.dests,
    bytes, buffer port, port ticks, buffer latency)``."""

    __slots__ = ("dests", "routes")

    def __init__(self, edge: EdgeRun, plan: _Delivery, row: float) -> None:
        net = edge.layer.chip.network
        self.routes: list[tuple[Any, Any, int, Any, float, tuple[int, int], tuple[int, ...], Any]] = []
        for tree, root, frac, acc, slots in plan.routes:
            nbytes = row * frac
            if tree is None:
                self.routes.append((None, None, _LOCAL, None, nbytes, (0, 0), slots, net))
                continue
            link = tree.links[0]
            size = (link.serialise_ticks(nbytes), link.flits_of(nbytes))
            kind = _CHAIN if tree.chain and len(slots) == 1 else _TREE
            self.routes.append((tree, root, kind, acc, nbytes, size, slots, net))
        self.dests: list[tuple[_Dest, int, float, Any, int, int]] = []
        for d, j in plan.order:
            nbytes = row * d.frac
            buf = d.buffer
            self.dests.append((d, j, nbytes, buf.port, buf.port_ticks(nbytes) if nbytes > 0 else 0, buf.latency))


def _first_free(route: tuple[Any, ...], now: int, latest: list[int]) -> int:
    """The tick the first link of a packet of a :class:`_Shipment` is free, or -1 for a packet that stays on its
    tile (it is there ``now``: ``latest`` of its destinations is raised to it)."""
    root = route[1]
    if root is not None:
        return root.free_at
    if route[0] is None:
        for k in route[6]:
            if now > latest[k]:
                latest[k] = now
        return -1
    return max(link.free_at for link in route[0].roots)


def _transmit(route: tuple[Any, ...], now: int, latest: list[int]) -> None:
    """Inject one packet of a :class:`_Shipment` at ``now`` and raise ``latest`` of its destinations to its
    arrival: a chain inline (:meth:`Network.transmit_one`), other routes through the network."""
    tree, _, kind, acc, nbytes, size, slots, net = route
    if kind == _CHAIN:
        s = size[0]
        acc[0] += nbytes
        acc[1] += size[1]
        acc[2] += 1
        acc[3] += s
        arrive = chain_arrival(tree.links, s, now)
        k = slots[0]
        if arrive > latest[k]:
            latest[k] = arrive
        return
    if len(slots) == 1:
        arrive = net.transmit_one(tree, acc, nbytes, now)
        k = slots[0]
        if arrive > latest[k]:
            latest[k] = arrive
        return
    for k, arrive in zip(slots, net.transmit(tree, acc, nbytes, now)):
        if arrive > latest[k]:
            latest[k] = arrive


class SourceFeed:
    """Rows read from off-chip memory into layers: the network input, or data stored by an earlier pass."""

    def __init__(self, chip: Chip, name: str, edges: list[EdgeRun], rows: int, row_bytes: float,
                 account: str) -> None:
        self.chip = chip
        self.name = name
        self.edges = edges
        self.rows = rows
        self.row_bytes = row_bytes
        self.account = account
        self._queue: simpy.Store | None = None

    def feed(self, sample: int) -> Generator[Any, Any, None]:
        """Read the rows of ``sample``: space is reserved first, then the read is issued (at most
        ``max_outstanding`` in flight, so their latencies overlap); :meth:`_inject` sends each row on once its
        data has left the memory."""
        chip = self.chip
        env = chip.env
        if self._queue is None:
            self._queue = simpy.Store(env)
            env.process(self._inject())
        offchip = chip.offchip
        reads = offchip.account("read_bytes", self.account)
        stats = chip.by_name[self.account].stats
        for r in range(self.rows):
            free = offchip.slots.free_at
            if free > env._now:
                yield env.timeout(free - env._now)
            spills = []
            for e in self.edges:
                spill = e.reserve(sample, r, r + 1)
                if spill.__class__ is not list:
                    spill = yield from spill
                spills.append(spill)
            end = offchip.move(self.row_bytes, reads, env._now)
            stats.bytes_offchip += self.row_bytes
            self._queue.put((end, sample, r, spills))

    def _inject(self) -> Generator[Any, Any, None]:
        env = self.chip.env
        pieces = [(self.chip.offchip_node, ((0.0, 1.0),), 1.0)]
        while True:
            end, sample, r, spills = yield self._queue.get()
            if end > env._now:
                yield env.timeout(end - env._now)
            for e, sp in zip(self.edges, spills):
                rest = e.send(sample, r, r + 1, "offchip", pieces, e.layer.name, sp)
                if rest is not None:
                    yield from rest


class LayerRun:
    """An analog layer at run time: groups, edges, line buffers, processes and statistics."""

    def __init__(self, chip: Chip, plan: LayerPlan) -> None:
        self.chip = chip
        self.env = chip.env
        self.plan = plan
        self.name = plan.name
        total = sum(g.vectors_per_sample for g in plan.groups)
        self.total_vectors = total
        for t in dict.fromkeys(b.tile for g in plan.groups for b in g.blocks):
            chip.tile(t)
        self.groups = [GroupRun(self, g, k, len(plan.groups), total) for k, g in enumerate(plan.groups)]
        self.tiles = sorted({t for g in self.groups for t in g.tiles})
        self.home = plan.groups[0].blocks[0].tile
        share: dict[int, float] = {}
        for g in self.groups:
            for red, sh, _ in g.reduce:
                share[red] = share.get(red, 0.0) + sh
        tot = sum(share.values()) or 1.0
        self.out_share = {t: v / tot for t, v in sorted(share.items())}
        rows_w = {t: 0.0 for t in self.tiles}
        for g in self.groups:
            for b in g.plan.blocks:
                rows_w[b.tile] += b.rows * g.plan.vectors_per_sample
        tot_r = sum(rows_w.values()) or 1.0
        self.in_share = {t: v / tot_r for t, v in rows_w.items()}
        self.edges = [EdgeRun(self, e) for e in plan.edges()]
        self.consumers: list[tuple[LayerRun, EdgeRun]] = []
        self.emits: list[tuple[str, tuple[int, ...], LayerRun | None, EdgeRun | None, float]] = []
        self.writes_output = False
        self.stats = LayerStats()
        self._pieces: list[tuple[int, tuple[tuple[float, float], ...], float]] | None = None
        self.fwd_start: dict[int, int] = {}
        self.replica_span: dict[int, int] = {}
        """Per sample: the longest time one replica took from its first to its last MVM of the sample."""
        self.digital_end: dict[int, int] = {}
        self.grads: dict[str, RowCounter] = {}
        steps = plan.steps
        self._left: dict[int, list[int]] = {}
        self.step_workers = [sum(1 for g in self.groups if g.vec[i] > 0) for i in range(steps)]
        self.step_keys = [tuple(g.index for g in self.groups if g.vec[i] > 0) for i in range(steps)]
        self._step_cache: dict[tuple[int, ...], Any] = {}
        self._jobs: dict[Any, list[Any]] = {}
        self._forward_entries: dict[int, tuple[tuple[int, str], list[Any], int]] = {}
        """The digital forward jobs' records by id: ``((tile, unit name), record, ticks)`` (:meth:`finish`)."""
        """Groups with work in each step (the digital half waits for all of them)."""
        self._barrier: tuple[int, int, simpy.Event] | None = None
        self.digital_done = 0
        self._window: dict[int, simpy.Event] = {}
        self._emit_wake: simpy.Event | None = None
        """Set while :meth:`_emitter` waits for the next step to be booked."""
        self.step_frac = [sum(g.vec[i] for g in self.groups) / total if total else 1.0 / steps
                          for i in range(steps)]

    def out_pieces_by_tile(self) -> list[tuple[int, tuple[tuple[float, float], ...], float]]:
        """The layer's outputs by tile: ``(tile, channel intervals in [0, 1], share of the vectors)``; every
        replica's column block is reduced on one tile (:attr:`GroupRun.reduce`)."""
        if self._pieces is not None:
            return self._pieces
        shares: dict[tuple[int, tuple[float, float]], float] = {}
        for g in self.groups:
            for red, iv, pix in g.pieces:
                shares[(red, iv)] = shares.get((red, iv), 0.0) + pix
        self._pieces = [(t, (iv,), pix) for (t, iv), pix in sorted(shares.items())]
        return self._pieces

    def step_pieces(self, step: int) -> tuple[tuple[int, ...], list[tuple[int, tuple[tuple[float, float], ...], float]],
                                              dict[int, float]]:
        """The outputs of one step by tile (the groups that had vectors in it): ``(key, pieces, shares)``."""
        key = self.step_keys[step]
        found = self._step_cache.get(key)
        if found is not None:
            return found
        if not key:
            pieces = self.out_pieces_by_tile()
        else:
            total = sum(self.groups[k].vec[step] for k in key)
            acc: dict[tuple[int, tuple[float, float]], float] = {}
            for k in key:
                g = self.groups[k]
                w = g.vec[step] / total
                for red, iv, _ in g.pieces:
                    acc[(red, iv)] = acc.get((red, iv), 0.0) + w
            pieces = [(t, (iv,), pix) for (t, iv), pix in sorted(acc.items())]
        shares: dict[int, float] = {}
        for t, ivs, pix in pieces:
            shares[t] = shares.get(t, 0.0) + sum(b - a for a, b in ivs) * pix
        found = self._step_cache[key] = (key, pieces, shares)
        return found

    # -- wiring -----------------------------------------------------------------------------------
    def connect(self, by_name: Mapping[str, LayerRun]) -> None:
        """Resolve sources, register with producers, set up deliveries."""
        for e in self.edges:
            if e.source_name != INPUT:
                e.source = by_name[e.source_name]
                e.source.consumers.append((self, e))
            e.setup()

    def finish_outputs(self, writes_output: bool, n_outputs: int) -> None:
        """Pair every consumer with its emit plan (default: everything after the last step)."""
        steps = self.plan.steps
        listed = {o.dest: o for o in self.plan.outputs}
        for consumer, edge in self.consumers:
            o = listed.get(consumer.name)
            emit = o.emitted(steps) if o is not None else (0,) * (steps - 1) + (edge.plan.rows,)
            if emit[-1] != edge.plan.rows:
                raise SimulationError(f"engine: layer {self.name}: emits {emit[-1]} rows to {consumer.name}, "
                                      f"which receives {edge.plan.rows}")
            self.emits.append((consumer.name, emit, consumer, edge, edge.row_bytes))
            self.grads[consumer.name] = RowCounter(self.env)
        self.writes_output = writes_output
        if writes_output:
            o = listed.get(OUTPUT)
            rows = o.rows if o is not None else 1
            emit = o.emitted(steps) if o is not None else (0,) * (steps - 1) + (1,)
            out = self.chip.plan.output_bytes_per_sample / max(1, n_outputs)
            self.emits.append((OUTPUT, emit, None, None, out / max(1, rows)))
            self.grads["<loss>"] = RowCounter(self.env)
        for dest in listed:
            if dest != OUTPUT and dest not in {c.name for c, _ in self.consumers}:
                raise SimulationError(f"engine: layer {self.name}: emits to {dest!r}, which does not read it")
        for e in self.edges:
            for i in range(1, steps):
                if e.need_mvm[i] < e.need_mvm[i - 1] or e.release[i] < e.release[i - 1]:
                    raise SimulationError(f"engine: layer {self.name}: row needs must not decrease")

    def sinks_per_sample(self) -> int:
        """Completions this layer reports per sample (training: its update; inference: its output writes)."""
        if self.chip.plan.mode == "training":
            return 1
        return sum(1 for dest, *_ in self.emits if dest == OUTPUT or self._later_pass(dest))

    def _later_pass(self, dest: str) -> bool:
        other = self.chip.by_name.get(dest)
        return other is not None and other.plan.pass_index != self.plan.pass_index

    # -- processes --------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the group, digital and (training) backward processes."""
        env = self.env
        for g in self.groups:
            g.sends = self._reduce_routes(g)
            env.process(self._group_forward(g))
        env.process(self._digital_forward())
        if self.chip.plan.mode == "training":
            env.process(self._backward())

    def _window_wait(self, index: int) -> simpy.Event | None:
        """None when the digital half has done step ``index`` (a global step number), else an event."""
        if self.digital_done > index:
            return None
        ev = self._window.get(index + 1)
        if ev is None:
            ev = self._window[index + 1] = self.env.event()
        return ev

    def _step_done(self, sample: int, step: int) -> None:
        """One group finished its work of ``step`` (partial sums included)."""
        left = self._left.get(sample)
        if left is None:
            left = self._left[sample] = list(self.step_workers)
        left[step] -= 1
        waiting = self._barrier
        if left[step] == 0 and waiting is not None and waiting[0] == sample and waiting[1] == step:
            self._barrier = None
            waiting[2].succeed()

    def _step_arrived(self, event: simpy.Event) -> None:
        """Callback of the timer that carries a group's ``(sample, step)`` to :meth:`_step_done`."""
        self._step_done(*event.value)

    def _mvm_inputs(self, g: GroupRun) -> list[tuple[EdgeRun, tuple[int, ...], list[RowCounter], list[_Dest],
                                                   list[tuple[Any, float, list[float]]]]]:
        """Per MVM edge what one of ``g``'s steps waits for and reads: ``(edge, rows needed per step, the row
        counters of g's tiles, their destinations (spilled rows), per step the buffer reads of its new rows:
        (buffer, bytes, port ticks, account) per tile of the layer, the first replica only)``."""
        out = []
        for e in self.edges:
            if not e.is_mvm:
                continue
            per_tile = []
            if g.index == 0:
                for t in self.tiles:
                    frac = e.tile_frac.get(t, 0.0)
                    if frac:
                        buf = self.chip.tiles[t].buffer
                        per_tile.append((buf, frac, buf.account("read_bytes", self.name)))
            reads: list[list[tuple[Any, float, int, list[float]]]] = []
            if per_tile:
                need = e.need_mvm
                for i in range(self.plan.steps):
                    row = (need[i] - (need[i - 1] if i else 0)) * e.row_bytes
                    reads.append([(buf, row * frac, buf.port_ticks(row * frac) if row * frac > 0 else 0, acc)
                                  for buf, frac, acc in per_tile])
            dests = [d for d in (e.dest_of.get(t) for t in g.tiles) if d is not None]
            out.append((e, e.need_mvm, [e.counters[t] for t in g.tiles], dests, reads))
        return out

    def _group_forward(self, g: GroupRun) -> Generator[Any, Any, None]:
        env = self.env
        steps = self.plan.steps
        inputs = self._mvm_inputs(g)
        vec = g.vec
        work = [i for i in range(steps) if vec[i] > 0]
        n_work = len(work)
        fine = g.fine
        lock = g.lock
        ticks_of = {i: g.chunk_ticks("forward", vec[i]) for i in work} if not fine else {}
        chunks = g.chunk_account("forward")
        bars = env.bars(self.name, "forward")
        fwd_start = self.fwd_start
        span = self.replica_span
        arrived = self._step_arrived
        m = 0
        for s in range(self.chip.plan.batch):
            first = last = -1  # this replica's first MVM start and last end in the sample
            for i in work:
                n = vec[i]
                if m >= WINDOW:  # at most WINDOW of its steps wait for the digital half
                    back = m - WINDOW
                    index = (back // n_work) * steps + work[back % n_work]
                    if self.digital_done <= index:
                        yield self._window_wait(index)
                m += 1
                for _, need_mvm, counters, _, _ in inputs:
                    need = need_mvm[i]
                    for counter in counters:
                        ev = counter.wait(s, need)
                        if ev is not None:
                            yield ev
                ready = env._now
                for e, need_mvm, _, dests, reads in inputs:
                    if e.n_spilled:
                        need = need_mvm[i]
                        for d in dests:
                            there = e.fetch(d, s, need)
                            if there > ready:
                                ready = there
                    if reads:
                        new = need_mvm[i] - (need_mvm[i - 1] if i else 0)
                        if new > 0:
                            now = env._now
                            for buf, nbytes, ticks, acc in reads[i]:  # TileBuffer.move, port time known
                                if nbytes > 0:
                                    there = buf.port.reserve(now, ticks, now)[1] + buf.latency
                                    acc[0] += nbytes
                                    buf.add_busy(ticks)
                                    if there > ready:
                                        ready = there
                if fine:
                    start, end = yield from g.hold("forward", n, s, at=ready)
                else:  # GroupRun.hold, inline
                    now = env._now
                    start, end = lock.reserve(ready, ticks_of[i])
                    if end > now:
                        yield env.timeout(end - now)
                    chunks[0] += n
                    chunks[1] += end - start
                    add_busy(bars, s, start, end)
                    if env.tracing:
                        env.trace(f"{self.name}.r{g.plan.replica}", f"forward_start@{start}")
                if first < 0:  # a replica's MVMs of a sample follow each other: its first starts earliest
                    first = start
                    if s not in fwd_start or start < fwd_start[s]:
                        fwd_start[s] = start
                last = end
                arrive = self._partial_sums(g, n)
                delay = arrive - env._now
                if delay <= 0:
                    self._step_done(s, i)
                else:
                    env.timeout(delay, (s, i)).callbacks.append(arrived)
            if last - first > span.get(s, 0):
                span[s] = last - first

    def _reduce_routes(self, g: GroupRun) -> list[tuple[Any, list[float] | None, float, Any, list[float]]]:
        """:attr:`GroupRun.sends` of ``g``."""
        chip = self.chip
        net = chip.network
        out = []
        for red, _, senders in g.reduce:
            dst = chip.tiles[red].node
            buf = chip.tiles[red].buffer
            for t, per_vector in senders:
                tree = net.tree(chip.tiles[t].node, (dst,))
                out.append((tree, None if tree is None else net.traffic(tree, self.name), per_vector, buf,
                            buf.account("write_bytes", self.name)))
        return out

    def _partial_sums(self, g: GroupRun, n: float) -> int:
        """Send the step's partial sums of row blocks on other tiles to the reduce tiles; return arrival."""
        now = latest = self.env._now
        transmit = self.chip.network.transmit_one
        for tree, acc, per_vector, buf, writes in g.sends:
            nbytes = per_vector * n
            arrive = now if nbytes <= 0 or tree is None else transmit(tree, acc, nbytes, now)
            arrive = buf.move(nbytes, writes, arrive)
            if arrive > latest:
                latest = arrive
        return latest

    def _make_jobs(self, ops: Mapping[str, float], shares: Mapping[int, float]) -> list[Any]:
        """One job per tile and unit: ``(tile, unit name, unit, {op: n}, ticks)``."""
        jobs = []
        chip = self.chip
        env = self.env
        for t, share in shares.items():
            if share <= 0:
                continue
            tile = chip.tiles[t]
            per_unit: dict[str, dict[str, float]] = {}
            for op, n in ops.items():
                if n > 0:
                    per_unit.setdefault(tile.spec.unit_of(op), {})[op] = n * share
            for unit_name in sorted(per_unit):
                job = per_unit[unit_name]
                unit = tile.digital[unit_name]
                jobs.append((t, unit_name, unit, job, env.to_ticks(unit.spec.job_ns(sum(job.values())))))
        return jobs

    def step_block_shares(self, step: int) -> dict[int, float]:
        """Share of the step's crossbar blocks on each tile (its groups with vectors in the step, weighted)."""
        key = self.step_keys[step]
        total = 0.0
        out: dict[int, float] = {}
        for k in key or range(len(self.groups)):
            g = self.groups[k]
            w = g.vec[step] if key else 1.0
            for b in g.plan.blocks:
                out[b.tile] = out.get(b.tile, 0.0) + w
                total += w
        return {t: v / total for t, v in sorted(out.items())} if total else {}

    def _digital_jobs(self, ops: Mapping[str, float], shares: Mapping[int, float], sample: int,
                      phase: str, key: Any = None) -> int:
        """Queue the digital work ``ops`` split over tiles by ``shares``; return the tick it is done. ``key``
        names a repeated ``(ops, shares)`` pair so its jobs are worked out once."""
        env = self.env
        end = int(env.now)
        jobs = self._jobs.get(key) if key is not None else None
        if jobs is None:
            jobs = self._make_jobs(ops, shares)
            if key is not None:
                self._jobs[key] = jobs
        label = "digital" if phase == "forward" else phase
        ud = self.stats.unit_digital_ticks
        for t, unit_name, unit, job, ticks in jobs:
            start, finish = unit.run_ticks(job, ticks, self.name)
            env.busy(self.name, label, sample, start, finish)
            if phase == "forward":
                ud[(t, unit_name)] = ud.get((t, unit_name), 0) + finish - start
            if finish > end:
                end = finish
        return end

    def _digital_forward(self) -> Generator[Any, Any, None]:
        """Per sample and step: wait for the step's crossbar work (and rows of other inputs), then book the
        step's digital jobs stage after stage (:data:`FORWARD_STAGES`) and hand the step to :meth:`_emitter`,
        which sends its outputs when the last stage is done; the next step's jobs are booked meanwhile."""
        env, chip = self.env, self.chip
        steps = self.plan.steps
        post = [(e.need_post, [e.counters[t] for t in self.out_share if t in e.counters])
                for e in self.edges if any(e.need_post)]
        step_workers = self.step_workers
        left_of = self._left
        bars = env.bars(self.name, "digital")
        plans: list[Any] = [None] * steps
        ready: deque[tuple[int, int, int, Any]] = deque()
        env.process(self._emitter(ready))
        for s in range(chip.plan.batch):
            for i in range(steps):
                left = left_of.get(s)
                if step_workers[i] and (left is None or left[i] > 0):
                    ev = env.event()
                    self._barrier = (s, i, ev)
                    yield ev
                for need_post, counters in post:
                    need = need_post[i]
                    for counter in counters:
                        ev = counter.wait(s, need)
                        if ev is not None:
                            yield ev
                plan = plans[i]
                if plan is None:
                    plan = plans[i] = self._forward_step(i)
                at = env._now
                for stage in plan[0]:
                    end = at
                    for unit, entry, ticks in stage:
                        start, finish = unit.run_entry(entry, ticks, at)
                        add_busy(bars, s, start, finish)
                        if finish > end:
                            end = finish
                    at = end
                ready.append((s, i, at, plan))
                wake = self._emit_wake
                if wake is not None:
                    self._emit_wake = None
                    wake.succeed()

    def _emitter(self, ready: deque[tuple[int, int, int, Any]]) -> Generator[Any, Any, None]:
        """The steps' outputs in order: at the tick a step's digital work is done, free its input rows, send
        its output rows and count it done (the analog half's window, :meth:`_window_wait`)."""
        env, chip = self.env, self.chip
        steps = self.plan.steps
        training = chip.plan.mode == "training"
        name = self.name
        frees = [(e, e.release) for e in self.edges]
        emits = [(emit, edge, row_bytes, dest,
                  edge is not None and consumer is not None and not self._later_pass(dest))
                 for dest, emit, consumer, edge, row_bytes in self.emits]
        stats = self.stats
        ships: list[list[Any] | None] = [None] * steps  # per step and emit its packets (EdgeRun.shipment)
        for _ in range(chip.plan.batch * steps):
            if not ready:
                wake = self._emit_wake = env.event()
                yield wake
            s, i, done, plan = ready.popleft()
            if done > env._now:
                yield env.timeout(done - env._now)
            _, send_key, pieces, shares = plan
            if not training:
                for e, release in frees:
                    e.free_upto(s, release[i])
            step_ships = ships[i]
            if step_ships is None:
                step_ships = ships[i] = [None] * len(emits)
            for k, (emit, edge, row_bytes, dest, on_chip) in enumerate(emits):
                a = emit[i - 1] if i else 0
                b = emit[i]
                if b <= a:
                    continue
                if on_chip:
                    stats.bytes_out += (b - a) * row_bytes
                    spill = edge.reserve(s, a, b)
                    if spill.__class__ is not list:
                        spill = yield from spill
                    ship = step_ships[k]
                    if ship is None:  # made at its first use, as the routes it needs are worked out then
                        ship = step_ships[k] = edge.shipment(send_key, pieces, name, b - a)
                    rest = edge.ship(s, a, b, ship, spill)
                    if rest is not None:
                        yield from rest
                else:
                    self._write_out(s, a, b, row_bytes, b == emit[-1], dest, shares)
            self.digital_done += 1
            ev = self._window.pop(self.digital_done, None)
            if ev is not None:
                ev.succeed()
            if i == steps - 1:
                self._left.pop(s, None)
                self.digital_end[s] = env._now
                if not training:
                    for e in self.edges:
                        e.forget(s)
                # outputs without a consumer on chip close the sample for this layer in _write_out

    def _forward_step(self, step: int) -> tuple[list[list[tuple[Any, list[Any], int]]], Any,
                                                 list[tuple[int, tuple[tuple[float, float], ...], float]],
                                                 dict[int, float]]:
        """What the digital half does in ``step`` of every sample: its jobs ``(unit, job record, ticks)`` by
        stage (:data:`FORWARD_STAGES`, empty stages left out), the key of its outputs' packets, the outputs by
        tile and their shares. Steps with the same groups and vectors share their jobs (:attr:`_jobs`)."""
        frac = self.step_frac[step]
        key, pieces, shares = self.step_pieces(step)
        jobs_key = (key, frac)
        if jobs_key not in self._jobs:
            ops_total = self.plan.digital_forward
            # partial-sum work is done next to the crossbars that produce it (the IMA's shift-and-add
            # units), the rest on the tiles that reduce the outputs
            local = {op: n * frac for op, n in ops_total.items() if op in LOCAL_OPS}
            other = {op: n * frac for op, n in ops_total.items() if op not in LOCAL_OPS}
            self._jobs[jobs_key] = (self._make_jobs(local, self.step_block_shares(step))
                                    + self._make_jobs(other, shares))
        last = len(FORWARD_STAGES)
        by_stage: dict[int, list[tuple[Any, list[Any], int]]] = {}
        for t, unit_name, unit, job, ticks in self._jobs[jobs_key]:
            entry = unit.entry(job, self.name)
            self._forward_entries[id(entry)] = ((t, unit_name), entry, ticks)
            stage = min(FORWARD_STAGES.get(op, last) for op in job)
            by_stage.setdefault(stage, []).append((unit, entry, ticks))
        return [by_stage[k] for k in sorted(by_stage)], (id(self), key), pieces, shares

    def finish(self) -> None:
        """Derive the statistics kept per job and chunk rather than per step (end of the run, before the
        components hand over their counts): forward crossbar time per replica, digital time per tile and unit
        (each job holds its unit for exactly its ticks)."""
        for g in self.groups:
            chunk = g.chunks.get("forward")
            if chunk is not None:
                self.stats.group_forward_ticks[g.index] = chunk[1]
        ud = self.stats.unit_digital_ticks
        for unit_key, entry, ticks in self._forward_entries.values():
            if entry[1]:
                ud[unit_key] = ud.get(unit_key, 0) + entry[1] * ticks

    def _write_out(self, sample: int, a: int, b: int, row_bytes: float, last: bool, dest: str,
                   shares: Mapping[int, float]) -> None:
        """Write rows ``a .. b-1`` to off-chip memory (the network output, or for a later pass)."""
        chip = self.chip
        env = self.env
        nbytes = (b - a) * row_bytes
        self.stats.bytes_out += nbytes
        self.stats.bytes_offchip += nbytes
        node = chip.offchip_node
        done = int(env.now)
        for t, share in shares.items():
            piece = nbytes * share
            arrive = int(env.now)
            if node is not None:
                arrive = chip.network.send(chip.tiles[t].node, (node,), piece, self.name)[0]
            done = max(done, arrive)
        done = chip.offchip.access(nbytes, "write_bytes", self.name, at=done)
        if last:
            if chip.plan.mode == "training":
                if dest == OUTPUT:
                    self.grads["<loss>"].add(sample, 1, done)
            else:
                _at(env, done, lambda: chip.sink_done(sample))

    # -- training ---------------------------------------------------------------------------------
    def _backward(self) -> Generator[Any, Any, None]:
        env, chip = self.env, self.chip
        preds = [e for e in self.edges if e.is_mvm and e.source is not None]
        posts = [e for e in self.edges if not e.is_mvm and e.source is not None]
        every = chip.plan.update_every
        for s in range(chip.plan.batch):
            for counter in self.grads.values():
                ev = counter.wait(s, 1)
                if ev is not None:
                    yield ev
            for e in posts:
                self._send_grad(e, s, {self.home: 1.0})
            if self.plan.backward and preds:
                ends = []
                for g in self.groups:
                    ends.append(env.process(g.hold("backward", g.plan.vectors_per_sample, s)))
                yield env.all_of(ends)
                for p in ends:
                    start, end = p.value
                    self.stats.backward_ticks += end - start
                end = self._digital_jobs(self.plan.digital_backward, self.in_share, s, "backward")
                if end > int(env.now):
                    yield env.timeout(end - int(env.now))
                for e in preds:
                    self._send_grad(e, s, self.in_share)
            if every == 1:
                yield from self._update(s, 1)
                self._finish_sample(s)
                continue
            self._finish_sample(s)
            if (s + 1) % every == 0 or s == chip.plan.batch - 1:
                yield from self._update(s, s % every + 1)
                chip.update_end = max(chip.update_end, int(env.now))

    def _update(self, sample: int, repeat: int) -> Generator[Any, Any, None]:
        """The pulsed update of ``repeat`` samples ending at ``sample``; frees their kept inputs after."""
        env = self.env
        first = sample - repeat + 1
        ready = int(env.now)
        for s in range(first, sample + 1):
            for e in self.edges:
                if e.n_spilled:
                    for t in e.tile_frac:
                        ready = max(ready, e.fetch_spilled(s, t, e.plan.rows))
        if ready > int(env.now):
            yield env.timeout(ready - int(env.now))
        procs = [env.process(g.hold("update", g.plan.vectors_per_sample * repeat, sample)) for g in self.groups]
        yield env.all_of(procs)
        for p in procs:
            start, end = p.value
            self.stats.update_ticks += end - start
        ops = {a: n * repeat for a, n in self.plan.digital_update.items()}
        end = self._digital_jobs(ops, self.out_share, sample, "update")
        if end > int(env.now):
            yield env.timeout(end - int(env.now))
        for s in range(first, sample + 1):
            for e in self.edges:
                e.free_upto(s, e.plan.rows)
                e.forget(s)

    def _finish_sample(self, sample: int) -> None:
        self.chip.sink_done(sample)

    def _send_grad(self, edge: EdgeRun, sample: int, shares: Mapping[int, float]) -> None:
        """Send ``edge``'s gradient for ``sample`` from this layer's tiles to the source's home tile."""
        chip = self.chip
        src = edge.source
        assert src is not None
        dst = chip.tiles[src.home].node
        latest = int(self.env.now)
        for t, share in shares.items():
            nbytes = edge.plan.bytes_per_sample * share
            arrive = chip.network.send(chip.tiles[t].node, (dst,), nbytes, self.name)[0]
            latest = max(latest, arrive)
        src.grads[self.name].add(sample, 1, latest)
