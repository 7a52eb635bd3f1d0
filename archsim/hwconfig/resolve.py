"""Resolution of a loaded hardware description: every physical quantity stated, derived or computed by a model.

:func:`resolve_hardware` runs right after the strict loader has built the :class:`HardwareConfig` and before the
whole-config checks. It returns a configuration in which every numeric field a used part relies on has a value,
and records where each came from in :attr:`HardwareConfig.provenance` (dotted path -> ``explicit``,
``model NAME``, ``derived: FORMULA`` or ``explicit (model NAME gives X)`` when a stated value overrides a model).
``hwconfig.resolved.yaml`` is this configuration (:func:`dump_resolved` adds the provenance as comments).

Rules, in order:

1. **Stated values win.** A field the file gives is kept as it is.
2. **Clock-derived timing.** A digital unit's ``throughput_ops_per_ns`` = ``lanes`` x clock and ``latency_ns`` =
   ``latency_cycles`` x clock period; a buffer's ``bandwidth_gbps`` = ``width_bits`` x ``ports`` x clock; a link's
   ``link_bandwidth_gbps`` = ``flit_bits`` x ``link_freq_mhz`` (``chip.clock_freq_mhz``; all in ``derived:``).
3. **Component models.** A part with ``model: NAME`` gets every field it leaves out that the model produces
   (:data:`archsim.components.MODELS`); a parameter outside the model's range is an error naming the range.
4. **One source of truth for the converters.** The numerics' ``crossbar.rpu.{forward,backward}.out_res`` is the
   ADC's resolution (aihwkit's convention ``1 / (2^bits - 2)``) and ``inp_res`` the input precision
   (``crossbar.input_bits``, else ``tile.dac.bits``). The side the file leaves out is derived from the other; two
   stated values that disagree are an error, so an ADC change moves accuracy, energy, area and time together.
5. **Nothing silent.** A field a used part needs that is neither stated nor computed is an error naming the YAML
   path and the models that could compute it; so is a zero area or power on a used part (off-chip memory, which
   may lie outside the die, is exempt) and a zero energy on an action the part performs.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from archsim.components import MODELS, ModelContext, ModelInput, ModelRangeError, models_for
from archsim.errors import ConfigError
from archsim.hwconfig.rpu import resolution_fraction
from archsim.hwconfig.schema import ComponentConfig, CrossbarConfig, DigitalUnitConfig, HardwareConfig, PartCost
from archsim.loader.source import Path_, Source, dotted

__all__ = ["dump_resolved", "provenance_summary", "res_bits", "resolution_of_bits", "resolve_hardware"]

_NUMERIC = (int, float)


def res_bits(res: float) -> float | None:
    """Bits implied by an aihwkit resolution ``res`` (fraction or step count); None if quantisation is off."""
    frac = resolution_fraction(res)
    if frac <= 0:
        return None
    return math.log2(1.0 / frac + 2.0)


def resolution_of_bits(bits: int) -> float:
    """aihwkit's resolution of a ``bits``-bit converter: ``1 / (2^bits - 2)`` (bits >= 2)."""
    return 1.0 / (2.0**bits - 2.0)


