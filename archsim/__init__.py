"""archsim: a simulator for analog in-memory-computing accelerators built from resistive crossbars.

Values (a Numba functional crossbar core with aihwkit semantics) and time/energy (a SimPy event engine)
are two models joined by one immutable Mapping. See README.md and ../shared/DESIGN.md.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
