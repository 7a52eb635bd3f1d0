"""Loading hardware descriptions (``hwconfigs/*.yaml``) with the project's one strict loader (:mod:`archsim.loader`).

:func:`load_hardware` reads a file (or a bundled name such as ``isaac-2016``; ``extends:`` expanded by the loader),
applies ``--set`` overrides, builds the :class:`~archsim.hwconfig.schema.HardwareConfig`, resolves every physical
quantity (stated, derived or computed by a component model: :mod:`archsim.hwconfig.resolve`) and runs the
whole-config checks of :mod:`archsim.hwconfig.checks`. Every problem is one :class:`~archsim.errors.ConfigError`
line naming the file, line and YAML path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from archsim.errors import ConfigError
from archsim.hwconfig.checks import check_hardware
from archsim.hwconfig.resolve import resolve_hardware
from archsim.hwconfig.schema import HardwareConfig
from archsim.loader import HARDWARE, Source, apply_overrides, build_dataclass, parse_yaml, prepare_input
from archsim.loader.inputs import read_input

__all__ = ["load_hardware", "load_hardware_text"]


def _load(raw: Any, source: Source, overrides: Sequence[str]) -> HardwareConfig:
    if "version" not in raw:
        raise ConfigError(f"{source.name}:1: missing key 'version'", hint="add 'version: 1' at the top of the file")
    raw = apply_overrides(raw, overrides, source)
    hw = build_dataclass(raw, HardwareConfig, source)
    hw = resolve_hardware(hw, raw, source)
    check_hardware(hw, where=source.name)
    return hw


def load_hardware(path: str | Path, overrides: Sequence[str] = ()) -> HardwareConfig:
    """Load, validate, resolve and check a hardware description.

    Raises:
        ConfigError: on any problem in the file or the overrides (file, line, YAML path in the message).
    """
    raw, source = read_input(path, HARDWARE)
    return _load(raw, source, overrides)


def load_hardware_text(text: str, overrides: Sequence[str] = (), name: str = "<string>") -> HardwareConfig:
    """Like :func:`load_hardware` for YAML text (tests, notebooks)."""
    raw, source = prepare_input(*parse_yaml(text, name), HARDWARE)
    return _load(raw, source, overrides)