class _Resolver:
    """State of one resolution: where messages point, which raw paths the file states, the provenance."""

    def __init__(self, hw: HardwareConfig, raw: Mapping[str, Any] | None, source: Source | str) -> None:
        self.hw = hw
        self.raw = raw
        self.source = source if isinstance(source, Source) else Source(str(source))
        self.prov: dict[str, str] = {}

    # -- messages --------------------------------------------------------------------------------------------
    def error(self, path: Path_, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{self.source.where(path)}: {dotted(path)}: {message}", hint=hint)

    def stated(self, path: Path_) -> bool:
        """Whether the raw file (after overrides) states ``path``; every value counts as stated without a raw."""
        if self.raw is None:
            return True
        node: Any = self.raw
        for key in path:
            if not isinstance(node, Mapping) or key not in node:
                return False
            node = node[key]
        return True

    # -- one part --------------------------------------------------------------------------------------------
    def part(self, part: PartCost, path: Path_, kind: str, ctx: ModelContext, *, required: tuple[str, ...],
             positive: tuple[str, ...] = (), extra: Mapping[str, float] | None = None,
             derived: Mapping[str, tuple[float, str]] | None = None) -> Any:
        """Resolve one part: stated fields, then ``derived`` rules, then its model; check what is required."""
        names = [f.name for f in dataclasses.fields(part) if f.init]
        values: dict[str, Any] = {}
        for name in names:
            value = getattr(part, name)
            if isinstance(value, _NUMERIC) and not isinstance(value, bool):
                self.prov[dotted(path + (name,))] = "explicit"
        for name, (value, how) in (derived or {}).items():
            if getattr(part, name) is None:
                values[name] = value
                self.prov[dotted(path + (name,))] = f"derived: {how}"
        if part.model is not None:
            try:
                model = MODELS[part.model]
            except ConfigError as exc:
                raise self.error(path + ("model",), exc.message, hint=exc.hint) from None
            if model.part != kind:
                raise self.error(path + ("model",), f"model {part.model!r} computes a {model.part}, not a {kind}",
                                 hint=f"models for a {kind}: " + (", ".join(models_for(kind)) or "none"))
            stated = {n: float(v) for n in names if isinstance(v := values.get(n, getattr(part, n)), _NUMERIC)
                      and not isinstance(v, bool)}
            stated.update(extra or {})
            try:
                out = model(ModelInput(fields=stated, params=dict(part.params), ctx=ctx))
            except ModelRangeError as exc:
                sub = tuple(exc.param.split(".")) if not exc.param.startswith(("chip.", "crossbar.")) else ()
                where = path + sub if sub and sub[0] in names else path
                raise self.error(where, f"model {part.model}: {exc}",
                                 hint=f"{model.name}: {model.source}") from None
            for name, value in out.items():
                if name not in names:
                    continue
                key = dotted(path + (name,))
                if getattr(part, name) is not None:
                    self.prov[key] = f"explicit (model {model.name} gives {value:.6g})"
                elif name not in values:
                    values[name] = value
                    self.prov[key] = f"model {model.name}"
        elif part.params:
            raise self.error(path + ("params",), "params given without a model",
                             hint="name the model they are for in 'model:'")
        try:
            resolved = dataclasses.replace(part, **values) if values else part
        except ConfigError as exc:  # a derived or modelled value outside the schema's range: name its origin
            name, _, what = exc.message.partition(": ")
            if name not in values:  # a check across fields: the part is the place
                raise self.error(path, exc.message, hint=exc.hint) from None
            raise self.error(path + (name,), f"{what} ({self.prov[dotted(path + (name,))]})",
                             hint=exc.hint) from None
        for name in required:
            if getattr(resolved, name) is None:
                makers = [m for m in models_for(kind) if name in MODELS[m].produces]
                hint = ("or name a model that computes it: " + ", ".join(makers)) if makers else None
                raise self.error(path, f"missing {name!r}: a hardware file states every quantity it relies on",
                                 hint=f"add '{name}:' with its source" + (f", {hint}" if hint else ""))
        for name in positive:
            value = getattr(resolved, name)
            if value is not None and value <= 0:
                raise self.error(path + (name,), f"expected a value > 0 on a used part, got {value:g}",
                                 hint="a zero here would make the results meaningless; give the published value")
        return resolved


_COST = ("area_um2", "power_mw", "leakage_mw")


def resolve_hardware(hw: HardwareConfig, raw: Mapping[str, Any] | None = None,
                     source: Source | str = "hardware") -> HardwareConfig:
    """Resolve every physical quantity of ``hw`` (see the module docstring).

    Args:
        hw: the configuration the loader built (fields left out are None).
        raw: the raw YAML mapping after overrides, to tell stated values from defaults (None: all stated).
        source: the file (a loader :class:`Source` for ``file:line`` in messages, or a name).

    Returns:
        the resolved configuration, with :attr:`HardwareConfig.provenance` filled.

    Raises:
        ConfigError: one line naming file, line, YAML path, what is wrong and the valid range.
    """
    r = _Resolver(hw, raw, source)
    chip, tile, xb = hw.chip, hw.tile, hw.crossbar
    for name in ("n_tiles", "clock_freq_mhz", "technology_nm"):
        if getattr(chip, name) is None:
            raise r.error(("chip",), f"missing {name!r}: a hardware file states every quantity it relies on")
        r.prov[f"chip.{name}"] = "explicit"
    for name in ("n_rows", "n_cols", "n_crossbars"):
        if getattr(tile, name) is None:
            raise r.error(("tile",), f"missing {name!r}: a hardware file states every quantity it relies on")
        r.prov[f"tile.{name}"] = "explicit"
    if xb.weight_bits is not None:
        if tile.bits_per_cell is None:
            raise r.error(("tile",), "missing 'bits_per_cell': crossbar.weight_bits slices weights over cells")
        r.prov["tile.bits_per_cell"] = "explicit"
    elif tile.bits_per_cell is not None:
        raise r.error(("tile", "bits_per_cell"), "bits_per_cell without crossbar.weight_bits has no effect",
                      hint="an analog weight sits in one device (pair); give weight_bits to slice digital weights")
    clock_ghz = chip.clock_freq_mhz / 1000.0
    ctx = ModelContext(technology_nm=float(chip.technology_nm), clock_freq_mhz=float(chip.clock_freq_mhz),
                       n_rows=tile.n_rows, n_cols=tile.n_cols,
                       tiles_per_router=hw.interconnect.tiles_per_router)

    trains = xb.trains
    xb_required = ("integration_ns", "read_energy_pj", *_COST)
    if trains:
        xb_required += ("pulse_ns", "update_setup_ns", "update_energy_pj", "update_line_energy_pj")
    xb = r.part(xb, ("crossbar",), "crossbar", ctx, required=xb_required,
                positive=("integration_ns", "read_energy_pj", "area_um2", "power_mw")
                + (("pulse_ns", "update_energy_pj") if trains else ()))
    xb = _converters(r, hw, xb)
    ctx = dataclasses.replace(ctx, integration_ns=float(xb.integration_ns))

    dac = r.part(tile.dac, ("tile", "dac"), "dac", ctx,
                 required=("bits", "rows_per_dac", "latency_ns", "energy_pj", *_COST),
                 positive=("energy_pj", "area_um2", "power_mw"))
    adc = r.part(tile.adc, ("tile", "adc"), "adc", ctx,
                 required=("bits", "columns_per_adc", "latency_ns", "energy_pj", *_COST),
                 positive=("latency_ns", "energy_pj", "area_um2", "power_mw"),
                 derived=({"latency_ns": (tile.adc.bits * tile.adc.ns_per_bit, "bits x ns_per_bit")}
                          if tile.adc.ns_per_bit is not None and tile.adc.bits is not None else None))
    digital: dict[str, DigitalUnitConfig] = {}
    for name, unit in tile.digital.items():
        derived: dict[str, tuple[float, str]] = {}
        if unit.lanes is not None:
            derived["throughput_ops_per_ns"] = (unit.lanes * clock_ghz, "lanes x chip.clock_freq_mhz")
        if unit.latency_cycles is not None:
            derived["latency_ns"] = (unit.latency_cycles / clock_ghz, "latency_cycles / chip.clock_freq_mhz")
        digital[name] = r.part(unit, ("tile", "digital", name), "digital", ctx,
                               required=("count", "throughput_ops_per_ns", "latency_ns", "energy_pj", *_COST),
                               positive=("energy_pj", "area_um2", "power_mw"), derived=derived)
    buf = tile.buffer
    bderived: dict[str, tuple[float, str]] = {}
    if buf.width_bits is not None and buf.ports is not None:
        bderived["bandwidth_gbps"] = (buf.width_bits * buf.ports * clock_ghz, "width_bits x ports x clock")
    if buf.latency_cycles is not None:
        bderived["latency_ns"] = (buf.latency_cycles / clock_ghz, "latency_cycles / chip.clock_freq_mhz")
    buffer = r.part(buf, ("tile", "buffer"), "buffer", ctx,
                    required=("count", "capacity_bytes", "bandwidth_gbps", "latency_ns", "read_energy_pj_per_bit",
                              "write_energy_pj_per_bit", *_COST),
                    positive=("read_energy_pj_per_bit", "write_energy_pj_per_bit", "area_um2", "power_mw"),
                    derived=bderived)
    components = {name: _component(r, part, ("tile", "components", name), ctx)
                  for name, part in tile.components.items()}
    chip_components = {name: _component(r, part, ("chip", "components", name), ctx)
                       for name, part in chip.components.items()}
    tile = dataclasses.replace(tile, dac=dac, adc=adc, digital=digital, buffer=buffer, components=components)
    chip = dataclasses.replace(chip, components=chip_components)

    ic = hw.interconnect
    router = ic.router
    if ic.has_routers:
        if ic.flit_bits is None:
            raise r.error(("interconnect",), "missing 'flit_bits': a hardware file states every quantity it relies on")
        router = r.part(router, ("interconnect", "router"), "router", ctx,
                        required=("energy_pj_per_bit", *_COST),
                        positive=("energy_pj_per_bit", "area_um2", "power_mw"),
                        extra={"flit_bits": float(ic.flit_bits)})
    offchip = r.part(hw.offchip, ("offchip",), "offchip", ctx,
                     required=("bandwidth_gbps", "latency_ns", "energy_pj_per_bit", *_COST),
                     positive=("bandwidth_gbps", "energy_pj_per_bit"))
    partial = dataclasses.replace(hw, chip=chip, tile=tile, crossbar=xb,
                                  interconnect=dataclasses.replace(ic, router=router), offchip=offchip)
    ic = _interconnect(r, partial, ctx)
    out = dataclasses.replace(partial, interconnect=ic)
    object.__setattr__(out, "provenance", dict(sorted(r.prov.items())))
    return out


def _component(r: _Resolver, part: ComponentConfig, path: Path_, ctx: ModelContext) -> ComponentConfig:
    used = part.count is None or part.count > 0
    resolved = r.part(part, path, "component", ctx, required=("count", *_COST),
                      positive=("area_um2", "power_mw") if used else ())
    if resolved.energy_pj is not None and not resolved.follows:
        raise r.error(path + ("energy_pj",), "an energy without 'follows': this action would never be charged",
                      hint="name the engine counts it follows, e.g. follows: [adc.convert], and actions_per_count")
    if resolved.follows and resolved.energy_pj is None:
        raise r.error(path + ("follows",), "'follows' without an energy_pj: the action would be unpriced",
                      hint="give energy_pj (pJ per action) with its source")
    if resolved.follows and resolved.actions_per_count is None:
        raise r.error(path, "missing 'actions_per_count': how many actions per followed count",
                      hint="e.g. 1 for one sample per ADC conversion")
    if resolved.follows and used and resolved.energy_pj <= 0:
        raise r.error(path + ("energy_pj",), f"expected a value > 0 on a used part, got {resolved.energy_pj:g}")
    return resolved


def _interconnect(r: _Resolver, hw: HardwareConfig, ctx: ModelContext) -> Any:
    ic = hw.interconnect
    path: Path_ = ("interconnect",)
    values: dict[str, Any] = {}
    for name in ("flit_bits", "link_freq_mhz", "link_bandwidth_gbps", "hop_latency_ns", "energy_pj_per_bit_hop"):
        if getattr(ic, name) is not None:
            r.prov[f"interconnect.{name}"] = "explicit"
    if ic.link_bandwidth_gbps is None and ic.flit_bits is not None and ic.link_freq_mhz is not None:
        values["link_bandwidth_gbps"] = ic.flit_bits * ic.link_freq_mhz / 1000.0
        r.prov["interconnect.link_bandwidth_gbps"] = "derived: flit_bits x link_freq_mhz"
    if ic.link_model is not None:
        try:
            model = MODELS[ic.link_model]
        except ConfigError as exc:
            raise r.error(path + ("link_model",), exc.message, hint=exc.hint) from None
        if model.part != "link":
            raise r.error(path + ("link_model",), f"model {ic.link_model!r} computes a {model.part}, not a link",
                          hint="models for a link: " + ", ".join(models_for("link")))
        tile_area = hw.area_um2("tile")
        try:
            out = model(ModelInput(fields={}, params=dict(ic.link_params),
                                   ctx=dataclasses.replace(ctx, tile_area_um2=tile_area)))
        except ModelRangeError as exc:
            raise r.error(path + ("link_params",), f"model {ic.link_model}: {exc}", hint=model.source) from None
        for name, value in out.items():
            if getattr(ic, name) is not None:
                r.prov[f"interconnect.{name}"] = f"explicit (model {model.name} gives {value:.6g})"
            else:
                values[name] = value
                r.prov[f"interconnect.{name}"] = f"model {model.name}"
    elif ic.link_params:
        raise r.error(path + ("link_params",), "link_params given without a link_model",
                      hint="name the model they are for in 'link_model:'")
    resolved = dataclasses.replace(ic, **values) if values else ic
    for name in ("link_bandwidth_gbps", "hop_latency_ns", "energy_pj_per_bit_hop"):
        if getattr(resolved, name) is None:
            hint = {"link_bandwidth_gbps": "or flit_bits and link_freq_mhz",
                    "energy_pj_per_bit_hop": "or link_model: link.wire with link_params"}.get(name)
            raise r.error(path, f"missing {name!r}: a hardware file states every quantity it relies on",
                          hint=f"add '{name}:' with its source" + (f", {hint}" if hint else ""))
    return resolved


def _converters(r: _Resolver, hw: HardwareConfig, xb: CrossbarConfig) -> CrossbarConfig:
    """Rule 4: ``out_res`` <-> ``tile.adc.bits`` and ``inp_res`` <-> input precision, both directions."""
    rpu = xb.rpu
    adc_bits, dac_bits, in_bits = hw.tile.adc.bits, hw.tile.dac.bits, xb.input_bits
    updates: dict[str, Any] = {}
    for direction in ("forward", "backward"):
        io = getattr(rpu, direction)
        if io.is_perfect:
            continue
        base: Path_ = ("crossbar", "rpu", direction)
        changes: dict[str, float] = {}
        for res_name, bits, bits_path, what in (
                ("out_res", adc_bits, ("tile", "adc", "bits"), "ADC"),
                ("inp_res", in_bits if in_bits is not None else dac_bits,
                 ("crossbar", "input_bits") if in_bits is not None else ("tile", "dac", "bits"), "input")):
            res = getattr(io, res_name)
            stated = r.stated(base + (res_name,))
            key = dotted(base + (res_name,))
            if bits is None:
                continue  # the converter's own missing-field check names it
            if bits < 2:
                raise r.error(bits_path, f"a {bits}-bit {what} cannot set the numerics' {res_name} "
                                         f"(aihwkit's 1/(2^bits - 2))",
                              hint="stream wider inputs bit-serially with crossbar.input_bits")
            if stated:
                implied = res_bits(res)
                if implied is None or abs(implied - bits) > 0.05:
                    got = "quantisation off" if implied is None else f"{implied:.3g} bits"
                    raise r.error(base + (res_name,),
                                  f"{res_name} {res:g} ({got}) contradicts {dotted(bits_path)} = {bits}: the "
                                  f"numerics and the hardware would model different converters",
                                  hint=f"leave {res_name} out (it follows {dotted(bits_path)}) or set it to "
                                       f"{resolution_of_bits(bits):.10g}")
                r.prov[key] = f"explicit (agrees with {dotted(bits_path)})"
            else:
                changes[res_name] = resolution_of_bits(bits)
                r.prov[key] = f"derived: 1 / (2^{dotted(bits_path)} - 2)"
        if changes:
            updates[direction] = dataclasses.replace(io, **changes)
    if not updates:
        return xb
    return dataclasses.replace(xb, rpu=dataclasses.replace(rpu, **updates))


# -- output ------------------------------------------------------------------------------------------------------


def dump_resolved(hw: HardwareConfig) -> str:
    """``hwconfig.resolved.yaml``: the resolved configuration with the provenance of each value as a comment."""
    from archsim.loader import dump_yaml

    lines = dump_yaml(hw).splitlines()
    stack: list[tuple[int, str]] = []
    out = []
    for line in lines:
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped.startswith("- ") or ":" not in stripped:
            out.append(line)
            continue
        key = stripped.split(":", 1)[0].strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([k for _, k in stack] + [key])
        rest = stripped.split(":", 1)[1].strip()
        if rest == "":
            stack.append((indent, key))
            out.append(line)
            continue
        note = hw.provenance.get(path)
        out.append(f"{line}  # {note}" if note else line)
    return "\n".join(out) + "\n"



def provenance_summary(hw: HardwareConfig) -> dict[str, Any]:
    """A section for ``archsim validate`` and the report: which model produced which fields, which stated values
    override a model (with the model's value), and what was derived."""
    models: dict[str, list[str]] = {}
    overrides: dict[str, str] = {}
    derived: dict[str, str] = {}
    for path, how in hw.provenance.items():
        if how.startswith("model "):
            models.setdefault(how.removeprefix("model "), []).append(path)
        elif how.startswith("explicit (model "):
            overrides[path] = how.removeprefix("explicit (").removesuffix(")")
        elif how.startswith("derived: "):
            derived[path] = how.removeprefix("derived: ")
    return {"models": models, "explicit_over_model": overrides, "derived": derived}
