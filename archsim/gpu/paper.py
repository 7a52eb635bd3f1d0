"""Paper checks printed by ``archsim speedup``: analytic recomputations of published headline ratios.

1. **RPU headline** (Gokmen & Vlasov 2016, ``rpu-gokmen-vlasov-2016``): ≈30 000× faster than a
   state-of-the-art microprocessor and 84 000 GigaOps/s/W for a DNN with ~10⁹ weights. The paper's
   system numbers cannot be simulated; they are recomputed from the analytic model below, with every
   assumption a field of :class:`RPUHeadlineAssumptions` (printed with the result). A training sample
   costs each N×N array one forward and one backward integration (``t_mvm_ns`` each) and one
   stochastic update of ``bl`` pulses of ``t_pulse_ns``; each of the three cycles performs ``2·N²``
   operations (a multiply and an add per cross-point). All arrays holding the network's weights work
   in parallel (a pipelined fully-connected network, one sample per array cycle).
   Energy per sample and array: array read power ``N²·V²/R`` during both integrations, one
   ``periphery_pj_per_channel`` per row/column channel per integration (DAC/integrator/ADC), and
   ``update_pj_per_line_pulse`` per line per pulse during the update.
2. **RAPA n_t-fold acceleration** (Rasch et al. 2019, ``rapa-cnn3``): with ``n_t`` kernel replicas a
   convolution needs ``ceil(n_p / n_t)`` sequential MVMs per array instead of ``n_p``. With layer
   pipelining the network is paced by its slowest layer (the paper's n_t-fold figure); without it
   the layers' sequential MVMs add up (research/seed-papers.md §7.2 caveat). Both are reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass


@dataclass(frozen=True, kw_only=True)
class RPUHeadlineAssumptions:
    """Every input of the RPU-headline recomputation (research/seed-papers.md §0–§1)."""

    n_weights: float = 1e9
    """Network size the headline refers to (~10⁹ weights)."""
    array_size: int = 4096
    """RPU array side N (4096×4096, the paper's design point)."""
    t_mvm_ns: float = 80.0
    """Forward / backward integration time per MVM, independent of N."""
    bl: int = 10
    """Stochastic pulse-train length per update."""
    t_pulse_ns: float = 1.0
    """Duration of one update pulse."""
    cpu_gflops: float = 1548.8
    """Baseline microprocessor: 2016 Xeon E5-2699 v4, 22 cores × 2.2 GHz × 32 FP32 FLOP/cycle (peak)."""
    v_read_v: float = 1.0
    """Read voltage across a device during integration."""
    r_device_ohm: float = 24e6
    """Mean device resistance (paper: ~24 MΩ)."""
    periphery_pj_per_channel: float = 5.0
    """Energy per row/column channel per integration (DAC, integrator, 9-bit ADC) — assumption."""
    update_pj_per_line_pulse: float = 1.0
    """Energy to drive one row or column line for one update pulse — assumption."""
    paper_speedup: float = 30000.0
    """The paper's acceleration factor vs a microprocessor."""
    paper_gops_per_w: float = 84000.0
    """The paper's power efficiency, GigaOps/s/W."""


@dataclass(frozen=True, kw_only=True)
class RPUHeadline:
    """Result of the RPU-headline recomputation."""

    assumptions: RPUHeadlineAssumptions
    """The inputs."""
    n_arrays: int
    """Arrays holding the weights."""
    cycle_ns: float
    """Forward + backward + update time per sample per array."""
    ops_per_s: float
    """Network throughput (all arrays)."""
    speedup_vs_cpu: float
    """Throughput / CPU peak."""
    energy_pj_per_sample_per_array: float
    """Energy of one training sample on one array."""
    gops_per_w: float
    """Power efficiency, GigaOps/s/W."""

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        out = {k: v for k, v in asdict(self).items() if k != "assumptions"}
        out["assumptions"] = asdict(self.assumptions)
        return out

    def lines(self) -> list[str]:
        """Human-readable lines for the speedup output."""
        a = self.assumptions
        return [
            f"RPU headline (Gokmen & Vlasov 2016): recomputed speed-up vs CPU {self.speedup_vs_cpu:,.0f}x "
            f"(paper {a.paper_speedup:,.0f}x, ratio {self.speedup_vs_cpu / a.paper_speedup:.2f}); "
            f"efficiency {self.gops_per_w:,.0f} GigaOps/s/W (paper {a.paper_gops_per_w:,.0f}, "
            f"ratio {self.gops_per_w / a.paper_gops_per_w:.2f})",
            f"  assumptions: {a.n_weights:.0e} weights on {self.n_arrays} arrays of {a.array_size}x{a.array_size}, "
            f"all busy (pipelined FC network, batch 1); per sample and array: forward + backward "
            f"{a.t_mvm_ns:g} ns each + update {a.bl} pulses x {a.t_pulse_ns:g} ns = {self.cycle_ns:g} ns, "
            f"3 x 2N^2 ops; CPU = {a.cpu_gflops:,.0f} GFLOP/s peak (Xeon E5-2699 v4, 2016)",
            f"  energy: array N^2 V^2/R at V={a.v_read_v:g} V, R={a.r_device_ohm / 1e6:g} MOhm during both "
            f"integrations; {a.periphery_pj_per_channel:g} pJ per channel per integration (DAC+integrator+ADC); "
            f"{a.update_pj_per_line_pulse:g} pJ per line per update pulse -> "
            f"{self.energy_pj_per_sample_per_array / 1e3:,.0f} nJ per sample per array; no digital, "
            f"memory or I/O energy (the paper's system budget includes them, hence its lower efficiency)",
        ]


def rpu_headline(assumptions: RPUHeadlineAssumptions | None = None) -> RPUHeadline:
    """Recompute the RPU paper's headline numbers (see the module docstring)."""
    a = assumptions or RPUHeadlineAssumptions()
    n = a.array_size
    n_arrays = math.ceil(a.n_weights / (n * n))
    cycle_ns = 2 * a.t_mvm_ns + a.bl * a.t_pulse_ns
    ops_per_sample_array = 3 * 2 * n * n
    ops_per_s = n_arrays * ops_per_sample_array / (cycle_ns * 1e-9)
    array_w = n * n * a.v_read_v**2 / a.r_device_ohm
    e_array_pj = 2 * array_w * a.t_mvm_ns * 1e3  # W · ns = nJ = 1e3 pJ
    e_periph_pj = 2 * 2 * n * a.periphery_pj_per_channel  # rows+cols channels, two integrations
    e_update_pj = 2 * n * a.bl * a.update_pj_per_line_pulse
    e_pj = e_array_pj + e_periph_pj + e_update_pj
    gops_per_w = ops_per_sample_array / e_pj * 1e12 / 1e9  # ops per J → GOps/s/W
    return RPUHeadline(
        assumptions=a,
        n_arrays=n_arrays,
        cycle_ns=cycle_ns,
        ops_per_s=ops_per_s,
        speedup_vs_cpu=ops_per_s / (a.cpu_gflops * 1e9),
        energy_pj_per_sample_per_array=e_pj,
        gops_per_w=gops_per_w,
    )


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
        nt = ", ".join(str(self.replicas.get(k, 1)) for k in self.vectors)
        npat = ", ".join(str(v) for v in self.vectors.values())
        line = (
            f"RAPA n_t-fold (Rasch et al. 2019): n_p = ({npat}), n_t = ({nt}) -> pipelined (bottleneck) "
            f"speed-up {self.pipelined_speedup:.1f}x, unpipelined (sum of layers) {self.sequential_speedup:.1f}x"
        )
        if self.simulated_speedup is not None:
            line += f"; event engine {self.simulated_speedup:.1f}x"
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
