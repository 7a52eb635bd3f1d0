"""Training-algorithm (unit-cell / compound) configurations of a crossbar.

The crossbar's ``rpu.algorithm`` field selects how gradients reach the devices: plain analog SGD on
one device array, or one of the compounds of research/aihwkit-reference.md §4 (Tiki-Taka family,
mixed precision, vector/reference/one-sided unit cells). In YAML the member is chosen by ``kind:``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class SGDConfig:
    """Plain analog SGD: the gradient is applied as stochastic pulse trains to a single device array."""

    kind: str = "sgd"
    """Tag selecting this algorithm in YAML."""


#: The union of algorithm configurations the loader accepts for ``rpu.algorithm`` (tag: ``kind``).
AlgorithmConfig = SGDConfig
