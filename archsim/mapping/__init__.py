"""archsim.mapping: split, replicate and place every analog layer on the chip's tiles.

``map_workload(hw, workload, *, replicas=None | "auto" | {layer: n_t}, placement="greedy",
analog_bias=True) -> Mapping``. The conventions (matrix orientation, bias row, bit slices, differential
pairs, replicas) are documented in :mod:`archsim.mapping.model`.
"""

from archsim.mapping.mapper import ChipGeometry, geometry_from_hw, map_workload
from archsim.mapping.model import Block, LayerMapping, Mapping, TrafficEdge
from archsim.mapping.replicas import parse_replicas

__all__ = [
    "Block",
    "ChipGeometry",
    "LayerMapping",
    "Mapping",
    "TrafficEdge",
    "geometry_from_hw",
    "map_workload",
    "parse_replicas",
]
