"""RAPA's n_t-fold acceleration (Rasch, Gokmen, Rigotti & Haensch, Front. Neurosci. 13:753, 2019).

With ``n_t`` kernel replicas a convolution needs ``ceil(n_p / n_t)`` sequential MVMs per array instead of ``n_p``.
With layer pipelining the network is paced by its slowest layer (the paper's n_t-fold figure); without it the
layers' sequential MVMs add up. Both are reported next to the event engine's measured throughput ratio.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass


@dataclass(frozen=True, kw_only=True)
class RapaCheck:
    """RAPA acceleration from replicas: sequential MVMs per sample per array, with and without."""

    vectors: dict[str, int]
    """Patches n_p per analog layer."""
    replicas: dict[str, int]
    """Kernel replicas n_t per analog layer."""
    pipelined_speedup: float
    """max_l n_p / max_l ceil(n_p/n_t): the paper's n_t-fold figure (layer pipelining)."""
    sequential_speedup: float
    """sum_l n_p / sum_l ceil(n_p/n_t): without layer pipelining."""
    simulated_speedup: float | None = None
    """The event engine's makespan ratio (no replicas / replicas), when it was run."""

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)

    def lines(self) -> list[str]:
        """Human-readable lines for the speedup output."""
        nts = [self.replicas.get(k, 1) for k in self.vectors]
        nps = list(self.vectors.values())
        if len(nps) <= 8:
            what = f"n_p = ({', '.join(map(str, nps))}), n_t = ({', '.join(map(str, nts))})"
        else:
            what = (
                f"{len(nps)} layers, n_p {min(nps)}..{max(nps)}, n_t {min(nts)}..{max(nts)} "
                f"(bottleneck {max(nps)} -> {max(math.ceil(p / t) for p, t in zip(nps, nts))} MVMs)"
            )
        line = (
            f"RAPA n_t-fold (Rasch et al. 2019): {what} -> pipelined (bottleneck) "
            f"speed-up {self.pipelined_speedup:.1f}x, unpipelined (sum of layers) {self.sequential_speedup:.1f}x"
        )
        if self.simulated_speedup is not None:
            line += f"; event engine (throughput ratio, incl. digital and transfers) {self.simulated_speedup:.1f}x"
        return [line]


def rapa_check(
    vectors: Mapping[str, int], replicas: Mapping[str, int], simulated_speedup: float | None = None
) -> RapaCheck:
    """Analytic RAPA speed-up for layers with ``vectors[layer]`` patches and ``replicas[layer]`` copies."""
    seq_base = {k: int(v) for k, v in vectors.items()}
    seq_rep = {k: math.ceil(v / max(1, int(replicas.get(k, 1)))) for k, v in seq_base.items()}
    if not seq_base:
        return RapaCheck(vectors={}, replicas={}, pipelined_speedup=1.0, sequential_speedup=1.0)
    return RapaCheck(
        vectors=seq_base,
        replicas={k: int(replicas.get(k, 1)) for k in seq_base},
        pipelined_speedup=max(seq_base.values()) / max(seq_rep.values()),
        sequential_speedup=sum(seq_base.values()) / sum(seq_rep.values()),
        simulated_speedup=simulated_speedup,
    )
