"""The simulated chip: it wires tiles, the network and the off-chip interface, and elaborates the layers.

Structure (desmod style): :class:`Chip` owns the :class:`Tile`\\ s (crossbars with their locks, DAC banks,
ADC pools, digital units, a buffer), the :class:`~archsim.engine.interconnect.Network` and the
:class:`~archsim.engine.memory.OffChipMemory`; every layer of the plan becomes a
:class:`~archsim.engine.layer.LayerRun` whose processes (:mod:`archsim.engine.layer`) use them. The chip's
own processes admit samples, feed the network input (and, between reprogramming passes, the stored
activations) from off-chip memory row by row, and program the crossbars at the start of each pass.

Admission. Inference with ``pipeline=True`` admits every sample (finite line buffers throttle them);
training admits as many samples as the layers can keep the activations of on chip for their updates
(:attr:`Chip.in_flight`, at least 1); ``pipeline=False`` admits one sample at a time.

Passes (``mapping.overflow: reprogram``): pass ``p`` first programs the crossbars of its layers -- each
tile reads its weights from off-chip memory over the network, then every crossbar writes its rows,
``rows_per_write`` at a time, one ``pulse_ns`` write step each, crossbars in parallel -- then runs every
sample through its layers; data that crosses passes is written to and read back from off-chip memory.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Hashable
from typing import Any

import simpy

from archsim.engine.buffer import LineBuffer, TileBuffer
from archsim.engine.component import Component
from archsim.engine.digital import DigitalUnit
from archsim.engine.env import SimEnvironment
from archsim.engine.interconnect import Network
from archsim.engine.layer import EdgeRun, LayerRun, SourceFeed
from archsim.engine.memory import OffChipMemory
from archsim.engine.peripherals import AdcPool, Crossbar, DacBank
from archsim.engine.plan import INPUT, OUTPUT, RunPlan
from archsim.engine.server import Calendar, Server
from archsim.engine.spec import TileSpec
from archsim.errors import SimulationError


class Tile(Component):
    """A tile: crossbars (counting scope ``xbar``), DAC banks, ADC pools, digital units and a buffer."""

    def __init__(self, env: SimEnvironment, index: int, parent: Component, spec: TileSpec) -> None:
        super().__init__(env, f"tile{index}", parent)
        self.index = index
        self.node: Hashable = ("tile", index)
        self.spec = spec
        n_adcs = sum(n for _, n in spec.adc_pools) + spec.crossbar.adc.n_units * (
            spec.n_crossbars - sum(len(m) for m, _ in spec.adc_pools))
        self.xbar = Component(env, "xbar", self, units=spec.n_crossbars)
        self.dac = Component(env, "dac", self, units=spec.n_crossbars)
        self.adc = Component(env, "adc", self, units=max(1, n_adcs))
        self.digital = {name: DigitalUnit(env, name, self, unit) for name, unit in spec.units().items()}
        self.buffer = TileBuffer(env, "buffer", self, spec.buffer)
        self._crossbars: dict[int, Crossbar] = {}
        self._pools: dict[int, AdcPool] = {}

    def unit(self, op: str) -> DigitalUnit:
        """The digital unit serving op kind ``op`` (an op no unit serves is an error)."""
        return self.digital[self.spec.unit_of(op)]

    def crossbar(self, index: int) -> Crossbar:
        """The read-by-read model of crossbar ``index`` with its DAC bank and ADC pool (made at first use)."""
        found = self._crossbars.get(index)
        if found is None:
            pool_id, pool_spec = self.spec.pool_of(index)
            pool = self._pools.get(pool_id)
            if pool is None:
                label = f"adc_pool{pool_id}" if pool_id >= 0 else f"adc_xbar{-1 - pool_id}"
                pool = self._pools[pool_id] = AdcPool(self.env, label, self, pool_spec)
            dac = DacBank(self.env, f"dac_xbar{index}", self, self.spec.crossbar.dac)
            found = self._crossbars[index] = Crossbar(self.env, f"xbar{index}", self, self.spec.crossbar, dac, pool)
        return found


class Chip(Component):
    """The chip running one :class:`RunPlan`."""

    def __init__(self, env: SimEnvironment, plan: RunPlan) -> None:
        super().__init__(env, "chip")
        self.plan = plan
        _check_plan(plan)
        self.tiles: dict[int, Tile] = {}
        self.network = Network(env, "noc", self, plan.chip.graph, plan.chip.link)
        self.offchip = OffChipMemory(env, "offchip", self, plan.chip.offchip)
        self.offchip_node = plan.chip.offchip_node
        self.layers: list[LayerRun] = []
        self.by_name: dict[str, LayerRun] = {}
        self.admitted: dict[int, int] = {}
        self.completed: dict[int, int] = {}
        self.pass_times: list[tuple[int, int, int]] = []
        self.update_end = 0
        self._spills: dict[tuple[int, str], tuple[Any, ...]] = {}
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
        for lp in plan.layers:
            layer = LayerRun(self, lp)
            self.layers.append(layer)
            self.by_name[lp.name] = layer
        for layer in self.layers:
            layer.connect(self.by_name)
        outputs = set(plan.output_layers) if plan.output_layers else {
            layer.name for layer in self.layers if not layer.consumers}
        for layer in self.layers:
            layer.finish_outputs(layer.name in outputs, len(outputs))
        # a pool read by crossbars of several groups can contend: those groups are simulated read by read;
        # one group's crossbars sharing a pool follow the pooled closed form (GroupRun._pool_ns) when exact
        users: dict[tuple[int, int, int], set[int]] = {}
        for layer in self.layers:
            pass_index = layer.plan.pass_index
            for g in layer.groups:
                gid = id(g)
                for tile, pool in g.pools():
                    users.setdefault((pass_index, tile, pool), set()).add(gid)
        training = plan.mode == "training"
        for layer in self.layers:
            for g in layer.groups:
                shared = any(len(users[(layer.plan.pass_index, tile, pool)]) > 1 for tile, pool in g.pool_users())
                exact = g.closed_form_ok(False) and (not training or g.closed_form_ok(True))
                g.fine = shared or not exact
        _share_locks(self.layers)
        self._quotas()
        for layer in self.layers:
            for e in layer.edges:
                e.bind()
        self.n_sinks = sum(1 for layer in self.layers if layer.writes_output)
        self.in_flight = self._in_flight()

    def _quotas(self) -> None:
        """Divide each tile buffer among the edges receiving on it, by bytes per sample received."""
        per_tile: dict[int, list[tuple[EdgeRun, float, float]]] = {}
        training = self.plan.mode == "training"
        for layer in self.layers:
            for e in layer.edges:
                for t in e.tile_frac:
                    need = e.bytes_at(t) if training else e.working_at(t)
                    per_tile.setdefault(t, []).append((e, e.bytes_at(t), need))
        for t, entries in per_tile.items():
            buf = self.tiles[t].buffer
            cap = float(buf.spec.capacity_bytes)
            total = sum(per for _, per, _ in entries) or 1.0
            for e, per, need in entries:
                quota = cap * per / total
                line = LineBuffer(self.env, e.layer.name, quota, need)
                if line.spills and buf.spec.spill == "stall":
                    what = "one sample's inputs (kept for the update)" if training else "the rows one step needs"
                    raise SimulationError(
                        f"engine: hardware {self.plan.hw_name!r}: tile.buffer.capacity_bytes: layer {e.layer.name!r} needs {need:.0f} bytes of "
                        f"{e.source_name}'s rows on tile {t} for {what}, but their share of the tile's "
                        f"{cap:.0f}-byte buffer is {quota:.0f} bytes and tile.buffer.spill is 'stall' "
                        f"(no spill path)",
                        hint="raise tile.buffer.capacity_bytes, or set tile.buffer.spill: offchip")
                e.lines[t] = line
                buf.lines[f"{e.layer.name}<-{e.source_name}"] = line

    def _in_flight(self) -> int:
        """Samples admitted at once (see the module docstring)."""
        if not self.plan.pipeline:
            return 1
        if self.plan.mode != "training":
            return self.plan.batch
        fits = [int(line.quota // line.working_set) for layer in self.layers for e in layer.edges
                for line in e.lines.values() if line.working_set > 0 and not line.spills]
        return max(1, min([self.plan.batch, *fits]))

    # -- processes --------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the master process (passes, admission, feeds)."""
        self.done_events = {s: self.env.event() for s in range(self.plan.batch)}
        self.env.process(self._master())

    def _master(self) -> Generator[Any, Any, None]:
        env = self.env
        n_passes = max(layer.plan.pass_index for layer in self.layers) + 1
        for p in range(n_passes):
            members = [layer for layer in self.layers if layer.plan.pass_index == p]
            t0 = int(env.now)
            if n_passes > 1:
                ready = yield from self._program(members)
            else:
                ready = t0
            for layer in members:
                layer.start()
            done = {s: env.event() for s in range(self.plan.batch)}
            pending = {s: sum(layer.sinks_per_sample() for layer in members) for s in range(self.plan.batch)}
            feeds = self._feeds(members)
            slots = simpy.Resource(env, capacity=self.in_flight)
            env.process(self._admit(feeds, slots, done, pending, members))
            yield env.all_of(list(done.values()))
            self.pass_times.append((t0, ready, int(env.now)))
        for s in range(self.plan.batch):
            self.completed.setdefault(s, int(env.now))

    def _feeds(self, members: list[LayerRun]) -> list[SourceFeed]:
        """Off-chip sources of this pass: the network input and data stored by earlier passes."""
        names = {layer.name for layer in members}
        inputs = [e for layer in members for e in layer.edges if e.source_name == INPUT]
        feeds = []
        if inputs:
            feeds.append(SourceFeed(self, INPUT, inputs, self.plan.input_rows,
                                    self.plan.input_bytes_per_sample / max(1, self.plan.input_rows),
                                    inputs[0].layer.name))
        for layer in members:
            for e in layer.edges:
                if e.source_name != INPUT and e.source_name not in names:
                    feeds.append(SourceFeed(self, e.source_name, [e], e.plan.rows, e.row_bytes, layer.name))
        return feeds

    def _admit(self, feeds: list[SourceFeed], slots: simpy.Resource, done: dict[int, simpy.Event],
               pending: dict[int, int], members: list[LayerRun]) -> Generator[Any, Any, None]:
        env = self.env
        self._pass_pending = pending
        self._pass_done = done
        for s in range(self.plan.batch):
            req = slots.request()
            yield req
            self.admitted.setdefault(s, int(env.now))
            env.process(self._release(done[s], slots, req))
            for feed in feeds:
                yield from feed.feed(s)

    def _release(self, done: simpy.Event, slots: simpy.Resource, req: Any) -> Generator[Any, Any, None]:
        yield done
        slots.release(req)

    def sink_done(self, sample: int) -> None:
        """A layer of the current pass has finished one of its sinks for ``sample``."""
        self._pass_pending[sample] -= 1
        if self._pass_pending[sample] == 0:
            self.completed[sample] = int(self.env.now)
            self._pass_done[sample].succeed()

    def transactions(self) -> int:
        """Resource grants modelled: link reservations (one per packet and hop), holds of crossbar locks,
        digital units, buffer ports, off-chip slots and pins (each a request-wait-hold of a resource)."""
        n = sum(link.packets for link in self.network.links.values())
        n += self.offchip.slots.holds + self.offchip.pins.holds
        for tile in self.tiles.values():
            n += tile.buffer.port.holds + sum(unit.server.holds for unit in tile.digital.values())
        locks = {id(g.lock): g.lock for layer in self.layers for g in layer.groups}
        n += sum(lock.holds for lock in locks.values() if isinstance(lock, (Server, Calendar)))
        return n

    def finish(self) -> None:
        """Hand every component's counts and busy time to the environment (end of the run)."""
        for layer in self.layers:
            layer.finish()
            for g in layer.groups:
                g.flush()
        for comp in self.walk():
            Component.flush(comp) if comp is self else comp.flush()

    def spill_out(self, tile: Tile, nbytes: float, layer: LayerRun, at: int,
                  path: tuple[Any, ...] | None = None) -> int:
        """Write ``nbytes`` of ``layer``'s rows from ``tile`` to off-chip memory; return when they are stored.
        ``path`` is :meth:`spill_path` of the tile and layer (looked up when not given)."""
        stats = layer.stats
        stats.bytes_spilled += nbytes
        stats.bytes_offchip += nbytes
        if path is None:
            path = self.spill_path(tile, layer)
        end = tile.buffer.move(nbytes, path[0], at)
        if path[1] is not None:
            end = self.network.transmit_one(path[1], path[2], nbytes, end)
        return self.offchip.move(nbytes, path[3], end)

    def spill_in(self, tile: Tile, nbytes: float, layer: LayerRun, at: int,
                 path: tuple[Any, ...] | None = None) -> int:
        """Read ``nbytes`` of spilled rows back to ``tile`` (not before ``at``); return when they are there.
        ``path`` as in :meth:`spill_out`."""
        layer.stats.bytes_offchip += nbytes
        if path is None:
            path = self.spill_path(tile, layer)
        now = self.env._now
        end = self.offchip.move(nbytes, path[4], now if now > at else at)
        if path[5] is not None:
            end = self.network.transmit_one(path[5], path[6], nbytes, end)
        return end

    def spill_path(self, tile: Tile, layer: LayerRun) -> tuple[Any, ...]:
        """What spilling ``layer``'s rows on ``tile`` uses (cached): the buffer's read account, the route to
        off-chip memory with its traffic account, the memory's write and read accounts, the route back."""
        key = (tile.index, layer.name)
        found = self._spills.get(key)
        if found is None:
            name = layer.name
            net = self.network
            out = back = None
            if self.offchip_node is not None:
                out = net.tree(tile.node, (self.offchip_node,))
                back = net.tree(self.offchip_node, (tile.node,))
            found = self._spills[key] = (
                tile.buffer.account("read_bytes", name), out, None if out is None else net.traffic(out, name),
                self.offchip.account("write_bytes", name), self.offchip.account("read_bytes", name),
                back, None if back is None else net.traffic(back, name))
        return found

    def _program(self, members: list[LayerRun]) -> Generator[Any, Any, int]:
        """Program the crossbars of ``members``: weights from off-chip to each tile, then row writes."""
        env = self.env
        xs = self.plan.chip.tile.crossbar
        bits = self.plan.chip.weight_bits_per_cell
        per_tile: dict[int, list[tuple[LayerRun, int, int, int]]] = {}
        for layer in members:
            for g in layer.groups:
                for b in g.plan.blocks:
                    per_tile.setdefault(b.tile, []).append((layer, b.crossbar, b.rows, b.cols))
        ready_all = int(env.now)
        layer_ready: dict[str, int] = {}
        for t in sorted(per_tile):
            tile = self.tiles[t]
            by_layer: dict[str, float] = {}
            for layer, _, rows, cols in per_tile[t]:
                by_layer[layer.name] = by_layer.get(layer.name, 0.0) + rows * cols * bits / 8.0
            arrive = int(env.now)
            for name in sorted(by_layer):
                end = self.offchip.access(by_layer[name], "read_bytes", name)
                if self.offchip_node is not None:
                    end = self.network.send(self.offchip_node, (tile.node,), by_layer[name], name, at=end)[0]
                end = tile.buffer.access(by_layer[name], "write_bytes", name, at=end)
                arrive = max(arrive, end)
                self.by_name[name].stats.bytes_offchip += by_layer[name]
            for layer, _, rows, cols in per_tile[t]:
                ticks = env.to_ticks(xs.program_ns(rows))
                done = arrive + ticks
                tile.xbar.count("program_cells", rows * cols, layer.name)
                tile.xbar.count("program_rows", math.ceil(rows / xs.rows_per_write), layer.name)
                tile.xbar.add_busy(ticks)
                env.busy(layer.name, "program", 0, arrive, done)
                layer_ready[layer.name] = max(layer_ready.get(layer.name, 0), done)
                ready_all = max(ready_all, done)
        t0 = int(env.now)
        for layer in members:
            layer.stats.reprogram_ticks += layer_ready.get(layer.name, t0) - t0
            layer.stats.reprogram_cells += sum(b.rows * b.cols for g in layer.groups for b in g.plan.blocks)
        if ready_all > t0:
            yield env.timeout(ready_all - t0)
        return ready_all


