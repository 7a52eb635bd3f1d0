"""Crossbar-array models: Ohm's-law read energy from the cell's conductance (``crossbar.ohmic``) and published
full-activity power (``crossbar.from_power``).

``crossbar.ohmic``: a read drives ``read_voltage_v`` across every active cell for the integration time, so one
full-array pass dissipates ``rows x cols x V² x G_mean x t_int x a`` with ``a`` the mean input activity (the
fraction of the full-scale input a row carries on average); the engine charges the fraction of the array a block
uses (``forward_cells`` per cell). With partial row activation (``crossbar.rows_per_read``) only that share of
the rows conducts at a time, so the full-activity power is ``read energy x rows_per_read / rows / t_int``. This is the cell read energy of NeuroSim's manual
(V_read² / R x t_read; DNN+NeuroSim V1.3 manual §6) and of CiMLoop's memory-cell models. Area is
``rows x cols x cell_area_f2 x F²`` at the chip's feature size F (NeuroSim's cell areas in F², e.g. RRAM 1T1R
4x12 F²). Optional update figures: one pulse of ``update_voltage_v`` for ``crossbar.pulse_ns`` through a cell of
``mean_conductance_us`` (``update_energy_pj``), and charging a line of ``line_capacitance_ff_per_cell`` per cell to
``update_voltage_v`` (``update_line_energy_pj`` = C V²).
"""

from __future__ import annotations

from archsim.components.base import CostModel, ModelInput, ModelRangeError, Param, from_power_model, stated

__all__ = ["CROSSBAR_FROM_POWER", "CROSSBAR_OHMIC"]


_t_int = stated("integration_ns", "the forward integration time of one pass (ns)")


CROSSBAR_FROM_POWER = from_power_model(
    name="crossbar.from_power", part="crossbar", produces=("read_energy_pj",), duration_ns=_t_int,
    what="the published power of one array at full activity (mW)",
    source="published full-activity power x integration time (ISAAC Table I: 0.3 mW x 100 ns = 30 pJ per array read)")


def _ohmic(inp: ModelInput) -> dict[str, float]:
    c = inp.ctx
    cells = c.n_rows * c.n_cols
    v = inp.param("read_voltage_v", "0.01 <= read_voltage_v <= 5")
    g_us = inp.param("mean_conductance_us", "mean cell conductance during a read (µS)")
    act = inp.param("input_activity", "mean input activity 0..1")
    t = _t_int(inp)
    read_pj = cells * v * v * g_us * t * act * 1e-3  # V² x µS x ns = 1e-15 J
    active = min(inp.fields.get("rows_per_read", c.n_rows), c.n_rows) / c.n_rows  # partial row activation
    out = {"read_energy_pj": read_pj, "power_mw": read_pj * active / t}
    if "cell_area_f2" in inp.params:
        f_um = c.technology_nm * 1e-3
        out["area_um2"] = cells * inp.params["cell_area_f2"] * f_um * f_um
    if "update_voltage_v" in inp.params:
        vu = inp.params["update_voltage_v"]
        if "pulse_ns" not in inp.fields:
            raise ModelRangeError("pulse_ns", None, "the update pulse width (ns) for update_voltage_v")
        out["update_energy_pj"] = vu * vu * g_us * inp.fields["pulse_ns"] * 1e-3
        if "line_capacitance_ff_per_cell" in inp.params:
            cells_per_line = max(c.n_rows, c.n_cols)
            out["update_line_energy_pj"] = cells_per_line * inp.params["line_capacitance_ff_per_cell"] * vu * vu * 1e-3
    return out


CROSSBAR_OHMIC = CostModel(
    name="crossbar.ohmic", part="crossbar",
    produces=("read_energy_pj", "power_mw", "area_um2", "update_energy_pj", "update_line_energy_pj"),
    compute=_ohmic,
    source="cell read energy V^2 G t (NeuroSim V1.3 manual §6; CiMLoop memory cells); area in F^2 (NeuroSim Table IV)",
    params=(
        Param(name="read_voltage_v", minimum=0.01, maximum=5.0, doc="read voltage across a cell (V)"),
        Param(name="mean_conductance_us", minimum=1e-4, maximum=1e4, doc="mean cell conductance (µS)"),
        Param(name="input_activity", minimum=0.0, maximum=1.0, doc="mean input activity of a driven row"),
        Param(name="cell_area_f2", minimum=1.0, maximum=10000.0, doc="cell area in F² (feature size squared)"),
        Param(name="update_voltage_v", minimum=0.01, maximum=10.0, doc="update pulse amplitude (V)"),
        Param(name="line_capacitance_ff_per_cell", minimum=0.0, maximum=100.0,
              doc="row/column line capacitance per cell (fF)"),
    ))
