"""Hardware section: the fields of the hardware description that differ from their defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.report.format import clip, fmt_value, get
from archsim.report.model import Section, Table, not_run, present


def build(result: Mapping[str, Any]) -> Section:
    """The hardware section."""
    hw = result.get("hardware")
    if not isinstance(hw, Mapping):
        return not_run("hardware", "Hardware", "the result has no hardware section")
    non_default = hw.get("non_default") or {}
    resolved = hw.get("resolved") or {}
    lines = []
    name = resolved.get("name") or get(result, "meta", "inputs", "hwconfig", "name")
    if name:
        lines.append(f"{name}: {resolved.get('description', '')}".rstrip(": "))
    rows = tuple(
        (str(k), clip(fmt_value(v)))
        for k, v in sorted(non_default.items())
        if k not in ("name", "description")
    )
    half = (len(rows) + 1) // 2 if len(rows) > 12 else len(rows)
    tables = tuple(
        Table(columns=("field", "value"), rows=part) for part in (rows[:half], rows[half:]) if part
    )
    if not rows:
        lines.append("All fields at their defaults.")
    return present("hardware", "Hardware (fields that differ from the defaults)", lines=lines, tables=tables)


