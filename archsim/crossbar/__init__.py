"""The functional ("values") half of archsim: numerically faithful analog tiles (aihwkit semantics) in Numba.

Public entry points:

* :class:`AnalogTile` — forward/backward/update of one crossbar (``tile.py``), with :class:`TileStats`;
* :class:`DeviceArray` — weights + sampled device parameters (``devices.py``), the building block of compounds;
* :class:`IOPipeline` — the managed, noisy, quantised MVM for any matrix and IO parameters (``io.py``);
* :func:`pulsed_update` — the stochastic pulsed update of a device array (``update.py``);
* :func:`register_algorithm` / :class:`TileContext` / :data:`ALGORITHMS` — the registry through which training
  algorithms (``archsim.crossbar.algorithms``, one module per family) plug into a tile.
"""

from archsim.crossbar.algorithms import SGDAlgorithm
from archsim.crossbar.context import ALGORITHMS, TileAlgorithm, TileContext, TileStats, register_algorithm
from archsim.crossbar.devices import DeviceArray, weight_granularity
from archsim.crossbar.io import IOPipeline, MVMResult, NoiseManagementState, new_key
from archsim.crossbar.tile import AnalogTile
from archsim.crossbar.update import UpdateResult, pulse_schedule, pulsed_update

__all__ = [
    "ALGORITHMS",
    "AnalogTile",
    "DeviceArray",
    "IOPipeline",
    "MVMResult",
    "NoiseManagementState",
    "SGDAlgorithm",
    "TileAlgorithm",
    "TileContext",
    "TileStats",
    "UpdateResult",
    "new_key",
    "pulse_schedule",
    "pulsed_update",
    "register_algorithm",
    "weight_granularity",
]