def _check_plan(plan: RunPlan) -> None:
    if plan.mode not in ("inference", "training"):
        raise SimulationError(f"engine: mode: expected 'inference' or 'training', got {plan.mode!r}")
    if plan.batch < 1:
        raise SimulationError(f"engine: batch: expected >= 1, got {plan.batch}")
    if plan.update_every < 1:
        raise SimulationError(f"engine: update_every: expected >= 1, got {plan.update_every}")
    names = [lp.name for lp in plan.layers]
    if len(set(names)) != len(names):
        raise SimulationError("engine: duplicate layer names in the plan")
    if plan.mode == "training" and any(lp.pass_index for lp in plan.layers):
        raise SimulationError("engine: training a network that runs in reprogramming passes is not modelled",
                              hint="use a chip with enough tiles for training, or --mode inference")
    known = set(names) | {INPUT}
    for lp in plan.layers:
        for e in lp.edges():
            if e.source not in known:
                raise SimulationError(f"engine: layer {lp.name}: source {e.source!r} is not a layer of the plan")
        for o in lp.outputs:
            if o.dest not in known and o.dest != OUTPUT:
                raise SimulationError(f"engine: layer {lp.name}: destination {o.dest!r} is not a layer of the plan")
        if not lp.groups or not any(g.blocks for g in lp.groups):
            raise SimulationError(f"engine: layer {lp.name}: no blocks")


