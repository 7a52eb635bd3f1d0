"""Training algorithms of a tile, one module per family; importing this package registers them all in
:data:`archsim.crossbar.context.ALGORITHMS`.

* ``sgd`` — plain analog SGD on one device array;
* ``vector`` — vector unit cell (several devices per weight);
* ``reference`` — reference unit cell with zero-shifting;
* ``one_sided`` — one-sided unit cell with refresh;
* ``transfer`` — Tiki-Taka v1, TTv2, c-TTv2, AGAD;
* ``mixed_precision`` — digital accumulation with row-wise transfer.

A new algorithm is one module: its implementation class (the :class:`~archsim.crossbar.context.TileAlgorithm`
protocol) registered with :func:`~archsim.crossbar.context.register_algorithm` for its config dataclass (a subclass
of :class:`archsim.hwconfig.algorithms.AlgorithmConfig` registered in ``AlgorithmConfig.KINDS``, which makes it
loadable from YAML by ``kind:``), plus an import line here.
"""

from archsim.crossbar.algorithms.common import CompoundCounters, find_symmetry_point, threshold_buffer
from archsim.crossbar.algorithms.mixed_precision import MixedPrecisionCompound
from archsim.crossbar.algorithms.one_sided import OneSidedUnitCell
from archsim.crossbar.algorithms.reference import ReferenceUnitCell
from archsim.crossbar.algorithms.sgd import SGDAlgorithm
from archsim.crossbar.algorithms.transfer import (
    BufferedTransferCompound,
    ChoppedTransferCompound,
    DynamicTransferCompound,
    TransferCompound,
)
from archsim.crossbar.algorithms.vector import VectorUnitCell

__all__ = [
    "BufferedTransferCompound",
    "ChoppedTransferCompound",
    "CompoundCounters",
    "DynamicTransferCompound",
    "MixedPrecisionCompound",
    "OneSidedUnitCell",
    "ReferenceUnitCell",
    "SGDAlgorithm",
    "TransferCompound",
    "VectorUnitCell",
    "find_symmetry_point",
    "threshold_buffer",
]
