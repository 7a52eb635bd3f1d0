"""archsim: a simulator for analog in-memory-computing accelerators built from resistive crossbars.

Values (a Numba functional crossbar core with aihwkit semantics) and time/energy (a SimPy event engine) are two
models joined by one immutable Mapping (see README.md and docs/architecture.md).

Public API:

* :func:`load_hardware` (``hwconfigs/*.yaml`` → :class:`~archsim.hwconfig.schema.HardwareConfig`)
* :func:`load_workload` (``workloads/*.yaml`` → :class:`~archsim.workload.model.Workload`)
* :mod:`archsim.api` — ``RunOptions`` and ``run``: the run pipeline every command uses (imports the engine and the
  numerics, so it is a separate import)
"""

from __future__ import annotations

__version__ = "0.1.0"

from archsim.hwconfig.load import load_hardware  # noqa: E402 - __version__ first: submodules read it
from archsim.workload.load import load_workload  # noqa: E402

__all__ = ["__version__", "load_hardware", "load_workload"]
