"""archsim: a simulator for analog in-memory-computing accelerators built from resistive crossbars.

Values (a Numba functional crossbar core with aihwkit semantics) and time/energy (a SimPy event engine)
are two models joined by one immutable Mapping. See README.md and ../shared/DESIGN.md.

Public API (lazily imported so that ``import archsim`` stays cheap):

* :func:`load_hardware` (``hwconfigs/*.yaml`` → :class:`~archsim.hwconfig.schema.HardwareConfig`)
* :func:`load_workload` (``workloads/*.yaml`` → :class:`~archsim.workload.model.Workload`)
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_hardware", "load_workload"]

_LAZY = {
    "load_hardware": ("archsim.hwconfig.load", "load_hardware"),
    "load_workload": ("archsim.workload.load", "load_workload"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'archsim' has no attribute {name!r}")
