"""Loading hardware descriptions (``hwconfigs/*.yaml``) with the project's one strict loader (:mod:`archsim.loader`).

:func:`load_hardware` reads a file (or a bundled name such as ``isaac-2016``), applies ``--set`` overrides, builds
the :class:`~archsim.hwconfig.schema.HardwareConfig` and runs the whole-config checks of
:mod:`archsim.hwconfig.checks`. Every problem is one :class:`~archsim.errors.ConfigError` line naming the file,
line and YAML path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from archsim.errors import ConfigError
from archsim.hwconfig.checks import check_hardware
from archsim.hwconfig.schema import HardwareConfig
from archsim.loader import HARDWARE, apply_overrides, build_dataclass, load_yaml_as, parse_yaml, prepare_input

__all__ = ["load_hardware", "load_hardware_text"]


def load_hardware(path: str | Path, overrides: Sequence[str] = ()) -> HardwareConfig:
    """Load, validate and check a hardware description.

    Raises:
        ConfigError: on any problem in the file or the overrides (file, line, YAML path in the message).
    """
    hw = load_yaml_as(path, HardwareConfig, overrides, kind=HARDWARE)
    check_hardware(hw, where=str(path))
    return hw


def load_hardware_text(text: str, overrides: Sequence[str] = (), name: str = "<string>") -> HardwareConfig:
    """Like :func:`load_hardware` for YAML text (tests, notebooks)."""
    raw, source = prepare_input(*parse_yaml(text, name), HARDWARE)
    if "version" not in raw:
        raise ConfigError(f"{name}:1: missing key 'version'", hint="add 'version: 1' at the top of the file")
    raw = apply_overrides(raw, overrides, source)
    hw = build_dataclass(raw, HardwareConfig, source)
    check_hardware(hw, where=name)
    return hw
