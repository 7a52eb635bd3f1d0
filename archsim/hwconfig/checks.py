"""Whole-configuration checks that no single dataclass can make on its own.

They run right after loading (:func:`archsim.hwconfig.load.load_hardware`), so a bad configuration fails
before a long simulation starts:

* the interconnect graph can be built for ``chip.n_tiles`` tiles, every edge names an existing tile, and
  the graph is connected (every tile reaches every other tile and the off-chip port);
* the converter resolutions the event engine times agree with the numerics the functional core uses:
  ``tile.adc.bits`` with ``crossbar.rpu.forward.out_res`` and the input precision (``crossbar.input_bits``
  or ``tile.dac.bits``) with ``crossbar.rpu.forward.inp_res`` (aihwkit's convention: res = 1/(2^bits − 2)).
  A mismatch is legal but suspicious and gives an :class:`~archsim.errors.ArchsimWarning`;
* a crossbar holds at least one slice of one weight (``weight_bits`` and ``bits_per_cell``).
"""

from __future__ import annotations

import math
import warnings

import networkx as nx

from archsim.errors import ArchsimWarning, ConfigError
from archsim.hwconfig.rpu import resolution_fraction
from archsim.hwconfig.schema import HardwareConfig

__all__ = ["check_hardware", "res_bits"]


def res_bits(res: float) -> float | None:
    """Bits implied by an aihwkit resolution ``res`` (fraction or step count); None if quantisation is off."""
    frac = resolution_fraction(res)
    if frac <= 0:
        return None
    return math.log2(1.0 / frac + 2.0)


def check_hardware(hw: HardwareConfig, *, where: str = "hardware") -> None:
    """Run the whole-config checks; raise :class:`ConfigError` or warn with :class:`ArchsimWarning`.

    Args:
        hw: the loaded configuration.
        where: the file name used in messages.
    """
    graph = _graph(hw, where)
    if not nx.is_connected(graph):
        parts = sorted((sorted(n[1] for n in comp if n[0] == "tile") for comp in nx.connected_components(graph)),
                       key=len)
        raise ConfigError(f"{where}: interconnect: the network is not connected; tiles {parts[0]} cannot reach "
                          f"the rest", hint="add edges so every tile reaches every other tile")
    fwd = hw.crossbar.rpu.forward
    if not fwd.perfect:
        out_bits = res_bits(fwd.out_res)
        if out_bits is not None and abs(out_bits - hw.tile.adc.bits) > 0.05:
            warnings.warn(f"{where}: tile.adc.bits is {hw.tile.adc.bits} but crossbar.rpu.forward.out_res "
                          f"{fwd.out_res:g} quantises like a {out_bits:.3g}-bit ADC; timing and accuracy "
                          f"model different converters", ArchsimWarning, stacklevel=2)
        in_bits = res_bits(fwd.inp_res)
        dac_bits = hw.crossbar.input_bits or hw.tile.dac.bits
        if in_bits is not None and abs(in_bits - dac_bits) > 0.05:
            warnings.warn(f"{where}: the input precision is {dac_bits} bits (crossbar.input_bits or tile.dac.bits) "
                          f"but crossbar.rpu.forward.inp_res {fwd.inp_res:g} quantises like {in_bits:.3g} bits",
                          ArchsimWarning, stacklevel=2)
    wb = hw.crossbar.weight_bits
    if wb is not None and hw.tile.bits_per_cell > wb:
        raise ConfigError(f"{where}: tile.bits_per_cell: expected at most crossbar.weight_bits ({wb}), "
                          f"got {hw.tile.bits_per_cell}")


def _graph(hw: HardwareConfig, where: str) -> nx.Graph:
    """The interconnect graph, built once (it is the slowest part of validating a large chip)."""
    try:
        return hw.interconnect.build_graph(hw.chip.n_tiles)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc.message}", hint=exc.hint) from None
