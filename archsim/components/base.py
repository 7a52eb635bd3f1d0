"""The contract of a component cost model: named, documented, with the range of every parameter it accepts.

A :class:`CostModel` turns the parameters of one hardware part (its own schema fields, its ``params:`` mapping and
the chip context: technology node, clock, crossbar geometry) into the physical figures the cost model and the engine
need (``energy_pj``, ``latency_ns``, ``area_um2``, ``leakage_mw``, ``power_mw``, ...). Models register themselves in
:data:`archsim.components.MODELS` by name (``adc.survey``); the hardware schema names them in ``model:``. A value the
hardware file states explicitly wins over the model (the resolution records both, see
:mod:`archsim.hwconfig.resolve`).

A parameter outside the range the model was built for is a :class:`ModelRangeError`, never a silent extrapolation;
the resolution turns it into a one-line :class:`~archsim.errors.ConfigError` naming file, line and YAML path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["CostModel", "ModelContext", "ModelInput", "ModelRangeError", "Param", "dynamic_mw", "from_power_model",
           "in_range", "stated"]


class ModelRangeError(ValueError):
    """A model parameter is missing or outside the model's valid range."""

    def __init__(self, param: str, value: object, valid: str) -> None:
        self.param = param
        """The parameter (schema field name, ``params.NAME`` or a chip field such as ``chip.technology_nm``)."""
        self.value = value
        """The value given (None when it is missing)."""
        self.valid = valid
        """The valid range, in words (``4 <= bits <= 17``)."""
        got = "missing" if value is None else f"got {value:g}" if isinstance(value, (int, float)) else f"got {value!r}"
        super().__init__(f"{param}: {got}; valid: {valid}")


@dataclass(frozen=True, kw_only=True)
class ModelContext:
    """Chip-level facts a component model may use (all resolved before the parts are)."""

    technology_nm: float
    """Technology node of the chip (nm)."""
    clock_freq_mhz: float
    """Digital clock (MHz)."""
    n_rows: int
    """Rows of one crossbar."""
    n_cols: int
    """Columns of one crossbar."""
    integration_ns: float | None = None
    """Forward integration time of one crossbar read (ns), once the crossbar is resolved."""
    tile_area_um2: float | None = None
    """Area of one tile (µm²), once every tile part is resolved (for wire lengths)."""
    tiles_per_router: int = 1
    """Tiles sharing one router."""

    @property
    def cycle_ns(self) -> float:
        """One clock period (ns)."""
        return 1000.0 / self.clock_freq_mhz


@dataclass(frozen=True, kw_only=True)
class ModelInput:
    """What a model sees: the part's stated numeric fields, its ``params:`` mapping and the chip context."""

    fields: Mapping[str, float]
    """The part's numeric schema fields that the hardware file states (None-valued fields left out)."""
    params: Mapping[str, float]
    """The part's ``params:`` mapping (model-specific inputs)."""
    ctx: ModelContext
    """Chip context."""

    def field(self, name: str, valid: str) -> float:
        """A stated schema field the model needs; :class:`ModelRangeError` when it is missing."""
        if name not in self.fields:
            raise ModelRangeError(name, None, valid)
        return float(self.fields[name])

    def param(self, name: str, valid: str) -> float:
        """A ``params.NAME`` entry the model needs; :class:`ModelRangeError` when it is missing."""
        if name not in self.params:
            raise ModelRangeError(f"params.{name}", None, valid)
        return float(self.params[name])


@dataclass(frozen=True, kw_only=True)
class Param:
    """One ``params:`` entry a model accepts, with its valid range."""

    name: str
    """Key in ``params:`` (units in the name, e.g. ``read_voltage_v``)."""
    minimum: float
    """Smallest valid value (inclusive)."""
    maximum: float
    """Largest valid value (inclusive)."""
    doc: str
    """What it is."""

    def check(self, value: float) -> float:
        """``value`` if it lies in range, else :class:`ModelRangeError`."""
        return in_range(f"params.{self.name}", value, self.minimum, self.maximum)


