"""The one import of the ``hwcomponents`` component library (Accelergy/CiMLoop project, MIT licence).

Importing ``hwcomponents`` configures Python's root logger (``logging.basicConfig`` plus level INFO when none is
set), which would make every library's INFO messages (Dask's, for one) appear on a user's terminal. This module
imports the pieces archsim uses and puts the root logger back as it was, so the side effect never leaks out.
"""

from __future__ import annotations

import logging

_root = logging.getLogger()
_handlers, _level = list(_root.handlers), _root.level
try:
    from hwcomponents.scaling import tech_node_area, tech_node_energy, tech_node_leak
    from hwcomponents_adc import ADC
finally:
    _root.handlers[:] = _handlers
    _root.setLevel(_level)

__all__ = ["ADC", "tech_node_area", "tech_node_energy", "tech_node_leak"]
