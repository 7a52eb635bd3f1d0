"""Physical units: parse ``"80 ns"``, ``"2 mW"``, ``"0.0012 mm^2"``, ``"64 KiB"`` into a field's unit.

Every physical field of an archsim config names its unit in its suffix (``latency_ns``, ``energy_pj``,
``area_um2``, ``bandwidth_gbps``, ``capacity_bytes``, ``clock_freq_mhz``, ``energy_pj_per_bit``). In YAML
such a field takes either a bare number, read in that unit, or a string ``"<number> <unit>"`` that this
module converts. Internally every value stays in the unit its field name states; nothing is kept in SI.

The model: a unit is a scale factor to SI times a *dimension*, a vector of exponents over the base
quantities time (s), energy (J), length (m) and information (bit). Counts (operations, samples, cells,
pulses, flits, hops) are dimensionless, so ``"1.28 GS/s"`` is a frequency and ``"4 op/ns"`` a rate.
A unit string is one term or ``numerator/denominator`` (``pJ/bit``, ``GB/s``), where a term is an SI
prefix plus a base symbol with an optional exponent (``mm^2``, ``um2``, ``µm²``).

Conventions (stated because each is a classic source of factor-of-1000 slips):

* ``B`` is a byte (8 bit), ``b`` and ``bit`` a bit. ``Gb/s`` and ``Gbps`` are gigabits per second;
  ``GB/s`` gigabytes per second.
* For capacities, ``KB``/``MB``/``GB`` are binary (1024-based, the JEDEC memory convention used by ISAAC's
  "64 KB eDRAM"), exactly like ``KiB``/``MiB``/``GiB``; ``kB`` (lower-case k) is 1000 bytes. Rates
  (``GB/s``) are always decimal.
* ``W`` is power (J/s); ``Hz`` and ``S/s`` are 1/s.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from archsim.errors import ConfigError

__all__ = [
    "Unit",
    "convert",
    "field_unit",
    "parse_quantity",
    "parse_unit",
    "to_field_unit",
]

# Dimension vectors: (time, energy, length, information).
_T = (1, 0, 0, 0)
_E = (0, 1, 0, 0)
_L = (0, 0, 1, 0)
_I = (0, 0, 0, 1)
_NONE = (0, 0, 0, 0)


def _mul(a: tuple[int, ...], b: tuple[int, ...], sign: int = 1) -> tuple[int, ...]:
    return tuple(x + sign * y for x, y in zip(a, b, strict=True))


def _pow(a: tuple[int, ...], n: int) -> tuple[int, ...]:
    return tuple(x * n for x in a)


_DIM_NAMES = {
    _T: "time", _E: "energy", _L: "length", _I: "information", _NONE: "dimensionless",
    _pow(_T, -1): "frequency", _mul(_E, _T, -1): "power", _pow(_L, 2): "area",
    _mul(_I, _T, -1): "bandwidth", _mul(_E, _I, -1): "energy per bit",
}


@dataclass(frozen=True)
class Unit:
    """A parsed unit: ``factor`` converts a value in this unit to SI; ``dim`` is its dimension vector."""

    factor: float
    """Multiply a value in this unit by ``factor`` to get SI (s, J, m, bit, and products of them)."""
    dim: tuple[int, ...]
    """Exponents over (time, energy, length, information)."""

    @property
    def dimension_name(self) -> str:
        """A readable name of the dimension (``time``, ``power``, ...)."""
        return _DIM_NAMES.get(self.dim, str(self.dim))


_PREFIX = {"": 1.0, "a": 1e-18, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6,
           "m": 1e-3, "c": 1e-2, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}

# Base symbols: symbol -> (factor to SI, dimension, prefixes allowed)
_BASE: dict[str, tuple[float, tuple[int, ...], bool]] = {
    "s": (1.0, _T, True),
    "sec": (1.0, _T, False),
    "Hz": (1.0, _pow(_T, -1), True),
    "J": (1.0, _E, True),
    "W": (1.0, _mul(_E, _T, -1), True),
    "m": (1.0, _L, True),
    "bit": (1.0, _I, True),
    "bits": (1.0, _I, True),
    "b": (1.0, _I, True),
    "B": (8.0, _I, True),
    "byte": (8.0, _I, True),
    "bytes": (8.0, _I, True),
    "op": (1.0, _NONE, True),
    "ops": (1.0, _NONE, True),
    "OP": (1.0, _NONE, True),
    "OPS": (1.0, _pow(_T, -1), True),  # operations per second (GOPS, TOPS)
    "S": (1.0, _NONE, True),  # samples (GS/s)
    "cell": (1.0, _NONE, False),
    "pulse": (1.0, _NONE, False),
    "flit": (1.0, _NONE, False),
    "hop": (1.0, _NONE, False),
}

# Whole-symbol special cases checked before prefix splitting.
_SPECIAL: dict[str, tuple[float, tuple[int, ...]]] = {
    "KiB": (8.0 * 2**10, _I), "MiB": (8.0 * 2**20, _I), "GiB": (8.0 * 2**30, _I), "TiB": (8.0 * 2**40, _I),
    "Kib": (2.0**10, _I), "Mib": (2.0**20, _I), "Gib": (2.0**30, _I),
    "KB": (8.0 * 2**10, _I), "MB": (8.0 * 2**20, _I), "GB": (8.0 * 2**30, _I), "TB": (8.0 * 2**40, _I),
    "kB": (8.0e3, _I),
    "bps": (1.0, _mul(_I, _T, -1)), "kbps": (1e3, _mul(_I, _T, -1)), "Kbps": (1e3, _mul(_I, _T, -1)),
    "Mbps": (1e6, _mul(_I, _T, -1)), "Gbps": (1e9, _mul(_I, _T, -1)), "Tbps": (1e12, _mul(_I, _T, -1)),
    "min": (60.0, _T), "h": (3600.0, _T),
}

# Rates are decimal: "GB/s" is 1e9 bytes per second, not 2^30.
_DECIMAL_BYTES = {"kB": 8.0e3, "KB": 8.0e3, "MB": 8.0e6, "GB": 8.0e9, "TB": 8.0e12}

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def _parse_term(term: str, *, denominator_is_time: bool = False) -> tuple[float, tuple[int, ...]]:
    text = term.strip()
    if not text:
        raise ValueError("empty unit")
    exponent = 1
    match = re.match(r"^(.*?)(?:\^(-?\d+)|([²³])|(?<=[a-zA-Zµμ])(2|3))$", text)
    if match and match.group(1):
        text = match.group(1)
        exp_text = match.group(2) or match.group(3) or match.group(4)
        exponent = {"²": 2, "³": 3}.get(exp_text) or int(exp_text)
    if denominator_is_time and text in _DECIMAL_BYTES:
        return _DECIMAL_BYTES[text] ** exponent, _pow(_I, exponent)
    if text in _SPECIAL:
        factor, dim = _SPECIAL[text]
        return factor**exponent, _pow(dim, exponent)
    if text in _BASE:
        factor, dim, _ = _BASE[text]
        return factor**exponent, _pow(dim, exponent)
    prefix, base = text[:1], text[1:]
    if prefix in _PREFIX and base in _BASE and _BASE[base][2]:
        factor, dim, _ = _BASE[base]
        return (_PREFIX[prefix] * factor) ** exponent, _pow(dim, exponent)
    raise ValueError(f"unknown unit {term.strip()!r}")


def parse_unit(text: str) -> Unit:
    """Parse a unit string such as ``ns``, ``mm^2``, ``pJ/bit``, ``GB/s`` or ``GS/s``.

    Raises:
        ConfigError: if the unit is not known.
    """
    parts = text.replace("per ", "/").split("/")
    if len(parts) > 2 or (len(parts) == 1 and not parts[0].strip()):
        raise ConfigError(f"cannot parse unit {text!r}", hint="write e.g. 'ns', 'mW', 'mm^2', 'pJ/bit', 'GB/s'")
    try:
        if parts[0].strip() in ("", "1"):
            num_factor, num_dim = 1.0, _NONE
        else:
            num_factor, num_dim = _parse_term(parts[0], denominator_is_time=len(parts) == 2)
        if len(parts) == 2:
            den_factor, den_dim = _parse_term(parts[1])
            if den_dim != _T:  # KB in a numerator over a non-time unit keeps the capacity convention
                num_factor, num_dim = (_parse_term(parts[0]) if parts[0].strip() not in ("", "1")
                                       else (1.0, _NONE))
            return Unit(num_factor / den_factor, _mul(num_dim, den_dim, -1))
        return Unit(num_factor, num_dim)
    except ValueError as exc:
        raise ConfigError(f"cannot parse unit {text!r}: {exc}",
                          hint="known units include s, ms, us, ns, ps, Hz, MHz, GHz, J, pJ, fJ, W, mW, uW, "
                               "um^2, mm^2, nm, bit, B, KiB, MiB, Gb/s, GB/s, pJ/bit, GS/s") from None


def parse_quantity(text: str) -> tuple[float, Unit]:
    """Split ``"80 ns"`` into ``(80.0, Unit(ns))``.

    Raises:
        ConfigError: if the text is not a number followed by a known unit.
    """
    match = _NUMBER.match(text)
    if not match or not match.group(2):
        raise ConfigError(f"cannot read {text!r} as a number with a unit",
                          hint="write a number and a unit separated by a space, e.g. '80 ns' or '2 mW'")
    return float(match.group(1)), parse_unit(match.group(2))


# Unit tokens recognised in field names (a token between underscores) and the unit they denote.
_FIELD_TOKENS = {
    "s": "s", "ms": "ms", "us": "us", "ns": "ns", "ps": "ps", "fs": "fs",
    "hz": "Hz", "khz": "kHz", "mhz": "MHz", "ghz": "GHz",
    "j": "J", "mj": "mJ", "uj": "uJ", "nj": "nJ", "pj": "pJ", "fj": "fJ",
    "w": "W", "mw": "mW", "uw": "uW", "nw": "nW",
    "m": "m", "mm": "mm", "um": "um", "nm": "nm",
    "m2": "m^2", "mm2": "mm^2", "um2": "um^2", "nm2": "nm^2",
    "bits": "bit", "bytes": "B", "kib": "KiB", "mib": "MiB",
    "bps": "bit/s", "kbps": "kbps", "mbps": "Mbps", "gbps": "Gbps", "tbps": "Tbps",
}
# Single-letter tokens are ambiguous in names such as ``w_min`` (a weight bound) and are only accepted as the
# final token of a name that has another unit-like part before it; in practice archsim never uses them.
_AMBIGUOUS = {"s", "j", "w", "m"}
_PER_TOKENS = {"bit": "bit", "byte": "B", "ns": "ns", "us": "us", "ps": "ps", "s": "s", "cycle": None}


def field_unit(name: str) -> str | None:
    """The unit a field's name declares, or None for a dimensionless field.

    The unit is a token of the snake_case name that is either the last token (``latency_ns``,
    ``area_um2``) or followed by ``per``: ``energy_pj_per_bit`` is pJ/bit, ``energy_pj_per_bit_hop`` is
    pJ/bit (hops are counts), ``energy_pj_per_pulse`` is pJ. A trailing ``per_<time>`` makes a rate:
    ``throughput_ops_per_ns`` is 1/ns. ``nm_thres`` has no unit (``nm`` is not last).
    """
    tokens = name.lower().split("_")
    for i, token in enumerate(tokens):
        if token not in _FIELD_TOKENS:
            continue
        last = i == len(tokens) - 1
        if token in _AMBIGUOUS:
            continue
        if last:
            if i >= 1 and tokens[i - 1] == "per":
                return "1/" + _FIELD_TOKENS[token]
            return _FIELD_TOKENS[token]
        if tokens[i + 1] == "per":
            unit = _FIELD_TOKENS[token]
            if i + 2 < len(tokens) and tokens[i + 2] in ("bit", "byte"):
                unit += "/" + _PER_TOKENS[tokens[i + 2]]
            return unit
    return None


def convert(value: float, from_unit: Unit, to_unit: Unit, *, what: str = "value") -> float:
    """Convert ``value`` between two units of the same dimension.

    Raises:
        ConfigError: if the dimensions differ (e.g. a time given for an energy).
    """
    if from_unit.dim != to_unit.dim:
        raise ConfigError(f"{what}: expected a {to_unit.dimension_name}, got a {from_unit.dimension_name}")
    return value * from_unit.factor / to_unit.factor


def to_field_unit(text: str, field_name: str) -> float:
    """Convert a string quantity such as ``"80 ns"`` into the unit named by ``field_name``'s suffix.

    Raises:
        ConfigError: if the field has no unit, the text cannot be parsed, the dimensions differ, or the
            result is not finite.
    """
    unit = field_unit(field_name)
    if unit is None:
        raise ConfigError(f"cannot give a unit to the dimensionless field {field_name!r} (got {text!r})",
                          hint="write a plain number")
    value, given = parse_quantity(text)
    target = parse_unit(unit)
    if given.dim != target.dim:
        raise ConfigError(f"expected a {target.dimension_name} in {unit}, got {text!r} (a {given.dimension_name})")
    result = value * given.factor / target.factor
    if not math.isfinite(result):
        raise ConfigError(f"{text!r} is not a finite quantity")
    # Round away float noise from the conversion (e.g. 0.0012 mm^2 -> 1200.0000000000002 um^2).
    return float(f"{result:.12g}")