def dynamic_mw(inp: ModelInput, what: str) -> float:
    """The dynamic part of a stated full-activity power: ``power_mw - leakage_mw`` (leakage 0 when not stated).

    The ``*.from_power`` models charge it per action; the static part is charged separately as leakage over the
    makespan, so the two never count the same power twice.
    """
    power = inp.field("power_mw", what)
    leak = float(inp.fields.get("leakage_mw", 0.0))
    if leak > power:
        raise ModelRangeError("leakage_mw", leak, f"leakage_mw <= power_mw ({power:g} mW)")
    return power - leak


def in_range(name: str, value: float, minimum: float, maximum: float, unit: str = "") -> float:
    """``value`` if ``minimum <= value <= maximum`` (and finite), else :class:`ModelRangeError`."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and minimum <= value <= maximum):
        raise ModelRangeError(name, value, f"{minimum:g} <= {name.rsplit('.', 1)[-1]} <= {maximum:g}{unit}")
    return float(value)


@dataclass(frozen=True, kw_only=True)
class CostModel:
    """A named component model.

    ``compute(inp)`` returns the figures it produces (a subset of ``produces``; schema field names in the part's
    units). It raises :class:`ModelRangeError` for a missing input or one outside its range.
    """

    name: str
    """Registry name (``adc.survey``)."""
    part: str
    """The schema part kind it serves: ``adc``, ``dac``, ``crossbar``, ``digital``, ``buffer``, ``router``, ``link``,
    ``offchip`` or ``component``."""
    produces: tuple[str, ...]
    """Schema fields it computes."""
    compute: Callable[[ModelInput], dict[str, float]]
    """The model."""
    source: str
    """Where its formula comes from (paper, survey, library)."""
    params: tuple[Param, ...] = field(default=())
    """The ``params:`` entries it accepts."""

    def __call__(self, inp: ModelInput) -> dict[str, float]:
        known = {p.name: p for p in self.params}
        for key, value in inp.params.items():
            if key not in known:
                valid = ", ".join(known) or "none"
                raise ModelRangeError(f"params.{key}", value, f"model {self.name} takes params: {valid}")
            known[key].check(value)
        out = self.compute(inp)
        for key, value in out.items():
            if not math.isfinite(value) or value < 0:
                raise ModelRangeError(key, value, f"a finite value >= 0 from model {self.name}")
        return out


def stated(name: str, valid: str) -> Callable[[ModelInput], float]:
    """The reader of a stated schema field a model needs (:meth:`ModelInput.field` with its description)."""

    def read(inp: ModelInput) -> float:
        return inp.field(name, valid)

    return read


def from_power_model(*, name: str, part: str, produces: tuple[str, ...], what: str, source: str,
                     duration_ns: Callable[[ModelInput], float] | None = None,
                     rate_per_ns: Callable[[ModelInput], float] | None = None) -> CostModel:
    """A ``*.from_power`` model: the dynamic part of a stated full-activity power (:func:`dynamic_mw`; ``what``
    says which power) charged per action, over the action's duration (``duration_ns``: energy = P·t, mW·ns = pJ)
    or as its share of the actions the part completes per ns at full activity (``rate_per_ns``: energy = P / rate).
    Every field of ``produces`` gets that energy."""
    if (duration_ns is None) == (rate_per_ns is None):
        raise ValueError(f"{name}: give exactly one of duration_ns and rate_per_ns")

    def compute(inp: ModelInput) -> dict[str, float]:
        power = dynamic_mw(inp, what)
        if duration_ns is not None:
            energy = power * duration_ns(inp)
        else:
            assert rate_per_ns is not None
            energy = power / rate_per_ns(inp)
        return dict.fromkeys(produces, energy)

    return CostModel(name=name, part=part, produces=produces, compute=compute, source=source)