def _share_locks(layers: list[LayerRun]) -> None:
    """Groups that share a crossbar share one lock (union-find over the groups, joined through the ``(tile,
    crossbar)`` they use)."""
    parent: dict[Any, Any] = {}

    def find(x: Any) -> Any:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    groups = [g for layer in layers for g in layer.groups]
    owner: dict[tuple[int, int], int] = {}
    for k, g in enumerate(groups):
        for b in g.plan.blocks:
            j = owner.setdefault((b.tile, b.crossbar), k)
            if j != k:
                a, c = find(("g", k)), find(("g", j))
                if a != c:
                    parent[a] = c
    locks: dict[Any, Any] = {}
    for k, g in enumerate(groups):
        root = find(("g", k))
        if root not in locks:
            locks[root] = g.new_lock()
        g.lock = locks[root]
    fine_roots = {find(("g", k)) for k, g in enumerate(groups) if g.fine}
    for k, g in enumerate(groups):
        if find(("g", k)) in fine_roots and not g.fine:
            g.fine = True
    for k, g in enumerate(groups):
        if g.fine:
            root = find(("g", k))
            if not isinstance(locks[root], simpy.Resource):
                locks[root] = simpy.Resource(g.env, capacity=1)
            g.lock = locks[root]


__all__ = ["Chip", "EdgeRun", "Tile"]
