"""Whole-configuration checks that no single dataclass can make on its own, and the mode check.

:func:`check_hardware` runs right after loading and resolution (:func:`archsim.hwconfig.load.load_hardware`), so a
bad configuration fails before a long simulation starts:

* the interconnect graph can be built for ``chip.n_tiles`` tiles, every edge names an existing tile, and the graph
  is connected (every tile reaches every other tile and the off-chip port);
* a crossbar holds at least one slice of one weight (``weight_bits`` and ``bits_per_cell``);
* **every action priced, every operation served**: each digital op kind the chip itself implies has a unit that
  serves it (``accumulate`` and ``activation`` on every chip, ``shift_add`` with bit-serial inputs or bit-sliced
  weights, ``nm_scale`` with noise management on); a component's ``follows`` names an action the engine counts.
  Nothing is routed to an arbitrary unit or priced at zero.

:func:`check_mode` checks a run's mode (and, given the workload, the ops its digital layers need) against the chip:
training on a chip without an update path is an error, and so is an op kind no unit serves.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from archsim.errors import ConfigError
from archsim.hwconfig.resolve import res_bits
from archsim.hwconfig.schema import DigitalOp, HardwareConfig, _check_adc_pools, _check_engine_fields

__all__ = ["MODES", "check_hardware", "check_mode", "countable_actions", "required_ops", "res_bits"]

MODES = ("inference", "training")
"""The run modes."""

#: Actions the engine counts per part kind (the digital units count their op kinds).
_ACTIONS: dict[str, tuple[str, ...]] = {
    "crossbar": ("forward_cells", "backward_cells", "transfer_cells", "forward_pass", "backward_pass",
                 "transfer_pass", "update", "update_line_pulse", "update_coincidence", "transfer_write"),
    "dac": ("convert",),
    "adc": ("convert",),
    "buffer": ("read_bytes", "write_bytes"),
    "router": ("bytes",),
    "offchip": ("read_bytes", "write_bytes"),
}

def countable_actions(hw: HardwareConfig) -> set[str]:
    """``PART.ACTION`` names of every action the engine counts on ``hw`` (what ``follows`` may name)."""
    out = {f"{part}.{action}" for part, actions in _ACTIONS.items() for action in actions}
    for name, unit in hw.tile.digital.items():
        out.update(f"{name}.{op.value}" for op in unit.ops)
    return out


def _nm_on(io: Any) -> bool:
    return not io.is_perfect and io.noise_management.value != "none"


def required_ops(hw: HardwareConfig, mode: str = "inference") -> dict[DigitalOp, str]:
    """Op kinds the chip itself implies in ``mode``, each with the reason (workload-independent)."""
    need = {DigitalOp.ACCUMULATE: "partial sums of split layers and digital biases",
            DigitalOp.ACTIVATION: "the non-linearity of every network"}
    if hw.input_cycles > 1 or hw.weight_slices > 1:
        need[DigitalOp.SHIFT_ADD] = (f"{hw.input_cycles} input cycle(s) x {hw.weight_slices} weight slice(s) "
                                     f"per MVM")
    rpu = hw.crossbar.rpu
    if _nm_on(rpu.forward):
        need[DigitalOp.NM_SCALE] = "crossbar.rpu.forward.noise_management is on"
    if mode == "training":
        if _nm_on(rpu.backward):
            need[DigitalOp.NM_SCALE] = "crossbar.rpu.backward.noise_management is on"
        need[DigitalOp.PULSE_PROB] = "the pulsed update of training"
        if rpu.algorithm.kind != "sgd":
            need[DigitalOp.TRANSFER] = f"algorithm {rpu.algorithm.kind!r} moves weights between devices"
    return need


def _served(hw: HardwareConfig, need: dict[DigitalOp, str], where: str) -> None:
    for op, why in need.items():
        if hw.tile.unit_for(op) is None:
            units = ", ".join(hw.tile.digital) or "none"
            raise ConfigError(f"{where}: tile.digital: no unit serves op {op.value!r}, needed for {why}",
                              hint=f"add {op.value} to the ops of a unit (units: {units}); nothing is routed to "
                                   f"an arbitrary unit or priced at zero")


def check_hardware(hw: HardwareConfig, *, where: str = "hardware") -> None:
    """Run the whole-config checks; raise :class:`ConfigError`.

    Args:
        hw: the loaded, resolved configuration.
        where: the file name used in messages.
    """
    try:
        graph = hw.interconnect.build_graph(hw.chip.n_tiles)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc.message}", hint=exc.hint) from None
    if not nx.is_connected(graph):
        parts = sorted((sorted(n[1] for n in comp if n[0] == "tile") for comp in nx.connected_components(graph)),
                       key=len)
        raise ConfigError(f"{where}: interconnect: the network is not connected; tiles {parts[0]} cannot reach "
                          f"the rest", hint="add edges so every tile reaches every other tile")
    wb = hw.crossbar.weight_bits
    if wb is not None and hw.tile.bits_per_cell > wb:
        raise ConfigError(f"{where}: tile.bits_per_cell: expected at most crossbar.weight_bits ({wb}), "
                          f"got {hw.tile.bits_per_cell}")
    if hw.tile.adc.columns_per_adc > hw.tile.n_cols:
        raise ConfigError(f"{where}: tile.adc.columns_per_adc: expected at most tile.n_cols ({hw.tile.n_cols}), "
                          f"got {hw.tile.adc.columns_per_adc}")
    if hw.tile.dac.rows_per_dac > hw.tile.n_rows:
        raise ConfigError(f"{where}: tile.dac.rows_per_dac: expected at most tile.n_rows ({hw.tile.n_rows}), "
                          f"got {hw.tile.dac.rows_per_dac}")
    try:
        _check_adc_pools(hw.tile)
    except ConfigError as exc:
        raise ConfigError(f"{where}: tile.{exc.message}", hint=exc.hint) from None
    try:
        _check_engine_fields(hw)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc.message}", hint=exc.hint) from None
    if hw.mapping.overflow.value == "reprogram" and not hw.crossbar.write_energy_pj:
        raise ConfigError(f"{where}: crossbar.write_energy_pj: expected the energy of programming one cell (> 0) "
                          f"with mapping.overflow: reprogram", hint="give it with its source")
    _served(hw, required_ops(hw), where)
    valid = countable_actions(hw)
    for scope, parts in (("tile", hw.tile.components), ("chip", hw.chip.components)):
        for name, part in parts.items():
            for f in part.follows:
                if f not in valid:
                    raise ConfigError(f"{where}: {scope}.components.{name}.follows: {f!r} is not an action the "
                                      f"engine counts", hint="valid: " + ", ".join(sorted(valid)))


def check_mode(hw: HardwareConfig, mode: str, workload: Any = None, *, where: str | None = None) -> None:
    """Check that ``hw`` can run ``mode`` (and ``workload``'s digital layers); raise :class:`ConfigError`.

    Training needs an update path (``crossbar.rpu.update.pulse_type`` other than ``none``) and units for the
    update's op kinds; with a workload, every digital layer kind it contains needs a unit serving its op kind.
    """
    where = where or hw.name
    if mode not in MODES:
        raise ConfigError(f"--mode: expected one of {', '.join(MODES)}, got {mode!r}")
    if mode == "training" and not hw.crossbar.trains:
        raise ConfigError(f"{where}: crossbar.rpu.update.pulse_type is 'none': this chip has no update path and "
                          f"cannot train", hint="run it with --mode inference, or choose a chip with a pulsed update")
    _served(hw, required_ops(hw, mode), where)
    if workload is None:
        return
    cycles = ("forward", "backward") if mode == "training" else ("forward",)
    for layer in workload.layers:
        for cycle in cycles:
            for name, count in layer.digital_ops(cycle).items():
                op = DigitalOp(name)
                if count > 0 and hw.tile.unit_for(op) is None:
                    raise ConfigError(f"{where}: tile.digital: no unit serves op {op.value!r}, which layer "
                                      f"{layer.name!r} ({layer.kind}) of workload {workload.name!r} needs",
                                      hint=f"add {op.value} to the ops of a unit of {where}")
